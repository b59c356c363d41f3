"""The normalization rules, each a small function over the text, applied in order by `RULES`.

Every rule replaces what it recognises with spoken words (never digits), so a later rule
cannot misread an earlier rule's output: document codes go before dates, dates before
ranges, ranges before fractions, numbers before abbreviations.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ..config import NormalizeSettings
from .lexicon import Lexicon, parse_tsv, read_data
from .numerals import (
    read_code_number,
    read_day,
    read_decimal,
    read_digits,
    read_month,
    read_number,
    read_ordinal,
    read_year,
    roman_to_int,
)


@dataclass(frozen=True)
class Change:
    """One rewrite, for the editor's preview: what was written, what will be said, which rule."""

    original: str
    spoken: str
    rule: str


@dataclass
class Context:
    lexicon: Lexicon
    settings: NormalizeSettings
    changes: list[Change] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def num(self, written: str) -> str:
        """Read a written number: "1.500.000", "1,2", "05", "21"."""
        return read_written_number(written, self.settings)


# --- data ---

@cache
def _letters() -> dict[str, str]:
    return parse_tsv(read_data("letters.tsv"), "letters.tsv")


@cache
def _units() -> dict[str, str]:
    return parse_tsv(read_data("units.tsv"), "units.tsv")


@cache
def _issuers() -> dict[str, str]:
    return parse_tsv(read_data("issuers.tsv"), "issuers.tsv")


@cache
def _units_re() -> str:
    keys = sorted((k for k in _units() if k not in ("%", "‰", "°")), key=len, reverse=True)
    return "|".join(re.escape(k) for k in keys)


# A written number: thousands grouped with "." and an optional decimal ",", or plain digits.
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_START = r"(?<![\w.,/-])"  # not glued to a word, a code or another number
_END = r"(?![\w/]|[.,]\d)"
DASH = r"\s?[-–—]\s?"
_DOC_TYPES = (
    "kế hoạch|quyết định|quy định|chỉ thị|nghị quyết|nghị định|thông tư liên tịch|thông tư|"
    "kết luận|thông báo|hướng dẫn|công văn|báo cáo|tờ trình|chương trình|đề án|văn bản|luật|"
    "công điện|quy chế|điều lệ|pháp lệnh|nghị quyết liên tịch"
)
_DOC_BEFORE_RE = re.compile(
    rf"(?:(?i:{_DOC_TYPES})|\b(?:NQ|NĐ|QĐ|QĐi|CT|KH|KL|TB|HD|CV|BC|TT|TTLT|CTr|ĐA))\s+(?:(?i:số)\s+)?$")
_TYPE_KEYS = {"NQ", "NĐ", "QĐ", "QĐi", "CT", "KH", "KL", "TB", "HD", "CV", "BC", "TTr", "CTr",
              "ĐA", "TT", "TTLT", "NQLT", "QC", "CĐ", "L", "PL", "UBTVQH"} - {"UBTVQH"}
_TYPE_SPOKEN = {"TT": "thông tư", "CT": "chỉ thị", "QĐ": "quyết định", "KH": "kế hoạch",
                "QC": "quy chế", "CĐ": "công điện"}


def read_written_number(written: str, settings: NormalizeSettings | None = None) -> str:
    if "," in written:
        integer, fraction = written.split(",", 1)
        return read_decimal(integer.replace(".", ""), fraction, settings)
    digits = written.replace(".", "")
    if len(digits) > 15:  # an account or serial number, not a quantity
        return read_digits(digits)
    return read_number(int(digits), settings)


def _sub(ctx: Context, pattern: re.Pattern[str], rule: str,
         fn: Callable[[re.Match[str]], str | None], text: str) -> str:
    """re.sub that records every change; `fn` returns None to leave a match alone."""

    def repl(m: re.Match[str]) -> str:
        spoken = fn(m)
        if spoken is None:
            return m.group()
        if spoken != m.group():
            ctx.changes.append(Change(m.group().strip(), spoken.strip(), rule))
        return spoken

    return pattern.sub(repl, text)


def _before(m: re.Match[str], n: int = 40) -> str:
    return m.string[max(0, m.start() - n):m.start()]


def _after(m: re.Match[str], n: int = 60) -> str:
    return m.string[m.end():m.end() + n]


def _prev_word(m: re.Match[str]) -> str:
    words = re.findall(r"\w+", _before(m, 20))
    return words[-1].lower() if words else ""


# --- rule: phrases from the lexicon (place names, loanwords, COVID-19) ---

