"""The station lexicon page: list, add, change, delete, hear (real app, real espeak-ng)."""

from __future__ import annotations

import io
import wave

from bulletins.normalize import load_lexicon, to_spoken


def _post(client, token, url, **data):
    return client.post(url, data={"csrf": token, **data}, follow_redirects=False)


def test_lexicon_add_change_delete(as_role, settings) -> None:
    client, token = as_role("editor")
    assert "Chưa có mục nào" in client.get("/lexicon").text

    r = _post(client, token, "/lexicon/save", word="Ia Pếch", spoken="Ia Pếch-ơ")
    assert r.status_code == 303
    settings.lexicon_path.write_text(
        "# tên riêng của xã\n" + settings.lexicon_path.read_text("utf-8"), encoding="utf-8")
    _post(client, token, "/lexicon/save", word="HTX", spoken="hợp tác xã")
    page = client.get("/lexicon").text
    assert "Ia Pếch-ơ" in page and "hợp tác xã" in page and "/lexicon/hear?text=HTX" in page
    lexicon = load_lexicon(settings.lexicon_path)
    assert to_spoken("Xã Ia Pếch có 1 HTX.", lexicon) == "Xã Ia Pếch-ơ có một hợp tác xã."

    # Change in place (also the written form); the comment and the order stay.
    _post(client, token, "/lexicon/save", original="Ia Pếch", word="Ia Pết",
          spoken="I-a Pết")
    assert settings.lexicon_path.read_text("utf-8") == (
        "# tên riêng của xã\nIa Pết\tI-a Pết\nHTX\thợp tác xã\n")

    assert _post(client, token, "/lexicon/delete", word="HTX").status_code == 303
    assert settings.lexicon_path.read_text("utf-8") == "# tên riêng của xã\nIa Pết\tI-a Pết\n"
    assert _post(client, token, "/lexicon/delete", word="HTX").status_code == 404


def test_bad_entry_is_refused_in_vietnamese(as_role, settings) -> None:
    client, token = as_role("editor")
    r = _post(client, token, "/lexicon/save", word="# ghi chú", spoken="x")
    assert r.status_code == 400 and "Chữ viết không hợp lệ" in r.text
    assert not settings.lexicon_path.exists()


def test_hear_returns_speech(as_role, settings) -> None:
    client, token = as_role("editor")
    _post(client, token, "/lexicon/save", word="HTX", spoken="hợp tác xã")
    r = client.get("/lexicon/hear", params={"text": "HTX"})
    assert r.status_code == 200 and r.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(r.content)) as w:
        seconds = w.getnframes() / w.getframerate()
    assert 0.3 < seconds < 5  # "hợp tác xã" spoken, not silence nor a whole bulletin
    assert client.get("/lexicon/hear", params={"text": ""}).status_code == 400


def test_lexicon_needs_an_editor(as_role) -> None:
    client, token = as_role("operator")
    assert client.get("/lexicon", follow_redirects=False).status_code == 403
    assert _post(client, token, "/lexicon/save", word="A", spoken="a").status_code == 403


def test_spoken_panel_shows_token_classes_on_hover(as_role, settings) -> None:
    from bulletins.news import NewsQueue

    client, token = as_role("editor")
    item = NewsQueue(settings).add({"title": "Lịch họp",
                                    "body": "Thứ Năm 4/12, gọi 113; ông QXZT dự."})
    page = client.get(f"/news/{item.id}").text
    assert ('<span class="tok" data-cls="DATE" title="ngày tháng: «4/12» — ngày/tháng sau '
            '«Thứ Năm»">mùng bốn tháng mười hai</span>') in page
    assert 'data-cls="TELEPHONE"' in page
    assert '<mark class="unknown tok" data-cls="VERBATIM" title="Chưa biết cách đọc' in page

    r = client.post("/api/speak-preview", json={"text": "Gọi 113.", "station": "ia-hru"},
                    headers={"X-CSRF-Token": token})
    assert r.status_code == 200
    tokens = r.json()["tokens"]
    assert tokens[0]["cls"] == "TELEPHONE" and tokens[0]["spoken"] == "một một ba"
    assert "gọi" in tokens[0]["evidence"].lower()
