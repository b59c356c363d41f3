"""Recorded items: an audio file (interview, a reading in Jrai or Bahnar) aired as it is.

At add time the file is decoded with the bundled ffmpeg (MP3, WAV, M4A/AAC, OGG, AMR …),
high-passed, trimmed of leading and trailing silence and brought to the bulletin's loudness,
then stored as 16-bit mono WAV in <home>/recordings/ (named by its content hash, so the same
upload twice is one file). Its length is measured once here: planning and fitting use it, and
tempo never changes a recording. A recording is never synthesized nor cached as speech.
"""

from __future__ import annotations

import hashlib
import math
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .audio import Clip, decode_file
from .errors import AudioError, QueueError

_SILENT_DBFS = -50.0  # quieter than this everywhere: nothing recorded
_QUIET_LUFS = -38.0  # a recording this quiet is mostly noise once raised to the target
_TRIM_DBFS = -45.0  # leading/trailing audio below this is silence to trim
_CLIP_LEVEL = 0.999
_KEEP_MS = 150  # keep a short breath of silence at each end
LANGUAGES = {"jra": "tiếng Jrai", "bdq": "tiếng Ba Na", "vi": "tiếng Việt",
             "ede": "tiếng Ê Đê", "hre": "tiếng H'rê", "sdg": "tiếng Xơ Đăng",
             "kjm": "tiếng Khmer", "km": "tiếng Khmer", "hmn": "tiếng H'Mông",
             "tai": "tiếng Thái", "cmo": "tiếng M'Nông"}


@dataclass(frozen=True)
class Stored:
    path: Path
    duration_ms: int
    warnings: tuple[str, ...] = ()


def language_label(code: str) -> str:
    """How the transcript names a recording's language ("tiếng Jrai"); code as given else."""
    return LANGUAGES.get(code.strip().lower(), f"tiếng {code}") if code else ""


def recording_note(duration_ms: int, language: str = "") -> str:
    """The transcript's line for a recording: "[bản ghi âm tiếng Jrai, 1:12]"."""
    m, s = divmod(round(duration_ms / 1000), 60)
    lang = f" {language_label(language)}" if language else ""
    return f"[bản ghi âm{lang}, {m}:{s:02d}]"


def _dbfs(x: float) -> float:
    return 20 * math.log10(x) if x > 0 else -math.inf


def prepare(clip: Clip, target_lufs: float, highpass_hz: int,
            name: str = "") -> tuple[Clip, list[str]]:
    """High-pass, trim silence and normalize loudness (pure apart from numpy/scipy).

    Raises QueueError for a silent recording; warns about clipped or very quiet ones."""
    from . import loudness

    label = f"«{name}» " if name else ""
    x = clip.samples.astype(np.float32)
    warnings: list[str] = []
    if len(x) == 0 or _dbfs(float(np.max(np.abs(x)))) < _SILENT_DBFS:
        raise QueueError(f"Tệp ghi âm {label}im lặng, không nghe thấy gì.",
                         "Hãy ghi âm lại, nói gần micrô hơn.")
    clipped = float(np.mean(np.abs(x) >= _CLIP_LEVEL))
    if clipped > 0.001:
        warnings.append(f"Tệp ghi âm {label}bị rè (méo tiếng ở {clipped:.1%} số mẫu): "
                        "hãy nghe thử, nên ghi lại nhỏ tiếng hơn.")
    x = loudness.highpass(x, clip.rate, highpass_hz).astype(np.float32)
    # Trim by a 20 ms envelope, so one click does not count as speech.
    win = max(1, clip.rate // 50)
    n = len(x) // win
    env = np.abs(x[: n * win]).reshape(n, win).max(axis=1) if n else np.abs(x)
    loud = np.nonzero(env >= 10 ** (_TRIM_DBFS / 20))[0]
    if len(loud) == 0:
        raise QueueError(f"Tệp ghi âm {label}gần như im lặng, không nghe thấy tiếng nói.",
                         "Hãy ghi âm lại, nói gần micrô hơn.")
    keep = round(_KEEP_MS * clip.rate / 1000)
    a = max(0, loud[0] * win - keep)
    b = min(len(x), (loud[-1] + 1) * win + keep)
    x = x[a:b]
    if len(x) < clip.rate // 2:
        raise QueueError(f"Tệp ghi âm {label}quá ngắn (dưới nửa giây sau khi cắt lặng).",
                         "Hãy ghi âm lại.")
    measured = loudness.integrated_lufs(x, clip.rate)
    if measured < _QUIET_LUFS:
        warnings.append(f"Tệp ghi âm {label}rất nhỏ tiếng ({measured:.0f} LUFS): đã khuếch đại "
                        "lên, tiếng ồn nền có thể nghe rõ; hãy nghe thử.")
    x = match_loudness(x, clip.rate, target_lufs)
    return Clip(x, clip.rate), warnings


def match_loudness(x: np.ndarray, rate: int, target_lufs: float) -> np.ndarray:
    """Gain `x` to `target_lufs`, limiting true peaks to -1 dBTP rather than clipping."""
    from . import loudness

    y, _, _ = loudness.normalize(x, rate, target_lufs, -1.0)
    return np.asarray(y, dtype=np.float32)


def ingest(src: str | Path, home: Path, rate: int, target_lufs: float, highpass_hz: int,
           name: str = "") -> Stored:
    """Decode, prepare and store an uploaded recording; refuse corrupt or silent files."""
    src = Path(src)
    label = name or src.name
    if not src.is_file():
        raise QueueError(f"Không tìm thấy tệp ghi âm «{src}».")
    try:
        clip = decode_file(src, rate)
    except AudioError as exc:
        raise QueueError(
            f"Tệp ghi âm «{label}» hỏng hoặc không phải tệp âm thanh, không đọc được.",
            "Dùng tệp MP3, WAV, M4A/AAC, OGG hoặc AMR; thử xuất lại từ điện thoại.",
            detail=exc.detail) from exc
    if len(clip.samples) == 0:
        raise QueueError(f"Tệp ghi âm «{label}» không có âm thanh nào.",
                         "Dùng tệp MP3, WAV, M4A/AAC, OGG hoặc AMR.")
    prepared, warnings = prepare(clip, target_lufs, highpass_hz, label)
    pcm = prepared.to_pcm16()
    folder = home / "recordings"
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / f"{hashlib.sha256(pcm).hexdigest()[:20]}.wav"
    if not dest.exists():
        tmp = dest.with_suffix(".wav.tmp")
        with wave.open(str(tmp), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(rate)
            w.writeframes(pcm)
        tmp.replace(dest)  # never a half-written recording under its final name
    return Stored(dest, prepared.duration_ms, tuple(warnings))


def load(path: str | Path, rate: int) -> Clip:
    """A stored recording as a Clip at `rate` (re-decoded if the station's rate changed)."""
    p = Path(path)
    try:
        with wave.open(str(p), "rb") as w:
            if w.getframerate() == rate and w.getnchannels() == 1 and w.getsampwidth() == 2:
                return Clip.from_pcm16(w.readframes(w.getnframes()), rate)
    except (OSError, wave.Error) as exc:
        raise AudioError(f"Không đọc được bản ghi âm «{p.name}».", detail=str(exc)) from exc
    return decode_file(p, rate)
