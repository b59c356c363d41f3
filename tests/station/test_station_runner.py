"""The station machine's side, driven by an injectable clock: offline slots play the last
good bulletin and say so, a corrupted file is never played, reports wait on disk and go
once, a download cut half-way resumes with Range, a bad download never lands."""

from __future__ import annotations

import hashlib
import http.server
import json
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from schedule_harness import PLAYER
from station_harness import free_port, make_mp3

from bulletins.config import load_settings
from bulletins.schedule.broadcast import BroadcastLogBook
from bulletins.station.client import BadDownload, Client, ServerUnreachable
from bulletins.station.runner import StationConfig, StationRunner


class FakeClock:
    def __init__(self, now: datetime):
        self.t = now

    def now(self) -> datetime:
        return self.t


def _station_home(tmp_path: Path) -> Path:
    home = tmp_path / "st"
    home.mkdir()
    cmd = f'"{sys.executable}" "{PLAYER}" {{file}} "{home / "plays.txt"}" 0'
    (home / "bulletins.toml").write_text(
        f"[playback]\nplayer = \"command\"\ncommand = '{cmd}'\ngrace_minutes = 10\n",
        encoding="utf-8")
    return home


def _hold(runner: StationRunner, day: str, slot: str, items: list[int]) -> tuple[Path, str]:
    mp3 = runner.root / day / f"{slot}.mp3"
    sha = make_mp3(mp3)
    mp3.with_suffix(".json").write_text(json.dumps({"sha256": sha, "items": items}))
    return mp3, sha


@pytest.fixture
def offline_runner(tmp_path):
    home = _station_home(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens: the server is down
    clock = FakeClock(datetime(2026, 12, 1, 6, 0, 1).astimezone())
    runner = StationRunner(load_settings(home), StationConfig(dead, "xa-a", "bts_x"), clock)
    runner._save_state(slots=[{"name": "sang", "time": "06:00"}], grace_minutes=10)
    return runner, clock, home


def _plays(home: Path) -> list[str]:
    p = home / "plays.txt"
    return [ln.split("\t")[2] for ln in p.read_text().splitlines() if "\tstart\t" in ln] \
        if p.exists() else []


def test_offline_slot_plays_the_last_good_bulletin_logs_it_and_spools_the_report(
        offline_runner):
    runner, clock, home = offline_runner
    old, sha = _hold(runner, "2026-11-30", "sang", [7])
    assert runner.tick() == 1
    assert _plays(home) == [str(old)]
    [entry] = BroadcastLogBook(runner.settings).query()
    assert (entry.outcome, entry.sha256, entry.items) == ("aired", sha, [7])
    assert "bản tin cũ" in entry.error and "2026-11-30" in entry.error
    spooled = [json.loads(ln) for ln in runner.spool.read_text().splitlines()]
    assert [(r["slot"], r["outcome"], r["sha256"]) for r in spooled] == [("sang", "aired", sha)]
    clock.t += timedelta(seconds=30)
    assert runner.tick() == 0 and len(_plays(home)) == 1  # one play per occurrence


def test_a_corrupted_bulletin_is_never_played(offline_runner):
    runner, clock, home = offline_runner
    mp3, _ = _hold(runner, "2026-12-01", "sang", [])
    data = bytearray(mp3.read_bytes())
    data[len(data) // 2] ^= 0xFF
    mp3.write_bytes(bytes(data))
    runner.tick()
    assert _plays(home) == []
    [entry] = BroadcastLogBook(runner.settings).query()
    assert entry.outcome == "failed"


def test_past_grace_is_missed_not_played(offline_runner):
    runner, clock, home = offline_runner
    _hold(runner, "2026-12-01", "sang", [])
    runner.started = clock.t - timedelta(hours=1)  # it was running, but busy past grace
    clock.t += timedelta(minutes=15)
    runner.tick()
    assert _plays(home) == []
    assert [e.outcome for e in BroadcastLogBook(runner.settings).query()] == ["missed"]


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


def _serve(body: bytes, cut_first: bool) -> tuple[str, list, _Server]:
    """A tiny origin: the first GET sends half the body and drops the connection; later
    GETs honour Range."""
    seen: list = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            rng = self.headers.get("Range")
            seen.append(rng)
            start = int(rng.split("=")[1].rstrip("-")) if rng else 0
            self.send_response(206 if rng else 200)
            self.send_header("Content-Length", str(len(body) - start))
            self.end_headers()
            if cut_first and len(seen) == 1:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(2)
                return
            self.wfile.write(body[start:])

        def log_message(self, *a):  # noqa: ANN002
            pass

    srv = _Server(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{srv.server_address[1]}", seen, srv


def test_a_download_cut_half_way_resumes_with_range(tmp_path):
    src = tmp_path / "src.mp3"
    sha = make_mp3(src, seconds=3)
    body = src.read_bytes()
    base, seen, srv = _serve(body, cut_first=True)
    dest = tmp_path / "got" / "sang.mp3"
    client = Client(base, "bts_x")
    with pytest.raises(ServerUnreachable):
        client.download("/f.mp3", dest, sha, len(body))
    assert not dest.exists()
    part = dest.with_name("sang.mp3.part")
    assert part.stat().st_size == len(body) // 2
    client.download("/f.mp3", dest, sha, len(body))
    srv.shutdown()
    assert seen == [None, f"bytes={len(body) // 2}-"]
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == sha and not part.exists()


def test_a_download_that_does_not_match_its_sha256_never_lands(tmp_path):
    src = tmp_path / "src.mp3"
    make_mp3(src)
    body = bytearray(src.read_bytes())
    body[100] ^= 0xFF  # corrupted on the way
    base, _, srv = _serve(bytes(body), cut_first=False)
    dest = tmp_path / "got" / "sang.mp3"
    with pytest.raises(BadDownload):
        Client(base, "bts_x").download("/f.mp3", dest, hashlib.sha256(src.read_bytes())
                                       .hexdigest(), len(body))
    srv.shutdown()
    assert not dest.exists() and not dest.with_name("sang.mp3.part").exists()


def test_slots_fallen_while_the_machine_was_off_are_missed_or_played_late(tmp_path):
    home = _station_home(tmp_path)
    dead = f"http://127.0.0.1:{free_port()}"
    conf = StationConfig(dead, "xa-a", "bts_x")
    clock = FakeClock(datetime(2026, 12, 1, 5, 0).astimezone())
    first = StationRunner(load_settings(home), conf, clock)
    first._save_state(slots=[{"name": "sang", "time": "05:30"}, {"name": "trua", "time": "06:55"}],
                      grace_minutes=10)
    first.tick()  # alive at 05:00, then the power goes off until 07:00
    _hold(first, "2026-11-30", "trua", [])
    clock.t = datetime(2026, 12, 1, 7, 0).astimezone()
    StationRunner(load_settings(home), conf, clock).tick()
    got = [(e.slot, e.outcome) for e in BroadcastLogBook(load_settings(home)).query()]
    assert got == [("sang", "missed"), ("trua", "late")]


def test_prune_keeps_recent_days_and_each_slots_newest_bulletin(offline_runner):
    runner, clock, home = offline_runner
    for day, slot in (("2026-10-01", "sang"), ("2026-10-02", "chieu"), ("2026-10-03", "chieu"),
                      ("2026-11-30", "sang")):
        (runner.root / day).mkdir()
        (runner.root / day / f"{slot}.mp3").write_bytes(b"x")
    runner.prune()
    left = sorted(d.name for d in runner.root.iterdir() if d.is_dir())
    assert left == ["2026-10-03", "2026-11-30"]
