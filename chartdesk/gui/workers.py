"""Background loading: *views* (``chartdesk.views.read_view``: the chunks of the visible range,
summarised when zoomed out, decimated to the plot width) are read in the window's worker
processes (``chartdesk.app.pool.WorkerPool``, shared with the runs table), and *group views*
(``chartdesk.groups.read_group``: a group of runs' exact mean and band, decimated the same way) on
threads of the window, where their exact statistics stay cached between zooms; both hand plain
numpy back (``chartdesk.offload.load`` is the one loop).

One ``ViewLoader`` per workspace, shared by every chart; what it knows (cache, failures, reads
under way, generation) is a Qt-free ``chartdesk.app.loads.ViewBook``. ``request`` starts a task
for what is neither cached nor on its way; ``cancel`` (a new selection or project) ends the
generation, so a stale selection never paints. Workers never touch widgets: results arrive on the
GUI thread through a queued signal.

The worker processes start once the loader has been idle for a second (their start-up would
otherwise compete with the first paint); until they are ready, and if they cannot start or die,
views are read on the threads.
"""
from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable
from concurrent.futures import Future
from contextlib import contextmanager

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from .. import offload
from ..app.loads import ViewBook
from ..app.pool import WorkerPool, default_count
from ..groups import AggregateCache, GroupRequest, GroupView
from ..store import Store
from ..views import View, ViewRequest
from .bridge import ToGui

Request = ViewRequest | GroupRequest

PROCESS_START_MS = 1000


class _LoadTask(QRunnable):
    def __init__(self, loader: ViewLoader, keys: list[Request], generation: int, cancelled: threading.Event) -> None:
        super().__init__()
        self._loader, self._keys, self._gen, self._cancelled = loader, keys, generation, cancelled

    def run(self) -> None:
        ld = self._loader
        out, failed = offload.load(ld.store, self._keys, ld.aggregates, self._cancelled, ld.gate)
        ld.announce(self._gen, self._keys, out, failed)


