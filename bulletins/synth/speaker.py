"""Speaker: one station's voice for one bulletin build: engines, cache, fallback, estimates."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..audio import Clip, resample
from ..config import ENGINES, Settings, Station
from ..errors import SynthesisError
from .base import Engine, SpeechResult, SynthStats, trim_silence
from .cache import SpeechCache, cache_key, quantize
from .espeak import VOICES as ESPEAK_VOICES
from .espeak import EspeakEngine
from .estimate import (
    GTTS_DEFAULT,
    CalibrationStore,
    RateModel,
    speakable,
    split_sentences,
)
from .google import GttsEngine
from .piper_engine import PiperEngine

log = logging.getLogger("bulletins.synth")


class Speaker:
    """Speaks bulletin parts for one station with `engine` ("auto"|"gtts"|"espeak"|"piper").

    "auto" tries gTTS and, at its first failure, switches to espeak for the rest of this
    Speaker's life (fail fast: one timeout per bulletin, not one per sentence). Every
    sentence is cached by content, so nothing is spoken twice.
    """

    def __init__(self, settings: Settings, station: Station, engine: str | None = None,
                 *, engines: Mapping[str, Engine] | None = None):
        self.settings = settings
        self.station = station
        self.requested = engine or settings.engine_for(station)
        if self.requested not in ENGINES:
            raise SynthesisError(
                f"Không có engine đọc «{self.requested}».",
                "Chọn một trong: " + ", ".join(ENGINES) + ".",
                engine=self.requested,
            )
        self.rate = settings.audio.sample_rate
        self.stats = SynthStats()
        self._cache = SpeechCache(settings.cache_dir / "speech")
        self._calibration = CalibrationStore.at(settings.cache_dir / "calibration.json")
        self._lock = threading.Lock()  # guards stats, fallback state and engine creation
        # `engines` replaces real engines by name ("gtts", "espeak", "piper"), for tests.
        self._engines: dict[str, Engine] = dict(engines or {})
        self._fallen_back = False
        # Fail at construction on a bad explicit setup (e.g. unknown espeak voice).
        self._engine(self._primary_name)

    # -- engines ---------------------------------------------------------------

    @property
    def _primary_name(self) -> str:
        return "gtts" if self.requested == "auto" else self.requested

    @property
    def _active_name(self) -> str:
        return "espeak" if self._fallen_back else self._primary_name

    def _engine(self, name: str) -> Engine:
        with self._lock:
            if name not in self._engines:
                self._engines[name] = self._make(name)
            return self._engines[name]

    def _make(self, name: str) -> Engine:
        e, voice = self.settings.engines, self.station.voice
        if name == "espeak":
            # In "auto" the station voice may name a gTTS/piper voice; espeak then
            # uses its configured default.
            if voice and (self.requested == "espeak" or voice in ESPEAK_VOICES):
                return EspeakEngine(voice, e.espeak_rate_wpm)
            return EspeakEngine(e.espeak_voice, e.espeak_rate_wpm)
        if name == "gtts":
            return GttsEngine(e.gtts_tld, e.gtts_timeout_s, self.rate,
                              tmp_dir=self.settings.cache_dir / "tmp")
        model = voice if voice.endswith(".onnx") else e.piper_model
        if model and not Path(model).expanduser().is_absolute():
            model = str(self.settings.home / model)
        return PiperEngine(model, e.piper_speaker)

    @property
    def engine_label(self) -> str:
        """For the manifest: e.g. "espeak:vi", "auto (gtts)", "auto (gtts→espeak:vi)"."""
        if self.requested != "auto":
            eng = self._engine(self.requested)
            return f"{eng.name}:{eng.voice}"
        if self._fallen_back:
            esp = self._engine("espeak")
            return f"auto (gtts→espeak:{esp.voice})"
        return "auto (gtts)"

    # -- speaking --------------------------------------------------------------

    def speak(self, sentences: list[str]) -> SpeechResult:
        """Speak one part: sentences joined by `sentence_pause_ms` of silence."""
        pause = Clip.silence(self.settings.audio.sentence_pause_ms, self.rate)
        pieces: list[np.ndarray] = []
        spoke: list[str] = []
        learned: dict[str, list[tuple[str, float]]] = {}
        for sentence in sentences:
            text = " ".join(sentence.split())
            if not speakable(text):
                continue  # nothing to say (stray punctuation): no clip, no pause
            clip, name, fresh_ms = self._speak_one(text)
            if pieces:
                pieces.append(pause.samples)
            pieces.append(clip.samples)
            if name not in spoke:
                spoke.append(name)
            if fresh_ms is not None:
                learned.setdefault(self._model_key(name), []).append((text, fresh_ms))
        for key, samples in learned.items():
            default = self._gtts_default if key.startswith("gtts|") else None
            self._calibration.learn(key, samples, default)
        samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        label = "+".join(spoke) if spoke else self._active_name
        return SpeechResult(Clip(samples.astype(np.float32, copy=False), self.rate), label)

    def _speak_one(self, text: str) -> tuple[Clip, str, float | None]:
        """(clip, engine name, measured ms when freshly synthesized) for one sentence."""
        name = self._active_name
        try:
            return self._speak_with(name, text)
        except SynthesisError as exc:
            if self.requested != "auto" or name != "gtts":
                raise
            with self._lock:
                if not self._fallen_back:
                    self._fallen_back = True
                    reason = f"{exc.message}, đã chuyển sang espeak"
                    self.stats.fallbacks.append(reason)
                    log.warning("%s (chi tiết: %s)", reason, exc.detail or "-")
            return self._speak_with("espeak", text)

    def _speak_with(self, name: str, text: str) -> tuple[Clip, str, float | None]:
        engine = self._engine(name)
        key = cache_key(engine.name, engine.voice, engine.params, self.rate, text)
        cached = self._cache.get(key, self.rate)
        if cached is not None:
            with self._lock:
                self.stats.cache_hits += 1
            return cached, name, None
        raw = trim_silence(engine.synthesize(text))
        measured_ms = len(raw.samples) * 1000 / raw.rate
        clip = resample(raw, self.rate) if len(raw.samples) else Clip(raw.samples, self.rate)
        # Quantize as the cache stores it, so fresh and cached speech are the same samples.
        clip = quantize(clip)
        try:
            self._cache.put(key, clip)
        except OSError as exc:  # a full disk must not stop the bulletin
            log.warning("Không ghi được bộ đệm giọng đọc: %s", exc)
        with self._lock:
            self.stats.synthesized += 1
        return clip, name, measured_ms

    # -- estimates -------------------------------------------------------------

    def _model_key(self, name: str) -> str:
        eng = self._engine(name)
        return f"{eng.name}|{eng.voice}|{eng.params}"

    def rate_model(self, name: str | None = None) -> RateModel:
        """The calibrated model for `name` (default: the engine that would speak now)."""
        name = name or self._active_name
        engine = self._engine(name)

        def make() -> RateModel:
            if name == "gtts" and isinstance(engine, GttsEngine):
                return self._gtts_default()
            log.info("Đang hiệu chỉnh tốc độ đọc cho %s:%s", engine.name, engine.voice)
            # espeak speaks the whole text in about a second; a neural voice runs near
            # real time on a station PC, so it gets every fourth sentence (~9).
            every = 1 if name == "espeak" else 4
            return RateModel.measure(
                lambda s: trim_silence(engine.synthesize(s)).duration_ms, every=every
            )

        return self._calibration.get(self._model_key(name), make)

    @staticmethod
    def _gtts_default() -> RateModel:
        return RateModel.from_default(GTTS_DEFAULT)

    def estimate_ms(self, spoken_text: str | list[str]) -> int:
        """Estimated length of `speak(split(spoken_text))`, in milliseconds.

        Pass the normalizer's sentence list instead of a string to skip the rough split.
        """
        if isinstance(spoken_text, str):
            sentences = split_sentences(spoken_text)
        else:
            sentences = [" ".join(s.split()) for s in spoken_text if speakable(s)]
        if not sentences:
            return 0
        model = self.rate_model()
        pauses = self.settings.audio.sentence_pause_ms * (len(sentences) - 1)
        return round(sum(model.sentence_ms(s) for s in sentences) + pauses)
