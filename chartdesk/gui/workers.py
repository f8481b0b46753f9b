"""Background loading: QRunnables read *views* (``chartdesk.views.read_view``: the chunks of the
visible range, summarised when zoomed out, decimated to the plot width) and *group views*
(``chartdesk.groups.read_group``: a group of runs' exact mean and band, decimated the same way)
and hand plain numpy back.

One ``ViewLoader`` per workspace, shared by every chart. ``request`` starts a task for what is
neither cached nor on its way; ``cancel`` (a new selection or project) stops the tasks under way,
whose results are then never announced, so a stale selection never paints. Workers never touch
widgets: results arrive on the GUI thread through a queued signal. The cache holds only
decimated views (a few thousand points each), least recently used first out.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from ..errors import ChartDeskError
from ..groups import AggregateCache, GroupRequest, GroupView, read_group
from ..store import Store
from ..views import View, ViewRequest, read_view

Request = ViewRequest | GroupRequest

CACHE_VIEWS = 4000


class _Signals(QObject):
    sig_loaded = Signal(int, object, object)
    """(generation, requested keys, {Request: View}) for one finished or cancelled task."""
    sig_failed = Signal(int, object, str)
    """(generation, {Request: message}, first message) for the views that could not be read."""


class _LoadTask(QRunnable):
    def __init__(self, store: Store, keys: list[Request], generation: int, signals: _Signals,
                 cancelled: threading.Event, aggregates: AggregateCache) -> None:
        super().__init__()
        self._store, self._keys, self._gen, self._signals, self._cancelled = store, keys, generation, signals, cancelled
        self._aggregates = aggregates

    def run(self) -> None:
        out: dict[Request, View | GroupView] = {}
        failed: dict[Request, str] = {}
        for key in self._keys:
            if self._cancelled.is_set():
                break
            try:
                if isinstance(key, GroupRequest):
                    out[key] = read_group(self._store, key, self._aggregates)
                else:
                    out[key] = read_view(self._store, key)
            except ChartDeskError as exc:
                failed[key] = str(exc)
            except Exception as exc:  # a damaged blob decodes to garbage: report it, never hang
                failed[key] = f"cannot read {key.describe()}: {type(exc).__name__}: {exc}"
        self._signals.sig_loaded.emit(self._gen, self._keys, out)
        if failed:
            self._signals.sig_failed.emit(self._gen, failed, next(iter(failed.values())))


class ViewLoader(QObject):
    sig_ready = Signal()
    """Some requested views arrived in the cache."""
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
        self._cache: OrderedDict[Request, View | GroupView] = OrderedDict()
        self._aggregates = AggregateCache()  # groups' exact statistics: a pan only decimates again
        self._generation = 0
        self._cancel = threading.Event()
        self._pending: set[Request] = set()
        self._failed: dict[Request, str] = {}
        self.last_error: str | None = None

    def get(self, key: Request) -> View | None:
        view = self._cache.get(key)
        if view is not None:
            self._cache.move_to_end(key)
        return view

    def error(self, key: Request) -> str | None:
        """Why this view could not be read (it is not asked for again until invalidated)."""
        return self._failed.get(key)

    def done(self, key: Request) -> bool:
        """The view is cached, or failed: nothing more will come for it."""
        return key in self._cache or key in self._failed

    def request(self, keys: Iterable[Request], batch: int = 8) -> bool:
        """Ask for these views; True when all are done already (draw now), else they will come."""
        keys = list(dict.fromkeys(keys))
        missing = [k for k in keys if not self.done(k) and k not in self._pending]
        if missing:
            if not self._pending:
                self.sig_busy.emit(True)
            self._pending.update(missing)
            for i in range(0, len(missing), batch):  # several tasks, so both threads work
                self._pool.start(_LoadTask(self._store, missing[i:i + batch], self._generation, self._signals,
                                           self._cancel, self._aggregates))
        return all(self.done(k) for k in keys)

    def cancel(self) -> None:
        """Drop every load under way (the selection changed)."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._generation += 1
        if self._pending:
            self._pending.clear()
            self.sig_busy.emit(False)

    def invalidate(self, channels: Iterable[tuple[str, str, str]] | None = None) -> None:
        """Forget the views of these (project, experiment, channel), or of everything."""
        if channels is None:
            self._cache.clear()
            self._failed.clear()
            self._aggregates.forget()
            return
        gone = set(channels)
        for k in [k for k in self._cache if not gone.isdisjoint(k.channel_keys)]:
            del self._cache[k]
        for k in [k for k in self._failed if not gone.isdisjoint(k.channel_keys)]:
            del self._failed[k]
        self._aggregates.forget(gone)

    def is_idle(self) -> bool:
        return not self._pending

    def _on_loaded(self, generation: int, keys, result: dict) -> None:
        if generation != self._generation:
            return
        self._cache.update(result)
        while len(self._cache) > CACHE_VIEWS:
            self._cache.popitem(last=False)
        self._pending.difference_update(keys)
        if not self._pending:
            self.sig_busy.emit(False)
        self.sig_ready.emit()

    def _on_failed(self, generation: int, failed: dict, message: str) -> None:
        if generation == self._generation:
            self._failed.update(failed)
            self.last_error = message
            self.sig_error.emit(message)
            self.sig_ready.emit()

    def shutdown(self) -> None:
        self._cancel.set()
        self._pool.waitForDone(5000)
