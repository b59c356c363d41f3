"""Numbers, digits, decimals, ordinals, Roman numerals, dates and times read aloud.

Pure functions; every one returns lowercase Vietnamese words (weekday names excepted).
"""

from __future__ import annotations

import datetime as _dt

from ..config import NormalizeSettings

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_DEFAULT = NormalizeSettings()
_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _tens_units(n: int, zero_tens: str, padded: bool) -> str:
    """0 < n < 100. `padded`: the number has a hundreds digit before it (linh/lẻ needed)."""
    tens, units = divmod(n, 10)
    if tens == 0:
        return f"{zero_tens} {DIGITS[units]}" if padded else DIGITS[units]
    if tens == 1:
        head = "mười"
        tail = {0: "", 5: "lăm"}.get(units, DIGITS[units])
    else:
        head = f"{DIGITS[tens]} mươi"
        # mốt, tư, lăm only after "mươi" (21, 24, 25); 11, 14, 15 are mười một, mười bốn, mười lăm.
        tail = {0: "", 1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units])
    return f"{head} {tail}".strip()


def _group(n: int, zero_tens: str, leading: bool) -> str:
    """Read 0 < n < 1000; a non-leading group always says its hundreds ("không trăm")."""
    hundreds, rest = divmod(n, 100)
    if leading and hundreds == 0:
        return _tens_units(rest, zero_tens, padded=False)
    words = f"{DIGITS[hundreds]} trăm"
    if rest:
        words += " " + _tens_units(rest, zero_tens, padded=True)
    return words


def _below_billion(n: int, s: NormalizeSettings, leading: bool) -> str:
    """0 <= n < 10^9. An all-zero group between spoken parts is read ("một triệu không
    nghìn năm trăm"), because "một triệu năm trăm" is commonly heard as 1.500.000."""
    groups = (n // 1_000_000, n // 1000 % 1000, n % 1000)
    scales = ("triệu", s.thousand, "")
    words: list[str] = []
    for i, (g, scale) in enumerate(zip(groups, scales, strict=True)):
        if g == 0:
            if scale and any(groups[i + 1:]) and (words or not leading):
                words.append(f"không {scale}")
            continue
        words.append(_group(g, s.zero_tens, leading=leading and not words))
        if scale:
            words.append(scale)
    return " ".join(words)


def read_number(n: int, settings: NormalizeSettings | None = None) -> str:
    """Read a whole number: 21 → "hai mươi mốt", 105 → "một trăm linh năm",
    2021 → "hai nghìn không trăm hai mươi mốt", 10^12 → "một nghìn tỷ"."""
    s = settings or _DEFAULT
    if n < 0:
        return "âm " + read_number(-n, s)
    if n == 0:
        return "không"
    return _read_positive(n, s, leading=True)


def _read_positive(n: int, s: NormalizeSettings, leading: bool) -> str:
    billions, rest = divmod(n, 1_000_000_000)
    if billions == 0:
        return _below_billion(rest, s, leading)
    head = _read_positive(billions, s, leading) + " tỷ"
    if rest == 0:
        return head
    return head + " " + _below_billion(rest, s, leading=False)


def read_digits(digits: str) -> str:
    """Read a digit string one digit at a time: "0269" → "không hai sáu chín"."""
    # isdecimal, not isdigit: "²" is a digit that int() cannot read.
    return " ".join(DIGITS[int(c)] for c in digits if c.isdecimal())


def read_code_number(digits: str, settings: NormalizeSettings | None = None) -> str:
    """A number inside a document code or similar: leading zeros stay digits ("05")."""
    if len(digits) > 1 and digits.startswith("0"):
        return read_digits(digits)
    return read_number(int(digits), settings)


def read_decimal(integer: str, fraction: str, settings: NormalizeSettings | None = None) -> str:
    """"0,05" → "không phẩy không năm"; "1,25" → "một phẩy hai mươi lăm".

    Leading zeros of the fraction are read "không"; the rest is read as a number when it
    has at most three digits, else digit by digit (that is how announcers read it)."""
    head = read_number(int(integer), settings) if integer else "không"
    stripped = fraction.lstrip("0")
    zeros = len(fraction) - len(stripped)
    parts = ["không"] * zeros
    if stripped:
        parts.append(read_number(int(stripped), settings) if len(stripped) <= 3
                     else read_digits(stripped))
    return f"{head} phẩy {' '.join(parts)}"


def read_ordinal(n: int, settings: NormalizeSettings | None = None) -> str:
    """The word after "thứ": 1 → "nhất", 4 → "tư", else the number."""
    return {1: "nhất", 4: "tư"}.get(n) or read_number(n, settings)


def roman_to_int(roman: str) -> int | None:
    """Value of a well-formed Roman numeral, or None (so "MC", "VX" are not numbers)."""
    if not roman or any(c not in _ROMAN for c in roman):
        return None
    total = 0
    for i, c in enumerate(roman):
        v = _ROMAN[c]
        if i + 1 < len(roman) and _ROMAN[roman[i + 1]] > v:
            total -= v
        else:
            total += v
    return total if total > 0 and int_to_roman(total) == roman else None


def int_to_roman(n: int) -> str:
    out = []
    for value, sym in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                       (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)


def read_day(day: int, settings: NormalizeSettings | None = None) -> str:
    """Day of month: 1–10 are "mùng một" … "mùng mười", as announcers say them."""
    return f"mùng {read_number(day, settings)}" if day <= 10 else read_number(day, settings)


def read_month(month: int, settings: NormalizeSettings | None = None) -> str:
    """"tháng tư" for April (never "tháng bốn"); January is "tháng một" (solar calendar)."""
    return "tháng " + ("tư" if month == 4 else read_number(month, settings))


def read_year(year: int, settings: NormalizeSettings | None = None) -> str:
    return "năm " + read_number(year, settings)


def read_date(d: _dt.date, settings: NormalizeSettings | None = None) -> str:
    """"ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"."""
    return (f"ngày {read_day(d.day, settings)} {read_month(d.month, settings)} "
            f"{read_year(d.year, settings)}")


def read_weekday(d: _dt.date) -> str:
    """"thứ Hai" … "thứ Bảy", "Chủ nhật"."""
    return _WEEKDAYS[d.weekday()]


def read_time(hour: int, minute: int = 0, settings: NormalizeSettings | None = None) -> str:
    """"bảy giờ ba mươi phút"; minutes never take "linh" ("bảy giờ năm phút")."""
    words = f"{read_number(hour, settings)} giờ"
    if minute:
        words += f" {read_number(minute, settings)} phút"
    return words
