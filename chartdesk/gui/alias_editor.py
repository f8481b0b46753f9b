"""The alias editor: the project's aliases, the chosen alias's ordered channel list with
drag-and-drop reordering, add (with completion) and remove, and a preview of what it resolves to
in each selected experiment.

``AliasEntriesModel`` is a QAbstractListModel adapter over the workspace's alias: a reorder is a
``moveRows`` (pre-move indices, Qt's rules) that pushes an undoable command; the command writes
the store and the shared resolver, and every panel hears it.
"""
from __future__ import annotations

import html
import json

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app.history import new_gesture
from ..edits import insert_entries, move_entries, remove_entry
from ..errors import ChartDeskError
from .project_tree import CHANNEL_MIME

ENTRY_MIME = "application/x-chartdesk-alias-rows"


class AliasEntriesModel(QAbstractListModel):
    """The ordered channel names of one alias, read from the workspace (row 0 wins first).

    It keeps no copy of the entries: a drop or a move computes the new list with
    ``chartdesk.edits``, hands it to the workspace (store, resolver, undo), and the model follows
    the workspace's one notification. Only the row count the views were told is remembered, so
    that growing and shrinking are announced as inserts and removals.
    """

    sig_moved = Signal(int)
    """An entry was moved to this row (the view makes it current)."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._alias: str | None = None
        self._rows = 0
        workspace.sig_resolution_changed.connect(self._on_resolution_change)

    # ---- which alias --------------------------------------------------------------------
    @property
    def alias(self) -> str | None:
        return self._alias

    def entries(self) -> list[str]:
        return list(self._ws.alias(self._alias) or ()) if self._alias else []

    def set_alias(self, name: str | None) -> None:
        self.beginResetModel()
        self._alias = name if name and self._ws.alias(name) is not None else None
        self._rows = len(self.entries())
        self.endResetModel()

    def _on_resolution_change(self, aliases, _experiments) -> None:
        if aliases is None:
            self.set_alias(self._alias)
            return
        if self._alias is None or self._alias not in aliases:
            return
        if self._ws.alias(self._alias) is None:
            self.set_alias(None)
            return
        self._follow()

    def _follow(self) -> None:
        """The entries changed in the workspace: tell the views what, by count."""
        n = len(self.entries())
        if n > self._rows:
            self.beginInsertRows(QModelIndex(), self._rows, n - 1)
            self._rows = n
            self.endInsertRows()
        elif n < self._rows:
            self.beginRemoveRows(QModelIndex(), n, self._rows - 1)
            self._rows = n
            self.endRemoveRows()
        if n:
            self.dataChanged.emit(self.index(0), self.index(n - 1))

    def _commit(self, new, text: str) -> bool:
        try:
            return self._ws.edit_alias(self._alias, list(new), text, gesture=new_gesture())
        except ChartDeskError as exc:
            self._ws.sig_error.emit(str(exc))
            return False

    # ---- QAbstractListModel -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._rows

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        entries = self.entries()
        if not index.isValid() or not 0 <= index.row() < len(entries):
            return None
        name = entries[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return name
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"priority {index.row() + 1}: {name}\nDrag to change the priority"
        return None

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled if self._alias else Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [ENTRY_MIME, CHANNEL_MIME]

    def mimeData(self, indexes) -> QMimeData:
        mime = QMimeData()
        entries = self.entries()
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(entries)})
        mime.setData(ENTRY_MIME, json.dumps({"alias": self._alias, "rows": rows}).encode())
        mime.setText("\n".join(entries[r] for r in rows))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        return self._alias is not None and (data.hasFormat(ENTRY_MIME) or data.hasFormat(CHANNEL_MIME))

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent: QModelIndex) -> bool:
        """A drop from another view (channels from the project tree), or a row of this list."""
        if self._alias is None or action == Qt.DropAction.IgnoreAction:
            return False
        entries = self.entries()
        if row < 0:
            row = parent.row() if parent.isValid() else len(entries)
        if data.hasFormat(ENTRY_MIME):
            payload = json.loads(bytes(data.data(ENTRY_MIME)).decode())
            rows = payload.get("rows", [])
            if payload.get("alias") != self._alias or len(rows) != 1:
                return False
            return self.moveRows(QModelIndex(), rows[0], 1, QModelIndex(), row)
        if data.hasFormat(CHANNEL_MIME):
            names = [n for n in bytes(data.data(CHANNEL_MIME)).decode().split("\n") if n]
            new = insert_entries(entries, row, names)
            if new == tuple(entries):
                return False
            added = [n for n in new if n not in entries]
            return self._commit(new, f"Add {', '.join(added)} to {self._alias}")
        return False

    def moveRows(self, src_parent: QModelIndex, src: int, count: int, dst_parent: QModelIndex, dst: int) -> bool:
        """Move ``count`` rows from ``src`` to before pre-move row ``dst``; undoable. What a real
        drop inside the list calls (Qt 6's QListView), and what the arrow buttons call."""
        entries = self.entries()
        if src_parent.isValid() or dst_parent.isValid() or self._alias is None:
            return False
        try:
            new = move_entries(entries, src, count, dst)
        except ChartDeskError:
            return False
        if new == tuple(entries) or not self._commit(new, f"Reorder {self._alias}"):
            return False
        self.sig_moved.emit(dst if dst < src else dst - count)
        return True

    def move(self, row: int, delta: int) -> bool:
        """Move one row up (delta -1) or down (+1): the keyboard/button path to a reorder."""
        target = row + delta
        if not 0 <= target < self._rows:
            return False
        return self.moveRows(QModelIndex(), row, 1, QModelIndex(), target if delta < 0 else target + 1)

    def add(self, name: str) -> bool:
        name = name.strip()
        if not name or self._alias is None or name in self.entries():
            return False
        return self._commit(insert_entries(self.entries(), self._rows, [name]), f"Add {name} to {self._alias}")

    def remove(self, row: int) -> bool:
        entries = self.entries()
        if self._alias is None or not 0 <= row < len(entries):
            return False
        return self._commit(remove_entry(entries, row), f"Remove {entries[row]} from {self._alias}")


class AliasListModel(QAbstractListModel):
    """The names of the project's aliases, sorted, each with its priority list."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._names: list[str] = []  # the sorted order the views were told
        workspace.sig_resolution_changed.connect(lambda aliases, _e: self.reload())
        workspace.sig_project_changed.connect(lambda _p: self.reload())

    def reload(self) -> None:
        names = sorted(self._ws.aliases())
        if names == self._names:
            if names:
                self.dataChanged.emit(self.index(0), self.index(len(names) - 1))
            return
        self.beginResetModel()
        self._names = names
        self.endResetModel()

    def name(self, row: int) -> str | None:
        return self._names[row] if 0 <= row < len(self._names) else None

    def row_of(self, name: str | None) -> int:
        return self._names.index(name) if name in self._names else -1

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
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

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.aliases_model = AliasListModel(workspace, self)
        self.entries_model = AliasEntriesModel(workspace, self)

        self.alias_view = QListView(self)
        self.alias_view.setModel(self.aliases_model)
        self.alias_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.alias_view.selectionModel().currentChanged.connect(self._on_alias_pick)
        self.alias_view.clicked.connect(self._on_alias_pick)
        self.new_btn = QPushButton("New alias…", self)
        self.new_btn.clicked.connect(lambda _checked=False: self.new_alias())
        self.delete_btn = QPushButton("Delete", self)
        self.delete_btn.clicked.connect(lambda _checked=False: self.delete_alias())
        self.coverage_btn = QPushButton("Coverage…", self)
        self.coverage_btn.setToolTip("Which channel each alias means in each run; pin another one per run")
        self.coverage_btn.clicked.connect(lambda _checked=False: self.show_coverage())
        self.coverage: QWidget | None = None

        self.title = QLabel("Pick an alias to edit its priority", self)
        self.title.setObjectName("Hint")
        self.title.setWordWrap(True)
        self.entries_view = QListView(self)
        self.entries_view.setModel(self.entries_model)
        # DragDrop, not InternalMove: rows are reordered inside the list (a real drop arrives as
        # moveRows) and channels are dropped in from the project tree (dropMimeData). The model
        # has no removeRows, so a move can never delete its source row.
        self.entries_view.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.entries_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.entries_view.setDragEnabled(True)
        self.entries_view.setAcceptDrops(True)
        self.entries_view.setDropIndicatorShown(True)
        self.entries_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.entries_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.entries_model.sig_moved.connect(lambda row: self.entries_view.setCurrentIndex(self.entries_model.index(row)))
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("Add a channel name…")
        self.completion = QStringListModel(self)
        completer = QCompleter(self.completion, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(completer)
        self.add_edit.returnPressed.connect(self._on_add)
        self.up_btn = QPushButton("↑", self)
        self.up_btn.setToolTip("Higher priority")
        self.up_btn.clicked.connect(lambda _checked=False: self._move(-1))
        self.down_btn = QPushButton("↓", self)
        self.down_btn.setToolTip("Lower priority")
        self.down_btn.clicked.connect(lambda _checked=False: self._move(+1))
        self.remove_btn = QPushButton("Remove", self)
        self.remove_btn.clicked.connect(lambda _checked=False: self._on_remove())
        self.entries_view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())

        self.suggestions = QListWidget(self)
        self.suggestions.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.suggestions.setToolTip("Channel names that look like one metric logged under different names "
                                    "(never in the same run, same words, values that overlap)")
        self.suggestions.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.add_suggestion_btn = QPushButton("Add as alias", self)
        self.add_suggestion_btn.clicked.connect(lambda _checked=False: self.add_suggestion())
        self._suggested: list = []

        self.preview = QTreeWidget(self)
        self.preview.setHeaderLabels(["Selected experiment", "Resolves to"])
        self.preview.setRootIsDecorated(False)
        self.preview.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.preview.setColumnWidth(0, 150)

        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.alias_view)
        row = QHBoxLayout()
        row.addWidget(self.new_btn)
        row.addWidget(self.delete_btn)
        row.addWidget(self.coverage_btn)
        tl.addLayout(row)
        mid = QWidget(self)
        ml = QVBoxLayout(mid)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.title)
        ml.addWidget(self.entries_view)
        ml.addWidget(self.add_edit)
        row = QHBoxLayout()
        row.addWidget(self.up_btn)
        row.addWidget(self.down_btn)
        row.addWidget(self.remove_btn)
        ml.addLayout(row)
        sug = QWidget(self)
        sl = QVBoxLayout(sug)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(QLabel("Suggested aliases", sug))
        sl.addWidget(self.suggestions)
        sl.addWidget(self.add_suggestion_btn)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(top)
        split.addWidget(mid)
        split.addWidget(self.preview)
        split.addWidget(sug)
        split.setSizes([150, 200, 120, 90])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(split)

        workspace.sig_resolution_changed.connect(lambda _a, _e: self._refresh())
        workspace.sig_selection_changed.connect(lambda _s: self._refresh_preview())
        # The preview names the selected runs: a rename (or its undo) changes their names without
        # a new selection, and is announced as a change of the catalog.
        workspace.sig_catalog_changed.connect(self._refresh_preview)
        workspace.sig_catalog_changed.connect(self._refresh_completion)
        workspace.sig_catalog_changed.connect(self.refresh_suggestions)
        workspace.sig_project_changed.connect(self._on_project_change)
        self._on_project_change()

    # ---- actions ------------------------------------------------------------------------
    def choose(self, name: str | None) -> None:
        """Show this alias's priority list (None: none)."""
        row = self.aliases_model.row_of(name)
        self.alias_view.setCurrentIndex(self.aliases_model.index(row) if row >= 0 else QModelIndex())
        if self.entries_model.alias != (name if row >= 0 else None):
            self.entries_model.set_alias(name if row >= 0 else None)
        self._refresh()

    def new_alias(self) -> None:
        if not self._ws.project:
            return
        name, ok = QInputDialog.getText(self, "New alias", "Alias name (e.g. accuracy):")
        if ok and name.strip():
            self.create_alias(name.strip())

    def create_alias(self, name: str, entries: list[str] | None = None) -> None:
        if self._ws.alias(name) is None:
            try:
                self._ws.edit_alias(name, list(entries or []), f"New alias {name}")
            except ChartDeskError as exc:
                QMessageBox.warning(self, "Alias", str(exc))
                return
        self.choose(name)

    def show_coverage(self):
        """The runs x aliases coverage matrix (a window of its own; it follows every edit)."""
        from .coverage import CoverageDialog

        if not self._ws.project:
            return None
        if self.coverage is not None:
            self.coverage.close()
            self.coverage.deleteLater()
        self.coverage = CoverageDialog(self._ws, self)
        self.coverage.show()
        return self.coverage

    def delete_alias(self) -> None:
        name = self.entries_model.alias
        if name:
            self._ws.edit_alias(name, None, f"Delete alias {name}")

    def _on_alias_pick(self, current: QModelIndex, _previous=None) -> None:
        name = self.aliases_model.name(current.row()) if current.isValid() else None
        if name != self.entries_model.alias:
            self.entries_model.set_alias(name)
        self._refresh()

    def _on_project_change(self, _project: str = "") -> None:
        """Another project: keep the alias of the same name if it has one, else its first alias."""
        self.aliases_model.reload()
        keep = self.entries_model.alias
        name = keep if self.aliases_model.row_of(keep) >= 0 else self.aliases_model.name(0)
        self.entries_model.set_alias(None)
        self.choose(name)
        self._refresh_completion()
        self.refresh_suggestions()

    def refresh_suggestions(self) -> None:
        """Suggest aliases for names that mean the same (``chartdesk.suggest``); never applied by itself."""
        from ..suggest import suggest

        self.suggestions.clear()
        self._suggested = []
        if not self._ws.project:
            self._update_buttons()
            return
        runs = {e.name: [c.name for c in self._ws.channels(e.name)] for e in self._ws.experiments()}
        candidates = {c for sgn in suggest(runs, None, self._ws.aliases()) for c in sgn.channels}
        ranges: dict[str, tuple[float, float]] = {}
        try:  # value ranges of the candidates only (from chunk summaries: no point is read)
            values = self._ws.store.reduce_channels(
                self._ws.project, [(e, c) for e, cs in runs.items() for c in cs if c in candidates], ["min", "max"])
        except ChartDeskError:
            values = {}
        for (_e, c), v in values.items():
            lo, hi = v.get("min"), v.get("max")
            if lo is None or hi is None:
                continue
            old = ranges.get(c)
            ranges[c] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
        self._suggested = suggest(runs, ranges, self._ws.aliases())
        for sgn in self._suggested:
            self.suggestions.addItem(f"{sgn.alias}  ←  {', '.join(sgn.channels)}")
            self.suggestions.item(self.suggestions.count() - 1).setToolTip(", ".join(sgn.channels))
        self._update_buttons()

    def add_suggestion(self) -> None:
        row = self.suggestions.currentRow()
        if not 0 <= row < len(self._suggested):
            return
        sgn = self._suggested[row]
        name, k = sgn.alias, 2
        while self._ws.alias(name) is not None:
            name, k = f"{sgn.alias}_{k}", k + 1
        self.create_alias(name, list(sgn.channels))
        self.refresh_suggestions()

    def _on_add(self) -> None:
        if self.entries_model.add(self.add_edit.text()):
            self.add_edit.clear()

    def _on_remove(self) -> None:
        idx = self.entries_view.currentIndex()
        if idx.isValid():
            self.entries_model.remove(idx.row())

    def _move(self, delta: int) -> None:
        idx = self.entries_view.currentIndex()
        if idx.isValid():
            self.entries_model.move(idx.row(), delta)

    # ---- refresh ------------------------------------------------------------------------
    def _update_buttons(self) -> None:
        name = self.entries_model.alias
        row = self.entries_view.currentIndex().row() if self.entries_view.currentIndex().isValid() else -1
        n = self.entries_model.rowCount()
        self.new_btn.setEnabled(bool(self._ws.project))
        self.coverage_btn.setEnabled(bool(self._ws.project) and bool(self._ws.aliases()))
        if hasattr(self, "add_suggestion_btn"):
            self.add_suggestion_btn.setEnabled(self.suggestions.currentRow() >= 0)
        self.delete_btn.setEnabled(bool(name))
        self.add_edit.setEnabled(bool(name))
        self.remove_btn.setEnabled(bool(name) and row >= 0)
        self.up_btn.setEnabled(bool(name) and row > 0)
        self.down_btn.setEnabled(bool(name) and 0 <= row < n - 1)

    def _refresh(self) -> None:
        name = self.entries_model.alias
        row = self.aliases_model.row_of(name)
        if row >= 0 and self.alias_view.currentIndex().row() != row:
            self.alias_view.blockSignals(True)
            self.alias_view.setCurrentIndex(self.aliases_model.index(row))
            self.alias_view.blockSignals(False)
        self._update_buttons()
        if not self._ws.project:
            self.title.setText("No project open")
        elif not self._ws.aliases():
            self.title.setText("No aliases yet. An alias names one metric that runs logged under different "
                               "names; the first channel of its list that a run has is plotted.")
        elif name:
            self.title.setText(f"<b>{html.escape(name)}</b>: first present wins. Drag to change the priority, "
                               "or drop channels here from the project tree.")
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
            item = QTreeWidgetItem([exp, got if got else "(none of its channels)"])
            item.setToolTip(0, exp)
            item.setToolTip(1, got if got else f"{exp} has none of: {', '.join(self._ws.alias(name) or ())}")
            if got:
                item.setFont(1, bold)
            self.preview.addTopLevelItem(item)
