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
    sig_loaded = Signal(int, object)
    """(generation, {key: Series}) for one finished request."""
    sig_failed = Signal(int, str)


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
                    return
                project, experiment, channel = key
                out[key] = self._store.read(project, experiment, channel)
        except ChartDeskError as exc:
            self._signals.sig_failed.emit(self._gen, str(exc))
            return
        if not self._cancelled.is_set():
            self._signals.sig_loaded.emit(self._gen, out)


class SeriesLoader(QObject):
    """Loads series off the GUI thread and caches them; newer requests cancel older ones."""

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
        """Ask for these series; returns True when all are already cached."""
        missing = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if not missing:
            return True
        if set(missing) == self._pending:
            return False
        self._cancel.set()
        self._cancel = threading.Event()
        self._generation += 1
        self._pending = set(missing)
        self.sig_busy.emit(True)
        self._pool.start(_LoadTask(self._store, missing, self._generation, self._signals, self._cancel))
        return False

    def invalidate(self, keys: Iterable[Key] | None = None) -> None:
        if keys is None:
            self._cache.clear()
        else:
            for k in keys:
                self._cache.pop(k, None)

    def is_idle(self) -> bool:
        return not self._pending

    def _on_loaded(self, generation: int, result: dict) -> None:
        self._cache.update(result)  # data is valid whatever the generation
        if generation != self._generation:
            return
        self._pending = set()
        self.sig_busy.emit(False)
        self.sig_ready.emit()

    def _on_failed(self, generation: int, message: str) -> None:
        if generation == self._generation:
            self._pending = set()
            self.sig_busy.emit(False)
            self.sig_error.emit(message)

    def shutdown(self) -> None:
        self._cancel.set()
        self._pool.waitForDone(5000)
