"""The centre of the window: one tab per chart set of the project, plus a tab of the selected
experiments' own charts (or one chart per channel of the union of their channels), and a welcome
page when the store has no project yet. Owns the grids; each chart follows the workspace itself.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .. import edits
from ..errors import ChartDeskError
from ..model import Chart, SeriesRef
from .chart_grid import CHART_HEIGHTS, ChartGrid
from .chart_sets import ChartEditor
from .widgets import menu_text

#: The chart tabs' narrowest width: with the docks at their minimum beside it, a window fits half
#: of a 1366 px screen.
CHARTS_MIN_WIDTH = 300

SNIPPET = """import chartdesk

with chartdesk.init(project="mnist", experiment="exp-1", params={"lr": 0.1}{db}) as run:
    for step in range(100):
        run.log("loss", 1.0 / (step + 1), step=step)
"""


def snippet_for(store) -> str:
    """The logging example, writing to the store this window shows: the default store needs no
    ``db=``; any other is named (a PostgreSQL URL without its password, which ``CHARTDESK_DB`` or
    ``~/.pgpass`` gives)."""
    from ..store.location import default_path

    path = getattr(store, "path", None)
    if path is not None and path.resolve() == default_path().resolve():
        return SNIPPET.replace("{db}", "")
    return SNIPPET.replace("{db}", f",\n                    db={store.describe()!r}")


class Welcome(QWidget):
    """What an empty store shows: how to get runs in."""

    def __init__(self, actions, snippet: str = SNIPPET.replace("{db}", ""), parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Welcome")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(40, 30, 40, 30)
        title = QLabel("<h2>This store has no experiments yet</h2>"
                       "<p>Import the logs other tools left on disk (Neptune exports and offline runs, "
                       "TensorBoard, MLflow, W&amp;B, Lightning, Keras, HF Trainer, trackio, Sacred, CSV, JSON "
                       "lines), load the demo projects, or log from a training script.</p>",
                       self)
        title.setWordWrap(True)
        lay.addWidget(title)
        row = QHBoxLayout()
        self.buttons = {}
        for act in actions:
            b = QPushButton(act.text().replace("&", ""), self)
            b.clicked.connect(lambda _c=False, a=act: a.trigger())
            row.addWidget(b)
            self.buttons[act.objectName() or act.text()] = b
        row.addStretch(1)
        lay.addLayout(row)
        lay.addWidget(QLabel("Logging from a training script (the window shows the run as it grows):", self))
        code = QPlainTextEdit(snippet, self)
        code.setReadOnly(True)
        code.setObjectName("Snippet")
        code.setMaximumHeight(130)
        lay.addWidget(code)
        lay.addStretch(1)


class ChartTabs(QTabWidget):
    """Tabs of chart grids for the workspace's project and selection."""

    sig_edit_set_chart_requested = Signal(str, str)
    """(chart set, chart name): the user asked to edit a chart of a set (the chart-set panel does)."""
    sig_set_shown = Signal(str)
    """The tab of this chart set came to the front."""
    sig_select_requested = Signal(object, bool)
    """(runs, toggle): a curve of these runs was clicked in a chart; toggle: Ctrl was held."""

    def __init__(self, workspace, welcome_actions=(), parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.setDocumentMode(True)
        self.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.setUsesScrollButtons(True)
        self.setMinimumWidth(CHARTS_MIN_WIDTH)  # on a narrow screen the docks give way first (MainWindow)
        self.grids: dict[str, ChartGrid] = {}
        self.experiment_grid: ChartGrid | None = None
        self.chart_height = CHART_HEIGHTS["medium"]
        self.linked = True  # View > Link x axes
        self.welcome = Welcome(welcome_actions, snippet_for(workspace.store), self)
        self.currentChanged.connect(self._on_current_change)
        workspace.sig_project_changed.connect(lambda _p: self.rebuild())
        workspace.sig_chart_sets_changed.connect(self.rebuild)
        workspace.sig_catalog_changed.connect(self._update_experiment_tab)
        workspace.sig_selection_changed.connect(lambda _s: self._update_experiment_tab())
        self.rebuild()

    # ---- tabs ---------------------------------------------------------------------------
    def tab_name(self, i: int) -> str:
        """The name of tab ``i``: its chart set's (the tab's text doubles a name's ``&``), or its label."""
        return self._set_name(self.widget(i)) or self.tabText(i).replace("&&", "&")

    def current_name(self) -> str:
        return self.tab_name(self.currentIndex()) if self.count() else ""

    def show_tab(self, name: str) -> bool:
        for i in range(self.count()):
            if self.tab_name(i) == name:
                self.setCurrentIndex(i)
                return True
        return False

    def visible_grid(self) -> ChartGrid | None:
        w = self.currentWidget()
        return w if isinstance(w, ChartGrid) else None

    def all_grids(self) -> list[ChartGrid]:
        return list(self.grids.values()) + ([self.experiment_grid] if self.experiment_grid else [])

    def rebuild(self) -> None:
        """The tabs for the project's chart sets, then the experiments' tab (or the welcome).
        Tabs that stay are kept in place, not taken out and put back: taking out the tab that has
        the keyboard focus would hand the focus to the window's first field (the tree's filter
        box) after every chart edit (issue 23 item 24)."""
        current = self.current_name()
        sets = self.ws.chart_sets() if self.ws.project else []
        wanted: list[tuple[QWidget, str, str]] = []
        for cs in sets:
            grid = self.grids.get(cs.name)
            empty = f"The chart set “{cs.name}” has no charts yet.\nCharts > Add chart to the current set…"
            if grid is None:
                grid = ChartGrid(self.ws, list(cs.charts), True, empty, self, self.chart_height)
                self._adopt(grid)
                grid.sig_edit_chart.connect(lambda chart, g=grid: self._edit_set_chart(g, chart))
                grid.sig_chart_options.connect(lambda old, new, g=grid: self._set_chart_options(g, old, new))
                self.grids[cs.name] = grid
            else:
                grid.set_charts(list(cs.charts))
            wanted.append((grid, menu_text(cs.name), f"Chart set {cs.name}: shown for every experiment"))
        gone = [self.grids.pop(name) for name in [n for n in self.grids if n not in {s.name for s in sets}]]
        if self.ws.project:
            wanted.append(self._experiment_tab_widget())
        else:
            wanted.append((self.welcome, "Welcome", ""))
        self.blockSignals(True)
        try:
            self._place_tabs(wanted, current)
        finally:
            self.blockSignals(False)
        for grid in gone:
            grid.deleteLater()
        self._on_current_change(self.currentIndex())

    def _place_tabs(self, wanted: list[tuple[QWidget, str, str]], current: str) -> None:
        """Make the tabs ``wanted`` (widget, text, tooltip) in this order with the fewest changes,
        ``current`` in front when it is one of them. The keyboard focus stays where it was; when
        its tab went, it goes to the tab in front (what the edit was about), never elsewhere."""
        focus = QApplication.focusWidget()
        had_focus = focus is not None and self.isAncestorOf(focus)
        keep = {id(w) for w, _t, _tip in wanted}
        for i in reversed(range(self.count())):
            if id(self.widget(i)) not in keep:
                self.removeTab(i)
        for i, (widget, text, tip) in enumerate(wanted):
            at = self.indexOf(widget)
            if at < 0:
                self.insertTab(i, widget, text)
            elif at != i:
                self.tabBar().moveTab(at, i)
            if self.tabText(i) != text:
                self.setTabText(i, text)
            self.setTabToolTip(i, tip)
        names = [self.tab_name(i) for i in range(self.count())]
        self.setCurrentIndex(names.index(current) if current in names else 0)
        now = QApplication.focusWidget()
        if had_focus and (now is None or not self.isAncestorOf(now)):
            front = self.currentWidget()
            if front is not None:
                front.setFocus(Qt.FocusReason.OtherFocusReason)

    def _set_name(self, grid: ChartGrid) -> str | None:
        return next((n for n, g in self.grids.items() if g is grid), None)

    def _adopt(self, grid: ChartGrid) -> None:
        grid.set_linked(self.linked)
        grid.sig_select_requested.connect(self.sig_select_requested)

    def set_linked(self, on: bool) -> None:
        """View > Link x axes: each tab's charts zoom and pan together (or each alone)."""
        self.linked = bool(on)
        for grid in self.all_grids():
            grid.set_linked(self.linked)

    def set_chart_height(self, height: int) -> None:
        """Every grid's cards take this height (View > Chart height)."""
        self.chart_height = height
        for grid in self.all_grids():
            grid.set_chart_height(height)

    # ---- the experiments' own tab ----------------------------------------------------------
    def _experiment_tab(self) -> tuple[list[Chart], bool, str, str, str]:
        """(charts, own charts?, empty text, tab label, tooltip) for the selection."""
        sel = self.ws.selection()
        if not sel:
            return [], False, "Select an experiment in the project tree.", "Experiment", ""
        if len(sel) == 1:
            own = self.ws.experiment_charts(sel[0])
            label = sel[0] if len(sel[0]) <= 32 else f"{sel[0][:14]}…{sel[0][-14:]}"
            if own:
                return own, True, "", f"{label}: own charts", f"Charts of {sel[0]} only"
            names = [c.name for c in self.ws.channels(sel[0])]
            return ([Chart(n, (SeriesRef("channel", n),)) for n in names], False, f"{sel[0]} has no channels yet.",
                    f"{label}: all channels", f"Every channel of {sel[0]}")
        names = sorted({c.name for e in sel for c in self.ws.channels(e)})
        return ([Chart(n, (SeriesRef("channel", n),)) for n in names], False, "The selected runs have no channels yet.",
                f"{len(sel)} runs: all channels", "Every channel of the selected runs:\n" + "\n".join(sel))

    def _experiment_tab_widget(self) -> tuple[QWidget, str, str]:
        """The experiments' tab, made or brought up to date: (its grid, text, tooltip)."""
        charts, own, empty, label, tip = self._experiment_tab()
        if self.experiment_grid is None or self.experiment_grid.editable != own:
            if self.experiment_grid is not None:
                self.experiment_grid.deleteLater()
            self.experiment_grid = ChartGrid(self.ws, charts, own, empty, self, self.chart_height)
            self._adopt(self.experiment_grid)
            self.experiment_grid.sig_edit_chart.connect(self.edit_experiment_chart)
            self.experiment_grid.sig_chart_options.connect(self._experiment_chart_options)
        else:
            self.experiment_grid.set_empty_text(empty)
            if [s.chart for s in self.experiment_grid.slots] != charts:
                self.experiment_grid.set_charts(charts)
        return self.experiment_grid, label, tip

    def _update_experiment_tab(self) -> None:
        """The selection or the catalog changed: the chart-set tabs stay (their charts follow by
        themselves); only the experiment tab is brought up to date, in its place."""
        if not self.ws.project:
            return
        index = self.indexOf(self.experiment_grid) if self.experiment_grid is not None else -1
        _charts, own, _empty, _label, _tip = self._experiment_tab()
        if index < 0 or self.experiment_grid.editable != own:
            self.rebuild()
            return
        _grid, label, tip = self._experiment_tab_widget()
        self.setTabText(index, label)
        self.setTabToolTip(index, tip)

    def _on_current_change(self, index: int) -> None:
        w = self.widget(index)
        name = self._set_name(w) if isinstance(w, ChartGrid) else None
        if name:
            self.sig_set_shown.emit(name)

    # ---- chart edits ----------------------------------------------------------------------
    def _edit_set_chart(self, grid: ChartGrid, chart: Chart) -> None:
        name = self._set_name(grid)
        if name:
            self.sig_edit_set_chart_requested.emit(name, chart.name)

    def _set_chart_options(self, grid: ChartGrid, old: Chart, new: Chart) -> None:
        name = self._set_name(grid)
        cs = next((s for s in self.ws.chart_sets() if s.name == name), None)
        if cs is None:
            return
        try:
            self.ws.edit_chart_sets(edits.set_charts(self.ws.chart_sets(), name,
                                                     edits.replace_chart(cs.charts, old.name, new)),
                                    f"Edit chart {new.name}")
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Chart", str(exc))

    def new_experiment_chart(self) -> None:
        sel = self.ws.selection()
        if len(sel) != 1:
            return
        own = self.ws.experiment_charts(sel[0])
        dlg = ChartEditor(self.ws, None, {c.name for c in own}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._push_experiment_charts(sel[0], edits.add_chart(own, dlg.chart()), "New experiment chart")

    def edit_experiment_chart(self, chart: Chart) -> None:
        sel = self.ws.selection()
        if len(sel) != 1:
            return
        own = self.ws.experiment_charts(sel[0])
        dlg = ChartEditor(self.ws, chart, {c.name for c in own} - {chart.name}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._push_experiment_charts(sel[0], edits.replace_chart(own, chart.name, dlg.chart()),
                                         "Edit experiment chart")

    def _experiment_chart_options(self, old: Chart, new: Chart) -> None:
        sel = self.ws.selection()
        if len(sel) == 1:
            own = self.ws.experiment_charts(sel[0])
            self._push_experiment_charts(sel[0], edits.replace_chart(own, old.name, new), f"Edit chart {new.name}")

    def _push_experiment_charts(self, experiment: str, charts, text: str) -> None:
        try:
            self.ws.edit_experiment_charts(experiment, charts, text)
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Chart", str(exc))

    # ---- for --screenshot and tests --------------------------------------------------------
    def settled(self) -> bool:
        grid = self.visible_grid()
        return self.ws.loader.is_idle() and (grid is None or grid.settled())
