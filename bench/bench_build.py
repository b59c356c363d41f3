"""Benchmark: what a ten-minute bulletin costs against the raw toolchain (issue 9's figures).

Everything is measured in one run and printed as figures and ratios; nothing is asserted.

- baseline: the bulletin's own spoken text through espeak-ng alone at 150 wpm plus one LAME
  encode at 64 kbps (ffmpeg), the least any build must do; timed before and after the builds,
  the mean is used (other processes share the CPU).
- cold / warm: the first build of the slot in a fresh process with an empty cache, then a
  rebuild; that process's maximum RSS is read with RUSAGE_CHILDREN.
- startup: `bulletins --help` and `bulletins normalize`, best of three fresh processes.
- estimate: the length estimated before synthesis (rate model as calibrated before the build)
  against the measured length.
- stations: N stations (default 20), one slot each, about 80 % of the items in each
  bulletin shared (3 local items each, the rest from a common queue); all N built one after
  another on one cache, against N builds each starting from an empty cache.

    python bench/bench_build.py [--stations N]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAY = date(2026, 11, 25)
SAMPLE = ROOT / "bulletins" / "data" / "sample_news.json"
TARGETS = {"cold": 1.5, "warm": 0.3, "rss": 300, "startup": 0.5, "estimate": 3.0,
           "stations": 0.25}


def timed(fn):  # noqa: ANN001, ANN201
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def cpu_timed(fn):  # noqa: ANN001, ANN201
    """CPU seconds of this process and its children (ffmpeg): less sensitive than wall time
    to other processes sharing the CPU."""
    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    t = cpu()
    out = fn()
    return cpu() - t, out


def mark(ok: bool) -> str:
    return "ok" if ok else "MISSES TARGET"


# --- child: cold and warm build in a fresh process ------------------------------------------


def child_build(home: Path) -> None:
    from bulletins.config import load_settings
    from bulletins.models import BuildRequest
    from bulletins.news import NewsQueue
    from bulletins.pipeline import build_bulletin
    from bulletins.synth import Speaker
    from bulletins.synth.estimate import RateModel, split_sentences

    settings = load_settings(home)
    NewsQueue(settings).add_many(json.loads(SAMPLE.read_text("utf-8")))
    station = settings.stations[0]
    # The rate model as it stands before this bulletin is synthesized (calibration only).
    live = Speaker(settings, station, "espeak").rate_model()
    model = RateModel(live.xtx.copy(), live.xty.copy(), live.n, live.source)
    req = BuildRequest(station.id, DAY, station.slots[0].name, 600, "espeak", mark_aired=False)
    cold_cpu, (cold, res) = cpu_timed(lambda: timed(lambda: build_bulletin(settings, req)))
    warm, res2 = timed(lambda: build_bulletin(settings, req))
    m = res.manifest
    pause = settings.audio.sentence_pause_ms
    est_speech = meas_speech = gaps = 0.0
    for seg in m["segments"]:
        length = (seg["end_s"] - seg["start_s"]) * 1000
        if seg["kind"] in ("jingle", "pause"):
            gaps += length
            continue
        sents = split_sentences(seg["text"])
        est_speech += sum(model.sentence_ms(s) for s in sents) + pause * max(0, len(sents) - 1)
        meas_speech += length * m["tempo"]  # as spoken before any tempo change
    print(json.dumps({
        "cold": cold, "warm": warm, "cold_cpu": cold_cpu, "duration_s": m["duration_s"],
        "items": len(m["items"]),
        "tempo": m["tempo"], "synthesized": m["synthesized"],
        "warm_synthesized": res2.manifest["synthesized"],
        "est_speech_ms": est_speech, "meas_speech_ms": meas_speech, "gaps_ms": gaps,
        "spoken": " ".join(s["text"] for s in m["segments"] if s["text"]),
        "rate": settings.audio.sample_rate,
    }))


# --- child: N stations sharing most of their news -------------------------------------------


def _stations_config(n: int) -> str:
    out = []
    for k in range(n):
        out.append(f'[[stations]]\nid = "xa-{k:02d}"\nname = "Đài truyền thanh xã số {k + 1}"\n'
                   '[[stations.slots]]\nname = "sang"\ntime = "05:30"\nlength_s = 600\n')
    return "\n".join(out)


def _local_items(k: int, name: str, sample: list[dict]) -> list[dict]:
    # A station's own news: three sample items taken in turn (station k the (3k)th to the
    # (3k+2)th, wrapping round), so that over the stations own items are as long as the
    # news on average, each made the station's own in every sentence by the commune's
    # number: "Tại xã 2 ..." before the first (the normalizer cuts a long sentence into
    # pieces, and the first would otherwise be the same in every copy) and "... ở xã 2."
    # at the end of each.
    where = f" ở xã {k + 1}"
    out = []
    for j in range(3):
        raw = sample[(3 * k + j) % len(sample)]
        body = f"Tại xã {k + 1} {raw['body'][0].lower()}{raw['body'][1:]}"
        body = body.replace(". ", f"{where}. ").rstrip(".") + f"{where}."
        out.append({"title": f"{raw['title']}{where}", "body": body, "priority": "high",
                    "category": raw.get("category", ""), "stations": f"xa-{k:02d}"})
    return out


def child_stations(home: Path, n: int, side: str) -> None:
    """One side of the stations comparison, one build per line read from stdin (the
    station's number), answering each with a JSON line: "separate" empties the cache
    before every build, "together" builds every station on one cache."""
    from bulletins.config import load_settings
    from bulletins.models import BuildRequest
    from bulletins.news import NewsQueue
    from bulletins.pipeline import build_bulletin, forget_memos

    home.mkdir(parents=True, exist_ok=True)
    (home / "bulletins.toml").write_text(_stations_config(n), encoding="utf-8")
    settings = load_settings(home)
    sample = json.loads(SAMPLE.read_text("utf-8"))
    queue = NewsQueue(settings)
    for k, st in enumerate(settings.stations):
        queue.add_many(_local_items(k, st.name, sample))
    shared = [{**raw, "priority": "normal" if raw["priority"] == "urgent" else raw["priority"]}
              for raw in sample]
    # 3 own items, chosen first (high priority), beside about 12 of the 22 shared ones: about
    # 80 % of the items in each station's bulletin are shared with every other station.
    queue.add_many(shared)
    reqs = [BuildRequest(st.id, DAY, "sang", 600, "espeak", mark_aired=False)
            for st in settings.stations]
    used = iter(range(10**6))

    def empty_cache() -> None:
        # A build "with an empty cache" is one station's own machine: the cache left by the
        # one before is moved aside, not deleted, so that no build writes into memory the
        # system just freed (on some virtual machines fresh page-cache pages cost ten times
        # as much). Empty also means no memory of earlier builds: this process's memos go
        # too (the imports stay warm on both sides).
        if settings.cache_dir.exists():
            settings.cache_dir.rename(home / f"cache-used-{next(used)}")
        forget_memos()

    # Warm the imports once so neither side pays them.
    build_bulletin(settings, reqs[0])
    empty_cache()
    print("ready", flush=True)
    rate = settings.audio.sample_rate

    def spoken_files() -> dict[str, int]:
        return {str(f): f.stat().st_size for f in (settings.cache_dir / "speech").rglob("*.wav")}

    for line in sys.stdin:
        req = reqs[int(line)]
        if side == "separate":
            empty_cache()
        before = spoken_files()
        cpu, (wall, res) = cpu_timed(lambda r=req: timed(lambda: build_bulletin(settings, r)))
        m = res.manifest
        # Speech this build had to make: its sentences new to the cache (44-byte WAV header
        # and 40-byte checksum chunk aside); from an empty cache, all of its speech.
        new_s = sum((size - 84) / 2 / rate for f, size in spoken_files().items()
                    if f not in before)
        print(json.dumps({"wall": wall, "cpu": cpu, "tempo": m["tempo"],
                          "pause_ms": m.get("pause_ms"), "new_speech_s": new_s}), flush=True)


def stations(tmp: Path, n: int) -> dict:
    """The two sides in two processes taking turns station by station, so that a machine
    slowing down or speeding up meanwhile weighs on both alike."""
    sides = {side: subprocess.Popen(
        [sys.executable, __file__, "--child", "stations", str(tmp / side), str(n), side],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for side in ("separate", "together")}
    try:
        for proc in sides.values():
            if proc.stdout.readline().strip() != "ready":
                sys.exit("stations child failed to start")
        out: dict[str, list[dict]] = {side: [] for side in sides}
        for k in range(n):
            for side, proc in sides.items():
                proc.stdin.write(f"{k}\n")
                proc.stdin.flush()
                line = proc.stdout.readline()
                if not line:
                    sys.exit(f"stations child ({side}) failed")
                out[side].append(json.loads(line))
    finally:
        for proc in sides.values():
            proc.stdin.close()
            proc.wait()
    return out


# --- parent ---------------------------------------------------------------------------------


def run_child(*args: str) -> tuple[dict, float]:
    """Run this script as a child; return its JSON line and its maximum RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        sys.exit(f"child failed:\n{proc.stderr[-3000:]}")
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest of any child so far: run the build child first.
    return json.loads(proc.stdout.strip().splitlines()[-1]), max(rss, before) / 1024


def baseline(spoken: str, rate: int) -> tuple[float, float]:
    from bulletins.audio import run_ffmpeg
    from bulletins.normalize import split_sentences
    from bulletins.synth.espeak import EspeakEngine

    engine = EspeakEngine("vi", 150)
    sentences = split_sentences(spoken)

    def raw() -> None:
        clips = [engine.synthesize(s) for s in sentences]
        pcm = b"".join(c.to_pcm16() for c in clips)
        run_ffmpeg(["-f", "s16le", "-ar", str(clips[0].rate), "-ac", "1", "-i", "pipe:0",
                    "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-"], stdin=pcm)

    cpu, (wall, _) = cpu_timed(lambda: timed(raw))
    return wall, cpu


def startup(args: list[str], home: Path) -> float:
    env = {**os.environ, "BULLETINS_HOME": str(home)}
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bulletins", *args], env=env, check=True,
                       capture_output=True)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stations", type=int, default=20)
    ap.add_argument("--child", nargs="*", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, home = args.child[0], Path(args.child[1])
        if kind == "build":
            child_build(home)
        else:
            child_stations(home, int(args.child[2]), args.child[3])
        return

    tmp = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        b, rss = run_child("--child", "build", str(tmp / "one"))
        runs = [baseline(b["spoken"], b["rate"]) for _ in range(2)]
        base = sum(w for w, _ in runs) / 2
        base_cpu = sum(c for _, c in runs) / 2
        cold, warm = b["cold"], b["warm"]
        print(f"bulletin: {b['duration_s']:.1f} s of audio, {b['items']} items, tempo "
              f"{b['tempo']}, {b['synthesized']} sentences synthesized cold, "
              f"{b['warm_synthesized']} warm")
        print(f"baseline (espeak alone + one LAME encode):  {base:6.2f} s")
        print(f"build, cold cache:   {cold:6.2f} s  = {cold / base:.2f}x baseline "
              f"(target <= {TARGETS['cold']}x: {mark(cold / base <= TARGETS['cold'])})")
        print(f"  in CPU time: cold {b['cold_cpu']:.2f} s vs baseline {base_cpu:.2f} s = "
              f"{b['cold_cpu'] / base_cpu:.2f}x (wall time suffers most from a shared CPU)")
        print(f"build, warm rebuild: {warm:6.2f} s  = {warm / cold:.2f}x cold "
              f"(target <= {TARGETS['warm']}x: {mark(warm / cold <= TARGETS['warm'])})")
        print(f"peak memory of the build process (max RSS): {rss:.0f} MB "
              f"(target <= {TARGETS['rss']} MB: {mark(rss <= TARGETS['rss'])})")
        total_meas = b["meas_speech_ms"] / b["tempo"] + b["gaps_ms"]
        total_est = b["est_speech_ms"] / b["tempo"] + b["gaps_ms"]
        err = 100 * (total_est - total_meas) / total_meas
        err_speech = 100 * (b["est_speech_ms"] - b["meas_speech_ms"]) / b["meas_speech_ms"]
        print(f"estimate before synthesis: {total_est / 1000:.1f} s vs measured "
              f"{total_meas / 1000:.1f} s: {err:+.1f} % (speech alone {err_speech:+.1f} %) "
              f"(target ±{TARGETS['estimate']} %: {mark(abs(err) <= TARGETS['estimate'])})")
        for label, cmd in (("bulletins --help", ["--help"]),
                           ("bulletins normalize", ["normalize", "UBND xã lúc 7h30 ngày 5/12"])):
            t = startup(cmd, tmp / "startup")
            print(f"startup, {label}: {t:.2f} s "
                  f"(target <= {TARGETS['startup']} s: {mark(t <= TARGETS['startup'])})")
        if args.stations:
            st = stations(tmp / "stations", args.stations)
            sep = sum(r["wall"] for r in st["separate"])
            tog = sum(r["wall"] for r in st["together"])
            print(f"{args.stations} stations, ~80 % shared items: {tog:.1f} s on one cache vs "
                  f"{sep:.1f} s each from an empty cache = {tog / sep:.2f}x "
                  f"(target <= {TARGETS['stations']}x: "
                  f"{mark(tog / sep <= TARGETS['stations'])}); tempos "
                  f"{sorted({r['tempo'] for r in st['together']})}, pauses between parts "
                  f"{sorted({r['pause_ms'] for r in st['together']})} ms")
            sep_cpu = sum(r["cpu"] for r in st["separate"])
            tog_cpu = sum(r["cpu"] for r in st["together"])
            later = [r["wall"] for r in st["together"][1:]]
            print(f"  in CPU time: {tog_cpu:.1f} s vs {sep_cpu:.1f} s = {tog_cpu / sep_cpu:.2f}x; "
                  f"on one cache the first station took {st['together'][0]['wall']:.2f} s, each "
                  f"later one {sum(later) / max(1, len(later)):.2f} s on average; each from an "
                  f"empty cache {sep / args.stations:.2f} s")
            own = [t["new_speech_s"] / s["new_speech_s"]
                   for t, s in zip(st["together"][1:], st["separate"][1:], strict=True)]
            share = sum(own) / max(1, len(own))
            n = args.stations
            print(f"  a later station's own speech (not in the cache yet): {100 * share:.1f} % of "
                  f"its bulletin's speech; were nothing but that speech made, the ratio would be "
                  f"(1 + {n - 1} x {share:.3f}) / {n} = {(1 + (n - 1) * share) / n:.2f}x")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
