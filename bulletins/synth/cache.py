"""Content-addressed speech cache: one 16-bit mono WAV per (engine, voice, params, text).

Writes go to a temp file in the same folder and are renamed into place, so a reader never
sees half a file. Entries are not fsynced (one fsync per sentence cost about a second per
cold build): after a power cut a renamed entry may hold torn or zeroed data, but each entry
carries the SHA-256 of its samples in a "bsum" chunk after the audio, and an entry that
cannot be read, lacks the chunk or fails the check is a miss (logged) that the next write
replaces, so a damaged file never airs as noise. A cache only has to be right, not durable.

Entries already verified in this process are kept in memory (bounded) while their file is
unchanged (same inode, size and mtime), as read-only float32 samples: a province worker
building many bulletins from shared news reads, checks and converts each sentence once, not
once per bulletin.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import logging
import os
import struct
import tempfile
import wave
from pathlib import Path

import numpy as np

from ..audio import Clip
from ..filememo import FileMemo, stamp

FORMAT_VERSION = 2  # bump when trimming, rendering or the file layout changes
SUM_CHUNK = b"bsum"  # RIFF chunk holding sha256(samples); readers skip unknown chunks
log = logging.getLogger("bulletins.synth.cache")
_MEMO_BYTES = 64 * 1024 * 1024  # verified samples kept in memory, at most (~12 min of speech)


def to_pcm16(clip: Clip) -> bytes:
    """16-bit PCM whose round trip through Clip.from_pcm16 is exact (same 32768 scale).

    Clip.to_pcm16 scales by 32767 but from_pcm16 by 32768, so repeated round trips drift;
    this keeps fresh and cached speech sample-identical.
    """
    scaled = np.rint(clip.samples.astype(np.float64) * 32768.0)
    return np.clip(scaled, -32768, 32767).astype("<i2").tobytes()


def quantize(clip: Clip) -> Clip:
    """The clip exactly as the cache will return it."""
    return Clip.from_pcm16(to_pcm16(clip), clip.rate)


@functools.lru_cache(maxsize=32768)  # a build asks for each sentence's key several times
def cache_key(engine: str, voice: str, params: str, rate: int, text: str) -> str:
    raw = json.dumps([FORMAT_VERSION, engine, voice, params, rate, text], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


# Verified samples by path, valid while the file and the rate are the same.
_memo: FileMemo[np.ndarray] = FileMemo(_MEMO_BYTES, lambda a: a.nbytes)


class SpeechCache:
    def __init__(self, root: Path):
        self.root = root
        self._root = os.fspath(root)

    def path(self, key: str) -> Path:
        return Path(self._where(key))

    def _where(self, key: str) -> str:
        # A string path: a build looks up every sentence of its bulletin, three times.
        return os.path.join(self._root, key[:2], f"{key}.wav")

    def get(self, key: str, rate: int) -> Clip | None:
        path = self._where(key)
        try:
            known = _memo.get(path, (stamp(os.stat(path)), rate))
            if known is not None:
                return Clip(known, rate)
            with open(path, "rb") as fh:
                valid = (stamp(os.fstat(fh.fileno())), rate)
                data = fh.read()
        except OSError:
            return None
        problem, pcm = _verify(data, rate)
        if problem:
            log.warning("Bỏ qua mục hỏng trong bộ đệm giọng đọc %s: %s",
                        os.path.basename(path), problem)
            return None
        return Clip(_keep(path, valid, pcm, rate), rate)

    def put(self, key: str, clip: Clip) -> None:
        where = self._where(key)
        path = Path(where)
        path.parent.mkdir(parents=True, exist_ok=True)
        pcm = to_pcm16(clip)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(_wav(pcm, clip.rate))
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # what get() would read back, kept as it reads it
            _keep(where, (stamp(os.stat(where)), clip.rate), pcm, clip.rate)


def _keep(path: str, valid: tuple, pcm: bytes, rate: int) -> np.ndarray:
    """The entry's samples, read-only (every build that reads the sentence shares them),
    remembered for `path` while `valid` holds."""
    samples = Clip.from_pcm16(pcm, rate).samples
    samples.flags.writeable = False
    _memo.put(path, valid, samples)
    return samples


def _wav(pcm: bytes, rate: int) -> bytes:
    """A 16-bit mono WAV of these samples with the checksum chunk after them."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    riff = buf.getvalue()
    digest = hashlib.sha256(pcm).digest()
    chunk = SUM_CHUNK + struct.pack("<I", len(digest)) + digest
    return riff[:4] + struct.pack("<I", len(riff) - 8 + len(chunk)) + riff[8:] + chunk


def _chunks(data: bytes) -> dict[bytes, bytes]:
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return {}
    out: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        name, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        out.setdefault(name, data[pos + 8:pos + 8 + size])
        pos += 8 + size + (size & 1)
    return out


def _verify(data: bytes, rate: int) -> tuple[str, bytes]:
    """("", samples) for a sound entry, else (what is wrong, b"")."""
    chunks = _chunks(data)
    fmt, pcm, digest = chunks.get(b"fmt "), chunks.get(b"data"), chunks.get(SUM_CHUNK)
    if fmt is None or pcm is None or len(fmt) < 16:
        return "not a WAV file", b""
    tag, channels, file_rate = struct.unpack("<HHI", fmt[:8])
    bits = struct.unpack("<H", fmt[14:16])[0]
    if (tag, channels, file_rate, bits) != (1, 1, rate, 16):
        return f"format {tag}/{channels}ch/{file_rate}Hz/{bits}bit", b""
    if digest is None:
        return "no checksum", b""
    if len(pcm) % 2 or hashlib.sha256(pcm).digest() != digest:
        return "checksum mismatch (damaged samples)", b""
    return "", pcm
