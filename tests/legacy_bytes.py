"""Real legacy bytes, written from the encodings' own layouts (not from the product's tables),
so a wrong entry in bulletins.encoding fails the tests instead of agreeing with itself."""

from __future__ import annotations

import unicodedata

# TCVN3 (ABC, TCVN 5712:1993 VN3): runs of letters from a starting byte.
_TCVN3_RUNS = [
    (0xA1, "ĂÂÊÔƠƯĐăâêôơưđ"), (0xB5, "àảãáạ"), (0xBB, "ằẳẵắ"), (0xC6, "ặầẩẫấậè"),
    (0xCE, "ẻẽéẹềểễếệìỉ"), (0xDC, "ĩíịò"), (0xE1, "ỏõóọồổỗốộờởỡớợù"), (0xF1, "ủũúụừửữứựỳỷỹýỵ"),
]
TCVN3 = {ch: start + i for start, run in _TCVN3_RUNS for i, ch in enumerate(run)}


def tcvn3_bytes(text: str) -> bytes:
    """TCVN3 has no toned capitals (those came from .VnTimeH fonts on the lowercase codes)."""
    out = bytearray()
    for c in unicodedata.normalize("NFC", text):
        if c.isascii():
            out.append(ord(c))
        elif c in TCVN3:
            out.append(TCVN3[c])
        else:
            out.append(TCVN3[c.lower()])
    return bytes(out)


_TONE_MARKS = {"\u0301": "s", "\u0300": "f", "\u0309": "r", "\u0303": "x", "\u0323": "j"}
_VNI_TONE = {"s": "ù", "f": "ø", "r": "û", "x": "õ", "j": "ï"}
_VNI_CIRC = {"": "â", "s": "á", "f": "à", "r": "å", "x": "ã", "j": "ä"}
_VNI_BREVE = {"": "ê", "s": "é", "f": "è", "r": "ú", "x": "ü", "j": "ë"}
_VNI_I = {"f": "ì", "s": "í", "r": "æ", "x": "ó", "j": "ò"}


def vni_bytes(text: str) -> bytes:
    """VNI-Windows: an ASCII base letter, then a mark character (cp1252)."""
    out = []
    for word in unicodedata.normalize("NFC", text).split(" "):
        caps = len(word) > 1 and word.isupper()
        for c in word:
            out.append(_vni_char(c, caps))
        out.append(" ")
    return "".join(out)[:-1].encode("cp1252")


def _vni_char(c: str, caps: bool) -> str:
    if c in "đĐ":
        return "ñ" if c == "đ" else "Ñ"
    parts = unicodedata.normalize("NFD", c)
    base, marks = parts[0], parts[1:]
    if not marks:
        return c
    tone = next((_TONE_MARKS[m] for m in marks if m in _TONE_MARKS), "")
    upper = base.isupper()

    def mark(m: str) -> str:
        return m.upper() if caps else m

    if "\u031b" in marks:  # horn: ơ ư
        letter = {"o": "ô", "u": "ö"}[base.lower()]
        letter = letter.upper() if upper else letter
        return letter + (mark(_VNI_TONE[tone]) if tone else "")
    if "\u0302" in marks:
        return base + mark(_VNI_CIRC[tone])
    if "\u0306" in marks:
        return base + mark(_VNI_BREVE[tone])
    if base.lower() == "i" and tone:
        letter = _VNI_I[tone]
        return letter.upper() if upper else letter
    if base.lower() == "y" and tone == "j":
        return "Î" if upper else "î"
    return base + mark(_VNI_TONE[tone])


def cp1258_bytes(text: str) -> bytes:
    """Windows-1258: precomposed where the code page has the letter, else base + combining
    tone (0xCC, 0xEC, 0xD2, 0xDE, 0xF2), as Excel on Vietnamese Windows writes."""
    out = bytearray()
    for c in unicodedata.normalize("NFC", text):
        try:
            out += c.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", c)
        tone = "".join(m for m in parts if m in _TONE_MARKS)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONE_MARKS))
        out += base.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def as_latin1(data: bytes) -> str:
    """What a Word paste in a legacy font, or a program reading the bytes as Latin-1, shows."""
    return data.decode("latin-1")


def as_cp1258(data: bytes) -> str:
    """What a program reading the bytes as Windows-1258 shows ("l̃ch", "xaơ")."""
    return data.decode("cp1258")
