"""The JSON API under /api/: news CRUD, speak preview, preview and build, bulletins, log.

Authentication: the browser's session (writes then need the `X-CSRF-Token` header) or
`Authorization: Bearer TOKEN` from `bulletins token create USER`. Errors are
`{"ok": false, "error": "…"}` with a 4xx/5xx status.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from ..errors import BulletinError
from ..models import Item
from ..news import NewsQueue
from . import core
from .bulletin_pages import OUTCOMES, log_rows, record_log
from .deps import Builder, Editor, Listener, Logger, RowId, StateDep
from .files import find_published, list_published
from .preview_pages import choose, flatten

log = logging.getLogger("bulletins.web")
router = APIRouter(prefix="/api", tags=["api"])


class NewsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(description="Tiêu đề")
    body: str = Field(description="Nội dung")
    priority: str = Field("normal", description="urgent | high | normal | low")
    category: str = ""
    stations: list[str] | str = Field(default_factory=list, description="Mã đài; trống = mọi đài")
    valid_from: date | str | None = None
    valid_until: date | str | None = None
    status: Literal["draft", "queued"] = "queued"


class NewsPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    body: str | None = None
    priority: str | None = None
    category: str | None = None
    stations: list[str] | str | None = None
    valid_from: date | str | None = None
    valid_until: date | str | None = None
    status: Literal["draft", "queued", "aired", "archived"] | None = None


class StatusIn(BaseModel):
    status: Literal["draft", "queued", "aired", "archived"]


class NewsOut(BaseModel):
    id: int
    title: str
    body: str
    priority: str
    category: str
    stations: list[str]
    valid_from: date | None
    valid_until: date | None
    status: str
    air_count: int
    urgent: bool
    warnings: list[str] = Field(
        default_factory=list,
        description="Cảnh báo khi thêm/sửa: chữ mã cũ đã chuyển, tin trùng hoặc gần trùng")

    @classmethod
    def of(cls, i: Item, warnings: list[str] | None = None) -> NewsOut:
        return cls(id=i.id, title=i.title, body=i.body, priority=i.priority,
                   category=i.category, stations=list(i.stations), valid_from=i.valid_from,
                   valid_until=i.valid_until, status=i.status, air_count=i.air_count,
                   urgent=i.priority == "urgent", warnings=warnings or [])

    @classmethod
    def saved(cls, settings, queue: NewsQueue, i: Item) -> NewsOut:
        """An item just added or updated by `queue`, with every warning the editor needs:
        the queue's own, then near repeats unless it was named as an exact one."""
        from ..sources.store import near_duplicate_notes

        near = near_duplicate_notes(settings, [i], queue.exact_repeats)
        return cls.of(i, [*queue.warnings, *(w for _, w in near)])


class SpeakIn(BaseModel):
    text: str = Field(max_length=200_000)
    station: str | None = None


class BuildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station: str | None = None
    day: date | None = None
    slot: str | None = None
    replace: bool = Field(False, description="Thay bản tin đã có của khung giờ (bản cũ được "
                          "lưu vào archive/); không có thì trả 409")


class LogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    station: str
    day: date
    slot: str
    outcome: Literal["aired", "late", "missed", "failed", "emergency"]
    note: str = Field("", max_length=2000)


async def _core(func, *args):
    """Run a pipeline call off the event loop; a missing stage is a clear 503."""
    try:
        return await run_in_threadpool(func, *args)
    except ImportError as exc:
        log.warning("pipeline unavailable: %s", exc)
        raise HTTPException(503, "Chức năng dựng bản tin chưa được cài đặt.") from exc


@router.get("/me", summary="Người dùng hiện tại")
def me(user: Listener) -> dict:
    return {"ok": True, "name": user.name, "role": user.role}


@router.get("/news", summary="Danh sách tin")
def news_list(state: StateDep, _u: Listener, status: str | None = None,
              station: str | None = None, priority: str | None = None,
              category: str | None = None) -> list[NewsOut]:
    items = NewsQueue(state.settings).list(status=status, station=station, priority=priority,
                                           category=category)
    return [NewsOut.of(i) for i in items]


@router.post("/news", status_code=201, summary="Thêm tin")
def news_add(body: NewsIn, state: StateDep, user: Editor) -> NewsOut:
    raw = body.model_dump(exclude={"status"})
    raw = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in raw.items()}
    queue = NewsQueue(state.settings)
    item = queue.add(raw, created_by=user.name, status=body.status)
    return NewsOut.saved(state.settings, queue, item)


@router.get("/news/{item_id}", summary="Một tin")
def news_get(item_id: RowId, state: StateDep, _u: Listener) -> NewsOut:
    return NewsOut.of(_get(state, item_id))


def _get(state, item_id: int) -> Item:
    try:
        return NewsQueue(state.settings).get(item_id)
    except BulletinError as exc:
        raise HTTPException(404, exc.message) from exc


@router.patch("/news/{item_id}", summary="Sửa tin")
def news_patch(item_id: RowId, body: NewsPatch, state: StateDep, _u: Editor) -> NewsOut:
    _get(state, item_id)
    raw = body.model_dump(exclude_unset=True)
    raw = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in raw.items()}
    queue = NewsQueue(state.settings)
    item = queue.update(item_id, raw)
    return NewsOut.saved(state.settings, queue, item)


@router.post("/news/{item_id}/status", summary="Đổi trạng thái tin (duyệt, lưu trữ…)")
def news_status(item_id: RowId, body: StatusIn, state: StateDep, _u: Editor) -> NewsOut:
    _get(state, item_id)
    return NewsOut.of(NewsQueue(state.settings).set_status(item_id, body.status))


