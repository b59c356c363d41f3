"""Fixtures for the web tests: a fresh home folder, app and users per test."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bulletins.config import load_settings
from bulletins.web import create_app
from bulletins.web.security import add_user

PASSWORD = "mat-khau-123"
CONFIG = """
[[stations]]
id = "ia-hru"
name = "Đài truyền thanh xã Ia Hrú"
[[stations.slots]]
name = "sang"
time = "05:30"
length_s = 600
[[stations.slots]]
name = "chieu"
time = "17:00"
length_s = 600

[[stations]]
id = "chu-a-thai"
name = "Đài truyền thanh xã Chư A Thai"
feed_token = "bi-mat-42"
[[stations.slots]]
name = "sang"
time = "06:00"
length_s = 300

[web]
max_body_chars = 5000
max_upload_bytes = 200000
"""


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Cheap argon2 parameters in tests; production keeps argon2-cffi's defaults."""
    from argon2 import PasswordHasher

    from bulletins.web import security

    monkeypatch.setattr(security, "_hasher",
                        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "bulletins.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


@pytest.fixture
def settings(home: Path):
    return load_settings(home)


@pytest.fixture
def users(settings) -> dict[str, str]:
    for name, role in (("quan", "admin"), ("bien", "editor"), ("vanhanh", "operator")):
        add_user(settings, name, role, PASSWORD)
    return {"admin": "quan", "editor": "bien", "operator": "vanhanh"}


@pytest.fixture
def app(settings, users):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m, "page has no CSRF token"
    return m.group(1)


def login(client: TestClient, name: str, password: str = PASSWORD):
    page = client.get("/login")
    token = csrf_of(page.text)
    return client.post("/login", data={"name": name, "password": password, "csrf": token},
                       follow_redirects=False)


@pytest.fixture
def as_role(app, users):
    """as_role("editor") -> (client signed in as that role, its CSRF token)."""
    clients = []

    def make(role: str):
        c = TestClient(app, base_url="http://testserver")
        clients.append(c)
        if role != "anonymous":
            r = login(c, users[role])
            assert r.status_code == 303, r.text
        token = csrf_of(c.get("/login").text)
        return c, token

    yield make
    for c in clients:
        c.close()


def make_mp3(path: Path, seconds: float = 3.0) -> None:
    """A real MP3 (a quiet tone) made with the bundled ffmpeg."""
    import imageio_ffmpeg

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f",
         "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1", "-ar", "22050",
         "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
        check=True,
    )
    # Readers trust a bulletin only when its manifest's sha256 matches the MP3.
    import hashlib

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    path.with_suffix(".json").write_text(json.dumps({"sha256": digest}), "utf-8")


@pytest.fixture
def published(settings) -> Path:
    """A published bulletin: audio_out/ia-hru/2026-11-25/sang.mp3 + .json + .txt."""
    mp3 = settings.audio_out / "ia-hru" / "2026-11-25" / "sang.mp3"
    make_mp3(mp3)
    manifest = {
        "station": "ia-hru", "date": "2026-11-25", "slot": "sang", "slot_s": 600,
        "duration_s": 3.0, "engine": "espeak", "loudness_lufs": -16.0,
        "segments": [
            {"kind": "jingle", "item_id": None, "title": "", "start_s": 0.0, "end_s": 0.5,
             "text": ""},
            {"kind": "greeting", "item_id": None, "title": "", "start_s": 0.5, "end_s": 1.0,
             "text": "Đây là Đài truyền thanh xã Ia Hrú."},
            {"kind": "item", "item_id": 1, "title": "Lịch tiêm chủng", "start_s": 1.0,
             "end_s": 2.5, "text": "Lịch tiêm chủng tháng mười một."},
            {"kind": "jingle", "item_id": None, "title": "", "start_s": 2.5, "end_s": 3.0,
             "text": ""},
        ],
        "deferred": [2], "items": [1],
    }
    mp3.with_suffix(".json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    mp3.with_suffix(".txt").write_text("Đây là Đài truyền thanh xã Ia Hrú.\n", "utf-8")
    return mp3
