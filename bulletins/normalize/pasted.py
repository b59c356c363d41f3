"""Rule 1, second half: text as editors paste it from Word, Zalo, Facebook pages and PDFs.

The taggers read well-formed text; pasted text breaks the shapes they look for in ways an
announcer simply reads past. Each repair here is of the *form*, never of the meaning, so the
classes downstream see the shape they know:

- full-width forms from Asian input methods ("９５％", "：") and the one-glyph units "℃",
  "℉" are their plain forms (NFKC, but only for those: NFKC would also rewrite "m²");
- a degree typed as a letter or a look-alike after a number: "25 0C", "13º C" → "°C";
  an exponent typed with a caret: "m^2" → "m²";
- a zero-width space between two words (Facebook, Word) is a space: "chú​ý" → "chú ý";
- a curly apostrophe or prime after a number is a minute mark: "8 giờ 30’" → "30'";
- fraction glyphs are fractions ("½ ngày" is "nửa ngày", "¾" is "3/4"); Cyrillic letters
  that look Latin inside a Latin word are the Latin ones; "(+84)" is a phone number's
  country code; "tăng x2" is "gấp 2";
- separator rules ("-----", "***", "==== KẾT QUẢ ====") are dropped; a tab between the cells
  of a pasted table is a pause;
- square brackets are brackets: "[TTYT]" is read like "(TTYT)";
- an arrow is "đến" between numbers and a pause between phrases; "÷" between numbers or
  times is a range (technical letters write "18 ÷ 25°C");
- the end mark of official letters "./." is a full stop; "!!!" and "???" are one mark;
- a numbered item at a line start, "2. Các thôn …" or a Roman heading "II. NỘI DUNG", is
  read like "2) Các thôn …";
- footnote marks ("(*)", "ha¹") are dropped; a title glued to a name by a hyphen
  ("Sáu-Chủ tịch") is a pause;
- a PDF line break inside a sentence (the line before ends without a stop and the next
  starts in lowercase or with a number) is a space; a number broken after its dash
  ("2021-\\n2025") is joined.
"""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (U+FF01–FF5E) and the single-glyph temperature units.
_WIDE_RE = re.compile("[\uff01-\uff5e\u2103\u2109]")
# Patterns start with a plain character, not a look-behind, so a scan stays cheap.
_DEGREE_RE = re.compile(r"(\d)(?: ?[º˚] ?| [0o]|°)([CFcf])(?![\w])")
_CARET_RE = re.compile(r"(?<=[a-zA-Z])\^([23])(?!\d)")
_ZWSP_RE = re.compile(r"(\w)[\u200b\u2060\ufeff](?=\w)")
_PRIME_RE = re.compile(r"[’′]")
_ARROW_RE = re.compile(r"\s*[→⇒➔➜➡⟶]\s*")
_DIVIDE_RE = re.compile(r"(?<=[\dh'])\s*÷\s*(?=\d)")
_REPEAT_RE = re.compile(r"([!?])\1+")
_LETTER_END_RE = re.compile(r"\.\s*/\s*\.")
_HYPHEN_BREAK_RE = re.compile(r"-[ \t]*\n[ \t]*(?=\d)")
# A line break inside a sentence: no stop, colon or semicolon before it; a lowercase word or
# a number (not a list item "2. …", "3) …") after it.
_SOFT_BREAK_RE = re.compile(r"\n[ \t]*(?=[^\W_])")
_LIST_ITEM_RE = re.compile(r"\d+[.)]\s")


# A numbered list's item at a line start, "2. Các thôn …": read like "2) …" (a pause, not a
# sentence of one word).
_LIST_DOT_RE = re.compile(r"(?m)^([ \t]*\d{1,2})\.[ \t]+(?=[A-ZĐ\u00c0-\u00dd\u1ea0-\u1ef8])")


# Footnote marks: "(*)", "(**)" and superscript numbers after a word ("500 ha¹"); ² and ³
# stay, they are exponents ("m²").
_FOOTNOTE_RE = re.compile(r"\s*\(\*{1,3}\)|(?<=[^\W\d_])[¹⁰⁴-⁹]+(?![\w])")
# Roman numerals heading a section at a line start: "I. MỤC ĐÍCH", "II. NỘI DUNG".
_ROMAN_HEAD_RE = re.compile(r"(?m)^([ \t]*)(I{1,3}|IV|VI{0,3}|IX|XI{0,3})\.[ \t]+"
                            r"(?=[A-ZĐ\u00c0-\u00dd\u1ea0-\u1ef8])")
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4, "V": 5, "VI": 6, "VII": 7, "VIII": 8, "IX": 9,
          "X": 10, "XI": 11, "XII": 12, "XIII": 13}
# A title glued to a name by a hyphen: "Ông Lê Văn Sáu-Chủ tịch UBND xã".
_TITLE_HYPHEN_RE = re.compile(
    r"-(?=(?:Chủ tịch|Phó|Bí thư|Trưởng|Giám đốc|Chánh|Hiệu trưởng|Chỉ huy"
    r"|Trưởng ban|Đội trưởng|Cán bộ|Công chức|Đại biểu|Thành viên|Ủy viên)\b)")


