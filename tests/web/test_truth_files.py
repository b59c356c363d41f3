"""Readers trust a bulletin only when its MP3 hashes to the manifest's sha256; archived
versions are not episodes; the feed's guid is the content's hash."""

from __future__ import annotations

import hashlib
import json
import shutil

import feedparser

from tests.web.conftest import login, make_mp3


def test_disagreeing_files_are_neither_listed_nor_served(client, settings, users):
    folder = settings.audio_out / "ia-hru" / "2026-11-25"
    make_mp3(folder / "sang.mp3", 1.0)
    good = json.loads((folder / "sang.json").read_text())["sha256"]
    feed = feedparser.parse(client.get("/feeds/ia-hru.xml").content)
    (entry,) = feed.entries
    assert entry.id.endswith(good)
    # A crash between renames: the new manifest is live, the MP3 is still the old one.
    (folder / "sang.json").write_text(json.dumps({"sha256": "0" * 64}), "utf-8")
    assert feedparser.parse(client.get("/feeds/ia-hru.xml").content).entries == []
    assert client.get("/audio/ia-hru/2026-11-25/sang.mp3").status_code == 404
    assert client.get("/audio/ia-hru/2026-11-25/sang.json").status_code == 404
    login(client, users["admin"])
    assert client.get("/bulletins/ia-hru/2026-11-25/sang").status_code == 404


def test_archived_versions_are_not_episodes_and_same_content_keeps_its_guid(client, settings):
    folder = settings.audio_out / "ia-hru" / "2026-11-25"
    make_mp3(folder / "sang.mp3", 1.0)
    first = feedparser.parse(client.get("/feeds/ia-hru.xml").content).entries[0].id
    (folder / "archive").mkdir()
    shutil.copy2(folder / "sang.mp3", folder / "archive" / "sang-v1.mp3")
    shutil.copy2(folder / "sang.json", folder / "archive" / "sang-v1.json")
    # The same bytes published again (a newer mtime): the same episode.
    data = (folder / "sang.mp3").read_bytes()
    (folder / "sang.mp3").write_bytes(data)
    entries = feedparser.parse(client.get("/feeds/ia-hru.xml").content).entries
    assert [e.id for e in entries] == [first]
    assert first.endswith(hashlib.sha256(data).hexdigest())
