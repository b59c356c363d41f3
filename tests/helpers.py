"""Helpers for end-to-end tests: real queue, real engine, real encoder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from bulletins.audio import decode_file
from bulletins.config import Settings
from bulletins.news import NewsQueue

SAMPLE = Path(__file__).resolve().parent.parent / "bulletins" / "data" / "sample_news.json"


def load_sample(settings: Settings, copies: int = 1, urgent: bool = True) -> list[int]:
    """Queue the bundled sample news (optionally several times, to have more than fits)."""
    items = json.loads(SAMPLE.read_text(encoding="utf-8"))
    q = NewsQueue(settings)
    ids = []
    for n in range(copies):
        for raw in items:
            raw = dict(raw)
            if not urgent and raw["priority"] == "urgent":
                raw["priority"] = "high"
            if n:
                raw["title"] = f"{raw['title']} (bản {n + 1})"
                raw["priority"] = "normal" if raw["priority"] == "urgent" else raw["priority"]
            ids.append(q.add(raw).id)
    return ids


def decoded(path: str | Path, rate: int = 22050) -> np.ndarray:
    return decode_file(path, rate).samples


def rms_db(x: np.ndarray) -> float:
    if len(x) == 0:
        return -120.0
    return 20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-9)


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """A real uvicorn serving `create_app(settings)` on loopback in a thread; yields its URL."""
    import threading
    import time

    import uvicorn

    from bulletins.web import create_app

    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
