"""The window's one pool of worker processes, shared by chart views and the runs table's rows.

Work handed to a thread of the window's process competes with the GUI thread for the GIL (see
``chartdesk.offload``), so reads that take long go to processes of their own: ``spawn``ed (no
Qt is imported there), each opening the store once and ending with the window, also when the
window is killed. One pool serves every kind of work (two pools each opening the store cost a
process start each); ``submit`` returns None while the pool is not ready (not started, still
starting, failed or broken), and the caller then does the work on a thread, where it is cheaper
anyway for small jobs. ``run`` does both for the caller: a worker process when ready, else the
pool's one thread (the sweep views, the run diff and the importance hand their work to it).
``warm`` sends a function that warms a process (an import the first job would wait for) to the
processes once they are up, never to a thread of the window. ``probe`` runs short reads (the
window's poll of the store's change token) on a thread of their own, so that they never wait
behind a long job, nor hold the GUI thread for their queries. ``WriteLane`` is the session's
one writer: edits' store writes, one at a time in the order they were made, on a thread of their
own (a write may wait up to the store's busy timeout for another process's write lock).

``CHARTDESK_LOADER_PROCESSES`` sets how many processes (0: threads only); the default is one
core less than the machine has, at least 1, at most 2.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
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
        self._thread: ThreadPoolExecutor | None = None  # ``run``'s work while there are no processes
        self._probe: ThreadPoolExecutor | None = None  # ``probe``'s short reads
        self._warm: list = []  # ``warm``'s functions, sent to each process as it is up
        #: The session's one writer of edits (``Session(store, pool.writes)``).
        self.writes = WriteLane()
        self._closed = False
        if self.failed:
            self._settled.set()

    @property
    def started(self) -> bool:
        """It was started (and may have failed since); a pool of no processes never is."""
        return self._pool is not None or (bool(self.failed) and self.count > 0)

    def start(self) -> None:
        """Start every process now (each opens the store); ``ready`` once one has."""
        with self._lock:
            if self._pool is not None or self.failed or self._closed:
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
            for fn in self._warm:
                self._pool.submit(offload.call_in_worker, fn)

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

    def run(self, fn, *args, wait_s: float = 0.0) -> Future:
        """``fn(store, *args)`` (a module-level function: it is sent by name) in a worker process
        when the pool is ready, else on the pool's one thread with the window's store, after
        waiting there up to ``wait_s`` for the processes to start (a long job is worth the wait);
        a job whose process died is done again on that thread. Its Future either way."""
        future = self.submit(offload.call_in_worker, fn, *args)
        if future is None:
            return self._on_thread(self._relay, fn, args, wait_s)
        out: Future = Future()
        out.add_done_callback(lambda o: o.cancelled() and future.cancel())  # dropped: never started

        def done(f: Future) -> None:  # on the executor's thread
            if f.cancelled():
                out.cancel()
            elif isinstance(f.exception(), BrokenProcessPool):
                self.broke(f.exception())
                self._on_thread(fn, self._store, *args).add_done_callback(lambda g: _copy(g, out))
            else:
                _copy(f, out)
        future.add_done_callback(done)
        return out

    def _relay(self, fn, args, wait_s: float):
        """On the pool's thread: in a process after all, once they are up, else here."""
        if wait_s > 0 and self.count > 0 and self.wait_ready(wait_s):
            future = self.submit(offload.call_in_worker, fn, *args)
            if future is not None:
                try:
                    return future.result()
                except BrokenProcessPool as exc:  # the process died under it: here then
                    self.broke(exc)
        return fn(self._store, *args)

    def _on_thread(self, fn, *args) -> Future:
        with self._lock:
            if self._closed:  # the window is closing: nothing starts
                future: Future = Future()
                future.cancel()
                return future
            if self._thread is None:
                self._thread = ThreadPoolExecutor(1, thread_name_prefix="chartdesk-pool")
            return self._thread.submit(fn, *args)

    def warm(self, fn) -> None:
        """``fn(store)`` (module-level, quick: it starts its work on a thread of the process) in
        each worker process, now for those up and as each comes up (the pool is started); once
        per function; never on a thread of the window."""
        with self._lock:
            if fn in self._warm or self._closed:
                return
            self._warm.append(fn)
            if self.ready and self._pool is not None:
                for _ in range(max(len(self.pids), 1)):
                    try:
                        self._pool.submit(offload.call_in_worker, fn)
                    except RuntimeError:  # broken or shut down: nothing to warm
                        break
        self.start()

    def probe(self, fn, *args) -> Future:
        """``fn(*args)``, a short read of the window's store (its change token), on the pool's
        probe thread; a cancelled Future once the pool is shut down."""
        with self._lock:
            if self._closed:
                future: Future = Future()
                future.cancel()
                return future
            if self._probe is None:
                self._probe = ThreadPoolExecutor(1, thread_name_prefix="chartdesk-probe")
            return self._probe.submit(fn, *args)

    def broke(self, exc: BaseException) -> None:
        """A worker died under a job: the pool is not used again."""
        with self._lock:
            if self._pool is not None:
                self._fail(exc)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            thread, self._thread = self._thread, None
            probe, self._probe = self._probe, None
            self.ready, self._closed = False, True
            self._settled.set()  # a job waiting for the processes works on without them
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        # Edits not written yet (the window waited for them first) finish on their thread: the
        # process ends once they are written.
        self.writes.shutdown(timeout=0)
        for executor in (thread, probe):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)


class WriteLane:
    """One thread that runs store writes one at a time, first in first out (so that edits, undos
    and redos reach the store in the order they were made). The store's engine hands each thread
    a connection of its own (SQLite and PostgreSQL alike), so the lane uses the window's store."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._pending = 0
        self._idle = threading.Event()
        self._idle.set()
        self._closed = False

    @property
    def busy(self) -> bool:
        """A write was submitted that has not finished."""
        return not self._idle.is_set()

    def submit(self, fn, *args: Any) -> Future:
        """``fn(*args)`` after every write submitted before it; a cancelled Future once closed."""
        with self._lock:
            if self._closed:
                future: Future = Future()
                future.cancel()
                return future
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="chartdesk-writes")
            self._pending += 1
            self._idle.clear()
            future = self._executor.submit(fn, *args)
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future) -> None:
        with self._lock:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every submitted write has finished (at most ``timeout`` s); whether they have."""
        return self._idle.wait(timeout)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Take no more writes; wait (at most ``timeout`` s) for those submitted to finish. Whether
        they did (a write still waiting for another process's lock goes on on its thread)."""
        with self._lock:
            self._closed = True
            executor = self._executor
        done = self.wait(timeout)
        if executor is not None:
            executor.shutdown(wait=done)
        return done


def _copy(src: Future, dst: Future) -> None:
    """``dst`` ends as ``src`` did."""
    if src.cancelled() or not dst.set_running_or_notify_cancel():
        dst.cancel()
        return
    exc = src.exception()
    if exc is not None:
        dst.set_exception(exc)
    else:
        dst.set_result(src.result())
