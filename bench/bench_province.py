"""Benchmark: the province morning slot. N stations (default 50) × one slot, 80 % of each
station's items shared by all, built

  (a) by 1 worker process and (b) by 2 worker processes of a province server (real
      PostgreSQL, real Redis, real `bulletins worker` processes, one shared home whose
      speech cache starts empty), timed from the first enqueue to the last job done;
  (c) as N separate one-machine builds (SQLite, each home with an empty cache), one after
      the other, as N commune PCs would each do it.

    python bench/bench_province.py [--stations 50] [--items 10] [--length-s 180]

Prints figures and the ratios; targets: (b) ≤ 0.6 × (a) on 2 cores, (b) ≤ 0.25 × (c).
Each wall ratio is followed by the same ratio from CPU seconds (what it would be with both
cores idle), and each province run by its mean build time, how many builds ran at once and
the workers' CPU seconds: on a shared machine the wall figures also measure the others.
PostgreSQL and Redis are started from Debian's binaries (tests/province/servers.py) unless
BULLETINS_TEST_PG_URL / BULLETINS_TEST_REDIS_URL name running ones. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "province"))

import servers  # noqa: E402

from bulletins.config import load_settings  # noqa: E402
from bulletins.models import BuildRequest  # noqa: E402
from bulletins.news import NewsQueue  # noqa: E402
from bulletins.pipeline import build_bulletin  # noqa: E402

DAY = date.today() + timedelta(days=1)
TOPICS = ["tiêm phòng gia súc", "lịch cắt điện", "phòng chống sốt xuất huyết",
          "thu hoạch cà phê", "an toàn giao thông", "đăng ký nghĩa vụ quân sự",
          "vệ sinh môi trường", "bảo hiểm y tế", "chuyển đổi số", "phòng cháy rừng"]


def items_for(station: int, n_items: int) -> list[dict]:
    """80 % shared (every station), 20 % this station's own."""
    shared = round(n_items * 0.8)
    out = [{"title": f"Thông báo về {TOPICS[k % len(TOPICS)]}",
            "body": f"Ủy ban nhân dân huyện thông báo về {TOPICS[k % len(TOPICS)]}. Đề nghị "
                    f"bà con các thôn chủ động thực hiện trong tuần này. Mọi thắc mắc xin "
                    f"liên hệ cán bộ văn hóa xã."} for k in range(shared)]
    out += [{"title": f"Tin riêng số {k} của xã {station}",
             "body": f"Xã số {station} tổ chức họp dân thôn {k + 1} vào tối thứ {k + 2} để "
                     f"bàn về kế hoạch sản xuất vụ đông xuân.", "stations": f"xa-{station:03d}"}
            for k in range(n_items - shared)]
    return out


def config(stations: list[int], length_s: int, db: str = "", broker: str = "") -> str:
    lines = [f'database_url = "{db}"'] if db else []
    if broker:
        lines += ["[workers]", f'broker_url = "{broker}"']
    lines += ["[playback]", 'player = "null"']
    for i in stations:
        lines += ["[[stations]]", f'id = "xa-{i:03d}"', f'name = "Đài truyền thanh xã số {i}"',
                  'engine = "espeak"', "[[stations.slots]]", 'name = "sang"', 'time = "05:30"',
                  f"length_s = {length_s}"]
    return "\n".join(lines) + "\n"


def separate(n: int, n_items: int, length_s: int, base: Path) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its children) of N one-machine builds."""
    import resource

    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    c = time.process_time()
    t = time.perf_counter()
    for i in range(n):
        home = base / f"sep-{i}"
        home.mkdir(parents=True)
        (home / "bulletins.toml").write_text(config([i], length_s), encoding="utf-8")
        settings = load_settings(home)
        q = NewsQueue(settings)
        for raw in items_for(i, n_items):
            q.add(raw)
        build_bulletin(settings, BuildRequest(f"xa-{i:03d}", DAY, "sang", mark_aired=False))
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = ru.ru_utime + ru.ru_stime - ru0.ru_utime - ru0.ru_stime
    return time.perf_counter() - t, time.process_time() - c + children


def tree_cpu(root: int) -> float:
    """CPU seconds (user+sys, with reaped children) of a process and its descendants (Linux
    /proc), so the workers' start-up is left out when read before and after the jobs."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu = {}, {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(d.name)] = int(fields[1])
        cpu[int(d.name)] = sum(int(f) for f in fields[11:15]) / tick

    def under(pid: int) -> bool:
        while pid > 1:
            if pid == root:
                return True
            pid = parent.get(pid, 0)
        return False

    return sum(c for pid, c in cpu.items() if under(pid))


