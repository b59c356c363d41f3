"""The scheduler service in-process on an injectable clock: fast and deterministic.

Real SQLite, real MP3 files (made with ffmpeg), real player processes (the `command` player
running tests/schedule/fake_player.py or `sleep`); only the time is driven by the test.
Covers catch-up after an outage (readable, unreadable and missing heartbeat), one record per
occurrence shared by threads, a play waiting for its build, a failing player, a stop during
a play, and the recovery of a play cut off by a killed scheduler (issue 15).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from schedule_harness import Busy, SlotSpec, make_mp3, publish, write_home

from bulletins import db
from bulletins.config import load_settings
from bulletins.news import NewsQueue
from bulletins.schedule import alerts, closing
from bulletins.schedule.broadcast import BroadcastLogBook
from bulletins.schedule.lock import heartbeat_status, write_heartbeat
from bulletins.schedule.players import CommandPlayer, PlayInterrupted, proc_start_ticks
from bulletins.schedule.service import KILLED_VI, Service

T0 = datetime(2026, 12, 1, 5, 30).astimezone()  # the slot "sang", a Tuesday
DB = "bulletins.sqlite3"  # in the home folder


class Clock:
    """What the service calls for the time; the test moves it."""

    def __init__(self, t: datetime):
        self.t = t
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.t

    def set(self, t: datetime) -> None:
        with self._lock:
            self.t = t


class Recording:
    """A player that records what it was asked to play; `gate` holds a play open."""

    name = "recording"

    def __init__(self) -> None:
        self.played: list[Path] = []
        self.gate = threading.Event()
        self.gate.set()
        self.started = threading.Event()

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        self.played.append(path)
        self.started.set()
        self.gate.wait(10)


def service(home: Path, slots=("sang",), *, player=None, at: datetime = T0, grace: float = 5,
            command_sleep: float = 0.3, items: int = 2,
            stations: str | list[str] = "xa-a") -> tuple[Service, Clock]:
    write_home(home, [SlotSpec(n, T0 + timedelta(minutes=10 * i)) for i, n in enumerate(slots)],
               grace=grace, sleep=command_sleep, items=items, on_missing="last_good",
               station=stations)
    settings = load_settings(home)
    clock = Clock(at)
    if player == "command":
        player = CommandPlayer(settings.playback.command)
    return Service(settings, player=player or Recording(), clock=clock), clock


def rows(home: Path):
    return BroadcastLogBook(load_settings(home)).query()


# --- catch-up after an outage --------------------------------------------------------------
def test_slot_past_grace_while_stopped_is_missed(home):
    svc, clock = service(home)
    write_heartbeat(home, T0 - timedelta(hours=2), T0 - timedelta(minutes=3))
    clock.set(T0 + timedelta(minutes=20))  # grace is 5 minutes
    svc.catch_up(*svc.outage_start(*heartbeat_status(home), had_jobs=True))
    [row] = rows(home)
    assert row.outcome == "missed" and "quá 5 phút" in row.error
    assert svc.player.played == []
    assert svc.occurrences.get("xa-a", "sang", T0).state == "missed"


def test_slot_within_grace_while_stopped_plays_late_once(home):
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items)
    write_heartbeat(home, T0 - timedelta(hours=2), T0 - timedelta(minutes=3))
    clock.set(T0 + timedelta(minutes=2))
    outage = svc.outage_start(*heartbeat_status(home), had_jobs=True)
    svc.catch_up(*outage)
    svc.catch_up(*outage)  # a second catch-up (or a cron run) never plays it again
    svc.play_slot("xa-a", "sang", T0)
    [row] = rows(home)
    assert row.outcome == "late" and row.file == str(mp3)
    assert row.started_at == (T0 + timedelta(minutes=2)).replace(tzinfo=None)
    assert svc.player.played == [mp3]
    assert all(i.status == "aired" and i.air_count == 1
               for i in NewsQueue(svc.settings).list())


def test_unreadable_heartbeat_is_an_outage_not_a_first_start(home):
    svc, clock = service(home)
    hb = home / "run" / "heartbeat.json"
    hb.parent.mkdir(parents=True, exist_ok=True)
    hb.write_bytes(b'{"run_started": "2026-12-01T03:00:00+07:00", "ali')  # cut by a power loss
    os.utime(hb, (T0.timestamp() - 3600, T0.timestamp() - 3600))
    status, previous, mtime = heartbeat_status(home)
    assert status == "unreadable" and previous is None
    clock.set(T0 + timedelta(hours=1))
    svc.catch_up(*svc.outage_start(status, previous, mtime, had_jobs=False))
    [row] = rows(home)
    assert row.outcome == "missed" and "heartbeat.json hỏng" in row.error
    assert row.scheduled_at == T0.replace(tzinfo=None)


def test_missing_heartbeat_first_start_catches_up_nothing(home):
    svc, clock = service(home)
    clock.set(T0 + timedelta(hours=1))
    assert heartbeat_status(home)[0] == "missing"
    since, _ = svc.outage_start(*heartbeat_status(home), had_jobs=False)
    assert since is None
    svc.catch_up(since)
    assert rows(home) == []


def test_missing_heartbeat_after_earlier_runs_catches_up_from_the_log(home):
    svc, clock = service(home, slots=("sang", "trua"))
    book = BroadcastLogBook(svc.settings)
    book.add(station="xa-a", slot="sang", outcome="aired", scheduled_at=T0, started_at=T0)
    clock.set(T0 + timedelta(hours=2))
    since, note = svc.outage_start(*heartbeat_status(home), had_jobs=True)
    assert since == T0
    svc.catch_up(since, note)
    got = [(e.slot, e.outcome) for e in rows(home)]
    assert got == [("sang", "aired"), ("trua", "missed")]
    assert "Không có tệp nhịp tim" in rows(home)[1].error


# --- one record per occurrence ---------------------------------------------------------------
def test_two_triggers_of_one_occurrence_at_once_play_it_once(home):
    svc, clock = service(home)
    mp3 = publish(svc.settings, "sang", T0.date(), [1, 2])
    svc.player.gate.clear()  # the first play stays open while the second trigger arrives
    first = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    first.start()
    assert svc.player.started.wait(10)
    second = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    second.start()
    second.join(5)
    assert not second.is_alive()  # it returned at once: the occurrence is claimed
    svc.player.gate.set()
    first.join(10)
    assert svc.player.played == [mp3]
    assert [e.outcome for e in rows(home)] == ["aired"]
    occ = svc.occurrences.get("xa-a", "sang", T0)
    assert occ.history == ["pending", "playing", "done"]


def test_a_play_waits_for_its_running_build(home):
    svc, clock = service(home)
    occ = svc.occurrences.get("xa-a", "sang", T0)
    assert occ.begin_build()  # a build job is running for this occurrence
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    t.start()
    time.sleep(0.5)
    assert svc.player.played == [] and t.is_alive()  # waiting, not playing yesterday's file
    mp3 = publish(svc.settings, "sang", T0.date(), [1])
    occ.end_build()
    t.join(10)
    assert svc.player.played == [mp3]
    assert occ.history == ["pending", "building", "built", "playing", "done"]


def test_a_build_still_running_past_grace_makes_the_slot_missed(home):
    svc, clock = service(home)
    occ = svc.occurrences.get("xa-a", "sang", T0)
    assert occ.begin_build()  # slow build, still running
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    t.start()
    time.sleep(0.3)
    clock.set(T0 + timedelta(minutes=6))  # grace is 5 minutes
    t.join(10)
    [row] = rows(home)
    assert row.outcome == "missed" and svc.player.played == []
    assert occ.history == ["pending", "building", "missed"]  # and no second build
    occ.end_build()  # the slow build ends at last: the slot stays missed
    assert occ.state == "missed"


def test_a_build_job_for_a_built_occurrence_does_not_build_again(home):
    svc, clock = service(home)
    occ = svc.occurrences.get("xa-a", "sang", T0)
    assert occ.begin_build()
    occ.end_build()
    clock.set(T0 - timedelta(minutes=30))
    svc.build_slot("xa-a", "sang", T0)  # a build again would add a second "building"
    assert occ.history == ["pending", "building", "built"]


# --- plays prepared before their slot -------------------------------------------------------
def _ready(caplog, n: int, timeout: float = 30) -> None:
    """Wait until `n` plays logged that they are prepared and wait for their slot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum("ready to play" in r.getMessage() for r in caplog.records) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} plays got ready")