_ETHNIC_PREFIX = {"H": "Hơ", "K": "Cơ", "M": "Mơ", "N": "Nơ", "R": "Rơ", "B": "Bơ", "D": "Dơ",
                  "L": "Lơ", "P": "Pơ", "S": "Xơ", "T": "Tơ", "Y": "Y"}
_ETHNIC_RE = re.compile(r"(?<!\w)([HKMNRBDLPSTY])['’](?=[A-ZĐ])")


def rule_phrases(text: str, ctx: Context) -> str:
    pattern = ctx.lexicon.phrase_re
    if pattern is not None:
        def phrase(m: re.Match[str]) -> str | None:
            written = m.group()
            if written in ctx.lexicon.phrases:
                return ctx.lexicon.phrases[written]
            # An all-caps headline still matches ("PLEIKU"); other case changes do not.
            if written.isupper() and len(written) > 3:
                return ctx.lexicon.phrases_folded.get(written.lower())
            return None

        text = _sub(ctx, pattern, "lexicon", phrase, text)
    # Ê Đê and Jrai names: H'Bia → Hơ Bia, K'Ho → Cơ Ho.
    return _sub(ctx, _ETHNIC_RE, "name", lambda m: _ETHNIC_PREFIX[m.group(1)] + " ", text)


# --- rule 2: document codes ---

_PARTY_CODE_RE = re.compile(
    r"(?<![\w/.-])(\d+)-([A-ZĐ][A-Za-zĐđ]{0,6})/([A-ZĐ][A-Za-zĐđƯ]{0,9}(?:-[A-ZĐ][\wĐđ]*)*)"
    r"(?![\w/])")
_STATE_CODE_RE = re.compile(
    r"(?<![\w/.-])(\d+)/(?:(\d{4})/)?([A-ZĐ][A-Za-zĐđ]{0,7}(?:-[A-ZĐ][A-Za-zĐđ0-9]*)+)"
    r"(?![\w/])")
_LAW_CODE_RE = re.compile(r"(?<![\w/.-])(\d+)/(\d{4})/([A-ZĐ]{1,6}\d{1,2})(?![\w/])")


def _issuer(part: str, ctx: Context) -> str:
    m = re.fullmatch(r"([A-Za-zĐđ]+?)(\d+)", part)
    if m:  # QH13: Quốc hội khóa mười ba
        return f"{_issuer(m.group(1), ctx)} khóa {read_number(int(m.group(2)), ctx.settings)}"
    spoken = _issuers().get(part) or ctx.lexicon.get(part)
    return spoken if spoken is not None else _spell(part, ctx)


def _code(m: re.Match[str], ctx: Context, number: str, year: str | None, type_key: str | None,
          issuers: list[str]) -> str:
    words = []
    if type_key is not None and not _DOC_BEFORE_RE.search(_before(m)):
        # The preceding noun does not name the type: say it ("kế hoạch số bốn mươi sáu").
        type_spoken = _TYPE_SPOKEN.get(type_key) or ctx.lexicon.get(type_key) or _spell(
            type_key, ctx)
        words.append(type_spoken + (" số" if not _prev_word(m) == "số" else ""))
    words.append(read_code_number(number, ctx.settings))
    if year:
        words.append("năm " + read_number(int(year), ctx.settings))
    spoken_issuers = [_issuer(p, ctx) for p in issuers]
    after = _after(m)
    # "… 01-KL/TW của Bộ Chính trị", "… ngày 3-9-2019 của Tỉnh ủy": the text names the issuer.
    names_it = _OWN_ISSUER_RE.match(after) or all(
        s.lower() in after.lower() or re.search(rf"(?<!\w){re.escape(code)}(?!\w)", after)
        for s, code in zip(spoken_issuers, issuers, strict=True))
    if spoken_issuers and not names_it:
        words.append("của " + " và ".join(spoken_issuers))
    return " ".join(words)


_OWN_ISSUER_RE = re.compile(r"\s*,?\s*(?:ngày\s+[\d/.-]+\s*,?\s*)?của\b")


def rule_document_codes(text: str, ctx: Context) -> str:
    def party(m: re.Match[str]) -> str:
        return _code(m, ctx, m.group(1), None, m.group(2), m.group(3).split("-"))

    def state(m: re.Match[str]) -> str:
        parts = m.group(3).split("-")
        type_key = parts[0] if parts[0] in _TYPE_KEYS else None
        # "245/UBND-VP": no type; UBND issued it, VP (the drafting office) is not read.
        issuers = parts[1:] if type_key else parts[:1]
        return _code(m, ctx, m.group(1), m.group(2), type_key, issuers)

    def law(m: re.Match[str]) -> str:
        return _code(m, ctx, m.group(1), m.group(2), None, [m.group(3)])

    text = _sub(ctx, _PARTY_CODE_RE, "document_code", party, text)
    text = _sub(ctx, _STATE_CODE_RE, "document_code", state, text)
    return _sub(ctx, _LAW_CODE_RE, "document_code", law, text)


