"""Rule 4, dates and times: D/M/YYYY four ways, D/M after a date word, spans, 7h30, 7h-11h."""

from __future__ import annotations

import re

from .codes import _DOC_BEFORE_RE
from .context import Context, glued, prev_word, sub, text_after, text_before
from .numerals import read_code_number, read_day, read_month, read_number, read_year
from .quantities import _COUNTED_AFTER_RE, _WHOLE_AFTER_RE

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
# Weekdays name a day: "Thứ Năm 4/12", "Chủ nhật 7/12", "thứ 7 (13/12)".
_WEEKDAY = r"thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật|CN"
_DAY_MONTH_BEFORE_RE = re.compile(
    rf"(?<!\w)((?i:{_DATE_TRIGGER}|từ|đến|trước|sau|dịp|lễ|tết|nay|hết|vào|{_WEEKDAY})"
    r"|(?i:hạn|hạn chót|thời hạn|hết hạn)\s*:)"
    r"\s*[,(]?\s*$")


_FAR_DAY_WORD_RE = re.compile(r"(?<!\w)((?i:ngày|kỷ niệm|dịp|lễ|tết))\b[^\d\n.;!?]*$")
_CALENDAR_AFTER_RE = re.compile(r"\s*(?:âm lịch|dương lịch|AL|ÂL|DL)\b")
_DATE_LIST_BEFORE_RE = re.compile(r"(?:\d{1,2}/\d{1,2}\s*(?:,|và|hoặc)\s*){1,6}$")
# Days that share the month written once after the last of them: "ngày 3 và 4/6",
# "từ ngày 10 đến ngày 12/3", "ngày 5, 6 và 7/12". The bare day needs "ngày"/"mùng" before
# the list and a day/month closing it; then each number is a day of that month.
_DAY_CONJ = r"\s*(?:,|và|hoặc|đến|tới|[-–])\s*(?:ngày\s+|mùng\s+|mồng\s+)?"
_SHARED_MONTH_DAY_RE = re.compile(
    rf"(?<!\w)(?i:ngày|mùng|mồng)\s+((?:\d{{1,2}}{_DAY_CONJ})*)(\d{{1,2}})"
    rf"(?={_DAY_CONJ}(?:\d{{1,2}}{_DAY_CONJ})*(\d{{1,2}})/(\d{{1,2}})(?![\w/]|[.,-]\d))")
_LISTED_DAY_BEFORE_RE = re.compile(
    rf"(?<!\w)(?i:ngày|mùng|mồng)\s+(?:\d{{1,2}}{_DAY_CONJ})+$")
_COUNTERS = {"đợt", "lần", "kỳ", "số", "khóa", "khoá", "phiên", "quý", "tập", "tuần", "vòng"}
_DATE_SPAN_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s?[-–—]\s?(\d{1,2}[/.-]\d{1,2}[/.-]\d{4})"
    r"(?![\w/]|[.,-]\d)")


# A span of two day/months, the year written once: "1/1 - 31/3/2026", "5/12-10/12".
_SHORT_SPAN_RE = re.compile(
    r"(?<![\w/.,-])(\d{1,2})/(\d{1,2})\s?[-–—]\s?(\d{1,2})/(\d{1,2})(?:/(\d{4}))?"
    r"(?![\w/]|[.,-]\d)")

# Dates half in words: "ngày 8 tháng 10 năm 2021", "tháng 4".
_WORDY_DAY_RE = re.compile(r"(?<!\w)((?:ngày|Ngày|NGÀY)\s+)(\d{1,2})(?=\s+(?:tháng|THÁNG)\s+\d)")
# "ngày 2 đến ngày 10 hằng tháng": a day of the month with no month written is still a day
# ("mùng hai"), when a pause, a link word or another day follows; "ngày 3 lần" is a count.
_DAY_OF_MONTH_RE = re.compile(
    r"((?:ngày|Ngày|NGÀY)\s+)(\d{1,2})(?=\s*(?:[,;:!?)]|\.(?!\d)|$)|\s+(?:đến|tới|và|"
    r"hoặc|hằng|hàng|của)\b)")
# "Tháng 12 - 2026", "Quý 4 - 2026": a month (a quarter) and its year written with a dash.
_SPACED_YEAR_CUES = tuple(f"{d}{c}" for d in ("-", "- ", "–", "– ") for c in ("19", "20"))
_SPACED_MONTH_YEAR_RE = re.compile(
    r"((?:[Tt]háng|THÁNG|[Qq]uý|QUÝ) )(\d{1,2})\s?[-–]\s?((?:19|20)\d\d)"
    r"(?![\w/]|[.,]\d)")
