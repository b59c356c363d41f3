"""espeak-ng through the `espeakng-loader` wheel and ctypes: offline, fast, always there.

libespeak-ng keeps one global state (current voice, rate, callback), so every call goes
through `_LOCK` and the library is initialised once per process.
"""

from __future__ import annotations

import ctypes
import threading
from ctypes import POINTER, c_int, c_short, c_uint, c_void_p
from functools import cache
from importlib import metadata

import numpy as np

from ..audio import Clip
from ..errors import SynthesisError

VOICES = ("vi", "vi-VN-x-central", "vi-VN-x-south")
VOICE_LABELS = {"vi": "miền Bắc", "vi-VN-x-central": "miền Trung", "vi-VN-x-south": "miền Nam"}

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_ESPEAK_RATE = 1
_EE_OK = 0

_SynthCallback = ctypes.CFUNCTYPE(c_int, POINTER(c_short), c_int, c_void_p)

_LOCK = threading.Lock()
_state: dict[str, object] = {}  # lib, rate, callback: set once by _init()
_chunks: list[np.ndarray] = []  # filled by the callback while _LOCK is held


@_SynthCallback
def _on_audio(wav: ctypes._Pointer, numsamples: int, _events: int) -> int:
    if numsamples > 0 and wav:
        _chunks.append(np.ctypeslib.as_array(wav, shape=(numsamples,)).copy())
    return 0  # 0 = keep going


@cache
def _loader_version() -> str:
    try:
        return metadata.version("espeakng-loader")
    except metadata.PackageNotFoundError:
        return "unknown"


def _init() -> tuple[ctypes.CDLL, int]:
    """Load and initialise libespeak-ng once; caller holds _LOCK."""
    if "lib" in _state:
        return _state["lib"], _state["rate"]  # type: ignore[return-value]
    try:
        import espeakng_loader

        lib = ctypes.cdll.LoadLibrary(espeakng_loader.get_library_path())
        data = espeakng_loader.get_data_path().encode()
    except (ImportError, OSError, RuntimeError) as exc:
        raise SynthesisError(
            "Không nạp được thư viện espeak-ng.",
            "Cài lại gói: pip install --force-reinstall espeakng-loader",
            engine="espeak",
            detail=repr(exc),
        ) from exc
    lib.espeak_Initialize.argtypes = [c_int, c_int, ctypes.c_char_p, c_int]
    lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
    lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
    lib.espeak_SetParameter.argtypes = [c_int, c_int, c_int]
    lib.espeak_Synth.argtypes = [
        ctypes.c_char_p, ctypes.c_size_t, c_uint, c_int, c_uint, c_uint,
        POINTER(c_uint), c_void_p,
    ]
    rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data, 0)
    if rate <= 0:
        raise SynthesisError(
            "Không khởi động được espeak-ng.", engine="espeak", detail=f"espeak_Initialize={rate}"
        )
    lib.espeak_SetSynthCallback(_on_audio)
    _state.update(lib=lib, rate=rate)
    return lib, rate


class EspeakEngine:
    """Vietnamese espeak-ng voice at a fixed rate (words per minute)."""

    name = "espeak"

    def __init__(self, voice: str = "vi", rate_wpm: int = 150):
        if voice not in VOICES:
            raise SynthesisError(
                f"Giọng espeak «{voice}» không có.",
                "Chọn một trong: " + ", ".join(VOICES) + ".",
                engine="espeak",
            )
        self.voice = voice
        self.rate_wpm = rate_wpm

    @property
    def params(self) -> str:
        # The library version is part of the sound: an upgrade re-speaks and recalibrates.
        return f"wpm={self.rate_wpm};espeakng-loader={_loader_version()}"

    def synthesize(self, text: str) -> Clip:
        raw = text.encode("utf-8")
        with _LOCK:
            lib, rate = _init()
            _chunks.clear()
            # Voice and rate are global state another EspeakEngine may have changed;
            # loading a voice reads its dictionary, so only switch when needed.
            if _state.get("voice") != self.voice:
                if lib.espeak_SetVoiceByName(self.voice.encode()) != _EE_OK:
                    raise SynthesisError(
                        f"espeak-ng không chọn được giọng «{self.voice}».", engine="espeak"
                    )
                _state.update(voice=self.voice, wpm=None)  # a new voice resets the rate
            if _state.get("wpm") != self.rate_wpm:
                lib.espeak_SetParameter(_ESPEAK_RATE, self.rate_wpm, 0)
                _state["wpm"] = self.rate_wpm
            err = lib.espeak_Synth(raw, len(raw) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8,
                                   None, None)
            lib.espeak_Synchronize()
            pcm = np.concatenate(_chunks) if _chunks else np.zeros(0, dtype=np.int16)
            _chunks.clear()
        if err != _EE_OK:
            raise SynthesisError(
                "espeak-ng báo lỗi khi đọc câu.", engine="espeak", detail=f"espeak_Synth={err}"
            )
        return Clip(pcm.astype(np.float32) / 32768.0, int(rate))
