"""One truth about what aired (issue 8): real CLI processes, real espeak-ng and ffmpeg.

Building is not airing; one build per slot across processes; published files agree with
their sha256 even after kill -9 between renames; rebuilds keep the earlier version; urgent
items air or the build fails loudly; a near-empty bulletin warns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest

from bulletins.config import load_settings
from bulletins.db import BulletinRecord, session_factory
from bulletins.news import NewsQueue
from bulletins.pipeline import published_result
from bulletins.publish import agrees
from tests.conftest import write_config

DAY = date(2026, 11, 25)
ROOT = Path(__file__).resolve().parents[1]
CONFIG = """
[[stations]]
id = "xa-a"
name = "Đài xã A"
engine = "espeak"
[[stations.slots]]
name = "sang"
time = "06:00"
length_s = {length}
"""
SHORT_BODY = "Xã tổ chức tiêm phòng cho trẻ em vào sáng thứ hai tại trạm y tế."


def _home(home: Path, length: int = 75, items: int = 2) -> NewsQueue:
    settings = write_config(home, CONFIG.format(length=length))
    q = NewsQueue(settings)
    for i in range(items):
        q.add({"title": f"Tin số {i + 1}", "body": SHORT_BODY})
    return q


def cli(home: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "BULLETINS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bulletins", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def build_cli(home: Path, *extra: str) -> subprocess.Popen:
    return cli(home, "build", "--station", "xa-a", "--slot", "sang", "--date",
               DAY.isoformat(), *extra)


def _records(home: Path) -> list[BulletinRecord]:
    with session_factory(load_settings(home).db_url)() as s:
        return list(s.query(BulletinRecord).order_by(BulletinRecord.id))


def _folder(home: Path) -> Path:
    return home / "audio_out" / "xa-a" / DAY.isoformat()


@pytest.mark.slow
def test_cli_build_marks_nothing_aired_and_warns_when_nearly_empty(home):
    q = _home(home, length=120, items=1)
    proc = build_cli(home)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    item = q.list()[0]
    assert item.status == "queued" and item.air_count == 0
    assert "chưa bằng nửa khung giờ" in err
    manifest = json.loads(Path(out.strip().splitlines()[-1]).with_suffix(".json").read_text())
    assert agrees(out.strip().splitlines()[-1], manifest["sha256"])
    assert [r.status for r in _records(home)] == ["published"]
    assert _records(home)[0].sha256 == manifest["sha256"]


@pytest.mark.slow
def test_empty_queue_build_warns_in_the_cli(home):
    _home(home, items=0)
    proc = build_cli(home)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Cảnh báo: Không có tin nào" in err


@contextmanager
def _slot_held(home: Path) -> Iterator[None]:
    """Hold the build lock of xa-a's "sang" slot (from a thread) while the block runs."""
    from bulletins.locks import slot_lock

    release, held = threading.Event(), threading.Event()

    def holder() -> None:
        with slot_lock(load_settings(home), "xa-a", DAY, "sang", wait=0):
            held.set()
            release.wait(300)

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert held.wait(60), "the test could not take the slot lock"
        yield
    finally:
        release.set()
        t.join(30)