# "các ngày 5, 10, 15 hằng tháng": bare days listed after "ngày", closed by a pause or a
# link word; every one of them is a day of the month ("mùng mười").
_DAY_LIST_RE = re.compile(
    r"(?:[Nn]gày|NGÀY) \d{1,2}((?:\s*(?:,|và|hoặc)\s*\d{1,2})+)"
    r"(?=\s*(?:[;:!?)]|\.(?!\d)|$)|\s+(?:hằng|hàng|mỗi|trong)\b)")
_WORDY_MONTH_RE = re.compile(
    r"(?<!\w)((?:tháng|Tháng|THÁNG)\s+)(\d{1,2})(?![\w/:-]|[.,]\d|\s*[-–]\s*\d)")


# The year of a law after its name: "Luật Đất đai 2024", "BLDS 2015" → "năm …".
_LAW_YEAR_RE = re.compile(r"(?<![\w.,/-])((?:19|20)\d\d)(?![\w/]|[.,]\d)")
_LAW_BEFORE_RE = re.compile(
    r"(?:\b(?:Luật|Bộ luật|Hiến pháp|Pháp lệnh)(?:\s+[^\W\d][\w]*){0,5}|\bBL[A-ZĐ]{2,6})\s+$")


_NAMED_PLACE_BEFORE_RE = re.compile(
    r"(?<!\w)(?i:đường|phố|quảng trường|cầu|công viên|sân vận động|bến xe|khu tập thể)\s+$")


