"""Rule 2 and friends: document codes, road numbers and phone numbers."""

from __future__ import annotations

import re

from .context import (
    Context,
    glued,
    issuer_table,
    letter_table,
    prev_word,
    spell,
    sub,
    text_after,
    text_before,
)
from .numerals import read_code_number, read_digits, read_number

_DOC_TYPES = (
    "kế hoạch|quyết định|quy định|chỉ thị|nghị quyết|nghị định|thông tư liên tịch|thông tư|"
    "kết luận|thông báo|hướng dẫn|công văn|báo cáo|tờ trình|chương trình|đề án|văn bản|luật|"
    "công điện|quy chế|điều lệ|pháp lệnh|nghị quyết liên tịch"
)
_DOC_BEFORE_RE = re.compile(
    rf"(?:(?i:{_DOC_TYPES})|\b(?:NQ|NĐ|QĐ|QĐi|CT|KH|KL|TB|HD|CV|BC|TT|TTLT|CTr|ĐA))\s+(?:(?i:số)\s+)?$")
# TYPE parts of state codes ("QĐ" in 123/QĐ-UBND); anything else there is an issuer.
_TYPE_KEYS = {"NQ", "NĐ", "QĐ", "QĐi", "CT", "KH", "KL", "TB", "HD", "CV", "BC", "TTr", "CTr",
              "ĐA", "TT", "TTLT", "NQLT", "QC", "CĐ", "L", "PL"}
_JOINT_TYPES = {"TTLT", "NQLT"}
_TYPE_SPOKEN = {"TT": "thông tư", "CT": "chỉ thị", "QĐ": "quyết định", "KH": "kế hoạch",
                "QC": "quy chế", "CĐ": "công điện"}


# --- rule 2: document codes ---

_PARTY_CODE_RE = re.compile(
    r"(?<![\w/.-])(\d+)-([A-ZĐ][A-Za-zĐđ]{0,6})/([A-ZĐ][A-Za-zĐđƯ]{0,9}(?:-[A-ZĐ][\wĐđ]*)*)"
    r"(?![\w/])")
_STATE_CODE_RE = re.compile(
    r"(?<![\w/.-])(\d+)/(?:(\d{4})/)?([A-ZĐ][A-Za-zĐđ]{0,7}(?:-[A-ZĐ][A-Za-zĐđ0-9]*)+)"
    r"(?![\w/])")
_ZERO_NUMBER_RE = re.compile(r"0\d{1,3}(?![\w/-]|[.,]\d)")
_LAW_CODE_RE = re.compile(r"(?<![\w/.-])(\d+)/(\d{4})/([A-ZĐ]{1,6}\d{1,2})(?![\w/])")


def _issuer(part: str, ctx: Context) -> str:
    m = re.fullmatch(r"([A-Za-zĐđ]+?)(\d+)", part)
    if m:  # QH13: Quốc hội khóa mười ba
        return f"{_issuer(m.group(1), ctx)} khóa {read_number(int(m.group(2)), ctx.settings)}"
    spoken = issuer_table().get(part) or ctx.lexicon.get(part)
    return spoken if spoken is not None else spell(part, ctx)


def _code(m: re.Match[str], ctx: Context, number: str, year: str | None, type_key: str | None,
          issuers: list[str]) -> str:
    words = []
    if (type_key is not None and not _DOC_BEFORE_RE.search(text_before(m))
            and prev_word(m) != "số"):
        # The preceding noun does not name the type: say it ("kế hoạch số bốn mươi sáu").
        type_spoken = _TYPE_SPOKEN.get(type_key) or ctx.lexicon.get(type_key) or spell(
            type_key, ctx)
        words.append(type_spoken + " số")
    words.append(read_code_number(number, ctx.settings))
    if year:
        # A pause keeps "một trăm, năm hai nghìn…" from being heard as "một trăm năm" (150).
        words[-1] += ","
        words.append("năm " + read_number(int(year), ctx.settings))
    spoken_issuers = [_issuer(p, ctx) for p in issuers]
    after = text_after(m)
    # "… 01-KL/TW của Bộ Chính trị", "… ngày 3-9-2019 của Tỉnh ủy": the text names the issuer.
    names_it = _OWN_ISSUER_RE.match(after) or all(
        s.lower() in after.lower() or re.search(rf"(?<!\w){re.escape(code)}(?!\w)", after)
        for s, code in zip(spoken_issuers, issuers, strict=True))
    if spoken_issuers and not names_it:
        words.append("của " + " và ".join(spoken_issuers))
    return " ".join(words)


