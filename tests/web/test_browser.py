"""End to end in a real headless Chromium (Debian's package, driven by Playwright).

Log in, add an item and see its reading time and spoken form as it is typed, build the
bulletin, play it and download the MP3. Screenshots of every page at a laptop and a phone
width go to $BULLETINS_SCREENSHOTS when it is set.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tests.helpers import free_port

from .conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--lang=vi-VN", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        "--autoplay-policy=no-user-gesture-required"]
SIZES = {"laptop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: CI must `apt-get install -y chromium`")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def server(settings, users):
    """The app served by a real uvicorn on a free local port, which is its `[web] base_url`
    (feed links come from the configuration, never from the request)."""
    from dataclasses import replace

    import uvicorn

    from bulletins.web import create_app

    port = free_port()
    app = create_app(replace(settings, web=replace(settings.web,
                                                   base_url=f"http://127.0.0.1:{port}")))
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


class Shots:
    def __init__(self) -> None:
        raw = os.environ.get("BULLETINS_SCREENSHOTS")
        self.dir = Path(raw) if raw else None
        if self.dir:
            self.dir.mkdir(parents=True, exist_ok=True)

    def take(self, page, name: str) -> None:
        if self.dir:
            page.screenshot(path=str(self.dir / f"{name}.png"), full_page=True)


def _needs_pipeline() -> None:
    for stage in ("normalize", "synth", "master", "publish"):
        pytest.importorskip(f"bulletins.{stage}", reason=f"bulletins.{stage} not merged yet")


def _login(page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_editor_from_login_to_downloaded_bulletin(chromium, server, users, settings, tmp_path):
    _needs_pipeline()
    from bulletins.news import NewsQueue

    shots = Shots()
    ctx = chromium.new_context(viewport=SIZES["laptop"], accept_downloads=True, locale="vi-VN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{server}/news")
    assert page.url.startswith(f"{server}/login")
    shots.take(page, "01-login-laptop")
    page.fill("#name", users["editor"])
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text("#login-error")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/news")

    # Add an item; the reading time and spoken form follow the typing.
    page.click("text=Thêm tin")
    page.fill("#title", "Lịch tiêm chủng tháng 11")
    page.fill("#body", "")
    page.type("#body", "UBND xã thông báo: ngày 25/11 trạm y tế tiêm vắc xin cho trẻ. "
              "Liên hệ QXZT để biết thêm.", delay=5)
    page.wait_for_function(
        "() => document.getElementById('estimate').textContent.trim() !== '–'", timeout=15000)
    page.wait_for_function(
        "() => document.getElementById('spoken').textContent.includes('Ủy ban nhân dân')",
        timeout=15000)
    spoken = page.inner_text("#spoken")
    assert "hai mươi lăm tháng mười một" in spoken
    assert page.locator("#spoken mark.unknown").count() == 1  # QXZT, spelled out
    assert page.locator("#unknown-list mark", has_text="QXZT").count() == 1
    estimate = page.inner_text("#estimate")
    minutes, seconds = (int(x) for x in estimate.split(":"))
    assert 3 <= minutes * 60 + seconds <= 60, estimate
    shots.take(page, "02-news-form-laptop")
    page.select_option("#priority", "urgent")
    page.click("button[value=queue]")
    page.wait_for_url(f"{server}/news/*")
    assert "Đã lưu tin số" in page.inner_text(".flash")
    (item,) = NewsQueue(settings).list()
    assert item.priority == "urgent" and item.title == "Lịch tiêm chủng tháng 11"
    # Without typing, the saved page shows the spoken form too (no JS needed for it).
    assert "Ủy ban nhân dân" in page.inner_text("#spoken")
    page.goto(f"{server}/news")
    assert "KHẨN CẤP" in page.inner_text(f"#item-{item.id}")
    shots.take(page, "03-news-list-laptop")

    # Preview and build.
    page.goto(f"{server}/preview?station=ia-hru&day=2026-11-25&slot=sang")
    assert "Lịch tiêm chủng tháng 11" in page.inner_text(".plan")
    shots.take(page, "04-preview-laptop")
    page.click("#build-btn")
    page.wait_for_url(f"{server}/bulletins/ia-hru/2026-11-25/sang", timeout=240_000)
    assert "Đã dựng xong bản tin" in page.inner_text(".flash")

    # Play.
    page.wait_for_function(
        "() => document.getElementById('player').readyState >= 1",
                           timeout=15000)
    duration = page.evaluate("document.getElementById('player').duration")
    assert duration > 20
    page.evaluate("document.getElementById('player').play()")
    page.wait_for_function(
        "() => document.getElementById('player').currentTime > 0.3",
                           timeout=15000)
    assert page.locator("svg.timeline rect.seg-item").count() >= 1
    shots.take(page, "05-bulletin-laptop")

    # Download.
    with page.expect_download() as dl:
        page.click("#download-mp3")
    target = tmp_path / "tai-ve.mp3"
    dl.value.save_as(target)
    published = settings.audio_out / "ia-hru" / "2026-11-25" / "sang.mp3"
    assert target.read_bytes() == published.read_bytes()
    import miniaudio

    decoded = miniaudio.mp3_read_s16(target.read_bytes())
    assert decoded.num_frames / decoded.sample_rate == pytest.approx(duration, abs=0.5)
    assert not errors, errors
    ctx.close()


def test_operator_feed_reader_receives_the_bulletin(server, users, settings):
    """After a build, the operator's feed reader sees it and its enclosure downloads."""
    _needs_pipeline()
    import feedparser
    import httpx

    from bulletins.models import BuildRequest
    from bulletins.news import NewsQueue
    from bulletins.pipeline import build_bulletin

    NewsQueue(settings).add({"title": "Họp dân", "body": "Tối nay họp dân tại nhà văn hóa."})
    build_bulletin(settings, BuildRequest("ia-hru", None, "sang"))
    feed = feedparser.parse(httpx.get(f"{server}/feeds/ia-hru.xml").content)
    assert not feed.bozo
    (entry,) = feed.entries
    enc = entry.enclosures[0]
    mp3 = httpx.get(enc.href)
    assert mp3.status_code == 200 and len(mp3.content) == int(enc.length)
    assert mp3.headers["content-type"] == "audio/mpeg"


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_pages_look_tidy(chromium, server, users, settings, published, size):
    """Every page renders without horizontal scrolling or script errors; screenshots."""
    from bulletins.news import NewsQueue

    q = NewsQueue(settings)
    q.add({"title": "Bão số 9 đổ bộ", "body": "UBND huyện yêu cầu các xã chằng chống nhà cửa.",
           "priority": "urgent", "category": "thời tiết"})
    q.add({"title": "Lịch họp dân thôn Plei Ngol", "body": "Tối thứ Sáu họp dân.",
           "category": "thông báo"})
    q.add({"title": "Hướng dẫn chăm sóc cà phê mùa khô", "body": "Nội dung.",
           "priority": "low", "category": "nông nghiệp"}, status="draft")
    shots = Shots()
    ctx = chromium.new_context(viewport=SIZES[size], locale="vi-VN",
                               is_mobile=size == "phone", has_touch=size == "phone")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/login")
    shots.take(page, f"login-{size}")
    _login(page, server, users["admin"])
    pages = {
        "news": "/news", "news-new": "/news/new", "news-edit": "/news/1",
        "preview": "/preview?station=ia-hru&day=2026-11-25&slot=sang",
        "bulletins": "/bulletins", "bulletin": "/bulletins/ia-hru/2026-11-25/sang",
        "users": "/users", "stations": "/stations", "missing": "/khong-co",
    }
    for name, path in pages.items():
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 1, f"{name} scrolls sideways by {overflow}px at {size}"
        assert page.evaluate("document.documentElement.lang") == "vi"
        shots.take(page, f"{name}-{size}")
    assert not errors, errors
    ctx.close()