def _starts(home: Path) -> list[str]:
    return [name for kind, name in _plays(home) if kind == "start"]


def _wait(pred, timeout: float, msg: str) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, msg
        time.sleep(0.05)


def test_plays_prepared_before_their_slot_start_at_it_with_the_database_busy(home, caplog):
    """Twenty stations, one minute: each play job fires early (as its cron trigger does),
    finds and verifies its bulletin and waits; at slot time the players start even while
    another process holds the database's write lock, so no log write stands between a slot
    and its sound (they used to queue up there and start late)."""
    caplog.set_level(logging.INFO, logger="bulletins.schedule")
    ids = [f"xa-{i:02d}" for i in range(20)]
    svc, clock = service(home, player="command", stations=ids, items=0, command_sleep=0.2)
    mp3s = {sid: publish(svc.settings, "sang", T0.date(), [], seconds=1, station=sid)
            for sid in ids}
    clock.set(T0 - timedelta(seconds=10))  # the play jobs fire prepare_s (15 s) early
    threads = [threading.Thread(target=svc.play_slot, args=(sid, "sang")) for sid in ids]
    for t in threads:
        t.start()
    _ready(caplog, len(ids))
    time.sleep(0.5)
    assert _starts(home) == []  # nothing plays before its slot
    busy = Busy(home / DB)  # a writer holds the database (busy timeout: 10 s)
    try:
        clock.set(T0)
        _wait(lambda: len(_starts(home)) == len(ids), 8, "players waited for the database")
        assert rows(home) == []  # the log rows come after the sound
    finally:
        busy.release()
    for t in threads:
        t.join(20)
    got = rows(home)
    assert sorted(e.station for e in got) == ids
    assert all(e.outcome == "aired" and e.scheduled_at == e.started_at == T0.replace(tzinfo=None)
               and e.file == str(mp3s[e.station]) and len(e.sha256) == 64 for e in got)
    assert sorted(_starts(home)) == ["sang.mp3"] * len(ids)  # each played once


