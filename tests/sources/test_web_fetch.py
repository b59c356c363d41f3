"""Web articles: saved pages read offline, the same pages fetched over loopback HTTP."""

from __future__ import annotations

import pytest

from bulletins.cli import main
from bulletins.errors import QueueError
from bulletins.news import NewsQueue
from bulletins.sources.web import read_article

from .conftest import DATA, free_port

GIALAI = DATA / "bao_gialai_hoc_tap_lam_theo_bac.html"
CHUPAH = DATA / "cong_chupah_tiem_vac_xin.html"


def test_saved_newspaper_page_gives_title_and_clean_body() -> None:
    piece = read_article(str(GIALAI))
    assert piece.title == "Gia Lai: Chuyển biến tích cực trong học tập và làm theo Bác"
    assert piece.body.startswith("Việc học tập và làm theo tư tưởng")  # "(GLO)-" gone
    assert "“Bản tin 10 phút” ở huyện Phú Thiện" in piece.body
    for furniture in ("Ảnh: Phan Lài", "Phản hồi", "Các tin khác", "Mới nhất", "Chia sẻ",
                      "Thời sự", "Giấy phép", "PHAN LÀI", "Từ khóa", "Giá cà phê"):
        assert furniture not in piece.body, furniture
    assert piece.source_ref.startswith("https://baogialai.com.vn/")  # where it was saved from


def test_portal_page_drops_date_label_caption_and_related_news() -> None:
    piece = read_article(str(CHUPAH))
    assert piece.title == "Ia Hrú: Tiêm vắc xin sởi cho 1.200 trẻ em"
    assert piece.body.startswith("Từ ngày 25-11 đến ngày 30-11-2026")
    assert "Ngày đăng" not in piece.body and "Ảnh:" not in piece.body
    assert "Tin liên quan" not in piece.body and "Ia Ka" not in piece.body


def test_fetch_over_http_queues_the_article_once(site, settings, capsys) -> None:  # noqa: ANN001
    url = site.add("/tin/tiem-vac-xin.html", CHUPAH.read_bytes())
    main(["news", "fetch", url])
    assert "Đã thêm tin số 1: Ia Hrú: Tiêm vắc xin sởi" in capsys.readouterr().out
    main(["news", "fetch", url])
    assert "đã được nhập trước đây (tin số 1)" in capsys.readouterr().err
    (item,) = NewsQueue(settings).list()
    assert item.status == "queued" and "1.200 trẻ em" in item.body


def test_fetch_as_draft(site, settings) -> None:  # noqa: ANN001
    url = site.add("/a.html", GIALAI.read_bytes())
    main(["news", "fetch", "--draft", url])
    (item,) = NewsQueue(settings).list()
    assert item.status == "draft"


def test_offline_is_a_clear_vietnamese_message(capsys) -> None:  # noqa: ANN001
    url = f"http://127.0.0.1:{free_port()}/bai.html"  # nobody listens: like no network
    with pytest.raises(SystemExit) as done:
        main(["news", "fetch", url])
    assert done.value.code == 1
    err = capsys.readouterr().err
    assert "không có mạng" in err and "tệp .html" in err and "Traceback" not in err


def test_slow_page_times_out_quickly(site) -> None:  # noqa: ANN001
    url = site.add("/slow", "<html></html>")
    with pytest.raises(QueueError, match="không trả lời sau 1 giây"):
        read_article(url, timeout=1)


def test_missing_page_and_non_article(site) -> None:  # noqa: ANN001
    with pytest.raises(QueueError, match="trả lỗi 404"):
        read_article(site.base + "/khong-co.html")
    url = site.add("/trang-chu", "<html><body><nav><a href='/'>Trang chủ</a></nav></body></html>")
    with pytest.raises(QueueError, match="Không tìm thấy bài viết"):
        read_article(url)


def test_an_article_over_the_length_limit_comes_in_cut_with_the_full_text_kept(
        home, capsys) -> None:  # noqa: ANN001
    from bulletins.config import load_settings
    from bulletins.sources.store import original_body

    (home / "bulletins.toml").write_text("[web]\nmax_body_chars = 3000\n", encoding="utf-8")
    main(["news", "fetch", str(GIALAI)])
    assert "quá giới hạn 3000" in capsys.readouterr().err
    settings = load_settings(home)
    (item,) = NewsQueue(settings).list()
    full = original_body(settings, item.id)
    assert len(item.body) <= 3000 and full is not None and len(full) > 6000
    assert full.startswith(item.body)
