"""Text as editors paste it (issue 14, the pasted-text round): the repairs of form in
bulletins/normalize/pasted.py, checked as properties over the corpus (a sentence pasted
with a PDF line break, a zero-width space or full-width characters reads exactly as the
clean sentence); the eighth fresh set (fresh_dev8.tsv) is a regression set in
test_normalize_corpus.py."""

from __future__ import annotations

import re

import pytest

from bulletins.normalize import to_spoken
from bulletins.normalize.pasted import tidy_pasted
from tests.normalize.test_normalize_corpus import load_corpus

# Single-line corpus sentences with a lowercase word in the middle to break the line before.
CLEAN = [(written, spoken) for _, written, spoken in load_corpus()
         if "\n" not in written and re.search(r"\w \w", written)][::6]


def _break_lines(text: str) -> str:
    """A PDF's line break before every third lowercase word in mid-sentence."""
    out, count = [], 0
    for i, c in enumerate(text):
        if c == " " and i > 0 and text[i - 1].isalnum() and text[i + 1:i + 2].islower():
            count += 1
            if count % 3 == 0:
                out.append("\n")
                continue
        out.append(c)
    return "".join(out)


@pytest.mark.parametrize(("written", "spoken"), CLEAN, ids=[w[:30] for w, _ in CLEAN])
def test_pdf_line_breaks_and_zero_width_spaces_read_as_the_clean_sentence(
        written: str, spoken: str) -> None:
    assert to_spoken(_break_lines(written)) == spoken
    zero_width = re.sub(r"(?<=[^\W\d_]) (?=[^\W\d_])", "\u200b", written, count=2)
    assert to_spoken(zero_width) == spoken


def _wide(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isdigit() or c in "%:" else c
                   for c in text)


@pytest.mark.parametrize(("written", "spoken"), [
    (w, s) for w, s in CLEAN if re.search(r"\d", w)], ids=lambda v: str(v)[:30])
def test_full_width_digits_and_marks_read_as_plain_ones(written: str, spoken: str) -> None:
    assert tidy_pasted(_wide(written)) == written or to_spoken(_wide(written)) == spoken


@pytest.mark.parametrize("degree", ["°C", "oC", " oC", " 0C", "º C", "ºC", " ℃", "˚C"])
def test_every_typed_degree_sign_is_a_degree(degree: str) -> None:
    assert to_spoken(f"Nhiệt độ 25{degree}.") == "Nhiệt độ hai mươi lăm độ xê."


@pytest.mark.parametrize(("written", "spoken"), [
    ("Nhà rộng 80 m^2, bể 5 m^3.", "Nhà rộng tám mươi mét vuông, bể năm mét khối."),
    ("Hộ nghèo → hộ thoát nghèo.", "Hộ nghèo, hộ thoát nghèo."),
    ("Tăng từ 30 → 45 hộ.", "Tăng từ ba mươi đến bốn mươi lăm hộ."),
    ("Nhiệt độ 18 ÷ 25°C.", "Nhiệt độ mười tám đến hai mươi lăm độ xê."),
    ("Kết thúc./.", "Kết thúc."),
    ("Khẩn!!! Bà con đã biết chưa???", "Khẩn! Bà con đã biết chưa?"),
    ("giai đoạn 2021-\n2025", "giai đoạn hai nghìn không trăm hai mươi mốt đến hai nghìn không "
     "trăm hai mươi lăm"),
    # A line that ends a heading or a sentence, or starts a list item, keeps its break.
    ("THÔNG BÁO\nUBND xã họp.", "thông báo\nỦy ban nhân dân xã họp."),
    ("Nội dung:\n2. Các thôn ra quân.", "Nội dung\nHai, Các thôn ra quân."),
])
def test_repairs_of_form(written: str, spoken: str) -> None:
    assert to_spoken(written).casefold() == spoken.casefold()


# Read-back across conventions: the same quantity written the Vietnamese way and the way a
# pasted English-style or chat text writes it is read the same (the class reads the value,
# not the shape).
@pytest.mark.parametrize(("vietnamese", "pasted"), [
    ("Kinh phí 2.350.000 đồng.", "Kinh phí 2,350,000 đồng."),
    ("Giá 118.500 đồng/kg.", "Giá 118,500 đồng/kg."),
    ("Mưa 45,5 mm.", "Mưa 45.5mm."),
    ("Đạt 8,5 điểm.", "Đạt 8.5 điểm."),
    ("Giá vé 20.000 đồng/người.", "Giá vé 20k/người."),
    ("Nhiệt độ 25°C.", "Nhiệt độ 25 0C."),
    ("Nhà 80 m².", "Nhà 80 m^2."),
    ("Dân số 8.456 người.", "Dân số 8 456 người."),
    ("Nghỉ 1/2 ngày, 3/4 số hộ.", "Nghỉ ½ ngày, ¾ số hộ."),
    ("Tháng 12/2026 thu 2 tỷ.", "Tháng 12 - 2026 thu 2 tỷ."),
    ("Lúc 8 giờ 30' sáng.", "Lúc 8 giờ 30’ sáng."),
])
def test_a_quantity_reads_the_same_in_either_convention(vietnamese: str, pasted: str) -> None:
    expected = to_spoken(vietnamese).replace("một phần hai ngày", "nửa ngày")
    assert to_spoken(pasted) == expected
