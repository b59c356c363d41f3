import math

import numpy as np
import pyloudnorm
import pytest

from bulletins import loudness


@pytest.mark.parametrize("rate", [16000, 22050, 48000])
def test_integrated_loudness_agrees_with_pyloudnorm(rate):
    rng = np.random.default_rng(rate)
    n = rate * 20
    env = np.repeat(rng.uniform(0.0, 0.6, 200), n // 200 + 1)[:n]
    x = (rng.standard_normal(n) * env).astype(np.float32)
    ours = loudness.integrated_lufs(x, rate)
    ref = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    assert ours == pytest.approx(ref, abs=0.01)


def test_silence_has_no_loudness():
    assert loudness.integrated_lufs(np.zeros(22050 * 3, np.float32), 22050) == -math.inf


def test_true_peak_finds_the_peak_between_samples():
    # A quarter-rate sine sampled 45° off its crest: samples reach only 0.707, the wave 1.0.
    n = np.arange(22050)
    x = np.sin(2 * np.pi * n / 4 + np.pi / 4).astype(np.float32)
    assert 20 * np.log10(np.abs(x).max()) == pytest.approx(-3.01, abs=0.05)
    assert loudness.true_peak_dbtp(x) == pytest.approx(0.0, abs=0.2)


def test_limiter_holds_the_true_peak_ceiling_and_leaves_quiet_audio_alone():
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(22050 * 10) * 0.3).astype(np.float32)
    y = loudness.limit(x, 22050, -3.0)
    assert loudness.true_peak_dbtp(y) <= -2.9
    quiet = x * np.float32(0.05)
    assert np.array_equal(loudness.limit(quiet, 22050, -3.0), quiet)


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_normalize_reaches_target_under_the_ceiling(target):
    rng = np.random.default_rng(3)
    env = np.repeat(rng.uniform(0.0, 1.0, 120), 22050 // 4)
    x = (rng.standard_normal(len(env)) * env * 0.05).astype(np.float32)
    y, lufs, peak = loudness.normalize(x, 22050, target, -1.5)
    assert lufs == pytest.approx(target, abs=0.2)
    assert loudness.integrated_lufs(y, 22050) == pytest.approx(lufs, abs=1e-6)
    assert peak <= -1.4
