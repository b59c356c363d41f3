"""Rule 1: Unicode repair.

HTML tags and entities, emoji and control characters are removed (web and e-mail addresses
are kept for the ELECTRONIC tagger);
text in the legacy TCVN3 (ABC) and VNI encodings is converted; the result is NFC with one
tone-mark placement: the traditional one used by our lexicon and most newspapers ("hòa",
"khỏe", "ủy", "thủy"), so "hoà" and "uỷ" come out as "hòa" and "ủy".
"""

from __future__ import annotations

import html
import re
import unicodedata

from ..errors import NormalizeError

# --- TCVN3 (ABC, TCVN 5712:1993 VN3): bytes 0xA1–0xFF, read back as Latin-1 characters. ---
# Only the seven base capitals exist; toned capitals came from the separate ".VnTimeH" fonts,
# which reuse the lowercase codes, so toned letters convert to lowercase.
_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
TCVN3_TO_UNICODE = {chr(k): v for k, v in _TCVN3_CODES.items()}
UNICODE_TO_TCVN3 = {v: k for k, v in TCVN3_TO_UNICODE.items()}
_TCVN3_TABLE = str.maketrans(TCVN3_TO_UNICODE)

# --- VNI (VNI-Windows): an ASCII base letter followed by a mark character. ---
# Lowercase mark characters; the capital forms follow the capital base letter.
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Standalone letters: ơ ư đ and the toned i and ỵ.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
               "î": "ỵ"}


def _vni_tables() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq: str, text: str) -> None:
        table[seq] = unicodedata.normalize("NFC", text)
        table[seq.upper()] = unicodedata.normalize("NFC", text).upper()
        if len(seq) == 2:  # capital base, lowercase mark: the first letter of a name
            table[seq[0].upper() + seq[1]] = unicodedata.normalize("NFC", text).capitalize()

    for base in "aeiouy":
        for mark, tone in _VNI_TONES.items():
            add(base + mark, base + tone)
    for base in "ơư":  # ơ, ư written "ô", "ö" then a tone
        vni_base = "ô" if base == "ơ" else "ö"
        for mark, tone in _VNI_TONES.items():
            add(vni_base + mark, base + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRC.items():
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for mark, letter in _VNI_SINGLE.items():
        add(mark, letter)
    return table


VNI_TO_UNICODE = _vni_tables()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))

# Latin-1 letters that occur in Vietnamese Unicode text; every other character in
# U+00A1–U+00FF is a sign of a legacy encoding read as Latin-1/cp1252.
_VI_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_LEGACY_HINT = "Hãy lưu lại văn bản ở bảng mã Unicode (trong Unikey: Công cụ › Chuyển mã)."


_TCVN3_SIGNS = frozenset(TCVN3_TO_UNICODE) - _VI_LATIN1  # "µ", "©", "¸" … but not "°", "²"


_TCVN3_SIGNS_RE = re.compile("[" + "".join(sorted(_TCVN3_SIGNS)) + "]")
_LETTER_RE = re.compile(r"[^\W\d_]")


def _odd_count(text: str) -> int:
    return len(_TCVN3_SIGNS_RE.findall(text))


_SYLLABLE_RE = re.compile(
    r"^(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(a|ă|â|e|ê|i|o|ô|ơ|u|ư|y|ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|ôi|ơi|oo|ua|uâ|"
    r"uê|ui|uô|uơ|ưa|ưi|ưu|ươ|uy|yê|iêu|yêu|oai|oao|oay|oeo|uây|uôi|ươi|ươu|uya|uyê|uyu)"
    r"(ng|nh|ch|[cmnpt])?$"
)
_WORD_RE = re.compile(r"[A-Za-z\u00a1-\u00ff\u0100-\u024f\u1e00-\u1eff]+")


def _valid_ratio(text: str) -> float:
    """Share of non-ASCII words that are well-formed Vietnamese syllables with one tone."""
    good = total = 0
    for word in _WORD_RE.findall(text):
        if word.isascii():
            continue
        total += 1
        base = unicodedata.normalize("NFD", word.lower())
        tones = sum(1 for c in base if c in "\u0300\u0301\u0303\u0309\u0323")
        plain = unicodedata.normalize("NFC", "".join(
            c for c in base if c not in "\u0300\u0301\u0303\u0309\u0323"))
        if tones <= 1 and _SYLLABLE_RE.match(plain):
            good += 1
    return good / total if total else 1.0


# VNI pairs that never occur in Unicode Vietnamese ("aâ", "eâ", "aù", "oä", "yù" …).
_VNI_PAIR_RE = re.compile(
    "[aeAE][ùøûõïâáàåãäêéèúüëÙØÛÕÏÂÁÀÅÃÄÊÉÈÚÜË]|[oO][ùøûõïâåãäÙØÛÕÏÂÅÃÄ]"
    "|[uUyYôöÔÖ][ùøûõïÙØÛÕÏ]|[ñÑ]"
)
# Letters only Unicode Vietnamese has (ă đ ĩ ũ ơ ư and the U+1EA0 block): legacy text read as
# Latin-1/cp1252 never contains them.
_VI_UNICODE_RE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")


