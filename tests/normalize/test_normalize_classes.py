"""Semiotic classes: a table per class (tagger and verbalizer), read-back properties for the
classes whose reading determines the value, and the weighted choice between taggers."""

from __future__ import annotations

import datetime as dt
import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bulletins.normalize import explain, normalize, read_date, read_number, read_time
from bulletins.normalize.classify import resolve
from bulletins.normalize.codes import _read_phone
from bulletins.normalize.context import Candidate, letter_table, si_units, unit_table
from bulletins.normalize.electronic import electronic_table, read_electronic
from bulletins.normalize.numerals import (
    DIGITS,
    int_to_roman,
    read_decimal,
    read_digits,
    roman_to_int,
)

TABLE = Path(__file__).with_name("classes.tsv")
ROWS = [line.split("\t") for line in TABLE.read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize(("cls", "written", "spoken"), ROWS,
                         ids=[f"{c}:{w[:24]}" for c, w, _ in ROWS])
def test_class_table(cls: str, written: str, spoken: str) -> None:
    result = normalize(written)
    assert result.spoken == spoken
    assert cls in {c.cls for c in result.changes}, explain(result)


def test_every_class_has_rows() -> None:
    wanted = {"CARDINAL", "DECIMAL", "FRACTION", "ORDINAL", "ROMAN", "DATE", "TIME", "MEASURE",
              "MONEY", "PERCENT", "TELEPHONE", "IDENTIFIER", "ABBREVIATION", "ADDRESS",
              "ELECTRONIC", "VERBATIM"}
    assert wanted <= {cls for cls, _, _ in ROWS}


# --- read-back: a reader that inverts the verbalizers, so a reading is shown to name the
# --- value it was given (a wrong scale word or a lost "không trăm" would break it) ---

_UNITS = {w: i for i, w in enumerate(DIGITS)} | {"mốt": 1, "tư": 4, "lăm": 5}


def _below_thousand(words: list[str]) -> int:
    value = 0
    if "trăm" in words:
        i = words.index("trăm")
        value = 100 * _UNITS[words[i - 1]]
        words = words[i + 1:]
    if words[:1] == ["linh"]:
        return value + _UNITS[words[1]]
    if words[:1] == ["mười"]:
        return value + 10 + (_UNITS[words[1]] if len(words) > 1 else 0)
    if "mươi" in words:
        return value + 10 * _UNITS[words[0]] + (_UNITS[words[2]] if len(words) > 2 else 0)
    return value + (_UNITS[words[0]] if words else 0)


def words_to_int(text: str) -> int:
    words = text.split()
    for scale, factor in (("tỷ", 10**9), ("triệu", 10**6), ("nghìn", 1000)):
        if scale in words:
            i = len(words) - 1 - words[::-1].index(scale)
            return words_to_int(" ".join(words[:i])) * factor + (
                words_to_int(" ".join(words[i + 1:])) if words[i + 1:] else 0)
    return _below_thousand(words)


@given(st.integers(min_value=0, max_value=10**15))
@settings(max_examples=400)
def test_cardinal_reads_back(n: int) -> None:
    assert words_to_int(read_number(n)) == n


@given(st.integers(min_value=0, max_value=10**6), st.text("0123456789", min_size=1, max_size=4))
@settings(max_examples=300)
def test_decimal_reads_back(integer: int, fraction: str) -> None:
    head, tail = read_decimal(str(integer), fraction).split(" phẩy ")
    assert words_to_int(head) == integer
    words = tail.split()
    zeros = 0
    while zeros < len(words) - 1 and words[zeros] == "không":
        zeros += 1
    rest = words[zeros:]
    stripped = fraction.lstrip("0")
    if not stripped:
        assert words == ["không"] * len(fraction)
    elif len(stripped) <= 3:
        assert "0" * zeros + str(words_to_int(" ".join(rest))) == fraction
    else:
        assert "0" * zeros + "".join(str(_UNITS[w]) for w in rest) == fraction


def digits_back(text: str) -> str:
    return "".join(str(_UNITS[w]) for w in re.findall(r"\w+", text) if w in _UNITS)


@given(st.text("0123456789", min_size=1, max_size=20))
@settings(max_examples=200)
def test_digits_and_phone_numbers_read_back(digits: str) -> None:
    assert digits_back(read_digits(digits)) == digits
    grouped = " ".join(digits[i:i + 3] for i in range(0, len(digits), 3))
    assert digits_back(_read_phone(grouped)) == digits


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
@settings(max_examples=300)
def test_date_reads_back(day: dt.date) -> None:
    m = re.fullmatch(r"ngày (?:mùng )?(.+) tháng (.+?) năm (.+)", read_date(day))
    assert m is not None
    month = 4 if m.group(2) == "tư" else words_to_int(m.group(2))
    assert dt.date(words_to_int(m.group(3)), month, words_to_int(m.group(1))) == day
    assert ("mùng" in read_date(day)) == (day.day <= 10)


@given(st.integers(0, 24), st.integers(0, 59))
def test_time_reads_back(hour: int, minute: int) -> None:
    m = re.fullmatch(r"(.+) giờ(?: (.+) phút)?", read_time(hour, minute))
    assert m is not None
    assert (words_to_int(m.group(1)), words_to_int(m.group(2) or "không")) == (hour, minute)


@given(st.integers(1, 3999))
def test_roman_reads_back(n: int) -> None:
    assert roman_to_int(int_to_roman(n)) == n


_SIGNS_BACK = {"chấm": ".", "a còng": "@", "gạch chéo": "/", "gạch ngang": "-",
               "gạch dưới": "_"}


def electronic_back(spoken: str) -> str:
    back = {v: k for k, v in electronic_table().items()} | _SIGNS_BACK
    # Labels without a vowel ("gdt") are spelled with letter names.
    back |= {v: k.lower() for k, v in letter_table().items() if k.isascii()}
    back |= {w: str(i) for i, w in enumerate(DIGITS)}
    out, words = [], spoken.split()
    while words:
        for n in (5, 4, 3, 2, 1):  # longest spoken form first ("vê kép vê kép vê kép")
            key = " ".join(words[:n])
            if len(words) >= n and key in back:
                out.append(back[key])
                words = words[n:]
                break
        else:
            out.append(words.pop(0))
    return "".join(out)


_PART = st.text(string.ascii_lowercase, min_size=4, max_size=8).filter(
    lambda p: p not in electronic_table())


@given(_PART, st.text("0123456789", max_size=3), _PART,
       st.sampled_from(["vn", "com", "gov.vn", "com.vn", "org"]))
@settings(max_examples=200)
def test_email_reads_back(user: str, digits: str, host: str, tld: str) -> None:
    address = f"{user}{digits}@{host}.{tld}"
    assert electronic_back(read_electronic(address)) == address


def test_web_address_never_dropped() -> None:
    result = normalize("Xem https://tinhdoan.gialai.gov.vn/tin-tuc?id=5 để biết thêm.")
    assert "tinhdoan chấm gialai chấm gốp chấm vê en gạch chéo tin gạch ngang tuc" in (
        result.spoken)


def test_address_label_without_vowel_is_spelled() -> None:
    # "gdt" is no syllable: an engine would mumble it; an announcer spells it.
    assert read_electronic("thuedientu.gdt.gov.vn") == (
        "thuedientu chấm giê dê tê chấm gốp chấm vê en")
    assert read_electronic("csgt@hanoi.vn") == "xê ét-xì giê tê a còng hanoi chấm vê en"


# --- the weighted choice ---

def test_heavier_reading_wins_then_longer() -> None:
    light = Candidate(0, 4, "number", "x", 40)
    heavy = Candidate(2, 6, "date", "y", 75)
    longer = Candidate(0, 6, "unit", "z", 40)
    assert resolve([light, heavy, longer], 6) == [heavy]
    assert resolve([light, longer], 6) == [longer]
    assert resolve([light, Candidate(4, 6, "unit", "w", 10)], 6) == [
        light, Candidate(4, 6, "unit", "w", 10)]


def test_context_decides_a_slash() -> None:
    # One written shape, four classes, told apart only by the words around it.
    assert normalize("Ngày 2/3 họp.").spoken == "Ngày mùng hai tháng ba họp."
    assert normalize("Có 2/3 số hộ.").spoken == "Có hai phần ba số hộ."
    assert normalize("Đạt 2/3 chỉ tiêu.").spoken == "Đạt hai trên ba chỉ tiêu."
    assert normalize("Công văn 2/UBND-VP.").spoken == (
        "Công văn hai của Ủy ban nhân dân.")


def test_explain_lists_class_evidence_and_reading() -> None:
    lines = explain(normalize("Công an 113 bắt 113 đối tượng."))
    assert lines[0].startswith("TELEPHONE") and "một một ba" in lines[0] and "«Công an»" in (
        lines[0])
    assert lines[1].startswith("CARDINAL") and "một trăm mười ba" in lines[1]


def test_tcvn3_capitals_restored() -> None:
    result = normalize("ë B×nh §Þnh, t«m hïm ®­îc xuÊt sang Ên §é.")
    assert result.spoken == "Ở Bình Định, tôm hùm được xuất sang Ấn Độ."


# --- round 4: shapes that name their class by their form or their neighbours ---

@given(st.sampled_from(["1900", "1800"]), st.text("0123456789", min_size=4, max_size=4))
@settings(max_examples=60)
def test_service_numbers_are_digits_wherever_they_stand(prefix: str, rest: str) -> None:
    # No cue right before it: the 1900/1800 form alone makes it a telephone number.
    spoken = normalize(f"Tổng đài hỗ trợ người dân của tỉnh là {prefix} {rest}.").spoken
    assert digits_back(spoken.split(" là ")[1]) == prefix + rest


@given(st.integers(1000, 2100), st.text("0123456789", min_size=3, max_size=9))
@settings(max_examples=60)
def test_dashed_record_numbers_read_back(year: int, serial: str) -> None:
    serial = "0" + serial  # a leading zero: never a quantity, so never a range
    spoken = normalize(f"Mã hồ sơ của bà là {year}-{serial}.").spoken
    assert "đến" not in spoken
    assert digits_back(spoken.split(" là ")[1]) == f"{year}{serial}"


@given(st.integers(10, 99), st.sampled_from(["A", "B", "C", "H", "K"]), st.integers(1, 9),
       st.text("0123456789", min_size=5, max_size=5))
@settings(max_examples=60)
def test_plates_with_a_dash_read_back(province: int, series: str, digit: int,
                                      serial: str) -> None:
    written = f"{province}-{series}{digit} {serial[:3]}.{serial[3:]}"
    spoken = normalize(f"Xe máy biển số {written} bị giữ.").spoken
    reading = spoken.split("biển số ")[1].split(" bị giữ")[0]
    head, tail = reading.split(", ")
    assert words_to_int(head.rsplit(" ", 2)[0]) == province
    assert digits_back(tail) == serial


@pytest.mark.parametrize("base", ["100", "1.000", "10.000", "100.000"])
def test_so_many_per_a_round_base_is_a_ratio(base: str) -> None:
    assert " trên " in normalize(f"Có 12 bác sĩ/{base} dân.").spoken
    assert " trên " not in normalize("Xã có 2.345 hộ/10.234 khẩu.").spoken


def test_a_colon_is_a_ratio_after_ty_le_and_a_time_elsewhere() -> None:
    assert normalize("Pha theo tỷ lệ 1:20.").spoken == "Pha theo tỷ lệ một trên hai mươi."
    assert normalize("Họp lúc 1:20.").spoken == "Họp lúc một giờ hai mươi phút."


def test_lone_lowercase_letter_is_spelled_only_as_a_label() -> None:
    assert normalize("Theo điểm c, khoản 2.").spoken == "Theo điểm xê, khoản hai."
    assert normalize("Ông m trả lời.").spoken == "Ông m trả lời."
    assert normalize("Nguyễn Văn B nhận quà.").spoken == "Nguyễn Văn B nhận quà."


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2000, 12, 31)))
@settings(max_examples=60)
def test_a_street_named_after_a_day_reads_back(day: dt.date) -> None:
    spoken = normalize(f"Nhà ở đường {day.day}/{day.month}, phường 5.").spoken
    m = re.fullmatch(r"Nhà ở đường (.+) tháng (.+), phường năm\.", spoken)
    assert m is not None, spoken
    month = 4 if m.group(2) == "tư" else words_to_int(m.group(2))
    assert (words_to_int(m.group(1)), month) == (day.day, day.month)
    # A house number with a slash is not a date: "nhà số 25/3".
    assert "trên" in normalize("Nhà số 25/3 đường Trần Phú.").spoken


