"""Pure parts: page furniture, sentence splitting, near-duplicates, choosing sentences."""

from __future__ import annotations

from pathlib import Path

from bulletins.sources.clean import drop_furniture, similarity, split_written
from bulletins.sources.shorten import content_score, shorten

SEED = Path(__file__).parent / "data" / "seed_gialai_ban_tin_10_phut.txt"  # shared/seeds copy


def words_ms(text: str) -> int:
    """A stand-in reading model for the pure tests: 300 ms a word plus 200 ms a sentence."""
    return 300 * len(text.split()) + 200


def test_furniture_is_dropped_and_the_article_kept() -> None:
    page = (
        "Xã Ia Hrú tổ chức tiêm vắc xin cho 1.200 trẻ em.\n\n"
        "Các đại biểu bấm nút phát động cuộc thi. Ảnh: Phan Lài\n\n"
        "(Ảnh minh họa)\n\n"
        "Chia sẻ\n\nFacebook\n\n"
        "“Chúng tôi sẽ làm tốt hơn”\n\n"
        "Đợt tiêm kéo dài đến ngày 30-11.\n\n"
        "Theo Báo Gia Lai\n\n"
        "NGUYỄN VĂN A\n\n"
        "Phản hồi\n\nCác tin khác\n\nXã bên cạnh khai trương chợ mới.\n"
    )
    out = drop_furniture(page)
    assert out == ("Xã Ia Hrú tổ chức tiêm vắc xin cho 1.200 trẻ em.\n\n"
                   "Đợt tiêm kéo dài đến ngày 30-11.")


def test_sentences_split_but_abbreviations_hold() -> None:
    para = "TP. Pleiku tổ chức hội thi. Năm 2021, tỉnh xuất bản sách (tập 10). Xong!"
    assert split_written(para) == [
        "TP. Pleiku tổ chức hội thi.", "Năm 2021, tỉnh xuất bản sách (tập 10).", "Xong!"]


def test_near_duplicates_survive_retyping_but_not_other_news() -> None:
    a = "Xã Ia Hrú tổ chức tiêm vắc xin sởi cho 1.200 trẻ em từ ngày 25-11 đến 30-11."
    b = "xã Ia Hrú  tổ chức tiêm vắc-xin sởi cho 1.200 trẻ em, từ ngày 25-11 đến 30-11"
    c = "Huyện Phú Thiện khai mạc giải bóng đá thanh niên năm 2026 với 12 đội tham gia."
    assert similarity(a, b) >= 0.8
    assert similarity(a, c) < 0.2


def test_content_counts_facts_not_words() -> None:
    fact = "Ngày 8-10-2021, Tỉnh ủy ban hành Kế hoạch số 46-KH/TU."
    filler = "Đây là việc làm thường xuyên, liên tục, lâu dài và rất có ý nghĩa."
    assert content_score(fact) > content_score(filler)


def test_shorten_keeps_lead_order_and_target() -> None:
    body = (
        "Xã Ia Hrú tổ chức tiêm vắc xin cho 1.200 trẻ em từ ngày 25-11.\n\n"
        "Đây là việc làm rất có ý nghĩa đối với mọi người dân trong toàn xã nhà.\n\n"
        "Trạm y tế xã bố trí 4 điểm tiêm tại các thôn Plei Ring và Plei Bông.\n\n"
        "Mọi người đều vui mừng và phấn khởi khi nghe tin này từ cán bộ xã.\n\n"
        "Đợt tiêm kết thúc ngày 30-11-2026."
    )
    target = 15_000
    p = shorten(body, target, words_ms, pause_ms=250)
    lines = p.text.split("\n\n")
    assert lines[0].startswith("Xã Ia Hrú tổ chức tiêm")  # the lead
    assert "4 điểm tiêm" in p.text and "30-11-2026" in p.text  # the facts
    assert "vui mừng" not in p.text and "rất có ý nghĩa" not in p.text  # the filler
    assert p.estimated_ms <= target and p.fits
    order = [body.index(line) for line in lines]
    assert order == sorted(order)


def test_shorten_leaves_a_fitting_item_alone() -> None:
    body = "Tin ngắn.\n\nChỉ hai câu."
    p = shorten(body, 60_000, words_ms, pause_ms=250)
    assert not p.changed and p.text == body


def test_shorten_with_a_target_below_the_lead_keeps_the_lead_and_says_it_does_not_fit() -> None:
    body = "Một câu mở đầu khá dài gồm rất nhiều chữ để đọc. Câu hai. Câu ba."
    p = shorten(body, 2_000, words_ms, pause_ms=250)
    assert p.text.startswith("Một câu mở đầu") and not p.fits


def test_shorten_drops_subheadings_and_captions_of_the_seed_article() -> None:
    text = SEED.read_text(encoding="utf-8")
    body = text.split("\n", 1)[1]
    p = shorten(body, 90_000, words_ms, pause_ms=250)
    assert "Những kết quả quan trọng" not in p.text
    assert "Ảnh:" not in p.text and "Phản hồi" not in p.text
    assert p.text.startswith("Thực hiện Kết luận số 01-KL/TW")


def test_clip_to_chars_keeps_whole_paragraphs_then_whole_sentences() -> None:
    from bulletins.sources.clean import clip_to_chars

    text = "Đoạn một.\n\nĐoạn hai dài hơn.\n\nĐoạn ba."
    assert clip_to_chars(text, 100) == text
    assert clip_to_chars(text, 30) == "Đoạn một.\n\nĐoạn hai dài hơn."
    assert clip_to_chars("Câu một. Câu hai. Câu ba.", 18) == "Câu một. Câu hai."
