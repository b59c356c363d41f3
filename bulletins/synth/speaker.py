"""Speaker: one station's voice for one bulletin build: engines, cache, fallback, estimates."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping

import numpy as np

from ..audio import Clip, resample
from ..config import ENGINES, Settings, Station
from ..errors import BulletinError, SynthesisError
from .base import Engine, SpeechResult, SynthStats, trim_silence
from .cache import SpeechCache, cache_key, quantize
from .edge import EDGE_DEFAULT, EdgeEngine
from .edge import VOICES as EDGE_VOICES
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
ONLINE_DEFAULTS = {"gtts": GTTS_DEFAULT, "edge": EDGE_DEFAULT}  # no offline calibration


class Speaker:
    """Speaks bulletin parts for one station with `engine` (see config.ENGINES).

    "auto" tries the engines of `[engines] auto` in order (espeak last, always). An engine
    that cannot be built (Piper without a voice) is skipped; one that fails is dropped for
    the rest of this Speaker's life, i.e. one build: one timeout per engine per bulletin,
    not one per sentence. Every sentence is cached by content, so nothing is spoken twice.

    With two station `voices`, announcer 0 and 1 take turns; each engine in the chain uses
    the station voice that is its own, else its own default pair (espeak's regional
    variants, Edge's female and male voice), so the turns survive a fallback.
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
        if self.requested == "auto":
            chain = [n for n in settings.engines.auto if n != "espeak"]
            self.chain = tuple(dict.fromkeys(chain)) + ("espeak",)
        else:
            self.chain = (self.requested,)
        self.voices = tuple(station.voices) or (station.voice,)
        self.announcers = len(self.voices)
        self.rate = settings.audio.sample_rate
        self.stats = SynthStats()
        self._cache = SpeechCache(settings.cache_dir / "speech")
        self._calibration = CalibrationStore.at(settings.cache_dir / "calibration.json")
        self._lock = threading.Lock()  # guards stats, failures and engine creation
        # `engines` replaces real engines by name ("gtts", "espeak", …; "espeak#1" for the
        # second announcer), for tests.
        self._override: dict[str, Engine] = dict(engines or {})
        self._engines: dict[tuple[str, int], Engine] = {}
        self._failed: dict[str, str] = {}  # engine name -> Vietnamese reason
        self._spoke: dict[str, list[str]] = {}  # engine name -> voices heard, in order
        # Fail at construction on a bad explicit setup (e.g. unknown espeak voice).
        if self.requested != "auto":
            for k in range(self.announcers):
                self._engine(self.requested, k)

    # -- engines ---------------------------------------------------------------

    def voice_for(self, name: str, announcer: int = 0) -> str:
        """The voice engine `name` uses for `announcer`."""
        e = self.settings.engines
        v = self.voices[announcer % self.announcers].strip()
        if v and (self._kind(v) == name or (self.requested == name and not self._kind(v))):
            return v
        pairs = {
            "espeak": (e.espeak_voice, *[x for x in ESPEAK_VOICES if x != e.espeak_voice]),
            "edge": (e.edge_voice, *[x for x in EDGE_VOICES if x != e.edge_voice]),
            "piper": (e.piper_model,),
            "gtts": ("vi",),
        }[name]
        return pairs[announcer % min(len(pairs), self.announcers)] if announcer else pairs[0]

    def _kind(self, voice: str) -> str | None:
        from .voices import is_piper_voice

        if voice in ESPEAK_VOICES:
            return "espeak"
        if voice.endswith("Neural"):
            return "edge"
        if is_piper_voice(self.settings.home, voice):
            return "piper"
        return None

    def _engine(self, name: str, announcer: int = 0) -> Engine:
        with self._lock:
            key = (name, announcer)
            if key not in self._engines:
                override = self._override.get(f"{name}#{announcer}") or (
                    self._override.get(name) if announcer == 0 or self.announcers == 1
                    else None)
                self._engines[key] = override or self._make(name, announcer)
            return self._engines[key]

    def _make(self, name: str, announcer: int) -> Engine:
        e, voice = self.settings.engines, self.voice_for(name, announcer)
        if name == "espeak":
            return EspeakEngine(voice, e.espeak_rate_wpm)
        if name == "gtts":
            return GttsEngine(e.gtts_tld, e.gtts_timeout_s, self.rate,
                              tmp_dir=self.settings.cache_dir / "tmp")
        if name == "edge":
            return EdgeEngine(voice, e.edge_timeout_s, self.rate, e.edge_url)
        return PiperEngine(self._piper_model(voice), e.piper_speaker)

    def _piper_model(self, voice: str) -> str:
        """A catalogue name or path; with none set, the best installed catalogue voice."""
        from .voices import catalog, installed, resolve_model

        home = self.settings.home
        if not voice:
            have = {v.name: v.model for v in installed(home)}
            best = [have[n] for n in catalog() if n in have] or list(have.values())
            return str(best[0]) if best else ""
        try:
            return str(resolve_model(home, voice))
        except BulletinError as exc:
            raise SynthesisError(exc.message, exc.hint, engine="piper") from exc

    @property
    def engine_label(self) -> str:
        """For the manifest: "espeak:vi", "auto (edge:vi-VN-HoaiMyNeural)",
        "auto (edge→gtts→espeak:vi/vi-VN-x-central)" (failed engines, then who spoke)."""
        if self.requested != "auto":
            voices = self._spoke.get(self.requested) or [
                self._engine(self.requested, k).voice for k in range(self.announcers)]
            return f"{self.requested}:{'/'.join(dict.fromkeys(voices))}"
        steps = []
        for name in self.chain:
            if name in self._spoke:
                steps.append(f"{name}:{'/'.join(self._spoke[name])}")
            elif name in self._failed and not any(
                    s.startswith(f"{name}:") for s in self.stats.skipped):
                steps.append(name)
        if not any(n in self._spoke for n in self.chain):
            steps.append(next((n for n in self.chain if n not in self._failed), "espeak"))
        return f"auto ({'→'.join(steps)})"

    # -- speaking --------------------------------------------------------------

    def speak(self, sentences: list[str], announcer: int = 0) -> SpeechResult:
        """Speak one part: sentences joined by `sentence_pause_ms` of silence."""
        pause = Clip.silence(self.settings.audio.sentence_pause_ms, self.rate)
        pieces: list[np.ndarray] = []
        spoke: list[str] = []
        voices: list[str] = []
        learned: dict[str, list[tuple[str, float]]] = {}
        for sentence in sentences:
            text = " ".join(sentence.split())
            if not speakable(text):
                continue  # nothing to say (stray punctuation): no clip, no pause
            clip, name, fresh_ms = self._speak_one(text, announcer)
            if pieces:
                pieces.append(pause.samples)
            pieces.append(clip.samples)
            if name not in spoke:
                spoke.append(name)
            label = f"{name}:{self._engine(name, announcer).voice}"
            if label not in voices:
                voices.append(label)
            if fresh_ms is not None:
                learned.setdefault(self._model_key(name, announcer), []).append((text, fresh_ms))
        for key, samples in learned.items():
            prior = ONLINE_DEFAULTS.get(key.split("|", 1)[0])
            self._calibration.learn(key, samples,
                                    (lambda p=prior: RateModel.from_default(p)) if prior else None)
        samples = (pieces[0] if len(pieces) == 1 else np.concatenate(pieces) if pieces
                   else np.zeros(0, dtype=np.float32))
        label = "+".join(spoke) if spoke else self._active_name()
        return SpeechResult(Clip(samples.astype(np.float32, copy=False), self.rate), label,
                            "+".join(voices))

    def count(self, sentences: list[str], announcer: int = 0) -> int:
        """len(speak(sentences, announcer).clip.samples) without joining the sentences:
        measuring a part for the fit needs its length only. What is not cached yet is spoken
        (and cached) by one speak() call."""
        pause = round(self.settings.audio.sentence_pause_ms * self.rate / 1000)
        texts = [t for t in (" ".join(s.split()) for s in sentences) if speakable(t)]
        counts = [self._cached_count(t, announcer) for t in texts]
        missing = [t for t, n in zip(texts, counts, strict=True) if n is None]
        fresh = 0
        if missing:
            fresh = (len(self.speak(missing, announcer).clip.samples)
                     - pause * (len(missing) - 1))
        return (sum(n for n in counts if n is not None) + fresh
                + pause * max(0, len(texts) - 1))

    def _cached_count(self, text: str, announcer: int) -> int | None:
        name = self._active_name()
        try:
            engine = self._engine(name, announcer)
        except SynthesisError:
            return None  # speak() skips it and tells why
        clip = self._cache.get(self._key(engine, text), self.rate)
        if clip is None:
            return None
        self._heard(name, engine.voice)
        return len(clip.samples)

    def _active_name(self) -> str:
        return next((n for n in self.chain if n not in self._failed), self.chain[-1])

    def _speak_one(self, text: str, announcer: int) -> tuple[Clip, str, float | None]:
        """(clip, engine name, measured ms when freshly synthesized) for one sentence."""
        last: SynthesisError | None = None
        for name in self.chain:
            if name in self._failed and len(self.chain) > 1:
                continue
            try:
                engine = self._engine(name, announcer)
            except SynthesisError as exc:  # not set up here (e.g. no Piper voice): skip it
                if len(self.chain) == 1:
                    raise
                last = exc
                self._skip(name, exc)
                continue
            try:
                return self._speak_with(name, engine, text)
            except SynthesisError as exc:
                if len(self.chain) == 1:
                    raise
                last = exc
                self._fail(name, exc)
        assert last is not None  # the chain is never empty
        raise last

    def _skip(self, name: str, exc: SynthesisError) -> None:
        with self._lock:
            if name in self._failed:
                return
            self._failed[name] = exc.message
            self.stats.skipped.append(f"{name}: {exc.message}")
        log.info("auto: bỏ qua %s (%s)", name, exc.message)

    def _fail(self, name: str, exc: SynthesisError) -> None:
        with self._lock:
            if name in self._failed:
                return
            self._failed[name] = exc.message
        nxt = self._next_available(name)
        reason = f"{exc.message.rstrip('.')}, đã chuyển sang {nxt}" if nxt else exc.message
        with self._lock:
            self.stats.fallbacks.append(reason)
        log.warning("%s (chi tiết: %s)", reason, exc.detail or "-")

    def _next_available(self, after: str) -> str | None:
        """The next engine in the chain that can be set up (those that cannot are skipped)."""
        for name in self.chain[self.chain.index(after) + 1:]:
            if name in self._failed:
                continue
            try:
                self._engine(name)
            except SynthesisError as exc:
                self._skip(name, exc)
                continue
            return name
        return None

    def _key(self, engine: Engine, text: str) -> str:
        return cache_key(engine.name, engine.voice, engine.params, self.rate, text)

    def _speak_with(self, name: str, engine: Engine, text: str) -> tuple[Clip, str, float | None]:
        key = self._key(engine, text)
        cached = self._cache.get(key, self.rate)
        if cached is not None:
            with self._lock:
                self.stats.cache_hits += 1
            self._heard(name, engine.voice)
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
        self._heard(name, engine.voice)
        return clip, name, measured_ms

    def _heard(self, name: str, voice: str) -> None:
        with self._lock:
            heard = self._spoke.setdefault(name, [])
            first = voice not in heard
            if first:
                heard.append(voice)
        if first:  # the log says who spoke, as the manifest's segments do
            log.info("Giọng đọc của đài %s: %s:%s", self.station.id, name, voice)

    # -- estimates -------------------------------------------------------------

    def _model_key(self, name: str, announcer: int = 0) -> str:
        eng = self._engine(name, announcer)
        return f"{eng.name}|{eng.voice}|{eng.params}"

    def rate_model(self, name: str | None = None, announcer: int = 0) -> RateModel:
        """The calibrated model for `name` (default: the engine that would speak now)."""
        name = name or self._active_name()
        try:
            engine = self._engine(name, announcer)
        except SynthesisError:
            if len(self.chain) == 1:
                raise
            name = "espeak"  # the chain's last resort estimates what cannot be built
            engine = self._engine(name, announcer)

        def make() -> RateModel:
            prior = ONLINE_DEFAULTS.get(name)
            if prior is not None and not isinstance(engine, EspeakEngine | PiperEngine):
                return RateModel.from_default(prior)
            log.info("Đang hiệu chỉnh tốc độ đọc cho %s:%s", engine.name, engine.voice)
            # espeak speaks the whole text in about a second; a neural voice runs near
            # real time on a station PC, so it gets every fourth sentence (~9).
            every = 1 if name == "espeak" else 4
            return RateModel.measure(
                lambda s: trim_silence(engine.synthesize(s)).duration_ms, every=every
            )

        return self._calibration.get(self._model_key(name, announcer), make)

    def estimate_ms(self, spoken_text: str | list[str], announcer: int = 0) -> int:
        """Estimated length of `speak(split(spoken_text))`, in milliseconds.

        Pass the normalizer's sentence list instead of a string to skip the rough split.
        """
        if isinstance(spoken_text, str):
            sentences = split_sentences(spoken_text)
        else:
            sentences = [" ".join(s.split()) for s in spoken_text if speakable(s)]
        if not sentences:
            return 0
        model = self.rate_model(announcer=announcer)
        pauses = self.settings.audio.sentence_pause_ms * (len(sentences) - 1)
        return round(sum(model.sentence_ms(s) for s in sentences) + pauses)
