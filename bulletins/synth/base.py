"""The engine interface and the small records the speaker hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..audio import Clip


class Engine(Protocol):
    """One text-to-speech engine at one voice and fixed parameters.

    `synthesize` speaks one sentence and returns a Clip at whatever rate the engine
    produces; it raises SynthesisError when it cannot. `name`, `voice` and `params`
    identify the sound it makes, so they are part of the cache key.
    """

    name: str
    voice: str

    @property
    def params(self) -> str: ...

    def synthesize(self, text: str) -> Clip: ...


@dataclass(frozen=True)
class SpeechResult:
    clip: Clip
    engine: str  # the engine that actually spoke, e.g. "espeak" after a fallback
    voice: str = ""  # "engine:voice" labels that spoke it, e.g. "edge:vi-VN-NamMinhNeural"


@dataclass
class SynthStats:
    synthesized: int = 0  # sentences an engine actually spoke
    cache_hits: int = 0
    fallbacks: list[str] = field(default_factory=list)  # Vietnamese reasons, in order
    skipped: list[str] = field(default_factory=list)  # auto engines not set up, with why

    def as_dict(self) -> dict[str, object]:
        return {"synthesized": self.synthesized, "cache_hits": self.cache_hits,
                "fallbacks": list(self.fallbacks), "skipped": list(self.skipped)}


def trim_silence(clip: Clip, threshold: float = 0.005, keep_ms: int = 20) -> Clip:
    """Cut leading/trailing near-silence so sentence pauses are ours, not the engine's.

    Engines pad differently (espeak ~50 ms, MP3 encoder delay for gTTS); trimming makes
    every engine's pauses equal to `sentence_pause_ms` and the estimates comparable.
    """
    loud = np.abs(clip.samples) > threshold
    if not loud.any():
        return Clip(clip.samples[:0], clip.rate)
    keep = round(keep_ms * clip.rate / 1000)
    first, last = int(loud.argmax()), len(loud) - 1 - int(loud[::-1].argmax())
    start = max(0, first - keep)
    end = min(len(clip.samples), last + 1 + keep)
    return Clip(clip.samples[start:end], clip.rate)
