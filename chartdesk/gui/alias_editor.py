"""The alias editor: the project's aliases, the chosen alias's ordered channel list with
drag-and-drop reordering, add (with completion) and remove, and a preview of what it resolves to
in each selected experiment.

``AliasEntriesModel`` is a QAbstractListModel adapter over the workspace's alias: a reorder is a
``moveRows`` (pre-move indices, Qt's rules) that pushes an undoable command; the command writes
the store and the shared resolver, and every panel hears it.
"""
from __future__ import annotations

import json

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QCompleter, QHBoxLayout, QInputDialog, QLabel, QLineEdit,
                               QListView, QMessageBox, QPushButton, QSplitter, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from ..errors import ChartDeskError
from .commands import SetAliasCommand
from .project_tree import CHANNEL_MIME

ENTRY_MIME = "application/x-chartdesk-alias-rows"


class AliasEntriesModel(QAbstractListModel):
    """The ordered channel names of one alias. Row 0 has the highest priority."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._alias: str | None = None
        self._entries: list[str] = []
        workspace.sig_aliases_changed.connect(self._on_aliases_change)
        workspace.sig_project_changed.connect(lambda _p: self.set_alias(None))

    # ---- which alias --------------------------------------------------------------------
    @property
    def alias(self) -> str | None:
        return self._alias

    def entries(self) -> list[str]:
        return list(self._entries)

    def set_alias(self, name: str | None) -> None:
        self.beginResetModel()
        self._alias = name
        self._entries = list(self._ws.alias(name) or ()) if name else []
        self.endResetModel()

    def _on_aliases_change(self, names) -> None:
        if self._alias is None or (names is not None and self._alias not in names):
            return
        fresh = self._ws.alias(self._alias)
        if fresh is None:
            self.set_alias(None)
        elif list(fresh) != self._entries:
            self.set_alias(self._alias)

    def _commit(self, new: list[str], text: str) -> None:
        self._ws.undo_stack.push(SetAliasCommand(self._ws, self._alias, new, text))

    # ---- QAbstractListModel -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._entries)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        name = self._entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"priority {index.row() + 1}: {name}\nDrag to change the priority"
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled if self._alias else Qt.ItemFlag.NoItemFlags
        return (Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [ENTRY_MIME, CHANNEL_MIME]

    def mimeData(self, indexes) -> QMimeData:  # noqa: N802
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime.setData(ENTRY_MIME, json.dumps({"alias": self._alias, "rows": rows}).encode())
        mime.setText("\n".join(self._entries[r] for r in rows))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:  # noqa: N802
        return self._alias is not None and (data.hasFormat(ENTRY_MIME) or data.hasFormat(CHANNEL_MIME))

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent: QModelIndex) -> bool:  # noqa: N802
        if self._alias is None or action == Qt.DropAction.IgnoreAction:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._entries)
        if data.hasFormat(ENTRY_MIME):
            payload = json.loads(bytes(data.data(ENTRY_MIME)).decode())
            rows = payload.get("rows", [])
            if payload.get("alias") != self._alias or len(rows) != 1:
                return False
            return self.moveRows(QModelIndex(), rows[0], 1, QModelIndex(), row)
        if data.hasFormat(CHANNEL_MIME):
            names = [n for n in bytes(data.data(CHANNEL_MIME)).decode().split("\n") if n and n not in self._entries]
            if not names:
                return False
            new = self._entries[:row] + names + self._entries[row:]
            self._commit(new, f"Add {', '.join(names)} to {self._alias}")
            return True
        return False

    def moveRows(self, src_parent: QModelIndex, src: int, count: int, dst_parent: QModelIndex, dst: int) -> bool:  # noqa: N802
        """Move ``count`` rows from ``src`` to before pre-move row ``dst``; undoable."""
        n = len(self._entries)
        if src_parent.isValid() or dst_parent.isValid() or count < 1 or src < 0 or src + count > n or not 0 <= dst <= n:
            return False
        if src <= dst <= src + count:  # onto itself: nothing to do
            return False
        if not self.beginMoveRows(QModelIndex(), src, src + count - 1, QModelIndex(), dst):
            return False
        moved = self._entries[src:src + count]
        rest = self._entries[:src] + self._entries[src + count:]
        at = dst if dst < src else dst - count
        self._entries = rest[:at] + moved + rest[at:]
        self.endMoveRows()
        self._commit(list(self._entries), f"Reorder {self._alias}")
        return True

    def move(self, row: int, delta: int) -> bool:
        """Move one row up (delta -1) or down (+1): the keyboard/button path to a reorder."""
        target = row + delta
        if not 0 <= target < len(self._entries):
            return False
        return self.moveRows(QModelIndex(), row, 1, QModelIndex(), target if delta < 0 else target + 1)

    def add(self, name: str) -> None:
        name = name.strip()
        if not name or self._alias is None or name in self._entries:
            return
        self._commit(self._entries + [name], f"Add {name} to {self._alias}")

    def remove(self, row: int) -> None:
        if self._alias is None or not 0 <= row < len(self._entries):
            return
        name = self._entries[row]
        self._commit(self._entries[:row] + self._entries[row + 1:], f"Remove {name} from {self._alias}")


class AliasListModel(QAbstractListModel):
    """The names of the project's aliases, sorted, each with its priority list as a tooltip."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._names: list[str] = []
        workspace.sig_aliases_changed.connect(lambda _n: self.reload())
        workspace.sig_project_changed.connect(lambda _p: self.reload())

    def reload(self) -> None:
        names = sorted(self._ws.aliases())
        if names == self._names:
            self.dataChanged.emit(self.index(0), self.index(max(0, len(names) - 1)))
            return
        self.beginResetModel()
        self._names = names
        self.endResetModel()

    def name(self, row: int) -> str | None:
        return self._names[row] if 0 <= row < len(self._names) else None

    def row_of(self, name: str) -> int:
        return self._names.index(name) if name in self._names else -1

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._names):
            return None
        name = self._names[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            entries = self._ws.alias(name) or ()
            return f"{name}  →  {', '.join(entries) if entries else '(empty)'}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{name}: first present of {', '.join(self._ws.alias(name) or ()) or 'nothing yet'}"
        return None


class AliasEditor(QWidget):
    """Right dock: aliases, the chosen alias's priority list, and its resolution preview."""

    sig_alias_chosen = Signal(str)

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.aliases_model = AliasListModel(workspace, self)
        self.entries_model = AliasEntriesModel(workspace, self)

        self.alias_view = QListView(self)
        self.alias_view.setModel(self.aliases_model)
        self.alias_view.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.alias_view.selectionModel().currentChanged.connect(self._on_alias_pick)
        new_btn = QPushButton("New alias…", self)
        new_btn.clicked.connect(self.new_alias)
        self.delete_btn = QPushButton("Delete", self)
        self.delete_btn.clicked.connect(self.delete_alias)

        self.title = QLabel("Pick an alias to edit its priority", self)
        self.title.setObjectName("Hint")
        self.title.setWordWrap(True)
        self.entries_view = QListView(self)
        self.entries_view.setModel(self.entries_model)
        self.entries_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)  # model moves, view never deletes
        self.entries_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.entries_view.setDragEnabled(True)
        self.entries_view.setAcceptDrops(True)
        self.entries_view.setDropIndicatorShown(True)
        self.entries_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("Add a channel name…")
        self.completion = QStringListModel(self)
        completer = QCompleter(self.completion, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(completer)
        self.add_edit.returnPressed.connect(self._on_add)
        up = QPushButton("↑", self)
        up.setToolTip("Higher priority")
        up.clicked.connect(lambda: self._move(-1))
        down = QPushButton("↓", self)
        down.setToolTip("Lower priority")
        down.clicked.connect(lambda: self._move(+1))
        rm = QPushButton("Remove", self)
        rm.clicked.connect(self._on_remove)

        self.preview = QTreeWidget(self)
        self.preview.setHeaderLabels(["Selected experiment", "Resolves to"])
        self.preview.setRootIsDecorated(False)
        self.preview.setColumnWidth(0, 150)

        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.alias_view)
        row = QHBoxLayout()
        row.addWidget(new_btn)
        row.addWidget(self.delete_btn)
        tl.addLayout(row)
        mid = QWidget(self)
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.title)
        ml.addWidget(self.entries_view)
        ml.addWidget(self.add_edit)
        row = QHBoxLayout()
        row.addWidget(up)
        row.addWidget(down)
        row.addWidget(rm)
        ml.addLayout(row)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(mid)
        split.addWidget(self.preview)
        split.setSizes([160, 200, 140])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)

        workspace.sig_aliases_changed.connect(lambda _n: self._refresh())
        workspace.sig_resolution_changed.connect(lambda _a, _e: self._refresh_preview())
        workspace.sig_selection_changed.connect(lambda _s: self._refresh_preview())
        workspace.sig_catalog_changed.connect(self._refresh_completion)
        workspace.sig_project_changed.connect(lambda _p: self._refresh())
        self._refresh()

    # ---- actions ------------------------------------------------------------------------
    def choose(self, name: str | None) -> None:
        row = self.aliases_model.row_of(name) if name else -1
        self.alias_view.setCurrentIndex(self.aliases_model.index(row) if row >= 0 else QModelIndex())
        if row < 0:
            self.entries_model.set_alias(None)
            self._refresh()

    def new_alias(self) -> None:
        if not self._ws.project:
            return
        name, ok = QInputDialog.getText(self, "New alias", "Alias name (e.g. accuracy):")
        if ok and name.strip():
            self.create_alias(name.strip())

    def create_alias(self, name: str, entries: list[str] | None = None) -> None:
        if self._ws.alias(name) is not None:
            self.choose(name)
            return
        try:
            self._ws.undo_stack.push(SetAliasCommand(self._ws, name, list(entries or []), f"New alias {name}"))
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Alias", str(exc))
            return
        self.choose(name)

    def delete_alias(self) -> None:
        name = self.entries_model.alias
        if name:
            self._ws.undo_stack.push(SetAliasCommand(self._ws, name, None))

    def _on_alias_pick(self, current: QModelIndex, _previous=None) -> None:
        name = self.aliases_model.name(current.row()) if current.isValid() else None
        if name != self.entries_model.alias:
            self.entries_model.set_alias(name)
        self._refresh()
        if name:
            self.sig_alias_chosen.emit(name)

    def _on_add(self) -> None:
        self.entries_model.add(self.add_edit.text())
        self.add_edit.clear()

    def _on_remove(self) -> None:
        idx = self.entries_view.currentIndex()
        if idx.isValid():
            self.entries_model.remove(idx.row())

    def _move(self, delta: int) -> None:
        idx = self.entries_view.currentIndex()
        if idx.isValid() and self.entries_model.move(idx.row(), delta):
            self.entries_view.setCurrentIndex(self.entries_model.index(idx.row() + delta))

    # ---- refresh ------------------------------------------------------------------------
    def _refresh(self) -> None:
        name = self.entries_model.alias
        row = self.aliases_model.row_of(name) if name else -1
        if row >= 0 and self.alias_view.currentIndex().row() != row:
            self.alias_view.blockSignals(True)
            self.alias_view.setCurrentIndex(self.aliases_model.index(row))
            self.alias_view.blockSignals(False)
        self.delete_btn.setEnabled(bool(name))
        self.add_edit.setEnabled(bool(name))
        if not self._ws.project:
            self.title.setText("No project open")
        elif not self._ws.aliases():
            self.title.setText("No aliases yet. An alias names one metric that runs logged under different "
                               "names; the first channel of its list that a run has is plotted.")
        elif name:
            self.title.setText(f"<b>{name}</b>: first present wins. Drag to change the priority.")
        else:
            self.title.setText("Pick an alias to edit its priority")
        self._refresh_preview()

    def _refresh_completion(self) -> None:
        self.completion.setStringList(self._ws.project_channels())

    def _refresh_preview(self) -> None:
        self.preview.clear()
        name = self.entries_model.alias
        if not name:
            return
        bold = QFont()
        bold.setBold(True)
        for exp in self._ws.selection():
            got = self._ws.resolve(name, exp)
            item = QTreeWidgetItem([exp, got if got else "(nothing: no channel of the list)"])
            item.setToolTip(0, exp)
            if got:
                item.setFont(1, bold)
            self.preview.addTopLevelItem(item)
