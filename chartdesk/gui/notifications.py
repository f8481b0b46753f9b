"""The window's one exception hook (as napari's ``NotificationManager.install_hooks``): an
exception that nothing caught, on the GUI thread or any other thread of the window, is logged
with its traceback (``chartdesk.logs``) and shown as one line in the status bar with the log
file named in its tooltip, instead of vanishing into a terminal nobody watches. ``uninstall``
puts the previous hooks back (the window does so when it closes).
"""
from __future__ import annotations

import logging
import sys
import threading

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class ExceptionHooks(QObject):
    sig_error = Signal(str, str)
    """(one line, its tooltip) for the status bar; queued from other threads."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._previous = None

    def install(self) -> None:
        if self._previous is not None:
            return
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self._on_exception
        threading.excepthook = lambda args: self._on_exception(args.exc_type, args.exc_value, args.exc_traceback)

    def uninstall(self) -> None:
        if self._previous is None:
            return
        sys.excepthook, threading.excepthook = self._previous
        self._previous = None

    def _on_exception(self, exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt) and self._previous is not None:
            self._previous[0](exc_type, exc, tb)
            return
        log.error("uncaught %s", exc_type.__name__, exc_info=(exc_type, exc, tb))
        from ..logs import log_file

        first = (str(exc).splitlines() or [""])[0]
        self.sig_error.emit(f"⚠ Internal error: {exc_type.__name__}: {first}"[:200],
                            f"The window goes on. The whole traceback is in {log_file()}")