class _Stderr:
    """A process's stderr, read as it comes (to see when it waits for the slot lock)."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: list[str] = []
        self._t = threading.Thread(target=lambda: self.lines.extend(proc.stderr), daemon=True)
        self._t.start()

    def text(self) -> str:
        self._t.join(60)
        return "".join(self.lines)


WAITING = "another build of xa-a/2026-11-25/sang is running: waiting"


@pytest.mark.slow
def test_two_concurrent_builds_of_one_slot_yield_one_build(home):
    """Two CLI builds of one slot contend for certain: the test holds the slot's lock until
    both say (bulletins -v) that they wait for it, so neither can start after the other
    has finished (under load they used to build one after the other, both for real)."""
    q = _home(home)
    with _slot_held(home):  # a third build, as far as the two processes can tell
        argv = ("-v", "build", "--station", "xa-a", "--slot", "sang", "--date", DAY.isoformat())
        a, b = cli(home, *argv), cli(home, *argv)
        err_a, err_b = _Stderr(a), _Stderr(b)
        deadline = time.monotonic() + 240
        while not all(WAITING in "".join(e.lines) for e in (err_a, err_b)):
            assert time.monotonic() < deadline, "the builds never reached the slot lock"
            assert a.poll() is None and b.poll() is None, (err_a.text(), err_b.text())
            time.sleep(0.1)
    out_a, out_b = a.stdout.read(), b.stdout.read()
    assert a.wait(300) == 0 and b.wait(300) == 0, (err_a.text(), err_b.text())
    err_a, err_b = err_a.text(), err_b.text()
    assert out_a.strip().splitlines()[-1] == out_b.strip().splitlines()[-1]
    assert ("nơi khác" in err_a) != ("nơi khác" in err_b), "exactly one waited and reused"
    folder = _folder(home)
    assert sorted(p.name for p in folder.iterdir()) == ["sang.json", "sang.mp3", "sang.txt"]
    records = _records(home)
    assert len(records) == 1 and records[0].status == "published"
    for it in q.list():
        assert it.air_count == 0 and it.status == "queued"
    # One play, recorded twice (the operator's form submitted twice): counted once.
    rec = records[0]
    for _ in range(2):
        q.mark_aired(json.loads(rec.item_ids), "xa-a", DAY, "sang", bulletin=rec.sha256)
    assert [it.air_count for it in q.list(status="aired")] == [1, 1]


@pytest.mark.slow
def test_a_build_while_the_slot_is_locked_is_refused_or_waits(home):
    q = _home(home)
    with _slot_held(home):  # another process's build, as far as the CLI can tell
        refused = build_cli(home, "--wait", "0")
        _out, err = refused.communicate(timeout=300)
        assert refused.returncode == 1
        assert "đang được dựng ở nơi khác" in err and "Traceback" not in err
        waiting = build_cli(home, "--wait", "120")
        time.sleep(3)
        assert waiting.poll() is None, "it must wait for the lock, not build alongside"
        assert not (_folder(home) / "sang.mp3").exists()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert Path(out.strip().splitlines()[-1]).is_file()
    assert all(it.air_count == 0 for it in q.list())


@pytest.mark.slow
def test_rebuild_keeps_the_earlier_version(home):
    q = _home(home)
    first = build_cli(home)
    out1, err1 = first.communicate(timeout=300)
    assert first.returncode == 0, err1
    old = json.loads((_folder(home) / "sang.json").read_text())
    q.add({"title": "Tin mới", "body": "Thôn hai họp dân vào tối nay lúc bảy giờ."})
    second = build_cli(home)
    _out2, err2 = second.communicate(timeout=300)
    assert second.returncode == 0, err2
    assert "được giữ lại" in err2
    archive = _folder(home) / "archive"
    kept = json.loads((archive / "sang-v1.json").read_text())
    assert kept["sha256"] == old["sha256"] and agrees(archive / "sang-v1.mp3", old["sha256"])
    assert (archive / "sang-v1.txt").is_file()
    new = json.loads((_folder(home) / "sang.json").read_text())
    assert new["sha256"] != old["sha256"]
    statuses = {r.sha256: (r.status, r.path) for r in _records(home)}
    assert statuses[old["sha256"]] == ("archived", str(archive / "sang-v1.mp3"))
    assert statuses[new["sha256"]][0] == "published"


CRASHER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from bulletins import publish
    from bulletins.config import load_settings
    from bulletins.models import BuildRequest
    from bulletins.pipeline import build_bulletin
    from datetime import date

    home, stage = Path(sys.argv[1]), sys.argv[2]
    real = publish._replace_keeping_backup
    calls = []

    def paused(tmp, dst, backups):
        real(tmp, dst, backups)
        calls.append(dst)
        if stage == "json" and len(calls) == 1:  # the new manifest is live, the MP3 is not
            (home / "paused").write_text("x"); time.sleep(600)

    publish._replace_keeping_backup = paused
    if stage == "record":  # every file renamed, the record not finalized yet
        import bulletins.news as news
        def stop(self, *a, **k):
            (home / "paused").write_text("x"); time.sleep(600)
        news.NewsQueue.finish_bulletin = stop
    build_bulletin(load_settings(home), BuildRequest("xa-a", date(2026, 11, 25), "sang"))
""")


