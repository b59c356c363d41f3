"""End to end: real `scheduler.py` subprocesses, real SQLite, real ffmpeg.

Only two scenarios run on the real clock with slots seconds apart (smoke tests: a simulated
day with a power cut, and a scheduler killed during a play); the others use slots an hour
away and test processes, not timing. Everything timing-related is tested on an injectable
clock in test_schedule_clock.py.

Every scenario runs in its own home folder, all of them at once in threads (one
module-scoped fixture), so the suite's wall time is that of the longest scenario.
Each test then checks its scenario's result.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from schedule_harness import (
    Sched,
    SlotSpec,
    at,
    kill_all,
    log_entries,
    outcomes,
    plays,
    run_cli,
    started,
    wait_built,
    wait_for,
    write_home,
)

from bulletins.config import load_settings
from bulletins.news import NewsQueue

pytestmark = [pytest.mark.slow, pytest.mark.realclock]
SCENARIOS: dict[str, Callable[[Path], None]] = {}
# Scenarios run at once, but their first starts (and first builds) take turns, so that a
# slot half a minute ahead is not passed while many interpreters import and build on a
# small or busy machine.
STARTUP = threading.Semaphore(2)


def scenario(fn: Callable[[Path], None]) -> Callable[[Path], None]:
    SCENARIOS[fn.__name__] = fn
    return fn


def _before(slot: datetime) -> None:
    assert datetime.now() < slot, "this machine is too slow: the scheduler started after the slot"


def _logged(home: Path, n: int, timeout: float = 60) -> None:
    wait_for(lambda: len([e for e in log_entries(home) if e.outcome != "playing"]) >= n,
             timeout, lambda: f"expected {n} log rows, got {outcomes(home)}")


@scenario
def simulated_day(home: Path) -> None:
    """Two daily slots: morning airs on time; a power cut before the afternoon slot and a
    restart within grace airs it once, late; a restart after that never replays it."""
    with STARTUP:
        sang, chieu = at(60), at(70)  # room for a build on a busy machine
        write_home(home, [SlotSpec("sang", sang), SlotSpec("chieu", chieu)], grace=0.25)
        s = Sched(home).wait_ready()
        wait_built(home, "sang")  # at start-up (within lead); chieu by its build job
    _before(sang)
    _logged(home, 1)
    assert outcomes(home) == [("sang", "aired")]
    e = log_entries(home)[0]
    assert e.scheduled_at == sang and abs((e.started_at - sang).total_seconds()) < 3
    assert e.finished_at >= e.started_at and len(e.sha256) == 64 and e.items
    q = NewsQueue(load_settings(home))
    assert all(i.status == "aired" for i in q.list()), "items count as aired after playing"
    s.kill9()  # power cut before the afternoon slot
    wait_for(lambda: datetime.now() > chieu, 40)
    time.sleep(4)  # restart well after the slot (LATE_AFTER_S is 3 s), within grace (15 s)
    s = Sched(home, "2").wait_ready()
    _logged(home, 2)
    assert outcomes(home) == [("sang", "aired"), ("chieu", "late")]
    wait_for(lambda: any(k == "end" and "chieu" in p for _, k, p in plays(home)), 10)
    s.kill9()  # after airing: a restart within grace must not play it again
    s = Sched(home, "3").wait_ready()
    time.sleep(1.5)
    assert s.term() == 0
    assert outcomes(home) == [("sang", "aired"), ("chieu", "late")]
    assert len(started(home, "sang")) == 1 and len(started(home, "chieu")) == 1


@scenario
def second_scheduler_refused(home: Path) -> None:
    write_home(home, [SlotSpec("sang", at(3600))])
    first = Sched(home).wait_ready()
    second = Sched(home, "b")
    assert second.wait_exit() == 1
    assert "Bộ lập lịch đang chạy cho thư mục này" in second.output()
    t0 = time.monotonic()
    assert first.term() == 0, first.output()
    assert time.monotonic() - t0 < 10  # prompt, even with a loaded machine's slow exit
    third = Sched(home, "c").wait_ready()  # the lock died with its process
    third.kill9()
    fourth = Sched(home, "d").wait_ready()  # and a kill -9 never blocks the next start
    fourth.proc.send_signal(signal.SIGINT)  # Ctrl-C
    assert fourth.wait_exit() == 0
    assert "scheduler stopped" in fourth.output()


def _group_alive(pgid: int) -> bool:
    from bulletins.schedule.players import group_alive

    return group_alive(pgid, pgid, None)


@scenario
def killed_during_a_play(home: Path) -> None:
    """kill -9 while the command player plays: the player, in its own session, plays on;
    the restart finds its process group, stops it before anything else, and logs the play
    failed with the reason; the items stay queued (they did not air) and nothing replays."""
    with STARTUP:
        slot = at(40)  # played late on a busy machine is fine here
        # "long": the test player plays 20 s
        write_home(home, [SlotSpec("long", slot)], grace=2)
        s = Sched(home).wait_ready()
        wait_built(home, "long")
    wait_for(lambda: started(home, "long"), 90, lambda: f"not playing: {s.output()}")
    track = home / "run" / "players" / "xa-a.json"
    wait_for(track.exists, 5, "the player's process group was not recorded")
    info = json.loads(track.read_text())
    s.kill9()
    assert _group_alive(info["pgid"]), "the player should outlive a kill -9 (own session)"
    s = Sched(home, "2").wait_ready()
    wait_for(lambda: not _group_alive(info["pgid"]), 3, "the restart must stop the orphan player")
    assert not track.exists()
    [row] = log_entries(home)
    assert row.outcome == "failed" and row.finished_at, row
    assert "bị ngắt khi bộ lập lịch dừng đột ngột" in row.error and "đã bị dừng" in row.error
    assert ("end", "long.mp3") not in [(k, Path(p).name) for _, k, p in plays(home)]
    q = NewsQueue(load_settings(home))
    assert all(i.status == "queued" and i.air_count == 0 for i in q.list())
    time.sleep(1)
    assert s.term() == 0
    assert len(log_entries(home)) == 1 and len(started(home, "long")) == 1
    assert "outlived the last run; stopping it" in (home / "logs" / "bulletins.log").read_text(
        encoding="utf-8")


@scenario
def alert_without_scheduler_plays_directly(home: Path) -> None:
    write_home(home, [SlotSpec("sang", at(3600))], items=0)
    r = run_cli(home, "alert", "--title", "Mất điện", "--body", "Chiều nay mất điện từ 14 giờ.")
    assert r.returncode == 0, r.stdout + r.stderr
    assert [e.outcome for e in log_entries(home)] == ["emergency"]
    assert len(plays(home)) == 2


@scenario
def config_change_reconciles_jobs(home: Path) -> None:
    write_home(home, [SlotSpec("a", at(3600)), SlotSpec("b", at(7200))], lead=1)
    s = Sched(home).wait_ready()
    assert s.term() == 0
    new_a = at(5400)
    write_home(home, [SlotSpec("a", new_a), SlotSpec("c", at(9000))], lead=1)
    s = Sched(home).wait_ready()
    with sqlite3.connect(home / "bulletins.sqlite3") as db:
        rows = dict(db.execute("select id, next_run_time from apscheduler_jobs"))
    assert s.term() == 0
    assert sorted(rows) == ["build:xa-a:a", "build:xa-a:c", "play:xa-a:a", "play:xa-a:c"]
    assert abs(rows["play:xa-a:a"] - (new_a.timestamp() - 30)) < 1  # prepares 30 s early
    assert abs(rows["build:xa-a:a"] - (new_a.timestamp() - 60)) < 1
    text = (home / "logs" / "bulletins.log").read_text(encoding="utf-8")
    assert "job changed: play:xa-a:a" in text and "job removed: play:xa-a:b" in text
    assert "job added: play:xa-a:c" in text


@pytest.fixture(scope="module")
def results(warm_cache: Path) -> Iterator[dict[str, str]]:
    # Own temp folder: pytest's shared numbered tmp dirs may be pruned by other pytest runs.
    base = Path(tempfile.mkdtemp(prefix="bulletins-schedule-"))
    out: dict[str, str] = {}

    def run(name: str, fn: Callable[[Path], None]) -> None:
        home = base / name / "home"
        t0 = time.monotonic()
        try:
            fn(home)
            out[name] = ""
        except BaseException:  # noqa: BLE001 - reported by the test of that scenario
            logs = "".join(f"\n--- {f.name}:\n{f.read_text(errors='replace')[-4000:]}"
                           for f in sorted(home.glob("scheduler*.out")))
            out[name] = traceback.format_exc() + logs
        finally:
            kill_all(home)
            out.setdefault(name + ":time", f"{time.monotonic() - t0:.1f}")

    threads = [threading.Thread(target=run, args=item) for item in SCENARIOS.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    print(base, {k: v for k, v in out.items() if k.endswith(":time")})
    yield out
    if not any(v for k, v in out.items() if not k.endswith(":time")):
        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(results: dict[str, str], name: str) -> None:
    if results.get(name, "did not finish"):
        pytest.fail(f"{name}:\n{results.get(name, 'did not finish')}", pytrace=False)
