"""Hear and choose: every available voice reads one text; the choice goes to bulletins.toml.

Used by the "Giọng đọc" web page. Samples are WAV files in `cache/voice-samples/`, named by
the hash of (engine, voice, text), with a small JSON beside each holding how long the first
synthesis took, so a page reload shows the real synthesis time, not a cache hit's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
import wave
from dataclasses import dataclass, replace
from pathlib import Path

from ..config import CONFIG_NAME, ENGINES, Settings, Station, load_settings
from ..errors import BulletinError, ConfigError
from .cache import to_pcm16
from .edge import VOICE_LABELS as EDGE_LABELS
from .espeak import VOICE_LABELS as ESPEAK_LABELS

SAMPLE_TEXT = ("Kính thưa bà con, sáng nay Ủy ban nhân dân xã tổ chức tiêm vắc xin cho trẻ "
               "dưới 5 tuổi tại trạm y tế, từ 7 giờ 30 đến 11 giờ.")
MAX_TEXT = 400


@dataclass(frozen=True)
class VoiceOption:
    engine: str
    voice: str
    label: str
    online: bool = False

    @property
    def key(self) -> str:
        return f"{self.engine}:{self.voice}"


@dataclass(frozen=True)
class Sample:
    option: VoiceOption
    file: str = ""  # name inside samples_dir, "" when it failed
    duration_ms: int = 0
    synth_ms: int = 0
    syllables_per_s: float = 0.0
    error: str = ""


def voice_options(settings: Settings) -> list[VoiceOption]:
    from .voices import installed

    out = [VoiceOption("espeak", v, f"espeak-ng, {label}") for v, label in ESPEAK_LABELS.items()]
    out += [VoiceOption("piper", v.name, f"Piper, {v.info.get('quality') or v.name}")
            for v in installed(settings.home)]
    out += [VoiceOption("edge", v, f"Microsoft Edge, {label} (cần Internet)", online=True)
            for v, label in EDGE_LABELS.items()]
    out.append(VoiceOption("gtts", "vi", "Google (cần Internet)", online=True))
    return out


def samples_dir(settings: Settings) -> Path:
    return settings.cache_dir / "voice-samples"


def spoken_sentences(settings: Settings, text: str) -> list[str]:
    from ..normalize import load_lexicon, normalize, split_sentences

    result = normalize(text[:MAX_TEXT], load_lexicon(settings.lexicon_path), settings.normalize)
    return split_sentences(result.spoken)


def audition(settings: Settings, option: VoiceOption, sentences: list[str]) -> Sample:
    """`option` reads `sentences` (spoken form); the WAV lands in samples_dir."""
    from .speaker import Speaker

    digest = hashlib.sha256(
        json.dumps([option.engine, option.voice, sentences], ensure_ascii=False).encode()
    ).hexdigest()[:32]
    folder = samples_dir(settings)
    wav, meta = folder / f"{digest}.wav", folder / f"{digest}.json"
    with contextlib.suppress(OSError, ValueError, KeyError):
        info = json.loads(meta.read_text(encoding="utf-8"))
        if wav.is_file():
            return Sample(option, wav.name, info["duration_ms"], info["synth_ms"],
                          info["syllables_per_s"])
    station = replace(settings.stations[0], voice=option.voice, voices=())
    started = time.monotonic()
    try:
        speaker = Speaker(settings, station, engine=option.engine)
        clip = speaker.speak(sentences).clip
    except BulletinError as exc:
        return Sample(option, error=exc.message)
    synth_ms = round((time.monotonic() - started) * 1000)
    words = sum(len(s.split()) for s in sentences)
    speed = round(words / (clip.duration_ms / 1000), 1) if clip.duration_ms else 0.0
    folder.mkdir(parents=True, exist_ok=True)
    _write_wav(wav, clip.rate, to_pcm16(clip))
    info = {"duration_ms": clip.duration_ms, "synth_ms": synth_ms, "syllables_per_s": speed}
    meta.write_text(json.dumps(info), encoding="utf-8")
    return Sample(option, wav.name, clip.duration_ms, synth_ms, speed)


def _write_wav(path: Path, rate: int, pcm: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".wav")
    try:
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def choose(settings: Settings, station_id: str, engine: str, voices: list[str]) -> Settings:
    """Write the station's engine and voice(s) into bulletins.toml, keeping its comments.

    One voice goes to `voice`, two to `voices`; the file is validated before it replaces the
    old one, so a bad choice never leaves a config the app cannot load.
    """
    import tomlkit

    voices = [v for v in voices if v][:2]
    if engine not in ENGINES:
        raise ConfigError(f"Không có engine đọc «{engine}».")
    station = settings.station(station_id)
    path = settings.home / CONFIG_NAME
    doc = tomlkit.parse(path.read_text(encoding="utf-8-sig")) if path.exists() else \
        tomlkit.document()
    if "stations" not in doc:
        doc["stations"] = tomlkit.aot()
        for st in settings.stations:
            doc["stations"].append(_station_table(st))
    table = next(t for t in doc["stations"] if t.get("id") == station.id)
    table["engine"] = engine
    for key in ("voice", "voices"):
        if key in table:
            del table[key]
    if len(voices) == 2:
        table["voices"] = voices
    elif voices:
        table["voice"] = voices[0]
    text = tomlkit.dumps(doc)
    tmp = path.with_name(f".{CONFIG_NAME}.tmp")
    tmp.write_text(text, encoding="utf-8")
    try:
        load_settings_from(tmp, settings.home)
    except ConfigError:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    return load_settings(settings.home)


def load_settings_from(path: Path, home: Path) -> Settings:
    import tomllib

    from ..config import settings_from_dict

    return settings_from_dict(tomllib.loads(path.read_text(encoding="utf-8")), home)


def _station_table(st: Station):  # noqa: ANN202 - a tomlkit table
    import tomlkit

    t = tomlkit.table()
    t["id"], t["name"] = st.id, st.name
    slots = tomlkit.aot()
    for sl in st.slots:
        s = tomlkit.table()
        s["name"], s["time"], s["length_s"], s["days"] = sl.name, sl.time, sl.length_s, sl.days
        slots.append(s)
    t["slots"] = slots
    return t
