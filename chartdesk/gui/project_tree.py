"""The project tree: projects > experiments > channels on a QAbstractItemModel, with a filter box.

The model adapts plain data (project names and each project's catalog from the store); it owns
nothing. Experiments show their state and tags; several can be selected to compare them. A press
on a channel row chooses no runs until the button comes up without a drag: dragging a channel onto
the alias list leaves the compared runs as they were.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QMimeData,
    QModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
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
from ..errors import ChartDeskError
from ..model import ChannelInfo, Experiment
from .settings import Settings
from .theme import state_color, state_icon
from .widgets import plural

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
PROJECT_ROLE = Qt.ItemDataRole.UserRole + 2
EXPERIMENT_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4
CHANNEL_MIME = "application/x-chartdesk-channel"


@dataclass(eq=False)
class _Node:
    kind: str  # "root", "project", "experiment", "channel"
    name: str
    parent: _Node | None = None
    children: list[_Node] = field(default_factory=list)
    experiment: Experiment | None = None
    channel: ChannelInfo | None = None

    def row(self) -> int:
        return self.parent.children.index(self) if self.parent else 0

    def project(self) -> str:
        node = self
        while node.kind not in ("project", "root"):
            node = node.parent
        return node.name


def _ago(ts: float | None) -> str:
    if not ts:
        return ""
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


class ProjectTreeModel(QAbstractItemModel):
    """Two columns: name, and a short description (state and tags, or point count)."""

    HEADERS = ("Name", "Info")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._root = _Node("root", "")
        #: Experiments that appeared while the window was open (shown bold until selected).
        self.new_runs: set[str] = set()

    # ---- feeding ------------------------------------------------------------------------
    def set_data(self, catalogs: dict[str, list[tuple[Experiment, list[ChannelInfo]]]]) -> None:
        """Replace everything: ``{project: [(experiment, channels), ...]}``."""
        self.beginResetModel()
        root = _Node("root", "")
        for project, catalog in catalogs.items():
            pnode = _Node("project", project, root)
            root.children.append(pnode)
            for exp, chans in catalog:
                enode = _Node("experiment", exp.name, pnode, experiment=exp)
                pnode.children.append(enode)
                enode.children = [_Node("channel", c.name, enode, channel=c) for c in chans]
        self._root = root
        self.endResetModel()

    # ---- QAbstractItemModel ---------------------------------------------------------------
    def _node(self, index: QModelIndex) -> _Node:
        return index.internalPointer() if index.isValid() else self._root

    def index(self, row: int, column: int, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        return self.createIndex(row, column, self._node(parent).children[row])

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

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        f = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._node(index).kind == "channel":
            f |= Qt.ItemFlag.ItemIsDragEnabled
        return f

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
        if role == Qt.ItemDataRole.FontRole and node.kind == "experiment" and node.name in self.new_runs:
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.DecorationRole and col == 0 and node.kind == "experiment":
            return state_icon(node.experiment.state)
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

    def update_counts(self, project: str, channels: dict[str, list[ChannelInfo]]) -> None:
        """New point counts of some experiments' channels, updated in place (no reset)."""
        p = self.project_index(project)
        if not p.isValid():
            return
        for enode in self._node(p).children:
            fresh = {c.name: c for c in channels.get(enode.name, [])}
            for row, cnode in enumerate(enode.children):
                if cnode.name in fresh and fresh[cnode.name] != cnode.channel:
                    cnode.channel = fresh[cnode.name]
                    idx = self.createIndex(row, 1, cnode)
                    self.dataChanged.emit(idx, idx)

    def projects(self) -> list[str]:
        return [n.name for n in self._root.children]

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


def _looks_like_expression(text: str) -> bool:
    return any(op in text for op in _OPERATORS)


