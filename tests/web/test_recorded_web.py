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


def test_broadcast_log_labels_the_items_that_aired_as_a_recording(as_role, settings, tmp_path,
                                                                  voice):  # noqa: F811
    """Real builds (espeak, ffmpeg) logged as the scheduler logs a play: a row whose bulletin
    played a recorded clip says so ("bản ghi âm tiếng Jrai" and the item), found beside its
    MP3 or, once the slot was built again, in archive/ by its sha256; a row whose bulletin
    had no recording says nothing of one."""
    from datetime import date, datetime

    from bulletins.models import BuildRequest
    from bulletins.pipeline import build_bulletin
    from bulletins.schedule.broadcast import BroadcastLogBook

    q = NewsQueue(settings)
    q.add({"title": "Lịch tiêm chủng", "body": "Trạm y tế xã tiêm phòng cho trẻ em sáng mai."})
    rec = q.add({"title": "Phỏng vấn trưởng thôn", "body": "",
                 "audio": str(_write(voice, tmp_path / "phong-van.mp3")), "language": "jra"})
    day = date(2026, 11, 25)
    book = BroadcastLogBook(settings)

    def build_and_log(hour: int) -> dict:
        res = build_bulletin(settings, BuildRequest("ia-hru", day, "sang"))
        book.add(station="ia-hru", slot="sang", outcome="aired", file=res.mp3_path,
                 sha256=res.manifest["sha256"], items=res.manifest["items"],
                 scheduled_at=datetime(2026, 11, 25, hour), started_at=datetime(2026, 11, 25, hour))
        return res.manifest

    first = build_and_log(5)
    assert any(s["kind"] == "recording" for s in first["segments"])
    q.set_status(rec.id, "archived")  # withdrawn: the rebuilt bulletin has no recording
    second = build_and_log(6)
    assert not any(s["kind"] == "recording" for s in second["segments"])

    client, _ = as_role("operator")
    for url in ("/bulletins?station=ia-hru", "/bulletins/ia-hru/2026-11-25/sang"):
        page = client.get(url)
        assert page.status_code == 200
        rows = page.text.split('<tr class="outcome-')[1:]
        assert len(rows) == 2  # newest first: the rebuilt bulletin, then the first
        assert "badge-recording" not in rows[0]
        assert ('<span class="badge badge-recording">bản ghi âm tiếng Jrai</span> '
                'Phỏng vấn trưởng thôn') in rows[1]
