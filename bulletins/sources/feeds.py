"""RSS/Atom subscriptions: poll each `[[sources]]` feed and add its new articles as drafts.

feedparser reads the feed (RSS 0.9x–2.0, Atom); each entry's article is taken from the page
it links to (trafilatura), or from the entry's own content when the page cannot be fetched.
Articles arrive as drafts: an editor approves them before they can air. An entry already
imported (by link or guid, whatever its status now) or whose text nearly equals a draft or
queued item is skipped, so polling twice never queues an article twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import FeedSource, Settings
from ..errors import BulletinError, QueueError
from ..models import Item
from .clean import Piece, drop_furniture
from .store import add_pieces, known_ref
from .web import extract_article, fetch_bytes

log = logging.getLogger("bulletins.sources")
Fetch = Callable[[str], bytes]


@dataclass
class PollReport:
    added: list[Item] = field(default_factory=list)
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _entry_refs(entry: dict) -> list[str]:
    return [r for r in (entry.get("link") or "", entry.get("id") or "") if r]


def _html_text(fragment: str) -> str:
    import lxml.html

    try:
        return lxml.html.fromstring(fragment).text_content()
    except Exception:  # noqa: BLE001 - not HTML after all: keep the text
        return fragment


def entry_piece(entry: dict, fetch: Fetch) -> Piece | None:
    """The article behind one feed entry; None when it has no text at all."""
    refs = _entry_refs(entry)
    ref = refs[0] if refs else ""
    title = " ".join((entry.get("title") or "").split())
    link = entry.get("link") or ""
    if link:
        try:
            piece = extract_article(fetch(link), link)
            return Piece(title or piece.title, piece.body, ref)
        except BulletinError as exc:
            log.info("article page %s not used: %s", link, exc.message)
    content = entry.get("content") or []
    html = content[0].get("value", "") if content else entry.get("summary", "")
    body = drop_furniture(_html_text(html)) if html else ""
    if not body:
        return None
    return Piece(title or body.splitlines()[0][:200], body, ref)


def poll_source(settings: Settings, source: FeedSource, fetch: Fetch,
                created_by: str = "nguồn tin") -> PollReport:
    import feedparser

    report = PollReport()
    try:
        data = fetch(source.url)
    except QueueError as exc:
        report.errors.append(f"Nguồn {source.url}: {exc.message}")
        return report
    feed = feedparser.parse(data)
    if feed.bozo and not feed.entries:
        report.errors.append(f"Nguồn {source.url}: không đọc được nguồn tin (không phải "
                             "RSS/Atom).")
        return report
    extra = {"category": source.category, "priority": source.priority,
             "stations": list(source.stations)}
    for entry in feed.entries:
        refs = _entry_refs(entry)
        if known_ref(settings, refs) is not None:
            report.skipped += 1  # cheap check first: no page fetch for a known article
            continue
        piece = entry_piece(entry, fetch)
        if piece is None:
            report.skipped += 1
            continue
        try:
            res = add_pieces(settings, [piece], status="draft", created_by=created_by,
                             extra=extra, skip_duplicates=True,
                             also_refs=lambda _p, refs=refs: refs)
        except QueueError as exc:
            report.errors.append(f"Bài «{piece.title[:60]}»: {exc.message}")
            continue
        report.added += res.added
        report.skipped += len(res.skipped)
        report.warnings += res.warnings
    return report


def poll(settings: Settings, fetch: Fetch | None = None) -> PollReport:
    """Poll every configured source once. One failing source never stops the others."""
    fetch = fetch or fetch_bytes
    total = PollReport()
    for source in settings.sources:
        rep = poll_source(settings, source, fetch)
        total.added += rep.added
        total.skipped += rep.skipped
        total.errors += rep.errors
        total.warnings += rep.warnings
    return total