# --- roads: QL14, QL.1A, ĐT.662 ---

_ROAD_RE = re.compile(r"(?<![\w])(QL|ĐT|TL|[Qq]uốc lộ|[Tt]ỉnh lộ|[Đđ]ường tỉnh)\.?\s?(\d+)([A-Z])?"
                      r"(?![\w/-])")
_ROAD_NAMES = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ"}


def rule_roads(text: str, ctx: Context) -> str:
    def road(m: re.Match[str]) -> str:
        name = _ROAD_NAMES.get(m.group(1), m.group(1))
        spoken = f"{name} {read_number(int(m.group(2)), ctx.settings)}"
        if m.group(3):
            spoken += " " + _letters().get(m.group(3), m.group(3).lower())
        return spoken

    return _sub(ctx, _ROAD_RE, "road", road, text)


# --- phone numbers: read digit by digit, in the groups they are written in ---

_PHONE_RE = re.compile(
    r"(?<![\w.,/+-])(?:(S?ĐT|Đt|ĐTDĐ)\s*(:?)\s*)?"
    r"((?:\+84[ .-]?|0|\(0)\d{1,4}\)?(?:[ .-]?\d{2,4}){1,4})(?![\w/]|[.,]\d)")
# Patterns start at the digits and look back for their trigger word: a leading alternation
# of words would be tried at every position of the text.
_HOTLINE_RE = re.compile(r"(?<![\w.,/-])(\d[\d .]{1,14}\d|\d)(?![\w/]|[.,]\d)")
_HOTLINE_BEFORE_RE = re.compile(
    r"(?i:gọi|gọi điện|đường dây nóng|tổng đài|điện thoại|số máy|hotline)\s*(?:số\s*)?:?\s*$")


def _read_phone(written: str) -> str:
    groups = re.split(r"[ .()-]+", written.strip("()"))
    if len(groups) == 1 and len(written) >= 9 and written.startswith("0"):
        # 0905123456 → 0905 123 456: pauses help listeners write it down.
        groups = [written[:4], written[4:7], written[7:]]
    spoken = [read_digits(g) for g in groups if g]
    if written.startswith("+"):
        spoken[0] = "cộng " + spoken[0]
    return ", ".join(spoken)


def rule_phones(text: str, ctx: Context) -> str:
    def phone(m: re.Match[str]) -> str | None:
        digits = re.sub(r"\D", "", m.group(3))
        if not (9 <= len(digits) <= 12):
            return None
        prefix = "" if m.group(1) is None else f"điện thoại{m.group(2)} "
        return prefix + _read_phone(m.group(3))

    def hotline(m: re.Match[str]) -> str | None:
        if not _HOTLINE_BEFORE_RE.search(_before(m, 30)):
            return None
        written = m.group(1).rstrip()
        return _read_phone(written) + m.group(1)[len(written):]

    text = _sub(ctx, _PHONE_RE, "phone", phone, text)
    return _sub(ctx, _HOTLINE_RE, "phone", hotline, text)


# --- rule 4: dates ---

_FULL_DATE_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4})(?![\w/]|[.,-]\d)")
_DAY_RANGE_DATE_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2})\s?[-–]\s?(\d{1,2})([/.])(\d{1,2})(?:\3(\d{4}))?(?![\w/]|[.,-]\d)")
_MONTH_SPAN_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2})\s?[-–]\s?(\d{1,2})([/.-])(\d{4})(?![\w/]|[.,-]\d)")
_MONTH_YEAR_RE = re.compile(r"(?<![\w/.,-])(\d{1,2})([/.-])(\d{4})(?![\w/]|[.,-]\d)")
_DATE_TRIGGER = r"ngày|hôm|sáng|trưa|chiều|tối|đêm|rạng sáng|khánh|mùng|mồng"
_DAY_MONTH_RE = re.compile(r"(?<![\w/.,-])(\d{1,2})([/.-])(\d{1,2})(?![\w/]|[.,-]\d)")
_DAY_MONTH_BEFORE_RE = re.compile(
    rf"(?<!\w)((?i:{_DATE_TRIGGER}|từ|đến|trước|sau|dịp|lễ|tết|nay))\s+$")