class ViewLoader(QObject):
    sig_ready = Signal()
    """Some requested views arrived in the cache."""
    sig_busy = Signal(bool)
    sig_error = Signal(str)

    def __init__(self, store: Store, pool: WorkerPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._threads = QThreadPool(self)
        # As many threads as processes: on two cores one reader, since a second one competes for
        # the GIL more than it reads (first paint of 12 x 20 curves 1.22 s instead of 1.48 s, and
        # the longest stall 61-72 ms instead of 73-87 ms, measured).
        self._threads.setMaxThreadCount(default_count())
        self._to_gui = ToGui(self)
        self.processes = pool
        # the processes start once the loader has had nothing to do for a moment: their start-up
        # would otherwise compete with painting the first views, or delay a quick exit
        self._idle_timer = QTimer(self)
        self._idle_timer.setSingleShot(True)
        self._idle_timer.setInterval(PROCESS_START_MS)
        self._idle_timer.timeout.connect(self._start_processes)
        if not pool.started:
            self._idle_timer.start()  # nothing to load yet is idle too
        self._closed = False
        self._futures: deque[Future] = deque()  # in the order handed out (and, mostly, finished)
        self._queued: list[Request] = []  # asked for during this turn of the event loop
        #: Cleared while the GUI thread draws a chart (see ``drawing``); the reader threads wait on it.
        self.gate = threading.Event()
        self.gate.set()
        self.book = ViewBook()
        #: Groups' exact statistics: a pan only decimates again.
        self.aggregates = AggregateCache()

    @property
    def last_error(self) -> str | None:
        return self.book.last_error

    def get(self, key: Request) -> View | GroupView | None:
        return self.book.get(key)

    def error(self, key: Request) -> str | None:
        """Why this view could not be read (it is not asked for again until invalidated)."""
        return self.book.error(key)

    def done(self, key: Request) -> bool:
        """The view is cached, or failed: nothing more will come for it."""
        return self.book.done(key)

    def request(self, keys: Iterable[Request]) -> bool:
        """Ask for these views; True when all are done already (draw now), else they will come."""
        keys = list(dict.fromkeys(keys))
        was_idle = self.book.idle()
        missing = self.book.ask(keys)
        if missing:
            if was_idle:
                self.sig_busy.emit(True)
                self._idle_timer.stop()
            if not self._queued:
                # The reads start when this turn of the event loop is over: a selection asks for
                # every chart's views in one go, and reader threads started at the first chart
                # would compete for the GIL with the rest of it (84 ms instead of 28, measured).
                QTimer.singleShot(0, self, self._start_queued)  # not called once the loader is gone
            self._queued.extend(missing)
        return all(self.book.done(k) for k in keys)

    def _start_queued(self, batch: int = 8) -> None:
        if self._closed or not shiboken6.isValid(self._threads):  # the window closed in the meantime
            self._queued = []
            return
        queued, self._queued = self.book.still_wanted(self._queued), []
        views = [k for k in queued if not isinstance(k, GroupRequest)]
        on_threads = [k for k in queued if isinstance(k, GroupRequest)]
        for i in range(0, len(views), batch):  # several tasks, so that every worker works
            if not self._submit(views[i:i + batch]):
                on_threads.extend(views[i:i + batch])
        self._start_threads(on_threads, batch)

    def _start_threads(self, keys: list[Request], batch: int = 8) -> None:
        for i in range(0, len(keys), batch):
            self._threads.start(_LoadTask(self, keys[i:i + batch], self.book.generation, self.book.cancelled))

    def _submit(self, keys: list[Request]) -> bool:
        """Hand these views to the worker processes; False when they are not ready."""
        future = self.processes.submit(offload.load_in_worker, keys)
        if future is None:
            return False
        # only this (the GUI) thread touches the queue: done ones are dropped here, not from the
        # executor's thread while ``cancel`` walks it; from its front, as they finish in about the
        # order they were handed out (walking all of them on each submit was 2.6 ms of a pan step
        # with 560 views waiting for a busy loader process)
        while self._futures and self._futures[0].done():
            self._futures.popleft()
        self._futures.append(future)
        gen = self.book.generation

        def done(f: Future) -> None:  # on the executor's thread: only calls through ToGui cross to the GUI
            if f.cancelled():
                return
            exc = f.exception()
            if exc is not None:
                self._to_gui.call(self._on_broken, gen, keys, f"{type(exc).__name__}: {exc}")
            else:
                self.announce(gen, keys, *f.result())
        future.add_done_callback(done)
        return True

    def announce(self, generation: int, keys, out: dict, failed: dict) -> None:
        """From a reader (any thread): these keys were read; their views and failures reach the
        GUI thread, where a result of an ended generation is dropped."""
        self._to_gui.call(self._on_loaded, generation, keys, out)
        if failed:
            self._to_gui.call(self._on_failed, generation, failed, next(iter(failed.values())))

    def _on_broken(self, generation: int, keys, why: str) -> None:
        """The worker processes died: read on threads from now on (these keys first)."""
        self.processes.broke(RuntimeError(why))
        if generation == self.book.generation:
            self._start_threads(self.book.still_wanted(keys))

    def cancel(self) -> None:
        """Drop every load under way (the selection changed)."""
        self._queued.clear()
        for f in list(self._futures):
            f.cancel()  # not started yet: never started
        if self.book.cancel():
            self.sig_busy.emit(False)

    def invalidate(self, channels: Iterable[tuple[str, str, str]] | None = None) -> None:
        """Forget the views of these (project, experiment, channel), or of everything."""
        self.book.invalidate(channels)
        self.aggregates.forget(None if channels is None else set(channels))

    @contextmanager
    def drawing(self):
        """While a chart builds its curves, the reader threads wait before their next view: their
        Python would make the GUI thread wait for the GIL at each of its calls into Qt (a chart
        drawn in 40-60 ms instead of 20-30, measured). Worker processes are not held."""
        self.gate.clear()
        try:
            yield
        finally:
            self.gate.set()

    def is_idle(self) -> bool:
        return self.book.idle()

    def _on_loaded(self, generation: int, keys, result: dict) -> None:
        if not self.book.loaded(generation, keys, result):
            return
        if self.book.idle():
            self.sig_busy.emit(False)
            if not self.processes.started:
                self._idle_timer.start()
        self.sig_ready.emit()

    def _on_failed(self, generation: int, failed: dict, message: str) -> None:
        if self.book.failed(generation, failed, message):
            self.sig_error.emit(message)
            self.sig_ready.emit()

    def _start_processes(self) -> None:
        if not self._closed and self.book.idle():
            self.processes.start()

    def shutdown(self) -> None:
        self._closed = True
        self._idle_timer.stop()
        self.cancel()
        self._threads.waitForDone(5000)
