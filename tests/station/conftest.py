"""Station machine fixtures: a real server app on a loopback port, station homes, small MP3s."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

SCHEDULE_TESTS = Path(__file__).resolve().parents[1] / "schedule"
if str(SCHEDULE_TESTS) not in sys.path:  # reuse the scheduler tests' harness and fake player
    sys.path.insert(0, str(SCHEDULE_TESTS))


@pytest.fixture
def live_server(tmp_path: Path):
    """(settings, base URL) of a real uvicorn serving a two-station server home."""
    from bulletins.config import load_settings
    from tests.helpers import serving

    home = tmp_path / "server"
    home.mkdir()
    (home / "bulletins.toml").write_text(SERVER_CONFIG, encoding="utf-8")
    settings = load_settings(home)
    with serving(settings) as base:
        yield settings, base


SERVER_CONFIG = """
[playback]
player = "null"

[station]
silent_after_minutes = 5

[[stations]]
id = "xa-a"
name = "Đài xã A"
[[stations.slots]]
name = "sang"
time = "06:00"

[[stations]]
id = "xa-b"
name = "Đài xã B"
[[stations.slots]]
name = "sang"
time = "06:30"
"""
