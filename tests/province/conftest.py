"""Province fixtures: real PostgreSQL and Redis servers (see servers.py), a fresh database
and Redis db per test, and real `bulletins worker` processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers

from bulletins.config import Settings, load_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _need(what: str, exc: Exception) -> None:
    if IN_CI:
        pytest.fail(f"{what} is required in CI: {exc}")
    pytest.skip(f"{what} not available: {exc}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    url = os.environ.get("BULLETINS_TEST_PG_URL")
    if url:
        yield url
        return
    try:
        server = servers.start_postgres()
    except Exception as exc:  # noqa: BLE001
        _need("PostgreSQL", exc)
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[str]:
    url = os.environ.get("BULLETINS_TEST_REDIS_URL")
    if url:
        yield url
        return
    try:
        server = servers.start_redis()
    except Exception as exc:  # noqa: BLE001
        _need("redis-server", exc)
    yield server.url
    server.stop()


@pytest.fixture
def pg_url(pg_server: str) -> str:
    return servers.create_database(pg_server, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def redis_url(redis_server: str) -> str:
    import redis

    client = redis.Redis.from_url(redis_server)
    client.flushall()
    client.close()
    return redis_server


def province_config(home: Path, pg_url: str, redis_url: str, stations: int = 1,
                    slot_time: str = "05:30", length_s: int = 60, extra: str = "") -> Settings:
    lines = [f'database_url = "{pg_url}"', "",
             "[workers]", f'broker_url = "{redis_url}"', "heartbeat_timeout_s = 3",
             "max_retries = 2", "", "[playback]", 'player = "null"', ""]
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


@pytest.fixture
def workers(home: Path) -> Iterator[Workers]:
    w = Workers(home)
    yield w
    w.stop()


def wait_until(cond, timeout: float, what: str, interval: float = 0.3):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
