"""Content-addressed speech cache: one 16-bit mono WAV per (engine, voice, params, text).

Writes go to a temp file in the same folder and are renamed into place, so a power cut
leaves either the old entry, the new one, or nothing, never half a file. An entry that
cannot be read is a miss; the next write replaces it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from ..audio import Clip

FORMAT_VERSION = 1  # bump when trimming or rendering changes what a cached clip holds


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


def cache_key(engine: str, voice: str, params: str, rate: int, text: str) -> str:
    raw = json.dumps([FORMAT_VERSION, engine, voice, params, rate, text], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class SpeechCache:
    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.wav"

    def get(self, key: str, rate: int) -> Clip | None:
        path = self.path(key)
        try:
            with wave.open(str(path), "rb") as wav:
                if (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) != (1, 2, rate):
                    return None
                frames = wav.getnframes()
                data = wav.readframes(frames)
        except (OSError, EOFError, wave.Error):
            return None
        if len(data) != frames * 2:  # truncated body behind a valid header
            return None
        return Clip.from_pcm16(data, rate)

    def put(self, key: str, clip: Clip) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
        try:
            with os.fdopen(fd, "wb") as fh:
                with wave.open(fh, "wb") as wav:
                    wav.setnchannels(1)
                    wav.setsampwidth(2)
                    wav.setframerate(clip.rate)
                    wav.writeframes(to_pcm16(clip))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
