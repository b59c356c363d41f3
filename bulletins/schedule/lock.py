"""One scheduler per home folder.

`HomeLock` holds an OS lock on `<home>/run/scheduler.lock` (filelock: fcntl.flock on Linux,
msvcrt.locking on Windows). The OS drops the lock when the process dies, even on kill -9 or
a power cut, so a crash never blocks the next start; a second scheduler refuses at once.

The running scheduler also writes `<home>/run/heartbeat.json` every few seconds: when this
run started and when it was last alive. The next start reads it to find the slots that
fell while nobody was running (see service.py), and `bulletins alert` reads it to know
whether to hand an emergency to a running scheduler.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import ScheduleError


def run_dir(home: Path) -> Path:
    d = home / "run"
    d.mkdir(parents=True, exist_ok=True)
    return d


class HomeLock:
    def __init__(self, home: Path):
        self.home = home
        self.path = run_dir(home) / "scheduler.lock"
        self._lock = FileLock(str(self.path), timeout=0)

    def acquire(self) -> None:
        try:
            self._lock.acquire(timeout=0)
        except Timeout as exc:
            pid = ""
            try:
                pid = (run_dir(self.home) / "scheduler.pid").read_text().strip()
            except OSError:
                pass
            raise ScheduleError(
                f"Bộ lập lịch đang chạy cho thư mục này ({self.home}"
                + (f", tiến trình {pid}" if pid else "") + ").",
                "Mỗi thư mục chỉ chạy một bộ lập lịch. Dừng bộ kia trước, hoặc dùng --home khác.",
            ) from exc
        (run_dir(self.home) / "scheduler.pid").write_text(str(os.getpid()))

    def release(self) -> None:
        if self._lock.is_locked:
            (run_dir(self.home) / "scheduler.pid").unlink(missing_ok=True)
            self._lock.release(force=True)

    def __enter__(self) -> HomeLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def write_heartbeat(home: Path, run_started: datetime, alive: datetime) -> None:
    path = run_dir(home) / "heartbeat.json"
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"run_started": run_started.isoformat(),
                               "alive": alive.isoformat(), "pid": os.getpid()}))
    os.replace(tmp, path)


def read_heartbeat(home: Path) -> dict | None:
    """{"run_started": datetime, "alive": datetime, "pid": int} or None (missing or unreadable;
    `heartbeat_status` tells the two apart)."""
    return heartbeat_status(home)[1]


def heartbeat_status(home: Path) -> tuple[str, dict | None, datetime | None]:
    """("missing" | "ok" | "unreadable", the heartbeat, the file's modification time).

    A missing file may be a first start; an unreadable one (cut short by a power failure,
    a full disk) never is: the caller then falls back to the file's time to find the outage."""
    path = home / "run" / "heartbeat.json"
    try:
        raw = path.read_bytes()
        mtime = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except FileNotFoundError:
        return "missing", None, None
    except OSError:
        return "unreadable", None, None
    try:
        data = json.loads(raw.decode("utf-8"))
        hb = {"run_started": datetime.fromisoformat(data["run_started"]),
              "alive": datetime.fromisoformat(data["alive"]), "pid": data.get("pid")}
        if hb["alive"].tzinfo is None or hb["run_started"].tzinfo is None:
            raise ValueError("naive time")
        return "ok", hb, mtime
    except (ValueError, KeyError, TypeError, AttributeError):
        return "unreadable", None, mtime
