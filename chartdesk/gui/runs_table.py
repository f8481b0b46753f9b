"""The runs table (a dock): one row per experiment with its state, tags, times, every param
(nested ones flattened: ``optimizer.lr``) and the summary columns the user adds
(``alias:accuracy:max``). A filter box takes the grammar of ``chartdesk.query``; a bad
expression is shown in red with its one-line reason and filters nothing. Clicking a header sorts
(missing and NaN last either way). The table's selection is the workspace's selection: selecting
rows here selects the runs in the tree and the charts, and the other way round. The "Group by"
box groups the selected runs (params, tags, a name pattern): the charts then draw each group as
its mean and band; saved per project.

Columns behave as in any table: the header's context menu (and the Columns button) sorts, hides,
shows, moves, sizes, adds and removes them, whatever cells are selected (the selection of runs is
never touched); sections are dragged to reorder and their edges to size. The name column is
frozen: it stays on the left while the others scroll (a second view over the same model and
selection lies over the table's left edge, Qt's frozen-column pattern). A summary column just
added is scrolled to and highlighted for a moment. The arrangement (summary columns, order,
hidden ones, widths, sort) is the app layer's ``ColumnLayout``, saved per project of the store.
Numbers are right-aligned with one precision per column, so decimal points line up
(``chartdesk.app.cells``, the report's rule too).

The model reads rows computed by ``chartdesk.runs.table`` (in the window's worker processes for a
large project, see ``chartdesk.app.pool``, so the GUI thread never waits for the GIL) and follows
the workspace: a catalog change, a run that grew, or an alias a column reads re-reads them. What
the filter shows is the session's (``chartdesk.app.runfilter``): the table, the charts and the
groups agree.
"""
from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
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
from PySide6.QtGui import QAction, QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .. import offload, query
from ..app import preferences as prefs
from ..app.cells import NumberFormat, cell_text, is_number
from ..app.columns import FIELDS, FROZEN, ColumnLayout, TableRows, headers_of, table_rows
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
from .widgets import (
    SWATCH_ROLE,
    SwatchDelegate,
    compact_rows,
    menu_text,
    repaint_on_activation_only_if_changed,
    set_invalid,
)


def _parse(column: str, aliases) -> tuple[str, str, str] | None:
    """``query.parse_column``, None for a column that does not parse (it shows as missing)."""
    try:
        return query.parse_column(column, aliases)
    except ChartDeskError:
        return None


class RowsProcess:
    """The rows of a project with their columns' formats and widths' texts
    (``chartdesk.app.columns.table_rows``), computed in the window's worker processes
    (``WorkerPool``, shared with the chart views) when the project is large enough to pay for it,
    else, or when the pool cannot be had, on the calling thread (a worker thread of the table,
    never the GUI thread)."""

    #: Projects of fewer runs are computed on the calling thread: their rows take milliseconds,
    #: and starting a process (about a second of a core) would compete with the window's start.
    PROCESS_FROM = 100
    #: How long a first large project waits for the pool to start before computing here.
    START_TIMEOUT_S = 30.0

    def __init__(self, store, pool: WorkerPool) -> None:
        self._store = store
        self.pool = pool

    def rows(self, project: str, columns: list[str]) -> TableRows:
        from concurrent.futures.process import BrokenProcessPool

        if not self.pool.ready and len(self._store.experiments(project)) < self.PROCESS_FROM:
            return table_rows(self._store, project, columns)
        future = self.pool.submit(offload.call_in_worker, table_rows, project, columns) \
            if self.pool.wait_ready(self.START_TIMEOUT_S) else None
        if future is None:
            return table_rows(self._store, project, columns)
        try:
            return future.result()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:  # no process: the rows here then
            self.pool.broke(exc)
            return table_rows(self._store, project, columns)


class _Task(QRunnable):
    def __init__(self, process: RowsProcess, project, columns, generation, done, to_gui: ToGui) -> None:
        super().__init__()
        self.args = process, project, columns, generation, done, to_gui

    def run(self) -> None:
        process, project, columns, gen, done, to_gui = self.args
        try:
            table = process.rows(project, columns)
        except ChartDeskError as exc:
            to_gui.call(done, gen, None, str(exc))
            return
        to_gui.call(done, gen, table, "")


def _blocks(indexes: list[int]) -> list[tuple[int, int]]:
    """Ascending indexes as (first, last) runs of consecutive ones."""
    out: list[tuple[int, int]] = []
    for i in indexes:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


