"""The project tree: projects > experiments > channels on a QAbstractItemModel, with a filter box.

The model adapts plain data (project names and each project's catalog) and owns nothing; it is
told what changed and inserts, removes, moves and updates only those rows, never resetting, so
expansion, selection and scroll position stay. The shown project's catalog comes from the
workspace; the other projects' catalogs, and the runs an expression in the filter box matches in
every project, are read off the GUI thread (``gui.tree_reader``). Experiments show their state
and tags; several can be selected to compare them. A press on a channel row chooses no runs until
the button comes up without a drag: dragging a channel onto the alias list leaves the compared
runs as they were.
"""
from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QStyledItemDelegate,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..app import preferences as prefs
from ..app.expansion import Expansion, Row
from ..colors import Style, keys, run_styles
from ..errors import ChartDeskError
from ..model import ChannelInfo, Experiment
from .legend import RUN_ICON, run_icon
from .settings import Settings
from .theme import state_color
from .tree_reader import Catalogs, Matches, TreeReader
from .widgets import SWATCH_ROLE, SwatchDelegate, plural, repaint_on_activation_only_if_changed, set_invalid

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
PROJECT_ROLE = Qt.ItemDataRole.UserRole + 2
EXPERIMENT_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4
CHANNEL_MIME = "application/x-chartdesk-channel"

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Node:
    kind: str  # "root", "project", "experiment", "channel"
    name: str
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    experiment: Experiment | None = None
    channel: ChannelInfo | None = None
    loaded: bool = False  # a project: its catalog was set

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0

    def project(self) -> str:
        node = self
        while node.kind not in ("project", "root"):
            node = node.parent
        return node.name


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    """Ascending row numbers as (first, last) runs of consecutive rows."""
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and out[-1][1] == r - 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _ago(ts: float | None) -> str:
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class ProjectTreeModel(QAbstractItemModel):
    """Two columns: name, and a short description (state and tags, or point count).

    It is told what changed and says exactly that to its views: ``set_projects`` and
    ``set_catalog`` compare what they are given with the rows held and insert, remove, move and
    update (``dataChanged``) only the rows that differ, so expansion, selection and scroll
    position stay as they are. It never resets."""

    HEADERS = ("Name", "Info")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _Node("root", "")
        #: (project, experiment) that appeared while the window was open (bold until selected).
        self.new_runs: set[tuple[str, str]] = set()
        #: (project, experiment) -> the style the charts draw it with now (its swatch).
        self.swatches: dict[tuple[str, str], Style] = {}

    # ---- feeding: told what changed ------------------------------------------------------
    def set_projects(self, names: Sequence[str]) -> None:
        """The store's projects, in this order: the rows of projects that are gone are removed,
        new ones inserted (without experiments until ``set_catalog``), the others kept as they are."""
        self._sync(self._root, [(n, None) for n in names], self._make_project, None)

    def add_project(self, name: str) -> None:
        """A project known to exist (the one the workspace has just shown), in name order."""
        if self._project_node(name) is not None:
            return
        names = self.projects()
        row = bisect.bisect(names, name)
        self.beginInsertRows(QModelIndex(), row, row)
        self._root.children.insert(row, _Node("project", name, self._root))
        self.endInsertRows()

    def remove_project(self, name: str) -> None:
        self.set_projects([n for n in self.projects() if n != name])

    def set_catalog(self, project: str, catalog: Sequence[tuple[Experiment, Sequence[ChannelInfo]]]) -> None:
        """One project's experiments with their channels, in this order (rows of the differences only)."""
        pnode = self._project_node(project)
        if pnode is None:
            return
        pnode.loaded = True
        before = len(pnode.children)
        self._sync(pnode, [(e.name, (e, chans)) for e, chans in catalog], self._make_experiment,
                   self._update_experiment)
        if len(pnode.children) != before:  # its Info says how many
            idx = self.createIndex(pnode.row(), 1, pnode)
            self.dataChanged.emit(idx, idx)

    def update_counts(self, project: str, channels: dict[str, list[ChannelInfo]]) -> None:
        """New point counts of some experiments' channels (a live run): only those rows change."""
        pnode = self._project_node(project)
        if pnode is None:
            return
        for enode in pnode.children:
            if enode.name not in channels:
                continue
            fresh = {c.name: c for c in channels[enode.name]}
            for row, cnode in enumerate(enode.children):
                if cnode.name in fresh and fresh[cnode.name] != cnode.channel:
                    cnode.channel = fresh[cnode.name]
                    idx = self.createIndex(row, 1, cnode)
                    self.dataChanged.emit(idx, idx)

    def mark_new(self, project: str, experiments: Iterable[str], on: bool = True) -> None:
        """Show these runs bold (new since the window opened), or no longer."""
        for name in experiments:
            key = (project, name)
            if (key in self.new_runs) == on:
                continue
            (self.new_runs.add if on else self.new_runs.discard)(key)
            idx = self.experiment_index(project, name)
            if idx.isValid():
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.FontRole])

    def set_swatches(self, project: str | None, styles: dict) -> None:
        """The runs the charts draw now and their styles (``chartdesk.colors.run_styles``): each
        shows its swatch before its state dot; only the rows whose swatch changed are told."""
        old = self.swatches
        self.swatches = {(project, n): st for n, st in styles.items()}
        for key in set(old) | set(self.swatches):
            if old.get(key) != self.swatches.get(key):
                idx = self.experiment_index(*key)
                if idx.isValid():
                    self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole])

    def _sync(self, parent: _Node, items: list[tuple[str, object]], make, update) -> None:
        """Make ``parent``'s children the named ``items`` in their order: remove the rows whose
        names are gone, move the others into place, insert the new ones (a block at a time), and
        let ``update(node, payload, row)`` announce what changed in a kept row."""
        pidx = self._index_of(parent)
        wanted = {name for name, _ in items}
        gone = [i for i, c in enumerate(parent.children) if c.name not in wanted]
        for first, last in reversed(_blocks(gone)):
            self.beginRemoveRows(pidx, first, last)
            del parent.children[first:last + 1]
            self.endRemoveRows()
        have = {c.name for c in parent.children}
        children = parent.children
        i = 0
        while i < len(items):
            name, payload = items[i]
            if name not in have:
                j = i
                while j < len(items) and items[j][0] not in have:
                    j += 1
                self.beginInsertRows(pidx, i, j - 1)
                children[i:i] = [make(n, p, parent) for n, p in items[i:j]]
                self.endInsertRows()
                i = j
                continue
            if children[i].name != name:  # a kept row further down comes up here
                k = next(k for k in range(i + 1, len(children)) if children[k].name == name)
                self.beginMoveRows(pidx, k, k, pidx, i)
                children.insert(i, children.pop(k))
                self.endMoveRows()
            if update is not None:
                update(children[i], payload, i)
            i += 1

    @staticmethod
    def _make_project(name: str, _payload, parent: _Node) -> _Node:
        return _Node("project", name, parent)

    @staticmethod
    def _make_experiment(name: str, payload, parent: _Node) -> _Node:
        exp, chans = payload
        node = _Node("experiment", name, parent, experiment=exp)
        node.children = [_Node("channel", c.name, node, channel=c) for c in chans]
        return node

    @staticmethod
    def _make_channel(name: str, channel: ChannelInfo, parent: _Node) -> _Node:
        return _Node("channel", name, parent, channel=channel)

    def _update_experiment(self, node: _Node, payload, row: int) -> None:
        exp, chans = payload
        count = len(node.children)
        self._sync(node, [(c.name, c) for c in chans], self._make_channel, self._update_channel)
        if node.experiment != exp or len(node.children) != count:  # its state, tags, tooltip
            node.experiment = exp
            self.dataChanged.emit(self.createIndex(row, 0, node), self.createIndex(row, 1, node))

    def _update_channel(self, node: _Node, channel: ChannelInfo, row: int) -> None:
        if node.channel != channel:
            node.channel = channel
            self.dataChanged.emit(self.createIndex(row, 0, node), self.createIndex(row, 1, node))

    def _index_of(self, node: _Node) -> QModelIndex:
        return QModelIndex() if node is self._root else self.createIndex(node.row(), 0, node)

    def _project_node(self, project: str) -> _Node | None:
        return next((n for n in self._root.children if n.name == project), None)

    # ---- QAbstractItemModel ---------------------------------------------------------------
    def _node(self, index: QModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        # Qt's hasIndex asks rowCount and columnCount back through Python: a painted cell asks
        # index() once per role it reads (through the filter's proxy), so those were most of a
        # repaint of the tree (which every activation of the window repaints)
        if parent.isValid():
            if parent.column() != 0:
                return QModelIndex()
            children = parent.internalPointer().children
        else:
            children = self._root.children
        if not (0 <= row < len(children) and 0 <= column < 2):
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: QModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        node = index.internalPointer().parent
        if node is None or node is self._root:
            return QModelIndex()
        return self.createIndex(node.row(), 0, node)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 2

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 2:
            return self.HEADERS[section]
        return None

    _FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
    _CHANNEL_FLAGS = _FLAGS | Qt.ItemFlag.ItemIsDragEnabled  # made once: a painted cell asks for its flags

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return self._CHANNEL_FLAGS if index.internalPointer().kind == "channel" else self._FLAGS

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = self._node(index)
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return node.name
            if node.kind == "experiment":
                tags = f" · {', '.join(node.experiment.tags)}" if node.experiment.tags else ""
                return f"{node.experiment.state}{tags}"
            if node.kind == "channel":
                return plural(node.channel.count, "point")
            if node.kind == "project":
                return plural(len(node.children), "experiment")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if node.kind == "experiment":
                e = node.experiment
                params = ", ".join(f"{k}={v}" for k, v in e.params.items())
                lines = [e.name, f"state: {e.state}", f"created: {_ago(e.created)}"]
                if e.finished:
                    lines.append(f"finished: {_ago(e.finished)}")
                if e.tags:
                    lines.append(f"tags: {', '.join(e.tags)}")
                if params:
                    lines.append(f"params: {params}")
                lines.append(plural(len(node.children), "channel"))
                return "\n".join(lines)
            return node.name
        if role == Qt.ItemDataRole.FontRole and node.kind == "experiment" and (node.parent.name, node.name) in self.new_runs:
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and node.kind == "experiment":
            return run_icon(node.experiment.state, self.swatches.get((node.parent.name, node.name)))
        if role == SWATCH_ROLE and col == 0 and node.kind == "experiment":
            return self.swatches.get((node.parent.name, node.name))
        if role == Qt.ItemDataRole.ForegroundRole and col == 1 and node.kind == "experiment":
            return QBrush(QColor(state_color(node.experiment.state)))
        if role == KIND_ROLE:
            return node.kind
        if role == PROJECT_ROLE:
            return node.project() if node.kind != "root" else None
        if role == EXPERIMENT_ROLE:
            if node.kind == "experiment":
                return node.name
            if node.kind == "channel":
                return node.parent.name
            return None
        if role == SEARCH_ROLE:
            if node.kind == "experiment":
                return " ".join([node.name, node.experiment.state, *node.experiment.tags])
            return node.name
        return None

    def mimeTypes(self) -> list[str]:
        return [CHANNEL_MIME, "text/plain"]

    def mimeData(self, indexes) -> QMimeData:
        names = list(dict.fromkeys(self._node(i).name for i in indexes if self._node(i).kind == "channel"))
        mime = QMimeData()
        mime.setData(CHANNEL_MIME, "\n".join(names).encode())
        mime.setText("\n".join(names))
        return mime

    def projects(self) -> list[str]:
        return [n.name for n in self._root.children]

    def loaded_projects(self) -> list[str]:
        """The projects whose experiments the model holds (``set_catalog`` was given them)."""
        return [n.name for n in self._root.children if n.loaded]

    # ---- lookups for the view --------------------------------------------------------------
    def project_index(self, project: str) -> QModelIndex:
        for i, node in enumerate(self._root.children):
            if node.name == project:
                return self.createIndex(i, 0, node)
        return QModelIndex()

    def experiment_index(self, project: str, experiment: str) -> QModelIndex:
        p = self.project_index(project)
        if not p.isValid():
            return QModelIndex()
        for i, node in enumerate(self._node(p).children):
            if node.name == experiment:
                return self.createIndex(i, 0, node)
        return QModelIndex()


_OPERATORS = ("==", "!=", "<", ">", "~", " in ", " and ", " or ")
FILTER_HINT = 'Filter by text, or by an expression on the runs of every project: lr < 0.01 and optimizer == "adam"'


def _looks_like_expression(text: str) -> bool:
    return any(op in text for op in _OPERATORS)


class _ElideRight(QStyledItemDelegate):
    """The Info column reads left to right (the state first): cut at the end."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class _Filter(QSortFilterProxyModel):
    """Plain text (``text``) matches names, states, tags and channels, case-insensitively; an
    expression of the runs grammar (``lr < 0.01``) keeps the runs it matched in each project
    (``matched``: {project: runs}) with their channels, and hides the projects with none."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)  # a row is shown when it or a row under it passes
        self.text = ""
        self.matched: dict[str, frozenset[str]] | None = None

    def set_filter(self, text: str, matched: dict[str, frozenset[str]] | None) -> None:
        """Filter by ``text`` or, when ``matched`` is not None, by what an expression matched."""
        if (text, matched) == (self.text, self.matched):
            return
        self.beginFilterChange()  # Qt 6.10's way to say the filter changed
        self.text, self.matched = text, matched
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent) -> bool:
        idx = self.sourceModel().index(row, 0, parent)
        if self.matched is None:
            return not self.text or self.text.casefold() in str(idx.data(SEARCH_ROLE)).casefold()
        if idx.data(KIND_ROLE) == "project":
            return False  # shown for the runs that pass under it
        return idx.data(EXPERIMENT_ROLE) in self.matched.get(idx.data(PROJECT_ROLE), ())


