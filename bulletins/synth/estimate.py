"""Spoken-length estimates from a per-engine/voice/rate linear model, fitted on real audio.

A sentence lasts about  a·syllables + b·pauses + c  milliseconds (after silence trimming):
Vietnamese is monosyllabic, so syllables are the whitespace-separated words; pauses are
the commas, semicolons, colons and dashes inside the sentence; `c` absorbs the sentence's
onset and final lengthening. A part adds `sentence_pause_ms` between its sentences.

Offline engines are calibrated by speaking `calibration_vi.txt` once; the fit is kept in
`cache_dir/calibration.json` under "engine|voice|params". Every sentence an engine really
speaks is added to the same least-squares sums, so the model keeps learning. gTTS cannot
be run offline, so it starts from `GTTS_DEFAULT` as pseudo-observations on the calibration
sentences and is pulled toward real measurements as soon as gTTS speaks.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np
from filelock import FileLock

_WORD = re.compile(r"\w+")
_PAUSE = re.compile(r"[,;:–—-](?=\s)|[,;:](?=\S)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")

STORE_VERSION = 1
N_FEATURES = 3

# gTTS vi (translate.google.com.vn) has not been measured here (no network in the build
# environment). Documented starting point: ≈4.6 syllables/s as heard in Google's Vietnamese
# voice, 200 ms per comma pause, 150 ms per sentence. Replaced by learned figures after
# the first real bulletin; "source" in calibration.json says which figures are in use.
GTTS_DEFAULT = (215.0, 200.0, 150.0)
# Pseudo-observation weight of a default: the calibration sentences count this much each,
# so about this many real sentences outweigh the default.
PRIOR_WEIGHT = 1.0


def features(sentence: str) -> np.ndarray:
    return np.array(_features(sentence), dtype=np.float64)


@functools.lru_cache(maxsize=32768)  # every build estimates the shared news again
def _features(sentence: str) -> tuple[float, float, float]:
    return float(len(_WORD.findall(sentence))), float(len(_PAUSE.findall(sentence))), 1.0


def speakable(sentence: str) -> bool:
    """True when a sentence holds anything an engine would say (letters or digits)."""
    return bool(_WORD.search(sentence))


def split_sentences(text: str) -> list[str]:
    """Roughly how the normalizer splits a part; used only for estimates."""
    return [s.strip() for s in _SENTENCE_END.split(text) if speakable(s)]


def calibration_sentences() -> list[str]:
    text = files("bulletins.synth").joinpath("calibration_vi.txt").read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


class RateModel:
    """Least-squares sums for one engine/voice/params; coefficients solved on demand."""

    def __init__(self, xtx: np.ndarray | None = None, xty: np.ndarray | None = None,
                 n: int = 0, source: str = "calibrated"):
        self.xtx = np.zeros((N_FEATURES, N_FEATURES)) if xtx is None else xtx
        self.xty = np.zeros(N_FEATURES) if xty is None else xty
        self.n = n  # real measurements (pseudo-observations not counted)
        self.source = source  # "calibrated" | "default" | "learned"
        self._coef: tuple[float, float, float] | None = None  # solved on first use after add

    def add(self, sentence: str, duration_ms: float, weight: float = 1.0,
            real: bool = True) -> None:
        x = features(sentence)
        self.xtx += weight * np.outer(x, x)
        self.xty += weight * duration_ms * x
        self._coef = None
        if real:
            self.n += 1

    @property
    def coef(self) -> np.ndarray:
        # A tiny ridge keeps the solve stable when all sentences had no pauses.
        return np.linalg.solve(self.xtx + 1e-6 * np.eye(N_FEATURES), self.xty)

    def sentence_ms(self, sentence: str) -> float:
        if self._coef is None:
            self._coef = tuple(float(v) for v in self.coef)
        a, b, c = self._coef
        syllables, pauses, one = _features(sentence)
        return max(0.0, a * syllables + b * pauses + c * one)

    def to_json(self) -> dict:
        a, b, c = (round(float(v), 2) for v in self.coef)
        return {"ms_per_syllable": a, "ms_per_pause": b, "ms_per_sentence": c,
                "n": self.n, "source": self.source,
                "xtx": self.xtx.tolist(), "xty": self.xty.tolist()}

    @classmethod
    def from_json(cls, data: dict) -> RateModel:
        xtx = np.array(data["xtx"], dtype=np.float64)
        xty = np.array(data["xty"], dtype=np.float64)
        if xtx.shape != (N_FEATURES, N_FEATURES) or xty.shape != (N_FEATURES,):
            raise ValueError("bad shape")
        return cls(xtx, xty, int(data.get("n", 0)), str(data.get("source", "calibrated")))

    @classmethod
    def from_default(cls, coef: Iterable[float]) -> RateModel:
        model = cls(source="default")
        w = np.asarray(tuple(coef), dtype=np.float64)
        for s in calibration_sentences():
            model.add(s, float(features(s) @ w), weight=PRIOR_WEIGHT, real=False)
        return model

    @classmethod
    def measure(cls, speak_ms: Callable[[str], float], every: int = 1) -> RateModel:
        """Calibrate by speaking the bundled calibration text (every n-th sentence)."""
        model = cls(source="calibrated")
        for s in calibration_sentences()[::every]:
            model.add(s, speak_ms(s))
        return model


@cache
def _shipped() -> dict[str, dict]:
    try:
        text = files("bulletins.synth").joinpath("calibration_shipped.json").read_text("utf-8")
        data = json.loads(text)
    except (OSError, ValueError):
        return {}
    return data.get("models", {}) if data.get("version") == STORE_VERSION else {}


def shipped_model(key: str) -> RateModel | None:
    """The calibration measured for the bundled espeak-ng voices at their default rate.

    espeak-ng speaks deterministically, so calibrating on a station would measure these very
    figures; shipping them saves the first build speaking the calibration text. The key holds
    the espeakng-loader version: another version is calibrated as usual.
    """
    raw = _shipped().get(key)
    if raw is None:
        return None
    try:
        return RateModel.from_json(raw)
    except (KeyError, TypeError, ValueError):
        return None


class CalibrationStore:
    """calibration.json: rate models keyed "engine|voice|params", shared by processes.

    Use `CalibrationStore.at(path)`: one instance per file per process, so speakers in
    different threads learn into the same models.
    """

    _instances: dict[Path, CalibrationStore] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: Path):
        self.path = path
        self._models: dict[str, RateModel] = {}
        self._lock = threading.RLock()  # FileLock guards processes; this guards threads

    @classmethod
    def at(cls, path: Path) -> CalibrationStore:
        with cls._instances_lock:
            key = path.resolve()
            if key not in cls._instances:
                cls._instances[key] = cls(key)
            return cls._instances[key]

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != STORE_VERSION:
            return {}
        models = data.get("models")
        return models if isinstance(models, dict) else {}

    def _load(self, key: str) -> RateModel | None:
        """Caller holds _lock."""
        if key in self._models:
            return self._models[key]
        raw = self._read().get(key)
        if raw is not None:
            with contextlib.suppress(KeyError, TypeError, ValueError):
                self._models[key] = RateModel.from_json(raw)
        return self._models.get(key)

    def get(self, key: str, make: Callable[[], RateModel]) -> RateModel:
        """The stored model for `key`, else the one shipped for it, else `make()` (e.g.
        calibrate); a new model is stored."""
        with self._lock:
            model = self._load(key)
            if model is None:
                model = shipped_model(key) or make()
                self._write({key: model})
            self._models[key] = model
            return model

    def learn(self, key: str, samples: list[tuple[str, float]],
              default: Callable[[], RateModel] | None = None) -> None:
        """Add measured (sentence, trimmed duration ms) pairs to a model and save it.

        With no stored model, `default()` starts one; without a default the samples are
        dropped (calibration will measure that voice when an estimate first needs it).
        """
        if not samples:
            return
        with self._lock:
            model = self._load(key)
            if model is None and default is not None:
                model = self._models[key] = default()
            if model is None:
                return
            for sentence, ms in samples:
                model.add(sentence, ms)
            if model.source == "default":
                model.source = "learned"
            self._write({key: model})

    def _write(self, updates: dict[str, RateModel]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock", timeout=30):
            models = self._read()
            models.update({k: m.to_json() for k, m in updates.items()})
            body = json.dumps({"version": STORE_VERSION, "models": models},
                              ensure_ascii=False, indent=1)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".calibration-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(body)
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
