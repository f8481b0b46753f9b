"""The alias editor: the project's aliases, the chosen alias's ordered channel list with
drag-and-drop reordering, add (with completion) and remove, and a preview of what it resolves to
in each selected experiment.

Both list models are adapters of the session, told what changed rather than reset:

* ``AliasEntriesModel`` (the chosen alias's channels). A reorder (a drop inside the list, which Qt
  hands to ``moveRows``; the ↑/↓ buttons) asks ``Workspace.move_alias_entries``, which announces
  ``sig_alias_moving`` before the write and ``sig_alias_moved`` after: the model turns them into
  ``beginMoveRows``/``endMoveRows``, so Qt keeps the selection and the current entry on the moved
  row. Every other change of the alias (an insert, a removal, an undo or redo, an edit by another
  process, heard as ``sig_aliases_changed``) is compared with the list the views were told and
  announced as the removals, single-row moves (as few as the order needs) and insertions it
  made. A model reset is only for another alias.
* ``AliasListModel`` (the names): on ``sig_aliases_changed`` the names that appeared are inserted
  rows, those that disappeared removed rows, and a name whose channels changed one changed row;
  a reset only for another project.

Every edit is made from the entries this window shows and written over what the store holds
now: when another window changed the alias meanwhile, an added, removed or moved entry is
added, removed or moved there too (``edits.rebase_names``), and an edit that cannot be carried
over (the alias was deleted elsewhere) is refused in one line on the status bar.

A drop on the list (``AliasEntriesView``) is decided in Qt's drop handler, and the edit it asks
for is written by a zero-delay timer once that handler has returned: the store write and every
panel that follows it run from the event loop, not inside Qt's drag-and-drop code. A drop whose
alias changed meanwhile is dropped. Calls from code (the buttons, ``moveRows`` or
``dropMimeData`` called directly) write at once.

An alias is renamed with F2, a double-click on its name or the list's context menu (a dialog that
asks again, with what was typed and why, when the name is taken): one undoable step that renames
its pins and every chart series that plots it in the same transaction (``Store.rename_alias``).
When the chosen alias goes and one with its entries comes (a rename here, its undo, one in another
window), the panel keeps it chosen.

The preview names each selected run as the tree does (shortened by what tells the runs apart,
``widgets.NameDelegate``). It is rebuilt when the selection or the catalog changes, or when
``sig_resolution_changed`` names the chosen alias (or all) for a selected run (or all).
"""
from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import QAbstractListModel, QMimeData, QModelIndex, QStringListModel, Qt, QThreadPool, QTimer
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..app.history import new_gesture
from ..edits import insert_entries, longest_increasing, move_entries, remove_entry
from ..errors import ChartDeskError, Conflict
from .bridge import ToGui
from .project_tree import CHANNEL_MIME
from .widgets import NameDelegate

log = logging.getLogger(__name__)

RENAME_LABEL = ("New name (the charts and pins that use the alias follow; a name with blanks is written\n"
                'in quotes in filters and expressions: alias:"val acc":max > 0.9):')

ENTRY_MIME = "application/x-chartdesk-alias-rows"


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of consecutive rows."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


