"""One record per slot occurrence (station, slot, scheduled time), shared by the scheduler's
threads: APScheduler's build and play workers, the main loop and emergency-alert threads.

A record is created once (`OccurrenceBook.get` under one lock) and every change of its state
happens under its own condition variable, so a build finishing, a play waiting for it and a
second trigger of the same play all see one truth:

    pending → building → built → playing → done | failed | missed
                       ↘ build_failed ↗ (the play then builds again or plays the last good)

`claim_play` is what makes an occurrence play at most once in a run (the broadcast log makes
it at most once across runs).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

PENDING, BUILDING, BUILT, BUILD_FAILED = "pending", "building", "built", "build_failed"
PLAYING, DONE, FAILED, MISSED = "playing", "done", "failed", "missed"
STATES = (PENDING, BUILDING, BUILT, BUILD_FAILED, PLAYING, DONE, FAILED, MISSED)
FINAL = (DONE, FAILED, MISSED)


class Occurrence:
    def __init__(self, station: str, slot: str, at: datetime):
        self.station, self.slot, self.at = station, slot, at
        self._cond = threading.Condition()
        self._state = PENDING
        self._build_error = ""
        self._play_claimed = False
        self._build_running = False
        self.history: list[str] = [PENDING]  # every state it went through, for tests and logs

    def __repr__(self) -> str:
        return f"<Occurrence {self.station}/{self.slot} {self.at:%Y-%m-%d %H:%M:%S} {self.state}>"

    @property
    def state(self) -> str:
        with self._cond:
            return self._state

    @property
    def build_error(self) -> str:
        with self._cond:
            return self._build_error

    def move(self, to: str, *, allowed: tuple[str, ...] | None = None, error: str = "") -> bool:
        """Go to `to` (only from one of `allowed`, when given); False if not allowed."""
        assert to in STATES, to
        with self._cond:
            if allowed is not None and self._state not in allowed:
                return False
            self._state = to
            if to == BUILD_FAILED:
                self._build_error = error
            elif to == BUILT:
                self._build_error = ""
            self.history.append(to)
            self._cond.notify_all()
            return True

    def build_due(self) -> bool:
        """A build job for it was queued: a play arriving meanwhile waits for it."""
        return self.move(BUILDING, allowed=(PENDING, BUILD_FAILED))

    def build_not_coming(self) -> None:
        """The queued build missed its run: stop making plays wait for it."""
        with self._cond:
            if self._state == BUILDING and not self._build_running:
                self._state = PENDING
                self.history.append(PENDING)
                self._cond.notify_all()

    def begin_build(self, again: bool = False) -> bool:
        """True for the one caller that builds it now. Once built (or played) it is not
        built again, except with `again` (a play that found the built file gone)."""
        with self._cond:
            done = (PLAYING, *FINAL) if again else (BUILT, PLAYING, *FINAL)
            if self._build_running or self._state in done:
                return False
            self._build_running = True
            if self._state != BUILDING:
                self._state = BUILDING
                self.history.append(BUILDING)
            return True

    def end_build(self, error: str = "") -> None:
        with self._cond:
            self._build_running = False
        # a slot already missed (or played from an older file) keeps that state
        self.move(BUILD_FAILED if error else BUILT, error=error,
                  allowed=(PENDING, BUILDING, BUILT, BUILD_FAILED))

    def claim_play(self) -> bool:
        """True for the one caller that will play this occurrence."""
        with self._cond:
            if self._play_claimed or self._state in FINAL or self._state == PLAYING:
                return False
            self._play_claimed = True
            return True

    def release_play(self) -> None:
        """Give the claim back when the play did not happen (e.g. the service is stopping),
        so the next start's catch-up can still handle it."""
        with self._cond:
            self._play_claimed = False

    def wait_while(self, state: str, until: Callable[[], bool], step_s: float = 0.2) -> str:
        """Wait while the record is in `state` and `until()` is false; return the state."""
        with self._cond:
            while self._state == state and not until():
                self._cond.wait(step_s)
            return self._state


class OccurrenceBook:
    """The records of one service run, by (station, slot, scheduled time)."""

    KEEP = timedelta(days=2)

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, str, float], Occurrence] = {}

    def get(self, station: str, slot: str, at: datetime) -> Occurrence:
        key = (station, slot, at.timestamp())  # one instant, whatever its tz representation
        with self._lock:
            occ = self._records.get(key)
            if occ is None:
                occ = self._records[key] = Occurrence(station, slot, at)
                limit = at.timestamp() - self.KEEP.total_seconds()
                for k in [k for k in self._records if k[2] < limit]:
                    del self._records[k]
            return occ

    def find(self, station: str, slot: str | None = None,
             state: str | None = None) -> list[Occurrence]:
        with self._lock:
            recs = list(self._records.values())
        return [r for r in recs if r.station == station and (slot is None or r.slot == slot)
                and (state is None or r.state == state)]
