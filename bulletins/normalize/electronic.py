"""ELECTRONIC: web and e-mail addresses, read as an announcer does: "chấm", "a còng",
"gạch chéo"; known parts from data/electronic.tsv (gov "gốp", vn "vê en"), other letter
runs as written unless they hold no vowel ("gdt" → "giê dê tê"), digits one by one.
The scheme (https://) and any query string are not read.
"""

from __future__ import annotations

import re
from functools import cache

from .context import Context, letter_names, sub
from .lexicon import parse_tsv, read_data
from .numerals import read_digits

_URL_RE = re.compile(
    r"(?:https?://|www\.)[^\s<>\"“”()]+"
    r"|(?<![\w.@-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w.@/-])[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:vn|com|net|org|gov|edu|info)"
    r"(?:\.vn)?(?:/[^\s<>\"“”()]*)?(?![\w@])", re.I)
_SIGNS = {"@": "a còng", ".": "chấm", "/": "gạch chéo", "-": "gạch ngang", "_": "gạch dưới",
          ":": "hai chấm", "+": "cộng"}
_TRAILING = ".,;:!?"
_UNSAYABLE_RE = re.compile(r"[b-df-hj-np-tv-xzđ]{2,}", re.I)


@cache
def electronic_table() -> dict[str, str]:
    return parse_tsv(read_data("electronic.tsv"), "electronic.tsv")


def read_electronic(address: str) -> str:
    """"hopthu@quangngai.gov.vn" → "hopthu a còng quangngai chấm gốp chấm vê en"."""
    address = re.sub(r"^https?://", "", address, flags=re.I)
    address = re.split(r"[?#]", address, maxsplit=1)[0].rstrip("/")
    words = []
    for piece in re.findall(r"[^\W\d_]+|\d+|.", address):
        if piece.isdigit():
            words.append(read_digits(piece))
        elif piece in _SIGNS:
            words.append(_SIGNS[piece])
        elif piece.isalpha():
            known = electronic_table().get(piece.lower())
            if known is None and _UNSAYABLE_RE.fullmatch(piece):
                # "gdt", "csgt": no vowel, so no syllable an engine could say; spell it.
                known = letter_names(piece)
            words.append(known or piece.lower())
    return " ".join(words)


# A cheap look before the full patterns: most bulletins hold no address at all.
_HINT_RE = re.compile(r"@|://|www\.|\.(?:vn|com|net|org|gov|edu|info)\b", re.I)


def rule_electronic(text: str, ctx: Context) -> str:
    if not _HINT_RE.search(text):
        return text

    def address(m: re.Match[str]) -> str | None:
        return None if m.group().rstrip(_TRAILING) != m.group() else _read(m)

    def _read(m: re.Match[str]) -> str:
        kind = "địa chỉ thư điện tử" if "@" in m.group() else "địa chỉ web"
        ctx.because(f"{kind}: đọc «chấm», «a còng»")
        return read_electronic(m.group())

    sub(ctx, _URL_RE, "electronic", address, text)
    # A sentence's final "." (or a comma) after an address is punctuation, not the address.
    return sub(ctx, _TRIMMED_RE, "electronic", _read, text)


_TRIMMED_RE = re.compile("(?:" + _URL_RE.pattern + r")(?=[.,;:!?]+(?:\s|$))", re.I)
