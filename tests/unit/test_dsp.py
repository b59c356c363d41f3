"""dsp.py's closed-form designs and kernels against scipy.signal, the reference."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import signal

from bulletins import dsp


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
@pytest.mark.parametrize("hz", [80, 120, 300])
def test_butterworth_highpass_matches_scipy(rate, hz):
    ours = dsp.butter_highpass(4, hz, rate)
    ref = signal.butter(4, hz / (rate / 2), btype="highpass", output="sos")
    w, h_ours = signal.sosfreqz(ours, worN=2048, fs=rate)
    _, h_ref = signal.sosfreqz(ref, worN=2048, fs=rate)
    assert np.allclose(np.abs(h_ours), np.abs(h_ref), atol=1e-6)


def test_sosfilt_matches_scipy_in_float32():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(100_000).astype(np.float32) * 0.3
    for sos in (dsp.butter_highpass(4, 120, 22050), dsp.k_weighting(22050)):
        ours = dsp.sosfilt(sos, x)
        ref = signal.sosfilt(sos, x.astype(np.float64))
        assert ours.dtype == np.float32 and ours.shape == x.shape
        # float32 arithmetic: within -80 dB of the float64 reference
        assert np.max(np.abs(ours - ref)) < 1e-4 * np.max(np.abs(ref))


def test_interpolator_and_upsampling_match_firwin_and_upfirdn():
    h = dsp.lowpass_fir(48, 0.25)
    assert np.allclose(h, signal.firwin(48, 0.25), atol=1e-12)
    x = np.random.default_rng(2).standard_normal(5001).astype(np.float32)
    h4 = (h * 4).astype(np.float32)
    ours = dsp.upsample(h4, x, 4)
    ref = signal.upfirdn(h4, x, up=4)
    assert ours.shape == ref.shape
    assert np.max(np.abs(ours - ref)) < 1e-5


def test_mastering_never_imports_scipy_signal(tmp_path):
    # scipy.signal costs seconds of start-up on a station PC; a build must not need it.
    code = (
        "import sys, numpy as np\n"
        "from pathlib import Path\n"
        "from datetime import date\n"
        "from bulletins.audio import Clip\n"
        "from bulletins.config import AudioSettings\n"
        "from bulletins.master import Tags, master\n"
        "t = np.arange(22050 * 3) / 22050\n"
        "x = (0.3 * np.sin(2 * np.pi * 300 * t) * (np.sin(2 * np.pi * 2 * t) > 0))\n"
        "tags = Tags('a', 'A', date(2026, 1, 1), 'sang', 'T')\n"
        f"master(Clip(x.astype(np.float32), 22050), [], AudioSettings(), tags, "
        f"Path({str(tmp_path / 'a.mp3')!r}))\n"
        "print('scipy.signal' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    assert (tmp_path / "a.mp3").stat().st_size > 1000
