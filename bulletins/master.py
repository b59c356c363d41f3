"""Mastering: lay parts out between jingles, filter for horn speakers, normalize loudness,
encode MP3 with ID3 tags and chapter marks, then measure what was actually written.

    assemble(parts, jingle, pause_ms) -> (Program, segments)   timeline.layout on the MP3
                                                                frame grid
    master(program, segments, audio, tags, out_path, cache_dir) -> Mastered
        each jingle and part mastered, encoded and measured once (decoded in-process), the
        frames joined behind one LAME Info tag; figures measured, not assumed
"""

from __future__ import annotations

import logging
import re
import weakref
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, cached_property
from pathlib import Path

import numpy as np

from . import mp3
from .audio import Clip, decode_file, resample, run_ffmpeg, run_ffmpeg_stderr
from .config import AudioSettings
from .errors import AudioError
from .filememo import FileMemo, stamp
from .models import Segment, SpokenPart
from .timeline import layout

log = logging.getLogger("bulletins.master")

# Chapter titles for parts that carry no item title of their own.
CHAPTER_LABELS = {"greeting": "Lời chào", "headlines": "Điểm tin", "closing": "Kết thúc"}
CHAPTER_KINDS = ("greeting", "headlines", "item", "recording", "closing")

# The finished file is held to 1 LU; a piece whose decoding is further off than this from
# the target is mastered again.
_MP3_TOLERANCE_LU = 0.5
# What LAME's low-pass takes from speech at these bitrates (K-weighting stresses the highs).
_ENCODER_LOSS_LU = 0.45
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
    sha256: str = ""  # of the file as written


# --- jingle ---------------------------------------------------------------------------------


@cache
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
    samples = out.astype(np.float32)
    samples.flags.writeable = False  # one chime per rate, shared by every build (cached)
    return Clip(samples, rate)


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

# Pieces are placed on the MP3 frame grid when the pauses between them leave room (one frame
# plus LAME's lead and flush), so each can be mastered and encoded once and reused.
_MIN_ALIGNED_PAUSE_MS = 150
_TAIL_MS = 20  # the high-pass filter's ringing kept after each piece


def sentence_offsets(lengths: list[int], pause: int, rate: int) -> list[int] | None:
    """Where sentences of these lengths (samples) start when laid out with at most `pause`
    samples between them, each on the MP3 frame grid (the pause shortened by less than a
    frame) and clear of the previous one's encoded frames, so each sentence is a piece of
    its own: mastered once and reused by every bulletin that reads it. None when the pause
    is too short for that."""
    spf, tail = mp3.samples_per_frame(rate), _sample(_TAIL_MS, rate)
    offsets = [0]
    for n in lengths[:-1]:
        at = offsets[-1]
        nxt = (at + n + pause) // spf * spf
        if nxt < at + mp3.stream_frames(n + tail, rate) * spf:
            return None
        offsets.append(nxt)
    return offsets


