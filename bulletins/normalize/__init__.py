"""Vietnamese text normalization: text in, text as a commune announcer would read it out.

    >>> to_spoken("UBND xã họp lúc 7h30 ngày 2/9")
    'Ủy ban nhân dân xã họp lúc bảy giờ ba mươi phút ngày mùng hai tháng chín'

Design (semiotic classes, Sproat et al. 2001, as in Kestrel/Sparrowhawk and NeMo; see
classify.py): Unicode repair (and TCVN3 capitals) → every *tagger* proposes readings for the
tokens of its class, judged by their context (a "/" is a date after a weekday, a fraction
before "số hộ", a score before "chỉ tiêu", a code inside "123/UBND-VX", a rate after a unit)
→ a weighted choice keeps the best non-overlapping readings (specific classes outweigh
generic numbers, then longer spans win) → the sentence is rebuilt and punctuation tidied →
the last check. Classes: CARDINAL, DECIMAL, FRACTION, ORDINAL, ROMAN, DATE, TIME, MEASURE,
MONEY, PERCENT, RANGE, TELEPHONE (also service numbers), IDENTIFIER (document, case, account
and ID numbers, plates, letter+digit codes), ABBREVIATION, ADDRESS (roads), ELECTRONIC,
WHITELIST (lexicon phrases), VERBATIM (spelled capitals and letters), PUNCT. `explain`
lists each token's class, evidence and reading. `split_sentences` then cuts the spoken
text into engine-sized sentences (rule 7).

Conventions (chosen here; the tests hold them):
- Tone marks: traditional placement, as in our lexicon and most newspapers: "hoà" → "hòa",
  "uỷ" → "ủy", "khoẻ" → "khỏe" (only syllable-final oa/oe/uy, never after q: "quý").
- Legacy encodings: text in TCVN3 (ABC) or VNI, arriving as Latin-1/cp1252 or Windows-1258
  characters ("Hµ Néi", "Haø Noäi", "l̃ch"), is converted when one reading makes clearly more
  Vietnamese syllables than the text as it is (bulletins/encoding.py, which every input
  passes at the door); when two readings are close, LegacyEncodingError (a NormalizeError).
  TCVN3 has no toned capitals (they came from .VnTimeH fonts), so those come out lowercase.
- Numbers: 21 "hai mươi mốt", 24 "hai mươi tư", 25 "hai mươi lăm", 14 "mười bốn",
  15 "mười lăm", 105 "một trăm linh năm", 2021 "hai nghìn không trăm hai mươi mốt".
  An all-zero group between spoken parts is said: 1.000.500 "một triệu không nghìn năm
  trăm" (plain "một triệu năm trăm" is heard as 1.500.000). "." groups thousands, ","
  is the decimal point: 0,05 "không phẩy không năm"; leading zeros of a fraction are
  "không", the rest is read as a number up to three digits. `NormalizeSettings` chooses
  nghìn/ngàn and linh/lẻ (northern defaults).
- Dates: days 1–10 are "mùng": "ngày 8-10-2021" → "ngày mùng tám tháng mười năm hai nghìn
  không trăm hai mươi mốt"; "Quốc khánh 2/9" → "Quốc khánh mùng hai tháng chín"; April
  is "tháng tư" (also in "tháng 4"). D/M without a year is a date only after a date word
  (ngày, sáng, khánh, từ, đến …); "ngày" is never doubled. M/YYYY is "tháng M năm YYYY",
  but "N năm YYYY" after a counter ("đợt 1/2026", "quý 2/2026"). "ngày N" with no month
  is still a day when a pause or a link word follows ("từ ngày 2 đến ngày 10 hằng tháng"
  → "mùng hai … mùng mười"), not before a count ("ngày 3 lần"). Spans: "25-26/11" →
  "hai mươi lăm đến hai mươi sáu tháng mười một"; "tháng 10-12/2026" → "tháng mười đến
  tháng mười hai năm …"; a dash between two full dates is "đến".
- Times: "7h30" → "bảy giờ ba mươi phút", "7h-11h" → "từ bảy giờ đến mười một giờ"
  ("từ" is not repeated when written).
- Ranges: a hyphen or dash between numbers is "đến" ("2-3 lần/năm" → "hai đến ba lần mỗi
  năm"), but a score after a result word even when a < b ("thua set đầu 23-25" → "hai
  mươi ba hai mươi lăm"; "thua 1-2 trận" stays a range). Slashes between numbers: "a
  phần b" for simple fractions (1/b up to 1/10, or b up to 4: "ba phần tư"), "đến" for
  consecutive years (năm học 2020/2021), else "trên"
  ("15/15 chỉ tiêu" → "mười lăm trên mười lăm chỉ tiêu", "2004/2021", after a rank "hạng
  2/4" → "hạng hai trên bốn"; house numbers down alleys "số 123/4/5" → "… trên bốn trên
  năm"); "1m65" is "một mét sáu mươi lăm"; an English decimal point before a unit, "%" or
  a scale word is a decimal ("1.5 triệu", "10.5%" → "phẩy"); "tỷ lệ 1:2000" is
  "một trên hai nghìn" (a colon after "tỷ lệ" is never a clock time: "1:20"); so many
  per a round hundred or thousand is "trên" ("8 lít/100 km", "12 bác sĩ/10.000 dân").
  Between words: a unit after "/" is "một" (đồng/kg → "đồng một
  ki-lô-gam"), a counted noun "mỗi" (lần/năm, triệu đồng/hộ), anything else a comma pause
  (hộ/khẩu → "hộ, khẩu"). Units are read only right after a number ("5 m" but "ông m").
  Money: "35.000đ" and "35.000 VNĐ" → "ba mươi lăm nghìn đồng"; "1,2 tỷ" → "một phẩy
  hai tỷ"; thousands grouped by spaces before a unit are a number ("15 000 000 đồng" →
  "mười lăm triệu đồng"); "< 6 tuổi" → "dưới sáu tuổi", "> 4‰" → "trên …", "±" → "cộng
  trừ"; "%" → "phần trăm"; "-2°C" → "âm hai độ xê", "(-9,4%)" → "âm chín phẩy bốn phần
  trăm". A word followed by another "/" rate is a "per" word too ("sữa/trẻ/ngày" → "sữa
  mỗi trẻ mỗi ngày"). A day/month after a street or place noun is its name ("đường
  30/4" → "đường ba mươi tháng tư"). In "125/GP-UBND" a known issuer second makes the
  first part the document's type.
- Document codes (never "trên", "trừ" or a date inside): the number (leading zeros as
  digits: "05" → "không năm"), "năm" + year for state codes, then "của" + issuer. The TYPE
  code is dropped when the preceding noun (or its abbreviation, "QĐ số") already names the
  type, else said before the number ("Thực hiện 46-KH/TU" → "Thực hiện kế hoạch số bốn
  mươi sáu của Tỉnh ủy"): "Kế hoạch số 46-KH/TU" → "Kế hoạch số bốn mươi sáu của Tỉnh ủy";
  "Thông tư 01/2021/TT-BNV" → "Thông tư không một năm hai nghìn không trăm hai mươi mốt
  của Bộ Nội vụ". The issuer is left out when the text itself goes on "của …" or names
  it within the next words ("… 01-KL/TW của Bộ Chính trị"). In "245/UBND-VP" (no type)
  the first part is the issuer; the drafting office after it is not read. Issuers in codes
  come from data/issuers.tsv (BTC is "Bộ Tài chính" there, "Ban Tổ chức" in text).
- Phone numbers (a leading 0 or +84 and 9–12 digits, or any digits after gọi, đường dây
  nóng, tổng đài …): digit by digit in their written groups, groups separated by commas for
  a pause ("0269 3823 456" → "không hai sáu chín, ba tám hai ba, bốn năm sáu"; "gọi 114" →
  "gọi một một bốn"). Unbroken mobile numbers are grouped 4-3-3. Service numbers after their
  service or in a list are digits ("Công an 113", "112, 113 hoặc 114"); "113 hộ" is a count.
  Account, ID and tax numbers after their cue (STK, CCCD, mã số thuế) are digits too.
  A landline area code with a short number ("0236.1022") is a phone number too.
  1900/1800 numbers are digits by their form alone ("… là 1900 9068"), and so are digit
  groups joined by "-" with a leading zero or six digits ("2026-0012345": not a range).
- Ordinals: "thứ 1" → "thứ nhất", "thứ 4" → "thứ tư" (also in a list: "thứ 2, 4, 6" →
  "thứ hai, tư, sáu"), "ngã 4" → "ngã tư"; Roman numerals
  only after trigger words ("lần thứ XIII" → "lần thứ mười ba", "khóa XV" → "khóa mười
  lăm").
- Letters: a lone capital stays as written ("nhà B"); a lowercase letter labelling a point
  is spelled ("điểm c" → "điểm xê"); a capital joined to a word is spelled ("X-quang" →
  "ích-xì quang"); "km" before a number is a kilometre post ("km số 7").
- Letters with digits: "5K" → "năm ca", "F0" → "ép không", "H5N1", "4.0" → "bốn chấm
  không"; "10 xây + 10 chống" → "mười xây và mười chống", but "2 + 3" → "hai cộng ba".
- Abbreviations: the lexicon (case-sensitive, longest match, compounds split on - & /);
  dotted keys (TP., X.) only before a capitalised name or number; unknown all-capital
  tokens are spelled with Vietnamese letter names and listed in `Normalized.unknown`; an
  all-capital Vietnamese syllable (a headline's "THÔNG BÁO") is read as a word, lowercase.
  Keys the notes reserve for compounds (AN, CA, KT, XH, QP, QS, TH, MN) are spelled when
  alone, except TH/MN after "trường" or in a sentence about schools (tiểu học, mầm non);
  "CT UBND" is "Chủ tịch …".
- Lexicon entries holding a lowercase word, a digit or a space (Pleiku, Ia Hrú, COVID-19)
  are replaced first, as whole words; their all-capital form matches too (PLEIKU). Ethnic
  names with an apostrophe: "H'Bia" → "Hơ Bia", "K'Ho" → "Cơ Ho".
- Punctuation that gives pauses (. , ; : ? ! ...) is kept; brackets and dashes between
  phrases become commas; quotes, bullets, HTML and emoji are dropped; web and e-mail
  addresses are read ("chấm", "a còng", "gạch chéo"; gov "gốp", vn "vê en"); Vietnamese
  capitalization is kept as written (expansions use the lexicon's case).
- Pasted text (pasted.py, before the taggers): repairs of form only. "25 0C", "13º C", "9 ℃"
  and "26,5°c" are "°C"; "m^2" is "m²"; full-width "９５％" is "95%"; a zero-width space
  between words is a space; "30’" after a number is a minute mark; "→" is "đến" between
  numbers and a pause between phrases; "÷" between numbers is a range; "./." is "."; "!!!"
  is "!"; "(*)" and "ha¹" lose their footnote marks; "½ ngày" is "nửa ngày", "¾" is "3/4";
  Cyrillic look-alikes in a Latin word are Latin; "(+84)" joins its number; "tăng x2" is
  "gấp hai"; "2. Các …" and "II. NỘI DUNG" at a line start are list items ("Hai, các …");
  a PDF line break inside a sentence (no stop before, lowercase or a number after) is a
  space. Numbers as pasted: "45.5mm", "8.5 điểm" are decimals; "118,500 đồng" groups
  thousands (đồng has no decimals); "20k" is "hai mươi nghìn" ("nghìn đồng" after a price
  word); "tỷ số 2:1" is a score; "Tháng 12 - 2026" and "Quý 4 - 2026" are a month or a
  quarter and its year; "các ngày 5, 10, 15 hằng tháng" are all days ("mùng mười");
  "2-3 người/đội" is a rate after a counted quantity; "hộ nghèo/hộ cận nghèo" names two
  kinds; a "/" between words that no rule read is a pause ("Zalo/Facebook").
- Rule 8, the last check: the output never holds a digit or a symbol an engine cannot read.
  Should one remain (a bug or a lexicon gap), it is spelled (digits) or dropped (symbols),
  never passed on silently: a Vietnamese warning goes to `Normalized.warnings` and to the
  "bulletins.normalize" logger. We do not raise: a bulletin must still go on air.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..config import NormalizeSettings
from ..errors import NormalizeError
from .capitals import restore_capitals
from .classify import assemble, classify
from .context import Change, Context
from .lexicon import Lexicon, load_lexicon
from .numerals import read_date, read_digits, read_number, read_time, read_weekday
from .split import split_sentences
from .unicode import repair
from .words import final_check, rule_symbols

__all__ = [
    "Change",
    "Lexicon",
    "NormalizeError",
    "Normalized",
    "explain",
    "load_lexicon",
    "normalize",
    "read_date",
    "read_digits",
    "read_number",
    "read_time",
    "read_weekday",
    "split_sentences",
    "to_spoken",
]

log = logging.getLogger("bulletins.normalize")


@dataclass(frozen=True)
class Normalized:
    """The spoken text and what happened on the way, for the editor's preview."""

    spoken: str
    changes: list[Change] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # all-caps tokens spelled out
    warnings: list[str] = field(default_factory=list)  # Vietnamese, for the editor


