"""The JSON API with bearer tokens, its errors, and /openapi.json."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bulletins.web.security import create_token


@pytest.fixture
def api(app, settings, users):
    def make(role: str = "editor") -> TestClient:
        c = TestClient(app)
        c.headers["Authorization"] = "Bearer " + create_token(settings, users[role], "thử")
        return c

    return make


def test_news_crud(api):
    c = api()
    r = c.post("/api/news", json={"title": "Tin API", "body": "Nội dung.", "priority": "khẩn cấp",
                                  "stations": ["ia-hru"], "valid_until": "2026-12-31"})
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["priority"] == "urgent" and item["urgent"] is True
    assert item["stations"] == ["ia-hru"] and item["valid_until"] == "2026-12-31"
    iid = item["id"]
    assert c.get(f"/api/news/{iid}").json()["title"] == "Tin API"
    r = c.patch(f"/api/news/{iid}", json={"title": "Tin API đã sửa"})
    assert r.status_code == 200 and r.json()["title"] == "Tin API đã sửa"
    assert r.json()["body"] == "Nội dung."
    assert [i["id"] for i in c.get("/api/news?status=queued").json()] == [iid]
    assert c.delete(f"/api/news/{iid}").json()["status"] == "archived"
    assert c.post(f"/api/news/{iid}/status", json={"status": "queued"}).json()["status"] == \
        "queued"


def test_validation_errors_are_vietnamese_json(api):
    c = api()
    r = c.post("/api/news", json={"title": "", "body": "x"})
    assert r.status_code == 400
    assert r.json() == {"ok": False, "error": "thiếu tiêu đề («title»).", "field": "title"}
    r = c.post("/api/news", json={"title": "x"})
    assert r.status_code == 422
    assert r.json()["ok"] is False and "body" in r.json()["error"]
    r = c.post("/api/news", json={"title": "x", "body": "y", "hacker": 1})
    assert r.status_code == 422
    r = c.get("/api/news/12345")
    assert r.status_code == 404 and r.json()["error"] == "Không có tin số 12345."
    r = c.post("/api/news", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["ok"] is False


def test_body_too_large_is_413_json(api, settings):
    c = api()
    r = c.post("/api/news", json={"title": "x", "body": "y" * (settings.web.max_upload_bytes + 1)})
    assert r.status_code == 413
    assert r.json()["ok"] is False and "quá lớn" in r.json()["error"]


def test_token_is_stored_hashed_and_marked_used(api, settings):
    from sqlalchemy import select

    from bulletins.db import ApiToken, session_factory

    c = api()
    token = c.headers["Authorization"].split()[1]
    assert c.get("/api/me").json() == {"ok": True, "name": "bien", "role": "editor"}
    with session_factory(settings.db_url)() as s:
        row = s.scalar(select(ApiToken))
        assert token not in row.token_hash and len(row.token_hash) == 64
        assert row.last_used_at is not None and row.label == "thử"


def test_bulletins_and_log(api, published):
    c = api("operator")
    r = c.get("/api/bulletins?station=ia-hru")
    (b,) = r.json()["bulletins"]
    assert b["mp3"] == "/audio/ia-hru/2026-11-25/sang.mp3" and b["duration_s"] == 3.0
    assert b["deferred"] == [2]
    assert c.get("/api/log?station=ia-hru").json()["log"] == []
    r = c.post("/api/log", json={"station": "ia-hru", "day": "2026-11-25", "slot": "sang",
                                 "outcome": "aired", "note": "phát bằng tay"})
    assert r.status_code == 201, r.text
    (row,) = c.get("/api/log?station=ia-hru").json()["log"]
    assert row["outcome"] == "aired" and row["sha256"] and row["error"] == "phát bằng tay"
    assert row["scheduled_at"] == "2026-11-25T05:30:00"
    r = c.post("/api/log", json={"station": "ia-hru", "day": "2026-11-25", "slot": "trua",
                                 "outcome": "aired"})
    assert r.status_code == 400 and "khung giờ «trua»" in r.json()["error"]


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for p in ("/api/news", "/api/news/{item_id}", "/api/build", "/api/bulletins", "/api/log",
              "/api/speak-preview", "/feeds/{station_id}.xml", "/healthz"):
        assert p in paths, p
    assert not any(p.startswith(("/news", "/login", "/users")) for p in paths)


def test_lexicon_api(api, settings):
    c = api()
    assert c.post("/api/lexicon", json={"word": "HĐND", "spoken": "hội đồng nhân dân"}
                  ).status_code == 201
    assert "HĐND\thội đồng nhân dân" in settings.lexicon_path.read_text("utf-8")


def test_add_and_update_return_their_warnings(api):
    """A converted legacy paste, an exact repeat and a near repeat are all said in the JSON."""
    from tests.legacy_bytes import as_latin1, tcvn3_bytes

    c = api()
    body = "Từ ngày 25-11, Trạm Y tế xã Ia Hrú tiêm vắc xin sởi cho 1.200 trẻ em tại 4 điểm."
    first = c.post("/api/news", json={"title": "Tiêm", "body": body}).json()
    assert first["warnings"] == []
    exact = c.post("/api/news", json={"title": "Tiêm", "body": body}).json()
    assert len(exact["warnings"]) == 1 and f"trùng với tin số {first['id']}" in exact["warnings"][0]
    near = c.post("/api/news", json={"title": "Tiêm chủng", "body": body}).json()
    assert any(f"gần giống tin số {first['id']}" in w for w in near["warnings"])
    # a legacy paste that also nearly repeats: both warnings, not just the conversion
    legacy = as_latin1(tcvn3_bytes(body))
    r = c.patch(f"/api/news/{near['id']}", json={"body": legacy})
    assert r.status_code == 200 and r.json()["body"] == body
    said = r.json()["warnings"]
    assert any("Unicode" in w for w in said) and any("gần giống tin số" in w for w in said)


_HOLD_LOCK = """
import sys
from filelock import FileLock
lock = FileLock(sys.argv[1])
lock.acquire()
print("locked", flush=True)
sys.stdin.read()
"""


def test_build_conflicts_are_409(api, settings, published, as_role):
    """A published slot needs "replace": true; a slot being built elsewhere is a 409 too,
    on the API and on the page, with nothing replaced."""
    from tests.test_faults import locked

    c = api("editor")
    before = published.read_bytes()
    where = {"station": "ia-hru", "day": "2026-11-25", "slot": "sang"}
    r = c.post("/api/build", json=where)
    assert r.status_code == 409 and "đã có bản tin" in r.json()["error"]
    assert '"replace": true' in r.json()["error"]
    lock = settings.home / "run" / "locks" / "ia-hru_2026-11-25_sang.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    web, token = as_role("editor")
    with locked(lock, _HOLD_LOCK):
        r = c.post("/api/build", json={**where, "replace": True})
        page = web.post("/preview/build", data={"csrf": token, **where, "replace": "1"})
    assert r.status_code == 409 and "đang được dựng ở nơi khác" in r.json()["error"]
    assert page.status_code == 409 and "đang được dựng ở nơi khác" in page.text
    assert published.read_bytes() == before
