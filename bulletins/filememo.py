"""What a process has already read and checked from a file, kept while the file is unchanged.

The speech cache (16-bit samples) and the mastered-piece cache (frames and measurements)
both re-read the same shared entries on every build a worker makes; this keeps the checked
result in memory, keyed by path and valid while the file's stamp (inode, size, mtime, or a
tuple of stamps for entries stored as several files) and any other condition hold. Bounded
in bytes; the least recently used entries go first. Thread-safe: web and scheduler threads
build side by side.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


def stamp(st: os.stat_result) -> tuple[int, int, int]:
    return st.st_ino, st.st_size, st.st_mtime_ns


class FileMemo(Generic[V]):
    _all: weakref.WeakSet[FileMemo] = weakref.WeakSet()

    def __init__(self, limit: int, size: Callable[[V], int]):
        self.limit, self.size, self._size_of = limit, 0, size
        self.items: OrderedDict[str, tuple[Hashable, V]] = OrderedDict()
        self.lock = threading.Lock()
        FileMemo._all.add(self)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()
            self.size = 0

    def get(self, path: str, valid: Hashable) -> V | None:
        """The value kept for `path` if it was kept under the same `valid` (stamp, …)."""
        with self.lock:
            hit = self.items.get(path)
            if hit is None or hit[0] != valid:
                return None
            self.items.move_to_end(path)
            return hit[1]

    def put(self, path: str, valid: Hashable, value: V) -> None:
        with self.lock:
            old = self.items.pop(path, None)
            if old is not None:
                self.size -= self._size_of(old[1])
            self.items[path] = (valid, value)
            self.size += self._size_of(value)
            while self.size > self.limit and self.items:
                self.size -= self._size_of(self.items.popitem(last=False)[1][1])


def forget_all() -> None:
    """Empty every FileMemo of this process."""
    for memo in list(FileMemo._all):
        memo.clear()