def normalize(text: str, lexicon: Lexicon | None = None,
              settings: NormalizeSettings | None = None) -> Normalized:
    """Rewrite `text` as it must be spoken. Raises NormalizeError only for legacy-encoded
    text that cannot be converted."""
    ctx = Context(lexicon if lexicon is not None else Lexicon.builtin(),
                  settings or NormalizeSettings())
    repaired, removed, encoding = repair(text)
    if encoding == "TCVN3":
        repaired = restore_capitals(repaired, ctx.lexicon)
    if encoding:
        ctx.changes.append(Change(encoding, "Unicode", "unicode"))
        ctx.warnings.append(f"Văn bản ở bảng mã cũ {encoding} đã được chuyển sang Unicode; "
                            "hãy nghe lại trước khi phát.")
    for piece in removed:
        ctx.changes.append(Change(piece, "", "unicode"))
    chosen = classify(repaired, ctx)
    spoken = assemble(repaired, chosen, ctx)
    spoken = final_check(rule_symbols(spoken, ctx), ctx)
    for warning in ctx.warnings:
        log.warning("%s", warning)
    return Normalized(spoken, ctx.changes, ctx.unknown, ctx.warnings)


def explain(result: Normalized) -> list[str]:
    """One line per classified token: class, what was written, how it is read, and the
    context that decided (for `bulletins normalize --explain` and the web's hover)."""
    lines = []
    for change in result.changes:
        if change.rule == "unicode":
            continue
        lines.append(f"{change.cls or change.rule.upper():<12} «{change.original}» → "
                     f"«{change.spoken}»" + (f"  ({change.evidence})" if change.evidence else ""))
    return lines


def to_spoken(text: str, lexicon: Lexicon | None = None,
              settings: NormalizeSettings | None = None) -> str:
    """Only the spoken text of `normalize`."""
    return normalize(text, lexicon, settings).spoken
