"""Province fixtures: real PostgreSQL and Redis servers (see servers.py), a fresh database
and Redis db per test, and real `bulletins worker` processes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import servers
from province_harness import Workers

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


@pytest.fixture
def workers(home: Path) -> Iterator[Workers]:
    w = Workers(home)
    yield w
    w.stop()
