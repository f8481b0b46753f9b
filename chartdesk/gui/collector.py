"""When Python's full garbage collections run: between gestures, not in them.

A full collection walks every tracked object; with a window of 12 charts x 20 runs that took
29-35 ms (measured in ``gui_bench.py``'s linked pan), a dropped frame or two wherever it fell, and
CPython starts one whenever enough objects have survived the younger collections, so in the
middle of a pan or a crosshair sweep as often as not. ``Collector`` leaves the young
generations to CPython (they take well under a millisecond) and runs the full collection itself
when the pointer has rested and no gesture was told (``touched``: the charts' pointer moves,
wheel and drags) for ``REST_S`` (at most every ``FULL_EVERY_S``), or after ``FORCE_AFTER_S``
however busy the window is, so garbage in cycles is never kept for long.
"""
from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QCursor, QGuiApplication

FULL_EVERY_S = 10.0
FORCE_AFTER_S = 60.0
REST_S = 1.0
CHECK_MS = 1000
#: CPython's third threshold: full collections after this many of the second generation's.
#: High enough that CPython never reaches it between two of ours.
NEVER = 1_000_000


_touched = [0.0]  # when a gesture was last told (time.monotonic)


def touched() -> None:
    """A gesture is under way (a pointer move, wheel or drag over a chart): no full collection
    for a while. Cheap enough for every mouse move."""
    _touched[0] = time.monotonic()


class Collector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(CHECK_MS)
        self._timer.timeout.connect(self.check)
        self._pointer = None
        self._last = time.monotonic()
        self._threshold: tuple[int, int, int] | None = None
        self.full_collections = 0  # run by this collector (tests, benchmarks)

    def start(self) -> None:
        """Take the full collections over from CPython (``stop`` gives them back)."""
        if self._threshold is None:
            self._threshold = gc.get_threshold()
            gc.set_threshold(self._threshold[0], self._threshold[1], NEVER)
        self._last = time.monotonic()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def check(self) -> None:
        """The timer's tick: a full collection now if the pointer rests (or it is overdue)."""
        pointer = QCursor.pos()
        now = time.monotonic()
        resting = (pointer == self._pointer and now - _touched[0] >= REST_S
                   and QGuiApplication.mouseButtons() == Qt.MouseButton.NoButton)
        self._pointer = pointer
        since = now - self._last
        if (resting and since >= FULL_EVERY_S) or since >= FORCE_AFTER_S:
            self.collect()

    def collect(self) -> None:
        gc.collect()
        self.full_collections += 1
        self._last = time.monotonic()
