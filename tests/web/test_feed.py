"""The RSS podcast feed, read by a real feed reader, and downloads: Range, tokens, traversal."""

from __future__ import annotations

from urllib.parse import urlsplit

import feedparser
import miniaudio
import pytest

from .conftest import make_mp3


def _decode_mp3(data: bytes) -> float:
    """Seconds of audio in an MP3, decoded by a real MP3 decoder (miniaudio/dr_mp3)."""
    decoded = miniaudio.mp3_read_s16(data)
    assert decoded.nchannels == 1 and decoded.sample_rate == 22050
    return decoded.num_frames / decoded.sample_rate


def test_feed_is_read_by_a_feed_reader_and_its_enclosure_plays(client, published):
    r = client.get("/feeds/ia-hru.xml")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/rss+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "rss20"
    assert feed.feed.title == "Bản tin – Đài truyền thanh xã Ia Hrú"
    assert feed.feed.language == "vi"
    assert feed.namespaces.get("itunes") == "http://www.itunes.com/dtds/podcast-1.0.dtd"
    (entry,) = feed.entries
    assert entry.title == "Bản tin sáng 25/11/2026"
    assert entry.itunes_duration == "0:03"
    assert "Lịch tiêm chủng" in entry.summary
    (enc,) = entry.enclosures
    assert enc.type == "audio/mpeg"
    assert int(enc.length) == published.stat().st_size
    url = urlsplit(enc.href)
    audio = client.get(url.path + (f"?{url.query}" if url.query else ""))
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/mpeg"
    assert len(audio.content) == int(enc.length)
    assert _decode_mp3(audio.content) == pytest.approx(3.0, abs=0.1)


def test_feed_lists_newest_first(client, settings, published):
    make_mp3(settings.audio_out / "ia-hru" / "2026-11-25" / "chieu.mp3", 1.0)
    make_mp3(settings.audio_out / "ia-hru" / "2026-11-26" / "sang.mp3", 1.0)
    feed = feedparser.parse(client.get("/feeds/ia-hru.xml").content)
    titles = [e.title for e in feed.entries]
    assert titles == ["Bản tin sáng 26/11/2026", "Bản tin chiều 25/11/2026",
                      "Bản tin sáng 25/11/2026"]
    assert len({e.id for e in feed.entries}) == 3


def test_empty_feed_is_valid(client):
    feed = feedparser.parse(client.get("/feeds/ia-hru.xml").content)
    assert not feed.bozo and feed.entries == []


def test_unknown_station_feed_is_404(client):
    r = client.get("/feeds/khong-co.xml")
    assert r.status_code == 404
    assert r.json()["ok"] is False


def test_range_requests(client, published):
    url = "/audio/ia-hru/2026-11-25/sang.mp3"
    size = published.stat().st_size
    r = client.get(url, headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    assert r.headers["content-range"] == f"bytes 0-99/{size}"
    assert r.content == published.read_bytes()[:100]
    r = client.get(url, headers={"Range": f"bytes={size - 10}-"})
    assert r.status_code == 206 and r.content == published.read_bytes()[-10:]
    assert client.get(url).headers["accept-ranges"] == "bytes"
    r = client.get(url, headers={"Range": f"bytes={size + 10}-"})
    assert r.status_code == 416


def test_head_requests_for_podcast_apps(client, published):
    r = client.head("/audio/ia-hru/2026-11-25/sang.mp3")
    assert r.status_code == 200 and r.content == b""
    assert int(r.headers["content-length"]) == published.stat().st_size
    assert client.head("/feeds/ia-hru.xml").status_code == 200
    assert client.head("/healthz").status_code == 200


def test_transcript_and_manifest_download(client, published):
    r = client.get("/audio/ia-hru/2026-11-25/sang.txt")
    assert r.status_code == 200 and "Ia Hrú" in r.text
    assert r.headers["content-type"].startswith("text/plain")
    r = client.get("/audio/ia-hru/2026-11-25/sang.json")
    assert r.status_code == 200 and r.json()["slot"] == "sang"


@pytest.mark.parametrize("path", [
    "/audio/ia-hru/2026-11-25/..%2F..%2Fbulletins.toml",
    "/audio/ia-hru/..%2F..%2F/bulletins.toml",
    "/audio/ia-hru/2026-11-25/%2e%2e%2f%2e%2e%2fbulletins.toml",
    "/audio/ia-hru/2026-11-25/%252e%252e%252fbulletins.toml",
    "/audio/ia-hru/2026-11-25/..",
    "/audio/ia-hru/2026-11-25/.%2e",
    "/audio/ia-hru/..%5C..%5Cbulletins.toml/sang.mp3",
    "/audio/ia-hru/2026-11-25/sang.mp3%00.txt",
    "/audio/ia-hru/2026-11-25/SANG.MP3",
    "/audio/../bulletins.toml",
    "/audio/ia-hru/2026-11-25/bulletins.sqlite3",
    "/audio/ia-hru/2026-11-25/.web_secret",
])
def test_no_path_traversal(client, published, path):
    r = client.get(path)
    assert r.status_code == 404
    assert b"max_body_chars" not in r.content and b"[[stations]]" not in r.content


def test_symlink_out_of_audio_out_is_refused(client, settings, published):
    link = published.parent / "leak.txt"
    link.symlink_to(settings.home / "bulletins.toml")
    assert client.get("/audio/ia-hru/2026-11-25/leak.txt").status_code == 404


def test_feed_token(client, settings):
    make_mp3(settings.audio_out / "chu-a-thai" / "2026-11-25" / "sang.mp3", 1.0)
    assert client.get("/feeds/chu-a-thai.xml").status_code == 403
    assert client.get("/feeds/chu-a-thai.xml?token=sai").status_code == 403
    r = client.get("/feeds/chu-a-thai.xml?token=bi-mat-42")
    assert r.status_code == 200
    enc = feedparser.parse(r.content).entries[0].enclosures[0].href
    assert enc.endswith("/audio/chu-a-thai/2026-11-25/sang.mp3?token=bi-mat-42")
    assert client.get("/audio/chu-a-thai/2026-11-25/sang.mp3").status_code == 403
    assert client.get(urlsplit(enc).path + "?" + urlsplit(enc).query).status_code == 200


def test_signed_in_user_needs_no_feed_token(as_role, settings):
    make_mp3(settings.audio_out / "chu-a-thai" / "2026-11-25" / "sang.mp3", 1.0)
    client, _ = as_role("operator")
    assert client.get("/audio/chu-a-thai/2026-11-25/sang.mp3").status_code == 200
