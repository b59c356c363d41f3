"""Mastering: lay parts out between jingles, filter for horn speakers, normalize loudness,
encode MP3 with ID3 tags and chapter marks, then measure what was actually written.

    assemble(parts, jingle, pause_ms) -> (program Clip, segments)   exactly per timeline.layout
    master(program, segments, audio, tags, out_path) -> Mastered     measured, not assumed
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from .audio import Clip, decode_file, resample, run_ffmpeg, run_ffmpeg_stderr
from .config import AudioSettings
from .errors import AudioError
from .models import Segment, SpokenPart
from .timeline import layout

# Chapter titles for parts that carry no item title of their own.
CHAPTER_LABELS = {"greeting": "Lời chào", "headlines": "Điểm tin", "closing": "Kết thúc"}
CHAPTER_KINDS = ("greeting", "headlines", "item", "recording", "closing")

# The finished file is held to 1 LU; re-master when encoding moved it further than this.
_MP3_TOLERANCE_LU = 0.5
# Inputs quieter than this are silence for our purposes: there is nothing to normalize.
_SILENCE_LUFS = -69.0


@dataclass(frozen=True)
class Tags:
    """What goes into the MP3's ID3 tag besides the chapters."""

    station_id: str
    station_name: str
    date: date
    slot: str
    title: str
    comment: str = ""


@dataclass(frozen=True)
class Mastered:
    """The finished MP3, with figures measured on the file itself."""

    path: Path
    duration_s: float
    loudness_lufs: float
    true_peak_dbtp: float


# --- jingle ---------------------------------------------------------------------------------


def make_chime(rate: int) -> Clip:
    """A gentle three-note bell chime (~2.6 s), deterministic, peaking at -6 dBFS.

    Notes sit at 660–1050 Hz because horn speakers reproduce little below ~300 Hz.
    """
    # (onset s, fundamental Hz): a descending major triad, G5 E5 C5, like a station bell.
    notes = ((0.0, 783.99), (0.42, 659.25), (0.84, 523.25))
    # Bell-like partials: (frequency ratio, relative amplitude, decay time constant s).
    partials = ((1.0, 1.0, 0.55), (2.0, 0.45, 0.35), (2.76, 0.25, 0.22),
                (4.07, 0.12, 0.14), (5.4, 0.06, 0.09))
    total_s = 2.6
    n = round(total_s * rate)
    t = np.arange(n, dtype=np.float64) / rate
    out = np.zeros(n, dtype=np.float64)
    for onset, f0 in notes:
        tt = t - onset
        on = tt >= 0
        env_attack = np.clip(tt / 0.004, 0.0, 1.0)  # 4 ms attack: no click
        for ratio, amp, tau in partials:
            f = f0 * ratio
            if f >= rate / 2 * 0.9:
                continue
            # The last note rings longer so the chime resolves.
            decay = tau * (2.0 if onset == notes[-1][0] else 1.0)
            out += np.where(on, amp * env_attack * np.exp(-tt / decay)
                            * np.sin(2 * np.pi * f * tt), 0.0)
    fade = min(n, round(0.3 * rate))
    out[n - fade:] *= np.linspace(1.0, 0.0, fade) ** 2
    out *= 0.5 / np.max(np.abs(out))  # -6 dBFS peak
    return Clip(out.astype(np.float32), rate)


def load_jingle(path: str | Path | None, rate: int) -> Clip:
    """The station's jingle file decoded to mono at `rate`, or the generated chime."""
    if path is None or str(path).strip() == "":
        return make_chime(rate)
    p = Path(path)
    if not p.is_file():
        raise AudioError(
            f"Không tìm thấy tệp nhạc hiệu «{p}».",
            "Kiểm tra khóa audio.jingle trong bulletins.toml, hoặc để trống để dùng tiếng chuông.",
        )
    try:
        clip = decode_file(p, rate)
    except AudioError as exc:
        raise AudioError(
            f"Không đọc được tệp nhạc hiệu «{p}».",
            "Tệp có thể bị hỏng hoặc không phải tệp âm thanh; thử lưu lại dưới dạng MP3 hoặc WAV.",
            detail=exc.detail,
        ) from exc
    if len(clip.samples) == 0:
        raise AudioError(f"Tệp nhạc hiệu «{p}» không có âm thanh.",
                         "Chọn tệp khác hoặc để trống audio.jingle để dùng tiếng chuông.")
    return clip


