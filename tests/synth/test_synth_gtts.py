"""gTTS faked at the HTTP level: real request from gTTS, real batchexecute response format.

Success, HTTP errors and bad responses go through `responses`. Connection refused and
timeouts are real sockets: gTTS sends through the proxies of the environment, so pointing
HTTPS_PROXY at a closed local port (refused) or at a listener that never answers (timeout)
exercises the real failure paths without touching the network.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import unquote

import numpy as np
import pytest
import responses

from bulletins.audio import Clip, run_ffmpeg
from bulletins.errors import SynthesisError
from bulletins.synth import Speaker
from bulletins.synth.estimate import CalibrationStore

URL = "https://translate.google.com.vn/_/TranslateWebserverUi/data/batchexecute"


@pytest.fixture
def settings(tmp_path):
    """These tests are about gTTS and its fallback: "auto" tries gTTS, then espeak."""
    from bulletins.config import EngineSettings, Settings

    return Settings(home=tmp_path, engines=EngineSettings(auto=("gtts", "espeak")))


@pytest.fixture
def calibrated(calibrated):  # noqa: F811 - same fixture, gTTS-first chain
    from dataclasses import replace

    return replace(calibrated, engines=replace(calibrated.engines, auto=("gtts", "espeak")))

SENTENCES = ["Kính thưa bà con nhân dân trong xã.", "Sau đây là bản tin thời sự buổi sáng."]


@pytest.fixture(scope="module")
def mp3() -> bytes:
    """A real 1.2 s MP3: a 440 Hz tone between short silences."""
    rate = 22050
    t = np.arange(int(1.2 * rate)) / rate
    tone = 0.5 * np.sin(2 * np.pi * 440 * t).astype(np.float32)
    clip = Clip(np.concatenate([np.zeros(2205, np.float32), tone, np.zeros(2205, np.float32)]),
                rate)
    return run_ffmpeg(["-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
                       "-c:a", "libmp3lame", "-b:a", "32k", "-f", "mp3", "-"],
                      stdin=clip.to_pcm16())


def batchexecute_body(audio: bytes | None) -> str:
    """The body Google's batchexecute endpoint sends for the jQ1olc (TTS) RPC."""
    payload = json.dumps([base64.b64encode(audio).decode("ascii")]) if audio else None
    envelope = json.dumps(
        [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"],
         ["di", 41], ["af.httprm", 41, "-4242424242424242424", 7]],
        separators=(",", ":"),
    )
    tail = f'[["e",4,null,null,{len(envelope) + 60}]]'
    return f")]}}'\n\n{len(envelope)}\n{envelope}\n25\n{tail}\n"


def tts_text(request) -> str:
    """What gTTS asked to be spoken (checks the request is the real RPC)."""
    body = unquote(request.body.removeprefix("f.req=").rstrip("&"))
    rpc = json.loads(body)
    assert rpc[0][0][0] == "jQ1olc"
    text, lang, *_ = json.loads(rpc[0][0][1])
    assert lang == "vi"
    return text


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def test_gtts_success_decodes_the_mp3(settings, station, google, mp3):
    seen: list[str] = []

    def reply(request):
        seen.append(tts_text(request))
        return 200, {"Content-Type": "application/json; charset=utf-8"}, batchexecute_body(mp3)

    google.add_callback(responses.POST, URL, callback=reply)
    speaker = Speaker(settings, station, engine="gtts")
    result = speaker.speak(SENTENCES[:1])
    assert seen == SENTENCES[:1]
    assert result.engine == "gtts" and speaker.engine_label == "gtts:vi"
    assert result.clip.rate == settings.audio.sample_rate
    # The tone is 1.2 s; silence around it is trimmed.
    assert 1150 < result.clip.duration_ms < 1300
    assert float(np.abs(result.clip.samples).max()) > 0.3
    assert speaker.stats.fallbacks == []
    # Cached: no second request.
    speaker.speak(SENTENCES[:1])
    assert len(google.calls) == 1 and speaker.stats.cache_hits == 1


def test_gtts_success_is_learned(settings, station, google, mp3):
    google.add(responses.POST, URL, body=batchexecute_body(mp3))
    speaker = Speaker(settings, station, engine="gtts")
    speaker.speak(SENTENCES)  # no estimate asked first: learning starts from the default
    model = speaker.rate_model()
    assert model.source == "learned" and model.n == 2
    stored = json.loads((settings.cache_dir / "calibration.json").read_text(encoding="utf-8"))
    assert stored["models"]["gtts|vi|tld=com.vn"]["n"] == 2


def test_auto_uses_gtts_when_it_works(settings, station, google, mp3):
    google.add(responses.POST, URL, body=batchexecute_body(mp3))
    speaker = Speaker(settings, station, engine="auto")
    assert speaker.speak(SENTENCES).engine == "gtts"
    assert speaker.engine_label == "auto (gtts:vi)"


