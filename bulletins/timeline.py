"""Where each part sits in the finished bulletin: one pure layout used by fit and master alike.

    jingle · pause · part · pause · part · … · part · pause · jingle
"""

from __future__ import annotations

from collections.abc import Sequence

from .models import Segment


def layout(parts: Sequence[tuple[str, int]], jingle_ms: int, pause_ms: int) -> list[Segment]:
    """Place (kind, duration_ms) parts between an opening and closing jingle.

    Returns a Segment per jingle, pause and part, back to back from 0. Only `kind`,
    `start_ms` and `end_ms` are filled; callers copy item ids, titles and text on.
    """
    out: list[Segment] = []
    t = 0

    def put(kind: str, ms: int) -> None:
        nonlocal t
        if ms > 0:
            out.append(Segment(kind=kind, start_ms=t, end_ms=t + ms))
            t += ms

    put("jingle", jingle_ms)
    for kind, ms in parts:
        put("pause", pause_ms)
        put(kind, ms)
    put("pause", pause_ms)
    put("jingle", jingle_ms)
    return out


def total_ms(part_ms: Sequence[int], jingle_ms: int, pause_ms: int) -> int:
    """Length of the laid-out bulletin without building it."""
    return sum(part_ms) + 2 * jingle_ms + (len(part_ms) + 1) * pause_ms
