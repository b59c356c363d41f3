"""End to end with the online engine failing, and with station-specific scripts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import requests
import responses

from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.pipeline import build_bulletin
from bulletins.script import make_env, render_script
from tests.conftest import write_config

URL = "https://translate.google.com.vn/_/TranslateWebserverUi/data/batchexecute"
DAY = date(2026, 11, 25)


def queue_some(settings, n: int = 3) -> None:
    q = NewsQueue(settings)
    for i in range(n):
        q.add({"title": f"Thông báo số {i + 1}", "body": "Đề nghị bà con chú ý theo dõi."})


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["refused", "http429", "timeout"])
def test_gtts_failing_still_yields_a_bulletin_through_espeak(settings, failure):
    queue_some(settings)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        if failure == "http429":
            google.add(responses.POST, URL, status=429, body="Too Many Requests",
                       content_type="text/html")
        elif failure == "timeout":
            google.add(responses.POST, URL, body=requests.exceptions.ReadTimeout("timed out"))
        else:
            google.add(responses.POST, URL,
                       body=requests.exceptions.ConnectionError("[Errno 111] Connection refused"))
        res = build_bulletin(settings, BuildRequest("ia-hru", DAY, "sang", 60, "auto"))
        gtts_calls = [c for c in google.calls if "batchexecute" in c.request.url]
    m = res.manifest
    assert Path(res.mp3_path).is_file()
    assert "espeak" in m["engine"] and "gtts" in m["engine"]
    # The default chain tries Edge first (no network here), then gTTS, then espeak.
    assert m["engine"] == "auto (edge→gtts→espeak:vi)"
    assert m["fallbacks"][-1].startswith("gTTS lỗi") and "espeak" in m["fallbacks"][-1]
    assert len(gtts_calls) == 1, "after the first failure gTTS is not tried again"


def test_editors_text_is_data_never_template_code(settings):
    env = make_env(settings.templates_dir)
    item = NewsQueue(settings).add({"title": "{{ 7*7 }}", "body": "{% for x in y %}{{ x }}"})
    script = render_script(env, settings.station(), settings.station().slot("sang"), DAY,
                           [item], "thứ Tư", "ngày hai mươi lăm")
    assert "{{ 7*7 }}" in script.items[0]
    assert "{% for x in y %}{{ x }}" in script.items[0]
    assert "49" not in script.items[0]


@pytest.mark.slow
def test_a_station_can_override_a_template(home):
    settings = write_config(home, '[[stations]]\nid = "ia-hru"\nname = "Đài xã Hòa Bình"\n')
    (home / "templates").mkdir()
    (home / "templates" / "closing.txt.j2").write_text(
        "{{ station.name }} tạm biệt bà con, hẹn gặp lại.", encoding="utf-8")
    NewsQueue(settings).add({"title": "Hội XYZQ họp", "body": "Hội XYZQ họp ngày 2/9."})
    res = build_bulletin(settings, BuildRequest("ia-hru", DAY, "sang", 60, "espeak"))
    # An unknown acronym is spelled out and reported, so an editor can add it to the lexicon.
    assert res.manifest["unknown_tokens"] == ["XYZQ"]
    item = [s for s in res.manifest["segments"] if s["kind"] == "item"][0]
    assert "XYZQ" not in item["text"] and "ích-xì" in item["text"]
    closing = [s for s in res.manifest["segments"] if s["kind"] == "closing"][0]
    assert closing["text"].startswith("Đài xã Hòa Bình tạm biệt bà con")
    greeting = [s for s in res.manifest["segments"] if s["kind"] == "greeting"][0]
    assert "Đài xã Hòa Bình xin kính chào" in greeting["text"]


def test_a_broken_station_template_is_a_clear_error(home):
    from bulletins.errors import TemplateError

    settings = write_config(home, "")
    (home / "templates").mkdir()
    (home / "templates" / "greeting.txt.j2").write_text("{{ station.nmae }", encoding="utf-8")
    with pytest.raises(TemplateError, match="greeting.txt.j2"):
        render_script(make_env(settings.templates_dir), settings.station(),
                      settings.station().slot("sang"), DAY, [], "thứ Tư", "ngày")


@pytest.mark.slow
def test_an_empty_queue_still_builds_and_says_so(settings):
    res = build_bulletin(settings, BuildRequest("ia-hru", DAY, "sang", 60, "espeak"))
    kinds = [s["kind"] for s in res.manifest["segments"] if s["kind"] not in ("pause", "jingle")]
    assert kinds == ["greeting", "closing"]
    assert any("Không có tin nào" in w for w in res.manifest["warnings"])


def test_an_emergency_script_reads_each_item_twice(settings):
    env = make_env(settings.templates_dir)
    item = NewsQueue(settings).add({"title": "Lũ quét", "body": "Di dời ngay.",
                                    "priority": "urgent"})
    script = render_script(env, settings.station(), settings.station().slot("sang"), DAY,
                           [item], "thứ Tư", "ngày hai mươi lăm", emergency=True)
    assert script.items[0].count("Di dời ngay.") == 2
    assert "Xin nhắc lại" in script.items[0]
    assert script.greeting.startswith("Thông báo khẩn cấp")
    normal = render_script(env, settings.station(), settings.station().slot("sang"), DAY,
                           [item], "thứ Tư", "ngày hai mươi lăm")
    assert normal.items[0].count("Di dời ngay.") == 1
