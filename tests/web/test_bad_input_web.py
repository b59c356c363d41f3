"""The bad-input corpus through the web form and the import page: the same answers as the CLI."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete

from bulletins.config import load_settings
from bulletins.db import NewsItem, session_factory
from bulletins.news import NewsQueue
from bulletins.web import create_app
from bulletins.web.security import add_user
from tests.bad_input_corpus import FILE_CASES, ITEM_CASES, FileCase, ItemCase
from tests.web.conftest import CONFIG, PASSWORD, csrf_of, login

# A browser always sends UTF-8: no raw bytes on the web.
WEB_ITEMS = [c for c in ITEM_CASES if c.body_bytes is None and not c.cli_only]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One app and one signed-in editor for the whole corpus (a login per case is slow)."""
    home = tmp_path_factory.mktemp("corpus")
    (home / "bulletins.toml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(home)
    add_user(settings, "bien", "editor", PASSWORD)
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        assert login(client, "bien").status_code == 303
        yield client, csrf_of(client.get("/news").text), settings


@pytest.fixture
def editor(site):
    client, token, settings = site
    with session_factory(settings.db_url).begin() as s:  # each case starts from an empty queue
        s.execute(delete(NewsItem))
    client.get("/news")  # drop flashes left by the previous case
    return client, token


@pytest.fixture
def settings(site):
    return site[2]


def _text(page) -> str:
    return html.unescape(page.text)


@pytest.mark.parametrize("case", WEB_ITEMS, ids=lambda c: c.id)
def test_item_form(case: ItemCase, editor, settings):
    client, token = editor
    data = {"csrf": token, "action": "queue", "priority": "normal", **case.fields}
    r = client.post("/news", data=data, follow_redirects=False)
    assert "Traceback" not in r.text
    if case.error:
        assert r.status_code == 400
        assert case.error.lower() in _text(r).lower()
        assert NewsQueue(settings).list() == []
        return
    assert r.status_code == 303, _text(r)[:2000]
    (item,) = NewsQueue(settings).list()
    assert (item.title, item.body) == (case.title, case.body)
    page = _text(client.get(r.headers["location"]))
    if case.warning:
        assert case.warning in page
    else:
        assert "flash-warning" not in page


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.id)
def test_import_page(case: FileCase, editor, settings):
    client, token = editor
    limit = settings.web.max_upload_bytes
    r = client.post("/news-import", data={"csrf": token},
                    files={"file": (case.name, case.data, "application/octet-stream")},
                    follow_redirects=False)
    if len(case.data) > limit:
        assert r.status_code == 413 and "quá lớn" in r.text
        return
    assert r.status_code == 303
    page = _text(client.get("/news"))
    assert "Traceback" not in page
    if not case.data:
        assert "Hãy chọn một tệp" in page
        return
    if case.error:
        expected = case.error.replace("20000", str(settings.web.max_body_chars))
        assert "Không nhập được" in page and expected.lower() in page.lower()
        assert NewsQueue(settings).list() == []
        return
    assert f"Đã nhập {len(case.titles)} tin" in page
    assert sorted(i.title for i in NewsQueue(settings).list()) == sorted(case.titles)
    if case.warning:
        assert case.warning in page


def test_editing_an_item_with_a_legacy_paste_converts_and_warns(editor, settings):
    from tests.legacy_bytes import as_latin1, tcvn3_bytes

    client, token = editor
    item = NewsQueue(settings).add({"title": "Tin", "body": "Nội dung cũ."})
    r = client.post(f"/news/{item.id}", data={
        "csrf": token, "action": "save", "priority": "normal", "title": "Tin",
        "body": as_latin1(tcvn3_bytes("Tối nay họp dân tại nhà văn hóa thôn."))},
        follow_redirects=False)
    assert r.status_code == 303
    assert NewsQueue(settings).get(item.id).body == "Tối nay họp dân tại nhà văn hóa thôn."
    assert "đã được chuyển sang Unicode" in _text(client.get(r.headers["location"]))
