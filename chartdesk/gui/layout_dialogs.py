"""Charts > Export layout…, Apply layout… and Check chart sets…: layout files in the window.

Export asks which chart sets (and whether the runs' pins) go into the file, then where to save
it. Apply reads a file (a bad one is one line in a message box: the file, the line, the key),
shows what it would change, and lists each conflict (an alias or chart set of the same name that
differs) with the choice to take the file's or change nothing; what it writes is one undoable
step (a ``layout`` edit: ``chartdesk.layout.Changes`` before and after). The health check
(``chartdesk.health``) follows, and is also the Check chart sets… window: how each chart, series
and alias fits the runs the project's filter shows, and suggested aliases that fill the gaps,
each added by one click on its Add button (one undoable step too). The check reads the store on
a worker thread; the window only paints.
"""
from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import layout
from ..app.history import Edit
from ..errors import ChartDeskError
from . import file_dialogs
from .bridge import ToGui
from .widgets import plural, set_invalid

log = logging.getLogger(__name__)

FILE_FILTER = "Layout files (*.yaml *.yml);;All files (*)"
#: How long a health check waits for the edits not written yet before it reads the store (s).
WRITES_WAIT_S = 60.0


class ExportLayoutDialog(QDialog):
    """Which chart sets go into the file (all, at first) and whether the runs' pins do."""

    def __init__(self, set_names: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export layout")
        self.sets = QListWidget(self)
        for name in set_names:
            item = QListWidgetItem(name, self.sets)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
        self.sets.itemChanged.connect(lambda _i: self._update())
        self.pins = QCheckBox("Include the runs' pins (they name runs of this project)", self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Chart sets (with the aliases they plot; all of them: every alias):", self))
        lay.addWidget(self.sets)
        lay.addWidget(self.pins)
        lay.addWidget(self.buttons)
        self._update()

    def chosen(self) -> list[str] | None:
        """The chart sets checked; None when all are (then every alias goes too)."""
        names = [self.sets.item(i).text() for i in range(self.sets.count())
                 if self.sets.item(i).checkState() == Qt.CheckState.Checked]
        return None if len(names) == self.sets.count() else names

    def _update(self) -> None:
        chosen = self.chosen()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(chosen is None or bool(chosen))


class ApplyLayoutDialog(QDialog):
    """What a layout file would change in the project; with conflicts, the choice to take the
    file's (Replace) or change nothing."""

    def __init__(self, plan: layout.Plan, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Apply layout {plan.source}")
        self.replace = False
        self.items = QListWidget(self)
        for line in plan.lines():
            QListWidgetItem(("⚠ " if line.startswith("conflict:") else "") + line, self.items)
        n = len(plan.conflicts)
        if n:
            text = (f"{plural(n, 'conflict')}: the project has aliases or chart sets of the same name that differ. "
                    "Replace takes the file's; Cancel changes nothing.")
        elif plan.changes:
            text = f"Apply these changes to {plan.project}? (one step: Undo takes it back)"
        else:
            text = f"{plan.project} has everything in this file already."
        self.message = QLabel(text, self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        if n:
            self.replace_button = self.buttons.addButton("Replace with the file's", QDialogButtonBox.ButtonRole.AcceptRole)
            self.replace_button.clicked.connect(lambda _c=False: self._choose(True))
        else:
            self.apply_button = self.buttons.addButton("Apply", QDialogButtonBox.ButtonRole.AcceptRole)
            self.apply_button.setEnabled(bool(plan.changes))
            self.apply_button.clicked.connect(lambda _c=False: self._choose(False))
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.message)
        lay.addWidget(self.items)
        lay.addWidget(self.buttons)
        self.resize(620, 360)

    def _choose(self, replace: bool) -> None:
        self.replace = replace
        self.accept()


class HealthDialog(QDialog):
    """How the project's chart sets fit the runs its filter shows, and suggested aliases, each
    with an Add button. Not modal: it stays open beside the charts and checks again after an
    edit, or when the filter box changes."""

    sig_checked = Signal()
    """A check finished (its result is ``health``, or ``error`` says why not)."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Check chart sets")
        self._ws = workspace
        self.health = None
        self.error = ""
        self._gen = 0
        self._pending = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._to_gui = ToGui(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.where = QLineEdit(self)
        self.where.setPlaceholderText('Runs to check (the runs filter): lr < 0.1 and state == "succeeded"')
        self.where.returnPressed.connect(self.recheck)
        self.tree = QTreeWidget(self)
        self.tree.setHeaderLabels(["", "Runs", "Not in"])
        self.tree.setColumnWidth(0, 300)
        self.tree.setColumnWidth(1, 80)
        self.suggestions = QWidget(self)
        self._sug_layout = QVBoxLayout(self.suggestions)
        self._sug_layout.setContentsMargins(0, 0, 0, 0)
        self.add_buttons: list[QPushButton] = []
        self._rows: list[QWidget] = []
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.suggestions)
        scroll.setMaximumHeight(160)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(lambda _c=False: self.close())
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        row.addWidget(QLabel("Runs:", self))
        row.addWidget(self.where, 1)
        lay.addLayout(row)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree, 1)
        lay.addWidget(QLabel("Suggested aliases that fill the gaps:", self))
        lay.addWidget(scroll)
        lay.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignRight)
        self.resize(760, 560)
        workspace.sig_chart_sets_changed.connect(self._on_changed)
        workspace.sig_aliases_changed.connect(lambda _n: self._on_changed())
        workspace.sig_catalog_changed.connect(self._on_changed)
        workspace.sig_project_changed.connect(lambda _p: self.start(self.filter_text()) if self.isVisible() else None)

    def filter_text(self) -> str:
        """The project's run filter, when it parses: the runs the charts show."""
        f = self._ws.run_filter()
        return "" if f.error else f.text

    def start(self, where: str | None = None) -> None:
        """Check the shown project (``where``: the runs to check, default the box's text)."""
        if where is not None:
            self.where.setText(where)
        self.recheck()

    def _on_changed(self) -> None:
        if self.isVisible():
            self.recheck()

    def ready(self) -> bool:
        """The last check asked for has been shown."""
        return not self._pending

    def recheck(self) -> None:
        self._gen += 1
        self._pending = True
        gen, store, project, where = self._gen, self._ws.store, self._ws.project, self.where.text().strip() or None
        self.summary.setText(f"Checking {project or 'nothing'}…")
        if not project:
            self._show(gen, None, "no project is shown")
            return

        writes = self._ws.session.writes

        def work() -> None:
            from ..health import check

            writes.wait(WRITES_WAIT_S)  # the edits made here are checked as the store holds them
            try:
                found, why = check(store, project, where=where), ""
            except ChartDeskError as exc:
                found, why = None, str(exc)
            except Exception as exc:  # a worker must always answer: logged, and said in one line
                log.exception("health check of %s", project)
                found, why = None, f"the check failed: {exc}"
            self._to_gui.call(self._show, gen, found, why)

        self._pool.start(work)

    def _show(self, gen: int, health, error: str) -> None:
        if gen != self._gen:
            return  # an answer to an older question
        self.health, self.error = health, error
        set_invalid(self.where, bool(error) and bool(self.where.text().strip()))
        self.tree.clear()
        for row in self._rows:
            row.deleteLater()
        self._rows, self.add_buttons = [], []
        if health is None:
            self.summary.setText(error)
        else:
            self._fill(health)
        self._pending = False
        self.sig_checked.emit()

    def _fill(self, h) -> None:
        n = len(h.runs)
        gaps = len(h.unresolved)
        head = f"{h.project}: {plural(n, 'run')}" + (f" of {h.total} (where {h.where})" if h.where else "")
        head += f" · {plural(gaps, 'series', 'series')} resolve in no run" if gaps else " · every series resolves somewhere"
        self.summary.setText(head)

        def item(parent, text, runs="", missing=(), tip=""):
            it = QTreeWidgetItem(parent, [text, runs, ", ".join(missing)])
            if tip or missing:
                it.setToolTip(0, tip or text)
                it.setToolTip(2, "\n".join(missing))
            return it

        for s in h.sets:
            top = item(self.tree, f"Chart set {s.name}")
            for c in s.charts:
                missing = [r for r in h.runs if r not in set(c.shown)]
                gap = any(f.missing for f in c.series + ([c.x_axis] if c.x_axis else []))
                ci = item(top, ("⚠ " if gap else "") + c.name, f"{len(c.shown)} of {n}", missing)
                for f in c.series + ([c.x_axis] if c.x_axis else []):
                    mark = "⚠ " if f.missing else ""
                    role = "x axis: " if f is c.x_axis else ""
                    item(ci, f"{mark}{role}{f.ref}", f"{len(f.resolved)} of {n}", f.missing)
                ci.setExpanded(gap)  # where it does not fit, open
            if s.empty:
                item(top, "⚠ shows nothing for", plural(len(s.empty), "run"), s.empty)
            top.setExpanded(True)
        if h.aliases:
            top = item(self.tree, "Aliases")
            for a in h.aliases:
                if not a.defined:
                    item(top, f"⚠ {a.name}: no such alias", f"0 of {n}", a.none)
                    continue
                ai = item(top, ("⚠ " if a.none else "") + a.name, f"{n - len(a.none)} of {n}", a.none)
                for ch, runs in a.entries:
                    item(ai, f"{ch} wins", str(len(runs)), tip=", ".join(runs))
                if a.pinned:
                    item(ai, "pinned", str(len(a.pinned)), tip=", ".join(f"{r}: {ch}" for r, ch in a.pinned))
                if a.none:
                    item(ai, "⚠ matches none", str(len(a.none)), a.none)
            top.setExpanded(True)
        if h.unresolved:
            top = item(self.tree, "⚠ Resolve in no run")
            for s, c, r in h.unresolved:
                item(top, f"{s} / {c}: {r}")
            top.setExpanded(True)
        for fix in h.suggestions:
            row = QWidget(self.suggestions)
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            label = QLabel(fix.text(), row)
            label.setWordWrap(True)
            label.setToolTip("\n".join(layout.changes_text(fix.before, fix.after)))
            button = QPushButton("Add", row)
            button.setToolTip("\n".join(layout.changes_text(fix.before, fix.after)))
            button.clicked.connect(lambda _c=False, f=fix: self.add(f))
            rl.addWidget(label, 1)
            rl.addWidget(button)
            self._sug_layout.addWidget(row)
            row.show()  # now, not on the next turn of the event loop (the dialog is shown already)
            self._rows.append(row)
            self.add_buttons.append(button)
        if not h.suggestions:
            row = QLabel("(none: no channel names that look like one metric fill a gap)", self.suggestions)
            self._sug_layout.addWidget(row)
            row.show()
            self._rows.append(row)

    def add(self, fix) -> bool:
        """Add a suggested alias (and plot it where it fills a gap): one undoable step."""
        what = {"extend": f"Add {', '.join(fix.channels)} to alias {fix.alias}",
                "use": f"Plot alias {fix.alias}"}.get(fix.kind, f"Add alias {fix.alias}")
        try:
            done = self._ws.edit(Edit(f"{what} (suggested)", ("layout", self._ws.project), fix.before, fix.after))
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Suggested alias", str(exc))
            self.recheck()
            return False
        self.recheck()
        return done


class LayoutActions(QObject):
    """The Charts menu's layout entries, their dialogs and the one health-check window."""

    sig_status_message = Signal(str, int)
    """(text, milliseconds) for the status bar."""

    def __init__(self, workspace, parent: QWidget) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._parent = parent
        self.health_dialog: HealthDialog | None = None
        self.export_action = self._action("E&xport layout…", self.export_layout, "export_layout",
                                          "Write the project's chart sets and aliases as a YAML file")
        self.apply_action = self._action("A&pply layout…", lambda: self.apply_layout(), "apply_layout",
                                         "Add a layout file's chart sets and aliases to this project (one undo step)")
        self.check_action = self._action("Chec&k chart sets…", self.check, "check_chart_sets",
                                         "How the chart sets fit the runs, and aliases that would fill the gaps")

    def _action(self, text, slot, name, tip) -> QAction:
        act = QAction(text, self._parent)
        act.setObjectName(name)
        act.setStatusTip(tip)
        act.triggered.connect(lambda _c=False: slot())
        return act

    def actions(self) -> list[QAction]:
        return [self.export_action, self.apply_action, self.check_action]

    def update(self) -> None:
        on = bool(self._ws.project)
        for act in self.actions():
            act.setEnabled(on)

    def export_layout(self) -> None:
        project = self._ws.project
        if not project:
            return
        dlg = ExportLayoutDialog([s.name for s in self._ws.chart_sets()], self._parent)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        chosen, pins = dlg.chosen(), dlg.pins.isChecked()
        path, _ = file_dialogs.save_file(self._parent, "layout", "Export layout", f"{project}-layout.yaml", FILE_FILTER)
        if not path:
            return
        try:
            lay = layout.export(self._ws.store, project, chosen, pins=pins)
            layout.write(lay, path)
        except ChartDeskError as exc:
            QMessageBox.warning(self._parent, "Export layout", str(exc))
            return
        self.sig_status_message.emit(f"Layout of {project} written to {path}: {plural(len(lay.chart_sets), 'chart set')}"
                                     f", {plural(len(lay.aliases), 'alias', 'aliases')}", 10000)

    def apply_layout(self, path: str | None = None) -> bool:
        """Ask for a file (unless given), show what it changes, apply it as one undoable step,
        then show the health check. False when nothing was applied."""
        project = self._ws.project
        if not project:
            return False
        if path is None:
            path = file_dialogs.open_file(self._parent, "layout", "Apply layout", FILE_FILTER)
            if not path:
                return False
        name = Path(path).name
        try:
            lay = layout.read(path)
            plan = layout.plan(self._ws.store, project, lay, source=name)
        except ChartDeskError as exc:
            QMessageBox.warning(self._parent, "Apply layout", str(exc))
            return False
        dlg = ApplyLayoutDialog(plan, self._parent)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            self.sig_status_message.emit(f"Layout {name} not applied: nothing was changed", 8000)
            return False
        try:
            if dlg.replace:
                plan = layout.plan(self._ws.store, project, lay, replace=True, source=name)
            done = self._ws.edit(Edit(f"Apply layout {name}", ("layout", project), plan.before, plan.after))
        except ChartDeskError as exc:
            QMessageBox.warning(self._parent, "Apply layout", f"{name} was not applied: {exc}")
            return False
        self.sig_status_message.emit(f"Layout {name} applied to {project}: {plan.summary()}" if done
                                     else f"{project} has everything in {name} already", 10000)
        self.check()
        return done

    def check(self) -> HealthDialog:
        """The health check of the shown project, over the runs its filter shows."""
        if self.health_dialog is None:
            self.health_dialog = HealthDialog(self._ws, self._parent)
        dlg = self.health_dialog
        dlg.start(dlg.filter_text())
        dlg.show()
        dlg.raise_()
        return dlg
