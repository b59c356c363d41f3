"""Core CLI commands: news queue, normalize, build and demo."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from .cli import HomeGroup, pass_ctx
from .models import PRIORITIES, PRIORITY_VI
from .news import NewsQueue, parse_date


@click.group("news", cls=HomeGroup)
def news() -> None:
    """Hàng đợi tin: thêm, nhập từ tệp, xem."""


@news.command("add")
@click.option("--title", required=True, help="Tiêu đề tin.")
@click.option("--body", help="Nội dung tin; dùng '-' để đọc từ đầu vào chuẩn.")
@click.option("--priority", default="normal", show_default=True,
              help="urgent | high | normal | low (hoặc khẩn cấp, cao, bình thường, thấp).")
@click.option("--category", default="", help="Chuyên mục, ví dụ: thời tiết, y tế.")
@click.option("--stations", default="", help="Mã các đài, cách nhau bởi dấu phẩy; trống = mọi đài.")
@click.option("--valid-from", default="", help="Phát từ ngày (2026-11-25 hoặc 25/11/2026).")
@click.option("--valid-until", default="", help="Phát đến hết ngày.")
@pass_ctx
def news_add(ctx, title: str, body: str | None, priority: str, category: str, stations: str,
             valid_from: str, valid_until: str) -> None:
    """Thêm một tin vào hàng đợi."""
    if body is None or body == "-":
        body = sys.stdin.read()
    item = NewsQueue(ctx.settings).add({
        "title": title, "body": body, "priority": priority, "category": category,
        "stations": stations, "valid_from": valid_from, "valid_until": valid_until,
    })
    click.echo(f"Đã thêm tin số {item.id}: {item.title}")


@news.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def news_import(ctx, file: Path) -> None:
    """Nhập tin từ tệp JSON (danh sách) hoặc CSV. Một dòng sai thì không nhập gì."""
    items = NewsQueue(ctx.settings).import_file(file)
    click.echo(f"Đã nhập {len(items)} tin từ {file.name}.")


@news.command("list")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.option("--status", default=None, help="draft | queued | aired | archived")
@click.option("--station", default=None, help="Chỉ các tin dành cho đài này.")
@click.option("--priority", type=click.Choice(PRIORITIES), default=None)
@pass_ctx
def news_list(ctx, as_json: bool, status: str | None, station: str | None,
              priority: str | None) -> None:
    """Liệt kê các tin (khẩn cấp trước, rồi theo mức ưu tiên và thứ tự gửi)."""
    items = NewsQueue(ctx.settings).list(status=status, station=station, priority=priority)
    if as_json:
        click.echo(json.dumps([_item_json(i) for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("Hàng đợi trống.")
        return
    for i in items:
        where = ",".join(i.stations) or "mọi đài"
        click.echo(f"#{i.id:<4} [{PRIORITY_VI.get(i.priority, i.priority)}] {i.status:<8} "
                   f"{i.title}  ({where}; đã phát {i.air_count} lần)")


def _item_json(i) -> dict:
    return {
        "id": i.id, "title": i.title, "body": i.body, "priority": i.priority,
        "category": i.category, "stations": list(i.stations),
        "valid_from": i.valid_from.isoformat() if i.valid_from else None,
        "valid_until": i.valid_until.isoformat() if i.valid_until else None,
        "status": i.status, "air_count": i.air_count,
        "created_at": i.created_at.isoformat() if i.created_at else None,
    }


def _parse_day(value: str | None) -> date | None:
    return parse_date(value, "--date", "") if value else None


commands = [news]
