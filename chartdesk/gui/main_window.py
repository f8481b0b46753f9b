"""The main window: project tree (left), chart-set tabs (centre), alias editor and chart-set
panel (right), menus with Undo/Redo, and persisted geometry and dock layout (QSettings)."""
from __future__ import annotations

import gc

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QDialog, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
                               QTabWidget)

from ..errors import ChartDeskError
from ..model import Chart, SeriesRef
from .alias_editor import AliasEditor
from .chart_sets import ChartEditor, ChartSetPanel
from .chart_view import ChartGrid
from .commands import SetExperimentChartsCommand
from .importing import Importer, local_paths
from .project_tree import ProjectTree

LIVE_POLL_MS = 100  # one aggregate query; the catalog is re-read only on change


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ChartDesk", "ChartDesk")


class MainWindow(QMainWindow):
    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        workspace.setParent(self)  # the workspace, its undo stack and loader live and die with the window
        self.setWindowTitle("ChartDesk")
        self.resize(1366, 768)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)

        self.tree = ProjectTree(self)
        self.alias_editor = AliasEditor(workspace, self)
        self.chart_set_panel = ChartSetPanel(workspace, self)
        self.tabs = QTabWidget(self)
        self.tabs.setDocumentMode(True)
        self.tabs.setElideMode(Qt.TextElideMode.ElideMiddle)
        self.tabs.setUsesScrollButtons(True)
        self.tabs.setMinimumWidth(420)  # on a narrow screen the docks give way, not the charts
        self.tabs.currentChanged.connect(self._on_tab_change)
        self.setCentralWidget(self.tabs)
        self.grids: dict[str, ChartGrid] = {}
        self.experiment_grid: ChartGrid | None = None
        self._empty = QLabel(self)
        self._empty.setObjectName("EmptyState")
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._empty.setWordWrap(True)

        self.tree_dock = self._dock("Projects", "ProjectsDock", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.alias_dock = self._dock("Aliases", "AliasesDock", self.alias_editor, Qt.DockWidgetArea.RightDockWidgetArea)
        self.sets_dock = self._dock("Chart sets", "ChartSetsDock", self.chart_set_panel,
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.tree_dock, self.alias_dock], [290, 330], Qt.Orientation.Horizontal)

        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)
        self.importer = Importer(workspace, self)
        self.importer.sig_finished.connect(self._on_import_finished)
        self.setAcceptDrops(True)
        self._build_menus()

        self.tree.sig_selection_changed.connect(self._on_tree_selection)
        self.chart_set_panel.sig_set_chosen.connect(self.show_chart_set)
        workspace.sig_project_changed.connect(lambda _p: self._rebuild_tabs())
        workspace.sig_chart_sets_changed.connect(self._rebuild_tabs)
        workspace.sig_catalog_changed.connect(self._on_catalog_change)
        workspace.sig_points_appended.connect(self._on_points_appended)
        workspace.sig_experiments_updated.connect(self._reload_tree)
        workspace.sig_selection_changed.connect(self._on_selection_change)
        workspace.sig_resolution_changed.connect(self._on_resolution_change)
        workspace.loader.sig_ready.connect(self._on_data_ready)
        workspace.loader.sig_busy.connect(self.busy.setVisible)
        workspace.loader.sig_error.connect(lambda m: self.statusBar().showMessage(m, 8000))
        workspace.undo_stack.indexChanged.connect(self._update_title)

        self._live = QTimer(self)
        self._live.setInterval(LIVE_POLL_MS)
        self._live.timeout.connect(self._poll_store)
        self._live.start()
        self._restore_settings()
        self._reload_tree()
        self._rebuild_tabs()

    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    # ---- menus --------------------------------------------------------------------------
    def _build_menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        act = QAction("&Import files…", self, shortcut=QKeySequence("Ctrl+I"))
        act.triggered.connect(self._import_files_dialog)
        file.addAction(act)
        act = QAction("Import &folder…", self)
        act.triggered.connect(self._import_folder_dialog)
        file.addAction(act)
        file.addSeparator()
        act = QAction("&Refresh", self, shortcut=QKeySequence.StandardKey.Refresh)
        act.triggered.connect(self._poll_store)
        file.addAction(act)
        file.addSeparator()
        act = QAction("&Quit", self, shortcut=QKeySequence.StandardKey.Quit)
        act.triggered.connect(self.close)
        file.addAction(act)

        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = self.ws.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.ws.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        act = QAction("New &alias…", self)
        act.triggered.connect(self.alias_editor.new_alias)
        edit.addAction(act)

        charts = self.menuBar().addMenu("&Charts")
        act = QAction("New chart &set…", self)
        act.triggered.connect(lambda: self.chart_set_panel.new_set())
        charts.addAction(act)
        act = QAction("Add chart to the current set…", self)
        act.triggered.connect(lambda: self.chart_set_panel.add_chart())
        charts.addAction(act)
        act = QAction("New chart for this &experiment only…", self)
        act.triggered.connect(self.new_experiment_chart)
        charts.addAction(act)

        view = self.menuBar().addMenu("&View")
        for dock in (self.tree_dock, self.alias_dock, self.sets_dock):
            view.addAction(dock.toggleViewAction())

    # ---- importing ----------------------------------------------------------------------
    def _import_files_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import files", "", "Experiment logs (*tfevents* *.csv *.jsonl "
                                                "*.ndjson *.json *.db *.sqlite);;All files (*)")
        if paths:
            self.importer.start(paths)

    def _import_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import a folder (searched for TensorBoard, MLflow, "
                                                "Lightning, HF and CSV logs)")
        if path:
            self.importer.start([path])

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event) -> None:  # noqa: N802
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.importer.start(paths)
        else:
            super().dropEvent(event)

    def _on_import_finished(self, project: str, report) -> None:
        if report is None:
            self.statusBar().showMessage(f"Import failed: {self.importer.last_error}", 15000)
            return
        if project == self.ws.project:
            self.ws.refresh_catalog()
        elif report.imported:
            self.ws.set_project(project)
        self._reload_tree()
        done = f"Imported {len(report.imported)} experiments into {project}"
        self.statusBar().showMessage(done + (" (cancelled)" if report.cancelled else ""), 10000)

    # ---- settings -----------------------------------------------------------------------
    def _restore_settings(self) -> None:
        s = make_settings()
        geom = s.value("window/geometry")
        state = s.value("window/state")
        if geom is not None:
            self.restoreGeometry(geom)
        if state is not None:
            self.restoreState(state)

    def save_settings(self) -> None:
        s = make_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.setValue("session/project", self.ws.project or "")
        s.sync()

    def closeEvent(self, event) -> None:  # noqa: N802
        self._live.stop()
        self.importer.cancel()
        self.importer.wait(10000)
        gc.unfreeze()  # what open_window froze may be collected again
        self.save_settings()
        self.ws.shutdown()
        super().closeEvent(event)

    # ---- tree ---------------------------------------------------------------------------
    def _reload_tree(self) -> None:
        catalogs = {}
        for p in self.ws.projects():
            catalogs[p] = [(e, self.ws.channels(e.name)) for e in self.ws.experiments()] if p == self.ws.project \
                else self.ws.store.catalog(p)
        self.tree.set_catalogs(catalogs, self.ws.project, self.ws.selection())

    def _on_tree_selection(self, project: str, experiments: list) -> None:
        if project and project != self.ws.project:
            self.ws.set_project(project)
        if experiments:
            self.ws.select_experiments(experiments)

    def _on_catalog_change(self) -> None:
        self._reload_tree()
        for grid in self._all_grids():
            grid.refresh()

    def _on_points_appended(self, keys) -> None:
        """A live run grew: update counts in the tree and the lines of the charts that show it."""
        self.tree.model.update_counts(self.ws.project, {e: self.ws.channels(e) for _p, e, _c in keys})
        visible = self._visible_grid()
        for grid in self._all_grids():
            for w in grid.charts:
                if any(k.channel_key in keys for k in w.wanted()):
                    if grid is visible:
                        w.fetch()
                    else:
                        w.drawn = False

    def _poll_store(self) -> None:
        try:
            if self.ws.poll() and self.ws.projects() != self.tree.model.projects():
                self._reload_tree()
        except ChartDeskError as exc:
            self.statusBar().showMessage(str(exc), 8000)

    # ---- tabs ---------------------------------------------------------------------------
    def _all_grids(self) -> list[ChartGrid]:
        return list(self.grids.values()) + ([self.experiment_grid] if self.experiment_grid else [])

    def _rebuild_tabs(self) -> None:
        current = self.tabs.tabText(self.tabs.currentIndex()) if self.tabs.count() else None
        self.tabs.blockSignals(True)
        while self.tabs.count():
            self.tabs.removeTab(0)
        sets = self.ws.chart_sets()
        for cs in sets:
            grid = self.grids.get(cs.name)
            if grid is None:
                grid = ChartGrid(self.ws, list(cs.charts), True,
                                 f"The chart set “{cs.name}” has no charts yet.\nCharts > Add chart to the current set…",
                                 self)
                grid.sig_edit_chart.connect(lambda chart, n=cs.name: self._edit_set_chart(n, chart))
                grid.sig_chart_options.connect(lambda old, new, n=cs.name: self.chart_set_panel.replace_chart(n, old, new))
                self.grids[cs.name] = grid
            else:
                grid.set_charts(list(cs.charts))
            self.tabs.addTab(grid, cs.name)
        for name in [n for n in self.grids if n not in {s.name for s in sets}]:
            self.grids.pop(name).deleteLater()
        self._build_experiment_tab()
        if not self.ws.project:
            self._empty.setText("No project yet.\nLog one with chartdesk.init(...) or run: chartdesk demo")
            self.tabs.addTab(self._empty, "Welcome")
        names = [self.tabs.tabText(i) for i in range(self.tabs.count())]
        self.tabs.setCurrentIndex(names.index(current) if current in names else 0)
        self.tabs.blockSignals(False)
        self._update_title()
        self._on_tab_change(self.tabs.currentIndex())

    def _experiment_tab_charts(self) -> tuple[list[Chart], bool, str]:
        sel = self.ws.selection()
        if not sel:
            return [], False, "Select an experiment in the project tree."
        own = self.ws.experiment_charts(sel[0])
        if own:
            return own, True, ""
        auto = [Chart(c.name, (SeriesRef("channel", c.name),)) for c in self.ws.channels(sel[0])]
        return auto, False, f"{sel[0]} has no channels yet."

    def _build_experiment_tab(self) -> None:
        if not self.ws.project:
            return
        charts, own, empty = self._experiment_tab_charts()
        if self.experiment_grid is None or self.experiment_grid.editable != own:
            if self.experiment_grid is not None:
                self.experiment_grid.deleteLater()
            self.experiment_grid = ChartGrid(self.ws, charts, own, empty, self)
            self.experiment_grid.sig_edit_chart.connect(self._edit_experiment_chart)
            self.experiment_grid.sig_chart_options.connect(self._experiment_chart_options)
        else:
            self.experiment_grid.empty_text = empty
            self.experiment_grid.set_charts(charts)
        sel = self.ws.selection()
        name = sel[0] if sel and len(sel[0]) <= 32 else (f"{sel[0][:14]}…{sel[0][-14:]}" if sel else "")
        label = f"{name}: {'own charts' if own else 'all channels'}" if sel else "Experiment"
        self.tabs.addTab(self.experiment_grid, label)
        self.tabs.setTabToolTip(self.tabs.count() - 1, f"Charts of {sel[0]} only" if sel else "")

    def _update_experiment_tab(self) -> None:
        """The selection changed: the chart-set tabs stay (no relayout of every chart); only the
        experiment tab follows, rebuilt when it changes between own charts and all channels."""
        index = self.tabs.indexOf(self.experiment_grid) if self.experiment_grid is not None else -1
        _charts, own, _empty = self._experiment_tab_charts()
        if index < 0 or self.experiment_grid.editable != own:
            self._rebuild_tabs()
            return
        current = self.tabs.currentIndex()
        self.tabs.blockSignals(True)
        self.tabs.removeTab(index)
        self._build_experiment_tab()  # adds it back, last
        self.tabs.setCurrentIndex(current)
        self.tabs.blockSignals(False)
        self._on_tab_change(current)

    def show_chart_set(self, name: str) -> None:
        for i in range(self.tabs.count()):
            if self.tabs.widget(i) is self.grids.get(name):
                self.tabs.setCurrentIndex(i)

    def _on_tab_change(self, index: int) -> None:
        w = self.tabs.widget(index)
        for name, grid in self.grids.items():
            if grid is w:
                self.chart_set_panel.choose(name)
        if isinstance(w, ChartGrid):
            w.refresh()

    def _visible_grid(self) -> ChartGrid | None:
        w = self.tabs.currentWidget()
        return w if isinstance(w, ChartGrid) else None

    # ---- reacting -----------------------------------------------------------------------
    def _on_selection_change(self, selection) -> None:
        self.tree.select(self.ws.project, selection)
        self._update_experiment_tab()
        n = len(selection)
        self.statusBar().showMessage(f"{self.ws.project}: {n} experiment{'s' if n != 1 else ''} selected"
                                     + (" (compare mode: each experiment has its colour)" if n > 1 else ""))

    def _on_resolution_change(self, aliases, experiments) -> None:
        """Redraw the charts whose curves may have changed: every chart on a new channel, those
        that plot a changed alias otherwise (hidden grids redraw when their tab is shown)."""
        visible = self._visible_grid()
        for grid in self._all_grids():
            for w in grid.charts:
                uses = any(r.kind == "alias" and (aliases is None or r.name in aliases) for r in w.chart.series)
                if uses or experiments is not None:
                    if grid is visible:
                        w.refresh()
                    else:
                        w.drawn = False

    def _on_data_ready(self) -> None:
        grid = self._visible_grid()
        if grid is not None:
            grid.draw_ready()

    def _update_title(self, *_) -> None:
        store = self.ws.store.describe()
        self.setWindowTitle(f"{self.ws.project or 'ChartDesk'} — {store} — ChartDesk")

    # ---- chart edits --------------------------------------------------------------------
    def _edit_set_chart(self, set_name: str, chart: Chart) -> None:
        self.chart_set_panel.choose(set_name)
        self.chart_set_panel.edit_chart(chart)

    def new_experiment_chart(self) -> None:
        sel = self.ws.selection()
        if not sel:
            return
        own = self.ws.experiment_charts(sel[0])
        dlg = ChartEditor(self.ws, None, {c.name for c in own}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._push_experiment_charts(sel[0], own + [dlg.chart()], "New experiment chart")

    def _edit_experiment_chart(self, chart: Chart) -> None:
        sel = self.ws.selection()
        if not sel:
            return
        own = self.ws.experiment_charts(sel[0])
        dlg = ChartEditor(self.ws, chart, {c.name for c in own} - {chart.name}, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self._push_experiment_charts(sel[0], [dlg.chart() if c == chart else c for c in own], "Edit experiment chart")

    def _experiment_chart_options(self, old: Chart, new: Chart) -> None:
        sel = self.ws.selection()
        if sel:
            own = self.ws.experiment_charts(sel[0])
            self._push_experiment_charts(sel[0], [new if c == old else c for c in own], f"Edit chart {new.name}")

    def _push_experiment_charts(self, experiment: str, charts: list[Chart], text: str) -> None:
        try:
            self.ws.undo_stack.push(SetExperimentChartsCommand(self.ws, experiment, charts, text))
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Chart", str(exc))

    # ---- for --screenshot and tests -----------------------------------------------------
    def settled(self) -> bool:
        grid = self._visible_grid()
        return self.ws.loader.is_idle() and (grid is None or grid.settled())
