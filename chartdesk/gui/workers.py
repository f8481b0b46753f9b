"""Background loading: *views* (``chartdesk.views.read_view``: the chunks of the visible range,
summarised when zoomed out, decimated to the plot width) are read in worker processes, and
*group views* (``chartdesk.groups.read_group``: a group of runs' exact mean and band, decimated
the same way) on threads of the window, where their exact statistics stay cached between zooms;
both hand plain numpy back (``chartdesk.offload.load`` is the one loop).

One ``ViewLoader`` per workspace, shared by every chart. ``request`` starts a task for what is
neither cached nor on its way; ``cancel`` (a new selection or project) drops the tasks under way,
whose results are then never announced, so a stale selection never paints. Workers never touch
widgets: results arrive on the GUI thread through a queued signal. The cache holds only
decimated views (a few thousand points each), least recently used first out.

The worker processes start once the first views are drawn (their start-up would otherwise
compete with the first paint); until they are ready, and if they cannot start or die, views are
read on the threads. ``CHARTDESK_LOADER_PROCESSES`` sets how many (0: threads only).
"""
from __future__ import annotations

import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from .. import offload
from ..groups import AggregateCache, GroupRequest, GroupView
from ..store import Store
from ..views import View, ViewRequest

Request = ViewRequest | GroupRequest

CACHE_VIEWS = 4000
PROCESSES_ENV = "CHARTDESK_LOADER_PROCESSES"
PROCESS_START_MS = 1000


def default_count() -> int:
    """One core less than the machine has (one core is the GUI thread's), at least 1, at most 2."""
    return min(2, max(1, (os.cpu_count() or 2) - 1))


def process_count() -> int:
    """How many loader processes: ``CHARTDESK_LOADER_PROCESSES``, else ``default_count()``."""
    default = default_count()
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else default
    except ValueError:
        return default


class _Signals(QObject):
    sig_loaded = Signal(int, object, object)
    """(generation, requested keys, {Request: View}) for one finished or cancelled task."""
    sig_failed = Signal(int, object, str)
    """(generation, {Request: message}, first message) for the views that could not be read."""
    sig_broken = Signal(int, object, str)
    """(generation, keys, why): the processes died with these keys; they are read on threads."""


class _LoadTask(QRunnable):
    def __init__(self, store: Store, keys: list[Request], generation: int, signals: _Signals,
                 cancelled: threading.Event, aggregates: AggregateCache, gate: threading.Event) -> None:
        super().__init__()
        self._store, self._keys, self._gen, self._signals, self._cancelled = store, keys, generation, signals, cancelled
        self._aggregates, self._gate = aggregates, gate

    def run(self) -> None:
        out, failed = offload.load(self._store, self._keys, self._aggregates, self._cancelled, self._gate)
        _announce(self._signals, self._gen, self._keys, out, failed)


def _announce(signals: _Signals, generation: int, keys, out: dict, failed: dict) -> None:
    signals.sig_loaded.emit(generation, keys, out)
    if failed:
        signals.sig_failed.emit(generation, failed, next(iter(failed.values())))


class LoaderProcesses:
    """The loader's worker processes: started by ``start``, ready once one has opened the store;
    ``submit`` returns None while none has (the caller reads on a thread instead)."""

    def __init__(self, store: Store, count: int) -> None:
        self._store, self.count = store, count
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.ready = False
        self.failed = ""
        self.pids: list[int] = []

    @property
    def started(self) -> bool:
        return self._pool is not None or bool(self.failed)

    def start(self) -> None:
        with self._lock:
            if self._pool is not None or self.failed or self.count <= 0:
                return
            try:
                self._pool = ProcessPoolExecutor(self.count, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=offload.open_in_worker,
                                                 initargs=(offload.location(self._store),))
                # one call each, submitted together, so that every worker is started now
                warm = [self._pool.submit(offload.ready_in_worker) for _ in range(self.count)]
            except (OSError, RuntimeError) as exc:
                self._fail(exc)
                return
        for f in warm:
            f.add_done_callback(self._on_warm)

    def _on_warm(self, future: Future) -> None:
        with self._lock:
            if future.cancelled() or self._pool is None:
                return
            exc = future.exception()
            if exc is not None:
                self._fail(exc)
                return
            self.pids.append(future.result())
            self.ready = True

    def _fail(self, exc: BaseException) -> None:
        self.failed = f"{type(exc).__name__}: {exc}"
        self.ready = False
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def submit(self, keys: list[Request]) -> Future | None:
        with self._lock:
            if not self.ready or self._pool is None:
                return None
            try:
                return self._pool.submit(offload.load_in_worker, keys)
            except RuntimeError as exc:  # broken or shut down
                self._fail(exc)
                return None

    def broke(self, exc: BaseException) -> None:
        with self._lock:
            if self._pool is not None:
                self._fail(exc)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self.ready = False
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


