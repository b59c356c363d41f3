"""One real server process (`bulletins serve`) and one real station process
(`python scheduler.py` in a joined home) on loopback, slots seconds apart, the command
player writing to a file:

1. the station plays the server-built bulletin (same sha256) and the server's log shows it,
   with the items marked aired at that station;
2. the server is killed before the next slot: the station plays its last good bulletin of
   that slot, logs it, and the report reaches the restarted server exactly once;
3. an emergency raised on the server (`bulletins alert --station`) interrupts a long play
   within 30 s.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta

import pytest
from schedule_harness import wait_for
from sqlalchemy import select
from station_harness import (
    cli,
    free_port,
    plays,
    run_station,
    serve,
    server_config,
    server_rows,
    station_home,
)

from bulletins.config import load_settings
from bulletins.db import BroadcastLog, ItemAiring, session_factory
from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.schedule.broadcast import BroadcastLogBook


@pytest.mark.slow
@pytest.mark.realclock
def test_station_plays_reports_survives_an_outage_and_obeys_an_emergency(tmp_path):
    from bulletins.pipeline import build_bulletin

    server_home, st_home = tmp_path / "server", tmp_path / "station"
    server_home.mkdir()
    names = ("sang", "chieu", "toi-long")
    (server_home / "bulletins.toml").write_text(
        server_config(dict.fromkeys(names, "23:59")), encoding="utf-8")
    settings = load_settings(server_home)
    token = cli(server_home, "station", "token", "xa-a").stdout.strip()
    assert token.startswith("bts_")
    q = NewsQueue(settings)
    ids = [q.add({"title": f"Tin số {i}", "body": "Xã tổ chức tiêm phòng cho trẻ em vào "
                  f"sáng thứ hai, đợt {i}."}).id for i in (1, 2)]
    today, yesterday = date.today(), date.today() - timedelta(days=1)
    sang = build_bulletin(settings, BuildRequest("xa-a", today, "sang"))
    build_bulletin(settings, BuildRequest("xa-a", yesterday, "chieu"))  # the last good one
    build_bulletin(settings, BuildRequest("xa-a", today, "toi-long"))
    assert BroadcastLogBook(settings).query() == []  # publishing is not airing here

    base = datetime.now().replace(microsecond=0)
    # room for the server and the station to start on a loaded machine before "sang"
    at = {"sang": base + timedelta(seconds=40), "chieu": base + timedelta(seconds=60),
          "toi-long": base + timedelta(seconds=80)}
    if at["toi-long"].date() != today:
        pytest.skip("too close to midnight for a compressed day")
    (server_home / "bulletins.toml").write_text(
        server_config({n: f"{t:%H:%M:%S}" for n, t in at.items()}), encoding="utf-8")
    port = free_port()
    server = serve(server_home, port)
    procs = [server]
    try:
        station_home(st_home, token, port, "xa-a")
        station = run_station(st_home)
        procs.append(station)

        # 1. on time, the server's bulletin, and the server's log says so
        wait_for(lambda: server_rows(settings, "sang"), 60,
                 lambda: station.text(), alive=station.proc)
        [row] = server_rows(settings, "sang")
        assert (row.outcome, row.sha256) == ("aired", sang.manifest["sha256"])
        played = [p for _, k, p in plays(st_home) if k == "start"]
        assert played == [str(st_home / "station" / today.isoformat() / "sang.mp3")]
        with session_factory(settings.db_url)() as s:
            aired = {(a.item_id, a.bulletin) for a in s.scalars(select(ItemAiring))}
        assert aired == {(i, sang.manifest["sha256"]) for i in sang.manifest["items"]}
        assert set(sang.manifest["items"]) <= set(ids)

        # 2. the server goes down before "chieu": the station plays yesterday's chieu
        server.kill()
        local = BroadcastLogBook(load_settings(st_home))
        wait_for(lambda: [e for e in local.query() if e.slot == "chieu"], 60, station.text,
                 alive=station.proc)
        [entry] = [e for e in local.query() if e.slot == "chieu"]
        assert entry.outcome == "aired" and yesterday.isoformat() in entry.error
        assert server_rows(settings, "chieu") == []
        server = serve(server_home, port)
        procs.append(server)
        wait_for(lambda: server_rows(settings, "chieu"), 30, station.text)
        time.sleep(5)  # more syncs: a resend must not make a second row
        [row] = server_rows(settings, "chieu")
        assert row.outcome == "aired" and "bản tin cũ" in row.error
        spool = st_home / "station" / "outbox.jsonl"
        assert not spool.exists() or not spool.read_text().strip()

        # 3. an emergency interrupts the long play within 30 s
        long_file = str(st_home / "station" / today.isoformat() / "toi-long.mp3")
        wait_for(lambda: any(p == long_file for _, _, p in plays(st_home)), 60,
                 station.text, alive=station.proc)
        raised = time.time()
        alert = cli(server_home, "alert", "--station", "xa-a", "--title", "Bão khẩn cấp",
                     "--body", "Bão số năm đổ bộ chiều nay, bà con không ra khơi.")
        assert alert.returncode == 0, alert.stderr

        def emergency_start() -> float | None:
            return next((t for t, k, p in plays(st_home)
                         if k == "start" and "/emergency/" in p), None)
        started = wait_for(emergency_start, 40, station.text, alive=station.proc)
        assert started - raised < 30
        assert not any(k == "end" and p == long_file for _, k, p in plays(st_home))
        wait_for(lambda: [r for r in server_rows(settings, "toi-long")], 30, station.text)
        [row] = server_rows(settings, "toi-long")
        assert row.outcome == "failed" and "khẩn cấp" in row.error
        assert "máy phát của đài xa-a" in alert.stdout
        wait_for(lambda: _emergency_rows(settings), 30, station.text)
        # the server itself neither played nor logged it: only the station's report
        [(outcome, via_report)] = _emergency_rows(settings)
        assert outcome == "emergency" and via_report
    finally:
        for p in procs:
            p.kill()


def _emergency_rows(settings) -> list[tuple[str, bool]]:
    """(outcome, came from a station report) of every emergency row on the server."""
    from bulletins.db import StationReport

    with session_factory(settings.db_url)() as s:
        reported = set(s.scalars(select(StationReport.log_id)))
        return [(r.outcome, r.id in reported) for r in s.scalars(select(BroadcastLog).where(
            BroadcastLog.slot.startswith("khan-cap-")))]
