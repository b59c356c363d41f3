"""Pages for the news queue: list with filters, add, edit, approve, archive, import."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from ..errors import BulletinError, QueueError, explain
from ..models import PRIORITIES, STATUSES, Item
from ..news import NewsQueue
from . import core
from .deps import CurrentUser, Editor, Listener, RowId, StateDep, flash, render

log = logging.getLogger("bulletins.web")
router = APIRouter(include_in_schema=False)
FORM_FIELDS = ("title", "body", "priority", "category", "valid_from", "valid_until", "language")
MAX_AUDIO_BYTES = 50_000_000  # a phone recording of a long interview, well within
# Which form field a QueueError message is about; the core names the field in «…».
_FIELD_MARKERS = (
    ("valid_until", ("«valid_until»",)),
    ("valid_from", ("«valid_from»",)),
    ("title", ("«title»", "tiêu đề")),
    ("body", ("«body»", "nội dung")),
    ("priority", ("«priority»",)),
    ("category", ("«category»",)),
    ("stations", ("«stations»",)),
    ("language", ("«language»",)),
    ("audio", ("ghi âm",)),
)
_FIELD_VI = {"title": "Tiêu đề", "body": "Nội dung", "priority": "Mức ưu tiên",
             "category": "Chuyên mục", "stations": "Đài", "valid_from": "Phát từ ngày",
             "valid_until": "Phát đến ngày", "language": "Ngôn ngữ bản ghi âm",
             "audio": "Bản ghi âm"}


def field_of(message: str) -> str | None:
    for name, markers in _FIELD_MARKERS:
        if any(m in message for m in markers):
            return name
    return None


def humanize(message: str) -> str:
    """Replace «title» etc. with the form's Vietnamese labels; capitalise the first letter."""
    for key, label in _FIELD_VI.items():
        message = message.replace(f"«{key}»", f"«{label}»")
    return message[:1].upper() + message[1:]


def form_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in FORM_FIELDS:
        v = form.get(name)
        values[name] = v if isinstance(v, str) else ""
    values["stations"] = [s for s in form.getlist("stations") if isinstance(s, str) and s]
    return values


def item_values(item: Item) -> dict[str, Any]:
    return {
        "title": item.title, "body": item.body, "priority": item.priority,
        "category": item.category, "stations": list(item.stations),
        "valid_from": item.valid_from.isoformat() if item.valid_from else "",
        "valid_until": item.valid_until.isoformat() if item.valid_until else "",
        "language": item.language,
    }


def spoken_for(state, item_values: dict, station: str | None = None):
    """Spoken form and estimate of title + body, or None (with the reason) if it fails."""
    text = f"{item_values.get('title', '')}. {item_values.get('body', '')}".strip(". ")
    if not text:
        return None, None
    station = station or (item_values.get("stations") or [None])[0]
    try:
        return core.speak_preview(state.settings, station, text, state.speakers), None
    except ImportError:
        return None, "Bộ chuẩn hóa văn bản chưa được cài đặt."
    except BulletinError as exc:
        return None, exc.message
    except Exception:
        log.exception("speak preview failed")
        return None, "Không tạo được bản đọc thử."


def estimates(state, items: list[Item]) -> dict[int, float]:
    """Estimated reading time (seconds) per item; empty when the normalizer is missing."""
    out: dict[int, float] = {}
    for it in items:
        try:
            station = it.stations[0] if it.stations else None
            res = core.speak_preview(state.settings, station, f"{it.title}. {it.body}",
                                     state.speakers)
        except ImportError:
            return out
        except Exception:
            log.exception("estimate failed for item %s", it.id)
            continue
        out[it.id] = (res.estimated_ms + (it.audio_ms or 0)) / 1000  # a recording: as measured
    return out


def _categories(items: list[Item]) -> list[str]:
    return sorted({i.category for i in items if i.category})


@router.get("/news")
def news_list(request: Request, state: StateDep, user: Listener, station: str = "",
              status: str = "", priority: str = "", category: str = ""):
    queue = NewsQueue(state.settings)
    filters = {
        "station": station if station in {s.id for s in state.settings.stations} else "",
        "status": status if status in STATUSES else "",
        "priority": priority if priority in PRIORITIES else "",
        "category": category.strip()[:100],
    }
    items = queue.list(status=filters["status"] or None, station=filters["station"] or None,
                       priority=filters["priority"] or None,
                       category=filters["category"] or None)
    all_items = queue.list()
    return render(request, "news_list.html", {
        "items": items, "filters": filters, "categories": _categories(all_items),
        "estimates": estimates(state, items[:100]),
        "counts": queue.counts(), "can_edit": user.can("news"),
    })


