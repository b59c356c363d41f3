"""Publishing writes real files atomically; failures leave nothing half-done."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import date
from pathlib import Path

import pytest

from bulletins.errors import PublishError
from bulletins.publish import bulletin_dir, clean_stale_temp, publish, temp_mp3_path

DAY = date(2025, 3, 14)


def _tmp_mp3(audio_out: Path, data: bytes = b"ID3new-mp3-bytes", slot: str = "sang") -> Path:
    tmp = temp_mp3_path(audio_out, "ia-hru", DAY, slot)
    tmp.write_bytes(data)
    return tmp


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_publish_places_files(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    tmp = _tmp_mp3(out)
    assert tmp.parent == bulletin_dir(out, "ia-hru", DAY) == out / "ia-hru" / "2025-03-14"
    assert tmp.name.startswith(".sang.mp3.") and tmp.name.endswith(".part")
    manifest = {"station": "ia-hru", "title": "Bản tin sáng", "segments": []}
    paths = publish(tmp, manifest, "Kính thưa bà con.\n", out, "ia-hru", DAY, "sang")
    folder = out / "ia-hru" / "2025-03-14"
    assert paths.mp3 == folder / "sang.mp3"
    assert paths.mp3.read_bytes() == b"ID3new-mp3-bytes"
    text = paths.manifest.read_text(encoding="utf-8")
    assert "Bản tin sáng" in text  # ensure_ascii=False
    assert json.loads(text) == {**manifest, "sha256": hashlib.sha256(b"ID3new-mp3-bytes")
                                .hexdigest()}
    assert paths.transcript.read_text(encoding="utf-8") == "Kính thưa bà con.\n"
    assert _leftovers(folder) == []


def _earlier(out: Path) -> Path:
    publish(_tmp_mp3(out, b"OLD"), {"v": 1}, "cũ", out, "ia-hru", DAY, "sang")
    return out / "ia-hru" / "2025-03-14"


def test_unserializable_manifest_leaves_earlier_bulletin(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    folder = _earlier(out)
    tmp = _tmp_mp3(out)
    with pytest.raises(PublishError):
        publish(tmp, {"bad": object()}, "mới", out, "ia-hru", DAY, "sang")
    assert (folder / "sang.mp3").read_bytes() == b"OLD"
    assert json.loads((folder / "sang.json").read_text(encoding="utf-8"))["v"] == 1
    assert (folder / "sang.txt").read_text(encoding="utf-8") == "cũ"
    assert _leftovers(folder) == []


def test_failure_before_mp3_rename_rolls_back(tmp_path: Path) -> None:
    # The MP3's rename fails after the manifest and transcript were already replaced, so
    # they must be restored.
    out = tmp_path / "audio_out"
    folder = _earlier(out)
    tmp = _tmp_mp3(out)

    # A real failure: make the MP3's final name a non-empty directory, so os.replace fails.
    (folder / "sang.mp3").unlink()
    (folder / "sang.mp3").mkdir()
    (folder / "sang.mp3" / "x").write_bytes(b"")
    with pytest.raises(PublishError):
        publish(tmp, {"v": 2}, "mới", out, "ia-hru", DAY, "sang")
    assert json.loads((folder / "sang.json").read_text(encoding="utf-8"))["v"] == 1
    assert (folder / "sang.txt").read_text(encoding="utf-8") == "cũ"
    assert (folder / "sang.mp3").is_dir()
    assert _leftovers(folder) == []


def test_missing_temp_mp3_publishes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    tmp = temp_mp3_path(out, "ia-hru", DAY, "chieu")
    tmp.unlink()
    with pytest.raises(PublishError):
        publish(tmp, {}, "", out, "ia-hru", DAY, "chieu")
    assert list((out / "ia-hru" / "2025-03-14").iterdir()) == []


def test_temp_outside_folder_rejected(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    stray = tmp_path / "x.mp3"
    stray.write_bytes(b"data")
    with pytest.raises(PublishError):
        publish(stray, {}, "", out, "ia-hru", DAY, "sang")
    assert not (out / "ia-hru" / "2025-03-14" / "sang.mp3").exists()


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="needs POSIX permissions")
def test_unwritable_destination(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    folder = _earlier(out)
    tmp = _tmp_mp3(out)
    folder.chmod(0o555)
    try:
        with pytest.raises(PublishError):
            publish(tmp, {"v": 2}, "mới", out, "ia-hru", DAY, "sang")
    finally:
        folder.chmod(0o755)
    assert (folder / "sang.mp3").read_bytes() == b"OLD"
    # The caller's temp MP3 cannot be deleted from a read-only folder; nothing else is left.
    assert [p for p in _leftovers(folder) if p != tmp.name] == []


@pytest.mark.parametrize("station,slot", [
    ("../evil", "sang"), ("ia-hru", "../../x"), ("ia-hru", "a/b"), ("", "sang"),
    ("ia-hru", ".hidden"), ("IA", "sang"), ("ia-hru", "sang\x00"),
])
def test_path_traversal_rejected(tmp_path: Path, station: str, slot: str) -> None:
    with pytest.raises(PublishError):
        temp_mp3_path(tmp_path, station, DAY, slot)
    with pytest.raises(PublishError):
        publish(tmp_path / "x", {}, "", tmp_path, station, DAY, slot)
    assert list(tmp_path.iterdir()) == []


def test_clean_stale_temp(tmp_path: Path) -> None:
    out = tmp_path / "audio_out"
    old = _tmp_mp3(out)
    fresh = _tmp_mp3(out, slot="chieu")
    final = _earlier(out) / "sang.mp3"
    past = time.time() - 3600
    os.utime(old, (past, past))
    os.utime(final, (past, past))
    assert clean_stale_temp(out) == [old]
    assert not old.exists() and fresh.exists() and final.exists()
    assert clean_stale_temp(tmp_path / "missing") == []
