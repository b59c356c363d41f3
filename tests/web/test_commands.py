"""CLI: `user add`, `token create`, `serve --help`."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient

from bulletins.cli import Context, cli
from bulletins.web import create_app


def _run(home, *args, input=None):  # noqa: A002
    return CliRunner().invoke(cli, ["--home", str(home), *args], input=input, obj=Context(None))


def test_user_add_token_create_and_use(home, settings):
    r = _run(home, "user", "add", "bien", "--role", "editor", "--password-stdin",
             input="mat-khau-123\n")
    assert r.exit_code == 0, r.output
    assert "Đã tạo người dùng «bien»" in r.output
    r = _run(home, "user", "add", "bien", "--role", "editor", "--password-stdin",
             input="mat-khau-123\n")
    assert r.exit_code != 0 and "đã có" in str(r.exception or r.output)
    r = _run(home, "token", "create", "bien")
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[0]
    assert token.startswith("bt_")
    with TestClient(create_app(settings)) as c:
        me = c.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["name"] == "bien"
        r = c.post("/login", data={"name": "bien", "password": "mat-khau-123"})
        assert r.status_code == 403  # no CSRF token: the form must come from our page


def test_user_add_rejects_short_password_and_bad_role(home):
    r = _run(home, "user", "add", "a", "--role", "editor", "--password-stdin", input="ngan\n")
    assert r.exit_code != 0
    r = _run(home, "user", "add", "a", "--role", "boss", "--password-stdin", input="x" * 9)
    assert r.exit_code == 2


def test_token_for_unknown_user(home):
    r = _run(home, "token", "create", "khong-co")
    assert r.exit_code != 0


def test_serve_help():
    r = CliRunner().invoke(cli, ["serve", "--help"], obj=Context(None))
    assert r.exit_code == 0 and "--host" in r.output and "--port" in r.output
