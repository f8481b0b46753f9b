"""Alias coverage: runs x aliases. Each cell names the channel the alias resolves to in the run
and its rank in the alias's list (1st, 2nd, ...), is empty where nothing matched, says "pinned"
where the run's pin decided, and warns (⚠) where the run has two or more of the alias's channels
whose values disagree over their common steps. Clicking a cell offers the run's candidates: picking
one pins it (undoable, saved in the project); "Follow the list" removes the pin.

What the cells show comes from the one resolver. The disagreement check reads the candidates'
points (``candidates_disagree``, plain numpy) on a worker thread when the dialog opens; the ⚠
marks appear when it is done (``checked``).

The dialog follows edits only while it is shown, and only the cells they touch:
``sig_resolution_changed(aliases, experiments)`` and ``sig_aliases_changed(names)`` (a reorder
changes a rank without changing what a run means) rewrite the cells of those aliases in those
runs; a run or alias that appeared, went or was renamed rebuilds the table. Hidden, it notes that
it missed something and rebuilds when shown again.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMenu, QTableWidget, QTableWidgetItem, QVBoxLayout

from ..decimate import last_per_step
from ..errors import ChartDeskError
from ..resolver import first_present, rank
from .widgets import menu_text

TOLERANCE = 0.05  # relative to the spread of the values
#: The widest a run's name (the rows' header) and an alias's column get: a longer run name is cut
#: in the middle (its whole name in the tooltip) rather than pushing the aliases off the dialog.
NAME_MAX_WIDTH = 260
COLUMN_MAX_WIDTH = 240


def candidates_disagree(series: list[tuple[np.ndarray, np.ndarray]], tolerance: float = TOLERANCE) -> bool:
    """Whether two of these (x, y) series differ by more than ``tolerance`` times their spread at
    some common step (each series' last point per step; non-finite values are skipped)."""
    prepared = [last_per_step(np.asarray(x, float), np.asarray(y, float)) for x, y in series]
    for i in range(len(prepared)):
        for j in range(i + 1, len(prepared)):
            (xa, ya), (xb, yb) = prepared[i], prepared[j]
            common, ia, ib = np.intersect1d(xa, xb, assume_unique=True, return_indices=True)
            if not len(common):
                continue
            a, b = ya[ia], yb[ib]
            ok = np.isfinite(a) & np.isfinite(b)
            if not ok.any():
                continue
            a, b = a[ok], b[ok]
            spread = max(float(np.ptp(np.concatenate([a, b]))), 1e-12)
            if float(np.max(np.abs(a - b))) > tolerance * spread:
                return True
    return False


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 11 <= n % 100 <= 13 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


class _DisagreementCheck(QRunnable):
    """Reads each (run, alias)'s candidates and says whether their values disagree."""

    def __init__(self, store, project: str, work: list[tuple[str, str, list[str]]], done) -> None:
        super().__init__()
        self.store, self.project, self.work, self.done = store, project, work, done

    def run(self) -> None:
        out: dict[tuple[str, str], bool] = {}
        for exp, alias, present in self.work:
            try:
                series = [(s.x, s.y) for s in (self.store.read(self.project, exp, c) for c in present)]
            except ChartDeskError:
                continue
            out[(exp, alias)] = candidates_disagree(series)
        try:
            self.done.emit(out)
        except RuntimeError:  # the dialog is gone
            pass


class CoverageDialog(QDialog):
    sig_checked = Signal(object)  # {(run, alias): disagree}, from the worker

    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Alias coverage — {workspace.project}")
        self.ws = workspace
        self.table = QTableWidget(self)
        self.table.cellClicked.connect(self._on_cell)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        names = self.table.verticalHeader()
        names.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # run names differ at both ends
        names.setMaximumWidth(NAME_MAX_WIDTH)
        hint = QLabel("Which channel each alias means in each run, and its place in the alias's list. "
                      "Click a cell to pin another candidate for that run. ⚠: the run has several candidates "
                      "whose values disagree.", self)
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.table, 1)
        lay.addWidget(buttons)
        self.resize(900, 520)
        self._disagree: dict[tuple[str, str], bool] = {}
        self._runs: list[str] = []  # the table's rows and columns, as last filled
        self._aliases: list[str] = []
        self._stale = False  # an edit arrived while hidden
        #: True once the disagreement check has reported (its ⚠ marks are in the table).
        self.checked = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.sig_checked.connect(self._on_checked)
        self.fill()
        self._check_disagreements()
        workspace.sig_resolution_changed.connect(self._on_change)
        workspace.sig_aliases_changed.connect(lambda names: self._on_change(names, None))
        # Runs renamed or deleted re-read the project without a resolution event.
        workspace.sig_catalog_changed.connect(lambda: self._on_change(set(), set()))

    def _on_change(self, aliases, experiments) -> None:
        """Rewrite the cells of these aliases in these runs (None: all); a new set of runs or
        aliases rebuilds the table. Hidden: later, when shown."""
        if not self.isVisible():
            self._stale = True
            return
        ws = self.ws
        if [e.name for e in ws.experiments()] != self._runs or sorted(ws.aliases()) != self._aliases:
            self.fill()
            return
        rows = [r for r, e in enumerate(self._runs) if experiments is None or e in experiments]
        cols = [c for c, a in enumerate(self._aliases) if aliases is None or a in aliases]
        for r in rows:
            for c in cols:
                self._write_cell(r, c)
        if rows and cols:
            self._size_columns()

    def showEvent(self, event) -> None:
        if self._stale:
            self.fill()
        super().showEvent(event)

    def _check_disagreements(self) -> None:
        """The runs with two or more of an alias's channels, checked on a worker thread."""
        ws = self.ws
        work = []
        for exp in [e.name for e in ws.experiments()]:
            have = ws.resolver.channels(ws.project, exp)
            for alias, entries in ws.aliases().items():
                present = [c for c in entries if c in have]
                if len(present) >= 2:
                    work.append((exp, alias, present))
        self._pool.start(_DisagreementCheck(ws.store, ws.project, work, self.sig_checked))

    def _on_checked(self, disagree: dict) -> None:
        self._disagree = disagree
        self.checked = True
        marked = {a for (_e, a), bad in disagree.items() if bad}
        if marked:
            self._on_change(marked, {e for (e, _a), bad in disagree.items() if bad})

    def fill(self) -> None:
        """The whole table again: every run, every alias."""
        ws = self.ws
        self._stale = False
        self._runs = [e.name for e in ws.experiments()]
        self._aliases = sorted(ws.aliases())
        self.table.clear()
        self.table.setRowCount(len(self._runs))
        self.table.setColumnCount(len(self._aliases))
        self.table.setHorizontalHeaderLabels(self._aliases)
        self.table.setVerticalHeaderLabels(self._runs)
        for r, name in enumerate(self._runs):
            self.table.verticalHeaderItem(r).setToolTip(name)
        for c, name in enumerate(self._aliases):
            self.table.horizontalHeaderItem(c).setToolTip(name)
        for r in range(len(self._runs)):
            for c in range(len(self._aliases)):
                self._write_cell(r, c)
        self._size_columns()

    def _size_columns(self) -> None:
        """Each alias's column as wide as its text, up to ``COLUMN_MAX_WIDTH`` (cut in the middle
        past it; every cell's tooltip has its whole text)."""
        self.table.resizeColumnsToContents()
        for c in range(self.table.columnCount()):
            if self.table.columnWidth(c) > COLUMN_MAX_WIDTH:
                self.table.setColumnWidth(c, COLUMN_MAX_WIDTH)

    def _write_cell(self, r: int, c: int) -> None:
        """What alias ``c`` means in run ``r``, written into the cell's item (made once)."""
        ws = self.ws
        exp, alias = self._runs[r], self._aliases[c]
        entries = ws.alias(alias) or ()
        ch = ws.resolve(alias, exp)
        pinned = ws.resolver.pin(ws.project, exp, alias) == ch and ch is not None
        if ch is None:
            text = ""
        else:
            place = rank(entries, ch)
            text = f"{ch} ({'pinned' if pinned else _ordinal(place) if place else 'not in the list'})"
        disagree = self._disagree.get((exp, alias))
        if disagree:
            text = "⚠ " + text
        item = self.table.item(r, c)
        if item is None:
            item = QTableWidgetItem()
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            self.table.setItem(r, c, item)
        item.setText(text)
        tip = [f"{exp} · {alias}: {text.removeprefix('⚠ ') if ch else 'nothing matched'}"]
        if disagree:
            tip.append("this run has several candidates whose values disagree")
        item.setToolTip("\n".join(tip))
        item.setData(Qt.ItemDataRole.BackgroundRole, QBrush(QColor(128, 128, 128, 40)) if ch is None else None)
        item.setData(Qt.ItemDataRole.ForegroundRole, QBrush(QColor("#d64541")) if ch is not None and disagree else None)

    def candidates(self, experiment: str, alias: str) -> list[str]:
        have = self.ws.resolver.channels(self.ws.project, experiment)
        return [c for c in (self.ws.alias(alias) or ()) if c in have]

    def default(self, experiment: str, alias: str) -> str | None:
        """What the alias's list gives in this run without a pin: its first channel the run has."""
        return first_present(self.ws.alias(alias) or (), self.ws.resolver.channels(self.ws.project, experiment))

    def pin(self, experiment: str, alias: str, channel: str | None) -> None:
        try:
            self.ws.edit_pin(experiment, alias, channel)
        except ChartDeskError as exc:
            self.ws.sig_error.emit(str(exc))

    def _on_cell(self, row: int, column: int) -> None:
        exp = self.table.verticalHeaderItem(row).text()
        alias = self.table.horizontalHeaderItem(column).text()
        menu = QMenu(self)
        pinned = self.ws.resolver.pin(self.ws.project, exp, alias)
        default = self.default(exp, alias)
        for ch in self.candidates(exp, alias):
            # Ticked: the run's pin, and only a pin. The list's own choice is named "(default)".
            act = menu.addAction(menu_text(f"Pin {ch}" + (" (default)" if ch == default else "")))
            act.setCheckable(True)
            act.setChecked(ch == pinned)
            act.setToolTip(f"{ch} is what the list of {alias} gives in {exp} without a pin" if ch == default
                           else f"Plot {ch} as {alias} in {exp}, whatever the list's order")
            act.triggered.connect(lambda _c=False, c=ch: self.pin(exp, alias, c))
        if pinned is not None:
            menu.addSeparator()
            menu.addAction("Follow the list (unpin)").triggered.connect(lambda: self.pin(exp, alias, None))
        if menu.isEmpty():
            menu.addAction("No channel of this alias in the run").setEnabled(False)
        rect = self.table.visualItemRect(self.table.item(row, column))
        menu.popup(self.table.viewport().mapToGlobal(rect.bottomLeft()))
        self.menu = menu
