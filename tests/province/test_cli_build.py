"""`bulletins build` on a province server: it enqueues (never builds in its own process), by
default follows the job to its bulletin, and with --no-follow only enqueues."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from province_harness import Workers, province_config, wait_until
from sqlalchemy import func, select

from bulletins.db import BulletinRecord, session_factory
from bulletins.news import NewsQueue
from bulletins.province import jobs

pytestmark = pytest.mark.slow
DAY = date.today() + timedelta(days=1)


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, BULLETINS_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bulletins", *args], env=env,
                          capture_output=True, text=True, timeout=300)


def _records(settings) -> int:  # noqa: ANN001
    with session_factory(settings.db_url)() as s:
        return s.scalar(select(func.count()).select_from(BulletinRecord))


def test_cli_build_enqueues_and_follows_the_job(home: Path, pg_url: str, redis_url: str,
                                                workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=2)
    NewsQueue(settings).add({"title": "Lịch cắt điện", "body": "Điện lực huyện thông báo cắt "
                             "điện từ 7 giờ đến 11 giờ ngày mai để sửa chữa đường dây."})
    workers.start(processes=1)
    args = ("build", "--station", "xa-01", "--date", DAY.isoformat(), "--slot", "sang")
    out = _cli(home, *args)
    assert out.returncode == 0, out.stderr
    mp3 = Path(out.stdout.strip().splitlines()[-1])
    assert mp3 == home / "audio_out" / "xa-01" / DAY.isoformat() / "sang.mp3"
    assert mp3.stat().st_size > 10_000
    assert "Đã gửi lệnh dựng" in out.stderr and "Bản tin xa-01" in out.stderr
    [job] = jobs.list_jobs(settings)
    # built by a worker process, not by the CLI
    assert job.status == "done" and job.worker.endswith("#0") and job.builds == 1
    assert _records(settings) == 1

    # the same content again: the same job and bulletin, nothing rebuilt
    again = _cli(home, *args)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().splitlines()[-1] == str(mp3)
    assert "cùng nội dung đã có" in again.stderr
    assert len(jobs.list_jobs(settings)) == 1 and _records(settings) == 1

    # --no-follow: enqueue, print the job number, return at once; the worker builds it
    NewsQueue(settings).add({"title": "Họp dân", "body": "Thôn 3 họp dân tối nay lúc 19 giờ."})
    quick = _cli(home, *args, "--no-follow")
    assert quick.returncode == 0, quick.stderr
    job_id = int(quick.stdout.strip().splitlines()[-1])
    assert job_id != job.id and "Đã gửi lệnh dựng" in quick.stderr
    assert "Bản tin xa-01" not in quick.stderr  # it did not wait for the bulletin
    done = wait_until(lambda: (j := jobs.get_job(settings, job_id)).finished and j, 200,
                      "the --no-follow job built by the worker")
    assert done.status == "done" and _records(settings) == 2


def test_cli_build_on_workers_refuses_overrides_and_reports_failure(
        home: Path, pg_url: str, redis_url: str, workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=1, length_s=20)
    out = _cli(home, "build", "--station", "xa-00", "--slot", "sang", "--length", "300")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert "--length" in out.stderr and "hàng đợi" in out.stderr
    assert jobs.list_jobs(settings) == []
    # an urgent item far longer than the 20 s slot: the worker's build fails for the editor
    # to fix, and the CLI says why instead of printing a path
    NewsQueue(settings).add({"title": "Khẩn: phòng chống bão", "priority": "urgent",
                             "body": " ".join(["Bà con di chuyển tàu thuyền vào nơi tránh "
                                               "trú an toàn trước 17 giờ hôm nay."] * 12)})
    workers.start(processes=1)
    out = _cli(home, "build", "--station", "xa-00", "--date", DAY.isoformat(), "--slot", "sang")
    assert out.returncode != 0 and "Traceback" not in out.stderr
    [job] = jobs.list_jobs(settings)
    assert job.status == "failed" and job.error
    assert f"Lệnh dựng {job.id}" in out.stderr and f"--retry {job.id}" in out.stderr
    assert not (home / "audio_out" / "xa-00" / DAY.isoformat() / "sang.mp3").exists()
