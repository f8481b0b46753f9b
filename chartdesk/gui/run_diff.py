"""Runs > Compare selected runs… and Runs > Parameter importance… (issue 20): two dialogs that
adapt ``chartdesk.rundiff`` and ``chartdesk.importance`` (where the state and the rules are) to
Qt item models.

The diff dialog: one column per run, the reference run marked (★) and chosen in a box,
"Only differences" on at first, the cells that differ from the reference highlighted, a missing
value written as *missing*, Export CSV…. The importance dialog: a summary column
(``accuracy:max``), the runs (the runs filter), per param its Spearman correlation, p-value,
forest importance and the number of runs with both values, the warning under too few runs and
the note where scikit-learn is missing, Export CSV…. Neither is modal: they stay open beside the
charts.

Both compute off the GUI thread on the window's one pool (``chartdesk.gui.jobs``: a worker
process, or the pool's thread while there is none; a large project's importance waits for the
processes). Both follow the store while they are open: an edit anywhere (a run's params or state,
a new run, points appended, an alias or pin) computes them again, keeping the person's choices
(the runs, the reference, Only differences; the metric and the runs box); the importance's runs
box follows the run filter until the person types another. A change arriving while a computation
runs is computed after it (the answer in hand is shown first); closing a dialog drops its answer.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app.sweepview import offered_columns
from ..errors import ChartDeskError
from ..importance import HEADERS, Importance, importance
from ..rundiff import RunDiff, cell_text, diff
from . import file_dialogs
from .jobs import Jobs
from .theme import faint
from .widgets import plural, set_invalid

log = logging.getLogger(__name__)

#: A cell that differs from the reference's (over the palette's base, light or dark).
DIFFERS = "#f0a020"
REFERENCE_MARK = "★"
SECTION_TITLES = {"run": "Run", "param": "Param", "tag": "Tag", "column": "Column", "alias": "Alias",
                  "channel": "Channel"}


#: A store change is computed again this long after it arrived (a burst of them once; a live
#: run's stream of points at most this often).
FOLLOW_MS = 400
#: The store's changes a dialog follows: (project, experiment, channel) sets or names as arguments.
FOLLOWED = ("sig_catalog_changed", "sig_experiments_updated", "sig_points_appended", "sig_aliases_changed",
            "sig_resolution_changed")


class _FollowingDialog(QDialog):
    """A dialog that computes on the window's pool (``_jobs``) and follows the store while open
    (``_follow`` calls ``refresh``; ``_again``: a change came during a computation)."""

    def _follow_store(self, workspace) -> None:
        self._again = False
        self._jobs = Jobs(workspace.pool, self)
        self._follow = _Follower(workspace, self, self.refresh)

    def hideEvent(self, event) -> None:
        """Closed: the answer under way is dropped, and the store is no longer followed (hidden
        with its minimised window, it keeps both)."""
        if not event.spontaneous():
            self._jobs.cancel()
            self._follow.stop()
            self._again = False
            self._closed()
        super().hideEvent(event)

    def _closed(self) -> None:
        """What else a closed dialog puts back."""


class _Follower(QObject):
    """Calls ``again()`` a moment after the store changed, while ``shown()`` (the dialog is open)."""

    def __init__(self, workspace, parent: QDialog, again: Callable[[], None]) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FOLLOW_MS)
        self._timer.timeout.connect(again)
        for name in FOLLOWED:
            getattr(workspace, name).connect(lambda *_a: parent.isVisible() and self.soon())

    def soon(self) -> None:
        if not self._timer.isActive():  # a stream of changes: at most once per interval
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()


def _save_text(parent: QWidget, title: str, name: str, text: str) -> str:
    """Ask where, write ``text``; the path written, "" when cancelled; OSError as one line."""
    path, _ = file_dialogs.save_file(parent, "export", title, name, "CSV (*.csv);;All files (*)")
    if not path:
        return ""
    try:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    except OSError as exc:
        raise ChartDeskError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


# ---- run diff ----------------------------------------------------------------------------------
class RunDiffModel(QAbstractTableModel):
    """The shown rows of a ``RunDiff``: section, name, then one column per run."""

    FIXED = 2

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.diff: RunDiff | None = None
        self._rows = []

    def set_diff(self, d: RunDiff | None) -> None:
        self.beginResetModel()
        self.diff = d
        self._rows = d.shown() if d is not None else []
        self.endResetModel()

    def rows(self):
        return list(self._rows)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.diff is None else self.FIXED + len(self.diff.runs)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or self.diff is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if section < self.FIXED:
                return ("", "")[section]
            run = self.diff.runs[section - self.FIXED]
            return f"{REFERENCE_MARK} {run}" if run == self.diff.reference else run
        if role == Qt.ItemDataRole.ToolTipRole and section >= self.FIXED:
            run = self.diff.runs[section - self.FIXED]
            return f"{run}: the reference (the others are compared with it)" if run == self.diff.reference else run
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, c = self._rows[index.row()], index.column()
        if c < self.FIXED:
            if role == Qt.ItemDataRole.DisplayRole:
                return SECTION_TITLES.get(row.section, row.section) if c == 0 else row.key
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{row.key}: differs" if row.differs else f"{row.key}: the same in every run"
            return None
        i = c - self.FIXED
        value, differs = row.values[i], row.cells[i]
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(row, value, missing="missing")
        if role == Qt.ItemDataRole.ToolTipRole:
            what = "missing" if value is None else repr(value)
            return f"{self.diff.runs[i]}\n{row.key}: {what}" + ("\n(differs from the reference)" if differs else "")
        if role == Qt.ItemDataRole.BackgroundRole and differs:
            return QBrush(faint(DIFFERS, 90))
        if role == Qt.ItemDataRole.FontRole and (differs or value is None):
            f = QFont()
            f.setBold(differs)
            f.setItalic(value is None)
            return f
        if role == Qt.ItemDataRole.ForegroundRole and value is None:
            return QBrush(QColor("#888888"))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, (int, float)) and not isinstance(value, bool) \
                and row.section != "run":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def differs_at(self, row: int, run: str) -> bool:
        """Whether the cell of this shown row and run is marked as differing (for tests and tips)."""
        return self._rows[row].cells[self.diff.runs.index(run)]


class RunDiffDialog(_FollowingDialog):
    """The diff of some runs of the shown project: reference, Only differences, Export CSV…."""

    sig_ready = Signal()
    """A diff was read and shown (or ``error`` says why not)."""

    def __init__(self, workspace, parent=None, columns: Callable[[], list[str]] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare runs")
        self.setObjectName("RunDiffDialog")
        self._ws = workspace
        self._columns = columns  # the runs table's summary columns, read again at each refresh (None: kept)
        self.diff: RunDiff | None = None
        self.error = ""
        self._asked: tuple[str, list[str], list[str]] | None = None  # (project, runs, columns)
        self._follow_store(workspace)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.reference = QComboBox(self)
        self.reference.setToolTip("The run the others are compared with: cells that differ from it are highlighted")
        self.reference.currentTextChanged.connect(self._on_reference)
        self.only_differences = QCheckBox("Only differences", self)
        self.only_differences.setChecked(True)
        self.only_differences.setToolTip("Show only the rows where some run differs from the reference")
        self.only_differences.toggled.connect(self._on_only_differences)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.clicked.connect(lambda _c=False: self.export_csv())
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(lambda _c=False: self.close())
        self.model = RunDiffModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        top = QHBoxLayout()
        top.addWidget(QLabel("Reference:", self))
        top.addWidget(self.reference, 1)
        top.addWidget(self.only_differences)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.export_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        lay.addLayout(bottom)
        self.resize(900, 560)
        self._set_enabled(False)

    def ready(self) -> bool:
        """Nothing is being computed, nor waits to be."""
        return not self._jobs.busy and not self._again

    def start(self, project: str, runs: list[str], columns: list[str] = ()) -> None:
        """Read the diff of these runs (off the GUI thread), the first one as the reference."""
        self._asked = (project, list(runs), list(columns))
        self._again = False
        self.diff = None
        self.setWindowTitle(f"Compare {plural(len(runs), 'run')} of {project}")
        self.summary.setText(f"Reading {plural(len(runs), 'run')}…")
        self._set_enabled(False)
        self._compute()

    def refresh(self) -> None:
        """The store changed: the same runs again (a run deleted or renamed meanwhile is left out),
        with the runs table's columns, the reference and Only differences as chosen."""
        if self._asked is None or not self.isVisible():
            return
        if self._jobs.busy:
            self._again = True
            return
        project, runs, columns = self._asked
        if project == self._ws.project:
            known = set(self._ws.experiment_names())
            runs = [r for r in runs if r in known]
        self._asked = (project, runs, list(self._columns()) if self._columns is not None else columns)
        self._compute()

    def _compute(self) -> None:
        project, runs, columns = self._asked
        only = self.only_differences.isChecked()
        self._jobs.start(self._show, "the run diff", diff, project, runs, columns, self._chosen_reference(), only)

    def _chosen_reference(self) -> str | None:
        """The reference the person chose in the box (None: the first run)."""
        run = self.reference.currentText() if self.diff is not None else ""
        return run if self._asked is not None and run in self._asked[1] else None

    def _show(self, d: RunDiff | None, error: str) -> None:
        if d is not None:  # what the person chose while it was computed
            ref = self._chosen_reference()
            d = d.with_reference(ref) if ref and ref != d.reference else d
            d = d.with_only_differences(self.only_differences.isChecked())
        self.error = error
        self.diff = d
        self.reference.blockSignals(True)
        self.reference.clear()
        if d is not None:
            self.reference.addItems(list(d.runs))
            self.reference.setCurrentText(d.reference)
        self.reference.blockSignals(False)
        self._update()
        self._set_enabled(d is not None)
        if self._again:
            self._again = False
            self.refresh()
        self.sig_ready.emit()

    def _set_enabled(self, on: bool) -> None:
        for w in (self.reference, self.only_differences, self.export_button):
            w.setEnabled(on)

    def _update(self) -> None:
        d = self.diff
        self.model.set_diff(d)
        if d is None:
            self.summary.setText(self.error)
            return
        self.view.resizeColumnsToContents()
        for c in range(self.model.columnCount()):
            self.view.setColumnWidth(c, min(self.view.columnWidth(c), 260))
        if not d.differing:
            self.summary.setText(f"No differences from {d.reference} in {plural(len(d.rows), 'row')}")
        else:
            self.summary.setText(f"{d.differing} of {plural(len(d.rows), 'row')} differ from {REFERENCE_MARK} "
                                 f"{d.reference}" + (" (only those are shown)" if d.only_differences else ""))

    def _on_reference(self, run: str) -> None:
        if self.diff is not None and run in self.diff.runs and run != self.diff.reference:
            self.diff = self.diff.with_reference(run)
            self._update()

    def _on_only_differences(self, on: bool) -> None:
        if self.diff is not None:
            self.diff = self.diff.with_only_differences(on)
            self._update()

    def set_reference(self, run: str) -> None:
        """Choose the reference as a person does in the box."""
        self.reference.setCurrentText(run)

    def export_csv(self) -> str:
        """Export CSV…: the rows shown, as shown (another reference, all rows: what the table has)."""
        if self.diff is None:
            return ""
        try:
            return _save_text(self, "Export run diff", f"{self.diff.project}-diff.csv", self.diff.to_csv())
        except ChartDeskError as exc:
            self.summary.setText(str(exc))
            return ""


