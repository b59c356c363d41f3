"""Classify and verbalize: every tagger proposes readings, a weighted choice keeps the best
non-overlapping ones, and the sentence is rebuilt from them (Sproat et al. 2001; the shape
of Kestrel/Sparrowhawk and NeMo's tokenize_and_classify, without an FST compiler).

- A *tagger* recognises one semiotic class in context and proposes `Candidate`s: a span of
  the original text, the class's verbalization of it, a weight and the evidence that decided
  (the words around it, a cue, a unit). Taggers never see each other's output.
- `resolve` keeps, greedily, the heaviest candidate, then the next heaviest that does not
  overlap a kept one, and so on. Weight is the tagger's class weight (specific classes such
  as document codes, electronic addresses and dates outweigh generic numbers) plus any
  context bonus the tagger adds; ties go to the longer span, then the earlier one.
- `assemble` joins kept readings and the untouched text between them; post-processing then
  tidies punctuation and makes the last check (no digit or symbol reaches an engine).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .codes import rule_document_codes, rule_identifiers, rule_phones, rule_roads
from .context import Candidate, Change, Context, neighbours
from .dates import rule_dates, rule_times
from .electronic import rule_electronic
from .letters import rule_letters
from .quantities import (
    rule_alphanumeric,
    rule_dimensions,
    rule_heights,
    rule_number_slashes,
    rule_numbers,
    rule_ordinals,
    rule_ranges,
    rule_units,
    rule_word_slashes,
)
from .words import (
    rule_abbreviations,
    rule_dashes,
    rule_dotted_prefixes,
    rule_glosses,
    rule_phrases,
)

Tagger = Callable[[str, Context], str]


@dataclass(frozen=True)
class TaggerSpec:
    tagger: Tagger
    weight: int


# Heaviest first. The weight says how specific a reading is: a lexicon phrase or a web
# address is never a number; a document code outweighs the date or fraction inside it;
# dates and times outweigh units, which outweigh ranges, fractions and plain numbers.
TAGGERS: tuple[TaggerSpec, ...] = (
    TaggerSpec(rule_electronic, 100),
    TaggerSpec(rule_phrases, 95),
    TaggerSpec(rule_document_codes, 90),
    TaggerSpec(rule_identifiers, 88),
    TaggerSpec(rule_roads, 85),
    TaggerSpec(rule_phones, 80),
    TaggerSpec(rule_dates, 75),
    TaggerSpec(rule_times, 70),
    TaggerSpec(rule_dimensions, 67),
    TaggerSpec(rule_heights, 66),
    TaggerSpec(rule_units, 65),
    TaggerSpec(rule_word_slashes, 62),
    TaggerSpec(rule_ranges, 60),
    TaggerSpec(rule_number_slashes, 55),
    TaggerSpec(rule_ordinals, 50),
    TaggerSpec(rule_alphanumeric, 45),
    TaggerSpec(rule_numbers, 40),
    TaggerSpec(rule_glosses, 34),
    TaggerSpec(rule_dotted_prefixes, 32),
    TaggerSpec(rule_dashes, 30),
    TaggerSpec(rule_letters, 28),
    TaggerSpec(rule_abbreviations, 25),
)

# Tagger rule name → semiotic class (MEASURE readings are refined by their unit).
CLASS_OF_RULE = {
    "electronic": "ELECTRONIC", "lexicon": "WHITELIST", "name": "WHITELIST",
    "document_code": "IDENTIFIER", "identifier": "IDENTIFIER", "plate": "IDENTIFIER",
    "account": "IDENTIFIER", "road": "ADDRESS", "address": "ADDRESS",
    "phone": "TELEPHONE", "service": "TELEPHONE", "date": "DATE", "time": "TIME",
    "duration": "TIME", "dimension": "MEASURE", "unit": "MEASURE", "range": "RANGE",
    "fraction": "FRACTION", "ratio": "FRACTION", "ordinal": "ORDINAL", "roman": "ROMAN",
    "alphanumeric": "IDENTIFIER", "number": "CARDINAL", "rate": "MEASURE",
    "punct": "PUNCT", "abbreviation": "ABBREVIATION", "unknown_acronym": "VERBATIM",
    "year": "DATE", "letter": "VERBATIM", "decimal": "DECIMAL", "comparison": "MEASURE",
}
_MONEY_UNITS = ("đồng", "đô la Mỹ", "đô la Úc", "yên Nhật", "nhân dân tệ", "ơ-rô", "won Hàn Quốc",
                "bảng Anh", "bạt Thái", "kíp Lào")


def class_of(rule: str, written: str, spoken: str) -> str:
    cls = CLASS_OF_RULE.get(rule, rule.upper())
    if cls == "MEASURE" and rule == "unit":
        if spoken.endswith(("phần trăm", "phần nghìn")):
            return "PERCENT"
        if spoken.endswith(_MONEY_UNITS):
            return "MONEY"
    if cls == "CARDINAL" and "," in written.strip(".") and "phẩy" in spoken:
        return "DECIMAL"
    return cls


def classify(text: str, ctx: Context) -> list[Candidate]:
    """Run every tagger over `text`; the chosen readings, in text order."""
    for spec in TAGGERS:
        ctx.weight = spec.weight
        spec.tagger(text, ctx)
    return resolve(ctx.candidates, len(text))


def resolve(candidates: list[Candidate], length: int) -> list[Candidate]:
    """Weighted choice among overlapping readings: heaviest first, then longest, then first.

    Spans are half-open; a character map makes each overlap test cost the span's length."""
    order = sorted(candidates, key=lambda c: (-c.weight, -(c.end - c.start), c.start))
    covered = bytearray(length + 1)
    kept: list[Candidate] = []
    for c in order:
        if c.end > c.start and covered.find(1, c.start, c.end) != -1:
            continue
        covered[c.start:c.end] = b"\x01" * (c.end - c.start)
        kept.append(c)
    kept.sort(key=lambda c: c.start)
    return kept


_SENTENCE_END_RE = re.compile(r"(?:^|[.!?…]\s+|\n\s*)$")


def assemble(text: str, chosen: list[Candidate], ctx: Context) -> str:
    """Rebuild the sentence: untouched text between the chosen readings."""
    out: list[str] = []
    last = 0
    for c in chosen:
        out.append(text[last:c.start])
        written = text[c.start:c.end]
        spoken = c.spoken
        # A sentence that began with "UBND", "HTX" or "5" still begins with a capital.
        if (spoken[:1].islower() and (written[:1].isupper() or written[:1].isdigit())
                and _SENTENCE_END_RE.search(text[max(0, c.start - 8):c.start])):
            spoken = spoken[0].upper() + spoken[1:]
        out.append(spoken)
        for token in c.unknown:
            if token not in ctx.unknown:
                ctx.unknown.append(token)
        if spoken != written and written.strip():
            rule = c.rule
            if rule == "abbreviation" and written.strip().rstrip(".") in ctx.unknown:
                rule = "unknown_acronym"
            ctx.changes.append(Change(written.strip(), spoken.strip(), rule,
                                      class_of(rule, written, spoken),
                                      c.evidence or neighbours(text, c.start, c.end)))
        last = c.end
    out.append(text[last:])
    return "".join(out)
