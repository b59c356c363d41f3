"""The normalization rules in the order they run (`RULES`); each is a small function
`(text, ctx) -> text` in a topic module (codes, dates, quantities, words).

Every rule replaces what it recognises with spoken words (never digits), so a later rule
cannot misread an earlier rule's output: document codes go before dates, dates before
ranges, ranges before fractions, numbers before abbreviations.
"""

from __future__ import annotations

from collections.abc import Callable

from .codes import rule_document_codes, rule_phones, rule_roads
from .context import Change, Context
from .dates import rule_dates, rule_times
from .quantities import (
    rule_alphanumeric,
    rule_number_slashes,
    rule_numbers,
    rule_ordinals,
    rule_ranges,
    rule_units,
    rule_word_slashes,
)
from .words import (
    final_check,
    relabel_unknown,
    rule_abbreviations,
    rule_dashes,
    rule_phrases,
    rule_symbols,
)

__all__ = ["RULES", "Change", "Context", "Rule", "final_check", "relabel_unknown"]

Rule = Callable[[str, Context], str]

RULES: tuple[Rule, ...] = (
    rule_phrases,
    rule_document_codes,
    rule_roads,
    rule_phones,
    rule_dates,
    rule_times,
    rule_units,
    rule_ranges,
    rule_number_slashes,
    rule_ordinals,
    rule_alphanumeric,
    rule_numbers,
    rule_word_slashes,
    rule_dashes,
    rule_abbreviations,
    rule_symbols,
    final_check,
)
