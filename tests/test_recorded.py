"""Recorded items (issue 16): real recordings made here from espeak speech, encoded by the
bundled ffmpeg as MP3, WAV and OGG, added, measured, levelled and aired as they are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from click.testing import CliRunner

from bulletins.audio import Clip, decode_file, run_ffmpeg
from bulletins.cli import cli
from bulletins.loudness import integrated_lufs
from bulletins.models import BuildRequest
from bulletins.news import NewsQueue
from bulletins.pipeline import build_bulletin
from bulletins.synth.espeak import EspeakEngine
from tests.helpers import decoded

RATE = 22050
SPEECH = ("Bà con chú ý. Đây là lời nhắn của trạm y tế xã về lịch tiêm vắc xin "
          "cho trẻ em vào sáng thứ bảy tuần này.")


@pytest.fixture(scope="module")
def voice() -> Clip:
    """A spoken clip, quiet (-12 dB) and with 1.5 s of silence either side, like a phone."""
    speech = EspeakEngine("vi").synthesize(SPEECH)
    pad = np.zeros(int(1.5 * speech.rate), dtype=np.float32)
    return Clip(np.concatenate([pad, speech.samples * 0.25, pad]).astype(np.float32),
                speech.rate)


def _write(clip: Clip, path: Path) -> Path:
    run_ffmpeg(["-y", "-f", "s16le", "-ar", str(clip.rate), "-ac", "1", "-i", "pipe:0",
                str(path)], stdin=clip.to_pcm16())
    return path


def _speech_ms(clip: Clip) -> int:
    """Length from the first to the last audible sample (what trimming should keep)."""
    loud = np.nonzero(np.abs(clip.samples) > 10 ** (-45 / 20))[0]
    return round((loud[-1] - loud[0]) * 1000 / clip.rate)


def run(home: Path, *args: str):
    from bulletins.cli import Context

    return CliRunner().invoke(cli, ["--home", str(home), *args], obj=Context(None))


def bulletins(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command, so an error is shown as the operator sees it."""
    env = {**os.environ, "BULLETINS_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "bulletins", *args], env=env,
                          capture_output=True, text=True)


@pytest.mark.parametrize("ext", ["mp3", "wav", "ogg"])
def test_add_with_audio_measures_trims_and_levels(home, settings, tmp_path, voice, ext):
    src = _write(voice, tmp_path / f"loi-nhan.{ext}")
    r = run(home, "news", "add", "--title", "Lời nhắn trạm y tế", "--audio", str(src),
            "--language", "jra")
    assert r.exit_code == 0, r.output
    assert "Bản ghi âm dài" in r.output
    item = NewsQueue(settings).get(1)
    assert item.body == "" and item.language == "jra"
    # Trimmed of the 3 s of silence, kept whole otherwise (a short breath each end).
    speech = _speech_ms(voice)
    assert speech - 100 <= item.audio_ms <= speech + 500, (item.audio_ms, speech)
    stored = Path(item.audio)
    assert stored.parent == home / "recordings" and stored.suffix == ".wav"
    listed = json.loads(run(home, "news", "list", "--json").output)[0]
    assert listed["audio_s"] == item.audio_ms / 1000 and listed["language"] == "jra"
    clip = decode_file(stored, RATE)
    assert abs(clip.duration_ms - item.audio_ms) <= 2
    # Brought from about -30 LUFS to the bulletin's target.
    assert abs(integrated_lufs(voice.samples, voice.rate) - settings.audio.loudness_lufs) > 8
    meter = pyloudnorm.Meter(RATE)
    assert abs(meter.integrated_loudness(clip.samples.astype(np.float64))
               - settings.audio.loudness_lufs) <= 1.0


