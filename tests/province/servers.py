"""Start throwaway PostgreSQL and Redis servers from the Debian binaries, on loopback, in
temporary folders; or use the ones named by BULLETINS_TEST_PG_URL / BULLETINS_TEST_REDIS_URL.

PostgreSQL refuses to run as root, so as root initdb and postgres run as the `postgres`
user (runuser). In CI (CI=true) a missing server is a failure, never a skip.
Usable as a script too: `python tests/province/servers.py` starts both and prints the URLs.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return cmd
    return ["runuser", "-u", "postgres", "--", *cmd]


@dataclass
class Server:
    url: str
    proc: subprocess.Popen | None
    folder: Path | None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_postgres() -> Server:
    """A fresh cluster; returns a postgresql+psycopg URL for the `bulletins` superuser."""
    binaries = _pg_bin()
    if binaries is None:
        raise RuntimeError("PostgreSQL is not installed (Debian package `postgresql`)")
    folder = Path(tempfile.mkdtemp(prefix="bulletins-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    subprocess.run(_as_pg_user([str(binaries / "initdb"), "-D", str(data), "-U", "bulletins",
                                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                   check=True, capture_output=True)
    port = free_port()
    proc = subprocess.Popen(
        _as_pg_user([str(binaries / "postgres"), "-D", str(data), "-p", str(port),
                     "-h", "127.0.0.1", "-k", str(folder), "-c", "fsync=off",
                     "-c", "synchronous_commit=off", "-c", "max_connections=200"]),
        stdout=subprocess.DEVNULL, stderr=open(folder / "postgres.log", "wb"))  # noqa: SIM115
    url = f"postgresql+psycopg://bulletins@127.0.0.1:{port}/postgres"
    _wait_port(port, proc, "PostgreSQL")
    deadline = time.monotonic() + 30
    import psycopg

    while True:
        try:
            psycopg.connect(f"postgresql://bulletins@127.0.0.1:{port}/postgres").close()
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return Server(url, proc, folder)


def start_redis() -> Server:
    exe = shutil.which("redis-server")
    if exe is None:
        raise RuntimeError("redis-server is not installed (Debian package `redis-server`)")
    folder = Path(tempfile.mkdtemp(prefix="bulletins-redis-"))
    port = free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_port(port, proc, "Redis")
    return Server(f"redis://127.0.0.1:{port}/0", proc, folder)


def _wait_port(port: int, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited at start ({proc.returncode})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not open port {port}")


def create_database(admin_url: str, name: str) -> str:
    """A new empty database on the server of `admin_url`; returns its SQLAlchemy URL."""
    import psycopg

    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


if __name__ == "__main__":  # pragma: no cover - manual use
    import signal

    def _interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the servers too
    pg, rd = start_postgres(), start_redis()
    print(f"BULLETINS_TEST_PG_URL={pg.url}\nBULLETINS_TEST_REDIS_URL={rd.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pg.stop()
        rd.stop()
