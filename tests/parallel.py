"""How the suite runs on several cores (pytest-xdist), imported by tests/conftest.py.

`pytest` alone runs `-n auto --dist loadfile` (pyproject addopts): each test file goes whole
to one worker process, so module- and session-scoped fixtures (a Chromium, the scheduler
scenarios run at once, PostgreSQL/Redis servers) are set up once per file or worker, never
shared between processes. Every test uses its own temporary folders and free ports.

Files are handed out longest first (longest-processing-time scheduling), from the per-file
times of the last run kept in pytest's cache (in a fresh checkout, tests/file_seconds.json); a
file without a time yet counts as long when it holds `realclock` tests (a minute or more of
waiting for real-clock slots), as medium when it holds `slow` ones. So no minute-long
real-clock test starts last and leaves a core idle.

A run of named files or tests (`pytest tests/test_cli.py`) stays in one process; `pytest -n 0`
or `pytest -p no:xdist` runs anything in one process, in file order.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

CACHE_KEY = "bulletins/seconds-per-file"
MAX_AUTO_WORKERS = 3
GUESS_REALCLOCK_S, GUESS_SLOW_S = 90.0, 15.0  # for files the cache has no time for yet
# Per-file seconds of one serial run, for a fresh checkout (CI) that has no cache yet;
# refresh it from .pytest_cache/v/bulletins/seconds-per-file after a full run if you like.
SEED = Path(__file__).with_name("file_seconds.json")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):
        return
    # `-p no:xdist`: accept (and ignore) the xdist options that addopts pass.
    group = parser.getgroup("xdist", "xdist disabled (-p no:xdist): tests run in one process")
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None,  # noqa: SLF001
                     help="ignored without pytest-xdist")
    group.addoption("--dist", dest="dist", default="no", help="ignored without pytest-xdist")
    group.addoption("--no-loadscope-reorder", dest="loadscopereorder", action="store_false",
                    default=True, help="ignored without pytest-xdist")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """One worker per core, plus one while there are few cores: the long end-to-end tests
    mostly wait for real-clock slots, and a third worker uses that idle core time.
    Capped so that a large machine does not slow those real-clock tests down.
    PYTEST_XDIST_AUTO_NUM_WORKERS overrides it, as in pytest-xdist."""
    env = os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS")
    if env and env.isdigit():
        return int(env)
    if not any(Path(arg.split("::", 1)[0]).is_dir() for arg in config.args):
        return 0  # named files or tests only: starting workers would cost more than it saves
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min((cores or 1) + 1, MAX_AUTO_WORKERS))


def _file(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def _numbers(stored: object) -> dict[str, float]:
    if not isinstance(stored, dict):
        return {}  # a damaged cache or seed only costs the ordering
    return {f: s for f, s in stored.items() if isinstance(s, int | float)}


def _stored(config: pytest.Config) -> dict[str, float]:
    cache = getattr(config, "cache", None)  # absent with -p no:cacheprovider
    return _numbers(cache.get(CACHE_KEY, {}) if cache else {})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return  # one process: keep pytest's file order
    seconds = _stored(config)
    try:
        seed = _numbers(json.loads(SEED.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        seed = {}
    first: dict[str, int] = {}
    slow: set[str] = set()
    realclock: set[str] = set()
    for n, item in enumerate(items):
        f = _file(item.nodeid)
        first.setdefault(f, n)
        if item.get_closest_marker("realclock"):
            realclock.add(f)
        if item.get_closest_marker("slow"):
            slow.add(f)

    def weight(f: str) -> tuple[float, int]:
        # Same order in every worker (xdist checks). A file not timed yet (new, or no cache)
        # is guessed from its marks, so a new minute-long test still starts early.
        guess = GUESS_REALCLOCK_S if f in realclock else GUESS_SLOW_S if f in slow else 0.0
        return (-seconds.get(f, seed.get(f, guess)), first[f])

    items.sort(key=lambda item: weight(_file(item.nodeid)))


class _FileTimes:
    """Adds up each file's setup, call and teardown seconds (in the controller, which gets
    every worker's reports) and stores them for the next run's ordering."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.seconds[_file(report.nodeid)] += report.duration


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER") is None and getattr(config, "cache", None):
        config.pluginmanager.register(_FileTimes(), "bulletins-file-times")


def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    times = config.pluginmanager.get_plugin("bulletins-file-times")
    if times is None or not times.seconds:
        return
    # Merge: a partial run (one folder, -k) keeps the other files' earlier figures.
    stored = _stored(config)
    stored.update({f: round(s, 2) for f, s in times.seconds.items()})
    config.cache.set(CACHE_KEY, stored)
