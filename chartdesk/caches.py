"""The one cache of computed series: values by key, each kept with the version of what it was
computed from (a channel's chunk index, say) and returned only while that version holds; least
recently used first out past a byte budget. Thread-safe: a window's loader threads share one.
Derived series (``chartdesk.derived``) and smoothed lines (``chartdesk.smoothing``) use it."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class VersionedCache:
    """``get(key, version)`` / ``put(key, version, value)`` / ``peek(key)``; ``size(value)`` is
    the bytes a value holds (what the budget ``max_bytes`` counts)."""

    def __init__(self, size: Callable[[Any], int], max_bytes: int) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._entries: OrderedDict[Any, tuple[Any, Any, int]] = OrderedDict()
        self._bytes = 0
        self.hits = self.misses = 0

    def get(self, key, version):
        """The value of ``key`` computed at ``version``, or None (a miss)."""
        with self._lock:
            hit = self._entries.get(key)
            if hit is None or hit[0] != version:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return hit[1]

    def peek(self, key) -> tuple[Any, Any] | None:
        """(version, value) held for ``key`` whatever its version (to extend it), or None."""
        with self._lock:
            hit = self._entries.get(key)
            return None if hit is None else (hit[0], hit[1])

    def put(self, key, version, value) -> None:
        size = self.size(value)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[2]
            if size > self.max_bytes:
                return
            self._entries[key] = (version, value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _k, (_v, _value, gone) = self._entries.popitem(last=False)
                self._bytes -= gone

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
