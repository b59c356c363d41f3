"""Microsoft Edge's online neural voices (vi-VN-HoaiMyNeural, vi-VN-NamMinhNeural).

The `edge-tts` package supplies what the service checks (endpoint, Sec-MS-GEC token, headers,
SSML); this module owns the WebSocket exchange because edge-tts treats a stream that closes
before "Path:turn.end" as complete, which would put a cut-off sentence on air. The exchange:

    → text  "Path:speech.config" (JSON: output format audio-24khz-48kbitrate-mono-mp3)
    → text  "Path:ssml" (the sentence)
    ← text  "Path:turn.start", "Path:response", "Path:audio.metadata" …
    ← binary: 2-byte big-endian header length, headers ("Path:audio",
              "Content-Type:audio/mpeg"), then MP3 bytes; repeated
    ← text  "Path:turn.end": the sentence is complete

Every failure (refused, timed out, cut off, no audio) is a SynthesisError with a Vietnamese
reason, so "auto" can fall forward to the next engine.
"""

from __future__ import annotations

import time
from importlib import metadata
from xml.sax.saxutils import escape

from ..audio import Clip, decode_bytes
from ..errors import AudioError, SynthesisError

VOICES = ("vi-VN-HoaiMyNeural", "vi-VN-NamMinhNeural")
VOICE_LABELS = {"vi-VN-HoaiMyNeural": "Hoài My, nữ", "vi-VN-NamMinhNeural": "Nam Minh, nam"}
# Not measured here (no network in the build environment): a starting point like gTTS's,
# ms per syllable / per pause / per sentence, replaced by learned figures after real use.
EDGE_DEFAULT = (205.0, 180.0, 150.0)
OUTPUT_FORMAT = "audio-24khz-48kbitrate-mono-mp3"
MAX_SSML_BYTES = 4096


def _version() -> str:
    try:
        return metadata.version("edge-tts")
    except metadata.PackageNotFoundError:
        return "missing"


