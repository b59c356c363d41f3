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

# TCVN3/VNI detection lives in bulletins.encoding (every input goes through it at the door);
# the tables are re-exported here for the normalizer's tests.
from ..encoding import TCVN3_TO_UNICODE as TCVN3_TO_UNICODE
from ..encoding import UNICODE_TO_TCVN3 as UNICODE_TO_TCVN3
from ..encoding import VNI_TO_UNICODE as VNI_TO_UNICODE
from ..encoding import convert_legacy
from .pasted import tidy_pasted

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
    text = tidy_pasted(text)  # before zero-width characters and "℃" are dropped
    text = strip_unreadable(text, removed)
    text = unicodedata.normalize("NFC", text)
    return fix_tone_placement(text), removed, encoding