_COUNTERS = {"đợt", "lần", "kỳ", "số", "khóa", "khoá", "phiên", "quý", "tập", "tuần", "vòng"}
_DATE_SPAN_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s?[-–—]\s?(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"
    r"(?![\w/]|[.,-]\d)")


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _day_words(m: re.Match[str], day: int, ctx: Context, prev: str | None = None) -> str:
    """"ngày mùng tám", or just "mùng tám" when "ngày"/"mùng" is already written before."""
    prev = _prev_word(m) if prev is None else prev
    if prev in ("mùng", "mồng"):
        return read_number(day, ctx.settings)
    words = read_day(day, ctx.settings)
    return words if prev == "ngày" else "ngày " + words


def rule_dates(text: str, ctx: Context) -> str:
    s = ctx.settings

    def full(m: re.Match[str], prev: str | None = None) -> str | None:
        day, month, year = int(m.group(1)), int(m.group(3)), int(m.group(4))
        if not _valid(day, month):
            return None
        return f"{_day_words(m, day, ctx, prev)} {read_month(month, s)} {read_year(year, s)}"

    def day_range(m: re.Match[str]) -> str | None:
        d1, d2, month = int(m.group(1)), int(m.group(2)), int(m.group(4))
        if not (_valid(d1, month) and _valid(d2, month) and d1 < d2):
            return None
        if not m.group(5) and not re.search(rf"(?i:{_DATE_TRIGGER}|từ)\s+$", _before(m)):
            return None
        words = (f"{_day_words(m, d1, ctx)} đến {read_day(d2, s)} {read_month(month, s)}")
        return words + (f" {read_year(int(m.group(5)), s)}" if m.group(5) else "")

    def month_year(m: re.Match[str]) -> str | None:
        month, year = int(m.group(1)), int(m.group(3))
        if not (1 <= month <= 12 and 1900 <= year <= 2100):
            return None
        if _prev_word(m) in _COUNTERS:  # đợt 1/2026, quý 2/2026, số 5/2026
            return f"{read_number(month, s)} {read_year(year, s)}"
        month_words = read_month(month, s)
        if _prev_word(m) == "tháng":
            month_words = month_words.removeprefix("tháng ")
        return f"{month_words} {read_year(year, s)}"

    def day_month(m: re.Match[str]) -> str | None:
        day, month = int(m.group(1)), int(m.group(3))
        before = _DAY_MONTH_BEFORE_RE.search(_before(m, 20))
        if before is None or not _valid(day, month):
            return None
        trigger = before.group(1).lower()
        # "từ 2-3 lần" is a range: hyphenated D-M needs a real date word before it.
        if m.group(2) != "/" and not re.fullmatch(_DATE_TRIGGER, trigger):
            return None
        if trigger in ("mùng", "mồng"):
            day_words = read_number(day, s)
        elif trigger == "ngày":
            day_words = read_day(day, s)
        else:
            day_words = read_day(day, s) if day <= 10 else "ngày " + read_number(day, s)
        return f"{day_words} {read_month(month, s)}"

    def span(m: re.Match[str]) -> str | None:
        first = _FULL_DATE_RE.fullmatch(m.group(1))
        second = _FULL_DATE_RE.fullmatch(m.group(2))
        if first is None or second is None:
            return None
        start, end = full(first, _prev_word(m)), full(second, "")
        return f"{start} đến {end}" if start and end else None

    text = _sub(ctx, _DATE_SPAN_RE, "date", span, text)
    text = _sub(ctx, _FULL_DATE_RE, "date", full, text)
    text = _sub(ctx, _DAY_RANGE_DATE_RE, "date", day_range, text)
    def month_span(m: re.Match[str]) -> str | None:
        m1, m2, year = int(m.group(1)), int(m.group(2)), int(m.group(4))
        if not (1 <= m1 < m2 <= 12 and 1900 <= year <= 2100):
            return None
        first = read_month(m1, s)
        if _prev_word(m) == "tháng":
            first = first.removeprefix("tháng ")
        return f"{first} đến {read_month(m2, s)} {read_year(year, s)}"

    text = _sub(ctx, _MONTH_SPAN_RE, "date", month_span, text)
    text = _sub(ctx, _MONTH_YEAR_RE, "date", month_year, text)
    return _sub(ctx, _DAY_MONTH_RE, "date", day_month, text)


# --- times: 7h30, 7h, 17:00, 7h-11h, 7-11h ---

_TIME_RANGE_RE = re.compile(
    r"(?<![\w.,/:-])(\d{1,2})(?:(h|g|:)(\d{2})?)?(?:'|p|ph)?\s?[-–—]\s?"
    r"(\d{1,2})(?:h|g|:)(\d{2})?(?:'|p|ph)?(?!\w)")
