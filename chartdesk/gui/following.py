"""Following log folders from the window (File > Follow folder…): each folder is followed by a
``chartdesk.follow.Follower`` on a thread of its own, which waits for the files to change and
writes what is new to the store; the window sees it as it sees any run that grows (its poll or
live feed). What each pass did comes back as a signal. Stopping (File > Stop following, or
closing the window) gives the runs the state their files say and keeps everything imported.
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..errors import ChartDeskError
from ..follow import Follower


class Following(QObject):
    sig_step = Signal(str, object)
    """(folder, chartdesk.follow.Step) after a pass that imported or refused something."""
    sig_changed = Signal()
    """The set of followed folders changed."""
    sig_failed = Signal(str, str)
    """(folder, message): following it stopped on an error."""

    def __init__(self, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._running: dict[Path, tuple[Follower, threading.Event, threading.Thread]] = {}

    def folders(self) -> list[Path]:
        return list(self._running)

    def follower(self, folder: str | Path) -> Follower | None:
        got = self._running.get(Path(folder).expanduser().resolve())
        return got[0] if got else None

    def start(self, folder: str | Path, project: str) -> Follower:
        """Follow ``folder`` into ``project`` (a ChartDeskError says why it cannot be)."""
        key = Path(folder).expanduser().resolve()
        if key in self._running:
            raise ChartDeskError(f"{key} is followed already")
        follower = Follower(self._store, project, [key])
        stop = threading.Event()

        def run() -> None:
            try:
                follower.watch(stop, lambda step: self.sig_step.emit(str(key), step))
            except (ChartDeskError, OSError, RuntimeError) as exc:  # the folder went away, a store error
                self.sig_failed.emit(str(key), str(exc))

        thread = threading.Thread(target=run, name=f"follow {key.name}", daemon=True)
        self._running[key] = (follower, stop, thread)
        thread.start()
        self.sig_changed.emit()
        return follower

    def stop(self, folder: str | Path | None = None, wait: float = 10.0) -> None:
        """Stop following one folder, or all; what was imported stays."""
        keys = list(self._running) if folder is None else [Path(folder).expanduser().resolve()]
        for key in keys:
            got = self._running.pop(key, None)
            if got is None:
                continue
            _follower, stop, thread = got
            stop.set()
            thread.join(wait)
        if keys:
            self.sig_changed.emit()
