"""Server side of the station machines: tokens, reports, contacts. No HTTP here.

A station token is scoped to one station (it is not a user token): it reads that station's
bulletins and writes that station's reports, nothing else. Only its sha256 is stored.
Reports carry an id made on the station; the id is unique in station_reports, so a report
sent twice (a retry after a lost answer, a spool flushed again) makes one log row.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..config import Settings
from ..db import (
    BroadcastLog,
    StationContact,
    StationReport,
    StationToken,
    session_factory,
    utcnow,
)
from ..errors import ConfigError
from ..news import NewsQueue
from ..web.security import token_hash

TOKEN_PREFIX = "bts_"  # tells a station token from a user API token at a glance
PLAYED = ("aired", "late", "emergency")  # outcomes that put the items on the air
REPORT_OUTCOMES = ("aired", "late", "missed", "failed", "emergency")


def _check_station(settings: Settings, station_id: str) -> None:
    settings.station(station_id)  # raises ConfigError with the known ids


def create_token(settings: Settings, station_id: str) -> str:
    """A new token for the station (earlier ones stay valid until revoked)."""
    _check_station(settings, station_id)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with session_factory(settings.db_url).begin() as s:
        s.add(StationToken(station=station_id, token_hash=token_hash(token)))
    return token


def revoke_tokens(settings: Settings, station_id: str) -> int:
    """Revoke every live token of the station; return how many."""
    with session_factory(settings.db_url).begin() as s:
        rows = list(s.scalars(select(StationToken).where(
            StationToken.station == station_id, StationToken.revoked_at.is_(None))))
        for r in rows:
            r.revoked_at = utcnow()
    if not rows:
        raise ConfigError(f"Đài «{station_id}» không có mã truy cập nào đang dùng.")
    return len(rows)


def has_machine(settings: Settings, station_id: str) -> bool:
    """True when a live token exists for the station: a station machine plays its bulletins,
    so publishing them on the server is not their airing (only the machine's reports are)."""
    with session_factory(settings.db_url)() as s:
        return s.scalar(select(StationToken.id).where(
            StationToken.station == station_id, StationToken.revoked_at.is_(None))
            .limit(1)) is not None


def station_of(Session, token: str) -> str | None:  # noqa: ANN001 - a sessionmaker
    """The station a live token belongs to; records the contact."""
    with Session.begin() as s:
        row = s.scalar(select(StationToken).where(StationToken.token_hash == token_hash(token)))
        if row is None or row.revoked_at is not None:
            return None
        contact = s.get(StationContact, row.station)
        if contact is None:
            s.add(StationContact(station=row.station, last_contact_at=utcnow(), holding="{}"))
        else:
            contact.last_contact_at = utcnow()
        return row.station


def set_holding(Session, station: str, holding: dict) -> None:  # noqa: ANN001
    with Session.begin() as s:
        contact = s.get(StationContact, station)
        if contact is None:
            s.add(StationContact(station=station, last_contact_at=utcnow(),
                                 holding=json.dumps(holding, ensure_ascii=False)))
        else:
            contact.holding = json.dumps(holding, ensure_ascii=False)
            contact.last_contact_at = utcnow()


def _dt(value: object) -> datetime | None:
    if not value:
        return None
    dt = datetime.fromisoformat(str(value))
    return dt.astimezone().replace(tzinfo=None) if dt.tzinfo else dt


def accept_report(settings: Settings, Session, station: str, report: dict) -> bool:  # noqa: ANN001
    """Record one report as a broadcast-log row (once per report id); mark its items aired
    when it says the bulletin played. True when it was new. Raises ValueError when malformed."""
    rid = str(report.get("id") or "")
    outcome = str(report.get("outcome") or "")
    if not (8 <= len(rid) <= 64) or outcome not in REPORT_OUTCOMES:
        raise ValueError("report id or outcome")
    items = [int(i) for i in report.get("items") or []]
    scheduled, started = _dt(report.get("scheduled_at")), _dt(report.get("started_at"))
    slot = str(report.get("slot") or "")[:64]
    sha = str(report.get("sha256") or "")[:64]
    with Session() as s:
        if s.scalar(select(StationReport.id).where(StationReport.report_id == rid)):
            return False
    # Items first, then the log row: a reader who sees the row sees the airing, and a crash
    # between the two is repaired by the resend (marking is idempotent per bulletin).
    if outcome in PLAYED and items:
        when = started or scheduled or datetime.now()
        NewsQueue(settings).mark_aired(items, station, when.date(), slot, bulletin=sha)
    try:
        with Session.begin() as s:
            if s.scalar(select(StationReport.id).where(StationReport.report_id == rid)):
                return False
            row = BroadcastLog(
                station=station, slot=slot, scheduled_at=scheduled, started_at=started,
                finished_at=_dt(report.get("finished_at")), file=str(report.get("file") or ""),
                sha256=sha, items=json.dumps(items), engine=str(report.get("engine") or ""),
                outcome=outcome, error=str(report.get("error") or "")[:2000])
            s.add(row)
            s.flush()
            s.add(StationReport(report_id=rid, station=station, log_id=row.id))
    except IntegrityError:  # the same report arrived twice at once: the other one won
        return False
    return True


@dataclass(frozen=True)
class StationStatus:
    station: str
    name: str
    last_contact: datetime | None
    holding: dict
    last_outcomes: list[BroadcastLog]
    silent: bool


def statuses(settings: Settings, Session, silent_after_s: float,  # noqa: ANN001
             now: datetime | None = None) -> list[StationStatus]:
    """One line per configured station for the stations page."""
    now = now or utcnow()
    out = []
    with Session() as s:
        joined = set(s.scalars(select(StationToken.station)))
        for st in settings.stations:
            contact = s.get(StationContact, st.id)
            rows = list(s.scalars(
                select(BroadcastLog).join(StationReport, StationReport.log_id == BroadcastLog.id)
                .where(BroadcastLog.station == st.id)
                .order_by(BroadcastLog.id.desc()).limit(5)))
            last = contact.last_contact_at if contact else None
            silent = st.id in joined and (
                last is None or (now - last).total_seconds() > silent_after_s)
            out.append(StationStatus(st.id, st.name, last,
                                     json.loads(contact.holding) if contact else {},
                                     rows, silent))
    return out


def day_of(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