# ---- parameter importance ----------------------------------------------------------------------
class ImportanceModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.result: Importance | None = None
        self._cells: list[list[str]] = []

    def set_result(self, result: Importance | None) -> None:
        self.beginResetModel()
        self.result = result
        self._cells = result.text_rows() if result is not None else []
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return {"spearman": "Spearman rank correlation with the metric (over the runs with both values)",
                    "p": "two-sided p-value of the correlation", "importance":
                    "random forest permutation importance: the mean drop in R² when the param is shuffled",
                    "± std": "its standard deviation over the shuffles", "n": "runs with both the param and the metric",
                    "kind": "number, boolean (0/1) or category (one row per value, one-hot)"}.get(HEADERS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._cells):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 2:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            f = self.result.features[index.row()]
            return f"{f.name}: {f.kind}, {plural(f.n, 'run')} with both values"
        return None


class ImportanceDialog(_FollowingDialog):
    """Which params go with a summary column over the runs the filter shows."""

    sig_ready = Signal()

    #: Projects of at least this many runs wait for the worker processes to start (a forest of a
    #: second or more); smaller ones are computed on the pool's thread while there are none.
    PROCESS_FROM = 100
    START_TIMEOUT_S = 30.0

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Parameter importance")
        self.setObjectName("ImportanceDialog")
        self._ws = workspace
        self.project = ""
        self.found: Importance | None = None
        self.error = ""
        self._asked = False  # something was computed (or is): a store change computes it again
        self._filter_text = ""  # the run filter's text as the runs box was given it (followed until edited)
        self._follow_store(workspace)
        workspace.sig_filter_changed.connect(self._on_filter)
        self.metric_box = QComboBox(self)
        self.metric_box.setEditable(True)
        self.metric_box.setMinimumWidth(220)
        self.metric_box.lineEdit().setPlaceholderText("accuracy:max")
        self.metric_box.setToolTip("A summary column: REF:REDUCER, e.g. accuracy:max, alias:accuracy:last, channel:loss:min")
        self.metric_box.lineEdit().returnPressed.connect(lambda: self.compute())
        self.where = QLineEdit(self)
        self.where.setPlaceholderText('Runs (the runs filter): lr < 0.1 and state == "succeeded"')
        self.where.returnPressed.connect(lambda: self.compute())
        self.compute_button = QPushButton("Compute", self)
        self.compute_button.setDefault(True)
        self.compute_button.clicked.connect(lambda _c=False: self.compute())
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {DIFFERS};")
        self.warning.setVisible(False)
        self.model = ImportanceModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.verticalHeader().setVisible(False)
        self.view.setAlternatingRowColors(True)
        self.export_button = QPushButton("Export CSV…", self)
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda _c=False: self.export_csv())
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(lambda _c=False: self.close())
        top = QHBoxLayout()
        top.addWidget(QLabel("Metric:", self))
        top.addWidget(self.metric_box)
        top.addWidget(QLabel("Runs:", self))
        top.addWidget(self.where, 1)
        top.addWidget(self.compute_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.warning)
        lay.addWidget(self.view, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.export_button)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        lay.addLayout(bottom)
        self.resize(760, 520)

    def ready(self) -> bool:
        """Nothing is being computed, nor waits to be."""
        return not self._jobs.busy and not self._again

    def start(self, project: str, metrics: list[str], where: str = "") -> None:
        """Offer these summary columns (the first chosen) over the runs ``where`` passes."""
        current = self.metric_box.currentText().strip() if project == self.project else ""
        self.project = project
        self.setWindowTitle(f"Parameter importance — {project}")
        self.metric_box.clear()
        self.metric_box.addItems(list(dict.fromkeys(metrics)))
        if current:
            self.metric_box.setCurrentText(current)
        self.where.setText(where)
        self._filter_text = where
        if self.metric_box.currentText().strip():
            self.compute()
        else:
            self.summary.setText("Choose a summary column, e.g. accuracy:max, and press Compute")

    def compute(self, announce: bool = True) -> None:
        """The importance of the metric in the box over the runs the box passes (what went before
        is dropped); ``announce``: say so (a refresh keeps the result shown until the next)."""
        self._asked, self._again = True, False
        project = self.project
        metric, where = self.metric_box.currentText().strip(), self.where.text().strip() or None
        if announce:
            self.summary.setText(f"Computing the importance of the params for {metric or '…'}…")
            self.warning.setVisible(False)
            self.compute_button.setEnabled(False)
        runs = len(self._ws.experiment_names()) if project == self._ws.project else self.PROCESS_FROM
        self._jobs.start(self._show, "the parameter importance", importance, project, metric, where,
                         wait_s=self.START_TIMEOUT_S if runs >= self.PROCESS_FROM else 0.0)

    def refresh(self) -> None:
        """The store changed: the same metric over the same runs box, again."""
        if not self._asked or not self.isVisible():
            return
        if self._jobs.busy:
            self._again = True
            return
        self.compute(announce=False)

    def _on_filter(self, text: str, error: str) -> None:
        """The run filter changed: the runs box follows it unless the person typed another."""
        if error or self.project != self._ws.project or self.where.text().strip() != self._filter_text.strip():
            return
        if text.strip() != self._filter_text.strip():
            self.where.setText(text)
            self._filter_text = text
            self.refresh()

    def _show(self, result: Importance | None, error: str) -> None:
        self.found, self.error = result, error
        self.model.set_result(result)
        self.compute_button.setEnabled(True)
        self.export_button.setEnabled(result is not None and bool(result.features))
        set_invalid(self.metric_box, bool(error))
        if result is None:
            self.summary.setText(error)
        else:
            where = f" passing {result.where}" if result.where else ""
            self.summary.setText(f"{result.metric}: {result.with_metric} of {plural(result.runs, 'run')}{where} have "
                                 f"a value · sorted by {'importance' if not result.forest else '|Spearman|'}")
            notes = result.notes()
            self.warning.setText("\n".join(notes))
            self.warning.setVisible(bool(notes))
            self.view.resizeColumnsToContents()
        if self._again:
            self.refresh()
        self.sig_ready.emit()

    def _closed(self) -> None:
        self.compute_button.setEnabled(True)

    def export_csv(self) -> str:
        if self.found is None:
            return ""
        try:
            return _save_text(self, "Export parameter importance", f"{self.project}-importance.csv", self.found.to_csv())
        except ChartDeskError as exc:
            self.summary.setText(str(exc))
            return ""


