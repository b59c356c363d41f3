"""The station machines' API (/api/station/…) and the station machines page (/stations/status).

Every /api/station request carries `Authorization: Bearer bts_…`, a station token made
with `bulletins station token ID`; the token names the station, so no route takes a
station id: a station reads only its own bulletins and writes only its own reports.
Downloads are the published files, served with HTTP Range (Starlette's FileResponse), so a
slow link resumes where it stopped. Emergencies are long-polled: the station keeps one
request open; nothing listens on the station machine.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse
from sqlalchemy import func, select

from ..db import BulletinRecord, utcnow
from ..station import server
from .deps import Logger, StateDep, _bearer, get_state, render
from .files import MEDIA_TYPES, find_published, list_published, trusted_file

router = APIRouter(tags=["đài xã"])
EMERGENCY_PREFIX = "khan-cap-"  # pipeline.build_emergency's slot names
LIST_LIMIT = 30
MAX_WAIT_S = 55.0
# A station back online after an outage is not sent emergencies older than this: an
# hour-old emergency is no longer one (as schedule/alerts.clean_stale on a home).
EMERGENCY_FRESH_S = 3600


def station_dep(request: Request) -> str:
    token = _bearer(request)
    state = get_state(request)
    station = server.station_of(state.Session, token) if token else None
    if station is None:
        raise HTTPException(401, "Mã truy cập của đài không hợp lệ hoặc đã bị thu hồi.")
    return station


StationId = Annotated[str, Depends(station_dep)]


def _bulletin_json(pub) -> dict:  # noqa: ANN001 - files.Published
    m = pub.manifest
    return {
        "day": pub.day, "slot": pub.slot, "sha256": pub.sha256, "size": pub.size,
        "duration_s": pub.duration_s, "items": m.get("items") or [],
        "engine": m.get("engine", ""),
        "url": f"/api/station/audio/{pub.day}/{pub.slot}.mp3", "manifest": m,
    }


@router.get("/api/station/me", summary="Đài của mã truy cập: khung giờ, cách xử lý khi thiếu")
def me(station: StationId, state: StateDep) -> dict:
    st = state.settings.station(station)
    p = state.settings.playback
    return {
        "station": st.id, "name": st.name,
        "slots": [{"name": s.name, "time": s.time, "length_s": s.length_s, "days": s.days}
                  for s in st.slots],
        "on_missing": p.on_missing, "grace_minutes": p.grace_minutes,
        "server_time": datetime.now().astimezone().isoformat(),
    }


@router.get("/api/station/bulletins", summary="Các bản tin đã phát hành của đài (kèm sha256)")
def bulletins(station: StationId, state: StateDep) -> dict:
    pubs = [p for p in list_published(state.settings, station, limit=LIST_LIMIT)
            if not p.slot.startswith(EMERGENCY_PREFIX)]
    return {"station": station, "bulletins": [_bulletin_json(p) for p in pubs]}


@router.head("/api/station/audio/{day}/{name}", include_in_schema=False)
@router.get("/api/station/audio/{day}/{name}", summary="Tải tệp bản tin của đài (hỗ trợ Range)")
def audio(day: str, name: str, station: StationId, state: StateDep) -> FileResponse:
    path = trusted_file(state.settings, station, day, name)
    if path is None:
        raise HTTPException(404, "Không có tệp này (hoặc bản tin đang được thay thế).")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix.lstrip(".")],
                        headers={"Cache-Control": "no-cache"})


@router.post("/api/station/reports", summary="Gửi kết quả phát (mỗi mã báo cáo ghi một lần)")
async def reports(request: Request, station: StationId, state: StateDep) -> dict:
    try:
        body = await request.json()
        items = body["reports"]
        assert isinstance(items, list)
    except Exception as exc:  # noqa: BLE001 - any malformed body gets one clear answer
        raise HTTPException(422, "Dữ liệu báo cáo không hợp lệ: cần {\"reports\": [...]}.") \
            from exc
    accepted, new, bad = [], 0, []
    for rep in items:
        try:
            fresh = await asyncio.to_thread(
                server.accept_report, state.settings, state.Session, station, rep)
        except (ValueError, TypeError, KeyError, AttributeError):
            bad.append(rep.get("id") if isinstance(rep, dict) else None)
            continue
        accepted.append(rep["id"])
        new += fresh
    return {"ok": not bad, "accepted": accepted, "new": new, "rejected": bad}


@router.post("/api/station/holding", summary="Đài báo bản tin đang giữ cho khung giờ tới")
async def holding(request: Request, station: StationId, state: StateDep) -> dict:
    try:
        body = await request.json()
        assert isinstance(body, dict)
    except Exception as exc:  # noqa: BLE001
        raise HTTPException(422, "Dữ liệu không hợp lệ.") from exc
    server.set_holding(state.Session, station, body)
    return {"ok": True}


def _emergencies(state, station: str, after: int) -> list[dict]:  # noqa: ANN001
    fresh = utcnow() - timedelta(seconds=EMERGENCY_FRESH_S)
    with state.Session() as s:
        rows = list(s.scalars(select(BulletinRecord).where(
            BulletinRecord.station == station, BulletinRecord.id > after,
            BulletinRecord.created_at >= fresh,
            BulletinRecord.status == "published",
            BulletinRecord.slot.startswith(EMERGENCY_PREFIX)).order_by(BulletinRecord.id)))
    out = []
    for r in rows:
        pub = find_published(state.settings, station, r.day.isoformat(), r.slot)
        if pub is not None:
            out.append({"id": r.id, **_bulletin_json(pub)})
    return out


@router.get("/api/station/emergency", summary="Chờ tin khẩn cấp (long-poll)")
async def emergency(request: Request, station: StationId, state: StateDep,
                    after: int = -1, wait: float = 25.0) -> dict:
    """`after` = the last emergency id seen; -1 asks only for the current position, so a
    station that starts never replays old emergencies."""
    if after < 0:
        with state.Session() as s:
            top = s.scalar(select(func.max(BulletinRecord.id))) or 0
        return {"after": top, "emergencies": []}
    deadline = asyncio.get_running_loop().time() + min(max(wait, 0.0), MAX_WAIT_S)
    while True:
        found = await asyncio.to_thread(_emergencies, state, station, after)
        if found or asyncio.get_running_loop().time() >= deadline \
                or await request.is_disconnected():
            return {"after": max([after] + [e["id"] for e in found]), "emergencies": found}
        await asyncio.sleep(0.5)


@router.get("/stations/status", summary="Trang máy phát các xã", include_in_schema=False)
def stations_page(request: Request, user: Logger, state: StateDep):
    cfg = state.settings.station_machine
    rows = server.statuses(state.settings, state.Session, cfg.silent_after_minutes * 60)
    return render(request, "station_status.html", {
        "rows": rows, "silent_after": cfg.silent_after_minutes})
