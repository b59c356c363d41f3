"""Mastering with real ffmpeg on generated audio, checked by independent measurement."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pyloudnorm as pyln
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3, BitrateMode
from scipy.signal import resample_poly

from bulletins.audio import Clip, decode_file
from bulletins.config import AudioSettings
from bulletins.errors import AudioError
from bulletins.master import (
    Tags,
    assemble,
    decoded_duration_s,
    lay_out,
    load_jingle,
    make_chime,
    master,
    measure_loudness,
    sentence_offsets,
)
from bulletins.models import Part, Segment, SpokenPart
from bulletins.timeline import layout

RATE = 22050
TAGS = Tags(station_id="ia-hru", station_name="Đài truyền thanh xã Ia Hrú",
            date=date(2025, 3, 14), slot="sang", title="Bản tin sáng 14/3/2025",
            comment="Tạo bởi Bản tin")


def speech_like(seconds: float, lufs: float, seed: int = 0, rate: int = RATE) -> Clip:
    """Voiced buzz (gliding pitch, two formant-ish bands) with syllable and phrase envelopes."""
    rng = np.random.default_rng(seed)
    n = round(seconds * rate)
    t = np.arange(n) / rate
    f0 = 150 + 30 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / rate
    voiced = sum(np.sin(k * phase) / k ** 1.2 * (1.6 if 3 <= k <= 5 else 1.0)
                 for k in range(1, 25) if k * 180 < rate / 2)
    noise = np.convolve(rng.standard_normal(n), np.ones(6) / 6, mode="same") * 0.3
    syll = np.clip(np.sin(2 * np.pi * 4.2 * t + rng.uniform(0, 6)), 0, None) ** 1.5
    phrase = (np.sin(2 * np.pi * 0.25 * t) > -0.6).astype(float)
    x = (voiced + noise) * syll * phrase
    x *= 10 ** ((lufs - pyln.Meter(rate).integrated_loudness(x)) / 20)
    return Clip(x.astype(np.float32), rate)


def _pyln(path: Path) -> float:
    clip = decode_file(path, RATE)
    return pyln.Meter(RATE).integrated_loudness(clip.samples.astype(np.float64))


def _true_peak_db(path: Path) -> float:
    s = decode_file(path, RATE).samples.astype(np.float64)
    return 20 * np.log10(np.max(np.abs(resample_poly(s, 4, 1))))


def _one_segment(clip: Clip) -> list[Segment]:
    return [Segment("item", 0, clip.duration_ms, item_id=1, title="Tin một")]


@pytest.mark.parametrize("lufs", [-35.0, -8.0])
def test_loudness_hits_target_quiet_and_loud(tmp_path: Path, lufs: float) -> None:
    prog = speech_like(20, lufs, seed=int(-lufs))
    out = tmp_path / "b.mp3"
    m = master(prog, _one_segment(prog), AudioSettings(), TAGS, out)
    assert abs(_pyln(out) + 16) <= 1.0
    assert abs(m.loudness_lufs + 16) <= 1.0
    assert m.true_peak_dbtp <= -1.0 + 0.5
    assert _true_peak_db(out) <= -1.0 + 0.5
    assert abs(m.duration_s - prog.duration_s) <= 0.05


def test_configurable_target(tmp_path: Path) -> None:
    prog = speech_like(15, -30, seed=3)
    audio = replace(AudioSettings(), loudness_lufs=-20.0, true_peak_dbtp=-2.0)
    m = master(prog, _one_segment(prog), audio, TAGS, tmp_path / "b.mp3")
    assert abs(_pyln(m.path) + 20) <= 1.0
    assert m.true_peak_dbtp <= -2.0 + 0.5
    # Our figures (measured on the decoded pieces) agree with ffmpeg's own meter.
    lufs, peak = measure_loudness(m.path)
    assert abs(lufs - m.loudness_lufs) <= 0.2
    assert abs(peak - m.true_peak_dbtp) <= 0.3


def test_mp3_format_tags_and_chapters(tmp_path: Path) -> None:
    jingle = make_chime(RATE)
    parts = [
        SpokenPart(Part("greeting", "Kính thưa bà con"), speech_like(3, -25, 1), "espeak"),
        SpokenPart(Part("headlines", "Điểm tin"), speech_like(2.5, -25, 2), "espeak"),
        SpokenPart(Part("item", "Nội dung", item_id=7, title="Tiêm phòng cho đàn gia súc"),
                   speech_like(6, -25, 3), "espeak"),
        SpokenPart(Part("closing", "Xin chào"), speech_like(2, -25, 4), "espeak"),
    ]
    prog, segs = assemble(parts, jingle, 700)
    m = master(prog, segs, AudioSettings(), TAGS, tmp_path / ".sang.mp3.x.part")
    info = MP3(m.path).info
    assert (info.channels, info.sample_rate, info.bitrate_mode) == (1, 22050, BitrateMode.CBR)
    # A mean over frames of 208 or 209 bytes: within a byte or two of 64 kbps on 20 seconds.
    assert abs(info.bitrate - 64000) <= 5
    id3 = ID3(m.path)
    assert id3.version[:2] == (2, 4)
    assert id3["TIT2"].text == [TAGS.title]
    assert id3["TPE1"].text == [TAGS.station_name]
    assert id3["TALB"].text == [f"Bản tin {TAGS.station_name}"]
    assert str(id3["TDRC"].text[0]) == "2025-03-14"
    assert id3["TCON"].text == ["Speech"]
    assert id3.getall("TXXX:slot")[0].text == ["sang"]
    assert id3.getall("COMM")[0].text == ["Tạo bởi Bản tin"]
    toc = id3.getall("CTOC")[0]
    chaps = {c.element_id: c for c in id3.getall("CHAP")}
    spoken = [s for s in segs if s.kind not in ("jingle", "pause")]
    assert len(toc.child_element_ids) == len(spoken) == 4
    got = [(chaps[i].sub_frames["TIT2"].text[0], chaps[i].start_time, chaps[i].end_time)
           for i in toc.child_element_ids]
    assert got == [("Lời chào", spoken[0].start_ms, spoken[0].end_ms),
                   ("Điểm tin", spoken[1].start_ms, spoken[1].end_ms),
                   ("Tiêm phòng cho đàn gia súc", spoken[2].start_ms, spoken[2].end_ms),
                   ("Kết thúc", spoken[3].start_ms, spoken[3].end_ms)]
    assert abs(decoded_duration_s(m.path) - prog.duration_s) <= 0.05


def test_highpass_removes_hum(tmp_path: Path) -> None:
    t = np.arange(10 * RATE) / RATE
    speech = speech_like(10, -26, seed=5).samples.astype(np.float64)
    hum = 0.2 * np.sin(2 * np.pi * 50 * t)
    prog = Clip((speech + hum).astype(np.float32), RATE)

    def hum_ratio(x: np.ndarray) -> float:
        spec = np.abs(np.fft.rfft(x)) ** 2
        f = np.fft.rfftfreq(len(x), 1 / RATE)
        return spec[(f > 49.7) & (f < 50.3)].sum() / spec[(f > 300) & (f < 4000)].sum()

    m = master(prog, _one_segment(prog), AudioSettings(), TAGS, tmp_path / "b.mp3")
    after = decode_file(m.path, RATE).samples.astype(np.float64)
    # ≥13 dB less hum after the limiter (the 4th-order filter alone gives ~28 dB at 50 Hz).
    assert hum_ratio(after) < hum_ratio(prog.samples) / 20
    off = replace(AudioSettings(), highpass_hz=0)
    m0 = master(prog, _one_segment(prog), off, TAGS, tmp_path / "c.mp3")
    assert hum_ratio(decode_file(m0.path, RATE).samples) > hum_ratio(after) * 10


def test_three_minute_program_duration(tmp_path: Path) -> None:
    prog = speech_like(180, -22, seed=9)
    m = master(prog, _one_segment(prog), AudioSettings(), TAGS, tmp_path / "b.mp3")
    assert abs(m.duration_s - prog.duration_s) <= 0.05
    assert abs(m.loudness_lufs + 16) <= 1.0


def _assemble_example(pause_ms: int):  # noqa: ANN202
    jingle = Clip(np.full(round(0.5 * RATE), 0.25, dtype=np.float32), RATE)
    parts = [SpokenPart(Part("greeting", "chào"), Clip(np.full(4410, 0.5, np.float32), RATE), "x"),
             SpokenPart(Part("item", "tin", item_id=3, title="T"),
                        Clip(np.full(11025 + 7, -0.5, np.float32), RATE), "x")]
    prog, segs = assemble(parts, jingle, pause_ms)
    return prog, segs, layout([("greeting", 200), ("item", 500)], 500, pause_ms)


def _check_samples(prog, segs) -> None:  # noqa: ANN001
    want = {"jingle": 0.25, "greeting": 0.5, "item": -0.5}
    pieces = [s for s in segs if s.kind != "pause"]
    assert len(prog.pieces) == len(pieces)
    covered = np.zeros(len(prog.samples), bool)
    for (start, n), seg in zip(prog.pieces, pieces, strict=True):
        assert abs(start * 1000 / RATE - seg.start_ms) <= 0.5  # chapters match the audio
        assert abs(n - (seg.end_ms - seg.start_ms) * RATE / 1000) <= 1
        assert np.all(prog.samples[start:start + n] == np.float32(want[seg.kind])), seg
        covered[start:start + n] = True
    assert np.all(prog.samples[~covered] == 0.0)  # pauses are silence


def test_assemble_places_pieces_on_the_mp3_frame_grid() -> None:
    prog, segs, expect = _assemble_example(300)
    assert [s.kind for s in segs] == [s.kind for s in expect]
    assert segs[0].start_ms == 0 and segs[-1].end_ms == round(len(prog.samples) * 1000 / RATE)
    for a, b in zip(segs, segs[1:], strict=False):
        assert a.end_ms == b.start_ms  # back to back
    for got, lay in zip(segs, expect, strict=True):
        if got.kind == "pause":
            continue
        assert got.end_ms - got.start_ms == lay.end_ms - lay.start_ms
        # Moved earlier by less than one MP3 frame (576 samples), never later.
        assert lay.start_ms - 576 * 1000 / RATE < got.start_ms <= lay.start_ms
    assert all(start % 576 == 0 for start, _ in prog.pieces)
    assert len(prog.samples) <= round(expect[-1].end_ms * RATE / 1000)
    item = segs[4]
    assert (item.item_id, item.title, item.text) == (3, "T", "tin")
    assert segs[2].text == "chào"
    _check_samples(prog, segs)


def test_assemble_keeps_the_exact_layout_when_pauses_are_short() -> None:
    prog, segs, expect = _assemble_example(100)
    assert [(s.kind, s.start_ms, s.end_ms) for s in segs] == \
        [(s.kind, s.start_ms, s.end_ms) for s in expect]
    assert len(prog.samples) == round(segs[-1].end_ms * RATE / 1000)
    _check_samples(prog, segs)


def test_assemble_rejects_mixed_rates() -> None:
    with pytest.raises(ValueError):
        assemble([SpokenPart(Part("item", "x"), Clip.silence(100, 16000), "x")],
                 Clip.silence(100, RATE), 300)


def test_chime_is_pleasant_and_deterministic() -> None:
    a, b = make_chime(RATE), make_chime(RATE)
    assert np.array_equal(a.samples, b.samples)
    assert 2.0 <= a.duration_s <= 3.0
    peak = np.max(np.abs(a.samples))
    assert 0.1 < peak <= 0.6
    assert np.sqrt(np.mean(a.samples ** 2)) > 0.02
    assert load_jingle("", RATE).samples.tolist() == a.samples.tolist()
    assert load_jingle(None, 16000).rate == 16000


def test_load_jingle_file_and_errors(tmp_path: Path) -> None:
    src = tmp_path / "jingle.mp3"
    master(speech_like(3, -20), [], replace(AudioSettings(), sample_rate=44100), TAGS, src)
    clip = load_jingle(src, RATE)
    assert clip.rate == RATE and abs(clip.duration_s - 3.0) < 0.05
    broken = tmp_path / "nhạc hiệu.mp3"
    broken.write_bytes(b"not audio at all" * 100)
    with pytest.raises(AudioError) as err:
        load_jingle(broken, RATE)
    assert "nhạc hiệu.mp3" in err.value.message
    with pytest.raises(AudioError):
        load_jingle(tmp_path / "missing.wav", RATE)


def _two_part_program(item_seed: int):  # noqa: ANN202
    jingle = make_chime(RATE)
    parts = [SpokenPart(Part("greeting", "Kính thưa bà con"), speech_like(3, -25, 1), "espeak"),
             SpokenPart(Part("item", "Nội dung", item_id=7, title="Tin"),
                        speech_like(5, -25, item_seed), "espeak")]
    return assemble(parts, jingle, 700)


def test_piece_cache_reuses_mastered_parts_across_bulletins(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    prog, segs = _two_part_program(3)
    first = master(prog, segs, AudioSettings(), TAGS, tmp_path / "a.mp3", cache_dir=cache)
    entries = sorted(p.name for p in cache.rglob("*.mp3"))
    assert len(entries) == 3  # chime (twice in the bulletin, once in the cache) and two parts
    again = master(prog, segs, AudioSettings(), TAGS, tmp_path / "b.mp3", cache_dir=cache)
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
    assert again == replace(first, path=again.path)
    # Another bulletin with a different item shares the chime and the greeting.
    prog2, segs2 = _two_part_program(4)
    master(prog2, segs2, AudioSettings(), TAGS, tmp_path / "c.mp3", cache_dir=cache)
    assert len(list(cache.rglob("*.mp3"))) == 4
    # The shared pieces decode the same in both files, at the same place.
    a = decode_file(tmp_path / "a.mp3", RATE).samples
    c = decode_file(tmp_path / "c.mp3", RATE).samples
    greeting = next(s for s in segs if s.kind == "greeting")
    end = round(greeting.end_ms * RATE / 1000)
    assert np.max(np.abs(a[:end] - c[:end])) < 1e-3
    assert abs(_pyln(tmp_path / "c.mp3") + 16) <= 1.0


def test_damaged_piece_cache_entry_is_mastered_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    prog, segs = _two_part_program(5)
    master(prog, segs, AudioSettings(), TAGS, tmp_path / "a.mp3", cache_dir=cache)
    for entry in cache.rglob("*.mp3"):
        entry.write_bytes(entry.read_bytes()[:1000])  # cut short, as by a full disk
    master(prog, segs, AudioSettings(), TAGS, tmp_path / "b.mp3", cache_dir=cache)
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()


def _sentences_part(kind: str, seeds: list[int], item_id: int | None = None) -> SpokenPart:
    clips = [speech_like(2 + seed % 3 + seed / 997, -22 - seed % 4, seed).samples
             for seed in seeds]  # lengths off the millisecond grid
    laid = lay_out(clips, round(0.25 * RATE), RATE)
    assert laid is not None
    return SpokenPart(Part(kind, "…", item_id=item_id, title="Tin" if item_id else ""),
                      laid, "espeak", laid.pieces)


def test_sentence_offsets_sit_on_the_frame_grid_clear_of_the_encoded_frames() -> None:
    lengths = [22050, 3001, 40000]
    offsets = sentence_offsets(lengths, 5512, RATE)
    assert offsets is not None and offsets[0] == 0
    for at, n, nxt in zip(offsets, lengths, offsets[1:], strict=False):
        assert nxt % 576 == 0
        assert at + n + 5512 - 576 < nxt <= at + n + 5512  # the pause shortened < a frame
    assert sentence_offsets(lengths, 300, RATE) is None  # too short to keep them apart


def test_sentences_shared_by_two_bulletins_are_mastered_once(tmp_path: Path) -> None:
    # Station A's and station B's headlines share the second sentence, at another place in
    # each; their items share nothing. B masters only its own sentences.
    cache = tmp_path / "cache"
    a = [_sentences_part("headlines", [1, 2]), _sentences_part("item", [3, 4, 5], 7)]
    b = [_sentences_part("headlines", [6, 2]), _sentences_part("item", [8], 9)]
    prog_a, segs_a = assemble(a, make_chime(RATE), 700)
    prog_b, segs_b = assemble(b, make_chime(RATE), 700)
    assert len(prog_a.pieces) == 2 + 5  # each sentence its own piece, beside two chimes
    master(prog_a, segs_a, AudioSettings(), TAGS, tmp_path / "a.mp3", cache_dir=cache)
    assert len(list(cache.rglob("*.mp3"))) == 1 + 5
    m = master(prog_b, segs_b, AudioSettings(), TAGS, tmp_path / "b.mp3", cache_dir=cache)
    assert len(list(cache.rglob("*.mp3"))) == 1 + 5 + 2
    # The finished file still meets loudness, peak, length and chapters.
    assert abs(_pyln(tmp_path / "b.mp3") + 16) <= 1.0
    assert _true_peak_db(tmp_path / "b.mp3") <= -1.0
    assert decoded_duration_s(tmp_path / "b.mp3") == pytest.approx(prog_b.duration_s,
                                                                  abs=0.002)
    assert m.duration_s == pytest.approx(prog_b.duration_s, abs=0.002)
    chapters = ID3(tmp_path / "b.mp3").getall("CHAP")
    assert sorted((c.start_time, c.end_time) for c in chapters) == [
        (s.start_ms, s.end_ms) for s in segs_b if s.kind in ("headlines", "item")]


def test_the_programme_is_its_sentences_not_a_copy(tmp_path: Path) -> None:
    # A ten-minute programme is 53 MB of float32: assemble() keeps each sentence's own
    # samples as its piece, and master() writes the file from them; the figures it reports
    # (hash, length) are those of the file on disk.
    import hashlib

    clips = [speech_like(2 + k / 3, -20, seed=k).samples for k in range(3)]
    laid = lay_out(clips, round(0.25 * RATE), RATE)
    assert laid is not None
    parts = [SpokenPart(Part("item", "…", item_id=1, title="Tin"), laid, "espeak", laid.pieces)]
    prog, segs = assemble(parts, make_chime(RATE), 700)
    spoken = [src for src in prog.sources if any(src is c for c in clips)]
    assert len(spoken) == 3  # the sentences themselves, not copies
    m = master(prog, segs, AudioSettings(), TAGS, tmp_path / "a.mp3")
    data = (tmp_path / "a.mp3").read_bytes()
    assert m.sha256 == hashlib.sha256(data).hexdigest()
    assert data.startswith(b"ID3")  # the tag written in the same pass, ahead of the frames
    assert [(c.start_time, c.end_time) for c in ID3(tmp_path / "a.mp3").getall("CHAP")] == [
        (s.start_ms, s.end_ms) for s in segs if s.kind == "item"]
    assert decoded_duration_s(tmp_path / "a.mp3") == pytest.approx(prog.duration_s, abs=0.002)
    # Laid out on request, the samples are the sentences at their offsets in silence.
    for (at, n), c in zip(laid.pieces, clips, strict=True):
        assert np.array_equal(laid.samples[at:at + n], c)


def test_the_file_is_the_same_written_at_the_end_where_there_is_no_pwrite(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The body is written from a thread while pieces are mastered; without os.pwrite (as on
    # Windows) the same bytes are written at the end.
    import os

    prog, segs = _two_part_program(3)
    first = master(prog, segs, AudioSettings(), TAGS, tmp_path / "a.mp3")
    monkeypatch.delattr(os, "pwrite")
    second = master(prog, segs, AudioSettings(), TAGS, tmp_path / "b.mp3")
    assert (tmp_path / "a.mp3").read_bytes() == (tmp_path / "b.mp3").read_bytes()
    assert first.sha256 == second.sha256


def test_a_file_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    # /dev/full refuses every write (ENOSPC): the writing thread's failure reaches the
    # caller as the Vietnamese message, not as a traceback from the thread.
    prog, segs = _two_part_program(3)
    with pytest.raises(AudioError, match="Không ghi được tệp MP3"):
        master(prog, segs, AudioSettings(), TAGS, Path("/dev/full"))


def test_a_piece_that_fails_to_master_fails_the_build_and_is_not_cached(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its error reaches the caller (publish() then removes its temporary file); only
    # pieces before it, whole, are in the cache.
    from bulletins import master as master_module

    real = master_module._master_piece
    calls: list[int] = []

    def second_fails(x, rate, audio):  # noqa: ANN001, ANN202
        calls.append(len(x))
        if len(calls) == 2:
            raise AudioError("Không xử lý được một đoạn âm thanh.")
        return real(x, rate, audio)

    monkeypatch.setattr(master_module, "_master_piece", second_fails)
    prog, segs = _two_part_program(7)
    with pytest.raises(AudioError, match="Không xử lý được"):
        master(prog, segs, AudioSettings(), TAGS, tmp_path / "a.mp3", cache_dir=tmp_path / "c")
    assert len(calls) >= 2 and len(list((tmp_path / "c").rglob("*.mp3"))) == 1  # the chime