@given(st.integers(1, 99), st.integers(0, 9))
@settings(max_examples=60)
def test_a_lone_negative_percent_reads_back(whole: int, tenth: int) -> None:
    spoken = normalize(f"Số vụ giảm ({'-'}{whole},{tenth}%).").spoken
    m = re.search(r"âm (.+) phẩy (.+) phần trăm", spoken)
    assert m is not None, spoken
    assert (words_to_int(m.group(1)), words_to_int(m.group(2))) == (whole, tenth)
    assert "âm" not in normalize(f"Tăng {whole} -{whole + 1}%.").spoken  # a range


@given(st.integers(1, 2), st.integers(0, 99))
@settings(max_examples=60)
def test_a_height_in_metres_and_centimetres_reads_back(metres: int, cm: int) -> None:
    spoken = normalize(f"Anh ấy cao {metres}m{cm:02d}.").spoken
    m = re.fullmatch(r"Anh ấy cao (.+) mét (.+)\.", spoken)
    assert m is not None, spoken
    assert words_to_int(m.group(1)) == metres
    assert int(digits_back(m.group(2)) if m.group(2).startswith("không") else str(
        words_to_int(m.group(2)))) == cm


@given(st.integers(1, 31))
@settings(max_examples=31)
def test_a_day_of_the_month_without_its_month_is_a_day(day: int) -> None:
    spoken = normalize(f"Chi trả vào ngày {day} hằng tháng.").spoken
    words = spoken.removeprefix("Chi trả vào ngày ").removesuffix(" hằng tháng.")
    assert words.startswith("mùng ") == (day <= 10)
    assert words_to_int(words.removeprefix("mùng ")) == day
    # A count after the number keeps it a count: "ngày 3 lần" is three times a day.
    assert "mùng" not in normalize(f"Uống ngày {min(day, 9)} lần.").spoken


