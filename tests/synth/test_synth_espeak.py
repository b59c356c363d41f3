from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from bulletins.config import AudioSettings
from bulletins.errors import SynthesisError
from bulletins.synth import Speaker
from bulletins.synth.base import trim_silence
from bulletins.synth.espeak import EspeakEngine


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))

SHORT = "Kính thưa bà con."
LONG = ("Ủy ban nhân dân xã thông báo lịch tiêm phòng cho đàn gia súc, "
        "bà con nhốt giữ trâu bò tại chuồng vào sáng thứ năm để cán bộ thú y tiêm phòng.")


@pytest.mark.parametrize("voice", ["vi", "vi-VN-x-central", "vi-VN-x-south"])
def test_each_vietnamese_voice_speaks(configure, settings, station, voice):
    speaker = Speaker(configure(espeak_voice=voice), station, engine="espeak")
    short = speaker.speak([SHORT]).clip
    result = speaker.speak([LONG])
    long = result.clip
    assert result.engine == "espeak"
    assert speaker.engine_label == f"espeak:{voice}"
    assert long.rate == settings.audio.sample_rate
    assert rms(short.samples) > 0.02 and rms(long.samples) > 0.02
    # Plausible Vietnamese speech rate at 150 wpm: 150-450 ms per syllable.
    for clip, text in ((short, SHORT), (long, LONG)):
        per_syllable = clip.duration_ms / len(text.split())
        assert 150 < per_syllable < 450, (voice, text, per_syllable)
    ratio = long.duration_ms / short.duration_ms
    assert 0.6 * 33 / 4 < ratio < 1.4 * 33 / 4  # roughly proportional to syllables


def test_station_voice_overrides_default(settings):
    station = replace(settings.stations[0], voice="vi-VN-x-south")
    assert Speaker(settings, station, engine="espeak").engine_label == "espeak:vi-VN-x-south"


def test_unknown_espeak_voice_is_a_synthesis_error(settings):
    station = replace(settings.stations[0], voice="en-us")
    with pytest.raises(SynthesisError) as err:
        Speaker(settings, station, engine="espeak")
    assert "en-us" in err.value.message


def test_unknown_engine_is_a_synthesis_error(settings, station):
    with pytest.raises(SynthesisError):
        Speaker(settings, station, engine="festival")


def test_sentences_are_joined_with_the_sentence_pause(settings, station):
    speaker = Speaker(settings, station, engine="espeak")
    a = speaker.speak([SHORT]).clip
    b = speaker.speak([LONG]).clip
    both = speaker.speak([SHORT, "…", LONG]).clip  # unspeakable "…" adds no pause
    pause = round(settings.audio.sentence_pause_ms * a.rate / 1000)
    assert len(both.samples) == len(a.samples) + pause + len(b.samples)
    assert not both.samples[len(a.samples):len(a.samples) + pause].any()


def test_output_is_resampled_to_the_configured_rate(settings, station):
    settings = replace(settings, audio=AudioSettings(sample_rate=16000))
    clip = Speaker(settings, station, engine="espeak").speak([SHORT]).clip
    assert clip.rate == 16000
    assert rms(clip.samples) > 0.02


def test_empty_part_gives_empty_clip(settings, station):
    result = Speaker(settings, station, engine="espeak").speak([])
    assert len(result.clip.samples) == 0 and result.engine == "espeak"


def test_concurrent_speak_from_threads_is_safe(configure, station):
    voices = ["vi", "vi-VN-x-central", "vi-VN-x-south"]
    texts = [f"Bản tin số {n}, {LONG}" for n in ("một", "hai", "ba")]
    results: dict[tuple[int, int], np.ndarray] = {}
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            voice = voices[i % 3]
            speaker = Speaker(configure(espeak_voice=voice), station, "espeak")
            for j, text in enumerate(texts):
                results[(i, j)] = speaker.speak([text]).clip.samples
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    # Separate cache folders per voice are not needed: voice is part of the cache key,
    # and each thread races the others for the library's global voice setting.
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for (i, j), samples in results.items():
        # espeak-ng is not bit-exact from call to call (its wave generator keeps phase),
        # so compare against a sequential run by length and level: interleaved callbacks
        # or a voice switched mid-sentence would show up as gross differences.
        expected = trim_silence(EspeakEngine(voices[i % 3]).synthesize(texts[j])).samples
        assert abs(len(samples) - len(expected)) < 0.01 * len(expected), (i, j)
        assert abs(rms(samples) - rms(expected)) < 0.1 * rms(expected), (i, j)
    assert len(results) == 4 * len(texts)
