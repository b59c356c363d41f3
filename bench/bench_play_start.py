"""Benchmark: how late plays start when one scheduler plays many stations at one second.

N stations (default 50), each with a published ten-minute 64 kbps bulletin and a slot at the
same second, the scheduler service in this process with APScheduler running on the real
clock and a real `command` player: a shell script that writes when it started, then sleeps.

    python bench/bench_play_start.py [--stations 50] [--ahead-s 45]

Prints how long after its slot each player started (min, median, max; how many after 1 s
and after LATE_AFTER_S, which the broadcast log calls late), each play job's firing time
relative to its slot (they fire PREPARE_S early), and the CPU seconds of this process.
Target: every play within about 1 s of its slot. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletins.config import load_settings  # noqa: E402
from bulletins.db import BulletinRecord, session_factory  # noqa: E402
from bulletins.publish import file_sha256  # noqa: E402
from bulletins.schedule import service as service_mod  # noqa: E402

RECORDER = 'echo "$(date +%s.%N) $1" >> "$2"\nsleep 3\n'


def _home(base: Path, n: int, slot_at: datetime) -> Path:
    import imageio_ffmpeg

    home = base / "home"
    home.mkdir()
    ten = base / "ten.mp3"  # a real bulletin's size: what each play hashes
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", "sine=frequency=440:duration=600", "-ac", "1", "-c:a", "libmp3lame",
                    "-b:a", "64k", str(ten)], check=True)
    (base / "recorder.sh").write_text(RECORDER, encoding="utf-8")
    lines = [f'[[stations]]\nid = "xa-{i:03d}"\nname = "Xã {i}"\n[[stations.slots]]\n'
             f'name = "sang"\ntime = "{slot_at:%H:%M:%S}"\nlength_s = 600\n' for i in range(n)]
    lines.append(f"[playback]\nplayer = \"command\"\n"
                 f"command = 'sh {base / 'recorder.sh'} {{file}} {base / 'starts.txt'}'\n"
                 "lead_minutes = 30\ngrace_minutes = 5\n")
    (home / "bulletins.toml").write_text("\n".join(lines), encoding="utf-8")
    settings = load_settings(home)
    with session_factory(settings.db_url).begin() as s:
        for i in range(n):
            mp3 = settings.audio_out / f"xa-{i:03d}" / slot_at.date().isoformat() / "sang.mp3"
            mp3.parent.mkdir(parents=True)
            shutil.copyfile(ten, mp3)
            s.add(BulletinRecord(station=f"xa-{i:03d}", day=slot_at.date(), slot="sang",
                                 path=str(mp3), sha256=file_sha256(mp3), duration_s=600.0,
                                 engine="espeak:vi", item_ids="[]", deferred_ids="[]"))
    return home


def _spread(xs: list[float]) -> str:
    xs = sorted(xs)
    return f"min {xs[0]:.3f} s, median {xs[len(xs) // 2]:.3f} s, max {xs[-1]:.3f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--ahead-s", type=float, default=45.0,
                    help="the slot is this far ahead of the start (more than PREPARE_S)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-play-start-"))
    try:
        slot_at = (datetime.now() + timedelta(seconds=args.ahead_s)).replace(microsecond=0)
        home = _home(base, args.stations, slot_at)
        logging.basicConfig(level=logging.WARNING)
        svc = service_mod.Service(load_settings(home))
        fired: list[float] = []
        play = svc.play_slot

        def timed_play(*a, **kw) -> None:  # noqa: ANN002, ANN003
            fired.append(time.time() - slot_at.timestamp())
            play(*a, **kw)

        svc.play_slot = timed_play  # type: ignore[method-assign]
        cpu0 = time.process_time()
        svc.start()
        ahead = (slot_at - datetime.now()).total_seconds()
        if ahead <= service_mod.PREPARE_S:
            sys.exit(f"the service was ready only {ahead:.1f} s before the slot: raise --ahead-s")
        starts = base / "starts.txt"
        deadline = time.monotonic() + ahead + 30
        while time.monotonic() < deadline:
            if starts.exists() and len(starts.read_text().splitlines()) >= args.stations:
                break
            time.sleep(0.2)
        time.sleep(4)
        svc.shutdown()
        cpu = time.process_time() - cpu0
        late = [float(ln.split(" ", 1)[0]) - slot_at.timestamp()
                for ln in starts.read_text().splitlines()]
        print(f"{args.stations} stations, one slot at one second, `command` player "
              f"(PREPARE_S {service_mod.PREPARE_S} s)")
        print(f"  play jobs ran (relative to the slot): {_spread(fired)}")
        print(f"  players started {len(late)}/{args.stations}, after the slot: {_spread(late)}")
        print(f"  later than 1 s: {sum(x > 1 for x in late)}; later than LATE_AFTER_S "
              f"({service_mod.LATE_AFTER_S:g} s, logged late): "
              f"{sum(x > service_mod.LATE_AFTER_S for x in late)}")
        print(f"  scheduler process CPU: {cpu:.2f} s")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
