"""CLI commands of the scheduler: `schedule`, `alert`, `log`."""

from __future__ import annotations

import sys
from datetime import date, timedelta

import click

from ..cli import pass_ctx
from ..news import parse_date
from .broadcast import OUTCOME_VI, BroadcastLogBook, to_csv


@click.command("schedule")
@click.option("-v", "--verbose", is_flag=True, help="Ghi nhật ký chi tiết hơn.")
@pass_ctx
def schedule(ctx, verbose: bool) -> None:
    """Chạy bộ lập lịch: dựng trước và phát bản tin đúng giờ cho mọi đài (Ctrl-C để dừng)."""
    from .service import run_foreground

    run_foreground(ctx.settings, verbose)


@click.command("alert")
@click.option("--title", required=True, help="Tiêu đề tin khẩn cấp.")
@click.option("--body", required=True, help="Nội dung tin khẩn cấp.")
@click.option("--station", default=None, help="Chỉ phát ở đài này (mặc định: mọi đài).")
@pass_ctx
def alert(ctx, title: str, body: str, station: str | None) -> None:
    """Phát tin khẩn cấp ngay: thêm tin, dựng bản tin ngắn, ngắt bản tin đang phát."""
    from .alerts import raise_alert

    results = raise_alert(ctx.settings, title, body, station, echo=click.echo)
    failed = False
    for r in results:
        if r["outcome"] == "emergency":
            click.echo(f"Đã phát tin khẩn cấp ở đài {r['station']}.")
        elif r["outcome"] == "handed-over":
            click.echo(f"Bộ lập lịch đang phát tin khẩn cấp ở đài {r['station']}.")
        elif r["outcome"] == "sent-to-station":
            pass  # raise_alert said so: the station machine plays it and reports back
        else:
            failed = True
            click.echo(f"Không phát được ở đài {r['station']}: {r['error']}", err=True)
    if failed:
        raise SystemExit(1)


@click.command("log")
@click.option("--from", "day_from", default="", help="Từ ngày (2026-11-25 hoặc 25/11/2026).")
@click.option("--to", "day_to", default="", help="Đến hết ngày. Mặc định: hôm nay.")
@click.option("--station", default=None, help="Chỉ đài này.")
@click.option("--csv", "as_csv", is_flag=True, help="In dạng CSV.")
@pass_ctx
def log_cmd(ctx, day_from: str, day_to: str, station: str | None, as_csv: bool) -> None:
    """Nhật ký phát: khung giờ nào đã phát, muộn, bỏ lỡ hay lỗi. Mặc định 7 ngày gần nhất."""
    to = parse_date(day_to, "--to") or date.today()
    frm = parse_date(day_from, "--from") or (to - timedelta(days=6))
    entries = BroadcastLogBook(ctx.settings).query(frm, to, station)
    if as_csv:
        click.echo(to_csv(entries), nl=False)
        return
    if not entries:
        click.echo(f"Nhật ký phát trống từ {frm:%d/%m/%Y} đến {to:%d/%m/%Y}.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Nhật ký phát {frm:%d/%m/%Y} – {to:%d/%m/%Y}")
    for col in ("Đài", "Khung giờ", "Giờ phát", "Bắt đầu", "Kết thúc", "Kết quả", "Tin đã phát",
                "Bộ đọc", "Tệp", "SHA-256", "Ghi chú / lỗi"):
        table.add_column(col, overflow="fold")

    def t(dt) -> str:  # noqa: ANN001
        return f"{dt:%d/%m/%Y %H:%M:%S}" if dt else ""

    for e in entries:
        table.add_row(e.station, e.slot, t(e.scheduled_at), t(e.started_at), t(e.finished_at),
                      OUTCOME_VI.get(e.outcome, e.outcome), ", ".join(map(str, e.items)),
                      e.engine, e.file, e.sha256[:12], e.error)
    Console(width=None if sys.stdout.isatty() else 200).print(table)


commands = [schedule, alert, log_cmd]
