"""Publishing: put a finished bulletin at audio_out/<station>/<YYYY-MM-DD>/<slot>.{mp3,json,txt}.

Every file is written under a hidden temporary name in its final folder, flushed to disk and
renamed into place, so a crash or power cut never leaves a half-written file where an operator
(or a loudspeaker controller) could download it. The MP3 is renamed last.

The manifest carries the MP3's sha256 (computed on the temporary file, before any rename).
Readers trust a bulletin only when the MP3 on disk hashes to it (`agrees`), so a crash
between two renames leaves files that readers either reject (new manifest, old MP3) or that
agree. A slot that already holds a different bulletin keeps it: its three files are first
linked into `archive/<slot>-v<N>.*` beside it, so a rebuild never loses what was there.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .errors import PublishError
from .filememo import stamp

TEMP_SUFFIX = ".part"
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class PublishedPaths:
    mp3: Path
    manifest: Path
    transcript: Path
    archived: dict[str, str] = field(default_factory=dict)  # sha256 → archived MP3 path


def _check_name(value: str, what: str) -> str:
    # Station ids and slot names become path components: allow nothing that could escape.
    if not isinstance(value, str) or not _NAME_RE.match(value):
        raise PublishError(
            f"{what} «{value}» không hợp lệ để làm tên thư mục/tệp.",
            "Chỉ dùng chữ thường không dấu, số, '-' hoặc '_', ví dụ \"ia-hru\", \"sang\".",
        )
    return value


def bulletin_dir(audio_out: Path, station_id: str, day: date) -> Path:
    """audio_out/<station>/<YYYY-MM-DD>, checked to stay inside audio_out."""
    _check_name(station_id, "Mã đài")
    if not isinstance(day, date):
        raise PublishError(f"Ngày «{day}» không hợp lệ.")
    root = Path(audio_out)
    folder = root / station_id / day.isoformat()
    if not folder.resolve().is_relative_to(root.resolve()):
        raise PublishError(f"Thư mục «{folder}» nằm ngoài thư mục audio_out.")
    return folder


def final_paths(audio_out: Path, station_id: str, day: date, slot: str) -> PublishedPaths:
    _check_name(slot, "Tên khung giờ")
    folder = bulletin_dir(audio_out, station_id, day)
    return PublishedPaths(folder / f"{slot}.mp3", folder / f"{slot}.json", folder / f"{slot}.txt")


def _temp_name(final: Path) -> Path:
    return final.with_name(f".{final.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


_sha_lock = threading.Lock()
_sha_cache: dict[str, tuple[tuple[int, int, int], str]] = {}  # path -> (stamp, sha256)


def file_sha256(path: Path | str) -> str:
    """The file's sha256, cached by its stamp (inode, size, mtime): the feed asks for many
    files."""
    p = str(path)
    key = stamp(os.stat(p))
    with _sha_lock:
        hit = _sha_cache.get(p)
    if hit and hit[0] == key:
        return hit[1]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    with _sha_lock:
        _sha_cache[p] = (key, digest)
    return digest


def note_sha256(path: Path | str, sha256: str) -> None:
    """Remember the hash of a file just written from bytes hashed on the way (master()), so
    publishing it does not read it back; any later change to the file changes its stamp."""
    p = str(path)
    key = stamp(os.stat(p))
    with _sha_lock:
        _sha_cache[p] = (key, sha256)


def agrees(mp3: Path | str, sha256: object) -> bool:
    """True when the MP3 exists and hashes to `sha256` (what its manifest or record says)."""
    if not isinstance(sha256, str) or len(sha256) != 64:
        return False
    try:
        return file_sha256(mp3) == sha256
    except OSError:
        return False


def archive_dir(audio_out: Path, station_id: str, day: date) -> Path:
    return bulletin_dir(audio_out, station_id, day) / "archive"


def _archive(final: PublishedPaths, slot: str, new_sha: str) -> dict[str, str]:
    """Link the slot's current files into archive/ unless they are this very bulletin."""
    if not final.mp3.exists():
        return {}
    old_sha = file_sha256(final.mp3)
    if old_sha == new_sha:
        return {}
    folder = final.mp3.parent / "archive"
    folder.mkdir(exist_ok=True)
    for kept in folder.glob(f"{slot}-v*.mp3"):  # already kept (e.g. before a crash)
        if agrees(kept, old_sha):
            return {old_sha: str(kept)}
    n = 1
    while (folder / f"{slot}-v{n}.mp3").exists():
        n += 1
    dst_mp3 = folder / f"{slot}-v{n}.mp3"
    # The MP3 goes last so an archived MP3 always has its manifest and transcript.
    for src in (final.manifest, final.transcript, final.mp3):
        if src.exists():
            dst = folder / f"{slot}-v{n}{src.suffix}"
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
    _fsync_dir(folder)
    return {old_sha: str(dst_mp3)}


def temp_mp3_path(audio_out: Path, station_id: str, day: date, slot: str) -> Path:
    """A fresh hidden `.<slot>.mp3.<random>.part` in the bulletin's folder, for master() to
    write into. Same folder as the final file, so publish() can rename it atomically."""
    final = final_paths(audio_out, station_id, day, slot).mp3
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        while True:
            tmp = _temp_name(final)
            try:
                # Create it exclusively so two builds never share a temporary file.
                os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
                return tmp
            except FileExistsError:
                continue
    except OSError as exc:
        raise PublishError(
            f"Không tạo được tệp tạm trong «{final.parent}»: {exc.strerror or exc}.",
            "Kiểm tra quyền ghi và dung lượng đĩa.",
        ) from exc


