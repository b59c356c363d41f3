"""`bulletins station run`: the commune station machine's loop.

- Sync (every `[station] sync_seconds`, and just before a slot): the station's slots and
  `on_missing` from the server (kept in station/state.json for offline days), its published
  bulletins downloaded into station/<day>/<slot>.mp3 (+ .json manifest) — Range resume,
  sha256 checked, renamed into place — then the bulletin held for the next slot is told to
  the server, and the report spool is flushed.
- Slots: `tick()` looks at the clock (injectable) and plays each slot occurrence once,
  within `grace_minutes`, through the configured player (schedule/players.py). The file is
  hashed again right before it plays: a file that no longer matches its manifest is never
  played. With no bulletin for the day (server unreachable, not published), on_missing
  decides; here it always means the last good bulletin of that slot (a local build needs
  the full news queue, which stays on the server), and the log says which one played.
- Reports: every outcome is a row in the home's broadcast log and a line in
  station/outbox.jsonl with a fresh report id; the spool is sent whenever the server
  answers and a line is dropped only once the server accepted its id (the server keeps
  one row per id, so a resend never doubles).
- Emergency: a thread long-polls /api/station/emergency; an emergency stops the current
  play at once (logged ``failed``, interrupted) and plays (``emergency``).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol

from ..config import Settings, Slot
from ..schedule.broadcast import BroadcastLogBook
from ..schedule.players import Player, PlayError, PlayInterrupted, make_player, mp3_duration_s
from ..schedule.times import occurrences
from . import CONFIG_NAME
from .client import BadDownload, Client, ServerUnreachable, TokenRefused, file_sha256

log = logging.getLogger("bulletins.station")
LATE_AFTER_S = 3.0  # as the home scheduler: a play starting later than this is "late"
POLL_WAIT_S = 20.0  # one long-poll request; the server answers at once when an alert exists
OFFLINE_RETRY_S = 3.0  # how soon to knock again while the server is down
ALIVE_EVERY_S = 10.0  # how often the run notes it is alive (for missed slots after a stop)
KEEP_DAYS = 14  # day folders of downloaded bulletins kept (the last good ones among them)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now().astimezone()


@dataclass(frozen=True)
class StationConfig:
    server: str
    station: str
    token: str

    @staticmethod
    def path(home: Path) -> Path:
        return home / CONFIG_NAME

    @classmethod
    def load(cls, home: Path) -> StationConfig | None:
        try:
            data = json.loads(cls.path(home).read_text(encoding="utf-8"))
            return cls(str(data["server"]), str(data["station"]), str(data["token"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def save(self, home: Path) -> Path:
        """Written 0600 (the token is a password) through a temp file and a rename."""
        home.mkdir(parents=True, exist_ok=True)
        path = self.path(home)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"server": self.server, "station": self.station, "token": self.token}, f)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class StationRunner:
    def __init__(self, settings: Settings, conf: StationConfig, clock: Clock | None = None,
                 player: Player | None = None, client: Client | None = None):
        self.settings = settings
        self.conf = conf
        self.clock = clock or SystemClock()
        self.player = player or make_player(settings.playback)
        self.client = client or Client(conf.server, conf.token)
        self.root = settings.home / "station"
        self.root.mkdir(parents=True, exist_ok=True)
        self.book = BroadcastLogBook(settings)
        self.state_lock = threading.Lock()
        self.sync_lock = threading.Lock()  # one sync at a time: one writer per .part file
        # Slots since the previous run was last alive (at most a day back) are caught up:
        # played late within grace, else logged missed. A first run catches up nothing.
        now = self.clock.now()
        try:
            alive = datetime.fromisoformat(self.state()["alive_at"])
            self.started = min(now, max(alive, now - timedelta(days=1)))
        except (KeyError, TypeError, ValueError):
            self.started = now
        self._alive_saved = 0.0
        self.play_lock = threading.Lock()
        self.spool_lock = threading.Lock()
        self.cancel = threading.Event()  # the current play's stop switch
        self.urgent = threading.Event()  # an emergency waits for the player
        self.online = False

    # ---------------------------------------------------------------- local state
    @property
    def state_path(self) -> Path:
        return self.root / "state.json"

    def state(self) -> dict:
        try:
            return json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _save_state(self, **changes: object) -> None:
        with self.state_lock:  # three threads note things here; none may lose another's
            _write_atomic(self.state_path, json.dumps({**self.state(), **changes},
                                                      ensure_ascii=False))

    def slots(self) -> list[Slot]:
        return [Slot(s["name"], s["time"], int(s.get("length_s", 600)), s.get("days", "mon-sun"))
                for s in self.state().get("slots", [])]

    def grace(self) -> timedelta:
        return timedelta(minutes=float(self.state().get("grace_minutes",
                                                        self.settings.playback.grace_minutes)))

    def local(self, day: str, slot: str) -> tuple[Path, dict] | None:
        """The held bulletin of a day and slot, if its manifest and hash agree."""
        mp3 = self.root / day / f"{slot}.mp3"
        try:
            manifest = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
            if mp3.is_file() and file_sha256(mp3) == manifest.get("sha256"):
                return mp3, manifest
        except (OSError, ValueError, AttributeError):
            pass
        return None

    # ---------------------------------------------------------------- sync
    def sync(self) -> bool:
        """One round with the server; False when it could not be reached."""
        with self.sync_lock:
            return self._sync()

    def _sync(self) -> bool:
        try:
            me = self.client.get_json("/api/station/me")
            self._save_state(slots=me["slots"], on_missing=me.get("on_missing", "last_good"),
                             grace_minutes=me.get("grace_minutes"), synced_at=time.time())
            listing = self.client.get_json("/api/station/bulletins")["bulletins"]
            for b in listing:
                self._fetch(b)
            self.client.post_json("/api/station/holding", self.holding())
            self.flush()
            self.prune()
        except TokenRefused as exc:
            log.error("%s", exc)
            self.online = False
            raise
        except (ServerUnreachable, KeyError, TypeError) as exc:
            log.warning("offline: %s", exc)
            self.online = False
            return False
        self.online = True
        return True

    def _fetch(self, b: dict, folder: Path | None = None) -> Path | None:
        folder = folder or self.root / b["day"]
        mp3 = folder / f"{b['slot']}.mp3"
        if folder == self.root / b["day"] and self.local(b["day"], b["slot"]) is not None \
                and self.local(b["day"], b["slot"])[1].get("sha256") == b["sha256"]:
            return mp3
        try:
            self.client.download(b["url"], mp3, b["sha256"], int(b["size"]))
        except BadDownload as exc:
            log.error("%s", exc)
            return None
        manifest = {**b.get("manifest", {}), "sha256": b["sha256"], "items": b.get("items", [])}
        _write_atomic(mp3.with_suffix(".json"), json.dumps(manifest, ensure_ascii=False))
        log.info("downloaded %s/%s (%s)", b["day"], b["slot"], b["sha256"][:12])
        return mp3

    def prune(self) -> None:
        """Drop day folders older than KEEP_DAYS, but never a slot's newest bulletin."""
        limit = (self.clock.now().date() - timedelta(days=KEEP_DAYS)).isoformat()
        days = sorted((d for d in self.root.iterdir() if d.is_dir() and len(d.name) == 10
                       and d.name[4] == "-"), key=lambda d: d.name, reverse=True)
        newest: set[str] = set()
        for d in days:
            slots = {p.stem for p in d.glob("*.mp3")}
            if d.name < limit and not slots - newest:
                shutil.rmtree(d, ignore_errors=True)
            newest |= slots

    def next_occurrence(self) -> tuple[Slot, datetime] | None:
        now = self.clock.now()
        week = now + timedelta(days=8)
        found = [(t, s) for s in self.slots() for t in occurrences(s, now, week)[:1]]
        if not found:
            return None
        t, s = min(found, key=lambda p: p[0])
        return s, t

    def holding(self) -> dict:
        nxt = self.next_occurrence()
        if nxt is None:
            return {}
        slot, t = nxt
        held = self.local(t.date().isoformat(), slot.name)
        return {"slot": slot.name, "day": t.date().isoformat(), "at": t.isoformat(),
                "sha256": held[1]["sha256"] if held else ""}

    # ---------------------------------------------------------------- reports
    @property
    def spool(self) -> Path:
        return self.root / "outbox.jsonl"

    def report(self, **fields: object) -> dict:
        """Log locally, spool for the server, try to send."""
        local_fields = {k: v for k, v in fields.items() if k != "scheduled_at"}
        self.book.add(station=self.conf.station, scheduled_at=fields.get("scheduled_at"),
                      **local_fields)
        rep = {"id": uuid.uuid4().hex, **{k: (v.isoformat() if isinstance(v, datetime) else v)
                                          for k, v in fields.items()}}
        with self.spool_lock, open(self.spool, "a", encoding="utf-8") as f:
            f.write(json.dumps(rep, ensure_ascii=False) + "\n")
            f.flush()
            os.fsync(f.fileno())
        self.flush()
        return rep

    def flush(self) -> int:
        """Send spooled reports; keep those the server has not accepted. Returns how many left."""
        with self.spool_lock:
            try:
                lines = [ln for ln in self.spool.read_text(encoding="utf-8").splitlines() if ln]
            except FileNotFoundError:
                return 0
            reports = []
            for ln in lines:
                try:
                    reports.append(json.loads(ln))
                except ValueError:  # a line cut by a crash mid-write: nothing to send
                    log.warning("dropping an unreadable spool line")
            if not reports:
                self.spool.unlink(missing_ok=True)
                return 0
            try:
                answer = self.client.post_json("/api/station/reports", {"reports": reports})
            except TokenRefused:
                raise
            except ServerUnreachable:
                return len(reports)
            done = set(answer.get("accepted", [])) | {r for r in answer.get("rejected", []) if r}
            left = [r for r in reports if r["id"] not in done]
            _write_atomic(self.spool, "".join(json.dumps(r, ensure_ascii=False) + "\n"
                                              for r in left))
            return len(left)

    # ---------------------------------------------------------------- playing
    def _play(self, path: Path, duration_s: float) -> tuple[bool, str]:
        timeout = (duration_s or mp3_duration_s(path)) + self.settings.playback.timeout_margin_s
        try:
            self.player.play(path, timeout, self.cancel)
            return True, ""
        except PlayInterrupted:
            return False, "Bị ngắt để phát tin khẩn cấp."
        except PlayError as exc:
            return False, str(exc)

    def choose(self, slot: Slot, day: date) -> tuple[Path, dict, str] | None:
        """(file, manifest, note): the day's bulletin, else the newest earlier one of the slot."""
        held = self.local(day.isoformat(), slot.name)
        if held:
            return held[0], held[1], ""
        older = sorted((d.name for d in self.root.iterdir()
                        if d.is_dir() and d.name < day.isoformat()), reverse=True)
        for d in older:
            held = self.local(d, slot.name)
            if held:
                return held[0], held[1], (
                    f"Không có bản tin mới (máy chủ không liên lạc được hoặc chưa phát hành): "
                    f"đã phát bản tin cũ gần nhất của khung giờ này, ngày {d}.")
        return None

    def handled(self, slot: Slot, at: datetime) -> bool:
        return bool(self.book.for_slot(self.conf.station, slot.name, at))

    def due(self) -> list[tuple[Slot, datetime]]:
        """Occurrences that fell since the runner started (or within grace) not yet handled."""
        now = self.clock.now()
        since = min(self.started, now - self.grace()) - timedelta(seconds=1)
        out = [(s, t) for s in self.slots() for t in occurrences(s, since, now)]
        return sorted(((s, t) for s, t in out if not self.handled(s, t)), key=lambda p: p[1])

    def tick(self) -> int:
        """Play (or log as missed) every due occurrence; returns how many were handled."""
        if time.monotonic() - self._alive_saved > ALIVE_EVERY_S:
            self._save_state(alive_at=self.clock.now().isoformat())
            self._alive_saved = time.monotonic()
        n = 0
        for slot, at in self.due():
            self.play_slot(slot, at)
            n += 1
        return n

    def play_slot(self, slot: Slot, at: datetime) -> str:
        now = self.clock.now()
        base = {"slot": slot.name, "scheduled_at": at}
        if now - at > self.grace():
            self.report(**base, outcome="missed",
                        error="Quá thời gian cho phép sau giờ phát (máy tắt hoặc đang bận).")
            return "missed"
        if self.local(at.date().isoformat(), slot.name) is None:
            try:
                self.sync()  # maybe it was just published
            except TokenRefused:
                pass  # play what is held; the run loop reports the refusal
        choice = self.choose(slot, at.date())
        if choice is None:
            self.report(**base, outcome="failed", started_at=now,
                        error="Không có bản tin nào của khung giờ này để phát "
                              "(chưa tải được bản mới, chưa có bản cũ).")
            return "failed"
        path, manifest, note = choice
        while self.urgent.is_set():  # an emergency is about to play: it goes first
            time.sleep(0.05)
        with self.play_lock:
            self.cancel.clear()
            started = self.clock.now()
            if file_sha256(path) != manifest.get("sha256"):  # changed since it was checked
                path.unlink(missing_ok=True)
                self.report(**base, outcome="failed", started_at=started,
                            error="Tệp bản tin bị hỏng (sha256 không khớp), không phát.")
                return "failed"
            ok, error = self._play(path, float(manifest.get("duration_s") or 0))
            late = (started - at).total_seconds() > LATE_AFTER_S
            outcome = ("late" if late else "aired") if ok else "failed"
            self.report(**base, outcome=outcome, started_at=started,
                        finished_at=self.clock.now(), file=str(path),
                        sha256=manifest["sha256"], items=manifest.get("items") or [],
                        engine=manifest.get("engine", ""),
                        error="; ".join(e for e in (note, error) if e))
        log.info("%s %s: %s %s", slot.name, at, outcome, note)
        return outcome

    # ---------------------------------------------------------------- emergencies
    def poll_emergency(self, wait_s: float = POLL_WAIT_S) -> int:
        """One long-poll round; plays what arrived. Returns how many played."""
        after = int(self.state().get("emergency_after", -1))
        answer = self.client.get_json(f"/api/station/emergency?after={after}&wait={wait_s}",
                                      timeout_s=wait_s + 15)
        played = 0
        for e in answer.get("emergencies", []):
            path = self._fetch(e, self.root / "emergency")
            if path is not None:
                self.play_emergency(path, e)
                played += 1
        self._save_state(emergency_after=int(answer.get("after", after)))
        return played

    def play_emergency(self, path: Path, e: dict) -> None:
        self.urgent.set()
        self.cancel.set()  # stop what plays now
        try:
            with self.play_lock:
                self.urgent.clear()
                self.cancel.clear()
                started = self.clock.now()
                ok, error = self._play(path, float(e.get("duration_s") or 0))
                self.report(slot=e["slot"], scheduled_at=started, started_at=started,
                            finished_at=self.clock.now(), outcome="emergency" if ok else "failed",
                            file=str(path), sha256=e["sha256"], items=e.get("items") or [],
                            engine=e.get("engine", ""), error=error)
        finally:
            self.urgent.clear()

    # ---------------------------------------------------------------- the loop
    def run(self, stop: threading.Event, on_refused: Callable[[str], None] = print) -> None:
        """Until `stop`: sync, tick, listen for emergencies (threads for the network)."""
        refused = threading.Event()

        def network(fn: Callable[[], object], pause: float) -> None:
            while not stop.is_set() and not refused.is_set():
                try:
                    fn()
                except TokenRefused as exc:
                    on_refused(str(exc))
                    refused.set()
                    return
                except ServerUnreachable as exc:
                    log.warning("offline: %s", exc)
                    stop.wait(max(pause, OFFLINE_RETRY_S))
                    continue
                except Exception:  # noqa: BLE001 - a bad answer must not end the station
                    log.exception("station network loop")
                stop.wait(pause)

        sync_every = self.settings.station_machine.sync_seconds
        threads = [threading.Thread(target=network, args=(self.sync, sync_every), daemon=True,
                                    name="station-sync"),
                   threading.Thread(target=network, args=(self.poll_emergency, 0.2),
                                    daemon=True, name="station-emergency")]
        try:
            self.sync()
        except TokenRefused as exc:
            on_refused(str(exc))
            return
        for t in threads:
            t.start()
        while not stop.is_set() and not refused.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 - e.g. a full disk: log it, keep the station on
                log.exception("station tick")
            stop.wait(0.2)
        self.cancel.set()
