"""A fake engine for tests of other stages (plan, fit, master): instant, deterministic.

Like httpx's MockTransport it sits behind the real interface, so the Speaker's cache,
pauses and estimates all run; only the voice is fake:

    speaker = Speaker(settings, station, engine="espeak", engines={"espeak": FakeEngine()})

Each sentence becomes a quiet 220 Hz tone lasting exactly what `FakeEngine.ms(text)` says.
`fail_with` makes every call raise (e.g. a SynthesisError) to test error handling.
"""

from __future__ import annotations

import numpy as np

from ..audio import Clip
from .estimate import features


class FakeEngine:
    def __init__(self, name: str = "espeak", voice: str = "fake", rate: int = 22050,
                 coef: tuple[float, float, float] = (250.0, 200.0, 0.0),
                 fail_with: Exception | None = None):
        self.name = name
        self.voice = voice
        self.rate = rate
        self.coef = coef
        self.fail_with = fail_with
        self.calls: list[str] = []

    @property
    def params(self) -> str:
        return "fake=" + ",".join(f"{c:g}" for c in self.coef)

    def ms(self, text: str) -> int:
        return max(1, round(float(features(text) @ np.asarray(self.coef))))

    def synthesize(self, text: str) -> Clip:
        self.calls.append(text)
        if self.fail_with is not None:
            raise self.fail_with
        n = round(self.ms(text) * self.rate / 1000)
        tone = 0.25 * np.sin(2 * np.pi * 220 * np.arange(n) / self.rate)
        return Clip(tone.astype(np.float32), self.rate)
