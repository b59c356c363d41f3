"""An editor records a Jrai reading from the microphone in real Chromium (a fake microphone:
Chromium's --use-fake-device-for-media-stream), listens, re-records and saves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_browser import ARGS, CHROMIUM, _login, server  # noqa: F401  (the uvicorn fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_editor_records_a_translation_in_the_browser(server, users, settings):  # noqa: F811
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    from bulletins.news import NewsQueue

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            *ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        ctx = browser.new_context(locale="vi-VN")
        ctx.grant_permissions(["microphone"], origin=server)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        _login(page, server, users["editor"])
        page.goto(f"{server}/news/new")
        page.fill("#title", "Tiêm vắc xin (tiếng Jrai)")
        page.fill("#body", "Sáng thứ bảy trạm y tế xã tiêm vắc xin sởi cho trẻ em.")
        page.fill("#language", "jra")
        for _ in range(2):  # record, listen, then record again
            page.click("#rec-start")
            page.wait_for_selector("#rec-stop:not([disabled])")
            page.wait_for_timeout(2500)
            page.click("#rec-stop")
            page.wait_for_selector("#rec-preview:not([hidden])")
        assert page.eval_on_selector("#audio", "e => e.files.length") == 1
        page.click("button[value=queue]")
        page.wait_for_load_state()
        browser.close()
    assert not errors, errors
    (item,) = NewsQueue(settings).list()
    assert item.language == "jra" and item.audio
    assert 1500 <= item.audio_ms <= 3500, item.audio_ms
