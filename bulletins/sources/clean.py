"""Pure text cleaning for imported articles: page furniture out, sentences and paragraphs in.

Newspaper pages and office documents carry text that must never be read on air: photo
captions ("Ảnh: …"), bylines, "Phản hồi", "Các tin khác", share buttons, pull quotes. The
rules here run on every imported text (Word, web page, feed) after extraction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """One article as extracted from a source, before validation."""

    title: str
    body: str
    source_ref: str = ""  # URL, feed guid or "file.docx#2"; empty for pasted text


# A line that starts the page's tail: nothing after it belongs to the article.
_TAIL_MARKERS = (
    "phản hồi", "các tin khác", "tin liên quan", "tin cùng chuyên mục", "bài liên quan",
    "tin mới nhất", "mới nhất", "đọc nhiều", "xem nhiều", "liên kết website",
    "ý kiến bạn đọc", "bình luận", "gửi bình luận", "tin khác", "xem thêm",
)
# Whole lines that are buttons or labels, dropped wherever they stand.
_JUNK_LINES = re.compile(
    r"^(chia sẻ|share|in bài|in trang|gửi bài|gửi email|lưu bài|theo dõi|like|tweet|"
    r"facebook|twitter|zalo|email|print|bản in|quay lại|về đầu trang|lên đầu trang|"
    r"trang chủ|tags?|từ khóa|từ khoá|tải về|xem ảnh|video|nguồn|cỡ chữ|"
    r"a\+?|a-|\+|-|\||·|•)\s*[:.]?\s*$",
    re.I,
)
_LABEL_PREFIX = re.compile(
    r"^(tags?|từ khóa|từ khoá|chia sẻ|share|ngày đăng|đăng ngày|đăng lúc|cập nhật|"
    r"ngày cập nhật|lượt xem|số lượt xem|thời gian đăng)\s*:", re.I)
# "(GLO)- ", "(TTXVN) – ", "GLO - " opening a newspaper's lead: the agency, not news.
_AGENCY = re.compile(r"^\(?[A-ZĐ][A-ZĐa-z.]{1,9}\)?\s*[-–—]+\s*(?=\S)")
# Photo captions: "Ảnh: X", "(Ảnh minh họa)", or a line ending with "Ảnh: Phan Lài".
_CAPTION = re.compile(
    r"^\(?\s*ảnh(\s+minh\s+họa|\s+minh\s+hoạ)?\s*[:.)]|"
    r"[.!?…)]?\s*\(?\s*(ảnh|nguồn ảnh|ảnh minh họa|ảnh minh hoạ|video|clip)\s*:"
    r"\s*[^.!?]{1,80}\)?\s*$",
    re.I,
)
# Bylines: "Theo TTXVN", "(Theo Báo Gia Lai)", "PV", "Tác giả: …", a name in capitals.
_BYLINE = re.compile(
    r"^\(?\s*(theo\s+[^.!?]{1,60}|nguồn\s*:\s*.{1,80}|tác giả\s*:\s*.{1,80}|"
    r"pv|ctv|btv|[a-zđ]{1,4}\s*/\s*[a-zđ]{1,4}|bài\s+và\s+ảnh\s*:.{1,80}|"
    r"(bài|tin|ảnh)\s*:\s*.{1,60}|biên tập\s*:\s*.{1,60})\s*\)?\s*\.?$",
    re.I,
)
_DATELINE = re.compile(r"^\w+,?\s+\d{1,2}[/.-]\d{1,2}[/.-]\d{4}(\s*[-,]?\s*\d{1,2}:\d{2})?\s*$")


def _is_upper_name(line: str) -> bool:
    """'PHAN LÀI' or 'Nguyễn Văn A (Trung tâm VH-TT)' as the last line: a byline."""
    words = line.split()
    letters = [c for c in line if c.isalpha()]
    return 1 <= len(words) <= 6 and bool(letters) and all(c.isupper() for c in letters)


def _is_pull_quote(line: str) -> bool:
    s = line.strip()
    return len(s) > 2 and s[0] in "“\"«" and s.rstrip(".")[-1] in "”\"»" and \
        s.count("“") + s.count('"') <= 2


def _norm(line: str) -> str:
    return " ".join(line.split()).strip(" .:…").lower()


def drop_furniture(text: str) -> str:
    """The article text without page furniture; paragraphs kept, one per line, blank-separated."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00a0", " ").replace("\u200b", "")
    lines = [" ".join(ln.split()) for ln in text.split("\n")]
    kept: list[str] = []
    for line in lines:
        if not line:
            if kept and kept[-1]:
                kept.append("")
            continue
        low = _norm(line)
        if low in _TAIL_MARKERS:
            break  # everything after "Phản hồi", "Các tin khác" … is the page, not the article
        if _JUNK_LINES.match(line) or _LABEL_PREFIX.match(line) or _DATELINE.match(line):
            continue
        if _CAPTION.search(line) and len(line) < 400:
            continue
        if _BYLINE.match(line) or _is_pull_quote(line):
            continue
        kept.append(line)
    while kept and (not kept[-1] or _is_upper_name(kept[-1])):
        kept.pop()  # a trailing byline in capitals, then trailing blanks
    while kept and not kept[0]:
        kept.pop(0)
    if kept and _AGENCY.match(kept[0]) and kept[0][:1] in "(" + kept[0][:1].upper():
        kept[0] = _AGENCY.sub("", kept[0], count=1)
    out = "\n".join(kept).strip()
    return re.sub(r"\n{3,}", "\n\n", out)


