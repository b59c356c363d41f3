"""Logging a play without ever holding up its sound or losing what it aired.

A play writes its log row ("playing") beside the sound, in a thread started when the player
runs (`Beside`), and closes it when the sound ends (`close`): its items marked aired, its
row finished. The closing is first kept as a file in run/unlogged/, then written through the
database's retries (db.retrying), which wait out another process's write lock, then the
file goes. What the database still refuses (locked for minutes, a server gone), or what a
killed run left, is written by `flush`: the scheduler tries it every UNLOGGED_RETRY_S, and
at its next start before it judges cut-off plays or catches anything up, so a play that
aired is neither lost nor played a second time.

A closing is plain data: ``{"entry": the row's fields, "outcome", "finished_at", "error":
the play's own error}``; its row is the occurrence's (station, slot, scheduled time), one at
most. Writing it again is harmless: marking items aired counts once per bulletin, a row is
finished only while it says "playing", and one is added only when the occurrence has none.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from ..config import Settings
from ..db import retrying
from ..news import NewsQueue
from .broadcast import BroadcastLogBook
from .lock import run_dir

log = logging.getLogger("bulletins.schedule")
AIRED = ("aired", "late", "emergency")  # outcomes whose items count as aired
_TIMES = ("scheduled_at", "started_at", "finished_at")


class Beside:
    """Run `write` (the row a play writes as it starts) in a thread beside the sound, once
    the player runs. `close` waits for it, after the station's sound lock is released: a
    write stuck on a locked database holds up neither the sound nor an emergency. A failure
    is only logged: the closing then adds the row."""

    def __init__(self, write: Callable[[], object], station: str):
        self._write, self._station = write, station
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"row-{self._station}",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            self._write()
        except Exception:  # noqa: BLE001 - the closing writes the row instead
            log.exception("%s: cannot write the log row as the play starts", self._station)

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()


def unlogged_dir(settings: Settings) -> Path:
    return run_dir(settings.home) / "unlogged"


def write(settings: Settings, book: BroadcastLogBook, closing: dict) -> None:
    e, outcome, error = closing["entry"], closing["outcome"], closing["error"]
    if outcome in AIRED and e["items"]:
        # before the row is closed: a reader of the log sees both
        day = (e["scheduled_at"] or e["started_at"]).date()
        retrying(NewsQueue(settings).mark_aired)(e["items"], e["station"], day, e["slot"],
                                                 bulletin=e["sha256"])
    rows = book.for_slot(e["station"], e["slot"], e["scheduled_at"])
    playing = [r for r in rows if r.outcome == "playing"]
    if playing:  # the row written as the player started
        book.finish(playing[0].id, outcome, closing["finished_at"], error)
    elif not rows:  # it could not be written then
        book.add(outcome=outcome, finished_at=closing["finished_at"],
                 **{**e, "error": "; ".join(x for x in (e["error"], error) if x)})


def close(settings: Settings, book: BroadcastLogBook, closing: dict,
          side: Beside | None = None) -> None:
    """Write the closing, once `side` (the play's starting row) is done. It is kept in
    run/unlogged/ first (as ``.writing`` while its play writes it), so a run killed before
    the database has it, or a database that refuses it, loses nothing: `flush` writes it."""
    e = closing["entry"]
    d = unlogged_dir(settings)
    stamp = e["scheduled_at"] or e["started_at"]
    kept = d / f"{e['station']}-{e['slot']}-{stamp:%Y%m%dT%H%M%S}.json"
    writing = kept.with_suffix(".writing")
    tmp = d / f".{kept.name}.tmp"
    try:
        d.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(jsonable(closing)), encoding="utf-8")
        os.replace(tmp, writing)  # whole or absent
    except OSError as exc:  # a full disk: the database may still take it
        log.error("%s/%s: cannot keep the play's closing in %s: %s", e["station"], e["slot"],
                  d, exc)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
    if side is not None:
        side.join()  # the row it writes is the one to finish (or it failed: then add one)
    try:
        write(settings, book, closing)
    except SQLAlchemyError as exc:
        if not writing.exists():
            log.critical("%s/%s: the play is neither in the broadcast log (%s) nor kept: "
                         "%s", e["station"], e["slot"], exc, jsonable(closing))
            return
        os.replace(writing, kept)  # now the retries' (flush)
        log.error("%s/%s: cannot write the broadcast log (%s); kept in %s until the "
                  "database takes it", e["station"], e["slot"], exc, kept)
        return
    with contextlib.suppress(OSError):  # left behind, it is written again: harmless
        writing.unlink(missing_ok=True)


def flush(settings: Settings, book: BroadcastLogBook, at_start: bool = False) -> int:
    """Write the closings kept in run/unlogged/; return how many were written. At start,
    also those a killed run was writing (``.writing``); while it runs, those are its plays'."""
    written = 0
    d = unlogged_dir(settings)
    found = [*d.glob("*.json"), *(d.glob("*.writing") if at_start else ())]
    for path in sorted(found):
        try:
            closing = from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("unreadable broadcast log record %s: %s", path, exc)
            continue
        try:
            write(settings, book, closing)
        except SQLAlchemyError as exc:
            log.error("broadcast log still refused (%s); %s kept", exc, path.name)
            return written
        path.unlink(missing_ok=True)
        written += 1
        log.warning("%s: wrote a broadcast log row the database had refused", path.name)
    return written



def jsonable(record: dict) -> dict:
    """A row's fields (or a closing, its entry nested) with times as ISO text."""
    return {k: v.isoformat() if isinstance(v, datetime) else
            jsonable(v) if isinstance(v, dict) else v for k, v in record.items()}


def from_json(record: dict) -> dict:
    """The reverse of `jsonable`."""
    return {k: (datetime.fromisoformat(v) if v else None) if k in _TIMES else
            from_json(v) if isinstance(v, dict) else v for k, v in record.items()}
