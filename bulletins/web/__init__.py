"""The web app: editors queue news and build bulletins, operators listen and download.

A thin edge over the same core as the CLI. `create_app(settings)` builds a FastAPI app with
no module-level state, so every test (and every home folder) gets its own app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..config import Settings


def create_app(settings: Settings) -> FastAPI:
    """Build the web app for one home folder (imported lazily to keep the CLI quick)."""
    from .app import create_app as _create_app

    return _create_app(settings)


__all__ = ["create_app"]
