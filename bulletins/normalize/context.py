"""What every rule shares: the Change record, the Context, data tables and small helpers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from ..config import NormalizeSettings
from .lexicon import Lexicon, parse_tsv, read_data
from .numerals import read_decimal, read_digits, read_number


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
def letter_table() -> dict[str, str]:
    return parse_tsv(read_data("letters.tsv"), "letters.tsv")


@cache
def unit_table() -> dict[str, str]:
    return parse_tsv(read_data("units.tsv"), "units.tsv")


@cache
def issuer_table() -> dict[str, str]:
    return parse_tsv(read_data("issuers.tsv"), "issuers.tsv")


@cache
def units_re() -> str:
    keys = sorted((k for k in unit_table() if k not in ("%", "‰", "°")), key=len, reverse=True)
    return "|".join(re.escape(k) for k in keys)


# A written number: thousands grouped with "." and an optional decimal ",", or plain digits.
NUM = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
START = r"(?<![\w.,/-])"  # not glued to a word, a code or another number
END = r"(?![\w/]|[.,]\d)"
DASH = r"\s?[-–—]\s?"


def read_written_number(written: str, settings: NormalizeSettings | None = None) -> str:
    """Read a written number: "1.500.000", "1,2", "05", "21"."""
    if "," in written:
        integer, fraction = written.split(",", 1)
        return read_decimal(integer.replace(".", ""), fraction, settings)
    digits = written.replace(".", "")
    # An account, ID or serial number, not a quantity: ungrouped and long, a long run behind
    # a zero ("05 hộ" is still "năm hộ"), or beyond what is ever counted.
    if ("." not in written and (len(digits) >= 10 or (digits[0] == "0" and len(digits) >= 4))
            or len(digits) > 15):
        return read_digits(digits)
    return read_number(int(digits), settings)


def at_sentence_start(m: re.Match[str]) -> bool:
    """Whether the match opens a sentence (looks at a few characters only: O(1))."""
    start = m.start()
    window = m.string[max(0, start - 8):start]
    stripped = window.rstrip(" \t")
    if not stripped:
        return start == len(window)  # only spaces since the start of the text
    return stripped[-1] == "\n" or (stripped[-1] in ".!?…" and stripped != window)


def sub(ctx: Context, pattern: re.Pattern[str], rule: str,
         fn: Callable[[re.Match[str]], str | None], text: str) -> str:
    """re.sub that records every change; `fn` returns None to leave a match alone."""

    def repl(m: re.Match[str]) -> str:
        spoken = fn(m)
        if spoken is None:
            return m.group()
        written = m.group()
        # A sentence that began with "UBND", "HTX" or "5" still begins with a capital.
        if (spoken[:1].islower() and (written[:1].isupper() or written[:1].isdigit())
                and at_sentence_start(m)):
            spoken = spoken[0].upper() + spoken[1:]
        if spoken != written:
            ctx.changes.append(Change(written.strip(), spoken.strip(), rule))
        return spoken

    return pattern.sub(repl, text)


def text_before(m: re.Match[str], n: int = 40) -> str:
    return m.string[max(0, m.start() - n):m.start()]


def text_after(m: re.Match[str], n: int = 60) -> str:
    return m.string[m.end():m.end() + n]


def prev_word(m: re.Match[str]) -> str:
    words = re.findall(r"\w+", text_before(m, 20))
    return words[-1].lower() if words else ""


def spell(token: str, ctx: Context) -> str:
    if token not in ctx.unknown:
        ctx.unknown.append(token)
    return letter_names(token)


def letter_names(token: str) -> str:
    return " ".join(letter_table().get(c.upper(), c.lower()) for c in token if c.isalpha())


def is_caps(token: str) -> bool:
    return token.isupper() and len([c for c in token if c.isalpha()]) >= 2

