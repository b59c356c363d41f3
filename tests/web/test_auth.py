"""Login, logout, CSRF, throttling and the signed session."""

from __future__ import annotations

from .conftest import PASSWORD, csrf_of, login


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["ok"] is True


def test_pages_redirect_to_login_when_signed_out(client):
    r = client.get("/news?status=queued", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/news%3Fstatus%3Dqueued"


def test_login_page_is_vietnamese(client):
    r = client.get("/login")
    assert r.status_code == 200
    assert '<html lang="vi">' in r.text
    assert "Đăng nhập" in r.text and "Mật khẩu" in r.text


def test_login_and_logout(client, users):
    r = login(client, users["editor"])
    assert r.status_code == 303 and r.headers["location"] == "/news"
    page = client.get("/news")
    assert page.status_code == 200 and "bien" in page.text
    r = client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/news", follow_redirects=False).status_code == 303


def test_operator_lands_on_bulletins(client, users):
    assert login(client, users["operator"]).headers["location"] == "/bulletins"


def test_login_follows_only_local_next(client, users):
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": users["editor"], "password": PASSWORD,
                                    "csrf": token, "next": "//evil.example/x"},
                    follow_redirects=False)
    assert r.headers["location"] == "/news"


def test_wrong_password_keeps_name_and_says_why(client, users):
    r = login(client, users["editor"], "sai-mat-khau")
    assert r.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in r.text
    assert 'value="bien"' in r.text


def test_login_without_csrf_is_refused(client, users):
    client.get("/login")
    r = client.post("/login", data={"name": users["editor"], "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 403
    assert "Hãy tải lại trang" in r.text


def test_account_locks_after_repeated_failures(client, users):
    for _ in range(5):
        login(client, users["editor"], "sai-mat-khau")
    r = login(client, users["editor"])  # even the right password is refused while locked
    assert r.status_code == 401
    assert "tạm khóa" in r.text


def test_many_failures_from_one_address_are_throttled(client, app, users):
    app.state.web.throttle.limit = 3
    for _ in range(3):
        login(client, "khong-co-ai", "x")
    r = login(client, users["editor"])
    assert r.status_code == 429
    assert "quá nhiều lần" in r.text


def test_session_cookie_is_signed(client, users):
    login(client, users["editor"])
    cookie = client.cookies.get("bantin_session")
    assert cookie
    client.cookies.set("bantin_session", cookie[:-4] + "AAAA")
    assert client.get("/news", follow_redirects=False).status_code == 303


def test_secret_key_is_generated_once_and_kept(settings):
    from bulletins.web.security import SECRET_FILE, secret_key

    first = secret_key(settings)
    assert (settings.home / SECRET_FILE).read_text().strip() == first
    assert secret_key(settings) == first
    assert oct((settings.home / SECRET_FILE).stat().st_mode & 0o777) == "0o600"


def test_password_change_ends_other_sessions(app, as_role, users):
    editor, _ = as_role("editor")
    admin, token = as_role("admin")
    page = admin.get("/users")
    uid = page.text.split('action="/users/')[1].split('"')[0]  # first user in the table
    r = admin.post(f"/users/{uid}", data={"csrf": token, "action": "password",
                                          "password": "mat-khau-moi-456"},
                   follow_redirects=False)
    assert r.status_code == 303
    assert editor.get("/news", follow_redirects=False).status_code == 303
