"""Compatibility names: the taggers in weight order (see `classify.TAGGERS`), the Context
they share and the last check."""

from __future__ import annotations

from .classify import TAGGERS, Tagger, assemble, classify, resolve
from .context import Change, Context
from .words import final_check, rule_symbols

__all__ = ["TAGGERS", "Change", "Context", "Tagger", "assemble", "classify", "final_check",
           "resolve", "rule_symbols"]
