"""One scheduler per deployment; it enqueues builds for the workers and never builds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from province_harness import Workers, province_config, wait_until
from sqlalchemy import select

from bulletins.db import session_factory
from bulletins.news import NewsQueue
from bulletins.province import jobs
from bulletins.province.tables import BuildJob

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def _scheduler(home: Path, log_name: str) -> subprocess.Popen:
    env = dict(os.environ, BULLETINS_HOME=str(home), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, str(ROOT / "scheduler.py"), "-v"], env=env,
                            stdout=open(home / log_name, "wb"),  # noqa: SIM115
                            stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_second_scheduler_refused_and_first_enqueues_for_workers(
        tmp_path: Path, pg_url: str, redis_url: str) -> None:
    slot = datetime.now().replace(microsecond=0) + timedelta(seconds=40)
    home_a, home_b = tmp_path / "server-a", tmp_path / "server-b"  # two "machines"
    settings = province_config(home_a, pg_url, redis_url, stations=3,
                               slot_time=slot.strftime("%H:%M:%S"))
    text = (home_a / "bulletins.toml").read_text(encoding="utf-8")
    text = text.replace('[playback]\nplayer = "command"',
                        '[playback]\nplayer = "command"\nlead_minutes = 0.4\ngrace_minutes = 0.5')
    (home_a / "bulletins.toml").write_text(text, encoding="utf-8")
    home_b.mkdir()
    (home_b / "bulletins.toml").write_text(text, encoding="utf-8")
    NewsQueue(settings).add({"title": "Họp dân", "body": "Thôn 2 họp dân lúc 19 giờ tối nay."})

    first = _scheduler(home_a, "sched.log")
    workers = Workers(home_a)
    try:
        wait_until(lambda: "scheduler running" in (home_a / "sched.log").read_text(), 60,
                   "first scheduler up")
        second = _scheduler(home_b, "sched.log")
        assert second.wait(timeout=60) == 1
        out = (home_b / "sched.log").read_text()
        assert "Đã có một bộ lập lịch khác đang chạy" in out, out
        assert first.poll() is None

        # lead 24 s: the scheduler enqueues three jobs about 16 s from now, builds nothing
        def queued() -> list[BuildJob]:
            with session_factory(settings.db_url)() as s:
                return list(s.scalars(select(BuildJob)))

        rows = wait_until(lambda: len(queued()) == 3 and queued(), 60, "three jobs enqueued")
        assert {r.station for r in rows} == {"xa-00", "xa-01", "xa-02"}
        assert all(r.requested_by == "scheduler" and r.day == slot.date() for r in rows)
        assert not (home_a / "audio_out").exists() or not list(
            (home_a / "audio_out").rglob("*.mp3")), "the scheduler built nothing itself"
        workers.start(processes=1)
        wait_until(lambda: all(r.status == "done" for r in queued()), 120, "workers built")
        pid = f":{workers.procs[0].pid}#0"
        assert all(jobs.get_job(settings, r.id).worker.endswith(pid) for r in rows)
    finally:
        workers.stop()
        _stop(first)


def test_scheduled_slot_built_by_workers_airs_on_time_without_rebuild(
        tmp_path: Path, pg_url: str, redis_url: str) -> None:
    """Lead time → enqueue → two workers build → at slot time twelve stations start playing
    at once (each play holds its thread for the bulletin's length: with fewer threads than
    stations the last ones would start late): all logged aired, one job and build each."""
    from bulletins.db import BroadcastLog

    home = tmp_path / "server"
    n = 12
    slot = datetime.now().replace(microsecond=0) + timedelta(seconds=60)
    settings = province_config(home, pg_url, redis_url, stations=n,
                               slot_time=slot.strftime("%H:%M:%S"))
    text = (home / "bulletins.toml").read_text(encoding="utf-8")
    text = text.replace(
        '[playback]\nplayer = "command"\ncommand = "true {file}"',
        '[playback]\nplayer = "command"\ncommand = "sh -c \'sleep 6\' {file}"\n'
        'lead_minutes = 0.75\ngrace_minutes = 1')
    assert "sleep 6" in text
    (home / "bulletins.toml").write_text(text, encoding="utf-8")
    NewsQueue(settings).add({"title": "Họp dân", "body": "Thôn 2 họp dân lúc 19 giờ tối nay."})
    workers = Workers(home)
    workers.start(processes=2)
    sched = _scheduler(home, "sched.log")
    try:
        def log_rows() -> list[BroadcastLog]:
            with session_factory(settings.db_url)() as s:
                return list(s.scalars(select(BroadcastLog).where(
                    BroadcastLog.outcome.in_(("aired", "late", "failed", "missed")))))

        rows = wait_until(lambda: len(log_rows()) == n and log_rows(), 180, "plays logged")
        assert {r.station for r in rows} == {f"xa-{i:02d}" for i in range(n)}
        assert [(r.outcome, r.error) for r in rows] == [("aired", "")] * n, \
            (home / "sched.log").read_text()
        with session_factory(settings.db_url)() as s:
            built = list(s.scalars(select(BuildJob)))
        assert len(built) == n and all(j.status == "done" and j.builds == 1 for j in built)
    finally:
        _stop(sched)
        workers.stop()


def test_play_waits_for_its_queued_job_instead_of_enqueueing_again(
        tmp_path: Path, pg_url: str, redis_url: str) -> None:
    """Workers come up only after slot time: each play waits for the job the scheduler
    enqueued (within grace) and airs it late; it does not enqueue a second job nor call it
    a rebuild at play time."""
    from bulletins.db import BroadcastLog

    home = tmp_path / "server"
    slot = datetime.now().replace(microsecond=0) + timedelta(seconds=30)
    settings = province_config(home, pg_url, redis_url, stations=2,
                               slot_time=slot.strftime("%H:%M:%S"))
    text = (home / "bulletins.toml").read_text(encoding="utf-8")
    (home / "bulletins.toml").write_text(text.replace(
        '[playback]\nplayer = "command"',
        '[playback]\nplayer = "command"\nlead_minutes = 0.3\ngrace_minutes = 1.5'),
        encoding="utf-8")
    NewsQueue(settings).add({"title": "Họp dân", "body": "Thôn 2 họp dân lúc 19 giờ tối nay."})
    workers = Workers(home)
    sched = _scheduler(home, "sched.log")
    try:
        wait_until(lambda: datetime.now() > slot + timedelta(seconds=4), 60, "slot time")
        with session_factory(settings.db_url)() as s:
            assert all(j.status == "queued" for j in s.scalars(select(BuildJob)))
        workers.start(processes=1)

        def log_rows() -> list[BroadcastLog]:
            with session_factory(settings.db_url)() as s:
                return list(s.scalars(select(BroadcastLog).where(
                    BroadcastLog.outcome.in_(("aired", "late", "failed", "missed")))))

        rows = wait_until(lambda: len(log_rows()) == 2 and log_rows(), 120, "two plays logged")
        assert [(r.outcome, r.error) for r in rows] == [("late", "")] * 2, \
            (home / "sched.log").read_text()
        with session_factory(settings.db_url)() as s:
            built = list(s.scalars(select(BuildJob)))
        assert len(built) == 2 and all(j.builds == 1 for j in built)
    finally:
        _stop(sched)
        workers.stop()
