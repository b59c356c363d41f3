"""Roles on every write route: each role × each route, by form (session) and by API (token)."""

from __future__ import annotations

import pytest

from bulletins.news import NewsQueue
from bulletins.web.security import create_token

ROLES = ("anonymous", "operator", "editor", "admin")
# route -> the permission it needs ("news", "build", "log", "users")
ITEM = {"title": "Thông báo", "body": "Nội dung thông báo.", "csrf": None}
FORM_ROUTES = [
    ("news", "/news", {"title": "Tin mới", "body": "Nội dung.", "action": "queue"}),
    ("news", "/news/{id}", {"title": "Tin sửa", "body": "Nội dung sửa.", "action": "save"}),
    ("news", "/news/{id}/status", {"action": "archive"}),
    ("news", "/lexicon", {"word": "HTX", "spoken": "hợp tác xã"}),
    ("build", "/preview/build", {"station": "ia-hru", "day": "2026-11-25", "slot": "sang"}),
    ("log", "/bulletins/ia-hru/2026-11-25/sang/log", {"outcome": "aired"}),
    ("users", "/users", {"name": "moi", "role": "operator", "password": "mat-khau-123"}),
    ("users", "/users/{uid}", {"action": "unlock"}),
]
API_ROUTES = [
    ("news", "POST", "/api/news", {"title": "Tin API", "body": "Nội dung."}),
    ("news", "PATCH", "/api/news/{id}", {"title": "Tin API sửa"}),
    ("news", "POST", "/api/news/{id}/status", {"status": "queued"}),
    ("news", "DELETE", "/api/news/{id}", None),
    ("news", "POST", "/api/speak-preview", {"text": "UBND xã", "station": "ia-hru"}),
    ("news", "POST", "/api/lexicon", {"word": "HTX", "spoken": "hợp tác xã"}),
    ("build", "POST", "/api/build", {"station": "ia-hru", "day": "2026-11-25", "slot": "sang"}),
    ("log", "POST", "/api/log", {"station": "ia-hru", "day": "2026-11-25", "slot": "sang",
                                 "outcome": "aired"}),
]
ALLOWED = {
    "anonymous": set(),
    "operator": {"log"},
    "editor": {"news", "build", "log"},
    "admin": {"news", "build", "log", "users"},
}


@pytest.fixture
def item_id(settings) -> int:
    return NewsQueue(settings).add({"title": "Tin có sẵn", "body": "Nội dung có sẵn."}).id


def _uid(settings, name: str) -> int:
    from sqlalchemy import select

    from bulletins.db import User, session_factory

    with session_factory(settings.db_url)() as s:
        return s.scalar(select(User.id).where(User.name == name))


@pytest.mark.parametrize("role", ROLES)
def test_form_routes_by_role(role, as_role, settings, users, item_id, published):
    client, token = as_role(role)
    uid = _uid(settings, "vanhanh")
    for perm, path, data in FORM_ROUTES:
        url = path.format(id=item_id, uid=uid)
        r = client.post(url, data={**data, "csrf": token}, follow_redirects=False)
        where = f"{role} POST {url} -> {r.status_code}"
        if role == "anonymous":
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), where
        elif perm in ALLOWED[role]:
            assert r.status_code not in (401, 403), where
            assert not r.headers.get("location", "").startswith("/login"), where
        else:
            assert r.status_code == 403, where
            assert "Bạn không có quyền" in r.text, where


@pytest.mark.parametrize("role", ROLES)
def test_api_routes_by_role(role, app, settings, users, item_id, published):
    from fastapi.testclient import TestClient

    headers = {}
    if role != "anonymous":
        headers["Authorization"] = "Bearer " + create_token(settings, users[role])
    with TestClient(app) as client:
        for perm, method, path, body in API_ROUTES:
            url = path.format(id=item_id)
            r = client.request(method, url, json=body, headers=headers)
            where = f"{role} {method} {url} -> {r.status_code} {r.text[:200]}"
            if role == "anonymous":
                assert r.status_code == 401, where
                assert r.json() == {"ok": False, "error": "Bạn cần đăng nhập."}, where
            elif perm in ALLOWED[role]:
                assert r.status_code not in (401, 403), where
            else:
                assert r.status_code == 403, where
                assert r.json()["ok"] is False, where


def test_form_post_without_csrf_is_refused(as_role):
    client, _ = as_role("editor")
    r = client.post("/news", data={"title": "x", "body": "y"}, follow_redirects=False)
    assert r.status_code == 403
    assert "Phiên làm việc đã hết hạn" in r.text


def test_session_api_write_needs_csrf_header(as_role):
    client, token = as_role("editor")
    body = {"title": "Tin", "body": "Nội dung."}
    assert client.post("/api/news", json=body).status_code == 403
    r = client.post("/api/news", json=body, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text


def test_bad_bearer_token_is_refused(client):
    r = client.get("/api/news", headers={"Authorization": "Bearer bt_khong-dung"})
    assert r.status_code == 401
    assert r.json()["ok"] is False


def test_operator_reads_but_cannot_edit(as_role, item_id):
    client, _ = as_role("operator")
    page = client.get("/news")
    assert page.status_code == 200
    assert "Thêm tin" not in page.text and "/news/new" not in page.text
    assert client.get(f"/news/{item_id}").status_code == 403
    assert client.get("/preview").status_code == 403
    assert client.get("/users").status_code == 403