# --- sentences of written text (before normalization) ---------------------------------------
_ABBREV = {"tp", "tx", "tt", "ths", "ts", "pgs", "gs", "bs", "ks", "th.s", "st", "mr", "ms",
           "q", "p", "h", "x", "đ", "ng", "v.v", "tr", "no", "số"}
_BOUNDARY = re.compile(r"(\.\.\.|[.!?…])[\"”’»)]*\s+")


def split_written(paragraph: str) -> list[str]:
    """Split one paragraph of written Vietnamese into sentences, keeping "TP. Pleiku" whole."""
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end()
        nxt = paragraph[end:end + 1]
        if not nxt or not (nxt.isupper() or nxt.isdigit() or nxt in "“\"«("):
            continue
        before = paragraph[start:m.start()].split()
        last = before[-1].lower().lstrip("(\"“") if before else ""
        if m.group(1) == "." and (last in _ABBREV or (len(last) == 1 and last.isalpha())):
            continue
        out.append(paragraph[start:end].strip())
        start = end
    tail = paragraph[start:].strip()
    if tail:
        out.append(tail)
    return out


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def is_heading(paragraph: str) -> bool:
    """A subheading inside an article: short and without closing punctuation."""
    s = paragraph.strip()
    return bool(s) and len(s.split()) <= 14 and s[-1] not in ".!?…:;,\"”)»"


# --- near-duplicate text ----------------------------------------------------------------------
def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", unicodedata.normalize("NFC", text).lower())
    if len(words) < 3:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of word trigrams: 1.0 same words in the same order, 0.0 unrelated.

    Robust to retyped punctuation, spacing and case, which is how the same article reaches
    a station twice (from the portal's feed and pasted from the newspaper).
    """
    sa, sb = _shingles(a), _shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def clip_to_chars(text: str, limit: int) -> str:
    """The start of `text` within `limit` characters, cut at a paragraph end (else a sentence
    end, else a space); `text` itself when it fits."""
    if len(text) <= limit:
        return text
    head = text[:limit + 1]
    paragraph = head.rfind("\n")
    sentence = max((m.end(1) for m in _BOUNDARY.finditer(head) if m.end(1) <= limit), default=0)
    if paragraph >= limit // 2 or (paragraph > 0 and paragraph >= sentence):
        return text[:paragraph].rstrip()
    if sentence:
        return text[:sentence].rstrip()
    return head[:limit].rsplit(" ", 1)[0]
