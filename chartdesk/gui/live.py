"""How the window hears that the store changed: the store's change feed (PostgreSQL LISTEN/NOTIFY)
on a thread of its own, or, for SQLite, a poll of the change token.

``LiveUpdates`` owns both. It emits ``sig_check`` when the window should re-read the store's
change token (cheap; the catalog is re-read only when it moved) and ``sig_status`` with a short
line for the status bar and the whole reason for its tooltip when the feed is lost ("" when
back). While a feed is down its thread polls the change token itself, so a server that stops
answering never blocks the GUI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer, Signal

#: SQLite: one aggregate query every 100 ms; the catalog is re-read only on change.
POLL_MS = 100
#: PostgreSQL with a working feed: a rare safety poll only.
SAFETY_POLL_MS = 5000
#: PostgreSQL while the feed is down: the fallback poll (on the feed's thread), and how often to
#: try to reconnect.
FALLBACK_POLL_MS = 1000
RECONNECT_S = 2.0
#: Notifications that arrive together are answered by one check.
COALESCE_MS = 30


class _FeedThread(QThread):
    """Listens on the feed; while it is down, polls the store's change token itself every second
    (``probe``), so the GUI thread never waits on a server that does not answer."""

    sig_changed = Signal(list)  # project names ([] from the fallback poll)
    sig_connected = Signal(bool, str)  # up?, why not

    def __init__(self, feed, probe, parent=None) -> None:
        super().__init__(parent)
        self.feed = feed
        self.probe = probe

    def run(self) -> None:
        from ..errors import ChartDeskError
        from ..store.feed import FeedLost

        up = None
        token = None
        while not self.isInterruptionRequested():
            try:
                if not self.feed.connected:
                    self.feed.connect()
                if up is not True:
                    up = True
                    self.sig_connected.emit(True, "")
                got = self.feed.wait(0.25)
                if got:
                    self.sig_changed.emit(sorted(got))
            except FeedLost as exc:
                if up is not False:
                    up = False
                    self.sig_connected.emit(False, str(exc))
                steps = int(RECONNECT_S * 1000 / 50)
                for i in range(steps):
                    if self.isInterruptionRequested():
                        break
                    if i % (FALLBACK_POLL_MS // 50) == 0:  # the fallback poll
                        try:
                            now = self.probe()
                        except ChartDeskError:
                            now = token  # the server does not answer either: nothing to re-read
                        if token is not None and now != token:
                            self.sig_changed.emit([])
                        token = now
                    self.msleep(50)
        self.feed.close()


class LiveUpdates(QObject):
    sig_check = Signal()
    sig_status = Signal(str, str)  # status-bar line, its tooltip

    def __init__(self, store, project=lambda: None, parent=None) -> None:
        """``project``: the project the window shows now (read by the feed thread's fallback poll)."""
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.sig_check)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(COALESCE_MS)
        self._soon.timeout.connect(self.sig_check)
        feed = store.feed()
        self.thread = None
        self.feed_up = False
        if feed is None:
            self._timer.setInterval(POLL_MS)
        else:
            self._timer.setInterval(FALLBACK_POLL_MS)  # until the feed says it is listening
            self.thread = _FeedThread(feed, lambda: store.change_token(project()), self)
            self.thread.sig_changed.connect(self._on_changed)
            self.thread.sig_connected.connect(self._on_connected)

    def start(self) -> None:
        self._timer.start()
        if self.thread is not None:
            self.thread.start()

    def interval(self) -> int:
        """The GUI thread's poll interval in ms; 0 while the feed thread does the polling."""
        return self._timer.interval() if self._timer.isActive() else 0

    def _on_changed(self, _projects) -> None:
        if not self._soon.isActive():
            self._soon.start()

    def _on_connected(self, up: bool, why: str) -> None:
        self.feed_up = up
        if up:
            self._timer.start(SAFETY_POLL_MS)
            self.sig_check.emit()  # whatever was written while the feed was down
            self.sig_status.emit("", "")
        else:
            self._timer.stop()  # the feed thread polls meanwhile, off the GUI thread
            self.sig_status.emit(f"⚠ live updates lost: checking every {FALLBACK_POLL_MS // 1000} s, reconnecting",
                                 why)

    def stop(self) -> None:
        self._timer.stop()
        self._soon.stop()
        if self.thread is not None:
            self.thread.requestInterruption()
            self.thread.wait(8000)  # a feed connecting to a lost server gives up after 3 s
