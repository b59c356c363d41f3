"""Scheduler test fixtures."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schedule_harness


@pytest.fixture(scope="session")
def warm_cache() -> Iterator[Path]:
    """A home built once, whose cache (espeak calibration, spoken test sentences) new homes
    start from. Its own temp folder: pytest's numbered ones may be pruned by other runs."""
    base = Path(tempfile.mkdtemp(prefix="bulletins-schedule-warm-"))
    schedule_harness.warm_up(base / "template")
    yield base / "template" / "cache"
    schedule_harness.WARM_CACHE.clear()
    shutil.rmtree(base, ignore_errors=True)
