"""Real PostgreSQL, real Redis, real `bulletins worker` processes building real bulletins."""

from __future__ import annotations

import json
import os
import signal
from datetime import date, timedelta
from pathlib import Path

import pytest
from province_harness import Workers, province_config, wait_until
from sqlalchemy import func, select

from bulletins.db import BulletinRecord, ItemAiring, NewsItem, session_factory
from bulletins.news import NewsQueue
from bulletins.province import jobs
from bulletins.province.tables import BuildJob

pytestmark = pytest.mark.slow
DAY = date.today() + timedelta(days=1)
ITEMS = [
    {"title": "Tiêm phòng cho đàn gia súc", "body": "Xã tổ chức tiêm phòng lở mồm long móng "
     "cho trâu bò vào sáng thứ Bảy tại nhà văn hóa thôn."},
    {"title": "Lịch cắt điện", "body": "Điện lực huyện thông báo cắt điện từ 7 giờ đến 11 giờ "
     "ngày mai để sửa chữa đường dây."},
]


def _queue(settings, items=ITEMS) -> list[int]:  # noqa: ANN001
    return [NewsQueue(settings).add(raw).id for raw in items]


def _records(settings) -> dict[tuple[str, str], int]:  # noqa: ANN001
    with session_factory(settings.db_url)() as s:
        rows = s.execute(select(BulletinRecord.station, BulletinRecord.slot, func.count())
                         .group_by(BulletinRecord.station, BulletinRecord.slot))
        return {(st, sl): n for st, sl, n in rows}


def _jobs(settings) -> list[BuildJob]:  # noqa: ANN001
    with session_factory(settings.db_url)() as s:
        return list(s.scalars(select(BuildJob).order_by(BuildJob.id)))


def _airings(settings) -> tuple[int, list[int]]:  # noqa: ANN001
    with session_factory(settings.db_url)() as s:
        n = s.scalar(select(func.count()).select_from(ItemAiring))
        counts = list(s.scalars(select(NewsItem.air_count).order_by(NewsItem.id)))
    return n, counts


def _all_done(settings, n: int) -> bool:  # noqa: ANN001
    rows = _jobs(settings)
    failed = [(r.id, r.error) for r in rows if r.status == "failed"]
    assert not failed, failed
    return len(rows) == n and all(r.status == "done" for r in rows)


def test_twenty_stations_same_minute_built_once_by_two_workers(
        home: Path, pg_url: str, redis_url: str, workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=20)
    _queue(settings)
    workers.start(processes=2)
    for st in settings.stations:
        jobs.enqueue(settings, st.id, DAY, "sang", requested_by="test")
    wait_until(lambda: _all_done(settings, 20), 400, "20 jobs done")
    assert _records(settings) == {(f"xa-{i:02d}", "sang"): 1 for i in range(20)}
    rows = _jobs(settings)
    assert all(r.builds == 1 for r in rows)
    assert len({r.worker for r in rows}) == 2, "both worker processes took jobs"
    for i in range(20):
        mp3 = home / "audio_out" / f"xa-{i:02d}" / DAY.isoformat() / "sang.mp3"
        manifest = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
        assert manifest["station"] == f"xa-{i:02d}" and len(manifest["items"]) == 2
        assert mp3.stat().st_size > 10_000
    assert _airings(settings) == (0, [0, 0]), "building is never airing"


def test_same_job_enqueued_or_delivered_twice_builds_once(
        home: Path, pg_url: str, redis_url: str, workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=1)
    _queue(settings)
    first = jobs.enqueue(settings, "xa-00", DAY, "sang")
    second = jobs.enqueue(settings, "xa-00", DAY, "sang")
    assert first.new and not second.new and second.id == first.id
    jobs.send(settings, first.id)  # the broker delivers the same message again
    workers.start(processes=2)
    wait_until(lambda: _all_done(settings, 1), 200, "job done")
    # the duplicate message is consumed and acknowledged without building
    wait_until(lambda: _queue_empty(settings), 60, "queue drained")
    assert _records(settings) == {("xa-00", "sang"): 1}
    assert _jobs(settings)[0].builds == 1
    assert "duplicate delivery skipped" in workers.logs() or \
        "finished by another worker" in workers.logs()
    # new content is a new job
    NewsQueue(settings).add({"title": "Tin mới", "body": "Họp dân thôn 3 tối nay."})
    third = jobs.enqueue(settings, "xa-00", DAY, "sang")
    assert third.id != first.id and third.new


def _queue_empty(settings) -> bool:  # noqa: ANN001
    import redis

    c = redis.Redis.from_url(settings.workers.broker_url)
    q = f"dramatiq:{settings.workers.queue}"
    acks = [k for k in c.keys("dramatiq:__acks__.*") if c.scard(k)]
    return c.llen(q) == 0 and not acks


def test_worker_killed_mid_build_job_redone_by_other(
        home: Path, pg_url: str, redis_url: str, workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=1, length_s=120)
    ids = _queue(settings, ITEMS + [
        {"title": f"Tin thứ {n}", "body": f"Nội dung tin thứ {n} về sản xuất vụ đông xuân "
         f"và phòng chống dịch bệnh trên cây trồng ở thôn {n}."} for n in range(3, 8)])
    victim = workers.start(processes=1)
    wait_until(lambda: "sẵn sàng" in workers.logs(), 60, "first worker ready")
    job = jobs.enqueue(settings, "xa-00", DAY, "sang")
    wait_until(lambda: jobs.get_job(settings, job.id).status in jobs.RUNNING, 60,
               "build started")
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert jobs.get_job(settings, job.id).status in jobs.RUNNING  # it died mid-build
    workers.start(processes=1)
    done = wait_until(lambda: (j := jobs.get_job(settings, job.id)).finished and j, 240,
                      "job redone by the other worker")
    assert done.status == "done", done.error
    assert done.attempts == 2 and done.builds == 1
    assert _records(settings) == {("xa-00", "sang"): 1}
    assert _airings(settings) == (0, [0] * len(ids))
    leftovers = list((home / "audio_out").rglob("*.part"))
    assert Path(done.mp3_path).is_file()
    # what the killed build left behind is only hidden temp files, never a final MP3
    assert all(p.name.startswith(".") for p in leftovers)
