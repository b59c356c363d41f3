"""Tables of the province deployment: build jobs and worker heartbeats.

They live on the project's declarative Base, so Alembic migrates them with the rest; the
one-machine default never writes to them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, utcnow

STATUSES = ("queued", "synthesizing", "mastering", "done", "failed")
STATUS_VI = {
    "queued": "đang chờ", "synthesizing": "đang đọc (tổng hợp giọng)",
    "mastering": "đang hoàn thiện âm thanh", "done": "đã xong", "failed": "lỗi",
}


class BuildJob(Base):
    """One build of one slot. `key` (station, day, slot, content hash) is unique: the same
    content enqueued twice is one job, delivered twice it is built once."""

    __tablename__ = "build_jobs"
    __table_args__ = (UniqueConstraint("key", name="uq_build_jobs_key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
    station: Mapped[str] = mapped_column(String(64), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    slot: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    builds: Mapped[int] = mapped_column(Integer, default=0)  # pipeline runs that published
    worker: Mapped[str] = mapped_column(String(200), default="")
    mp3_path: Mapped[str] = mapped_column(String(1000), default="")
    requested_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class WorkerBeat(Base):
    """A worker process says it is alive every few seconds."""

    __tablename__ = "worker_heartbeats"
    worker_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(200), default="")
    pid: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    current_job: Mapped[int | None] = mapped_column(Integer, nullable=True)
