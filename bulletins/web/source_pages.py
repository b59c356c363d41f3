"""Pages for editors' real sources: Word upload, article link, feeds, and "Rút gọn".

Thin: every action calls `bulletins.sources` (the same code the CLI runs).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..errors import BulletinError
from ..news import NewsQueue
from .deps import Editor, StateDep, flash, render

log = logging.getLogger("bulletins.web")
router = APIRouter()  # pages stay out of /openapi.json; the /api/ routes are in it


def _flash_error(request: Request, prefix: str, exc: BulletinError) -> None:
    flash(request, f"{prefix}{exc.message}" + (f" {exc.hint}" if exc.hint else ""), "error")


def _flash_result(request: Request, result, where: str) -> None:  # noqa: ANN001
    for item in result.added:
        state = "bản nháp chờ duyệt" if item.status == "draft" else "trong hàng đợi"
        flash(request, f"Đã thêm tin số {item.id} ({state}): {item.title}")
    for _piece, why in result.skipped:
        flash(request, f"Bỏ qua: {why}", "error")
    for w in result.warnings:
        flash(request, f"Cảnh báo: {w}", "error")
    if not result.added and not result.skipped:
        flash(request, f"Không có tin nào trong {where}.", "error")


@router.get("/sources", include_in_schema=False)
def sources_page(request: Request, state: StateDep, _u: Editor):
    drafts = NewsQueue(state.settings).list(status="draft")
    return render(request, "sources.html", {"drafts": drafts, "feeds": state.settings.sources})


async def _add(request: Request, work, fail: str, where: str):  # noqa: ANN001, ANN202
    """Run an import in a worker thread; flash what was added, skipped or went wrong."""
    try:
        result = await run_in_threadpool(work)
    except BulletinError as exc:
        _flash_error(request, fail, exc)
        return None
    _flash_result(request, result, where)
    return result


async def import_word(request: Request, state, data: bytes, name: str, user,  # noqa: ANN001
                      draft: bool):
    """A Word upload (the news list's file import hands .docx files here)."""
    from ..sources.docx import read_docx
    from ..sources.store import add_pieces

    result = await _add(request, lambda: add_pieces(
        state.settings, read_docx(data, name), status="draft" if draft else "queued",
        created_by=user.name), "Không nhập được: ", name)
    return RedirectResponse("/news" if result else "/sources", status_code=303)


@router.post("/sources/fetch", include_in_schema=False)
async def sources_fetch(request: Request, state: StateDep, user: Editor):
    from ..sources.store import add_pieces
    from ..sources.web import read_article

    form = await request.form()
    url = str(form.get("url") or "").strip()
    draft = form.get("draft") == "1"
    if not url.startswith(("http://", "https://")):
        flash(request, "Hãy dán địa chỉ bài viết, bắt đầu bằng http:// hoặc https://.", "error")
        return RedirectResponse("/sources", status_code=303)
    result = await _add(request, lambda: add_pieces(
        state.settings, [read_article(url)], status="draft" if draft else "queued",
        created_by=user.name), "Không lấy được bài: ", url)
    if result and result.added:
        return RedirectResponse(f"/news/{result.added[0].id}", status_code=303)
    return RedirectResponse("/sources", status_code=303)


@router.post("/sources/poll", include_in_schema=False)
async def sources_poll(request: Request, state: StateDep, _u: Editor):
    from ..sources.feeds import poll

    report = await run_in_threadpool(poll, state.settings)
    for msg in report.errors:
        flash(request, msg, "error")
    flash(request, f"{len(report.added)} bài mới (bản nháp chờ duyệt), {report.skipped} bài đã có.")
    return RedirectResponse("/sources", status_code=303)


def _seconds(value: str | None, default: int) -> float:
    try:
        seconds = float(value) if value else float(default)
    except ValueError:
        return float(default)
    return min(max(seconds, 5.0), 1800.0)


@router.get("/news/{item_id}/shorten", include_in_schema=False)
def shorten_page(item_id: int, request: Request, state: StateDep, _u: Editor,
                 seconds: str = ""):
    from ..sources.store import original_body, propose

    queue = NewsQueue(state.settings)
    item = queue.get(item_id)
    station = state.settings.station(item.stations[0] if item.stations else None)
    target = _seconds(seconds, station.max_item_s)
    proposal = propose(state.settings, item_id, target)
    return render(request, "shorten.html", {
        "item": item, "proposal": proposal, "seconds": int(target),
        "original": original_body(state.settings, item_id),
    })


@router.post("/news/{item_id}/shorten", include_in_schema=False)
async def shorten_apply(item_id: int, request: Request, state: StateDep, _u: Editor):
    from ..sources.store import apply_body

    form = await request.form()
    body = str(form.get("body") or "")
    try:
        item = await run_in_threadpool(apply_body, state.settings, item_id, body)
    except BulletinError as exc:
        _flash_error(request, "Không lưu được bản rút gọn: ", exc)
        return RedirectResponse(f"/news/{item_id}/shorten", status_code=303)
    flash(request, f"Đã lưu bản rút gọn của tin số {item.id}; bản gốc được giữ lại.")
    return RedirectResponse(f"/news/{item_id}", status_code=303)


# --- JSON API -------------------------------------------------------------------------------


class FetchIn(BaseModel):
    url: str = Field(description="Địa chỉ bài viết (http:// hoặc https://)")
    draft: bool = Field(False, description="Lưu làm bản nháp chờ duyệt")
    category: str = ""


class ShortenIn(BaseModel):
    body: str = Field(description="Nội dung rút gọn (đề xuất hoặc đã sửa)")


def _result_json(result) -> dict:  # noqa: ANN001
    return {"ok": True, "added": [{"id": i.id, "title": i.title, "status": i.status}
                                  for i in result.added],
            "skipped": [why for _p, why in result.skipped], "warnings": result.warnings}


@router.post("/api/news/fetch", status_code=201, tags=["api"],
             summary="Lấy một bài báo từ địa chỉ web thành tin")
async def api_fetch(body: FetchIn, state: StateDep, user: Editor) -> dict:
    from ..sources.store import add_pieces
    from ..sources.web import read_article

    result = await run_in_threadpool(lambda: add_pieces(
        state.settings, [read_article(body.url)], status="draft" if body.draft else "queued",
        created_by=user.name, extra={"category": body.category}))
    return _result_json(result)


@router.get("/api/news/{item_id}/shorten", tags=["api"],
            summary="Đề xuất bản rút gọn của một tin cho vừa thời lượng")
async def api_shorten(item_id: int, state: StateDep, _u: Editor,
                      seconds: float | None = None) -> dict:
    from ..sources.store import propose

    p = await run_in_threadpool(propose, state.settings, item_id, seconds)
    return {"ok": True, "text": p.text, "estimated_s": round(p.estimated_ms / 1000, 1),
            "original_s": round(p.original_ms / 1000, 1), "target_s": p.target_ms / 1000,
            "fits": p.fits, "changed": p.changed,
            "kept": len(p.kept), "sentences": len(p.sentences)}


@router.post("/api/news/{item_id}/shorten", tags=["api"],
             summary="Lưu bản rút gọn (bản gốc được giữ)")
async def api_shorten_apply(item_id: int, body: ShortenIn, state: StateDep,
                            _u: Editor) -> dict:
    from ..sources.store import apply_body, original_body

    item = await run_in_threadpool(apply_body, state.settings, item_id, body.body)
    return {"ok": True, "id": item.id, "body": item.body,
            "original_body": original_body(state.settings, item_id)}
