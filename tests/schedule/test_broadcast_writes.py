"""Broadcast-log writes against a real SQLite file that another process holds locked: a row
says a bulletin aired, so a write waits out a lock longer than SQLite's busy timeout, and
writers queued on a lock never keep a reader (the web page, the scheduler's own checks)
waiting for a connection."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path

from schedule_harness import Busy

from bulletins import db
from bulletins.config import Settings
from bulletins.schedule.broadcast import BroadcastLogBook

T0 = datetime(2026, 12, 1, 5, 30)


def _db_file(settings: Settings) -> Path:
    BroadcastLogBook(settings).query()  # creates and migrates it
    return Path(settings.db_url.removeprefix("sqlite:///"))


def test_a_log_write_waits_out_a_lock_longer_than_the_busy_timeout(settings, monkeypatch):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)  # read when a connection opens
    book = BroadcastLogBook(settings)
    holder = Busy(_db_file(settings))
    threading.Timer(0.8, holder.release).start()  # 16 busy timeouts
    row = book.add(station="xa-a", slot="sang", outcome="playing", scheduled_at=T0,
                   started_at=T0, error="phát lại bản tin cũ")
    holder = Busy(_db_file(settings))
    threading.Timer(0.8, holder.release).start()
    book.finish(row, "aired", T0, "loa rè")
    [e] = book.query()
    assert (e.id, e.outcome, e.finished_at) == (row, "aired", T0)
    assert e.error == "phát lại bản tin cũ; loa rè"  # the note kept, the play's error added


def test_finish_without_an_error_keeps_the_note_and_with_one_on_an_empty_note(settings):
    book = BroadcastLogBook(settings)
    a = book.add(station="xa-a", slot="sang", outcome="playing", error="ghi chú")
    b = book.add(station="xa-b", slot="sang", outcome="playing")
    book.finish(a, "aired", T0)
    book.finish(b, "failed", T0, "loa hỏng")
    got = {e.station: (e.outcome, e.error) for e in book.query()}
    assert got == {"xa-a": ("aired", "ghi chú"), "xa-b": ("failed", "loa hỏng")}


def test_writers_queued_on_a_lock_never_keep_a_reader_waiting(settings):
    """Twenty plays log at one minute while another process writes: each waits in SQLite's
    busy handler on its own connection. A capped pool (fifteen) let them hold every
    connection, and a reader waited for one until their busy timeout ran out."""
    writers = 20
    book = BroadcastLogBook(settings)
    holder = Busy(_db_file(settings))
    threads = [threading.Thread(target=book.add, kwargs=dict(
        station=f"xa-{i:02d}", slot="sang", outcome="aired", scheduled_at=T0))
        for i in range(writers)]
    for t in threads:
        t.start()
    time.sleep(0.5)  # they are all waiting on the lock
    read: list = []
    reader = threading.Thread(target=lambda: read.append(book.query()))
    reader.start()
    reader.join(8)  # the busy timeout is 10 s: a reader queued behind it would still wait
    try:
        assert not reader.is_alive() and read == [[]]
    finally:
        holder.release()
    for t in threads:
        t.join(20)
    assert sorted(e.station for e in book.query()) == [f"xa-{i:02d}" for i in range(writers)]
