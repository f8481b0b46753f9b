"""The chart-set panel and the chart editor.

The panel creates, renames, deletes and reorders the project's chart sets and their charts. Every
change is the whole new ordered list handed to the workspace, which turns it into the one change
it makes (one set made, deleted or edited, a rename, a new order) and writes that set only, as
one undoable step; the panel redraws from the workspace when told, never from its own copy.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .. import derived, edits
from ..errors import ChartDeskError, Conflict
from ..model import X_AXES, Chart, ChartSet, SeriesRef
from ..smoothing import KINDS, VALUES
from .chart_card import X_LABELS

REF_ROLE = Qt.ItemDataRole.UserRole + 10
CHART_ROLE = Qt.ItemDataRole.UserRole + 11


def _ref_item(ref: SeriesRef, workspace) -> QListWidgetItem:
    if ref.kind == "alias":
        entries = workspace.alias(ref.name) or ()
        item = QListWidgetItem(f"⇄ {ref.name}  (alias: {', '.join(entries) or 'empty'})")
    elif ref.kind == "expr":
        item = QListWidgetItem(f"ƒ {ref.name}")
    else:
        item = QListWidgetItem(f"{ref.name}")
    item.setData(REF_ROLE, str(ref))
    item.setToolTip(str(ref))
    return item


class ChartEditor(QDialog):
    """Edit one chart: name, series (searchable among channels and aliases, ordered), options."""

    def __init__(self, workspace, chart: Chart | None, taken_names: set[str], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit chart" if chart else "New chart")
        self._ws = workspace
        self._taken = taken_names
        chart = self._original = chart or Chart("New chart")
        self.name_edit = QLineEdit(chart.name, self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search channels and aliases…")
        self.search.setClearButtonEnabled(True)
        self.available = QListWidget(self)
        self.available.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.available.itemDoubleClicked.connect(lambda _i: self._add())
        self.chosen = QListWidget(self)
        self.chosen.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.chosen.setToolTip("Ticked: drawn against the right y axis (autoranged on its own series)")
        for ref in chart.series:
            self._add_chosen(ref, chart.axis_of(ref) == "right")
        refs = [SeriesRef("alias", a) for a in sorted(workspace.aliases())]
        refs += [SeriesRef("channel", c) for c in workspace.project_channels()]
        for ref in refs:
            self.available.addItem(_ref_item(ref, workspace))
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)  # Enter there adds the match, it does not close the dialog
        add = self.add_button = QPushButton("Add →", self)
        add.clicked.connect(lambda _c=False: self._add())
        rm = self.remove_button = QPushButton("← Remove", self)
        rm.clicked.connect(lambda _c=False: [self.chosen.takeItem(self.chosen.row(i)) for i in self.chosen.selectedItems()])
        self.x_axis = QComboBox(self)
        self.x_axis.setEditable(True)  # or any channel or alias: x from data, matched by step
        for mode in X_AXES:  # named as the chart's X axis menu names them; the item holds the id
            self.x_axis.addItem(X_LABELS[mode].capitalize(), mode)
        for r in refs:
            self.x_axis.addItem(f"{r.name} ({r.kind})", str(r))
        at = self.x_axis.findData(chart.x_axis)
        if at >= 0:
            self.x_axis.setCurrentIndex(at)
        else:
            self.x_axis.setEditText(chart.x_axis)
        self.x_axis.setToolTip("step, wall, relative, or a channel or alias whose values are x (matched by step)")
        self.log_x = QCheckBox("logarithmic x axis", self)
        self.log_x.setChecked(chart.log_x)
        self.log_y = QCheckBox("logarithmic y axis", self)
        self.log_y.setChecked(chart.log_y)
        self.symlog_x, self.linthresh_x = self._symlog_row("x", chart, self.log_x)
        self.symlog_y, self.linthresh_y = self._symlog_row("y", chart, self.log_y)
        self.smoothing_kind = QComboBox(self)
        for kind, name in KINDS.items():
            self.smoothing_kind.addItem(name[0].upper() + name[1:], kind)
        self.smoothing = QDoubleSpinBox(self)
        self.smoothing.setSpecialValueText("off")
        self.smoothing_kind.currentIndexChanged.connect(lambda _i: self._smoothing_range())
        self.smoothing_kind.setCurrentIndex(list(KINDS).index(chart.smoothing_kind))
        self._smoothing_range()
        self.smoothing.setValue(chart.smoothing)
        self._expression_row(refs)

        lists = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(QLabel("Channels and aliases of the project", self))
        left.addWidget(self.search)
        left.addWidget(self.available)
        expr_row = QHBoxLayout()
        expr_row.addWidget(QLabel("Expression", self))
        expr_row.addWidget(self.expression, 1)
        expr_row.addWidget(self.add_expression_button)
        mid = QVBoxLayout()
        mid.addStretch(1)
        mid.addWidget(add)
        mid.addWidget(rm)
        mid.addStretch(1)
        right = QVBoxLayout()
        right.addWidget(QLabel("Plotted, in order (drag to reorder; ticked: right y axis)", self))
        right.addWidget(self.chosen)
        lists.addLayout(left, 1)
        lists.addLayout(mid)
        lists.addLayout(right, 1)
        form = QFormLayout()
        form.addRow("Name", self.name_edit)
        form.addRow("X axis", self.x_axis)
        form.addRow("", self._scale_row(self.log_x, self.symlog_x, self.linthresh_x))
        form.addRow("", self._scale_row(self.log_y, self.symlog_y, self.linthresh_y))
        smooth_row = QHBoxLayout()
        smooth_row.addWidget(self.smoothing_kind)
        smooth_row.addWidget(self.smoothing, 1)
        form.addRow("Smoothing", smooth_row)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = self.buttons = QDialogButtonBox(ok_cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addLayout(lists, 1)
        lay.addLayout(expr_row)
        lay.addWidget(self.expression_note)
        lay.addWidget(buttons)
        self.resize(720, 480)

    def _symlog_row(self, axis: str, chart: Chart, log: QCheckBox) -> tuple[QCheckBox, QLineEdit]:
        """"symmetric log y axis, linear within ± [t]": one of log and symlog at a time."""
        sym = QCheckBox("or symmetric log (values that cross zero), linear within ±", self)
        sym.setChecked(getattr(chart, f"symlog_{axis}"))
        t = QLineEdit(f"{getattr(chart, f'linthresh_{axis}'):g}", self)
        t.setMaximumWidth(90)
        t.setToolTip(f"symlog's linear region: |{axis}| below this is drawn linearly, above it logarithmically")
        sym.toggled.connect(lambda on: on and log.setChecked(False))
        log.toggled.connect(lambda on: on and sym.setChecked(False))
        return sym, t

    def _scale_row(self, log: QCheckBox, sym: QCheckBox, edit: QLineEdit) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(log)
        row.addSpacing(12)
        row.addWidget(sym)
        row.addWidget(edit)
        row.addStretch(1)
        return row

    def _linthresh(self, axis: str) -> float:
        text = getattr(self, f"linthresh_{axis}").text().strip()
        try:
            return float(text)
        except ValueError:
            raise ChartDeskError(f"symlog {axis}'s linear region must be a number above 0, not {text!r}") from None

    def _add_chosen(self, ref: SeriesRef, right: bool = False) -> None:
        """A plotted series, ticked when it is drawn against the right y axis."""
        item = _ref_item(ref, self._ws)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if right else Qt.CheckState.Unchecked)
        self.chosen.addItem(item)

    def x_axis_value(self) -> str:
        """The x axis chosen (an item's id), or what was typed (a series ref)."""
        text = self.x_axis.currentText().strip()
        at = self.x_axis.findText(text)
        return self.x_axis.itemData(at) if at >= 0 else text

    def _smoothing_range(self) -> None:
        """The value box takes what the chosen kind's value is (``smoothing.VALUES``)."""
        kind = self.smoothing_kind.currentData()
        weight, window = kind in ("ema", "twema"), kind in ("sma", "cma")
        self.smoothing.setDecimals(3 if weight else 0 if window else 1)
        self.smoothing.setRange(0.0, 0.999 if weight else 100_000.0)
        self.smoothing.setSingleStep(0.05 if weight else 1.0)
        self.smoothing.setToolTip(f"{VALUES[kind]}; 0 is off")

    def _smoothing_value(self) -> float:
        v = round(self.smoothing.value(), 3)
        return float(int(v)) if self.smoothing_kind.currentData() in ("sma", "cma") else v

    # ---- a derived series ------------------------------------------------------------------
    def _expression_row(self, refs) -> None:
        """The box where an expression over channels and aliases is typed, with completion of
        the name being typed and what it reads (or what is wrong, by column) as one types."""
        self.expression = QLineEdit(self)
        self.expression.setPlaceholderText("a series computed per run: 1 - accuracy, val/loss - train/loss, "
                                           "diff(tokens) / diff(time), ema(loss, 0.9)…")
        self.expression.setToolTip("A series computed per run from channels and aliases (matched by step): "
                                   "+ - * / **, " + " ".join(f"{f}()" for f in derived.FUNCTIONS)
                                   + '; quote names with blanks or dashes ("val loss"); divide with blanks around /')
        self.add_expression_button = QPushButton("Add expression", self)
        self.add_expression_button.setEnabled(False)
        self.add_expression_button.clicked.connect(lambda _c=False: self.add_expression())
        self.expression_note = QLabel(self)
        self.expression_note.setWordWrap(True)
        self.expression_note.setTextFormat(Qt.TextFormat.PlainText)
        words = list(dict.fromkeys(r.name for r in refs)) + [f"{f}(" for f in derived.FUNCTIONS]
        self._completer = QCompleter(words, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setWidget(self.expression)
        self._completer.activated.connect(self._complete)
        self._typed_len = 0
        self.expression.textEdited.connect(self._on_expression_edited)
        self.expression.textChanged.connect(self._check_expression)
        self.expression.installEventFilter(self)  # Enter adds the expression

    def _on_expression_edited(self, text: str) -> None:
        typed, self._typed_len = len(text) > self._typed_len, len(text)
        _start, word = derived.word_at(text, self.expression.cursorPosition())
        if not word or not typed:  # offered while typing a name, not while deleting
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(word)
        if self._completer.completionCount():
            self._completer.complete()
            # the first match is current, so Enter or Tab in the list takes it (Qt selects none)
            self._completer.popup().setCurrentIndex(self._completer.completionModel().index(0, 0))
        else:
            self._completer.popup().hide()

    def _complete(self, word: str) -> None:
        text, cur = self.expression.text(), self.expression.cursorPosition()
        start, _typed = derived.word_at(text, cur)
        insert = word if word.endswith("(") else derived.name_text(word)
        self.expression.setText(text[:start] + insert + text[cur:])
        self.expression.setCursorPosition(start + len(insert))

    def _check_expression(self, text: str) -> bool:
        text = text.strip()
        if not text:
            self.expression_note.setText("")
            self.add_expression_button.setEnabled(False)
            return False
        try:
            note = derived.explain(text, self._ws.aliases(), set(self._ws.project_channels()))
        except ChartDeskError as exc:
            self.expression_note.setText(f"⚠ {exc}")
            self.expression_note.setStyleSheet("color: #c62828")
            self.add_expression_button.setEnabled(False)
            return False
        self.expression_note.setText(note)
        self.expression_note.setStyleSheet("")
        self.add_expression_button.setEnabled(True)
        return True

    def add_expression(self) -> bool:
        """The typed expression is plotted (last); refused with its error shown when it is bad."""
        text = self.expression.text().strip()
        if not self._check_expression(text):
            return False
        ref = SeriesRef("expr", text)
        if str(ref) not in {self.chosen.item(i).data(REF_ROLE) for i in range(self.chosen.count())}:
            self._add_chosen(ref)
        self.expression.clear()
        return True

    def _filter(self, text: str) -> None:
        t = text.lower()
        for i in range(self.available.count()):
            it = self.available.item(i)
            it.setHidden(bool(t) and t not in it.text().lower())

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.add_matches()
            return True
        if obj is self.expression and event.type() == QEvent.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not self._completer.popup().isVisible():
            self.add_expression()
            return True
        return super().eventFilter(obj, event)

    def add_matches(self) -> None:
        """Enter in the search box: the selected matches, or else the first one, are plotted."""
        shown = [self.available.item(i) for i in range(self.available.count()) if not self.available.item(i).isHidden()]
        picked = [it for it in shown if it.isSelected()] or shown[:1]
        self._add(picked)

    def _add(self, items=None) -> None:
        have = {self.chosen.item(i).data(REF_ROLE) for i in range(self.chosen.count())}
        for it in self.available.selectedItems() if items is None else items:
            if it.data(REF_ROLE) not in have:
                self._add_chosen(SeriesRef.parse(it.data(REF_ROLE)))

    def chart(self) -> Chart:
        items = [self.chosen.item(i) for i in range(self.chosen.count())]
        refs = tuple(SeriesRef.parse(it.data(REF_ROLE)) for it in items)
        right = tuple(r for r, it in zip(refs, items) if it.checkState() == Qt.CheckState.Checked)
        # the options this dialog does not show (band, legend, ...) stay as the chart had them
        return self._original.with_(name=self.name_edit.text().strip(), series=refs, right_axis=right,
                                    x_axis=self.x_axis_value(), log_y=self.log_y.isChecked(),
                                    smoothing=self._smoothing_value(), log_x=self.log_x.isChecked(),
                                    smoothing_kind=self.smoothing_kind.currentData(),
                                    symlog_x=self.symlog_x.isChecked(), linthresh_x=self._linthresh("x"),
                                    symlog_y=self.symlog_y.isChecked(), linthresh_y=self._linthresh("y"))

    def accept(self) -> None:
        if self.expression.text().strip() and not self.add_expression():
            self.expression.setFocus()  # a typed expression is never dropped: plotted, or its error shown
            return
        try:
            self.chart()
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Chart", str(exc))
            return
        name = self.name_edit.text().strip()
        if not name:
            QMessageBox.warning(self, "Chart", "A chart needs a name.")
            return
        if name in self._taken:
            QMessageBox.warning(self, "Chart", f"This chart set already has a chart named {name!r}.")
            return
        super().accept()


class ChartSetPanel(QWidget):
    """Chart sets of the project and the charts of the chosen one, with their buttons.

    Every change computes the new ordered list with ``chartdesk.edits`` and hands it to the
    workspace (store + undo); the lists are refilled from the workspace when it says so."""

    sig_set_chosen = Signal(str)
    """The user picked a chart set (the window shows its tab)."""

    sig_status_message = Signal(str, int)
    """Something to say on the status bar for this many ms (a delete and how to undo it)."""

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.sets = QListWidget(self)
        self.sets.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.sets.currentTextChanged.connect(self._on_set_pick)
        self.charts = QListWidget(self)
        self.charts.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.charts.itemDoubleClicked.connect(lambda _i: self.edit_chart())
        self.charts.currentRowChanged.connect(lambda _r: self._update_buttons())
        # charts are reordered by dragging too (a drop is one undoable move, as ↑ ↓ are)
        self.charts.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.charts.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.charts.model().rowsMoved.connect(self._on_charts_dragged)
        self.charts.setToolTip("Drag a chart to move it; double-click to edit it")
        b = {}
        for key, text, tip in [("new_set", "New…", "New chart set"), ("rename_set", "Rename…", "Rename the chart set"),
                               ("delete_set", "Delete", "Delete the chart set"), ("set_up", "↑", "Move the set up"),
                               ("set_down", "↓", "Move the set down"), ("add_chart", "Add chart…", "Add a chart"),
                               ("edit_chart", "Edit…", "Edit the chosen chart"),
                               ("delete_chart", "Delete", "Delete the chosen chart"),
                               ("chart_up", "↑", "Move the chart up"), ("chart_down", "↓", "Move the chart down")]:
            b[key] = QPushButton(text, self)
            b[key].setToolTip(tip)
        # clicked(bool) would land in an optional argument: every slot here takes none.
        b["new_set"].clicked.connect(lambda _c=False: self.new_set())
        b["rename_set"].clicked.connect(lambda _c=False: self.rename_set())
        b["delete_set"].clicked.connect(lambda _c=False: self.delete_set())
        b["set_up"].clicked.connect(lambda _c=False: self.move_set(-1))
        b["set_down"].clicked.connect(lambda _c=False: self.move_set(+1))
        b["add_chart"].clicked.connect(lambda _c=False: self.add_chart())
        b["edit_chart"].clicked.connect(lambda _c=False: self.edit_chart())
        b["delete_chart"].clicked.connect(lambda _c=False: self.delete_chart())
        b["chart_up"].clicked.connect(lambda _c=False: self.move_chart(-1))
        b["chart_down"].clicked.connect(lambda _c=False: self.move_chart(+1))
        self.buttons = b
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        hint = QLabel("Shown for every experiment of the project", self)
        hint.setObjectName("Hint")
        lay.addWidget(hint)
        lay.addWidget(self.sets, 1)
        row = QHBoxLayout()
        for k in ("new_set", "rename_set", "delete_set", "set_up", "set_down"):
            row.addWidget(b[k])
        lay.addLayout(row)
        lay.addWidget(QLabel("<b>Charts</b> of the chosen set", self))
        lay.addWidget(self.charts, 2)
        row = QHBoxLayout()
        for k in ("add_chart", "edit_chart", "delete_chart", "chart_up", "chart_down"):
            row.addWidget(b[k])
        lay.addLayout(row)
        for k in ("set_up", "set_down", "chart_up", "chart_down"):
            b[k].setMaximumWidth(32)
        workspace.sig_chart_sets_changed.connect(self.reload)
        workspace.sig_project_changed.connect(lambda _p: self.reload())
        self.reload()

    # ---- state --------------------------------------------------------------------------
    def current_set(self) -> ChartSet | None:
        name = self.sets.currentItem().text() if self.sets.currentItem() else None
        return next((s for s in self._ws.chart_sets() if s.name == name), None)

    def choose(self, name: str) -> None:
        items = self.sets.findItems(name, Qt.MatchFlag.MatchExactly)
        if items:
            self.sets.setCurrentItem(items[0])

    def reload(self) -> None:
        keep = self.sets.currentItem().text() if self.sets.currentItem() else None
        keep_chart = self.charts.currentRow()
        self.sets.blockSignals(True)
        self.sets.clear()
        names = [s.name for s in self._ws.chart_sets()]
        for n in names:
            self.sets.addItem(n)
            self.sets.item(self.sets.count() - 1).setToolTip(n)
        self.sets.setCurrentRow(names.index(keep) if keep in names else (0 if names else -1))
        self.sets.blockSignals(False)
        self._fill_charts()
        if 0 <= keep_chart < self.charts.count():
            self.charts.setCurrentRow(keep_chart)
        self._update_buttons()

    def _update_buttons(self) -> None:
        sets = self._ws.chart_sets()
        cs = self.current_set()
        i = [s.name for s in sets].index(cs.name) if cs else -1
        row = self.charts.currentRow()
        n = len(cs.charts) if cs else 0
        b = self.buttons
        b["new_set"].setEnabled(bool(self._ws.project))
        for k in ("rename_set", "delete_set", "add_chart"):
            b[k].setEnabled(cs is not None)
        b["set_up"].setEnabled(i > 0)
        b["set_down"].setEnabled(0 <= i < len(sets) - 1)
        for k in ("edit_chart", "delete_chart"):
            b[k].setEnabled(0 <= row < n)
        b["chart_up"].setEnabled(0 < row < n)
        b["chart_down"].setEnabled(0 <= row < n - 1)

    def _fill_charts(self) -> None:
        self.charts.clear()
        cs = self.current_set()
        for c in cs.charts if cs else ():
            item = QListWidgetItem(f"{c.name}  —  {', '.join(s.name for s in c.series) or 'no series'}")
            item.setToolTip(c.name + "\n" + "\n".join(str(s) for s in c.series))
            item.setData(CHART_ROLE, c.name)
            self.charts.addItem(item)

    def _on_charts_dragged(self, _parent, start: int, end: int, _dest, row: int) -> None:
        """A chart dropped elsewhere in the list: the set's new order, written as one move."""
        cs = self.current_set()
        if cs is None:
            return
        names = edits.move_entries([c.name for c in cs.charts], start, end - start + 1, row)
        moved = cs.charts[start].name
        by_name = {c.name: c for c in cs.charts}
        if self._set_charts(cs, lambda _charts: tuple(by_name[n] for n in names), f"Move chart {moved}"):
            self.charts.setCurrentRow(names.index(moved))

    def _on_set_pick(self, name: str) -> None:
        self._fill_charts()
        self._update_buttons()
        if name:
            self.sig_set_chosen.emit(name)

    # ---- edits --------------------------------------------------------------------------
    def _push(self, make, text: str) -> bool:
        """Apply ``make()`` (an edit of ``chartdesk.edits`` on the current list); say what was wrong.

        Only the set it changes is written, over what the store holds now (another window's
        edits of the same set are kept). An edit that cannot be carried over to another
        window's newer one is refused in one line on the status bar, and the lists show what
        the store holds."""
        try:
            return self._ws.edit_chart_sets(make(), text)
        except Conflict as exc:
            self._ws.sig_error.emit(f"{text}: {exc}")
            return False
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Chart sets", str(exc))
            return False

    def _ask_name(self, title: str, text: str = "", taken: set[str] = frozenset()) -> str | None:
        """A name from the user, asked again with what was typed and why when the project has a
        chart set of that name already (None: cancelled)."""
        label = "Name:"
        while True:
            name, ok = QInputDialog.getText(self, title, label, text=text)
            if not ok or not name.strip():
                return None
            if name.strip() not in taken:
                return name.strip()
            text = name
            label = f"A chart set named {name.strip()!r} exists already. Name:"

    def new_set(self) -> None:
        """Ask for a name, then create the set."""
        name = self._ask_name("New chart set", taken={s.name for s in self._ws.chart_sets()})
        if name:
            self.create_set(name)

    def create_set(self, name: str) -> None:
        if self._push(lambda: edits.add_set(self._ws.chart_sets(), name), f"New chart set {name.strip()}"):
            self.choose(name.strip())

    def rename_set(self) -> None:
        cs = self.current_set()
        if cs is None:
            return
        name = self._ask_name("Rename chart set", cs.name, {s.name for s in self._ws.chart_sets()} - {cs.name})
        if name and name != cs.name:
            if self._push(lambda: edits.rename_set(self._ws.chart_sets(), cs.name, name),
                          f"Rename {cs.name} to {name.strip()}"):
                self.choose(name.strip())

    def delete_set(self) -> None:
        cs = self.current_set()
        if cs is not None and self._push(lambda: edits.delete_set(self._ws.chart_sets(), cs.name),
                                         f"Delete chart set {cs.name}"):
            self.sig_status_message.emit(f"Deleted chart set {cs.name} · Undo: Ctrl+Z", 10000)

    def move_set(self, delta: int) -> None:
        cs = self.current_set()
        if cs is not None:
            self._push(lambda: edits.move_set(self._ws.chart_sets(), cs.name, delta), f"Move chart set {cs.name}")
            self.choose(cs.name)

    def _set_charts(self, cs: ChartSet, make, text: str) -> bool:
        return self._push(lambda: edits.set_charts(self._ws.chart_sets(), cs.name, make(cs.charts)), text)

    def add_chart(self) -> None:
        """Ask for the new chart in the chart editor, then add it to the chosen set."""
        cs = self.current_set()
        if cs is None:
            return
        dlg = ChartEditor(self._ws, None, {c.name for c in cs.charts}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.insert_chart(dlg.chart())

    def insert_chart(self, chart: Chart) -> None:
        cs = self.current_set()
        if cs is not None and self._set_charts(cs, lambda charts: edits.add_chart(charts, chart), f"Add chart {chart.name}"):
            self.charts.setCurrentRow(self.charts.count() - 1)

    def edit_chart(self) -> None:
        """Edit the chosen chart in the chart editor."""
        cs = self.current_set()
        row = self.charts.currentRow()
        if cs is not None and 0 <= row < len(cs.charts):
            self.edit_chart_named(cs.name, cs.charts[row].name)

    def edit_chart_named(self, set_name: str, chart_name: str) -> None:
        """The chart editor for one chart of one set (from the chart's own menu too)."""
        self.choose(set_name)
        cs = self.current_set()
        chart = next((c for c in cs.charts if c.name == chart_name), None) if cs else None
        if chart is None:
            return
        dlg = ChartEditor(self._ws, chart, {c.name for c in cs.charts} - {chart.name}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.replace_chart(cs.name, chart.name, dlg.chart())

    def replace_chart(self, set_name: str, old_name: str, new: Chart) -> None:
        cs = next((s for s in self._ws.chart_sets() if s.name == set_name), None)
        if cs is not None:
            self._set_charts(cs, lambda charts: edits.replace_chart(charts, old_name, new), f"Edit chart {new.name}")

    def delete_chart(self) -> None:
        cs = self.current_set()
        row = self.charts.currentRow()
        if cs is not None and 0 <= row < len(cs.charts):
            name = cs.charts[row].name
            if self._set_charts(cs, lambda charts: edits.delete_chart(charts, name), f"Delete chart {name}"):
                self.sig_status_message.emit(f"Deleted chart {name} from {cs.name} · Undo: Ctrl+Z", 10000)

    def move_chart(self, delta: int) -> None:
        cs = self.current_set()
        row = self.charts.currentRow()
        if cs is not None and 0 <= row < len(cs.charts) and 0 <= row + delta < len(cs.charts):
            name = cs.charts[row].name
            self._set_charts(cs, lambda charts: edits.move_item(charts, row, delta), f"Move chart {name}")
            self.charts.setCurrentRow(row + delta)
