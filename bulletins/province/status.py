"""What `bulletins status`, the admin page and /healthz report about the deployment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, text

from ..config import Settings
from ..db import BulletinRecord, session_factory, utcnow
from . import jobs
from .tables import BuildJob, WorkerBeat


@dataclass
class StationSlot:
    station: str
    name: str
    day: date
    slot: str
    time: str
    ready: bool
    job_status: str = ""


@dataclass
class Status:
    mode: str  # "một máy" | "tỉnh"
    database: str
    db_ok: bool
    broker_ok: bool | None  # None: no broker configured
    broker_error: str = ""
    queue_depth: int | None = None  # messages waiting in Redis
    dead_letters: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    running: list[jobs.JobView] = field(default_factory=list)
    failed: list[jobs.JobView] = field(default_factory=list)
    workers: list[dict] = field(default_factory=list)  # alive ones
    stations: list[StationSlot] = field(default_factory=list)

    def to_json(self) -> dict:
        return {
            "mode": self.mode, "database": self.database, "db_ok": self.db_ok,
            "broker_ok": self.broker_ok, "broker_error": self.broker_error,
            "queue_depth": self.queue_depth, "dead_letters": self.dead_letters,
            "jobs": self.counts, "running": [j.to_json() for j in self.running],
            "failed": [j.to_json() for j in self.failed], "workers": self.workers,
            "stations": [{"station": s.station, "day": s.day.isoformat(), "slot": s.slot,
                          "time": s.time, "ready": s.ready, "job_status": s.job_status}
                         for s in self.stations],
        }


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return "?"


def broker_check(settings: Settings) -> tuple[bool, str, int | None, int | None]:
    """(reachable, error, messages waiting, dead letters) of the Redis queue."""
    try:
        import redis

        client = redis.Redis.from_url(settings.workers.broker_url, socket_timeout=2,
                                      socket_connect_timeout=2)
        q = f"dramatiq:{settings.workers.queue}"
        client.ping()
        depth = int(client.llen(q)) + int(client.hlen(f"{q}.DQ.msgs"))
        dead = int(client.zcard(f"{q}.XQ"))
        client.close()
        return True, "", depth, dead
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return False, str(exc), None, None


def alive_workers(settings: Settings) -> list[dict]:
    cutoff = utcnow() - timedelta(seconds=max(10.0, settings.workers.heartbeat_timeout_s / 2))
    with session_factory(settings.db_url)() as s:
        rows = s.scalars(select(WorkerBeat).where(WorkerBeat.seen_at >= cutoff)
                         .order_by(WorkerBeat.worker_id))
        return [{"worker": r.worker_id, "host": r.host, "pid": r.pid,
                 "seen_at": r.seen_at.isoformat(), "job": r.current_job} for r in rows]


def collect(settings: Settings, now: datetime | None = None) -> Status:
    from ..pipeline import next_slot

    now = now or datetime.now()
    province = jobs.enabled(settings)
    st = Status(mode="tỉnh" if province else "một máy", database=_safe_url(settings.db_url),
                db_ok=True, broker_ok=None)
    Session = session_factory(settings.db_url)
    with Session() as s:
        s.execute(text("SELECT 1"))
        st.counts = {k: n for k, n in s.execute(
            select(BuildJob.status, func.count()).group_by(BuildJob.status))}
        latest: dict[tuple[str, date, str], str] = {}
        for sta in settings.stations:
            day, slot = next_slot(sta, now)
            rec = s.scalars(select(BulletinRecord).where(
                BulletinRecord.station == sta.id, BulletinRecord.day == day,
                BulletinRecord.slot == slot.name).order_by(BulletinRecord.id.desc())).first()
            job = s.scalars(select(BuildJob.status).where(
                BuildJob.station == sta.id, BuildJob.day == day, BuildJob.slot == slot.name)
                .order_by(BuildJob.id.desc())).first()
            latest[(sta.id, day, slot.name)] = job or ""
            st.stations.append(StationSlot(sta.id, sta.name, day, slot.name, slot.time,
                                           rec is not None and Path(rec.path).is_file(),
                                           job or ""))
    st.running = jobs.list_jobs(settings, jobs.RUNNING, limit=200)
    st.failed = jobs.list_jobs(settings, ("failed",), limit=50)
    st.workers = alive_workers(settings)
    if province:
        st.broker_ok, st.broker_error, st.queue_depth, st.dead_letters = broker_check(settings)
    return st


def health(settings: Settings) -> dict:
    """For /healthz: database always; broker and workers when workers are configured."""
    out: dict = {"db": True}
    try:
        with session_factory(settings.db_url)() as s:
            s.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001
        out["db"] = False
    if jobs.enabled(settings):
        ok, _err, depth, _dead = broker_check(settings)
        out["broker"] = ok
        out["queue_depth"] = depth
        try:
            out["workers"] = len(alive_workers(settings)) if out["db"] else 0
        except Exception:  # noqa: BLE001
            out["workers"] = 0
    out["ok"] = out["db"] and out.get("broker", True) and out.get("workers", 1) > 0
    return out
