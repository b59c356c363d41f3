"""PostgreSQL under concurrent writers: nothing an editor or a station sends is lost."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import pytest
from province_harness import Workers, province_config, wait_until
from sqlalchemy import func, select

from bulletins.db import ItemAiring, session_factory, table_names
from bulletins.errors import ScheduleError
from bulletins.news import NewsQueue
from bulletins.province import jobs
from bulletins.province.guards import DeploymentLock, slot_guard

DAY = date.today() + timedelta(days=1)


def test_migrations_create_every_table_on_postgres(home: Path, pg_url: str,
                                                    redis_url: str) -> None:
    settings = province_config(home, pg_url, redis_url)
    names = set(table_names(settings.db_url))
    assert {"news_items", "item_airings", "bulletins", "broadcast_log", "users",
            "build_jobs", "worker_heartbeats"} <= names


def test_concurrent_airing_reports_count_every_airing(home: Path, pg_url: str,
                                                      redis_url: str) -> None:
    settings = province_config(home, pg_url, redis_url, stations=12)
    q = NewsQueue(settings)
    ids = [q.add({"title": f"Tin {n}", "body": f"Nội dung {n}."}).id for n in range(3)]
    stations = [s.id for s in settings.stations]
    barrier = threading.Barrier(len(stations))

    def report(sid: str) -> None:
        barrier.wait()  # all twelve stations at the same instant
        NewsQueue(settings).mark_aired(list(reversed(ids)) if sid[-1] in "13579" else ids,
                                       sid, DAY, "sang")

    with ThreadPoolExecutor(len(stations)) as pool:
        list(pool.map(report, stations))
    for item_id in ids:
        item = q.get(item_id)
        assert item.air_count == len(stations), "no airing count lost"
        assert item.status == "aired", "aired at every target station: leaves the queue"
    with session_factory(settings.db_url)() as s:
        assert s.scalar(select(func.count()).select_from(ItemAiring)) == 3 * len(stations)


@pytest.mark.slow
def test_concurrent_editors_while_workers_build(home: Path, pg_url: str, redis_url: str,
                                                workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=4)
    NewsQueue(settings).add({"title": "Tin đầu", "body": "Xã ra quân làm đường giao thông."})
    workers.start(processes=2)
    added: list[int] = []
    guard = threading.Lock()

    def editor(n: int) -> None:
        q = NewsQueue(settings)
        for k in range(10):
            item = q.add({"title": f"Biên tập viên {n} tin {k}",
                          "body": f"Nội dung tin {k} của biên tập viên {n}."})
            q.update(item.id, {"category": f"nhóm {n}"})
            with guard:
                added.append(item.id)

    with ThreadPoolExecutor(6) as pool:
        for st in settings.stations:
            pool.submit(jobs.enqueue, settings, st.id, DAY, "sang")
        editors = [pool.submit(editor, n) for n in range(5)]
        for f in editors:
            f.result()
    wait_until(lambda: all(j.finished for j in jobs.list_jobs(settings)), 300,
               "builds finished")
    assert all(j.status == "done" for j in jobs.list_jobs(settings))
    items = {i.id: i for i in NewsQueue(settings).list()}
    assert len(added) == 50 and set(added) <= set(items)
    assert all(items[i].category.startswith("nhóm ") for i in added)
    assert all(i.status == "queued" and i.air_count == 0 for i in items.values())


def test_second_scheduler_lock_refused_across_connections(home: Path, pg_url: str,
                                                         redis_url: str) -> None:
    settings = province_config(home, pg_url, redis_url)
    with DeploymentLock(settings):
        with pytest.raises(ScheduleError, match="bộ lập lịch khác"):
            DeploymentLock(settings).acquire()
    with DeploymentLock(settings):  # released with the first: a restart takes it again
        pass


def test_slot_guard_serializes_builds_of_one_slot(home: Path, pg_url: str,
                                                  redis_url: str) -> None:
    settings = province_config(home, pg_url, redis_url)
    inside, overlaps = [0], []
    lock = threading.Lock()

    def one(slot: str) -> None:
        with slot_guard(settings, "xa-00", DAY, slot):
            with lock:
                inside[0] += 1
                overlaps.append(inside[0])
            threading.Event().wait(0.2)
            with lock:
                inside[0] -= 1

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, ["sang"] * 4))
    assert max(overlaps) == 1
    overlaps.clear()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(one, ["sang", "chieu"]))
    assert max(overlaps) == 2, "different slots build side by side"
