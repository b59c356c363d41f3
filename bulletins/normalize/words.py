"""Rules on words: lexicon phrases, dashes, abbreviations and unknown capitals (rule 5),
symbols and punctuation, and the last check (rule 8)."""

from __future__ import annotations

import re
from functools import cache

from .context import (
    Context,
    is_caps,
    prev_word,
    spell,
    sub,
    text_after,
    text_before,
)
from .lexicon import read_data
from .numerals import read_digits

# --- rule: phrases from the lexicon (place names, loanwords, COVID-19) ---

_ETHNIC_PREFIX = {"H": "Hơ", "K": "Cơ", "M": "Mơ", "N": "Nơ", "R": "Rơ", "B": "Bơ", "D": "Dơ",
                  "L": "Lơ", "P": "Pơ", "S": "Xơ", "T": "Tơ", "Y": "Y"}
_ETHNIC_RE = re.compile(r"(?<!\w)([HKMNRBDLPSTY])['’](?=[A-ZĐ])")


# A word after "/" starts a phrase too when a word stands before the slash ("Facebook/Zalo").
_WORD_START_RE = re.compile(r"(?<![\w&-])\w+")  # after "/": see rule_phrases


def _ends_sentence(text: str, end: int) -> bool:
    """After a dotted phrase ("v.v."): the text ends, a line ends or a capital follows."""
    rest = text[end:end + 4].lstrip(" \t")
    return not rest or rest[0] == "\n" or rest[0].isupper()


def _match_phrase(text: str, pos: int, candidates: list[tuple[str, str]]) -> tuple[str, str] | None:
    for key, spoken in candidates:
        end = pos + len(key)
        written = text[pos:end]
        # An all-caps headline still matches ("PLEIKU"); other case changes do not.
        if written == key or (written.isupper() and len(written) > 3
                              and written.lower() == key.lower()):
            if key.endswith(".") and text[end:end + 1] == ".":
                continue  # "v.v...": the dot starts an ellipsis; the key without it reads
            if end == len(text) or not (text[end].isalnum() or text[end] == "_"):
                return written, spoken
    return None


def rule_phrases(text: str, ctx: Context) -> str:
    """WHITELIST: lexicon phrases (place names, loanwords, COVID-19), longest entry first."""
    index = ctx.lexicon.phrase_index
    if index:
        last = 0
        for m in _WORD_START_RE.finditer(text):
            if m.start() < last:
                continue  # inside a phrase already tagged
            candidates = index.get(m.group().lower())
            if not candidates:
                continue
            start = m.start()
            if text[start - 1:start] == "/" and not text[start - 2:start - 1].islower():
                continue  # "KH/TU", "12/Tp": a code; "Facebook/Zalo" is two words
            found = _match_phrase(text, start, candidates)
            if found is None:
                continue
            written, spoken = found
            end = m.start() + len(written)
            if text[end:end + 1] == "." and written + "." in ctx.lexicon.tokens:
                continue  # "Tp. Pleiku": the dotted abbreviation's reading, not "Tp" + "."
            if written in _TITLES and re.match(r"\. ?[A-ZĐ\u00c0-\u1ef8]", text[end:end + 3]):
                end += 1  # "Ths. Nguyễn Văn Hải": the dot only marks the title
                if text[end:end + 1] != " ":
                    spoken += " "  # "Ths.Lê An"
            elif written.endswith(".") and _ends_sentence(text, end):
                spoken += "."  # "… v.v. Bà con" : the dot also ended the sentence
            ctx.propose(m.start(), end, "lexicon", spoken, f"từ điển: «{written}»")
            last = end
    # Ê Đê and Jrai names: H'Bia → Hơ Bia, K'Ho → Cơ Ho.
    return sub(ctx, _ETHNIC_RE, "name", lambda m: _ETHNIC_PREFIX[m.group(1)] + " ", text)


_BULLET_RE = re.compile(r"^[ \t]*[-–—•*+·>]+[ \t]+", re.M)
_DASH_RE = re.compile(r"\s+[-–—]+\s+|(?<=\w)[–—](?=\w)")


def rule_dashes(text: str, ctx: Context) -> str:
    """PUNCT: a dash between phrases is a pause; a bullet is dropped. Numbers and codes
    claim their own dashes with heavier readings; expansions keep theirs ("kinh tế - xã hội")."""
    sub(ctx, _BULLET_RE, "punct", lambda m: "", text)
    return sub(ctx, _DASH_RE, "punct", lambda m: ", ", text)


