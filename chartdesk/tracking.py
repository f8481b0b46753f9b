"""The logging API for training scripts: ``chartdesk.init(...)`` returns a buffered ``Run``.

Points are buffered in memory and written by a background thread at least every
``flush_interval`` seconds, on ``close()`` and at interpreter exit; each flush is one store
transaction, so a process killed at any moment leaves every flushed point intact.

When the store cannot be written (a full disk, a PostgreSQL server down or not answering), the
points stay buffered and the thread keeps trying while the process lives, waiting longer
between tries (up to ``RETRY_MAX`` seconds). ``run.pending`` counts the points waiting and
``run.last_error`` says why; one line on stderr says so when it starts, at most every
``WARN_EVERY`` seconds while it lasts, and when it ends. Neither ``log`` nor ``close`` raises or
blocks for it: ``close()`` waits at most ``CHARTDESK_CLOSE_WAIT`` seconds (10) for its last write
and leaves the rest to the thread. A process that must exit (its end, an uncaught error,
SIGTERM) gives every run's last write that long again, then saves what is left in a recovery
file (``chartdesk.recovery``) that the next open of the store replays. Runs are independent at
exit: one that cannot finish (its experiment deleted by another process, its store down) keeps
no other from finishing. Imports neither Qt nor pyqtgraph.
"""
from __future__ import annotations

import atexit
import logging
import os
import signal
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from . import recovery
from .errors import InvalidInput, NotFound, StoreError
from .model import check_name, check_params, check_tags, short_repr
from .store import Store
from .store import points as P

log = logging.getLogger(__name__)

#: The states ``close()`` accepts (``running`` is not an end).
FINAL_STATES = ("succeeded", "failed", "aborted")
#: Seconds ``close()`` waits for its last write, and the process at exit for every run's.
CLOSE_WAIT_ENV = "CHARTDESK_CLOSE_WAIT"
CLOSE_WAIT = 10.0
#: The longest wait between two tries while the store cannot be written.
RETRY_MAX = 10.0
#: Seconds between two "cannot write" lines of one run while an outage lasts.
WARN_EVERY = 30.0
#: Seconds ``os.fork()`` waits for the flush threads' SQLite transactions to end.
FORK_WAIT = 10.0

_live_runs: set[Run] = set()  # runs not finished yet (closed or not); their threads keep them alive anyway
_runs_lock = threading.Lock()
_uncaught = False
_terminated = False
_exiting = False
_hook_lock = threading.Lock()


def _close_wait() -> float:
    try:
        wait = float(os.environ.get(CLOSE_WAIT_ENV, CLOSE_WAIT))
    except ValueError:
        return CLOSE_WAIT
    return min(max(wait, 0.0), 3600.0) if wait == wait else CLOSE_WAIT


def _install_uncaught_hook() -> None:
    """Note an uncaught exception (runs still open at exit are then marked failed) and hand it on
    to whatever hook was there. Installed by the first ``init()``: importing chartdesk changes no
    hook of the process."""
    import sys

    with _hook_lock:
        previous = sys.excepthook
        if getattr(previous, "_chartdesk", False):
            return

        def note_uncaught(exc_type, exc, tb):
            global _uncaught
            _uncaught = True
            previous(exc_type, exc, tb)

        note_uncaught._chartdesk = True  # type: ignore[attr-defined]
        sys.excepthook = note_uncaught
        _install_sigterm_handler()


