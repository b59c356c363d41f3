"""Piper: an offline neural voice from a .onnx model file the station supplies.

piper-tts is an optional extra (`pip install "bulletins[piper]"`). Loaded voices are kept
per model path; synthesis goes through a lock because piper's phonemizer is espeak-ng,
which keeps global state.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from ..audio import Clip
from ..errors import SynthesisError

_LOCK = threading.Lock()
_voices: dict[tuple[Path, str], Any] = {}  # (resolved path, size-mtime) -> PiperVoice


class PiperEngine:
    name = "piper"

    def __init__(self, model: str | Path, speaker: int = -1):
        raw = str(model).strip()
        if not raw:
            raise SynthesisError(
                "Chưa chọn tệp giọng đọc Piper.",
                "Cài giọng: bulletins voice install vi_VN-vais1000-medium, hoặc đặt "
                "«engines.piper_model» trong bulletins.toml là tên giọng hay tệp .onnx.",
                engine="piper",
            )
        self.model = Path(raw).expanduser()
        self.speaker = speaker
        self.voice = self.model.stem

    def _stamp(self) -> str:
        try:
            st = self.model.stat()
        except OSError:
            return "missing"
        return f"{st.st_size}-{st.st_mtime_ns}"

    @property
    def params(self) -> str:
        # A station may replace the model file in place: its size and time are part of
        # the sound, so a new model is never served the old model's cached speech.
        return f"speaker={self.speaker};model={self._stamp()}"

    def _load(self) -> Any:
        """Caller holds _LOCK."""
        path = self.model.resolve()
        loaded = (path, self._stamp())
        if loaded in _voices:
            return _voices[loaded]
        try:
            from piper import PiperVoice
        except ImportError as exc:
            raise SynthesisError(
                "Chưa cài Piper (piper-tts).",
                "Cài thêm: pip install \"bulletins[piper]\"",
                engine="piper", detail=repr(exc),
            ) from exc
        config = Path(f"{path}.json")
        if not path.is_file():
            raise SynthesisError(
                f"Không tìm thấy tệp giọng đọc Piper: {path}",
                "Kiểm tra «engines.piper_model» (hoặc «voice» của đài) trong bulletins.toml.",
                engine="piper",
            )
        if not config.is_file():
            raise SynthesisError(
                f"Thiếu tệp cấu hình giọng Piper: {config}",
                "Mỗi tệp .onnx cần tệp .onnx.json đi kèm, tải cùng chỗ với giọng đọc.",
                engine="piper",
            )
        try:
            voice = PiperVoice.load(path, config_path=config)
        except Exception as exc:  # bad JSON, bad ONNX: onnxruntime has its own types
            raise SynthesisError(
                f"Tệp giọng đọc Piper không hợp lệ: {path}",
                "Tải lại tệp .onnx và .onnx.json của giọng đọc.",
                engine="piper", detail=repr(exc),
            ) from exc
        _voices[loaded] = voice
        return voice

    def synthesize(self, text: str) -> Clip:
        with _LOCK:
            voice = self._load()
            from piper import SynthesisConfig

            syn = SynthesisConfig(speaker_id=self.speaker if self.speaker >= 0 else None)
            try:
                chunks = list(voice.synthesize(text, syn_config=syn))
            except Exception as exc:
                raise SynthesisError(
                    "Piper báo lỗi khi đọc câu.", engine="piper", detail=repr(exc)
                ) from exc
        if not chunks:
            return Clip(np.zeros(0, dtype=np.float32), voice.config.sample_rate)
        rate = chunks[0].sample_rate
        pcm = b"".join(c.audio_int16_bytes for c in chunks)
        return Clip.from_pcm16(pcm, rate)