# --- rule 5: abbreviations and unknown capitals ---

_SYLLABLE_RE = re.compile(
    r"(ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"[aăâeêioôơuưyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]{1,3}"
    r"(ng|nh|ch|[cmnpt])?")
# Keys the notes allow only inside compounds or codes (AN, CA, KT …).
_SCHOOL_RE = re.compile(r"(?<!\w)(?:[Tt]rường|THCS|THPT|điểm trường|học sinh|giáo viên)(?!\w)")
_COMPOUND_ONLY = {"AN", "CA", "KT", "XH", "QP", "QS", "TH", "MN"}
_DOTTED = {"TP.", "TX.", "TT.", "H.", "Q.", "P.", "X.", "Tp."}
_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper())
# Only tokens holding a capital letter can be abbreviations (lowercase "đ/c" is a phrase).
_TOKEN_RE = re.compile(
    rf"(?<![\w'’])(?=[^\W\d_]*[{_UPPER}])[^\W\d_]+(?:[&/.\-][^\W\d_]+)*\.?")


@cache
def context_table() -> dict[str, list[tuple[str, re.Pattern[str], re.Pattern[str]]]]:
    """Readings that depend on the words around (data/abbr_context.tsv): the text before
    must end with the third column's pattern, the text after start with the fourth's."""
    table: dict[str, list[tuple[str, re.Pattern[str], re.Pattern[str]]]] = {}
    for line in read_data("abbr_context.tsv").splitlines():
        if line.strip() and not line.startswith("#"):
            key, spoken, before, *after = line.split("\t")
            table.setdefault(key, []).append(
                (spoken, re.compile(before), re.compile(after[0] if after else "")))
    return table


def _token(tok: str, ctx: Context, m: re.Match[str], compound: bool = False) -> str:
    """Spoken form of one word-like token (no trailing dot)."""
    lex = ctx.lexicon
    for spoken, before, after in context_table().get(tok, ()):
        if before.search(text_before(m, 30)) and after.match(text_after(m, 30)):
            ctx.because(f"«{tok}» đọc là «{spoken}» theo các từ xung quanh")
            return spoken
    spoken = lex.tokens.get(tok)
    if spoken is not None and (compound or tok not in _COMPOUND_ONLY):
        # Context: CT UBND is the chairman; TH after "trường" is a primary school.
        after = text_after(m, 40)
        if tok == "CT" and re.match(r"\s+(UBND|HĐND|UBMTTQ|MTTQ|Hội|xã|huyện|tỉnh)\b", after):
            return "Chủ tịch"
        if tok == "ĐT" and re.match(r"\s*:\s*\S", after):
            return "điện thoại"
        if tok == "ĐV" and re.search(r"ĐTN|ĐVTN|Đoàn", text_before(m, 60) + after):
            return "đoàn viên"
        return spoken
    if tok in ("TH", "MN") and (prev_word(m) == "trường" or _SCHOOL_RE.search(
            text_before(m, 60) + " " + text_after(m, 60))):
        # "trường TH", and "1 MN, 2 TH và 1 THCS" in a sentence about schools.
        return "tiểu học" if tok == "TH" else "mầm non"
    if tok == "ND" and prev_word(m) == "hội":
        return "Nông dân"
    if not is_caps(tok):
        return tok
    if tok.lower() in lex.phrases_folded:  # PLEIKU in a headline
        return lex.phrases_folded[tok.lower()]
    if _SYLLABLE_RE.fullmatch(tok.lower()) and (
            _in_capitals(m) or tok not in _COMPOUND_ONLY and (compound or not tok.isascii())):
        # A Vietnamese word written in capitals: THÔNG BÁO, "TIN VẮN". Without a tone mark
        # and alone among lowercase words ("ứng dụng AI", "kỹ sư IT") it is an acronym.
        return tok.lower()
    return spell(tok, ctx)


def _in_capitals(m: re.Match[str]) -> bool:
    """A word near the match is a Vietnamese word in capitals: a headline, not an acronym
    ("AN TOÀN", "BẢO ĐẢM AN NINH"; but "AN, CA xã")."""
    near = re.findall(r"\w+", text_before(m, 24))[-2:] + re.findall(r"\w+", text_after(m, 24))[:2]
    return any(is_caps(word) and (len(word) >= 3 or not word.isascii())
               and _SYLLABLE_RE.fullmatch(word.lower()) for word in near)


