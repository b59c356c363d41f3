"""Recorded items on the web: upload on the item form, listen back, refusals by field."""

from __future__ import annotations

from bulletins.news import NewsQueue
from tests.test_recorded import _write, voice  # noqa: F401, F811  (the spoken-clip fixture)
from tests.web.conftest import csrf_of


def test_web_form_uploads_a_recording_and_plays_it_back(as_role, settings, tmp_path, voice):  # noqa: F811
    client, token = as_role("editor")
    mp3 = _write(voice, tmp_path / "phong-van.mp3").read_bytes()
    r = client.post("/news", data={"csrf": token, "title": "Phỏng vấn", "body": "",
                                   "language": "bdq", "action": "queue"},
                    files={"audio": ("phong-van.mp3", mp3, "audio/mpeg")},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    (item,) = NewsQueue(settings).list()
    assert item.audio_ms and item.language == "bdq" and item.body == ""
    page = client.get(f"/news/{item.id}").text
    assert f'src="/news/{item.id}/recording"' in page
    wav = client.get(f"/news/{item.id}/recording")
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"
    # Editing the text keeps the recording; a corrupt upload is refused next to its field.
    token = csrf_of(page)
    r = client.post(f"/news/{item.id}", data={"csrf": token, "title": "Phỏng vấn chủ tịch",
                                               "body": "", "action": "save"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert NewsQueue(settings).get(item.id).audio == item.audio
    r = client.post("/news", data={"csrf": token, "title": "Hỏng", "action": "queue"},
                    files={"audio": ("hong.m4a", b"not audio at all" * 50, "audio/mp4")})
    assert r.status_code == 400 and "hỏng hoặc không phải tệp âm thanh" in r.text
    assert len(NewsQueue(settings).list()) == 1