@given(st.integers(0, 999), st.text("0123456789", min_size=1, max_size=2),
       st.sampled_from(["%", " ha", " triệu đồng", " km"]))
@settings(max_examples=80)
def test_an_english_decimal_point_before_a_unit_reads_back(integer: int, fraction: str,
                                                           unit: str) -> None:
    spoken = normalize(f"Đạt {integer}.{fraction}{unit}.").spoken
    # The same reading as the Vietnamese decimal comma, and no stray dot.
    assert spoken == normalize(f"Đạt {integer},{fraction}{unit}.").spoken
    assert "chấm" not in spoken and "." not in spoken[:-1]


@given(st.integers(32, 999), st.lists(st.integers(1, 99), min_size=2, max_size=3))
@settings(max_examples=60)
def test_house_numbers_down_alleys_read_back(house: int, alleys: list[int]) -> None:
    written = "/".join(str(n) for n in [house, *alleys])
    spoken = normalize(f"Cửa hàng ở số {written} đường Lê Lợi.").spoken
    reading = spoken.removeprefix("Cửa hàng ở số ").removesuffix(" đường Lê Lợi.")
    assert [words_to_int(p) for p in reading.split(" trên ")] == [house, *alleys]


def test_a_result_word_makes_a_score_of_a_rising_pair() -> None:
    assert normalize("Đội thua 1-3.").spoken == "Đội thua một ba."
    assert normalize("Đội thua 1-2 trận.").spoken == "Đội thua một đến hai trận."
    assert normalize("Cần 1-3 người.").spoken == "Cần một đến ba người."