# --- assembly -------------------------------------------------------------------------------


def assemble(parts: list[SpokenPart], jingle: Clip, pause_ms: int) -> tuple[Clip, list[Segment]]:
    """Concatenate jingle · pause · part · … · pause · jingle exactly as timeline.layout says.

    Each clip is placed at its segment's start sample; it is cut or padded by the few samples
    that rounding its length to whole milliseconds leaves, so segment times stay exact.
    """
    rate = jingle.rate
    for sp in parts:
        if sp.clip.rate != rate:
            raise ValueError(f"clip rate {sp.clip.rate} != jingle rate {rate}")
    segs = layout([(sp.part.kind, sp.clip.duration_ms) for sp in parts],
                  jingle.duration_ms, pause_ms)
    total = _sample(segs[-1].end_ms, rate) if segs else 0
    buf = np.zeros(total, dtype=np.float32)
    spoken = iter([sp for sp in parts if sp.clip.duration_ms > 0])  # layout skips empty parts
    out: list[Segment] = []
    for seg in segs:
        a, b = _sample(seg.start_ms, rate), _sample(seg.end_ms, rate)
        if seg.kind == "pause":
            out.append(seg)
            continue
        if seg.kind == "jingle":
            src = jingle.samples
            out.append(seg)
        else:
            sp = next(spoken)
            src = sp.clip.samples
            out.append(Segment(kind=seg.kind, start_ms=seg.start_ms, end_ms=seg.end_ms,
                               item_id=sp.part.item_id, title=sp.part.title, text=sp.part.text))
        n = min(b - a, len(src))
        buf[a:a + n] = src[:n]
    return Clip(buf, rate), out


def _sample(ms: int, rate: int) -> int:
    return round(ms * rate / 1000)


# --- measurement ----------------------------------------------------------------------------


