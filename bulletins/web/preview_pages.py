"""The next bulletin: what fits, what waits, the length against the slot; "build now"."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..config import Settings, Station
from ..errors import BulletinError
from . import core
from .deps import Builder, StateDep, flash, render
from .files import parse_day

log = logging.getLogger("bulletins.web")
router = APIRouter(include_in_schema=False)


def next_slot(station: Station, now: datetime | None = None) -> tuple[date, str]:
    """The first slot today that has not started yet, else tomorrow's first slot."""
    now = now or datetime.now()
    slots = sorted(station.slots, key=lambda s: s.hms)
    for s in slots:
        h, m, sec = s.hms
        if (h, m, sec) > (now.hour, now.minute, now.second):
            return now.date(), s.name
    return now.date() + timedelta(days=1), slots[0].name if slots else "sang"


@dataclass
class Choice:
    station: Station
    day: date
    slot: str
    slot_s: int


def choose(settings: Settings, station: str, day: str, slot: str) -> Choice:
    """Validated station, day and slot from query or form values (defaults: the next slot)."""
    st = settings.station(station or None)
    default_day, default_slot = next_slot(st)
    the_day = parse_day(day) or default_day
    name = slot if any(s.name == slot for s in st.slots) else default_slot
    if not slot and day and parse_day(day) and the_day != default_day:
        name = st.slots[0].name if st.slots else default_slot
    return Choice(st, the_day, name, st.slot(name).length_s)


@dataclass
class PreviewView:
    """The core's Preview, flattened for the template."""

    chosen: list[dict] = field(default_factory=list)
    deferred: list[dict] = field(default_factory=list)
    parts: list[dict] = field(default_factory=list)
    total_ms: int = 0
    slot_ms: int = 0
    script: str = ""


def _get(obj: Any, *names: str, default: Any = None) -> Any:
    for n in names:
        if isinstance(obj, dict) and n in obj:
            return obj[n]
        if hasattr(obj, n):
            return getattr(obj, n)
    return default


def _item_row(it: Any, estimates: dict) -> dict:
    iid = _get(it, "id", "item_id")
    return {
        "id": iid,
        "title": _get(it, "title", default=""),
        "priority": _get(it, "priority", default="normal"),
        "category": _get(it, "category", default=""),
        "estimated_ms": _get(it, "estimated_ms", default=estimates.get(iid)),
    }


def flatten(p: Any, slot_s: int) -> PreviewView:
    parts_raw = _get(p, "parts", default=[]) or []
    parts = []
    estimates: dict = {}
    for part in parts_raw:
        ms = _get(part, "estimated_ms", "ms", default=0) or 0
        inner = _get(part, "part", default=part)
        iid = _get(inner, "item_id", default=None)
        if iid is not None:
            estimates[iid] = ms
        parts.append({"kind": _get(inner, "kind", default=""), "item_id": iid,
                      "title": _get(inner, "title", default=""), "estimated_ms": int(ms)})
    est = _get(p, "estimated_ms", default=None)
    if isinstance(est, dict):
        estimates.update(est)
    chosen = [_item_row(i, estimates) for i in (_get(p, "chosen", "items", default=[]) or [])]
    deferred = [_item_row(i, estimates) for i in (_get(p, "deferred", default=[]) or [])]
    total = _get(p, "total_ms", "estimated_total_ms", default=None)
    if total is None:
        total = est if isinstance(est, int) else sum(x["estimated_ms"] for x in parts)
    return PreviewView(
        chosen=chosen, deferred=deferred, parts=parts, total_ms=int(total or 0),
        slot_ms=int(_get(p, "slot_ms", default=slot_s * 1000) or slot_s * 1000),
        script=str(_get(p, "script", "text", "script_text", default="") or ""),
    )


def _page(request: Request, state, choice: Choice, error: str | None = None,
          status_code: int = 200):
    view, preview_error = None, None
    try:
        raw = core.preview(state.settings, choice.station.id, choice.day, choice.slot)
        view = flatten(raw, choice.slot_s)
    except ImportError:
        preview_error = "Chức năng dựng bản tin chưa được cài đặt."
    except BulletinError as exc:
        preview_error = exc.message + (f" {exc.hint}" if exc.hint else "")
    except Exception:
        log.exception("preview failed")
        preview_error = "Không xem trước được bản tin. Hãy thử lại hoặc báo quản trị viên."
    return render(request, "preview.html", {
        "choice": choice, "view": view, "preview_error": preview_error, "error": error,
        "stations": state.settings.stations,
    }, status_code=status_code)


@router.get("/preview")
def preview_page(request: Request, state: StateDep, _u: Builder, station: str = "",
                 day: str = "", slot: str = ""):
    return _page(request, state, choose(state.settings, station, day, slot))


@router.post("/preview/build")
async def build_now(request: Request, state: StateDep,
                    _u: Builder):
    form = await request.form()
    choice = choose(state.settings, str(form.get("station") or ""),
                    str(form.get("day") or ""), str(form.get("slot") or ""))
    try:
        result = await run_in_threadpool(
            core.build, state.settings, choice.station.id, choice.day, choice.slot)
    except ImportError:
        return _page(request, state, choice,
                     "Chức năng dựng bản tin chưa được cài đặt.", status_code=500)
    except BulletinError as exc:
        msg = "Dựng bản tin không thành công: " + exc.message
        return _page(request, state, choice, msg + (f" {exc.hint}" if exc.hint else ""),
                     status_code=400)
    except Exception:
        log.exception("build failed")
        return _page(request, state, choice,
                     "Dựng bản tin không thành công vì lỗi không mong muốn. "
                     "Hãy thử lại hoặc báo quản trị viên.", status_code=500)
    duration = float(result.manifest.get("duration_s") or 0)
    m, s = divmod(int(round(duration)), 60)
    flash(request, f"Đã dựng xong bản tin ({m} phút {s:02d} giây).")
    return RedirectResponse(
        f"/bulletins/{choice.station.id}/{choice.day.isoformat()}/{choice.slot}",
        status_code=303)