def test_corrupt_and_silent_uploads_are_refused(home, settings, tmp_path, voice):
    bad = tmp_path / "hong.mp3"
    bad.write_bytes(b"ID3\x03\x00\x00\x00" + bytes(range(256)) * 20)
    r = bulletins(home, "news", "add", "--title", "Hỏng", "--audio", str(bad))
    assert r.returncode != 0
    assert "hỏng hoặc không phải tệp âm thanh" in r.stderr and "Traceback" not in r.stderr
    silent = _write(Clip.silence(4000, RATE), tmp_path / "lang.wav")
    r = bulletins(home, "news", "add", "--title", "Lặng", "--audio", str(silent))
    assert r.returncode != 0 and "im lặng" in r.stderr and "Traceback" not in r.stderr
    assert NewsQueue(settings).list() == []
    assert not list(home.glob("recordings/*.wav"))


def test_clipped_recording_is_kept_with_a_warning(home, settings, tmp_path, voice):
    loud = Clip(np.clip(voice.samples * 20, -1, 1).astype(np.float32), voice.rate)
    r = run(home, "news", "add", "--title", "Phỏng vấn", "--audio",
            str(_write(loud, tmp_path / "re.wav")))
    assert r.exit_code == 0 and "bị rè" in r.output
    assert NewsQueue(settings).get(1).audio_ms > 3000


def test_import_audio_path_relative_to_the_file(home, settings, tmp_path, voice):
    folder = tmp_path / "nhap"
    folder.mkdir()
    _write(voice, folder / "jrai.ogg")
    (folder / "tin.json").write_text(json.dumps([
        {"title": "Tiêm vắc xin", "body": "Sáng thứ bảy tiêm vắc xin cho trẻ.",
         "audio": "jrai.ogg", "language": "jra"},
        {"title": "Họp dân", "body": "Tối nay họp dân ở nhà văn hóa."},
    ], ensure_ascii=False), encoding="utf-8")
    r = run(home, "news", "import", str(folder / "tin.json"))
    assert r.exit_code == 0, r.output
    a, b = NewsQueue(settings).list()[:2]
    assert a.audio and a.audio_ms and a.language == "jra"
    assert b.audio is None and b.audio_ms is None


@pytest.mark.slow
def test_bulletin_airs_recordings_untouched_fitted_and_levelled(home, tmp_path, voice):
    from tests.conftest import write_config

    # Aim to end within a second of the slot with pauses that may not stretch, so the fit
    # changes the speech's tempo.
    settings = write_config(home, "[audio]\nfill_margin_s = 1\nmax_pause_ms = 700\n")
    q = NewsQueue(settings)
    interview = q.add({"title": "Phỏng vấn chủ tịch xã",
                       "audio": str(_write(voice, tmp_path / "pv.mp3"))})
    q.add({"title": "Họp dân", "body": "Tối nay bảy giờ họp dân tại nhà văn hóa thôn Plei "
           "Kơ Tu. Đề nghị mỗi hộ cử một người đi họp."})
    jrai = q.add({"title": "Tiêm vắc xin", "body": "Sáng thứ bảy trạm y tế tiêm vắc xin "
                  "sởi cho trẻ dưới năm tuổi.", "audio": str(_write(voice, tmp_path / "j.ogg")),
                  "language": "jra"})
    for n in range(6):  # more text than fits, so the fit has to choose and may change tempo
        q.add({"title": f"Thông báo số {n + 1}", "body": "Ủy ban nhân dân xã thông báo lịch "
               "thu gom rác thải sinh hoạt trong tuần: thứ hai, thứ tư và thứ sáu hằng tuần, "
               "bà con để rác đúng nơi quy định."})
    slot_s = 87
    res = build_bulletin(settings, BuildRequest("ia-hru", date(2026, 11, 25), "sang", slot_s,
                                                "espeak"))
    m = res.manifest
    assert m["duration_s"] <= slot_s
    assert m["tempo"] != 1.0, "the fit was meant to change the speech tempo"
    assert interview.id in m["items"] and jrai.id in m["items"]
    recs = [s for s in m["segments"] if s["kind"] == "recording"]
    assert [s["item_id"] for s in recs] == [interview.id, jrai.id]
    # Aired at exactly its stored length whatever tempo the speech got.
    for seg, item in zip(recs, (interview, jrai), strict=True):
        assert seg["end_s"] - seg["start_s"] == pytest.approx(item.audio_ms / 1000, abs=0.002)
        assert seg["recording"] is True and seg["voice"] == "recording"
    # The voice reads the title before the recording.
    before = m["segments"][m["segments"].index(recs[0]) - 2]
    assert before["kind"] == "item" and "Phỏng vấn chủ tịch xã" in before["text"]
    transcript = Path(res.transcript_path).read_text(encoding="utf-8")
    assert "[bản ghi âm, 0:" in transcript and "[bản ghi âm tiếng Jrai, 0:" in transcript
    assert "Tiêm vắc xin (bản ghi âm tiếng Jrai)" in transcript  # as the chapters name it
    # Level: each recording within 1 LU of the bulletin's target, measured on the MP3.
    x = decoded(res.mp3_path).astype(np.float64)
    meter = pyloudnorm.Meter(RATE)
    for seg in recs:
        part = x[int(seg["start_s"] * RATE): int(seg["end_s"] * RATE)]
        lufs = meter.integrated_loudness(part)
        assert abs(lufs - m["loudness_target_lufs"]) <= 1.0, lufs
    # Never cached as speech: the cache holds only synthesized text.
    assert not any("bản ghi âm" in s["text"] for s in m["segments"] if s["kind"] == "item")


