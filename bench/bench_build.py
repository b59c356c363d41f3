"""Benchmark: build a ten-minute bulletin cold and warm against the raw toolchain.

The baseline, measured in the same run, is the same spoken text through espeak-ng alone
plus one MP3 encode with ffmpeg: the least any build must do. Ratios show what planning,
fitting, mastering (two loudness passes), tagging and publishing cost on top.

    python bench/bench_build.py            # prints figures; nothing is asserted
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bulletins.audio import run_ffmpeg  # noqa: E402
from bulletins.config import load_settings  # noqa: E402
from bulletins.models import BuildRequest  # noqa: E402
from bulletins.news import NewsQueue  # noqa: E402
from bulletins.normalize import split_sentences  # noqa: E402
from bulletins.pipeline import build_bulletin  # noqa: E402
from bulletins.synth.espeak import EspeakEngine  # noqa: E402


def timed(fn):  # noqa: ANN001, ANN201
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="bench-build-"))
    try:
        settings = load_settings(home)
        items = json.loads((ROOT / "bulletins/data/sample_news.json").read_text("utf-8"))
        NewsQueue(settings).add_many(items)
        req = BuildRequest("ia-hru", date(2026, 11, 25), "sang", 600, "espeak", mark_aired=False)
        cold, res = timed(lambda: build_bulletin(settings, req))
        warm, _ = timed(lambda: build_bulletin(settings, req))

        # Baseline: the bulletin's own spoken text, engine alone, one encode.
        spoken = " ".join(s["text"] for s in res.manifest["segments"] if s["text"])
        engine = EspeakEngine(settings.engines.espeak_voice, settings.engines.espeak_rate_wpm)
        sentences = split_sentences(spoken)

        def raw() -> None:
            clips = [engine.synthesize(s) for s in sentences]
            pcm = b"".join(c.to_pcm16() for c in clips)
            run_ffmpeg(["-f", "s16le", "-ar", str(clips[0].rate), "-ac", "1", "-i", "pipe:0",
                        "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3", "-"], stdin=pcm)

        base, _ = timed(raw)
        audio_s = res.manifest["duration_s"]
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"bulletin: {audio_s:.1f} s of audio, {len(res.manifest['items'])} items, "
              f"{len(sentences)} sentences")
        print(f"baseline (espeak alone + one MP3 encode): {base:6.2f} s")
        print(f"build, cold cache:                        {cold:6.2f} s  "
              f"({cold / base:.2f}x baseline, {audio_s / cold:.0f}x real time)")
        print(f"build, warm cache:                        {warm:6.2f} s  "
              f"({warm / base:.2f}x baseline, {audio_s / warm:.0f}x real time)")
        print(f"peak memory (this process): {peak_mb:.0f} MB")
    finally:
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