@given(st.integers(1000, 10**9))
@settings(max_examples=80)
def test_thousands_grouped_by_spaces_before_a_unit_read_back(n: int) -> None:
    spaced = f"{n:,}".replace(",", " ")
    spoken = normalize(f"Tổng kinh phí là {spaced} đồng.").spoken
    assert words_to_int(spoken.removeprefix("Tổng kinh phí là ").removesuffix(" đồng.")) == n
    # Without a unit after them, space-separated groups stay an identifier (digit by digit).
    assert "nghìn" not in normalize(f"Mã số {spaced}.").spoken


@pytest.mark.parametrize(("sign", "word"), [(">", "trên"), ("<", "dưới")])
def test_a_comparison_sign_before_a_quantity_is_a_limit(sign: str, word: str) -> None:
    assert normalize(f"Độ mặn {sign} 4‰.").spoken == f"Độ mặn {word} bốn phần nghìn."
    # Between two numbers it is still a comparison.
    assert "hơn" in normalize(f"Nếu 5 {sign} 3 thì sai.").spoken


# --- MEASURE: SI units composed from a prefix and a base (issue 14, normnews) ---

@given(st.integers(1, 10**6), st.sampled_from(sorted(si_units())))
@settings(max_examples=150)
def test_composed_si_units_read_back(n: int, unit: str) -> None:
    # Any prefixed unit reads as the number, then prefix and base; none is left for the
    # engine to spell ("550 W", "2.500 kVA", "1.005 hPa").
    written = f"{n:,}".replace(",", ".")
    spoken = normalize(f"Công suất {written} {unit} mỗi trạm.").spoken
    reading = spoken.removeprefix("Công suất ").removesuffix(" mỗi trạm.")
    assert reading.endswith(" " + unit_table()[unit])
    assert words_to_int(reading.removesuffix(" " + unit_table()[unit])) == n


def test_listed_units_agree_with_their_composition() -> None:
    # units.tsv may list a composed unit (kW, MWh) but must say it the same way.
    listed = unit_table()
    assert all(listed[key] == spoken for key, spoken in si_units().items())
    # Prefixes that would make a common abbreviation are never composed.
    assert {"GV", "TV", "MA"}.isdisjoint(si_units())


@given(st.integers(1, 999), st.integers(0, 999), st.sampled_from(
    ["gọi", "tổng đài", "đường dây nóng"]), st.sampled_from(["công dân", "thanh niên", "hộ dân"]))
@settings(max_examples=60)
def test_a_thousands_grouped_number_before_a_noun_is_a_count(
        thousands: int, rest: int, cue: str, noun: str) -> None:
    written = f"{thousands}.{rest:03d}"
    spoken = normalize(f"Huyện {cue} {written} {noun}.").spoken
    count = spoken.removeprefix(f"Huyện {cue} ").removesuffix(f" {noun}.")
    assert words_to_int(count) == thousands * 1000 + rest


def test_service_numbers_stay_digits_after_their_cue() -> None:
    assert normalize("Cấp cứu xin gọi 115.").spoken == "Cấp cứu xin gọi một một năm."


@pytest.mark.parametrize("before", ["vàng", "vàng nhẫn", "vàng miếng SJC"])
def test_gold_purity_after_gold(before: str) -> None:
    spoken = normalize(f"Giá {before} 9999 tăng.").spoken
    assert "bốn số chín" in spoken
    assert "bốn số chín" not in normalize("Xã có 9999 hộ.").spoken
    assert "chín trăm chín mươi chín nghìn" in normalize("Giá vàng tăng 999 nghìn đồng.").spoken


@given(st.integers(11, 28), st.integers(1, 12), st.integers(2000, 2099))
@settings(max_examples=60)
def test_a_span_end_with_its_year_says_ngay(day: int, month: int, year: int) -> None:
    spoken = normalize(f"Từ ngày 1 đến {day}/{month}/{year}.").spoken
    assert spoken.startswith(f"Từ ngày mùng một đến ngày {read_number(day)} ")


@pytest.mark.parametrize("unit", sorted(k for k in si_units() if len(k) > 1))
def test_composed_units_after_a_scale_word_and_before_a_rate(unit: str) -> None:
    spoken = normalize(f"Sản lượng 1,2 tỷ {unit}/năm.").spoken
    assert spoken == f"Sản lượng một phẩy hai tỷ {unit_table()[unit]} mỗi năm."


@pytest.mark.parametrize(("written", "spoken"), [
    ("Xe chạy 30 phút/chuyến.", "Xe chạy ba mươi phút mỗi chuyến."),
    ("Trẻ ăn 3 bữa/ngày.", "Trẻ ăn ba bữa mỗi ngày."),
    ("Có 10 thôn/làng.", "Có mười thôn, làng."),
])
def test_a_word_after_a_number_then_a_slash_is_a_rate(written: str, spoken: str) -> None:
    # MEASURE: "so much per each" needs no list of rate nouns when a number counts the left
    # word; two holders side by side still name either.
    assert normalize(written).spoken == spoken


@given(st.sampled_from(["IR", "OM", "XB", "Q"]), st.text("0123456789", min_size=5, max_size=6))
@settings(max_examples=40)
def test_a_long_number_after_an_unknown_code_is_its_digits(code: str, digits: str) -> None:
    # IDENTIFIER: "giống lúa IR 50404" is a code, digit by digit ...
    spoken = normalize(f"Giống lúa {code} {digits} cho năng suất cao.").spoken
    assert digits_back(spoken.split(" cho ")[0]) == digits
    # ... but a count stays a count, and a known word before a year leaves the year alone.
    assert "nghìn" in normalize(f"Có {code} 1500 người.").spoken
    assert "hai nghìn" in normalize("Kế hoạch UBND 2026.").spoken
