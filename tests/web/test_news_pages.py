"""News pages: add, edit, errors next to their field, filters, approve/archive, import, limits."""

from __future__ import annotations

import json
import re

import pytest

from bulletins.news import NewsQueue


@pytest.fixture
def editor(as_role):
    return as_role("editor")


def _post(client, token, url, **data):
    return client.post(url, data={"csrf": token, **data}, follow_redirects=False)


def test_add_item_then_see_it_listed(editor, settings):
    client, token = editor
    r = _post(client, token, "/news", title="Lịch tiêm chủng", body="Trạm y tế xã thông báo.",
              priority="high", category="y tế", stations="ia-hru", action="queue")
    assert r.status_code == 303
    (item,) = NewsQueue(settings).list()
    assert r.headers["location"] == f"/news/{item.id}"
    assert item.priority == "high" and item.stations == ("ia-hru",) and item.status == "queued"
    assert item.category == "y tế"
    assert "Lịch tiêm chủng" in client.get("/news").text


def test_flash_after_save(editor):
    client, token = editor
    r = _post(client, token, "/news", title="Tin", body="Nội dung.", action="queue")
    page = client.get(r.headers["location"])
    assert "Đã lưu tin số" in page.text


def test_draft_then_approve_then_archive(editor, settings):
    client, token = editor
    _post(client, token, "/news", title="Nháp", body="Nội dung.", action="draft")
    (item,) = NewsQueue(settings).list()
    assert item.status == "draft"
    _post(client, token, f"/news/{item.id}/status", action="approve")
    assert NewsQueue(settings).get(item.id).status == "queued"
    _post(client, token, f"/news/{item.id}/status", action="archive")
    assert NewsQueue(settings).get(item.id).status == "archived"


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"title": "", "body": "Nội dung."}, "title", "Thiếu tiêu đề"),
    ({"title": "Tin", "body": ""}, "body", "Thiếu nội dung"),
    ({"title": "Tin", "body": "x" * 5001}, "body", "quá giới hạn 5000"),
    ({"title": "Tin", "body": "Nội dung.", "priority": "siêu gấp"}, "priority", "không hợp lệ"),
    ({"title": "Tin", "body": "Nội dung.", "valid_from": "31/02/2026"}, "valid_from",
     "không tồn tại"),
    ({"title": "Tin", "body": "Nội dung.", "valid_from": "2026-12-05",
      "valid_until": "2026-12-01"}, "valid_until", "trước"),
    ({"title": "Tin", "body": "Nội dung.", "stations": "khong-co"}, "stations",
     "không có đài"),
])
def test_errors_are_shown_next_to_their_field_and_input_is_kept(editor, settings, fields,
                                                                field, words):
    client, token = editor
    data = {"category": "thời tiết", "action": "queue", **fields}
    r = _post(client, token, "/news", **data)
    assert r.status_code == 400
    errors = re.findall(r'<p class="field-error"[^>]*>([^<]*)</p>', r.text)
    assert len(errors) == 1 and words in errors[0], errors
    # The error sits right after its own field.
    field_pos = r.text.index(f'name="{field}"')
    error_pos = r.text.index('class="field-error"')
    assert field_pos < error_pos
    assert r.text.rfind('name="', 0, error_pos) == r.text.rfind(f'name="{field}"', 0, error_pos) \
        or field == "stations"
    # What was typed is kept.
    assert 'value="thời tiết"' in r.text
    if fields.get("title"):
        assert f'value="{fields["title"]}"' in r.text
    if fields.get("body"):
        assert fields["body"][:50] in r.text
    assert NewsQueue(settings).list() == []


def test_template_code_in_text_is_plain_data(editor, settings):
    client, token = editor
    body = "{{ 7*7 }} {% for x in range(3) %}x{% endfor %} <script>alert(1)</script>"
    r = _post(client, token, "/news", title="{{ 7*7 }}", body=body, action="queue")
    (item,) = NewsQueue(settings).list()
    assert item.body == body
    for page in (client.get(r.headers["location"]), client.get("/news")):
        assert "{{ 7*7 }}" in page.text
        assert ">49<" not in page.text and "xxx" not in page.text
        assert "<script>alert(1)</script>" not in page.text


