"""Importing from the window: File > Import… and drag-and-drop of files and folders.

The import runs on a worker thread with a progress dialog and Cancel. Each experiment is written
in its own transaction, so a cancelled import leaves only whole experiments behind (none, when
cancelled while the sources are still being read). Progress and the result come back to the
GUI thread through ``bridge.ToGui``; ``sig_finished`` tells the window.
"""
from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QProgressDialog, QWidget

from ..errors import ChartDeskError
from .bridge import ToGui
from .widgets import plural

OWN_PROJECTS = "Each run's own project (Neptune, trackio: theirs; others: the folder's name)"


class _ImportTask(QRunnable):
    def __init__(self, importer: Importer, paths, project, cancel: threading.Event) -> None:
        super().__init__()
        self._importer, self._paths, self._project, self._cancel = importer, paths, project, cancel

    def run(self) -> None:
        from ..importers import import_paths

        imp = self._importer
        to_gui = imp.to_gui
        try:
            report = import_paths(imp.store, self._paths, self._project,
                                  progress=lambda i, n, text: to_gui.call(imp.show_progress, i, n, text),
                                  cancelled=self._cancel.is_set)
        except ChartDeskError as exc:
            to_gui.call(imp.fail, str(exc))
            return
        except OSError as exc:
            to_gui.call(imp.fail, f"{exc.filename}: {exc.strerror}")
            return
        to_gui.call(imp.finish, report)


class Importer(QObject):
    """One import at a time, for one window."""

    sig_finished = Signal(str, object)
    """(project, ImportReport or None on failure) when an import ended."""

    def __init__(self, workspace, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._ws = workspace
        self._parent = parent_widget
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.store = workspace.store
        self.to_gui = ToGui(self)
        self._cancel = threading.Event()
        self._dialog: QProgressDialog | None = None
        self._project = ""
        self.last_error: str | None = None

    def busy(self) -> bool:
        return self._dialog is not None

    def ask_project(self, own_choice: bool = False) -> str | None:
        """The project to import (or follow) into, asked in a dialog; with ``own_choice`` the first
        item is ``OWN_PROJECTS`` (each run into the project its source names). None: cancelled."""
        projects = self._ws.projects()
        current = projects.index(self._ws.project) if self._ws.project in projects else 0
        items = projects or ["imported"]
        if own_choice:
            items, current = [OWN_PROJECTS, *items], current + 1
        name, ok = QInputDialog.getItem(self._parent, "Import", "Into project (pick one or type a new name):",
                                        items, current, True)
        return name.strip() if ok and name.strip() else None

    def start(self, paths: list[str], project: str | None = None) -> bool:
        """Import ``paths`` on the worker thread: into ``project``, or the one the person picks
        (``OWN_PROJECTS``: each run into its source's own project, see ``import_paths``)."""
        if self.busy() or not paths:
            return False
        project = project or self.ask_project(own_choice=True)
        if not project:
            return False
        self._project = project
        self._cancel = threading.Event()
        self.last_error = None
        dlg = QProgressDialog("Reading…", "Cancel", 0, 0, self._parent)
        dlg.setWindowTitle("Import into each run's own project" if project == OWN_PROJECTS else f"Import into {project}")
        dlg.setMinimumDuration(300)
        dlg.canceled.connect(self._cancel.set)
        self._dialog = dlg
        self._pool.start(_ImportTask(self, [str(p) for p in paths], None if project == OWN_PROJECTS else project,
                                     self._cancel))
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self, ms: int = 60000) -> None:
        self._pool.waitForDone(ms)

    def show_progress(self, i: int, n: int, text: str) -> None:
        if self._dialog is not None:
            self._dialog.setMaximum(n)
            self._dialog.setValue(i)
            self._dialog.setLabelText(text if len(text) < 90 else "…" + text[-88:])

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None

    def finish(self, report) -> None:
        self._close_dialog()
        if self._project == OWN_PROJECTS:  # the window goes to the project that got the most runs
            self._project = max(report.projects, key=report.projects.get) if report.projects else ""
        self.sig_finished.emit(self._project, report)
        text, details = import_report_text(report, self._project)
        box = QMessageBox(QMessageBox.Icon.Warning if report.refused else QMessageBox.Icon.Information, "Import", text,
                          QMessageBox.StandardButton.Ok, self._parent)
        if details:
            box.setDetailedText(details)  # every line, scrolled in the box: the box fits any screen
        box.exec()

    def fail(self, message: str) -> None:
        self._close_dialog()
        self.last_error = message
        self.sig_finished.emit(self._project, None)
        QMessageBox.warning(self._parent, "Import failed", f"Nothing was imported.\n\n{message}")


def local_paths(mime) -> list[str]:
    """The local files and folders in a drag's mime data."""
    if not mime.hasUrls():
        return []
    return [u.toLocalFile() for u in mime.urls() if u.isLocalFile() and Path(u.toLocalFile()).exists()]


#: Lines of each list the import report shows in its text; all of them are in its details.
REPORT_LINES = 6


def import_report_text(report, project: str) -> tuple[str, str]:
    """The import report as (text, details): the text a few lines of each list (what was
    imported, refused, warned about) with their counts, so the box stays small on a 768 px
    screen (88 imported runs made it 940 px tall); the details every line."""
    lines = [f"{name} ({fmt}): {ch} channels, {pts:,} points" for name, fmt, ch, pts in report.imported]
    into = ", ".join(f"{p} ({n})" for p, n in report.projects.items()) or project
    head = "Import cancelled." if report.cancelled else f"Imported {plural(len(lines), 'experiment')} into {into}."
    parts, details, cut = [head], [], False
    for title, items in (("Imported", lines), (f"Not imported ({len(report.refused)})", report.refused),
                         (f"Warnings ({len(report.warnings)})", report.warnings)):
        if not items:
            continue
        shown = list(items[:REPORT_LINES])
        if len(items) > len(shown):
            cut = True
            shown.append(f"… and {len(items) - len(shown)} more (Show Details…)")
        parts.append((f"{title}:\n" if title != "Imported" else "") + "\n".join(shown))
        details.append(f"{title}:\n" + "\n".join(items))
    return "\n\n".join(parts), "\n\n".join(details) if cut else ""
