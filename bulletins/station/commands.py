"""`bulletins station token|join|run`."""

from __future__ import annotations

import signal
import threading

import click

from ..cli import HomeGroup, pass_ctx
from ..errors import ConfigError


@click.group("station", cls=HomeGroup)
def station() -> None:
    """Máy phát ở xã: mã truy cập (máy chủ), gia nhập và chạy (máy ở xã)."""


@station.command("token")
@click.argument("station_id")
@click.option("--revoke", is_flag=True, help="Thu hồi mọi mã đang dùng của đài này.")
@pass_ctx
def token(ctx, station_id: str, revoke: bool) -> None:
    """(Máy chủ) In một mã truy cập mới cho đài STATION_ID, hoặc thu hồi các mã của đài."""
    from . import server

    if revoke:
        n = server.revoke_tokens(ctx.settings, station_id)
        click.echo(f"Đã thu hồi {n} mã truy cập của đài {station_id}.")
        return
    click.echo(server.create_token(ctx.settings, station_id))


@station.command("join")
@click.option("--server", "server_url", required=True, help="Địa chỉ máy chủ tỉnh/huyện.")
@click.option("--station", "station_id", required=True, help="Mã đài của máy này.")
@click.option("--token", required=True, help="Mã truy cập in ra bởi «bulletins station token».")
@pass_ctx
def join(ctx, server_url: str, station_id: str, token: str) -> None:
    """(Máy ở xã) Gia nhập máy chủ: kiểm tra mã rồi lưu vào thư mục làm việc."""
    from .client import Client, ServerUnreachable
    from .runner import StationConfig

    try:
        me = Client(server_url, token).get_json("/api/station/me")
    except ServerUnreachable as exc:
        raise ConfigError(str(exc), "Kiểm tra địa chỉ máy chủ và mã truy cập.") from exc
    if me.get("station") != station_id:
        raise ConfigError(f"Mã truy cập này thuộc đài «{me.get('station')}», "
                          f"không phải «{station_id}».")
    home = ctx.settings.home
    path = StationConfig(server_url.rstrip("/"), station_id, token).save(home)
    click.echo(f"Đã gia nhập máy chủ {server_url} với đài {station_id} "
               f"({len(me.get('slots', []))} khung giờ). Lưu tại {path}.")


@station.command("run")
@click.option("-v", "--verbose", is_flag=True, help="In thêm thông tin chi tiết.")
@pass_ctx
def run(ctx, verbose: bool) -> None:
    """(Máy ở xã) Đồng bộ, tải và phát đúng giờ, báo kết quả về máy chủ. Ctrl+C để dừng."""
    import logging

    from .runner import StationConfig, StationRunner

    if verbose:
        logging.getLogger("bulletins").setLevel(logging.INFO)

    settings = ctx.settings
    conf = StationConfig.load(settings.home)
    if conf is None:
        raise ConfigError("Máy này chưa gia nhập máy chủ nào.",
                          "Chạy «bulletins station join --server URL --station ID --token T».")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    refused: list[str] = []

    def on_refused(msg: str) -> None:
        refused.append(msg)
        click.echo(f"Lỗi: {msg}", err=True)

    click.echo(f"Máy phát đài {conf.station} đang chạy, máy chủ {conf.server} (Ctrl+C để dừng).")
    StationRunner(settings, conf).run(stop, on_refused)
    if refused:
        raise SystemExit(2)


commands = [station]
