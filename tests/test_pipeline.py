"""End to end: queued items in, a fitted, mastered MP3 out (real espeak-ng, real ffmpeg)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyloudnorm
import pytest

from bulletins.master import decoded_duration_s
from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.pipeline import build_bulletin, preview
from tests.helpers import decoded, load_sample, rms_db

DAY = date(2026, 11, 25)


def build(settings, slot="sang", length=None, engine="espeak", mark=False, day=DAY):
    return build_bulletin(settings, BuildRequest("ia-hru", day, slot, length, engine))


@pytest.mark.slow
@pytest.mark.parametrize("slot_s", [60, 300, 600])
def test_never_longer_than_the_slot_and_fills_it(settings, slot_s):
    # The sample's urgent warning alone nearly fills a minute, so it is not urgent here.
    load_sample(settings, copies=2 if slot_s == 600 else 1, urgent=slot_s > 60)
    res = build(settings, length=slot_s)
    m = res.manifest
    real = decoded_duration_s(res.mp3_path)
    assert real <= slot_s
    assert abs(real - m["duration_s"]) < 0.05
    assert m["deferred"], "more news than fits: something must wait"
    assert real >= slot_s - 15, f"{real:.1f} s leaves more than 15 s of a {slot_s} s slot"
    assert 0.92 <= m["tempo"] <= 1.08


@pytest.mark.slow
def test_manifest_files_and_times_agree_with_the_audio(settings):
    load_sample(settings)
    res = build(settings, length=120)
    m = json.loads(Path(res.manifest_path).read_text(encoding="utf-8"))
    assert Path(res.mp3_path) == settings.audio_out / "ia-hru" / "2026-11-25" / "sang.mp3"
    for key in ("station", "date", "slot", "slot_s", "duration_s", "engine", "loudness_lufs",
                "segments", "deferred"):
        assert key in m
    assert (m["station"], m["date"], m["slot"], m["slot_s"]) == ("ia-hru", "2026-11-25",
                                                                  "sang", 120)
    segs = m["segments"]
    assert segs[0]["start_s"] == 0
    for a, b in zip(segs, segs[1:], strict=False):
        assert a["end_s"] == pytest.approx(b["start_s"], abs=0.002)
    assert segs[-1]["end_s"] == pytest.approx(m["duration_s"], abs=0.1)
    # Speech where the manifest says speech, near-silence where it says pause.
    x, rate = decoded(res.mp3_path), 22050
    for seg in segs:
        a, b = int(seg["start_s"] * rate), int(seg["end_s"] * rate)
        if seg["kind"] == "pause":
            mid = x[a + (b - a) // 4: b - (b - a) // 4]
            assert rms_db(mid) < -45, seg
        elif seg["kind"] in ("item", "greeting", "closing"):
            assert rms_db(x[a:b]) > -35, seg
            assert seg["text"] and not any(ch.isdigit() for ch in seg["text"])
    items = [s for s in segs if s["kind"] == "item"]
    assert [s["item_id"] for s in items] == m["items"]
    transcript = Path(res.transcript_path).read_text(encoding="utf-8")
    for s in items:
        assert s["text"] in transcript


@pytest.mark.slow
def test_loudness_is_measured_and_within_1_lu_of_target(settings):
    load_sample(settings)
    res = build(settings, length=90)
    x = decoded(res.mp3_path, 22050)
    lufs = pyloudnorm.Meter(22050).integrated_loudness(x.astype("float64"))
    assert abs(lufs - settings.audio.loudness_lufs) <= 1.0
    assert abs(res.manifest["loudness_lufs"] - lufs) <= 0.7


@pytest.mark.slow
def test_urgent_items_always_air_and_deferred_items_air_next_time(settings):
    ids = load_sample(settings)
    q = NewsQueue(settings)
    late_urgent = q.add({"title": "Khẩn: nước sông dâng cao",
                         "body": "Đề nghị bà con vùng trũng di dời ngay.",
                         "priority": "urgent"})
    first = build(settings, length=120).manifest
    assert late_urgent.id in first["items"]
    assert first["deferred"]
    for i in first["deferred"]:
        assert q.get(i).status == "queued"
    for i in first["items"]:
        assert q.get(i).air_count == 0  # building is not airing
    # It plays (what the scheduler records after a successful play), twice over: counted once.
    for _ in range(2):
        q.mark_aired(first["items"], "ia-hru", DAY, "sang", bulletin=first["sha256"])
    for i in first["items"]:
        assert q.get(i).air_count == 1
    second = build(settings, slot="chieu", length=120).manifest
    assert not set(second["items"]) & set(first["items"])
    # The next bulletin takes from the waiting items, highest priority first.
    assert second["items"] and set(second["items"]) <= set(first["deferred"])
    assert set(first["items"]) | set(first["deferred"]) == set(ids) | {late_urgent.id}


@pytest.mark.slow
def test_a_second_identical_build_synthesizes_nothing(settings):
    load_sample(settings)
    a = build(settings, length=90, mark=False).manifest
    b = build(settings, length=90, mark=False).manifest
    assert a["synthesized"] > 0
    assert b["synthesized"] == 0 and b["cache_hits"] > 0
    assert a["items"] == b["items"]


def test_preview_plans_without_audio(settings):
    load_sample(settings)
    p = preview(settings, "ia-hru", DAY, "sang")
    assert p.chosen and p.deferred
    assert p.estimated_ms <= p.slot_ms
    assert p.script[0][0] == "Lời chào"
    assert not any(ch.isdigit() for _, text in p.script for ch in text)
    assert not list(settings.audio_out.glob("**/*.mp3"))


@pytest.mark.slow
def test_stations_sharing_news_master_only_their_own_sentences(home):
    # Two stations, one slot, the same three items beside one local item each: the second
    # bulletin reuses every mastered sentence of the shared items and of its opening lines.
    from tests.conftest import write_config

    settings = write_config(home, "".join(
        f'[[stations]]\nid = "{sid}"\nname = "Đài xã {name}"\n[[stations.slots]]\n'
        'name = "sang"\ntime = "06:00"\nlength_s = 600\n'
        for sid, name in (("xa-a", "Hòa Bình"), ("xa-b", "Tân Lập"))))
    q = NewsQueue(settings)
    for sid, place in (("xa-a", "thôn Một"), ("xa-b", "thôn Hai")):
        q.add({"title": f"Họp dân {place}", "stations": sid, "priority": "high",
               "body": f"Tối nay họp dân tại nhà văn hóa {place}. Mỗi hộ cử một người đi họp."})
    for n, body in enumerate(["Trạm y tế tiêm vắc xin sởi cho trẻ dưới năm tuổi vào sáng "
                              "thứ bảy.", "Xã thu gom rác thải vào thứ hai và thứ sáu. Bà con "
                              "để rác đúng nơi quy định.", "Chiều nay có mưa dông, bà con "
                              "chú ý an toàn khi ra đồng."]):
        q.add({"title": f"Thông báo số {n + 1}", "body": body})
    cache = settings.cache_dir / "master"
    a = build_bulletin(settings, BuildRequest("xa-a", DAY, "sang", None, "espeak"))
    before = set(cache.rglob("*.mp3"))
    b = build_bulletin(settings, BuildRequest("xa-b", DAY, "sang", None, "espeak"))
    new = set(cache.rglob("*.mp3")) - before
    assert a.manifest["tempo"] == b.manifest["tempo"] == 1.0
    shared = [s for s in b.manifest["segments"] if s["kind"] == "item" and
              s["title"].startswith("Thông báo")]
    assert len(shared) == 3 and all(s in a.manifest["segments"] or s["text"] in {
        t["text"] for t in a.manifest["segments"]} for s in shared)
    # Mastered anew: the local item, its headline and the lines naming the station, not the
    # whole greeting, headlines and closing around them.
    from bulletins import mp3

    fresh_s = sum(mp3.count_frames(p.read_bytes()) for p in new) * 576 / 22050
    own = {s["kind"]: s["end_s"] - s["start_s"] for s in b.manifest["segments"]
           if s["kind"] in ("greeting", "headlines", "closing")}
    local = next(s["end_s"] - s["start_s"] for s in b.manifest["segments"]
                 if s["title"].startswith("Họp dân"))
    assert 0 < len(new) <= 2 + 1 + 2
    assert fresh_s < local + 0.6 * sum(own.values())
    assert decoded_duration_s(b.mp3_path) <= 600
    assert abs(b.manifest["loudness_lufs"] - settings.audio.loudness_lufs) <= 1.0