def _install_sigterm_handler() -> None:
    """SIGTERM (a job scheduler, ``kill``) ends the process through its normal exit, exit code
    143: the runs are closed as ``aborted`` and their backlog written or saved. Only when SIGTERM
    still has its default action (a handler the script or a framework set is left alone) and
    only from the main thread."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return
    try:
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            signal.signal(signal.SIGTERM, _on_sigterm)
    except (ValueError, OSError):
        pass


def _on_sigterm(signum, _frame) -> None:
    global _terminated
    if _exiting or _terminated:
        return  # on the way out already
    _terminated = True
    raise SystemExit(128 + signum)


# ---- os.fork() -------------------------------------------------------------------------------
_fork_held: list[threading.Lock] = []


def _before_fork() -> None:
    """No flush may be inside an SQLite transaction at the fork: SQLite's in-process lock state
    is copied into the child, where a transaction caught open makes every connection the child
    opens wait for a lock nobody will release ("database is locked" after the busy timeout)."""
    deadline = time.monotonic() + FORK_WAIT
    with _runs_lock:
        runs = [r for r in _live_runs if r._sqlite]
    for run in runs:
        lock = run._write_lock
        if lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            _fork_held.append(lock)


def _after_fork_in_parent() -> None:
    while _fork_held:
        _fork_held.pop().release()


def _after_fork_in_child() -> None:
    """After ``os.fork()`` the runs belong to the parent: the child neither flushes nor closes
    them (that would write the parent's buffered points twice and end its run). The child's own
    stores get their own connections (``store.Store``'s fork hook) and its own ``init()`` runs
    their own threads."""
    global _exiting
    _after_fork_in_parent()
    with _runs_lock:
        runs = list(_live_runs)
        _live_runs.clear()
    for run in runs:
        run._disown()
    _exiting = False
    try:  # the child (a multiprocessing worker, say) dies of SIGTERM as it would have: it has no runs
        if signal.getsignal(signal.SIGTERM) is _on_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
    except (ValueError, OSError, AttributeError):
        pass


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


# ---- interpreter exit ------------------------------------------------------------------------
@atexit.register
def _close_all_at_exit() -> None:
    """Close every run at once (each one's last write on its own thread, so one failing or
    hanging keeps no other from finishing), wait ``CHARTDESK_CLOSE_WAIT`` seconds at most, and
    save what could not be written in recovery files. Never raises."""
    global _exiting
    _exiting = True
    with _runs_lock:
        runs = list(_live_runs)
    if not runs:
        return
    state = "aborted" if _terminated else "failed" if _uncaught else "succeeded"
    for run in runs:
        run._begin_close(state, exiting=True)
    deadline = time.monotonic() + _close_wait()
    for run in runs:
        run._thread.join(max(0.0, deadline - time.monotonic()))
    left = [run for run in runs if not run._done.is_set()]
    if left:
        try:
            _save_backlogs(left)
        except Exception as exc:  # noqa: BLE001 - the last words of the process: one line, no traceback
            log.warning("chartdesk: could not save the points of %d runs not written: %s", len(left), exc)


def _save_backlogs(runs: list[Run]) -> None:
    groups: dict[str | None, list[tuple[Run, recovery.Backlog]]] = {}
    for run in runs:
        groups.setdefault(recovery.store_key(run._store), []).append((run, run._abandon()))
    for key, items in groups.items():
        store = items[0][0]._store
        where = store.describe()
        if key is None:
            for run, b in items:
                log.warning("chartdesk: %d points of run %s/%s are lost: they could not be written to %s (%s) and an "
                            "in-memory store cannot be recovered", b.points, b.project, b.experiment, where, run._why())
            continue
        try:
            path = recovery.save(key, store.path, [b for _, b in items])
        except OSError as exc:
            for run, b in items:
                log.warning("chartdesk: %d points of run %s/%s are lost: they could not be written to %s (%s) nor saved "
                            "in a recovery file (%s)", b.points, b.project, b.experiment, where, run._why(), exc)
            continue
        for run, b in items:
            log.warning("chartdesk: %d points of run %s/%s could not be written to %s (%s); saved in %s, and the next "
                        "open of the store writes them (and marks the run %s)", b.points, b.project, b.experiment,
                        where, run._why(), path, b.state)


class _Channel:
    """A channel's buffer: scalars from ``log`` in lists (cheap appends), arrays from
    ``log_many`` kept as arrays (no per-point Python objects); ``parts`` keeps the logged order."""

    __slots__ = ("x", "y", "t", "parts", "next_step")

    def __init__(self, next_step: int) -> None:
        self.x: list[float] = []
        self.y: list[float] = []
        self.t: list[float] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self.next_step = next_step

    def seal(self) -> None:
        """Turn the pending scalars into an array part, after the parts before them."""
        if self.x:
            n = len(self.t)
            if not len(self.x) == len(self.y) == n:  # a log() cut short by a signal: drop its half point
                del self.x[n:], self.y[n:]
            self.parts.append((np.array(self.x), np.array(self.y), np.array(self.t)))
            self.x, self.y, self.t = [], [], []

    def take(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        self.seal()
        if not self.parts:
            return None
        parts, self.parts = self.parts, []
        if len(parts) == 1:
            return parts[0]
        return tuple(np.concatenate([p[i] for p in parts]) for i in range(3))

    def count(self) -> int:
        return len(self.t) + sum(len(p[0]) for p in self.parts)


Batch = dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]


class Run:
    """One experiment being written by a training script.

    ``pending``: the points logged and not yet in the store; ``last_error``: why the last write
    failed (None when it worked). A run cannot be pickled: another process calls ``chartdesk.init``
    with the same project, experiment and store instead."""

    def __init__(self, project: str, experiment: str | None = None, *, db=None,
                 params: Mapping[str, Any] | None = None, tags: Iterable[str] = (),
                 flush_interval: float = 0.25) -> None:
        if experiment is None:
            experiment = time.strftime("run-%Y%m%d-%H%M%S")
        self.project = check_name("project", project)
        self.experiment = check_name("experiment", experiment)
        params = check_params(params)
        tags = check_tags(tags)
        try:
            interval = float(flush_interval)
        except (TypeError, ValueError):
            interval = float("nan")
        if not 0.01 <= interval <= 3600:
            raise InvalidInput(f"flush_interval must be a number of seconds from 0.01 to 3600, "
                               f"not {short_repr(flush_interval)}")
        self._store = db if isinstance(db, Store) else Store(db)
        self._owns_store = not isinstance(db, Store)
        try:
            self._store.create_experiment(project, experiment, params=params, tags=tags, state="running")
            infos = self._store.channel_infos(project, experiment)
        except BaseException:
            if self._owns_store:
                self._store.close()
            raise
        self._channels: dict[str, _Channel] = {c.name: _Channel(c.count) for c in infos}
        self._stored = {c.name: c.count for c in infos}  # each channel's count in the store, as last seen
        self._x_names: dict[str, str] = {}  # what log(..., x_name=) said a channel's x is; sent with its points
        self._sqlite = self._store.url.get_backend_name() == "sqlite"
        self._lock = threading.Lock()        # the buffers and the state below
        self._write_lock = threading.Lock()  # one write to the store at a time
        self._cond = threading.Condition()   # close() waits on it for the thread's last write
        self._closed = False                 # close() was called: log() refuses
        self._final: tuple[str, float] | None = None  # the state close() asked for, and when
        self._exiting = False                # the process exits: one last try, then the recovery file
        self._abandoned = False              # the backlog went to a recovery file (or we are a forked child)
        self._done = threading.Event()       # closed, written and marked (or given up)
        self._final_tries = 0                # the thread's tries since close()
        self._requested = self._served = 0   # flush() requests, and the last one a try has served
        self._served_ok = True
        self._inflight: Batch | None = None  # the batch being written
        self._retry: Batch | None = None     # the batch whose write failed: in the store or not, as a whole
        self._orphaned = False               # the experiment is gone from the store
        self._error: str | None = None
        self._failing_since: float | None = None
        self._warned_at = 0.0
        self._interval = interval
        self._backoff = interval
        self._close_wait = _close_wait()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._flush_loop, name=f"chartdesk-flush-{experiment}", daemon=True)
        with _runs_lock:
            _live_runs.add(self)
        self._thread.start()

    # ---- logging ---------------------------------------------------------------------------
    def _channel(self, name: str) -> _Channel:
        check_name("channel", name)
        ch = self._channels.get(name)
        if ch is None:
            ch = self._channels[name] = _Channel(0)
        return ch

    def _say_x(self, name: str, x_name: str) -> None:
        if self._x_names.get(name) != x_name:
            self._x_names[name] = check_name(f"{self.experiment}/{name}: x", x_name)

    def log(self, name: str, value: float, step: float | None = None, *, x_name: str | None = None) -> None:
        """Log one value; ``step`` defaults to the channel's next index (0, 1, 2, ...). ``x_name``
        says what the step is ("epoch", "tokens"): charts name their x axis by it (said once is
        enough; it stays with the channel)."""
        try:
            v = float(value)
            s = None if step is None else float(step)
        except (TypeError, ValueError, OverflowError):
            raise InvalidInput(f"{self.experiment}/{name}: value {short_repr(value)} and step {short_repr(step)} "
                               "must be numbers (a float64 each)") from None
        now = time.time()
        with self._lock:
            if self._closed:
                raise InvalidInput(f"run {self.experiment!r} is closed; cannot log {name!r}")
            ch = self._channels.get(name) if type(name) is str else None
            if ch is None:
                ch = self._channel(name)
            if x_name is not None:
                self._say_x(name, x_name)
            if s is None:
                s = ch.next_step
            ch.next_step += 1
            ch.x.append(s)
            ch.y.append(v)
            ch.t.append(now)

    def log_many(self, name: str, steps, values, *, x_name: str | None = None) -> None:
        """Log arrays of steps and values (equal length) in one go; ``x_name`` as in ``log``."""
        xs = P.as_points(steps, f"steps of {name!r}")
        ys = P.as_points(values, f"values of {name!r}")
        if len(xs) != len(ys):
            raise InvalidInput(f"{self.experiment}/{name}: {len(xs)} steps but {len(ys)} values")
        now = time.time()
        with self._lock:
            if self._closed:
                raise InvalidInput(f"run {self.experiment!r} is closed; cannot log {name!r}")
            ch = self._channel(name)
            if x_name is not None:
                self._say_x(name, x_name)
            ch.seal()
            ch.parts.append((xs.copy(), ys.copy(), np.full(len(xs), now)))
            ch.next_step += len(xs)

    @property
    def pending(self) -> int:
        """How many logged points are not in the store yet (buffered, or being written)."""
        with self._lock:
            n = sum(ch.count() for ch in self._channels.values())
            for batch in (self._inflight, self._retry):
                if batch:
                    n += sum(len(x) for x, _, _ in batch.values())
            return n

    @property
    def last_error(self) -> str | None:
        """Why the last write to the store failed, or None when it worked."""
        return self._error

    # ---- writing ---------------------------------------------------------------------------
    def flush(self) -> None:
        """Write every buffered point now (one transaction, on the run's thread). When the store
        cannot be written, or does not answer within ``CHARTDESK_CLOSE_WAIT`` seconds, this
        raises a one-line StoreError and keeps the points: the thread goes on trying."""
        if not self._thread.is_alive() or threading.current_thread() is self._thread:
            with self._write_lock:  # a finished run (nothing left to write) or a forked child's
                self._write_once()
            return
        with self._cond:
            self._requested += 1
            wanted = self._requested
        self._wake.set()
        wait = max(self._close_wait, 1.0)
        with self._cond:
            served = self._cond.wait_for(lambda: self._served >= wanted or self._done.is_set(), timeout=wait)
            ok = self._served_ok or self._done.is_set()
        if not served:
            raise StoreError(f"run {self.project}/{self.experiment}: {self._store.describe()} has not answered in "
                             f"{wait:g} s; {self.pending} points pending, retried in the background")
        if not ok:
            raise StoreError(f"run {self.project}/{self.experiment}: cannot write to {self._store.describe()} "
                             f"({self._error}); {self.pending} points pending, retried in the background")

    def _write_once(self) -> None:
        """One transaction of every buffered point (the caller holds ``_write_lock``).

        A batch whose write failed is kept apart (``_retry``): the server may have committed it
        although the answer never came back (a connection cut around COMMIT), so before it is sent
        again each of its channels is looked for in the store (its last point, bit for bit, where
        the channel stood before it), as a replay does, and left out when it is there."""
        retry = self._retry
        found: list[str] = []
        if retry and not self._orphaned:
            counts = {c.name: c.count for c in self._store.channel_infos(self.project, self.experiment)}
            found = [name for name, (x, y, t) in retry.items()
                     if recovery.already_written(self._store, self.project, self.experiment, name, x, y, t,
                                                 self._stored.get(name, 0), counts)]
        with self._lock:
            if self._abandoned:
                return
            retry, self._retry = self._retry, None
            if retry:
                for name in found:
                    del retry[name]
                    self._stored[name] = counts[name]
            batch = dict(retry or {})
            for name, ch in self._channels.items():
                taken = ch.take()
                if taken is None:
                    continue
                before = batch.get(name)
                batch[name] = taken if before is None else tuple(np.concatenate([before[i], taken[i]]) for i in range(3))
            if not batch:
                return
            self._inflight = batch
            orphaned = self._orphaned
            x_names = {n: self._x_names[n] for n in batch if n in self._x_names}
        if orphaned:  # the experiment is gone: said once, the points are not kept
            with self._lock:
                self._inflight = None
            return
        try:
            counts = self._store.append_many(self.project, self.experiment, batch, x_names=x_names)
        except NotFound as exc:
            self._orphan(exc)
            raise
        except BaseException:
            with self._lock:
                if self._inflight is batch:  # not taken into a recovery file meanwhile
                    self._retry, self._inflight = batch, None
            raise
        with self._lock:
            if self._inflight is batch:
                self._inflight = None
            self._stored.update(counts)

    def _orphan(self, exc: Exception) -> None:
        with self._lock:
            lost = sum(ch.count() for ch in self._channels.values())
            if self._inflight:
                lost += sum(len(x) for x, _, _ in self._inflight.values())
            if self._retry:
                lost += sum(len(x) for x, _, _ in self._retry.values())
            for ch in self._channels.values():
                ch.take()
            self._inflight = self._retry = None
            first, self._orphaned = not self._orphaned, True
            self._error = str(exc)
        if first:
            log.warning("chartdesk: run %s/%s: its experiment is no longer in %s (deleted or renamed by another "
                        "process); %d points were not written, nor will later ones be", self.project, self.experiment,
                        self._store.describe(), lost)

    def _attempt(self, final: bool) -> bool:
        """The thread's try: write the buffers and, when closing and all is written, the state."""
        try:
            with self._write_lock:
                self._write_once()
                if final and not self._done.is_set():
                    with self._lock:
                        left = sum(ch.count() for ch in self._channels.values()) + bool(self._retry)
                    if not left:
                        if not self._orphaned:
                            state, finished = self._final
                            self._store.set_state(self.project, self.experiment, state, finished=finished)
                        self._done.set()
        except NotFound as exc:
            self._orphan(exc)
            if final:
                self._done.set()
            return True
        except Exception as exc:  # reported (rate-limited), retried later; never kills training
            self._note_failure(exc)
            return False
        self._note_success()
        return True

    def _note_failure(self, exc: Exception) -> None:
        now = time.monotonic()
        self._error = " ".join(str(exc).split()) or type(exc).__name__
        first = self._failing_since is None
        if first:
            self._failing_since = now
        if self._exiting or not (first or now - self._warned_at >= WARN_EVERY):
            return  # at exit, the line that says where the points went says why
        self._warned_at = now
        log.warning("chartdesk: %s write run %s/%s to %s (%s); %d points pending (run.pending), retried in the "
                    "background", "cannot" if first else "still cannot", self.project, self.experiment,
                    self._store.describe(), self._error, self.pending)

    def _note_success(self) -> None:
        if self._failing_since is not None:
            log.warning("chartdesk: run %s/%s written to %s again after %.0f s; %d points pending", self.project,
                        self.experiment, self._store.describe(), time.monotonic() - self._failing_since, self.pending)
            self._failing_since = None
        self._error = None
        self._backoff = self._interval

    def _why(self) -> str:
        return self._error or f"it did not answer in {self._close_wait:g} s"

    def _flush_loop(self) -> None:
        delay = self._interval
        while True:
            self._wake.wait(delay)
            self._wake.clear()
            if self._abandoned:
                return
            final, exiting = self._closed, self._exiting
            with self._cond:
                wanted = self._requested
            ok = self._attempt(final)
            with self._cond:
                self._served, self._served_ok = wanted, ok
                self._final_tries += final
                self._cond.notify_all()
            if self._done.is_set():
                self._finish()
                return
            if exiting or self._abandoned:
                return
            if ok:
                delay = self._interval
            else:
                self._backoff = delay = min(RETRY_MAX, max(2 * self._backoff, 0.5))

    def _finish(self) -> None:
        with self._cond:
            self._cond.notify_all()
        with _runs_lock:
            _live_runs.discard(self)
        if self._owns_store:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001 - the points and the state are written; nothing to lose
                pass

    # ---- closing ---------------------------------------------------------------------------
    def close(self, state: str = "succeeded") -> None:
        """Write what is buffered, mark the experiment finished (``succeeded`` unless told:
        ``failed`` or ``aborted``) and release the store.

        Waits at most ``CHARTDESK_CLOSE_WAIT`` seconds (10) for that. When the store cannot be
        written it says so in one line on stderr and returns: the points stay ``pending``, retried
        in the background while the process lives, and saved in a recovery file for the next
        open of the store if it exits first. Another ``state`` raises InvalidInput, after
        closing the run as ``failed``."""
        bad = not isinstance(state, str) or state not in FINAL_STATES
        if self._begin_close("failed" if bad else state):
            self._wait_closed()
        if bad:
            raise InvalidInput(f"close(state={short_repr(state)}): the state must be one of {', '.join(FINAL_STATES)}; "
                               f"run {self.project}/{self.experiment} was closed as {self._final[0]}")

    def _begin_close(self, state: str, exiting: bool = False) -> bool:
        with self._lock:
            started = not self._closed
            if started:
                self._closed = True
                self._final = (state, time.time())
            if exiting:
                self._exiting = True
        self._wake.set()
        return started

    def _wait_closed(self) -> None:
        with self._cond:
            self._cond.wait_for(lambda: self._done.is_set() or self._final_tries > 0, timeout=self._close_wait)
        if self._done.is_set():
            self._thread.join(self._close_wait)  # it releases the store
            return
        log.warning("chartdesk: run %s/%s closed with %d points pending: cannot write them to %s (%s); retried in "
                    "the background while this process runs, and saved for the next open of the store if it exits "
                    "first", self.project, self.experiment, self.pending, self._store.describe(), self._why())

    def _abandon(self) -> recovery.Backlog:
        """At exit: take everything not written (the batch in flight first: written or not, as
        a whole) for the recovery file; the thread, if it ever returns, keeps nothing."""
        with self._lock:
            self._abandoned = True
            segments = [dict(b) for b in (self._inflight, self._retry) if b]  # each written whole or not at all
            rest = {name: taken for name, ch in self._channels.items() if (taken := ch.take()) is not None}
            if rest:
                segments.append(rest)
            self._inflight = self._retry = None
            hints = dict(self._stored)
        state, finished = self._final or ("succeeded", time.time())
        return recovery.Backlog(self.project, self.experiment, state, finished, segments, hints)

    def _disown(self) -> None:
        """In a forked child: drop the buffers, and never write or close through this run."""
        self._lock = threading.Lock()  # the parent's flush thread may have held it at the fork
        self._write_lock = threading.Lock()
        self._cond = threading.Condition()
        self._closed = True
        self._abandoned = True
        self._channels = {}
        self._inflight = self._retry = None
        self._owns_store = False
        self._done.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a chartdesk Run cannot be pickled (it holds a store connection and a writer thread): "
                        f"pass project={self.project!r}, experiment={self.experiment!r} and the store's location "
                        "to the other process, and call chartdesk.init(...) there")

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(state="aborted" if _terminated else "failed" if exc_type is not None else "succeeded")


def init(project: str, experiment: str | None = None, db=None, params: Mapping[str, Any] | None = None,
         tags: Iterable[str] = (), flush_interval: float = 0.25) -> Run:
    """Start (or resume) an experiment and return its ``Run``."""
    _install_uncaught_hook()
    return Run(project, experiment, db=db, params=params, tags=tags, flush_interval=flush_interval)