# ---- the menu's entries --------------------------------------------------------------------------
class SweepActions(QObject):
    """Runs > Compare selected runs… and Parameter importance…, and their one dialog each."""

    sig_status_message = Signal(str, int)

    def __init__(self, workspace, parent: QWidget, columns: Callable[[], list[str]] = list) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._parent = parent
        self._columns = columns  # the runs table's summary columns
        self.diff_dialog: RunDiffDialog | None = None
        self.importance_dialog: ImportanceDialog | None = None
        self.compare_action = self._action("&Compare selected runs…", self.compare, "compare_runs",
                                           "The selected runs side by side: params, tags, times, summary columns and "
                                           "shared channels, only where they differ")
        self.importance_action = self._action("Parameter &importance…", self.importance, "parameter_importance",
                                              "Which params go with a summary column: correlation and a random "
                                              "forest's importance over the runs shown")

    def _action(self, text, slot, name, tip) -> QAction:
        act = QAction(text, self._parent)
        act.setObjectName(name)
        act.setStatusTip(tip)
        act.triggered.connect(lambda _c=False: slot())
        return act

    def actions(self) -> list[QAction]:
        return [self.compare_action, self.importance_action]

    def update(self) -> None:
        self.compare_action.setEnabled(len(self._ws.selection()) >= 2)
        self.importance_action.setEnabled(bool(self._ws.project))

    def compare(self, runs: list[str] | None = None) -> RunDiffDialog | None:
        """The diff of the selected runs the filter shows (or of ``runs``)."""
        runs = list(self._ws.selection() if runs is None else runs)
        if not self._ws.project or len(runs) < 2:
            self.sig_status_message.emit("Select two or more runs to compare them", 8000)
            return None
        if self.diff_dialog is None:
            self.diff_dialog = RunDiffDialog(self._ws, self._parent, self._columns)
        dlg = self.diff_dialog
        dlg.start(self._ws.project, runs, [c for c in self._columns()])
        dlg.show()
        dlg.raise_()
        return dlg

    def importance(self) -> ImportanceDialog | None:
        project = self._ws.project
        if not project:
            return None
        if self.importance_dialog is None:
            self.importance_dialog = ImportanceDialog(self._ws, self._parent)
        dlg = self.importance_dialog
        f = self._ws.run_filter()
        dlg.start(project, self.metrics(), "" if f.error else f.text)
        dlg.show()
        dlg.raise_()
        return dlg

    def metrics(self) -> list[str]:
        """What the metric box offers: the runs table's summary columns, then each alias's max,
        min and last."""
        return offered_columns(self._columns(), self._ws.aliases())