def _form_page(request: Request, state, values: dict, item: Item | None = None,
               errors: dict | None = None, status_code: int = 200):
    spoken, spoken_error = spoken_for(state, values)
    all_items = NewsQueue(state.settings).list()
    return render(request, "news_form.html", {
        "item": item, "values": values, "errors": errors or {}, "spoken": spoken,
        "spoken_error": spoken_error, "categories": _categories(all_items),
        "priorities": PRIORITIES,
    }, status_code=status_code)


@router.get("/news/new")
def news_new(request: Request, state: StateDep, _u: Editor):
    values = {"title": "", "body": "", "priority": "normal", "category": "", "stations": [],
              "valid_from": "", "valid_until": ""}
    return _form_page(request, state, values)


@router.get("/news/{item_id}")
def news_edit(item_id: RowId, request: Request, state: StateDep,
              _u: Editor):
    item = NewsQueue(state.settings).get(item_id)
    return _form_page(request, state, item_values(item), item)


def _save(state, values: dict, item_id: int | None, action: str,
          user: CurrentUser, audio: str = "") -> tuple[Item, list[str], list[str]]:
    """Save the form: the item, the queue's warnings (conversions, exact repeats) and the
    near repeats of the item unless it was already named as an exact one."""
    from ..sources.store import near_duplicate_notes

    queue = NewsQueue(state.settings)
    raw = {k: values[k] for k in FORM_FIELDS}
    raw["stations"] = values["stations"]
    if audio:
        raw["audio"] = audio
    if item_id is None:
        status = "draft" if action == "draft" else "queued"
        saved = queue.add(raw, created_by=user.name, status=status)
    else:
        if action == "draft":
            raw["status"] = "draft"
        elif action == "queue":
            raw["status"] = "queued"
        saved = queue.update(item_id, raw)
    near = near_duplicate_notes(state.settings, [saved], queue.exact_repeats)
    return saved, queue.warnings, [w for _, w in near]


async def _submit(request: Request, state, item_id: int | None, user: CurrentUser):
    form = await request.form()
    values = form_values(form)
    action = form.get("action") if form.get("action") in ("draft", "queue", "save") else "save"
    item = NewsQueue(state.settings).get(item_id) if item_id is not None else None
    upload = form.get("audio")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            audio = await _upload(upload, Path(tmp))
            saved, warnings, near = await run_in_threadpool(_save, state, values, item_id,
                                                            action, user, audio)
    except Exception as exc:
        # Bad input names its field; a busy database or a full disk gets its own message.
        fault = explain(exc)
        if fault is None and not isinstance(exc, QueueError):
            raise
        err = fault or exc
        name = field_of(err.message) if fault is None else "_form"
        text = humanize(err.message) + (f" {err.hint}" if err.hint else "")
        return _form_page(request, state, values, item, {name or "_form": text},
                          status_code=503 if fault else 400)
    verb = "Đã lưu bản nháp" if saved.status == "draft" else "Đã lưu"
    flash(request, f"{verb} tin số {saved.id}: {saved.title}")
    for note in warnings:
        flash(request, humanize(note), "warning")
    for warning in near:
        flash(request, warning, "error")
    return RedirectResponse(f"/news/{saved.id}", status_code=303)


async def _upload(upload: object, folder: Path) -> str:
    """The uploaded recording saved under its own name in `folder` ("" when none)."""
    if not hasattr(upload, "read") or not getattr(upload, "filename", ""):
        return ""
    data = await upload.read(MAX_AUDIO_BYTES + 1)
    name = Path(upload.filename).name
    if len(data) > MAX_AUDIO_BYTES:
        raise QueueError(f"Tệp ghi âm «{name}» quá lớn (giới hạn "
                         f"{MAX_AUDIO_BYTES // 1_000_000} MB).", "Hãy cắt ngắn hoặc nén lại.")
    if not data:
        return ""
    path = folder / name
    path.write_bytes(data)
    return str(path)