def convert_legacy(text: str) -> tuple[str, str | None]:
    """Return (text, encoding name or None). Legacy text is converted to Unicode.

    Raises NormalizeError when the text is clearly in a legacy encoding that neither
    table converts into readable Vietnamese."""
    odd = _odd_count(text)
    vni_pairs = len(_VNI_PAIR_RE.findall(text))
    signal = max(odd, vni_pairs)
    if signal < 3:
        return text, None
    letters = len(_LETTER_RE.findall(text)) or 1
    unicode_letters = len(_VI_UNICODE_RE.findall(text))
    if signal < 3 or signal / letters < 0.02 or unicode_letters > signal:
        return text, None
    candidates = {
        "TCVN3": text.translate(_TCVN3_TABLE),
        "VNI": _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group()], text),
    }
    scored = sorted(((-_valid_ratio(t), _odd_count(t), name) for name, t in candidates.items()))
    neg_valid, best_odd, name = scored[0]
    if best_odd <= odd // 10 and -neg_valid >= 0.8:
        return candidates[name], name
    if letters < 20 or signal / letters < 0.05 or unicode_letters:
        return text, None  # a few odd symbols, not an encoding: the last check drops them
    raise NormalizeError(
        "Văn bản dùng bảng mã cũ (TCVN3/ABC hoặc VNI) không chuyển được sang Unicode.",
        _LEGACY_HINT,
        detail=f"{signal} legacy signs; best candidate {name} valid={-neg_valid:.2f}",
    )


# --- Tone placement: "oà, oá, … uỷ" at the end of a syllable → "òa, óa, … ủy". ---
_TONES = "\u0300\u0301\u0309\u0303\u0323"


def _tone_map() -> dict[str, str]:
    table: dict[str, str] = {}
    for first, second in (("o", "a"), ("o", "e"), ("u", "y")):
        for tone in _TONES:
            for f in (first, first.upper()):
                for s in (second, second.upper()):
                    new = unicodedata.normalize("NFC", f + s + tone)
                    old = unicodedata.normalize("NFC", f + tone + s)
                    table[new] = old
    return table


_TONE_MAP = _tone_map()
# Not after q/Q ("quý": u belongs to qu) and only syllable-final ("hoàn", "tuyết" stay).
_TONE_RE = re.compile(r"(?<![qQ])(" + "|".join(_TONE_MAP) + r")(?![\w])")


def fix_tone_placement(text: str) -> str:
    return _TONE_RE.sub(lambda m: _TONE_MAP[m.group(1)], text)


# --- Markup and unreadable things ---
_BLOCK_TAG_RE = re.compile(r"<\s*(br|/p|p|/div|div|/li|li|/h[1-6]|tr)\b[^>]*>", re.I)
_TAG_RE = re.compile(r"</?[A-Za-z!][^<>]{0,400}>")  # "5 < 10 và 20 > 15" is no tag
_SCRIPT_RE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.I | re.S)
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"“”]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.I)


def _is_emoji_or_control(c: str) -> bool:
    if c in "\n\t ":
        return False
    cat = unicodedata.category(c)
    # So: emoji and pictographs; Cc/Cf/Co/Cs: controls, zero-width, private use; Sk: modifiers.
    return cat in ("So", "Cc", "Cf", "Co", "Cs", "Cn", "Me") or "\ufe00" <= c <= "\ufe0f"


_KEEP_SO = set("°©®№")


def strip_markup(text: str, removed: list[str]) -> str:
    """Remove HTML tags (block tags become line breaks) and entities. Web and e-mail
    addresses stay: the ELECTRONIC tagger reads them ("chấm", "a còng")."""
    if "<" in text:
        text = _SCRIPT_RE.sub(" ", text)
        text = _BLOCK_TAG_RE.sub("\n", text)
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


# Characters that need a look: anything but ASCII, Vietnamese letters and common punctuation.
_SUSPECT_RE = re.compile(
    "[^\n\x20-\x7e\u00c0-\u00ff\u0100-\u01b0\u1ea0-\u1ef9“”‘’–—…«»°²³]|[\u00d7\u00f7]")


def strip_unreadable(text: str, removed: list[str]) -> str:
    """Remove emoji, control and zero-width characters; unify line breaks and spaces."""

    def fix(m: re.Match[str]) -> str:
        c = m.group()
        if c in ("\r", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"):
            return "\n"
        if c in ("\u00a0", "\u2002", "\u2003", "\u2009", "\u202f", "\t"):
            return " "
        if c in "\u2010\u2011\u2212":  # hyphen, non-breaking hyphen, minus sign
            return "-"
        if c.isdigit() and not c.isascii() and unicodedata.category(c) == "Nd":
            return str(unicodedata.digit(c))  # full-width and other scripts' digits
        if c not in _KEEP_SO and _is_emoji_or_control(c):
            removed.append(c)
            return ""
        return c

    return _SUSPECT_RE.sub(fix, text)


def repair(text: str) -> tuple[str, list[str], str | None]:
    """Rule 1 in full. Returns (text, removed pieces, legacy encoding converted or None).

    Legacy conversion runs before control characters are removed: TCVN3 "ư" is byte 0xAD,
    the soft hyphen."""
    removed: list[str] = []
    text = text.replace("\r\n", "\n")
    text = strip_markup(text, removed)
    text, encoding = convert_legacy(text)
    text = strip_unreadable(text, removed)
    text = unicodedata.normalize("NFC", text)
    return fix_tone_placement(text), removed, encoding
