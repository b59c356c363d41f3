from datetime import datetime, timedelta, timezone

import pytest

from bulletins.config import PlaybackSettings, Settings, Slot, Station
from bulletins.schedule.service import desired_jobs
from bulletins.schedule.times import (
    days_expr,
    latest_occurrence,
    next_occurrence,
    occurrences,
    parse_days,
    shifted,
)

TZ = timezone(timedelta(hours=7))


@pytest.mark.parametrize(("expr", "days"), [
    ("mon-sun", set(range(7))),
    ("*", set(range(7))),
    ("mon-fri", {0, 1, 2, 3, 4}),
    ("mon,wed,fri", {0, 2, 4}),
    ("fri-mon", {4, 5, 6, 0}),
    ("0-2,sun", {0, 1, 2, 6}),
])
def test_parse_days(expr, days):
    assert parse_days(expr) == days


def test_days_expr_is_in_week_order():
    assert days_expr(frozenset({6, 0, 3})) == "mon,thu,sun"


def test_build_shift_same_day():
    assert shifted(Slot("sang", "05:30", days="mon-fri"), 30 * 60) == ("mon,tue,wed,thu,fri",
                                                                       5, 0, 0)


def test_build_shift_crosses_midnight_and_weekdays():
    # Monday 00:10 with a 30-minute lead builds on Sunday at 23:40.
    assert shifted(Slot("dem", "00:10", days="mon"), 30 * 60) == ("sun", 23, 40, 0)
    assert shifted(Slot("dem", "00:10", days="mon-fri"), 30 * 60) == (
        "mon,tue,wed,thu,sun", 23, 40, 0)


def test_fractional_seconds_lead():
    assert shifted(Slot("a", "12:00:05"), 3) == ("mon,tue,wed,thu,fri,sat,sun", 12, 0, 2)


def test_occurrences_respect_days():
    slot = Slot("sang", "05:30", days="mon,wed")
    # 2026-11-23 is a Monday
    got = occurrences(slot, datetime(2026, 11, 22, tzinfo=TZ), datetime(2026, 11, 30, tzinfo=TZ))
    assert [d.date().isoformat() for d in got] == ["2026-11-23", "2026-11-25"]
    assert all(d.hour == 5 and d.minute == 30 for d in got)


def test_latest_and_next():
    slot = Slot("chieu", "17:00:00")
    now = datetime(2026, 11, 25, 17, 0, 3, tzinfo=TZ)
    assert latest_occurrence(slot, now) == datetime(2026, 11, 25, 17, 0, tzinfo=TZ)
    assert next_occurrence(slot, now) == datetime(2026, 11, 26, 17, 0, tzinfo=TZ)
    assert next_occurrence(slot, now - timedelta(seconds=3)) == datetime(2026, 11, 25, 17,
                                                                         tzinfo=TZ)


def test_desired_jobs_ids_and_triggers(tmp_path):
    st = Station("xa-a", "A", slots=(Slot("sang", "00:10"), Slot("chieu", "17:00:30")))
    settings = Settings(home=tmp_path, stations=(st,))
    jobs = desired_jobs(settings)
    assert set(jobs) == {"build:xa-a:sang", "play:xa-a:sang", "build:xa-a:chieu",
                         "play:xa-a:chieu"}
    b = jobs["build:xa-a:sang"]
    assert (b.hour, b.minute, b.second) == (23, 40, 0)
    assert b.func == "bulletins.schedule.jobs:build_slot"
    assert b.args == (str(tmp_path), "xa-a", "sang")
    p = jobs["play:xa-a:chieu"]  # fires PREPARE_S early to prepare; grace still counts
    assert (p.hour, p.minute, p.second, p.misfire_grace_s) == (17, 0, 0, 30 + 600)
    p = jobs["play:xa-a:sang"]
    assert (p.hour, p.minute, p.second) == (0, 9, 30)


def test_a_play_prepares_within_half_the_lead(tmp_path):
    """With a short lead the play job still fires after the build job (half the lead)."""
    st = Station("xa-a", "A", slots=(Slot("sang", "05:30"),))
    settings = Settings(home=tmp_path, stations=(st,),
                        playback=PlaybackSettings(lead_minutes=0.5, grace_minutes=1))
    jobs = desired_jobs(settings)
    b, p = jobs["build:xa-a:sang"], jobs["play:xa-a:sang"]
    assert (b.hour, b.minute, b.second) == (5, 29, 30)
    assert (p.hour, p.minute, p.second, p.misfire_grace_s) == (5, 29, 45, 15 + 60)
