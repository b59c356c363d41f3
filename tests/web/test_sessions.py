"""Sessions and tokens (issue 8 §7) and the API's errors and 404s (§9), through real HTTP:
a `bulletins serve` subprocess for logout/revocation, TestClient on the app for the rest."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
from collections import deque
from pathlib import Path
from urllib.parse import urljoin, urlparse

import httpx
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select

from bulletins.cli import Context, cli
from bulletins.config import load_settings
from bulletins.db import User, session_factory
from bulletins.news import NewsQueue
from bulletins.web import create_app
from bulletins.web.security import create_token
from tests.helpers import free_port

from .conftest import CONFIG, PASSWORD, csrf_of, login


def _cli(home: Path, *args: str, input: str | None = None):  # noqa: A002
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input,
                              obj=Context(None))


@pytest.fixture
def server(home: Path, users):
    """A real `bulletins serve` process on a free port (real argon2, real uvicorn)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "BULLETINS_HOME"}
    code = "import sys; from bulletins.cli import main; main(sys.argv[1:])"
    log = (home / "serve.out").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code, "serve", "--port", str(port),
                             "--home", str(home)], stdout=log, stderr=subprocess.STDOUT,
                            env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, \
            (home / "serve.out").read_text()
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)
    log.close()


def _http_login(c: httpx.Client, name: str) -> None:
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": name, "password": PASSWORD, "csrf": token})
    assert r.status_code == 303, r.text