_TIME_RE = re.compile(r"(?<![\w.,/:-])(\d{1,2})(?:h|g)(\d{2})?(?:'|p|ph)?(?!\w)"
                      r"|(?<![\w.,/:-])(\d{1,2}):(\d{2})(?::\d{2})?(?![\w:]|[.,]\d)")


def _time(h: str, mm: str | None, ctx: Context) -> str | None:
    hour, minute = int(h), int(mm or 0)
    if hour > 24 or minute > 59:
        return None
    words = f"{read_number(hour, ctx.settings)} giờ"
    return words + (f" {read_number(minute, ctx.settings)} phút" if minute else "")


def rule_times(text: str, ctx: Context) -> str:
    def time_range(m: re.Match[str]) -> str | None:
        h1, marker, m1, h2, m2 = m.groups()
        end = _time(h2, m2, ctx)
        start = _time(h1, m1, ctx) if marker else (
            read_number(int(h1), ctx.settings) if int(h1) <= 24 else None)
        if start is None or end is None:
            return None
        lead = "" if _prev_word(m) == "từ" else "từ "
        return f"{lead}{start} đến {end}"

    def single(m: re.Match[str]) -> str | None:
        if m.group(1) is not None:
            return _time(m.group(1), m.group(2), ctx)
        return _time(m.group(3), m.group(4), ctx)

    text = _sub(ctx, _TIME_RANGE_RE, "time", time_range, text)
    return _sub(ctx, _TIME_RE, "time", single, text)


# --- units, percent and money right after a number (or a range of numbers) ---

@cache
def _unit_re() -> re.Pattern[str]:
    return re.compile(rf"{_START}(?:({NUM}){DASH})?({NUM})\s?(%|‰|°C|°|{_units_re()})"
                      r"(?![\w²³])")


_NEGATIVE_RE = re.compile(r"(?<![\w.,/-])[-−](?=\d[\d,]*\s?(?:°|độ))")


def rule_units(text: str, ctx: Context) -> str:
    units = _units()
    # -2°C: a minus sign before a temperature is "âm".
    text = _sub(ctx, _NEGATIVE_RE, "number", lambda m: "âm ", text)

    def unit(m: re.Match[str]) -> str:
        spoken = ctx.num(m.group(2)) + " " + units.get(m.group(3), m.group(3))
        if m.group(1):
            spoken = f"{ctx.num(m.group(1))} đến {spoken}"
        return spoken

    return _sub(ctx, _unit_re(), "unit", unit, text)


# --- ranges: 2-3 lần, 2021-2022 ---

_RANGE_RE = re.compile(rf"{_START}({NUM}){DASH}({NUM}){_END}")


def rule_ranges(text: str, ctx: Context) -> str:
    return _sub(ctx, _RANGE_RE, "range",
                lambda m: f"{ctx.num(m.group(1))} đến {ctx.num(m.group(2))}", text)


# --- slashes between numbers: fraction, ratio, school year ---

_SLASH_NUM_RE = re.compile(rf"{_START}({NUM})\s?/\s?({NUM}){_END}")
_RATIO_RE = re.compile(rf"{_START}({NUM}):({NUM}){_END}")


def rule_number_slashes(text: str, ctx: Context) -> str:
    def slash(m: re.Match[str]) -> str:
        a, b = m.group(1), m.group(2)
        if a.isdigit() and b.isdigit():
            x, y = int(a), int(b)
            if 1900 <= x <= 2100 and y == x + 1:  # năm học 2020/2021
                return f"{ctx.num(a)} đến {ctx.num(b)}"
            if 0 < x < y and (x == 1 and y <= 10 or y <= 4):  # một phần ba, ba phần tư
                return f"{ctx.num(a)} phần {'tư' if y == 4 else ctx.num(b)}"
        return f"{ctx.num(a)} trên {ctx.num(b)}"  # 15/15 chỉ tiêu

    text = _sub(ctx, _SLASH_NUM_RE, "fraction", slash, text)
    # tỷ lệ 1:2000 (a time like 7:30 has been read already)
    return _sub(ctx, _RATIO_RE, "fraction",
                lambda m: f"{ctx.num(m.group(1))} trên {ctx.num(m.group(2))}", text)


# --- slashes between words: rates ("lần/năm" → "lần mỗi năm", "đồng/kg" → "đồng một ki-lô-gam")

_RATE_NOUNS = {"năm", "tháng", "tuần", "ngày", "giờ", "phút", "người", "hộ", "lượt", "ca", "buổi",
               "kỳ", "quý", "xã", "thôn", "làng", "con", "lớp", "học sinh", "khẩu", "lần", "đợt",
               "vụ", "sào", "công", "trường", "đơn vị", "huyện", "tỉnh", "cây", "suất", "chiếc"}
