"""Feeds: RSS/Atom polled over loopback HTTP; new articles are drafts, never queued twice."""

from __future__ import annotations

from bulletins.cli import main
from bulletins.config import load_settings
from bulletins.news import NewsQueue

from .conftest import DATA

RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Cổng thông tin huyện Chư Păh</title><link>{base}/</link>
<item><title>Ia Hrú: Tiêm vắc xin sởi cho 1.200 trẻ em</title><link>{base}/tin/1.html</link>
<guid isPermaLink="false">chupah-1</guid><description>Tóm tắt ngắn.</description></item>
<item><title>Gia Lai: Chuyển biến tích cực trong học tập và làm theo Bác</title>
<link>{base}/tin/2.html</link><guid>{base}/tin/2.html</guid></item>
<item><title>Lịch cắt điện thôn Plei Ring</title><link>{base}/tin/mat.html</link>
<description><![CDATA[<p>Ngày 28-11, điện lực cắt điện thôn Plei Ring từ 7 giờ đến 11 giờ
để sửa chữa đường dây.</p><p>Ảnh: Điện lực</p>]]></description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Báo Gia Lai</title><id>urn:glo</id>
<updated>2026-11-24T08:00:00Z</updated>
<entry><title>Gia Lai: Chuyển biến tích cực trong học tập và làm theo Bác</title>
<id>urn:glo:123456</id><link href="{base}/glo/123456.html"/>
<updated>2026-11-24T08:00:00Z</updated></entry></feed>"""


def configure(home, site) -> None:  # noqa: ANN001
    site.add("/tin/1.html", (DATA / "cong_chupah_tiem_vac_xin.html").read_bytes())
    site.add("/tin/2.html", (DATA / "bao_gialai_hoc_tap_lam_theo_bac.html").read_bytes())
    site.add("/glo/123456.html", (DATA / "bao_gialai_hoc_tap_lam_theo_bac.html").read_bytes())
    site.add("/rss.xml", RSS.format(base=site.base), "application/rss+xml")
    site.add("/atom.xml", ATOM.format(base=site.base), "application/atom+xml")
    (home / "bulletins.toml").write_text(f"""
[[sources]]
url = "{site.base}/rss.xml"
category = "thời sự huyện"

[[sources]]
url = "{site.base}/atom.xml"
category = "báo tỉnh"
priority = "low"
""", encoding="utf-8")


def test_feed_polled_twice_queues_each_article_once_as_drafts(home, site, capsys) -> None:  # noqa: ANN001
    configure(home, site)
    main(["news", "poll"])
    out = capsys.readouterr().out
    assert "3 bài mới" in out
    settings = load_settings(home)
    items = NewsQueue(settings).list()
    assert len(items) == 3 and {i.status for i in items} == {"draft"}  # never straight to air
    by_title = {i.title: i for i in items}
    vaccine = by_title["Ia Hrú: Tiêm vắc xin sởi cho 1.200 trẻ em"]
    assert vaccine.category == "thời sự huyện"
    assert "4 điểm" in vaccine.body and "Tin liên quan" not in vaccine.body  # the page, cleaned
    power = by_title["Lịch cắt điện thôn Plei Ring"]  # page missing: the entry's own text
    assert power.body.startswith("Ngày 28-11, điện lực cắt điện") and "Ảnh" not in power.body
    # The Atom feed carries the same newspaper article under another address: same text, skipped.
    assert sum(1 for i in items if i.title.startswith("Gia Lai: Chuyển biến")) == 1
    pages_fetched = site.hits.get("/tin/1.html", 0)

    main(["news", "poll"])
    assert "0 bài mới" in capsys.readouterr().out
    assert len(NewsQueue(settings).list()) == 3
    assert site.hits.get("/tin/1.html", 0) == pages_fetched  # known links are not refetched
    assert NewsQueue(settings).candidates("ia-hru", items[0].created_at.date()) == []


def test_approve_puts_a_draft_on_air_and_an_aired_article_is_not_polled_again(
        home, site, capsys) -> None:  # noqa: ANN001
    configure(home, site)
    main(["news", "poll"])
    settings = load_settings(home)
    queue = NewsQueue(settings)
    first = queue.list()[0]
    main(["news", "approve", str(first.id)])
    assert f"Đã duyệt tin số {first.id}" in capsys.readouterr().out
    assert queue.get(first.id).status == "queued"
    queue.set_status(first.id, "aired")
    main(["news", "poll"])
    assert "0 bài mới" in capsys.readouterr().out
    import pytest

    with pytest.raises(SystemExit):
        main(["news", "approve", str(first.id)])
    assert "không phải bản nháp" in capsys.readouterr().err


def test_a_dead_feed_is_reported_and_the_others_still_polled(home, site, capsys) -> None:  # noqa: ANN001
    configure(home, site)
    text = (home / "bulletins.toml").read_text(encoding="utf-8")
    (home / "bulletins.toml").write_text(
        f'[[sources]]\nurl = "{site.base}/mat-roi.xml"\n' + text, encoding="utf-8")
    main(["news", "poll"])
    cap = capsys.readouterr()
    assert "mat-roi.xml" in cap.err and "404" in cap.err
    assert "3 bài mới" in cap.out


def test_an_archived_article_under_a_new_link_does_not_come_back(home, site, capsys) -> None:  # noqa: ANN001
    configure(home, site)
    main(["news", "poll"])
    settings = load_settings(home)
    queue = NewsQueue(settings)
    vaccine = next(i for i in queue.list() if i.title.startswith("Ia Hrú"))
    queue.set_status(vaccine.id, "archived")  # the editor did not want it
    # The portal republishes it under a new address and guid.
    site.add("/tin/1-cap-nhat.html", (DATA / "cong_chupah_tiem_vac_xin.html").read_bytes())
    rss = RSS.format(base=site.base).replace("/tin/1.html", "/tin/1-cap-nhat.html").replace(
        "chupah-1", "chupah-1b")
    site.add("/rss.xml", rss, "application/rss+xml")
    main(["news", "poll"])
    assert "0 bài mới" in capsys.readouterr().out
