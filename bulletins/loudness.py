"""Loudness and peak control in-process (numpy and dsp.py's filters): one pass, float32.

BS.1770 integrated loudness uses pyloudnorm's filter design (tests compare), computed from
per-100 ms energies so pieces measured apart can be combined (master.py measures each part once and
caches its energies). True peak is 4x oversampled as BS.1770 asks, but only where it could
matter: a 4x interpolated sample is a weighted sum of 12 input samples, so it can exceed
their largest magnitude by at most the filter's per-phase L1 norm; blocks whose samples stay
below `level / L1` are skipped without being oversampled. The limiter is a look-ahead gain
envelope built from those oversampled peaks. Finished files are checked by decoding them.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np

from . import dsp

_OVERSAMPLE = 4
_TAPS = 48  # 12 per phase, the size BS.1770-4 Annex 2 uses for true peak
_BLOCK = 256  # candidate search granularity, samples (more than the filter's reach)
_MERGE_GAP = 16  # candidate runs this few blocks apart are oversampled together
_MAX_RUN = 64  # blocks oversampled at once at most


def hop_energies(x: np.ndarray, rate: int, partial: bool = False) -> np.ndarray:
    """Sum of squares of the K-weighted signal per 100 ms hop (float64).

    With `partial`, a last incomplete hop is included (pieces of a longer program);
    otherwise only whole hops count, as BS.1770 blocks must lie inside the signal.
    """
    y = _k_weighted(x, rate)
    hop = rate // 10
    n_hops = -(-len(y) // hop) if partial else len(y) // hop
    if n_hops * hop > len(y):
        y = np.concatenate([y, np.zeros(n_hops * hop - len(y), dtype=np.float32)])
    return np.square(y[: n_hops * hop].reshape(n_hops, hop), dtype=np.float32).sum(
        axis=1, dtype=np.float64)


def gated_lufs(energy: np.ndarray, rate: int) -> float:
    """BS.1770-4 gated loudness from hop energies: 400 ms blocks, 75 % overlap."""
    hop = rate // 10
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


def integrated_lufs(x: np.ndarray, rate: int) -> float:
    """BS.1770-4 gated integrated loudness of mono audio (agrees with pyloudnorm)."""
    if len(x) < rate // 2:  # BS.1770 needs at least one 400 ms block
        x = np.concatenate([x, np.zeros(rate // 2 - len(x) + 1, dtype=np.float32)])
    return gated_lufs(hop_energies(x, rate), rate)


@cache
def _interpolator() -> tuple[np.ndarray, float]:
    """The 4x interpolation filter and its largest per-phase L1 norm (the overshoot bound)."""
    h = (dsp.lowpass_fir(_TAPS, 1 / _OVERSAMPLE) * _OVERSAMPLE).astype(np.float32)
    bound = max(float(np.abs(h[p::_OVERSAMPLE]).sum()) for p in range(_OVERSAMPLE))
    return h, max(1.0, bound)


def _candidate_runs(x: np.ndarray, level: float) -> list[tuple[int, int]]:
    """Sample ranges whose oversampled peak could reach `level`; elsewhere it cannot."""
    _, bound = _interpolator()
    n = len(x)
    nb = -(-n // _BLOCK)
    mags = np.zeros(nb * _BLOCK, dtype=np.float32)
    np.abs(x, out=mags[:n])
    bmax = mags.reshape(nb, _BLOCK).max(axis=1)
    near = bmax.copy()  # a block's interpolated values also see its neighbours' samples
    near[1:] = np.maximum(near[1:], bmax[:-1])
    near[:-1] = np.maximum(near[:-1], bmax[1:])
    cand = near * bound >= level
    if not cand.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], cand.astype(np.int8), [0]])))
    runs: list[tuple[int, int]] = []
    for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
        if runs and a - runs[-1][1] <= _MERGE_GAP:  # one call for nearby runs: less overhead
            runs[-1] = (runs[-1][0], b)
        else:
            runs.append((a, b))
    # Long runs in pieces: the oversampled copy of a whole loud minute would be tens of MB
    # (the values are the same: each piece is oversampled with its neighbours' samples).
    return [(c * _BLOCK, min(n, min(b, c + _MAX_RUN) * _BLOCK))
            for a, b in runs for c in range(a, b, _MAX_RUN)]


def _oversampled(x: np.ndarray, a: int, b: int) -> np.ndarray:
    """|4x oversampled signal| for samples a..b: 4 values per input sample, in order."""
    h, _ = _interpolator()
    delay = (len(h) - 1) // 2
    margin = len(h)
    lo, hi = max(0, a - margin), min(len(x), b + margin)
    y = dsp.upsample(h, x[lo:hi], _OVERSAMPLE)[delay:]
    first = (a - lo) * _OVERSAMPLE
    n = (b - a) * _OVERSAMPLE
    seg = np.abs(y[first: first + n])
    return seg if len(seg) == n else np.pad(seg, (0, n - len(seg)))


def _oversampled_peaks(x: np.ndarray, a: int, b: int) -> np.ndarray:
    """For samples a..b, the largest |value| of the 4x oversampled signal around each."""
    seg = _oversampled(x, a, b)
    # Strided maxima: much faster than reshape(-1, 4).max(axis=1) on a short axis.
    return np.maximum(np.maximum(seg[0::4], seg[1::4]), np.maximum(seg[2::4], seg[3::4]))


def true_peak(x: np.ndarray) -> float:
    """Linear true peak: the largest |value| of the 4x oversampled signal, computed only
    where it could be largest."""
    if len(x) == 0:
        return 0.0
    level = float(np.max(np.abs(x)))
    if level == 0.0:
        return 0.0
    # Oversampled values can fall below the sample peak (full-band signals lose their top
    # octave in the interpolator): then look again with the lower level found.
    for _ in range(2):
        found = max((float(_oversampled(x, a, b).max())
                     for a, b in _candidate_runs(x, level)), default=0.0)
        if found >= level:
            return found
        level = found
    return level


def true_peak_dbtp(x: np.ndarray) -> float:
    peak = true_peak(x)
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def highpass(x: np.ndarray, rate: int, hz: int) -> np.ndarray:
    """4th-order Butterworth: horns cannot reproduce bass; it only wastes their power."""
    if hz <= 0:
        return x
    return dsp.sosfilt(dsp.butter_highpass(4, hz, rate), x)


def _running_min(x: np.ndarray, half: int) -> np.ndarray:
    """min(x[i-half : i+half+1]) with edge values repeated (van Herk/Gil-Werman, O(n))."""
    w = 2 * half + 1
    n = len(x)
    padded = np.concatenate([np.full(half, x[0]), x, np.full(half, x[-1])])
    m = len(padded)
    extra = -m % w
    if extra:
        padded = np.concatenate([padded, np.full(extra, x[-1])])
    rows = padded.reshape(-1, w)
    prefix = np.minimum.accumulate(rows, axis=1).ravel()
    suffix = np.minimum.accumulate(rows[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:n], prefix[w - 1: w - 1 + n])


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """Centred moving average of `size` samples, edge values repeated."""
    left = size // 2
    right = size - 1 - left
    padded = np.concatenate([np.full(left, x[0]), x, np.full(right, x[-1])]).astype(np.float64)
    c = np.concatenate([[0.0], np.cumsum(padded)])
    return ((c[size:] - c[:-size]) / size).astype(np.float32)


def _k_weighted(x: np.ndarray, rate: int) -> np.ndarray:
    return dsp.sosfilt(dsp.k_weighting(rate), x)


def _running_max(x: np.ndarray, half: int) -> np.ndarray:
    return -_running_min(-x, half)


def _peak_runs(x: np.ndarray, level: float, look: int) -> list[tuple[int, int, np.ndarray]]:
    """(lo, hi, held peaks) wherever a peak could reach `level`: the 4x oversampled peaks of
    x, each held over ± the look-ahead, on the run widened by the limiter's reach."""
    out = []
    for a, b in _candidate_runs(x, level):
        lo, hi = max(0, a - 2 * look), min(len(x), b + 2 * look)
        local = np.zeros(hi - lo, dtype=np.float32)
        local[a - lo: b - lo] = _oversampled_peaks(x, a, b)
        out.append((lo, hi, _running_max(local, look)))
    return out


