"""Web articles: fetch a page (or read a saved .html file) and extract title and body.

trafilatura finds the article in the page (menus, comments and boilerplate left out) and
reads its title from the page metadata; our own `drop_furniture` then removes what is
left of the newspaper page (captions, bylines, "Tin liên quan" …).
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from ..errors import QueueError
from .clean import Piece, drop_furniture

log = logging.getLogger("bulletins.sources")
TIMEOUT_S = 10.0
MAX_BYTES = 5_000_000
USER_AGENT = "Mozilla/5.0 (compatible; BanTin/0.1; +radio)"
_OFFLINE_HINT = ("Khi máy không có mạng: mở bài trên máy khác, lưu trang (Ctrl+S) thành tệp "
                 ".html, chép sang rồi chạy «bulletins news fetch tệp.html».")


def is_url(value: str) -> bool:
    return urlparse(value.strip()).scheme in ("http", "https")


def fetch_bytes(url: str, timeout: float = TIMEOUT_S) -> bytes:
    """GET `url` with a short timeout; every failure is one clear Vietnamese QueueError."""
    import requests

    if not is_url(url):
        raise QueueError(f"«{url}» không phải địa chỉ trang web (http:// hoặc https://).")
    try:
        with requests.get(url, timeout=timeout, stream=True,
                          headers={"User-Agent": USER_AGENT}) as resp:
            if resp.status_code >= 400:
                raise QueueError(f"Trang {url} trả lỗi {resp.status_code}.",
                                 "Kiểm tra lại địa chỉ bài viết.")
            data = b""
            for chunk in resp.iter_content(64_000):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise QueueError(f"Trang {url} quá lớn (trên {MAX_BYTES // 1_000_000} MB).")
            return data
    except requests.Timeout as exc:
        raise QueueError(f"Trang {url} không trả lời sau {timeout:g} giây.", _OFFLINE_HINT,
                         detail=str(exc)) from exc
    except requests.ConnectionError as exc:
        raise QueueError(f"Không tải được trang {url}: máy không có mạng hoặc trang không "
                         "trả lời.", _OFFLINE_HINT, detail=str(exc)) from exc
    except requests.RequestException as exc:
        raise QueueError(f"Không tải được trang {url}.", _OFFLINE_HINT,
                         detail=str(exc)) from exc


def extract_article(html: bytes | str, url: str = "") -> Piece:
    """Title and body of the article in a page; QueueError when the page holds none."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, url=url or None, with_metadata=True, include_comments=False,
        include_tables=True, include_images=False, include_formatting=False,
        include_links=False, favor_precision=True,
    )
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    title = (getattr(doc, "title", None) or "") if doc is not None else ""
    title = " ".join(title.split())
    lines = text.strip().splitlines()
    if lines and title and " ".join(lines[0].split()).rstrip(".") == title.rstrip("."):
        text = "\n".join(lines[1:])  # the headline repeated in the text
    body = drop_furniture(text)
    if not body:
        where = url or "trang"
        raise QueueError(f"Không tìm thấy bài viết trong {where}.",
                         "Hãy mở đúng trang của một bài (không phải trang chủ hay mục lục).")
    if not title:
        title = body.splitlines()[0][:200]
    return Piece(title[:300], body, url)


def read_article(source: str, timeout: float = TIMEOUT_S) -> Piece:
    """`source` is a URL (fetched) or the path of a saved .html page (read offline)."""
    if is_url(source):
        return extract_article(fetch_bytes(source, timeout), source)
    path = Path(source).expanduser()
    if not path.is_file():
        raise QueueError(f"«{source}» không phải địa chỉ web hay tệp .html có sẵn.",
                         "Dùng địa chỉ bắt đầu bằng http:// hoặc https://, hoặc một tệp .html.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise QueueError(f"Không đọc được tệp {path.name}.", detail=str(exc)) from exc
    return extract_article(data, _saved_url(data) or "")


def _saved_url(data: bytes) -> str:
    """Browsers note where a saved page came from: <!-- saved from url=(0042)https://… -->."""
    import re

    m = re.search(rb"saved from url=\(\d+\)(https?://[^\s>]+)", data[:4000])
    if m:
        return m.group(1).decode("ascii", "replace").rstrip("-")
    m = re.search(rb'<link[^>]+rel=["\']canonical["\'][^>]+href=["\'](https?://[^"\']+)',
                  data[:200_000], re.I)
    return m.group(1).decode("utf-8", "replace") if m else ""
