"""ELECTRONIC: web addresses and e-mail, read as an announcer does."""

from __future__ import annotations

from .context import Context


def rule_electronic(text: str, ctx: Context) -> str:
    return text
