"""Real processes for the station tests: `bulletins serve` and `python scheduler.py` in
joined homes, their logs, and the test player's record of what played."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from schedule_harness import wait_for
from sqlalchemy import select

from bulletins.db import BroadcastLog, session_factory
from tests.helpers import free_port  # noqa: F401 - the station tests import it from here

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CLI = "import sys; from bulletins.cli import main; main(sys.argv[1:])"


def env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BULLETINS_HOME", None)
    return env


def server_config(times: dict[str, str], stations: tuple[str, ...] = ("xa-a",),
                  length_s: int = 60) -> str:
    """A province server's config: player null, these stations, the same slots each."""
    slots = "".join(f'[[stations.slots]]\nname = "{n}"\ntime = "{t}"\nlength_s = {length_s}\n'
                    for n, t in times.items())
    out = '[playback]\nplayer = "null"\ngrace_minutes = 1\n\n'
    for st in stations:
        out += f'[[stations]]\nid = "{st}"\nname = "Đài {st}"\nengine = "espeak"\n' + slots
    return out


def cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *args, "--home", str(home)],
                          capture_output=True, text=True, timeout=180, env=env())


class Proc:
    def __init__(self, argv: list[str], out: Path):
        self.out = out
        self.proc = subprocess.Popen(argv, stdout=out.open("ab"), stderr=subprocess.STDOUT,
                                     env=env())

    def text(self) -> str:
        return self.out.read_text(errors="replace")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def serve(home: Path, port: int) -> Proc:
    import httpx

    p = Proc([sys.executable, "-c", CLI, "serve", "--port", str(port), "--home", str(home)],
             home / "serve.out")

    def up() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False
    wait_for(up, 60, p.text, alive=p.proc)
    return p


def server_rows(settings, slot: str | None = None, station: str = "xa-a") -> list[BroadcastLog]:
    with session_factory(settings.db_url)() as s:
        q = select(BroadcastLog).where(BroadcastLog.station == station)
        if slot is not None:
            q = q.where(BroadcastLog.slot == slot)
        return list(s.scalars(q.order_by(BroadcastLog.id)))


def plays(home: Path) -> list[tuple[float, str, str]]:
    try:
        lines = (home / "plays.txt").read_text().splitlines()
    except OSError:
        return []
    return [(float(t), kind, path) for t, kind, path in (ln.split("\t") for ln in lines)]




def station_home(home: Path, token: str, port: int, station: str) -> Path:
    """A station machine's home: the test player, fast sync, joined to the server."""
    home.mkdir()
    player = f'"{sys.executable}" "{HERE / "station_player.py"}" {{file}} "{home / "plays.txt"}"'
    (home / "bulletins.toml").write_text(
        f"[playback]\nplayer = \"command\"\ncommand = '{player}'\ntimeout_margin_s = 120\n"
        "\n[station]\nsync_seconds = 2\n", encoding="utf-8")
    joined = cli(home, "station", "join", "--server", f"http://127.0.0.1:{port}",
                 "--station", station, "--token", token)
    assert joined.returncode == 0, joined.stderr
    return home


def run_station(home: Path) -> Proc:
    return Proc([sys.executable, str(ROOT / "scheduler.py"), "--home", str(home), "-v"],
                home / "station.out")


def make_mp3(path: Path, seconds: float = 1.0, freq: int = 440) -> str:
    """A real short MP3 (ffmpeg sine); returns its sha256."""
    path.parent.mkdir(parents=True, exist_ok=True)
    from bulletins.audio import ffmpeg_exe

    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"sine=frequency={freq}:duration={seconds}", "-b:a", "64k", str(path)],
                   check=True)
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish_file(audio_out: Path, station: str, day: str, slot: str, items: list[int],
                 seconds: float = 1.0) -> str:
    """Place a bulletin as publish.py leaves it: MP3 + manifest carrying its sha256."""
    mp3 = audio_out / station / day / f"{slot}.mp3"
    sha = make_mp3(mp3, seconds)
    mp3.with_suffix(".json").write_text(json.dumps({
        "station": station, "date": day, "slot": slot, "sha256": sha, "items": items,
        "duration_s": seconds, "engine": "espeak"}), encoding="utf-8")
    return sha
