"""gTTS (Google Translate's voice): the best Vietnamese voice, but online and rate-limited.

Every failure becomes a SynthesisError whose message says what happened in Vietnamese
(`reason`), so the speaker can log it, record the fallback and move on to espeak.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..audio import Clip, decode_file
from ..errors import AudioError, SynthesisError

CONNECT_TIMEOUT_S = 3.0  # an unreachable host should fail in seconds, not the read timeout


class GttsEngine:
    name = "gtts"

    def __init__(self, tld: str = "com.vn", timeout_s: float = 8.0, rate: int = 22050,
                 tmp_dir: Path | None = None):
        self.voice = "vi"
        self.tld = tld
        self.timeout_s = timeout_s
        self.rate = rate
        self.tmp_dir = tmp_dir

    @property
    def params(self) -> str:
        return f"tld={self.tld}"

    def synthesize(self, text: str) -> Clip:
        import requests
        from gtts import gTTS, gTTSError
        from gtts.tokenizer import pre_processors

        tts = gTTS(
            text,
            lang="vi",
            tld=self.tld,
            lang_check=False,  # the language table is known; skip its lookup
            # Only language-neutral pre-processing: the English abbreviation and word
            # substitutions would damage normalized Vietnamese.
            pre_processor_funcs=[pre_processors.tone_marks, pre_processors.end_of_line],
            timeout=(min(CONNECT_TIMEOUT_S, self.timeout_s), self.timeout_s),
        )
        if self.tmp_dir is not None:
            self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=".mp3", prefix="gtts-", dir=self.tmp_dir)
        os.close(fd)
        try:
            try:
                tts.save(tmp)
            except gTTSError as exc:
                raise SynthesisError(
                    _reason(exc), _hint(exc), engine="gtts", detail=str(exc)
                ) from exc
            except requests.RequestException as exc:  # gTTS wraps most, not all
                raise SynthesisError(
                    _reason_request(exc), "Kiểm tra kết nối Internet.", engine="gtts",
                    detail=repr(exc),
                ) from exc
            except Exception as exc:  # gTTS asserts on text, decodes lines: any is a failure
                raise SynthesisError(
                    "gTTS lỗi (phản hồi không hợp lệ hoặc câu không đọc được)",
                    _hint(exc), engine="gtts", detail=repr(exc),
                ) from exc
            if os.path.getsize(tmp) == 0:
                raise SynthesisError("gTTS trả về tệp âm thanh rỗng.", engine="gtts")
            try:
                clip = decode_file(tmp, self.rate)
            except AudioError as exc:
                raise SynthesisError(
                    "gTTS trả về dữ liệu âm thanh hỏng.", engine="gtts", detail=exc.detail
                ) from exc
        finally:
            Path(tmp).unlink(missing_ok=True)
        if len(clip.samples) == 0:
            raise SynthesisError("gTTS trả về tệp âm thanh rỗng.", engine="gtts")
        return clip


def _reason(exc: Exception) -> str:
    rsp = getattr(exc, "rsp", None)
    if rsp is not None:
        status = rsp.status_code
        if status == 429:
            return "gTTS lỗi (HTTP 429: Google tạm chặn vì gửi quá nhiều yêu cầu)"
        if status >= 500:
            return f"gTTS lỗi (HTTP {status}: máy chủ Google đang trục trặc)"
        if status == 200:
            return "gTTS lỗi (phản hồi không có âm thanh)"
        return f"gTTS lỗi (HTTP {status})"
    return _reason_request(exc.__context__)


def _reason_request(cause: BaseException | None) -> str:
    import requests

    if isinstance(cause, requests.Timeout):
        return "gTTS lỗi (hết thời gian chờ máy chủ Google)"
    if isinstance(cause, requests.ConnectionError):
        return "gTTS lỗi (không kết nối được tới Google, có thể mất mạng)"
    return "gTTS lỗi (không gọi được dịch vụ Google)"


def _hint(exc: Exception) -> str:
    rsp = getattr(exc, "rsp", None)
    if rsp is not None and (rsp.status_code == 429 or rsp.status_code >= 500):
        return "Thử lại sau, hoặc dùng engine \"auto\" hay \"espeak\" để không phụ thuộc mạng."
    return "Kiểm tra kết nối Internet, hoặc dùng engine \"auto\" hay \"espeak\"."