class AliasEntriesModel(QAbstractListModel):
    """The ordered channel names of one alias (row 0 wins first), as the session holds them.

    It keeps the list its views were told (``entries()``) and changes it only together with the
    matching Qt announcement; edits are asked of the workspace (store, resolver, undo) and come
    back as its signals.
    """

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._alias: str | None = None
        self._shown: list[str] = []
        self._moving: tuple[int, int, int] | None = None  # (src, count, dst) between moving and moved
        self._held = 0
        workspace.sig_alias_moving.connect(self._on_moving)
        workspace.sig_alias_moved.connect(self._on_moved)
        workspace.sig_aliases_changed.connect(self._on_aliases_changed)
        # Renaming a run or project re-reads the project (aliases too) and says so as a catalog change.
        workspace.sig_catalog_changed.connect(self._sync)

    # ---- which alias --------------------------------------------------------------------
    @property
    def alias(self) -> str | None:
        return self._alias

    def entries(self) -> list[str]:
        return list(self._shown)

    def set_alias(self, name: str | None) -> None:
        """Show another alias (None: none): a new list, so a model reset."""
        self.beginResetModel()
        entries = self._ws.alias(name) if name else None
        self._alias = name if entries is not None else None
        self._shown = list(entries or ())
        self._moving = None
        self.endResetModel()

    # ---- following the session -----------------------------------------------------------
    def _on_moving(self, alias: str, src: int, count: int, dst: int) -> None:
        if alias != self._alias or self._moving is not None:
            return
        self._follow(self._ws.alias(alias) or ())  # the list the session moves in (the same, unless one was missed)
        if self.beginMoveRows(QModelIndex(), src, src + count - 1, QModelIndex(), dst):
            self._moving = (src, count, dst)

    def _on_moved(self, alias: str) -> None:
        if self._moving is None or alias != self._alias:
            return
        src, count, dst = self._moving
        self._moving = None
        self._shown = list(move_entries(self._shown, src, count, dst))
        self.endMoveRows()

    def _on_aliases_changed(self, names) -> None:
        if self._alias is not None and (names is None or self._alias in names):
            self._sync()

    def _sync(self) -> None:
        """Tell the views how the session's entries differ from what they were told."""
        if self._alias is None or self._moving is not None:
            return
        entries = self._ws.alias(self._alias)
        if entries is None:  # deleted (here, by an undo, or elsewhere): no alias is shown
            self._follow(())
            self._alias = None
            return
        self._follow(entries)

    def _follow(self, entries: Sequence[str]) -> None:
        """Turn the shown list into ``entries``: removals, then the fewest single-row moves, then
        insertions, each announced as Qt expects."""
        new = list(entries)
        shown = self._shown
        if shown == new:
            return
        if len(set(new)) != len(new) or len(set(shown)) != len(shown):  # the store refuses duplicates
            self._replace(new)
            return
        kept = set(new)
        for first, last in reversed(_runs([i for i, name in enumerate(shown) if name not in kept])):
            self.beginRemoveRows(QModelIndex(), first, last)
            del shown[first:last + 1]
            self.endRemoveRows()
        present = set(shown)
        target = [name for name in new if name in present]
        where = {name: i for i, name in enumerate(target)}
        placed = {shown[i] for i in longest_increasing([where[name] for name in shown])}
        for t, name in enumerate(target):
            if name in placed:
                continue
            before = next((target[k] for k in range(t - 1, -1, -1) if target[k] in placed), None)
            src = shown.index(name)
            dst = 0 if before is None else shown.index(before) + 1
            if dst not in (src, src + 1) and self.beginMoveRows(QModelIndex(), src, src, QModelIndex(), dst):
                shown[:] = move_entries(shown, src, 1, dst)
                self.endMoveRows()
            placed.add(name)
        added = [i for i, name in enumerate(new) if name not in present]
        for first, last in _runs(added):
            self.beginInsertRows(QModelIndex(), first, last)
            shown[first:first] = new[first:last + 1]
            self.endInsertRows()
        if shown != new:  # not reached: the steps above make the order; say it plainly if they did not
            self._replace(new)

    def _replace(self, new: list[str]) -> None:
        """Every row out, the new ones in (still the same alias: no reset)."""
        if self._shown:
            self.beginRemoveRows(QModelIndex(), 0, len(self._shown) - 1)
            self._shown = []
            self.endRemoveRows()
        if new:
            self.beginInsertRows(QModelIndex(), 0, len(new) - 1)
            self._shown = list(new)
            self.endInsertRows()

    # ---- asking for edits ---------------------------------------------------------------
    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Edits asked for inside are written from the event loop once the block (Qt's drop
        handler) has been left, by a zero-delay timer; they still report success at once."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1

    def _submit(self, write: Callable[[], bool]) -> bool:
        if not self._held:
            return self._write(write)
        alias, shown = self._alias, list(self._shown)

        def later() -> None:
            if self._alias == alias and self._shown == shown:  # else the drop meant rows that moved since
                self._write(write)

        QTimer.singleShot(0, self, later)
        return True

    def _write(self, write: Callable[[], bool]) -> bool:
        try:
            return bool(write())
        except ChartDeskError as exc:
            self._ws.sig_error.emit(str(exc))
            self._sync()  # a failed move was announced as done: back to what the session holds
            return False

    def _edit(self, new: Sequence[str], text: str) -> bool:
        alias = self._alias
        return self._submit(lambda: self._ws.edit_alias(alias, list(new), text, gesture=new_gesture()))

    # ---- QAbstractListModel -------------------------------------------------------------
    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._shown)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        name = self._shown[index.row()]
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
        rows = sorted({i.row() for i in indexes if i.isValid() and i.row() < len(self._shown)})
        mime.setData(ENTRY_MIME, json.dumps({"alias": self._alias, "rows": rows}).encode())
        mime.setText("\n".join(self._shown[r] for r in rows))
        return mime

    def canDropMimeData(self, data, action, row, column, parent) -> bool:
        return self._alias is not None and (data.hasFormat(ENTRY_MIME) or data.hasFormat(CHANNEL_MIME))

    def dropMimeData(self, data: QMimeData, action, row: int, column: int, parent: QModelIndex) -> bool:
        """A drop from another view (channels from the project tree: inserted before ``row``), or
        a row of this list (a move)."""
        if self._alias is None or action == Qt.DropAction.IgnoreAction:
            return False
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._shown)
        if data.hasFormat(ENTRY_MIME):
            payload = json.loads(bytes(data.data(ENTRY_MIME)).decode())
            rows = payload.get("rows", [])
            if payload.get("alias") != self._alias or len(rows) != 1:
                return False
            return self.moveRows(QModelIndex(), rows[0], 1, QModelIndex(), row)
        if data.hasFormat(CHANNEL_MIME):
            names = [n for n in bytes(data.data(CHANNEL_MIME)).decode().split("\n") if n]
            new = insert_entries(self._shown, row, names)
            if new == tuple(self._shown):
                return False
            added = [n for n in new if n not in self._shown]
            return self._edit(new, f"Add {', '.join(added)} to {self._alias}")
        return False

    def moveRows(self, src_parent: QModelIndex, src: int, count: int, dst_parent: QModelIndex, dst: int) -> bool:
        """Move ``count`` rows from ``src`` to before pre-move row ``dst`` (Qt's rule); one undo
        step. What a real drop inside the list calls (Qt 6's QListView), and the arrow buttons.
        A destination inside the moved rows changes nothing, and nothing is announced."""
        if src_parent.isValid() or dst_parent.isValid() or self._alias is None:
            return False
        try:
            new = move_entries(self._shown, src, count, dst)
        except ChartDeskError:
            return False
        if new == tuple(self._shown):
            return False
        alias = self._alias
        return self._submit(lambda: self._ws.move_alias_entries(alias, src, count, dst, f"Reorder {alias}",
                                                                gesture=new_gesture()))

    def move(self, row: int, delta: int) -> bool:
        """Move one row up (delta -1) or down (+1): the buttons' path to a reorder."""
        target = row + delta
        if not 0 <= target < len(self._shown):
            return False
        return self.moveRows(QModelIndex(), row, 1, QModelIndex(), target if delta < 0 else target + 1)

    def add(self, name: str) -> bool:
        name = name.strip()
        if not name or self._alias is None or name in self._shown:
            return False
        return self._edit(insert_entries(self._shown, len(self._shown), [name]), f"Add {name} to {self._alias}")

    def remove(self, row: int) -> bool:
        if self._alias is None or not 0 <= row < len(self._shown):
            return False
        return self._edit(remove_entry(self._shown, row), f"Remove {self._shown[row]} from {self._alias}")


