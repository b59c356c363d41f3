"""Speech synthesis: Vietnamese text to audio through gTTS, espeak-ng or Piper.

    speaker = Speaker(settings, station)          # engine from settings, or engine="auto"
    speaker.estimate_ms("Câu một. Câu hai.")      # before synthesis, calibrated per voice
    result = speaker.speak(["Câu một.", "Câu hai."])
    result.clip, result.engine, speaker.stats, speaker.engine_label

Adding an engine: implement the `Engine` protocol (name, voice, params, synthesize) in a
module here and build it in `Speaker._make`. `FakeEngine` stands in for any engine in
tests of other stages.
"""

from .base import Engine, SpeechResult, SynthStats
from .fake import FakeEngine
from .speaker import Speaker

__all__ = ["Engine", "FakeEngine", "Speaker", "SpeechResult", "SynthStats"]