def test_a_file_replaced_after_the_play_was_prepared_is_checked_again(home, caplog):
    """The hash is checked when the play is prepared and again (by the file's identity) at
    slot time: a bulletin changed in between that no longer matches its record never airs."""
    caplog.set_level(logging.INFO, logger="bulletins.schedule")
    svc, clock = service(home)
    old = publish(svc.settings, "sang", (T0 - timedelta(days=1)).date(), [1])
    today = publish(svc.settings, "sang", T0.date(), [1, 2])
    clock.set(T0 - timedelta(seconds=10))
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang"))
    t.start()
    _ready(caplog, 1)
    make_mp3(today, 3)  # damaged or overwritten: its record's sha256 no longer matches
    clock.set(T0)
    t.join(10)
    [row] = rows(home)
    assert svc.player.played == [old] and row.file == str(old)
    assert "phát lại bản tin cũ" in row.error and row.outcome == "aired"


def test_a_build_ending_between_prepare_and_slot_airs_on_time(home, caplog):
    caplog.set_level(logging.INFO, logger="bulletins.schedule")
    svc, clock = service(home)
    occ = svc.occurrences.get("xa-a", "sang", T0)
    assert occ.begin_build()  # its build is still running when the play job fires
    clock.set(T0 - timedelta(seconds=10))
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang"))
    t.start()
    time.sleep(0.3)
    assert t.is_alive() and not any("ready" in r.getMessage() for r in caplog.records)
    mp3 = publish(svc.settings, "sang", T0.date(), [1])
    occ.end_build()
    _ready(caplog, 1)
    assert svc.player.played == []
    clock.set(T0)
    t.join(10)
    [row] = rows(home)
    assert row.outcome == "aired" and svc.player.played == [mp3]
    assert row.started_at == T0.replace(tzinfo=None)
    assert occ.history == ["pending", "building", "built", "playing", "done"]


def test_a_stop_while_a_prepared_play_waits_leaves_it_to_the_next_start(home, caplog):
    caplog.set_level(logging.INFO, logger="bulletins.schedule")
    svc, clock = service(home)
    publish(svc.settings, "sang", T0.date(), [1])
    clock.set(T0 - timedelta(seconds=10))
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang"))
    t.start()
    _ready(caplog, 1)
    svc.stop()
    t.join(5)
    assert not t.is_alive() and svc.player.played == [] and rows(home) == []
    assert svc.occurrences.get("xa-a", "sang", T0).state == "pending"  # caught up next start


