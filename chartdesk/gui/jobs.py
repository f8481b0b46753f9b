"""One panel's background work on the window's one pool (``chartdesk.app.pool.WorkerPool.run``):
``Jobs.start(fn, *args)`` runs ``fn(store, *args)`` in a worker process (or on the pool's thread
while there are none) and hands ``done(result, error)`` to the GUI thread through ``ToGui``. Only
the latest job's answer is shown: a newer ``start`` or ``cancel`` (the panel closed) drops the
ones before, and an answer that arrives after the panel is gone is dropped by Qt.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future

import shiboken6
from PySide6.QtCore import QObject

from ..errors import ChartDeskError
from .bridge import ToGui

log = logging.getLogger(__name__)


class Jobs(QObject):
    def __init__(self, pool, parent: QObject) -> None:
        super().__init__(parent)
        self.pool = pool
        self._to_gui = ToGui(self)
        self._gen = 0
        self._future: Future | None = None

    @property
    def busy(self) -> bool:
        """A job was started whose answer has not been handed over (nor dropped)."""
        return self._future is not None

    def start(self, done: Callable, what: str, fn: Callable, *args, wait_s: float = 0.0) -> None:
        """``fn(store, *args)`` on the pool; ``done(result, "")`` on the GUI thread, or
        ``done(None, why)`` in one line when it raised (``what`` names the work in that line)."""
        self.cancel()
        gen = self._gen
        future = self._future = self.pool.run(fn, *args, wait_s=wait_s)
        to_gui = self._to_gui

        def finished(f: Future) -> None:  # on a thread of the pool
            if f.cancelled():
                return
            exc = f.exception()
            if exc is None:
                result, why = f.result(), ""
            elif isinstance(exc, ChartDeskError):
                result, why = None, str(exc)
            else:  # a worker always answers: logged, and said in one line
                log.error("%s failed", what, exc_info=exc)
                result, why = None, f"{what} failed: {type(exc).__name__}: {exc}"
            try:
                if shiboken6.isValid(to_gui):
                    to_gui.call(self._hand_over, gen, done, result, why)
            except RuntimeError:  # the panel went in the meantime: nobody to tell
                pass

        future.add_done_callback(finished)

    def _hand_over(self, gen: int, done: Callable, result, why: str) -> None:
        if gen != self._gen:
            return  # an answer to an older question, or to a closed panel
        self._future = None
        done(result, why)

    def cancel(self) -> None:
        """Drop the job under way: its answer is never handed over (not started yet: never started)."""
        self._gen += 1
        if self._future is not None:
            self._future.cancel()
            self._future = None
