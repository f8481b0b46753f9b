"""The runs table (a dock): one row per experiment with its state, tags, times, every param
(nested ones flattened: ``optimizer.lr``) and the summary columns the user adds
(``alias:accuracy:max``). A filter box takes the grammar of ``chartdesk.query``; a bad
expression is shown in red with its one-line reason and filters nothing. Clicking a header sorts
(missing and NaN last either way). The table's selection is the workspace's selection: selecting
rows here selects the runs in the tree and the charts, and the other way round. The chosen
columns are saved per project. The "Group by" box groups the selected runs (params, tags, a
name pattern): the charts then draw each group as its mean and band; saved per project too.

The model reads rows computed by ``chartdesk.runs.table`` (in the window's worker processes for a
large project, see ``chartdesk.app.pool``, so the GUI thread never waits for the GIL) and follows
the workspace: a catalog change, a run that grew, or an alias a column reads re-reads them. What
the filter shows is the session's (``chartdesk.app.runfilter``): the table, the charts and the
groups agree.
"""
from __future__ import annotations

import datetime as _dt
import math

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QRunnable,
    QStringListModel,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .. import offload, query
from ..app import preferences as prefs
from ..app.pool import WorkerPool
from ..app.runfilter import row_value
from ..colors import keys, run_styles
from ..errors import ChartDeskError
from ..groups import GroupBy
from ..runs import sort_key
from .bridge import ToGui
from .legend import SWATCH, run_icon
from .settings import Settings
from .theme import state_color
from .widgets import set_invalid

FIXED = ("name", "state", "tags", "created", "duration")


def _parse(column: str, aliases) -> tuple[str, str, str] | None:
    """``query.parse_column``, None for a column that does not parse (it shows as missing)."""
    try:
        return query.parse_column(column, aliases)
    except ChartDeskError:
        return None


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        return f"{v:.6g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(map(str, v))
    return str(v)


class RowsProcess:
    """The rows of a project (``chartdesk.offload.rows``), computed in the window's worker
    processes (``WorkerPool``, shared with the chart views) when the project is large enough to
    pay for it, else, or when the pool cannot be had, on the calling thread (a worker thread of
    the table, never the GUI thread)."""

    #: Projects of fewer runs are computed on the calling thread: their rows take milliseconds,
    #: and starting a process (about a second of a core) would compete with the window's start.
    PROCESS_FROM = 100
    #: How long a first large project waits for the pool to start before computing here.
    START_TIMEOUT_S = 30.0

    def __init__(self, store, pool: WorkerPool) -> None:
        self._store = store
        self.pool = pool

    def rows(self, project: str, columns: list[str]) -> list[dict]:
        from concurrent.futures.process import BrokenProcessPool

        if not self.pool.ready and len(self._store.experiments(project)) < self.PROCESS_FROM:
            return offload.rows(self._store, project, columns)
        future = self.pool.submit(offload.rows_in_worker, project, columns) \
            if self.pool.wait_ready(self.START_TIMEOUT_S) else None
        if future is None:
            return offload.rows(self._store, project, columns)
        try:
            return future.result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:  # no process: the rows here then
            self.pool.broke(exc)
            return offload.rows(self._store, project, columns)


class _Task(QRunnable):
    def __init__(self, process: RowsProcess, project, columns, generation, done, to_gui: ToGui) -> None:
        super().__init__()
        self.args = process, project, columns, generation, done, to_gui

    def run(self) -> None:
        process, project, columns, gen, done, to_gui = self.args
        try:
            rows = process.rows(project, columns)
        except ChartDeskError as exc:
            to_gui.call(done, gen, None, str(exc))
            return
        to_gui.call(done, gen, rows, "")


