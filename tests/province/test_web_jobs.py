"""`bulletins serve --workers 2` over real HTTP: "build now" enqueues and the page follows the
job to the end; /healthz and the status page report the broker and the workers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from province_harness import Workers, province_config, wait_until
from servers import free_port

from bulletins.news import NewsQueue
from bulletins.province import jobs

pytestmark = pytest.mark.slow
PASSWORD = "mat-khau-rat-dai-2026"


def _cli(home: Path, *args: str, stdin: str = "") -> None:
    env = dict(os.environ, BULLETINS_HOME=str(home))
    subprocess.run([sys.executable, "-m", "bulletins", *args], env=env, input=stdin.encode(),
                   check=True, capture_output=True)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert m
    return m.group(1)


def test_build_now_enqueues_and_page_follows_job(home: Path, pg_url: str, redis_url: str,
                                                 workers: Workers) -> None:
    settings = province_config(home, pg_url, redis_url, stations=2)
    NewsQueue(settings).add({"title": "Nạo vét kênh mương",
                             "body": "Thôn 4 ra quân nạo vét kênh mương nội đồng sáng mai."})
    _cli(home, "user", "add", "quantri", "--role", "admin", "--password-stdin",
         stdin=PASSWORD + "\n")
    port = free_port()
    env = dict(os.environ, BULLETINS_HOME=str(home))
    server = subprocess.Popen(
        [sys.executable, "-m", "bulletins", "serve", "--port", str(port), "--workers", "2"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            try:
                return httpx.get(base + "/healthz", timeout=2).status_code in (200, 503)
            except httpx.HTTPError:
                return False

        wait_until(up, 60, "web server up")
        health = httpx.get(base + "/healthz").json()
        assert health["db"] and health["broker"] and health["workers"] == 0
        assert not health["ok"], "no worker alive: not healthy"

        c = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        token = _csrf(c.get("/login").text)
        r = c.post("/login", data={"name": "quantri", "password": PASSWORD, "csrf": token})
        assert r.status_code == 303
        day = (date.today() + timedelta(days=1)).isoformat()
        token = _csrf(c.get("/preview?station=xa-01").text)
        r = c.post("/preview/build", data={"csrf": token, "station": "xa-01", "day": day,
                                           "slot": "sang"})
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
        page = c.get(r.headers["location"])  # answered at once: no worker is running yet
        assert 'data-status="queued"' in page.text and 'http-equiv="refresh"' in page.text
        job_id = int(r.headers["location"].rsplit("/", 1)[1])

        workers.start(processes=1)
        seen: set[str] = set()

        def finished() -> bool:
            j = c.get(f"/api/jobs/{job_id}").json()["job"]
            seen.add(j["status"])
            return j["finished"]

        wait_until(finished, 180, "job finished", interval=0.1)
        page = c.get(f"/jobs/{job_id}")
        assert 'data-status="done"' in page.text and "http-equiv" not in page.text
        assert f"/bulletins/xa-01/{day}/sang" in page.text
        assert "synthesizing" in seen or "mastering" in seen, seen
        assert c.get(f"/audio/xa-01/{day}/sang.mp3").status_code == 200

        wait_until(lambda: httpx.get(base + "/healthz").json()["workers"] == 1, 30,
                   "worker heartbeat")
        assert httpx.get(base + "/healthz").json()["ok"]

        # a failed job shows its reason; the status page offers to retry it
        workers.stop()  # its heartbeat row goes with it
        bad = jobs.enqueue(settings, "xa-00", date.today() + timedelta(days=1), "sang")
        jobs._set(settings, bad.id, status="failed", error="Ổ đĩa đầy")
        status = c.get("/admin/status")
        assert status.status_code == 200
        assert "Ổ đĩa đầy" in status.text and f"/jobs/{bad.id}/retry" in status.text
        assert "Máy dựng đang chạy (0)" in status.text
        assert httpx.get(base + "/healthz").status_code == 503
        token = _csrf(status.text)
        r = c.post(f"/jobs/{bad.id}/retry?back=status", data={"csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/admin/status"
        assert 'data-status="queued"' in c.get(f"/jobs/{bad.id}").text
        workers.start(processes=1)
        done = wait_until(lambda: (j := jobs.get_job(settings, bad.id)).finished and j, 180,
                          "retried job finished")
        assert done.status == "done" and done.builds == 1  # two messages, one build
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # uvicorn's supervisor and its two workers
        server.wait(timeout=30)
