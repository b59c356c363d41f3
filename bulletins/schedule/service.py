"""The scheduler service: one per home folder, all its stations and slots, in the foreground.

Jobs (APScheduler 3, BackgroundScheduler, SQLAlchemyJobStore on the project database):

- ``build:<station>:<slot>`` — CronTrigger at slot time minus ``lead_minutes`` (weekdays
  shifted when that crosses midnight, see times.shifted); builds the bulletin of the
  earliest occurrence not yet past grace and not yet handled, through
  ``pipeline.build_bulletin(..., mark_aired=False)``. Builds run one at a time, in the
  order they fell due (a one-thread executor plus a lock shared with play-time builds).
- ``play:<station>:<slot>`` — CronTrigger ``prepare_s`` (PREPARE_S, at most half the lead)
  before slot time: prepares the play, then starts the player at slot time (see below).
  A service starting less than ``prepare_s`` before a slot runs that job at once.
- ``late:…`` and ``catchup-build:…`` — one-off jobs added by the catch-up below.

Start-up, in this order: take the home lock (lock.py); write the play closings the
database refused (run/unlogged/, below); close log rows a dead run left ``playing``; start
APScheduler paused and reconcile the stored jobs with the config (remove jobs of slots no
longer configured, add new ones, replace every configured one so its next run time is
computed from now — no duplicates, ids are deterministic); catch up; resume.

Catch-up (missed/late detection). Replacing jobs drops APScheduler's memory of runs that
fell while the machine was off, so the service finds them itself: the previous run's
heartbeat (run/heartbeat.json) says when it was last alive. Every slot occurrence after
that (less a minute of slack, bounded by the previous run's start and by one day) that
has no broadcast-log row was never handled: if it is still within ``grace_minutes`` it is
played now and logged ``late``, else it is logged ``missed``. Slots whose build time
passed while the machine was off are built at once. An unreadable heartbeat (cut short by
a power failure) is not a first start: the outage is taken to begin at the file's
modification time; a missing heartbeat with jobs or log rows already stored, at the
latest log row. Only a first-ever start (neither) catches up nothing.

State. Each slot occurrence (station, slot, scheduled time) is one `Occurrence` record
(occurrences.py), created once and changed only under its own lock: pending → building →
built → playing → done/failed/missed. Stations' sound channels are made once at start; no
dict is mutated by several threads.

A killed run. A `command` player runs in its own session and outlives a scheduler killed
with SIGKILL; its process group is recorded in run/players/<station>.json while it plays.
At the next start (recover_interrupted), a row still ``playing`` is closed with the truth:
the orphan player, if still running, is stopped first (so it never overlaps the next play);
if the bulletin had played at least AIRED_FRACTION of its length the row says aired (or
late) with a note and its items count as aired, else failed ("bị ngắt khi bộ lập lịch dừng
đột ngột"); its items are never aired again when they did air.

Playing an occurrence (play_slot) is prepared before its slot, because a province server
playing many stations at one minute cannot do each play's work at the minute: APScheduler
submits due jobs one by one, writing each job's next run to the database, and the plays'
own database reads and writes and file hashing then compete for it (17 of 50 plays started
up to 5.4 s late under load). So the job fires ``prepare_s`` early; everything below up to
"the station's lock" happens then, and at slot time a play only re-checks that its file is
unchanged (a stat, through publish.file_sha256's memo), starts the player, and only then
writes its log row. The row's data is in run/players/<station>.json from the moment the
player runs, so a run killed before the row was written still gets it (recover_interrupted).

Its record is claimed (so a cron run and a catch-up run cannot both play it), and if the
log already has a row for (station, slot, scheduled time) it is never played again; past
the grace period it is ``missed``. If the slot's build is due or running, the play waits
for it (within grace). The bulletin is the latest published one for that day and slot;
when the build failed or is missing, ``on_missing`` decides: "build" builds now and plays
late, "last_good" plays the newest earlier bulletin of that slot (the other is the
fallback), and the log's error column says which. Then it waits for slot time (no lock
held), and only then is the station's lock taken (one sound at a time per station, so an
emergency never waits for a build) and the player run; a file changed meanwhile is chosen
again. A play that starts more than LATE_AFTER_S after its slot time, or whose bulletin was
built at play time, is ``late``.
Items are marked aired only after a successful play (the null player counts as published).
The log's writes wait out another process's lock (db.retrying); a play's closing
(its row, its items aired) that the database still refuses is kept in run/unlogged/ and
written by a retry every UNLOGGED_RETRY_S, or at the next start before catching up: the
sound never waits for the log, and a play that aired is never lost nor played again.

Emergency: the main loop polls run/alerts/ (see alerts.py) several times a second; an
alert stops the station's current play (logged ``failed``, "interrupted"), then plays.

Shutdown (SIGTERM, Ctrl-C): stop taking jobs, abort current plays (logged ``failed``),
wait for running builds, write the last heartbeat, dispose the database engine, release
the lock.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial
from logging.handlers import RotatingFileHandler
from pathlib import Path

from ..config import Settings, Slot, Station
from ..db import BulletinRecord, get_engine
from ..errors import BulletinError, explain
from ..models import BuildRequest
from ..news import NewsQueue
from ..publish import agrees
from . import alerts, closing, jobs
from .broadcast import BroadcastLogBook
from .lock import HomeLock, heartbeat_status, run_dir, write_heartbeat
from .occurrences import (
    BUILD_FAILED,
    BUILDING,
    DONE,
    FAILED,
    MISSED,
    PLAYING,
    Occurrence,
    OccurrenceBook,
)
from .players import (
    CommandPlayer,
    Player,
    PlayError,
    PlayInterrupted,
    group_alive,
    make_player,
    mp3_duration_s,
    stop_group,
)
from .times import latest_occurrence, next_occurrence, occurrences, shifted

log = logging.getLogger("bulletins.schedule")
LATE_AFTER_S = 3.0  # a play starting later than this after its slot time is "late"
PREPARE_S = 30  # a play job fires this long before its slot (at most half of lead_minutes)
HEARTBEAT_S = 2.0
UNLOGGED_RETRY_S = 30.0  # how often play closings the database refused are tried again
POLL_S = 0.2
CATCH_UP_SLACK = timedelta(minutes=1)
AIRED_FRACTION = 0.8  # a play cut off after this share of the bulletin counts as aired
KILLED_VI = "bị ngắt khi bộ lập lịch dừng đột ngột"


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


def prepare_s(settings: Settings) -> int:
    """How many seconds before its slot a play job fires to prepare the play: PREPARE_S,
    but at most half the lead, so that the slot's build job has been submitted first (a play
    prepared while its build is due or running waits for it)."""
    return min(PREPARE_S, round(settings.playback.lead_minutes * 60) // 2)


def desired_jobs(settings: Settings) -> dict[str, JobSpec]:
    """Every job the config asks for, by id."""
    p = settings.playback
    lead_s = round(p.lead_minutes * 60)
    grace_s = max(1, round(p.grace_minutes * 60))
    prep_s = prepare_s(settings)
    home = str(settings.home)
    out: dict[str, JobSpec] = {}
    for st in settings.stations:
        for sl in st.slots:
            args = (home, st.id, sl.name)
            dow, h, m, s = shifted(sl, lead_s)
            out[f"build:{st.id}:{sl.name}"] = JobSpec(  # may queue behind other builds
                f"build:{st.id}:{sl.name}", jobs.BUILD_REF, args, dow, h, m, s,
                max(1, lead_s + grace_s))
            dow, h, m, s = shifted(sl, prep_s)
            out[f"play:{st.id}:{sl.name}"] = JobSpec(
                f"play:{st.id}:{sl.name}", jobs.PLAY_REF, args, dow, h, m, s, prep_s + grace_s)
    return out


@dataclass(frozen=True)
class _Choice:
    path: Path
    sha256: str  # what its record or manifest says, checked against the file
    items: list[int]
    engine: str
    duration_s: float
    rebuilt: bool = False
    note: str = ""


class _NoBulletin(Exception):
    pass


def failure_text(exc: BaseException) -> tuple[str, bool]:
    """What the broadcast log says about a failed build or play, and whether it is a known
    (Vietnamese-worded) failure: a machine fault (database busy or corrupt, disk full) gets
    its one operator message rather than the raw exception."""
    fault = explain(exc)
    if fault is not None:
        return fault.message + (f" {fault.hint}" if fault.hint else ""), True
    if isinstance(exc, BulletinError):
        return exc.message, True
    return repr(exc), False


class _StillBuilding(Exception):
    """Grace ran out while its build was still running: the slot is missed."""


class _Play:
    def __init__(self) -> None:
        self.cancel = threading.Event()
        self.reason = ""


class _Channel:
    """A station's sound output: one sound at a time, and the play to stop for an alert."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # held for a whole play
        self._guard = threading.Lock()
        self._play: _Play | None = None

    def begin(self, play: _Play) -> None:
        with self._guard:
            self._play = play

    def end(self, play: _Play) -> None:
        with self._guard:
            if self._play is play:
                self._play = None

    def interrupt(self, reason: str) -> bool:
        with self._guard:
            play = self._play
        if play is None:
            return False
        play.reason = reason
        play.cancel.set()
        return True


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
    def __init__(self, settings: Settings, player: Player | None = None,
                 clock: Callable[[], datetime] | None = None):
        """`clock` returns the current aware time; tests pass a controllable one."""
        import tzlocal

        self.settings = settings
        self.home = settings.home
        self.tz = tzlocal.get_localzone()
        self._clock = clock
        self.player = player or make_player(settings.playback)
        self.book = BroadcastLogBook(settings)
        self.stop_event = threading.Event()
        self.lock = HomeLock(self.home)
        self.scheduler = None
        self.grace = timedelta(minutes=settings.playback.grace_minutes)
        self.lead = timedelta(minutes=settings.playback.lead_minutes)
        self.prepare = timedelta(seconds=prepare_s(settings))
        self.occurrences = OccurrenceBook()
        # made once, only read afterwards: no thread adds or removes a station
        self._channels = {st.id: _Channel() for st in settings.stations}
        self._build_lock = threading.Lock()  # one build at a time: CPU-bound, engines not reentrant
        self._follower = None  # province: follows the jobs this scheduler enqueued
        self._signals: list[int] = []  # SIGTERM/SIGINT received (see _install_signals)
        self._run_started = self.now()

    def now(self) -> datetime:
        return self._clock() if self._clock is not None else datetime.now(self.tz)

    def _channel(self, station_id: str) -> _Channel:
        ch = self._channels.get(station_id)
        return ch if ch is not None else _Channel()  # a station not configured: no sharing

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
                if self._signals:
                    log.info("signal %s: stopping", signal.Signals(self._signals[0]).name)
                    self.stop_event.set()
                    break
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

        # Only a list append: the handler runs on the main thread between bytecodes, and
        # Event.set() there could re-enter the Event's lock the interrupted main loop holds
        # (a second SIGTERM from a process manager deadlocked `bulletins worker` that way).
        def handler(signum: int, _frame: object) -> None:
            self._signals.append(signum)

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def start(self) -> None:
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        status, previous, mtime = heartbeat_status(self.home)
        alerts.clean_stale(self.home)
        # plays that aired: logged before anything is judged or caught up
        closing.flush(self.settings, self.book, at_start=True)
        self.recover_interrupted(previous["alive"] if previous else mtime)
        jobs.register(str(self.home), self)
        engine = get_engine(self.settings.db_url)
        self.scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=engine)},
            # builds run one after another, in the order they were due
            # a play holds its thread for the bulletin's length: one per station (a province
            # airs 50 at the same minute), plus a few for catch-up and one-off jobs
            executors={"default": ThreadPoolExecutor(max(8, len(self.settings.stations) + 4)),
                       "builds": ThreadPoolExecutor(1)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.tz,
        )
        self.scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
        self.scheduler.add_listener(self._on_submitted, EVENT_JOB_SUBMITTED)
        self.scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
        self.scheduler.start(paused=True)
        had_jobs = bool(self.scheduler.get_jobs())
        self.reconcile()
        self.catch_up(*self.outage_start(status, previous, mtime, had_jobs))
        write_heartbeat(self.home, self._run_started, self.now())
        self.scheduler.resume()
        threading.Thread(target=self._unlogged_loop, name="unlogged", daemon=True).start()

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
        now = self.now()
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
            extra = {}
            if jid.startswith("play:"):  # its slot comes sooner than its job's prepare time
                soon = next_occurrence(self.settings.station(spec.args[1]).slot(spec.args[2]),
                                       now + timedelta(microseconds=1))
                if soon is not None and soon - now <= self.prepare:
                    extra["next_run_time"] = now
            self.scheduler.add_job(spec.func, trig, args=list(spec.args), id=jid, name=jid,
                                   replace_existing=True, coalesce=True, max_instances=1,
                                   misfire_grace_time=spec.misfire_grace_s,
                                   executor="builds" if jid.startswith("build:") else "default",
                                   **extra)
        log.info("jobs reconciled: %s", {k: len(v) for k, v in report.items()})
        for kind in ("added", "changed", "removed"):
            for jid in report[kind]:
                log.info("job %s: %s", kind, jid)
        return report

    def outage_start(self, status: str, previous: dict | None, mtime: datetime | None,
                     had_jobs: bool) -> tuple[datetime | None, str]:
        """Since when nobody was running, and a note for the log; None on a first start."""
        now = self.now()
        floor = now - timedelta(days=1)
        if status == "ok" and previous is not None:
            return max(previous["alive"] - CATCH_UP_SLACK, previous["run_started"], floor), ""
        if status == "unreadable":
            since = max((mtime or floor) - CATCH_UP_SLACK, floor)
            log.warning("run/heartbeat.json is unreadable: not a first start; slots since %s "
                        "are caught up", since)
            return since, (f" Tệp nhịp tim run/heartbeat.json hỏng: coi như bộ lập lịch "
                           f"ngừng từ {since:%H:%M %d/%m/%Y}.")
        last = self.book.last_time()
        if had_jobs or last is not None:
            since = max(last.astimezone(now.tzinfo) if last else floor, floor)
            log.warning("run/heartbeat.json is missing but jobs or log rows exist: not a first "
                        "start; slots since %s are caught up", since)
            return since, (f" Không có tệp nhịp tim run/heartbeat.json: coi như bộ lập lịch "
                           f"ngừng từ {since:%H:%M %d/%m/%Y}.")
        return None, ""

    def catch_up(self, since: datetime | None, note: str = "") -> None:
        now = self.now()
        if since is None:
            log.info("first start for this home: no earlier slots to catch up")
        else:
            for st in self.settings.stations:
                for sl in st.slots:
                    for occ in occurrences(sl, since, now):
                        self._catch_up_one(st, sl, occ, now, note)
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
            self.occurrences.get(sid, slot_name, occ).build_due()
            self._run_soon(f"catchup-build:{sid}:{slot_name}", jobs.BUILD_REF,
                           [str(self.home), sid, slot_name, occ.isoformat()],
                           occ + self.grace - now, executor="builds")

    def _run_soon(self, job_id: str, ref: str, args: list, within: timedelta,
                  executor: str = "default") -> None:
        """A one-off job now; without a running APScheduler (tests, one-shot use), run it
        in this thread."""
        if self.scheduler is None:
            func = self.build_slot if ref == jobs.BUILD_REF else self.play_slot
            func(args[1], args[2], datetime.fromisoformat(args[3]))
            return
        self.scheduler.add_job(ref, "date", run_date=self.now(), id=job_id, args=args,
                               executor=executor, replace_existing=True,
                               misfire_grace_time=max(1, int(within.total_seconds())))

    def _catch_up_one(self, st: Station, sl: Slot, occ: datetime, now: datetime,
                      note: str = "") -> None:
        if self.book.for_slot(st.id, sl.name, occ):
            return
        if now - occ <= self.grace:
            log.warning("slot %s/%s at %s fell while stopped: playing it late", st.id, sl.name,
                        occ)
            self._run_soon(f"late:{st.id}:{sl.name}", jobs.PLAY_REF,
                           [str(self.home), st.id, sl.name, occ.isoformat()],
                           self.grace - (now - occ))
        else:
            log.warning("slot %s/%s at %s fell while stopped: missed", st.id, sl.name, occ)
            self.occurrences.get(st.id, sl.name, occ).move(MISSED)
            self.book.add(station=st.id, slot=sl.name, outcome="missed", scheduled_at=occ,
                          error=self._missed_reason() + note)

    def _missed_reason(self) -> str:
        return (f"Bộ lập lịch không chạy lúc đến giờ phát; đã quá "
                f"{self.settings.playback.grace_minutes:g} phút cho phép phát muộn.")

    def _on_missed(self, event) -> None:  # noqa: ANN001
        kind, _, rest = event.job_id.partition(":")
        station, _, slot = rest.partition(":")
        if kind not in ("play", "late"):
            log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
            for occ in self.occurrences.find(station, slot, BUILDING):
                occ.build_not_coming()  # a play waiting for this build stops waiting
            return
        sched = event.scheduled_run_time
        if kind == "play":  # it fires prepare_s before the slot
            try:
                sched = self._play_target(self.settings.station(station).slot(slot), sched)
            except BulletinError:
                return
        if sched is not None and not self.book.for_slot(station, slot, sched):
            self.book.add(station=station, slot=slot, outcome="missed", scheduled_at=sched,
                          error="Bộ lập lịch không kịp chạy trong thời gian cho phép.")

    def _on_error(self, event) -> None:  # noqa: ANN001
        log.error("job %s failed: %r", event.job_id, event.exception)

    # ------------------------------------------------------------------ build
    def build_slot(self, station_id: str, slot_name: str,
                   occurrence: datetime | None = None) -> None:
        st = self.settings.station(station_id)
        sl = st.slot(slot_name)
        occ = self.occurrences.get(station_id, slot_name,
                                   occurrence or self._build_target(sl, station_id))
        if not occ.begin_build():
            log.info("%r: built or being built already; not building again", occ)
            return
        log.info("building %s/%s for %s", station_id, slot_name, occ.at)
        if self.settings.workers.broker_url:  # province: the workers build it
            self._enqueue_and_follow(occ, station_id, slot_name)
            return
        try:
            result = self._build(station_id, slot_name, occ.at.date(), wait=False)
        except Exception as exc:  # noqa: BLE001 - a failed build is logged, play decides
            msg, known = failure_text(exc)
            occ.end_build(msg)
            log.error("build of %s/%s for %s failed: %s", station_id, slot_name, occ.at.date(),
                      msg, exc_info=not known)
            return
        occ.end_build()
        if result is None:  # province: enqueued for the workers
            return
        log.info("built %s (%s s)", result.mp3_path, result.manifest.get("duration_s"))

    def _enqueue_and_follow(self, occ: Occurrence, station_id: str, slot_name: str) -> None:
        """Province: enqueue the job; the occurrence stays "building" until a worker finishes
        it, so a play at slot time waits for that job instead of enqueueing again."""
        from ..province.follow import JobFollower
        from ..province.jobs import enqueue

        try:
            job = enqueue(self.settings, station_id, occ.at.date(), slot_name,
                          requested_by="scheduler")
        except Exception as exc:  # noqa: BLE001 - logged; the play decides what to air
            msg, known = failure_text(exc)
            occ.end_build(msg)
            log.error("enqueueing %s/%s for %s failed: %s", station_id, slot_name,
                      occ.at.date(), msg, exc_info=not known)
            return
        log.info("job %s for %s/%s %s: %s", job.id, station_id, slot_name, occ.at.date(),
                 job.status)
        if self._follower is None:
            self._follower = JobFollower(self.settings, self.stop_event)
        self._follower.follow(job.id, occ.end_build)

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
            self.occurrences.get(station, slot, self._build_target(sl, station)).build_due()

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
        # Only a record whose file is in place and hashes as recorded (a crash between
        # renames, or a record a crash left "publishing", is settled by this check).
        for rec in NewsQueue(self.settings).bulletin_records(
                station_id, slot_name, day, before, statuses=("published", "publishing")):
            if agrees(rec.path, rec.sha256):
                return rec
        return None

    # ------------------------------------------------------------------ play
    def play_slot(self, station_id: str, slot_name: str,
                  scheduled_at: datetime | None = None) -> None:
        """Play one occurrence of a slot (at most once), then log and mark its items."""
        st = self.settings.station(station_id)
        sl = st.slot(slot_name)
        sched = scheduled_at or self._play_target(sl, self.now())
        if sched is None:
            return
        from ..station.server import has_machine

        if has_machine(self.settings, station_id):
            # A joined station machine plays this slot and reports it; the server only builds.
            log.info("%s/%s: played by the station's own machine", station_id, slot_name)
            return
        occ = self.occurrences.get(station_id, slot_name, sched)
        if not occ.claim_play():  # a cron run and a catch-up run of one occurrence: one wins
            return
        handled = False
        try:
            handled = self._play_occurrence(st, sl, occ)
        finally:
            if not handled:
                occ.release_play()

    def _play_target(self, sl: Slot, fired: datetime) -> datetime | None:
        """The occurrence a play job that fired at `fired` is for: it fires prepare_s early
        (or later, within grace)."""
        return latest_occurrence(sl, fired + self.prepare + timedelta(seconds=1))

    def _missed_late(self, station_id: str, slot_name: str, sched: datetime) -> bool:
        if self.now() - sched <= self.grace:
            return False
        self.occurrences.get(station_id, slot_name, sched).move(MISSED)
        self.book.add(station=station_id, slot=slot_name, outcome="missed", scheduled_at=sched,
                      error="Quá thời gian cho phép phát muộn (bản tin chưa dựng xong, hoặc "
                      "khung giờ trước / tin khẩn cấp phát chưa xong).")
        return True

    def _play_occurrence(self, st: Station, sl: Slot, occ: Occurrence) -> bool:
        """Play it or log why not; False when nothing was decided (the service stops)."""
        station_id, slot_name, sched = st.id, sl.name, occ.at
        if self.stop_event.is_set():
            return False  # not logged: the next start catches it up
        if self.book.for_slot(station_id, slot_name, sched):
            log.info("%s/%s at %s already handled; never played twice", station_id,
                     slot_name, sched)
            return True
        if self._missed_late(station_id, slot_name, sched):
            return True
        for _ in range(3):  # a file replaced between choosing and slot time is chosen again
            # Choosing may wait for or run a build: no station lock is held meanwhile, so an
            # emergency is never kept waiting by a build.
            choice = self._prepared(st, sl, occ)
            if not isinstance(choice, _Choice):
                return choice
            if (sched - self.now()).total_seconds() > 0:
                log.info("%s/%s: ready to play %s at %s", station_id, slot_name,
                         choice.path.name, sched)
            if not self._until(sched):
                return False
            played = None
            with self._channel(station_id).lock:  # one sound at a time per station
                if self.stop_event.is_set():
                    return False
                if self._missed_late(station_id, slot_name, sched):
                    return True
                # a stat when unchanged (publish.file_sha256 memoises by inode, mtime, size)
                if agrees(choice.path, choice.sha256):
                    played = self._air(st, sl, occ, choice)
            if played is not None:  # logged outside the lock: an emergency never waits for it
                self._log_played(occ, *played)
                return True
            log.warning("%s/%s: %s changed after it was chosen; choosing again", station_id,
                        slot_name, choice.path)
        occ.move(FAILED)
        self.book.add(station=station_id, slot=slot_name, outcome="failed", scheduled_at=sched,
                      started_at=self.now(), error="Tệp bản tin cứ bị thay đổi, không khớp mã "
                      "SHA-256 trong bản ghi; không phát.")
        return True

    def _prepared(self, st: Station, sl: Slot, occ: Occurrence) -> _Choice | bool:
        """The bulletin to play, verified; or whether the occurrence was decided without one."""
        try:
            choice = self._choose(st, sl, occ)
        except _StillBuilding:
            return self._missed_late(st.id, sl.name, occ.at)
        except _NoBulletin as exc:
            occ.move(FAILED)
            self.book.add(station=st.id, slot=sl.name, outcome="failed", scheduled_at=occ.at,
                          started_at=self.now(), error=str(exc))
            log.error("%s/%s: nothing to play: %s", st.id, sl.name, exc)
            return True
        if choice.duration_s:
            return choice
        return replace(choice, duration_s=mp3_duration_s(choice.path))

    def _until(self, when: datetime) -> bool:
        """Wait until `when` on the service's clock; False when the service stops first."""
        while (left := (when - self.now()).total_seconds()) > 0:
            if self.stop_event.wait(min(left, POLL_S)):
                return False
        return not self.stop_event.is_set()

    def _air(self, st: Station, sl: Slot, occ: Occurrence,
             choice: _Choice) -> tuple[dict, closing.Beside]:
        """Start the player at once; return the play's closing (closing.py) and the writer of
        its starting row, which runs beside the sound (a database busy with 50 stations'
        rows, or locked by another process, must not hold it up)."""
        sched = occ.at
        started = self.now()
        late = choice.rebuilt or (started - sched).total_seconds() > LATE_AFTER_S
        occ.move(PLAYING)
        entry = dict(station=st.id, slot=sl.name, scheduled_at=sched, started_at=started,
                     file=str(choice.path), sha256=choice.sha256, items=choice.items,
                     engine=choice.engine, error=choice.note)
        side = closing.Beside(lambda: self.book.add(outcome="playing", **entry), st.id)
        ok, error = self._play(st.id, choice.path, choice.duration_s, entry, side)
        outcome = ("late" if late else "aired") if ok else "failed"
        return {"entry": entry, "outcome": outcome, "finished_at": self.now(),
                "error": error}, side

    def _log_played(self, occ: Occurrence, played: dict, side: closing.Beside) -> None:
        closing.close(self.settings, self.book, played, side)
        occ.move(DONE if played["outcome"] != "failed" else FAILED)
        log.info("%s/%s at %s: %s %s", occ.station, occ.slot, occ.at, played["outcome"],
                 played["error"])

    def _unlogged_loop(self) -> None:
        while not self.stop_event.wait(UNLOGGED_RETRY_S):
            closing.flush(self.settings, self.book)

    def _choose(self, st: Station, sl: Slot, occ: Occurrence) -> _Choice:
        sched = occ.at
        day = sched.date()
        if occ.state == BUILDING:  # its build is due or running: wait for it, within grace
            log.info("%s/%s: waiting for its build to finish", st.id, sl.name)
            occ.wait_while(BUILDING, lambda: self.stop_event.is_set()
                           or self.now() > sched + self.grace)
            if occ.state == BUILDING:  # not building it a second time: too late anyway
                raise _StillBuilding()
        failure = occ.build_error if occ.state == BUILD_FAILED else ""
        rec = None if failure else self._record(st.id, sl.name, day)
        if rec is not None:
            return _Choice(Path(rec.path), rec.sha256, json.loads(rec.item_ids), rec.engine,
                           rec.duration_s)
        reason = f"Dựng trước bị lỗi: {failure}" if failure else "Chưa có bản tin dựng sẵn"
        ways = ["build", "last_good"]
        if self.settings.playback.on_missing == "last_good":
            ways.reverse()
        for way in ways:
            if way == "build":
                mine = occ.begin_build(again=True)
                try:
                    res = self._build(st.id, sl.name, day)
                except Exception as exc:  # noqa: BLE001
                    msg, _ = failure_text(exc)
                    if mine:
                        occ.end_build(msg)
                    reason += f"; dựng lại lúc phát cũng lỗi: {msg}"
                    continue
                if mine:
                    occ.end_build()
                m = res.manifest
                return _Choice(Path(res.mp3_path), str(m.get("sha256") or ""),
                               list(m.get("items", [])), m.get("engine", ""),
                               float(m.get("duration_s") or 0), rebuilt=True,
                               note=f"{reason}; đã dựng lại lúc phát (phát muộn).")
            old = self._record(st.id, sl.name, None, before=day)
            if old is None:
                reason += "; không có bản tin cũ của khung giờ này"
                continue
            return _Choice(Path(old.path), old.sha256, json.loads(old.item_ids), old.engine,
                           old.duration_s,
                           note=f"{reason}; phát lại bản tin cũ ngày {old.day:%d/%m/%Y}.")
        raise _NoBulletin(reason + ".")

    def _play(self, station_id: str, path: Path, duration_s: float, entry: dict,
              side: closing.Beside) -> tuple[bool, str]:
        """Play `path` on the station's channel. `side` (the starting row's writer) starts
        once the player runs (a command player: once its process is recorded in run/players/
        with `entry`, the log row's data, so a killed run's next start can write the row
        itself); the caller's closing waits for it, not this."""
        duration_s = duration_s or mp3_duration_s(path)
        timeout = duration_s + self.settings.playback.timeout_margin_s
        play = _Play()
        channel = self._channel(station_id)
        channel.begin(play)
        track = self._track_file(station_id)
        try:  # the row's writer starts once the player runs: never before the sound
            if isinstance(self.player, CommandPlayer):
                def spawned(pid: int, ticks: int | None) -> None:
                    self._write_track(track, pid, ticks, path, duration_s, entry)
                    side.start()

                self.player.play(path, timeout, play.cancel, on_spawn=spawned)
            else:
                side.start()
                self.player.play(path, timeout, play.cancel)
            return True, ""
        except PlayInterrupted:
            return False, play.reason or "Bị ngắt."
        except PlayError as exc:
            return False, str(exc)
        except Exception as exc:  # noqa: BLE001 - a player bug must not kill the service
            msg, known = failure_text(exc)
            if known:  # e.g. a full disk: the operator's message, not a player bug
                log.error("play failed: %s", msg)
                return False, msg
            log.exception("player crashed")
            return False, f"Trình phát lỗi: {exc!r}"
        finally:
            track.unlink(missing_ok=True)
            channel.end(play)

    def interrupt(self, station_id: str, reason: str) -> bool:
        return self._channel(station_id).interrupt(reason)

    def interrupt_all(self, reason: str) -> None:
        for ch in self._channels.values():
            ch.interrupt(reason)

    # ------------------------------------------------------------------ a killed run
    def _track_file(self, station_id: str) -> Path:
        d = run_dir(self.home) / "players"
        d.mkdir(exist_ok=True)
        return d / f"{station_id}.json"

    def _write_track(self, track: Path, pid: int, ticks: int | None, path: Path,
                     duration_s: float, entry: dict | None = None) -> None:
        """Where the player's process group is, written before anything can go wrong, with
        the log row's data (`entry`, times as ISO text) for a row not yet written."""
        tmp = track.with_suffix(".tmp")
        log_row = closing.jsonable(entry or {})
        tmp.write_text(json.dumps({
            "pid": pid, "pgid": pid, "start_ticks": ticks, "started": self.now().isoformat(),
            "file": str(path), "duration_s": duration_s, "scheduler_pid": os.getpid(),
            "boot_id": boot_id(),  # a player record from an earlier boot died in the reboot
            "log": log_row}))
        os.replace(tmp, track)

    def _restore_rows(self) -> None:
        """A run killed between starting a player and writing its log row: write the row
        ("playing") from the player's record, so it is judged like any cut-off play."""
        for track in sorted((run_dir(self.home) / "players").glob("*.json")):
            entry = closing.from_json(dict((_read_json(track) or {}).get("log") or {}))
            if not entry.get("scheduled_at"):
                continue
            if not self.book.for_slot(entry["station"], entry["slot"], entry["scheduled_at"]):
                log.warning("%s/%s: writing the log row a killed run left unwritten",
                            entry["station"], entry["slot"])
                self.book.add(outcome="playing", **entry)

    def recover_interrupted(self, last_alive: datetime | None) -> int:
        """Close the log rows a killed run left ``playing`` with what really happened, after
        stopping a player that outlived it; return how many rows were closed."""
        closed = 0
        self._restore_rows()
        rows = self.book.playing()
        for e in rows:
            track = self._track_file(e.station)
            info = _read_json(track)
            now = self.now()
            started = (datetime.fromisoformat(info["started"]) if info and info.get("started")
                       else (e.started_at.astimezone() if e.started_at else now))
            duration = float((info or {}).get("duration_s") or 0) or mp3_duration_s(Path(e.file))
            if info and group_alive(info["pgid"], info["pid"], info.get("start_ticks")):
                log.warning("%s/%s: the player (process group %s) outlived the last run; "
                            "stopping it", e.station, e.slot, info["pgid"])
                stop_group(info["pgid"])
                played = (self.now() - started).total_seconds()
                how = "trình phát vẫn chạy sau khi bộ lập lịch dừng và đã bị dừng khi khởi động lại"
            elif info and info.get("boot_id", "") == boot_id():
                # the player ran on alone and ended by itself: it played to the end
                played = min((now - started).total_seconds(), duration)
                how = "trình phát tự chạy hết sau khi bộ lập lịch dừng"
            else:  # the player died with the scheduler (built-in player, or a power cut)
                played = max(0.0, (last_alive - started).total_seconds()) if last_alive else 0.0
                how = "trình phát dừng cùng bộ lập lịch"
            played = max(0.0, played)
            share = f"đã phát {played:.0f}/{duration:.0f} giây"
            if duration > 0 and played >= AIRED_FRACTION * duration:
                late = (e.scheduled_at is not None and e.started_at is not None and
                        (e.started_at - e.scheduled_at).total_seconds() > LATE_AFTER_S)
                outcome = "late" if late else "aired"
                note = (f"Bị ngắt khi khởi động lại (interrupted by restart): bộ lập lịch dừng "
                        f"đột ngột khi đang phát; {how}; {share}, coi như đã phát.")
                if e.items:
                    day = (e.scheduled_at or e.started_at or now.replace(tzinfo=None)).date()
                    NewsQueue(self.settings).mark_aired(e.items, e.station, day, e.slot,
                                                        bulletin=e.sha256 or "")
            else:
                outcome = "failed"
                note = f"Bản tin {KILLED_VI}; {how}; mới {share}. Các tin sẽ phát lại."
            self.book.finish(e.id, outcome, now, note)
            track.unlink(missing_ok=True)
            closed += 1
            log.warning("%s/%s: a play cut off by the last run logged %s (%s)", e.station,
                        e.slot, outcome, share)
        # a tracked player without a row (an emergency whose row was closed): never let it
        # overlap the next play
        for track in (run_dir(self.home) / "players").glob("*.json"):
            info = _read_json(track)
            if info and group_alive(info["pgid"], info["pid"], info.get("start_ticks")):
                log.warning("stopping a leftover player (process group %s)", info["pgid"])
                stop_group(info["pgid"])
            track.unlink(missing_ok=True)
        return closed

    # ------------------------------------------------------------------ emergency
    def _poll_alerts(self) -> None:
        for req in alerts.pending(self.home):
            taken = alerts.claim(req)
            if taken is not None:
                threading.Thread(target=self._handle_alert, args=(taken,),
                                 name=f"alert-{req.stem}", daemon=True).start()

    def _handle_alert(self, taken: Path) -> None:
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
            results.append(alerts.play_emergency(self.settings, partial(self._play, sid), b,
                                                 hold=self._channel(sid).lock))

        threads = [threading.Thread(target=one, args=(b,)) for b in payload["bulletins"]]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        alerts.complete(taken, results)


def _read_json(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) and "pgid" in data and "pid" in data else None
    except (OSError, ValueError):
        return None


def boot_id() -> str:
    """This boot of the machine (Linux); "" where unknown."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


def run_foreground(settings: Settings, verbose: bool = False) -> None:
    handler = setup_logging(settings.home, verbose)
    try:
        Service(settings).run()
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
