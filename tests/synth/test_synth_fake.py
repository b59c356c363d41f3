from __future__ import annotations

from bulletins.errors import SynthesisError
from bulletins.synth import FakeEngine, Speaker

PART = ["Kính thưa bà con.", "Sau đây là bản tin, phát lúc năm giờ sáng."]


def test_fake_engine_drives_the_real_speaker(settings, station):
    fake = FakeEngine()
    speaker = Speaker(settings, station, engine="espeak", engines={"espeak": fake})
    result = speaker.speak(PART)
    expected = fake.ms(PART[0]) + fake.ms(PART[1]) + settings.audio.sentence_pause_ms
    assert abs(result.clip.duration_ms - expected) <= 2
    assert abs(speaker.estimate_ms(" ".join(PART)) - expected) <= 5
    assert speaker.estimate_ms(PART) == speaker.estimate_ms(" ".join(PART))
    speaker.speak(PART)
    # Spoken once each (the second part came from the cache); the rest were calibration.
    assert [fake.calls.count(s) for s in PART] == [1, 1]
    assert speaker.stats.synthesized == 2 and speaker.stats.cache_hits == 2


def test_auto_fallback_with_fakes(configure, station):
    settings = configure(auto=("gtts", "espeak"))
    down = FakeEngine("gtts", "vi", fail_with=SynthesisError("gTTS lỗi (thử nghiệm)"))
    offline = FakeEngine()
    speaker = Speaker(settings, station, engine="auto",
                      engines={"gtts": down, "espeak": offline})
    assert speaker.speak(PART).engine == "espeak"
    assert len(down.calls) == 1 and len(offline.calls) == 2
    assert speaker.stats.fallbacks == ["gTTS lỗi (thử nghiệm), đã chuyển sang espeak"]