def rule_abbreviations(text: str, ctx: Context) -> str:
    lex = ctx.lexicon
    tokens = lex.tokens

    def token(m: re.Match[str]) -> str | None:
        written = m.group()
        after = text_after(m, 3)
        if written in _DOTTED or (written.endswith(".") and written in tokens
                                  and "." in written[:-1]):
            # TP. Pleiku, X. Ia Hrú: only before a capitalised name or a number.
            if re.match(r"\s?[A-ZĐ\u00c0-\u1ef8\d]", after) and written in tokens:
                return tokens[written] + " "
            if written[:-1] not in tokens:
                return None
        core, dot = (written[:-1], ".") if written.endswith(".") else (written, "")
        if dot and _is_title(core) and re.match(r" [A-ZĐ\u00c0-\u1ef8]", after):
            dot = ""  # "BS. Nguyễn Thị Mai": the dot only marks the abbreviation
        if (dot and core not in tokens and core.upper() in _TITLES and core.upper() in tokens
                and re.match(r" [A-ZĐ\u00c0-\u1ef8]", after)):
            # "Bs. Nguyễn Thị Hoa", "Ks. Trần Long": a title typed in title case.
            ctx.because(f"chức danh viết thường «{written}» trước tên người")
            return tokens[core.upper()].capitalize()
        if (core not in tokens and core.isalpha() and not is_caps(core)
                and core not in ("TH", "ND", "MN")):
            return None  # an ordinary capitalised word: Ban, Tỉnh, Plây
        if core in tokens or (is_caps(core) and core.lower() in lex.phrases_folded):
            ctx.because(f"từ điển viết tắt: «{core}»")
            return _said_once(_token(core, ctx, m, compound=False), text_before(m, 40)) + dot
        parts = re.split(r"([&/.-])", core)
        if "." in parts and not all(p in tokens for p in parts[::2]):
            return None  # a dot inside something else: left to the other taggers
        if len(parts) > 1 and any(is_caps(p) or p in tokens for p in parts[::2]):
            words = [_token(p, ctx, m, compound=True) for p in parts[::2]]
            if "-" in parts and set(parts[1::2]) == {"-"} and all(
                    w == p.lower() for w, p in zip(words, parts[::2], strict=True)):
                return "-".join(words) + dot  # a word in capitals: "VẮC-XIN" is "vắc-xin"
            ctx.because("viết tắt ghép: đọc từng phần, «&» là «và»")
            spoken = []
            for i, p in enumerate(parts):
                if i % 2:
                    spoken.append({"&": "và", "/": ",", "-": "-", ".": ","}[p])
                else:  # "SĐT/Zalo": a part may be a lexicon phrase
                    spoken.append(lex.phrases.get(p) or _token(p, ctx, m, compound=True))
            return " ".join(w for w in spoken if w).replace(" ,", ",") + dot
        if not any(c.isupper() for c in core):
            return None
        ctx.because("chữ in hoa chưa có trong từ điển: đánh vần")
        result = _token(core, ctx, m)
        return None if result == core else result + dot

    return sub(ctx, _TOKEN_RE, "abbreviation", token, text)


# An abbreviation in brackets right after the words it stands for: "Hội Phụ nữ (HPN)".
_GLOSS_RE = re.compile(r"\s*\(([A-ZĐ][A-Za-zĐđ&.-]{1,14})\)")


# Words that may stand between the expansion and its bracket: "Trung tâm Y tế huyện (TTYT)".
_GLOSS_TAIL = r"(?:\s+(?:xã|phường|thị trấn|huyện|thị xã|thành phố|tỉnh|thôn|làng))?\s*$"


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words).upper()


def rule_glosses(text: str, ctx: Context) -> str:
    """PUNCT: a bracketed abbreviation that repeats the words before it is not read twice."""

    def gloss(m: re.Match[str]) -> str | None:
        abbr = m.group(1)
        before = text_before(m, 80)
        expansion = ctx.lexicon.tokens.get(abbr)
        if expansion and re.search(re.escape(expansion.casefold()) + _GLOSS_TAIL,
                                   before.casefold()):
            ctx.because(f"«{abbr}» nhắc lại «{expansion}» ngay trước: không đọc lại")
            return ""
        words = re.findall(r"\w+", before)[-len(abbr):]
        letters = abbr.replace("&", "").replace("-", "").replace(".", "")
        if len(letters) >= 2 and _initials(words[-len(letters):]) == letters.upper():
            ctx.because(f"«{abbr}» là chữ đầu của các từ ngay trước: không đọc lại")
            return ""
        return None

    return sub(ctx, _GLOSS_RE, "punct", gloss, text)


