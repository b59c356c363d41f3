"""Shared fixtures for the synth tests: isolated home folders and no real network."""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from bulletins.config import DEFAULT_STATION, Settings, Station

_real_connect = socket.socket.connect


def _local_only(sock: socket.socket, address: object) -> object:
    host = address[0] if isinstance(address, tuple) else address
    if sock.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
        return _real_connect(sock, address)
    raise OSError(f"test tried to reach the network: {address!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that is not to this machine; gTTS is faked at the HTTP level."""
    monkeypatch.setattr(socket.socket, "connect", _local_only)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy",
                "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path)


@pytest.fixture
def station() -> Station:
    return DEFAULT_STATION


@pytest.fixture
def configure(settings: Settings) -> Callable[..., Settings]:
    """configure(espeak_voice="vi-VN-x-south", ...) -> settings with those [engines] keys."""

    def make(**engine_keys: object) -> Settings:
        return replace(settings, engines=replace(settings.engines, **engine_keys))

    return make


@pytest.fixture(scope="session")
def _espeak_calibration(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from bulletins.synth import Speaker

    home = tmp_path_factory.mktemp("calibrated")
    Speaker(Settings(home=home), DEFAULT_STATION, engine="espeak").rate_model()
    return (home / "cache" / "calibration.json").read_bytes()


@pytest.fixture
def calibrated(settings: Settings, _espeak_calibration: bytes) -> Settings:
    """`settings` whose cache already holds the default espeak voice's calibration
    (measured once per session), for tests that need estimates but not calibration."""
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    (settings.cache_dir / "calibration.json").write_bytes(_espeak_calibration)
    return settings
