"""The window's one pool of worker processes, shared by chart views and the runs table's rows.

Work handed to a thread of the window's process competes with the GUI thread for the GIL (see
``chartdesk.offload``), so reads that take long go to processes of their own: ``spawn``ed (no
Qt is imported there), each opening the store once and ending with the window, also when the
window is killed. One pool serves every kind of work (two pools each opening the store cost a
process start each); ``submit`` returns None while the pool is not ready (not started, still
starting, failed or broken), and the caller then does the work on a thread, where it is cheaper
anyway for small jobs.

``CHARTDESK_LOADER_PROCESSES`` sets how many processes (0: threads only); the default is one
core less than the machine has, at least 1, at most 2.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .. import offload

log = logging.getLogger(__name__)

PROCESSES_ENV = "CHARTDESK_LOADER_PROCESSES"


def default_count() -> int:
    """One core less than the machine has (one core is the GUI thread's), at least 1, at most 2."""
    return min(2, max(1, (os.cpu_count() or 2) - 1))


def process_count() -> int:
    """How many worker processes: ``CHARTDESK_LOADER_PROCESSES``, else ``default_count()``."""
    default = default_count()
    raw = os.environ.get(PROCESSES_ENV, "").strip()
    try:
        return max(0, int(raw)) if raw else default
    except ValueError:
        log.warning("%s=%r is not a number; using %d", PROCESSES_ENV, raw, default)
        return default


class WorkerPool:
    def __init__(self, store, count: int) -> None:
        self._store, self.count = store, count
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self.ready = False
        #: Why the pool cannot be used ("" while it can): it failed to start, or it broke.
        self.failed = "" if count > 0 else "no worker processes for this window"
        self.pids: list[int] = []
        self._settled = threading.Event()  # ready, or failed: waiting for it is over
        if self.failed:
            self._settled.set()

    @property
    def started(self) -> bool:
        """It was started (and may have failed since); a pool of no processes never is."""
        return self._pool is not None or (bool(self.failed) and self.count > 0)

    def start(self) -> None:
        """Start every process now (each opens the store); ``ready`` once one has."""
        with self._lock:
            if self._pool is not None or self.failed:
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
            self._settled.set()

    def _fail(self, exc: BaseException) -> None:
        self.failed = f"{type(exc).__name__}: {exc}"
        log.warning("worker processes unavailable, working on threads: %s", self.failed)
        self.ready = False
        self._settled.set()
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def wait_ready(self, timeout: float) -> bool:
        """Start the pool if it is not, and wait (on a worker thread, never the GUI thread) until
        it is ready or has failed; whether it is ready."""
        self.start()
        self._settled.wait(timeout)
        return self.ready

    def submit(self, fn, *args: Any) -> Future | None:
        """Run ``fn(*args)`` (a function of ``chartdesk.offload``) in a worker; None when the
        pool is not ready (the caller works on a thread instead)."""
        with self._lock:
            if not self.ready or self._pool is None:
                return None
            try:
                return self._pool.submit(fn, *args)
            except RuntimeError as exc:  # broken or shut down
                self._fail(exc)
                return None

    def broke(self, exc: BaseException) -> None:
        """A worker died under a job: the pool is not used again."""
        with self._lock:
            if self._pool is not None:
                self._fail(exc)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            self.ready = False
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
