"""The project tree: projects > experiments > channels on a QAbstractItemModel, with a filter box.

The model adapts plain data (project names and each project's catalog from the store); it owns
nothing. Experiments show their state and tags; several can be selected to compare them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from PySide6.QtCore import (QAbstractItemModel, QItemSelectionModel, QMimeData, QModelIndex,
                            QSortFilterProxyModel, Qt, Signal)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QStyledItemDelegate, QTreeView, QVBoxLayout, QWidget

from ..model import ChannelInfo, Experiment
from .theme import state_color, state_icon

KIND_ROLE = Qt.ItemDataRole.UserRole + 1
PROJECT_ROLE = Qt.ItemDataRole.UserRole + 2
EXPERIMENT_ROLE = Qt.ItemDataRole.UserRole + 3
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 4
CHANNEL_MIME = "application/x-chartdesk-channel"


@dataclass(eq=False)
class _Node:
    kind: str  # "root", "project", "experiment", "channel"
    name: str
    parent: "_Node | None" = None
    children: list["_Node"] = field(default_factory=list)
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

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self._node(parent).children)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 2

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
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
                return f"{node.channel.count:,} pts"
            if node.kind == "project":
                return f"{len(node.children)} experiments"
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
                lines.append(f"{len(node.children)} channels")
                return "\n".join(lines)
            return node.name
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

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [CHANNEL_MIME, "text/plain"]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
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


class _ElideRight(QStyledItemDelegate):
    """Cut at the end: names and info read left to right (run index and state first)."""

    def initStyleOption(self, option, index) -> None:  # noqa: N802
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


class _Filter(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setFilterRole(SEARCH_ROLE)
        self.setFilterKeyColumn(0)


class ProjectTree(QWidget):
    """Filter box + tree. Emits the experiments the user selected (and their project)."""

    sig_selection_changed = Signal(str, object)
    """(project, [experiment names]) the user selected; project alone when only a project was picked."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = ProjectTreeModel(self)
        self.proxy = _Filter(self)
        self.proxy.setSourceModel(self.model)
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter experiments, tags, channels…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_change)
        self.view = QTreeView(self)
        self.view.setModel(self.proxy)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.header().setStretchLastSection(True)
        self.view.setColumnWidth(0, 175)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.view.setItemDelegateForColumn(1, _ElideRight(self.view))
        self.view.selectionModel().selectionChanged.connect(self._on_selection_change)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.filter_edit)
        lay.addWidget(self.view)
        self._quiet = False

    def set_catalogs(self, catalogs, project: str | None, selected: list[str]) -> None:
        """Reload, keeping what was expanded and selecting ``selected`` of ``project``."""
        expanded = set()
        for r in range(self.proxy.rowCount()):
            idx = self.proxy.index(r, 0)
            if self.view.isExpanded(idx):
                expanded.add(idx.data())
        self._quiet = True
        try:
            self.model.set_data(catalogs)
            for r in range(self.proxy.rowCount()):
                idx = self.proxy.index(r, 0)
                if idx.data() in expanded or idx.data() == project:
                    self.view.expand(idx)
            self.select(project, selected)
        finally:
            self._quiet = False

    def select(self, project: str | None, experiments: list[str]) -> None:
        sm = self.view.selectionModel()
        self._quiet, was = True, self._quiet
        try:
            sm.clearSelection()
            first = None
            for name in experiments:
                idx = self.proxy.mapFromSource(self.model.experiment_index(project, name))
                if idx.isValid():
                    sm.select(idx, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
                    first = first or idx
            if first is not None:
                sm.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
                self.view.scrollTo(first)
        finally:
            self._quiet = was

    def _on_filter_change(self, text: str) -> None:
        self.proxy.setFilterFixedString(text)
        if text:
            self.view.expandToDepth(0)

    def _on_selection_change(self, *_):
        if self._quiet:
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
        self.sig_selection_changed.emit(project, exps)
