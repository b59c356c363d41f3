"""Audio as values: a mono float32 `Clip` at a known rate, and thin ffmpeg helpers.

ffmpeg comes from the imageio-ffmpeg wheel, so no system package is needed.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from .errors import AudioError


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True, eq=False)
class Clip:
    """Mono audio: float32 samples in [-1, 1] at `rate` Hz. Treat as immutable."""

    samples: np.ndarray
    rate: int

    @property
    def length(self) -> int:
        return len(self.samples)

    @property
    def duration_ms(self) -> int:
        return round(len(self.samples) * 1000 / self.rate)

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.rate

    @classmethod
    def silence(cls, ms: int, rate: int) -> Clip:
        return cls(np.zeros(round(ms * rate / 1000), dtype=np.float32), rate)

    @classmethod
    def from_pcm16(cls, data: bytes, rate: int) -> Clip:
        # One pass (a power of two: the same values as dividing after converting).
        pcm = np.multiply(np.frombuffer(data, dtype="<i2"), np.float32(1 / 32768.0),
                          dtype=np.float32)
        return cls(pcm, rate)

    def to_pcm16(self) -> bytes:
        # The inverse of from_pcm16 exactly, so a round trip through a file never drifts.
        return np.clip(np.rint(self.samples * 32768.0), -32768, 32767).astype("<i2").tobytes()

    def __add__(self, other: Clip) -> Clip:
        if other.rate != self.rate:
            raise ValueError(f"rate mismatch: {self.rate} != {other.rate}")
        return Clip(np.concatenate([self.samples, other.samples]), self.rate)


def run_ffmpeg(args: list[str], stdin: bytes | None = None, timeout: float = 600) -> bytes:
    """Run ffmpeg quietly; raise AudioError with its stderr when it fails."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError("Không chạy được ffmpeg để xử lý âm thanh.", detail=str(exc)) from exc
    if proc.returncode != 0:
        raise AudioError(
            "ffmpeg báo lỗi khi xử lý âm thanh.",
            detail=proc.stderr.decode("utf-8", "replace")[-2000:],
        )
    return proc.stdout


def run_ffmpeg_stderr(args: list[str], stdin: bytes | None = None, timeout: float = 600) -> str:
    """Run ffmpeg for its analysis output (filters like ebur128 and loudnorm print to stderr)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", *args]
    try:
        proc = subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AudioError("Không chạy được ffmpeg để đo âm thanh.", detail=str(exc)) from exc
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise AudioError("ffmpeg báo lỗi khi đo âm thanh.", detail=err[-2000:])
    return err


def decode_file(path: str | Path, rate: int) -> Clip:
    """Decode any audio file ffmpeg reads into a mono Clip at `rate`."""
    data = run_ffmpeg(["-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"])
    return Clip.from_pcm16(data, rate)


def decode_bytes(data: bytes, rate: int) -> Clip:
    out = run_ffmpeg(["-i", "pipe:0", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-"], stdin=data)
    return Clip.from_pcm16(out, rate)


def resample(clip: Clip, rate: int) -> Clip:
    if clip.rate == rate:
        return clip
    out = run_ffmpeg(
        ["-f", "s16le", "-ar", str(clip.rate), "-ac", "1", "-i", "pipe:0",
         "-ar", str(rate), "-f", "s16le", "-"],
        stdin=clip.to_pcm16(),
    )
    return Clip.from_pcm16(out, rate)


def change_tempo(clip: Clip, tempo: float, cache_dir: Path | None = None) -> Clip:
    """Speed speech up (tempo > 1) or slow it down, keeping its pitch (ffmpeg atempo).

    With `cache_dir`, the result is kept by content and tempo: a rebuild at the same tempo,
    or another bulletin with the same part at that tempo, skips ffmpeg (and then reuses the
    part's mastered frames, see master.PieceCache).
    """
    if abs(tempo - 1.0) < 1e-4 or len(clip.samples) == 0:
        return clip
    if not 0.5 <= tempo <= 2.0:
        raise ValueError(f"tempo {tempo} outside atempo's single-stage range")
    pcm = clip.to_pcm16()
    path = None
    if cache_dir is not None:
        import hashlib

        key = hashlib.blake2b(f"{tempo:.5f}|{clip.rate}|".encode() + pcm,
                              digest_size=20).hexdigest()
        path = Path(cache_dir) / key[:2] / f"{key}.pcm"
        try:
            data = path.read_bytes()
            if len(data) % 2 == 0:  # else damaged: made again below
                return Clip.from_pcm16(data, clip.rate)
        except OSError:
            pass
    out = run_ffmpeg(
        ["-f", "s16le", "-ar", str(clip.rate), "-ac", "1", "-i", "pipe:0",
         "-filter:a", f"atempo={tempo:.5f}", "-f", "s16le", "-"],
        stdin=pcm,
    )
    if path is not None:
        _write_quietly(path, out)
    return Clip.from_pcm16(out, clip.rate)


def _write_quietly(path: Path, data: bytes) -> None:
    """Write a cache file atomically; a full or read-only disk only costs speed."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass
