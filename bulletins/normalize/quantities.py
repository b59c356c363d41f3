"""Rules 3 and 4 on quantities: units, money, percent, ranges, fractions, rates, ordinals,
Roman numerals, letters with digits and, last, every remaining number."""

from __future__ import annotations

import re
from functools import cache

from .codes import _DOC_BEFORE_RE
from .context import (
    DASH,
    END,
    NUM,
    START,
    Context,
    glued,
    letter_names,
    si_units,
    spell,
    sub,
    text_after,
    text_before,
    unit_table,
    units_re,
)
from .numerals import read_code_number, read_digits, read_number, read_ordinal, roman_to_int

# --- units, percent and money right after a number (or a range of numbers) ---

@cache
def _unit_re() -> re.Pattern[str]:
    return re.compile(rf"{START}(?:({NUM}){DASH})?({_POINT_NUM}|{NUM})\s?"
                      rf"(%|‰|°C|°|{units_re()})(?![\w²³])")


# "45.5mm", "3.5 ha": an English decimal point (one or two digits after it) before a unit.
_POINT_NUM = r"\d{1,3}\.\d{1,2}(?![\d.])"
# "118,500 đồng": money in đồng has no decimals, so three digits after a comma are a group.
_COMMA_GROUPS_RE = re.compile(r"\d{1,3}(?:,\d{3})+")
_DONG = {"đồng", "đ", "VNĐ", "VND", "vnđ", "vnd", "Đ"}


# "80%-90%", "5 kg - 7 kg": a range with its unit written at both ends.
_BOTH_ENDS_CUES = tuple(f"{u}{d}" for u in ("%", "°C") for d in ("-", " -", "–", " –", "—"))
_UNIT_BOTH_ENDS_RE = re.compile(rf"{START}({NUM})\s?(%|°C)\s?[-–—]\s?({NUM})\s?\2(?![\w²³])")


# -2°C: a minus sign before a temperature is "âm"; so is one before a percent that stands
# alone ("giảm 9 vụ (-9,4%)"). After a number ("20 -25°C") the dash is a range.
_NEGATIVE_RE = re.compile(rf"[-−]()({NUM})\s?(°C|°|độ C|độ|%)(?![\w²³])")
_NOT_NEGATIVE_BEFORE_RE = re.compile(r"[\w.,/%-]$|[\d%]\s$")


def rule_units(text: str, ctx: Context) -> str:
    units = unit_table()
    def unit(m: re.Match[str]) -> str:
        number = m.group(2)
        if re.fullmatch(_POINT_NUM, number):
            number = number.replace(".", ",")
        elif m.group(3) in _DONG and _COMMA_GROUPS_RE.fullmatch(number):
            ctx.because("tiền đồng không có phần lẻ: dấu phẩy nhóm nghìn")
            number = number.replace(",", ".")
        spoken = ctx.num(number) + " " + units.get(m.group(3), m.group(3))
        if m.group(1):
            spoken = f"{ctx.num(m.group(1))} đến {spoken}"
        return spoken

    def both_ends(m: re.Match[str]) -> str:
        spoken = units.get(m.group(2), m.group(2))
        return f"{ctx.num(m.group(1))} {spoken} đến {ctx.num(m.group(3))} {spoken}"

    if any(cue in text for cue in _BOTH_ENDS_CUES):
        sub(ctx, _UNIT_BOTH_ENDS_RE, "unit", both_ends, text, bonus=1)
    sub(ctx, _NEGATIVE_RE, "unit", lambda m: None if _NOT_NEGATIVE_BEFORE_RE.search(
        text_before(m, 2)) else "âm " + unit(m), text)
    sub(ctx, _unit_re(), "unit", unit, text)

    def after_quantity(m: re.Match[str]) -> str | None:
        # MEASURE takes any quantity: "4,2 triệu m³", "hàng trăm ha", "mỗi ha", "vài chục kg".
        before = _QUANTITY_BEFORE_RE.search(text_before(m, 24))
        if before is None:
            return None
        ctx.because(f"đơn vị sau lượng «{before.group(1) or 'số'}»")
        return units[m.group(1)]

    sub(ctx, _SCALED_DONG_RE, "unit", lambda m: "đồng", text)

    def thousands(m: re.Match[str]) -> str:
        ctx.because("«k» sau số là nghìn (tiền khi có từ chỉ giá)")
        money = _MONEY_CUE_RE.search(text_before(m, 40)) or text_after(m, 1) == "/"
        unit = " nghìn đồng" if money else " nghìn"
        spoken = ctx.num(m.group(3)) + unit
        if m.group(1):  # "65k-70k", "65-70k": a range
            spoken = ctx.num(m.group(1)) + (unit if m.group(2) else "") + " đến " + spoken
        return spoken

    if any(cue in text for cue in _THOUSAND_CUES):
        sub(ctx, _THOUSAND_K_RE, "unit", thousands, text)

    def comparison(m: re.Match[str]) -> str | None:
        if re.search(r"\d\s?$", text_before(m, 2)):
            return None  # "a > b" between two numbers: "lớn hơn", for the symbols
        ctx.because("dấu so sánh trước một lượng: «trên», «dưới»")
        return _COMPARISON_WORDS[m.group(1)]

    sub(ctx, _COMPARISON_RE, "comparison", comparison, text)

    def post(m: re.Match[str]) -> str | None:
        if _GLUED_BEFORE_RE.search(text_before(m, 1)):
            return None
        ctx.because("cột cây số: «km» trước số")
        return units["km"]

    sub(ctx, _KM_POST_RE, "unit", post, text)
    return sub(ctx, _bare_unit_re(), "unit", after_quantity, text)


# "1,5 triệu đ", "500 nghìn đ": the dong sign after a scale word (a lone "đ" is left alone).
_SCALED_DONG_RE = re.compile(
    "(?:" + "|".join(rf"(?<=\d {w} )" for w in ("triệu", "nghìn", "ngàn", "tỷ", "tỉ"))
    + r")đ(?!\w)")


# "20k", "500k": thousands (of đồng where a price is meant), as pasted from Facebook and Zalo.
# A capital K stays a letter ("5K", the health slogan).
_THOUSAND_CUES = tuple(f"{d}k" for d in "0123456789")
_THOUSAND_K_RE = re.compile(rf"{START}(?:({NUM})(k?){DASH})?({NUM})k(?![\w²³])")
_MONEY_CUE_RE = re.compile(r"(?i:giá|tiền|phí|lương|thưởng|ủng hộ|quà|vé|mua|bán|thu|chi|"
                           r"tặng|hỗ trợ|góp|nộp)")


# "> 4‰", "< 6 tuổi": a comparison sign before a quantity is read as a limit.
_COMPARISON_RE = re.compile(r"([<>])\s?(?=[-−]?\d)")
_COMPARISON_WORDS = {">": "trên ", "<": "dưới "}


# A kilometre post names a place on a road: the unit stands before its number ("km 7",
# "km số 12", "Km 45+200").
_KM_POST_RE = re.compile(r"[kK][mM](?=\s(?:số\s)?\d)")
_GLUED_BEFORE_RE = re.compile(r"[\w./-]$")


# Words that stand for a quantity, after which a unit symbol is read as its unit.
_QUANTITY_WORDS = ("triệu|nghìn|ngàn|tỷ|tỉ|trăm|chục|vạn|mỗi|vài|mấy|nửa|hàng|các|những|"
                   "một|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|mươi|rưỡi")
_QUANTITY_BEFORE_RE = re.compile(rf"(?:(?<!\w)((?i:{_QUANTITY_WORDS}))|(?<=\d)(\b))\s+$")


@cache
def _bare_unit_re() -> re.Pattern[str]:
    keys = sorted((k for k in unit_table() if k not in ("%", "‰", "°", "h", "đ", "L", "l", "g",
                                                          "m", "tấn", "tạ", "lít", "đồng")
                   and (not k[0].isupper() or k.isupper() and len(k) == 3 or k in (
                       "MW", "MWh", "GW", "GWh") or len(k) > 1 and k in si_units())),
                  key=len, reverse=True)
    # A rate may follow ("1,2 tỷ kWh/năm"): the "/" is read by the rate tagger.
    return re.compile(r"(?<![\w./-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w²³])")


# --- a height in metres and centimetres: "1m65" ---

_HEIGHT_RE = re.compile(r"(\d)m(\d{2})(?![\w²³]|[.,]\d)")


def rule_heights(text: str, ctx: Context) -> str:
    def height(m: re.Match[str]) -> str | None:
        if re.search(r"[\w.,/-]$", text_before(m, 1)):
            return None
        ctx.because("chiều cao viết «1m65»: mét và phần lẻ")
        return f"{read_number(int(m.group(1)), ctx.settings)} mét {ctx.num(m.group(2))}"

    return sub(ctx, _HEIGHT_RE, "unit", height, text)


# --- dimensions: 20 x 30 m, 5x20m, 2 x 3 x 1,5 m, 2 m x 1 m ---

@cache
def _dimension_re() -> re.Pattern[str]:
    unit = rf"(?:\s?({units_re()}))?"
    return re.compile(rf"{START}({NUM}){unit}\s?[xX×]\s?({NUM}){unit}"
                      rf"(?:\s?[xX×]\s?({NUM}){unit})?(?![\w²³])")


def rule_dimensions(text: str, ctx: Context) -> str:
    units = unit_table()

    def dimension(m: re.Match[str]) -> str | None:
        parts = []
        for i in range(0, 6, 2):
            number, unit = m.group(i + 1), m.group(i + 2)
            if number is None:
                continue
            parts.append(ctx.num(number) + (f" {units[unit]}" if unit else ""))
        if not any(m.group(i) for i in (2, 4, 6)) and len(parts) < 3 and " " in m.group():
            return None  # "2 x 3" alone may be a sum: left to the symbols ("nhân")
        ctx.because("kích thước: số «x» số" + (", có đơn vị" if any(
            m.group(i) for i in (2, 4, 6)) else " viết liền"))
        return " nhân ".join(parts)

    return sub(ctx, _dimension_re(), "dimension", dimension, text)


# --- ranges: 2-3 lần, 2021-2022 ---

_RANGE_RE = re.compile(rf"{START}({NUM}){DASH}({NUM}){END}")
# A result word a few words before makes a-b a score even when a < b: "thua 1-2",
# "thua set đầu 23-25", "tỷ số chung cuộc 0-3".
_SCORE_BEFORE_RE = re.compile(
    r"(?<!\w)(?i:thắng|thua|hòa|hoà|tỷ số|tỉ số|set|hiệp|chung cuộc|cách biệt)"
    r"(?:\s+[^\W\d]+){0,3}\s+$")
_COUNT_AFTER_SCORE_RE = re.compile(
    r"\s+(?:lần|trận|bàn|điểm|ván|set|hiệp|ngày|tuần|tháng|năm|người|đội)\b")  # "thua 1-2 trận"


# "NPK 16-16-8", "5-3-2": three or more numbers joined by hyphens (not a date: no valid
# month or a four-digit year) are a grade or a list, read one after another.
_HYPHEN_CHAIN_RE = re.compile(rf"\d{{1,3}}(?:-\d{{1,3}}){{2,}}{END}")  # START: in chain()


def rule_ranges(text: str, ctx: Context) -> str:
    def number_range(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if a.isdigit() and b.isdigit() and int(a) >= int(b):  # a score, "tỷ số 2-1"
            return f"{ctx.num(a)} {ctx.num(b)}"
        if (a.isdigit() and b.isdigit() and _SCORE_BEFORE_RE.search(text_before(m, 40))
                and not _COUNT_AFTER_SCORE_RE.match(text_after(m, 12))):
            ctx.because("tỷ số sau từ chỉ kết quả trận đấu")
            return f"{ctx.num(a)} {ctx.num(b)}"  # "thua set đầu 23-25"
        return f"{ctx.num(a)} đến {ctx.num(b)}"

    def chain(m: re.Match[str]) -> str | None:
        if text_before(m, 1)[-1:] and re.match(r"[\w.,/-]", text_before(m, 1)[-1:]):
            return None  # glued to a word, a code or another number
        ctx.because("ba số trở lên nối bằng gạch ngang: đọc lần lượt")
        return " ".join(ctx.num(n) for n in m.group().split("-"))

    if "-" in text:
        sub(ctx, _HYPHEN_CHAIN_RE, "range", chain, text, bonus=1)
    return sub(ctx, _RANGE_RE, "range", number_range, text)


# --- slashes between numbers: fraction, ratio, school year ---

# A fraction of a whole: "2/3 số hộ", "3/5 diện tích", "2/5 tổng vốn" (a count is "trên").
_WHOLE_AFTER_RE = re.compile(r"\s+(số|diện tích|dân số|tổng|lượng|khối lượng|sản lượng|"
                             r"quãng đường|thời gian|kinh phí|ngân sách|vốn|giá trị|dung tích)\b")
# Counted things after x/y make it a score: "2/3 chỉ tiêu", "5/7 thôn" ("trên").
_COUNTED_AFTER_RE = re.compile(
    r"\s+(chỉ tiêu|tiêu chí|xã|thôn|làng|buôn|hộ|người|trường|lớp|đơn vị|huyện|tỉnh|phường|"
    r"học sinh|câu|bài|môn|đội|trận|ván|nội dung|nhiệm vụ|công trình|dự án)\b")
# A rank before x/y makes it a place out of y: "thương binh hạng 2/4", "xếp thứ 3/12".
_RANK_BEFORE_RE = re.compile(r"(?<!\w)((?i:hạng|xếp|đứng|thứ))\s+$")
# House numbers down alleys: "số 123/4/5" (no 4-digit year at the end, so not a date).
_SLASH_CHAIN_RE = re.compile(r"\d{1,4}(?:/\d{1,3}){2,}(?![\w/]|[.,]\d)")
_HOUSE_BEFORE_RE = re.compile(r"(?<!\w)(?i:số|nhà|hẻm|ngõ|ngách|kiệt|kiệt số)\s+$")
@cache
def _slash_unit_re() -> re.Pattern[str]:
    # START stays in the pattern here: it cuts short the tries inside long numbers.
    return re.compile(rf"{START}({NUM})\s?/\s?({NUM})\s?({units_re()})(?![\w²³/])")


_SLASH_NUM_RE = re.compile(rf"{START}({NUM})\s?/\s?({NUM}){END}")
_RATIO_RE = re.compile(rf"{START}({NUM}):({NUM}){END}")


def rule_number_slashes(text: str, ctx: Context) -> str:
    def slash(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if a.isdigit() and b.isdigit() and 1945 <= int(b) <= 2100 and _DOC_BEFORE_RE.search(
                text_before(m)):
            ctx.because("số văn bản và năm ban hành sau tên loại văn bản")
            return f"{read_code_number(a, ctx.settings)}, năm {ctx.num(b)}"
        if a.isdigit() and b.isdigit():
            x, y = int(a), int(b)
            if 1900 <= x <= 2100 and y == x + 1:  # năm học 2020/2021
                return f"{ctx.num(a)} đến {ctx.num(b)}"
            after = text_after(m, 20)
            whole = _WHOLE_AFTER_RE.match(after)
            counted = _COUNTED_AFTER_RE.match(after)
            rank = _RANK_BEFORE_RE.search(text_before(m, 12))
            if rank:
                ctx.because(f"thứ hạng trên tổng số sau «{rank.group(1)}»")
            elif counted and not whole:
                ctx.because(f"tỷ số của những thứ đếm được «{counted.group(1)}»")
            elif 0 < x < y <= 10 and (whole or x == 1 or y <= 4):  # một phần ba, ba phần tư
                ctx.because(f"phân số của một tổng thể «{whole.group(1)}»" if whole
                            else "phân số nhỏ")
                return f"{ctx.num(a)} phần {'tư' if y == 4 else ctx.num(b)}"
        return f"{ctx.num(a)} trên {ctx.num(b)}"  # 15/15 chỉ tiêu

    def chain(m: re.Match[str]) -> str | None:
        if glued(m):
            return None
        parts = m.group().split("/")
        looks_like_date = int(parts[0]) <= 31 and int(parts[1]) <= 12 and len(parts) == 3
        if looks_like_date and not _HOUSE_BEFORE_RE.search(text_before(m, 12)):
            return None  # maybe a date with a short year: left to the date tagger
        ctx.because("số nhà, hẻm nhiều cấp: «trên»")
        return " trên ".join(ctx.num(p) for p in parts)

    sub(ctx, _SLASH_CHAIN_RE, "address", chain, text)

    def slash_unit(m: re.Match[str]) -> str:
        # "24/24h", "1/2 ha": the unit belongs to the whole "a/b".
        return f"{slash(m)} {unit_table()[m.group(3)]}"

    sub(ctx, _slash_unit_re(), "fraction", slash_unit, text)
    text = sub(ctx, _SLASH_NUM_RE, "fraction", slash, text)
    # tỷ lệ 1:2000 (a time like 7:30 has been read already)
    def ratio(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if _SCORE_BEFORE_RE.search(text_before(m, 40)) and not re.search(
                r"(?i:t[ỷỉ] lệ)", text_before(m, 30)):
            ctx.because("tỷ số trận đấu viết bằng dấu hai chấm")
            return f"{ctx.num(a)} {ctx.num(b)}"
        return f"{ctx.num(a)} trên {ctx.num(b)}"

    return sub(ctx, _RATIO_RE, "fraction", ratio, text)


# --- slashes between words: rates ("lần/năm" → "lần mỗi năm", "đồng/kg" → "đồng một ki-lô-gam")

_RATE_NOUNS = {"năm", "tháng", "tuần", "ngày", "giờ", "phút", "người", "hộ", "lượt", "ca", "buổi",
               "kỳ", "quý", "xã", "thôn", "làng", "con", "lớp", "học sinh", "khẩu", "lần", "đợt",
               "vụ", "sào", "công", "mẫu", "trường", "đơn vị", "huyện", "tỉnh", "cây", "suất",
               "chiếc",
               # what a dose is measured for: "25 ml thuốc/bình", "400 lít nước/gốc"
               "bình", "gốc", "hố", "thùng"}
# Counted nouns on the left of a rate take "mỗi" even before a unit: "cây/ha" → "cây mỗi
# héc-ta"; a measure or money on the left takes "một": "tạ/ha", "đồng/kg".
_COUNTED = _RATE_NOUNS | {"viên", "bao", "bình", "vé", "liều", "lít", "suất", "căn", "ngôi"}
# Who or what holds a share: "2 con/hộ", "3 suất/người" are rates; two holders side by side
# ("10 thôn/làng", "hộ/khẩu") name either.
_HOLDERS = {"hộ", "người", "khẩu", "xã", "thôn", "làng", "lớp", "trường", "học sinh",
            "đơn vị", "huyện", "tỉnh"}
# Land measures are never an alternative to what is counted: "3 bình/sào" is a rate.
_LAND_MEASURES = {"sào", "công", "mẫu"}
_MONEY = {"đồng", "đ", "k", "USD", "VNĐ", "VND", "EUR", "JPY", "CNY"}
_TIME_NOUNS = {"năm", "tháng", "tuần", "ngày", "giờ", "phút", "quý", "vụ", "kỳ", "buổi", "ca",
               "lần", "đợt", "lượt"}
_RATE_UNITS = {"s": "giây", "h": "giờ", "l": "lít", "lượng": "lượng", "chỉ": "chỉ",
               "tấn": "tấn", "tạ": "tạ", "yến": "yến", "lít": "lít",
               # market counting units priced as one lot: "35.000 đồng/chục" (trứng)
               "chục": "chục", "tá": "tá",
               # a grade of what is sold: "380 đồng/độ TSC" (rubber latex by dry content)
               "độ": "độ"}


@cache
def _word_slash_re() -> re.Pattern[str]:
    keys = sorted(set(unit_table()) - {"%", "‰", "°", "đ"}, key=len, reverse=True)
    units = "|".join(re.escape(k) for k in keys)
    return re.compile(rf"(?<=[^\W\d_]|[%²³\d])\s?/\s?((?:{units})(?![\w²³])|s(?!\w)"
                      r"|[^\W\d_]+(?:\s(?!\S*[A-ZĐ])[^\W\d_]+)?)")
# The rate's second word is never an acronym ("đồng/độ TSC"): that is spelled on its own.
# "50 mm/24h", "3 lần/2 tuần": an amount over a stretch of time.
_PER_PERIOD_RE = re.compile(
    r"(?<=[^\W\d_]|[%²³])\s?/\s?(\d{1,3})\s?(h|g|giờ|ngày|tuần|tháng|năm)(?!\w)")
_RATE_CHAIN_RE = re.compile(r"\s?/\s?[^\W\d_]")
# "/" before a round hundred or thousand (the word on its left is checked by the reader).
_SLASH_ROUND_RE = re.compile(r"/\s?(?=10{2,}(?!\d)|10{0,2}\.000(?:\.000)*(?![\d.,]))")
_SLASH_NUMBER_RE = re.compile(r"(?<=[^\W\d_])\s?/\s?(?=\d)")
_LEFT_WORD_RE = re.compile(r"(?<!\w)[^\W\d_]+$")
_LEFT_UNIT_RE = re.compile(r"(?<=\d)\s?([^\W\d_]+[²³23]?|%)$|(?<!\w)(m[²³23])$")


def rule_word_slashes(text: str, ctx: Context) -> str:
    if "/" not in text:
        return text
    units = unit_table()

    def slash(m: re.Match[str]) -> str | None:
        before = text_before(m, 30)
        found = _LEFT_UNIT_RE.search(before)
        left = (found.group(1) or found.group(2)) if found else ""
        after_number = bool(found and found.group(1))  # "3 suất/…": a number before
        if not found:
            found = _LEFT_WORD_RE.search(before)
            left = found.group() if found else ""
        right = m.group(1)
        first = right.split()[0]
        left_unit = left in units or left in _RATE_UNITS
        if (left.islower() and first != left and not left_unit
                and first in before.lower().split()[-3:-1]):
            # "hộ nghèo/hộ cận nghèo": the right side repeats the left's head noun; two kinds
            # of the same thing, either of them, not a rate.
            ctx.because(f"hai loại «{first}» nối bằng «/»: đọc cả hai")
            return f", {right}"
        if left.isupper() and first.isupper() and left in units and first in units:
            return None  # "USD/VND": a currency pair, read by the abbreviation rule
        if left_unit and (first in units or first in _RATE_UNITS):
            # "m³/s", "mg/l", "km/giờ": a compound unit.
            ctx.because(f"đơn vị ghép «{left}/{first}»")
            spoken = units.get(first) or _RATE_UNITS[first]
            return f" một {spoken}{right[len(first):]}"
        if (not left.islower() and not left_unit) or (
                len(left) == 1 and not left_unit and left not in _MONEY) or (
                len(first) == 1 and first not in units) or not first.islower() and (
                first not in units):
            return None  # HIV/AIDS, Đ/c, KH/TU: abbreviations, for the token rule
        if first in units or first in _RATE_UNITS:
            spoken = units.get(first) or _RATE_UNITS[first]
            word = "mỗi" if left in _COUNTED else "một"
            ctx.because(f"tỷ lệ theo đơn vị «{first}» sau «{left}»")
            return f" {word} {spoken}{right[len(first):]}"
        if (left in _MONEY or left_unit) and not (first in units or first in _RATE_UNITS):
            ctx.because(f"giá cho mỗi «{first}»")
            return f" mỗi {right}"  # "1,2 triệu đồng/chiều", "250.000 đồng/vé"
        if (first in _RATE_NOUNS and left in _COUNTED and not left_unit
                and first not in _TIME_NOUNS and first not in _LAND_MEASURES
                and (first in _HOLDERS) == (left in _HOLDERS)):
            ctx.because(f"hai danh từ đếm được «{left}/{first}»: đọc cả hai")
            return f", {right}"  # "10 thôn/làng": either, not a rate
        if (first in _RATE_NOUNS or _RATE_CHAIN_RE.match(m.string, m.end())
                or after_number and len(first) > 1 and first.islower()):
            # "30 phút/chuyến", "3 bữa/ngày": so much of a counted thing per each other one.
            # "sữa/trẻ/ngày": a word followed by another "/" rate is itself a "per" word.
            ctx.because(f"tỷ lệ theo «{first}»")
            return f" mỗi {right}"
        if "hoặc" in (left, first):
            return f" {right}"
        if after_number and len(right.split()) == 1:
            # "2-3 người/đội", "4 quả/chùm": so many of a thing for each of another.
            ctx.because(f"số lượng «{left}» cho mỗi «{first}»")
            return f" mỗi {right}"
        return f", {right}"  # hộ/khẩu, nam/nữ: a short pause reads both

    sub(ctx, _word_slash_re(), "rate", slash, text)

    def before_number(m: re.Match[str]) -> str | None:
        found = _LEFT_WORD_RE.search(text_before(m, 30))
        left = found.group() if found else ""
        return ", " if left.islower() and len(left) > 1 else None  # hộ/10.234 khẩu

    def per_round(m: re.Match[str]) -> str | None:
        before = text_before(m, 30).rstrip()
        found = _LEFT_WORD_RE.search(before)
        left = found.group() if found else ""
        if not (left.islower() and len(left) > 1 or left in units):
            return None
        # "8 lít/100 km", "112 bé trai/100 bé gái", "15 bác sĩ/10.000 dân": so many per a
        # round hundred or thousand is a ratio.
        ctx.because("tỷ lệ trên một số tròn (100, 1.000 …)")
        return " trên "

    def per_period(m: re.Match[str]) -> str:
        period = {"h": "giờ", "g": "giờ"}.get(m.group(2), m.group(2))
        found = _LEFT_UNIT_RE.search(text_before(m, 30))
        if found and (found.group(1) or found.group(2)) in units:
            ctx.because("lượng đo được trong một khoảng thời gian («mm/24h»)")
            return f" trong {ctx.num(m.group(1))} {period}"
        ctx.because("số lần trong mỗi khoảng thời gian («liều/2 tuần»)")
        return f" mỗi {ctx.num(m.group(1))} {period}"

    sub(ctx, _PER_PERIOD_RE, "rate", per_period, text)
    sub(ctx, _SLASH_ROUND_RE, "ratio", per_round, text, bonus=1)
    return sub(ctx, _SLASH_NUMBER_RE, "rate", before_number, text)


# --- Roman numerals and ordinals after trigger words ---

_ROMAN_TRIGGERS = (
    "lần thứ|thứ|khóa|khoá|đại hội|quý|thế kỷ|kỳ họp|kỳ|hạng|phần|chương|mục|đợt|quân khu|"
    "khu vực|nhóm|loại|cấp|tập|điều|giai đoạn|phiên|vòng|tiểu đoàn|trung đoàn|sư đoàn|vùng|"
    "cụm|bậc|khu")
_ROMAN_RE = re.compile(r"(?<![\w.,/-])([IVXLC]+)(?:/((?:19|20)\d\d))?(?![\w/])")
# The trigger may stand before a list: "khu vực I, II và III".
_ROMAN_BEFORE_RE = re.compile(
    rf"(?<!\w)((?i:{_ROMAN_TRIGGERS}))\s+(?:[IVXLC]+\s*(?:,|và|hoặc|-)\s*){{0,6}}$")
# A grade joined to a number needs no trigger: "xăng RON 95-III", "E5 RON 92-II".
_GRADE_ROMAN_RE = re.compile(r"(?<![\w.,/-])(\d{1,3})-([IVX]{1,4})(?![\w/-])")
_ORDINAL_RE = re.compile(r"(?<![\w.,/-])(\d+)(?![\w/-]|[.,]\d)")
_JUNCTION_BEFORE_RE = re.compile(r"(?<!\w)(?i:ngã)\s+$")  # "ngã 4" is "ngã tư"
# The trigger may stand before a list: "các ngày thứ 2, 4, 6" → "thứ hai, tư, sáu".
_ORDINAL_BEFORE_RE = re.compile(r"(?<!\w)(?i:thứ|hạng)\s+(?:\d{1,2}\s*(?:,|và|hoặc)\s*){0,6}$")


def rule_ordinals(text: str, ctx: Context) -> str:
    def roman(m: re.Match[str]) -> str | None:
        before = _ROMAN_BEFORE_RE.search(text_before(m, 40))
        value = roman_to_int(m.group(1)) if before else None
        if before is None or value is None:
            return None
        trigger = before.group(1).lower()
        ctx.because(f"số La Mã sau «{trigger}»")
        words = (read_ordinal(value, ctx.settings) if trigger.endswith(("thứ", "hạng"))
                 else read_number(value, ctx.settings))
        if m.group(2):  # quý I/2026
            words += " năm " + read_number(int(m.group(2)), ctx.settings)
        return words

    def ordinal(m: re.Match[str]) -> str | None:
        if not _ORDINAL_BEFORE_RE.search(text_before(m, 30)):
            if _JUNCTION_BEFORE_RE.search(text_before(m, 6)) and not re.match(
                    r"\s+lần\b", text_after(m, 6)):
                ctx.because("ngã ba, ngã tư: số đường gặp nhau")
                return read_ordinal(int(m.group(1)), ctx.settings) if m.group(1) != "1" else None
            return None
        return read_ordinal(int(m.group(1)), ctx.settings)

    text = sub(ctx, _ROMAN_RE, "roman", roman, text)

    def grade(m: re.Match[str]) -> str | None:
        value = roman_to_int(m.group(2))
        if value is None:
            return None
        ctx.because("số La Mã nối sau một số: cấp, hạng của sản phẩm")
        return f"{read_number(int(m.group(1)), ctx.settings)} {read_number(value, ctx.settings)}"

    text = sub(ctx, _GRADE_ROMAN_RE, "roman", grade, text)
    return sub(ctx, _ORDINAL_RE, "ordinal", ordinal, text)


# --- letters and digits mixed: F0, 5K, H5N1, G7, 4.0 ---

@cache
def _point_decimal_re() -> re.Pattern[str]:
    # "1.5 triệu", "10.5%", "3.5 ha": an English decimal point (one or two digits after it,
    # so never a thousands group) before a percent, a scale word or a unit.
    return re.compile(rf"(\d{{1,3}})\.(\d{{1,2}})(?=\s?(?:%|(?:triệu|tỷ|tỉ|nghìn|ngàn|điểm|lần|"
                      rf"{units_re()})(?![\w²³])))")


_VERSION_RE = re.compile(r"(?<![\w.,])(\d)\.(\d)(?![\w]|[.,]\d)")
_DECIMAL_LETTERS_RE = re.compile(r"(?<![\w.,])(\d+,\d+)([A-ZĐ]{1,2})(?![\w/])")
_ALNUM_RE = re.compile(r"(?<![\w.,])(?<!\d[/-])(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+(?![\w/])")


def rule_alphanumeric(text: str, ctx: Context) -> str:
    def alnum(m: re.Match[str]) -> str:
        ctx.because("chữ và số viết liền: mã, đọc từng phần")
        words = []
        for piece in re.findall(r"\d+|[^\W\d_]+", m.group()):
            if piece.isascii() and piece.isdigit():
                words.append(read_code_number(piece, ctx.settings) if len(piece) <= 3
                             else read_digits(piece))
            elif piece.isupper() and len(piece) <= 2:
                # Letters glued to digits are a code, read letter by letter: "ĐT100" is a
                # rice variety, not "đường tỉnh"; "VN1234" a flight, not "Việt Nam".
                words.append(letter_names(piece))
            elif piece in ctx.lexicon:
                words.append(ctx.lexicon.get(piece) or piece)
            elif piece.isupper():
                words.append(spell(piece, ctx))
            else:
                words.append(piece)
        return " ".join(words)

    def point_decimal(m: re.Match[str]) -> str | None:
        if glued(m, "_.,"):
            return None
        ctx.because("dấu chấm thập phân kiểu Anh trước đơn vị hoặc «triệu, tỷ»")
        return ctx.num(f"{m.group(1)},{m.group(2)}")

    # Outweighs "4.0" (chấm): before a unit or a scale word the point is a decimal comma.
    sub(ctx, _point_decimal_re(), "decimal", point_decimal, text, bonus=2)
    text = sub(ctx, _VERSION_RE, "number",
                lambda m: f"{read_number(int(m.group(1)))} chấm {read_number(int(m.group(2)))}",
                text)
    text = sub(ctx, _ALNUM_RE, "alphanumeric", alnum, text)

    def decimal_letters(m: re.Match[str]) -> str:
        ctx.because("số thập phân viết liền chữ cái: mã loại, đọc số rồi tên chữ")
        return f"{ctx.num(m.group(1))} {letter_names(m.group(2))}"

    # "dầu diesel 0,05S": a decimal glued to a grade letter (units outweigh it: "0,5W").
    return sub(ctx, _DECIMAL_LETTERS_RE, "alphanumeric", decimal_letters, text)


# --- rule 3: the remaining numbers ---

SPACED_COUNTED = "người|hộ|lượt|khẩu|con|cây|học sinh|đồng"

_PLUS_RE = re.compile(rf"{START}({NUM})\s?\+\s?({NUM}){END}")
_NUMBER_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)|\d{1,3}(?:,\d{3}){2,}(?![\d,])"
                        r"|\d+,\d+|\d+")


@cache
def _spaced_thousands_re() -> re.Pattern[str]:
    # "15 000 000 đồng": thousands grouped by spaces, a quantity because a unit or a
    # counted noun follows (bare space-separated groups are an identifier: codes.py).
    return re.compile(rf"\d{{1,3}}(?: \d{{3}})+(?=\s?(?:{units_re()}|{SPACED_COUNTED})"
                      r"(?![\w²³]))")


def rule_numbers(text: str, ctx: Context) -> str:
    def spaced(m: re.Match[str]) -> str | None:
        if glued(m):
            return None
        ctx.because("nhóm nghìn cách bằng khoảng trắng, trước đơn vị")
        return ctx.num(m.group().replace(" ", "."))

    # Outweighs the identifier reading of space-separated groups (codes.py, weight 78).
    sub(ctx, _spaced_thousands_re(), "number", spaced, text, bonus=40)

    def number(m: re.Match[str]) -> str:
        written = m.group()
        if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", written):  # 1,500,000 (English grouping)
            written = written.replace(",", ".")
        return ctx.num(written)

    text = sub(ctx, _PLUS_RE, "number",
                lambda m: f"{ctx.num(m.group(1))} cộng {ctx.num(m.group(2))}", text)
    return sub(ctx, _NUMBER_RE, "number", number, text)