class EdgeEngine:
    name = "edge"

    def __init__(self, voice: str = VOICES[0], timeout_s: float = 8.0, rate: int = 22050,
                 url: str = ""):
        self.voice = voice or VOICES[0]
        self.timeout_s = timeout_s
        self.rate = rate
        self.url = url

    @property
    def params(self) -> str:
        return f"fmt={OUTPUT_FORMAT}"

    def synthesize(self, text: str) -> Clip:
        try:
            from edge_tts.communicate import (
                remove_incompatible_characters,
                split_text_by_byte_length,
            )
        except ImportError as exc:
            raise SynthesisError("Chưa cài edge-tts.", "Cài thêm: pip install edge-tts",
                                 engine="edge", detail=repr(exc)) from exc
        safe = escape(remove_incompatible_characters(text))
        audio = b"".join(self._exchange(chunk.decode("utf-8")) for chunk in
                         split_text_by_byte_length(safe, MAX_SSML_BYTES))
        try:
            clip = decode_bytes(audio, self.rate)
        except AudioError as exc:
            raise SynthesisError("Edge trả về dữ liệu âm thanh hỏng.", engine="edge",
                                 detail=exc.detail) from exc
        if len(clip.samples) == 0:
            raise SynthesisError("Edge trả về âm thanh rỗng.", engine="edge")
        return clip

    def _exchange(self, escaped: str) -> bytes:
        from edge_tts.communicate import connect_id, date_to_string, mkssml, ssml_headers_plus_data
        from edge_tts.constants import SEC_MS_GEC_VERSION, WSS_HEADERS, WSS_URL
        from edge_tts.data_classes import TTSConfig
        from edge_tts.drm import DRM
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus
        from websockets.sync.client import connect

        base = self.url or WSS_URL
        url = (f"{base}{'&' if '?' in base else '?'}ConnectionId={connect_id()}"
               f"&Sec-MS-GEC={DRM.generate_sec_ms_gec()}&Sec-MS-GEC-Version={SEC_MS_GEC_VERSION}")
        # websockets writes its own Sec-WebSocket-* headers; a second copy breaks the handshake.
        headers = {k: v for k, v in DRM.headers_with_muid(WSS_HEADERS).items()
                   if not k.lower().startswith("sec-websocket")}
        try:
            config = TTSConfig(self.voice, "+0%", "+0%", "+0Hz", "SentenceBoundary")
        except ValueError as exc:
            raise SynthesisError(f"Giọng Edge «{self.voice}» không hợp lệ.",
                                 "Chọn một trong: " + ", ".join(VOICES) + ".",
                                 engine="edge") from exc
        deadline = time.monotonic() + self.timeout_s
        audio: list[bytes] = []
        try:
            with connect(url, additional_headers=headers, user_agent_header=None,
                         open_timeout=self.timeout_s, close_timeout=1, max_size=None) as ws:
                ws.send(f"X-Timestamp:{date_to_string()}\r\n"
                        "Content-Type:application/json; charset=utf-8\r\n"
                        "Path:speech.config\r\n\r\n"
                        '{"context":{"synthesis":{"audio":{"metadataoptions":{'
                        '"sentenceBoundaryEnabled":"true","wordBoundaryEnabled":"false"},'
                        f'"outputFormat":"{OUTPUT_FORMAT}"}}}}}}\r\n')
                ws.send(ssml_headers_plus_data(connect_id(), date_to_string(),
                                               mkssml(config, escaped)))
                while True:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError
                    msg = ws.recv(timeout=left)
                    if isinstance(msg, str):
                        head = _headers(msg.split("\r\n\r\n", 1)[0].encode())
                        if head.get("Path") == "turn.end":
                            break
                        continue  # turn.start, response, audio.metadata
                    audio.append(_audio_frame(msg))
        except TimeoutError as exc:
            raise SynthesisError(f"Edge lỗi (hết {self.timeout_s:g} giây chờ máy chủ Microsoft)",
                                 _HINT, engine="edge", detail=repr(exc)) from exc
        except InvalidStatus as exc:
            status = exc.response.status_code
            raise SynthesisError(f"Edge lỗi (máy chủ Microsoft từ chối, HTTP {status})", _HINT,
                                 engine="edge", detail=repr(exc)) from exc
        except ConnectionClosed as exc:
            raise SynthesisError("Edge lỗi (kết nối bị ngắt khi câu chưa đọc xong)", _HINT,
                                 engine="edge", detail=repr(exc)) from exc
        except (InvalidHandshake, OSError) as exc:
            raise SynthesisError(
                "Edge lỗi (không kết nối được tới Microsoft, có thể mất mạng)", _HINT,
                engine="edge", detail=repr(exc)) from exc
        data = b"".join(audio)
        if not data:
            raise SynthesisError("Edge lỗi (không nhận được âm thanh)", _HINT, engine="edge")
        return data


_HINT = "Kiểm tra kết nối Internet, hoặc dùng engine \"auto\" hay \"espeak\"."


def _headers(block: bytes) -> dict[str, str]:
    out = {}
    for line in block.split(b"\r\n"):
        key, sep, value = line.partition(b":")
        if sep:
            out[key.decode("utf-8", "replace").strip()] = value.decode("utf-8", "replace").strip()
    return out


def _audio_frame(frame: bytes) -> bytes:
    """MP3 bytes of one binary frame: [2-byte header length][headers][audio]."""
    if len(frame) < 2:
        raise SynthesisError("Edge lỗi (khung dữ liệu thiếu độ dài tiêu đề)", engine="edge")
    size = int.from_bytes(frame[:2], "big")
    if size + 2 > len(frame):
        raise SynthesisError("Edge lỗi (khung dữ liệu ngắn hơn tiêu đề của nó)", engine="edge")
    head = _headers(frame[2:2 + size])
    body = frame[2 + size:]
    if head.get("Path") != "audio":
        raise SynthesisError("Edge lỗi (khung nhị phân không phải âm thanh)", engine="edge")
    if head.get("Content-Type", "audio/mpeg") != "audio/mpeg":
        raise SynthesisError("Edge lỗi (định dạng âm thanh lạ)", engine="edge")
    return body
