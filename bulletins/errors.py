"""Errors raised by Bản tin, each carrying a Vietnamese message for editors and operators.

    BulletinError(message_vi, hint_vi=None)
     ├── ConfigError        bulletins.toml is malformed or holds a bad value
     ├── QueueError         the news queue: bad item, bad import file, database trouble
     ├── TemplateError      a script template is missing or broken
     ├── NormalizeError     text cannot be made speakable (legacy encoding, unreadable symbol)
     │    └── LegacyEncodingError  unsure which old encoding (TCVN3, VNI) text is in
     ├── SynthesisError     a speech engine failed (keeps the engine's own detail)
     ├── SlotOverflowError  what must air cannot fit the slot
     ├── AudioError         ffmpeg or the encoder failed
     ├── PublishError       the finished files could not be written
     ├── StorageError       the disk is full
     └── ScheduleError      the scheduler cannot start or run (e.g. already running)

The core raises these with facts; the edges (CLI, web, scheduler) print or return them.
Faults of the machine (database busy or corrupt, disk full) can surface anywhere, inside
SQLAlchemy, ffmpeg or a file write: `explain` finds them in an exception's cause chain and
gives the one message an operator can act on.
"""

from __future__ import annotations

import errno


class BulletinError(Exception):
    """Base of every error a user may see. `message` and `hint` are Vietnamese."""

    def __init__(self, message: str, hint: str | None = None, *, detail: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        # Developer-facing detail (English or raw tool output), logged but not shown first.
        self.detail = detail

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(BulletinError):
    pass


class QueueError(BulletinError):
    pass


class NotFoundError(QueueError):
    """The item (or other record) asked for does not exist: a 404 on the web."""


class TemplateError(BulletinError):
    pass


class NormalizeError(BulletinError):
    pass


class LegacyEncodingError(NormalizeError):
    """Text looks like an old encoding but no single reading is sure; `readings` holds
    (encoding name, text) pairs for the editor to compare."""

    def __init__(self, message: str, hint: str | None = None, *,
                 readings: tuple[tuple[str, str], ...] = (), detail: str | None = None):
        super().__init__(message, hint, detail=detail)
        self.readings = readings


class SynthesisError(BulletinError):
    def __init__(self, message: str, hint: str | None = None, *, engine: str = "",
                 detail: str | None = None):
        super().__init__(message, hint, detail=detail)
        self.engine = engine


class SlotOverflowError(BulletinError):
    pass


class AudioError(BulletinError):
    pass


class PublishError(BulletinError):
    pass


class ScheduleError(BulletinError):
    pass


class StorageError(BulletinError):
    pass


DISK_FULL = "Ổ đĩa đầy: không ghi được tệp."
DISK_FULL_HINT = ("Hãy xóa bớt tệp cũ (ví dụ các bản tin cũ trong audio_out/ hoặc bộ nhớ đệm "
                  "giọng đọc) rồi thử lại.")
DB_BUSY = "Cơ sở dữ liệu đang bận (một chương trình khác đang ghi), đã chờ mà chưa được."
DB_BUSY_HINT = "Chờ một lát rồi thử lại; nếu vẫn bận, kiểm tra xem có lệnh nào bị treo không."
DB_CORRUPT = "Tệp cơ sở dữ liệu bị hỏng, không đọc được."
DB_CORRUPT_HINT = ("Khôi phục tệp bulletins.sqlite3 từ bản sao lưu; đừng xóa tệp hỏng trước khi "
                   "sao lưu nó.")
_DISK_FULL_TEXT = ("no space left on device", "disk full", "database or disk is full")
_CORRUPT_TEXT = ("file is not a database", "database disk image is malformed",
                 "file is encrypted or is not a database")


def explain(exc: BaseException) -> BulletinError | None:
    """The machine fault behind `exc` (its causes, contexts and tool output included) as a
    Vietnamese error, or None when it is not one of them."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = _classify(current)
        if found is not None:
            found.detail = f"{type(current).__name__}: {current}"
            return found
        current = current.__cause__ or current.__context__
    return None


def _classify(exc: BaseException) -> BulletinError | None:
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageError(DISK_FULL, DISK_FULL_HINT)
    text = f"{exc} {getattr(exc, 'detail', '') or ''}".lower()
    if any(t in text for t in _DISK_FULL_TEXT):
        return StorageError(DISK_FULL, DISK_FULL_HINT)
    if "database is locked" in text or "database table is locked" in text:
        return QueueError(DB_BUSY, DB_BUSY_HINT)
    if any(t in text for t in _CORRUPT_TEXT):
        return QueueError(DB_CORRUPT, DB_CORRUPT_HINT)
    return None