def test_failing_player_then_the_next_slot_airs(home):
    svc, clock = service(home, slots=("fail1", "ok2"), player="command")
    publish(svc.settings, "fail1", T0.date(), [1])
    publish(svc.settings, "ok2", T0.date(), [2])
    svc.play_slot("xa-a", "fail1", T0)
    clock.set(T0 + timedelta(minutes=10))
    svc.play_slot("xa-a", "ok2", T0 + timedelta(minutes=10))
    got = rows(home)
    assert [(e.slot, e.outcome) for e in got] == [("fail1", "failed"), ("ok2", "aired")]
    assert "mã 3" in got[0].error and "loa hỏng" in got[0].error
    q = {i.id: i for i in NewsQueue(svc.settings).list()}
    assert q[1].status == "queued" and q[2].status == "aired"


def _plays(home: Path) -> list[tuple[str, str]]:
    try:
        lines = (home / "plays.txt").read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [(ln.split("\t")[1], Path(ln.split("\t")[2]).name) for ln in lines]


def test_stop_during_a_play_stops_the_player_and_logs_failed(home):
    svc, clock = service(home, slots=("long",), player="command")  # "long": plays 20 s
    publish(svc.settings, "long", T0.date(), [1, 2])
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "long", T0))
    t.start()
    deadline = time.monotonic() + 10
    while ("start", "long.mp3") not in _plays(home) and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    svc.interrupt_all("Bộ lập lịch dừng khi đang phát.")  # what shutdown() does
    t.join(10)
    assert time.monotonic() - t0 < 5
    [row] = rows(home)
    assert row.outcome == "failed" and "dừng" in row.error and row.finished_at
    assert ("end", "long.mp3") not in _plays(home)
    assert not (home / "run" / "players" / "xa-a.json").exists()
    again, _ = service(home, slots=("long",), player="command")  # the next run
    again.play_slot("xa-a", "long", T0)
    assert len(rows(home)) == 1 and _plays(home).count(("start", "long.mp3")) == 1


# --- a play cut off by a killed scheduler (issue 15) ----------------------------------------
def _cut_off_play(svc: Service, clock: Clock, argv: list[str], duration: float, items):
    """The state a scheduler killed mid-play leaves: a `playing` row, the player's process
    group recorded in run/players/, and that player (a real process in its own session)."""
    mp3 = publish(svc.settings, "sang", T0.date(), items, seconds=1)
    book = BroadcastLogBook(svc.settings)
    book.add(station="xa-a", slot="sang", outcome="playing", scheduled_at=T0, started_at=T0,
             file=str(mp3), items=items, engine="espeak:vi")
    proc = subprocess.Popen(argv, start_new_session=True)
    clock.set(T0)
    svc._write_track(svc._track_file("xa-a"), proc.pid, proc_start_ticks(proc.pid), mp3,
                     duration)
    return proc


def test_restart_stops_an_orphan_player_and_logs_failed(home):
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    proc = _cut_off_play(svc, clock, [sys.executable, "-c", "import time; time.sleep(60)"],
                         300.0, items)
    clock.set(T0 + timedelta(seconds=40))  # restarted 40 s into a 5-minute bulletin
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    assert restarted.recover_interrupted(T0 + timedelta(seconds=5)) == 1
    assert proc.wait(5) in (-signal.SIGTERM, -signal.SIGKILL)  # the orphan was stopped
    [row] = rows(home)
    assert row.outcome == "failed" and KILLED_VI in row.error and "40/300 giây" in row.error
    assert row.finished_at == (T0 + timedelta(seconds=40)).replace(tzinfo=None)
    assert all(i.status == "queued" and i.air_count == 0
               for i in NewsQueue(svc.settings).list())  # they did not air: they will
    assert not (home / "run" / "players" / "xa-a.json").exists()


def test_restart_after_the_orphan_played_to_the_end_logs_aired(home):
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    proc = _cut_off_play(svc, clock, [sys.executable, "-c", "pass"], 120.0, items)
    proc.wait(5)  # it played on alone and finished
    clock.set(T0 + timedelta(minutes=10))
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    restarted.recover_interrupted(T0 + timedelta(seconds=5))
    [row] = rows(home)
    assert row.outcome == "aired" and "interrupted by restart" in row.error
    assert "120/120 giây" in row.error
    q = NewsQueue(svc.settings).list()
    assert all(i.status == "aired" and i.air_count == 1 for i in q)  # never re-aired
    restarted.recover_interrupted(None)  # a second start changes nothing
    assert [e.outcome for e in rows(home)] == ["aired"]


