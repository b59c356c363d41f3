"""Slot times as the scheduler sees them: pure functions, no I/O.

A slot fires on the weekdays of its cron `days` expression at `time`. Its build fires
`lead` before; when that crosses midnight the build's weekdays shift back by a day
(a Monday 00:10 slot with a 30-minute lead builds on Sunday at 23:40).

All datetimes here are timezone-aware, in the scheduler's zone (the machine's local zone).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo

from ..config import DAY_NAMES, Slot

_DAY_INDEX = {name: i for i, name in enumerate(DAY_NAMES)}


def _day(token: str) -> int:
    token = token.strip().lower()
    if token.isdigit():
        return int(token) % 7  # cron numbering as in APScheduler: 0 = Monday
    return _DAY_INDEX[token]


def parse_days(days: str) -> frozenset[int]:
    """Weekday numbers (0 = Monday) of a day-of-week expression such as "mon-fri,sun".

    A range may wrap around the week ("fri-mon"). The syntax is checked by the config loader.
    """
    out: set[int] = set()
    for part in days.lower().split(","):
        part = part.strip()
        if part in ("*", ""):
            out.update(range(7))
        elif "-" in part:
            first, last = (_day(p) for p in part.split("-", 1))
            n = (last - first) % 7
            out.update((first + k) % 7 for k in range(n + 1))
        else:
            out.add(_day(part))
    return frozenset(out)


def days_expr(days: frozenset[int]) -> str:
    """A canonical cron day-of-week list: "mon,tue,…" in week order."""
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def seconds_of_day(slot: Slot) -> int:
    h, m, s = slot.hms
    return h * 3600 + m * 60 + s


def shifted(slot: Slot, minus_s: int) -> tuple[str, int, int, int]:
    """(day_of_week, hour, minute, second) of the moment `minus_s` seconds before the slot."""
    day_shift, sod = divmod(seconds_of_day(slot) - minus_s, 86400)
    days = frozenset((d + day_shift) % 7 for d in parse_days(slot.days))
    return days_expr(days), sod // 3600, sod % 3600 // 60, sod % 60


def at(day: date, slot: Slot, tz: tzinfo) -> datetime:
    h, m, s = slot.hms
    return datetime(day.year, day.month, day.day, h, m, s, tzinfo=tz)


def occurrences(slot: Slot, after: datetime, until: datetime) -> list[datetime]:
    """The slot's start times t with after < t <= until, oldest first."""
    tz = until.tzinfo
    days = parse_days(slot.days)
    out = []
    d = after.astimezone(tz).date() - timedelta(days=1)
    while d <= until.date():
        if d.weekday() in days:
            t = at(d, slot, tz)
            if after < t <= until:
                out.append(t)
        d += timedelta(days=1)
    return out


def latest_occurrence(slot: Slot, now: datetime) -> datetime | None:
    """The slot's most recent start time at or before `now` (within the last eight days)."""
    found = occurrences(slot, now - timedelta(days=8), now)
    return found[-1] if found else None


def next_occurrence(slot: Slot, now: datetime) -> datetime | None:
    """The slot's first start time at or after `now`."""
    found = occurrences(slot, now - timedelta(microseconds=1), now + timedelta(days=8))
    return found[0] if found else None