@router.get("/news/{item_id}/recording")
def news_recording(item_id: RowId, state: StateDep, _u: Listener):
    """The stored (trimmed, levelled) recording, for the editor to listen to."""
    from fastapi.responses import FileResponse

    item = NewsQueue(state.settings).get(item_id)
    if not item.audio or not Path(item.audio).is_file():
        raise QueueError(f"Tin số {item_id} không có bản ghi âm.")
    return FileResponse(item.audio, media_type="audio/wav")


@router.post("/news")
async def news_create(request: Request, state: StateDep,
                      user: Editor):
    return await _submit(request, state, None, user)


@router.post("/news/{item_id}")
async def news_update(item_id: RowId, request: Request, state: StateDep,
                      user: Editor):
    return await _submit(request, state, item_id, user)


_STATUS_ACTIONS = {"approve": ("queued", "Đã duyệt, tin vào hàng đợi phát"),
                   "archive": ("archived", "Đã lưu trữ tin"),
                   "draft": ("draft", "Đã chuyển tin về bản nháp"),
                   "requeue": ("queued", "Đã đưa tin trở lại hàng đợi")}


@router.post("/news/{item_id}/status")
async def news_status(item_id: RowId, request: Request, state: StateDep,
                      _u: Editor):
    form = await request.form()
    action = form.get("action")
    if action not in _STATUS_ACTIONS:
        raise QueueError("Thao tác không hợp lệ.")
    status, message = _STATUS_ACTIONS[action]
    item = NewsQueue(state.settings).set_status(item_id, status)
    flash(request, f"{message}: số {item.id} «{item.title}».")
    back = form.get("back")
    dest = back if isinstance(back, str) and back.startswith("/news") else "/news"
    return RedirectResponse(dest, status_code=303)


@router.post("/news-import")
async def news_import(request: Request, state: StateDep, file: UploadFile,
                      user: Editor):
    limit = state.settings.web.max_upload_bytes
    data = await file.read(limit + 1)
    name = Path(file.filename or "tin.json").name
    if len(data) > limit:
        flash(request, f"Tệp «{name}» quá lớn (giới hạn {limit // 1000} KB).", "error")
        return RedirectResponse("/news", status_code=303)
    if not data:
        flash(request, "Hãy chọn một tệp JSON, CSV hoặc Word (.docx) để nhập.", "error")
        return RedirectResponse("/news", status_code=303)
    if name.lower().endswith(".docx"):
        from .source_pages import import_word

        draft = (await request.form()).get("draft") == "1"
        return await import_word(request, state, data, name, user, draft)
    suffix = ".json" if name.lower().endswith(".json") else ".csv"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("import" + suffix)
        path.write_bytes(data)
        queue = NewsQueue(state.settings)
        try:
            items = await run_in_threadpool(queue.import_file, path, user.name)
        except Exception as exc:
            err = explain(exc) or exc
            if not isinstance(err, BulletinError):
                raise
            msg = err.message.replace("import" + suffix, name)
            flash(request, f"Không nhập được: {msg}" + (f" {err.hint}" if err.hint else ""),
                  "error")
            return RedirectResponse("/news", status_code=303)
    flash(request, f"Đã nhập {len(items)} tin từ «{name}».")
    for note in queue.warnings:
        flash(request, note.replace("import" + suffix, name), "warning")
    from ..sources.store import near_duplicate_notes

    near = await run_in_threadpool(near_duplicate_notes, state.settings, items,
                                   queue.exact_repeats)
    for item, warning in near:
        flash(request, f"Tin số {item.id}: {warning}", "error")
    return RedirectResponse("/news", status_code=303)


@router.post("/lexicon")
async def lexicon_add(request: Request, state: StateDep,
                      _u: Editor):
    form = await request.form()
    word, spoken = str(form.get("word") or ""), str(form.get("spoken") or "")
    back = form.get("back")
    dest = back if isinstance(back, str) and back.startswith("/news") else "/news"
    try:
        core.add_to_lexicon(state.settings, word, spoken)
    except BulletinError as exc:
        flash(request, exc.message + (f" {exc.hint}" if exc.hint else ""), "error")
        return RedirectResponse(dest, status_code=303)
    flash(request, f"Đã thêm «{word.strip()}» → «{spoken.strip()}» vào từ điển của đài.")
    return RedirectResponse(dest, status_code=303)
