"""The one way work on other threads hands results to the GUI thread: ``ToGui.call(fn, *args)``
from any thread (a loader thread, an executor's callback, an import task) runs ``fn(*args)`` on
the thread that made the ``ToGui`` (the GUI thread), through a queued Qt signal. A call that
arrives after its ``ToGui`` was destroyed (the window closed) is dropped by Qt, never run.
Arguments cross as Python objects (``object`` signals: Qt does not convert them).
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal


class ToGui(QObject):
    _sig_call = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sig_call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def call(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` on the GUI thread, after the current turn of its event loop."""
        self._sig_call.emit(fn, args)

    @staticmethod
    def _run(fn: Callable, args: tuple) -> None:
        fn(*args)