def _envelopes(runs: list[tuple[int, int, np.ndarray]], gain: float, ceiling: float,
               look: int) -> list[tuple[int, int, np.ndarray]]:
    """Limiter gain (≤ 1) around each run where `gain` would push a peak over `ceiling`.

    Hold the lowest gain any peak within the look-ahead needs (the held peaks give it for
    any overall gain), then smooth with a box half as wide: every sample's smoothed gain
    averages only held values at or below its need.
    """
    out = []
    for lo, hi, held in runs:
        if float(held.max()) * gain <= ceiling:
            continue
        need = np.minimum(1.0, ceiling / np.maximum(held * np.float32(gain), 1e-9))
        out.append((lo, hi, np.minimum(_moving_mean(need, look), 1.0)))
    return out


def _apply(x: np.ndarray, gain: float, envs: list[tuple[int, int, np.ndarray]]) -> np.ndarray:
    y = x * np.float32(gain)
    for lo, hi, env in envs:
        y[lo:hi] *= env
    return y


def limit(x: np.ndarray, rate: int, ceiling_dbtp: float, lookahead_ms: float = 5.0) -> np.ndarray:
    """Keep true peaks at or under the ceiling with a smooth look-ahead gain envelope.

    The envelope differs from 1 only within the look-ahead of a candidate peak, so it is
    built run by run; the rest of the signal is left untouched.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    look = max(1, int(rate * lookahead_ms / 1000))
    envs = _envelopes(_peak_runs(x, ceiling, look), 1.0, ceiling, look)
    return _apply(x, 1.0, envs) if envs else x


def normalize(x: np.ndarray, rate: int, target_lufs: float, ceiling_dbtp: float,
              tolerance_lu: float = 0.2, passes: int = 8, exact: bool = True,
              lookahead_ms: float = 5.0) -> tuple[np.ndarray, float, float]:
    """Gain to `target_lufs`, limiting true peaks to `ceiling_dbtp`; returns (x, LUFS, dBTP).

    The signal is K-weighted and oversampled once; each pass only recomputes the limiter's
    gain for a new overall gain, and (unless `exact`) the loudness from the K-weighted input
    times those gains, in the hops the limiter touched. A limiter working hard gives back
    less than a dB per dB, so passes after the first take secant steps. With `exact` the
    figures returned are measured on the returned samples (else the dBTP is NaN).
    """
    n = len(x)
    padded = x if n >= rate // 2 else np.concatenate(
        [x, np.zeros(rate // 2 - n + 1, dtype=np.float32)])
    kx = _k_weighted(padded, rate)
    hop = rate // 10
    n_hops = len(kx) // hop
    energy = np.square(kx[: n_hops * hop].reshape(n_hops, hop), dtype=np.float32).sum(
        axis=1, dtype=np.float64)
    loud = gated_lufs(energy, rate)
    if not math.isfinite(loud) or loud < -69:
        return x, loud, true_peak_dbtp(x) if exact else math.nan  # silence
    ceiling = 10 ** (ceiling_dbtp / 20)
    look = max(1, int(rate * lookahead_ms / 1000))
    first = target_lufs - loud
    # The peak map covers every peak that gain_db <= first + reach could push over the
    # ceiling. Built for 4 dB first (espeak speech settles within 3 dB of `first`, and a
    # 12 dB map oversamples nearly all speech); rebuilt for 12 dB only when a pass asks for
    # more gain (a limiter working hard).
    reach = 0.0
    runs: list[tuple[int, int, np.ndarray]] = []

    def measure(gain_db: float) -> tuple[float, list]:  # noqa: ANN202
        nonlocal reach, runs
        if gain_db > first + reach or not reach:
            reach = 12.0 if reach else 4.0
            runs = _peak_runs(x, ceiling / 10 ** ((first + reach) / 20), look)
        g = 10 ** (gain_db / 20)
        envs = _envelopes(runs, g, ceiling, look)
        if exact:
            return integrated_lufs(_apply(x, g, envs), rate), envs
        e = energy * g * g
        for lo, hi, env in envs:  # re-sum the hops the limiter touched
            h0, h1 = lo // hop, min(n_hops, -(-hi // hop))
            seg = kx[h0 * hop: h1 * hop] * np.float32(g)
            seg[lo - h0 * hop: hi - h0 * hop] *= env[: min(hi, h1 * hop) - lo]
            e[h0:h1] = np.square(seg.reshape(-1, hop), dtype=np.float32).sum(
                axis=1, dtype=np.float64)
        return gated_lufs(e, rate), envs

    gain_db = first
    best: tuple[float, float, float, list] | None = None  # (error, gain, loudness, envs)
    prev: tuple[float, float] | None = None
    slope = 1.0
    for _ in range(passes):
        out_loud, envs = measure(gain_db)
        if best is None or abs(out_loud - target_lufs) < best[0]:
            best = (abs(out_loud - target_lufs), gain_db, out_loud, envs)
        if abs(out_loud - target_lufs) <= tolerance_lu:
            break
        if prev is not None and abs(gain_db - prev[0]) > 1e-3:
            slope = min(1.0, max(0.1, (out_loud - prev[1]) / (gain_db - prev[0])))
        prev = (gain_db, out_loud)
        gain_db = min(first + 12.0, gain_db + min(12.0, (target_lufs - out_loud) / slope))
    _, gain_db, out_loud, envs = best
    y = _apply(x, 10 ** (gain_db / 20), envs)
    return y, out_loud, true_peak_dbtp(y) if exact else math.nan