class RunsModel(QAbstractTableModel):
    """Rows of ``store.runs`` for the current project; sorted here, filtered by the session's filter.

    Its columns are the run fields, the params by name and the summary columns (``columns``), in
    that order; the views are told each column that comes or goes (``beginInsertColumns``,
    ``beginRemoveColumns``), and a new table (another project's rows) as a reset. Numbers are
    written with one precision per column (``chartdesk.app.cells``)."""

    sig_shown = Signal()
    """The shown rows were brought up to date (after the removals, insertions and changes)."""

    #: How long a column just added is highlighted.
    FLASH_MS = 1500

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._rows: list[dict] = []       # every run, as the store computed them
        self._shown: list[dict] = []      # after the filter, in sort order
        self._params: list[str] = []
        self.columns: list[str] = []      # REF:REDUCER the user added (and those the filter reads)
        self._headers: list[str] = [*FIELDS]  # the columns as the views were told
        self._rows_project: str | None = None  # whose rows these are (another project's: a new table)
        self._computing: set[str] = set()  # columns added whose values are being computed
        self._formats: dict[str, NumberFormat] = {}
        #: Per column, its longest texts in a sample of the rows (what its width is measured from).
        self.longest: dict[str, tuple[str, ...]] = {}
        self._sort: tuple[str, bool] | None = None
        self._gen = 0
        self._to_gui = ToGui(self)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.process = RowsProcess(workspace.store, workspace.pool)
        self.error = ""
        self.loading = False
        #: True while rows or columns go and come: selection changes then are not the user's.
        self.updating = False
        #: experiment -> the style the charts draw it with now (its swatch in the name column).
        self.swatches: dict = {}
        self.flashing: str | None = None  # the column highlighted since it was added
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.setInterval(self.FLASH_MS)
        self._flash_timer.timeout.connect(lambda: self.flash(None))

    # ---- feeding ------------------------------------------------------------------------
    def reload(self) -> None:
        """Recompute the rows off the GUI thread (results come back as a signal)."""
        self._gen += 1
        if not self._ws.project:
            self._on_rows(self._gen, TableRows([], [*FIELDS], {}, {}), "")
            return
        self.loading = True
        self._pool.start(_Task(self.process, self._ws.project, list(self.columns), self._gen, self._on_rows, self._to_gui))

    def wait(self, ms: int = 30000) -> None:
        self._pool.waitForDone(ms)

    def shutdown(self) -> None:
        """Wait for the rows under way (the workspace ends the worker processes)."""
        self.wait(10000)

    def _on_rows(self, gen: int, table: TableRows | None, error: str) -> None:
        """Rows, with their columns' number formats and longest texts (worked out with them off
        the GUI thread: the GUI thread reads no cell to format or size a column)."""
        if gen != self._gen:
            return
        self.loading = False
        rows = table.rows if table is not None else []
        self._ws.set_run_rows(rows)  # the filter is evaluated on them (one truth for every panel)
        self.error = error
        headers = headers_of(rows, self.columns)
        self._params = headers[len(FIELDS):len(headers) - len(self.columns)]
        done = self._computing & set(self.columns)
        self._computing -= done
        formats = table.formats if table is not None else {}
        self.longest = table.longest if table is not None else {}
        project = self._ws.project
        if project != self._rows_project:  # another project's runs: a new table, told as one
            self.beginResetModel()
            self._rows, self._headers, self._formats, self._rows_project = rows, headers, formats, project
            self._shown = self._passing()
            self.endResetModel()
            self.sig_shown.emit()
            return
        self._tell_columns(headers)
        restyled = done | {c for c in set(formats) | set(self._formats) if formats.get(c) != self._formats.get(c)}
        self._formats = formats
        self._rows = rows
        self._show(self._passing())
        last = len(self._shown) - 1
        for c in sorted(self._headers.index(h) for h in restyled if h in self._headers):  # their cells read anew
            if last >= 0:
                self.dataChanged.emit(self.index(0, c), self.index(last, c), [Qt.ItemDataRole.DisplayRole])

    def set_columns(self, columns: list[str]) -> None:
        """These summary columns, in this order: the views are told the columns that went and
        came at once (a new one shows "…" until its values are computed; ``reload`` computes them)."""
        old = set(self.columns)
        self.columns = list(dict.fromkeys(columns))
        self._computing = (self._computing | (set(self.columns) - old)) & set(self.columns)
        self._tell_columns([*FIELDS, *self._params, *self.columns])

    def _tell_columns(self, new: list[str]) -> None:
        """Make ``new`` the columns, telling the views the ones removed and inserted (the columns
        kept are in the same order: run fields, params by name, summaries in the order added)."""
        old = self._headers
        if old == new:
            return
        keep = set(new)
        had = set(old)
        if [h for h in old if h in keep] != [h for h in new if h in had]:  # not reached: said plainly if it were
            self.beginResetModel()
            self._headers = list(new)
            self.endResetModel()
            return
        self.updating = True
        try:
            for first, last in reversed(_blocks([i for i, h in enumerate(old) if h not in keep])):
                self.beginRemoveColumns(QModelIndex(), first, last)
                del self._headers[first:last + 1]
                self.endRemoveColumns()
            i = 0
            while i < len(new):
                if i < len(self._headers) and self._headers[i] == new[i]:
                    i += 1
                    continue
                j = i
                while j < len(new) and new[j] not in had:
                    j += 1
                self.beginInsertColumns(QModelIndex(), i, j - 1)
                self._headers[i:i] = new[i:j]
                self.endInsertColumns()
                i = j
        finally:
            self.updating = False

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
        """The columns, as the views were told them (logical order)."""
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

    def text(self, row: int, column: str) -> str:
        """What the cell of run ``row`` shows in ``column``."""
        return self.data(self.index(row, self._headers.index(column)))

    def number_format(self, column: str) -> NumberFormat | None:
        return self._formats.get(column)

    # ---- QAbstractTableModel -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            h = self._headers[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return h
            if role == Qt.ItemDataRole.ToolTipRole:
                return (f"{h}: click to sort, drag to move, right-click for the column's menu"
                        + (" (a summary column)" if h in self.columns else ""))
            if role == Qt.ItemDataRole.BackgroundRole and h == self.flashing:
                return self._flash_brush()
        return None

    _ROLES = frozenset({Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.DecorationRole,
                        Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.TextAlignmentRole,
                        Qt.ItemDataRole.BackgroundRole, SWATCH_ROLE})

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if role not in self._ROLES or not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None  # Qt asks a dozen roles per cell painted: the others are answered at once
        row = self._shown[index.row()]
        col = self._headers[index.column()]
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._flash_brush() if col == self.flashing else None
        if col in self._computing:
            if role == Qt.ItemDataRole.DisplayRole:
                return "…"
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"{col}: being computed"
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        v = self.value(row, col)
        if role == Qt.ItemDataRole.DisplayRole:
            return cell_text(col, v, self._formats.get(col))
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{row['experiment']}\n{col}: {cell_text(col, v)}"
        if role == Qt.ItemDataRole.DecorationRole and col == "name":
            return run_icon(None, self.swatches.get(row["experiment"])) if self.swatches else None
        if role == SWATCH_ROLE:
            return self.swatches.get(row["experiment"]) if col == "name" else None
        if role == Qt.ItemDataRole.ForegroundRole and col == "state":
            return QBrush(QColor(state_color(str(v))))
        if role == Qt.ItemDataRole.TextAlignmentRole and (is_number(v) or col == "duration") and col != "created":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # decimal points line up
        return None

    def set_swatches(self, styles: dict) -> None:
        """The runs the charts draw now and their styles: the name cells whose swatch changed are told."""
        old, self.swatches = self.swatches, dict(styles)
        if "name" not in self._headers:
            return
        col = self._headers.index("name")
        for r, row in enumerate(self._shown):
            name = row["experiment"]
            if old.get(name) != self.swatches.get(name):
                idx = self.index(r, col)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    # ---- sorting ------------------------------------------------------------------------------
    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        """Qt's sort (a click on a header): ``column`` -1 is the store's order."""
        if column >= len(self._headers):
            return
        self.set_sort((self._headers[column], order == Qt.SortOrder.DescendingOrder) if column >= 0 else None)

    def set_sort(self, sort: tuple[str, bool] | None) -> None:
        """Sort by (column, descending), or None: the store's order (a layout change)."""
        if sort == self._sort:
            return
        self.layoutAboutToBeChanged.emit()
        self._sort = sort
        old = self.persistentIndexList()
        before = [self._shown[i.row()]["experiment"] if 0 <= i.row() < len(self._shown) else None for i in old]
        self._shown = self._passing()
        where = {r["experiment"]: k for k, r in enumerate(self._shown)}
        self.changePersistentIndexList(old, [self.index(where[n], i.column()) if n in where else QModelIndex()
                                             for i, n in zip(old, before)])
        self.layoutChanged.emit()

    @property
    def sorted_by(self) -> tuple[str, bool] | None:
        return self._sort

    # ---- a column just added ------------------------------------------------------------------
    def flash(self, column: str | None) -> None:
        """Highlight this column's cells and header for ``FLASH_MS`` (None: no longer)."""
        cols = [c for c in (self.flashing, column) if c is not None and c in self._headers]
        self.flashing = column
        if column is not None:
            self._flash_timer.start()
        for c in {self._headers.index(h) for h in cols}:
            if self._shown:
                self.dataChanged.emit(self.index(0, c), self.index(len(self._shown) - 1, c),
                                      [Qt.ItemDataRole.BackgroundRole])
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, c, c)

    @staticmethod
    def _flash_brush() -> QBrush:
        color = QGuiApplication.palette().highlight().color()
        color.setAlpha(90)
        return QBrush(color)