def publish(mp3_tmp: Path, manifest: dict, transcript: str, audio_out: Path, station_id: str,
            day: date, slot: str) -> PublishedPaths:
    """Move a mastered MP3 (from temp_mp3_path) into place beside its manifest and transcript.

    The manifest gets the MP3's `sha256` (a caller's value must match the file). A different
    bulletin already in the slot is archived first (see the module doc).

    Everything that can fail (serializing, writing, flushing) happens before the first rename;
    should a rename still fail, files already renamed are restored from their earlier version.
    On any failure the temporary files are removed and PublishError is raised.
    """
    final = final_paths(audio_out, station_id, day, slot)
    mp3_tmp = Path(mp3_tmp)
    temps: list[Path] = []
    backups: list[tuple[Path, Path]] = []  # (backup, final) of files replaced so far
    try:
        if mp3_tmp.parent.resolve() != final.mp3.parent.resolve():
            raise PublishError(
                "Tệp MP3 tạm phải nằm trong thư mục bản tin để đổi tên an toàn.",
                detail=f"{mp3_tmp} is not in {final.mp3.parent}",
            )
        temps.append(mp3_tmp)  # ours from here on: removed on failure like the others
        if not mp3_tmp.is_file() or mp3_tmp.stat().st_size == 0:
            raise PublishError(f"Tệp MP3 tạm «{mp3_tmp}» không có hoặc rỗng.")
        sha = file_sha256(mp3_tmp)
        if manifest.get("sha256", sha) != sha:
            raise PublishError("Mã kiểm tra (sha256) trong bảng kê không khớp tệp MP3 tạm.",
                               detail=f"{manifest.get('sha256')} != {sha}")
        manifest = {**manifest, "sha256": sha}
        try:
            manifest_text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        except (TypeError, ValueError) as exc:
            raise PublishError("Không ghi được bảng kê (manifest) của bản tin.",
                               detail=str(exc)) from exc
        final.mp3.parent.mkdir(parents=True, exist_ok=True)
        json_tmp = _write_temp(final.manifest, manifest_text, temps)
        txt_tmp = _write_temp(final.transcript, transcript, temps)
        _fsync_file(mp3_tmp)
        archived = _archive(final, slot, sha)
        for tmp, dst in ((json_tmp, final.manifest), (txt_tmp, final.transcript),
                         (mp3_tmp, final.mp3)):
            _replace_keeping_backup(tmp, dst, backups)
            temps.remove(tmp)
        _fsync_dir(final.mp3.parent)
    except BaseException as exc:
        for backup, dst in reversed(backups):
            with contextlib.suppress(OSError):
                os.replace(backup, dst)
        backups.clear()
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink()
        if isinstance(exc, PublishError):
            raise
        if isinstance(exc, OSError):
            raise PublishError(
                f"Không ghi được bản tin vào «{final.mp3.parent}»: {exc.strerror or exc}.",
                "Kiểm tra quyền ghi và dung lượng đĩa; bản tin cũ (nếu có) vẫn được giữ nguyên.",
                detail=repr(exc),
            ) from exc
        raise
    finally:
        for backup, _ in backups:
            with contextlib.suppress(OSError):
                backup.unlink()
    return PublishedPaths(final.mp3, final.manifest, final.transcript, archived)


def _write_temp(final: Path, text: str, temps: list[Path]) -> Path:
    tmp = _temp_name(final)
    temps.append(tmp)
    with open(tmp, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _replace_keeping_backup(tmp: Path, dst: Path, backups: list[tuple[Path, Path]]) -> None:
    # A hard link to the earlier version lets us put it back if a later rename fails.
    if dst.exists():
        backup = _temp_name(dst)
        try:
            os.link(dst, backup)
            backups.append((backup, dst))
        except OSError:
            pass  # no hard links on this filesystem: publish without the undo
    os.replace(tmp, dst)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    # Makes the renames themselves durable; not possible (nor needed) on Windows.
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_slot_temp(audio_out: Path, station_id: str, day: date, slot: str) -> list[Path]:
    """Delete every `.part` file of this slot whatever its age. Only call it while holding
    the slot's build lock: then no other build can be writing them."""
    final = final_paths(audio_out, station_id, day, slot)
    removed: list[Path] = []
    if not final.mp3.parent.is_dir():
        return removed
    for name in (final.mp3.name, final.manifest.name, final.transcript.name):
        for tmp in final.mp3.parent.glob(f".{name}.*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def clean_stale_temp(audio_out: Path, max_age_s: float = 600) -> list[Path]:
    """Delete `.part` files left by crashed builds (older than `max_age_s`); return them."""
    root = Path(audio_out)
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    cutoff = time.time() - max_age_s
    for tmp in root.glob(f"*/*/.*{TEMP_SUFFIX}"):
        try:
            if tmp.is_file() and tmp.stat().st_mtime < cutoff:
                tmp.unlink()
                removed.append(tmp)
        except OSError:
            continue  # vanished meanwhile, or not ours to delete: leave it
    return removed