def _valid(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def _day_words(m: re.Match[str], day: int, ctx: Context, prev: str | None = None) -> str:
    """"ngày mùng tám", or just "mùng tám" when "ngày"/"mùng" is already written before."""
    prev = prev_word(m) if prev is None else prev
    if prev in ("mùng", "mồng"):
        return read_number(day, ctx.settings)
    words = read_day(day, ctx.settings)
    if prev != "ngày" and _LISTED_DAY_BEFORE_RE.search(text_before(m, 40)):
        if prev in ("đến", "tới") and day > 10:
            return "ngày " + words  # a span's end, as after "đến" alone: "đến ngày hai mươi"
        return words  # "ngày 1 và 2/1/2027": the list's "ngày" is written once
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
        if not m.group(5) and not re.search(rf"(?i:{_DATE_TRIGGER}|từ)\s+$", text_before(m)):
            return None
        words = (f"{_day_words(m, d1, ctx)} đến {read_day(d2, s)} {read_month(month, s)}")
        return words + (f" {read_year(int(m.group(5)), s)}" if m.group(5) else "")

    def month_year(m: re.Match[str]) -> str | None:
        month, year = int(m.group(1)), int(m.group(3))
        if m.group(2) == "/" and _DOC_BEFORE_RE.search(text_before(m)):
            # "Thông tư 01/2021", "NĐ 15/2020": a document's number and year, not a month.
            ctx.because("số văn bản và năm ban hành sau tên loại văn bản")
            return f"{read_code_number(m.group(1), s)}, {read_year(year, s)}"
        if not (1 <= month <= 12 and 1900 <= year <= 2100):
            return None
        if prev_word(m) in _COUNTERS:  # đợt 1/2026, quý 2/2026, số 5/2026
            return f"{read_number(month, s)} {read_year(year, s)}"
        month_words = read_month(month, s)
        if prev_word(m) == "tháng":
            month_words = month_words.removeprefix("tháng ")
        return f"{month_words} {read_year(year, s)}"

    def day_month(m: re.Match[str]) -> str | None:
        day, month = int(m.group(1)), int(m.group(3))
        if not _valid(day, month):
            return None
        before = _DAY_MONTH_BEFORE_RE.search(text_before(m, 20))
        if before is None and m.group(2) == "/" and _LISTED_DAY_BEFORE_RE.search(
                text_before(m, 40)):
            ctx.because("ngày/tháng đóng một danh sách ngày sau «ngày»")
            return f"{read_day(day, s)} {read_month(month, s)}"
        if before is None and m.group(2) == "/":
            # "15/1 âm lịch"; "ngày 30/4 và 1/5": the calendar after it, or a date before it
            # in the same list, makes a day/month of it.
            if _CALENDAR_AFTER_RE.match(text_after(m, 20)):
                ctx.because("ngày/tháng trước «âm lịch/dương lịch»")
                return f"{read_day(day, s)} {read_month(month, s)}"
            listed = _DATE_LIST_BEFORE_RE.search(text_before(m, 40))
            if listed and _DAY_MONTH_BEFORE_RE.search(text_before(m, 60)[:-len(listed.group())]
                                                      or " "):
                ctx.because("ngày/tháng nối tiếp một ngày/tháng trong cùng danh sách")
                return f"{read_day(day, s)} {read_month(month, s)}"
            if _NAMED_PLACE_BEFORE_RE.search(text_before(m, 20)):
                # "đường 30/4", "quảng trường 3/2": a place named after the day, said as
                # its name ("đường ba mươi tháng tư"); "nhà số 25/3" stays a house number.
                ctx.because("tên đường, nơi chốn đặt theo ngày lịch sử")
                return f"{read_number(day, s)} {read_month(month, s)}"
            # "Ngày hội «Toàn dân …» 19/8": a day word a little earlier, no number between.
            far = _FAR_DAY_WORD_RE.search(text_before(m, 60))
            after = text_after(m, 20)
            if far and not (_WHOLE_AFTER_RE.match(after) or _COUNTED_AFTER_RE.match(after)):
                ctx.because(f"ngày/tháng sau «{far.group(1)}» ở gần trước")
                return f"{read_day(day, s)} {read_month(month, s)}"
        if before is None:
            return None
        trigger = before.group(1).lower()
        after = text_after(m, 20)
        if trigger == "vào" and (_WHOLE_AFTER_RE.match(after) or _COUNTED_AFTER_RE.match(after)):
            return None  # "tập trung vào 2/3 số xã": a fraction
        ctx.because(f"ngày/tháng sau «{before.group(1)}»")
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
        start, end = full(first, prev_word(m)), full(second, "")
        return f"{start} đến {end}" if start and end else None

    def short_span(m: re.Match[str]) -> str | None:
        d1, m1, d2, m2 = (int(m.group(i)) for i in (1, 2, 3, 4))
        if not (_valid(d1, m1) and _valid(d2, m2)) or (m1, d1) >= (m2, d2):
            return None
        ctx.because("hai ngày/tháng nối bằng gạch ngang: khoảng thời gian")
        end = f"ngày {read_day(d2, s)} {read_month(m2, s)}"
        if m.group(5):
            end += f" {read_year(int(m.group(5)), s)}"
        return f"{_day_words(m, d1, ctx)} {read_month(m1, s)} đến {end}"

    for found in _DAY_LIST_RE.finditer(text):
        days = list(re.finditer(r"\d{1,2}", found.group(1)))
        if all(1 <= int(d.group()) <= 31 for d in days):
            for d in days:
                start = found.start(1) + d.start()
                ctx.propose(start, start + len(d.group()), "date", read_day(int(d.group()), s),
                            "ngày trong danh sách sau «ngày», không viết tháng")

    def spaced_month_year(m: re.Match[str]) -> str | None:
        word, month, year = m.group(1), int(m.group(2)), read_year(int(m.group(3)), s)
        if text_before(m, 1)[-1:].isalnum():
            return None  # inside a longer word
        if word.lower() == "quý ":
            return f"{word}{read_number(month, s)} {year}" if 1 <= month <= 4 else None
        if not 1 <= month <= 12:
            return None
        ctx.because("tháng và năm nối bằng gạch ngang sau «tháng»")
        return f"{word}{read_month(month, s).removeprefix('tháng ')} {year}"

    if any(cue in text for cue in _SPACED_YEAR_CUES):
        sub(ctx, _SPACED_MONTH_YEAR_RE, "date", spaced_month_year, text)
    for found in _SHARED_MONTH_DAY_RE.finditer(text):
        month = int(found.group(4))
        if not _valid(int(found.group(3)), month):
            continue
        # Every bare day of the list, each a day of the month written once at its end.
        days = [(found.start(1) + d.start(), d.group())
                for d in re.finditer(r"\d{1,2}", found.group(1))]
        for start, day in [*days, (found.start(2), found.group(2))]:
            if _valid(int(day), month):
                ctx.propose(start, start + len(day), "date", read_day(int(day), s),
                            "ngày trong danh sách có tháng viết một lần ở cuối")
    sub(ctx, _SHORT_SPAN_RE, "date", short_span, text)
    text = sub(ctx, _DATE_SPAN_RE, "date", span, text)
    text = sub(ctx, _FULL_DATE_RE, "date", full, text)
    text = sub(ctx, _DAY_RANGE_DATE_RE, "date", day_range, text)
    def month_span(m: re.Match[str]) -> str | None:
        m1, m2, year = int(m.group(1)), int(m.group(2)), int(m.group(4))
        if not (1 <= m1 < m2 <= 12 and 1900 <= year <= 2100):
            return None
        first = read_month(m1, s)
        if prev_word(m) == "tháng":
            first = first.removeprefix("tháng ")
        return f"{first} đến {read_month(m2, s)} {read_year(year, s)}"

    text = sub(ctx, _WORDY_DAY_RE, "date", lambda m: m.group(1) + read_day(
        int(m.group(2)), s) if 1 <= int(m.group(2)) <= 31 else None, text)
    text = sub(ctx, _DAY_OF_MONTH_RE, "date", lambda m: m.group(1) + read_day(
        int(m.group(2)), s) if 1 <= int(m.group(2)) <= 31 and not glued(m, "_") else None, text)
    text = sub(ctx, _WORDY_MONTH_RE, "date", lambda m: m.group(1) + read_month(
        int(m.group(2)), s).removeprefix("tháng ") if 1 <= int(m.group(2)) <= 12 else None, text)
    def law_year(m: re.Match[str]) -> str | None:
        if prev_word(m) == "năm" or not _LAW_BEFORE_RE.search(text_before(m, 50)):
            return None  # "Luật Đất đai năm 2024": "năm" is written already
        ctx.because("năm ban hành sau tên luật")
        return read_year(int(m.group(1)), s)

    sub(ctx, _LAW_YEAR_RE, "year", law_year, text)
    text = sub(ctx, _MONTH_SPAN_RE, "date", month_span, text)
    text = sub(ctx, _MONTH_YEAR_RE, "date", month_year, text)
    return sub(ctx, _DAY_MONTH_RE, "date", day_month, text)


# --- times: 7h30, 7h, 17:00, 7h-11h, 7-11h ---

_TIME_RANGE_RE = re.compile(
    r"(?<![\w.,/:-])(\d{1,2})(?:(h|g|:)(\d{2})?)?(?:'|p|ph)?\s?[-–—]\s?"
    r"(\d{1,2})(?:h|g|:)(\d{2})?(?:'|p|ph)?(?!\w)")
_TIME_RE = re.compile(r"(?<![\w.,/:-])(\d{1,2})(?:h|g)(\d{2})?(?:'|p|ph)?(?!\w)"
                      r"|(?<![\w.,/:-])(\d{1,2}):(\d{2})(?::\d{2})?(?![\w:]|[.,]\d)")


# "a:b" after the word "tỷ lệ" (a few words back at most) is a ratio, not a clock time.
_RATIO_BEFORE_RE = re.compile(r"(?i:t[ỷỉ] lệ)(?:\s+[^\W\d]+){0,3}\s*:?\s*$")


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
        lead = "" if prev_word(m) == "từ" else "từ "
        return f"{lead}{start} đến {end}"

    def single(m: re.Match[str]) -> str | None:
        if m.group(1) is not None:
            return _time(m.group(1), m.group(2), ctx)
        if _RATIO_BEFORE_RE.search(text_before(m, 30)):
            return None  # "pha theo tỷ lệ 1:20": a ratio, for the FRACTION tagger
        return _time(m.group(3), m.group(4), ctx)

    text = sub(ctx, _TIME_RANGE_RE, "time", time_range, text)
    text = sub(ctx, _TIME_RE, "time", single, text)

    def marks(m: re.Match[str]) -> str | None:
        minutes, seconds = m.group(1), m.group(2)
        if seconds is not None and int(seconds) > 59:
            return None
        ctx.because("dấu phút (′) và giây (″)" if seconds else "dấu phút (′) sau số")
        words = f"{read_number(int(minutes), ctx.settings)} phút"
        if seconds is not None:
            words += f" {read_number(int(seconds), ctx.settings)} giây"
        return words

    return sub(ctx, _MARKS_RE, "duration", marks, text)


# Minute and second marks: 12'30", 2'15'', 90' (not a quote: no letter follows the mark).
_MARKS_RE = re.compile(r"(?<![\w.,/'‘])(\d{1,3})['′](?:(\d{1,2})(?:''|[\"″”]))?(?![\w'′])")