def test_a_run_killed_before_writing_the_row_of_a_started_player_gets_it_written(home):
    """The row is written just after the player starts; a kill in between leaves only the
    player's record, which carries the row: the next start writes it, stops the player and
    judges the play, so the slot is not played a second time."""
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items, seconds=1)
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                            start_new_session=True)
    clock.set(T0)
    entry = dict(station="xa-a", slot="sang", scheduled_at=T0, started_at=T0, file=str(mp3),
                 sha256="a" * 64, items=items, engine="espeak:vi", error="")
    svc._write_track(svc._track_file("xa-a"), proc.pid, proc_start_ticks(proc.pid), mp3,
                     300.0, entry)
    assert rows(home) == []
    clock.set(T0 + timedelta(seconds=40))
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    assert restarted.recover_interrupted(T0 + timedelta(seconds=5)) == 1
    assert proc.wait(5) in (-signal.SIGTERM, -signal.SIGKILL)
    [row] = rows(home)
    assert row.outcome == "failed" and KILLED_VI in row.error and "40/300 giây" in row.error
    assert row.scheduled_at == T0.replace(tzinfo=None) and row.items == items
    restarted.play_slot("xa-a", "sang", T0)  # a catch-up of that slot: never twice
    assert restarted.player.played == [] and len(rows(home)) == 1


