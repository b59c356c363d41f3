"""The few filters mastering needs, without importing `scipy.signal` (1-3 s and ~80 MB on a
station PC, more than the rest of a build's imports together).

Designs are closed forms (Butterworth as RBJ biquads, BS.1770's K-weighting as pyloudnorm
writes it, a Hamming-windowed sinc like `firwin`); tests check each against scipy. Filtering
uses scipy's compiled second-order-section kernel, loaded on its own; should a scipy release
move it, `scipy.signal.sosfilt` is used instead (same result, slower start).
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np


@cache
def _sosfilt_kernel():  # noqa: ANN202
    """scipy's `_sosfilt(sos, x, zi)` (in place, C-contiguous 2-D), or None."""
    import importlib.machinery
    import importlib.util
    from pathlib import Path

    try:
        import scipy

        folder = Path(scipy.__file__).parent / "signal"
        path = next(p for p in folder.iterdir() if p.name.startswith("_sosfilt."))
        loader = importlib.machinery.ExtensionFileLoader("scipy.signal._sosfilt", str(path))
        spec = importlib.util.spec_from_file_location("scipy.signal._sosfilt", path,
                                                      loader=loader)
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        loader.exec_module(module)
        kernel = module._sosfilt
        probe = np.array([[1.0, 0.0]], dtype=np.float32)  # one sample through a delay
        kernel(np.array([[0, 1, 0, 1, 0, 0]], np.float32), probe,
               np.zeros((1, 1, 2), np.float32))
        return kernel if probe.tolist() == [[0.0, 1.0]] else None
    except Exception:  # any surprise in a private module: use the public function
        return None


def sosfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Filter float32 mono audio through second-order sections (zero initial state)."""
    kernel = _sosfilt_kernel()
    if kernel is None:
        from scipy.signal import sosfilt as public

        return public(sos, x).astype(np.float32, copy=False)
    y = np.array(x, dtype=np.float32, order="C").reshape(1, -1)
    kernel(np.ascontiguousarray(sos, dtype=np.float32), y,
           np.zeros((1, len(sos), 2), dtype=np.float32))
    return y.reshape(-1)


def _biquad(b: tuple[float, float, float], a: tuple[float, float, float]) -> list[float]:
    return [b[0] / a[0], b[1] / a[0], b[2] / a[0], 1.0, a[1] / a[0], a[2] / a[0]]


@cache
def butter_highpass(order: int, hz: float, rate: int) -> np.ndarray:
    """Butterworth high-pass (even order) as second-order sections, bilinear with prewarping:
    one RBJ high-pass biquad per conjugate pole pair, Q = 1 / (2 cos θ)."""
    w0 = 2 * math.pi * hz / rate
    cos_w0 = math.cos(w0)
    sos = []
    for k in range(order // 2):
        q = 1 / (2 * math.cos(math.pi * (2 * k + 1) / (2 * order)))
        alpha = math.sin(w0) / (2 * q)
        sos.append(_biquad(((1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2),
                           (1 + alpha, -2 * cos_w0, 1 - alpha)))
    return np.array(sos, dtype=np.float64)


@cache
def k_weighting(rate: int) -> np.ndarray:
    """BS.1770 K-weighting for any rate: a +4 dB high shelf at 1500 Hz, then a 38 Hz high-pass
    (the designs pyloudnorm uses, so figures agree with it)."""
    sos = []
    for kind, gain_db, q, fc in (("shelf", 4.0, 1 / math.sqrt(2), 1500.0),
                                 ("highpass", 0.0, 0.5, 38.0)):
        a_ = 10 ** (gain_db / 40)
        w0 = 2 * math.pi * fc / rate
        alpha = math.sin(w0) / (2 * q)
        c = math.cos(w0)
        if kind == "shelf":
            r = 2 * math.sqrt(a_) * alpha
            b = (a_ * ((a_ + 1) + (a_ - 1) * c + r), -2 * a_ * ((a_ - 1) + (a_ + 1) * c),
                 a_ * ((a_ + 1) + (a_ - 1) * c - r))
            a = ((a_ + 1) - (a_ - 1) * c + r, 2 * ((a_ - 1) - (a_ + 1) * c),
                 (a_ + 1) - (a_ - 1) * c - r)
        else:
            b = ((1 + c) / 2, -(1 + c), (1 + c) / 2)
            a = (1 + alpha, -2 * c, 1 - alpha)
        sos.append(_biquad(b, a))
    return np.array(sos, dtype=np.float64)


@cache
def lowpass_fir(taps: int, cutoff: float) -> np.ndarray:
    """Hamming-windowed sinc, unit gain at DC; `cutoff` as a fraction of Nyquist (= firwin)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = cutoff * np.sinc(cutoff * n) * np.hamming(taps)
    return h / h.sum()


def upsample(h: np.ndarray, x: np.ndarray, up: int) -> np.ndarray:
    """Zero-stuff by `up` and filter with h: scipy's upfirdn(h, x, up) done phase by phase.

    Each phase is a short FIR written as shifted multiply-adds over the whole signal, which
    numpy vectorizes better than np.convolve does for a dozen taps.
    """
    x = np.asarray(x, dtype=np.float32)
    taps = -(-len(h) // up)
    n_out = (len(x) - 1) * up + len(h)
    m = len(x) + taps - 1  # full convolution length of one phase
    padded = np.concatenate([np.zeros(taps - 1, np.float32), x, np.zeros(taps - 1, np.float32)])
    out = np.zeros(-(-n_out // up) * up, dtype=np.float32)
    acc = np.empty(m, dtype=np.float32)
    tmp = np.empty(m, dtype=np.float32)
    for p in range(up):
        acc.fill(0.0)
        for k, g in enumerate(np.asarray(h[p::up], dtype=np.float32)):
            np.multiply(padded[taps - 1 - k: taps - 1 - k + m], g, out=tmp)
            acc += tmp
        out[p::up][:m] = acc
    return out[:n_out]
