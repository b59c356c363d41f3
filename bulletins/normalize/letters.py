"""LETTERS: a letter that is not a word, read by its name where the engine could not
("điểm c" → "điểm xê", "X-quang" → "ích-xì quang").

A lone capital ("nhà B", "viêm gan B", "Nguyễn Văn B") is left as written: the corpus and
the fresh sets hold that, and the engines say a capital letter's name. A lone lowercase
consonant is not a Vietnamese word, but "ông m" may be anything, so it is read as a letter
only as the label of a legal point or list item ("điểm c", "mục b", "tiết d"). A capital
joined by a hyphen to a word ("X-quang", "tia X-quang") is its name and the word.
"""

from __future__ import annotations

import re

from .context import Context, letter_table, sub, text_before

# Patterns start with a plain character (no look-behind first) so the scan stays cheap.
_LABEL_LETTER_RE = re.compile(r" ([a-zđ])(?=\s*[,;:)]|\.?\s*$|\.\s)")
_LABEL_BEFORE_RE = re.compile(r"(?<!\w)(?i:điểm|mục|tiết|ý|câu|phần)$")
_LINE_LABEL_RE = re.compile(r"(?m)^([a-zđ])(?=\))")
_LABELS = set("abcdđeghiklmnpqrstuvx")
_LIST_BEFORE_RE = re.compile(r"(?:^|[:;,]|\n)$")
_LETTER_WORD_RE = re.compile(r"([A-ZĐ])-([a-zà-ỹđ]{2,})(?![\w-])")
_GLUED_BEFORE_RE = re.compile(r"[\w'’-]$")


def _name(letter: str) -> str:
    return letter_table().get(letter.upper(), letter).lower()


def rule_letters(text: str, ctx: Context) -> str:
    def label(m: re.Match[str]) -> str | None:
        if text[m.end():m.end() + 1] == ")" and _LIST_BEFORE_RE.search(text_before(m, 2)):
            ctx.because("chữ cái đánh số mục trong danh sách: đọc tên chữ")
            return " " + _name(m.group(1))  # "…; b) báo cáo": a list's item
        if not _LABEL_BEFORE_RE.search(text_before(m, 8)):
            return None
        ctx.because("chữ cái đánh dấu điểm, mục: đọc tên chữ")
        return " " + _name(m.group(1))

    def letter_word(m: re.Match[str]) -> str | None:
        if _GLUED_BEFORE_RE.search(text_before(m, 1)):
            return None  # inside a longer word or code
        ctx.because("chữ cái nối với một từ: đọc tên chữ")
        return f"{_name(m.group(1))} {m.group(2)}"

    sub(ctx, _LABEL_LETTER_RE, "letter", label, text)
    if any(line[1:2] == ")" and line[:1] in _LABELS for line in text.split("\n")):
        # "c) Báo cáo …" at a line start: a list's item.
        sub(ctx, _LINE_LABEL_RE, "letter", lambda m: _name(m.group(1)), text)
    return sub(ctx, _LETTER_WORD_RE, "letter", letter_word, text)
