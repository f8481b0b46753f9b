"""The logging API for training scripts: ``chartdesk.init(...)`` returns a buffered ``Run``.

Points are buffered in memory and written by a background thread at least every
``flush_interval`` seconds, on ``close()`` and at interpreter exit; each flush is one SQLite
transaction, so a process killed at any moment leaves every flushed point intact. Imports
neither Qt nor pyqtgraph.
"""
from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from .errors import InvalidInput
from .model import check_name, check_params, check_tags, short_repr
from .store import Store
from .store import points as P

_live_runs: weakref.WeakSet[Run] = weakref.WeakSet()
_uncaught = False


_hook_lock = threading.Lock()


def _install_uncaught_hook() -> None:
    """Note an uncaught exception (runs still open at exit are then marked failed) and hand it on
    to whatever hook was there. Installed by the first ``init()``: importing chartdesk changes no
    hook of the process."""
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


def _forget_runs_in_child() -> None:
    """After ``os.fork()`` the runs belong to the parent: the child neither flushes nor closes
    them (that would write the parent's buffered points twice and end its run)."""
    for run in list(_live_runs):
        run._disown()
    _live_runs.clear()


os.register_at_fork(after_in_child=_forget_runs_in_child)


@atexit.register
def _close_all_at_exit() -> None:
    for run in list(_live_runs):
        run.close(state="failed" if _uncaught else "succeeded")


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


class Run:
    """One experiment being written by a training script."""

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
        self._store.create_experiment(project, experiment, params=params, tags=tags, state="running")
        self._channels: dict[str, _Channel] = {
            c.name: _Channel(c.count) for c in self._store.channel_infos(project, experiment)}
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._closed = False
        self._interval = interval
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._flush_loop, name=f"chartdesk-flush-{experiment}", daemon=True)
        self._thread.start()
        _live_runs.add(self)

    # ---- logging ---------------------------------------------------------------------------
    def _channel(self, name: str) -> _Channel:
        check_name("channel", name)
        ch = self._channels.get(name)
        if ch is None:
            ch = self._channels[name] = _Channel(0)
        return ch

    def log(self, name: str, value: float, step: float | None = None) -> None:
        """Log one value; ``step`` defaults to the channel's next index (0, 1, 2, ...)."""
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
            if s is None:
                s = ch.next_step
            ch.next_step += 1
            ch.x.append(s)
            ch.y.append(v)
            ch.t.append(now)

    def log_many(self, name: str, steps, values) -> None:
        """Log arrays of steps and values (equal length) in one go."""
        xs = P.as_points(steps, f"steps of {name!r}")
        ys = P.as_points(values, f"values of {name!r}")
        if len(xs) != len(ys):
            raise InvalidInput(f"{self.experiment}/{name}: {len(xs)} steps but {len(ys)} values")
        now = time.time()
        with self._lock:
            if self._closed:
                raise InvalidInput(f"run {self.experiment!r} is closed; cannot log {name!r}")
            ch = self._channel(name)
            ch.seal()
            ch.parts.append((xs.copy(), ys.copy(), np.full(len(xs), now)))
            ch.next_step += len(xs)

    # ---- flushing --------------------------------------------------------------------------
    def _take(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        with self._lock:
            batch = {}
            for name, ch in self._channels.items():
                taken = ch.take()
                if taken is not None:
                    batch[name] = taken
            return batch

    def flush(self) -> None:
        """Write every buffered point now (one transaction)."""
        with self._write_lock:
            batch = self._take()
            if not batch:
                return
            try:
                self._store.append_many(self.project, self.experiment, batch)
            except Exception:
                with self._lock:  # keep the points for the next try, in order
                    for name, (x, y, t) in batch.items():
                        ch = self._channels[name]
                        ch.seal()
                        ch.parts.insert(0, (x, y, t))
                raise

    def _flush_loop(self) -> None:
        while not self._wake.wait(self._interval):
            try:
                self.flush()
            except Exception as exc:  # reported, retried next time; never kills training
                print(f"chartdesk: could not write {self.experiment}: {exc}", file=sys.stderr)

    # ---- closing ---------------------------------------------------------------------------
    def close(self, state: str = "succeeded") -> None:
        """Flush, mark the experiment finished (``succeeded`` unless told otherwise) and release."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        if self._thread is not threading.current_thread():
            self._thread.join()
        _live_runs.discard(self)
        try:
            self.flush()
            self._store.set_state(self.project, self.experiment, state)
        finally:
            if self._owns_store:
                self._store.close()

    def _disown(self) -> None:
        """In a forked child: drop the buffers, and never write or close through this run."""
        self._lock = threading.Lock()  # the parent's flush thread may have held it at the fork
        self._write_lock = threading.Lock()
        self._closed = True
        self._channels = {}
        self._owns_store = False

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> Run:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(state="failed" if exc_type is not None else "succeeded")


def init(project: str, experiment: str | None = None, db=None, params: Mapping[str, Any] | None = None,
         tags: Iterable[str] = (), flush_interval: float = 0.25) -> Run:
    """Start (or resume) an experiment and return its ``Run``."""
    _install_uncaught_hook()
    return Run(project, experiment, db=db, params=params, tags=tags, flush_interval=flush_interval)