def _crash_at(home: Path, stage: str) -> None:
    env = {**os.environ, "BULLETINS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CRASHER, str(home), stage], env=env,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (home / "paused").exists():
        if proc.poll() is not None:
            pytest.fail(f"the build ended before the pause: {proc.stderr.read()}")
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    (home / "paused").unlink()


@pytest.mark.slow
def test_kill_9_between_renames_leaves_files_readers_reject_then_a_rebuild_agrees(home):
    from bulletins.web.files import find_published, list_published

    q = _home(home)
    proc = build_cli(home)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    q.add({"title": "Tin mới", "body": "Thôn hai họp dân vào tối nay lúc bảy giờ."})
    _crash_at(home, "json")
    settings = load_settings(home)
    folder = _folder(home)
    manifest = json.loads((folder / "sang.json").read_text())
    assert not agrees(folder / "sang.mp3", manifest["sha256"])  # new manifest, old MP3
    # Every reader refuses the disagreeing pair: web page, listing, feed source, build.
    assert find_published(settings, "xa-a", DAY.isoformat(), "sang") is None
    assert list_published(settings, "xa-a") == []
    assert published_result(settings, "xa-a", DAY, "sang") is None
    # ...and the earlier version was archived, whole, before any rename.
    assert agrees(folder / "archive" / "sang-v1.mp3",
                  json.loads((folder / "archive" / "sang-v1.json").read_text())["sha256"])
    # The next build cleans the leftovers and publishes files that agree.
    proc = build_cli(home)
    _out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert not list(folder.glob(".*.part"))
    assert find_published(settings, "xa-a", DAY.isoformat(), "sang") is not None
    published = [r for r in _records(home) if r.status == "published"]
    assert len(published) == 1 and agrees(published[0].path, published[0].sha256)
    assert not [r for r in _records(home) if r.status == "publishing"]


@pytest.mark.slow
def test_kill_9_after_renames_leaves_a_record_and_files_that_agree(home):
    _home(home)
    _crash_at(home, "record")
    settings = load_settings(home)
    (rec,) = _records(home)
    assert rec.status == "publishing" and agrees(rec.path, rec.sha256)
    assert published_result(settings, "xa-a", DAY, "sang") is not None
    NewsQueue(settings).settle_publishing("xa-a", DAY, "sang", agrees)
    assert _records(home)[0].status == "published"


URGENT_37S = (
    "Đề nghị toàn thể nhân dân các thôn ven sông khẩn trương di chuyển người, gia súc và tài "
    "sản lên nơi cao ráo ngay trong chiều nay. Nước sông dâng rất nhanh do mưa lớn kéo dài ở "
    "thượng nguồn. Các hộ gia đình có người già, trẻ nhỏ và người ốm cần báo ngay cho trưởng "
    "thôn để được hỗ trợ. Tuyệt đối không đi qua ngầm tràn, không đánh bắt cá trên sông. Lực "
    "lượng dân quân đã có mặt tại các điểm xung yếu. Mọi thông tin cần hỗ trợ xin liên hệ ủy "
    "ban nhân dân xã qua số điện thoại trực ban. Đề nghị các trưởng thôn kiểm tra từng hộ."
)


@pytest.mark.slow
def test_sixty_second_slot_airs_a_long_urgent_item_with_a_compact_opening(home):
    q = _home(home, length=60, items=1)
    urgent = q.add({"title": "Khẩn cấp về lũ", "body": URGENT_37S, "priority": "urgent"})
    proc = build_cli(home)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    m = json.loads(Path(out.strip().splitlines()[-1]).with_suffix(".json").read_text())
    assert urgent.id in m["items"]
    assert m["compact"] is True
    assert not [s for s in m["segments"] if s["kind"] == "headlines"]
    assert m["duration_s"] <= 60
    item = [s for s in m["segments"] if s.get("item_id") == urgent.id][0]
    assert item["end_s"] - item["start_s"] > 33  # the long one (~37 s), read whole


@pytest.mark.slow
def test_urgent_items_that_cannot_fit_fail_loudly(home):
    q = _home(home, length=60, items=1)
    for n in range(2):
        q.add({"title": f"Khẩn cấp {n}", "body": URGENT_37S, "priority": "urgent"})
    proc = build_cli(home)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 1
    assert "tin khẩn" in err and "không vừa" in err and "Traceback" not in err
    assert not (_folder(home) / "sang.mp3").exists()
    assert all(it.status == "queued" for it in q.list())
    alert = home / "run" / "urgent-failed" / f"xa-a_{DAY.isoformat()}_sang.txt"
    assert "tin khẩn" in alert.read_text(encoding="utf-8")


@pytest.mark.slow
def test_download_only_home_counts_publishing_as_airing(home):
    q = _home(home)
    cfg = home / "bulletins.toml"
    cfg.write_text(cfg.read_text() + '\n[playback]\nplayer = "null"\n', encoding="utf-8")
    proc = build_cli(home)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    from bulletins.schedule.broadcast import BroadcastLogBook

    (row,) = BroadcastLogBook(load_settings(home)).query()
    manifest = json.loads(Path(out.strip().splitlines()[-1]).with_suffix(".json").read_text())
    assert row.outcome == "published" and row.sha256 == manifest["sha256"]
    assert sorted(row.items) == sorted(manifest["items"])
    assert [(it.status, it.air_count) for it in q.list()] == [("aired", 1)] * 2
    log = cli(home, "log", "--from", DAY.isoformat())
    text, _ = log.communicate(timeout=60)
    assert "published" in text or "đã đăng" in text