def test_slot_chooses_text_recording_or_both(home, tmp_path, voice):
    from bulletins.pipeline import preview
    from tests.conftest import write_config

    def config(mode: str):  # noqa: ANN202
        return write_config(home, f'''
[[stations]]
id = "ia-hru"
name = "Đài xã Ia Hrú"
[[stations.slots]]
name = "sang"
time = "05:30"
length_s = 300
recordings = "{mode}"
''')

    settings = config("both")
    body = "Sáng thứ bảy trạm y tế xã tiêm vắc xin sởi cho trẻ em dưới năm tuổi."
    item = NewsQueue(settings).add({"title": "Tiêm vắc xin", "body": body, "language": "jra",
                                    "audio": str(_write(voice, tmp_path / "jrai.wav"))})
    cost, spoken = {}, {}
    for mode in ("vi", "recording", "both"):
        pv = preview(config(mode), "ia-hru", date(2026, 11, 25), "sang")
        cost[mode] = pv.item_estimates_ms[item.id]
        spoken[mode] = dict(pv.script)["Tiêm vắc xin"]
        assert "Tiêm vắc xin" in spoken[mode]  # the title is always read
    assert "trạm y tế" in spoken["vi"] and "trạm y tế" in spoken["both"]
    assert "trạm y tế" not in spoken["recording"]
    # The plan counts the recording's measured length (and its pause) exactly when it airs.
    gap = item.audio_ms + settings.audio.pause_ms
    assert cost["both"] - cost["vi"] == gap
    assert gap < cost["recording"] < cost["both"]


def test_slot_recordings_setting_is_checked(home):
    from bulletins.errors import ConfigError
    from tests.conftest import write_config

    with pytest.raises(ConfigError, match="recordings"):
        write_config(home, '''
[[stations]]
id = "a"
name = "A"
[[stations.slots]]
name = "sang"
time = "05:30"
recordings = "jrai"
''')



def test_two_recordings_with_one_title_both_wait(settings, tmp_path, voice):
    q = NewsQueue(settings)
    half = Clip(voice.samples[: len(voice.samples) // 2], voice.rate)
    a = q.add({"title": "Phỏng vấn", "audio": str(_write(voice, tmp_path / "a.wav"))})
    b = q.add({"title": "Phỏng vấn", "audio": str(_write(half, tmp_path / "b.wav"))})
    again = q.add({"title": "Phỏng vấn", "audio": str(_write(voice, tmp_path / "c.mp3"))})
    ids = [it.id for it in q.candidates("ia-hru", date(2026, 11, 25))]
    assert a.id in ids and b.id in ids
    # The same recording (levelled to the same samples) under the same title airs once.
    assert (again.audio == a.audio) == (again.id not in ids)
