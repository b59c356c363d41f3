"""Run `scheduler.py` or the `bulletins` CLI in a subprocess for the scheduler tests.

`python _runner.py scheduler --home H` is `python scheduler.py --home H`;
`python _runner.py cli alert …` is `bulletins alert …`. With BULLETINS_TEST_FAKE_BUILD=1
(only while the real pipeline stages are not on this branch) the pipeline's build functions
are replaced by a stand-in that writes a short real MP3 with ffmpeg and records it.
"""

from __future__ import annotations

import hashlib
import json
import os
import runpy
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake_build(settings, station_id: str, day: date, slot: str, item_ids: list[int],
                emergency: bool = False):  # noqa: ANN001, ANN202
    from bulletins.audio import ffmpeg_exe
    from bulletins.models import BuildResult
    from bulletins.news import NewsQueue

    out = settings.audio_out / station_id / day.isoformat()
    out.mkdir(parents=True, exist_ok=True)
    mp3 = out / f"{slot}.mp3"
    tmp = out / f".{slot}.tmp.mp3"
    subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=f=440:d=1.5", "-ac", "1", "-ar", "22050", str(tmp)], check=True)
    os.replace(tmp, mp3)
    manifest = {"station": station_id, "date": day.isoformat(), "slot": slot,
                "duration_s": 1.5, "engine": "fake", "items": item_ids, "deferred": [],
                "emergency": emergency}
    man = mp3.with_suffix(".json")
    man.write_text(json.dumps(manifest))
    NewsQueue(settings).record_bulletin(station_id, day, slot, str(mp3),
                                        hashlib.sha256(mp3.read_bytes()).hexdigest(), 1.5,
                                        "fake", item_ids, [])
    return BuildResult(str(mp3), str(man), "", manifest)


def _patch_pipeline() -> None:
    from bulletins import pipeline
    from bulletins.news import NewsQueue

    def build_bulletin(settings, req, progress=None, speaker=None):  # noqa: ANN001, ANN202
        if (settings.home / "fail-build").exists():
            from bulletins.errors import SynthesisError

            raise SynthesisError("Bộ đọc giả lập bị lỗi (thử nghiệm).")
        ids = [i.id for i in NewsQueue(settings).candidates(req.station_id, req.day)]
        return _fake_build(settings, req.station_id, req.day, req.slot, ids)

    def build_emergency(settings, station_id, item_ids, progress=None):  # noqa: ANN001, ANN202
        now = datetime.now()
        return _fake_build(settings, station_id, now.date(), f"khan-cap-{now:%H%M%S}",
                           list(item_ids), emergency=True)

    pipeline.build_bulletin = build_bulletin
    pipeline.build_emergency = build_emergency


def main() -> None:
    what, args = sys.argv[1], sys.argv[2:]
    if os.environ.get("BULLETINS_TEST_FAKE_BUILD") == "1":
        _patch_pipeline()
    if what == "scheduler":
        sys.argv = [str(ROOT / "scheduler.py"), *args]
        runpy.run_path(str(ROOT / "scheduler.py"), run_name="__main__")
    else:
        from bulletins.cli import main as cli_main

        cli_main(args)


if __name__ == "__main__":
    main()
