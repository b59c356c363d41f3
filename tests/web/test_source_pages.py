"""Web pages for sources: Word upload, article link, feeds poll, approve, "Rút gọn"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bulletins.news import NewsQueue
from bulletins.sources.store import original_body
from tests.sources.conftest import DATA, site  # noqa: F401 - the loopback HTTP fixture
from tests.sources.test_docx import office_document


@pytest.fixture
def editor(as_role):  # noqa: ANN001, ANN201
    return as_role("editor")


def test_word_upload_adds_each_piece(editor, settings, tmp_path: Path) -> None:  # noqa: ANN001
    client, token = editor
    data = office_document(tmp_path / "tin.docx").read_bytes()
    r = client.post("/news-import", data={"csrf": token},
                    files={"file": ("tin tuần.docx", data)}, follow_redirects=False)
    assert r.status_code == 303
    titles = {i.title for i in NewsQueue(settings).list(status="queued")}
    assert titles == {"Tiêm vắc xin sởi cho trẻ em", "Khai trương chợ nông sản"}
    page = client.get(r.headers["location"]).text
    assert "Đã thêm tin số 1" in page
    # The same file again: both added, each with a warning that it nearly equals one queued.
    r = client.post("/news-import", data={"csrf": token}, files={"file": ("tin.docx", data)})
    assert r.text.count("gần giống tin số") == 2


def test_bad_word_file_is_a_message_not_a_crash(editor) -> None:  # noqa: ANN001
    client, token = editor
    r = client.post("/news-import", data={"csrf": token},
                    files={"file": ("x.docx", b"khong phai word")})
    assert r.status_code == 200 and "không phải tệp Word (.docx) hợp lệ" in r.text


def test_article_link_then_shorten_beside_original_then_accept(editor, settings, site) -> None:  # noqa: ANN001, F811
    client, token = editor
    url = site.add("/tin.html", (DATA / "cong_chupah_tiem_vac_xin.html").read_bytes())
    r = client.post("/sources/fetch", data={"csrf": token, "url": url, "draft": "1"},
                    follow_redirects=False)
    assert r.status_code == 303
    (item,) = NewsQueue(settings).list()
    assert item.status == "draft" and item.title.startswith("Ia Hrú: Tiêm vắc xin")
    assert r.headers["location"] == f"/news/{item.id}"
    form = client.get(f"/news/{item.id}").text
    assert f'href="/news/{item.id}/shorten"' in form  # the "Rút gọn" button

    page = client.get(f"/news/{item.id}/shorten?seconds=15").text
    assert 'id="original"' in page and "Trẻ đang sốt" in page  # the original, beside
    proposal = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert proposal and proposal.group(1).startswith("Từ ngày 25-11 đến ngày 30-11-2026")
    assert "Trẻ đang sốt" not in proposal.group(1)
    edited = proposal.group(1).strip() + " Phụ huynh mang theo sổ tiêm chủng."
    r = client.post(f"/news/{item.id}/shorten", data={"csrf": token, "body": edited},
                    follow_redirects=False)
    assert r.status_code == 303
    assert NewsQueue(settings).get(item.id).body == edited  # the editor's edit is what's saved
    assert "Trẻ đang sốt" in original_body(settings, item.id)  # the original kept

    # Approve on the sources page: the draft goes on air.
    assert f'id="draft-{item.id}"' in client.get("/sources").text
    client.post(f"/news/{item.id}/status", data={"csrf": token, "action": "approve"})
    assert NewsQueue(settings).get(item.id).status == "queued"


def test_offline_link_is_a_vietnamese_message(editor, settings) -> None:  # noqa: ANN001
    from tests.sources.conftest import free_port

    client, token = editor
    r = client.post("/sources/fetch", data={
        "csrf": token, "url": f"http://127.0.0.1:{free_port()}/bai.html"})
    assert r.status_code == 200 and "không có mạng" in r.text
    assert NewsQueue(settings).list() == []


def test_web_add_warns_of_a_near_duplicate(editor) -> None:  # noqa: ANN001
    client, token = editor
    body = "Từ ngày 25-11, Trạm Y tế xã Ia Hrú tiêm vắc xin sởi cho 1.200 trẻ em tại 4 điểm."
    client.post("/news", data={"csrf": token, "title": "Tiêm", "body": body, "action": "queue"})
    r = client.post("/news", data={"csrf": token, "title": "Tiêm chủng", "body": body,
                                   "action": "queue"})
    assert "gần giống tin số 1" in r.text


def test_operator_cannot_import(as_role) -> None:  # noqa: ANN001
    client, token = as_role("operator")
    r = client.post("/sources/fetch", data={"csrf": token, "url": "http://127.0.0.1:9/x"},
                    follow_redirects=False)
    assert r.status_code == 403


def test_news_list_file_import_also_takes_word(editor, settings, tmp_path: Path) -> None:  # noqa: ANN001
    client, token = editor
    data = office_document(tmp_path / "tin.docx").read_bytes()
    r = client.post("/news-import", data={"csrf": token}, files={"file": ("tin.docx", data)})
    assert r.status_code == 200 and "Đã thêm tin số 2" in r.text
    assert len(NewsQueue(settings).list(status="queued")) == 2


def test_shortened_text_from_a_browser_keeps_its_paragraphs(editor, settings) -> None:  # noqa: ANN001
    client, token = editor
    item = NewsQueue(settings).add({"title": "Tin", "body": "Câu một.\n\nCâu hai.\n\nCâu ba."})
    client.post(f"/news/{item.id}/shorten", data={"csrf": token, "body": "Câu một.\r\n\r\nCâu ba."})
    assert NewsQueue(settings).get(item.id).body == "Câu một.\n\nCâu ba."
    assert original_body(settings, item.id) == "Câu một.\n\nCâu hai.\n\nCâu ba."


def test_news_list_offers_rut_gon_only_for_items_over_max_item_s(editor, settings) -> None:  # noqa: ANN001
    client, _token = editor
    long_body = " ".join(["Xã Ia Hrú tổ chức tiêm vắc xin sởi cho trẻ em trong tháng 11."] * 30)
    short = NewsQueue(settings).add({"title": "Ngắn", "body": "Trạm y tế thông báo."})
    long = NewsQueue(settings).add({"title": "Dài", "body": long_body})
    page = client.get("/news").text
    assert f'href="/news/{long.id}/shorten"' in page
    assert f'href="/news/{short.id}/shorten"' not in page


def test_json_api_fetch_shorten_apply(app, settings, users, site) -> None:  # noqa: ANN001, F811
    from fastapi.testclient import TestClient

    from bulletins.web.security import create_token

    c = TestClient(app)
    c.headers["Authorization"] = "Bearer " + create_token(settings, users["editor"], "thử")
    url = site.add("/tin.html", (DATA / "cong_chupah_tiem_vac_xin.html").read_bytes())
    r = c.post("/api/news/fetch", json={"url": url, "draft": True, "category": "y tế"})
    assert r.status_code == 201, r.text
    (added,) = r.json()["added"]
    assert added["status"] == "draft"
    again = c.post("/api/news/fetch", json={"url": url}).json()
    assert again["added"] == [] and "đã được nhập trước đây" in again["skipped"][0]
    p = c.get(f"/api/news/{added['id']}/shorten", params={"seconds": 15}).json()
    assert p["target_s"] == 15 and p["text"].startswith("Từ ngày 25-11") and p["changed"]
    r = c.post(f"/api/news/{added['id']}/shorten", json={"body": p["text"]}).json()
    assert r["body"] == p["text"] and "Trẻ đang sốt" in r["original_body"]
    missing = c.get("/api/news/999/shorten")
    assert missing.status_code == 404 and missing.json()["error"] == "Không có tin số 999."
    offline = c.post("/api/news/fetch", json={"url": "http://127.0.0.1:9/x"})
    assert offline.status_code == 400 and "không có mạng" in offline.json()["error"]
    assert "/api/news/{item_id}/shorten" in c.get("/openapi.json").json()["paths"]


def test_web_add_of_a_legacy_paste_still_warns_of_a_near_duplicate(editor) -> None:  # noqa: ANN001
    from tests.legacy_bytes import as_latin1, tcvn3_bytes

    client, token = editor
    body = "Từ ngày 25-11, Trạm Y tế xã Ia Hrú tiêm vắc xin sởi cho 1.200 trẻ em tại 4 điểm."
    client.post("/news", data={"csrf": token, "title": "Tiêm", "body": body, "action": "queue"})
    r = client.post("/news", data={"csrf": token, "title": "Tiêm chủng", "action": "queue",
                                   "body": as_latin1(tcvn3_bytes(body))})
    assert "Unicode" in r.text and "gần giống tin số 1" in r.text