class RunsView(QTableView):
    """The runs table with its name column frozen (Qt's frozen-column example): ``frozen``, a
    second view over the same model and selection showing only column 0, lies over the table's
    left edge and scrolls vertically with it; the table keeps column 0 first, under it. The frozen
    header's section is the name column's (click to sort, drag its edge to size, right-click for
    its menu)."""

    sig_enter = Signal(QModelIndex)
    """Enter or Return on the current row (the table opens that run's page)."""

    def __init__(self, model, parent=None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        f = self.frozen = QTableView(self)
        f.setObjectName("FrozenNames")
        f.setModel(model)
        f.setSelectionModel(self.selectionModel())  # one selection: a click on a name selects the run
        f.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        f.verticalHeader().hide()
        f.setFrameShape(QFrame.Shape.NoFrame)
        f.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        f.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        f.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        f.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        f.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for v in (self, f):  # a long run name loses what it shares with the others (not wrapped)
            v.setIconSize(SWATCH)  # a drawn run's swatch before its name
            v.setWordWrap(False)
            v.setItemDelegateForColumn(0, SwatchDelegate(v))  # names fitted, the swatch seen on a selected row
            v.setTextElideMode(Qt.TextElideMode.ElideMiddle)
            compact_rows(v)  # a line of text high, as the tree's rows (the header's 30 px fitted 18 of 20 runs)
        fh = f.horizontalHeader()
        fh.setSectionsClickable(True)
        fh.setSortIndicatorShown(True)
        fh.setHighlightSections(False)
        fh.sectionClicked.connect(self._on_frozen_click)
        fh.sectionResized.connect(self._on_frozen_resized)
        self.viewport().stackUnder(f)
        self.horizontalHeader().sectionResized.connect(self._on_section_resized)
        self.horizontalHeader().sortIndicatorChanged.connect(lambda *_: self.show_sort_indicator())
        self.verticalHeader().sectionResized.connect(lambda row, _o, new: f.setRowHeight(row, new))
        f.verticalScrollBar().valueChanged.connect(self.verticalScrollBar().setValue)
        self.verticalScrollBar().valueChanged.connect(f.verticalScrollBar().setValue)
        for sig in (model.columnsInserted, model.columnsRemoved, model.modelReset, model.layoutChanged):
            sig.connect(lambda *_: self._only_names())
        self._only_names()
        f.show()

    def _only_names(self) -> None:
        """The frozen view shows column 0 only, as wide as the table's."""
        f = self.frozen
        for c in range(1, self.model().columnCount()):
            if not f.isColumnHidden(c):
                f.setColumnHidden(c, True)
        if self.model().columnCount():
            f.setColumnHidden(0, False)
            if f.columnWidth(0) != self.columnWidth(0):
                f.setColumnWidth(0, self.columnWidth(0))
        self._place_frozen()

    def _on_section_resized(self, logical: int, _old: int, new: int) -> None:
        if logical == 0:
            if self.frozen.columnWidth(0) != new:
                self.frozen.setColumnWidth(0, new)
            self._place_frozen()

    def _on_frozen_resized(self, logical: int, _old: int, new: int) -> None:
        if logical == 0 and self.columnWidth(0) != new:
            self.setColumnWidth(0, new)  # the person dragged the name's edge: the table's column follows

    def _on_frozen_click(self, logical: int) -> None:
        """A click on the frozen name header sorts by name, as a click on any header does."""
        header = self.horizontalHeader()
        if header.sortIndicatorSection() == logical and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder:
            order = Qt.SortOrder.DescendingOrder
        else:
            order = Qt.SortOrder.AscendingOrder
        self.sortByColumn(logical, order)

    def show_sort_indicator(self) -> None:
        header, fh = self.horizontalHeader(), self.frozen.horizontalHeader()
        section = 0 if header.sortIndicatorSection() == 0 else -1
        fh.setSortIndicator(section, header.sortIndicatorOrder())

    def _place_frozen(self) -> None:
        fw = self.frameWidth()
        self.frozen.setGeometry(self.verticalHeader().width() + fw, fw, self.columnWidth(0),
                                self.viewport().height() + self.horizontalHeader().height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_frozen()

    def updateGeometries(self) -> None:
        super().updateGeometries()
        if hasattr(self, "frozen"):
            self._place_frozen()

    def moveCursor(self, action, modifiers):
        """Moving left with the keys scrolls so the current cell is not under the frozen names."""
        current = super().moveCursor(action, modifiers)
        if action == QAbstractItemView.CursorAction.MoveLeft and current.column() > 0:
            left = self.visualRect(current).left()
            if left < self.frozen.width():
                self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + left - self.frozen.width())
        return current

    def scrollTo(self, index, hint=QAbstractItemView.ScrollHint.EnsureVisible) -> None:
        """Column 0 is always in view (frozen); another column is scrolled clear of it."""
        if not index.isValid():
            return
        if index.column() == 0:
            # only the rows scroll: keep the horizontal position
            x = self.horizontalScrollBar().value()
            super().scrollTo(index, hint)
            self.horizontalScrollBar().setValue(x)
            return
        super().scrollTo(index, hint)
        left = self.visualRect(index).left()
        if left < self.frozen.width():
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + left - self.frozen.width())

    def keyPressEvent(self, event) -> None:  # Qt's name
        """Enter on a run opens it (``sig_enter``): a key of the table's own, not a shortcut, so
        an Enter meant for another widget (the column box beside it) never opens a page."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != QAbstractItemView.State.EditingState:
            self.sig_enter.emit(self.currentIndex())
            event.accept()
            return
        super().keyPressEvent(event)

    def column_in_view(self, logical: int) -> bool:
        """Whether the whole of column ``logical`` is in view, clear of the frozen names."""
        x = self.columnViewportPosition(logical)
        return logical == 0 or (x >= self.frozen.width() and x + self.columnWidth(logical) <= self.viewport().width())


class RunsTable(QWidget):
    """The dock's widget: filter box (with its error line), Group by, add-column box and Columns
    menu, the table."""

    sig_compare_requested = Signal()
    """Compare selected runs… in the table's context menu (the window opens the run diff)."""
    sig_open_run = Signal(str)
    """Open this run's page: double-click on its row, or Enter (the window opens it: gui.run_page)."""

    #: Widths a person gives by dragging are saved this long after the last move of the edge.
    SAVE_DELAY_MS = 400
    #: A column sized to its text is at most this wide (the header's menu fits it wider).
    AUTO_WIDTH_MAX = 220
    #: The frozen name column, sized to its text, takes at most this share (%) of the table's width.
    NAME_SHARE = 60

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.model = RunsModel(workspace, self)
        self.columns_layout = ColumnLayout()  # this project's, as the person arranged it
        self._layout_project: str | None = None
        self._saved: dict = {}  # the layout's settings as last written
        self._arranging = 0  # >0 while the view is arranged from the layout (not the person's doing)
        self._sized: set[str] = set()  # columns sized to their text since the project was shown
        self._showing: str | None = None  # a column just added, scrolled to again once sized
        self._name_width = 0  # the name column's text width (it is fitted to the table's width)
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
        self.columns_button = QToolButton(self)
        self.columns_button.setText("Columns")
        self.columns_button.setToolTip("Show, hide, add and remove columns (or right-click a column's header)")
        self.columns_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.columns_menu = QMenu(self.columns_button)
        self.columns_menu.aboutToShow.connect(lambda: self._fill_columns_menu(self.columns_menu))
        self.columns_button.setMenu(self.columns_menu)
        self.view = RunsView(self.model, self)
        header = self.view.horizontalHeader()
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # the store's order until one is chosen
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionsMovable(True)  # drag a section to reorder (the name stays first)
        self.view.verticalHeader().setVisible(False)
        self.view.setIconSize(SWATCH)  # a drawn run's swatch before its name
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        for v in (self.view, self.view.frozen):  # 1,000 runs: the whole table at each activation otherwise
            repaint_on_activation_only_if_changed(v)
        self.view.viewport().installEventFilter(self)  # a narrower table: a narrower name column
        for h in (header, self.view.frozen.horizontalHeader()):
            h.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            h.customContextMenuRequested.connect(lambda pos, h=h: self._on_header_menu(h, pos))
        header.sectionMoved.connect(self._on_section_moved)
        header.sectionResized.connect(self._on_section_resized)
        header.sortIndicatorChanged.connect(self._on_sort_changed)
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(self.SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self._save_layout)
        self.view.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.compare_action = QAction("Compare selected runs…", self.view)  # the table's context menu
        self.compare_action.triggered.connect(lambda _c=False: self.sig_compare_requested.emit())
        self.open_action = QAction("Open run page\tEnter", self.view)
        self.open_action.triggered.connect(lambda _c=False: self._open_row(self.view.currentIndex()))
        self.view.sig_enter.connect(self._open_row)
        self.view.addAction(self.open_action)
        for v in (self.view, self.view.frozen):
            v.doubleClicked.connect(self._open_row)
        self.view.addAction(self.compare_action)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        # the frozen names have the table's context menu too (its actions, whatever they are then)
        self.view.frozen.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.frozen.customContextMenuRequested.connect(self._on_names_menu)
        workspace.sig_selection_changed.connect(lambda _s: self.compare_action.setEnabled(len(workspace.selection()) >= 2))
        self.model.modelReset.connect(self._after_reset)
        self.model.columnsInserted.connect(lambda *_: self._after_columns())
        self.model.columnsRemoved.connect(lambda *_: self._after_columns())
        self.model.sig_shown.connect(self._say_count)
        self.model.sig_shown.connect(self._show_selection)  # rows back from the filter: selected again
        self.model.sig_shown.connect(self._size_new_columns)
        self.model.layoutChanged.connect(self._show_selection)
        row = QHBoxLayout()
        row.addWidget(self.column_edit, 1)
        row.addWidget(self.columns_button)
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

    # ---- the project's columns -------------------------------------------------------------
    def _settings(self) -> Settings:
        """This store's session: each project's columns and Group by (never another store's)."""
        return Settings(self.ws.store)

    def _on_project_change(self, _p: str = "") -> None:
        self._save_layout()  # a width still being saved is the previous project's
        settings, project = self._settings(), self.ws.project
        self.columns_layout = ColumnLayout.load(lambda key: settings.get(key, project)) if project else ColumnLayout()
        self._layout_project = project
        self._saved = self.columns_layout.values()  # what the settings hold now
        self._sized = set()
        grouping = settings.get(prefs.GROUP_BY, project) if project else ""
        self.group_edit.setText(grouping)
        self.apply_grouping(save=False)
        # the new project's columns and sort; its rows (a new table) come with ``reload``
        self.model.columns = list(self.columns_layout.summaries)
        self.model.set_sort(self.columns_layout.sort)
        refs = [f"{a}:{r}" for a in self.ws.aliases() for r in query.REDUCERS]
        refs += [f"channel:{c}:{r}" for c in self.ws.project_channels() for r in ("last", "min", "max")]
        self.completion.setStringList(refs)
        text = self.ws.run_filter().text  # each project has its own filter
        if self.filter_edit.text() != text:
            self.filter_edit.setText(text)
        else:
            self._on_filter_changed(text, self.ws.run_filter().error)
        self.reload()

    def _save_layout(self) -> None:
        """The layout into this project's settings (at once; widths being dragged come here
        ``SAVE_DELAY_MS`` after the last move)."""
        self._save_timer.stop()
        if not self._layout_project:
            return
        values = self.columns_layout.values()
        changed = {k: v for k, v in values.items() if self._saved.get(k) != v}
        if changed:  # one write of what changed (a sort is one key, not six file writes)
            self._settings().set_many(changed, self._layout_project)
            self._saved = values

    def hideEvent(self, event) -> None:
        self._save_layout()  # the window closes (or the panel is hidden): nothing waits
        super().hideEvent(event)

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

    # ---- adding and removing columns --------------------------------------------------------
    def add_column(self, text: str) -> bool:
        """Add a summary column (``accuracy:max``): it comes at the right at once ("…" until its
        values are computed), is scrolled to and highlighted for a moment."""
        text = text.strip()
        try:
            kind, name, reducer = query.parse_column(text, self.ws.aliases())
        except ChartDeskError as exc:
            self._show_error(str(exc))
            return False
        col = f"{kind}:{name}:{reducer}"
        self.columns_layout.add_summary(col)
        if col not in self.model.columns:
            self.model.set_columns([*self.model.columns, col])
            self.reload()
        self._save_layout()
        self._arrange()
        self._show_error("")
        self.show_column(col)
        return True

    def show_column(self, column: str) -> None:
        """Scroll to ``column`` and highlight it for a moment (``RunsModel.FLASH_MS``); a column
        whose values are still being computed is scrolled to again once it has its width."""
        if column not in self.model.headers():
            return
        if self.view.isColumnHidden(self.model.headers().index(column)):
            self.set_hidden(column, False)
        self._showing = column
        self._scroll_to(column)
        self.model.flash(column)

    def _scroll_to(self, column: str) -> None:
        """The whole column in view right of the frozen names; one wider than the room left has
        its right edge in view (numbers are right-aligned)."""
        logical = self.model.headers().index(column)
        bar, view = self.view.horizontalScrollBar(), self.view
        view.updateGeometries()  # the scroll range for a column just inserted (Qt lays it out later)
        x, width, room = view.columnViewportPosition(logical), view.columnWidth(logical), view.viewport().width()
        if x + width > room:
            bar.setValue(bar.value() + x + width - room)
        elif x < view.frozen.width():
            bar.setValue(bar.value() - (view.frozen.width() - x))

    def remove_column(self, column: str) -> bool:
        """Take a summary column out (the header's menu or the Columns menu): its cells go, the
        selected runs stay selected."""
        if column not in self.model.columns:
            return False
        self.columns_layout.remove_summary(column)
        self.model.set_columns([c for c in self.model.columns if c != column])
        self._save_layout()
        return True

    def set_hidden(self, column: str, hidden: bool) -> bool:
        """Hide or show a column (never the name); it keeps its place and width."""
        if column not in self.model.headers() or not self.columns_layout.set_hidden(column, hidden):
            return False
        self._arrange()
        self._save_layout()
        return True

    def show_all_columns(self) -> None:
        if self.columns_layout.show_all():
            self._arrange()
            self._save_layout()

    def move_column(self, column: str, step: int) -> bool:
        """One place left (-1) or right (+1) among the shown columns (never before the name)."""
        if not self.columns_layout.move(self.model.headers(), column, step):
            return False
        self._arrange()
        self._save_layout()
        return True

    def fit_column(self, column: str) -> None:
        """As wide as its header and text (kept as the person's width)."""
        if column in self.model.headers():
            width = self._text_width(self.model.headers().index(column), limit=None)
            self.columns_layout.set_width(column, width)
            self._arrange()
            self._save_layout()

    def fit_all_columns(self) -> None:
        """Every column as wide as its text again (the widths given by hand are forgotten)."""
        self.columns_layout.widths.clear()
        self._sized = set()
        self._size_new_columns()
        self._save_layout()

    def sort_by(self, column: str | None, descending: bool = False) -> None:
        """Sort by a column (None: the store's order), as a click on its header does."""
        header = self.view.horizontalHeader()
        if column is None:
            header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        elif column in self.model.headers():
            self.view.sortByColumn(self.model.headers().index(column),
                                   Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder)

    def _on_add_column(self) -> None:
        if self.add_column(self.column_edit.text()):
            self.column_edit.clear()

    def ask_for_column(self) -> None:
        """Add summary column…: the column asked for in a dialog, with the completions."""
        text, ok = QInputDialog.getItem(self, "Add summary column", "Column (REF:REDUCER, e.g. accuracy:max):",
                                        self.completion.stringList(), 0, True)
        if ok and text.strip():
            self.add_column(text)

    # ---- the menus ------------------------------------------------------------------------------
    def _on_header_menu(self, header: QHeaderView, pos) -> None:
        logical = header.logicalIndexAt(pos)
        if not 0 <= logical < len(self.model.headers()):
            return
        self.menu = self.header_menu(self.model.headers()[logical])
        self.menu.popup(header.viewport().mapToGlobal(pos))

    def header_menu(self, column: str) -> QMenu:
        """The menu of one column's header: sort, move, hide, remove, size, add, and every column."""
        menu = QMenu(self)
        title = menu.addAction(menu_text(column))
        title.setEnabled(False)
        sort = self.model.sorted_by
        for text, desc in (("Sort ascending", False), ("Sort descending", True)):
            act = menu.addAction(text)
            act.setCheckable(True)
            act.setChecked(sort == (column, desc))
            act.triggered.connect(lambda _c=False, d=desc: self.sort_by(column, d))
        unsort = menu.addAction("Unsorted (the store's order)")
        unsort.setEnabled(sort is not None)
        unsort.triggered.connect(lambda: self.sort_by(None))
        menu.addSeparator()
        shown = [c for c in self.columns_layout.shown_order(self.model.headers()) if not self.columns_layout.is_hidden(c)]
        at = shown.index(column) if column in shown else -1
        left = menu.addAction("Move left")
        left.setEnabled(column != FROZEN and at > 1)
        left.triggered.connect(lambda: self.move_column(column, -1))
        right = menu.addAction("Move right")
        right.setEnabled(column != FROZEN and 0 <= at < len(shown) - 1)
        right.triggered.connect(lambda: self.move_column(column, +1))
        hide = menu.addAction("Hide column")
        hide.setEnabled(column != FROZEN)
        if column == FROZEN:
            hide.setToolTip("The name column is always shown")
        hide.triggered.connect(lambda: self.set_hidden(column, True))
        remove = menu.addAction("Remove column")
        remove.setEnabled(column in self.model.columns)
        remove.setToolTip("Take this summary column out of the table" if column in self.model.columns
                          else "Only summary columns are removed; a run field or param can be hidden")
        remove.triggered.connect(lambda: self.remove_column(column))
        menu.addSeparator()
        menu.addAction("Fit width to contents").triggered.connect(lambda: self.fit_column(column))
        menu.addAction("Fit every column").triggered.connect(self.fit_all_columns)
        menu.addSeparator()
        menu.addAction("Add summary column…").triggered.connect(self.ask_for_column)
        columns = menu.addMenu("Columns")
        self._fill_columns_menu(columns)
        menu.setToolTipsVisible(True)
        return menu

    def _fill_columns_menu(self, menu: QMenu) -> None:
        """Every column, ticked when shown (untick to hide), Show all, Remove ▸ each summary
        column, Add summary column…"""
        menu.clear()
        for col in self.columns_layout.shown_order(self.model.headers()):
            act = menu.addAction(menu_text(col))
            act.setCheckable(True)
            act.setChecked(not self.columns_layout.is_hidden(col))
            act.setEnabled(col != FROZEN)
            act.toggled.connect(lambda on, c=col: self.set_hidden(c, not on))
        menu.addSeparator()
        show_all = menu.addAction("Show all columns")
        show_all.setEnabled(bool(self.columns_layout.hidden))
        show_all.triggered.connect(self.show_all_columns)
        if menu is self.columns_menu:
            remove = menu.addMenu("Remove column")
            for col in self.model.columns:
                remove.addAction(menu_text(col)).triggered.connect(lambda _c=False, c=col: self.remove_column(c))
            remove.setEnabled(bool(self.model.columns))
            menu.addAction("Add summary column…").triggered.connect(self.ask_for_column)

    def _open_row(self, index) -> None:
        if index.isValid() and 0 <= index.row() < self.model.rowCount():
            self.sig_open_run.emit(self.model.row(index.row())["experiment"])

    def _on_names_menu(self, pos) -> None:
        actions = self.view.actions()
        if actions:
            QMenu.exec(actions, self.view.frozen.viewport().mapToGlobal(pos), None, self.view.frozen)

    # ---- the view follows the layout ------------------------------------------------------------
    def _arrange(self) -> None:
        """Show the columns as the layout has them: order, hidden ones, widths, the sort."""
        headers = self.model.headers()
        header = self.view.horizontalHeader()
        layout = self.columns_layout
        self._arranging += 1
        try:
            for visual, col in enumerate(layout.shown_order(headers)):
                now = header.visualIndex(headers.index(col))
                if now != visual:
                    header.moveSection(now, visual)
            for logical, col in enumerate(headers):
                if self.view.isColumnHidden(logical) != layout.is_hidden(col):
                    self.view.setColumnHidden(logical, layout.is_hidden(col))
                width = layout.widths.get(col)
                if width and self.view.columnWidth(logical) != width:
                    self.view.setColumnWidth(logical, width)
            sort = layout.sort if layout.sort and layout.sort[0] in headers else None
            section = headers.index(sort[0]) if sort else -1
            order = Qt.SortOrder.DescendingOrder if sort and sort[1] else Qt.SortOrder.AscendingOrder
            if (header.sortIndicatorSection(), header.sortIndicatorOrder()) != (section, order) and \
                    (sort or header.sortIndicatorSection() >= 0):
                header.blockSignals(True)  # the model is sorted so already (``set_sort``)
                header.setSortIndicator(section, order)
                header.blockSignals(False)
                header.viewport().update()
                self.view.show_sort_indicator()
        finally:
            self._arranging -= 1

    def _after_columns(self) -> None:
        """Columns came or went: arranged as the layout says; rows selected in full again."""
        self._arrange()
        self._show_selection()

    def _size_new_columns(self) -> None:
        """Columns with no width of the person's are sized to their text once it is there."""
        if not self.model.rowCount():
            return
        headers = self.model.headers()
        self._arranging += 1
        try:
            for logical, col in enumerate(headers):
                if col in self._sized or col in self.columns_layout.widths or col in self.model._computing:
                    continue
                self._sized.add(col)
                if col == FROZEN:  # its whole text when there is room (``_fit_name``)
                    self._name_width = self._text_width(logical, limit=None)
                    self._fit_name()
                else:
                    self.view.setColumnWidth(logical, self._text_width(logical))
        finally:
            self._arranging -= 1
        if self._showing in self._sized and self._showing in headers:
            self._scroll_to(self._showing)
            self._showing = None

    def _fit_name(self) -> None:
        """The frozen name column at its text's width, but at most ``NAME_SHARE`` of a narrow
        table (the other columns need room to scroll through); a width the person gave is theirs."""
        if FROZEN in self.columns_layout.widths or FROZEN not in self.model.headers() or not self._name_width:
            return
        width = max(60, min(self._name_width, self.view.viewport().width() * self.NAME_SHARE // 100))
        logical = self.model.headers().index(FROZEN)
        if self.view.columnWidth(logical) != width:
            self._arranging += 1
            try:
                self.view.setColumnWidth(logical, width)
            finally:
                self._arranging -= 1

    def eventFilter(self, obj, event) -> bool:
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_name()
        return super().eventFilter(obj, event)

    def _text_width(self, logical: int, limit: int | None = AUTO_WIDTH_MAX) -> int:
        """A column's width from its header and its longest texts (``RunsModel.longest``, found
        where the rows were computed: reading and formatting 50 rows of 65 columns here stalled
        the window 20-160 ms as 1,000 runs arrived, sweep_views_bench.py); a column without them
        (none computed yet) from the first rows' text. Qt's resizeColumnsToContents asks every
        role of every cell."""
        fm = self.view.fontMetrics()
        h = self.model.headers()[logical]
        extra = SWATCH.width() + 8 if h == FROZEN else 0
        texts = self.model.longest.get(h)
        if texts is None:
            display = Qt.ItemDataRole.DisplayRole
            texts = [str(self.model.data(self.model.index(r, logical), display) or "")
                     for r in range(min(50, self.model.rowCount()))]
        widest = max([fm.horizontalAdvance(h) + 24] + [fm.horizontalAdvance(t) + 12 + extra for t in texts])
        return widest if limit is None else min(widest, limit)

    def _on_section_moved(self, _logical: int, _old: int, _new: int) -> None:
        """The person dragged a section: the order is kept (the name is put back first)."""
        if self._arranging:
            return
        header, headers = self.view.horizontalHeader(), self.model.headers()
        shown = [headers[header.logicalIndex(v)] for v in range(header.count())]
        self.columns_layout.arrange(shown)
        if shown[:1] != [FROZEN]:
            self._arrange()
        self._save_layout()

    def _on_section_resized(self, logical: int, _old: int, new: int) -> None:
        """The person dragged a section's edge: that width is kept (saved once the drag rests)."""
        if self._arranging or self.model.updating or not 0 <= logical < len(self.model.headers()) or new <= 0:
            return
        if self.columns_layout.set_width(self.model.headers()[logical], new):
            self._save_timer.start()

    def _on_sort_changed(self, logical: int, order) -> None:
        if self._arranging:
            return
        headers = self.model.headers()
        column = headers[logical] if 0 <= logical < len(headers) else None
        if self.columns_layout.set_sort(column, order == Qt.SortOrder.DescendingOrder):
            self._save_timer.start()  # written after the clicks (a write of the file is ~10 ms)

    # ---- filter -------------------------------------------------------------------------
    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(bool(text))
        set_invalid(self.filter_edit, bool(text))

    def _on_filter_text(self, text: str) -> None:
        self.ws.set_filter(text)
        missing = self.ws.run_filter().needs(self.model.columns)
        if missing:  # a summary the filter reads: computed (and shown) as a column, not saved
            self.model.set_columns([*self.model.columns, *missing])
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
        self._arrange()
        self._size_new_columns()
        self._show_selection()

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
        if names and set(names) != set(self.ws.selection()):
            self.ws.select_experiments(names)
