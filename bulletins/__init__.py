"""Bản tin: queued news items in, broadcast-ready Vietnamese audio bulletins out."""

from .errors import BulletinError

__version__ = "0.1.0"
__all__ = ["BulletinError", "__version__"]
