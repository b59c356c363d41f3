"""CLI of the province deployment: `worker`, `status` and the queued path of `build`."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from datetime import date, datetime

import click

from ..cli import pass_ctx
from ..config import Settings
from ..errors import BulletinError, ConfigError


def build_on_workers(settings: Settings, station_id: str | None, day: date | None,
                     slot_name: str | None, length_s: int | None, engine: str | None,
                     follow: bool, report: Callable[[dict], None],
                     timeout_s: float | None = None) -> None:
    """`bulletins build` when workers are configured: enqueue the slot's job (as "Dựng bản
    tin ngay" and POST /api/build do) and, unless `follow` is off, print its progress and
    outcome. The job's content key decides: the same items and settings already built
    return that bulletin instead of building again."""
    from ..pipeline import next_slot
    from . import jobs
    from .tables import STATUS_VI

    if length_s is not None or engine is not None:
        # A job is built from the configuration every worker reads; one-off overrides would
        # make two bulletins of one key differ.
        raise ConfigError("Máy chủ tỉnh: --length và --engine không dùng được khi dựng qua "
                          "hàng đợi.", "Đổi độ dài khung giờ hoặc bộ đọc trong bulletins.toml "
                          "(mọi tiến trình dựng cùng đọc tệp này).")
    station = settings.station(station_id)
    if slot_name is None:
        next_day, slot = next_slot(station, datetime.now())
        slot_name, day = slot.name, day or next_day
    day = day or date.today()
    job = jobs.enqueue(settings, station.id, day, slot_name, requested_by="cli")
    where = f"{station.id}/{day.isoformat()}/{slot_name}"
    if job.new:
        click.echo(f"Đã gửi lệnh dựng {job.id} ({where}) vào hàng đợi.", err=True)
    else:
        click.echo(f"Lệnh dựng {job.id} ({where}) với cùng nội dung đã có: "
                   f"{STATUS_VI.get(job.status, job.status)}.", err=True)
    if not follow:
        click.echo(f"Theo dõi: bulletins status (lệnh {job.id}).", err=True)
        click.echo(job.id)
        return
    deadline = time.monotonic() + (timeout_s or settings.workers.time_limit_s + 600)
    shown = job.status
    while not job.finished:
        if time.monotonic() > deadline:
            raise BulletinError(f"Lệnh dựng {job.id} chưa xong sau thời gian chờ "
                                f"({STATUS_VI.get(job.status, job.status)}).",
                                "Xem «bulletins status»: tiến trình dựng có đang chạy không?")
        time.sleep(0.5)
        job = jobs.get_job(settings, job.id)
        if job.status != shown:
            shown = job.status
            click.echo(f"Lệnh dựng {job.id}: {STATUS_VI.get(shown, shown)}…", err=True)
    if job.status == "failed":
        raise BulletinError(f"Lệnh dựng {job.id} ({where}) lỗi: {job.error}",
                            f"Sửa lỗi rồi gửi lại: bulletins status --retry {job.id}")
    result = jobs.result_of(job)
    if result.manifest:
        report(result.manifest)
    click.echo(result.mp3_path)


@click.command("worker")
@click.option("--processes", "-p", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Số tiến trình dựng bản tin (mỗi nhân CPU một tiến trình).")
@click.option("--threads", "-t", default=1, show_default=True, type=click.IntRange(1, 32),
              help="Số luồng trong mỗi tiến trình.")
@pass_ctx
def worker(ctx, processes: int, threads: int) -> None:
    """Chạy tiến trình dựng bản tin (máy chủ tỉnh: nhận lệnh dựng từ hàng đợi Redis)."""
    from ..province import jobs
    from ..province.worker import run

    settings = ctx.settings
    if not jobs.enabled(settings):
        raise ConfigError("Chưa cấu hình hàng đợi: thiếu «[workers] broker_url».",
                          "Thêm vào bulletins.toml: [workers] broker_url = "
                          "\"redis://127.0.0.1:6379/0\".")
    click.echo(f"Khởi động {processes} tiến trình × {threads} luồng dựng bản tin "
               f"(Ctrl-C để dừng).")
    run(settings, processes, threads)


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="In dạng JSON.")
@click.option("--retry", "retry_id", type=int, default=None, metavar="JOB_ID",
              help="Gửi lại lệnh dựng bị lỗi số JOB_ID.")
@pass_ctx
def status(ctx, as_json: bool, retry_id: int | None) -> None:
    """Tình trạng hệ thống: hàng đợi, lệnh đang dựng, lệnh lỗi, tiến trình dựng, các đài."""
    from ..province import jobs
    from ..province.status import collect

    settings = ctx.settings
    if retry_id is not None:
        job = jobs.retry(settings, retry_id)
        click.echo(f"Lệnh dựng {job.id} ({job.station}/{job.day}/{job.slot}): {job.status}.")
        return
    st = collect(settings)
    if as_json:
        click.echo(json.dumps(st.to_json(), ensure_ascii=False, indent=2))
        return
    from ..province.tables import STATUS_VI

    click.echo(f"Chế độ: {st.mode} · cơ sở dữ liệu: {st.database}")
    if st.broker_ok is not None:
        if st.broker_ok:
            click.echo(f"Hàng đợi Redis: {st.queue_depth} lệnh chờ, {st.dead_letters} lệnh hỏng")
        else:
            click.echo(f"Hàng đợi Redis: KHÔNG KẾT NỐI ĐƯỢC ({st.broker_error})")
    counts = ", ".join(f"{STATUS_VI.get(k, k)}: {n}" for k, n in sorted(st.counts.items()))
    click.echo(f"Lệnh dựng: {counts or 'chưa có'}")
    click.echo(f"Tiến trình dựng còn sống: {len(st.workers)}")
    for w in st.workers:
        job = f", đang dựng lệnh {w['job']}" if w["job"] else ""
        click.echo(f"  - {w['worker']} (lần cuối {w['seen_at'][11:19]} UTC{job})")
    for j in st.running:
        click.echo(f"Đang dựng: lệnh {j.id} {j.station}/{j.day}/{j.slot} — "
                   f"{STATUS_VI.get(j.status, j.status)} ({j.worker})")
    for j in st.failed:
        click.echo(f"LỖI: lệnh {j.id} {j.station}/{j.day}/{j.slot}: {j.error}")
        click.echo(f"      gửi lại: bulletins status --retry {j.id}")
    click.echo("Khung giờ kế tiếp của các đài:")
    for s in st.stations:
        ready = "đã sẵn sàng" if s.ready else "CHƯA có bản tin"
        job = f" (lệnh: {STATUS_VI.get(s.job_status, s.job_status)})" if s.job_status else ""
        click.echo(f"  {s.station}: {s.day:%d/%m} {s.time} «{s.slot}» — {ready}{job}")
    if st.failed or (st.broker_ok is False):
        sys.exit(1)


commands = [worker, status]