_CASE_TYPES = {"HS": "hình sự", "DS": "dân sự", "HC": "hành chính", "KDTM": "kinh doanh thương mại",
               "LĐ": "lao động", "HNGĐ": "hôn nhân và gia đình", "HNGD": "hôn nhân và gia đình",
               "ST": "sơ thẩm", "PT": "phúc thẩm", "GĐT": "giám đốc thẩm", "TT": "tái thẩm"}
_FORM_BEFORE_RE = re.compile(r"(?i:mẫu|biểu mẫu|mẫu số|biểu số)\s+(?:số\s+)?$")
_OWN_ISSUER_RE = re.compile(r"\s*,?\s*(?:ngày\s+[\d/.-]+\s*,?\s*)?của\b")


def rule_document_codes(text: str, ctx: Context) -> str:
    def party(m: re.Match[str]) -> str:
        return _code(m, ctx, m.group(1), None, m.group(2), m.group(3).split("-"))

    def state(m: re.Match[str]) -> str:
        parts = m.group(3).split("-")
        if all(p in _CASE_TYPES for p in parts):
            # Court judgments: "25/2026/HS-ST" is a criminal first-instance case, no issuer.
            ctx.because("mã bản án: loại án và cấp xét xử")
            number = read_code_number(m.group(1), ctx.settings)
            year = f", năm {read_number(int(m.group(2)), ctx.settings)}" if m.group(2) else ""
            return f"{number}{year} " + " ".join(_CASE_TYPES[p] for p in parts)
        if _FORM_BEFORE_RE.search(text_before(m, 20)):
            ctx.because("số hiệu mẫu biểu: chỉ đọc số")
            return read_code_number(m.group(1), ctx.settings)
        # A known issuer in second place makes the first part the document's type, even a
        # type this table lacks ("125/GP-UBND": a licence of the People's Committee).
        issuers_known = issuer_table()
        type_key = parts[0] if parts[0] in _TYPE_KEYS or (
            len(parts) > 1 and parts[0] not in issuers_known and parts[1] in issuers_known
            and parts[0] not in _CASE_TYPES) else None
        # "245/UBND-VP": no type; UBND issued it, VP (the drafting office) is not read.
        # Joint documents (TTLT-BTC-BNV) name every issuer; otherwise the part after the
        # issuer is its drafting office ("QĐ-BNN-TCLN", "UBND-VP"), not read.
        issuers = (parts[1:] if type_key in _JOINT_TYPES else parts[1:2]) if type_key else (
            parts[:1])
        return _code(m, ctx, m.group(1), m.group(2), type_key, issuers)

    def law(m: re.Match[str]) -> str:
        return _code(m, ctx, m.group(1), m.group(2), None, [m.group(3)])

    def bare_number(m: re.Match[str]) -> str | None:
        if glued(m) or not _DOC_BEFORE_RE.search(text_before(m)):
            return None
        ctx.because("số văn bản có số 0 đứng đầu: đọc cả số 0")
        return read_code_number(m.group(), ctx.settings)

    # "Quyết định số 05": a document's number keeps its leading zero even without a code.
    sub(ctx, _ZERO_NUMBER_RE, "document_code", bare_number, text)
    text = sub(ctx, _PARTY_CODE_RE, "document_code", party, text)
    text = sub(ctx, _STATE_CODE_RE, "document_code", state, text)
    return sub(ctx, _LAW_CODE_RE, "document_code", law, text)


# --- roads: QL14, QL.1A, ĐT.662 ---

_ROAD_RE = re.compile(r"(?<![\w])(QL|ĐT|TL|[Qq]uốc lộ|[Tt]ỉnh lộ|[Đđ]ường tỉnh)\.?\s?(\d+)([A-Z])?"
                      r"(?![\w/-])")
_NOT_ROAD_BEFORE_RE = re.compile(r"(?i:giống(?:\s+\w+)?|mã|mã số|số hiệu|lô|ký hiệu)\s+$")
_ROAD_NAMES = {"QL": "quốc lộ", "ĐT": "đường tỉnh", "TL": "tỉnh lộ"}


def rule_roads(text: str, ctx: Context) -> str:
    def road(m: re.Match[str]) -> str | None:
        if _NOT_ROAD_BEFORE_RE.search(text_before(m, 24)):
            return None  # "giống lúa ĐT100": a variety code, read by the IDENTIFIER tagger
        ctx.because(f"số hiệu đường sau «{m.group(1)}»")
        name = _ROAD_NAMES.get(m.group(1), m.group(1))
        spoken = f"{name} {read_number(int(m.group(2)), ctx.settings)}"
        if m.group(3):
            spoken += " " + letter_table().get(m.group(3), m.group(3).lower())
        return spoken

    return sub(ctx, _ROAD_RE, "road", road, text)


