"""The scheduler service: one per home folder, all its stations and slots, in the foreground.

Jobs (APScheduler 3, BackgroundScheduler, SQLAlchemyJobStore on the project database):

- ``build:<station>:<slot>`` — CronTrigger at slot time minus ``lead_minutes`` (weekdays
  shifted when that crosses midnight, see times.shifted); builds the bulletin of the
  earliest occurrence not yet past grace and not yet handled, through
  ``pipeline.build_bulletin(..., mark_aired=False)``. Builds run one at a time, in the
  order they fell due (a one-thread executor plus a lock shared with play-time builds).
- ``play:<station>:<slot>`` — CronTrigger at slot time; plays what was built.
- ``late:…`` and ``catchup-build:…`` — one-off jobs added by the catch-up below.

Start-up, in this order: take the home lock (lock.py); close log rows a dead run left
``playing``; start APScheduler paused and reconcile the stored jobs with the config
(remove jobs of slots no longer configured, add new ones, replace every configured one so
its next run time is computed from now — no duplicates, ids are deterministic); catch up;
resume.

Catch-up (missed/late detection). Replacing jobs drops APScheduler's memory of runs that
fell while the machine was off, so the service finds them itself: the previous run's
heartbeat (run/heartbeat.json) says when it was last alive. Every slot occurrence after
that (less a minute of slack, bounded by the previous run's start and by one day) that
has no broadcast-log row was never handled: if it is still within ``grace_minutes`` it is
played now and logged ``late``, else it is logged ``missed``. Slots whose build time
passed while the machine was off are built at once. A first-ever start catches up nothing.

Playing an occurrence (play_slot): an occurrence is claimed in memory (so a cron run and
a catch-up run cannot both play it), and if the log already has a row for (station, slot,
scheduled time) it is never played again; past the grace period it is ``missed``. If the
slot's build is due or running, the play waits for it (within grace). The bulletin is the
latest published one for that day and slot; when the build failed or is missing,
``on_missing`` decides: "build" builds now and plays late, "last_good" plays the newest
earlier bulletin of that slot (the other is the fallback), and the log's error column
says which. Only then is the station's lock taken (one sound at a time per station, so
an emergency never waits for a build) and the player run. A play that starts more than
LATE_AFTER_S after its slot time, or whose bulletin was built at play time, is ``late``.
Items are marked aired only after a successful play (the null player counts as published).

Emergency: the main loop polls run/alerts/ (see alerts.py) several times a second; an
alert stops the station's current play (logged ``failed``, "interrupted"), then plays.

Shutdown (SIGTERM, Ctrl-C): stop taking jobs, abort current plays (logged ``failed``),
wait for running builds, write the last heartbeat, dispose the database engine, release
the lock.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from logging.handlers import RotatingFileHandler
from pathlib import Path

from sqlalchemy import select

from ..config import Settings, Slot, Station
from ..db import BulletinRecord, get_engine, session_factory
from ..errors import BulletinError
from ..models import BuildRequest
from ..news import NewsQueue
from . import alerts, jobs
from .broadcast import BroadcastLogBook
from .lock import HomeLock, read_heartbeat, write_heartbeat
from .players import Player, PlayError, PlayInterrupted, make_player, mp3_duration_s
from .times import latest_occurrence, next_occurrence, occurrences, shifted

log = logging.getLogger("bulletins.schedule")
LATE_AFTER_S = 3.0  # a play starting later than this after its slot time is "late"
HEARTBEAT_S = 2.0
POLL_S = 0.2
CATCH_UP_SLACK = timedelta(minutes=1)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str
    args: tuple
    day_of_week: str
    hour: int
    minute: int
    second: int
    misfire_grace_s: int


def desired_jobs(settings: Settings) -> dict[str, JobSpec]:
    """Every job the config asks for, by id."""
    p = settings.playback
    lead_s = round(p.lead_minutes * 60)
    grace_s = max(1, round(p.grace_minutes * 60))
    home = str(settings.home)
    out: dict[str, JobSpec] = {}
    for st in settings.stations:
        for sl in st.slots:
            args = (home, st.id, sl.name)
            dow, h, m, s = shifted(sl, lead_s)
            out[f"build:{st.id}:{sl.name}"] = JobSpec(  # may queue behind other builds
                f"build:{st.id}:{sl.name}", jobs.BUILD_REF, args, dow, h, m, s,
                max(1, lead_s + grace_s))
            dow, h, m, s = shifted(sl, 0)
            out[f"play:{st.id}:{sl.name}"] = JobSpec(
                f"play:{st.id}:{sl.name}", jobs.PLAY_REF, args, dow, h, m, s, grace_s)
    return out


@dataclass(frozen=True)
class _Choice:
    path: Path
    items: list[int]
    engine: str
    duration_s: float
    rebuilt: bool = False
    note: str = ""


class _NoBulletin(Exception):
    pass


class _Play:
    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.reason = ""


def setup_logging(home: Path, verbose: bool = False) -> RotatingFileHandler:
    """Console and a rotating file, <home>/logs/bulletins.log (1 MB × 5)."""
    logs = home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = RotatingFileHandler(logs / "bulletins.log", maxBytes=1_000_000,
                                       backupCount=5, encoding="utf-8")
    file_handler.setFormatter(fmt)
    console = logging.StreamHandler()
    console.setFormatter(fmt)
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(file_handler)
    root.addHandler(console)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return file_handler


class Service:
    def __init__(self, settings: Settings, player: Player | None = None):
        import tzlocal

        self.settings = settings
        self.home = settings.home
        self.tz = tzlocal.get_localzone()
        self.player = player or make_player(settings.playback)
        self.book = BroadcastLogBook(settings)
        self.stop_event = threading.Event()
        self.lock = HomeLock(self.home)
        self.scheduler = None
        self.grace = timedelta(minutes=settings.playback.grace_minutes)
        self.lead = timedelta(minutes=settings.playback.lead_minutes)
        self._station_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._current: dict[str, _Play] = {}
        self._current_guard = threading.Lock()
        self._claims: set[tuple[str, str, datetime]] = set()
        self._claims_guard = threading.Lock()
        self._build_failures: dict[tuple[str, str, date], str] = {}
        self._build_lock = threading.Lock()  # one build at a time: CPU-bound, engines not reentrant
        self._building: dict[tuple[str, str, date], threading.Event] = {}
        self._run_started = self.now()

    def now(self) -> datetime:
        return datetime.now(self.tz)

    # ------------------------------------------------------------------ lifecycle
    def run(self) -> None:
        """Run in the foreground until SIGTERM / Ctrl-C (or stop())."""
        self.lock.acquire()
        from ..province.guards import DeploymentLock

        deployment = DeploymentLock(self.settings)  # one scheduler per database (PostgreSQL)
        try:
            deployment.acquire()
        except BaseException:
            self.lock.release()
            raise
        try:
            self._install_signals()
            self.start()
            log.info("scheduler running for %s (%d stations); Ctrl-C to stop", self.home,
                     len(self.settings.stations))
            next_beat = 0.0
            while not self.stop_event.wait(POLL_S):
                try:
                    self._poll_alerts()
                    if time.monotonic() >= next_beat:
                        write_heartbeat(self.home, self._run_started, self.now())
                        next_beat = time.monotonic() + HEARTBEAT_S
                except OSError as exc:  # e.g. a full disk: keep airing, say so
                    log.error("cannot write in %s/run: %s", self.home, exc)
                    next_beat = time.monotonic() + HEARTBEAT_S
        finally:
            self.shutdown()
            deployment.release()
            self.lock.release()
            log.info("scheduler stopped")

    def stop(self) -> None:
        self.stop_event.set()

    def _install_signals(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def handler(signum: int, _frame: object) -> None:
            log.info("signal %s: stopping", signal.Signals(signum).name)
            self.stop_event.set()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def start(self) -> None:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        previous = read_heartbeat(self.home)
        alerts.clean_stale(self.home)
        closed = self.book.close_interrupted("Bộ lập lịch bị dừng đột ngột khi đang phát.")
        if closed:
            log.warning("%d play(s) were cut off by the last shutdown; logged as failed", closed)
        jobs.register(str(self.home), self)
        engine = get_engine(self.settings.db_url)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine)},
            # builds run one after another, in the order they were due
            executors={"default": ThreadPoolExecutor(8), "builds": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.tz,
        )
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
        self.scheduler.start(paused=True)
        self.reconcile()
        self.catch_up(previous)
        write_heartbeat(self.home, self._run_started, self.now())
        self.scheduler.resume()

    def shutdown(self) -> None:
        self.stop_event.set()
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
            self.interrupt_all("Bộ lập lịch dừng khi đang phát.")
            self.scheduler.shutdown(wait=True)
        if self.scheduler is not None:
            write_heartbeat(self.home, self._run_started, self.now())
        jobs.register(str(self.home), None)
        get_engine(self.settings.db_url).dispose()

    # ------------------------------------------------------------------ jobs
    def reconcile(self) -> dict[str, list[str]]:
        """Make the stored jobs match the config; return what changed."""
        from apscheduler.triggers.cron import CronTrigger

        report: dict[str, list[str]] = {"added": [], "changed": [], "unchanged": [],
                                        "removed": []}
        desired = desired_jobs(self.settings)
        existing = {j.id: j for j in self.scheduler.get_jobs()}
        for jid in existing:
            if jid not in desired:
                self.scheduler.remove_job(jid)
                report["removed"].append(jid)
        for jid, spec in desired.items():
            trig = CronTrigger(day_of_week=spec.day_of_week, hour=spec.hour, minute=spec.minute,
                               second=spec.second, timezone=self.tz)
            old = existing.get(jid)
            if old is None:
                report["added"].append(jid)
            elif (repr(old.trigger) == repr(trig) and tuple(old.args) == spec.args
                  and old.misfire_grace_time == spec.misfire_grace_s):
                report["unchanged"].append(jid)
            else:
                report["changed"].append(jid)
            self.scheduler.add_job(spec.func, trig, args=list(spec.args), id=jid, name=jid,
                                   replace_existing=True, coalesce=True, max_instances=1,
                                   misfire_grace_time=spec.misfire_grace_s,
                                   executor="builds" if jid.startswith("build:") else "default")
        log.info("jobs reconciled: %s", {k: len(v) for k, v in report.items()})
        for kind in ("added", "changed", "removed"):
            for jid in report[kind]:
                log.info("job %s: %s", kind, jid)
        return report

    def catch_up(self, previous: dict | None) -> None:
        now = self.now()
        if previous is None:
            log.info("first start for this home: no earlier slots to catch up")
        else:
            since = max(previous["alive"] - CATCH_UP_SLACK, previous["run_started"],
                        now - timedelta(days=1))
            for st in self.settings.stations:
                for sl in st.slots:
                    for occ in occurrences(sl, since, now):
                        self._catch_up_one(st, sl, occ, now)
        # builds whose time passed while nobody was running, soonest slot first
        due = []
        for st in self.settings.stations:
            for sl in st.slots:
                occ = next_occurrence(sl, now)
                if occ and occ - now <= self.lead and self._record(st.id, sl.name,
                                                                   occ.date()) is None:
                    due.append((occ, st.id, sl.name))
        for occ, sid, slot_name in sorted(due):
            log.info("build time of %s/%s passed while stopped: building now", sid, slot_name)
            self._mark_building(sid, slot_name, occ.date())
            self.scheduler.add_job(
                jobs.BUILD_REF, "date", run_date=now, id=f"catchup-build:{sid}:{slot_name}",
                args=[str(self.home), sid, slot_name, occ.isoformat()], executor="builds",
                replace_existing=True,
                misfire_grace_time=max(1, int((occ + self.grace - now).total_seconds())))

    def _catch_up_one(self, st: Station, sl: Slot, occ: datetime, now: datetime) -> None:
        if self.book.for_slot(st.id, sl.name, occ):
            return
        if now - occ <= self.grace:
            log.warning("slot %s/%s at %s fell while stopped: playing it late", st.id, sl.name,
                        occ)
            self.scheduler.add_job(
                jobs.PLAY_REF, "date", run_date=now, id=f"late:{st.id}:{sl.name}",
                args=[str(self.home), st.id, sl.name, occ.isoformat()], replace_existing=True,
                misfire_grace_time=max(1, int((self.grace - (now - occ)).total_seconds())))
        else:
            log.warning("slot %s/%s at %s fell while stopped: missed", st.id, sl.name, occ)
            self.book.add(station=st.id, slot=sl.name, outcome="missed", scheduled_at=occ,
                          error=self._missed_reason())

    def _missed_reason(self) -> str:
        return (f"Bộ lập lịch không chạy lúc đến giờ phát; đã quá "
                f"{self.settings.playback.grace_minutes:g} phút cho phép phát muộn.")

    def _on_missed(self, event) -> None:  # noqa: ANN001
        kind, _, rest = event.job_id.partition(":")
        station, _, slot = rest.partition(":")
        if kind not in ("play", "late"):
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
            for key in [k for k in self._building if k[:2] == (station, slot)]:
                self._building.pop(key).set()  # a play waiting for this build stops waiting
            return
        if not self.book.for_slot(station, slot, event.scheduled_run_time):
            self.book.add(station=station, slot=slot, outcome="missed",
                          scheduled_at=event.scheduled_run_time,
                          error="Bộ lập lịch không kịp chạy trong thời gian cho phép.")

    def _on_error(self, event) -> None:  # noqa: ANN001
        log.error("job %s failed: %r", event.job_id, event.exception)

    # ------------------------------------------------------------------ build
    def build_slot(self, station_id: str, slot_name: str,
                   occurrence: datetime | None = None) -> None:
        st = self.settings.station(station_id)
        sl = st.slot(slot_name)
        occ = occurrence or self._build_target(sl, station_id)
        key = (station_id, slot_name, occ.date())
        done = self._mark_building(*key)
        log.info("building %s/%s for %s", station_id, slot_name, occ)
        try:
            result = self._build(station_id, slot_name, occ.date(), wait=False)
        except Exception as exc:  # noqa: BLE001 - a failed build is logged, play decides
            msg = exc.message if isinstance(exc, BulletinError) else repr(exc)
            self._build_failures[key] = msg
            log.error("build of %s/%s for %s failed: %s", station_id, slot_name, occ.date(),
                      msg, exc_info=not isinstance(exc, BulletinError))
            return
        finally:
            done.set()
            if self._building.get(key) is done:
                del self._building[key]
        self._build_failures.pop(key, None)
        if result is None:  # province: enqueued for the workers
            return
        log.info("built %s (%s s)", result.mp3_path, result.manifest.get("duration_s"))

    def _build_target(self, sl: Slot, station_id: str) -> datetime:
        """The occurrence a build job is for: the earliest not yet past grace and not yet
        handled (a build queued behind others may start after its slot time)."""
        now = self.now()
        occ = next_occurrence(sl, now - self.grace)
        if occ < now and self.book.for_slot(station_id, sl.name, occ):
            occ = next_occurrence(sl, now)
        return occ

    def _on_submitted(self, event) -> None:  # noqa: ANN001
        kind, _, rest = event.job_id.partition(":")
        if kind == "build":
            station, _, slot = rest.partition(":")
            try:
                sl = self.settings.station(station).slot(slot)
            except BulletinError:
                return
            self._mark_building(station, slot, self._build_target(sl, station).date())

    def _mark_building(self, station_id: str, slot_name: str, day: date) -> threading.Event:
        """Note that a build of this slot is due or running, so a play waits for it."""
        return self._building.setdefault((station_id, slot_name, day), threading.Event())

    def _build(self, station_id: str, slot_name: str, day: date, wait: bool = True):  # noqa: ANN202
        from .. import pipeline

        if self.settings.workers.broker_url:  # province: workers build, this only enqueues
            from ..province.jobs import build_via_workers

            return build_via_workers(
                self.settings, station_id, slot_name, day, stop=self.stop_event,
                wait_s=self.grace.total_seconds() + 60 if wait else None)
        with self._build_lock:
            return pipeline.build_bulletin(
                self.settings, BuildRequest(station_id, day, slot_name, mark_aired=False))

    def _record(self, station_id: str, slot_name: str, day: date | None,
                before: date | None = None) -> BulletinRecord | None:
        """The newest published bulletin for the slot (on `day`, or before `before`)."""
        with session_factory(self.settings.db_url)() as s:
            q = select(BulletinRecord).where(BulletinRecord.station == station_id,
                                             BulletinRecord.slot == slot_name)
            q = q.where(BulletinRecord.day == day) if day else q.where(BulletinRecord.day < before)
            for rec in s.scalars(q.order_by(BulletinRecord.day.desc(), BulletinRecord.id.desc())):
                if Path(rec.path).is_file():
                    return rec
        return None

    # ------------------------------------------------------------------ play
    def play_slot(self, station_id: str, slot_name: str,
                  scheduled_at: datetime | None = None) -> None:
        """Play one occurrence of a slot (at most once), then log and mark its items."""
        st = self.settings.station(station_id)
        sl = st.slot(slot_name)
        sched = scheduled_at or latest_occurrence(sl, self.now() + timedelta(seconds=1))
        if sched is None:
            return
        key = (station_id, slot_name, sched)
        with self._claims_guard:  # a cron run and a catch-up run of one occurrence: one wins
            if key in self._claims:
                return
            self._claims.add(key)
        try:
            self._play_occurrence(st, sl, sched)
        finally:
            with self._claims_guard:
                self._claims.discard(key)

    def _missed_late(self, station_id: str, slot_name: str, sched: datetime) -> bool:
        if self.now() - sched <= self.grace:
            return False
        self.book.add(station=station_id, slot=slot_name, outcome="missed", scheduled_at=sched,
                      error="Quá thời gian cho phép phát muộn (bản tin chưa dựng xong, hoặc "
                      "khung giờ trước / tin khẩn cấp phát chưa xong).")
        return True

    def _play_occurrence(self, st: Station, sl: Slot, sched: datetime) -> None:
        station_id, slot_name = st.id, sl.name
        if self.stop_event.is_set():
            return  # not logged: the next start catches it up
        if self.book.for_slot(station_id, slot_name, sched):
            log.info("%s/%s at %s already handled; never played twice", station_id,
                     slot_name, sched)
            return
        if self._missed_late(station_id, slot_name, sched):
            return
        # Choosing may wait for or run a build: no station lock is held meanwhile, so an
        # emergency is never kept waiting by a build.
        try:
            choice = self._choose(st, sl, sched)
        except _NoBulletin as exc:
            self.book.add(station=station_id, slot=slot_name, outcome="failed",
                          scheduled_at=sched, started_at=self.now(), error=str(exc))
            log.error("%s/%s: nothing to play: %s", station_id, slot_name, exc)
            return
        with self._station_locks[station_id]:  # one sound at a time per station
            if self.stop_event.is_set():
                return
            if self._missed_late(station_id, slot_name, sched):
                return
            started = self.now()
            late = choice.rebuilt or (started - sched).total_seconds() > LATE_AFTER_S
            row = self.book.add(
                station=station_id, slot=slot_name, outcome="playing", scheduled_at=sched,
                started_at=started, file=str(choice.path), sha256=alerts.sha256_file(choice.path),
                items=choice.items, engine=choice.engine, error=choice.note)
            ok, error = self._play(station_id, choice.path, choice.duration_s)
            outcome = ("late" if late else "aired") if ok else "failed"
            if ok and choice.items:  # before the row is closed: a reader of the log sees both
                NewsQueue(self.settings).mark_aired(choice.items, station_id, sched.date(),
                                                    slot_name)
            self.book.finish(row, outcome, self.now(), error)
            log.info("%s/%s at %s: %s %s", station_id, slot_name, sched, outcome, error)

    def _choose(self, st: Station, sl: Slot, sched: datetime) -> _Choice:
        import json

        day = sched.date()
        pending = self._building.get((st.id, sl.name, day))
        if pending is not None:  # its build is still running: wait for it, within grace
            log.info("%s/%s: waiting for its build to finish", st.id, sl.name)
            deadline = time.monotonic() + (sched + self.grace - self.now()).total_seconds()
            while not pending.wait(0.2) and not self.stop_event.is_set():
                if time.monotonic() > deadline:
                    break
        failure = self._build_failures.get((st.id, sl.name, day))
        rec = None if failure else self._record(st.id, sl.name, day)
        if rec is not None:
            return _Choice(Path(rec.path), json.loads(rec.item_ids), rec.engine, rec.duration_s)
        reason = f"Dựng trước bị lỗi: {failure}" if failure else "Chưa có bản tin dựng sẵn"
        ways = ["build", "last_good"]
        if self.settings.playback.on_missing == "last_good":
            ways.reverse()
        for way in ways:
            if way == "build":
                try:
                    res = self._build(st.id, sl.name, day)
                except Exception as exc:  # noqa: BLE001
                    msg = exc.message if isinstance(exc, BulletinError) else repr(exc)
                    reason += f"; dựng lại lúc phát cũng lỗi: {msg}"
                    continue
                self._build_failures.pop((st.id, sl.name, day), None)
                m = res.manifest
                return _Choice(Path(res.mp3_path), list(m.get("items", [])), m.get("engine", ""),
                               float(m.get("duration_s") or 0), rebuilt=True,
                               note=f"{reason}; đã dựng lại lúc phát (phát muộn).")
            old = self._record(st.id, sl.name, None, before=day)
            if old is None:
                reason += "; không có bản tin cũ của khung giờ này"
                continue
            return _Choice(Path(old.path), json.loads(old.item_ids), old.engine, old.duration_s,
                           note=f"{reason}; phát lại bản tin cũ ngày {old.day:%d/%m/%Y}.")
        raise _NoBulletin(reason + ".")

    def _play(self, station_id: str, path: Path, duration_s: float) -> tuple[bool, str]:
        timeout = (duration_s or mp3_duration_s(path)) + self.settings.playback.timeout_margin_s
        play = _Play()
        with self._current_guard:
            self._current[station_id] = play
        try:
            self.player.play(path, timeout, play.cancel)
            return True, ""
        except PlayInterrupted:
            return False, play.reason or "Bị ngắt."
        except PlayError as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 - a player bug must not kill the service
            log.exception("player crashed")
            return False, f"Trình phát lỗi: {exc!r}"
        finally:
            with self._current_guard:
                if self._current.get(station_id) is play:
                    del self._current[station_id]

    def interrupt(self, station_id: str, reason: str) -> bool:
        with self._current_guard:
            play = self._current.get(station_id)
        if play is None:
            return False
        play.reason = reason
        play.cancel.set()
        return True

    def interrupt_all(self, reason: str) -> None:
        with self._current_guard:
            stations = list(self._current)
        for sid in stations:
            self.interrupt(sid, reason)

    # ------------------------------------------------------------------ emergency
    def _poll_alerts(self) -> None:
        for req in alerts.pending(self.home):
            taken = alerts.claim(req)
            if taken is not None:
                threading.Thread(target=self._handle_alert, args=(taken,),
                                 name=f"alert-{req.stem}", daemon=True).start()

    def _handle_alert(self, taken: Path) -> None:
        import json

        try:
            payload = json.loads(taken.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.error("unreadable alert request %s: %s", taken, exc)
            taken.unlink(missing_ok=True)
            return
        results: list[dict] = []

        def one(b: dict) -> None:
            sid = b["station"]
            if self.interrupt(sid, "Bị ngắt để phát tin khẩn cấp."):
                log.warning("%s: current play interrupted by an emergency alert", sid)
            with self._station_locks[sid]:
                results.append(alerts.play_emergency(
                    self.settings, lambda p, d: self._play(sid, p, d), b))

        threads = [threading.Thread(target=one, args=(b,)) for b in payload["bulletins"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        alerts.complete(taken, results)


def run_foreground(settings: Settings, verbose: bool = False) -> None:
    handler = setup_logging(settings.home, verbose)
    try:
        Service(settings).run()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
