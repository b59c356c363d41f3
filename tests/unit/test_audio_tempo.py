"""Tempo changes through real ffmpeg, kept by content so a rebuild skips ffmpeg."""

import numpy as np

from bulletins import audio
from bulletins.audio import Clip, change_tempo


def _tone(seconds: float = 2.0, rate: int = 22050) -> Clip:
    t = np.arange(round(seconds * rate)) / rate
    return Clip((0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate)


def test_tempo_result_is_cached_and_reused(tmp_path, monkeypatch):
    clip = _tone()
    first = change_tempo(clip, 1.05, cache_dir=tmp_path)
    assert abs(first.duration_s - clip.duration_s / 1.05) < 0.05
    assert len(list(tmp_path.rglob("*.pcm"))) == 1

    def no_ffmpeg(*_a, **_k):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("ffmpeg ran again")

    monkeypatch.setattr(audio, "run_ffmpeg", no_ffmpeg)
    again = change_tempo(clip, 1.05, cache_dir=tmp_path)
    assert np.array_equal(again.samples, first.samples)


def test_damaged_tempo_cache_entry_is_made_again(tmp_path):
    clip = _tone(1.0)
    first = change_tempo(clip, 0.95, cache_dir=tmp_path)
    (entry,) = tmp_path.rglob("*.pcm")
    entry.write_bytes(b"\x00" * 3)  # odd length: not 16-bit samples
    again = change_tempo(clip, 0.95, cache_dir=tmp_path)
    assert np.array_equal(again.samples, first.samples)
    assert entry.stat().st_size == 2 * len(first.samples)
