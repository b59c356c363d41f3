"""The service in-process (no APScheduler running): what plays when the build is missing or
failed, never twice, missed after grace, the broadcast log CLI and the home lock."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from schedule_harness import SlotSpec, at, write_home

from bulletins.cli import Context, cli
from bulletins.config import load_settings
from bulletins.errors import ScheduleError
from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.pipeline import build_bulletin
from bulletins.schedule.broadcast import BroadcastLogBook
from bulletins.schedule.lock import HomeLock
from bulletins.schedule.players import NullPlayer, PlayError
from bulletins.schedule.service import Service


class RecordingPlayer:
    name = "recording"

    def __init__(self, fail: bool = False):
        self.played: list[Path] = []
        self.fail = fail

    def play(self, path: Path, timeout_s: float, cancel: threading.Event) -> None:
        self.played.append(path)
        if self.fail:
            raise PlayError("Loa hỏng.")


def _service(home: Path, on_missing: str = "build", player=None) -> tuple[Service, datetime]:
    when = at(3600)
    write_home(home, [SlotSpec("sang", when)], on_missing=on_missing, grace=5)
    fixed = datetime.now().astimezone().replace(microsecond=0)  # an injected, still clock
    svc = Service(load_settings(home), player=player or RecordingPlayer(), clock=lambda: fixed)
    return svc, when


def _rows(home: Path):
    return BroadcastLogBook(load_settings(home)).query()


@pytest.mark.slow
def test_missing_build_is_built_at_play_time_and_logged_late(home, warm_cache):
    svc, _ = _service(home)
    sched = svc.now().replace(microsecond=0)
    svc.play_slot("xa-a", "sang", sched)
    [row] = _rows(home)
    assert row.outcome == "late" and "dựng lại lúc phát" in row.error
    assert Path(row.file).name == "sang.mp3" and row.items
    assert all(i.status == "aired" for i in NewsQueue(load_settings(home)).list())


@pytest.mark.slow
def test_failed_build_plays_last_good_when_configured(home, warm_cache):
    svc, _ = _service(home, on_missing="last_good")
    yesterday = svc.now().date() - timedelta(days=1)
    old = build_bulletin(svc.settings, BuildRequest("xa-a", yesterday, "sang", mark_aired=False))
    sched = svc.now().replace(microsecond=0)
    svc.occurrences.get("xa-a", "sang", sched).move("build_failed", error="bộ đọc lỗi")
    svc.play_slot("xa-a", "sang", sched)
    [row] = _rows(home)
    assert row.outcome == "aired" and row.file == old.mp3_path
    assert "bộ đọc lỗi" in row.error and "bản tin cũ" in row.error
    assert svc.player.played == [Path(old.mp3_path)]


@pytest.mark.slow
def test_prebuilt_bulletin_plays_on_time_once(home, warm_cache):
    svc, _ = _service(home, player=NullPlayer())
    svc.build_slot("xa-a", "sang", svc.now())
    sched = svc.now().replace(microsecond=0)
    svc.play_slot("xa-a", "sang", sched)
    svc.play_slot("xa-a", "sang", sched)  # a second trigger for the same occurrence
    [row] = _rows(home)
    assert row.outcome == "aired" and row.error == "" and len(row.sha256) == 64
    assert row.engine.startswith("espeak")


def test_nothing_to_play_is_failed(home, monkeypatch):
    svc, _ = _service(home, on_missing="last_good")
    monkeypatch.setattr(svc, "_build", lambda *a: (_ for _ in ()).throw(RuntimeError("hỏng")))
    sched = svc.now().replace(microsecond=0)
    svc.play_slot("xa-a", "sang", sched)
    [row] = _rows(home)
    assert row.outcome == "failed"
    assert "không có bản tin cũ" in row.error and "hỏng" in row.error
    assert svc.player.played == []


def test_past_grace_is_missed(home):
    svc, _ = _service(home)
    svc.play_slot("xa-a", "sang", svc.now() - timedelta(minutes=6))
    [row] = _rows(home)
    assert row.outcome == "missed" and svc.player.played == []


def test_interrupted_rows_are_closed_on_start(home):
    settings = load_settings(write_home(home, [SlotSpec("sang", at(3600))]))
    book = BroadcastLogBook(settings)
    book.add(station="xa-a", slot="sang", outcome="playing", started_at=datetime.now())
    assert book.close_interrupted("dừng đột ngột") == 1
    assert [(e.outcome, e.error) for e in book.query()] == [("failed", "dừng đột ngột")]


def test_log_command_table_and_csv(home):
    settings = load_settings(write_home(home, [SlotSpec("sang", at(3600))], items=0))
    book = BroadcastLogBook(settings)
    now = datetime.now().replace(microsecond=0)
    book.add(station="xa-a", slot="sang", outcome="aired", scheduled_at=now, started_at=now,
             finished_at=now, file="/x/sang.mp3", sha256="ab" * 32, items=[1, 2],
             engine="espeak:vi")
    book.add(station="xa-a", slot="chieu", outcome="missed", scheduled_at=now - timedelta(days=30))
    r = CliRunner().invoke(cli, ["log", "--home", str(home)], obj=Context(None))
    assert r.exit_code == 0, r.output
    assert "Nhật ký phát" in r.output and "đã phát" in r.output and "Kết quả" in r.output
    assert "chieu" not in r.output  # older than the default week
    r = CliRunner().invoke(cli, ["log", "--csv", "--from", (now - timedelta(days=40)).strftime(
        "%d/%m/%Y"), "--home", str(home)], obj=Context(None))
    lines = r.output.splitlines()
    assert lines[0] == ("id,station,slot,scheduled_at,started_at,finished_at,file,sha256,items,"
                        "engine,outcome,error")
    assert [ln.split(",")[2] for ln in lines[1:]] == ["chieu", "sang"]
    assert lines[2].split(",")[8] == "1 2"


def test_home_lock_refuses_a_second_holder(home):
    first = HomeLock(home)
    first.acquire()
    try:
        with pytest.raises(ScheduleError, match="đang chạy"):
            HomeLock(home).acquire()
    finally:
        first.release()
    with HomeLock(home):
        pass


def test_build_on_a_busy_database_logs_the_operator_message(home, monkeypatch, caplog):
    """A build that meets a database held by another process says so in Vietnamese, without
    a traceback in the service log."""
    import logging

    from bulletins import db
    from tests.test_faults import locked

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    svc, when = _service(home)
    caplog.set_level(logging.INFO, "bulletins")
    with locked(home / "bulletins.sqlite3"):
        svc.build_slot("xa-a", "sang", when)
    occ = svc.occurrences.get("xa-a", "sang", when)
    assert occ.build_error.startswith("Cơ sở dữ liệu đang bận")
    [record] = [r for r in caplog.records if "failed" in r.getMessage()]
    assert "Cơ sở dữ liệu đang bận" in record.getMessage() and not record.exc_info