_WORD_SLASH_RE = re.compile(r"(?<=[^\W\d_])\s?/\s?([^\W\d_]+(?:\s[^\W\d_]+)?)")
_LEFT_WORD_RE = re.compile(r"(?<![\w/])[^\W\d_]+$")


def rule_word_slashes(text: str, ctx: Context) -> str:
    if "/" not in text:
        return text
    units = _units()

    def slash(m: re.Match[str]) -> str | None:
        found = _LEFT_WORD_RE.search(_before(m, 30))
        left, right = (found.group() if found else ""), m.group(1)
        first = right.split()[0]
        if not left.islower() or len(left) == 1 or len(first) == 1 or not first.islower():
            return None  # HIV/AIDS, Đ/c, KH/TU: abbreviations, for the token rule
        if first in units:
            return f" một {units[first]}{right[len(first):]}"
        if first in _RATE_NOUNS:
            return f" mỗi {right}"
        if "hoặc" in (left, first):
            return f" {right}"
        return f", {right}"  # hộ/khẩu, nam/nữ: a short pause reads both

    for _ in range(3):  # "đồng/người/năm": each pass takes one slash of a chain
        new = _sub(ctx, _WORD_SLASH_RE, "rate", slash, text)
        if new == text:
            break
        text = new
    return text


def rule_dashes(text: str, ctx: Context) -> str:
    """A dash between phrases is a pause (the numbers have taken theirs already); run before
    the abbreviations, whose spoken forms keep theirs ("kinh tế - xã hội")."""
    text = re.sub(r"^[ \t]*[-–—•*+·>]+[ \t]+", "", text, flags=re.M)  # bullets
    return re.sub(r"\s+[-–—]+\s+|(?<=\w)[–—](?=\w)", ", ", text)


# --- Roman numerals and ordinals after trigger words ---

_ROMAN_TRIGGERS = (
    "lần thứ|thứ|khóa|khoá|đại hội|quý|thế kỷ|kỳ họp|kỳ|hạng|phần|chương|mục|đợt|quân khu|"
    "khu vực|nhóm|loại|cấp|tập|điều|giai đoạn|phiên|vòng|tiểu đoàn|trung đoàn|sư đoàn")
_ROMAN_RE = re.compile(r"(?<![\w.,/-])([IVXLC]+)(?!\w)")
_ROMAN_BEFORE_RE = re.compile(rf"(?<!\w)((?i:{_ROMAN_TRIGGERS}))\s+$")
_ORDINAL_RE = re.compile(r"(?<![\w.,/-])(\d+)(?![\w/.,-])")
_ORDINAL_BEFORE_RE = re.compile(r"(?<!\w)(?i:thứ|hạng)\s+$")


def rule_ordinals(text: str, ctx: Context) -> str:
    def roman(m: re.Match[str]) -> str | None:
        before = _ROMAN_BEFORE_RE.search(_before(m, 20))
        value = roman_to_int(m.group(1)) if before else None
        if before is None or value is None:
            return None
        trigger = before.group(1).lower()
        return (read_ordinal(value, ctx.settings) if trigger.endswith(("thứ", "hạng"))
                else read_number(value, ctx.settings))

    def ordinal(m: re.Match[str]) -> str | None:
        if not _ORDINAL_BEFORE_RE.search(_before(m, 10)):
            return None
        return read_ordinal(int(m.group(1)), ctx.settings)

    text = _sub(ctx, _ROMAN_RE, "roman", roman, text)
    return _sub(ctx, _ORDINAL_RE, "ordinal", ordinal, text)


# --- letters and digits mixed: F0, 5K, H5N1, G7, 4.0 ---

_VERSION_RE = re.compile(r"(?<![\w.,])(\d)\.(\d)(?![\w]|[.,]\d)")
_ALNUM_RE = re.compile(r"(?<![\w.,/-])(?=[^\W_]*\d)(?=[^\W_]*[^\W\d_])[^\W_]+(?![\w/])")


def rule_alphanumeric(text: str, ctx: Context) -> str:
    def alnum(m: re.Match[str]) -> str:
        words = []
        for piece in re.findall(r"\d+|[^\W\d_]+", m.group()):
            if piece.isascii() and piece.isdigit():
                words.append(read_code_number(piece, ctx.settings) if len(piece) <= 3
                             else read_digits(piece))
            elif piece in ctx.lexicon:
                words.append(ctx.lexicon.get(piece) or piece)
            elif piece.isupper():
                words.append(_spell(piece, ctx) if len(piece) > 2 else _letter_names(piece))
            else:
                words.append(piece)
        return " ".join(words)

    text = _sub(ctx, _VERSION_RE, "number",
                lambda m: f"{read_number(int(m.group(1)))} chấm {read_number(int(m.group(2)))}",
                text)
    return _sub(ctx, _ALNUM_RE, "alphanumeric", alnum, text)


