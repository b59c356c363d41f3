"""Core CLI commands: news queue, normalize, build and demo."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import click

from .cli import HomeGroup, pass_ctx
from .config import ENGINES
from .models import PRIORITIES, PRIORITY_VI

# The queue (SQLAlchemy) is imported inside the commands that use it, so `normalize` and
# `--help` start fast.


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
@click.option("--audio", default="", help="Tệp ghi âm (MP3, WAV, M4A/AAC, OGG, AMR) phát nguyên "
              "văn sau tiêu đề; khi có thì không cần --body.")
@click.option("--language", default="", help="Ngôn ngữ của bản ghi âm, ví dụ jra (Jrai), "
              "bdq (Ba Na); trống = tiếng Việt.")
@pass_ctx
def news_add(ctx, title: str, body: str | None, priority: str, category: str, stations: str,
             valid_from: str, valid_until: str, audio: str, language: str) -> None:
    """Thêm một tin vào hàng đợi (chữ, bản ghi âm, hoặc cả hai)."""
    from .news import NewsQueue

    if body == "-" or (body is None and not audio):
        body = read_stdin()
    queue = NewsQueue(ctx.settings)
    item = queue.add({
        "title": title, "body": body, "priority": priority, "category": category,
        "stations": stations, "valid_from": valid_from, "valid_until": valid_until,
        "audio": audio, "language": language,
    })
    _warn(queue.warnings)
    click.echo(f"Đã thêm tin số {item.id}: {item.title}")
    if item.audio_ms is not None:
        m, sec = divmod(round(item.audio_ms / 1000), 60)
        click.echo(f"Bản ghi âm dài {m}:{sec:02d} ({item.audio_ms / 1000:.1f} giây).")
    from .sources.store import near_duplicate_notes

    for _, warning in near_duplicate_notes(ctx.settings, [item], queue.exact_repeats):
        click.echo(warning, err=True)


def read_stdin() -> str:
    """Standard input as bytes, decoded like a file: old TCVN3/VNI bytes are converted (with a
    warning) or refused, never read as broken UTF-8."""
    from .encoding import decode_bytes

    decoded = decode_bytes(click.get_binary_stream("stdin").read())
    _warn([decoded.warning("Đầu vào chuẩn")])
    return decoded.text


def _warn(notes: list[str | None]) -> None:
    for note in notes:
        if note:
            click.echo(f"Cảnh báo: {note[:1].upper()}{note[1:]}", err=True)


@news.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@pass_ctx
def news_import(ctx, file: Path) -> None:
    """Nhập tin từ tệp JSON (danh sách), CSV hoặc Word (.docx). Một dòng sai thì không nhập gì."""
    if file.suffix.lower() in (".docx", ".doc"):
        from .sources.commands import import_docx

        return import_docx(ctx, file)
    from .news import NewsQueue

    queue = NewsQueue(ctx.settings)
    items = queue.import_file(file)
    _warn(queue.warnings)
    click.echo(f"Đã nhập {len(items)} tin từ {file.name}.")
    from .sources.store import near_duplicate_notes

    for item, warning in near_duplicate_notes(ctx.settings, items, queue.exact_repeats):
        click.echo(f"Tin số {item.id}: {warning}", err=True)


@news.command("list")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.option("--status", default=None, help="draft | queued | aired | archived")
@click.option("--station", default=None, help="Chỉ các tin dành cho đài này.")
@click.option("--priority", type=click.Choice(PRIORITIES), default=None)
@pass_ctx
def news_list(ctx, as_json: bool, status: str | None, station: str | None,
              priority: str | None) -> None:
    """Liệt kê các tin (khẩn cấp trước, rồi theo mức ưu tiên và thứ tự gửi)."""
    from .news import NewsQueue

    items = NewsQueue(ctx.settings).list(status=status, station=station, priority=priority)
    if as_json:
        click.echo(json.dumps([_item_json(i) for i in items], ensure_ascii=False, indent=2))
        return
    if not items:
        click.echo("Hàng đợi trống.")
        return
    for i in items:
        where = ",".join(i.stations) or "mọi đài"
        rec = f"; bản ghi âm {i.audio_ms / 1000:.0f} giây" if i.audio_ms else ""
        click.echo(f"#{i.id:<4} [{PRIORITY_VI.get(i.priority, i.priority)}] {i.status:<8} "
                   f"{i.title}  ({where}; đã phát {i.air_count} lần{rec})")


def _item_json(i) -> dict:
    return {
        "id": i.id, "title": i.title, "body": i.body, "priority": i.priority,
        "category": i.category, "stations": list(i.stations),
        "valid_from": i.valid_from.isoformat() if i.valid_from else None,
        "valid_until": i.valid_until.isoformat() if i.valid_until else None,
        "status": i.status, "air_count": i.air_count,
        "created_at": i.created_at.isoformat() if i.created_at else None,
        "audio": i.audio, "audio_s": i.audio_ms / 1000 if i.audio_ms is not None else None,
        "language": i.language,
    }


def _parse_day(value: str | None) -> date | None:
    from .news import parse_date

    return parse_date(value, "--date", "") if value else None


@click.command("normalize")
@click.argument("text")
@click.option("--details", is_flag=True, help="In thêm các thay đổi và từ viết tắt chưa biết.")
@click.option("--explain", is_flag=True,
              help="In từng từ đặc biệt: loại (ngày, số đo, mã…), ngữ cảnh quyết định, cách đọc.")
@pass_ctx
def normalize_cmd(ctx, text: str, details: bool, explain: bool) -> None:
    """In dạng đọc của TEXT; với '-' đọc từng dòng từ đầu vào chuẩn."""
    from .encoding import fix_argument, strip_escapes
    from .normalize import explain as explain_tokens
    from .normalize import load_lexicon, normalize

    settings = ctx.settings
    lexicon = load_lexicon(settings.lexicon_path)
    if text == "-":
        lines = read_stdin().splitlines()
    else:
        decoded = fix_argument(text)
        _warn([decoded.warning()])
        lines = [decoded.text]
    lines = [strip_escapes(line) for line in lines]  # a pasted colour code is not a number
    for line in lines:
        result = normalize(line, lexicon, settings.normalize)
        if explain:
            for token_line in explain_tokens(result):
                click.echo(token_line)
            click.echo("→ " + result.spoken)
        else:
            click.echo(result.spoken)
        if details:
            for ch in result.changes:
                click.echo(f"  {ch.rule}: {ch.original} → {ch.spoken}", err=True)
            if result.unknown:
                click.echo("  Chưa biết: " + ", ".join(result.unknown), err=True)
        for w in result.warnings:
            click.echo(f"Cảnh báo: {w}", err=True)


@click.command("build")
@click.option("--station", default=None, help="Mã đài (mặc định: đài đầu tiên).")
@click.option("--date", "day", default=None, help="Ngày phát (mặc định: hôm nay).")
@click.option("--slot", default=None, help="Tên khung giờ (mặc định: khung giờ sắp tới).")
@click.option("--length", "length_s", type=click.IntRange(20, 7200), default=None,
              help="Độ dài khung giờ, giây (mặc định: theo cấu hình, 600).")
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Bộ đọc (mặc định: theo cấu hình).")
@click.option("--no-mark", is_flag=True, hidden=True,
              help="Không còn tác dụng: dựng bản tin không bao giờ đánh dấu tin là đã phát.")
@click.option("--wait", "wait_s", type=click.IntRange(0, 3600), default=300, show_default=True,
              help="Nếu khung giờ này đang được dựng ở nơi khác: chờ tối đa bấy nhiêu giây "
                   "rồi dùng bản tin đó (0 = từ chối ngay).")
@click.option("--no-follow", is_flag=True,
              help="Máy chủ tỉnh: chỉ gửi lệnh dựng vào hàng đợi, không chờ kết quả.")
@pass_ctx
def build(ctx, station: str | None, day: str | None, slot: str | None, length_s: int | None,
          engine: str | None, no_mark: bool, wait_s: int, no_follow: bool) -> None:
    """Dựng một bản tin và in đường dẫn tệp MP3 (dòng cuối).

    Dựng không phải là phát: tin chỉ được tính là đã phát khi nhật ký phát ghi bản tin đã
    phát. Dựng lại khung giờ đã có bản tin thì bản cũ được lưu vào thư mục archive/.
    """
    from .models import BuildRequest

    if ctx.settings.workers.broker_url:  # province: the workers build it, as for the web
        from .province.commands import build_on_workers

        build_on_workers(ctx.settings, station, _parse_day(day), slot, length_s, engine,
                         follow=not no_follow, report=_report)
        return
    req = BuildRequest(station_id=station, day=_parse_day(day), slot=slot, length_s=length_s,
                       engine=engine, wait_s=wait_s)
    result = _run_build(ctx.settings, req)
    if result.reused:
        click.echo("Khung giờ này vừa được dựng ở nơi khác trong lúc chờ: dùng bản tin đó, "
                   "không dựng lại.", err=True)
    _report(result.manifest)
    click.echo(result.mp3_path)


def _run_build(settings, req):  # noqa: ANN001, ANN202
    from .pipeline import build_bulletin

    if not sys.stderr.isatty():
        return build_bulletin(settings, req)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    labels = {"plan": "Chọn tin", "synth": "Tổng hợp giọng đọc", "master": "Xử lý âm thanh",
              "done": "Xong"}
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  transient=True) as bar:
        task = bar.add_task("Dựng bản tin", total=1)

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(task, description=labels.get(stage, stage), completed=done, total=total)

        return build_bulletin(settings, req, progress=progress)


def _report(manifest: dict) -> None:
    out = lambda s: click.echo(s, err=True)  # noqa: E731
    n, d = len(manifest["items"]), len(manifest["deferred"])
    out(f"Bản tin {manifest['station']} {manifest['date']} {manifest['slot']}: "
        f"{manifest['duration_s']:.1f} giây / {manifest['slot_s']:.0f} giây, {n} tin, "
        f"{d} tin chờ bản tin sau; độ to {manifest['loudness_lufs']:.1f} LUFS; "
        f"giọng đọc {manifest['engine']}.")
    for msg in [*manifest.get("fallbacks", []), *manifest.get("warnings", [])]:
        out(f"Cảnh báo: {msg}")
    for path in manifest.get("archived", []):
        out(f"Bản tin cũ của khung giờ này được giữ lại: {path}")
    if manifest.get("unknown_tokens"):
        out("Từ viết tắt chưa biết (đã đánh vần): " + ", ".join(manifest["unknown_tokens"]))


@click.command("demo")
@click.option("--engine", type=click.Choice(ENGINES),
              default="espeak", show_default=True, help="Bộ đọc cho bản tin mẫu.")
@pass_ctx
def demo(ctx, engine: str) -> None:
    """Dựng một bản tin mẫu từ tin có sẵn, không cần mạng, và in đường dẫn MP3."""
    from dataclasses import replace

    from .config import load_settings
    from .models import BuildRequest

    base = ctx.settings
    home = base.home / "demo"
    home.mkdir(parents=True, exist_ok=True)
    db = home / "bulletins.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    settings = load_settings(home)
    if settings.stations == base.stations and not (home / "bulletins.toml").exists():
        settings = replace(settings, stations=base.stations)
    sample = Path(__file__).parent / "data" / "sample_news.json"
    from .news import NewsQueue

    queue = NewsQueue(settings)
    items = queue.import_file(sample, created_by="demo")
    click.echo(f"Đã nạp {len(items)} tin mẫu vào {home}.", err=True)
    station = settings.stations[0]
    req = BuildRequest(station_id=station.id, day=date.today(), slot=station.slots[0].name,
                       engine=engine)
    result = _run_build(settings, req)
    _report(result.manifest)
    click.echo(f"Bản ghi: {result.transcript_path}", err=True)
    click.echo(result.mp3_path)


def _register_sources() -> None:
    from .sources.commands import register

    register(news)


_register_sources()
commands = [news, normalize_cmd, build, demo]
