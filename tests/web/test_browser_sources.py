"""In a real Chromium: paste an article link, shorten it beside the original, approve it."""

from __future__ import annotations

import pytest

from bulletins.news import NewsQueue
from bulletins.sources.store import original_body
from tests.sources.conftest import DATA, site  # noqa: F401 - the loopback HTTP fixture

from .test_browser import SIZES, Shots, _login, chromium, server  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_article_link_to_shortened_approved_item(chromium, server, site, users, settings):  # noqa: ANN001, F811
    url = site.add("/tin.html", (DATA / "cong_chupah_tiem_vac_xin.html").read_bytes())
    shots = Shots()
    ctx = chromium.new_context(viewport=SIZES["laptop"], locale="vi-VN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    _login(page, server, users["editor"])
    page.goto(f"{server}/news")
    page.click("text=Nhập từ Word, bài báo")
    page.wait_for_url(f"{server}/sources")
    page.fill("#url", url)
    page.check("form[action='/sources/fetch'] input[name=draft]")
    shots.take(page, "20-sources-laptop")
    page.click("form[action='/sources/fetch'] button[type=submit]")
    page.wait_for_url(f"{server}/news/*")
    assert "bản nháp chờ duyệt" in page.inner_text(".flash")
    (item,) = NewsQueue(settings).list()

    page.click("text=Rút gọn")
    page.wait_for_url(f"{server}/news/{item.id}/shorten")
    page.fill("input[name=seconds]", "15")
    page.click("text=Đề xuất lại")
    page.wait_for_url(f"{server}/news/{item.id}/shorten?seconds=15")
    assert "Trẻ đang sốt" in page.inner_text("#original")
    proposal = page.input_value("#body")
    assert proposal.startswith("Từ ngày 25-11") and "Trẻ đang sốt" not in proposal
    shots.take(page, "21-shorten-laptop")
    page.click("text=Lưu bản rút gọn")
    page.wait_for_url(f"{server}/news/{item.id}")
    assert NewsQueue(settings).get(item.id).body == proposal.strip()
    assert "Trẻ đang sốt" in original_body(settings, item.id)

    page.goto(f"{server}/sources")
    page.click(f"#draft-{item.id} button[value=approve]")
    page.wait_for_load_state()
    assert NewsQueue(settings).get(item.id).status == "queued"
    assert errors == []
    ctx.close()