def test_edit_item(editor, settings):
    client, token = editor
    item = NewsQueue(settings).add({"title": "Cũ", "body": "Nội dung cũ."})
    page = client.get(f"/news/{item.id}")
    assert 'value="Cũ"' in page.text
    r = _post(client, token, f"/news/{item.id}", title="Mới", body="Nội dung mới.",
              priority="urgent", action="save")
    assert r.status_code == 303
    assert NewsQueue(settings).get(item.id).title == "Mới"
    assert NewsQueue(settings).get(item.id).priority == "urgent"


def test_missing_item_is_a_vietnamese_error(editor):
    client, _ = editor
    r = client.get("/news/999")
    assert r.status_code == 404 and "Không có tin số 999" in r.text


def test_emergency_items_are_marked(editor, settings):
    client, _ = editor
    NewsQueue(settings).add({"title": "Bão số 9", "body": "Khẩn cấp.", "priority": "urgent"})
    NewsQueue(settings).add({"title": "Họp dân", "body": "Bình thường."})
    page = client.get("/news").text
    assert "KHẨN CẤP" in page
    assert page.index("Bão số 9") < page.index("Họp dân")
    assert 'class="item urgent' in page


def test_filters(editor, settings):
    client, _ = editor
    q = NewsQueue(settings)
    q.add({"title": "Tin Ia Hrú", "body": "a", "stations": "ia-hru", "category": "y tế"})
    q.add({"title": "Tin Chư A Thai", "body": "b", "stations": "chu-a-thai",
           "category": "nông nghiệp", "priority": "low"})
    q.add({"title": "Tin nháp", "body": "c"}, status="draft")
    page = client.get("/news?station=chu-a-thai").text
    assert "Tin Chư A Thai" in page and "Tin Ia Hrú" not in page
    page = client.get("/news?category=y tế").text
    assert "Tin Ia Hrú" in page and "Tin Chư A Thai" not in page
    page = client.get("/news?status=draft").text
    assert "Tin nháp" in page and "Tin Ia Hrú" not in page
    page = client.get("/news?priority=low").text
    assert "Tin Chư A Thai" in page and "Tin nháp" not in page
    assert client.get("/news?status=<b>").status_code == 200


def test_import_file(editor, settings):
    client, token = editor
    rows = [{"title": "Một", "body": "Nội dung một."}, {"title": "Hai", "body": "Nội dung hai."}]
    r = client.post("/news-import", data={"csrf": token},
                    files={"file": ("tin.json", json.dumps(rows), "application/json")},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "Đã nhập 2 tin từ «tin.json»" in client.get("/news").text
    assert len(NewsQueue(settings).list()) == 2


def test_import_error_names_the_row(editor, settings):
    client, token = editor
    csv = "title,body\nMột,Nội dung\nHai,\n"
    client.post("/news-import", data={"csrf": token},
                files={"file": ("tin.csv", csv.encode(), "text/csv")}, follow_redirects=False)
    page = client.get("/news").text
    assert "Không nhập được: Dòng 3 của tin.csv" in page
    assert NewsQueue(settings).list() == []


def test_upload_too_large_is_refused_clearly(editor, settings):
    client, token = editor
    big = b"x" * (settings.web.max_upload_bytes + 10)
    r = client.post("/news-import", data={"csrf": token},
                    files={"file": ("to.json", big, "application/json")})
    assert r.status_code == 413
    assert "quá lớn" in r.text


def test_lexicon_add(editor, settings):
    client, token = editor
    r = _post(client, token, "/lexicon", word="HTX", spoken="hợp tác xã", back="/news/new")
    assert r.status_code == 303 and r.headers["location"] == "/news/new"
    assert settings.lexicon_path.read_text("utf-8") == "HTX\thợp tác xã\n"
    _post(client, token, "/lexicon", word="bad\tword", spoken="x")
    assert settings.lexicon_path.read_text("utf-8") == "HTX\thợp tác xã\n"
