"""Smoke test on the real clock: twenty stations with a slot at the same second, the service
in-process with APScheduler running, a real `command` player (a shell script that writes
when it started). Every play must start within LATE_AFTER_S of its slot and be logged
"aired": the plays are prepared before the slot (service.PREPARE_S), so APScheduler
submitting twenty jobs one by one, and twenty log writes, no longer stand between a slot
and its sound. Two stations' slot is nearer than the prepare time when the service starts,
so their play jobs run at once (the start-up path); the others fire on their cron trigger.
The lateness figures are printed; bench/bench_play_start.py measures fifty stations.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from schedule_harness import SlotSpec, publish, write_home

from bulletins.config import load_settings
from bulletins.schedule.broadcast import BroadcastLogBook
from bulletins.schedule.service import LATE_AFTER_S, Service, prepare_s

pytestmark = [pytest.mark.slow, pytest.mark.realclock]

RECORDER = 'echo "$(date +%s.%N) $1" >> "$2"\nsleep 1\n'


def test_twenty_stations_at_one_second_start_on_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    now = datetime.now().replace(microsecond=0)
    soon, later = now + timedelta(seconds=8), now + timedelta(seconds=24)  # prepare_s is 15
    ids = [f"xa-{i:02d}" for i in range(20)]
    write_home(home, [SlotSpec("sang", later)], station=ids[2:], items=0, lead=0.5, grace=1)
    toml = (home / "bulletins.toml").read_text(encoding="utf-8")
    first, rest = toml.split("[playback]")
    near = "".join(f'[[stations]]\nid = "{sid}"\nname = "Xã {sid}"\nengine = "espeak"\n'
                   f'[[stations.slots]]\nname = "sang"\ntime = "{soon:%H:%M:%S}"\n'
                   "length_s = 60\n\n" for sid in ids[:2])
    script = tmp_path / "recorder.sh"
    script.write_text(RECORDER, encoding="utf-8")
    starts = tmp_path / "starts.txt"
    rest = "\n".join(f"command = 'sh {script} {{file}} {starts}'" if ln.startswith("command")
                     else ln for ln in rest.splitlines())
    (home / "bulletins.toml").write_text(first + near + "[playback]" + rest, encoding="utf-8")
    settings = load_settings(home)
    assert prepare_s(settings) == 15 and len(settings.stations) == 20
    slot_of = {sid: soon if sid in ids[:2] else later for sid in ids}
    for sid in ids:
        publish(settings, "sang", now.date(), [], seconds=2, station=sid)

    logging.getLogger("bulletins").setLevel(logging.WARNING)
    svc = Service(settings)
    try:
        svc.start()
        assert datetime.now() < soon, "this machine is too slow: the service started late"
        deadline = time.monotonic() + (later - datetime.now()).total_seconds() + 20
        while time.monotonic() < deadline:
            if starts.exists() and len(starts.read_text().splitlines()) >= len(ids):
                break
            time.sleep(0.2)
        time.sleep(1.5)  # the last plays end (1 s) and close their rows
    finally:
        svc.shutdown()
    started = {}
    for line in starts.read_text().splitlines():
        t, path = line.split(" ", 1)
        started.setdefault(Path(path).parts[-3], []).append(float(t))
    assert sorted(started) == ids and all(len(v) == 1 for v in started.values())
    late = sorted(started[sid][0] - slot_of[sid].timestamp() for sid in ids)
    print(f"20 stations: play start after the slot min {late[0]:.3f} s, "
          f"median {late[len(late) // 2]:.3f} s, max {late[-1]:.3f} s")
    assert late[0] >= 0 and late[-1] < LATE_AFTER_S
    rows = BroadcastLogBook(settings).query()
    assert sorted(e.station for e in rows) == ids
    assert {e.outcome for e in rows} == {"aired"}, [(e.station, e.outcome, e.error) for e in rows]
