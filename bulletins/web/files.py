"""Published bulletins on disk: audio_out/<station>/<YYYY-MM-DD>/<slot>.mp3 + .json + .txt.

Every path the web serves goes through `safe_file`, which accepts only plain names and
checks the resolved path stays inside audio_out/. A bulletin is shown, listed in the feed
or served only when its MP3 hashes to the manifest's `sha256` (publish.agrees, cached by
mtime and size): files caught between two renames by a crash are never offered. Manifests
written before the key existed are trusted as they are. Versions kept in archive/ are not
listed (they are not new episodes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..config import Settings

_STATION_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\.(mp3|json|txt)$")
MEDIA_TYPES = {
    "mp3": "audio/mpeg",
    "json": "application/json",
    "txt": "text/plain; charset=utf-8",
}


def safe_file(settings: Settings, station: str, day: str, name: str) -> Path | None:
    """The file, or None if the request is malformed, escapes audio_out/ or does not exist."""
    if not (_STATION_RE.match(station) and _DAY_RE.match(day) and _NAME_RE.match(name)):
        return None
    root = settings.audio_out.resolve()
    try:
        path = (root / station / day / name).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(root) or not path.is_file():
        return None
    return path


@dataclass
class Published:
    """One bulletin as published: the MP3 and, when present, its manifest and transcript."""

    station: str
    day: str
    slot: str
    mp3: Path
    manifest: dict = field(default_factory=dict)
    has_json: bool = False
    has_txt: bool = False

    @property
    def sha256(self) -> str:
        """The content's identity (the feed's guid): the manifest's hash, else the file's."""
        from ..publish import file_sha256

        value = self.manifest.get("sha256")
        return value if isinstance(value, str) and value else file_sha256(self.mp3)

    @property
    def trusted(self) -> bool:
        from ..publish import agrees

        if "sha256" not in self.manifest:
            return self.has_json  # a manifest from before the hash existed
        return agrees(self.mp3, self.manifest.get("sha256"))

    @property
    def size(self) -> int:
        return self.mp3.stat().st_size

    @property
    def mtime(self) -> datetime:
        return datetime.fromtimestamp(self.mp3.stat().st_mtime).astimezone()

    @property
    def duration_s(self) -> float:
        try:
            return float(self.manifest.get("duration_s") or 0)
        except (TypeError, ValueError):
            return 0.0

    def url(self, ext: str) -> str:
        return f"/audio/{self.station}/{self.day}/{self.slot}.{ext}"


def _load(path: Path, station: str, day: str) -> Published:
    man_path = path.with_suffix(".json")
    manifest: dict = {}
    if man_path.is_file():
        try:
            data = json.loads(man_path.read_text(encoding="utf-8"))
            manifest = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            manifest = {}
    return Published(
        station=station, day=day, slot=path.stem, mp3=path, manifest=manifest,
        has_json=man_path.is_file(), has_txt=path.with_suffix(".txt").is_file(),
    )


def list_published(settings: Settings, station: str, day: str | None = None,
                   limit: int | None = None) -> list[Published]:
    """Newest first: by day, then by the slot's time of day in the config, then by name."""
    if not _STATION_RE.match(station):
        return []
    base = settings.audio_out / station
    if not base.is_dir():
        return []
    days = [day] if day else sorted(
        (d.name for d in base.iterdir() if d.is_dir() and _DAY_RE.match(d.name)), reverse=True)
    slot_times = {}
    for st in settings.stations:
        if st.id == station:
            slot_times = {s.name: s.time for s in st.slots}
    out: list[Published] = []
    for d in days:
        folder = base / d
        if not _DAY_RE.match(d) or not folder.is_dir():
            continue
        mp3s = [p for p in folder.glob("*.mp3") if _NAME_RE.match(p.name)]
        mp3s.sort(key=lambda p: (slot_times.get(p.stem, "99"), p.stem), reverse=True)
        out.extend(pub for pub in (_load(p, station, d) for p in mp3s) if pub.trusted)
        if limit and len(out) >= limit:
            return out[:limit]
    return out


def find_published(settings: Settings, station: str, day: str, slot: str) -> Published | None:
    """The slot's bulletin when its files agree, else None."""
    path = safe_file(settings, station, day, f"{slot}.mp3")
    if path is None:
        return None
    pub = _load(path, station, day)
    return pub if pub.trusted else None


def trusted_file(settings: Settings, station: str, day: str, name: str) -> Path | None:
    """`safe_file`, but only when the bulletin the file belongs to is trusted."""
    path = safe_file(settings, station, day, name)
    if path is None:
        return None
    return path if find_published(settings, station, day, path.stem) is not None else None


def parse_day(value: str | None) -> date | None:
    if not value or not _DAY_RE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
