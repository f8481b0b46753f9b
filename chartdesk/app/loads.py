"""What the view loader knows, without Qt: the views cached (least recently used first out), the
ones failed, the ones under way, and the generation that tells a stale result from a fresh one.

``ViewBook`` is the loader's bookkeeping; ``gui.workers.ViewLoader`` starts the reads (worker
processes or threads) and delivers their results on the GUI thread. ``ask`` says which of a
chart's requests still need reading; ``cancel`` (a new selection or project) starts a new
generation, so whatever the reads under way bring back afterwards is dropped, never painted;
``invalidate`` forgets the views of channels that grew.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

CACHE_VIEWS = 4000


class ViewBook:
    def __init__(self, capacity: int = CACHE_VIEWS) -> None:
        self.capacity = capacity
        self._cache: OrderedDict[Any, Any] = OrderedDict()
        self._failed: dict[Any, str] = {}
        self._pending: set[Any] = set()
        self.generation = 0
        #: Set when the generation ends: reads of it stop at their next view.
        self.cancelled = threading.Event()
        self.last_error: str | None = None

    def get(self, key):
        view = self._cache.get(key)
        if view is not None:
            self._cache.move_to_end(key)
        return view

    def error(self, key) -> str | None:
        """Why this view could not be read (it is not asked for again until invalidated)."""
        return self._failed.get(key)

    def done(self, key) -> bool:
        """Cached, or failed: nothing more will come for it."""
        return key in self._cache or key in self._failed

    def idle(self) -> bool:
        return not self._pending

    def ask(self, keys: Iterable) -> list:
        """The keys of ``keys`` that are neither done nor under way, now marked under way."""
        missing = [k for k in dict.fromkeys(keys) if not self.done(k) and k not in self._pending]
        self._pending.update(missing)
        return missing

    def still_wanted(self, keys: Iterable) -> list:
        return [k for k in keys if k in self._pending]

    def cancel(self) -> bool:
        """End the generation: results of reads under way are dropped. Whether any was under way."""
        self.cancelled.set()
        self.cancelled = threading.Event()
        self.generation += 1
        busy = bool(self._pending)
        self._pending.clear()
        return busy

    def loaded(self, generation: int, keys: Iterable, result: Mapping) -> bool:
        """A read of ``keys`` finished with ``result``; False (and nothing kept) when its
        generation has ended."""
        if generation != self.generation:
            return False
        self._cache.update(result)
        while len(self._cache) > self.capacity:
            self._cache.popitem(last=False)
        self._pending.difference_update(keys)
        return True

    def failed(self, generation: int, failed: Mapping[Any, str], message: str) -> bool:
        if generation != self.generation:
            return False
        self._failed.update(failed)
        self._pending.difference_update(failed)
        self.last_error = message
        return True

    def invalidate(self, channels: Iterable[tuple[str, str, str]] | None = None) -> None:
        """Forget the views (and failures) of these (project, experiment, channel), or of everything."""
        if channels is None:
            self._cache.clear()
            self._failed.clear()
            return
        gone = set(channels)
        for book in (self._cache, self._failed):
            for k in [k for k in book if not gone.isdisjoint(k.channel_keys)]:
                del book[k]
