"""A run's page (issue 23 item 28): double-click or Enter on a run in the project tree or the runs
table opens it beside the charts (not modal; one page per run, opened again it comes to the front).

It shows the run's state, created / started / ended times and duration, its source (an imported
run's file or folder), every param flattened (``optimizer.lr``) with a search box, a summary of
each channel (points, first and last step, last, min and max value), its tags and its notes. Tags
and notes are edited here and saved to the store at once, as undoable steps of the project's
history (``app.run_meta.MetaEdits``): tags as they are added or removed, notes a moment after the
typing stops and when the box loses focus (one typing is one undo step). A refused edit (notes
changed in another window meanwhile, a tag that is not one line) is said in one line under the
box and keeps what was typed.

What the session holds (name, state, times, params, tags, notes) is painted from the session; the
channel summaries are read from the store on a thread of the page's own pool (``read_details``)
and again when the run's points grow. An edit made in another window or process reaches the page
with the next poll; notes being typed here are not replaced meanwhile.
"""
from __future__ import annotations

import datetime as _dt
import logging

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..app.cells import cell_text
from ..app.history import new_gesture
from ..app.run_meta import MetaEdits, RunDetails, params_rows, parse_tags, read_details
from ..curves import natural_key
from ..errors import ChartDeskError
from ..model import Experiment
from .jobs import Jobs
from .theme import state_color
from .widgets import ElidedLabel, plural

log = logging.getLogger(__name__)

CHANNEL_HEADERS = ("Channel", "Points", "First step", "Last step", "Last", "Min", "Max")


def _when(ts: float | None) -> str:
    return _dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "—"


def _number(v) -> str:
    return "—" if v is None else cell_text("", v)


class _Item(QTableWidgetItem):
    """A cell that sorts by its value (numbers as numbers), not by its text."""

    def __init__(self, text: str, key=None, right: bool = False) -> None:
        super().__init__(text)
        self.key = (0, key) if isinstance(key, (int, float)) and not isinstance(key, bool) else (1, natural_key(text))
        self.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
        self.setToolTip(text)
        if right:
            self.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __lt__(self, other) -> bool:
        return self.key < other.key if isinstance(other, _Item) else super().__lt__(other)


def _table(parent: QWidget, headers) -> QTableWidget:
    t = QTableWidget(0, len(headers), parent)
    t.setHorizontalHeaderLabels(list(headers))
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setAlternatingRowColors(True)
    t.setWordWrap(False)
    t.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    t.horizontalHeader().setStretchLastSection(True)
    t.verticalHeader().setDefaultSectionSize(t.fontMetrics().height() + 8)
    return t


