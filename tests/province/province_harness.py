"""Province test helpers (a uniquely named module: `conftest` is ambiguous across folders,
also in the processes that multiprocessing spawns)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bulletins.config import Settings, load_settings


def province_config(home: Path, pg_url: str, redis_url: str, stations: int = 1,
                    slot_time: str = "05:30", length_s: int = 60, extra: str = "") -> Settings:
    lines = [f'database_url = "{pg_url}"', "",
             "[workers]", f'broker_url = "{redis_url}"', "heartbeat_timeout_s = 3",
             "max_retries = 2", "", "[playback]", 'player = "command"',
             'command = "true {file}"', ""]  # building, even publishing, is not airing
    for i in range(stations):
        lines += ["[[stations]]", f'id = "xa-{i:02d}"', f'name = "Đài truyền thanh xã số {i}"',
                  "[[stations.slots]]", 'name = "sang"', f'time = "{slot_time}"',
                  f"length_s = {length_s}", ""]
    home.mkdir(parents=True, exist_ok=True)
    (home / "bulletins.toml").write_text("\n".join(lines) + extra, encoding="utf-8")
    return load_settings(home)


class Workers:
    """Real `bulletins worker` processes for a home folder."""

    def __init__(self, home: Path):
        self.home = home
        self.procs: list[subprocess.Popen] = []

    def start(self, processes: int = 1, threads: int = 1) -> subprocess.Popen:
        log = open(self.home / f"worker-{len(self.procs)}.log", "wb")  # noqa: SIM115
        env = dict(os.environ, BULLETINS_HOME=str(self.home), PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bulletins", "worker", "--processes", str(processes),
             "--threads", str(threads)], env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()

    def logs(self) -> str:
        return "\n".join(f.read_text(errors="replace")
                         for f in sorted(self.home.glob("worker-*.log")))


def wait_until(cond, timeout: float, what: str, interval: float = 0.3):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