# --- phone numbers: read digit by digit, in the groups they are written in ---

_PHONE_RE = re.compile(
    r"(?<![\w.,/+-])(?:(S?ĐT|Đt|ĐTDĐ)\s*(:?)\s*)?"
    r"((?:\+84[ .-]?|0|\(0)\d{1,4}\)?(?:[ .-]?\d{2,4}){1,4})(?![\w/]|[.,]\d)")
# Patterns start at the digits and look back for their trigger word: a leading alternation
# of words would be tried at every position of the text.
_HOTLINE_RE = re.compile(r"(?<![\w.,/-])(\d[\d .]{1,14}\d|\d)(?![\w/]|[.,]\d)")
_HOTLINE_BEFORE_RE = re.compile(
    r"(?i:gọi|gọi điện|đường dây nóng|tổng đài|điện thoại|số máy|hotline)\s*(?:số\s*)?:?\s*$")


# Short service numbers (113, 1022, 1900 xxxx) after the service they reach, alone or listed.
_SERVICE_LIST_RE = re.compile(
    r"(?<![\w.,/-])(?:1[89]00(?:[ .]?\d{2,4}){1,2}|[1-9]\d{2,4})"
    r"(?:\s*(?:,|hoặc|và|/)\s*(?:1[89]00(?:[ .]?\d{2,4}){1,2}|[1-9]\d{2,4}))*"
    r"(?![\w/]|[.,]\d|[ .]\d)")
_SERVICE_BEFORE_RE = re.compile(
    r"((?i:công an|cảnh sát|cứu hỏa|cứu hoả|chữa cháy|cứu nạn|cứu hộ|cấp cứu|khẩn cấp|"
    r"tổng đài|đường dây nóng|hotline|gọi|gọi ngay|gọi điện|gọi điện thoại|số máy|"
    r"điện thoại|liên hệ|liên hệ số|số khẩn cấp|y tế|điện lực|nhắn tin|soạn tin|"
    r"nhắn tin đến|nhắn tin tới|gửi tin nhắn đến))"
    r"(?:\s+(?!số\b)[^\W\d]+){0,2}\s*(?:số\s*)?:?\s*$")
_COUNT_AFTER_RE = re.compile(
    r"\s*(?:hộ|người|vụ|đối tượng|trường hợp|ca|lượt|xã|thôn|cán bộ|chiến sĩ|học sinh|"
    r"đồng|triệu|tỷ|nghìn|ngàn|con|chiếc|xe|tấn|ha|km|%|cuộc|lần|tin nhắn|phút|giờ|"
    r"ngày|năm|tháng)\b")


# 1900 and 1800 numbers are telephone numbers by their form wherever they stand ("tổng đài
# hỗ trợ … là 1900 9068"): a quantity is never written in space-separated groups, and a year
# 1900 is not followed by a group of four digits.
_SERVICE_FORM_RE = re.compile(
    r"1[89]00(?:[ .]\d{4}|[ .]\d{3}[ .]\d{3}|[ .]\d{2}[ .]\d{2}|\d{4}|\d{6})"
    r"(?![\w/]|[.,]\d)")


_CODE_BEFORE_RE = re.compile(r"[\w.,/+-]$")  # glued to a word, a code or another number

# A number written with thousands dots ("1.150") before a word is a quantity however it was
# cued ("gọi 1.150 công dân nhập ngũ"): phone and service numbers are never grouped so.
_THOUSANDS_COUNT_RE = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
_WORD_AFTER_RE = re.compile(r"\s+[^\W\d]")


def _is_count(m: re.Match[str], written: str) -> bool:
    after = text_after(m, 20)
    return bool(_COUNT_AFTER_RE.match(after) or (
        _THOUSANDS_COUNT_RE.fullmatch(written.strip()) and _WORD_AFTER_RE.match(after)))


def _read_phone(written: str) -> str:
    groups = re.split(r"[ .()-]+", written.strip("()"))
    if len(groups) == 1 and len(written) >= 9 and written.startswith("0"):
        # 0905123456 → 0905 123 456: pauses help listeners write it down.
        groups = [written[:4], written[4:7], written[7:]]
    elif len(groups) == 1 and len(written) == 8 and written.startswith(("1900", "1800")):
        groups = [written[:4], written[4:]]  # 19001234 → 1900 1234
    spoken = [read_digits(g) for g in groups if g]
    if written.startswith("+"):
        spoken[0] = "cộng " + spoken[0]
    return ", ".join(spoken)


