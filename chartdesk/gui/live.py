"""How the window hears that the store changed: the store's change feed (PostgreSQL LISTEN/NOTIFY)
on a thread of its own, or, for SQLite and while a feed is down, a poll of the change token.

``LiveUpdates`` owns both. It emits ``sig_check`` when the window should re-read the store's change
token (cheap; the catalog is re-read only when it moved) and ``sig_status`` with a line for the
status bar when the feed is lost or back.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer, Signal

#: SQLite: one aggregate query every 100 ms; the catalog is re-read only on change.
POLL_MS = 100
#: PostgreSQL with a working feed: a rare safety poll only.
SAFETY_POLL_MS = 5000
#: PostgreSQL while the feed is down: the fallback poll, and how often to try to reconnect.
FALLBACK_POLL_MS = 1000
RECONNECT_S = 2.0
#: Notifications that arrive together are answered by one check.
COALESCE_MS = 30


class _FeedThread(QThread):
    sig_changed = Signal(list)  # project names
    sig_connected = Signal(bool, str)  # up?, why not

    def __init__(self, feed, parent=None) -> None:
        super().__init__(parent)
        self.feed = feed

    def run(self) -> None:
        from ..store.feed import FeedLost

        up = None
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
                for _ in range(int(RECONNECT_S / 0.05)):
                    if self.isInterruptionRequested():
                        break
                    self.msleep(50)
        self.feed.close()


class LiveUpdates(QObject):
    sig_check = Signal()
    sig_status = Signal(str)

    def __init__(self, store, parent=None) -> None:
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
            self.thread = _FeedThread(feed, self)
            self.thread.sig_changed.connect(self._on_changed)
            self.thread.sig_connected.connect(self._on_connected)

    def start(self) -> None:
        self._timer.start()
        if self.thread is not None:
            self.thread.start()

    def interval(self) -> int:
        return self._timer.interval()

    def _on_changed(self, _projects) -> None:
        if not self._soon.isActive():
            self._soon.start()

    def _on_connected(self, up: bool, why: str) -> None:
        self.feed_up = up
        self._timer.setInterval(SAFETY_POLL_MS if up else FALLBACK_POLL_MS)
        if up:
            self.sig_check.emit()  # whatever was written while the feed was down
            self.sig_status.emit("")
        else:
            self.sig_status.emit(f"{why}; checking every {FALLBACK_POLL_MS // 1000} s and reconnecting")

    def stop(self) -> None:
        self._timer.stop()
        self._soon.stop()
        if self.thread is not None:
            self.thread.requestInterruption()
            self.thread.wait(8000)  # a feed connecting to a lost server gives up after 3 s
