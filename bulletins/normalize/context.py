"""What every tagger shares: the Change (token) record, the Context that collects candidate
readings, data tables and small helpers."""

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
    """One classified token, for the editor's preview and `--explain`: what was written, what
    will be said, which tagger read it, its semiotic class and the context that decided."""

    original: str
    spoken: str
    rule: str
    cls: str = field(default="", compare=False)
    evidence: str = field(default="", compare=False)


@dataclass(frozen=True)
class Candidate:
    """One tagger's reading of text[start:end]; `classify.resolve` picks among overlaps."""

    start: int
    end: int
    rule: str
    spoken: str
    weight: int
    evidence: str = ""
    unknown: tuple[str, ...] = ()  # tokens this reading spells (reported only if kept)


@dataclass
class Context:
    lexicon: Lexicon
    settings: NormalizeSettings
    changes: list[Change] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    weight: int = 0  # the running tagger's class weight (set by classify)
    evidence: str = ""  # set by a tagger's reading function to explain its choice

    def propose(self, start: int, end: int, rule: str, spoken: str, evidence: str = "",
                bonus: int = 0, unknown: tuple[str, ...] = ()) -> None:
        self.candidates.append(Candidate(start, end, rule, spoken, self.weight + bonus,
                                         evidence, unknown))

    def because(self, evidence: str) -> None:
        """Record why the reading being built was chosen (shown by --explain)."""
        self.evidence = evidence

    def num(self, written: str) -> str:
        """Read a written number: "1.500.000", "1,2", "05", "21"."""
        return read_written_number(written, self.settings)


# --- data ---

@cache
def letter_table() -> dict[str, str]:
    return parse_tsv(read_data("letters.tsv"), "letters.tsv")


# The MEASURE class composes SI units from a prefix and a base, so a unit never listed by
# name ("mA", "kVA", "TWh", "hPa") is still read; units.tsv wins where it lists one. Each
# base takes only the prefixes that do not make a common abbreviation ("GV" is giáo viên,
# "TV" a television set, so no giga- or tera-volts).
_SI_PREFIXES = {"k": "ki-lô", "M": "mê-ga", "G": "gi-ga", "T": "tê-ra", "m": "mi-li",
                "h": "héc-tô", "µ": "mi-crô"}
_SI_BASES = {"W": ("oát", "kMGTm"), "Wh": ("oát giờ", "kMGT"), "Wp": ("oát đỉnh", "kMG"),
             "V": ("vôn", "km"), "VA": ("vôn-am-pe", "kM"), "A": ("am-pe", "km"),
             "Pa": ("pát-xcan", "hkM"), "Hz": ("héc", "kMG")}
_SI_BARE = ("W", "Wh", "Wp", "V", "Hz")


def si_units() -> dict[str, str]:
    """Every prefixed (and the few bare) SI units the MEASURE class reads by composition."""
    units = {base: _SI_BASES[base][0] for base in _SI_BARE}
    for base, (spoken, prefixes) in _SI_BASES.items():
        for prefix in prefixes:
            units[prefix + base] = f"{_SI_PREFIXES[prefix]}-{spoken}"
    return units


@cache
def unit_table() -> dict[str, str]:
    return si_units() | parse_tsv(read_data("units.tsv"), "units.tsv")


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


def sub(ctx: Context, pattern: re.Pattern[str], rule: str,
         fn: Callable[[re.Match[str]], str | None], text: str, bonus: int = 0) -> str:
    """Tag every match of `pattern` with the reading `fn` gives it (None: no reading here).

    Taggers only propose: every tagger sees the original text, and `classify.resolve`
    chooses among overlapping readings by weight, so no tagger can misread another's output.
    Returns `text` unchanged (taggers keep the `(text, ctx) -> text` shape)."""
    for m in pattern.finditer(text):
        ctx.evidence = ""
        known = len(ctx.unknown)
        spoken = fn(m)
        spelled = tuple(ctx.unknown[known:])
        del ctx.unknown[known:]  # reported only if this reading is kept
        if spoken is None:
            continue
        ctx.propose(m.start(), m.end(), rule, spoken, ctx.evidence, bonus, spelled)
    return text


def neighbours(text: str, start: int, end: int) -> str:
    """The default evidence: the words on either side (computed only for kept readings)."""
    words = re.findall(r"\w+", text[max(0, start - 24):start])
    left = words[-1] if words else "—"
    right = re.match(r"\s*(\w+)", text[end:end + 24])
    return f"trước «{left}», sau «{right.group(1) if right else '—'}»"


def glued(m: re.Match[str], also: str = "_.,/-") -> bool:
    """Whether the match follows a letter, a digit or one of `also`: the START condition,
    checked by the reader so that a pattern can begin with a plain character (a look-behind
    first makes the regex engine try it at every position of the text)."""
    before = m.string[m.start() - 1] if m.start() else " "
    return before.isalnum() or before in also


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

