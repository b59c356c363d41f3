"""Locks that hold across processes and machines of one deployment.

- `slot_guard(settings, station, day, slot)`: one build of a slot at a time. On PostgreSQL a
  session-level advisory lock on its own connection (the server drops it when the process
  dies, even on SIGKILL, because its connection closes); on SQLite a file lock in
  <home>/run/locks (one machine only, like SQLite itself). It guards the whole job (its
  status checks and the build); the build inside also takes `locks.slot_lock`, on another
  key and file, which is what CLI and web builds of the same slot wait for.
- `DeploymentLock`: exactly one scheduler per database. PostgreSQL advisory lock held for
  the scheduler's lifetime, so a second scheduler on any machine refuses at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import text

from ..config import Settings
from ..db import get_engine
from ..errors import ScheduleError

SCHEDULER_LOCK_NAME = "bulletins:scheduler"


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock (Python's hash() is per-process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def is_postgres(settings: Settings) -> bool:
    return settings.db_url.startswith("postgresql")


@contextmanager
def slot_guard(settings: Settings, station_id: str, day: date, slot_name: str,
               timeout_s: float | None = None) -> Iterator[None]:
    name = f"slot:{station_id}:{day.isoformat()}:{slot_name}"
    if is_postgres(settings):
        engine = get_engine(settings.db_url)
        with engine.connect() as conn:
            key = lock_key(name)
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            conn.commit()  # the lock is the session's, not the transaction's
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                conn.commit()
        return
    from filelock import FileLock

    folder = settings.home / "run" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    # ".guard", not ".lock": the build inside takes locks.slot_lock on the ".lock" file, and
    # two flocks on one file in one process would wait for each other forever.
    with FileLock(str(folder / f"{station_id}_{day.isoformat()}_{slot_name}.guard"),
                  timeout=-1 if timeout_s is None else timeout_s):
        yield


class DeploymentLock:
    """One scheduler per deployment database (PostgreSQL); a no-op on SQLite, where the
    home folder's file lock already says the same thing."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._conn = None

    def acquire(self) -> None:
        if not is_postgres(self.settings):
            return
        conn = get_engine(self.settings.db_url).connect()
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                           {"k": lock_key(SCHEDULER_LOCK_NAME)}).scalar()
        conn.commit()
        if not got:
            holder = conn.execute(text(
                "SELECT a.client_addr, a.pid FROM pg_locks l JOIN pg_stat_activity a "
                "ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                "AND l.objid = (:k & 4294967295) LIMIT 1"),
                {"k": lock_key(SCHEDULER_LOCK_NAME)}).first()
            conn.close()
            where = f" (máy {holder[0] or 'này'}, tiến trình máy chủ CSDL {holder[1]})" \
                if holder else ""
            raise ScheduleError(
                f"Đã có một bộ lập lịch khác đang chạy cho cơ sở dữ liệu này{where}.",
                "Mỗi hệ thống tỉnh chỉ chạy một bộ lập lịch. Dừng bộ kia trước.",
            )
        self._conn = conn

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"),
                                   {"k": lock_key(SCHEDULER_LOCK_NAME)})
                self._conn.commit()
            finally:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> DeploymentLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
