"""Numbers, dates and times read aloud; a small parser proves the readings are unambiguous."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletins.config import NormalizeSettings
from bulletins.normalize import read_date, read_number, read_time, read_weekday
from bulletins.normalize.numerals import (
    int_to_roman,
    read_decimal,
    read_digits,
    read_ordinal,
    roman_to_int,
)

SOUTH = NormalizeSettings(thousand="ngàn", zero_tens="lẻ")

_DIGIT = {"không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7,
          "tám": 8, "chín": 9}
_AFTER_MUOI = {**_DIGIT, "mốt": 1, "tư": 4, "lăm": 5}
del _AFTER_MUOI["một"], _AFTER_MUOI["năm"], _AFTER_MUOI["không"]
_AFTER_MUOI_TEN = {**_DIGIT, "lăm": 5}
del _AFTER_MUOI_TEN["năm"], _AFTER_MUOI_TEN["không"]


def _group(tokens: list[str]) -> int:
    """Strictly parse a group below 1000: [d trăm] [linh d | mười [u] | d mươi [u] | d]."""
    if tokens == ["không"]:
        return 0
    value, i = 0, 0
    if len(tokens) >= 2 and tokens[1] == "trăm":
        value, i = _DIGIT[tokens[0]] * 100, 2
    rest = tokens[i:]
    if not rest:
        pass
    elif rest[0] in ("linh", "lẻ") and len(rest) == 2 and _DIGIT[rest[1]] > 0:
        value += _DIGIT[rest[1]]
    elif rest[0] == "mười" and len(rest) <= 2:
        value += 10 + (_AFTER_MUOI_TEN[rest[1]] if len(rest) == 2 else 0)
    elif len(rest) >= 2 and rest[1] == "mươi" and len(rest) <= 3 and _DIGIT[rest[0]] >= 2:
        value += _DIGIT[rest[0]] * 10 + (_AFTER_MUOI[rest[2]] if len(rest) == 3 else 0)
    elif len(rest) == 1 and i == 0:
        value += _DIGIT[rest[0]]
    else:
        raise ValueError(f"bad group {tokens!r}")
    return value


def parse_vietnamese_number(words: str) -> int:
    """Read Vietnamese number words back into an int (the test oracle; strict grammar)."""
    tokens = words.split()
    if "tỷ" in tokens:
        last = len(tokens) - 1 - tokens[::-1].index("tỷ")
        head = parse_vietnamese_number(" ".join(tokens[:last]))
        tail = parse_vietnamese_number(" ".join(tokens[last + 1:])) if tokens[last + 1:] else 0
        return head * 10**9 + tail
    total, current = 0, []
    for t in tokens:
        if t in ("triệu", "nghìn", "ngàn"):
            total += _group(current) * (10**6 if t == "triệu" else 10**3)
            current = []
        else:
            current.append(t)
    return total + (_group(current) if current else 0)


@pytest.mark.parametrize(("n", "spoken"), [
    (0, "không"), (1, "một"), (10, "mười"), (11, "mười một"), (14, "mười bốn"),
    (15, "mười lăm"), (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi tư"),
    (25, "hai mươi lăm"), (101, "một trăm linh một"), (105, "một trăm linh năm"),
    (110, "một trăm mười"), (1000, "một nghìn"), (2004, "hai nghìn không trăm linh bốn"),
    (2021, "hai nghìn không trăm hai mươi mốt"),
    (1_000_500, "một triệu không nghìn năm trăm"),
    (1_500_000, "một triệu năm trăm nghìn"),
    (1_000_000_000, "một tỷ"),
    (10**12, "một nghìn tỷ"),
    (-5, "âm năm"),
])
def test_read_number(n: int, spoken: str) -> None:
    assert read_number(n) == spoken


def test_settings_southern() -> None:
    assert read_number(2005, SOUTH) == "hai ngàn không trăm lẻ năm"
    assert read_number(105, SOUTH) == "một trăm lẻ năm"


def test_decimals_and_digits() -> None:
    assert read_decimal("0", "05") == "không phẩy không năm"
    assert read_decimal("1", "2") == "một phẩy hai"
    assert read_decimal("3", "1416") == "ba phẩy một bốn một sáu"
    assert read_digits("0269") == "không hai sáu chín"


def test_ordinals_and_roman() -> None:
    assert [read_ordinal(n) for n in (1, 2, 4, 13)] == ["nhất", "hai", "tư", "mười ba"]
    assert roman_to_int("XIII") == 13
    assert roman_to_int("IIII") is None
    assert roman_to_int("VX") is None
    assert all(roman_to_int(int_to_roman(n)) == n for n in range(1, 400))


def test_dates_and_times() -> None:
    d = dt.date(2026, 11, 25)
    assert read_date(d) == (
        "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu")
    assert read_date(dt.date(2025, 4, 1)) == (
        "ngày mùng một tháng tư năm hai nghìn không trăm hai mươi lăm")
    assert read_weekday(d) == "thứ Tư"
    assert read_weekday(dt.date(2026, 11, 29)) == "Chủ nhật"
    assert read_time(7, 30) == "bảy giờ ba mươi phút"
    assert read_time(17, 0) == "mười bảy giờ"
    assert read_time(5, 5) == "năm giờ năm phút"


@given(st.integers(min_value=0, max_value=10**12))
@settings(max_examples=600)
def test_every_number_reads_back(n: int) -> None:
    assert parse_vietnamese_number(read_number(n)) == n


@given(st.integers(min_value=0, max_value=10**12))
@settings(max_examples=200)
def test_every_number_reads_back_southern(n: int) -> None:
    assert parse_vietnamese_number(read_number(n, SOUTH)) == n


def test_parser_rejects_nonsense() -> None:
    for bad in ("một lăm", "hai mươi năm", "mười năm", "một mươi", "linh"):
        with pytest.raises((ValueError, KeyError)):
            parse_vietnamese_number(bad)
