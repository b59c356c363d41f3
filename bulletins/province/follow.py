"""The scheduler's view of the jobs it enqueued: one thread polls them together.

A slot's occurrence stays "building" from its enqueue until its job is done or failed, so
a play that arrives meanwhile waits for that job (within grace) instead of enqueueing it a
second time and calling the result a rebuild at play time. One query a second covers every
job in flight (50 stations are one SELECT, not 50 polling threads).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..db import session_factory
from .tables import BuildJob

log = logging.getLogger("bulletins.province")
POLL_S = 1.0


class JobFollower:
    def __init__(self, settings: Settings, stop: threading.Event, poll_s: float = POLL_S):
        self.settings = settings
        self.stop = stop
        self.poll_s = poll_s
        self._lock = threading.Lock()
        self._waiting: dict[int, list[Callable[[str], None]]] = {}
        self._thread: threading.Thread | None = None

    def follow(self, job_id: int, on_finished: Callable[[str], None]) -> None:
        """Call `on_finished(error)` ("" when done) once the job is done or failed."""
        with self._lock:
            self._waiting.setdefault(job_id, []).append(on_finished)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="job-follower",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        Session = session_factory(self.settings.db_url)
        while not self.stop.wait(self.poll_s):
            with self._lock:
                ids = list(self._waiting)
            if not ids:
                continue
            try:
                with Session() as s:
                    rows = s.execute(select(BuildJob.id, BuildJob.status, BuildJob.error)
                                     .where(BuildJob.id.in_(ids))).all()
            except SQLAlchemyError as exc:  # the database away for a moment: poll again
                log.warning("cannot read build jobs: %s", exc)
                continue
            for job_id, status, error in rows:
                if status not in ("done", "failed"):
                    continue
                with self._lock:
                    callbacks = self._waiting.pop(job_id, [])
                for cb in callbacks:
                    try:
                        cb("" if status == "done" else (error or "Lệnh dựng bị lỗi."))
                    except Exception:  # noqa: BLE001 - one caller's bug must not stop the rest
                        log.exception("job %s: follower callback failed", job_id)
