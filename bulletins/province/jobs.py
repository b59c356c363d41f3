"""Build jobs on Dramatiq workers over Redis: enqueue, run, follow.

Delivery is at-least-once (Dramatiq acknowledges a message after the actor returns; a
message held by a worker that died is put back on the queue once its heartbeat is older
than `workers.heartbeat_timeout_s`). So a job may run twice, and must publish once:

- The job key is (station, day, slot, content hash of the candidate items and the
  settings that shape the audio). It is unique in `build_jobs`: enqueueing the same
  content again returns the existing job instead of sending a second message.
- A worker takes the slot's guard (guards.slot_guard: an advisory lock on PostgreSQL)
  before it looks at the job, then re-reads it: a job already `done` is acknowledged and
  skipped; a job whose earlier attempt published a bulletin before its worker died is
  marked done from that record. Only then does it build.
- Builds never mark items aired (`mark_aired=False`): airing is counted when a bulletin
  plays or a station reports it, so a build done twice counts nothing twice.

The `build_jobs` row is the truth for the web page and `bulletins status`: queued,
synthesizing, mastering, done, failed (with the reason).
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..config import Settings
from ..db import BulletinRecord, session_factory, utcnow
from ..errors import BulletinError, QueueError
from .tables import BuildJob

log = logging.getLogger("bulletins.province")
ACTOR_NAME = "build_bulletin_job"
# Share of broker commands that also run queue maintenance (putting back messages of dead
# workers). Dramatiq's default, 0.1 %, can leave a dead worker's job waiting for many
# minutes; at 10 % it is back within seconds of the heartbeat timeout.
MAINTENANCE_CHANCE = 100_000
RUNNING = ("synthesizing", "mastering")


def enabled(settings: Settings) -> bool:
    """Builds go to workers only when a broker is configured (the province deployment)."""
    return bool(settings.workers.broker_url)


# ---------------------------------------------------------------------------- broker
_brokers: dict[tuple[str, float], Any] = {}
_brokers_lock = threading.Lock()
_worker_settings: Settings | None = None  # set by the worker process (worker.py)
_worker_id = ""


def broker(settings: Settings):  # noqa: ANN201
    """One RedisBroker per URL per process, with the build actor declared on it."""
    import dramatiq
    from dramatiq.brokers.redis import RedisBroker
    from dramatiq.middleware import CurrentMessage

    w = settings.workers
    key = (w.broker_url, w.heartbeat_timeout_s)
    with _brokers_lock:
        if key not in _brokers:
            b = RedisBroker(url=w.broker_url, heartbeat_timeout=int(w.heartbeat_timeout_s * 1000),
                            maintenance_chance=MAINTENANCE_CHANCE)
            b.add_middleware(CurrentMessage())
            dramatiq.Actor(
                _actor, broker=b, actor_name=ACTOR_NAME, queue_name=w.queue, priority=0,
                options={"max_retries": w.max_retries, "min_backoff": 1000,
                         "max_backoff": 60_000, "time_limit": w.time_limit_s * 1000},
            )
            _brokers[key] = b
        return _brokers[key]


def _actor(job_id: int) -> None:
    from dramatiq.middleware import CurrentMessage

    settings = _worker_settings
    if settings is None:
        raise RuntimeError("build jobs run only inside `bulletins worker`")
    msg = CurrentMessage.get_current_message()
    retries = int(msg.options.get("retries", 0)) if msg is not None else 0
    run_job(settings, job_id, worker_id=_worker_id,
            final_attempt=retries >= settings.workers.max_retries)


def send(settings: Settings, job_id: int) -> None:
    b = broker(settings)
    b.get_actor(ACTOR_NAME).send(job_id)


# ---------------------------------------------------------------------------- key
def content_hash(settings: Settings, station_id: str, day: date, slot_name: str) -> str:
    """What the bulletin depends on: the candidate items (in queue order, with their text)
    and every setting that shapes its words or sound."""
    from ..news import NewsQueue

    station = settings.station(station_id)
    items = NewsQueue(settings).candidates(station_id, day)
    lexicon = settings.lexicon_path
    payload = {
        "items": [[i.id, i.title, i.body, i.priority, i.category, list(i.stations)]
                  for i in items],
        "station": repr(station), "slot": repr(station.slot(slot_name)),
        "audio": asdict(settings.audio), "engines": asdict(settings.engines),
        "normalize": asdict(settings.normalize),
        "lexicon": hashlib.sha256(lexicon.read_bytes()).hexdigest() if lexicon.is_file() else "",
        "templates": sorted((p.name, p.stat().st_mtime_ns)
                            for p in settings.templates_dir.glob("*")) if
        settings.templates_dir.is_dir() else [],
    }
    raw = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


def job_key(station_id: str, day: date, slot_name: str, digest: str) -> str:
    return f"{station_id}/{day.isoformat()}/{slot_name}/{digest}"


# ---------------------------------------------------------------------------- views
@dataclass(frozen=True)
class JobView:
    id: int
    key: str
    station: str
    day: date
    slot: str
    status: str
    error: str
    attempts: int
    builds: int
    worker: str
    mp3_path: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    new: bool = False  # this call created it (and sent its message)

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    def to_json(self) -> dict:
        from .tables import STATUS_VI

        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {"id": self.id, "station": self.station, "day": self.day.isoformat(),
                "slot": self.slot, "status": self.status,
                "status_vi": STATUS_VI.get(self.status, self.status), "error": self.error,
                "attempts": self.attempts, "worker": self.worker,
                "finished": self.finished, "created_at": iso(self.created_at),
                "updated_at": iso(self.updated_at), "finished_at": iso(self.finished_at)}


def _view(row: BuildJob, new: bool = False) -> JobView:
    return JobView(row.id, row.key, row.station, row.day, row.slot, row.status, row.error,
                   row.attempts, row.builds, row.worker, row.mp3_path, row.created_at,
                   row.updated_at, row.started_at, row.finished_at, new)


def get_job(settings: Settings, job_id: int) -> JobView:
    with session_factory(settings.db_url)() as s:
        row = s.get(BuildJob, job_id)
        if row is None:
            raise QueueError(f"Không có lệnh dựng số {job_id}.")
        return _view(row)


def list_jobs(settings: Settings, status: tuple[str, ...] | None = None,
              limit: int = 50) -> list[JobView]:
    with session_factory(settings.db_url)() as s:
        q = select(BuildJob).order_by(BuildJob.id.desc()).limit(limit)
        if status:
            q = q.where(BuildJob.status.in_(status))
        return [_view(r) for r in s.scalars(q)]


# ---------------------------------------------------------------------------- enqueue
def enqueue(settings: Settings, station_id: str, day: date, slot_name: str,
            requested_by: str = "") -> JobView:
    """The job for this slot's current content: created and sent once; the existing one
    (queued, running or done) when the same content was already enqueued; a failed one is
    sent again."""
    settings.station(station_id).slot(slot_name)  # a clear message for a bad name
    digest = content_hash(settings, station_id, day, slot_name)
    key = job_key(station_id, day, slot_name, digest)
    Session = session_factory(settings.db_url)
    for _ in range(5):
        with Session() as s:
            row = s.scalars(select(BuildJob).where(BuildJob.key == key)).first()
            if row is not None:
                if row.status != "failed":
                    return _view(row)
                return retry(settings, row.id)
            row = BuildJob(key=key, station=station_id, day=day, slot=slot_name,
                           content_hash=digest, status="queued", error="", attempts=0,
                           builds=0, worker="", mp3_path="", requested_by=requested_by)
            s.add(row)
            try:
                s.commit()
            except IntegrityError:  # another process enqueued the same content just now
                s.rollback()
                continue
            view = _view(row, new=True)
        _send_or_fail(settings, view.id)
        return view
    raise QueueError("Không tạo được lệnh dựng bản tin; hãy thử lại.")


def _send_or_fail(settings: Settings, job_id: int) -> None:
    try:
        send(settings, job_id)
    except Exception as exc:  # noqa: BLE001 - Redis down: say so on the job, then raise
        _set(settings, job_id, status="failed",
             error=f"Không gửi được lệnh tới hàng đợi Redis: {exc}")
        raise BulletinError(
            "Không gửi được lệnh dựng tới hàng đợi (Redis).",
            "Kiểm tra «workers.broker_url» và máy chủ Redis.", detail=repr(exc)) from exc


def retry(settings: Settings, job_id: int) -> JobView:
    """Send a failed job again (the retry button and `bulletins status --retry`)."""
    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        res = s.execute(update(BuildJob).where(BuildJob.id == job_id,
                                               BuildJob.status == "failed")
                        .values(status="queued", error="", started_at=None,
                                updated_at=utcnow()))
        if res.rowcount == 0:
            row = s.get(BuildJob, job_id)
            if row is None:
                raise QueueError(f"Không có lệnh dựng số {job_id}.")
            return _view(row)
    _send_or_fail(settings, job_id)
    return get_job(settings, job_id)


def _set(settings: Settings, job_id: int, **values: Any) -> None:
    """One atomic UPDATE of a job row, retried when PostgreSQL reports a serialization
    failure or deadlock (they are safe to repeat)."""
    values.setdefault("updated_at", utcnow())
    for attempt in range(5):
        try:
            with session_factory(settings.db_url).begin() as s:
                s.execute(update(BuildJob).where(BuildJob.id == job_id).values(**values))
            return
        except OperationalError as exc:
            code = getattr(getattr(exc, "orig", None), "sqlstate", None)
            if code not in ("40001", "40P01") or attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))


# ---------------------------------------------------------------------------- run
current_job: int | None = None  # read by the worker's heartbeat thread


def run_job(settings: Settings, job_id: int, worker_id: str = "",
            final_attempt: bool = True) -> JobView:
    """Build one job at most once (see the module docstring)."""
    global current_job
    from .guards import slot_guard

    worker_id = worker_id or worker_name()
    Session = session_factory(settings.db_url)
    with Session() as s:
        row = s.get(BuildJob, job_id)
        if row is None:
            log.warning("job %s is not in the database: dropped", job_id)
            raise QueueError(f"Không có lệnh dựng số {job_id}.")
        if row.status == "done":
            log.info("job %s already done: duplicate delivery skipped", job_id)
            return _view(row)
        station, day, slot = row.station, row.day, row.slot
    with slot_guard(settings, station, day, slot):
        with Session() as s:
            row = s.get(BuildJob, job_id)
            if row.status == "done":
                log.info("job %s finished by another worker meanwhile: skipped", job_id)
                return _view(row)
            earlier = row.started_at
        if earlier is not None:  # an earlier attempt died: did it publish before dying?
            with Session() as s:
                rec = s.scalars(select(BulletinRecord).where(
                    BulletinRecord.station == station, BulletinRecord.day == day,
                    BulletinRecord.slot == slot, BulletinRecord.created_at >= earlier,
                ).order_by(BulletinRecord.id.desc())).first()
            if rec is not None:
                from pathlib import Path

                if Path(rec.path).is_file():
                    log.info("job %s was published by an earlier attempt", job_id)
                    _set(settings, job_id, status="done", mp3_path=rec.path, error="",
                         finished_at=utcnow())
                    return get_job(settings, job_id)
        now = utcnow()
        with Session.begin() as s:
            s.execute(update(BuildJob).where(BuildJob.id == job_id).values(
                status="synthesizing", worker=worker_id, attempts=BuildJob.attempts + 1,
                started_at=earlier or now, updated_at=now, error=""))
        current_job = job_id
        try:
            result = _build(settings, job_id, station, day, slot)
        except BulletinError as exc:  # the editor's or operator's to fix: no retry
            msg = exc.message + (f" {exc.hint}" if exc.hint else "")
            _set(settings, job_id, status="failed", error=msg, finished_at=utcnow())
            log.error("job %s failed: %s", job_id, msg)
            return get_job(settings, job_id)
        except Exception as exc:
            msg = f"Lỗi không mong muốn: {exc!r}"
            if final_attempt:
                _set(settings, job_id, status="failed", error=msg, finished_at=utcnow())
            else:
                _set(settings, job_id, status="queued", error=msg + " (sẽ thử lại)")
            raise  # Dramatiq retries it with backoff
        finally:
            current_job = None
        with Session.begin() as s:
            s.execute(update(BuildJob).where(BuildJob.id == job_id).values(
                status="done", mp3_path=result.mp3_path, builds=BuildJob.builds + 1,
                finished_at=utcnow(), updated_at=utcnow()))
    log.info("job %s done: %s", job_id, result.mp3_path)
    return get_job(settings, job_id)


def _build(settings: Settings, job_id: int, station: str, day: date, slot: str):  # noqa: ANN202
    from ..models import BuildRequest
    from ..pipeline import build_bulletin

    shown = {"status": "synthesizing"}

    def progress(stage: str, _done: int, _total: int) -> None:
        status = {"synth": "synthesizing", "master": "mastering"}.get(stage)
        if status and status != shown["status"]:
            shown["status"] = status
            _set(settings, job_id, status=status)

    return build_bulletin(settings, BuildRequest(station, day, slot, mark_aired=False),
                          progress=progress)


def worker_name() -> str:
    import os
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


# ---------------------------------------------------------------------------- follow
def wait(settings: Settings, job_id: int, timeout_s: float,
         stop: threading.Event | None = None) -> JobView:
    """Poll the job row until it is done or failed (or the timeout / stop)."""
    deadline = time.monotonic() + timeout_s
    while True:
        view = get_job(settings, job_id)
        if view.finished or time.monotonic() >= deadline or (stop and stop.is_set()):
            return view
        time.sleep(0.5)


def build_via_workers(settings: Settings, station_id: str, slot_name: str, day: date,
                      wait_s: float | None = None, stop: threading.Event | None = None):  # noqa: ANN201
    """The scheduler's hook: enqueue; with `wait_s`, wait and return a BuildResult like
    pipeline.build_bulletin (raising BulletinError when the job failed or is not done)."""
    job = enqueue(settings, station_id, day, slot_name, requested_by="scheduler")
    log.info("job %s for %s/%s %s: %s", job.id, station_id, slot_name, day, job.status)
    if wait_s is None:
        return None
    job = wait(settings, job.id, wait_s, stop)
    if job.status != "done":
        raise BulletinError(job.error or f"Lệnh dựng {job.id} chưa xong ({job.status}).")
    return result_of(job)


def result_of(job: JobView):  # noqa: ANN201
    from pathlib import Path

    from ..models import BuildResult

    mp3 = Path(job.mp3_path)
    manifest_path, transcript = mp3.with_suffix(".json"), mp3.with_suffix(".txt")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    return BuildResult(str(mp3), str(manifest_path), str(transcript), manifest)
