"""Legacy Vietnamese encodings: find TCVN3 (ABC) and VNI text in any input and convert it.

Text reaches us as bytes (import files, standard input, raw command-line arguments) or as text
that was already decoded wrongly: a Word paste in a .VnTime font reads "Th«ng b¸o" (TCVN3 seen
as Latin-1), a TCVN3 file opened as Windows-1258 reads "l̃ch", VNI reads "Haø Noäi". Each
candidate reading is scored by how many of its words are well-formed Vietnamese syllables
(onset + rhyme + one tone, stop finals only with sắc or nặng), and a reading replaces the text
only when it is clearly better than the text as it stands and than every other reading. When
two readings are close, or a reading helps but leaves much unreadable, `LegacyEncodingError`
carries both so the editor can choose; nothing is changed in silence.

Plain Unicode is left alone: text holding letters only Unicode Vietnamese has (ơ, ư, đ, ệ …)
cannot be a Latin-1 reading of legacy bytes, and symbols such as ©, ®, µ, ×, · at the edge of
a word are symbols, not letters in disguise.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from .errors import LegacyEncodingError

# --- TCVN3 (ABC, TCVN 5712:1993 VN3): bytes 0xA1–0xFF, read back as Latin-1 characters. ---
# Only the seven base capitals exist; toned capitals came from the separate ".VnTimeH" fonts,
# which reuse the lowercase codes, so toned letters convert to lowercase.
_TCVN3_CODES = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}
TCVN3_TO_UNICODE = {chr(k): v for k, v in _TCVN3_CODES.items()}
UNICODE_TO_TCVN3 = {v: k for k, v in TCVN3_TO_UNICODE.items()}
_TCVN3_TABLE = str.maketrans(TCVN3_TO_UNICODE)

# --- VNI (VNI-Windows): an ASCII base letter followed by a mark character. ---
# Lowercase mark characters; the capital forms follow the capital base letter.
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
_VNI_CIRC = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Standalone letters: ơ ư đ and the toned i and ỵ.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "ì": "ì", "í": "í", "æ": "ỉ", "ó": "ĩ", "ò": "ị",
               "î": "ỵ"}


def _vni_tables() -> dict[str, str]:
    table: dict[str, str] = {}

    def add(seq: str, text: str) -> None:
        table[seq] = unicodedata.normalize("NFC", text)
        table[seq.upper()] = unicodedata.normalize("NFC", text).upper()
        if len(seq) == 2:  # capital base, lowercase mark: the first letter of a name
            table[seq[0].upper() + seq[1]] = unicodedata.normalize("NFC", text).capitalize()

    for base in "aeiouy":
        for mark, tone in _VNI_TONES.items():
            add(base + mark, base + tone)
    for base in "ơư":  # ơ, ư written "ô", "ö" then a tone
        vni_base = "ô" if base == "ơ" else "ö"
        for mark, tone in _VNI_TONES.items():
            add(vni_base + mark, base + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRC.items():
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for mark, letter in _VNI_SINGLE.items():
        add(mark, letter)
    return table


VNI_TO_UNICODE = _vni_tables()
_VNI_RE = re.compile("|".join(sorted(map(re.escape, VNI_TO_UNICODE), key=len, reverse=True)))
ENCODING_VI = {
    "TCVN3": "TCVN3 (ABC, phông .VnTime)",
    "VNI": "VNI (phông VNI-Times)",
    "cp1258": "Windows-1258",
    "unicode": "Unicode",
}
LEGACY_HINT = ("Hãy lưu lại văn bản ở bảng mã Unicode (trong Unikey: Công cụ › Chuyển mã, "
               "hoặc Word: Lưu thành › UTF-8) rồi thử lại.")

# --- The Vietnamese syllable: onset + rhyme + at most one tone. ---
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"
_STOP_TONES = "\u0301\u0323"  # a syllable ending in c, ch, p, t takes sắc or nặng
_ONSETS = ("ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr",
           "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_OPEN = ("a e ê i o ô ơ u ư y ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ ưa "
         "ưi ưu uy iêu yêu oai oay oao oeo uây uôi ươi ươu uya uyu").split()
_CODAS = {
    "a": "m n ng nh c ch p t", "ă": "m n ng c p t", "â": "m n ng c p t",
    "e": "m n ng c p t", "ê": "m n nh ch p t", "i": "m n nh ch p t",
    "o": "m n ng c p t", "oo": "ng c", "ô": "m n ng c p t", "ơ": "m n p t",
    "u": "m n ng c p t", "ư": "m n ng c t", "iê": "m n ng c p t", "yê": "m n ng t",
    "uô": "m n ng c t", "ươ": "m n ng c p t", "oa": "m n ng nh ch c p t",
    "oă": "m n ng c t", "oe": "m n t", "uâ": "n ng t", "uê": "n nh ch", "uy": "n nh ch p t",
    "uyê": "n t", "y": "",
}
_RHYMES: dict[str, bool] = {r: False for r in _OPEN}  # rhyme → ends in a stop
for _nucleus, _codas in _CODAS.items():
    for _coda in _codas.split():
        _RHYMES[_nucleus + _coda] = _coda in ("c", "ch", "p", "t")
_VI_LETTERS = set("aăâbcdđeêghiklmnoôơpqrstuưvxy")


def is_syllable(word: str) -> bool:
    """Whether `word` (any case, NFC or NFD) is a well-formed Vietnamese syllable, its tone
    on the vowel that carries it (either placement for oa, oe, uy: "hóa" and "hoá")."""
    letters: list[str] = []  # base letters with their own marks (ê, ơ …), tones removed
    tone_at = -1
    tone = ""
    for c in unicodedata.normalize("NFD", word.lower()):
        if c in _TONE_MARKS:
            if tone or not letters:
                return False
            tone, tone_at = c, len(letters) - 1
        elif unicodedata.combining(c) and letters:
            letters[-1] = unicodedata.normalize("NFC", letters[-1] + c)
        else:
            letters.append(c)
    plain = "".join(letters)
    if not plain or not set(plain) <= _VI_LETTERS:
        return False
    for onset in _ONSETS:
        if not plain.startswith(onset):
            continue
        rhyme = plain[len(onset):]
        stop = _RHYMES.get(rhyme)
        if stop is None or (stop and tone not in _STOP_TONES) or (stop and not tone):
            continue
        if not tone or tone_at - len(onset) in _tone_places(rhyme):
            return True
    return False


def _tone_places(rhyme: str) -> set[int]:
    """Where a tone may sit in `rhyme` (indexes into it)."""
    vowels = [i for i, c in enumerate(rhyme) if c in "aăâeêioôơuưy"]
    if not vowels:
        return set()
    marked = [i for i in vowels if rhyme[i] in "ăâêôơư"]
    if marked:
        return {marked[-1]}
    if len(vowels) < len(rhyme):  # a final consonant: the last vowel
        return {vowels[-1]}
    if len(vowels) == 1:
        return {vowels[0]}
    if len(vowels) == 2:
        return {0, 1} if rhyme in ("oa", "oe", "uy") else {0}
    return {1}


# --- Scoring a reading ---
# A token is a run of letters, combining marks and the Latin-1 signs legacy text shows as.
_TOKEN_RE = re.compile("[A-Za-z\u00a1-\u024f\u0300-\u036f\u1ea0-\u1ef9]+")
# Symbols plain Unicode text uses: at a word's edge they are symbols, not letters in disguise.
_EDGE_SYMBOLS = "©®µ×·°±²³¹¼½¾«»§¶÷ª º¿¡"
# Letters only Unicode Vietnamese has: legacy text read as Latin-1 never holds them.
_UNICODE_ONLY_RE = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9]")
# Legacy signs: Latin-1 characters that are neither Vietnamese letters nor plain punctuation.
_VI_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_SIGNS = "".join(c for c in map(chr, range(0xA1, 0x100))
                 if c not in _VI_LATIN1 and c not in "°±²³¹")  # those go with numbers
# Characters that are letters only in a legacy table: TCVN3 codes and VNI marks.
_ALL_SIGNS = "".join(sorted(
    (set(TCVN3_TO_UNICODE) | {c for k in VNI_TO_UNICODE for c in k if not c.isascii()})
    - _VI_LATIN1))
_SIGN_OR_MARK_RE = re.compile(
    f"(?<=[^\\W\\d_])[{_ALL_SIGNS}]|[{_ALL_SIGNS}](?=[^\\W\\d_])|[\u0300-\u036f]")
# A sign next to a letter ("Th«ng", "d©n"), where plain text would have a letter.
_GLUED_SIGN_RE = re.compile(f"(?<=[^\\W\\d_])[{_SIGNS}]|[{_SIGNS}](?=[^\\W\\d_])")


@dataclass(frozen=True)
class Score:
    valid: int  # words that are Vietnamese syllables
    bad: int  # words with non-ASCII letters that are not

    @property
    def net(self) -> int:
        return self.valid - self.bad

    @property
    def confident(self) -> bool:
        return self.valid > 0 and self.bad * 6 <= self.valid


def score(text: str) -> Score:
    valid = bad = 0
    for token in _TOKEN_RE.findall(text):
        kind = _token_kind(token)
        valid += kind > 0
        bad += kind < 0
    return Score(valid, bad)


@functools.lru_cache(maxsize=65536)
def _token_kind(token: str) -> int:
    """1 a Vietnamese syllable, -1 a word with non-ASCII letters that is not, 0 neither."""
    core = token.strip(_EDGE_SYMBOLS)
    if len(core) < 2 or core.isascii() or (core.isupper() and core.replace("Đ", "").isascii()):
        # ASCII reads the same in every candidate, symbols alone are symbols, a single letter
        # ("à", "ở") proves nothing either way, and HĐND, KHĐT are abbreviations.
        return 0
    if core[:2].isascii() and core[:2].isupper() and not core.isupper():
        return 0  # an abbreviation run into a word ("KHô"): no syllable to judge
    # "KhÈn" (a capital inside a word) is a leftover sign, not a letter
    cased = core.islower() or core.isupper() or core[1:].islower()
    return 1 if cased and is_syllable(core) else -1


# --- Candidate readings ---
def _fix_caps(text: str) -> str:
    """TCVN3 all-caps text came from .VnTimeH fonts on lowercase codes: "THôNG" → "THÔNG"."""

    def word(m: re.Match[str]) -> str:
        w = m.group()
        ascii_letters = [c for c in w if c.isascii() and c.isalpha()]
        if len(ascii_letters) >= 2 and all(c.isupper() for c in ascii_letters) and not w.isupper():
            return w.upper()
        return w

    return re.sub(r"\w+", word, text)


def _tcvn3(latin: str) -> str:
    return _fix_caps(latin.translate(_TCVN3_TABLE))


def _vni(latin: str) -> str:
    return _VNI_RE.sub(lambda m: VNI_TO_UNICODE[m.group()], latin)


def _as_bytes_chars(text: str, codec: str) -> str | None:
    """Each character back to the byte `codec` made it from, as a Latin-1 character; None when a
    letter could not have come from `codec` (then this reading is impossible)."""
    out = []
    for c in text:
        if c.isascii():
            out.append(c)
            continue
        try:
            byte = c.encode(codec)
            # Below 0xA0 neither table has a letter: keep the character ("“" stays "“").
            out.append(byte.decode("latin-1") if byte[0] >= 0xA0 else c)
        except UnicodeEncodeError:
            if unicodedata.category(c)[0] in "LM":
                return None
            out.append(c)
    return "".join(out)


@dataclass(frozen=True)
class Decoded:
    """Text as we will keep it, and what was done to get it."""

    text: str
    encoding: str | None = None  # "TCVN3", "VNI", "cp1258"; None when nothing was changed
    original: str = ""

    def warning(self, what: str = "Văn bản") -> str | None:
        """One Vietnamese line saying what was converted, or None."""
        if self.encoding is None:
            return None
        name = ENCODING_VI.get(self.encoding, self.encoding)
        before, after = _excerpt(self.original, self.text)
        return (f"{what} ở bảng mã cũ {name} đã được chuyển sang Unicode: «{before}» → "
                f"«{after}». Hãy kiểm tra lại.")


def _excerpt(a: str, b: str, width: int = 60) -> tuple[str, str]:
    """The first stretch where two readings differ, short enough for one message line."""
    start = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), 0)
    start = max(0, start - 15)
    start = a.rfind(" ", 0, start) + 1 if start else 0

    def cut(s: str) -> str:
        piece = " ".join(s[start:start + width].split())
        return ("…" if start else "") + piece + ("…" if len(s) > start + width else "")

    return cut(a), cut(b)


def _decide(original: str, label: str, readings: list[tuple[str, str]],
            baseline: Score | None) -> Decoded:
    """Pick the reading to keep. `baseline` is the score of `original` as it stands (None for
    bytes, where every reading is a guess)."""
    scored = [(name, text, score(text)) for name, text in readings]
    if baseline is not None:
        scored = [r for r in scored
                  if r[2].valid > baseline.valid and r[2].bad < baseline.bad]
    if not scored:
        return Decoded(original)
    if baseline is not None and not _SIGN_OR_MARK_RE.search(original) and max(
            r[2].valid for r in scored) - baseline.valid < 2:
        return Decoded(original)  # one word without a legacy sign proves nothing
    scored.sort(key=lambda r: (r[2].net, r[2].valid), reverse=True)
    name, text, best = scored[0]
    rivals = [r for r in scored[1:]
              if r[1] != text and r[2].confident and r[2].net >= best.net - 1]
    if best.confident and not rivals:
        return Decoded(text, name, original)
    if baseline is not None and not rivals and (
            best.valid - baseline.valid < 2 or best.bad > best.valid):
        return Decoded(original)  # too little for a guess either way: leave the text alone
    other_name, other_text = (rivals[0][0], rivals[0][1]) if rivals else (label, original)
    a, b = _excerpt(text, other_text)
    raise LegacyEncodingError(
        "Không chắc văn bản dùng bảng mã nào: đọc theo "
        f"{ENCODING_VI.get(name, name)} là «{a}», đọc theo "
        f"{ENCODING_VI.get(other_name, other_name)} là «{b}».",
        LEGACY_HINT, readings=((name, text), (other_name, other_text)),
        detail=f"best {name} {best}; other {other_name}",
    )


def fix_text(text: str) -> Decoded:
    """Detect TCVN3/VNI text that was decoded as Latin-1/cp1252 or Windows-1258, and convert it.

    Returns the text unchanged (encoding None) when it reads as Unicode Vietnamese already.
    Raises LegacyEncodingError when unsure (both readings in the message) or when the text is
    thick with legacy signs that no table turns into Vietnamese."""
    base = score(text)
    if base.bad == 0 or base.valid > base.bad * 2:
        # Text that mostly reads as Vietnamese already is Unicode with a few odd words; a
        # mis-read legacy text has hardly a word right.
        if base.bad:
            _refuse_unreadable(text)
        return Decoded(text)
    readings: list[tuple[str, str]] = []
    if not _UNICODE_ONLY_RE.search(text):
        latin = _as_bytes_chars(text, "cp1252")
        if latin is None:
            latin = _as_bytes_chars(text, "latin-1")
        if latin is not None:
            readings += [("TCVN3", _tcvn3(latin)), ("VNI", _vni(latin))]
    if not re.search("[ĩĨũŨ\u1ea0-\u1ef9]", text):  # Windows-1258 never makes these
        cp = _as_bytes_chars(text, "cp1258")
        if cp is not None and cp != text:
            readings += [("TCVN3", _tcvn3(cp)), ("VNI", _vni(cp))]
    readings = [(n, unicodedata.normalize("NFC", t)) for n, t in readings
                if unicodedata.normalize("NFC", t) != unicodedata.normalize("NFC", text)]
    decoded = _decide(text, "unicode", readings, base)
    if decoded.encoding is None:
        _refuse_unreadable(text)
    return decoded


def _refuse_unreadable(text: str) -> None:
    """Refuse text thick with legacy signs glued to letters that no reading explains."""
    glued = len(_GLUED_SIGN_RE.findall(text))
    letters = sum(1 for c in text if c.isalpha())
    if glued >= 8 and glued * 4 >= letters:
        raise LegacyEncodingError(
            "Văn bản có vẻ dùng bảng mã cũ (TCVN3/ABC hoặc VNI) nhưng không chuyển được sang "
            "Unicode.", LEGACY_HINT, detail=f"{glued} legacy signs by letters, {letters} letters")


def decode_bytes(data: bytes) -> Decoded:
    """Bytes from a file, standard input or the command line, as text.

    UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such (and the text then
    checked by `fix_text`); anything else is read as TCVN3, VNI and Windows-1258 (what Excel
    on Vietnamese Windows saves), and the reading that makes Vietnamese wins."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return fix_text(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    try:
        return fix_text(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    latin = data.decode("latin-1")
    readings = [("TCVN3", _tcvn3(latin)), ("VNI", _vni(latin))]
    try:
        readings.append(("cp1258", data.decode("cp1258")))
    except UnicodeDecodeError:
        pass
    readings = [(n, unicodedata.normalize("NFC", t)) for n, t in readings]
    return _decide(latin, "Latin-1", readings, None)


# Terminal escape sequences (colours, cursor moves, window titles) go whole: half-stripped,
# "\x1b[31m" would be read aloud as "ba mươi mốt".
_ESCAPE_RE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"  # CSI
    r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, up to its terminator
    r"|\x1b[P^_X][^\x1b\x9c]*(?:\x1b\\|\x9c)?"  # DCS, PM, APC, SOS strings
    r"|\x1b[ -/]*[0-~]"  # two-character sequences
)


def strip_escapes(text: str) -> str:
    """Remove terminal escape sequences whole (not just their ESC character)."""
    return _ESCAPE_RE.sub("", text)


def fix_argument(value: str) -> Decoded:
    """A command-line argument: raw legacy bytes arrive as surrogate escapes under a UTF-8
    locale, so they are turned back into bytes and decoded like a file."""
    if any("\udc80" <= c <= "\udcff" for c in value):
        return decode_bytes(value.encode("utf-8", "surrogateescape"))
    return fix_text(value)


def convert_legacy(text: str) -> tuple[str, str | None]:
    """(text, encoding converted from or None): `fix_text` for callers that want a pair."""
    decoded = fix_text(text)
    return decoded.text, decoded.encoding
