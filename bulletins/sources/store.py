"""The edge between sources and the queue: add pieces, warn of duplicates, shorten, approve.

Items are validated and stored by `news.NewsQueue`, so every check (legacy encodings,
lengths, stations) applies to imported text as to typed text. This module only adds what
sources need: where an item came from, its original text when shortened, near-duplicates.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from ..config import Settings
from ..db import NewsItem, session_factory, utcnow
from ..errors import QueueError
from ..models import STATUSES, Item
from ..news import NewsQueue
from .clean import Piece, clip_to_chars, similarity
from .shorten import Proposal, shorten

NEAR_DUPLICATE = 0.8  # trigram Jaccard at or above this is "the same article"
HISTORY_DAYS = 90
_LIVE = ("draft", "queued")
_ANY = STATUSES  # every status: an aired or archived article is not brought back


@dataclass(frozen=True)
class Duplicate:
    item_id: int
    title: str
    status: str
    score: float

    def message(self) -> str:
        state = {"draft": "bản nháp", "queued": "trong hàng đợi", "aired": "đã phát",
                 "archived": "đã lưu trữ"}.get(self.status, self.status)
        return (f"tin này gần giống tin số {self.item_id} «{self.title}» ({state}, "
                f"giống {self.score:.0%}).")


@dataclass
class AddResult:
    added: list[Item] = field(default_factory=list)
    skipped: list[tuple[Piece, str]] = field(default_factory=list)  # (piece, why, Vietnamese)
    warnings: list[str] = field(default_factory=list)


def near_duplicates(settings: Settings, text: str, exclude: Iterable[int] = (),
                    threshold: float = NEAR_DUPLICATE, statuses: Sequence[str] = _LIVE,
                    ) -> list[Duplicate]:
    """Items (draft or queued by default) whose title+body nearly equals `text`, most
    similar first. Only the last HISTORY_DAYS are compared, so the check stays cheap."""
    skip = set(exclude)
    since = utcnow() - timedelta(days=HISTORY_DAYS)
    Session = session_factory(settings.db_url)
    with Session() as s:
        rows = s.execute(select(NewsItem.id, NewsItem.title, NewsItem.body, NewsItem.status)
                         .where(NewsItem.status.in_(statuses))
                         .where(NewsItem.created_at >= since)).all()
    found = []
    for item_id, title, body, status in rows:
        if item_id in skip:
            continue
        score = max(similarity(text, body), similarity(text, f"{title}. {body}"))
        if score >= threshold:
            found.append(Duplicate(item_id, title, status, score))
    return sorted(found, key=lambda d: -d.score)


def duplicate_warnings(settings: Settings, item: Item) -> list[str]:
    return ["Cảnh báo: " + d.message()
            for d in near_duplicates(settings, f"{item.title}. {item.body}", (item.id,))]


def known_ref(settings: Settings, refs: Iterable[str]) -> int | None:
    """The id of an item (any status, aired too) that came from one of `refs`."""
    wanted = [r for r in refs if r]
    if not wanted:
        return None
    Session = session_factory(settings.db_url)
    with Session() as s:
        return s.scalar(select(NewsItem.id).where(NewsItem.source_ref.in_(wanted)).limit(1))


def _set_source(settings: Settings, item_id: int, ref: str, original: str | None) -> None:
    if not ref and original is None:
        return
    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        row = s.get(NewsItem, item_id)
        if row is not None:
            row.source_ref = ref[:1000]
            if original is not None:
                row.original_body = original


def add_pieces(settings: Settings, pieces: Sequence[Piece], *, status: str = "queued",
               created_by: str = "", extra: dict | None = None,
               skip_duplicates: bool = False, also_refs: Callable[[Piece], list[str]] | None = None,
               ) -> AddResult:
    """Validate and store pieces (all-or-nothing validation first, like a file import).

    A piece whose source was imported before is skipped. A piece whose text nearly equals
    an item is skipped with `skip_duplicates` (feeds: any recent item) or added with a
    warning (a draft or queued item).
    """
    queue = NewsQueue(settings)
    from ..news import validate_item

    limit = settings.web.max_body_chars
    checked = []
    for p in pieces:
        # A long article is not refused: it comes in cut at a paragraph within the limit,
        # the full text kept as the item's original, ready for `news shorten`.
        body = clip_to_chars(p.body, limit)
        raw = {"title": p.title, "body": body, **(extra or {})}
        checked.append((p, validate_item(raw, settings, f"«{p.title[:60]}»: "),
                        p.body if body != p.body else None))
    result = AddResult()
    for piece, clean, full in checked:
        refs = [piece.source_ref, *(also_refs(piece) if also_refs else [])]
        seen = known_ref(settings, refs)
        if seen is not None:
            result.skipped.append((piece, f"«{piece.title}» đã được nhập trước đây (tin số "
                                          f"{seen})."))
            continue
        text = f"{clean.title}. {clean.body}"
        # Feeds skip an article seen before whatever became of it (aired, or archived by an
        # editor who did not want it); an editor's own import only warns of a live twin.
        dups = near_duplicates(settings, text, statuses=_ANY if skip_duplicates else _LIVE)
        if dups and skip_duplicates:
            result.skipped.append((piece, f"«{piece.title}»: {dups[0].message()}"))
            continue
        item = queue.add(clean, created_by=created_by, status=status)
        _set_source(settings, item.id, piece.source_ref, full)
        result.added.append(item)
        if full is not None:
            result.warnings.append(
                f"Tin số {item.id}: bài dài {len(full)} ký tự, quá giới hạn {limit}; đã lấy "
                f"{len(clean.body)} ký tự đầu, bản đầy đủ được giữ làm bản gốc.")
        result.warnings += [f"Tin số {item.id}: {d.message()}" for d in dups]
    return result


# --- cut to fit ---------------------------------------------------------------------------------
def estimator(settings: Settings, station_id: str | None = None,
              engine: str | None = None) -> Callable[[str], int]:
    """Reading time of a piece of written text, as the fit estimates it: normalized, split
    into the synthesizer's sentences, timed by the station voice's calibrated rate model."""
    from ..normalize import load_lexicon, normalize, split_sentences
    from ..synth import Speaker

    station = settings.station(station_id)
    speaker = Speaker(settings, station, engine)
    lexicon = load_lexicon(settings.lexicon_path)

    def estimate(text: str) -> int:
        spoken = normalize(text, lexicon, settings.normalize).spoken
        return int(speaker.estimate_ms(split_sentences(spoken)))

    return estimate


def target_for(settings: Settings, item: Item, seconds: float | None) -> tuple[str, int]:
    station = settings.station(item.stations[0] if item.stations else None)
    if seconds is None:
        seconds = station.max_item_s
    if not 5 <= seconds <= 1800:
        raise QueueError(f"Độ dài mong muốn {seconds:g} giây không hợp lệ (5–1800 giây).")
    return station.id, int(seconds * 1000)


def propose(settings: Settings, item_id: int, seconds: float | None = None,
            estimate: Callable[[str], int] | None = None) -> Proposal:
    """A shortened body for item `item_id` reading (title included) in at most `seconds`."""
    item = NewsQueue(settings).get(item_id)
    station_id, target_ms = target_for(settings, item, seconds)
    estimate = estimate or estimator(settings, station_id)
    # The item is read as "title. body": the title's time is fixed, the body is cut.
    return shorten(item.body, target_ms, estimate, settings.audio.sentence_pause_ms,
                   fixed_ms=estimate(item.title + "."))


def apply_body(settings: Settings, item_id: int, body: str) -> Item:
    """Save a shortened (or edited) body; the first original text stays with the item."""
    queue = NewsQueue(settings)
    before = queue.get(item_id)
    # Browsers send a textarea with CRLF line ends; paragraphs are "\n"-separated here.
    item = queue.update(item_id, {"body": body.replace("\r\n", "\n").replace("\r", "\n")})
    Session = session_factory(settings.db_url)
    with Session.begin() as s:
        row = s.get(NewsItem, item_id)
        if row.original_body is None and before.body != item.body:
            row.original_body = before.body
    return item


def original_body(settings: Settings, item_id: int) -> str | None:
    Session = session_factory(settings.db_url)
    with Session() as s:
        row = s.get(NewsItem, item_id)
        if row is None:
            raise QueueError(f"Không có tin số {item_id}.")
        return row.original_body


def approve(settings: Settings, item_id: int) -> Item:
    """A draft (e.g. from a feed) goes into the queue; anything else is refused."""
    queue = NewsQueue(settings)
    item = queue.get(item_id)
    if item.status != "draft":
        raise QueueError(f"Tin số {item_id} không phải bản nháp (đang là «{item.status}»).",
                         "Chỉ bản nháp mới cần duyệt.")
    return queue.set_status(item_id, "queued")


def near_duplicate_notes(settings: Settings, items: Sequence[Item],
                         exact_repeats: Collection[int] = ()) -> list[tuple[Item, str]]:
    """Near-duplicate warnings for items just saved, skipping those already named as exact
    repeats (`NewsQueue.exact_repeats`): other warnings (an encoding converted) do not
    stop the search."""
    return [(item, warning) for item in items if item.id not in exact_repeats
            for warning in duplicate_warnings(settings, item)]