class AliasEntriesView(QListView):
    """The priority list. A drop is Qt's to decide (a move inside the list, channels from the
    tree); the edit it asks the model for is written once this handler has returned."""

    def dropEvent(self, event) -> None:
        model = self.model()
        if not isinstance(model, AliasEntriesModel):
            super().dropEvent(event)
            return
        with model.deferred():
            super().dropEvent(event)


class AliasListModel(QAbstractListModel):
    """The names of the project's aliases, sorted, each with its priority list."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._project: str | None = None
        self._names: list[str] = []  # the sorted order the views were told
        self._entries: dict[str, tuple[str, ...]] = {}  # what each row's text was made from
        workspace.sig_aliases_changed.connect(lambda _names: self._follow())
        workspace.sig_catalog_changed.connect(self._follow)  # a reload after a rename re-reads the aliases
        workspace.sig_project_changed.connect(lambda _p: self.reload())

    def reload(self) -> None:
        """Another project: a new list (reset). The same project: what changed, row by row."""
        if self._ws.project == self._project:
            self._follow()
            return
        self.beginResetModel()
        self._project = self._ws.project
        self._entries = dict(self._ws.aliases())
        self._names = sorted(self._entries)
        self.endResetModel()

    def _follow(self) -> None:
        if self._ws.project != self._project:
            self.reload()
            return
        held = self._ws.aliases()
        for first, last in reversed(_runs([i for i, n in enumerate(self._names) if n not in held])):
            self.beginRemoveRows(QModelIndex(), first, last)
            del self._names[first:last + 1]
            self.endRemoveRows()
        new = sorted(held)
        known = set(self._names)
        for first, last in _runs([i for i, n in enumerate(new) if n not in known]):
            self.beginInsertRows(QModelIndex(), first, last)
            self._names[first:first] = new[first:last + 1]
            self.endInsertRows()
        changed = [i for i, n in enumerate(self._names) if n in known and held[n] != self._entries.get(n)]
        self._entries = dict(held)
        for first, last in _runs(changed):
            self.dataChanged.emit(self.index(first), self.index(last))

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
        # Before the models hear it: the chosen alias deleted (here, by an undo, elsewhere) leaves
        # no alias chosen, rather than Qt making its neighbour current as its row goes.
        workspace.sig_aliases_changed.connect(self._on_aliases_changing)
        self.aliases_model = AliasListModel(workspace, self)
        self.entries_model = AliasEntriesModel(workspace, self)

        self.alias_view = QListView(self)
        self.alias_view.setModel(self.aliases_model)
        self.alias_view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.alias_view.selectionModel().currentChanged.connect(self._on_alias_pick)
        self.alias_view.clicked.connect(self._on_alias_pick)
        self.alias_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.alias_view.doubleClicked.connect(lambda idx: self.rename_alias(self.aliases_model.name(idx.row())))
        self.rename_action = QAction("Rename…", self.alias_view)
        self.rename_action.setShortcut(QKeySequence(Qt.Key.Key_F2))
        self.rename_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.rename_action.setToolTip("Rename the alias; the charts that plot it, and its pins, follow (F2)")
        self.rename_action.triggered.connect(lambda _c=False: self.rename_alias())
        self.alias_view.addAction(self.rename_action)
        self.alias_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.alias_view.customContextMenuRequested.connect(self._on_alias_menu)
        self._vanished: tuple[str, tuple[str, ...]] | None = None  # the chosen alias, gone (renamed?)
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
        self.entries_view = AliasEntriesView(self)
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
        # A move keeps the current entry on its row (Qt's persistent index): the buttons follow the rows.
        for sig in (self.entries_model.rowsMoved, self.entries_model.rowsInserted, self.entries_model.rowsRemoved,
                    self.entries_model.modelReset):
            sig.connect(lambda *_: self._update_buttons())
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("Add a channel name…")
        self.completion = QStringListModel(self)
        completer = QCompleter(self.completion, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.add_edit.setCompleter(completer)
        self.add_edit.returnPressed.connect(self._on_add)
        self.add_edit.textEdited.connect(lambda _t: self._say_add(""))
        self.add_note = QLabel("", self)  # why Enter added nothing (the name is in the list already)
        self.add_note.setObjectName("InputError")
        self.add_note.setWordWrap(True)
        self.add_note.setVisible(False)
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
        self._suggest_gen = 0  # which question the list answers (the catalog moves, the question too)
        self._suggest_pool = QThreadPool(self)
        self._suggest_pool.setMaxThreadCount(1)
        self._to_gui = ToGui(self)
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
        self.preview.setItemDelegateForColumn(0, NameDelegate(self.preview))  # what tells runs apart stays
        head = self.preview.header()  # the channel as wide as it is, the names the rest (not 150 px)
        head.setStretchLastSection(False)
        head.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        head.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)

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
        ml.addWidget(self.add_note)
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

        workspace.sig_aliases_changed.connect(self._on_aliases_changed)
        workspace.sig_resolution_changed.connect(self._on_resolution_change)
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
            except Conflict as exc:  # made by another window meanwhile: it is shown as it is
                self._ws.sig_error.emit(f"New alias {name}: {exc}")
            except ChartDeskError as exc:
                QMessageBox.warning(self, "Alias", str(exc))
                return
        self.choose(name)

    def rename_alias(self, name: str | None = None) -> bool:
        """Ask for a new name of the alias (the chosen one by default) and rename it, undoably:
        in one transaction, its pins and every chart series that plots it follow
        (``Store.rename_alias``). A name the project has, or one the store refuses, is said in
        the dialog, asked again with what was typed."""
        from ..app.run_meta import MetaEdits, check_alias_name
        from .run_page import write_edit

        name = name or self.entries_model.alias
        if not name or self._ws.alias(name) is None:
            return False
        text, label = name, RENAME_LABEL
        while True:
            typed, ok = QInputDialog.getText(self, f"Rename alias {name}", label, text=text)
            new = typed.strip()
            if not ok or not new or new == name:
                return False
            try:
                check_alias_name(new, set(self._ws.aliases()) - {name})
                write_edit(self._ws, MetaEdits(self._ws.session).rename_alias_edit(name, new))
            except ChartDeskError as exc:  # asked again: what was typed, and why not
                why = str(exc)
                text, label = typed, f"{why[:1].upper()}{why[1:]}\n{RENAME_LABEL}"
                continue
            self.choose(new)
            return True

    def _on_alias_menu(self, pos) -> None:
        idx = self.alias_view.indexAt(pos)
        menu = QMenu(self)
        if idx.isValid():
            self.choose(self.aliases_model.name(idx.row()))
            menu.addAction(self.rename_action)
            menu.addAction("Delete").triggered.connect(lambda _c=False: self.delete_alias())
            menu.addSeparator()
        menu.addAction("New alias…").triggered.connect(lambda _c=False: self.new_alias())
        menu.exec(self.alias_view.viewport().mapToGlobal(pos))

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
            try:
                self._ws.edit_alias(name, None, f"Delete alias {name}")
            except ChartDeskError as exc:  # changed by another window meanwhile: not deleted
                self._ws.sig_error.emit(f"Delete alias {name}: {exc}")

    def _on_alias_pick(self, current: QModelIndex, _previous=None) -> None:
        name = self.aliases_model.name(current.row()) if current.isValid() else None
        if name != self.entries_model.alias:
            self.entries_model.set_alias(name)
            self._say_add("")
        self._refresh()

    def _on_project_change(self, _project: str = "") -> None:
        """Another project: keep the alias of the same name if it has one, else its first alias."""
        self.aliases_model.reload()
        keep = self.entries_model.alias
        name = keep if self.aliases_model.row_of(keep) >= 0 else self.aliases_model.name(0)
        self.entries_model.set_alias(None)
        self.choose(name)
        self.add_edit.clear()  # a name typed for another project's alias is not this one's
        self._say_add("")
        self._refresh_completion()
        self.refresh_suggestions()

    def refresh_suggestions(self) -> None:
        """Suggest aliases for names that mean the same (``chartdesk.suggest``); never applied by
        itself. The channels' value ranges are read off the GUI thread; an answer to an older
        question (the catalog moved meanwhile) is dropped."""
        self._suggest_gen += 1
        if not self._ws.project:
            self._show_suggestions(self._suggest_gen, [])
            return
        gen, store, project = self._suggest_gen, self._ws.store, self._ws.project
        runs = {e.name: [c.name for c in self._ws.channels(e.name)] for e in self._ws.experiments()}
        aliases = {k: list(v) for k, v in self._ws.aliases().items()}

        def work() -> None:
            from ..suggest import suggest_in

            try:
                found = suggest_in(store, project, runs, aliases)
            except ChartDeskError as exc:
                log.warning("suggestions for %s: %s", project, exc)
                found = []
            self._to_gui.call(self._show_suggestions, gen, found)

        self._suggest_pool.start(work)

    def _show_suggestions(self, gen: int, found) -> None:
        if gen != self._suggest_gen:
            return
        self.suggestions.clear()
        self._suggested = list(found)
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
        """Enter in the add box: the name goes to the end of the list and the box is emptied; a
        name the list has already is said under the box (the text stays, to be corrected)."""
        name = self.add_edit.text().strip()
        alias = self.entries_model.alias
        if not name or alias is None:
            return
        if name in self.entries_model.entries():
            self._say_add(f"{name} is in the list of {alias} already (priority "
                          f"{self.entries_model.entries().index(name) + 1})")
            self.add_edit.selectAll()
            return
        if self.entries_model.add(name):
            self._say_add("")
            # After the completer is done with this key: picking a completion with Enter sets the
            # box's text again once returnPressed has been handled.
            QTimer.singleShot(0, self, self._clear_add)

    def _clear_add(self) -> None:
        self.add_edit.clear()

    def _say_add(self, text: str) -> None:
        self.add_note.setText(text)
        self.add_note.setVisible(bool(text))

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

    def _on_aliases_changing(self, names) -> None:
        name = self.entries_model.alias
        if not name or (names is not None and name not in names) or self._ws.alias(name) is not None:
            return
        self._vanished = (name, tuple(self.entries_model.entries()))
        self.alias_view.selectionModel().clear()  # its row is still there: no neighbour becomes current
        if self.entries_model.alias is not None:
            self.entries_model.set_alias(None)
            self._refresh()

    def _on_aliases_changed(self, names=None) -> None:
        """Aliases were created, edited or deleted (the models have followed): the title and
        buttons. When the chosen alias went and one alias with its entries came with it (a
        rename here, its undo, or one in another window), that one is chosen."""
        vanished, self._vanished = self._vanished, None
        if vanished is not None and names is not None:
            came = [n for n in names if n != vanished[0] and self._ws.alias(n) == vanished[1]]
            if len(came) == 1:
                self.choose(came[0])
        self._update_buttons()
        self._update_title()

    def _on_resolution_change(self, aliases, experiments) -> None:
        """The preview is rebuilt only when it shows what changed: its alias in a selected run."""
        name = self.entries_model.alias
        if name is None or (aliases is not None and name not in aliases):
            return
        if experiments is not None and not set(experiments) & set(self._ws.selection()):
            return
        self._refresh_preview()

    def _refresh(self) -> None:
        name = self.entries_model.alias
        row = self.aliases_model.row_of(name)
        if row >= 0 and self.alias_view.currentIndex().row() != row:
            self.alias_view.blockSignals(True)
            self.alias_view.setCurrentIndex(self.aliases_model.index(row))
            self.alias_view.blockSignals(False)
        self._update_buttons()
        self._update_title()
        self._refresh_preview()

    def _update_title(self) -> None:
        name = self.entries_model.alias
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
