"""Capitals lost in TCVN3 text, restored after conversion.

TCVN3 has no toned capitals (they came from the separate .VnTimeH fonts), so converted text
reads "ë xã …" for "Ở xã …" and "huyện øng Hòa" for "huyện Ứng Hòa". We restore:
- the first letter of every sentence;
- names the lexicon knows ("Ấn Độ" in a station's lexicon matches "ấn Độ");
- a word whose capital could not be written (toned initial vowel) standing inside a name:
  before a capitalised word ("ứng Hòa") unless it is a common word that precedes names
  ("ở Bình Định"), or after a middle name ("Nguyễn Văn ánh").
"""

from __future__ import annotations

import re

from .lexicon import Lexicon

# Initial letters TCVN3 could not write as capitals: vowels with a tone mark.
_TONED = "áàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
_SENTENCE_START_RE = re.compile(rf"(^|[.!?…]\s+|\n\s*)([{_TONED}])")
_NAME_WORD_RE = re.compile(rf"(?<!\w)([{_TONED}]\w*)(?=\s+([A-ZĐ\u00c0-\u1ef8]\w*))")
_AFTER_MIDDLE_RE = re.compile(
    rf"(\b(?:Văn|Thị|Hữu|Đức|Minh|Ngọc|Thanh|Quốc|Công|Xuân|Kim|Bá|Đình|Trọng) )"
    rf"([{_TONED}]\w*)")
# Common words that precede names but are not part of them.
_NOT_NAMES = {"ở", "ấy", "ủng", "ứng", "ý", "ít", "ấp", "ông", "ủy", "ạ", "à", "ừ", "ổn", "ảnh",
              "ấn", "ẩm", "ăn", "ồ", "ờ"}


def _upper_first(word: str) -> str:
    return word[:1].upper() + word[1:]


def restore_capitals(text: str, lexicon: Lexicon) -> str:
    text = _SENTENCE_START_RE.sub(lambda m: m.group(1) + m.group(2).upper(), text)

    def name_word(m: re.Match[str]) -> str:
        word = m.group(1)
        return word if word in _NOT_NAMES else _upper_first(word)

    text = _NAME_WORD_RE.sub(name_word, text)
    text = _AFTER_MIDDLE_RE.sub(lambda m: m.group(1) + _upper_first(m.group(2)), text)
    for key in lexicon.capital_names:
        lowered = key[0].lower() + key[1:]
        if lowered in text:
            text = re.sub(rf"(?<!\w){re.escape(lowered)}(?!\w)", key, text)
    return text