def test_a_play_the_database_will_not_log_airs_and_is_logged_at_the_next_start(home,
                                                                               monkeypatch):
    """Another process holds the database through the whole play and all the log's retries:
    the bulletin still airs, what it must record waits in run/unlogged/, and the next start
    writes the row and marks the items before catching up, so the slot is not played again."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    monkeypatch.setattr(db, "WRITE_RETRY_S", 0.3)
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items)
    busy = Busy(home / DB)
    try:
        svc.play_slot("xa-a", "sang", T0)
        assert svc.player.played == [mp3]  # the sound was not held back by the log
        [kept] = (home / "run" / "unlogged").glob("*.json")
        closing.flush(svc.settings, svc.book)  # still locked: kept for later
        assert kept.exists()
    finally:
        busy.release()
    assert rows(home) == []
    assert all(i.status == "queued" for i in NewsQueue(svc.settings).list())
    write_heartbeat(home, T0 - timedelta(hours=2), T0 + timedelta(seconds=30))  # then it died
    clock.set(T0 + timedelta(minutes=1))  # within grace: a catch-up would play it again
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    restarted.start()
    try:
        [row] = rows(home)
        assert restarted.scheduler.get_job("late:xa-a:sang") is None
    finally:
        restarted.shutdown()
    assert (row.outcome, row.file, row.items) == ("aired", str(mp3), items)
    assert row.started_at == T0.replace(tzinfo=None) and row.finished_at is not None
    assert not kept.exists() and restarted.player.played == []
    assert all(i.status == "aired" and i.air_count == 1
               for i in NewsQueue(svc.settings).list())


def test_a_run_killed_as_a_play_ended_before_its_log_was_closed_logs_it_aired(home,
                                                                             monkeypatch):
    """The sound played to the end and the run died before the database had the play's
    closing: what it was about to write was kept first, so the next start logs it aired
    and marks its items, not "cut off" (which would air them again)."""
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items)

    def killed(*_args: object) -> None:
        raise KeyboardInterrupt  # the process dies here, inside the closing

    monkeypatch.setattr(closing, "write", killed)
    with pytest.raises(KeyboardInterrupt):
        svc.play_slot("xa-a", "sang", T0)
    monkeypatch.undo()
    assert svc.player.played == [mp3] and [e.outcome for e in rows(home)] == ["playing"]
    assert closing.flush(svc.settings, svc.book) == 0  # a running service's retries leave
    # a closing its play is still writing (here: was, when the run died) to that play
    write_heartbeat(home, T0 - timedelta(hours=2), T0)  # it died just after the slot began
    clock.set(T0 + timedelta(minutes=1))
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    restarted.start()
    restarted.shutdown()
    [row] = rows(home)
    assert row.outcome == "aired" and KILLED_VI not in row.error
    assert restarted.player.played == [] and not list((home / "run" / "unlogged").iterdir())
    assert all(i.status == "aired" and i.air_count == 1
               for i in NewsQueue(svc.settings).list())


def test_a_play_whose_closing_cannot_be_kept_on_disk_is_still_logged(home):
    """Keeping the closing first is a safety net, not a condition: with run/unlogged/ not
    writable (here a file stands in its place; a full disk does the same) the row and the
    items aired still go to the database."""
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    publish(svc.settings, "sang", T0.date(), items)
    (home / "run").mkdir(exist_ok=True)
    (home / "run" / "unlogged").write_text("not a folder", encoding="utf-8")
    svc.play_slot("xa-a", "sang", T0)
    [row] = rows(home)
    assert row.outcome == "aired" and row.items == items
    assert all(i.status == "aired" for i in NewsQueue(svc.settings).list())


class Interruptible(Recording):
    """A player that plays until released or stopped (an emergency stops it)."""

    def __init__(self) -> None:
        super().__init__()
        self.starts: list[threading.Event] = []

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        self.played.append(path)
        self.started.set()
        while not self.gate.is_set():
            if cancel.wait(0.02):
                raise PlayInterrupted()


def test_a_locked_database_never_holds_back_the_sound(home):
    """The row a play writes as it starts goes beside the sound: with another process
    writing, the built-in kind of player starts at once, and the row follows the lock."""
    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items)
    busy = Busy(home / DB)
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    try:
        t.start()
        assert svc.player.started.wait(8)  # before the 10 s busy timeout could pass
        assert svc.player.played == [mp3]
    finally:
        busy.release()
    t.join(20)
    [row] = rows(home)
    assert row.outcome == "aired" and row.items == items


@pytest.mark.parametrize("locked", ["after its row", "before it started"])
def test_an_emergency_never_waits_for_the_log_of_the_play_it_stops(home, locked):
    """The database locked by another process (after the play's starting row was written,
    or before: then that row waits too): the emergency stops the current play and airs at
    once, both plays are logged once the lock is released."""
    svc, clock = service(home, player=Interruptible())
    svc.player.gate.clear()
    mp3 = publish(svc.settings, "sang", T0.date(), [])
    urgent = publish(svc.settings, "khan-cap", T0.date(), [], station="xa-a")
    busy = Busy(home / DB) if locked == "before it started" else None
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    t.start()
    try:
        assert svc.player.started.wait(8)
        if busy is None:
            _wait(lambda: [e.outcome for e in rows(home)] == ["playing"], 10, "its row")
            busy = Busy(home / DB)
        svc.player.started.clear()
        req = alerts.submit(home, {"bulletins": [{
            "station": "xa-a", "slot": "khan-cap", "mp3": str(urgent), "items": [],
            "engine": "espeak:vi", "duration_s": 2, "requested_at": T0.isoformat()}]})
        svc._poll_alerts()
        assert svc.player.started.wait(8)  # the stopped play's log waits (10 s); the alert not
        assert svc.player.played == [mp3, urgent]
    finally:
        # Only now may the emergency play through: released earlier, the gate let the first
        # play end by itself before the alert could stop it (seen on a loaded machine).
        svc.player.gate.set()
        if busy is not None:
            busy.release()
    t.join(30)
    _wait(lambda: req.with_suffix(".done").exists(), 30, "the alert's result")
    got = sorted((e.slot, e.outcome) for e in rows(home))
    assert got == [("khan-cap", "emergency"), ("sang", "failed")]


def test_the_play_after_an_emergency_never_waits_for_the_emergency_s_log(home):
    """A slot falls while an emergency plays and the database is locked: the slot's play
    starts as soon as the emergency's sound ends, not once its log is written."""
    svc, clock = service(home, player=Interruptible())
    svc.player.gate.clear()
    mp3 = publish(svc.settings, "sang", T0.date(), [])
    urgent = publish(svc.settings, "khan-cap", T0.date(), [], station="xa-a")
    req = alerts.submit(home, {"bulletins": [{
        "station": "xa-a", "slot": "khan-cap", "mp3": str(urgent), "items": [],
        "engine": "espeak:vi", "duration_s": 2, "requested_at": T0.isoformat()}]})
    svc._poll_alerts()
    assert svc.player.started.wait(8)
    _wait(lambda: [e.outcome for e in rows(home)] == ["playing"], 10, "its row")
    svc.player.started.clear()
    busy = Busy(home / DB)
    t = threading.Thread(target=svc.play_slot, args=("xa-a", "sang", T0))
    try:
        t.start()  # waits for the station's sound
        time.sleep(0.3)
        assert svc.player.played == [urgent]
        svc.player.gate.set()  # the emergency ends
        assert svc.player.started.wait(8)  # its log waits on the lock (10 s); the slot not
        assert svc.player.played == [urgent, mp3]
    finally:
        busy.release()
    t.join(30)
    _wait(lambda: req.with_suffix(".done").exists(), 30, "the alert's result")
    got = sorted((e.slot, e.outcome) for e in rows(home))
    assert got == [("khan-cap", "emergency"), ("sang", "aired")]


