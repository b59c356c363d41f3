"""`bulletins voice list|install`: see and install the station's voices."""

from __future__ import annotations

import click

from ..cli import HomeGroup, pass_ctx


@click.group("voice", cls=HomeGroup)
def voice() -> None:
    """Giọng đọc: xem các giọng đã cài và cài giọng Piper tiếng Việt."""


def _mb(n: int) -> str:
    return f"{n / 1_000_000:.0f} MB" if n else "?"


@voice.command("list")
@pass_ctx
def voice_list(ctx) -> None:
    """Liệt kê giọng đã cài và giọng có thể cài (dung lượng, giấy phép, chất lượng)."""
    from rich.console import Console
    from rich.table import Table

    from .espeak import VOICE_LABELS
    from .voices import catalog, installed

    home = ctx.settings.home
    console = Console(highlight=False)
    have = installed(home)
    t = Table(title="Giọng đã cài", title_justify="left")
    for col in ("Tên", "Engine", "Dung lượng", "Nguồn"):
        t.add_column(col)
    for name, label in VOICE_LABELS.items():
        t.add_row(name, "espeak", "có sẵn", f"espeak-ng, {label}")
    for v in have:
        t.add_row(v.name, "piper", _mb(v.size), v.info.get("source", str(v.model)))
    t.add_row("vi-VN-HoaiMyNeural, vi-VN-NamMinhNeural", "edge", "trực tuyến",
              "Microsoft Edge, cần Internet")
    t.add_row("vi", "gtts", "trực tuyến", "Google, cần Internet")
    console.print(t)
    names = {v.name for v in have}
    c = Table(title="Giọng Piper có thể cài (bulletins voice install TÊN)", title_justify="left")
    for col in ("Tên", "Dung lượng", "Giấy phép", "Chất lượng", "Xác minh"):
        c.add_column(col)
    for entry in catalog().values():
        check = "SHA-256" if entry.model.sha256 else "cần --sha256"
        c.add_row(entry.name + (" (đã cài)" if entry.name in names else ""), _mb(entry.size),
                  entry.licence, entry.quality, check)
    console.print(c)


@voice.command("install")
@click.argument("name")
@click.option("--from", "source", default=None,
              help="Thư mục, tệp .onnx hoặc địa chỉ URL chứa giọng (USB, máy chủ nội bộ).")
@click.option("--sha256", default=None,
              help="Mã SHA-256 của tệp .onnx (cho giọng ngoài danh mục hoặc bản mới hơn).")
@pass_ctx
def voice_install(ctx, name: str, source: str | None, sha256: str | None) -> None:
    """Cài giọng Piper NAME: tải (tiếp tục được khi bị ngắt), kiểm tra, rồi mới cài."""
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TransferSpeedColumn,
    )

    from .voices import install

    settings = ctx.settings
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(),
                  TransferSpeedColumn(), transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(fname: str, done: int, total: int | None) -> None:
            if fname not in tasks:
                tasks[fname] = bar.add_task(fname, total=total)
            bar.update(tasks[fname], completed=done, total=total)

        path = install(settings.home, name, source=source, sha256=sha256,
                       base_url=settings.engines.voices_url, progress=progress)
    click.echo(f"Đã cài giọng {name}: {path}")
    click.echo(f'Dùng cho đài: engine = "piper", voice = "{name}" trong bulletins.toml, '
               "hoặc bulletins build --engine piper.")


commands = [voice]
