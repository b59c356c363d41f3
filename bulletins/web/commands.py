"""CLI commands for the web edge: `serve`, `user add`, `token create|list|revoke`."""

from __future__ import annotations

import sys

import click

from ..cli import HomeGroup, pass_ctx
from .security import ROLES, add_user, create_token, list_tokens, revoke_tokens


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Địa chỉ lắng nghe; 0.0.0.0 để máy khác trong mạng truy cập được.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Cổng.")
@click.option("--workers", "web_workers", default=1, show_default=True,
              type=click.IntRange(1, 64),
              help="Số tiến trình web (máy chủ tỉnh: nhiều biên tập viên cùng lúc).")
@pass_ctx
def serve(ctx, host: str, port: int, web_workers: int) -> None:
    """Chạy trang web Bản tin (biên tập, nghe, tải, nguồn RSS, API)."""
    import uvicorn

    from .app import create_app

    if web_workers > 1:  # separate processes: each builds its app from the home folder
        import os

        from .security import secret_key

        os.environ["BULLETINS_HOME"] = str(ctx.settings.home)
        secret_key(ctx.settings)  # made once here, so every process signs sessions alike
        click.echo(f"Bản tin đang chạy tại http://{host}:{port}/  ({web_workers} tiến trình, "
                   "Ctrl+C để dừng)")
        uvicorn.run("bulletins.web.app:app_from_env", factory=True, host=host, port=port,
                    workers=web_workers, log_level="warning", proxy_headers=False)
        return

    app = create_app(ctx.settings)
    click.echo(f"Bản tin đang chạy tại http://{host}:{port}/  (Ctrl+C để dừng)")
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False)


@click.group("user", cls=HomeGroup)
def user() -> None:
    """Người dùng trang web."""


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="admin: quản trị; editor: biên tập; operator: kỹ thuật viên đài.")
@click.option("--password-stdin", is_flag=True,
              help="Đọc mật khẩu từ đầu vào chuẩn (dòng đầu tiên).")
@pass_ctx
def user_add(ctx, name: str, role: str, password_stdin: bool) -> None:
    """Tạo người dùng NAME."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại")
    created = add_user(ctx.settings, name, role, password)
    click.echo(f"Đã tạo người dùng «{created.name}» ({role}).")


@click.group("token", cls=HomeGroup)
def token() -> None:
    """Mã truy cập API (Authorization: Bearer …)."""


@token.command("create")
@click.argument("user_name", metavar="USER")
@click.option("--label", default="", help="Ghi chú, ví dụ tên thiết bị.")
@pass_ctx
def token_create(ctx, user_name: str, label: str) -> None:
    """Tạo mã truy cập cho USER. Mã chỉ in ra một lần; hãy lưu lại."""
    value = create_token(ctx.settings, user_name, label)
    click.echo(value)
    click.echo("Mã này chỉ hiện một lần. Dùng: Authorization: Bearer <mã>", err=True)


@token.command("list")
@click.argument("user_name", metavar="[USER]", required=False)
@pass_ctx
def token_list(ctx, user_name: str | None) -> None:
    """Liệt kê mã truy cập (của mọi người, hoặc của USER). Không in lại mã."""
    rows = list_tokens(ctx.settings, user_name)
    if not rows:
        click.echo("Chưa có mã truy cập nào.")
        return
    click.echo(f"{'Số':>4}  {'Người dùng':<16} {'Tạo lúc':<16} {'Dùng lần cuối':<16} Ghi chú")
    for t, name in rows:
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "chưa dùng"
        click.echo(f"{t.id:>4}  {name:<16} {t.created_at:%Y-%m-%d %H:%M} {used:<16} {t.label}")


@token.command("revoke")
@click.argument("user_name", metavar="USER")
@click.option("--id", "token_id", type=click.IntRange(1, 2**63 - 1), default=None,
              help="Chỉ thu hồi mã số N (xem: bulletins token list). Bỏ trống: mọi mã của USER.")
@pass_ctx
def token_revoke(ctx, user_name: str, token_id: int | None) -> None:
    """Thu hồi mã truy cập của USER: tất cả, hoặc một mã với --id N."""
    n = revoke_tokens(ctx.settings, user_name, token_id)
    click.echo(f"Đã thu hồi {n} mã truy cập của «{user_name}».")


commands = [serve, user, token]