def measure_loudness(path: str | Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of an audio file, per EBU R128."""
    return _parse_ebur128(run_ffmpeg_stderr(
        ["-i", str(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet",
         "-f", "null", "-"]))


def decoded_duration_s(path: str | Path) -> float:
    """Length of the file as a decoder plays it (encoder delay and padding removed)."""
    rate = _native_rate(path)
    data = run_ffmpeg(["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate),
                       "-f", "s16le", "-"])
    return len(data) / 2 / rate


def _native_rate(path: str | Path) -> int:
    # Decoding at the file's own rate is exact and skips a resampler; 48 kHz if unknown.
    import mutagen

    try:
        f = mutagen.File(str(path))
        return int(f.info.sample_rate) if f is not None else 48000
    except Exception:  # mutagen raises many types on files it cannot parse
        return 48000


_NUM = r"(-?(?:\d+(?:\.\d+)?|inf))"


def _parse_ebur128(stderr: str) -> tuple[float, float]:
    summary = stderr[stderr.rfind("Summary:"):]
    m_i = re.search(r"I:\s+" + _NUM + r" LUFS", summary)
    m_tp = re.search(r"True peak:\s+Peak:\s+" + _NUM + r" dBFS", summary)
    if not (m_i and m_tp):
        raise AudioError("Không đo được độ lớn âm thanh.", detail=summary[-1000:])
    return float(m_i.group(1)), float(m_tp.group(1))


# --- mastering ------------------------------------------------------------------------------


def master(program: Clip, segments: list[Segment], audio: AudioSettings, tags: Tags,
           out_path: Path) -> Mastered:
    """High-pass, normalize loudness, encode MP3 to `out_path`, tag it, and measure it."""
    from . import loudness

    out_path = Path(out_path)
    target, ceiling = audio.loudness_lufs, audio.true_peak_dbtp
    rate = audio.sample_rate
    clip = program if program.rate == rate else resample(program, rate)
    n_out = round(len(program.samples) * rate / program.rate)
    filtered = loudness.highpass(clip.samples, rate, audio.highpass_hz)
    # Aim the PCM's true peak under the ceiling: MP3 encoding adds some overshoot.
    want, pcm_ceiling = target, max(-9.0, ceiling - 0.5)
    for _ in range(3):
        samples, _, pcm_peak = loudness.normalize(filtered, rate, want, pcm_ceiling)
        _encode(_fit_length(Clip(samples, rate), n_out), audio.bitrate_kbps, out_path)
        loud, peak = measure_loudness(out_path)
        if loud < _SILENCE_LUFS or (abs(loud - target) <= _MP3_TOLERANCE_LU
                                    and peak <= ceiling + 0.2):
            break
        # Encoding changed the figures (its low-pass takes some loudness, its quantization
        # adds overshoot): master once more, aiming to compensate.
        want += target - loud
        pcm_ceiling = min(pcm_ceiling, ceiling - 0.1 - max(0.0, peak - pcm_peak))

    write_tags(out_path, tags, segments)
    return Mastered(path=out_path, duration_s=decoded_duration_s(out_path),
                    loudness_lufs=loud, true_peak_dbtp=peak)


def _f32(clip: Clip) -> bytes:
    return np.ascontiguousarray(clip.samples, dtype="<f4").tobytes()


def _f32_input(rate: int) -> list[str]:
    return ["-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0"]


def _fit_length(clip: Clip, n: int) -> Clip:
    """Resampling may add or drop a few samples; keep the program's exact length."""
    s = clip.samples
    if len(s) == n:
        return clip
    if len(s) > n:
        return Clip(s[:n], clip.rate)
    return Clip(np.concatenate([s, np.zeros(n - len(s), dtype=np.float32)]), clip.rate)


def _encode(clip: Clip, bitrate_kbps: int, out_path: Path) -> None:
    """CBR mono MP3. LAME's Xing/Info header records delay and padding, so decoders trim them."""
    run_ffmpeg([*_f32_input(clip.rate), "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
                "-ac", "1", "-ar", str(clip.rate), "-map_metadata", "-1",
                "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3", "-y", str(out_path)],
               stdin=_f32(clip))


# --- tags -----------------------------------------------------------------------------------


def chapter_title(seg: Segment) -> str:
    return seg.title or CHAPTER_LABELS.get(seg.kind, seg.kind)


def write_tags(path: Path, tags: Tags, segments: list[Segment]) -> None:
    """ID3v2.4: title, station, album, date, genre, comment, slot, plus CTOC/CHAP chapters."""
    from mutagen.id3 import (
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TPE1,
        TXXX,
        CTOCFlags,
    )

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=[tags.title]))
    id3.add(TPE1(encoding=3, text=[tags.station_name]))
    id3.add(TALB(encoding=3, text=[f"Bản tin {tags.station_name}"]))
    id3.add(TDRC(encoding=3, text=[tags.date.isoformat()]))
    id3.add(TCON(encoding=3, text=["Speech"]))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="vie", desc="", text=[tags.comment]))
    id3.add(TXXX(encoding=3, desc="slot", text=[tags.slot]))
    id3.add(TXXX(encoding=3, desc="station_id", text=[tags.station_id]))

    chapters = [s for s in segments if s.kind in CHAPTER_KINDS]
    ids = [f"chp{i}" for i in range(len(chapters))]
    if chapters:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                     child_element_ids=ids, sub_frames=[TIT2(encoding=3, text=[tags.title])]))
    for cid, seg in zip(ids, chapters, strict=True):
        id3.add(CHAP(element_id=cid, start_time=seg.start_ms, end_time=seg.end_ms,
                     start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF,
                     sub_frames=[TIT2(encoding=3, text=[chapter_title(seg)])]))
    try:
        id3.save(str(path), v2_version=4)
    except Exception as exc:  # mutagen raises several unrelated types on I/O trouble
        raise AudioError(f"Không ghi được thẻ ID3 vào «{path}».", detail=repr(exc)) from exc
