"""Helpers for the scheduler's end-to-end tests: homes with slots seconds apart, real
`scheduler.py` subprocesses (real builds with espeak), the broadcast log and the test
player's record of what played."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bulletins.config import Settings, load_settings
from bulletins.schedule.broadcast import BroadcastLogBook, Entry

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PLAYER = HERE / "fake_player.py"


def at(seconds: float) -> datetime:
    return datetime.now().replace(microsecond=0) + timedelta(seconds=seconds)


@dataclass
class SlotSpec:
    name: str
    time: datetime
    length_s: int = 60  # fits the two short test items with espeak


WARM_CACHE: list[Path] = []  # a cache folder to start homes from (see warm_up)


def warm_up(home: Path) -> None:
    """Build once in a template home so that later homes start with espeak calibrated and
    the test items' sentences cached (every bulletin is still built for real)."""
    from bulletins.models import BuildRequest
    from bulletins.pipeline import build_bulletin

    write_home(home, [SlotSpec("sang", at(3600))])
    build_bulletin(load_settings(home), BuildRequest("xa-a", None, "sang", mark_aired=False))
    WARM_CACHE[:] = [home / "cache"]


def write_home(home: Path, slots: list[SlotSpec], *, player: str = "command",
               sleep: float = 0.3, lead: float = 0.5, grace: float = 0.2,
               on_missing: str = "build", station: str | list[str] = "xa-a",
               items: int = 2) -> Path:
    """A home whose station (or each of several stations) has `slots`."""
    home.mkdir(parents=True, exist_ok=True)
    if WARM_CACHE and not (home / "cache").exists():
        shutil.copytree(WARM_CACHE[0], home / "cache")
    lines = []
    for sid in [station] if isinstance(station, str) else station:
        lines.append(f'[[stations]]\nid = "{sid}"\nname = "Đài truyền thanh xã Thử"\n'
                     'engine = "espeak"\n')
        for s in slots:
            lines.append(f'[[stations.slots]]\nname = "{s.name}"\n'
                         f'time = "{s.time:%H:%M:%S}"\nlength_s = {s.length_s}\n')
    cmd = f'"{sys.executable}" "{PLAYER}" {{file}} "{home / "plays.txt"}" {sleep}'
    lines.append(f"[playback]\nplayer = \"{player}\"\ncommand = '{cmd}'\n"
                 f"lead_minutes = {lead}\ngrace_minutes = {grace}\n"
                 f'on_missing = "{on_missing}"\ntimeout_margin_s = 30\n')
    (home / "bulletins.toml").write_text("\n".join(lines), encoding="utf-8")
    if items and not (home / "bulletins.sqlite3").exists():
        from bulletins.news import NewsQueue

        q = NewsQueue(load_settings(home))
        for i in range(items):
            q.add({"title": f"Tin số {i + 1}", "body": "Xã tổ chức tiêm phòng cho trẻ em "
                   f"vào sáng thứ hai, đợt {i + 1}."})
    return home


def make_mp3(path: Path, seconds: float) -> None:
    """A real MP3 (a tone) made with ffmpeg."""
    import imageio_ffmpeg

    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                    "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-ac", "1",
                    "-c:a", "libmp3lame", "-b:a", "32k", str(path)], check=True)


def publish(settings: Settings, slot: str, day: date, items: list[int], seconds: float = 2.0,
            station: str = "xa-a") -> Path:
    """A published bulletin as the pipeline records it: an MP3 and its database row."""
    from bulletins.db import BulletinRecord, session_factory
    from bulletins.schedule.alerts import sha256_file

    mp3 = settings.audio_out / station / day.isoformat() / f"{slot}.mp3"
    make_mp3(mp3, seconds)
    with session_factory(settings.db_url).begin() as s:
        s.add(BulletinRecord(station=station, day=day, slot=slot, path=str(mp3),
                             sha256=sha256_file(mp3), duration_s=seconds, engine="espeak:vi",
                             item_ids=json.dumps(items), deferred_ids="[]"))
    return mp3


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BULLETINS_HOME", None)
    return env


ALL: list[Sched] = []


class Sched:
    """A real `python scheduler.py --home H` in a subprocess."""

    def __init__(self, home: Path, tag: str = ""):
        ALL.append(self)
        self.home = home
        self.out = home / f"scheduler{tag}-{time.time_ns()}.out"
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "scheduler.py"), "--home", str(home)],
            stdout=self.out.open("wb"), stderr=subprocess.STDOUT, env=_env())

    def wait_ready(self, timeout: float = 40) -> Sched:
        def ready() -> bool:
            try:
                hb = json.loads((self.home / "run" / "heartbeat.json").read_text())
            except (OSError, ValueError):
                return False
            return hb.get("pid") == self.proc.pid
        wait_for(ready, timeout, lambda: f"scheduler not ready:\n{self.output()}",
                 alive=self.proc)
        return self

    def output(self) -> str:
        return self.out.read_text(encoding="utf-8", errors="replace")

    def kill9(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def term(self, timeout: float = 15) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def wait_exit(self, timeout: float = 20) -> int:
        return self.proc.wait(timeout)


def wait_built(home: Path, slot: str, timeout: float = 90) -> None:
    """Wait until the scheduler has published today's bulletin for `slot`."""
    mp3 = home / "audio_out" / "xa-a" / date.today().isoformat() / f"{slot}.mp3"
    wait_for(mp3.exists, timeout, f"{mp3} was not built")


def kill_all(home: Path) -> None:
    """Leave no scheduler of this home running (after a failed scenario)."""
    for s in ALL:
        if s.home == home and s.proc.poll() is None:
            s.kill9()


def run_cli(home: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    code = "import sys; from bulletins.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args, "--home", str(home)],
                          capture_output=True, text=True, timeout=timeout, env=_env())


def wait_for(pred: Callable[[], object], timeout: float, msg: Callable[[], str] | str = "",
             alive: subprocess.Popen | None = None) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = pred()
        if got:
            return got
        if alive is not None and alive.poll() is not None:
            break
        time.sleep(0.25)
    raise AssertionError(msg() if callable(msg) else msg or "timed out")


def log_entries(home: Path) -> list[Entry]:
    return BroadcastLogBook(load_settings(home)).query()


def outcomes(home: Path) -> list[tuple[str, str]]:
    return [(e.slot, e.outcome) for e in log_entries(home)]


def plays(home: Path) -> list[tuple[float, str, str]]:
    """(time, "start"|"end", file) lines written by the fake player."""
    try:
        text = (home / "plays.txt").read_text(encoding="utf-8")
    except OSError:
        return []
    out = []
    for line in text.splitlines():
        t, kind, path = line.split("\t")
        out.append((float(t), kind, path))
    return out


def started(home: Path, needle: str) -> list[float]:
    return [t for t, kind, path in plays(home) if kind == "start" and needle in Path(path).name]


class Busy:
    """Another process's writer holding an SQLite file's write lock until released (the
    project's writers wait SQLite's busy timeout, 10 s, then retry)."""

    def __init__(self, path: Path):
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        self.conn.execute("ROLLBACK")
        self.conn.close()
