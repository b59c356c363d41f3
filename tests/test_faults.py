"""Faults injected for real: a damaged speech-cache entry, a database held locked by another
process, a corrupt database file, a full disk. Each gets its clear answer, never a traceback."""

from __future__ import annotations

import html
import logging
import subprocess
import sys
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from bulletins import db
from bulletins.config import DEFAULT_STATION, Settings
from bulletins.synth import Speaker
from tests.helpers import rms_db
from tests.test_bad_input_cli import listed, run

SENTENCE = "Kính thưa bà con nhân dân trong xã."


def _entry(settings: Settings) -> Path:
    (path,) = sorted((settings.cache_dir / "speech").rglob("*.wav"))
    return path


def test_damaged_cache_entry_is_a_logged_miss_not_noise(tmp_path, caplog):
    settings = Settings(home=tmp_path)
    fresh = Speaker(settings, DEFAULT_STATION, engine="espeak").speak([SENTENCE]).clip.samples
    path = _entry(settings)
    # Same valid header, same length, garbage samples at full scale.
    data = bytearray(path.read_bytes())
    with wave.open(str(path), "rb") as wav:
        n = wav.getnframes()
    start = data.index(b"data") + 8
    noise = np.random.default_rng(1).integers(-32768, 32767, n, dtype="<i2").tobytes()
    data[start:start + len(noise)] = noise
    noise_clip = np.frombuffer(noise, dtype="<i2").astype(np.float64) / 32768
    path.write_bytes(bytes(data))
    with wave.open(str(path), "rb") as wav:  # still a well-formed WAV to any reader
        assert wav.getnframes() == n

    caplog.set_level(logging.WARNING, "bulletins.synth.cache")
    speaker = Speaker(settings, DEFAULT_STATION, engine="espeak")
    again = speaker.speak([SENTENCE]).clip.samples
    assert speaker.stats.cache_hits == 0 and speaker.stats.synthesized == 1
    # Speech again, not the full-scale noise (a re-synthesis may differ by a sample or two).
    assert abs(len(again) - len(fresh)) < len(fresh) // 100
    assert abs(rms_db(again) - rms_db(fresh)) < 1.0 and rms_db(again) < rms_db(noise_clip) - 6
    assert any("checksum" in r.getMessage() for r in caplog.records)
    # The miss rewrote the entry: the next speaker hits the cache again.
    third = Speaker(settings, DEFAULT_STATION, engine="espeak")
    assert np.array_equal(third.speak([SENTENCE]).clip.samples, again)
    assert third.stats.cache_hits == 1


def test_cache_entry_without_checksum_is_a_miss(tmp_path):
    settings = Settings(home=tmp_path)
    speaker = Speaker(settings, DEFAULT_STATION, engine="espeak")
    speaker.speak([SENTENCE])
    path = _entry(settings)
    with wave.open(str(path), "rb") as wav:  # an older entry: plain WAV, no checksum chunk
        params, frames = wav.getparams(), wav.readframes(wav.getnframes())
    with wave.open(str(path), "wb") as wav:
        wav.setparams(params)
        wav.writeframes(frames)
    again = Speaker(settings, DEFAULT_STATION, engine="espeak")
    again.speak([SENTENCE])
    assert again.stats.synthesized == 1


_LOCKER = """
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
con.execute("ROLLBACK")
"""


def test_database_held_locked_by_another_process(monkeypatch, tmp_path):
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    assert run(["news", "add", "--title", "Một", "--body", "Tin một."])[0] == 0
    with locked(tmp_path / "home" / "bulletins.sqlite3"):
        code, out, err = run(["news", "add", "--title", "Hai", "--body", "Tin hai."])
    assert code == 1
    assert "Traceback" not in out + err
    assert "Cơ sở dữ liệu đang bận" in err and "Gợi ý:" in err
    # Once the other process lets go, the same command works: nothing was half-written.
    assert run(["news", "add", "--title", "Hai", "--body", "Tin hai."])[0] == 0
    assert [i["title"] for i in listed()] == ["Một", "Hai"]


def test_corrupt_database_file_has_its_own_message(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "bulletins.sqlite3").write_bytes(b"this is not a database " * 200)
    code, out, err = run(["news", "list"])
    assert code == 1 and "Traceback" not in out + err
    assert "Tệp cơ sở dữ liệu bị hỏng" in err and "database_url" not in err