@pytest.mark.slow
def test_logout_refuses_a_replayed_cookie_and_revoked_token(server, home, users):
    with httpx.Client(base_url=server, follow_redirects=False) as c:
        _http_login(c, users["editor"])
        cookie = c.cookies.get("bantin_session")
        page = c.get("/news")
        assert page.status_code == 200 and "bien" in page.text
        r = c.post("/logout", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 303
    # someone who copied the cookie before the logout replays it
    with httpx.Client(base_url=server, follow_redirects=False,
                      cookies={"bantin_session": cookie}) as thief:
        r = thief.get("/news")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert thief.get("/api/me").status_code == 401
    # a token works until `bulletins token revoke`, then never again
    token = _cli(home, "token", "create", users["editor"], "--label", "máy đài").stdout
    token = token.strip().splitlines()[0]
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(server + "/api/me", headers=auth).json()["name"] == "bien"
    r = _cli(home, "token", "revoke", users["editor"])
    assert r.exit_code == 0 and "Đã thu hồi 1 mã" in r.output
    r = httpx.get(server + "/api/me", headers=auth)
    assert r.status_code == 401 and r.json() == {
        "ok": False, "error": "Mã truy cập (token) không hợp lệ."}


def test_cookie_carries_nothing_of_the_password_hash(client, settings, users):
    login(client, users["admin"])
    cookie = client.cookies.get("bantin_session")
    payload = cookie.split(".")[0]
    raw = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    data = json.loads(raw)
    assert set(data) <= {"sid", "csrf", "flash"}
    with session_factory(settings.db_url)() as s:
        pw_hash = s.scalar(select(User.password_hash).where(User.name == "quan"))
    # no 6-character piece of the hash appears anywhere in the cookie
    pieces = {pw_hash[i:i + 6] for i in range(len(pw_hash) - 5)}
    assert not [p for p in pieces if p in raw or p in cookie]


def test_token_list_and_revoke_one(home, settings, users):
    a = create_token(settings, "bien", "điện thoại")
    b = create_token(settings, "bien", "máy tính")
    create_token(settings, "quan", "quản trị")
    r = _cli(home, "token", "list", "bien")
    assert r.exit_code == 0, r.output
    assert "điện thoại" in r.output and "máy tính" in r.output and "quản trị" not in r.output
    assert a not in r.output and b not in r.output  # the secret is never shown again
    ids = [int(m) for m in re.findall(r"^\s*(\d+)\s+bien", r.output, re.M)]
    assert len(ids) == 2
    r = _cli(home, "token", "list")
    assert "quản trị" in r.output and "chưa dùng" in r.output
    r = _cli(home, "token", "revoke", "bien", "--id", str(ids[0]))
    assert r.exit_code == 0 and "Đã thu hồi 1 mã" in r.output
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/me", headers={"Authorization": f"Bearer {a}"}).status_code == 401
        assert c.get("/api/me", headers={"Authorization": f"Bearer {b}"}).status_code == 200
    r = _cli(home, "token", "revoke", "bien", "--id", str(ids[0]))
    assert r.exit_code == 1 and "không có mã truy cập số" in str(r.exception)
    r = _cli(home, "token", "revoke", "khong-co")
    assert r.exit_code == 1 and "Không có người dùng «khong-co»" in str(r.exception)


def _uid(settings, name: str) -> int:
    with session_factory(settings.db_url)() as s:
        return s.scalar(select(User.id).where(User.name == name))


@pytest.mark.parametrize("change", [
    {"action": "password", "password": "mat-khau-moi-456"},
    {"action": "role", "role": "operator"},
])
def test_password_or_role_change_revokes_sessions_and_tokens(change, as_role, settings, users):
    editor, _ = as_role("editor")
    token = create_token(settings, "bien", "thử")
    admin, csrf = as_role("admin")
    r = admin.post(f"/users/{_uid(settings, 'bien')}", data={"csrf": csrf, **change},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "thu hồi" in admin.get("/users").text
    assert editor.get("/news", follow_redirects=False).status_code == 303  # signed out
    r = editor.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401


def test_tokens_are_listed_and_revoked_on_the_users_page(as_role, settings, users):
    token = create_token(settings, "vanhanh", "loa thông minh")
    admin, csrf = as_role("admin")
    page = admin.get("/users").text
    assert "loa thông minh" in page and token not in page
    tid = re.search(r'name="token_id" value="(\d+)"', page).group(1)
    r = admin.post(f"/users/{_uid(settings, 'vanhanh')}",
                   data={"csrf": csrf, "action": "revoke-token", "token_id": tid},
                   follow_redirects=False)
    assert r.status_code == 303
    assert "loa thông minh" not in admin.get("/users").text
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def _client_from(app, address: str) -> TestClient:
    return TestClient(app, base_url="http://testserver", client=(address, 40000))


def test_a_stranger_cannot_lock_the_admin_out(app, users):
    admin_pc = _client_from(app, "10.0.0.5")
    assert login(admin_pc, "quan").status_code == 303  # the admin's usual machine
    admin_pc.post("/logout", data={"csrf": csrf_of(admin_pc.get("/users").text)})
    stranger = _client_from(app, "203.0.113.9")
    for _ in range(5):
        assert login(stranger, "quan", "doan-bua").status_code == 401
    r = login(stranger, "quan")  # the stranger's address is blocked for this account...
    assert r.status_code == 401 and "tạm khóa" in r.text
    assert login(admin_pc, "quan").status_code == 303  # ...the admin is not
    # a new address of the admin is not blocked by the stranger either
    assert login(_client_from(app, "10.0.0.6"), "quan").status_code == 303


def test_a_spread_attack_locks_the_account_except_on_known_addresses(app, users):
    home_pc = _client_from(app, "10.0.0.5")
    assert login(home_pc, "quan").status_code == 303
    for n in range(20):  # four addresses, five failures each
        login(_client_from(app, f"198.51.100.{n // 5}"), "quan", "doan-bua")
    r = login(_client_from(app, "192.0.2.1"), "quan")
    assert r.status_code == 401 and "tạm khóa" in r.text  # an unknown address, right password
    assert login(_client_from(app, "10.0.0.5"), "quan").status_code == 303  # known: lifts it
    assert login(_client_from(app, "192.0.2.1"), "quan").status_code == 303


def test_feed_links_and_secure_cookie_come_from_base_url(home, users):
    (home / "bulletins.toml").write_text(
        CONFIG.replace("[web]", '[web]\nbase_url = "https://bantin.example.vn/"'), "utf-8")
    settings = load_settings(home)
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        r = c.get("/feeds/ia-hru.xml", headers={"Host": "evil.example"})
        assert r.status_code == 200
        assert "evil.example" not in r.text and "testserver" not in r.text
        assert "https://bantin.example.vn/feeds/ia-hru.xml" in r.text
        r = login(c, "bien")
        assert "secure" in r.headers["set-cookie"].lower()


def test_base_url_must_be_a_full_address(home):
    from bulletins.errors import ConfigError

    (home / "bulletins.toml").write_text(CONFIG.replace("[web]", '[web]\nbase_url = "bantin"'),
                                         "utf-8")
    with pytest.raises(ConfigError, match="base_url"):
        load_settings(home)


# --- §9: 404s and API errors ---------------------------------------------------------------
HUGE = "99999999999999999999"


def test_ids_out_of_range_are_404_on_pages_and_api(as_role, settings, users):
    editor, csrf = as_role("editor")
    admin, admin_csrf = as_role("admin")
    for url in (f"/news/{HUGE}", f"/news/{2**63}", "/news/0", "/news/-1", "/news/abc",
                "/news/123456"):
        r = editor.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert "Không" in r.text and "Traceback" not in r.text
    r = editor.post(f"/news/{HUGE}/status", data={"csrf": csrf, "action": "archive"})
    assert r.status_code == 404
    r = admin.post(f"/users/{HUGE}", data={"csrf": admin_csrf, "action": "unlock"})
    assert r.status_code == 404
    api = TestClient(editor.app, headers={
        "Authorization": "Bearer " + create_token(settings, "bien")})
    for method, url in (("GET", f"/api/news/{HUGE}"), ("PATCH", f"/api/news/{HUGE}"),
                        ("DELETE", f"/api/news/{HUGE}"), ("GET", "/api/news/abc"),
                        ("GET", "/api/khong-co")):
        r = api.request(method, url, json={"title": "x"} if method == "PATCH" else None)
        assert r.status_code == 404, (method, url, r.text)
        body = r.json()
        assert body["ok"] is False and body["error"].startswith("Không"), body


def test_api_errors_are_vietnamese_and_name_the_field(settings, app, users):
    c = TestClient(app, headers={"Authorization": "Bearer " + create_token(settings, "bien")})
    cases = [
        ({"body": "y"}, "title", "thiếu trường «title» (tiêu đề)"),
        ({"title": "x", "body": "y", "hacker": 1}, "hacker", "trường «hacker» không được phép"),
        ({"title": "x", "body": "y", "status": "aired"}, "status", "«status» (trạng thái) phải là"),
        ({"title": "x", "body": 5}, "body", "«body» (nội dung) phải là chuỗi chữ"),
        ({"title": "x", "body": "y", "valid_from": [1]}, "valid_from", "«valid_from»"),
        ({"title": "x", "body": "y", "stations": [1, 2]}, "stations", "«stations» (đài)"),
    ]
    for payload, field, words in cases:
        r = c.post("/api/news", json=payload)
        assert r.status_code == 422, r.text
        body = r.json()
        assert body["ok"] is False and body["field"] == field, body
        assert words in body["error"], body["error"]
        assert "Field required" not in body["error"] and "Input" not in body["error"]
    r = c.post("/api/news", content=b'{"title": "x", "body": ', headers={
        "Content-Type": "application/json"})
    assert r.status_code == 422
    error = r.json()["error"]
    assert "không phải JSON hợp lệ" in error and not re.search(r"\d", error)  # no position
    r = c.post("/api/log", json={"station": "ia-hru", "day": "31/12/2026", "slot": "sang",
                                 "outcome": "aired"})
    assert r.status_code == 422 and "«day» (ngày) không phải ngày hợp lệ" in r.json()["error"]
    r = c.put("/api/news")
    assert r.status_code == 405 and r.json()["error"].startswith("Phương thức HTTP")
    r = c.get("/api/news", headers={"Authorization": "Bearer sai"})
    assert r.status_code == 401 and r.json()["ok"] is False


def _local_links(html: str, base: str) -> set[str]:
    out = set()
    for href in re.findall(r'<a [^>]*href="([^"]+)"', html):
        url = urljoin(base, href.replace("&amp;", "&"))
        if urlparse(url).netloc == "testserver":
            out.add(url)
    return out


def test_operators_meet_no_link_or_form_they_may_not_open(as_role, settings, users, published):
    NewsQueue(settings).add({"title": "Tin hoãn", "body": "Nội dung."})
    mf = published.with_suffix(".json")
    data = json.loads(mf.read_text("utf-8"))
    mf.write_text(json.dumps({**data, "deferred": [1]}, ensure_ascii=False), "utf-8")
    op, _ = as_role("operator")
    seen: set[str] = set()
    todo = deque(["http://testserver/bulletins"])
    forms: set[str] = set()
    while todo and len(seen) < 60:
        url = todo.popleft()
        if url in seen:
            continue
        seen.add(url)
        r = op.get(url, follow_redirects=False)
        assert r.status_code in (200, 206, 303), (url, r.status_code)
        assert r.status_code != 403, url
        if r.status_code == 303:
            assert not r.headers["location"].startswith("/login"), url
            continue
        if "text/html" in r.headers.get("content-type", ""):
            todo.extend(_local_links(r.text, url) - seen)
            forms |= set(re.findall(r'<form [^>]*method="post"[^>]*action="([^"]+)"', r.text))
    assert any("/bulletins/ia-hru/2026-11-25/sang" in u for u in seen)
    for action in forms:  # operators may post only logout and the broadcast log
        assert action == "/logout" or action.endswith("/log"), action
