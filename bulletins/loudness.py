"""Loudness and peak control in-process (numpy/scipy): fast enough for a modest PC.

BS.1770 integrated loudness comes from pyloudnorm; true peak is measured 4x oversampled,
as BS.1770 asks. The limiter is a look-ahead gain envelope computed on the oversampled
signal, so inter-sample peaks are caught too. Files are still checked afterwards with
ffmpeg's own ebur128 meter (master.measure_loudness), an independent implementation.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import butter, firwin, sosfilt, upfirdn

_OVERSAMPLE = 4
_meters: dict[int, pyloudnorm.Meter] = {}


def integrated_lufs(x: np.ndarray, rate: int) -> float:
    if len(x) < rate // 2:  # BS.1770 needs at least one 400 ms block
        x = np.concatenate([x, np.zeros(rate // 2 - len(x) + 1, dtype=x.dtype)])
    meter = _meters.setdefault(rate, pyloudnorm.Meter(rate))
    with np.errstate(divide="ignore"):
        value = meter.integrated_loudness(x.astype(np.float64))
    return float(value) if math.isfinite(value) else -math.inf


@cache
def _interpolator() -> np.ndarray:
    # A 48-tap (12 per phase) low-pass, the size BS.1770-4 Annex 2 uses for true peak.
    return (firwin(48, 1 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)


def _oversampled_abs(x: np.ndarray) -> np.ndarray:
    h = _interpolator()
    y = upfirdn(h, x.astype(np.float32), up=_OVERSAMPLE)
    delay = (len(h) - 1) // 2
    return np.abs(y[delay: delay + len(x) * _OVERSAMPLE])


def true_peak_dbtp(x: np.ndarray) -> float:
    if len(x) == 0:
        return -math.inf
    peak = float(np.max(_oversampled_abs(x)))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def highpass(x: np.ndarray, rate: int, hz: int) -> np.ndarray:
    """4th-order Butterworth: horns cannot reproduce bass; it only wastes their power."""
    if hz <= 0:
        return x
    sos = butter(4, hz / (rate / 2), btype="highpass", output="sos")
    return sosfilt(sos, x).astype(np.float32)


def limit(x: np.ndarray, rate: int, ceiling_dbtp: float, lookahead_ms: float = 5.0) -> np.ndarray:
    """Keep true peaks at or under the ceiling with a smooth look-ahead gain envelope."""
    ceiling = 10 ** (ceiling_dbtp / 20)
    over = _oversampled_abs(x)
    n = len(x)
    # Per-sample peak of the oversampled signal around each original sample.
    peaks = over[: n * _OVERSAMPLE].reshape(n, _OVERSAMPLE).max(axis=1)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-9)).astype(np.float32)
    if need.min() >= 1.0:
        return x
    look = max(1, int(rate * lookahead_ms / 1000))
    # Hold the lowest gain any peak within the look-ahead needs, then smooth with a box half
    # as wide: every sample's smoothed gain averages only held values at or below its need.
    held = minimum_filter1d(need, size=2 * look + 1, mode="nearest")
    gain = uniform_filter1d(held, size=look, mode="nearest")
    return (x * np.minimum(gain, 1.0)).astype(np.float32)


def normalize(x: np.ndarray, rate: int, target_lufs: float, ceiling_dbtp: float,
              tolerance_lu: float = 0.2, passes: int = 5) -> tuple[np.ndarray, float, float]:
    """Gain to `target_lufs`, limiting true peaks to `ceiling_dbtp`; returns (x, LUFS, dBTP).

    Limiting takes back some loudness, so the gain is re-aimed from a measurement after
    each pass. Every figure returned is measured on the returned samples.
    """
    loud = integrated_lufs(x, rate)
    if not math.isfinite(loud) or loud < -69:
        return x, loud, true_peak_dbtp(x)  # silence: nothing to normalize
    gain_db = target_lufs - loud
    best: tuple[float, np.ndarray, float] | None = None
    prev: tuple[float, float] | None = None  # (gain, loudness) of the previous pass
    slope = 1.0  # dB of loudness per dB of gain; a limiter working hard gives back less
    for _ in range(passes):
        y = limit((x * np.float32(10 ** (gain_db / 20))).astype(np.float32), rate, ceiling_dbtp)
        out_loud = integrated_lufs(y, rate)
        if best is None or abs(out_loud - target_lufs) < best[0]:
            best = (abs(out_loud - target_lufs), y, out_loud)
        if abs(out_loud - target_lufs) <= tolerance_lu:
            break
        if prev is not None and abs(gain_db - prev[0]) > 1e-3:
            slope = min(1.0, max(0.1, (out_loud - prev[1]) / (gain_db - prev[0])))
        prev = (gain_db, out_loud)
        gain_db += min(12.0, (target_lufs - out_loud) / slope)
    _, y, out_loud = best
    return y, out_loud, true_peak_dbtp(y)
