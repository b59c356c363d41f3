from __future__ import annotations

import numpy as np
import pytest

from bulletins.synth import Speaker
from bulletins.synth.cache import SpeechCache, cache_key

SENTENCES = ["Kính thưa bà con nhân dân trong xã.", "Sau đây là bản tin thời sự buổi sáng."]


def _entries(settings) -> list:
    return sorted((settings.cache_dir / "speech").rglob("*.wav"))


def test_second_identical_speak_synthesizes_nothing(settings, station):
    speaker = Speaker(settings, station, engine="espeak")
    first = speaker.speak(SENTENCES)
    assert (speaker.stats.synthesized, speaker.stats.cache_hits) == (2, 0)
    second = speaker.speak(SENTENCES)
    assert (speaker.stats.synthesized, speaker.stats.cache_hits) == (2, 2)
    assert np.array_equal(first.clip.samples, second.clip.samples)
    assert len(_entries(settings)) == 2


def test_cache_is_shared_across_speakers(settings, station):
    first = Speaker(settings, station, engine="espeak").speak(SENTENCES)
    other = Speaker(settings, station, engine="espeak")
    again = other.speak(SENTENCES)
    assert other.stats.synthesized == 0 and other.stats.cache_hits == 2
    assert np.array_equal(first.clip.samples, again.clip.samples)


def test_repeated_sentence_in_one_part_is_spoken_once(settings, station):
    speaker = Speaker(settings, station, engine="espeak")
    speaker.speak([SENTENCES[0], SENTENCES[1], SENTENCES[0]])
    assert speaker.stats.synthesized == 2 and speaker.stats.cache_hits == 1


def test_voice_and_rate_are_part_of_the_key(configure, station):
    a = Speaker(configure(espeak_voice="vi"), station, engine="espeak")
    a.speak(SENTENCES[:1])
    b = Speaker(configure(espeak_voice="vi-VN-x-south"), station, engine="espeak")
    b.speak(SENTENCES[:1])
    c = Speaker(configure(espeak_rate_wpm=180), station, engine="espeak")
    c.speak(SENTENCES[:1])
    assert a.stats.synthesized == b.stats.synthesized == c.stats.synthesized == 1
    assert cache_key("espeak", "vi", "wpm=150", 22050, "x") != cache_key(
        "espeak", "vi", "wpm=150", 16000, "x")


def test_library_version_is_part_of_the_key(settings, station, monkeypatch):
    from bulletins.synth import espeak

    Speaker(settings, station, engine="espeak").speak(SENTENCES[:1])
    monkeypatch.setattr(espeak, "_loader_version", lambda: "9.9.9")
    upgraded = Speaker(settings, station, engine="espeak")
    upgraded.speak(SENTENCES[:1])
    assert upgraded.stats.synthesized == 1


def test_corrupt_entry_is_a_miss_and_is_rewritten(settings, station):
    speaker = Speaker(settings, station, engine="espeak")
    good = speaker.speak(SENTENCES[:1]).clip
    (entry,) = _entries(settings)
    entry.write_bytes(b"RIFF\x00\x00garbage")
    again = speaker.speak(SENTENCES[:1]).clip
    assert speaker.stats.synthesized == 2 and speaker.stats.cache_hits == 0
    assert abs(len(again.samples) - len(good.samples)) < 0.01 * len(good.samples)
    # The rewritten entry now serves a hit.
    speaker.speak(SENTENCES[:1])
    assert speaker.stats.cache_hits == 1


def test_truncated_entry_is_a_miss(settings, station):
    speaker = Speaker(settings, station, engine="espeak")
    speaker.speak(SENTENCES[:1])
    (entry,) = _entries(settings)
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])  # power cut mid-copy
    speaker.speak(SENTENCES[:1])
    assert speaker.stats.synthesized == 2


def test_wrong_rate_entry_is_a_miss(tmp_path):
    from bulletins.audio import Clip

    cache = SpeechCache(tmp_path)
    cache.put("ab" * 32, Clip.silence(100, 16000))
    assert cache.get("ab" * 32, 22050) is None
    assert cache.get("ab" * 32, 16000) is not None


def test_writes_leave_no_temp_files(settings, station):
    Speaker(settings, station, engine="espeak").speak(SENTENCES)
    leftovers = [p for p in (settings.cache_dir / "speech").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_an_entry_damaged_after_it_was_read_is_a_miss_again(settings, station):
    # Entries read once are kept in memory; a file changed since is read (and checked) anew.
    speaker = Speaker(settings, station, engine="espeak")
    first = speaker.speak(SENTENCES[:1])
    assert speaker.speak(SENTENCES[:1]).clip.samples.tolist() == first.clip.samples.tolist()
    (entry,) = _entries(settings)
    data = entry.read_bytes()
    entry.write_bytes(data[:44] + bytes(len(data) - 44))  # same size, samples zeroed
    cache = SpeechCache(settings.cache_dir / "speech")
    key = entry.stem
    import os

    st = entry.stat()
    os.utime(entry, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # coarse clocks
    assert cache.get(key, first.clip.rate) is None
    again = Speaker(settings, station, engine="espeak")
    spoken = again.speak(SENTENCES[:1]).clip.samples
    assert again.stats.synthesized == 1  # spoken afresh, not the zeroed samples
    assert np.max(np.abs(spoken)) > 0.05


def test_count_is_the_length_speak_would_give(settings, station):
    # The fit measures parts with count(); a count off by a sample would misplace them.
    speaker = Speaker(settings, station, engine="espeak")
    parts = [SENTENCES, SENTENCES[:1], ["", "…", SENTENCES[1]], []]
    fresh = [speaker.count(p) for p in parts]  # the first call speaks and caches
    assert speaker.stats.synthesized == 2
    spoken = [len(speaker.speak(p).clip.samples) for p in parts]
    assert fresh == spoken == [speaker.count(p) for p in parts]
    assert spoken[0] > spoken[1] > 0 and spoken[3] == 0


def test_cached_speech_is_shared_read_only(settings, station):
    # Every build reading a sentence gets the same samples from memory: none may alter them.
    Speaker(settings, station, engine="espeak").speak(SENTENCES[:1])
    samples = Speaker(settings, station, engine="espeak").speak(SENTENCES[:1]).clip.samples
    with pytest.raises(ValueError):
        samples[0] = 1.0


def test_forget_memos_reads_entries_afresh(settings, station):
    # An entry changed in place with its stamp put back is still served from memory, until
    # the process forgets its memos (as after emptying the cache folder).
    import os

    from bulletins.pipeline import forget_memos

    speaker = Speaker(settings, station, engine="espeak")
    speaker.speak(SENTENCES[:1])
    speaker.speak(SENTENCES[:1])  # read from the file and kept in memory
    (entry,) = _entries(settings)
    st = entry.stat()
    data = entry.read_bytes()
    with open(entry, "r+b") as fh:  # same inode and size
        fh.write(data[:44] + bytes(len(data) - 44))
    os.utime(entry, ns=(st.st_atime_ns, st.st_mtime_ns))
    cache = SpeechCache(settings.cache_dir / "speech")
    assert cache.get(entry.stem, settings.audio.sample_rate) is not None  # from memory
    forget_memos()
    assert cache.get(entry.stem, settings.audio.sample_rate) is None  # damaged on disk
