"""End to end: real `scheduler.py` subprocesses, real SQLite, real ffmpeg, slots seconds apart.

Every scenario runs in its own home folder, all of them at once in threads (one
module-scoped fixture), so the suite's wall time is that of the longest scenario.
Each test then checks its scenario's result.
"""

from __future__ import annotations

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

pytestmark = pytest.mark.slow
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
        sang, chieu = at(30), at(40)
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
def restart_after_grace_is_missed(home: Path) -> None:
    with STARTUP:
        slot = at(25)
        write_home(home, [SlotSpec("sang", slot)], grace=0.05)
        s = Sched(home).wait_ready()
    _before(slot)
    s.kill9()
    wait_for(lambda: datetime.now() > slot, 60)
    time.sleep(4)  # grace is 3 s
    s = Sched(home).wait_ready()
    _logged(home, 1)
    time.sleep(1)
    assert s.term() == 0
    assert outcomes(home) == [("sang", "missed")]
    assert "quá" in log_entries(home)[0].error
    assert plays(home) == []


@scenario
def second_scheduler_refused(home: Path) -> None:
    write_home(home, [SlotSpec("sang", at(3600))])
    first = Sched(home).wait_ready()
    second = Sched(home, "b")
    assert second.wait_exit() == 1
    assert "Bộ lập lịch đang chạy cho thư mục này" in second.output()
    t0 = time.monotonic()
    assert first.term() == 0, first.output()
    assert time.monotonic() - t0 < 5
    third = Sched(home, "c").wait_ready()  # the lock died with its process
    third.kill9()
    fourth = Sched(home, "d").wait_ready()  # and a kill -9 never blocks the next start
    fourth.proc.send_signal(signal.SIGINT)  # Ctrl-C
    assert fourth.wait_exit() == 0
    assert "scheduler stopped" in fourth.output()


@scenario
def stop_during_a_play(home: Path) -> None:
    """SIGTERM while a bulletin plays: the player is stopped, the play logged failed, the
    process exits cleanly and the next start does not replay it."""
    with STARTUP:
        slot = at(30)
        write_home(home, [SlotSpec("long", slot)])
        s = Sched(home).wait_ready()
        wait_built(home, "long")
    _before(slot)
    wait_for(lambda: started(home, "long"), 40, lambda: f"not playing: {s.output()}")
    t0 = time.monotonic()
    assert s.term() == 0
    assert time.monotonic() - t0 < 8
    [row] = log_entries(home)
    assert row.outcome == "failed" and "dừng" in row.error and row.finished_at
    assert ("end", "long.mp3") not in [(k, Path(p).name) for _, k, p in plays(home)]
    s = Sched(home, "2").wait_ready()
    time.sleep(1)
    assert s.term() == 0
    assert len(log_entries(home)) == 1 and len(started(home, "long")) == 1


@scenario
def failing_player_then_next_slot_airs(home: Path) -> None:
    with STARTUP:
        write_home(home, [SlotSpec("fail1", at(30)), SlotSpec("ok2", at(40))])
        s = Sched(home).wait_ready()
        wait_built(home, "fail1")
    _logged(home, 2)
    assert s.term() == 0
    assert outcomes(home) == [("fail1", "failed"), ("ok2", "aired")]
    failed = log_entries(home)[0]
    assert "mã 3" in failed.error and "loa hỏng" in failed.error


@scenario
def emergency_interrupts_a_play(home: Path) -> None:
    with STARTUP:
        write_home(home, [SlotSpec("long", at(30))])
        s = Sched(home).wait_ready()
        wait_built(home, "long")
    wait_for(lambda: started(home, "long"), 40, lambda: f"not playing: {s.output()}")
    t0 = time.monotonic()
    r = run_cli(home, "alert", "--title", "Bão số 9", "--body",
                "Bà con khẩn trương chằng chống nhà cửa, không ra khơi.")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Đã phát tin khẩn cấp" in r.stdout
    assert time.monotonic() - t0 < 15
    time.sleep(0.5)
    assert s.term() == 0
    rows = {e.outcome: e for e in log_entries(home)}
    assert set(rows) == {"failed", "emergency"}, outcomes(home)
    assert rows["failed"].slot == "long" and "khẩn cấp" in rows["failed"].error
    assert rows["emergency"].slot.startswith("khan-cap-")
    kinds = [(k, Path(p).name) for _, k, p in plays(home)]
    assert kinds[0] == ("start", "long.mp3") and ("end", "long.mp3") not in kinds
    assert [k for k, n in kinds if n.startswith("khan-cap")] == ["start", "end"]
    urgent = [i for i in NewsQueue(load_settings(home)).list() if i.priority == "urgent"]
    assert urgent and urgent[0].air_count == 1


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
    assert abs(rows["play:xa-a:a"] - new_a.timestamp()) < 1
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