def rule_phones(text: str, ctx: Context) -> str:
    def phone(m: re.Match[str]) -> str | None:
        digits = re.sub(r"\D", "", m.group(3))
        # A landline area code and a short service number ("0236.1022") is a phone too.
        short_ok = len(digits) >= 7 and digits.startswith("02") and digits != m.group(3)
        if not (9 <= len(digits) <= 12 or short_ok):
            return None
        prefix = "" if m.group(1) is None else f"điện thoại{m.group(2)} "
        return prefix + _read_phone(m.group(3))

    def hotline(m: re.Match[str]) -> str | None:
        if not _HOTLINE_BEFORE_RE.search(text_before(m, 30)) or _is_count(m, m.group(1)):
            return None
        written = m.group(1).rstrip()
        return _read_phone(written) + m.group(1)[len(written):]

    text = sub(ctx, _PHONE_RE, "phone", phone, text)

    def service_form(m: re.Match[str]) -> str | None:
        if _CODE_BEFORE_RE.search(text_before(m, 1)):
            return None  # part of a longer number
        ctx.because("số tổng đài 1900/1800: đọc từng chữ số")
        return _read_phone(m.group())

    sub(ctx, _SERVICE_FORM_RE, "phone", service_form, text)
    text = sub(ctx, _HOTLINE_RE, "phone", hotline, text)

    def service(m: re.Match[str]) -> str | None:
        before = _SERVICE_BEFORE_RE.search(text_before(m, 30))
        if before is None or _is_count(m, m.group()):
            return None  # "Xã có 113 hộ": a count stays a number
        ctx.because(f"số dịch vụ sau «{before.group(1)}»: đọc từng chữ số")
        pieces = re.split(r"(\s*(?:,|hoặc|và|/)\s*)", m.group())
        out = []
        for i, piece in enumerate(pieces):
            if i % 2:
                word = piece.strip()
                out.append(", " if word in (",", "/") else f" {word} ")
            else:
                out.append(_read_phone(piece))
        return "".join(out)

    # A list of service numbers ("112, 113 hoặc 114") outweighs the hotline reading.
    return sub(ctx, _SERVICE_LIST_RE, "service", service, text, bonus=2)





# --- identifiers: account, ID and tax numbers after their cue; vehicle plates ---

# A long number after a code of capitals the lexicon does not know is the rest of the code:
# "giống lúa IR 50404", "mẫu XB 12345" (glued, "IR50404", it is the alphanumeric class).
_CODE_NUMBER_RE = re.compile(r"(?<=[A-Z] )\d{4,6}(?![\w/]|[.,]\d)")
_CODE_LETTERS_BEFORE_RE = re.compile(r"(?<![\w.,/-])([A-Z]{1,3}) $")
# Gold purity after "vàng" and up to two words ("vàng nhẫn 9999", "vàng miếng 999.9"): said
# as the trade says it, "bốn số chín", never a count.
_GOLD_RE = re.compile(r"(?<![\w.,/-])(?:9999|999[.,]9|99[.,]99|999)(?![\w/]|[.,]\d)")
_GOLD_BEFORE_RE = re.compile(r"(?i:vàng)(?:\s+[^\W\d]+){0,2}\s+$")

# After its cue an identifier may also be short groups joined: "số hiệu 123-456".
_ID_NUMBER_RE = re.compile(
    r"(?<![\w.,/-])(?:\d{4,}|\d{3}(?=[ .-]\d{3}))(?:[ .-]\d{3,})*(?: \d{2})?(?![\w/]|[.,]\d)")
_ID_BEFORE_RE = re.compile(
    r"((?i:số tài khoản|tài khoản|STK|TK|căn cước công dân|căn cước|CCCD|CMND|"
    r"chứng minh nhân dân|mã số thuế|MST|mã số|mã định danh|số định danh|định danh|số hiệu|"
    r"số seri|số sê-ri|số hồ sơ|mã hồ sơ|mã số BHXH|mã BHXH|số sổ BHXH|mã số bảo hiểm xã hội|"
    r"mã số BHYT|mã thẻ BHYT|mã số doanh nghiệp|số giấy phép|số định danh cá nhân))"
    r"(?:\s+[A-ZĐ]{2,8})?\s*(?:số\s*)?:?\s*$")
# Three or more space-separated groups of digits ("5900 123 456") are never one quantity.
_GROUPED_DIGITS_RE = re.compile(r"(?<![\w.,/-])\d{3,4}(?: \d{3,4}){2,}(?![\w/]|[.,]\d)")
_PLATE_RE = re.compile(
    r"(?<![\w.,/-])(\d{2})[-–]?([A-ZĐ]{1,2}\d?)\s?[-–]?\s?(\d{3}\.\d{2}|\d{4,5})(?![\w/]|[.,]\d)")


