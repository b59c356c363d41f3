"""Plain, immutable records passed from stage to stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy stays out of commands that never touch audio (fast startup)
    from .audio import Clip

PRIORITIES = ("urgent", "high", "normal", "low")
PRIORITY_RANK = {p: i for i, p in enumerate(PRIORITIES)}
PRIORITY_VI = {"urgent": "khẩn cấp", "high": "cao", "normal": "bình thường", "low": "thấp"}
STATUSES = ("draft", "queued", "aired", "archived")


@dataclass(frozen=True, kw_only=True)
class ItemFields:
    """What an editor gives an item: the one list of its fields, shared by a validated input
    (`news.ItemInput`) and a queued item (`Item`). `stations` empty means every station."""

    title: str
    body: str
    priority: str = "normal"
    category: str = ""
    stations: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_until: date | None = None
    # A recorded item (recording.py): the WAV (as given on input, as stored once queued) and
    # the language it speaks ("jra", "bdq"; empty: Vietnamese). Text beside it is a
    # Vietnamese reading.
    audio: str | None = None
    language: str = ""


@dataclass(frozen=True, kw_only=True)
class Item(ItemFields):
    """A news item as the queue holds it."""

    id: int
    status: str = "queued"
    created_at: datetime | None = None
    air_count: int = 0
    audio_ms: int | None = None  # a recording's measured length

    def targets(self, station_id: str) -> bool:
        return not self.stations or station_id in self.stations

    def valid_on(self, day: date) -> bool:
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.valid_until and day > self.valid_until)


@dataclass(frozen=True)
class Part:
    """One spoken part of a bulletin, its text already in spoken form."""

    kind: str  # "greeting" | "headlines" | "item" | "recording" | "closing"
    text: str
    item_id: int | None = None
    title: str = ""
    priority: str = ""
    language: str = ""  # a recording's language code


@dataclass(frozen=True)
class SpokenPart:
    part: Part
    clip: Clip  # or a master.Program (its sentences kept apart), which reads like one
    engine: str  # the engine that actually spoke it: "espeak", or "gtts+espeak" after a fallback
    # (offset, length) in samples of each sentence within `clip`, when they lie on the MP3
    # frame grid and apart enough to be mastered and cached one by one (master.sentence_offsets)
    marks: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Segment:
    """A stretch of the finished audio, as listed in the manifest."""

    kind: str  # "jingle" | "pause" | "greeting" | "headlines" | "item" | "recording" | "closing"
    start_ms: int
    end_ms: int
    item_id: int | None = None
    title: str = ""
    text: str = ""

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "item_id": self.item_id,
            "title": self.title,
            "start_s": round(self.start_ms / 1000, 3),
            "end_s": round(self.end_ms / 1000, 3),
            "text": self.text,
        }


def queue_order(item: Item) -> tuple:
    """Urgent first, then priority, then first come first served."""
    return (PRIORITY_RANK.get(item.priority, 9), item.created_at or datetime.min, item.id)


@dataclass(frozen=True)
class BuildRequest:
    """What to build. Building never marks anything aired: only a broadcast-log row does.

    `wait_s` bounds how long a build waits for another build of the same slot (another
    process) before it is refused; a build that waited returns the bulletin the other one
    published instead of building it again. `replace` must be true to rebuild a slot that
    is already published (the earlier version is archived, never lost).
    `mark_aired` is accepted for old callers and ignored.
    """

    station_id: str | None = None
    day: date | None = None
    slot: str | None = None
    length_s: int | None = None
    engine: str | None = None
    mark_aired: bool = False  # ignored: building is not airing
    wait_s: float = 300.0
    replace: bool = True


@dataclass(frozen=True)
class BuildResult:
    mp3_path: str
    manifest_path: str
    transcript_path: str
    manifest: dict = field(default_factory=dict)
    reused: bool = False  # another process built this slot while we waited: its files
