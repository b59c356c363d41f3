"""The web's only door to the pipeline: normalize, estimate, preview and build.

Nothing here re-implements a stage; each function calls the core module the CLI uses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..config import Settings
from ..errors import BulletinError


@dataclass
class SpokenPreview:
    spoken: str
    unknown: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    estimated_ms: int = 0
    changes: list[Any] = field(default_factory=list)

    @property
    def marks(self) -> list[str]:
        """What to highlight in the spoken text: how each unknown word came out (spelled)."""
        out = [c.spoken for c in self.changes
               if getattr(c, "original", None) in self.unknown and getattr(c, "spoken", "")]
        return list(dict.fromkeys(out + self.unknown))

    def to_json(self) -> dict:
        from .reading import token_list

        return {
            "ok": True,
            "spoken": self.spoken,
            "unknown": self.unknown,
            "marks": self.marks,
            "warnings": self.warnings,
            "estimated_s": round(self.estimated_ms / 1000, 1),
            "tokens": token_list(self.changes),  # class and evidence per token (hover)
        }


def speak_preview(settings: Settings, station_id: str | None, text: str,
                  speakers: dict | None = None) -> SpokenPreview:
    """The spoken form of `text`, its unknown abbreviations and its estimated reading time.

    `speakers` caches one Speaker per station between calls (the web app keeps one).
    """
    from ..normalize import load_lexicon, normalize
    from ..pipeline import spoken_estimate_ms
    from ..synth import Speaker

    station = settings.station(station_id or None)
    result = normalize(text, load_lexicon(settings.lexicon_path), settings.normalize)
    estimated = 0
    if result.spoken.strip():
        cache = speakers if speakers is not None else {}
        speaker = cache.get(station.id)
        if speaker is None:
            speaker = cache[station.id] = Speaker(settings, station)
        estimated = spoken_estimate_ms(speaker, result.spoken)
    return SpokenPreview(
        spoken=result.spoken,
        unknown=list(dict.fromkeys(result.unknown)),
        warnings=[str(w) for w in result.warnings],
        estimated_ms=int(estimated),
        changes=list(result.changes),
    )


def preview(settings: Settings, station_id: str, day: date, slot: str):
    from ..pipeline import preview as _preview

    return _preview(settings, station_id, day, slot)


def build(settings: Settings, station_id: str, day: date, slot: str, replace: bool = True):
    """Build now. Never marks items aired. A request never queues behind another build of
    the slot (wait_s=0): the user gets «đang được dựng» at once instead of a hung page."""
    from ..models import BuildRequest
    from ..pipeline import build_bulletin

    return build_bulletin(settings, BuildRequest(station_id=station_id, day=day, slot=slot,
                                                 wait_s=0, replace=replace))


_LEX_KEY_RE = re.compile(r"^[^\t\r\n]{1,40}$")
_LEX_VALUE_RE = re.compile(r"^[^\t\r\n]{1,200}$")


def add_to_lexicon(settings: Settings, word: str, spoken: str) -> None:
    """Append `word<TAB>spoken` to the station lexicon (one entry a line, UTF-8)."""
    word, spoken = word.strip(), spoken.strip()
    if not _LEX_KEY_RE.match(word):
        raise BulletinError("Từ viết tắt không hợp lệ.", "Viết 1–40 ký tự, không xuống dòng.")
    if not _LEX_VALUE_RE.match(spoken):
        raise BulletinError("Cách đọc không hợp lệ.", "Viết 1–200 ký tự, không xuống dòng.")
    path = settings.lexicon_path
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = ""
    if path.is_file():
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            prefix = "\n"
    with path.open("a", encoding="utf-8") as f:
        f.write(f"{prefix}{word}\t{spoken}\n")