# Titles before a name: "GS.", "BS.", "ThS." (the dot is not a sentence end there).
_TITLES = {"GS", "PGS", "TS", "ThS", "Ths", "BS", "KS", "TSKH", "BSCKI", "BSCKII", "NGƯT",
           "NGND", "NSND", "NSƯT", "TTND", "TTƯT", "LS", "CN", "DS", "ĐD", "KTS", "KTV", "YS",
           "DSCKI", "DSCKII", "CKI", "CKII", "Th.S"}


def _is_title(core: str) -> bool:
    """A title or a chain of them: "BS", "PGS.TS", "ThS.BS", "GS.TS.BS"."""
    return core in _TITLES or all(part in _TITLES for part in core.split("."))


def _said_once(spoken: str, before: str) -> str:
    """ "Hiệp định EVFTA", "Công ty CTCP …": the expansion's first words were just said."""
    words = spoken.split(" ")
    for n in range(min(3, len(words) - 1), 0, -1):
        head = " ".join(words[:n])
        if re.search(rf"(?<!\w){re.escape(head)}\s+$", before, re.IGNORECASE):
            return " ".join(words[n:])
    return spoken


# --- dotted prefixes written with or without a space: TX.Ayun Pa, H.Chư Sê, Q.1 ---

_PREFIXES = {"TP": "thành phố", "Tp": "thành phố", "TX": "thị xã", "Tx": "thị xã",
             "TT": "thị trấn", "H": "huyện", "Q": "quận", "P": "phường", "X": "xã",
             "KP": "khu phố", "TDP": "tổ dân phố", "T": "tỉnh", "Đ": "đường", "Ô": "ông",
             "B": "bà"}
# T., Đ. and B. (bà) also start people's initials ("Lê Văn T. Ông …"): only glued to the name.
_PREFIX_RE = re.compile(
    r"(?<![\w.])(?:(TP|Tp|TX|Tx|TT|H|Q|P|X|KP|TDP|Ô)\.\s?|(T|Đ|B)\.)(?=(\w)(\w?))")
_PLACE_NOUNS = ("phố", "xã", "huyện", "tỉnh", "phường", "trấn", "quận", "thôn", "làng", "ấp",
                "buôn", "bản", "đường", "sông", "núi", "hồ", "cầu", "chợ", "khu")
_STRAY_DOT_RE = re.compile(r"(?<=[^\W\d_])\.(?=[^\W\d_])")


def rule_dotted_prefixes(text: str, ctx: Context) -> str:
    """ABBREVIATION: a place prefix before a name or number; a stray "." inside words."""

    tokens = ctx.lexicon.tokens

    def dotted_word(m: re.Match[str]) -> str:
        """The dotted token around the match: "Th.S", "T.Ư"."""
        left = re.search(r"[\w.]*$", m.string[max(0, m.start() - 12):m.start()])
        right = re.match(r"[\w.]*", m.string[m.start():m.start() + 16])
        return ((left.group() if left else "") + (right.group() if right else "")).rstrip(".")

    def prefix(m: re.Match[str]) -> str | None:
        if dotted_word(m) in tokens:
            return None  # the lexicon reads it: "T.Ư" is "Trung ương"
        first, second = m.group(3), m.group(4)
        if not (first.isdigit() or first.isupper() and (not second or second.islower())):
            return None  # TP.HCM and other capitals: the lexicon reads those
        ctx.because("tiền tố địa danh trước tên riêng hoặc số")
        return _PREFIXES[m.group(1) or m.group(2)] + " "

    sub(ctx, _PREFIX_RE, "abbreviation", prefix, text)

    def stray(m: re.Match[str]) -> str | None:
        left, right = m.string[m.start() - 1], m.string[m.end()]
        if not (left.islower() and right.isupper()) or dotted_word(m) in tokens:
            return None
        word = re.search(r"\w+$", text_before(m, 12))
        if word and word.group().lower() in _PLACE_NOUNS:
            ctx.because("dấu chấm lạc giữa danh từ địa danh và tên riêng")
            return " "
        ctx.because("dấu chấm thiếu khoảng trắng sau câu")
        return ". "

    return sub(ctx, _STRAY_DOT_RE, "punct", stray, text)


# --- symbols and punctuation: keep what gives pauses, say or drop the rest ---