# --- rule 3: the remaining numbers ---

_PLUS_RE = re.compile(rf"{_START}({NUM})\s?\+\s?({NUM}){_END}")
_NUMBER_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?(?!\d)|\d{1,3}(?:,\d{3}){2,}(?![\d,])"
                        r"|\d+,\d+|\d+")


def rule_numbers(text: str, ctx: Context) -> str:
    def number(m: re.Match[str]) -> str:
        written = m.group()
        if re.fullmatch(r"\d{1,3}(?:,\d{3}){2,}", written):  # 1,500,000 (English grouping)
            written = written.replace(",", ".")
        return ctx.num(written)

    text = _sub(ctx, _PLUS_RE, "number",
                lambda m: f"{ctx.num(m.group(1))} cộng {ctx.num(m.group(2))}", text)
    return _sub(ctx, _NUMBER_RE, "number", number, text)


# --- rule 5: abbreviations and unknown capitals ---

_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]{1,3}"
    r"(ng|nh|ch|[cmnpt])?")
# Keys the notes allow only inside compounds or codes (AN, CA, KT …).
_COMPOUND_ONLY = {"AN", "CA", "KT", "XH", "QP", "QS", "TH", "MN"}
_DOTTED = {"TP.", "TX.", "TT.", "H.", "Q.", "P.", "X.", "Tp."}
_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper())
# Only tokens holding a capital letter can be abbreviations (lowercase "đ/c" is a phrase).
_TOKEN_RE = re.compile(
    rf"(?<![\w'’])(?=[^\W\d_]*[{_UPPER}])[^\W\d_]+(?:[&/.\-][^\W\d_]+)*\.?")


def _spell(token: str, ctx: Context) -> str:
    if token not in ctx.unknown:
        ctx.unknown.append(token)
    return _letter_names(token)


def _letter_names(token: str) -> str:
    return " ".join(_letters().get(c.upper(), c.lower()) for c in token if c.isalpha())


def _is_caps(token: str) -> bool:
    return token.isupper() and len([c for c in token if c.isalpha()]) >= 2


def _token(tok: str, ctx: Context, m: re.Match[str], compound: bool = False) -> str:
    """Spoken form of one word-like token (no trailing dot)."""
    lex = ctx.lexicon
    spoken = lex.get(tok)
    if spoken is not None and (compound or tok not in _COMPOUND_ONLY):
        # Context: CT UBND is the chairman; TH after "trường" is a primary school.
        after = _after(m, 12)
        if tok == "CT" and re.match(r"\s+(UBND|HĐND|UBMTTQ|MTTQ|Hội|xã|huyện|tỉnh)\b", after):
            return "Chủ tịch"
        if tok == "ĐT" and re.match(r"\s*:\s*\S", after):
            return "điện thoại"
        return spoken
    if tok in ("TH", "MN") and _prev_word(m) == "trường":
        return "tiểu học" if tok == "TH" else "mầm non"
    if tok == "ND" and _prev_word(m) == "hội":
        return "Nông dân"
    if not _is_caps(tok):
        return tok
    if tok.lower() in lex.phrases_folded:  # PLEIKU in a headline
        return lex.phrases_folded[tok.lower()]
    if tok not in _COMPOUND_ONLY and _SYLLABLE_RE.fullmatch(tok.lower()):
        return tok.lower()  # a Vietnamese word written in capitals: THÔNG BÁO
    return _spell(tok, ctx)