class ViewLoader(QObject):
    sig_ready = Signal()
    """Some requested views arrived in the cache."""
    sig_busy = Signal(bool)
    sig_error = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None, processes: int | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._pool = QThreadPool(self)
        # As many threads as processes: on two cores one reader, since a second one competes for
        # the GIL more than it reads (first paint of 12 x 20 curves 1.22 s instead of 1.48 s, and
        # the longest stall 61-72 ms instead of 73-87 ms, measured).
        self._pool.setMaxThreadCount(default_count())
        self._signals = _Signals(self)
        self._signals.sig_loaded.connect(self._on_loaded)
        self._signals.sig_failed.connect(self._on_failed)
        self._signals.sig_broken.connect(self._on_broken)
        self.processes = LoaderProcesses(store, process_count() if processes is None else processes)
        # the processes start once the loader has had nothing to do for a moment: their start-up
        # would otherwise compete with painting the first views, or delay a quick exit
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(PROCESS_START_MS)
        self._idle_timer.timeout.connect(self._start_processes)
        if self.processes.count:
            self._idle_timer.start()  # nothing to load yet is idle too
        self._closed = False
        self._futures: set[Future] = set()
        self._queued: list[Request] = []  # asked for during this turn of the event loop
        self._gate = threading.Event()  # cleared while the GUI thread draws a chart (see ``drawing``)
        self._gate.set()
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

    def request(self, keys: Iterable[Request]) -> bool:
        """Ask for these views; True when all are done already (draw now), else they will come."""
        keys = list(dict.fromkeys(keys))
        missing = [k for k in keys if not self.done(k) and k not in self._pending]
        if missing:
            if not self._pending:
                self.sig_busy.emit(True)
                self._idle_timer.stop()
            self._pending.update(missing)
            if not self._queued:
                # The reads start when this turn of the event loop is over: a selection asks for
                # every chart's views in one go, and reader threads started at the first chart
                # would compete for the GIL with the rest of it (84 ms instead of 28, measured).
                QTimer.singleShot(0, self._start_queued)
            self._queued.extend(missing)
        return all(self.done(k) for k in keys)

    def _start_queued(self, batch: int = 8) -> None:
        queued, self._queued = [k for k in self._queued if k in self._pending], []
        views = [k for k in queued if not isinstance(k, GroupRequest)]
        on_threads = [k for k in queued if isinstance(k, GroupRequest)]
        for i in range(0, len(views), batch):  # several tasks, so that every worker works
            if not self._submit(views[i:i + batch]):
                on_threads.extend(views[i:i + batch])
        self._start_threads(on_threads, batch)

    def _start_threads(self, keys: list[Request], batch: int = 8) -> None:
        for i in range(0, len(keys), batch):
            self._pool.start(_LoadTask(self._store, keys[i:i + batch], self._generation, self._signals,
                                       self._cancel, self._aggregates, self._gate))

    def _submit(self, keys: list[Request]) -> bool:
        """Hand these views to the worker processes; False when they are not ready."""
        future = self.processes.submit(keys)
        if future is None:
            return False
        # only this (the GUI) thread touches the set: done ones are dropped here, not from the
        # executor's thread while ``cancel`` walks it
        self._futures = {f for f in self._futures if not f.done()}
        self._futures.add(future)
        gen, signals = self._generation, self._signals

        def done(f: Future) -> None:  # on the executor's thread: only signals cross to the GUI
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                signals.sig_broken.emit(gen, keys, f"{type(exc).__name__}: {exc}")
            else:
                _announce(signals, gen, keys, *f.result())
        future.add_done_callback(done)
        return True

    def _on_broken(self, generation: int, keys, why: str) -> None:
        """The worker processes died: read on threads from now on (these keys first)."""
        self.processes.broke(RuntimeError(why))
        if generation == self._generation:
            self._start_threads([k for k in keys if k in self._pending])

    def cancel(self) -> None:
        """Drop every load under way (the selection changed)."""
        self._cancel.set()
        self._cancel = threading.Event()
        self._generation += 1
        self._queued.clear()
        for f in list(self._futures):
            f.cancel()  # not started yet: never started
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

    @contextmanager
    def drawing(self):
        """While a chart builds its curves, the reader threads wait before their next view: their
        Python would make the GUI thread wait for the GIL at each of its calls into Qt (a chart
        drawn in 40-60 ms instead of 20-30, measured). Worker processes are not held."""
        self._gate.clear()
        try:
            yield
        finally:
            self._gate.set()

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
            if self.processes.count and not self.processes.started:
                self._idle_timer.start()
        self.sig_ready.emit()

    def _on_failed(self, generation: int, failed: dict, message: str) -> None:
        if generation == self._generation:
            self._failed.update(failed)
            self.last_error = message
            self.sig_error.emit(message)
            self.sig_ready.emit()

    def _start_processes(self) -> None:
        if not self._closed and not self._pending:
            self.processes.start()

    def shutdown(self) -> None:
        self._closed = True
        self._idle_timer.stop()
        self.cancel()
        self.processes.shutdown()
        self._pool.waitForDone(5000)
