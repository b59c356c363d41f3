"""Rule 7: sentence splitting for the speech engines."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bulletins.normalize import split_sentences


def test_split_at_sentence_ends() -> None:
    text = "Bà con chú ý. Trời sắp mưa! Có ai không? Hết…Tin tiếp; tin nữa\nDòng mới"
    assert split_sentences(text) == [
        "Bà con chú ý.", "Trời sắp mưa!", "Có ai không?", "Hết…", "Tin tiếp;", "tin nữa",
        "Dòng mới"]


def test_no_empty_strings() -> None:
    assert split_sentences("") == []
    assert split_sentences(" . \n\n ... ! ") == []


def test_long_sentence_splits_at_commas_first() -> None:
    parts = ["cán bộ đảng viên tham gia đầy đủ"] * 8
    sentence = ", ".join(parts) + "."
    pieces = split_sentences(sentence, max_chars=80)
    assert all(len(p) <= 80 for p in pieces)
    assert all(p.endswith((",", ".")) for p in pieces)
    assert " ".join(pieces) == sentence


def test_long_sentence_without_commas_splits_before_conjunctions() -> None:
    sentence = ("Ủy ban nhân dân xã đề nghị bà con khẩn trương thu hoạch lúa vụ mùa "
                "và chủ động gia cố nhà cửa để phòng tránh bão số ba đang vào gần bờ.")
    pieces = split_sentences(sentence, max_chars=80)
    assert pieces == [
        "Ủy ban nhân dân xã đề nghị bà con khẩn trương thu hoạch lúa vụ mùa",
        "và chủ động gia cố nhà cửa để phòng tránh bão số ba đang vào gần bờ.",
    ]


def test_never_mid_word() -> None:
    sentence = " ".join(["xãhội"] * 60)
    pieces = split_sentences(sentence, max_chars=50)
    assert all(len(p) <= 50 for p in pieces)
    assert " ".join(pieces) == sentence


@given(st.lists(st.sampled_from(["bà", "con", "và", "xã", ",", ".", "để", "thôn", "!"]),
                max_size=200))
def test_split_keeps_every_word(words: list[str]) -> None:
    text = " ".join(words)
    pieces = split_sentences(text, max_chars=40)
    assert all(p and p == p.strip() for p in pieces)
    kept = [w for p in pieces for w in p.replace(",", " ").replace(".", " ").replace(
        "!", " ").split()]
    expected = [w for w in words if w not in (",", ".", "!")]
    assert kept == expected


def test_without_conjunctions_splits_before_a_preposition() -> None:
    sentence = ("Ban Thường vụ Tỉnh ủy ban hành Kế hoạch số bốn mươi sáu của Tỉnh ủy ngày mùng "
                "tám tháng mười năm hai nghìn không trăm hai mươi mốt triển khai thực hiện Chỉ "
                "thị số không năm của Trung ương.")
    pieces = split_sentences(sentence, max_chars=100)
    assert all(len(p) <= 100 for p in pieces)
    assert not any(p.endswith("triển") for p in pieces)
    assert " ".join(pieces) == sentence
