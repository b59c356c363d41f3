"""A station run for a simulated week (issue 8's "done when"): editors add items through the
API of a running web app, an operator builds one bulletin from the web page, the scheduler
service builds and airs two slots a day on an injected clock, one build is killed (kill -9)
between its renames, and one emergency is raised. At the end every item has aired exactly
once (proved by broadcast-log rows) or is still queued, and nothing else."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from schedule_harness import SlotSpec, write_home

from bulletins.config import load_settings
from bulletins.news import NewsQueue
from bulletins.schedule import alerts
from bulletins.schedule.broadcast import BroadcastLogBook
from bulletins.schedule.service import Service
from bulletins.web.security import add_user, create_token
from tests.helpers import serving

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mat-khau-123"
AIRED = ("aired", "late", "emergency", "published")
START = datetime(2026, 11, 23)  # a Monday


class Player:
    name = "recording"

    def __init__(self) -> None:
        self.played: list[Path] = []

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        self.played.append(path)


CRASH = textwrap.dedent("""
    import sys, time
    from datetime import date
    from pathlib import Path
    from bulletins import publish
    from bulletins.config import load_settings
    from bulletins.models import BuildRequest
    from bulletins.pipeline import build_bulletin

    home, day, slot = Path(sys.argv[1]), date.fromisoformat(sys.argv[2]), sys.argv[3]
    real = publish._replace_keeping_backup

    def paused(tmp, dst, backups):
        real(tmp, dst, backups)
        (home / "paused").write_text("x")
        time.sleep(600)

    publish._replace_keeping_backup = paused
    build_bulletin(load_settings(home), BuildRequest("xa-a", day, slot))
""")


def _plays_through(path: Path, duration_s: float, entry: dict, side) -> tuple[bool, str]:
    """An emergency player that plays to the end (its row written as it starts)."""
    side.start()
    return True, ""


def _crash_build(home: Path, day: str, slot: str) -> None:
    env = {**os.environ, "BULLETINS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASH, str(home), day, slot], env=env)
    deadline = time.monotonic() + 300
    while not (home / "paused").exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    (home / "paused").unlink()


@pytest.mark.slow
def test_a_simulated_week_airs_every_item_exactly_once_or_keeps_it_queued(home, warm_cache):
    write_home(home, [SlotSpec("sang", START.replace(hour=6)),
                      SlotSpec("chieu", START.replace(hour=17))], items=0, grace=10)
    settings = load_settings(home)
    add_user(settings, "bien", "editor", PASSWORD)
    with serving(settings) as base:
        editor = httpx.Client(base_url=base, timeout=300, headers={
            "Authorization": "Bearer " + create_token(settings, "bien", "thử")})
        web = httpx.Client(base_url=base, timeout=300)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/login").text)[1]
        web.post("/login", data={"name": "bien", "password": PASSWORD, "csrf": csrf})
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', web.get("/preview").text)[1]

        player = Player()
        svc = Service(settings, player=player)
        clock = [START]
        svc.now = lambda: clock[0].astimezone(svc.tz)  # the injected clock
        n = 0
        for d in range(7):
            day = START + timedelta(days=d)
            for _ in range(3):
                n += 1
                r = editor.post("/api/news", json={
                    "title": f"Tin số {n}",
                    "body": f"Xã tổ chức tiêm phòng cho trẻ em, đợt {n}, tại trạm y tế."})
                assert r.status_code == 201, r.text
            if d == 1:  # the operator builds the morning bulletin from the web page
                r = web.post("/preview/build", data={
                    "csrf": csrf, "station": "xa-a", "day": day.date().isoformat(),
                    "slot": "sang"}, follow_redirects=False)
                assert r.status_code == 303, r.text
            if d == 2:  # an emergency, aired at once
                (b,) = alerts.build_alert(settings, "Khẩn: nước sông dâng",
                                          "Đề nghị bà con vùng trũng di dời ngay.", "xa-a")
                assert alerts.play_emergency(settings, _plays_through, b)[
                    "outcome"] == "emergency"
            for slot, hour in (("sang", 6), ("chieu", 17)):
                sched = day.replace(hour=hour)
                clock[0] = sched - timedelta(minutes=1)
                if d == 4 and slot == "sang":  # its build dies between its renames
                    _crash_build(home, day.date().isoformat(), slot)
                elif not (d == 1 and slot == "sang"):
                    svc.build_slot("xa-a", slot, sched.astimezone(svc.tz))
                clock[0] = sched + timedelta(seconds=1)
                svc.play_slot("xa-a", slot, sched.astimezone(svc.tz))

    book = BroadcastLogBook(settings)
    rows = book.query(station="xa-a")
    slot_rows = [r for r in rows if r.slot in ("sang", "chieu")]
    assert len(slot_rows) == 14, [(r.slot, r.scheduled_at, r.outcome) for r in slot_rows]
    assert all(r.outcome in ("aired", "late") for r in slot_rows), [
        (r.scheduled_at, r.outcome, r.error) for r in slot_rows]
    assert len(player.played) == 14
    # Every logged play names a file whose sha256 matches what the log says.
    for r in slot_rows:
        assert alerts.sha256_file(Path(r.file)) == r.sha256
    # The crashed build's half-published files were refused; the slot was built again at
    # play time and aired late.
    (crashed,) = [r for r in slot_rows if r.scheduled_at == datetime(2026, 11, 27, 6)]
    assert crashed.outcome == "late" and "dựng lại lúc phát" in crashed.error
    airings: dict[int, set[str]] = {}
    for r in rows:
        if r.outcome in AIRED:
            for i in r.items:
                airings.setdefault(i, set()).add(r.sha256)
    items = NewsQueue(settings).list()
    assert len(items) == 22  # 21 from editors + the emergency
    for it in items:
        times = len(airings.get(it.id, set()))
        assert times <= 1, f"item {it.id} aired in {times} bulletins"
        assert it.air_count == times
        assert it.status == ("aired" if times else "queued"), it
    assert sum(1 for it in items if it.status == "aired") >= 15
    web_built = json.loads(
        (settings.audio_out / "xa-a" / "2026-11-24" / "sang.json").read_text())
    assert any(r.sha256 == web_built["sha256"] for r in slot_rows)