def province(n: int, n_items: int, length_s: int, base: Path, pg: str, redis_url: str,
             processes: int) -> tuple[float, float]:
    """Wall seconds from the first enqueue to the last job done, and the CPU seconds the
    worker processes spent meanwhile; prints where they went."""
    import redis

    from bulletins.province import jobs

    redis.Redis.from_url(redis_url).flushall()
    db = servers.create_database(pg, f"bench_{uuid.uuid4().hex[:10]}")
    home = base / f"province-{processes}"
    home.mkdir(parents=True)
    (home / "bulletins.toml").write_text(config(list(range(n)), length_s, db, redis_url),
                                         encoding="utf-8")
    settings = load_settings(home)
    q = NewsQueue(settings)
    seen: set[str] = set()
    for i in range(n):
        for raw in items_for(i, n_items):
            if raw["title"] not in seen:
                q.add(raw)
                seen.add(raw["title"])
    log = open(home / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "bulletins", "worker", "--processes",
                             str(processes)], env=dict(os.environ, BULLETINS_HOME=str(home)),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        from bulletins.province.status import alive_workers

        deadline = time.monotonic() + 120
        while len(alive_workers(settings)) < processes:
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start; see " + str(home / "worker.log"))
            time.sleep(0.2)
        t = time.perf_counter()
        cpu0 = tree_cpu(proc.pid)
        for i in range(n):
            jobs.enqueue(settings, f"xa-{i:03d}", DAY, "sang")
        while True:
            views = jobs.list_jobs(settings, limit=n + 10)
            if all(v.finished for v in views):
                break
            time.sleep(0.2)
        elapsed = time.perf_counter() - t
        cpu = tree_cpu(proc.pid) - cpu0
        failed = [v for v in views if v.status != "done"]
        if failed:
            raise SystemExit(f"{len(failed)} jobs failed: {failed[0].error}")
        # Per job: waiting in the queue vs building (started_at → finished_at); busy/elapsed
        # is how many builds ran at once on average (≈ processes when nothing serializes).
        busy = sum((v.finished_at - v.started_at).total_seconds() for v in views)
        first = min(v.created_at for v in views)
        print(f"  {processes} process(es): mean build {busy / n:.2f} s/job, builds in parallel "
              f"{busy / elapsed:.2f}, first job started "
              f"{(min(v.started_at for v in views) - first).total_seconds():.2f} s after "
              f"its enqueue", flush=True)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    print(f"  CPU of the worker processes from first enqueue to last done: {cpu:.1f} s "
          f"({cpu / n:.2f} s per station); load average now {os.getloadavg()[0]:.1f}",
          flush=True)
    return elapsed, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stations", type=int, default=50)
    ap.add_argument("--items", type=int, default=10, help="items per station (80 %% shared)")
    ap.add_argument("--length-s", type=int, default=180, help="slot length in seconds")
    ap.add_argument("--skip-separate", action="store_true")
    args = ap.parse_args()
    started = []
    pg = os.environ.get("BULLETINS_TEST_PG_URL")
    redis_url = os.environ.get("BULLETINS_TEST_REDIS_URL")
    if not pg:
        started.append(servers.start_postgres())
        pg = started[-1].url
    if not redis_url:
        started.append(servers.start_redis())
        redis_url = started[-1].url
    base = Path(tempfile.mkdtemp(prefix="bench-province-"))
    n = args.stations
    try:
        print(f"{n} stations × 1 slot of {args.length_s} s, {args.items} items each "
              f"(80 % shared), {os.cpu_count()} CPUs", flush=True)
        one, cpu1 = province(n, args.items, args.length_s, base, pg, redis_url, 1)
        print(f"province, 1 worker process : {one:8.1f} s  ({one / n:.2f} s per station)",
              flush=True)
        two, cpu2 = province(n, args.items, args.length_s, base, pg, redis_url, 2)
        print(f"province, 2 worker processes: {two:8.1f} s  ({two / n:.2f} s per station)",
              flush=True)
        print(f"ratio 2 workers / 1 worker  : {two / one:8.2f}x  (target ≤ 0.60)")
        # On a shared machine the wall ratio measures the other programs too. With the two
        # cores to themselves, two workers that build in parallel (see "builds in
        # parallel") take about half their CPU seconds.
        print(f"  from CPU seconds, 2 idle cores: {cpu2 / 2 / cpu1:8.2f}x")
        if not args.skip_separate:
            sep, cpu_sep = separate(n, args.items, args.length_s, base)
            print(f"{n} separate one-machine builds: {sep:8.1f} s  ({sep / n:.2f} s each), "
                  f"CPU {cpu_sep:.1f} s")
            print(f"ratio 2 workers / separate  : {two / sep:8.2f}x  (target ≤ 0.25)")
            print(f"  from CPU seconds, 2 idle cores: {cpu2 / 2 / cpu_sep:8.2f}x")
    finally:
        for s in started:
            s.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
