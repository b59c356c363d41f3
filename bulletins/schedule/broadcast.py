"""The broadcast log ("nhật ký phát"): one row per slot outcome, kept in the project database.

Outcomes: ``aired`` (started within LATE_AFTER_S of the slot), ``late`` (started later, or
the bulletin had to be built at play time), ``missed`` (not played: the machine was off past
the grace period, or an earlier play overran it), ``failed`` (the player failed, hung,
was interrupted, or nothing could be built), ``emergency`` (an alert bulletin that played),
``published`` (a download-only home, player ``null``: the bulletin was published, which is
its airing).
While a play runs its row says ``playing``; a row still ``playing`` when the scheduler
starts belongs to a run that died mid-play and is closed as ``failed``.

Times are the station's local wall-clock time, stored without a time zone (what the
district reads on paper). Notes such as "played last good bulletin" go in ``error`` even
when the outcome is a success, so the log says what happened.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select, update

from ..config import Settings
from ..db import BroadcastLog, retrying, session_factory

OUTCOMES = ("aired", "late", "missed", "failed", "emergency", "playing", "published")
OUTCOME_VI = {
    "aired": "đã phát", "late": "phát muộn", "missed": "bỏ lỡ", "failed": "lỗi",
    "emergency": "khẩn cấp", "playing": "đang phát", "published": "đã đăng (chỉ tải về)",
}
CSV_FIELDS = ("id", "station", "slot", "scheduled_at", "started_at", "finished_at", "file",
              "sha256", "items", "engine", "outcome", "error")
def naive_local(dt: datetime | None) -> datetime | None:
    """Aware → naive local wall-clock time (what the log stores)."""
    if dt is None or dt.tzinfo is None:
        return dt
    return dt.astimezone().replace(tzinfo=None)


@dataclass(frozen=True)
class Entry:
    id: int
    station: str
    slot: str
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    file: str
    sha256: str
    items: list[int]
    engine: str
    outcome: str
    error: str


def _entry(r: BroadcastLog) -> Entry:
    return Entry(r.id, r.station, r.slot, r.scheduled_at, r.started_at, r.finished_at, r.file,
                 r.sha256, json.loads(r.items or "[]"), r.engine, r.outcome, r.error or "")


class BroadcastLogBook:
    """Reads and writes broadcast_log rows. Thread-safe: one short session per call."""

    def __init__(self, settings: Settings):
        self.Session = session_factory(settings.db_url)

    @retrying
    def add(self, *, station: str, slot: str, outcome: str, scheduled_at: datetime | None = None,
            started_at: datetime | None = None, finished_at: datetime | None = None,
            file: str = "", sha256: str = "", items: Iterable[int] = (), engine: str = "",
            error: str = "") -> int:
        with self.Session.begin() as s:
            row = BroadcastLog(
                station=station, slot=slot, scheduled_at=naive_local(scheduled_at),
                started_at=naive_local(started_at), finished_at=naive_local(finished_at),
                file=file, sha256=sha256, items=json.dumps(list(items)), engine=engine,
                outcome=outcome, error=error,
            )
            s.add(row)
            s.flush()
            return row.id

    @retrying
    def finish(self, row_id: int, outcome: str, finished_at: datetime | None,
               error: str = "") -> None:
        # One UPDATE, no read first: in WAL mode a read transaction that then writes fails at
        # once (no busy wait) when another writer committed in between.
        values: dict = {"outcome": outcome, "finished_at": naive_local(finished_at)}
        if error:
            old = BroadcastLog.error
            values["error"] = case((or_(old.is_(None), old == ""), error),
                                   else_=old + "; " + error)
        with self.Session.begin() as s:
            s.execute(update(BroadcastLog).where(BroadcastLog.id == row_id).values(**values))

    def for_slot(self, station: str, slot: str, scheduled_at: datetime) -> list[Entry]:
        """Rows for one occurrence of a slot (to never play it twice)."""
        with self.Session() as s:
            rows = s.scalars(select(BroadcastLog).where(
                BroadcastLog.station == station, BroadcastLog.slot == slot,
                BroadcastLog.scheduled_at == naive_local(scheduled_at)))
            return [_entry(r) for r in rows]

    def playing(self) -> list[Entry]:
        """Rows still ``playing`` (at start-up: plays a killed run left open)."""
        with self.Session() as s:
            rows = s.scalars(select(BroadcastLog).where(BroadcastLog.outcome == "playing")
                             .order_by(BroadcastLog.id))
            return [_entry(r) for r in rows]

    def last_time(self) -> datetime | None:
        """The latest scheduled or start time in the log (naive local), if any."""
        with self.Session() as s:
            a = s.scalar(select(func.max(BroadcastLog.scheduled_at)))
            b = s.scalar(select(func.max(BroadcastLog.started_at)))
        return max((t for t in (a, b) if t is not None), default=None)

    def close_interrupted(self, error: str) -> int:
        """Close rows left `playing` by a run that died; return how many."""
        with self.Session.begin() as s:
            rows = list(s.scalars(select(BroadcastLog).where(BroadcastLog.outcome == "playing")))
            for r in rows:
                r.outcome = "failed"
                r.error = f"{r.error}; {error}" if r.error else error
            return len(rows)

    def query(self, day_from: date | None = None, day_to: date | None = None,
              station: str | None = None) -> list[Entry]:
        when = BroadcastLog.scheduled_at
        with self.Session() as s:
            q = select(BroadcastLog)
            if day_from:
                start = datetime.combine(day_from, datetime.min.time())
                q = q.where(or_(when >= start, when.is_(None) & (BroadcastLog.started_at >= start)))
            if day_to:
                end = datetime.combine(day_to + timedelta(days=1), datetime.min.time())
                q = q.where(or_(when < end, when.is_(None) & (BroadcastLog.started_at < end)))
            if station:
                q = q.where(BroadcastLog.station == station)
            rows = [_entry(r) for r in s.scalars(q)]
        return sorted(rows, key=lambda e: (e.scheduled_at or e.started_at or datetime.min, e.id))


def _fmt(dt: datetime | None) -> str:
    return dt.isoformat(sep=" ", timespec="seconds") if dt else ""


def to_csv(entries: Iterable[Entry]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)
    for e in entries:
        w.writerow([e.id, e.station, e.slot, _fmt(e.scheduled_at), _fmt(e.started_at),
                    _fmt(e.finished_at), e.file, e.sha256, " ".join(map(str, e.items)),
                    e.engine, e.outcome, e.error])
    return buf.getvalue()
