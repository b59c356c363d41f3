"""The next bulletin: what fits, what waits, the length against the slot; "build now"."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from ..config import Settings, Station
from ..errors import BulletinError
from . import core
from .deps import Builder, StateDep, flash, render
from .files import find_published, parse_day

log = logging.getLogger("bulletins.web")
router = APIRouter(include_in_schema=False)


@dataclass
class Choice:
    station: Station
    day: date
    slot: str
    slot_s: int


def choose(settings: Settings, station: str, day: str, slot: str) -> Choice:
    """Validated station, day and slot from query or form values (defaults: the next slot)."""
    from ..pipeline import next_slot

    st = settings.station(station or None)
    default_day, next_one = next_slot(st, datetime.now())
    default_slot = next_one.name
    the_day = parse_day(day) or default_day
    name = slot if any(s.name == slot for s in st.slots) else default_slot
    if not slot and day and parse_day(day) and the_day != default_day:
        name = st.slots[0].name if st.slots else default_slot
    return Choice(st, the_day, name, st.slot(name).length_s)


@dataclass
class PreviewView:
    """The core's Preview, flattened for the template and the API."""

    chosen: list[dict] = field(default_factory=list)
    deferred: list[dict] = field(default_factory=list)
    too_long: list[dict] = field(default_factory=list)
    total_ms: int = 0
    slot_ms: int = 0
    script: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    compact: bool = False


def flatten(p: Any) -> PreviewView:
    """pipeline.Preview -> PreviewView (items as plain dicts with their estimates)."""
    est = p.item_estimates_ms or {}

    def rows(items: Any) -> list[dict]:
        return [{"id": i.id, "title": i.title, "priority": i.priority, "category": i.category,
                 "estimated_ms": est.get(i.id)} for i in items]

    return PreviewView(chosen=rows(p.chosen), deferred=rows(p.deferred),
                       too_long=rows(p.too_long), total_ms=int(p.estimated_ms),
                       slot_ms=int(p.slot_ms), script=[(str(a), str(b)) for a, b in p.script],
                       warnings=list(getattr(p, "warnings", ())),
                       compact=bool(getattr(p, "compact", False)))


def _page(request: Request, state, choice: Choice, error: str | None = None,
          status_code: int = 200, confirm: bool = False):
    view, preview_error = None, None
    try:
        raw = core.preview(state.settings, choice.station.id, choice.day, choice.slot)
        view = flatten(raw)
    except ImportError:
        preview_error = "Chức năng dựng bản tin chưa được cài đặt."
    except BulletinError as exc:
        preview_error = exc.message + (f" {exc.hint}" if exc.hint else "")
    except Exception:
        log.exception("preview failed")
        preview_error = "Không xem trước được bản tin. Hãy thử lại hoặc báo quản trị viên."
    existing = find_published(state.settings, choice.station.id, choice.day.isoformat(),
                              choice.slot)
    return render(request, "preview.html", {
        "choice": choice, "view": view, "preview_error": preview_error, "error": error,
        "stations": state.settings.stations, "existing": existing, "confirm": confirm,
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
    replace = form.get("replace") == "1"
    if not replace and find_published(state.settings, choice.station.id,
                                      choice.day.isoformat(), choice.slot) is not None:
        # Ask first: the page shows what is there and a "replace" button.
        return _page(request, state, choice, status_code=409, confirm=True)
    if state.settings.workers.broker_url:  # province: enqueue, follow on /jobs/<id>
        from .province_pages import enqueue_and_follow

        return await enqueue_and_follow(request, state, choice, _u)
    try:
        result = await run_in_threadpool(
            core.build, state.settings, choice.station.id, choice.day, choice.slot, replace)
    except ImportError:
        return _page(request, state, choice,
                     "Chức năng dựng bản tin chưa được cài đặt.", status_code=500)
    except BulletinError as exc:
        from .app import conflict_status

        msg = "Dựng bản tin không thành công: " + exc.message
        return _page(request, state, choice, msg + (f" {exc.hint}" if exc.hint else ""),
                     status_code=conflict_status(exc))
    except Exception:
        log.exception("build failed")
        return _page(request, state, choice,
                     "Dựng bản tin không thành công vì lỗi không mong muốn. "
                     "Hãy thử lại hoặc báo quản trị viên.", status_code=500)
    duration = float(result.manifest.get("duration_s") or 0)
    m, s = divmod(int(round(duration)), 60)
    flash(request, f"Đã dựng xong bản tin ({m} phút {s:02d} giây). Tin chỉ được tính là "
          "đã phát khi nhật ký phát ghi bản tin đã phát.")
    for w in result.manifest.get("warnings") or []:
        flash(request, f"Cảnh báo: {w}")
    for path in result.manifest.get("archived") or []:
        flash(request, f"Bản tin cũ của khung giờ này được giữ lại trong lưu trữ ({path}).")
    return RedirectResponse(
        f"/bulletins/{choice.station.id}/{choice.day.isoformat()}/{choice.slot}",
        status_code=303)