_SYMBOL_WORDS = {"&": " và ", "+": " và ", "=": " bằng ", "%": " phần trăm ", "‰": " phần nghìn ",
                 "°": " độ ", "~": " khoảng ", "≈": " khoảng ", "×": " nhân ", "≥": " từ ",
                 "≤": " đến ", "№": " số ", "§": " điều ", "<": " nhỏ hơn ", ">": " lớn hơn ",
                 "$": " đô la ", "±": " cộng trừ "}
_SYMBOL_RE = re.compile("|".join(map(re.escape, _SYMBOL_WORDS)))


_GRADE_PLUS_RE = re.compile(r"(?<=\w)\+(?=\s|$|[.,;:!?)])")
_QUOTES_RE = re.compile(r"[“”\"«»„‟‹›]|(?<!\w)['‘’]|['‘’](?!\w)")
_ODD_SYMBOLS_RE = re.compile(r"[/\\|_*#^@`•·©®™]")


def _word_slash(m: re.Match[str]) -> str:
    """A "/" between two words of two letters or more (after the rules) is a comma pause."""
    left = m.string[max(0, m.start() - 3):m.start()].rstrip(" ")[-2:]
    right = m.string[m.end():m.end() + 3].lstrip(" ")[:2]
    return ", " if _TWO_LETTERS_RE.fullmatch(left) and _TWO_LETTERS_RE.fullmatch(right) else "/"


_TWO_LETTERS_RE = re.compile(r"[^\W\d_]{2}")


def rule_symbols(text: str, ctx: Context) -> str:
    text = _GRADE_PLUS_RE.sub(" cộng", text)  # "A+", "B+": a grade, not "and"
    text = _SYMBOL_RE.sub(lambda m: _SYMBOL_WORDS[m.group()], text)
    text = _QUOTES_RE.sub("", text)
    text = re.sub(r"['‘’]", "", text)  # inside a word: O'Neil → ONeil
    if any(c in text for c in "()[]{}"):
        text = re.sub(r"\s*[(\[{]\s*", ", ", text)  # (toàn khóa) → , toàn khóa,
        text = re.sub(r"\s*[)\]}](?=\s*[:;.!?])", "", text)  # "(loại 1): …" keeps its colon
        text = re.sub(r"\s*[)\]}]", ",", text)
    text = text.replace("–", " ").replace("—", " ")  # dashes no rule has read
    if "…" in text or "..." in text:
        text = re.sub(r"…|\.{3,}", "...", text)
        text = re.sub(r"\.\.\.(?=[^\W\d_])", "... ", text)  # "Tuy nhiên....nhiều"
    if "/" in text:  # "Zalo/Facebook": a slash no rule has read is a short pause
        text = re.sub("/", _word_slash, text)
    text = _ODD_SYMBOLS_RE.sub(" ", text)
    # Tidy the punctuation left behind.
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" ([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*(\.\.\.|[.!?])", r"\1", text)
    text = re.sub(r"([,;:!?])(?=[^\s\d,.;:!?])", r"\1 ", text)
    text = re.sub(r"(?m)^[ ,;:]+|[ ,;:]+$", "", text)
    text = re.sub(r"\n{2,}", "\n", text)
    return text.strip()


# --- rule 8: the last check ---

_ALLOWED_PUNCT = set(" \n.,?!;:-")


# Candidates for the last check: anything but ASCII letters, Vietnamese letters and pauses.
_SUSPECT_RE = re.compile(
    r"[^ \nA-Za-z.,?!;:\-\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01b0\u1ea0-\u1ef9]")


def final_check(text: str, ctx: Context) -> str:
    """No digit and no unreadable symbol may reach an engine: spell or drop, and report."""
    if not _SUSPECT_RE.search(text):
        return text
    out = []
    changed = False
    for c in text:
        if c in _ALLOWED_PUNCT or (c.isalpha() and (c.isascii() or "\u00c0" <= c <= "\u1ef9")):
            out.append(c)
            continue
        changed = True
        if c.isdigit():
            spoken = read_digits(c) if c.isascii() else ""
            out.append(f" {spoken} ")
            ctx.warnings.append(f"Chữ số «{c}» còn sót, đã đọc từng chữ số (cần báo lỗi).")
        else:
            out.append(" ")
            ctx.warnings.append(f"Ký hiệu «{c}» không đọc được, đã bỏ (U+{ord(c):04X}).")
    if not changed:
        return text
    result = re.sub(r"[ \t]+", " ", "".join(out))
    return re.sub(r" ([,.;:!?])", r"\1", result).strip()