def rule_abbreviations(text: str, ctx: Context) -> str:
    lex = ctx.lexicon

    def token(m: re.Match[str]) -> str | None:
        written = m.group()
        after = _after(m, 3)
        if written in _DOTTED or (written.endswith(".") and written in lex and "." in written[:-1]):
            # TP. Pleiku, X. Ia Hrú: only before a capitalised name or a number.
            if re.match(r"\s?[A-ZĐ\u00c0-\u1ef8\d]", after) and written in lex:
                return lex.get(written) + " "
            if written[:-1] not in lex:
                return None
        core, dot = (written[:-1], ".") if written.endswith(".") else (written, "")
        if (core not in lex and core.isalpha() and not _is_caps(core)
                and core not in ("TH", "ND", "MN")):
            return None  # an ordinary capitalised word: Ban, Tỉnh, Plây
        if core in lex or core.lower() in lex.phrases_folded:
            return _token(core, ctx, m, compound=False) + dot
        parts = re.split(r"([&/-])", core)
        if len(parts) > 1 and any(_is_caps(p) or p in lex for p in parts[::2]):
            spoken = []
            for i, p in enumerate(parts):
                if i % 2:
                    spoken.append({"&": "và", "/": "", "-": ""}[p])
                else:
                    spoken.append(_token(p, ctx, m, compound=True))
            return " ".join(w for w in spoken if w) + dot
        if not any(c.isupper() for c in core):
            return None
        result = _token(core, ctx, m)
        return None if result == core else result + dot

    return _sub(ctx, _TOKEN_RE, "abbreviation", token, text)


def relabel_unknown(ctx: Context) -> None:
    """Changes that spelled an unknown token are reported under their own rule name."""
    for i, change in enumerate(ctx.changes):
        if change.rule == "abbreviation" and change.original.rstrip(".") in ctx.unknown:
            ctx.changes[i] = Change(change.original, change.spoken, "unknown_acronym")


# --- symbols and punctuation: keep what gives pauses, say or drop the rest ---

_SYMBOL_WORDS = {"&": " và ", "+": " và ", "=": " bằng ", "%": " phần trăm ", "‰": " phần nghìn ",
                 "°": " độ ", "~": " khoảng ", "≈": " khoảng ", "×": " nhân ", "≥": " từ ",
                 "≤": " đến ", "№": " số ", "§": " điều "}
_SYMBOL_RE = re.compile("|".join(map(re.escape, _SYMBOL_WORDS)))


_QUOTES_RE = re.compile(r"[“”\"«»„‟‹›]|(?<!\w)['‘’]|['‘’](?!\w)")
_ODD_SYMBOLS_RE = re.compile(r"[/\\|_*#^@`•·]")


def rule_symbols(text: str, ctx: Context) -> str:
    text = _SYMBOL_RE.sub(lambda m: _SYMBOL_WORDS[m.group()], text)
    text = _QUOTES_RE.sub("", text)
    text = re.sub(r"['‘’]", "", text)  # inside a word: O'Neil → ONeil
    if "(" in text or "[" in text or "{" in text:
        text = re.sub(r"\s*[(\[{]\s*", ", ", text)  # (toàn khóa) → , toàn khóa,
        text = re.sub(r"\s*[)\]}]", ",", text)
    if "…" in text or "...." in text:
        text = re.sub(r"…|\.{3,}", "...", text)
    text = _ODD_SYMBOLS_RE.sub(" ", text)
    # Tidy the punctuation left behind.
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*(\.\.\.|[.!?])", r"\1", text)
    text = re.sub(r"([,;:!?])(?=[^\s\d,.;:!?])", r"\1 ", text)
    text = re.sub(r"(?m)^[ ,;:]+|[ ,;:]+$", "", text)
    text = re.sub(r"\n{2,}", "\n", text)
    return text.strip()


# --- rule 8: the last check ---

_ALLOWED_PUNCT = set(" \n.,?!;:-")


def final_check(text: str, ctx: Context) -> str:
    """No digit and no unreadable symbol may reach an engine: spell or drop, and report."""
    out = []
    changed = False
    for c in text:
        if c in _ALLOWED_PUNCT or (c.isalpha() and (c.isascii() or "\u00c0" <= c <= "\u1ef9")):
            out.append(c)
            continue
        changed = True
        if c.isdigit():
            spoken = read_digits(c) if c.isascii() else ""
            out.append(f" {spoken} ")
            ctx.warnings.append(f"Chữ số «{c}» còn sót, đã đọc từng chữ số (cần báo lỗi).")
        else:
            out.append(" ")
            ctx.warnings.append(f"Ký hiệu «{c}» không đọc được, đã bỏ (U+{ord(c):04X}).")
    if not changed:
        return text
    result = re.sub(r"[ \t]+", " ", "".join(out))
    return re.sub(r" ([,.;:!?])", r"\1", result).strip()


Rule = Callable[[str, Context], str]

RULES: tuple[Rule, ...] = (
    rule_phrases,
    rule_document_codes,
    rule_roads,
    rule_phones,
    rule_dates,
    rule_times,
    rule_units,
    rule_ranges,
    rule_number_slashes,
    rule_ordinals,
    rule_alphanumeric,
    rule_numbers,
    rule_word_slashes,
    rule_dashes,
    rule_abbreviations,
    rule_symbols,
    final_check,
)
