"""Emergency alerts: queue an urgent item, build a short bulletin at once, play it now.

`bulletins alert` (raise_alert) does the queueing and the build itself, so build errors
reach the operator directly. Then:

- If a scheduler is alive for this home (fresh heartbeat), the CLI hands the finished
  bulletin over through a request file in `<home>/run/alerts/`. The scheduler polls that
  folder several times a second, claims the request (an atomic rename, so exactly one side
  plays it), stops whatever its player is doing for that station (the interrupted play is
  logged ``failed`` with the reason, and its items stay queued for the next bulletin),
  plays the alert and writes a ``.done`` file the CLI waits for.
- If no scheduler is running, or it does not claim the request within CLAIM_WAIT_S, the CLI
  claims it back and plays it itself with the configured player.

Either way the broadcast log gets one row with outcome ``emergency`` (or ``failed``), and
the items count as aired only when the play succeeded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta
from pathlib import Path

from ..config import Settings
from ..news import NewsQueue
from . import closing
from .broadcast import BroadcastLogBook
from .lock import read_heartbeat, run_dir

log = logging.getLogger("bulletins.schedule.alert")
CLAIM_WAIT_S = 5.0
ALIVE_WITHIN_S = 10.0

# play_fn(path, duration_s, entry, side) -> (ok, error): `entry` is the log row's data,
# `side` (closing.Beside) writes it; the play starts it once the player runs, beside the
# sound, so a busy database never holds up an emergency.
PlayFn = Callable[[Path, float, dict, closing.Beside], tuple[bool, str]]


def alerts_dir(home: Path) -> Path:
    d = run_dir(home) / "alerts"
    d.mkdir(parents=True, exist_ok=True)
    return d


def scheduler_alive(home: Path) -> bool:
    hb = read_heartbeat(home)
    if hb is None:
        return False
    age = datetime.now(hb["alive"].tzinfo) - hb["alive"]
    return age < timedelta(seconds=ALIVE_WITHIN_S)


def clean_stale(home: Path, older_than_s: float = 3600) -> None:
    """Drop request and result files left by runs that died (they are never replayed:
    an hour-old emergency is no longer an emergency)."""
    limit = time.time() - older_than_s
    for f in alerts_dir(home).iterdir():
        try:
            if f.stat().st_mtime < limit:
                f.unlink()
        except OSError:
            pass


def submit(home: Path, payload: dict) -> Path:
    req_id = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}"
    path = alerts_dir(home) / f"{req_id}.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({**payload, "id": req_id}, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)
    return path


def pending(home: Path) -> list[Path]:
    return sorted(alerts_dir(home).glob("*.json"))


def claim(path: Path) -> Path | None:
    """Take a request; None when the other side took it first."""
    taken = path.with_suffix(".taken")
    try:
        os.rename(path, taken)
    except FileNotFoundError:
        return None
    return taken


def complete(taken: Path, results: list[dict]) -> None:
    done = taken.with_suffix(".done")
    tmp = taken.with_suffix(".donetmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, done)
    taken.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def play_emergency(settings: Settings, play_fn: PlayFn, bulletin: dict,
                   hold: AbstractContextManager | None = None) -> dict:
    """Play one emergency bulletin, log it, mark its items aired on success. `hold` (the
    station's sound lock, in the scheduler) is held while it plays, not while it is logged:
    the station's next play never waits for this one's log."""
    book = BroadcastLogBook(settings)
    path = Path(bulletin["mp3"])
    started = datetime.now().astimezone()
    requested = datetime.fromisoformat(bulletin["requested_at"])
    try:
        digest = sha256_file(path)
    except OSError as exc:
        book.add(station=bulletin["station"], slot=bulletin["slot"], outcome="failed",
                 scheduled_at=requested, started_at=started, file=str(path),
                 items=bulletin["items"], engine=bulletin.get("engine", ""),
                 error=f"Không đọc được tệp tin khẩn cấp: {exc}")
        return {"station": bulletin["station"], "outcome": "failed", "error": str(exc)}
    with hold or nullcontext():
        entry = dict(station=bulletin["station"], slot=bulletin["slot"],
                     scheduled_at=requested, started_at=datetime.now().astimezone(),
                     file=str(path), sha256=digest, items=bulletin["items"],
                     engine=bulletin.get("engine", ""), error="")
        side = closing.Beside(lambda: book.add(outcome="playing", **entry), entry["station"])
        ok, error = play_fn(path, float(bulletin.get("duration_s") or 0), entry, side)
    outcome = "emergency" if ok else "failed"
    closing.close(settings, book, {"entry": entry, "outcome": outcome,
                                   "finished_at": datetime.now().astimezone(), "error": error},
                  side)
    log.info("emergency bulletin at %s: %s %s", bulletin["station"], outcome, error)
    return {"station": bulletin["station"], "outcome": outcome, "error": error}


def build_alert(settings: Settings, title: str, body: str, station_id: str | None) -> list[dict]:
    """Queue the urgent item and build one emergency bulletin per target station."""
    from .. import pipeline

    stations = [settings.station(station_id)] if station_id else list(settings.stations)
    item = NewsQueue(settings).add({
        "title": title, "body": body, "priority": "urgent",
        "stations": station_id or "", "category": "khẩn cấp",
    })
    requested = datetime.now().astimezone().isoformat()
    out = []
    for st in stations:
        result = pipeline.build_emergency(settings, st.id, [item.id])
        m = result.manifest
        out.append({
            "station": st.id, "slot": m.get("slot") or Path(result.mp3_path).stem,
            "mp3": result.mp3_path, "items": m.get("items") or [item.id],
            "engine": m.get("engine", ""), "duration_s": m.get("duration_s", 0),
            "requested_at": requested, "item_id": item.id,
        })
    return out


def direct_play_fn(settings: Settings) -> PlayFn:
    import threading

    from .players import PlayError, PlayInterrupted, make_player, mp3_duration_s

    player = make_player(settings.playback)

    def play(path: Path, duration_s: float, entry: dict,
             side: closing.Beside) -> tuple[bool, str]:
        timeout = (duration_s or mp3_duration_s(path)) + settings.playback.timeout_margin_s
        side.start()
        try:
            player.play(path, timeout, threading.Event())
            return True, ""
        except PlayInterrupted:
            return False, "Bị ngắt."
        except PlayError as exc:
            return False, str(exc)

    return play


def raise_alert(settings: Settings, title: str, body: str, station_id: str | None = None,
                echo: Callable[[str], None] = print) -> list[dict]:
    """The whole `bulletins alert` flow; returns one result per station."""
    bulletins = build_alert(settings, title, body, station_id)
    for b in bulletins:
        echo(f"Đã dựng tin khẩn cấp cho đài {b['station']}: {b['mp3']}")
    # A station with a joined station machine gets it over its long-poll and reports the
    # airing itself; the server neither plays it nor logs it for that station.
    from ..station.server import has_machine

    remote = [b for b in bulletins if has_machine(settings, b["station"])]
    bulletins = [b for b in bulletins if b not in remote]
    sent = [{"station": b["station"], "outcome": "sent-to-station", "error": ""} for b in remote]
    for b in remote:
        echo(f"Đã gửi cho máy phát của đài {b['station']}: máy sẽ phát ngay và báo lại.")
    if not bulletins:
        return sent
    if scheduler_alive(settings.home):
        req = submit(settings.home, {"bulletins": bulletins})
        deadline = time.monotonic() + CLAIM_WAIT_S
        while req.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if claim(req) is None:  # the scheduler has it
            echo("Đã chuyển cho bộ lập lịch đang chạy: phát ngay, ngắt bản tin đang phát.")
            done = req.with_suffix(".done")
            wait = sum(float(b["duration_s"] or 0) for b in bulletins)
            deadline = time.monotonic() + wait + settings.playback.timeout_margin_s + 30
            while not done.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            if done.exists():
                results = json.loads(done.read_text(encoding="utf-8"))
                done.unlink(missing_ok=True)
                return sent + results
            return sent + [{"station": b["station"], "outcome": "handed-over", "error": ""}
                           for b in bulletins]
        log.warning("the scheduler did not take the alert within %.0f s; playing here",
                    CLAIM_WAIT_S)
        req.with_suffix(".taken").unlink(missing_ok=True)
    play = direct_play_fn(settings)
    return sent + [play_emergency(settings, play, b) for b in bulletins]
