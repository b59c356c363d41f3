"""Rule 7: sentence splitting for the speech engines.

Sentences end at . ! ? … ; and line breaks. A sentence longer than `max_chars` is cut at
the most natural pause that makes the pieces fit: first commas and colons, then before a
conjunction ("và", "nhưng", "để" …), then before a preposition ("của", "về", "trong" …),
last at any space. Never inside a word.
"""

from __future__ import annotations

import re

_SENTENCE_RE = re.compile(r"[^.!?…;\n]*(?:\.\.\.|[.!?…;]+|\n|$)")
# Conjunctions only: prepositions (của, với, theo) bind to the noun before them.
_CONJUNCTIONS = ("và", "nhưng", "để", "hoặc", "song", "nên", "vì", "mà", "nhằm", "thì",
                 "đồng thời", "tuy nhiên", "trong khi", "cũng như", "trong đó", "còn", "rồi",
                 "nếu", "khi", "bởi vì", "do đó", "vì vậy")
# Then before a preposition that opens a phrase, so "triển khai" is never cut in two.
_PREPOSITIONS = ("của", "về", "với", "theo", "cho", "trong", "tại", "từ", "đến", "trên", "ở",
                 "các", "những", "ngày", "thuộc", "bằng", "qua", "sau", "trước")
_PAUSE_RE = re.compile(r"(?<=[,:])\s+")
_CONJ_RE = re.compile(r"\s+(?=(?:" + "|".join(_CONJUNCTIONS) + r")\b)")
_PREP_RE = re.compile(r"\s+(?=(?:" + "|".join(_PREPOSITIONS) + r")\b)")


def _pack(pieces: list[str], max_chars: int) -> list[str]:
    """Join consecutive pieces greedily while they fit."""
    out: list[str] = []
    for piece in pieces:
        if out and len(out[-1]) + 1 + len(piece) <= max_chars:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    return out


def _split_long(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    for pattern in (_PAUSE_RE, _CONJ_RE, _PREP_RE):
        pieces = [p.strip() for p in pattern.split(sentence) if p.strip()]
        if len(pieces) > 1:
            return [part for p in _pack(pieces, max_chars) for part in _split_long(p, max_chars)]
    # No natural pause: cut at the last space that fits; a single over-long word stays whole.
    words = sentence.split()
    return _pack(words, max_chars) if len(words) > 1 else [sentence]


def split_sentences(spoken: str, max_chars: int = 180) -> list[str]:
    """Split spoken text into engine-sized sentences; no empty strings."""
    result: list[str] = []
    for m in _SENTENCE_RE.finditer(spoken):
        sentence = " ".join(m.group().split())
        if not sentence or not any(c.isalnum() for c in sentence):
            continue
        result.extend(_split_long(sentence, max_chars))
    return result