def _assert_fell_back(speaker: Speaker, result, caplog, reason_part: str) -> None:
    assert result.engine == "espeak"
    assert float(np.abs(result.clip.samples).max()) > 0.1
    assert result.clip.duration_ms > 3000  # both sentences, spoken by espeak
    assert len(speaker.stats.fallbacks) == 1
    assert reason_part in speaker.stats.fallbacks[0]
    assert "đã chuyển sang espeak" in speaker.stats.fallbacks[0]
    assert speaker.engine_label == "auto (gtts→espeak:vi)"
    assert any(r.levelno == logging.WARNING and r.name == "bulletins.synth"
               for r in caplog.records)


@pytest.mark.parametrize(("status", "reason_part"), [
    (429, "HTTP 429"), (503, "HTTP 503"), (403, "HTTP 403"),
])
def test_auto_falls_back_on_http_error(settings, station, google, caplog, status, reason_part):
    google.add(responses.POST, URL, status=status, body="Too Many Requests")
    speaker = Speaker(settings, station, engine="auto")
    result = speaker.speak(SENTENCES)
    _assert_fell_back(speaker, result, caplog, reason_part)
    assert len(google.calls) == 1  # the second sentence did not retry gTTS
    speaker.speak(["Một phần khác của bản tin."])
    assert len(google.calls) == 1  # nor does the rest of the bulletin


def test_auto_falls_back_on_response_without_audio(settings, station, google, caplog):
    google.add(responses.POST, URL, body=batchexecute_body(None))
    speaker = Speaker(settings, station, engine="auto")
    _assert_fell_back(speaker, speaker.speak(SENTENCES), caplog, "không có âm thanh")


def test_auto_falls_back_on_undecodable_audio(settings, station, google, caplog):
    google.add(responses.POST, URL, body=batchexecute_body(b"\x00garbage, not mp3" * 20))
    speaker = Speaker(settings, station, engine="auto")
    _assert_fell_back(speaker, speaker.speak(SENTENCES), caplog, "hỏng")


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_auto_falls_back_on_connection_refused(settings, station, caplog, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    speaker = Speaker(settings, station, engine="auto")
    _assert_fell_back(speaker, speaker.speak(SENTENCES), caplog, "không kết nối được")


@pytest.fixture
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A local listener that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_auto_falls_back_on_timeout_once(configure, station, caplog, monkeypatch,
                                         silent_server):
    port, accepted = silent_server
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{port}")
    speaker = Speaker(configure(gtts_timeout_s=0.5), station, engine="auto")
    start = time.monotonic()
    result = speaker.speak(SENTENCES)
    elapsed = time.monotonic() - start
    _assert_fell_back(speaker, result, caplog, "hết thời gian")
    assert len(accepted) == 1  # one attempt for the whole bulletin
    assert elapsed < 3  # one 0.5 s timeout, then espeak


def _assert_raises_gtts_error(speaker: Speaker) -> None:
    with pytest.raises(SynthesisError) as err:
        speaker.speak(SENTENCES)
    assert err.value.engine == "gtts" and err.value.message.startswith("gTTS lỗi")
    assert err.value.hint and speaker.stats.fallbacks == []


@pytest.mark.parametrize("failure", ["429", "empty"])
def test_explicit_gtts_failure_raises(settings, station, google, failure):
    if failure == "429":
        google.add(responses.POST, URL, status=429)
    else:
        google.add(responses.POST, URL, body=batchexecute_body(None))
    _assert_raises_gtts_error(Speaker(settings, station, engine="gtts"))


def test_explicit_gtts_connection_refused_raises(settings, station, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{_closed_port()}")
    _assert_raises_gtts_error(Speaker(settings, station, engine="gtts"))


def test_auto_estimates_with_gtts_then_espeak(calibrated, station, google):
    settings = calibrated
    google.add(responses.POST, URL, status=500)
    speaker = Speaker(settings, station, engine="auto")
    text = " ".join(SENTENCES)
    before = speaker.estimate_ms(text)
    speaker.speak(SENTENCES)
    after = speaker.estimate_ms(text)
    gtts_model = speaker.rate_model("gtts")
    espeak_model = speaker.rate_model("espeak")
    assert gtts_model.source == "default" and espeak_model.source == "calibrated"
    assert before != after
    assert CalibrationStore.at(settings.cache_dir / "calibration.json") is not None


def test_fallback_mid_part_reports_both_engines(settings, station, google, mp3, caplog):
    google.add(responses.POST, URL, body=batchexecute_body(mp3))
    google.add(responses.POST, URL, status=429)
    speaker = Speaker(settings, station, engine="auto")
    result = speaker.speak(SENTENCES)
    assert result.engine == "gtts+espeak"
    assert speaker.engine_label == "auto (gtts:vi→espeak:vi)"
    assert speaker.stats.synthesized == 2 and len(speaker.stats.fallbacks) == 1
    assert speaker.speak(["Phần tiếp theo."]).engine == "espeak"
    assert len(google.calls) == 2


def test_auto_falls_back_on_a_broken_response(settings, station, google, caplog):
    google.add(responses.POST, URL, body=b"\xff\xfe jQ1olc \xff")  # not UTF-8
    speaker = Speaker(settings, station, engine="auto")
    _assert_fell_back(speaker, speaker.speak(SENTENCES), caplog, "không hợp lệ")
