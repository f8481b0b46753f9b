"""Background loading: a QRunnable reads channels from the store and hands plain numpy back.

One ``SeriesLoader`` per workspace. Each request carries a generation number; results of an
older generation are dropped on arrival, so a stale selection never paints. Workers never touch
widgets: results arrive on the GUI thread through a queued signal.
"""
from __future__ import annotations

import threading
from typing import Iterable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..errors import ChartDeskError
from ..model import Series
from ..store import Store

Key = tuple[str, str, str]  # project, experiment, channel


class _Signals(QObject):
    sig_loaded = Signal(int, object, object)
    """(generation, requested keys, {key: Series}) for one finished or cancelled request."""
    sig_failed = Signal(int, object, str)


class _LoadTask(QRunnable):
    def __init__(self, store: Store, keys: list[Key], generation: int, signals: _Signals,
                 cancelled: threading.Event) -> None:
        super().__init__()
        self._store, self._keys, self._gen, self._signals, self._cancelled = store, keys, generation, signals, cancelled

    def run(self) -> None:
        out: dict[Key, Series] = {}
        try:
            for key in self._keys:
                if self._cancelled.is_set():
                    break
                project, experiment, channel = key
                out[key] = self._store.read(project, experiment, channel)
        except ChartDeskError as exc:
            self._signals.sig_failed.emit(self._gen, self._keys, str(exc))
            return
        self._signals.sig_loaded.emit(self._gen, self._keys, out)


class SeriesLoader(QObject):
    """Loads series off the GUI thread into a cache shared by every chart.

    ``request`` starts a task for what is neither cached nor already on its way. ``cancel`` (on a
    new selection or project) stops the tasks under way: their results are not announced, so
    stale loads never paint.
    """

    sig_ready = Signal()
    """Some requested series arrived in the cache."""
    sig_busy = Signal(bool)
    sig_error = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(2)
        self._signals = _Signals(self)
        self._signals.sig_loaded.connect(self._on_loaded)
        self._signals.sig_failed.connect(self._on_failed)
        self._cache: dict[Key, Series] = {}
        self._generation = 0
        self._cancel = threading.Event()
        self._pending: set[Key] = set()

    def get(self, key: Key) -> Series | None:
        return self._cache.get(key)

    def request(self, keys: Iterable[Key]) -> bool:
        """Ask for these series; True when all are cached already (draw now), else they will come."""
        keys = list(dict.fromkeys(keys))
        missing = [k for k in keys if k not in self._cache and k not in self._pending]
        if missing:
            if not self._pending:
                self.sig_busy.emit(True)
            self._pending.update(missing)
            self._pool.start(_LoadTask(self._store, missing, self._generation, self._signals, self._cancel))
        return all(k in self._cache for k in keys)

    def cancel(self) -> None:
        """Drop every load under way (the selection changed)."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._generation += 1
        if self._pending:
            self._pending.clear()
            self.sig_busy.emit(False)

    def invalidate(self, keys: Iterable[Key] | None = None) -> None:
        if keys is None:
            self._cache.clear()
        else:
            for k in keys:
                self._cache.pop(k, None)

    def is_idle(self) -> bool:
        return not self._pending

    def _on_loaded(self, generation: int, keys, result: dict) -> None:
        if generation != self._generation:
            return
        self._cache.update(result)
        self._pending.difference_update(keys)
        if not self._pending:
            self.sig_busy.emit(False)
        self.sig_ready.emit()

    def _on_failed(self, generation: int, keys, message: str) -> None:
        if generation == self._generation:
            self._pending.difference_update(keys)
            if not self._pending:
                self.sig_busy.emit(False)
            self.sig_error.emit(message)

    def shutdown(self) -> None:
        self._cancel.set()
        self._pool.waitForDone(5000)
