"""A local WebSocket server speaking the Edge read-aloud framing, for tests.

It answers like speech.platform.bing.com: after the client's "Path:speech.config" and
"Path:ssml" text frames it sends "Path:turn.start", binary audio frames (2-byte big-endian
header length, "Path:audio" headers, MP3 bytes) and "Path:turn.end". The audio is real:
espeak-ng reads the requested text and ffmpeg encodes it as 24 kHz mono MP3. `mode` makes
it refuse the handshake, never answer, or stop half-way through a stream.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from html import unescape

from bulletins.audio import run_ffmpeg
from bulletins.synth.espeak import EspeakEngine


def mp3_of(text: str) -> bytes:
    clip = EspeakEngine("vi").synthesize(text)
    return run_ffmpeg(["-f", "s16le", "-ar", str(clip.rate), "-ac", "1", "-i", "pipe:0",
                       "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3", "-"],
                      stdin=clip.to_pcm16())


def text_frame(path: str, body: str = "") -> str:
    return ("X-RequestId:abc\r\nContent-Type:application/json; charset=utf-8\r\n"
            f"Path:{path}\r\n\r\n{body}")


def audio_frame(mp3: bytes | None) -> bytes:
    head = b"X-RequestId:abc\r\nPath:audio\r\n"
    if mp3 is not None:
        head = b"X-RequestId:abc\r\nContent-Type:audio/mpeg\r\nX-StreamId:1\r\nPath:audio\r\n"
    return len(head).to_bytes(2, "big") + head + (mp3 or b"")


@dataclass
class EdgeServer:
    mode: str = "ok"  # ok | refuse | silent | half
    url: str = ""
    requests: list[dict] = field(default_factory=list)  # one per connection
    _server: object = None

    def start(self) -> EdgeServer:
        from websockets.sync.server import serve

        def process_request(connection, request):  # noqa: ANN001, ANN202
            self.requests.append({"path": request.path, "headers": dict(request.headers)})
            if self.mode == "refuse":
                return connection.respond(403, "Forbidden\n")
            return None

        self._server = serve(self._handle, "127.0.0.1", 0, process_request=process_request)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        port = self._server.socket.getsockname()[1]
        self.url = (f"ws://127.0.0.1:{port}/consumer/speech/synthesize/readaloud/edge/v1"
                    "?TrustedClientToken=x")
        return self

    def stop(self) -> None:
        self._server.shutdown()

    def _handle(self, ws) -> None:  # noqa: ANN001
        req = self.requests[-1]
        config, ssml = ws.recv(), ws.recv()
        req["config"], req["ssml"] = config, ssml
        if self.mode == "silent":
            try:
                ws.recv(timeout=30)  # answer nothing; the client gives up first
            except Exception:  # noqa: BLE001 - the client closing ends the wait
                pass
            return
        text = unescape(re.sub(r"<[^>]+>", "", ssml.split("\r\n\r\n", 1)[1]))
        req["voice"] = re.search(r"<voice name='([^']+)'>", ssml).group(1)
        req["text"] = text
        mp3 = mp3_of(text)
        ws.send(text_frame("turn.start", '{"context":{"serviceTag":"x"}}'))
        ws.send(text_frame("response", '{"context":{"serviceTag":"x"}}'))
        half = len(mp3) // 2
        ws.send(audio_frame(mp3[:half]))
        if self.mode == "half":
            return  # the connection closes mid-stream, no turn.end
        ws.send(audio_frame(mp3[half:]))
        ws.send(audio_frame(None))  # end of audio: no Content-Type, no data
        ws.send(text_frame("audio.metadata", '{"Metadata":[]}'))
        ws.send(text_frame("turn.end", '{}'))
