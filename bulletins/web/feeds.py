"""RSS 2.0 podcast feed per station, and downloads of published files (with HTTP Range).

A station whose config sets `feed_token` needs `?token=` on its feed and files, unless the
request comes from a signed-in user; otherwise both are public, like any podcast.
"""

from __future__ import annotations

import secrets
from email.utils import format_datetime
from xml.etree import ElementTree as ET

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

from ..config import Station
from .deps import StateDep, optional_user, public_base_url
from .files import MEDIA_TYPES, list_published, trusted_file
from .filters import SLOT_VI, duration, short_date

router = APIRouter(tags=["tệp và nguồn tin"])
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
ET.register_namespace("itunes", ITUNES)
ET.register_namespace("atom", ATOM)
FEED_ITEMS = 50


def _station(state, station_id: str) -> Station:
    for st in state.settings.stations:
        if st.id == station_id:
            return st
    raise HTTPException(404, f"Không có đài «{station_id}».")


def _check_token(request: Request, st: Station) -> None:
    if not st.feed_token:
        return
    sent = request.query_params.get("token", "")
    if sent and secrets.compare_digest(sent.encode(), st.feed_token.encode()):
        return
    user = optional_user(request)
    if user is not None and user.can("listen"):
        return
    raise HTTPException(403, "Cần mã truy cập (token) đúng để tải bản tin của đài này.")


def _sub(parent: ET.Element, tag: str, content: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if content is not None:
        el.text = content
    return el


@router.head("/feeds/{station_id}.xml", include_in_schema=False)
@router.get("/feeds/{station_id}.xml", summary="Nguồn tin RSS (podcast) của một đài")
def feed(station_id: str, request: Request, state: StateDep) -> Response:
    st = _station(state, station_id)
    _check_token(request, st)
    base = public_base_url(state.settings)
    q = f"?token={st.feed_token}" if st.feed_token else ""
    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", f"Bản tin – {st.name}")
    _sub(ch, "link", f"{base}/bulletins?station={st.id}")
    _sub(ch, "description", f"Các bản tin phát thanh của {st.name}.")
    _sub(ch, "language", "vi")
    _sub(ch, "generator", "Bản tin")
    _sub(ch, f"{{{ATOM}}}link", href=f"{base}/feeds/{st.id}.xml", rel="self",
         type="application/rss+xml")
    _sub(ch, f"{{{ITUNES}}}author", st.name)
    _sub(ch, f"{{{ITUNES}}}summary", f"Các bản tin phát thanh của {st.name}.")
    _sub(ch, f"{{{ITUNES}}}category", None, text="News")
    _sub(ch, f"{{{ITUNES}}}explicit", "false")
    _sub(ch, f"{{{ITUNES}}}type", "episodic")
    items = list_published(state.settings, st.id, limit=FEED_ITEMS)
    if items:
        _sub(ch, "lastBuildDate", format_datetime(items[0].mtime))
    for p in items:
        it = _sub(ch, "item")
        label = SLOT_VI.get(p.slot, p.slot)
        title = f"Bản tin {label} {short_date(p.day)}"
        _sub(it, "title", title)
        _sub(it, f"{{{ITUNES}}}title", title)
        titles = [s.get("title") for s in p.manifest.get("segments") or []
                  if isinstance(s, dict) and s.get("kind") == "item" and s.get("title")]
        desc = f"{st.name}, bản tin {label} ngày {short_date(p.day)}."
        if titles:
            desc += " Nội dung: " + "; ".join(titles) + "."
        _sub(it, "description", desc)
        _sub(it, "link", f"{base}/bulletins/{st.id}/{p.day}/{p.slot}")
        # One guid per content: a rebuild with identical audio is not a new episode.
        _sub(it, "guid", f"bantin:{st.id}:{p.day}:{p.slot}:{p.sha256}", isPermaLink="false")
        _sub(it, "pubDate", format_datetime(p.mtime))
        _sub(it, "enclosure", url=f"{base}{p.url('mp3')}{q}", length=str(p.size),
             type="audio/mpeg")
        if p.duration_s:
            _sub(it, f"{{{ITUNES}}}duration", duration(p.duration_s))
        _sub(it, f"{{{ITUNES}}}explicit", "false")
        _sub(it, f"{{{ITUNES}}}episodeType", "full")
    body = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/rss+xml; charset=utf-8",
                    headers={"Cache-Control": "no-cache"})


@router.head("/audio/{station_id}/{day}/{name}", include_in_schema=False)
@router.get("/audio/{station_id}/{day}/{name}", summary="Tải tệp bản tin (MP3, bản ghi, manifest)")
def download(station_id: str, day: str, name: str, request: Request,
             state: StateDep) -> FileResponse:
    st = _station(state, station_id)
    _check_token(request, st)
    path = trusted_file(state.settings, st.id, day, name)
    if path is None:
        raise HTTPException(404, "Không có tệp này (hoặc bản tin đang được thay thế).")
    ext = path.suffix.lstrip(".")
    disposition = "inline" if request.query_params.get("inline") else "attachment"
    return FileResponse(
        path, media_type=MEDIA_TYPES[ext], filename=f"bantin-{st.id}-{day}-{path.name}",
        content_disposition_type=disposition,
        headers={"Cache-Control": "no-cache"},
    )