class RunPage(QDialog):
    """One run's page. ``ready()`` is True once the channel summaries shown are the latest read."""

    sig_ready = Signal()
    #: Notes are saved this long after the last keystroke (and when the box loses focus).
    SAVE_NOTES_MS = 800

    def __init__(self, workspace, experiment: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("RunPage")
        self.ws = workspace
        self.project = workspace.project
        self.experiment = experiment
        self.details: RunDetails | None = None
        self.error = ""
        self._pending = False
        self._jobs = Jobs(workspace.pool, self)  # the window's one pool: its summaries are read there
        self._notes_gesture: int | None = None  # one typing (focus in to focus out) is one undo step
        self._params_sized = False
        self._channels_sized = False

        self.title = ElidedLabel("", self)
        self.title.setObjectName("RunPageTitle")
        f = self.title.font()
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.25)
        self.title.setFont(f)
        self.state = QLabel(self)
        self.created = QLabel(self)
        self.started = QLabel(self)
        self.ended = QLabel(self)
        self.source = ElidedLabel("", self)
        self.source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.created, self.started, self.ended):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.tags = QListWidget(self)
        self.tags.setObjectName("RunTags")
        self.tags.setFlow(QListWidget.Flow.LeftToRight)
        self.tags.setWrapping(True)
        self.tags.setSpacing(2)
        self.tags.setMaximumHeight(self.fontMetrics().height() * 3 + 8)
        self.tags.setToolTip("The run's tags (the tree, the runs table and filters such as \"best\" in tags show "
                             "them). Delete removes the selected tag")
        self.tags.currentRowChanged.connect(lambda _r: self._update_buttons())
        self.tag_edit = QLineEdit(self)
        self.tag_edit.setPlaceholderText("Add tags: best, lr-sweep …")
        self.tag_edit.setToolTip("Enter adds the tags typed (separated by commas)")
        self.tag_edit.returnPressed.connect(self.add_tags)
        self.tag_edit.textEdited.connect(lambda _t: self._say(self.tag_error, ""))
        self.remove_tag_btn = QPushButton("Remove tag", self)
        self.remove_tag_btn.clicked.connect(lambda _c=False: self.remove_tag())
        self.tag_error = QLabel("", self)
        self.tag_error.setObjectName("InputError")
        self.tag_error.setWordWrap(True)
        self.tag_error.setVisible(False)
        delete = QAction("Remove tag", self.tags)  # Delete on the list removes the selected tag
        delete.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        delete.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        delete.triggered.connect(lambda _c=False: self.remove_tag())
        self.tags.addAction(delete)

        self.notes = QPlainTextEdit(self)
        self.notes.setObjectName("RunNotes")
        self.notes.setPlaceholderText("Notes on this run: what was tried, what went wrong, what to do next …")
        self.notes.setTabChangesFocus(True)
        self.notes.textChanged.connect(self._on_notes_typed)
        self.notes.installEventFilter(self)
        self.notes_state = QLabel("", self)
        self.notes_state.setObjectName("Hint")
        self.notes_error = QLabel("", self)
        self.notes_error.setObjectName("InputError")
        self.notes_error.setWordWrap(True)
        self.notes_error.setVisible(False)
        self._notes_timer = QTimer(self)
        self._notes_timer.setSingleShot(True)
        self._notes_timer.setInterval(self.SAVE_NOTES_MS)
        self._notes_timer.timeout.connect(self.save_notes)
        self._shown_notes = ""  # the store's notes as last put in the box (what "unsaved" is against)

        self.param_filter = QLineEdit(self)
        self.param_filter.setPlaceholderText("Search params …")
        self.param_filter.setClearButtonEnabled(True)
        self.param_filter.textChanged.connect(self._filter_params)
        self.params = _table(self, ("Param", "Value"))
        self.params.setObjectName("RunParams")
        self.params.setSortingEnabled(True)
        self.channel_filter = QLineEdit(self)
        self.channel_filter.setPlaceholderText("Search channels …")
        self.channel_filter.setClearButtonEnabled(True)
        self.channel_filter.textChanged.connect(self._filter_channels)
        self.channels = _table(self, CHANNEL_HEADERS)
        self.channels.setObjectName("RunChannels")
        ch = self.channels.horizontalHeader()  # the numbers as wide as they are, the name takes the rest
        ch.setStretchLastSection(False)
        ch.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        ch.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.channels_note = QLabel("", self)
        self.channels_note.setObjectName("Hint")

        info = QWidget(self)
        form = QFormLayout(info)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("State", self.state)
        form.addRow("Created", self.created)
        form.addRow("Started", self.started)
        form.addRow("Ended", self.ended)
        form.addRow("Source", self.source)
        tag_row = QHBoxLayout()
        tag_row.addWidget(self.tag_edit, 1)
        tag_row.addWidget(self.remove_tag_btn)
        tag_box = QVBoxLayout()
        tag_box.addWidget(self.tags)
        tag_box.addLayout(tag_row)
        tag_box.addWidget(self.tag_error)
        form.addRow("Tags", tag_box)
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(info)
        ll.addWidget(QLabel("Notes", self))
        ll.addWidget(self.notes, 1)
        ll.addWidget(self.notes_error)
        ll.addWidget(self.notes_state)

        self.tabs = QTabWidget(self)
        ptab = QWidget(self)
        pl = QVBoxLayout(ptab)
        pl.setContentsMargins(4, 4, 4, 4)
        pl.addWidget(self.param_filter)
        pl.addWidget(self.params, 1)
        ctab = QWidget(self)
        cl = QVBoxLayout(ctab)
        cl.setContentsMargins(4, 4, 4, 4)
        cl.addWidget(self.channel_filter)
        cl.addWidget(self.channels, 1)
        cl.addWidget(self.channels_note)
        self.tabs.addTab(ptab, "Params")
        self.tabs.addTab(ctab, "Channels")

        split = QSplitter(Qt.Orientation.Horizontal, self)
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 600])
        split.setChildrenCollapsible(False)
        self.close_btn = QPushButton("Close", self)
        self.close_btn.setAutoDefault(False)
        self.close_btn.clicked.connect(lambda _c=False: self.close())
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        bottom.addWidget(self.close_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(split, 1)
        lay.addLayout(bottom)
        # The project's Undo and Redo (a tag added here, notes saved), also while the page has the
        # focus; in the notes box Ctrl+Z is the box's own undo of the typing (saved again after).
        for action, keys in ((workspace.undo_group.createUndoAction(self), QKeySequence.StandardKey.Undo),
                             (workspace.undo_group.createRedoAction(self), QKeySequence.StandardKey.Redo)):
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        self.resize(1000, 580)

        self._reread_timer = QTimer(self)  # a growing run's summaries, at most twice a second
        self._reread_timer.setSingleShot(True)
        self._reread_timer.setInterval(500)
        self._reread_timer.timeout.connect(self.reread)
        workspace.sig_experiments_updated.connect(self._show_run)
        workspace.sig_catalog_changed.connect(self._on_catalog)
        workspace.sig_points_appended.connect(self._on_points)
        workspace.sig_project_changed.connect(self._on_project)  # a method: Qt disconnects it with the page
        self._show_run()
        self.reread()

    # ---- what the session holds ----------------------------------------------------------
    def run(self) -> Experiment | None:
        """The run as the session holds it (None: renamed, deleted, or its project not shown)."""
        if self.ws.project != self.project:
            return None
        return next((e for e in self.ws.experiments() if e.name == self.experiment), None)

    def _on_project(self, _project: str) -> None:
        self._show_run()

    def _show_run(self) -> None:
        e = self.run()
        editable = e is not None
        for w in (self.tag_edit, self.notes, self.tags):
            w.setEnabled(editable)
        if e is None:
            gone = "its project is not shown" if self.ws.project != self.project else "it was renamed or deleted"
            self.title.set_full_text(f"{self.experiment} ({gone})")
            self._update_buttons()
            return
        self.setWindowTitle(f"{e.name} — {self.project}")
        self.title.set_full_text(e.name)
        self.state.setText(f"<span style='color:{state_color(e.state)}'>●</span> {e.state}")
        self.created.setText(_when(e.created))
        self._show_times(e)
        self.source.set_full_text(e.source or "—", e.source or "Not imported: logged with chartdesk.init")
        tags = list(e.tags)
        if [self.tags.item(i).text() for i in range(self.tags.count())] != tags:
            current = self.tags.currentItem().text() if self.tags.currentItem() else None
            self.tags.clear()
            self.tags.addItems(tags)
            if current in tags:
                self.tags.setCurrentRow(tags.index(current))
        if not self._notes_unsaved() and e.notes != self._shown_notes:
            self._put_notes(e.notes)
        elif self._notes_unsaved() and e.notes != self._shown_notes and not self._notes_timer.isActive():
            self._say(self.notes_error, "The notes were changed elsewhere meanwhile; what you typed is kept here "
                                        "(type on to save it over theirs)")
        self._show_params(e)
        self._update_buttons()

    def _show_times(self, e: Experiment) -> None:
        started = self.details.started if self.details is not None else None
        self.started.setText(_when(started) + ("  (first point)" if started else ""))
        if e.finished:
            took = e.finished - (started or e.created or e.finished)
            self.ended.setText(f"{_when(e.finished)}  ({cell_text('duration', max(0.0, took))})")
        else:
            last = self.details.last_point if self.details is not None else None
            self.ended.setText(f"— ({e.state}" + (f", last point {_when(last)})" if last else ")"))

    def _show_params(self, e: Experiment) -> None:
        rows = params_rows(e)
        t = self.params
        t.setSortingEnabled(False)
        t.setRowCount(len(rows))
        for i, (k, v) in enumerate(rows):
            t.setItem(i, 0, _Item(k))
            t.setItem(i, 1, _Item(cell_text(k, v), v))
        t.setSortingEnabled(True)
        if not self._params_sized:
            t.sortByColumn(0, Qt.SortOrder.AscendingOrder)
            t.resizeColumnToContents(0)
            t.setColumnWidth(0, min(t.columnWidth(0), 320))
            self._params_sized = True
        self.tabs.setTabText(0, f"Params ({len(rows)})")
        self._filter_params(self.param_filter.text())

    def _filter_params(self, text: str) -> None:
        _filter_rows(self.params, text)

    def _filter_channels(self, text: str) -> None:
        _filter_rows(self.channels, text)

    # ---- what the store holds: channel summaries, off the GUI thread ------------------------
    def ready(self) -> bool:
        return not self._pending

    def reread(self) -> None:
        """Read the channel summaries on the window's pool; shown when they arrive (an answer to
        an older question is dropped)."""
        self._pending = True
        self._jobs.start(self._show_details, "reading the channels", read_details, self.project, self.experiment)

    def _show_details(self, details: RunDetails | None, error: str) -> None:
        self._pending = False
        self.error = error
        if details is not None:
            self.details = details
            t = self.channels
            t.setSortingEnabled(False)
            t.setRowCount(len(details.channels))
            for i, c in enumerate(details.channels):
                values = (c.points, c.first_step, c.last_step, c.last, c.min, c.max)
                t.setItem(i, 0, _Item(c.name))
                for j, v in enumerate(values, start=1):
                    t.setItem(i, j, _Item(f"{v:,}" if j == 1 else _number(v), v, right=True))
            t.setSortingEnabled(True)
            if not self._channels_sized:  # sorted by name once; then as the person sorts
                t.sortByColumn(0, Qt.SortOrder.AscendingOrder)
                self._channels_sized = True
            self.tabs.setTabText(1, f"Channels ({len(details.channels)})")
            self._filter_channels(self.channel_filter.text())
            e = self.run()
            if e is not None:
                self._show_times(e)
        self.channels_note.setText(error or (f"{plural(sum(c.points for c in details.channels), 'point')} in "
                                             f"{plural(len(details.channels), 'channel')}; min and max skip NaN"
                                             if details is not None else ""))
        self.sig_ready.emit()

    def _on_catalog(self) -> None:
        self._show_run()
        if self.run() is not None:
            self._reread_timer.start()

    def _on_points(self, keys) -> None:
        if any(p == self.project and e == self.experiment for p, e, _c in keys) and not self._reread_timer.isActive():
            self._reread_timer.start()

    # ---- edits --------------------------------------------------------------------------
    def _edit(self, edit) -> bool:
        return write_edit(self.ws, edit)

    def add_tags(self) -> bool:
        """Enter in the tag box: the tags typed (comma-separated) are added; the box empties."""
        tags = parse_tags(self.tag_edit.text())
        if not tags or self.run() is None:
            return False
        have = set(self.run().tags)
        if all(t in have for t in tags):
            self._say(self.tag_error, f"{self.experiment} has {'that tag' if len(tags) == 1 else 'those tags'} already")
            self.tag_edit.selectAll()
            return False
        try:
            self._edit(MetaEdits(self.ws.session).add_tags_edit(self.experiment, tags))
        except ChartDeskError as exc:
            self._say(self.tag_error, str(exc))  # what was typed stays, to be corrected
            return False
        self._say(self.tag_error, "")
        self.tag_edit.clear()
        return True

    def remove_tag(self) -> bool:
        item = self.tags.currentItem()
        if item is None or self.run() is None:
            return False
        try:
            return self._edit(MetaEdits(self.ws.session).remove_tag_edit(self.experiment, item.text()))
        except ChartDeskError as exc:
            self._say(self.tag_error, str(exc))
            return False

    def _notes_unsaved(self) -> bool:
        return self.notes.toPlainText() != self._shown_notes

    def _put_notes(self, text: str) -> None:
        self._shown_notes = text
        if self.notes.toPlainText() != text:
            self.notes.blockSignals(True)
            self.notes.setPlainText(text)
            self.notes.blockSignals(False)
        self.notes_state.setText("")

    def _on_notes_typed(self) -> None:
        if self._notes_unsaved():
            self.notes_state.setText("Not saved yet …")
            self._notes_timer.start()

    def save_notes(self) -> bool:
        """Save what the notes box holds (an undo step; one per typing, however many saves)."""
        self._notes_timer.stop()
        e = self.run()
        text = self.notes.toPlainText()
        if e is None or text == e.notes:
            if e is not None:
                self._shown_notes = e.notes
                self.notes_state.setText("")
            return False
        if self._notes_gesture is None:
            self._notes_gesture = new_gesture()
        editor = MetaEdits(self.ws.session)
        edit = editor.notes_edit(self.experiment, text, self._notes_gesture)
        try:
            self._edit(edit)
        except ChartDeskError as exc:
            self._say(self.notes_error, f"Notes not saved: {exc}")
            self.notes_state.setText("")
            return False
        self._shown_notes = text
        self._say(self.notes_error, "")
        undo = QKeySequence(QKeySequence.StandardKey.Undo).toString(QKeySequence.SequenceFormat.NativeText)
        self.notes_state.setText(f"Saved · Undo: {undo}")
        return True

    def eventFilter(self, obj, event) -> bool:
        from PySide6.QtCore import QEvent

        if obj is self.notes and event.type() == QEvent.Type.FocusOut:
            if self._notes_unsaved():
                self.save_notes()
            self._notes_gesture = None  # the next typing is the next undo step
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return  # Enter in a box of the page is that box's (adds tags), never "close the page"
        super().keyPressEvent(event)

    def done(self, result: int) -> None:  # Close, Escape, the window's close button
        if self._notes_unsaved() and self.run() is not None:
            self.save_notes()
        self._jobs.cancel()  # a summary under way is not shown on a closed page
        super().done(result)

    def closeEvent(self, event) -> None:
        if self._notes_unsaved() and self.run() is not None:
            self.save_notes()
        super().closeEvent(event)

    def _say(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    def _update_buttons(self) -> None:
        self.remove_tag_btn.setEnabled(self.run() is not None and self.tags.currentItem() is not None)


def write_edit(workspace, edit) -> bool:
    """Write a run's tags or notes edit, or an alias rename (``app.run_meta.MetaEdit``), then
    push its undo step on the project's history; a ChartDeskError propagates (nothing written).
    False when nothing changed."""
    editor = MetaEdits(workspace.session)
    written = editor.edit(edit)
    if written is None:
        return False
    workspace.push(written, editor)
    return True


def _filter_rows(table: QTableWidget, text: str) -> None:
    """Show the rows whose text holds ``text`` (any column, case-insensitive)."""
    needle = text.strip().lower()
    for r in range(table.rowCount()):
        cells = (table.item(r, c) for c in range(table.columnCount()))
        table.setRowHidden(r, bool(needle) and not any(i is not None and needle in i.text().lower() for i in cells))


class RunPages(QObject):
    """The window's run pages: one per run, opened by ``open`` (the tree's and the runs
    table's double-click and Enter)."""

    def __init__(self, workspace, parent: QWidget) -> None:
        super().__init__(parent)
        self.ws = workspace
        self._parent = parent
        self.pages: dict[tuple[str, str], RunPage] = {}

    def open(self, experiment: str) -> RunPage | None:
        project = self.ws.project
        if not project or experiment not in self.ws.experiment_names():
            return None
        key = (project, experiment)
        page = self.pages.get(key)
        if page is None:
            page = self.pages[key] = RunPage(self.ws, experiment, self._parent)
            page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            page.destroyed.connect(lambda _o=None, key=key: self.pages.pop(key, None))
        page.show()
        page.raise_()
        page.activateWindow()
        return page
