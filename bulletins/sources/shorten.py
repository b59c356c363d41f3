"""Cut an article to fit a reading-time target (pure).

Whole sentences only, kept in their order. The lead (the first sentence of the body) is
always kept. The rest are chosen by how much of the article's content they carry per second
of reading: dates, numbers, names and actions count, filler does not. Reading time comes
from a caller-supplied estimate (the same rate model the fit uses), so the proposal is at or
under the target by that model, and as close to it as whole sentences allow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .clean import drop_furniture, is_heading, paragraphs, split_written

# Verbs that make a sentence report something happening (Vietnamese news register).
_ACTIONS = (
    "tổ chức", "ban hành", "triển khai", "khai mạc", "bế mạc", "khởi công", "khánh thành",
    "phát động", "trao", "tặng", "hỗ trợ", "thông báo", "quyết định", "phê duyệt", "kiểm tra",
    "xử lý", "đạt", "hoàn thành", "tăng", "giảm", "xây dựng", "ký", "tiếp nhận", "tuyên truyền",
    "xuất bản", "phát hiện", "cấp", "đầu tư", "giải ngân", "thu hoạch", "tiêm", "phòng",
    "cảnh báo", "yêu cầu", "đề nghị", "chỉ đạo", "biểu dương", "khen thưởng", "nâng cao",
)
_ACTION_RE = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, _ACTIONS)) + r")(?!\w)", re.I)
_NUMBER_RE = re.compile(r"\d+(?:[.,/-]\d+)*")
_DATE_RE = re.compile(r"\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b|\bnăm \d{4}\b|\btháng \d{1,2}\b")
_CODE_RE = re.compile(r"\b\d+[-/][A-ZĐ]{1,6}(?:/[A-ZĐ]{1,6})?\b")
_WORD_RE = re.compile(r"\w+")


def content_score(sentence: str) -> float:
    """How much a listener learns from a sentence: facts counted, not words."""
    words = _WORD_RE.findall(sentence)
    # Capitalized words not at the start: names of people, places, bodies ("Tỉnh ủy").
    names = sum(1 for w in words[1:] if w[:1].isupper())
    acronyms = sum(1 for w in words if len(w) >= 2 and w.isupper())
    return (2.0 * len(_DATE_RE.findall(sentence)) + 1.5 * len(_NUMBER_RE.findall(sentence))
            + 1.0 * len(_CODE_RE.findall(sentence)) + 0.5 * names + 0.5 * acronyms
            + 1.0 * len(_ACTION_RE.findall(sentence)))


@dataclass(frozen=True)
class Sentence:
    text: str
    paragraph: int
    cost_ms: int  # reading time of this sentence alone, without the pause after it
    score: float
    heading: bool = False


@dataclass(frozen=True)
class Proposal:
    text: str  # the shortened body, paragraphs kept
    kept: tuple[int, ...]  # indices into `sentences`
    sentences: tuple[Sentence, ...]
    estimated_ms: int  # of the proposal, including `fixed_ms`
    original_ms: int  # of the whole original, including `fixed_ms`
    target_ms: int
    changed: bool = True  # False: the original already fits and is proposed as it is

    @property
    def fits(self) -> bool:
        return self.estimated_ms <= self.target_ms


def split_article(body: str, estimate_ms: Callable[[str], int]) -> list[Sentence]:
    out: list[Sentence] = []
    for p, para in enumerate(paragraphs(body)):
        if is_heading(para):
            out.append(Sentence(para, p, estimate_ms(para), 0.0, heading=True))
            continue
        for s in split_written(para):
            out.append(Sentence(s, p, estimate_ms(s), content_score(s)))
    return out


def choose(sentences: list[Sentence], budget_ms: int, pause_ms: int) -> tuple[int, ...]:
    """Indices of the sentences to keep: the lead, then the densest content that fits.

    Subheadings are never kept: read alone between cut paragraphs they make no sense.
    """
    body = [i for i, s in enumerate(sentences) if not s.heading]
    if not body:
        return ()
    lead = body[0]
    kept = {lead}
    used = sentences[lead].cost_ms

    def density(i: int) -> tuple[float, int]:
        s = sentences[i]
        # Early sentences carry the story in news writing: a mild bonus for position.
        position = 1.0 / (1.0 + 0.15 * body.index(i))
        return ((s.score + 0.5) * (1.0 + position) / max(s.cost_ms + pause_ms, 1), -i)

    for i in sorted(body[1:], key=density, reverse=True):
        extra = sentences[i].cost_ms + pause_ms
        if used + extra <= budget_ms:
            kept.add(i)
            used += extra
    return tuple(sorted(kept))


def render(sentences: list[Sentence], kept: tuple[int, ...]) -> str:
    paras: dict[int, list[str]] = {}
    for i in kept:
        paras.setdefault(sentences[i].paragraph, []).append(sentences[i].text)
    return "\n\n".join(" ".join(v) for _, v in sorted(paras.items()))


def total_ms(sentences: list[Sentence], kept: tuple[int, ...], pause_ms: int) -> int:
    if not kept:
        return 0
    return sum(sentences[i].cost_ms for i in kept) + pause_ms * (len(kept) - 1)


def shorten(body: str, target_ms: int, estimate_ms: Callable[[str], int], pause_ms: int,
            fixed_ms: int = 0) -> Proposal:
    """Propose a body that reads in at most `target_ms` (with `fixed_ms`, e.g. the title).

    `estimate_ms(text)` is the reading time of one sentence alone; `pause_ms` the silence
    the synthesizer puts between sentences (one also follows the fixed part). With a target
    shorter than the lead, the lead alone is proposed (`fits` is then False).
    """
    whole = split_article(body, estimate_ms)
    every = tuple(range(len(whole)))
    original = fixed_ms + pause_ms + total_ms(whole, every, pause_ms)
    if original <= target_ms:
        return Proposal(body.strip(), every, tuple(whole), original, original, target_ms,
                        changed=False)
    # Captions, bylines and "Tin liên quan" are never worth airing, even when pasted by hand.
    sentences = split_article(drop_furniture(body), estimate_ms)
    all_body = tuple(i for i, s in enumerate(sentences) if not s.heading)
    if fixed_ms + pause_ms + total_ms(sentences, all_body, pause_ms) <= target_ms:
        kept = all_body  # only furniture and subheadings had to go
    else:
        kept = choose(sentences, target_ms - fixed_ms - pause_ms, pause_ms)
    estimated = fixed_ms + pause_ms + total_ms(sentences, kept, pause_ms) if kept else fixed_ms
    return Proposal(render(sentences, kept), kept, tuple(sentences), estimated, original,
                    target_ms)