class _TreeView(QTreeView):
    """The tree's view. A press on a channel row selects that row in the view (a drag carries
    the view's selected rows) but is no choice of runs yet: the press is ``holding`` until the
    button comes up without a drag (``sig_clicked``: a click, which chooses as before) or a drag
    that started from it ends (``sig_drag_done``: nothing was chosen)."""

    sig_clicked = Signal()
    sig_drag_done = Signal()
    sig_open = Signal(object)
    """A run's row was double-clicked (its index): its page opens, the row is not expanded."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.holding = False

    def mousePressEvent(self, event) -> None:
        idx = self.indexAt(event.position().toPoint())
        self.holding = (event.button() == Qt.MouseButton.LeftButton and idx.isValid()
                        and idx.data(KIND_ROLE) == "channel")
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)  # a press on a selected row selects on release
        if self.holding:
            self.holding = False
            self.sig_clicked.emit()

    def mouseDoubleClickEvent(self, event) -> None:
        idx = self.indexAt(event.position().toPoint())
        if event.button() == Qt.MouseButton.LeftButton and idx.isValid() and idx.data(KIND_ROLE) == "experiment":
            event.accept()
            self.sig_open.emit(idx)
            return
        super().mouseDoubleClickEvent(event)

    def startDrag(self, actions) -> None:
        self.holding = False
        try:
            super().startDrag(actions)  # until the drop (or Escape)
        finally:
            self.sig_drag_done.emit()


class ProjectTree(QWidget):
    sig_open_run = Signal(str)
    """Open this run's page (a run of the shown project): double-click or Enter on its row."""

    """Filter box + tree over the workspace's store. It follows the workspace: the shown project's
    experiments and channels come from it (``ws.experiments()``, ``ws.channels``) as they change;
    the other projects' catalogs are read off the GUI thread (``TreeReader``) when the workspace
    says the store's catalog moved (``sig_projects_changed``) or another project is shown. It
    hands the user's selection back to the workspace (from a press on a channel row only when it
    was a click, not the start of a drag); a row that goes away or that the filter hides is no
    choice of runs. Its context menu and the Delete and F2 keys rename and delete experiments and
    projects; double-click or Enter on a run asks for its page (``sig_open_run``).

    The filter box takes plain text (names, states, tags, channels: applied as it is typed) or an
    expression of the runs grammar, evaluated on the runs of every project off the GUI thread,
    ``FILTER_DELAY_MS`` after the last keystroke (Return: at once); a bad one is outlined red
    (its ``invalid`` property, resources/style.qss) with its reason in the tooltip and filters
    nothing."""

    #: An expression is evaluated this long after the last keystroke.
    FILTER_DELAY_MS = 250
    #: While an expression filters, runs that changed are evaluated again after this long.
    REFILTER_MS = 500
    #: The Info column's width until the person drags the divider (at most 35% of a narrow
    #: tree's width; theirs at most half); Name takes the rest (at least ``NAME_MIN_WIDTH``).
    INFO_WIDTH = 110
    NAME_MIN_WIDTH = 80

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.model = ProjectTreeModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.reader = TreeReader(workspace.store, self)
        self.reader.sig_catalogs.connect(self._on_catalogs)
        self.reader.sig_matched.connect(self._on_matched)
        self.reader.sig_failed.connect(lambda why: log.warning("the project tree could not read the store: %s", why))
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter experiments, tags, channels…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip(FILTER_HINT)
        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.filter_edit.returnPressed.connect(self._evaluate_expression)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(self.FILTER_DELAY_MS)
        self._filter_timer.timeout.connect(self._evaluate_expression)
        self._refilter_timer = QTimer(self)
        self._refilter_timer.setSingleShot(True)
        self._refilter_timer.setInterval(self.REFILTER_MS)
        self._refilter_timer.timeout.connect(self._evaluate_expression)
        self.matches: Matches | None = None  # what the expression in the box matched, once evaluated
        self.view = _TreeView(self)
        self.view.setModel(self.proxy)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)  # Info takes what Name leaves
        header.sectionResized.connect(self._on_section_resized)
        self._info_width: int | None = None  # the Info column's width as the person left it
        self._fitting = False
        self.view.viewport().installEventFilter(self)  # a wider tree gives its width to the names
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # run names differ at both ends
        self.view.setIconSize(RUN_ICON)  # a run's swatch (when drawn) and its state dot
        # a name that does not fit keeps what tells its run apart; the swatch seen on a selected row
        self.view.setItemDelegateForColumn(0, SwatchDelegate(self.view))
        self.view.setItemDelegateForColumn(1, _ElideRight(self.view))
        repaint_on_activation_only_if_changed(self.view)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.selectionModel().selectionChanged.connect(self._on_selection_change)
        self.view.sig_clicked.connect(self._on_selection_change)
        # After a drag of a channel the tree shows the runs that are still chosen, not the channel.
        self.view.sig_drag_done.connect(lambda: self.select(self.ws.project, self.ws.selection()))
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.view)
        self._not_chosen_depth = 0
        self.rename_action = QAction("Rename…", self)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.rename_action.triggered.connect(self.rename_current)
        self.delete_action = QAction("Delete…", self)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.delete_action.triggered.connect(self.delete_selected)
        self.addAction(self.rename_action)
        self.addAction(self.delete_action)
        self.open_action = QAction("Open run page", self)
        self.open_action.setShortcuts([QKeySequence(Qt.Key.Key_Return), QKeySequence(Qt.Key.Key_Enter)])
        self.open_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)  # the tree's Enter, not the box's
        self.open_action.setToolTip("The run's params, channels, tags and notes (double-click a run, or Enter)")
        self.open_action.triggered.connect(lambda _c=False: self.open_run(self.view.currentIndex()))
        self.view.addAction(self.open_action)
        self.view.sig_open.connect(self.open_run)
        self.latest_action = QAction("Latest write per step", self, checkable=True)
        self.latest_action.setToolTip("For a resumed run whose steps go back: draw only the latest write at each "
                                      "step, as TensorBoard does (the store keeps every point)")
        self.latest_action.triggered.connect(self.set_latest_for_selected)
        # The rows the person expanded, kept in this store's session: applied to rows as they come
        # (read from the store, shown again by a filter, after a restart).
        self.expansion = Expansion.from_strings(Settings(workspace.store).get(prefs.TREE_EXPANDED))
        self._opening = 0  # >0 while the program expands rows (not the person's gesture)
        self.view.expanded.connect(lambda idx: self._on_expanded(idx, True))
        self.view.collapsed.connect(lambda idx: self._on_expanded(idx, False))
        self.proxy.rowsInserted.connect(self._expand_inserted)
        workspace.sig_project_changed.connect(self._load_latest)
        workspace.sig_project_changed.connect(self._on_project_changed)
        workspace.sig_projects_changed.connect(self._read_other_projects)
        workspace.sig_catalog_changed.connect(self._show_project)
        workspace.sig_experiments_updated.connect(self._show_project)
        workspace.sig_points_appended.connect(self._on_points_appended)
        workspace.sig_selection_changed.connect(lambda sel: self.select(self.ws.project, sel))
        for sig in (workspace.sig_selection_changed, workspace.sig_grouping_changed, workspace.sig_catalog_changed,
                    workspace.sig_project_changed):
            sig.connect(self._show_swatches)
        workspace.sig_selection_changed.connect(
            lambda sel: self.latest_action.setChecked(bool(sel) and all(self.ws.latest(e) for e in sel)))
        self.reload()

    # ---- following the workspace ---------------------------------------------------------
    def _show_swatches(self, *_args) -> None:
        """The runs drawn and their styles changed, maybe (selection, filter, grouping, catalog)."""
        key = keys(self.ws.experiment_names())
        self.model.set_swatches(self.ws.project, run_styles(self.ws.selection(), lambda n: key.get(n, -1),
                                                            self.ws.groups()))

    def reload(self) -> None:
        """Show the shown project as the workspace holds it, and re-read the store's projects and
        the other projects' catalogs off the GUI thread."""
        if self.ws.project:
            self.model.add_project(self.ws.project)
        self._show_project()
        self._read_other_projects()

    def settled(self) -> bool:
        """No read or filter evaluation is waiting or under way: the tree shows what the store holds."""
        return not (self.reader.busy() or self._filter_timer.isActive() or self._refilter_timer.isActive())

    def shutdown(self) -> None:
        """Stop the reads (the window closes): wait for the one under way, drop the rest."""
        self._filter_timer.stop()
        self._refilter_timer.stop()
        self.reader.shutdown()

    def mark_new_runs(self, experiments: Iterable[str], on: bool = True) -> None:
        """Show runs of the shown project bold (they appeared while the window was open), or no longer."""
        if self.ws.project:
            self.model.mark_new(self.ws.project, experiments, on)

    @contextmanager
    def _not_chosen(self) -> Iterator[None]:
        """What the selection model reports meanwhile is no choice of the user's (rows that the
        filter hides or that go away, the workspace's selection shown)."""
        self._not_chosen_depth += 1
        try:
            yield
        finally:
            self._not_chosen_depth -= 1

    def _on_project_changed(self, project: str) -> None:
        if project:
            self.model.add_project(project)  # it exists: the session has just read it
        self._show_project()
        if project:  # the shown project is opened, as if by the person (kept, so it may be closed again)
            self.view.expand(self.proxy.mapFromSource(self.model.project_index(project)))
        # a project may have been renamed or deleted: which projects the store holds now (and the
        # catalogs of those the tree does not know)
        self.reader.read_catalogs(project or None, known=self.model.loaded_projects())

    def _show_project(self) -> None:
        """The shown project's experiments and channels as the workspace holds them."""
        project = self.ws.project
        if not project:
            return
        with self._not_chosen():
            self.model.set_catalog(project, [(e, self.ws.channels(e.name)) for e in self.ws.experiments()])
        self._runs_changed()

    def _read_other_projects(self) -> None:
        self.reader.read_catalogs(self.ws.project or None)

    def _on_catalogs(self, read: Catalogs) -> None:
        shown = self.ws.project
        if self.expansion.keep_projects(read.projects):  # deleted projects' rows are forgotten
            self._save_expansion()
        with self._not_chosen():
            self.model.set_projects(read.projects)
            for project, catalog in read.catalogs.items():
                if project != shown:  # the workspace's is the one on screen (it may be newer)
                    self.model.set_catalog(project, catalog)
            if shown and shown in read.projects and shown not in self.model.loaded_projects():
                self.model.set_catalog(shown, [(e, self.ws.channels(e.name)) for e in self.ws.experiments()])
        self._runs_changed()

    def _on_points_appended(self, keys) -> None:
        self.model.update_counts(self.ws.project, {e: self.ws.channels(e) for _p, e, _c in keys})
        if self.matches is not None and self.matches.reads_points:
            self._runs_changed()

    def _runs_changed(self) -> None:
        """Runs came, went or changed: an expression in the box is evaluated on them again."""
        if self.matches is not None and not self.matches.error and not self._refilter_timer.isActive():
            self._refilter_timer.start()

    def _selected_experiments(self) -> tuple[str | None, set[str]]:
        rows = self.view.selectionModel().selectedRows(0)
        return (rows[0].data(PROJECT_ROLE) if rows else None), {r.data(EXPERIMENT_ROLE) for r in rows} - {None}

    def select(self, project: str | None, experiments: list[str]) -> None:
        """Show these runs of ``project`` selected (the workspace's selection)."""
        sm = self.view.selectionModel()
        if self._selected_experiments() == (project, set(experiments)) and experiments:
            return  # already shown (e.g. the user picked a channel row of the experiment, to drag it)
        chosen = QItemSelection()
        first = None
        for name in experiments:
            idx = self.proxy.mapFromSource(self.model.experiment_index(project, name))
            if idx.isValid():
                chosen.select(idx, idx)
                first = idx if first is None else first
        with self._not_chosen():
            sm.select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
            current = self.view.currentIndex()
            on_project = current.isValid() and current.data(KIND_ROLE) == "project" \
                and current.data(PROJECT_ROLE) == project  # the user is on the project row: stay
            if first is not None and not on_project:
                sm.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.view.scrollTo(first)

    # ---- the filter box ---------------------------------------------------------------------
    def _on_filter_text(self, text: str) -> None:
        """Plain text filters at once; an expression waits for a pause in the typing."""
        self.reader.cancel_match()  # a result for an older text is never shown
        self._refilter_timer.stop()
        if _looks_like_expression(text):
            self._filter_timer.start()  # until then the tree shows what it showed
            return
        self._filter_timer.stop()
        self.matches = None
        self._say_invalid("")
        self._filter_by(text, None)

    def _evaluate_expression(self) -> None:
        self._filter_timer.stop()
        text = self.filter_edit.text()
        if _looks_like_expression(text):
            self.reader.match(text)

    def _on_matched(self, matches: Matches) -> None:
        if matches.text != self.filter_edit.text():
            return
        self.matches = matches
        if matches.error:  # a bad expression: said, and nothing is filtered
            self._say_invalid(matches.error)
            self._filter_by("", None)
            return
        skipped = [f"{p}: {why}" for p, why in matches.skipped.items()]
        self._say_invalid("", "\n".join([FILTER_HINT, *(["Not evaluated in", *skipped] if skipped else [])]))
        self._filter_by("", dict(matches.runs))

    def _say_invalid(self, reason: str, hint: str = FILTER_HINT) -> None:
        edit = self.filter_edit
        edit.setToolTip(reason or hint)
        set_invalid(edit, bool(reason))

    def _filter_by(self, text: str, matched: dict[str, frozenset[str]] | None) -> None:
        with self._not_chosen():
            self.proxy.set_filter(text, matched)
        with self._program_opens():
            if text or matched is not None:
                self.view.expandToDepth(0)  # for a while: what the person expanded is kept apart
            self._apply_expansion(exact=not text and matched is None)  # back as the person left them
        self.select(self.ws.project, self.ws.selection())  # what the filter shows again is selected again

    def _on_selection_change(self, *_):
        if self._not_chosen_depth or self.view.holding:  # a press on a channel row: a click or a drag?
            return
        rows = self.view.selectionModel().selectedRows(0)
        if not rows:
            return
        current = self.view.currentIndex()
        project = (current if current.isValid() else rows[0]).data(PROJECT_ROLE)
        exps = []
        for idx in rows:
            if idx.data(PROJECT_ROLE) != project:
                continue
            exp = idx.data(EXPERIMENT_ROLE)
            if exp and exp not in exps:
                exps.append(exp)
        if project and project != self.ws.project:
            self.ws.set_project(project)
        if exps:
            self.ws.select_experiments(exps)

    # ---- the Name column takes the free width --------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_name()
        return super().eventFilter(obj, event)

    def _fit_name(self) -> None:
        """Name as wide as the tree less the Info column's width (the person's, or the default)."""
        width = self.view.viewport().width()
        info = min(self.INFO_WIDTH, width * 35 // 100) if self._info_width is None else min(self._info_width, width // 2)
        info = max(info, self.view.header().minimumSectionSize())  # what the header gives it anyway
        name = max(self.NAME_MIN_WIDTH, width - info)
        header = self.view.header()
        if header.sectionSize(0) != name or header.length() > width:
            self._fitting = True
            try:
                # Info first: Qt never stretches the last section below the width it last had
                # (100 px at first), so a narrower tree (a vertical scrollbar came, with 45 runs)
                # was wider than its viewport by that much, with a horizontal scrollbar for it
                header.resizeSection(1, max(header.minimumSectionSize(), width - name))
                header.resizeSection(0, name)
            finally:
                self._fitting = False

    def _on_section_resized(self, section: int, _old: int, new: int) -> None:
        """The person dragged the divider: Info keeps what is left of the width from now on."""
        if self._fitting or section != 0 or not self.view.viewport().width():
            return
        self._info_width = max(24, self.view.viewport().width() - new)

    # ---- expansion, as the person left it ------------------------------------------------------
    @contextmanager
    def _program_opens(self) -> Iterator[None]:
        """Rows expanded or collapsed meanwhile are the program's doing (a filter opens every
        project for a while; rows are opened as the person left them): not the person's gesture."""
        self._opening += 1
        try:
            yield
        finally:
            self._opening -= 1

    @staticmethod
    def _row_key(index) -> Row | None:
        kind = index.data(KIND_ROLE)
        if kind == "project":
            return (index.data(PROJECT_ROLE),)
        if kind == "experiment":
            return (index.data(PROJECT_ROLE), index.data(EXPERIMENT_ROLE))
        return None

    def _on_expanded(self, index, expanded: bool) -> None:
        key = self._row_key(index)
        if not self._opening and key is not None and self.expansion.set(key, expanded):
            self._save_expansion()

    def _save_expansion(self) -> None:
        Settings(self.ws.store).set(prefs.TREE_EXPANDED, self.expansion.to_strings())

    def _expand_inserted(self, parent, first: int, last: int) -> None:
        with self._program_opens():
            for row in range(first, last + 1):
                self._apply_expansion(self.proxy.index(row, 0, parent))

    def _apply_expansion(self, index=None, exact: bool = False) -> None:
        """Expand the rows under ``index`` (None: every row) that the person left expanded; with
        ``exact`` (no filter) collapse the others too, as the person left them."""
        if index is None:
            for row in range(self.proxy.rowCount()):
                self._apply_expansion(self.proxy.index(row, 0), exact)
            return
        key = self._row_key(index)
        if key is None:
            return
        if key in self.expansion:
            if not self.view.isExpanded(index):
                self.view.expand(index)
        elif exact and self.view.isExpanded(index):
            self.view.collapse(index)
        if len(key) == 1:
            for row in range(self.proxy.rowCount(index)):
                self._apply_expansion(self.proxy.index(row, 0, index), exact)

    # ---- rename and delete ------------------------------------------------------------------
    def _target(self) -> tuple[str, str | None, list[str]]:
        """(kind, project, experiments) of what the user points at: 'experiments' or 'project'."""
        rows = self.view.selectionModel().selectedRows(0)
        current = self.view.currentIndex()
        if current.isValid() and current.data(KIND_ROLE) == "project":
            return "project", current.data(PROJECT_ROLE), []
        exps = [i.data(EXPERIMENT_ROLE) for i in rows if i.data(KIND_ROLE) == "experiment"
                and i.data(PROJECT_ROLE) == self.ws.project]
        if exps:
            return "experiments", self.ws.project, exps
        return "none", None, []

    def _on_context_menu(self, pos) -> None:
        idx = self.view.indexAt(pos)
        if not idx.isValid():
            return
        menu = QMenu(self)
        kind = idx.data(KIND_ROLE)
        if kind in ("experiment", "project"):
            menu.addAction(self.rename_action)
            menu.addAction(self.delete_action)
        if kind == "experiment":
            menu.insertAction(menu.actions()[0], self.open_action)
            menu.insertSeparator(menu.actions()[1])
            self.latest_action.setChecked(self.ws.latest(idx.data(EXPERIMENT_ROLE)))
            menu.addAction(self.latest_action)
            compare = menu.addAction("Add to comparison")
            exp = idx.data(EXPERIMENT_ROLE)
            compare.triggered.connect(lambda: self.ws.select_experiments(self.ws.selection() + [exp]))
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))

    def open_run(self, index) -> None:
        """The page of the run on this row (its project is shown first, should it not be)."""
        if not index.isValid() or index.data(KIND_ROLE) != "experiment":
            return
        project, exp = index.data(PROJECT_ROLE), index.data(EXPERIMENT_ROLE)
        if project != self.ws.project:
            self.ws.set_project(project)
        self.sig_open_run.emit(exp)

    # ---- latest write per step (resumed runs) ---------------------------------------------
    def _load_latest(self, _project: str = "") -> None:
        saved = Settings(self.ws.store).get(prefs.LATEST_PER_STEP, self.ws.project) if self.ws.project else []
        self.ws.set_latest(saved, True)

    def set_latest_for_selected(self, on: bool) -> None:
        """Draw the selected runs with only their latest write per step (saved per project of
        this store)."""
        kind, _project, exps = self._target()
        if kind != "experiments":
            return
        self.ws.set_latest(exps, bool(on))
        Settings(self.ws.store).set(prefs.LATEST_PER_STEP, sorted(self.ws.latest_runs), self.ws.project)

    def rename_current(self) -> None:
        kind, project, exps = self._target()
        try:
            if kind == "project":
                name, ok = QInputDialog.getText(self, "Rename project", "New name:", text=project)
                if ok and name.strip() and name.strip() != project:
                    expanded = self.view.isExpanded(self.proxy.mapFromSource(self.model.project_index(project)))
                    if self.ws.rename_project(project, name.strip()):
                        self.expansion.rename_project(project, name.strip())
                        self._save_expansion()
                        self._project_renamed(project, name.strip(), expanded)
            elif kind == "experiments" and len(exps) == 1:
                name, ok = QInputDialog.getText(self, "Rename experiment", "New name:", text=exps[0])
                if ok and name.strip() and name.strip() != exps[0]:
                    self._rename_experiment(project, exps[0], name.strip())
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Rename", str(exc))

    def delete_selected(self) -> None:
        kind, project, exps = self._target()
        if kind == "project":
            n = len(self.ws.store.experiments(project))
            text = (f"Delete the project “{project}” with its {plural(n, 'experiment')}, their points, aliases "
                    "and chart sets?\n\nThis cannot be undone.")
        elif kind == "experiments":
            what = f"“{exps[0]}”" if len(exps) == 1 else plural(len(exps), "experiment")
            text = f"Delete {what} of {project} with all its points and own charts?\n\nThis cannot be undone."
        else:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete", text,
                          QMessageBox.StandardButton.Cancel, self)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.exec()
        confirmed = box.clickedButton() is delete
        box.deleteLater()
        if not confirmed:
            return
        try:
            if kind == "project":
                self.ws.delete_project(project)
                with self._not_chosen():
                    self.model.remove_project(project)
            else:
                self.ws.delete_experiments(exps)
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Delete", str(exc))

    def _rename_experiment(self, project: str, old: str, new: str) -> None:
        """Rename; the row, which comes back under its new name, is expanded if it was."""
        follows = (project, old) in self.expansion and (project, new) not in self.expansion
        if follows:
            self.expansion.rename_experiment(project, old, new)  # before the new row comes
        renamed = False
        try:
            renamed = self.ws.rename_experiment(old, new)
        finally:
            if follows and not renamed:
                self.expansion.rename_experiment(project, new, old)
        if follows and renamed:
            self._save_expansion()

    def _project_renamed(self, old: str, new: str, expanded: bool) -> None:
        """This tree renamed a project: its row goes, the new name's comes (with its catalog from
        the workspace when it is shown, else read off the GUI thread) and is expanded as it was."""
        with self._not_chosen():
            self.model.remove_project(old)
            self.model.add_project(new)
        if expanded:
            with self._program_opens():
                self.view.expand(self.proxy.mapFromSource(self.model.project_index(new)))
        self.reader.read_catalogs(self.ws.project or None, known=self.model.loaded_projects())