# Substring checks (fast, in C) decide whether a repair's pattern needs to run at all.
_DEGREE_CUES = ("º", "˚", " 0C", " oC", " 0F", " oF", "°c", "°f")
_FOOTNOTE_CUES = ("(*", "¹", "⁰", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹")
_LIST_STARTS = set("0123456789IVX")


def _soft_break(m: re.Match[str]) -> str:
    """A line break inside a sentence is a space; after a stop, a colon or a semicolon (or a
    heading's last word in capitals followed by a lowercase line, rare) it stays."""
    before = m.string[:m.start()].rstrip(" \t")[-1:]
    after = m.string[m.end():m.end() + 1]
    if not (after.islower() or after.isdigit() and not _LIST_ITEM_RE.match(m.string, m.end())):
        return m.group()
    return " " if before and (before.isalnum() or before == ",") else m.group()


# Fractions as one glyph: "½ ngày" is "nửa ngày"; the others become "a/b" for the FRACTION
# tagger ("¾ số hộ" → "ba phần tư").
_GLYPH_FRACTIONS = {"½": "nửa", "¼": "1/4", "¾": "3/4", "⅓": "1/3", "⅔": "2/3", "⅕": "1/5",
                    "⅛": "1/8"}
_GLYPH_FRACTION_RE = re.compile("[" + "".join(_GLYPH_FRACTIONS) + "]")
# Cyrillic letters that look Latin, inside a Latin word ("Ia Pеt" with a Cyrillic "е"):
# pasted from documents typed with a Russian keyboard layout. Read as the Latin letter.
_LOOKALIKES = str.maketrans("аеорсухіАВЕКМНОРСТХ", "aeopcyxiABEKMHOPCTX")
_CYRILLIC_RE = re.compile("[\u0400-\u04ff]")
_MIXED_WORD_RE = re.compile(r"[^\W\d_]*[\u0400-\u04ff][^\W\d_]*")
# "(+84) 905 …": the country code in brackets is part of the phone number.
_BRACKETED_CODE_RE = re.compile(r"\(\s*(\+\d{1,3})\s*\)")
# "tăng x2": "gấp 2" (times); between two numbers "x" is a dimension and stays.
_TIMES_RE = re.compile(r"(?<=[^\W\d_] )[x×](?=\d{1,3}(?![\w.,/]))")
_TIMES_CUES = tuple(f"{x}{d}" for x in (" x", " ×") for d in "123456789")


def _latin_lookalikes(m: re.Match[str]) -> str:
    word = m.group()
    return word.translate(_LOOKALIKES) if re.search("[A-Za-z]", word) else word


# Separator lines and rules from Word and Facebook posts: "-----", "***", "==== KẾT QUẢ ====".
_RULE_RE = re.compile(r"[=*_~#-]{3,}|={2,}")
# A tab between cells of a pasted table is a pause.
_TAB_RE = re.compile(r"[ ]*\t+[ ]*")


def tidy_pasted(text: str) -> str:
    """Repairs of form for pasted text (see the module's docstring); cheap when not needed."""
    if _WIDE_RE.search(text):
        text = _WIDE_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    if any(cue in text for cue in _DEGREE_CUES):
        text = _DEGREE_RE.sub(lambda m: m.group(1) + "°" + m.group(2).upper(), text)
    if "^" in text:
        text = _CARET_RE.sub(lambda m: "²" if m.group(1) == "2" else "³", text)
    if "\u200b" in text or "\u2060" in text or "\ufeff" in text:
        text = _ZWSP_RE.sub(r"\1 ", text)
    if "’" in text or "′" in text:  # after a number only: "H’Linh" keeps its apostrophe
        text = _PRIME_RE.sub(lambda m: "'" if m.string[m.start() - 1:m.start()].isdigit()
                             else m.group(), text)
    if _GLYPH_FRACTION_RE.search(text):
        text = _GLYPH_FRACTION_RE.sub(lambda m: _GLYPH_FRACTIONS[m.group()], text)
    if _CYRILLIC_RE.search(text):
        text = _MIXED_WORD_RE.sub(_latin_lookalikes, text)
    if "(+" in text or "( +" in text:
        text = _BRACKETED_CODE_RE.sub(r"\1", text)
    if any(cue in text for cue in _TIMES_CUES):
        text = _TIMES_RE.sub("gấp ", text)
    if "---" in text or "==" in text or "***" in text or "___" in text or "~~~" in text \
            or "###" in text:
        text = _RULE_RE.sub(" ", text)
    if "\t" in text:
        text = _TAB_RE.sub(lambda m: ", " if m.start() and m.string[m.start() - 1] != "\n"
                           and m.end() < len(m.string) and m.string[m.end()] != "\n" else " ", text)
    if "[" in text:
        text = text.replace("[", "(").replace("]", ")")
    if "→" in text or "⇒" in text or "➔" in text or "➜" in text or "➡" in text or "⟶" in text:
        text = _ARROW_RE.sub(
            lambda m: " - " if m.start() and text[m.start() - 1].isdigit()
            and text[m.end():m.end() + 1].isdigit() else ", ", text)
    if "÷" in text:
        text = _DIVIDE_RE.sub(" - ", text)
    if "!!" in text or "??" in text:
        text = _REPEAT_RE.sub(r"\1", text)
    if "/" in text:
        text = _LETTER_END_RE.sub(".", text)
    if any(line.lstrip(" \t")[:1] in _LIST_STARTS for line in text.split("\n")):
        text = _ROMAN_HEAD_RE.sub(lambda m: f"{m.group(1)}{_ROMAN[m.group(2)]}. ", text)
        text = _LIST_DOT_RE.sub(r"\1) ", text)
    if any(cue in text for cue in _FOOTNOTE_CUES):
        text = _FOOTNOTE_RE.sub("", text)
    if "-" in text:
        text = _TITLE_HYPHEN_RE.sub(lambda m: ", " if m.string[m.start() - 1:m.start()].islower()
                                    else m.group(), text)
    if "\n" in text:
        text = _HYPHEN_BREAK_RE.sub(lambda m: "-" if m.string[m.start() - 1:m.start()].isdigit()
                                    else m.group(), text)
        text = _SOFT_BREAK_RE.sub(_soft_break, text)
    return text
