"""CLI for sources: `news fetch`, `news poll`, `news approve`, `news shorten`, Word import.

Heavy libraries (python-docx, trafilatura, feedparser) load only when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from ..cli import pass_ctx


def import_docx(ctx, file: Path) -> None:  # noqa: ANN001 - click context object
    """`news import tin.docx`: one item per document, or per headed piece."""
    from .docx import read_docx
    from .store import add_pieces

    result = add_pieces(ctx.settings, read_docx(Path(file)), created_by="word")
    _report_add(result, file.name)


def _report_add(result, where: str) -> None:  # noqa: ANN001
    for item in result.added:
        click.echo(f"Đã thêm tin số {item.id}: {item.title}")
    for _piece, why in result.skipped:
        click.echo(f"Bỏ qua: {why}", err=True)
    for w in result.warnings:
        click.echo(f"Cảnh báo: {w}", err=True)
    click.echo(f"Đã nhập {len(result.added)} tin từ {where}.")


@click.command("fetch")
@click.argument("source")
@click.option("--draft", is_flag=True, help="Lưu làm bản nháp (chờ duyệt) thay vì vào hàng đợi.")
@click.option("--category", default="", help="Chuyên mục của tin.")
@click.option("--timeout", type=click.FloatRange(1, 120), default=10.0, show_default=True,
              help="Chờ trang trả lời tối đa bao nhiêu giây.")
@pass_ctx
def news_fetch(ctx, source: str, draft: bool, category: str, timeout: float) -> None:
    """Lấy bài báo từ địa chỉ web SOURCE (hoặc tệp .html đã lưu) thành một tin."""
    from .store import add_pieces
    from .web import read_article

    piece = read_article(source, timeout)
    result = add_pieces(ctx.settings, [piece], status="draft" if draft else "queued",
                        created_by="web", extra={"category": category})
    _report_add(result, piece.source_ref or source)


@click.command("poll")
@pass_ctx
def news_poll(ctx) -> None:
    """Đọc các nguồn tin [[sources]] và thêm bài mới làm bản nháp chờ duyệt."""
    from .feeds import poll

    if not ctx.settings.sources:
        click.echo("Chưa cấu hình nguồn tin nào ([[sources]] trong bulletins.toml).", err=True)
        return
    report = poll(ctx.settings)
    for item in report.added:
        click.echo(f"Bản nháp mới số {item.id}: {item.title}")
    for msg in report.errors:
        click.echo(f"Lỗi: {msg}", err=True)
    for w in report.warnings:
        click.echo(f"Cảnh báo: {w}", err=True)
    click.echo(f"{len(report.added)} bài mới (bản nháp chờ duyệt), {report.skipped} bài đã có.")


@click.command("approve")
@click.argument("item_ids", type=int, nargs=-1, required=True)
@pass_ctx
def news_approve(ctx, item_ids: tuple[int, ...]) -> None:
    """Duyệt bản nháp số ID: tin vào hàng đợi phát."""
    from .store import approve

    for item_id in item_ids:
        item = approve(ctx.settings, item_id)
        click.echo(f"Đã duyệt tin số {item.id}: {item.title}")


@click.command("shorten")
@click.argument("item_id", type=int)
@click.option("--seconds", type=click.FloatRange(5, 1800), default=None,
              help="Độ dài đọc mong muốn, giây (mặc định: max_item_s của đài, 90).")
@click.option("--apply", "apply_", is_flag=True,
              help="Lưu bản rút gọn vào tin (bản gốc vẫn được giữ).")
@pass_ctx
def news_shorten(ctx, item_id: int, seconds: float | None, apply_: bool) -> None:
    """In bản rút gọn của tin ID cho vừa thời lượng; --apply để lưu."""
    from .store import apply_body, propose

    proposal = propose(ctx.settings, item_id, seconds)
    err = lambda s: click.echo(s, err=True)  # noqa: E731
    err(f"Tin số {item_id}: đọc khoảng {proposal.original_ms / 1000:.0f} giây, rút gọn còn "
        f"{proposal.estimated_ms / 1000:.0f} giây (mục tiêu {proposal.target_ms / 1000:.0f} "
        f"giây), giữ {len(proposal.kept)}/{len(proposal.sentences)} câu.")
    if not proposal.fits:
        err("Cảnh báo: câu mở đầu đã dài hơn mục tiêu; hãy sửa tay.")
    if apply_:
        if not proposal.changed:
            err("Tin đã vừa thời lượng, không cần rút gọn.")
            return
        apply_body(ctx.settings, item_id, proposal.text)
        err(f"Đã lưu bản rút gọn vào tin số {item_id}; bản gốc được giữ lại.")
        return
    click.echo(proposal.text)


def register(news: click.Group) -> None:
    for cmd in (news_fetch, news_poll, news_approve, news_shorten):
        news.add_command(cmd)