# Digit groups joined by dashes where a group has a leading zero or six digits or more:
# a file or record number ("2026-0012345"), never a range of quantities.
_DASHED_CODE_RE = re.compile(r"\d{3,}(?:-\d{3,})+(?![\w/-]|[.,]\d)")


# Fishing-vessel registration numbers: province code, serial, "TS" (thủy sản):
# "BĐ 91234 TS", "QNg-95678-TS", "KG 1234 TS". A name, so letters spelled, digits one by one.
_VESSEL_RE = re.compile(r"(?<![\w-])([A-ZĐ][A-ZĐa-z]{0,3})[- ]?(\d{4,5})[- ]?TS(?![\w-])")


def _spell(letters: str) -> str:
    table = letter_table()
    return " ".join(table.get(c.upper(), c.lower()).lower() for c in letters)


def rule_identifiers(text: str, ctx: Context) -> str:
    """IDENTIFIER: digit strings that are names, not quantities (read digit by digit)."""

    def account(m: re.Match[str]) -> str | None:
        before = _ID_BEFORE_RE.search(text_before(m, 40))
        if before is None:
            return None
        ctx.because(f"số định danh sau «{before.group(1)}»: đọc từng chữ số")
        groups = re.split(r"[ .-]", m.group())
        return ", ".join(read_digits(g) for g in groups)

    def plate(m: re.Match[str]) -> str | None:
        province, series, serial = m.group(1), m.group(2), m.group(3)
        letters = " ".join(letter_table().get(c, c.lower()) if c.isalpha() else read_digits(c)
                           for c in series)
        ctx.because("biển số xe: mã tỉnh, sê-ri, số thứ tự")
        return (f"{read_number(int(province), ctx.settings)} {letters.lower()}, "
                f"{read_digits(serial)}")

    sub(ctx, _ID_NUMBER_RE, "account", account, text)

    def grouped(m: re.Match[str]) -> str:
        ctx.because("các nhóm chữ số cách nhau: số hiệu, đọc từng chữ số")
        return ", ".join(read_digits(g) for g in m.group().split())

    sub(ctx, _GROUPED_DIGITS_RE, "identifier", grouped, text, bonus=-10)

    def lettered(m: re.Match[str]) -> str | None:
        letters = _CODE_LETTERS_BEFORE_RE.search(text_before(m, 6))
        if letters is None or letters.group(1) in ctx.lexicon.tokens or (
                len(m.group()) == 4 and m.group().startswith(("19", "20"))) or _is_count(
                m, m.group()):
            return None  # "UBND 2026", "KH 2027", "XYZ 1500 người": a year or a count
        ctx.because(f"số viết sau mã chữ «{letters.group(1)}»: mã hiệu, đọc từng chữ số")
        return read_digits(m.group())

    sub(ctx, _CODE_NUMBER_RE, "identifier", lettered, text)

    def gold(m: re.Match[str]) -> str | None:
        if not _GOLD_BEFORE_RE.search(text_before(m, 30)) or _is_count(m, m.group()) or (
                re.match(r"\s*(?:lượng|chỉ)\b", text_after(m, 8))):
            return None  # "giá vàng tăng 999 nghìn đồng": an amount
        ctx.because("độ tinh khiết của vàng sau «vàng»")
        return "bốn số chín" if m.group().count("9") == 4 else "ba số chín"

    sub(ctx, _GOLD_RE, "identifier", gold, text)

    def vessel(m: re.Match[str]) -> str:
        ctx.because("số đăng ký tàu cá: mã tỉnh, số, «TS»")
        return f"{_spell(m.group(1))} {read_digits(m.group(2))} {_spell('TS')}"

    sub(ctx, _VESSEL_RE, "identifier", vessel, text)

    def dashed(m: re.Match[str]) -> str | None:
        parts = m.group().split("-")
        if _CODE_BEFORE_RE.search(text_before(m, 1)) or not any(
                p.startswith("0") and len(p) >= 3 or len(p) >= 6 for p in parts):
            return None  # "2021-2025", "100-200": a range
        ctx.because("nhóm số có số 0 đứng đầu hoặc quá dài: mã số, đọc từng chữ số")
        return ", ".join(read_digits(p) for p in parts)

    sub(ctx, _DASHED_CODE_RE, "identifier", dashed, text)
    return sub(ctx, _PLATE_RE, "plate", plate, text)
