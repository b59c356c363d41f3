"""The Edge engine against a local server speaking the service's WebSocket framing."""

from __future__ import annotations

import time
from dataclasses import replace
from urllib.parse import parse_qs, urlparse

import numpy as np
import pytest

from bulletins.config import EngineSettings, Settings
from bulletins.errors import SynthesisError
from bulletins.synth import Speaker
from tests.synth.edge_server import EdgeServer

SENTENCES = ["Kính thưa bà con nhân dân trong xã.", "Sau đây là bản tin buổi sáng."]


@pytest.fixture
def edge():
    server = EdgeServer().start()
    yield server
    server.stop()


def _settings(tmp_path, server: EdgeServer, **keys) -> Settings:
    return Settings(home=tmp_path, engines=EngineSettings(edge_url=server.url, **keys))


def test_edge_speaks_through_the_service_framing(tmp_path, edge, station):
    speaker = Speaker(_settings(tmp_path, edge), station, engine="edge")
    result = speaker.speak(SENTENCES)
    assert result.engine == "edge" and result.voice == "edge:vi-VN-HoaiMyNeural"
    assert speaker.engine_label == "edge:vi-VN-HoaiMyNeural"
    assert result.clip.rate == 22050 and float(np.abs(result.clip.samples).max()) > 0.1
    assert 2500 < result.clip.duration_ms < 9000
    first = edge.requests[0]
    query = parse_qs(urlparse(first["path"]).query)
    assert {"ConnectionId", "Sec-MS-GEC", "Sec-MS-GEC-Version"} <= set(query)
    assert "Path:speech.config" in first["config"]
    assert "audio-24khz-48kbitrate-mono-mp3" in first["config"]
    assert "Path:ssml" in first["ssml"]
    assert first["voice"] == "Microsoft Server Speech Text to Speech Voice (vi-VN, HoaiMyNeural)"
    assert first["text"] == SENTENCES[0]
    assert first["headers"]["origin"].startswith("chrome-extension://")
    assert first["headers"]["user-agent"].count("Edg/") == 1
    speaker.speak(SENTENCES)  # cached: the service is not asked again
    assert len(edge.requests) == 2 and speaker.stats.cache_hits == 2


def test_the_text_is_escaped_for_ssml(tmp_path, edge, station):
    Speaker(_settings(tmp_path, edge), station, engine="edge").speak(["Xã A & xã B <nhận> quà."])
    assert "&amp;" in edge.requests[0]["ssml"] and "&lt;nhận&gt;" in edge.requests[0]["ssml"]
    assert edge.requests[0]["text"] == "Xã A & xã B <nhận> quà."


@pytest.mark.parametrize(("mode", "reason"), [
    ("refuse", "từ chối, HTTP 403"),
    ("silent", "hết 0.5 giây"),
    ("half", "bị ngắt khi câu chưa đọc xong"),
])
def test_edge_failures_are_clear(tmp_path, edge, station, mode, reason):
    edge.mode = mode
    speaker = Speaker(_settings(tmp_path, edge, edge_timeout_s=0.5), station, engine="edge")
    started = time.monotonic()
    with pytest.raises(SynthesisError) as err:
        speaker.speak(SENTENCES)
    assert reason in err.value.message and err.value.engine == "edge" and err.value.hint
    assert time.monotonic() - started < 5
    # A half-finished stream is never cached as if it were the sentence.
    assert not list((tmp_path / "cache" / "speech").rglob("*.wav"))


def test_no_server_at_all(tmp_path, station):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = Settings(home=tmp_path, engines=EngineSettings(edge_url=f"ws://127.0.0.1:{port}/x"))
    with pytest.raises(SynthesisError, match="không kết nối được"):
        Speaker(settings, station, engine="edge").speak(SENTENCES)


def test_auto_falls_through_every_engine_to_espeak(tmp_path, edge, station, caplog):
    edge.mode = "refuse"
    settings = _settings(tmp_path, edge, edge_timeout_s=1.0, gtts_timeout_s=1.0)
    speaker = Speaker(settings, station, engine="auto")
    assert speaker.chain == ("edge", "gtts", "piper", "espeak")
    first = speaker.speak(SENTENCES)
    second = speaker.speak(["Phần tiếp theo của bản tin."])
    assert first.engine == "espeak" and second.engine == "espeak"
    assert float(np.abs(first.clip.samples).max()) > 0.1
    assert len(edge.requests) == 1, "a failed engine is not retried for every sentence"
    reasons = speaker.stats.fallbacks
    assert len(reasons) == 2
    assert "Edge lỗi (máy chủ Microsoft từ chối, HTTP 403), đã chuyển sang gtts" == reasons[0]
    assert reasons[1].startswith("gTTS lỗi") and reasons[1].endswith("đã chuyển sang espeak")
    assert speaker.stats.skipped and speaker.stats.skipped[0].startswith("piper:")
    assert speaker.engine_label == "auto (edge→gtts→espeak:vi)"
    assert sum("đã chuyển sang" in r.message for r in caplog.records) == 2


def test_auto_prefers_edge_when_it_works(tmp_path, edge, station):
    speaker = Speaker(_settings(tmp_path, edge), station, engine="auto")
    assert speaker.speak(SENTENCES[:1]).engine == "edge"
    assert speaker.engine_label == "auto (edge:vi-VN-HoaiMyNeural)"
    assert speaker.stats.fallbacks == []
    # Estimates for an online voice start from its documented default, then learn.
    assert speaker.rate_model().source == "learned" and speaker.estimate_ms(SENTENCES) > 1000


def test_two_announcers_on_edge(tmp_path, edge, station):
    station = replace(station, voices=("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"))
    speaker = Speaker(_settings(tmp_path, edge), station, engine="edge")
    assert speaker.speak(SENTENCES[:1]).voice == "edge:vi-VN-HoaiMyNeural"
    assert speaker.speak(SENTENCES[1:], announcer=1).voice == "edge:vi-VN-NamMinhNeural"
    assert [r["voice"].split(", ")[1] for r in edge.requests] == ["HoaiMyNeural)",
                                                                   "NamMinhNeural)"]
    assert speaker.engine_label == "edge:vi-VN-HoaiMyNeural/vi-VN-NamMinhNeural"


def test_two_announcers_survive_a_fallback_to_espeak(tmp_path, edge, station):
    edge.mode = "refuse"
    station = replace(station, voices=("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural"))
    settings = _settings(tmp_path, edge, auto=("edge", "espeak"))
    speaker = Speaker(settings, station, engine="auto")
    a = speaker.speak(SENTENCES[:1])
    b = speaker.speak(SENTENCES[1:], announcer=1)
    assert (a.voice, b.voice) == ("espeak:vi", "espeak:vi-VN-x-central")


def test_a_silent_service_costs_one_short_timeout_per_build(tmp_path, edge, station):
    edge.mode = "silent"
    settings = _settings(tmp_path, edge, edge_timeout_s=0.5, auto=("edge", "espeak"))
    speaker = Speaker(settings, station, engine="auto")
    started = time.monotonic()
    for n in range(4):  # four parts of a bulletin
        assert speaker.speak([f"Phần thứ {n + 1} của bản tin."]).engine == "espeak"
    assert time.monotonic() - started < 4
    assert len(edge.requests) == 1
    assert speaker.stats.fallbacks == [
        "Edge lỗi (hết 0.5 giây chờ máy chủ Microsoft), đã chuyển sang espeak"]