class _ElideRight(QStyledItemDelegate):
    """The Info column reads left to right (the state first): cut at the end."""

    def initStyleOption(self, option, index) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class _Filter(QSortFilterProxyModel):
    """Plain text matches names, states, tags and channels; an expression of the runs grammar
    (``lr < 0.01``) keeps the runs of the project it matched (``matched``) with their channels."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterKeyColumn(0)
        self.matched: tuple[str, set[str]] | None = None  # (project, runs) of an expression

    def set_matched(self, matched) -> None:
        if matched == self.matched:
            return
        self.beginFilterChange()  # Qt 6.10's way to say the filter changed
        self.matched = matched
        self.endFilterChange()

    def filterAcceptsRow(self, row: int, parent) -> bool:
        if self.matched is None:
            return super().filterAcceptsRow(row, parent)
        idx = self.sourceModel().index(row, 0, parent)
        kind = idx.data(KIND_ROLE)
        project, names = self.matched
        if kind == "project":
            return idx.data(PROJECT_ROLE) == project
        return idx.data(PROJECT_ROLE) == project and idx.data(EXPERIMENT_ROLE) in names


class _TreeView(QTreeView):
    """The tree's view. A press on a channel row selects that row in the view (a drag carries
    the view's selected rows) but is no choice of runs yet: the press is ``holding`` until the
    button comes up without a drag (``sig_clicked``: a click, which chooses as before) or a drag
    that started from it ends (``sig_drag_done``: nothing was chosen)."""

    sig_clicked = Signal()
    sig_drag_done = Signal()

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

    def startDrag(self, actions) -> None:
        self.holding = False
        try:
            super().startDrag(actions)  # until the drop (or Escape)
        finally:
            self.sig_drag_done.emit()


class ProjectTree(QWidget):
    """Filter box + tree over the workspace's store. It follows the workspace (project, catalog,
    states, live point counts) and hands the user's selection back to it (from a press on a
    channel row only when it was a click, not the start of a drag); its context menu and the
    Delete and F2 keys rename and delete experiments and projects."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.model = ProjectTreeModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter experiments, tags, channels…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_change)
        self.view = _TreeView(self)
        self.view.setModel(self.proxy)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.header().setStretchLastSection(True)
        self.view.setColumnWidth(0, 175)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # run names differ at both ends
        self.view.setItemDelegateForColumn(1, _ElideRight(self.view))
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
        self._quiet = False
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
        self.latest_action = QAction("Latest write per step", self, checkable=True)
        self.latest_action.setToolTip("For a resumed run whose steps go back: draw only the latest write at each "
                                      "step, as TensorBoard does (the store keeps every point)")
        self.latest_action.triggered.connect(self.set_latest_for_selected)
        workspace.sig_project_changed.connect(self._load_latest)
        workspace.sig_project_changed.connect(lambda _p: self.reload())
        workspace.sig_catalog_changed.connect(self.reload)
        workspace.sig_experiments_updated.connect(self.reload)
        workspace.sig_points_appended.connect(self._on_points_appended)
        workspace.sig_selection_changed.connect(lambda sel: self.select(self.ws.project, sel))
        workspace.sig_selection_changed.connect(
            lambda sel: self.latest_action.setChecked(bool(sel) and all(self.ws.latest(e) for e in sel)))
        self.reload()

    # ---- following the workspace ---------------------------------------------------------
    def reload(self) -> None:
        """Re-read every project's catalog (the current one from the workspace), keeping what was
        expanded and showing the workspace's selection."""
        catalogs = {}
        for p in self.ws.projects():
            catalogs[p] = [(e, self.ws.channels(e.name)) for e in self.ws.experiments()] if p == self.ws.project \
                else self.ws.store.catalog(p)
        self.set_catalogs(catalogs, self.ws.project, self.ws.selection())

    def _on_points_appended(self, keys) -> None:
        self.model.update_counts(self.ws.project, {e: self.ws.channels(e) for _p, e, _c in keys})

    def set_catalogs(self, catalogs, project: str | None, selected: list[str]) -> None:
        """Reload, keeping what was expanded and selecting ``selected`` of ``project``."""
        expanded = set()
        for r in range(self.proxy.rowCount()):
            idx = self.proxy.index(r, 0)
            if self.view.isExpanded(idx):
                expanded.add(idx.data())
        cur = self.view.currentIndex()
        on_project = cur.data(PROJECT_ROLE) if cur.isValid() and cur.data(KIND_ROLE) == "project" else None
        self._quiet = True
        try:
            self.model.set_data(catalogs)
            for r in range(self.proxy.rowCount()):
                idx = self.proxy.index(r, 0)
                if idx.data() in expanded or idx.data() == project:
                    self.view.expand(idx)
            if on_project is not None:  # keep the project row the user is on
                idx = self.proxy.mapFromSource(self.model.project_index(on_project))
                if idx.isValid():
                    self.view.selectionModel().setCurrentIndex(idx, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.select(project, selected)
        finally:
            self._quiet = False

    def _selected_experiments(self) -> tuple[str | None, set[str]]:
        rows = self.view.selectionModel().selectedRows(0)
        return (rows[0].data(PROJECT_ROLE) if rows else None), {r.data(EXPERIMENT_ROLE) for r in rows} - {None}

    def select(self, project: str | None, experiments: list[str]) -> None:
        sm = self.view.selectionModel()
        if self._selected_experiments() == (project, set(experiments)) and experiments:
            return  # already shown (e.g. the user picked a channel row of the experiment, to drag it)
        self._quiet, was = True, self._quiet
        try:
            sm.clearSelection()
            first = None
            for name in experiments:
                idx = self.proxy.mapFromSource(self.model.experiment_index(project, name))
                if idx.isValid():
                    sm.select(idx, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
                    first = first or idx
            current = self.view.currentIndex()
            on_project = current.isValid() and current.data(KIND_ROLE) == "project" \
                and current.data(PROJECT_ROLE) == project  # the user is on the project row: stay
            if first is not None and not on_project:
                sm.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.view.scrollTo(first)
        finally:
            self._quiet = was

    def _on_filter_change(self, text: str) -> None:
        """Text, or an expression of the runs grammar when it has an operator in it."""
        self.filter_edit.setStyleSheet("")
        self.filter_edit.setToolTip("Filter by text, or by an expression: lr < 0.01 and optimizer == \"adam\"")
        if _looks_like_expression(text) and self.ws.project:
            try:
                names = {r["experiment"] for r in self.ws.store.runs(self.ws.project, where=text)}
            except ChartDeskError as exc:  # a bad expression: said, and nothing is filtered
                self.filter_edit.setStyleSheet("QLineEdit { border: 1px solid #d64541; }")
                self.filter_edit.setToolTip(str(exc))
                self.proxy.set_matched(None)
                self.proxy.setFilterFixedString("")
                return
            self.proxy.setFilterFixedString("")
            self.proxy.set_matched((self.ws.project, names))
        else:
            self.proxy.set_matched(None)
            self.proxy.setFilterFixedString(text)
        if text:
            self.view.expandToDepth(0)

    def _on_selection_change(self, *_):
        if self._quiet or self.view.holding:  # a press on a channel row: a click or a drag?
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
            self.latest_action.setChecked(self.ws.latest(idx.data(EXPERIMENT_ROLE)))
            menu.addAction(self.latest_action)
            compare = menu.addAction("Add to comparison")
            exp = idx.data(EXPERIMENT_ROLE)
            compare.triggered.connect(lambda: self.ws.select_experiments(self.ws.selection() + [exp]))
        if not menu.isEmpty():
            menu.exec(self.view.viewport().mapToGlobal(pos))

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
                    self.ws.rename_project(project, name.strip())
            elif kind == "experiments" and len(exps) == 1:
                name, ok = QInputDialog.getText(self, "Rename experiment", "New name:", text=exps[0])
                if ok and name.strip() and name.strip() != exps[0]:
                    self.ws.rename_experiment(exps[0], name.strip())
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
            else:
                self.ws.delete_experiments(exps)
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Delete", str(exc))
