"""Speech synthesis: Vietnamese text to audio through gTTS, espeak-ng or Piper.

    speaker = Speaker(settings, station)          # engine from settings, or engine="auto"
    speaker.estimate_ms("Câu một. Câu hai.")      # before synthesis, calibrated per voice
    result = speaker.speak(["Câu một.", "Câu hai."])
    result.clip, result.engine, speaker.stats, speaker.engine_label

Adding an engine: implement the `Engine` protocol (name, voice, params, synthesize) in a
module here and build it in `Speaker._make`. `FakeEngine` stands in for any engine in
tests of other stages.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .base import Engine, SpeechResult, SynthStats
    from .fake import FakeEngine
    from .speaker import Speaker

__all__ = ["Engine", "FakeEngine", "Speaker", "SpeechResult", "SynthStats"]
_WHERE = {"Engine": "base", "SpeechResult": "base", "SynthStats": "base", "FakeEngine": "fake",
          "Speaker": "speaker"}


def __getattr__(name: str) -> Any:
    # Lazy, so `bulletins --help` and `bulletins voice list` do not load the engines.
    if name in _WHERE:
        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
