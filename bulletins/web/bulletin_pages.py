"""Published bulletins per station and date: player, downloads, timeline, broadcast log."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from ..config import Settings
from ..db import BroadcastLog, NewsItem
from ..errors import BulletinError
from ..news import NewsQueue
from .deps import Listener, Logger, StateDep, flash, render
from .files import find_published, list_published, parse_day

router = APIRouter(include_in_schema=False)
OUTCOMES = ("aired", "late", "missed", "failed", "emergency")
_COLORS = {"jingle": "#7b61ff", "pause": "#d0d4da", "greeting": "#2f80ed",
           "headlines": "#27ae60", "item": "#f2994a", "recording": "#9b51e0",
           "closing": "#2f80ed"}


def timeline(manifest: dict, urgent: frozenset[int] = frozenset()) -> list[dict]:
    """Segments as percentages of the whole, for the SVG timeline."""
    segs = manifest.get("segments") or []
    total = float(manifest.get("duration_s") or 0)
    if not total and segs:
        total = max(float(s.get("end_s") or 0) for s in segs if isinstance(s, dict))
    if total <= 0:
        return []
    out = []
    for i, s in enumerate(segs):
        if not isinstance(s, dict):
            continue
        start, end = float(s.get("start_s") or 0), float(s.get("end_s") or 0)
        if end <= start:
            continue
        kind = str(s.get("kind") or "")
        is_urgent = kind == "item" and (s.get("priority") == "urgent"
                                        or s.get("item_id") in urgent)
        out.append({
            "n": i, "kind": kind, "title": s.get("title") or "", "item_id": s.get("item_id"),
            "start_s": start, "end_s": end, "x": start / total * 100,
            "w": max((end - start) / total * 100, 0.15),
            "color": "#d93025" if is_urgent else _COLORS.get(kind, "#9aa0a6"),
            "text": s.get("text") or "",
        })
    return out


def log_rows(state, station: str, day: date | None = None, slot: str | None = None,
             limit: int = 50) -> list[BroadcastLog]:
    with state.Session() as s:
        q = select(BroadcastLog).where(BroadcastLog.station == station)
        if slot:
            q = q.where(BroadcastLog.slot == slot)
        if day:
            start = datetime.combine(day, datetime.min.time())
            q = q.where(BroadcastLog.scheduled_at >= start,
                        BroadcastLog.scheduled_at < start + timedelta(days=1))
        q = q.order_by(BroadcastLog.id.desc()).limit(limit)
        return list(s.scalars(q))


def _aired_manifest(settings: Settings, file: str, sha256: str) -> dict:
    """The manifest of the bulletin a log row names: beside its MP3, or its archived copy
    when the slot was published again since (matched by sha256); {} when not found."""
    if not file or not sha256:
        return {}
    mp3 = Path(file).resolve()
    if not mp3.is_relative_to(settings.audio_out.resolve()):  # only our own published files
        return {}
    for path in (mp3.with_suffix(".json"),
                 *sorted((mp3.parent / "archive").glob(f"{mp3.stem}-v*.json"))):
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(manifest, dict) and manifest.get("sha256") == sha256:
            return manifest
    return {}


def aired_recordings(settings: Settings, rows: list[BroadcastLog]) -> dict[int, list[dict]]:
    """By log row id: the recorded clips its bulletin played ("bản ghi âm tiếng Jrai" and
    the item's title), so the log says which items went out as a recording."""
    from ..recording import language_label

    out: dict[int, list[dict]] = {}
    for row in rows:
        for seg in _aired_manifest(settings, row.file or "", row.sha256 or "").get("segments",
                                                                                   []):
            if not isinstance(seg, dict) or seg.get("kind") != "recording":
                continue
            lang = str(seg.get("language") or "")
            label = "bản ghi âm" + (f" {language_label(lang)}" if lang else "")
            title = str(seg.get("title") or "")
            title = title.removesuffix(f" ({label})")  # the pipeline's chapter name
            out.setdefault(row.id, []).append({"label": label, "title": title,
                                               "item_id": seg.get("item_id")})
    return out


def _urgent_ids(state, pub) -> frozenset[int]:
    """Which items of this bulletin are urgent (the manifest does not carry priorities)."""
    ids = [s.get("item_id") for s in pub.manifest.get("segments") or []
           if isinstance(s, dict) and isinstance(s.get("item_id"), int)]
    if not ids:
        return frozenset()
    with state.Session() as db:
        rows = db.scalars(select(NewsItem.id).where(NewsItem.id.in_(ids),
                                                    NewsItem.priority == "urgent"))
        return frozenset(rows)


def _titles(state, ids: list) -> list[tuple[int, str]]:
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return []
    with state.Session() as db:
        rows = db.execute(select(NewsItem.id, NewsItem.title).where(NewsItem.id.in_(ids)))
        found = {row.id: row.title for row in rows}
    return [(i, found.get(i, "")) for i in ids]


def _station(settings: Settings, station: str):
    for st in settings.stations:
        if st.id == station:
            return st
    raise HTTPException(404, f"Không có đài «{station}».")


@router.get("/bulletins")
def bulletins(request: Request, state: StateDep, _u: Listener, station: str = "",
              day: str = ""):
    st = _station(state.settings, station) if station else state.settings.stations[0]
    the_day = parse_day(day)
    published = list_published(state.settings, st.id, the_day.isoformat() if the_day else None,
                               limit=None if the_day else 60)
    days: dict[str, list] = {}
    for p in published:
        days.setdefault(p.day, []).append(p)
    log = log_rows(state, st.id, the_day)
    return render(request, "bulletins.html", {
        "station": st, "stations": state.settings.stations, "day": the_day,
        "days": days, "log": log, "recordings": aired_recordings(state.settings, log),
    })


@router.get("/bulletins/{station}/{day}/{slot}")
def bulletin_detail(station: str, day: str, slot: str, request: Request, state: StateDep,
                    _u: Listener):
    st = _station(state.settings, station)
    pub = find_published(state.settings, st.id, day, slot)
    if pub is None:
        raise HTTPException(404, "Chưa có bản tin này. Hãy dựng bản tin trước.")
    the_day = parse_day(day)
    log = log_rows(state, st.id, the_day, slot)
    return render(request, "bulletin.html", {
        "station": st, "pub": pub, "segments": timeline(pub.manifest, _urgent_ids(state, pub)),
        "log": log, "recordings": aired_recordings(state.settings, log), "outcomes": OUTCOMES,
        "deferred": _titles(state, pub.manifest.get("deferred") or []),
    })


AIRED = ("aired", "late", "emergency")


def record_log(state, station: str, slot: str, day: date, outcome: str, file: str = "",
               error: str = "") -> BroadcastLog:
    """A row in the broadcast log, written by an operator (e.g. played from their device).

    "Đã phát" (aired, late, emergency) needs the published bulletin (refused otherwise) and
    marks its items aired at this station, once per bulletin however often it is logged.
    """
    settings = state.settings
    st = _station(settings, station)
    sl = st.slot(slot)
    h, m, s = sl.hms
    pub = find_published(settings, st.id, day.isoformat(), slot)
    if pub is None and outcome in AIRED:
        raise BulletinError(
            f"Không có bản tin {slot} ngày {day:%d/%m/%Y} của đài {st.id} để ghi là đã phát.",
            "Hãy dựng bản tin trước, hoặc ghi kết quả «bỏ lỡ» / «lỗi».",
        )
    sha = pub.sha256 if pub is not None else ""
    if pub is not None:
        file = file or str(pub.mp3)
    item_ids = [i for i in (pub.manifest.get("items") or []) if isinstance(i, int)] if pub else []
    now = datetime.now()  # the broadcast log holds local wall-clock times, as the scheduler writes
    with state.Session.begin() as db:
        row = BroadcastLog(
            station=st.id, slot=slot, scheduled_at=datetime(day.year, day.month, day.day, h, m, s),
            started_at=now, finished_at=now, file=file, sha256=sha, items=json.dumps(item_ids),
            engine=(pub.manifest.get("engine") or "") if pub else "", outcome=outcome,
            error=error[:2000],
        )
        db.add(row)
        db.flush()
        db.expunge(row)
    if outcome in AIRED and item_ids:
        NewsQueue(settings).mark_aired(item_ids, st.id, day, slot, bulletin=sha)
    return row


@router.post("/bulletins/{station}/{day}/{slot}/log")
async def bulletin_log(station: str, day: str, slot: str, request: Request, state: StateDep,
                       _u: Logger):
    form = await request.form()
    outcome = form.get("outcome")
    the_day = parse_day(day)
    if outcome not in OUTCOMES or the_day is None:
        raise HTTPException(400, "Kết quả phát không hợp lệ.")
    try:
        record_log(state, station, slot, the_day, str(outcome),
                   error=str(form.get("note") or ""))
    except BulletinError as exc:
        raise HTTPException(404, exc.message + (f" {exc.hint}" if exc.hint else "")) from exc
    flash(request, "Đã ghi vào nhật ký phát.")
    return RedirectResponse(f"/bulletins/{station}/{day}/{slot}", status_code=303)