def lay_out(clips: list[np.ndarray], pause: int, rate: int) -> Program | None:
    """One part from its sentences placed by `sentence_offsets` (at most `pause` samples
    apart), kept as the sentences themselves: assemble() takes each as a piece of its own,
    so the part is laid into one buffer only when something asks for its `samples`. None
    when the pause is too short for that."""
    offsets = sentence_offsets([len(c) for c in clips], pause, rate)
    if offsets is None:
        return None
    # Padded to a whole millisecond, so assemble() never cuts the last sentence short by a
    # rounding that depends on the part's length.
    length = _sample(-(-(offsets[-1] + len(clips[-1])) * 1000 // rate), rate)
    return Program(rate, length, tuple((at, len(c)) for at, c in zip(offsets, clips, strict=True)),
                   tuple(clips))


@dataclass(frozen=True, eq=False)
class Program:
    """Audio kept as its pieces, each at its first sample in silence: an assembled bulletin
    (each jingle, part or sentence), or a part laid out sentence by sentence (lay_out).

    The pieces are the sentences' and parts' own samples, not copied into one buffer: a
    ten-minute program is 53 MB of float32 that mastering never needs whole (it masters
    piece by piece). Reads like a Clip."""

    rate: int
    length: int  # samples, pauses included
    pieces: tuple[tuple[int, int], ...] = ()  # (first sample, length) of each piece
    sources: tuple[np.ndarray, ...] = ()  # each piece's samples

    @property
    def duration_ms(self) -> int:
        return round(self.length * 1000 / self.rate)

    @property
    def duration_s(self) -> float:
        return self.length / self.rate

    @cached_property
    def samples(self) -> np.ndarray:
        """The whole program in one buffer (silence between the pieces), made on demand."""
        buf = np.zeros(self.length, dtype=np.float32)
        for (start, n), src in zip(self.pieces, self.sources, strict=True):
            buf[start:start + n] = src[:n]
        return buf


def assemble(parts: list[SpokenPart], jingle: Clip, pause_ms: int) -> tuple[Program, list[Segment]]:
    """Concatenate jingle · pause · part · … · pause · jingle as timeline.layout says.

    Each jingle and part starts at its layout position moved earlier onto the MP3 frame grid
    (at most one frame, 26 ms at 22.05 kHz; the pause before it gives the time and the one
    after takes it), never overlapping the previous piece's encoded frames. Segments report
    where each piece really is, so chapters match the audio; the total never grows.
    """
    rate = jingle.rate
    for sp in parts:
        if sp.clip.rate != rate:
            raise ValueError(f"clip rate {sp.clip.rate} != jingle rate {rate}")
    segs = layout([(sp.part.kind, sp.clip.duration_ms) for sp in parts],
                  jingle.duration_ms, pause_ms)
    layout_total = _sample(segs[-1].end_ms, rate) if segs else 0
    spf = mp3.samples_per_frame(rate) if pause_ms >= _MIN_ALIGNED_PAUSE_MS else 1
    tail = _sample(_TAIL_MS, rate)
    spoken = iter([sp for sp in parts if sp.clip.duration_ms > 0])  # layout skips empty parts
    placed: list[tuple[Segment, Clip, int, tuple[tuple[int, int], ...]]] = []
    free = 0  # first frame-grid sample after the previous piece's encoded frames
    for seg in segs:
        if seg.kind == "pause":
            continue
        marks: tuple[tuple[int, int], ...] = ()
        if seg.kind == "jingle":
            src, out = jingle, seg
        else:
            sp = next(spoken)
            src, marks = sp.clip, sp.marks
            out = Segment(kind=seg.kind, start_ms=seg.start_ms, end_ms=seg.end_ms,
                          item_id=sp.part.item_id, title=sp.part.title, text=sp.part.text)
        # Its whole-ms length, not the difference of its rounded ends: a shared item must
        # be the same samples (and so the same cached piece) wherever it sits.
        n = min(src.length, _sample(seg.end_ms - seg.start_ms, rate))
        start = max(free, _sample(seg.start_ms, rate) // spf * spf)
        placed.append((out, src, start, marks if spf > 1 else ()))
        free = start + (mp3.stream_frames(n + tail, rate) * spf if spf > 1 else n)
        free = -(-free // spf) * spf
    total = layout_total
    if placed and segs[-1].kind != "pause":  # the program ends with its last piece
        last_seg, _, last_start, _ = placed[-1]
        total = last_start + _sample(last_seg.end_ms - last_seg.start_ms, rate)
    out_segs: list[Segment] = []
    pieces: list[tuple[int, int]] = []
    sources: list[np.ndarray] = []
    t_ms = 0
    for seg, src, start, marks in placed:
        n = min(src.length, _sample(seg.end_ms - seg.start_ms, rate), total - start)
        if marks:  # each sentence its own piece (sentence_offsets put them on the grid)
            laid = src.sources if isinstance(src, Program) else None
            for k, (at, m) in enumerate(marks):
                if at < n:
                    pieces.append((start + at, min(m, n - at)))
                    k_n = pieces[-1][1]
                    if laid is not None:  # the sentence itself when whole (see _digest)
                        sources.append(laid[k] if k_n == len(laid[k]) else laid[k][:k_n])
                    else:
                        sources.append(src.samples[at:at + k_n])
        else:
            pieces.append((start, n))
            sources.append(src.samples[:n])
        start_ms = round(start * 1000 / rate)
        end_ms = start_ms + (seg.end_ms - seg.start_ms)
        if start_ms > t_ms:
            out_segs.append(Segment(kind="pause", start_ms=t_ms, end_ms=start_ms))
        out_segs.append(replace(seg, start_ms=start_ms, end_ms=end_ms))
        t_ms = end_ms
    end_ms = round(total * 1000 / rate)
    if end_ms > t_ms:
        out_segs.append(Segment(kind="pause", start_ms=t_ms, end_ms=end_ms))
    return Program(rate, total, tuple(pieces), tuple(sources)), out_segs


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

# Bump when mastering or encoding changes what a cached piece holds.
_PIECE_VERSION = 1


@dataclass(frozen=True)
class _Piece:
    """One jingle or part, mastered, encoded and measured on its own decoding."""

    mp3: bytes  # a LAME stream without Info tag
    frames: int
    energy: np.ndarray  # K-weighted energy per 100 ms hop of the decoded piece
    peak: float  # linear true peak of the decoded piece


class PieceCache:
    """Mastered pieces by content: `<key>.mp3` (frames) beside `<key>.npz` (measurements).

    A rebuild, or another station's bulletin sharing an item, reuses the encoded frames of
    every piece whose samples and audio settings are unchanged. Files are written under a
    temporary name and renamed, the measurements last, so a reader sees all or nothing.
    """

    def __init__(self, root: Path):
        self.root = Path(root)

    def _paths(self, key: str) -> tuple[Path, Path]:
        d = self.root / key[:2]
        return d / f"{key}.mp3", d / f"{key}.npz"

    def get(self, key: str) -> _Piece | None:
        import os

        mp3_path, meta_path = self._paths(key)
        try:
            valid = (stamp(os.stat(mp3_path)), stamp(os.stat(meta_path)))
            known = _piece_memo.get(str(mp3_path), valid)
            if known is not None:
                return known
            with np.load(meta_path) as meta:
                frames, peak = int(meta["frames"]), float(meta["peak"])
                energy = meta["energy"]
            data = mp3_path.read_bytes()
        except (OSError, KeyError, ValueError, EOFError):
            return None
        if mp3.count_frames_safe(data) != frames:
            return None
        piece = _Piece(data, frames, energy, peak)
        _piece_memo.put(str(mp3_path), valid, piece)
        return piece

    def put(self, key: str, piece: _Piece) -> None:
        import os
        import tempfile

        mp3_path, meta_path = self._paths(key)
        try:
            mp3_path.parent.mkdir(parents=True, exist_ok=True)
            for path, write in ((mp3_path, lambda fh: fh.write(piece.mp3)),
                                (meta_path, lambda fh: np.savez(
                                    fh, frames=piece.frames, peak=piece.peak,
                                    energy=piece.energy))):
                fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
                try:
                    with os.fdopen(fd, "wb") as fh:
                        write(fh)
                    os.replace(tmp, path)
                except BaseException:
                    Path(tmp).unlink(missing_ok=True)
                    raise
            _piece_memo.put(str(mp3_path), (stamp(os.stat(mp3_path)), stamp(os.stat(meta_path))),
                            piece)
        except OSError:
            pass  # a full or read-only disk costs speed only: the bulletin is still made


# Pieces read and checked in this process, while both files are unchanged: a worker
# building many bulletins parses each shared piece once.
_piece_memo: FileMemo[_Piece] = FileMemo(64 * 1024 * 1024, lambda p: len(p.mp3) + p.energy.nbytes)


def _piece_key(x: np.ndarray, rate: int, audio: AudioSettings) -> str:
    import hashlib

    # The samples (all of a bulletin's speech on every build) through XXH3-128: seven times
    # faster than sha256 here, and as collision-free for content no one crafts against it;
    # the settings, a few bytes, through sha256. A damaged entry is caught by the frame
    # check in PieceCache.get, not by this key.
    settings = repr((_PIECE_VERSION, mp3.QUALITY, rate, audio.bitrate_kbps, audio.loudness_lufs,
                     audio.true_peak_dbtp, audio.highpass_hz, _TAIL_MS, len(x))).encode()
    return (hashlib.sha256(settings).hexdigest()[:8] + _digest(x))[:40]


# Digests of read-only arrays (sentences shared through the speech cache's memory) while they
# live: a worker's later bulletins hash only their new sentences.
_digests: dict[int, tuple[weakref.ref, str]] = {}


def _digest(x: np.ndarray) -> str:
    import xxhash

    shared = not x.flags.writeable and x.base is None  # immutable while it lives
    hit = _digests.get(id(x)) if shared else None
    if hit is not None and hit[0]() is x:
        return hit[1]
    digest = xxhash.xxh3_128_hexdigest(np.ascontiguousarray(x, dtype="<f4").data)
    if shared:
        def forget(ref: weakref.ref, k: int = id(x)) -> None:
            if _digests.get(k, (None,))[0] is ref:
                del _digests[k]

        _digests[id(x)] = (weakref.ref(x, forget), digest)
    return digest


def _pcm16(x: np.ndarray) -> bytes:
    return np.clip(np.rint(x * 32768.0), -32768, 32767).astype("<i2").tobytes()


def _master_piece(x: np.ndarray, rate: int, audio: AudioSettings) -> _Piece:
    """High-pass, gain to the target, true-peak limit, encode; then decode and measure.

    One encode: gain and limiter are settled on the PCM, aiming a little above the target
    for what encoding takes. Re-mastered only when the decoded piece misses the loudness
    tolerance or the peak ceiling.
    """
    from . import loudness

    target, ceiling = audio.loudness_lufs, audio.true_peak_dbtp
    src = np.concatenate([x, np.zeros(_sample(_TAIL_MS, rate), dtype=np.float32)])
    filtered = loudness.highpass(src, rate, audio.highpass_hz)
    del src
    # LAME at speech bitrates takes about 0.5 LU (its low-pass): aim that much above; what
    # the limiter takes is measured on the PCM before encoding (cheaper than a re-encode).
    want, pcm_ceiling = target + _ENCODER_LOSS_LU, max(-9.0, ceiling - 0.5)
    for _ in range(3):
        samples, pcm_loud, _ = loudness.normalize(filtered, rate, want, pcm_ceiling,
                                                  tolerance_lu=0.15, exact=False)
        data = mp3.encode(_pcm16(samples), rate, audio.bitrate_kbps)
        decoded = mp3.decode_raw(data, rate)[mp3.LEAD: mp3.LEAD + len(samples)]
        energy = loudness.hop_energies(decoded, rate, partial=True)
        peak = loudness.true_peak(decoded)
        loud = loudness.gated_lufs(energy, rate) if len(decoded) >= rate // 2 else \
            loudness.integrated_lufs(decoded, rate)
        peak_db = 20 * np.log10(peak) if peak > 0 else -np.inf
        if not pcm_loud >= _SILENCE_LUFS or (abs(loud - target) <= _MP3_TOLERANCE_LU
                                             and peak_db <= ceiling):
            break
        log.info("re-mastering a piece: %.2f LUFS, %.2f dBTP after encoding", loud, peak_db)
        want += target - loud
        if peak_db > ceiling:  # encoding overshoot: lower the limiter by as much
            overshoot = peak_db - loudness.true_peak_dbtp(samples)
            pcm_ceiling = min(pcm_ceiling, ceiling - 0.1 - max(0.0, overshoot))
    return _Piece(data, mp3.count_frames(data), energy, peak)


def master(program: Program | Clip, segments: list[Segment], audio: AudioSettings, tags: Tags,
           out_path: Path, cache_dir: Path | None = None) -> Mastered:
    """Master and encode each jingle and part once, join their frames, tag the file.

    Every part is brought to the loudness target on its own (items sound equally loud) under
    the true-peak ceiling; figures are measured on the decoded MP3 of each piece. With
    `cache_dir`, pieces already mastered with the same settings are reused as they are.
    """
    out_path = Path(out_path)
    rate, kbps = audio.sample_rate, audio.bitrate_kbps
    if not mp3.supported(rate, kbps):
        raise AudioError(
            f"Không mã hóa được MP3 {kbps} kbps ở tần số lấy mẫu {rate} Hz.",
            "Chọn audio.bitrate_kbps tối đa 160 khi audio.sample_rate dưới 32000.",
        )
    spf = mp3.samples_per_frame(rate)
    if (isinstance(program, Program) and program.rate == rate and program.pieces
            and not any(start % spf for start, _ in program.pieces)):
        total, pieces = program.length, list(zip(program.pieces, program.sources, strict=True))
    else:  # not laid out on the frame grid: the whole program is one piece
        clip = Clip(program.samples, program.rate)
        samples = clip.samples if clip.rate == rate else resample(clip, rate).samples
        total, pieces = len(samples), [((0, len(samples)), samples)]
    cache = PieceCache(cache_dir) if cache_dir is not None else None
    # The body as the pieces' own frames between runs of silence, written as they come
    # after room for the tag and the Info frame (their sizes are known now): no copy of the
    # whole file is made in memory.
    tag = id3_tag(tags, segments)
    out = _Output(out_path, len(tag) + mp3.frame_size(rate, kbps))
    body: list[bytes] = []
    silent = (mp3.silent_frame(rate, kbps), mp3.silent_frame(rate, kbps, padded=True))
    exact = mp3.exact_frame_bytes(rate, kbps)

    def add(data: bytes) -> None:
        body.append(data)
        out.write(data)

    def add_silence(count: int) -> None:
        # Padded where the bytes so far fall behind the exact bitrate, as LAME does.
        nonlocal frame
        run = bytearray()
        for _ in range(count):
            frame += 1
            run += silent[out.body_size + len(run) + len(silent[0]) < frame * exact - 0.5]
        if run:
            add(bytes(run))
    hop = rate // 10
    energy = np.zeros(total // hop + 2, dtype=np.float64)
    peak = 0.0
    frame = 0
    done: dict[str, _Piece] = {}  # the two jingles are one piece
    try:
        for (start, n), src in pieces:
            x = src if len(src) == n else src[:n]  # the array itself keeps its digest
            key = _piece_key(x, rate, audio)
            piece = done.get(key) or (cache.get(key) if cache else None)
            if piece is None:
                piece = _master_piece(x, rate, audio)
                if cache:
                    cache.put(key, piece)
            done[key] = piece
            first = start // spf
            if first < frame:  # cannot happen for assemble()'s layouts; never write overlaps
                raise AudioError("Không ghép được các đoạn âm thanh của bản tin.",
                                 detail=f"piece at frame {first} overlaps frame {frame}")
            add_silence(first - frame)
            add(piece.mp3)
            frame = first + piece.frames
            at = round(start / hop)
            k = min(len(piece.energy), len(energy) - at)
            energy[at:at + k] += piece.energy[:k]
            peak = max(peak, piece.peak)
        padding = frame * spf - mp3.ENCODER_DELAY - total
        while padding < mp3.DECODER_DELAY:  # decoders need these samples after the last one
            add_silence(1)
            padding += spf
        head = [tag, mp3.info_frame(rate, kbps, frame, out.body_size, padding)]
        out.finish(head)
    except BaseException:
        out.abandon()
        raise
    import hashlib

    from . import loudness

    digest = hashlib.sha256()  # of the bytes as written: the file is not read back
    for chunk in (*head, *body):
        digest.update(chunk)
    return Mastered(path=out_path, duration_s=(frame * spf - mp3.ENCODER_DELAY - padding) / rate,
                    loudness_lufs=loudness.gated_lufs(energy, rate),
                    true_peak_dbtp=20 * np.log10(peak) if peak > 0 else -np.inf,
                    sha256=digest.hexdigest())


class _Output:
    """The MP3 file, written while its pieces are still being mastered: the body at its
    place after room for the head (ID3 tag and Info frame), from a thread, so that the
    system's cost of new file pages (high on some virtual machines) overlaps the mastering;
    the head last. Without os.pwrite (Windows) everything is written at the end. The tag is
    rendered in memory, so the file is never rewritten to insert it. publish() owns
    atomicity: the path is already a hidden temporary file."""

    def __init__(self, path: Path, head_size: int):
        import os
        import queue
        import threading

        self.path, self.head_size, self.at = path, head_size, head_size
        self.error: OSError | None = None
        self.later: list[tuple[int, bytes]] = []
        try:
            self.fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        except OSError as exc:
            raise self._failed(exc) from exc
        self.queue: queue.SimpleQueue[tuple[int, bytes] | None] | None = None
        if hasattr(os, "pwrite"):
            self.queue = queue.SimpleQueue()
            self.thread = threading.Thread(target=self._run, name="mp3-writer", daemon=True)
            self.thread.start()

    @property
    def body_size(self) -> int:
        """Bytes of the body given so far."""
        return self.at - self.head_size

    def write(self, data: bytes, at: int | None = None) -> None:
        if at is None:
            at, self.at = self.at, self.at + len(data)
        if self.queue is not None:
            self.queue.put((at, data))
        else:
            self.later.append((at, data))

    def _run(self) -> None:
        assert self.queue is not None
        while (item := self.queue.get()) is not None:
            if self.error is None:
                try:
                    _pwrite_all(self.fd, *item)
                except OSError as exc:
                    self.error = exc

    def finish(self, head: list[bytes]) -> None:
        """Write the head at the start, wait for the body, close; AudioError on failure."""
        import os

        at = 0
        for chunk in head:
            self.write(chunk, at)
            at += len(chunk)
        if at != self.head_size:  # cannot happen: the tag and the Info frame are sized ahead
            self.error = self.error or OSError(f"head of {at} bytes, {self.head_size} planned")
        self._stop()
        try:
            if self.error is None and self.later:
                for offset, chunk in sorted(self.later, key=lambda c: c[0]):
                    os.lseek(self.fd, offset, os.SEEK_SET)
                    _write_rest(self.fd, memoryview(chunk))
        except OSError as exc:
            self.error = exc
        try:
            self._close()  # a delayed write error can surface here: it counts
        except OSError as exc:
            self.error = self.error or exc
        if self.error is not None:
            raise self._failed(self.error)

    def abandon(self) -> None:
        import contextlib

        self._stop()
        with contextlib.suppress(OSError):
            self._close()

    def _close(self) -> None:
        import os

        if self.fd is not None:
            fd, self.fd = self.fd, None
            os.close(fd)

    def _stop(self) -> None:
        if self.queue is not None:
            self.queue.put(None)
            self.thread.join()
            self.queue = None

    def _failed(self, exc: OSError) -> AudioError:
        return AudioError(f"Không ghi được tệp MP3 «{self.path}».", detail=repr(exc))


def _pwrite_all(fd: int, at: int, data: bytes) -> None:
    import os

    view = memoryview(data)
    while view:
        done = os.pwrite(fd, view, at)
        view, at = view[done:], at + done


def _write_rest(fd: int, view: memoryview) -> None:
    import os

    while view:
        view = view[os.write(fd, view):]


# --- tags -----------------------------------------------------------------------------------


def chapter_title(seg: Segment) -> str:
    return seg.title or CHAPTER_LABELS.get(seg.kind, seg.kind)


def id3_tag(tags: Tags, segments: list[Segment]) -> bytes:
    """The ID3v2.4 tag that starts the file: title, station, album, date, genre, comment,
    slot, plus CTOC/CHAP chapters (with mutagen's usual padding, for later edits)."""
    import io

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
    buf = io.BytesIO()
    id3.save(buf, v2_version=4)
    return buf.getvalue()
