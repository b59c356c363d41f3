"""Bulletin pages: list, player, downloads, timeline, broadcast log; users admin page."""

from __future__ import annotations

from datetime import datetime

from bulletins.db import BroadcastLog, session_factory


def test_list_and_detail(as_role, published):
    client, _ = as_role("operator")
    page = client.get("/bulletins")
    assert page.status_code == 200
    assert "Thứ Tư, 25/11/2026" in page.text
    assert 'src="/audio/ia-hru/2026-11-25/sang.mp3?inline=1"' in page.text
    assert "Nhật ký phát" not in page.text  # no log rows yet: no empty log table
    detail = client.get("/bulletins/ia-hru/2026-11-25/sang")
    assert detail.status_code == 200
    text = detail.text
    assert '<audio id="player" controls' in text
    for ext in ("mp3", "txt", "json"):
        assert f'href="/audio/ia-hru/2026-11-25/sang.{ext}" download' in text
    assert text.count('class="seg seg-') == 4
    assert "Lịch tiêm chủng" in text and "nhạc hiệu" in text
    assert "#2" in text and 'href="/news/2"' not in text  # deferred; operators can't edit news


def test_detail_of_missing_bulletin(as_role):
    client, _ = as_role("operator")
    r = client.get("/bulletins/ia-hru/2026-11-25/sang")
    assert r.status_code == 404 and "Chưa có bản tin này" in r.text
    assert client.get("/bulletins/ia-hru/2026-11-25/..%2F..").status_code == 404
    assert client.get("/bulletins/khong-co/2026-11-25/sang").status_code == 404


def test_broadcast_log_shows_once_it_has_rows(as_role, settings, published):
    with session_factory(settings.db_url).begin() as s:
        s.add(BroadcastLog(station="ia-hru", slot="sang",
                           scheduled_at=datetime(2026, 11, 25, 5, 30),
                           started_at=datetime(2026, 11, 25, 5, 30, 2), outcome="late",
                           error="trễ 2 giây"))
    client, token = as_role("operator")
    page = client.get("/bulletins?station=ia-hru").text
    assert "Nhật ký phát" in page and "phát muộn" in page and "trễ 2 giây" in page
    r = client.post("/bulletins/ia-hru/2026-11-25/sang/log",
                    data={"csrf": token, "outcome": "aired", "note": "đã phát lại"},
                    follow_redirects=False)
    assert r.status_code == 303
    detail = client.get(r.headers["location"]).text
    assert "Đã ghi vào nhật ký phát" in detail and "đã phát lại" in detail


def test_users_page(as_role):
    client, token = as_role("admin")
    r = client.post("/users", data={"csrf": token, "name": "moi", "role": "editor",
                                    "password": "ngan"})
    assert r.status_code == 400
    assert "ít nhất 8 ký tự" in r.text and 'value="moi"' in r.text
    r = client.post("/users", data={"csrf": token, "name": "moi", "role": "editor",
                                    "password": "mat-khau-dai"}, follow_redirects=False)
    assert r.status_code == 303
    assert "moi" in client.get("/users").text
    assert client.get("/stations").status_code == 200


def test_preview_page_without_pipeline_is_a_clear_message(as_role, monkeypatch):
    from bulletins.web import core

    def missing(*_a, **_k):
        raise ImportError("no pipeline")

    monkeypatch.setattr(core, "preview", missing)
    client, _ = as_role("editor")
    page = client.get("/preview?station=ia-hru&day=2026-11-25&slot=sang")
    assert page.status_code == 200
    assert "chưa được cài đặt" in page.text


def test_preview_page_shows_plan(as_role, monkeypatch):
    from types import SimpleNamespace

    from bulletins.web import core

    item = SimpleNamespace(id=7, title="Bão số 9", priority="urgent", category="thời tiết")
    later = SimpleNamespace(id=8, title="Họp dân", priority="low", category="")

    def fake(settings, station, day, slot):
        return SimpleNamespace(chosen=(item,), deferred=(later,), too_long=(),
                               item_estimates_ms={7: 61_000, 8: 30_000}, estimated_ms=450_000,
                               slot_ms=600_000, script=[("Lời chào", "Kính thưa bà con…")])

    monkeypatch.setattr(core, "preview", fake)
    client, _ = as_role("editor")
    page = client.get("/preview?station=ia-hru&day=2026-11-25&slot=sang").text
    assert "Bão số 9" in page and "KHẨN CẤP" in page and "Họp dân" in page
    assert "7:30" in page and "10:00" in page and "(75%)" in page
    assert "Kính thưa bà con…" in page
    assert "Dựng bản tin ngay" in page
