"""The spoken-form panel's markup: each classified token in a <span> whose title tells its
class, what was written and why it was read so (hover), unknown words in <mark>."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

# Vietnamese names of the semiotic classes, for editors.
CLASS_VI = {
    "CARDINAL": "số đếm", "DECIMAL": "số thập phân", "FRACTION": "phân số, tỷ số",
    "ORDINAL": "số thứ tự", "ROMAN": "số La Mã", "DATE": "ngày tháng", "TIME": "giờ, thời lượng",
    "MEASURE": "số đo", "MONEY": "tiền", "PERCENT": "phần trăm", "RANGE": "khoảng số",
    "TELEPHONE": "số điện thoại", "IDENTIFIER": "mã, số hiệu", "ABBREVIATION": "viết tắt",
    "ADDRESS": "đường, địa chỉ", "ELECTRONIC": "địa chỉ web, thư điện tử",
    "WHITELIST": "từ điển", "VERBATIM": "đánh vần", "PUNCT": "dấu câu",
}


def token_list(changes: list[Any]) -> list[dict[str, str]]:
    """Tokens as plain data (for the JSON API): written, spoken, class, class_vi, evidence."""
    out = []
    for c in changes:
        cls = getattr(c, "cls", "")
        if not cls or not getattr(c, "spoken", "") or getattr(c, "rule", "") == "unicode":
            continue
        out.append({"written": c.original, "spoken": c.spoken, "cls": cls,
                    "class_vi": CLASS_VI.get(cls, cls.lower()), "evidence": c.evidence})
    return out


def reading_markup(preview: Any) -> Markup:
    """Escape the spoken text; wrap each token's reading (found in order) with its title."""
    text: str = preview.spoken or ""
    unknown = set(preview.unknown or [])
    out, pos = [], 0
    for token in token_list(preview.changes):
        at = text.find(token["spoken"], pos)
        if at < 0:
            continue  # tidied away by punctuation rules: no hover for it
        end = at + len(token["spoken"])
        out.append(escape(text[pos:at]))
        title = f"{token['class_vi']}: «{token['written']}»"
        if token["evidence"]:
            title += f" — {token['evidence']}"
        if token["written"].rstrip(".") in unknown:
            out.append(Markup('<mark class="unknown tok" data-cls="{}" title="{}">{}</mark>')
                       .format(token["cls"], "Chưa biết cách đọc — " + title,
                               text[at:end]))
        else:
            out.append(Markup('<span class="tok" data-cls="{}" title="{}">{}</span>')
                       .format(token["cls"], title, text[at:end]))
        pos = end
    out.append(escape(text[pos:]))
    return Markup("").join(out)