class RunsModel(QAbstractTableModel):
    """Rows of ``store.runs`` for the current project; sorted here, filtered by the session's filter."""

    sig_shown = Signal()
    """The shown rows were brought up to date (after the removals, insertions and changes)."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._rows: list[dict] = []       # every run, as the store computed them
        self._shown: list[dict] = []      # after the filter, in sort order
        self._params: list[str] = []
        self.columns: list[str] = []      # REF:REDUCER the user added
        self._headers: list[str] = []
        self._headers_key: tuple | None = None
        self._told_columns: list[str] | None = None  # the columns the view was last reset for
        self._sort: tuple[str, bool] | None = None
        self._gen = 0
        self._to_gui = ToGui(self)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.process = RowsProcess(workspace.store, workspace.pool)
        self.error = ""
        self.loading = False
        #: True while rows go and come (``_show``): selection changes then are not the user's.
        self.updating = False
        #: experiment -> the style the charts draw it with now (its swatch in the name column).
        self.swatches: dict = {}

    # ---- feeding ------------------------------------------------------------------------
    def reload(self) -> None:
        """Recompute the rows off the GUI thread (results come back as a signal)."""
        self._gen += 1
        if not self._ws.project:
            self._on_rows(self._gen, [], "")
            return
        self.loading = True
        self._pool.start(_Task(self.process, self._ws.project, list(self.columns), self._gen, self._on_rows, self._to_gui))

    def wait(self, ms: int = 30000) -> None:
        self._pool.waitForDone(ms)

    def shutdown(self) -> None:
        """Wait for the rows under way (the workspace ends the worker processes)."""
        self.wait(10000)

    def _on_rows(self, gen: int, rows, error: str) -> None:
        if gen != self._gen:
            return
        self.loading = False
        self._ws.set_run_rows(rows or [])  # the filter is evaluated on them (one truth for every panel)
        self.error = error
        params = sorted({k for r in (rows or []) for k in r.get("_flat", {})})
        columns = [*FIXED, *params, *self.columns]
        if columns != self._told_columns:  # other columns: a new table, told as one
            self.beginResetModel()
            self._rows, self._params, self._headers_key = rows or [], params, None
            self._told_columns = columns
            self._shown = self._passing()
            self.endResetModel()
            self.sig_shown.emit()
            return
        self._rows = rows or []
        self._show(self._passing())

    def refilter(self) -> None:
        """The run filter changed: show the rows it passes (Qt is told which went and came)."""
        self._show(self._passing())

    def _show(self, rows: list[dict]) -> None:
        """Make ``rows`` the shown rows, telling Qt exactly what changed: the rows that went, the
        rows that came (each block where it now stands), rows that moved (a layout change, only
        when the sort order of kept rows changed) and rows whose values changed."""
        self.updating = True  # a selection that changes meanwhile is the model's doing, not the user's
        try:
            self._remove_absent({r["experiment"] for r in rows})
            self._insert_new(rows)
            if [r["experiment"] for r in self._shown] != [r["experiment"] for r in rows]:
                self._reorder(rows)
            last = self.columnCount() - 1
            changed = [i for i, (a, b) in enumerate(zip(self._shown, rows)) if a is not b and a != b]
            self._shown = list(rows)
            if changed and last >= 0:
                self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], last))
        finally:
            self.updating = False
        self.sig_shown.emit()

    def _remove_absent(self, keep: set[str]) -> None:
        i = len(self._shown)
        while i > 0:  # contiguous blocks, from the end
            i -= 1
            if self._shown[i]["experiment"] in keep:
                continue
            j = i
            while j > 0 and self._shown[j - 1]["experiment"] not in keep:
                j -= 1
            self.beginRemoveRows(QModelIndex(), j, i)
            del self._shown[j:i + 1]
            self.endRemoveRows()
            i = j

    def _insert_new(self, rows: list[dict]) -> None:
        have = {r["experiment"] for r in self._shown}
        j = 0
        while j < len(rows):
            if rows[j]["experiment"] in have:
                j += 1
                continue
            k = j
            while k < len(rows) and rows[k]["experiment"] not in have:
                k += 1
            at = min(j, len(self._shown))  # the kept rows before it are in place when the order holds
            self.beginInsertRows(QModelIndex(), at, at + k - j - 1)
            self._shown[at:at] = rows[j:k]
            self.endInsertRows()
            j = k

    def _reorder(self, rows: list[dict]) -> None:
        """The same rows in another order (their values changed their sort place): a layout change
        with every persistent index moved with its run."""
        self.layoutAboutToBeChanged.emit()
        where = {r["experiment"]: i for i, r in enumerate(rows)}
        old = self.persistentIndexList()
        new = [self.index(where[self._shown[i.row()]["experiment"]], i.column())
               if 0 <= i.row() < len(self._shown) and self._shown[i.row()]["experiment"] in where else QModelIndex()
               for i in old]
        self._shown = list(rows)
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    def headers(self) -> list[str]:
        key = (len(self._params), tuple(self.columns))
        if self._headers_key != key:  # data() asks for every cell: build the list once
            self._headers_key = key
            self._headers = [*FIXED, *self._params, *self.columns]
        return self._headers

    @staticmethod
    def value(row: dict, column: str):
        return row_value(row, column)

    def _passing(self) -> list[dict]:
        """The rows the filter passes, in sort order."""
        shown = self._ws.run_filter().shown
        rows = [r for r in self._rows if shown is None or r["experiment"] in shown]
        if self._sort is not None:
            col, desc = self._sort
            rows.sort(key=lambda r: sort_key(self.value(r, col), desc))
        return rows

    def names(self) -> list[str]:
        return [r["experiment"] for r in self._shown]

    def row(self, i: int) -> dict:
        """The i-th row shown (after the filter, in sort order)."""
        return self._shown[i]

    def total(self) -> int:
        """How many runs the project has (shown or filtered out)."""
        return len(self._rows)

    def row_of(self, experiment: str) -> int:
        for i, r in enumerate(self._shown):
            if r["experiment"] == experiment:
                return i
        return -1

    # ---- QAbstractTableModel -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers())

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers()):
            if role == Qt.ItemDataRole.DisplayRole:
                return self.headers()[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                h = self.headers()[section]
                return f"{h}: click to sort" + (" (a summary column)" if h in self.columns else "")
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        row = self._shown[index.row()]
        col = self.headers()[index.column()]
        v = self.value(row, col)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == "created" and v:
                return _dt.datetime.fromtimestamp(v).strftime("%Y-%m-%d %H:%M")
            if col == "duration" and v is not None:
                return str(_dt.timedelta(seconds=round(v)))
            return _fmt(v)
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row['experiment']}\n{col}: {_fmt(v)}"
        if role == Qt.ItemDataRole.DecorationRole and col == "name":
            return run_icon(None, self.swatches.get(row["experiment"])) if self.swatches else None
        if role == Qt.ItemDataRole.ForegroundRole and col == "state":
            return QBrush(QColor(state_color(str(v))))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(v, (int, float)) and not isinstance(v, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def set_swatches(self, styles: dict) -> None:
        """The runs the charts draw now and their styles: the name cells whose swatch changed are told."""
        old, self.swatches = self.swatches, dict(styles)
        if "name" not in self.headers():
            return
        col = self.headers().index("name")
        for r, row in enumerate(self._shown):
            name = row["experiment"]
            if old.get(name) != self.swatches.get(name):
                idx = self.index(r, col)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.headers()):
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = (self.headers()[column], order == Qt.SortOrder.DescendingOrder)
        self._shown = self._passing()
        self.layoutChanged.emit()


class RunsTable(QWidget):
    """The dock's widget: filter box (with its error line), add-column box, the table."""

    sig_compare_requested = Signal()
    """Compare selected runs… in the table's context menu (the window opens the run diff)."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.model = RunsModel(workspace, self)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText('Filter: lr < 0.01 and optimizer == "adam"   accuracy:max > 0.9   '
                                            'name ~ "seed"')
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.count_label = QLabel("", self)  # "10 of 20 runs shown" while the filter hides some
        self.count_label.setObjectName("FilterCount")
        self.error = QLabel("", self)
        self.error.setObjectName("InputError")
        self.error.setVisible(False)
        self.column_edit = QLineEdit(self)
        self.column_edit.setPlaceholderText("Add a column: accuracy:max, channel:loss:last …")
        self.completion = QStringListModel(self)
        completer = QCompleter(self.completion, self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.column_edit.setCompleter(completer)
        self.column_edit.returnPressed.connect(self._on_add_column)
        completer.activated.connect(lambda text: (self.column_edit.setText(text), self._on_add_column()))
        self.group_edit = QLineEdit(self)
        self.group_edit.setPlaceholderText('Group by: lr, optimizer.name, tags, name ~ "(.*)-seed\\d+"')
        self.group_edit.setToolTip("Group the selected runs: the charts draw each group as its mean and a band.\n"
                                   "Params by name (nested ones as optimizer.lr), tags, and one name ~ \"REGEX\"\n"
                                   "(runs whose captured text is equal are one group). Empty: no groups.")
        self.group_edit.setClearButtonEnabled(True)
        self.group_error = QLabel("", self)
        self.group_error.setObjectName("InputError")
        self.group_error.setVisible(False)
        self._group_timer = QTimer(self)
        self._group_timer.setSingleShot(True)
        self._group_timer.setInterval(500)  # typing "lr, opt..." regroups once, not per key
        self._group_timer.timeout.connect(self.apply_grouping)
        self.group_edit.textEdited.connect(lambda _t: self._group_timer.start())
        self.group_edit.returnPressed.connect(self.apply_grouping)
        self.remove_button = QPushButton("Remove column", self)
        self.remove_button.clicked.connect(lambda _c=False: self.remove_current_column())
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._sized_for: list[str] = []
        self.view.verticalHeader().setVisible(False)
        self.view.setIconSize(SWATCH)  # a drawn run's swatch before its name
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.compare_action = QAction("Compare selected runs…", self.view)  # the table's context menu
        self.compare_action.triggered.connect(lambda _c=False: self.sig_compare_requested.emit())
        self.view.addAction(self.compare_action)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        workspace.sig_selection_changed.connect(lambda _s: self.compare_action.setEnabled(len(workspace.selection()) >= 2))
        self.model.modelReset.connect(self._after_reset)
        self.model.sig_shown.connect(self._say_count)
        self.model.sig_shown.connect(self._show_selection)  # rows back from the filter: selected again
        self.model.layoutChanged.connect(self._show_selection)
        row = QHBoxLayout()
        row.addWidget(self.column_edit, 1)
        row.addWidget(self.remove_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        frow = QHBoxLayout()
        frow.addWidget(self.filter_edit, 1)
        frow.addWidget(self.count_label)
        lay.addLayout(frow)
        lay.addWidget(self.error)
        lay.addWidget(self.group_edit)
        lay.addWidget(self.group_error)
        lay.addLayout(row)
        lay.addWidget(self.view, 1)
        self._quiet = False
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(300)
        self._reload_timer.timeout.connect(self.reload)
        self._stale = True  # rows are computed when the table is on screen
        workspace.sig_project_changed.connect(self._on_project_change)
        workspace.sig_catalog_changed.connect(self._reload_timer.start)
        workspace.sig_experiments_updated.connect(self._reload_timer.start)
        workspace.sig_points_appended.connect(lambda _k: self._reload_timer.start())
        workspace.sig_resolution_changed.connect(self._on_resolution_change)
        workspace.sig_selection_changed.connect(lambda _s: self._show_selection())
        for sig in (workspace.sig_selection_changed, workspace.sig_grouping_changed, workspace.sig_catalog_changed,
                    workspace.sig_project_changed):
            sig.connect(self._show_swatches)
        workspace.sig_filter_changed.connect(self._on_filter_changed)
        self._on_project_change()

    # ---- columns ------------------------------------------------------------------------
    def _settings(self) -> Settings:
        """This store's session: each project's columns and Group by (never another store's)."""
        return Settings(self.ws.store)

    def _on_project_change(self, _p: str = "") -> None:
        settings, project = self._settings(), self.ws.project
        cols = settings.get(prefs.RUNS_COLUMNS, project) if project else []
        grouping = settings.get(prefs.GROUP_BY, project) if project else ""
        self.group_edit.setText(grouping)
        self.apply_grouping(save=False)
        self.model.columns = [str(c) for c in cols]
        refs = [f"{a}:{r}" for a in self.ws.aliases() for r in query.REDUCERS]
        refs += [f"channel:{c}:{r}" for c in self.ws.project_channels() for r in ("last", "min", "max")]
        self.completion.setStringList(refs)
        text = self.ws.run_filter().text  # each project has its own filter
        if self.filter_edit.text() != text:
            self.filter_edit.setText(text)
        else:
            self._on_filter_changed(text, self.ws.run_filter().error)
        self.reload()

    # ---- groups -------------------------------------------------------------------------
    def apply_grouping(self, save: bool = True) -> bool:
        """Group the selected runs by what the box says (a bad text groups nothing and says why)."""
        self._group_timer.stop()
        try:
            by = GroupBy.parse(self.group_edit.text())
        except ChartDeskError as exc:
            self.group_error.setText(str(exc))
            self.group_error.setVisible(True)
            set_invalid(self.group_edit, True)
            self.ws.set_group_by(None)
            return False
        self.group_error.setVisible(False)
        set_invalid(self.group_edit, False)
        self.ws.set_group_by(by)
        if save and self.ws.project:
            self._settings().set(prefs.GROUP_BY, str(by) if by else "", self.ws.project)
        return True

    def _on_resolution_change(self, aliases, _experiments) -> None:
        """Recompute the rows only when a column (the filter's too) reads an alias whose meaning
        moved (``aliases`` None: any alias may have)."""
        known = self.ws.aliases()
        read = {parsed[1] for parsed in map(lambda c: _parse(c, known), self.model.columns)
                if parsed is not None and parsed[0] == "alias"}
        if read and (aliases is None or read & set(aliases)):
            self._reload_timer.start()

    def reload(self) -> None:
        """Recompute the rows now if the table is on screen or its filter needs them (what it
        filters out is not drawn either), else when it is shown (the rows of 1,000 runs are not
        worth computing for nobody)."""
        if self.isVisible() or self.ws.run_filter().tree is not None:
            self._stale = False
            self.model.reload()
        else:
            self._stale = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def add_column(self, text: str) -> bool:
        text = text.strip()
        try:
            kind, name, reducer = query.parse_column(text, self.ws.aliases())
        except ChartDeskError as exc:
            self._show_error(str(exc))
            return False
        col = f"{kind}:{name}:{reducer}"
        if col not in self.model.columns:
            self.model.columns.append(col)
            self._save_columns()
            self.reload()
        self._show_error("")
        return True

    def remove_current_column(self) -> None:
        idx = self.view.currentIndex()
        if idx.isValid():
            col = self.model.headers()[idx.column()]
            if col in self.model.columns:
                self.model.columns.remove(col)
                self._save_columns()
                self.reload()

    def _save_columns(self) -> None:
        if self.ws.project:
            self._settings().set(prefs.RUNS_COLUMNS, list(self.model.columns), self.ws.project)

    def _on_add_column(self) -> None:
        if self.add_column(self.column_edit.text()):
            self.column_edit.clear()

    # ---- filter -------------------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        set_invalid(self.filter_edit, bool(text))

    def _on_filter_text(self, text: str) -> None:
        self.ws.set_filter(text)
        missing = self.ws.run_filter().needs(self.model.columns)
        if missing:  # a summary the filter reads: computed (and shown) as a column
            self.model.columns.extend(missing)
            self.reload()

    def _on_filter_changed(self, text: str, error: str) -> None:
        if self.filter_edit.text() != text:
            self.filter_edit.setText(text)
        self._show_error(error)  # a bad expression filters nothing and says why
        self.model.refilter()

    def _say_count(self) -> None:
        shown, total = self.model.rowCount(), self.model.total()
        self.count_label.setText(f"{shown} of {total} shown" if shown != total else "")
        self.count_label.setVisible(shown != total)

    def _show_swatches(self, *_args) -> None:
        """Each drawn run's swatch in its name cell (``chartdesk.colors``: the curves' style)."""
        key = keys(self.ws.experiment_names())
        self.model.set_swatches(run_styles(self.ws.selection(), lambda n: key.get(n, -1), self.ws.groups()))

    # ---- one selection ----------------------------------------------------------------------
    def _after_reset(self) -> None:
        headers = self.model.headers()
        if headers != self._sized_for and self.model.rowCount():  # size columns when they change, not per reload
            self._sized_for = headers
            self._size_columns(headers)
        self._show_selection()

    def _size_columns(self, headers: list[str]) -> None:
        """Widths from the header and the first rows' text (Qt's resizeColumnsToContents asks
        every role of every cell: 0.13 s of the GUI thread for 65 columns)."""
        fm = self.view.fontMetrics()
        rows = range(min(20, self.model.rowCount()))
        display = Qt.ItemDataRole.DisplayRole
        for c, h in enumerate(headers):
            widest = max([fm.horizontalAdvance(h) + 24] +
                         [fm.horizontalAdvance(str(self.model.data(self.model.index(r, c), display) or "")) + 12
                          for r in rows])
            self.view.setColumnWidth(c, min(widest, 220))

    def _show_selection(self) -> None:
        sm = self.view.selectionModel()
        sel = QItemSelection()
        last = self.model.columnCount() - 1
        for name in self.ws.selection():
            r = self.model.row_of(name)
            if r >= 0 and last >= 0:
                sel.select(self.model.index(r, 0), self.model.index(r, last))
        self._quiet = True
        try:
            sm.select(sel, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._quiet = False

    def _on_view_selection(self, *_):
        if self._quiet or self.model.updating:  # we show the selection, or rows are going and coming
            return
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows(0)})
        names = [self.model.names()[r] for r in rows if r < len(self.model.names())]
        if names:
            self.ws.select_experiments(names)

