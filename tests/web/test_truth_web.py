"""Issue 8 through real HTTP to a running app (uvicorn on a local port): web and API builds
leave items queued, the page asks before replacing, "đã phát" marks once, the feed's guid
follows the content, and the preview is exactly what a build then chooses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from bulletins.config import load_settings
from bulletins.news import NewsQueue
from bulletins.web.security import add_user, create_token
from tests.helpers import serving

PASSWORD = "mat-khau-123"
DAY = "2026-11-25"
CONFIG = """
[[stations]]
id = "xa-a"
name = "Đài xã A"
engine = "espeak"
[[stations.slots]]
name = "sang"
time = "06:00"
length_s = 75
[[stations.slots]]
name = "chieu"
time = "17:00"
length_s = 120
"""
BODY = "Xã tổ chức tiêm phòng cho trẻ em vào sáng thứ hai tại trạm y tế."


@pytest.fixture
def live(home):
    (home / "bulletins.toml").write_text(CONFIG, encoding="utf-8")
    settings = load_settings(home)
    add_user(settings, "bien", "editor", PASSWORD)
    add_user(settings, "vanhanh", "operator", PASSWORD)
    with serving(settings) as base:
        yield settings, base


def _api(settings, base: str, user: str) -> httpx.Client:
    token = create_token(settings, user, "thử")
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                        timeout=300)


def _browser(base: str, user: str) -> tuple[httpx.Client, str]:
    c = httpx.Client(base_url=base, timeout=300)
    page = c.get("/login").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    r = c.post("/login", data={"name": user, "password": PASSWORD, "csrf": csrf})
    assert r.status_code in (200, 303)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', c.get("/preview").text).group(1)
    return c, csrf


def _guids(c: httpx.Client) -> list[str]:
    root = ET.fromstring(c.get("/feeds/xa-a.xml").content)
    return [g.text for g in root.iter("guid")]


@pytest.mark.slow
def test_web_and_api_builds_leave_items_queued_and_airing_comes_from_the_log(live):
    settings, base = live
    editor = _api(settings, base, "bien")
    ids = [editor.post("/api/news", json={"title": f"Tin {n}", "body": BODY}).json()["id"]
           for n in range(2)]

    operator = _api(settings, base, "vanhanh")
    r = editor.post("/api/build", json={"station": "xa-a", "day": DAY, "slot": "sang"})
    assert r.status_code == 200, r.text
    assert set(r.json()["manifest"]["items"]) == set(ids)
    q = NewsQueue(settings)
    assert all(q.get(i).status == "queued" and q.get(i).air_count == 0 for i in ids)
    guid_1 = _guids(operator)

    web, csrf = _browser(base, "bien")
    form = {"csrf": csrf, "station": "xa-a", "day": DAY, "slot": "sang"}
    # The slot holds a bulletin: the page asks first and builds nothing.
    asked = web.post("/preview/build", data=form)
    assert asked.status_code == 409 and "Bạn có chắc muốn thay thế" in asked.text
    assert not (settings.audio_out / "xa-a" / DAY / "archive").exists()
    # Confirmed: rebuilt with the same queue, so the same content and the same guid.
    done = web.post("/preview/build", data={**form, "replace": "1"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    assert all(q.get(i).status == "queued" and q.get(i).air_count == 0 for i in ids)
    assert _guids(operator) == guid_1, "identical content is not a new episode"

    # The operator logs "đã phát" twice: the items aired once.
    web, csrf = _browser(base, "vanhanh")
    page = f"/bulletins/xa-a/{DAY}/sang"
    for _ in range(2):
        r = web.post(page + "/log", data={"csrf": csrf, "outcome": "aired", "note": ""},
                     follow_redirects=False)
        assert r.status_code == 303
    assert all(q.get(i).status == "aired" and q.get(i).air_count == 1 for i in ids)
    # A bulletin that does not exist cannot be logged as played.
    r = web.post("/bulletins/xa-a/2026-11-26/sang/log",
                 data={"csrf": csrf, "outcome": "aired", "note": ""}, follow_redirects=False)
    assert r.status_code == 404
    r = operator.post("/api/log", json={"station": "xa-a", "slot": "sang",
                                        "day": "2026-11-26", "outcome": "aired"})
    assert r.status_code >= 400 and "Không có bản tin" in r.text


@pytest.mark.slow
def test_preview_equals_build_on_a_queue_of_22_items(live):
    settings, base = live
    editor = _api(settings, base, "bien")
    prios = ["normal", "high", "low", "normal"]
    for n in range(22):
        body = BODY if n % 3 else BODY + " Bà con mang theo sổ tiêm chủng và giấy tờ tùy thân."
        r = editor.post("/api/news", json={"title": f"Tin thứ {n + 1}", "body": body,
                                           "priority": prios[n % 4]})
        assert r.status_code == 201, r.text
    operator = _api(settings, base, "bien")
    p = operator.get("/api/preview", params={"station": "xa-a", "day": DAY, "slot": "chieu"})
    assert p.status_code == 200, p.text
    chosen = [i["id"] for i in p.json()["chosen"]]
    deferred = [i["id"] for i in p.json()["deferred"]]
    assert chosen and deferred and len(chosen) + len(deferred) == 22
    b = operator.post("/api/build", json={"station": "xa-a", "day": DAY, "slot": "chieu"})
    assert b.status_code == 200, b.text
    m = b.json()["manifest"]
    assert m["items"] == chosen
    assert sorted(m["deferred"]) == sorted(deferred)
    assert m["duration_s"] <= 120
    # The page shows its figure as an estimate beside the measured length.
    web, _csrf = _browser(base, "bien")
    assert "ước tính" in web.get(f"/bulletins/xa-a/{DAY}/chieu").text
    assert "ước tính" in web.get("/preview", params={"station": "xa-a", "day": DAY,
                                                     "slot": "chieu"}).text


@pytest.mark.slow
def test_empty_queue_warns_on_the_preview_and_after_a_web_build(live):
    settings, base = live
    web, csrf = _browser(base, "bien")
    page = web.get("/preview", params={"station": "xa-a", "day": DAY, "slot": "sang"}).text
    assert "Không có tin nào trong hàng đợi" in page
    r = web.post("/preview/build", data={"csrf": csrf, "station": "xa-a", "day": DAY,
                                         "slot": "sang"}, follow_redirects=True)
    assert r.status_code == 200
    assert "Cảnh báo: Không có tin nào" in r.text


def test_urgent_items_that_cannot_fit_are_an_error_on_the_page_and_in_the_api(live):
    from tests.test_truth import URGENT_37S

    settings, base = live
    editor = _api(settings, base, "bien")
    for n in range(2):
        r = editor.post("/api/news", json={"title": f"Khẩn {n}", "body": URGENT_37S,
                                           "priority": "urgent"})
        assert r.status_code == 201
    web, csrf = _browser(base, "bien")
    page = web.get("/preview", params={"station": "xa-a", "day": DAY, "slot": "sang"})
    assert "tin khẩn cộng lại" in page.text
    r = web.post("/preview/build", data={"csrf": csrf, "station": "xa-a", "day": DAY,
                                         "slot": "sang"})
    assert r.status_code == 400 and "tin khẩn cộng lại" in r.text
    r = editor.post("/api/build", json={"station": "xa-a", "day": DAY, "slot": "sang"})
    assert r.status_code == 400 and "tin khẩn" in r.json()["error"]
    assert not (settings.audio_out / "xa-a" / DAY / "sang.mp3").exists()
