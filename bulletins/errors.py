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
     └── ScheduleError      the scheduler cannot start or run (e.g. already running)

The core raises these with facts; the edges (CLI, web, scheduler) print or return them.
"""

from __future__ import annotations


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