@router.delete("/news/{item_id}", summary="Lưu trữ tin (không xóa hẳn)")
def news_archive(item_id: RowId, state: StateDep, _u: Editor) -> NewsOut:
    _get(state, item_id)
    return NewsOut.of(NewsQueue(state.settings).set_status(item_id, "archived"))


@router.post("/speak-preview", summary="Cách đọc và thời lượng ước tính của một đoạn văn")
async def speak_preview(body: SpeakIn, request: Request, state: StateDep,
                        _u: Editor) -> JSONResponse:
    limit = state.settings.web.max_body_chars
    if len(body.text) > limit + 400:
        return JSONResponse({"ok": False, "error": f"Nội dung quá dài (giới hạn {limit} ký tự)."},
                            status_code=413)
    try:
        result = await run_in_threadpool(core.speak_preview, state.settings, body.station,
                                         body.text, state.speakers)
    except ImportError:
        return JSONResponse({"ok": False, "error": "Bộ chuẩn hóa văn bản chưa được cài đặt."},
                            status_code=503)
    return JSONResponse(result.to_json())


class LexiconIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    word: str = Field(max_length=40)
    spoken: str = Field(max_length=200)


@router.post("/lexicon", status_code=201, summary="Thêm một từ vào từ điển cách đọc của đài")
def lexicon_add(body: LexiconIn, state: StateDep, _u: Editor) -> dict:
    core.add_to_lexicon(state.settings, body.word, body.spoken)
    return {"ok": True, "word": body.word.strip(), "spoken": body.spoken.strip()}


@router.get("/preview", summary="Xem trước bản tin kế tiếp")
async def preview(state: StateDep, _u: Builder, station: str = "", day: str = "",
                  slot: str = "") -> dict:
    c = choose(state.settings, station, day, slot)
    raw = await _core(core.preview, state.settings, c.station.id, c.day, c.slot)
    v = flatten(raw)
    return {"ok": True, "station": c.station.id, "day": c.day.isoformat(), "slot": c.slot,
            "slot_ms": v.slot_ms, "total_ms": v.total_ms, "chosen": v.chosen,
            "deferred": v.deferred, "too_long": v.too_long,
            "script": [{"part": label, "text": text} for label, text in v.script]}


@router.post("/build", summary="Dựng bản tin ngay")
async def build(body: BuildIn, request: Request, state: StateDep, _u: Builder) -> dict:
    c = choose(state.settings, body.station or "", body.day.isoformat() if body.day else "",
               body.slot or "")
    if not body.replace and find_published(state.settings, c.station.id, c.day.isoformat(),
                                           c.slot) is not None:
        # As the page asks before replacing: the caller confirms with "replace": true.
        raise HTTPException(409, f"Khung giờ {c.slot} ngày {c.day:%d/%m/%Y} của đài "
                            f"{c.station.id} đã có bản tin. Gửi lại với \"replace\": true để "
                            "thay thế (bản cũ được lưu vào archive/).")
    if state.settings.workers.broker_url:  # province: enqueue; follow /api/jobs/<id>
        from ..province.jobs import enqueue

        job = await _core(enqueue, state.settings, c.station.id, c.day, c.slot, _u.name)
        return {"ok": True, "queued": True, "job": job.to_json(),
                "job_url": f"/api/jobs/{job.id}"}
    result = await _core(core.build, state.settings, c.station.id, c.day, c.slot,
                         body.replace)
    base = f"/audio/{c.station.id}/{c.day.isoformat()}/{c.slot}"
    return {"ok": True, "station": c.station.id, "day": c.day.isoformat(), "slot": c.slot,
            "mp3": base + ".mp3", "manifest_url": base + ".json",
            "transcript": base + ".txt", "manifest": result.manifest}


@router.get("/bulletins", summary="Các bản tin đã dựng của một đài")
def bulletins(state: StateDep, _u: Listener, station: str = "", day: str = "") -> dict:
    st = state.settings.station(station or None)
    pubs = list_published(state.settings, st.id, day or None, limit=None if day else 100)
    return {"ok": True, "station": st.id, "bulletins": [{
        "day": p.day, "slot": p.slot, "duration_s": p.duration_s, "size": p.size,
        "mp3": p.url("mp3"), "manifest": p.url("json") if p.has_json else None,
        "transcript": p.url("txt") if p.has_txt else None,
        "engine": p.manifest.get("engine"), "items": p.manifest.get("items") or [],
        "deferred": p.manifest.get("deferred") or [],
    } for p in pubs]}


@router.get("/log", summary="Nhật ký phát")
def log_list(state: StateDep, _u: Logger, station: str = "", day: date | None = None,
             slot: str | None = None) -> dict:
    st = state.settings.station(station or None)
    rows = log_rows(state, st.id, day, slot, limit=200)
    return {"ok": True, "station": st.id, "log": [_log_json(r) for r in rows]}


def _log_json(r) -> dict:
    def iso(v):
        return v.isoformat() if v else None

    return {"id": r.id, "station": r.station, "slot": r.slot,
            "scheduled_at": iso(r.scheduled_at), "started_at": iso(r.started_at),
            "finished_at": iso(r.finished_at), "outcome": r.outcome, "engine": r.engine,
            "file": r.file, "sha256": r.sha256, "error": r.error}


@router.post("/log", status_code=201, summary="Ghi một dòng nhật ký phát")
def log_add(body: LogIn, state: StateDep, _u: Logger) -> dict:
    if body.outcome not in OUTCOMES:
        raise HTTPException(422, "Kết quả phát không hợp lệ.")
    row = record_log(state, body.station, body.slot, body.day, body.outcome, error=body.note)
    return {"ok": True, "log": _log_json(row)}
