"""Following log folders from the window (File > Follow folder…, Stop following, and a status-bar
label: ``FollowControl``): each folder is followed by a
``chartdesk.follow.Follower`` on a thread of its own, which waits for the files to change and
writes what is new to the store; the window sees it as it sees any run that grows (its poll or
live feed). What each pass did comes back as a signal; ``FollowControl`` turns it into requests
(a status line, a poll, the project to show) that the window connects, and never touches the
window itself. Stopping (File > Stop following, or closing the window) gives the runs the state
their files say and keeps everything imported.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget

from ..errors import ChartDeskError
from ..follow import Follower
from . import file_dialogs
from .widgets import plural


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


class FollowControl(QObject):
    """The window's side of following: its two File menu actions, the status-bar label, and what
    a pass that found new runs asks for. It is given the workspace (to read which project is
    shown and what is selected), a widget to parent its dialogs, actions and label, and a way to
    ask which project a folder goes into; it never touches the window. It asks by signals:
    ``sig_status_message`` (text, ms) for the status bar, ``sig_poll_requested`` to re-read the
    store now, ``sig_show_project_requested`` (project, runs) to turn to the project its first
    runs went into and choose those runs when none is chosen."""

    sig_status_message = Signal(str, int)
    sig_poll_requested = Signal()
    sig_show_project_requested = Signal(str, object)

    def __init__(self, workspace, dialog_parent: QWidget, ask_project: Callable[[], str | None]) -> None:
        super().__init__(dialog_parent)
        self.ws = workspace
        self._dialog_parent = dialog_parent
        self._ask_project = ask_project
        self.following = Following(workspace.store, self)
        self.following.sig_step.connect(self._on_step)
        self.following.sig_failed.connect(self._on_failed)
        self.following.sig_changed.connect(self._update)
        self._first: set[str] = set()  # folders whose first runs have not come yet
        self.follow_action = QAction("F&ollow folder…", dialog_parent)
        self.follow_action.setObjectName("follow_folder")
        self.follow_action.setToolTip("Import a training run's log folder (TensorBoard, CSV, MLflow, W&B, ...) and "
                                      "keep importing as it grows")
        self.follow_action.triggered.connect(lambda _c=False: self.ask())
        self.stop_action = QAction("&Stop following", dialog_parent)
        self.stop_action.setObjectName("stop_following")
        self.stop_action.setEnabled(False)
        self.stop_action.triggered.connect(lambda _c=False: self.stop())
        self.label = QLabel(dialog_parent)
        self.label.setVisible(False)

    def ask(self) -> None:
        path = file_dialogs.open_folder(self._dialog_parent, "import", "Follow a log folder (TensorBoard, CSV, JSON "
                                        "lines, MLflow, W&B, DVCLive): imported now and as it grows")
        if path:
            self.follow(path)

    def follow(self, path: str, project: str | None = None) -> bool:
        project = project or self._ask_project()
        if not project:
            return False
        try:
            follower = self.following.start(path, project)
        except ChartDeskError as exc:
            QMessageBox.warning(self._dialog_parent, "Follow", str(exc))
            return False
        self._first.add(str(follower.roots[0]))
        self.sig_status_message.emit(f"Following {path} into {project}", 8000)
        return True

    def stop(self) -> None:
        n = len(self.following.folders())
        self.following.stop()
        self.sig_status_message.emit(f"Stopped following {plural(n, 'folder')}; what was imported stays", 8000)
        self.sig_poll_requested.emit()

    def _on_step(self, folder: str, step) -> None:
        follower = self.following.follower(folder)
        project = follower.project if follower else ""
        if step.new_runs:
            self.sig_poll_requested.emit()  # the tree and the shown project hear of them as of any new run
            first = folder in self._first
            self._first.discard(folder)
            if project and ((first and project != self.ws.project)  # its first runs: show them
                            or (project == self.ws.project and not self.ws.selection())):
                self.sig_show_project_requested.emit(project, list(step.new_runs))
            self.sig_status_message.emit(f"Following {folder}: {plural(len(step.new_runs), 'run')} in {project}: "
                                         + ", ".join(step.new_runs[:5]), 10000)
        for line in step.refused:
            self.sig_status_message.emit(f"Not followed: {line}", 15000)
        for line in step.warnings:  # a resumed run's orphaned points dropped
            self.sig_status_message.emit(f"Following {folder}: {line}", 15000)
        self._update()

    def _on_failed(self, folder: str, message: str) -> None:
        self.following.stop(folder, wait=0)
        QMessageBox.warning(self._dialog_parent, "Follow", f"Stopped following {folder}:\n\n{message}")

    def _update(self) -> None:
        folders = self.following.folders()
        self.stop_action.setEnabled(bool(folders))
        runs = sum(len(f.runs) for f in (self.following.follower(p) for p in folders) if f)
        self.label.setText(f"⟳ following {plural(len(folders), 'folder')}, {plural(runs, 'run')}" if folders else "")
        self.label.setToolTip("\n".join(map(str, folders)))
        self.label.setVisible(bool(folders))