@pytest.fixture
def full_disk(tmp_path):
    """A real 1 MB file system (tmpfs; needs root, as in CI's container)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root); /dev/full test still runs")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
                fh.flush()
        except OSError:
            pass


def test_full_disk_says_o_dia_day_when_queueing(full_disk, monkeypatch):
    home = full_disk / "home"
    monkeypatch.setenv("BULLETINS_HOME", str(home))
    assert run(["news", "add", "--title", "Một", "--body", "Tin một."])[0] == 0
    _fill(full_disk)
    code, out, err = run(["news", "add", "--title", "Hai", "--body", "Tin hai " * 2000])
    assert code == 1 and "Traceback" not in out + err
    assert "Ổ đĩa đầy" in err and "database_url" not in err


@pytest.mark.slow
def test_full_disk_during_a_build_leaves_no_mp3(full_disk, monkeypatch):
    home = full_disk / "home"
    monkeypatch.setenv("BULLETINS_HOME", str(home))
    assert run(["news", "add", "--title", "Họp dân", "--body", "Tối nay họp dân."])[0] == 0
    _fill(full_disk)
    code, out, err = run(["build", "--length", "60", "--no-mark"])
    assert code == 1 and "Traceback" not in out + err
    assert "Ổ đĩa đầy" in err
    assert not list(home.rglob("*.mp3")) and not list(home.rglob("*.part"))


def test_ffmpeg_on_a_full_device_says_o_dia_day():
    """/dev/full answers every write with ENOSPC, root or not: ffmpeg's own error is mapped."""
    from bulletins.audio import run_ffmpeg
    from bulletins.errors import AudioError, explain

    with pytest.raises(AudioError) as info:
        run_ffmpeg(["-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono:d=2", "-c:a", "libmp3lame",
                    "-f", "mp3", "-y", "/dev/full"])
    fault = explain(info.value)
    assert fault is not None and fault.message.startswith("Ổ đĩa đầy")


@contextmanager
def locked(path: Path, script: str = _LOCKER) -> Iterator[None]:
    """`path` held locked by another process meanwhile (by default a database in an
    exclusive transaction; `script` prints "locked" once it holds its lock)."""
    locker = subprocess.Popen([sys.executable, "-c", script, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        yield
    finally:
        locker.communicate("", timeout=10)


@pytest.fixture
def signed_in(monkeypatch, tmp_path):
    """A web app on a fresh home with a short busy timeout, an editor signed in."""
    from fastapi.testclient import TestClient

    from bulletins.config import load_settings
    from bulletins.web import create_app
    from bulletins.web.security import add_user
    from tests.web.conftest import CONFIG, PASSWORD, login

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 300)
    home = tmp_path / "site"
    home.mkdir()
    (home / "bulletins.toml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(home)
    add_user(settings, "bien", "editor", PASSWORD)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        assert login(client, "bien").status_code == 303
        yield client, settings


def test_news_form_when_the_database_is_busy(signed_in):
    """The editor's form says the database is busy (503) and keeps what was typed."""
    from tests.web.conftest import csrf_of

    client, settings = signed_in
    token = csrf_of(client.get("/news/new").text)
    with locked(settings.home / "bulletins.sqlite3"):
        r = client.post("/news", data={"csrf": token, "title": "Họp dân",
                                       "body": "Tối nay họp.", "action": "queue"},
                        follow_redirects=False)
    page = html.unescape(r.text)
    assert r.status_code == 503 and "Cơ sở dữ liệu đang bận" in page
    assert "Tối nay họp." in page  # the editor's text is still in the form


def test_other_pages_and_the_api_when_the_database_is_busy(signed_in):
    """Outside the news form a busy database is a Vietnamese 503 too, never a traceback."""
    from bulletins.news import NewsQueue
    from tests.web.conftest import csrf_of

    client, settings = signed_in
    item = NewsQueue(settings).add({"title": "Họp dân", "body": "Tối nay họp."})
    token = csrf_of(client.get("/news").text)
    with locked(settings.home / "bulletins.sqlite3"):
        page = client.post(f"/news/{item.id}/status", data={"csrf": token, "action": "archive"},
                           follow_redirects=False)
        api = client.patch(f"/api/news/{item.id}", json={"title": "Họp dân khẩn"},
                           headers={"X-CSRF-Token": token})
    text = html.unescape(page.text)
    assert page.status_code == 503 and "Cơ sở dữ liệu đang bận" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert api.status_code == 503
    assert api.json()["error"].startswith("Cơ sở dữ liệu đang bận") and api.json()["hint"]
    assert NewsQueue(settings).get(item.id).status == "queued"  # nothing half-done
