"""Loudness and peak control in-process (numpy/scipy): fast enough for a modest PC.

BS.1770 integrated loudness uses pyloudnorm's filter design; true peak is measured 4x oversampled,
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


@cache
def _k_weighting(rate: int) -> tuple[np.ndarray, ...]:
    # pyloudnorm designs BS.1770's two K-weighting stages for any sample rate.
    filters = pyloudnorm.Meter(rate)._filters
    return tuple(np.concatenate([f.b, f.a]) for f in filters.values())


def integrated_lufs(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 gated integrated loudness of mono audio.

    Same filters and gating as pyloudnorm (the tests compare the two), computed from
    per-100 ms energies so a ten-minute bulletin needs no float64 copy of itself.
    """
    if len(x) < rate // 2:  # BS.1770 needs at least one 400 ms block
        x = np.concatenate([x, np.zeros(rate // 2 - len(x) + 1, dtype=np.float32)])
    y = np.asarray(x, dtype=np.float32)
    for ba in _k_weighting(rate):
        y = sosfilt(ba.reshape(1, 6), y).astype(np.float32)
    hop = rate // 10  # blocks of 400 ms with 75 % overlap are four 100 ms hops
    n_hops = len(y) // hop
    energy = np.square(y[: n_hops * hop].reshape(n_hops, hop), dtype=np.float32).sum(
        axis=1, dtype=np.float64)
    block = (energy[:-3] + energy[1:-2] + energy[2:-1] + energy[3:]) / (4 * hop)
    if len(block) == 0:
        return -math.inf
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10 * np.log10(block)
    gated = block[loud >= -70.0]
    if len(gated) == 0:
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) - 10.0
    with np.errstate(divide="ignore"):
        keep = gated[-0.691 + 10 * np.log10(gated) >= relative]
    return -0.691 + 10 * math.log10(keep.mean()) if len(keep) else -math.inf


@cache
def _interpolator() -> np.ndarray:
    # A 48-tap (12 per phase) low-pass, the size BS.1770-4 Annex 2 uses for true peak.
    return (firwin(48, 1 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)


def _sample_peaks(x: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """For each sample, the largest |value| of the 4x oversampled signal around it.

    Worked in blocks (with the filter's reach as margin) so a ten-minute bulletin never
    holds its 4x copy in memory at once.
    """
    h = _interpolator()
    delay = (len(h) - 1) // 2
    margin = len(h)
    x = x.astype(np.float32, copy=False)
    out = np.empty(len(x), dtype=np.float32)
    for start in range(0, len(x), block):
        lo, hi = max(0, start - margin), min(len(x), start + block + margin)
        y = upfirdn(h, x[lo:hi], up=_OVERSAMPLE)[delay:]
        first = (start - lo) * _OVERSAMPLE
        n = min(block, len(x) - start)
        seg = np.abs(y[first: first + n * _OVERSAMPLE])
        if len(seg) < n * _OVERSAMPLE:
            seg = np.pad(seg, (0, n * _OVERSAMPLE - len(seg)))
        out[start: start + n] = seg.reshape(n, _OVERSAMPLE).max(axis=1)
    return out


def true_peak_dbtp(x: np.ndarray) -> float:
    if len(x) == 0:
        return -math.inf
    peak = float(np.max(_sample_peaks(x)))
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
    peaks = _sample_peaks(x)
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
