"""Shared fixtures: every test gets its own home folder; nothing touches the user's."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bulletins.config import Settings, load_settings

# Several worker processes, longest files first (see tests/parallel.py).
pytest_plugins = ["tests.parallel"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BULLETINS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HOME", str(tmp_path / "userhome"))


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """The product must work offline: any attempt to reach a non-local host fails the test."""
    real = socket.socket.connect

    def guarded(self, address):  # noqa: ANN001, ANN202
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in ("::1", "localhost") or "/" in host
        ):
            raise OSError(f"test tried to reach the network: {address!r}")
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir(exist_ok=True)
    return h


@pytest.fixture
def settings(home: Path) -> Settings:
    return load_settings(home)


def write_config(home: Path, text: str) -> Settings:
    (home / "bulletins.toml").write_text(text, encoding="utf-8")
    return load_settings(home)
