"""One build per (station, day, slot) at a time, across processes.

The CLI, every web worker and the scheduler build through `pipeline.build_bulletin`, which
holds `slot_lock` for the whole build. On a SQLite home the lock is an OS file lock
(filelock: fcntl.flock / msvcrt.locking) on `<home>/run/locks/<station>_<day>_<slot>.lock`;
the OS drops it when the process dies, even on kill -9. On PostgreSQL, where workers may run
on several machines, it is a session-level `pg_advisory_lock` on a key derived from the
slot, held by one dedicated connection.

A second build waits at most `wait` seconds, then is refused with `BuildBusyError`. It
logs (INFO, `bulletins -v` shows it) when it starts waiting, so an operator sees why a build
seems to stand still.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from .config import Settings
from .errors import BulletinError

POLL_S = 0.2
log = logging.getLogger("bulletins.locks")


class BuildBusyError(BulletinError):
    """Another build of the same slot is running (in this or another process)."""


@dataclass
class Held:
    """Yielded by slot_lock: whether we had to wait for another build to finish."""

    waited: bool


def _waiting(name: str, wait: float) -> None:
    log.info("another build of %s is running: waiting for it (at most %.0f s)", name, wait)


def _busy(station_id: str, day: date, slot_name: str) -> BuildBusyError:
    return BuildBusyError(
        f"Bản tin {slot_name} ngày {day:%d/%m/%Y} của đài {station_id} đang được dựng ở "
        "nơi khác (trang web, dòng lệnh hoặc bộ lập lịch).",
        "Hãy đợi vài phút rồi thử lại; không cần dựng hai lần.",
    )


def lock_key(station_id: str, day: date, slot_name: str) -> int:
    """A signed 64-bit key for pg_advisory_lock, stable across processes and machines."""
    digest = hashlib.sha256(f"bulletins:{station_id}:{day.isoformat()}:{slot_name}".encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


@contextmanager
def slot_lock(settings: Settings, station_id: str, day: date, slot_name: str,
              wait: float = 300.0) -> Iterator[Held]:
    """Hold the build lock of one slot; raise BuildBusyError after `wait` seconds."""
    from .db import get_engine

    engine = get_engine(settings.db_url)
    name = f"{station_id}/{day.isoformat()}/{slot_name}"
    if engine.dialect.name == "postgresql":
        with _pg_lock(engine, lock_key(station_id, day, slot_name), wait, name) as held:
            if held is None:
                raise _busy(station_id, day, slot_name)
            yield held
        return
    with _file_lock(settings, station_id, day, slot_name, wait, name) as held:
        if held is None:
            raise _busy(station_id, day, slot_name)
        yield held


@contextmanager
def _file_lock(settings: Settings, station_id: str, day: date, slot_name: str,
               wait: float, name: str) -> Iterator[Held | None]:
    from filelock import FileLock, Timeout

    folder = settings.home / "run" / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / f"{station_id}_{day.isoformat()}_{slot_name}.lock"))
    waited = False
    try:
        lock.acquire(timeout=0)
    except Timeout:
        waited = True
        _waiting(name, wait)
        try:
            lock.acquire(timeout=max(wait, 0), poll_interval=POLL_S)
        except Timeout:
            yield None
            return
    try:
        yield Held(waited)
    finally:
        lock.release()


@contextmanager
def _pg_lock(engine, key: int, wait: float, name: str) -> Iterator[Held | None]:  # noqa: ANN001
    from sqlalchemy import text

    # The lock belongs to this connection's session: keep the connection for the whole build
    # and unlock on the same one. Autocommit, so no transaction stays open meanwhile.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        try_lock = text("SELECT pg_try_advisory_lock(:k)")
        deadline = time.monotonic() + max(wait, 0)
        waited = False
        while not conn.execute(try_lock, {"k": key}).scalar():
            if not waited:
                _waiting(name, wait)
            waited = True
            if time.monotonic() >= deadline:
                yield None
                return
            time.sleep(POLL_S)
        try:
            yield Held(waited)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
