"""The server's station API through real HTTP: tokens (scoped, revocable), downloads with
Range, idempotent reports that mark items aired, the stations page."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from datetime import date

import httpx
from sqlalchemy import func, select
from station_harness import publish_file

from bulletins.db import BroadcastLog, ItemAiring, session_factory
from bulletins.news import NewsQueue
from bulletins.station import server
from bulletins.web.security import add_user

TODAY = date.today().isoformat()


def _client(base: str, token: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_a_station_reads_only_its_own_bulletins(live_server):
    settings, base = live_server
    sha_a = publish_file(settings.audio_out, "xa-a", TODAY, "sang", [])
    publish_file(settings.audio_out, "xa-b", TODAY, "chieu", [])
    a = _client(base, server.create_token(settings, "xa-a"))
    me = a.get("/api/station/me").json()
    assert me["station"] == "xa-a" and [s["name"] for s in me["slots"]] == ["sang"]
    listed = a.get("/api/station/bulletins").json()["bulletins"]
    assert [(b["slot"], b["sha256"]) for b in listed] == [("sang", sha_a)]
    assert a.get(listed[0]["url"]).status_code == 200
    # xa-b's file exists on the server, but xa-a's token cannot reach it
    assert a.get(f"/api/station/audio/{TODAY}/chieu.mp3").status_code == 404
    # a station token is not a user token
    assert a.get("/api/news").status_code == 401
    assert httpx.get(f"{base}/api/station/me").status_code == 401


def test_downloads_honour_range(live_server):
    settings, base = live_server
    publish_file(settings.audio_out, "xa-a", TODAY, "sang", [])
    whole = (settings.audio_out / "xa-a" / TODAY / "sang.mp3").read_bytes()
    a = _client(base, server.create_token(settings, "xa-a"))
    r = a.get(f"/api/station/audio/{TODAY}/sang.mp3", headers={"Range": "bytes=1000-"})
    assert r.status_code == 206 and r.content == whole[1000:]


def test_reports_count_once_and_mark_items_aired_for_that_station(live_server):
    settings, base = live_server
    q = NewsQueue(settings)
    item = q.add({"title": "Tiêm phòng", "body": "Xã tổ chức tiêm phòng cho trẻ em."})
    a = _client(base, server.create_token(settings, "xa-a"))
    rep = {"id": uuid.uuid4().hex, "slot": "sang", "scheduled_at": f"{TODAY}T06:00:00",
           "started_at": f"{TODAY}T06:00:01", "outcome": "aired", "sha256": "ab" * 32,
           "items": [item.id]}
    for _ in range(2):  # a resend after a lost answer
        body = a.post("/api/station/reports", json={"reports": [rep]}).json()
        assert body["accepted"] == [rep["id"]]
    Session = session_factory(settings.db_url)
    with Session() as s:
        assert s.scalar(select(func.count()).select_from(BroadcastLog)) == 1
        airings = list(s.scalars(select(ItemAiring)))
    assert [(x.item_id, x.station) for x in airings] == [(item.id, "xa-a")]
    # aired at xa-a only: still queued for xa-b
    assert q.get(item.id).status == "queued"
    bad = a.post("/api/station/reports", json={"reports": [{"id": "x", "outcome": "hay"}]})
    assert bad.json()["rejected"] == ["x"]


def test_a_revoked_token_is_refused_and_join_says_so(live_server, tmp_path):
    settings, base = live_server
    token = server.create_token(settings, "xa-a")
    assert _client(base, token).get("/api/station/me").status_code == 200
    assert server.revoke_tokens(settings, "xa-a") == 1
    r = _client(base, token).get("/api/station/me")
    assert r.status_code == 401 and "thu hồi" in r.json()["error"]
    code = "import sys; from bulletins.cli import main; main(sys.argv[1:])"
    out = subprocess.run([sys.executable, "-c", code, "station", "join", "--server", base,
                          "--station", "xa-a", "--token", token, "--home",
                          str(tmp_path / "st")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "từ chối" in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "st" / "station.json").exists()


def test_join_keeps_the_token_private(live_server, tmp_path):
    settings, base = live_server
    token = server.create_token(settings, "xa-b")
    code = "import sys; from bulletins.cli import main; main(sys.argv[1:])"
    out = subprocess.run([sys.executable, "-c", code, "station", "join", "--server", base,
                          "--station", "xa-b", "--token", token, "--home",
                          str(tmp_path / "st")], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    conf = tmp_path / "st" / "station.json"
    assert conf.stat().st_mode & 0o777 == 0o600 and token in conf.read_text()


def test_stations_page_shows_contact_holding_outcomes_and_silence(live_server):
    settings, base = live_server
    server.create_token(settings, "xa-b")  # joined, never heard from: silent
    a = _client(base, server.create_token(settings, "xa-a"))
    a.post("/api/station/holding", json={"slot": "sang", "day": TODAY, "sha256": "cd" * 32})
    a.post("/api/station/reports", json={"reports": [{
        "id": uuid.uuid4().hex, "slot": "sang", "outcome": "late", "items": []}]})
    add_user(settings, "vanhanh", "operator", "mat-khau-123")
    c = httpx.Client(base_url=base, timeout=30)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/login").text).group(1)
    c.post("/login", data={"name": "vanhanh", "password": "mat-khau-123", "csrf": csrf})
    page = c.get("/stations/status").text
    row_a = re.search(r'<tr data-station="xa-a".*?</tr>', page, re.S).group(0)
    row_b = re.search(r'<tr data-station="xa-b".*?</tr>', page, re.S).group(0)
    assert "cdcdcdcdcdcd" in row_a and "phát muộn" in row_a and "im lặng" not in row_a
    assert "im lặng" in row_b and "chưa bao giờ" in row_b