@pytest.mark.parametrize("alive_s, outcome", [(95, "aired"), (10, "failed")])
def test_a_player_that_died_with_the_scheduler_is_judged_by_the_heartbeat(home, alive_s,
                                                                           outcome):
    svc, clock = service(home)
    mp3 = publish(svc.settings, "sang", T0.date(), [1], seconds=1)
    BroadcastLogBook(svc.settings).add(
        station="xa-a", slot="sang", outcome="playing", scheduled_at=T0, started_at=T0,
        file=str(mp3), items=[1])
    # no player record: the built-in player lives in the scheduler and died with it, so
    # the last heartbeat says how far it got (the MP3 is 1 s long)
    clock.set(T0 + timedelta(minutes=30))
    restarted = Service(svc.settings, player=Recording(), clock=clock)
    restarted.recover_interrupted(T0 + timedelta(seconds=alive_s / 100))
    [row] = rows(home)
    assert row.outcome == outcome, row.error
    assert ("interrupted by restart" in row.error) == (outcome == "aired")


@pytest.mark.slow
def test_an_emergency_interrupts_a_play_then_airs(home, warm_cache):
    """`raise_alert` (what `bulletins alert` runs) hands the emergency to the running service,
    which stops the current play (logged failed) and airs the emergency at once."""
    from bulletins.schedule.alerts import raise_alert

    svc, clock = service(home, slots=("long",), player="command")
    publish(svc.settings, "long", T0.date(), [1, 2])
    write_heartbeat(home, datetime.now().astimezone(), datetime.now().astimezone())
    stop = threading.Event()

    def main_loop() -> None:  # what Service.run does between heartbeats
        while not stop.wait(0.1):
            svc._poll_alerts()

    loop = threading.Thread(target=main_loop)
    loop.start()
    play = threading.Thread(target=svc.play_slot, args=("xa-a", "long", T0))
    play.start()
    try:
        deadline = time.monotonic() + 10
        while ("start", "long.mp3") not in _plays(home) and time.monotonic() < deadline:
            time.sleep(0.05)
        results = raise_alert(svc.settings, "Bão số 9",
                              "Bà con khẩn trương chằng chống nhà cửa, không ra khơi.",
                              echo=lambda _m: None)
        play.join(10)
    finally:
        stop.set()
        loop.join(5)
    assert [r["outcome"] for r in results] == ["emergency"]
    got = {e.outcome: e for e in rows(home)}
    assert set(got) == {"failed", "emergency"}
    assert got["failed"].slot == "long" and "khẩn cấp" in got["failed"].error
    kinds = _plays(home)
    assert kinds[0] == ("start", "long.mp3") and ("end", "long.mp3") not in kinds
    assert [k for k, n in kinds if n.startswith("khan-cap")] == ["start", "end"]
    urgent = [i for i in NewsQueue(svc.settings).list() if i.priority == "urgent"]
    assert urgent and urgent[0].air_count == 1


# --- a joined station machine plays its own slots -------------------------------------------
def test_server_scheduler_leaves_a_joined_station_to_its_machine(home):
    """With a live station token the station's machine plays and reports the slot: the
    server's scheduler neither plays it nor marks its items aired (building is not airing)."""
    from bulletins.station.server import create_token, revoke_tokens

    svc, clock = service(home)
    items = [i.id for i in NewsQueue(svc.settings).list()]
    mp3 = publish(svc.settings, "sang", T0.date(), items)
    create_token(svc.settings, "xa-a")
    svc.play_slot("xa-a", "sang", T0)
    assert svc.player.played == [] and rows(home) == []
    assert all(i.status == "queued" and i.air_count == 0 for i in NewsQueue(svc.settings).list())
    revoke_tokens(svc.settings, "xa-a")  # no machine any more: the server plays it again
    svc.play_slot("xa-a", "sang", T0)
    assert svc.player.played == [mp3] and [e.outcome for e in rows(home)] == ["aired"]
