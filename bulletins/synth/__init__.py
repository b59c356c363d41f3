"""Speech synthesis: Vietnamese text to audio through gTTS, espeak-ng or Piper.

    speaker = Speaker(settings, station)          # engine from settings, or engine="auto"
    speaker.estimate_ms("Câu một. Câu hai.")      # before synthesis, calibrated per voice
    result = speaker.speak(["Câu một.", "Câu hai."])
    result.clip, result.engine, speaker.stats, speaker.engine_label
"""

from .base import Engine, SpeechResult, SynthStats
from .speaker import Speaker

__all__ = ["Engine", "Speaker", "SpeechResult", "SynthStats"]
