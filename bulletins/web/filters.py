"""Jinja2 filters and globals: Vietnamese labels, durations, dates, highlighted unknowns."""

from __future__ import annotations

import re
from datetime import date, datetime

from jinja2 import Environment
from markupsafe import Markup, escape

from ..models import PRIORITY_VI
from .security import ROLE_VI

STATUS_VI = {"draft": "bản nháp", "queued": "đang chờ phát", "aired": "đã phát",
             "archived": "đã lưu trữ"}
KIND_VI = {"jingle": "nhạc hiệu", "pause": "khoảng lặng", "greeting": "lời chào",
           "headlines": "điểm tin", "item": "tin", "recording": "bản ghi âm",
           "closing": "lời kết", "intro": "mở đầu",
           "transition": "chuyển tiếp"}
OUTCOME_VI = {"aired": "đã phát", "late": "phát muộn", "missed": "bỏ lỡ", "failed": "lỗi",
              "emergency": "khẩn cấp", "published": "đã đăng (chỉ tải về)"}
WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")
SLOT_VI = {"sang": "sáng", "trua": "trưa", "chieu": "chiều", "toi": "tối"}


def duration(seconds: float | int | None) -> str:
    """75.4 -> '1:15'; 3700 -> '1:01:40'."""
    if seconds is None:
        return "–"
    total = int(round(float(seconds)))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration_words(seconds: float | int | None) -> str:
    if seconds is None:
        return "–"
    total = int(round(float(seconds)))
    m, s = divmod(total, 60)
    if m and s:
        return f"{m} phút {s} giây"
    return f"{m} phút" if m else f"{s} giây"


def _as_date(value: date | datetime | str) -> date | datetime | str:
    """ISO strings from manifests become dates; anything unparsable is shown as it is."""
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value


def date_vi(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    value = _as_date(value)
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    return f"{WEEKDAY_VI[value.weekday()]}, {value:%d/%m/%Y}"


def short_date(value: date | datetime | str | None) -> str:
    if value is None or value == "":
        return ""
    value = _as_date(value)
    return value if isinstance(value, str) else f"{value:%d/%m/%Y}"


def highlight(text: str, words: list[str] | None) -> Markup:
    """Escape `text` and wrap each unknown word in <mark>."""
    if not text:
        return Markup("")
    words = sorted({w for w in (words or []) if w}, key=len, reverse=True)
    if not words:
        return escape(text)
    pattern = re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)")
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        out.append(Markup('<mark class="unknown" title="Chưa biết cách đọc">')
                   + escape(m.group(0)) + Markup("</mark>"))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def install_filters(env: Environment) -> None:
    from .reading import reading_markup  # token classes on hover (normalize)

    env.filters["reading"] = reading_markup
    env.filters.update(
        duration=duration, duration_words=duration_words, date_vi=date_vi,
        short_date=short_date, highlight=highlight,
        priority_vi=lambda p: PRIORITY_VI.get(p, p), status_vi=lambda s: STATUS_VI.get(s, s),
        role_vi=lambda r: ROLE_VI.get(r, r), kind_vi=lambda k: KIND_VI.get(k, k),
        outcome_vi=lambda o: OUTCOME_VI.get(o, o), slot_vi=lambda s: SLOT_VI.get(s, s),
    )
    env.globals.update(PRIORITY_VI=PRIORITY_VI, STATUS_VI=STATUS_VI, ROLE_VI=ROLE_VI)
