"""The main window, a shell: the project tree (left), the chart tabs (centre), the alias editor
and chart-set panel (right), menus (View > Theme among them: ``gui.theme``), the status bar,
persisted layout and session (gui/settings.py), the
import glue, and the live updates (gui/live.py) that follow running experiments. Every panel wires itself to the
workspace; the window only places them and connects the few requests that cross panels."""
from __future__ import annotations

import gc
import logging

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
)

from ..app import preferences as prefs
from ..errors import ChartDeskError
from . import file_dialogs
from . import help as help_pages
from .alias_editor import AliasEditor
from .chart_grid import CHART_HEIGHTS
from .chart_sets import ChartSetPanel
from .chart_tabs import ChartTabs
from .following import FollowControl
from .importing import Importer, local_paths
from .layout_dialogs import LayoutActions
from .live import LiveUpdates
from .notifications import ExceptionHooks
from .project_tree import ProjectTree
from .run_diff import SweepActions
from .run_page import RunPages
from .runs_table import RunsTable
from .settings import Settings
from .settings import make_settings as make_settings  # where older callers find it
from .sweep_views import SweepViewActions
from .theme import THEMES, theme_switch
from .widgets import let_shrink, plural

log = logging.getLogger(__name__)

#: On a screen shorter than this, the right-hand docks (Aliases, Chart sets) start tabbed together,
#: each the full height, instead of one above the other (each half of 768 px clipped the alias editor).
TAB_RIGHT_DOCKS_BELOW = 1000
#: A window made narrower (half of a laptop screen) keeps at least this share of its width for
#: the charts: the docks give way, down to their minimum widths.
CHARTS_SHARE = 0.54  # the default layout at 1366 px (docks 290 and 330 px) gives them 740
#: The docks' widths at first (no layout saved yet): at 1366 px, and on a wider window the same
#: share of its width (the names in the tree and the alias preview get the room the screen has).
DOCK_WIDTHS_AT = 1366
DOCK_WIDTHS = (290, 330)
DOCK_SHARES = (290 / DOCK_WIDTHS_AT, 330 / DOCK_WIDTHS_AT)
#: How long closing the window waits for edits not written yet (another process holds the store's
#: write lock) before it says so and stays open (s).
CLOSE_WAIT_S = 3.0


class MainWindow(QMainWindow):
    def __init__(self, workspace, parent=None) -> None:
        super().__init__(parent)
        self.ws = workspace
        self.settings = Settings(workspace.store)  # this machine's preferences, this store's session
        workspace.setParent(self)  # the workspace, its undo stacks and loader live and die with the window
        self.setWindowTitle("ChartDesk")
        self.resize(1366, 768)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self._build_actions()

        self.tree = ProjectTree(workspace, self)
        self.alias_editor = AliasEditor(workspace, self)
        self.chart_set_panel = ChartSetPanel(workspace, self)
        self.tabs = ChartTabs(workspace, [self.import_files_action, self.import_folder_action, self.demo_action,
                                          self.concepts_action], self)
        self.setCentralWidget(self.tabs)
        self.tree_dock = self._dock("Projects", "ProjectsDock", self.tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.alias_dock = self._dock("Aliases", "AliasesDock", self.alias_editor, Qt.DockWidgetArea.RightDockWidgetArea)
        self.sets_dock = self._dock("Chart sets", "ChartSetsDock", self.chart_set_panel,
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.runs_table = RunsTable(workspace, self)
        self.runs_dock = self._dock("Runs", "RunsDock", self.runs_table, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.run_pages = RunPages(workspace, self)  # double-click or Enter on a run: its page
        for panel in (self.tree, self.runs_table):
            panel.sig_open_run.connect(self.run_pages.open)
        self.tabifyDockWidget(self.tree_dock, self.runs_dock)
        self.tree_dock.raise_()
        if self.screen().availableGeometry().height() < TAB_RIGHT_DOCKS_BELOW:
            self.tabifyDockWidget(self.alias_dock, self.sets_dock)
            self.alias_dock.raise_()
        self.resizeDocks([self.tree_dock, self.alias_dock], list(DOCK_WIDTHS), Qt.Orientation.Horizontal)
        self._dock_widths: tuple[int, ...] | None = DOCK_WIDTHS  # as the window set them; None: the person's
        self._build_menus()

        # What is selected and shown: a widget of the status bar, not a message, so that menus'
        # status tips and passing messages hide it only while they last (a message was wiped for good).
        self.selection_label = QLabel(self)
        self.selection_label.setObjectName("SelectionSummary")
        self.statusBar().addWidget(self.selection_label, 1)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setVisible(False)
        self.statusBar().addPermanentWidget(self.busy)
        self.new_runs_button = QPushButton(self)
        self.new_runs_button.setVisible(False)
        self.new_runs_button.setFlat(True)
        self.new_runs_button.clicked.connect(lambda _c=False: self._compare_new_runs())
        self.statusBar().addPermanentWidget(self.new_runs_button)
        self._new_runs: list[str] = []
        self.importer = Importer(workspace, self)
        self.statusBar().addPermanentWidget(self.follow_control.label)
        self.follow_label = self.follow_control.label
        self.importer.sig_finished.connect(self._on_import_finished)
        self.setAcceptDrops(True)

        self.tabs.sig_set_shown.connect(self.chart_set_panel.choose)
        self.tabs.sig_edit_set_chart_requested.connect(self.chart_set_panel.edit_chart_named)
        self.tabs.sig_select_requested.connect(self._select_clicked_runs)
        self.chart_set_panel.sig_set_chosen.connect(self.tabs.show_tab)
        self.chart_set_panel.sig_status_message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        workspace.sig_selection_changed.connect(self._on_selection_change)
        workspace.sig_grouping_changed.connect(self._say_selection)
        workspace.sig_filter_changed.connect(lambda _t, _e: self._say_selection())
        workspace.sig_project_changed.connect(lambda _p: self._update_title())
        workspace.sig_runs_appeared.connect(self._on_runs_appeared)
        workspace.sig_error.connect(lambda m: self.statusBar().showMessage(m, 10000))
        workspace.loader.sig_busy.connect(self.busy.setVisible)
        workspace.loader.sig_error.connect(lambda m: self.statusBar().showMessage(m, 10000))
        workspace.undo_group.indexChanged.connect(self._update_title)

        # An exception nothing caught: logged with its traceback, one line here (run_gui installs it).
        self.exception_hooks = ExceptionHooks(self)
        self._leave_unwritten = False  # closed once with edits not written: the next close goes
        self.exception_hooks.sig_error.connect(self._on_internal_error)
        self.live_label = QLabel(self)  # says when a team store's live feed is down
        self.live_label.setVisible(False)
        self.statusBar().addPermanentWidget(self.live_label)
        self.live = LiveUpdates(workspace.store, lambda: workspace.project, self)
        self.live.sig_check.connect(self.ws.poll_in_background)  # the store is read off the GUI thread
        self.live.sig_status.connect(self._on_live_status)
        self.live.start()
        self._restore_settings()
        self._update_title()

    def _dock(self, title: str, name: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        # In a scroll area: a panel taller than its share of a small screen (1366x768) scrolls
        # instead of pushing the window past the screen's bottom edge or overlapping its neighbour.
        scroll = QScrollArea(dock)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        let_shrink(widget)  # rows of buttons wrap, long labels too: the dock can be narrow
        scroll.setWidget(widget)
        scroll.setMinimumWidth(widget.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        dock.setWidget(scroll)
        self.addDockWidget(area, dock)
        return dock

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        old = event.oldSize().width()
        if self._dock_widths is not None and event.size().width() != old:
            QTimer.singleShot(0, self, self._share_docks)
        if old < 0 or event.size().width() < old:  # shown, or made narrower: not when the user widens a dock
            QTimer.singleShot(0, self, self._give_charts_room)

    def _share_docks(self) -> None:
        """Until a layout is restored or the person sizes a dock, the docks take DOCK_SHARES of a
        window wider than 1366 px (never less than DOCK_WIDTHS): a window made 1920 px wide on
        first launch gives the names 408 and 464 px, not the 290 and 330 of a laptop's screen."""
        if self._dock_widths is None or not self.isVisible() or self.width() <= DOCK_WIDTHS_AT:
            return  # narrower windows: _give_charts_room
        want = tuple(max(least, round(share * self.width())) for least, share in zip(DOCK_WIDTHS, DOCK_SHARES))
        self.resizeDocks([self.tree_dock, self.alias_dock], list(want), Qt.Orientation.Horizontal)
        self._dock_widths = want

    def event(self, event) -> bool:
        """A press on the window itself, not on a panel, is on the edge between a dock and the
        charts: the person sizes the docks from now on (``_share_docks`` stops)."""
        if event.type() == QEvent.Type.MouseButtonPress:
            self._dock_widths = None
        return super().event(event)

    def _give_charts_room(self) -> None:
        """The docks beside the charts narrowed, each side in proportion to its width (never below
        its minimum), until the charts have CHARTS_SHARE of the window's width."""
        short = int(CHARTS_SHARE * self.width()) - self.centralWidget().width()
        sides = []  # (the docks of a side, its width, the narrowest it can be)
        for area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea):
            column = [d for d in self.findChildren(QDockWidget)
                      if d.isVisible() and not d.isFloating() and self.dockWidgetArea(d) == area]
            # A dock behind another's tab counts as visible, off the window: the one in front has the width.
            front = [d.width() for d in column if not d.visibleRegion().isEmpty()]
            if front:  # in tabs or one above another: the widest minimum holds them all
                sides.append((column, max(front), max(d.minimumSizeHint().width() for d in column)))
        spare = sum(max(0, width - least) for _c, width, least in sides)
        if short <= 0 or spare <= 0:
            return
        take = min(short, spare)
        docks, widths = [], []
        for column, width, least in sides:
            docks += column
            widths += [width - round(take * max(0, width - least) / spare)] * len(column)
        self.resizeDocks(docks, widths, Qt.Orientation.Horizontal)

    # ---- menus --------------------------------------------------------------------------
    def _action(self, text: str, slot, shortcut=None, name: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcuts(shortcut if isinstance(shortcut, list) else [shortcut])
        act.setObjectName(name or text)
        act.triggered.connect(lambda _c=False: slot())
        return act

    def _build_actions(self) -> None:
        self.import_files_action = self._action("&Import files…", self._import_files_dialog,
                                                QKeySequence("Ctrl+I"), "import_files")
        self.import_folder_action = self._action("Import &folder…", self._import_folder_dialog, None, "import_folder")
        self.follow_control = FollowControl(self.ws, self, lambda: self.importer.ask_project())
        self.follow_control.sig_status_message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        self.follow_control.sig_poll_requested.connect(self._poll_store)
        self.follow_control.sig_show_project_requested.connect(self._show_followed_runs)
        self.follow_action = self.follow_control.follow_action
        self.stop_follow_action = self.follow_control.stop_action
        self.demo_action = self._action("Load &demo projects", self.load_demo, None, "load_demo")
        self.export_report_action = self._action("Export &report…", self.export_report, None, "export_report")
        self.export_report_action.setToolTip("One HTML file (or a PDF) anyone can open: the runs table and every chart "
                                             "of the tab in front, for the runs shown")
        self.concepts_action = self._action("&Concepts", self.show_concepts,
                                            QKeySequence(QKeySequence.StandardKey.HelpContents), "concepts")
        self.shortcuts_action = self._action("&Keyboard shortcuts", self.show_shortcuts, QKeySequence("Ctrl+/"),
                                             "shortcuts")
        self.about_action = self._action("&About ChartDesk", self.show_about, None, "about")
        self.find_action = self._action("&Find experiments…", self.focus_filter, QKeySequence("Ctrl+F"), "find")
        self.refresh_action = self._action("&Refresh", self._poll_store, QKeySequence(QKeySequence.StandardKey.Refresh))
        self.quit_action = self._action("&Quit", self.close, QKeySequence(QKeySequence.StandardKey.Quit))
        self.undo_action = self.ws.undo_group.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts([QKeySequence("Ctrl+Z")])
        # One list, no duplicates: a sequence registered twice is "ambiguous" and does nothing.
        self.redo_action = self.ws.undo_group.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])

    def _build_menus(self) -> None:
        file = self.menuBar().addMenu("&File")
        for act in (self.import_files_action, self.import_folder_action, self.follow_action, self.stop_follow_action):
            file.addAction(act)
        file.addSeparator()
        file.addAction(self.export_report_action)
        file.aboutToShow.connect(lambda: self.export_report_action.setEnabled(bool(self.ws.selection())))
        file.addSeparator()
        file.addAction(self.refresh_action)
        file.addSeparator()
        file.addAction(self.quit_action)

        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        self.new_alias_action = edit.addAction("New &alias…")
        self.new_alias_action.triggered.connect(lambda _c=False: self.alias_editor.new_alias())
        edit.addSeparator()
        edit.addAction(self.tree.rename_action)
        edit.addAction(self.tree.delete_action)
        edit.addSeparator()
        edit.addAction(self.find_action)

        charts = self.menuBar().addMenu("&Charts")
        self.new_set_action = charts.addAction("New chart &set…")
        self.new_set_action.triggered.connect(lambda _c=False: self.chart_set_panel.new_set())
        self.add_chart_action = charts.addAction("Add chart to the current set…")
        self.add_chart_action.triggered.connect(lambda _c=False: self.chart_set_panel.add_chart())
        self.new_exp_chart_action = charts.addAction("New chart for this &experiment only…")
        self.new_exp_chart_action.triggered.connect(lambda _c=False: self.tabs.new_experiment_chart())
        charts.aboutToShow.connect(self._update_chart_actions)
        charts.addSeparator()  # Export layout…, Apply layout…, Check chart sets…
        self.layout_actions = LayoutActions(self.ws, self)
        self.layout_actions.sig_status_message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        for act in self.layout_actions.actions():
            charts.addAction(act)
        charts.aboutToShow.connect(self.layout_actions.update)

        runs = self.menuBar().addMenu("&Runs")  # Compare selected runs…, Parameter importance…
        self.sweep_actions = SweepActions(self.ws, self, lambda: list(self.runs_table.model.columns))
        self.sweep_actions.sig_status_message.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        for act in self.sweep_actions.actions():
            runs.addAction(act)
        runs.aboutToShow.connect(self.sweep_actions.update)
        self.runs_table.sig_compare_requested.connect(lambda: self.sweep_actions.compare())
        runs.addSeparator()  # Scatter of runs…, Parallel coordinates…
        self.sweep_views = SweepViewActions(self.ws, self, lambda: list(self.runs_table.model.columns))
        for act in self.sweep_views.actions():
            runs.addAction(act)
        runs.aboutToShow.connect(self.sweep_views.update)

        view = self.menuBar().addMenu("&View")
        for dock in (self.tree_dock, self.runs_dock, self.alias_dock, self.sets_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.label_params_action = QAction("Name runs by the params that differ", self, checkable=True)
        self.label_params_action.setToolTip("In compare mode, legends say lr=0.1, bs=64 instead of run names")
        self.label_params_action.toggled.connect(self._set_label_by_params)
        view.addAction(self.label_params_action)
        self.link_x_action = QAction("&Link x axes", self, checkable=True)
        self.link_x_action.setChecked(True)
        self.link_x_action.setToolTip("Zoom or pan one chart and the tab's charts of the same x axis follow")
        self.link_x_action.toggled.connect(self._set_link_x)
        view.addAction(self.link_x_action)
        self.group_runs_action = self._action("&Group runs by…", self.edit_grouping, QKeySequence("Ctrl+G"),
                                              "group_runs")
        self.group_runs_action.setToolTip("Draw the selected runs as groups (mean and band) by params, tags or name")
        view.addAction(self.group_runs_action)
        heights = view.addMenu("Chart &height")
        group = QActionGroup(self)
        self.height_actions = {}
        for name in CHART_HEIGHTS:
            act = QAction(name.capitalize(), self, checkable=True)
            act.triggered.connect(lambda _c=False, n=name: self.set_chart_height(n))
            group.addAction(act)
            heights.addAction(act)
            self.height_actions[name] = act
        themes = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions = {}
        for name, words in THEMES.items():
            act = QAction(words, self, checkable=True)
            act.setToolTip("System: the desktop's colours" if name == "system" else f"{words} colours in every window")
            act.triggered.connect(lambda _c=False, n=name: self.set_theme(n))
            group.addAction(act)
            themes.addAction(act)
            self.theme_actions[name] = act
        switch = theme_switch()
        self.theme_actions[switch.theme].setChecked(True)
        switch.sig_theme_changed.connect(self._on_theme_changed)

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.concepts_action)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        help_menu.addAction(self.demo_action)
        help_menu.addSeparator()
        help_menu.addAction(self.about_action)

    def show_concepts(self) -> None:
        help_pages.concepts_dialog(self).exec()

    def show_shortcuts(self) -> None:
        help_pages.shortcuts_dialog(self).exec()

    def show_about(self) -> None:
        help_pages.about_dialog(self, self.ws.store).exec()

    def focus_filter(self) -> None:
        """Ctrl+F: the tree's filter box, with its text selected to type over."""
        self.tree_dock.show()
        self.tree_dock.raise_()
        self.tree.filter_edit.setFocus()
        self.tree.filter_edit.selectAll()

    def edit_grouping(self) -> None:
        """Show the runs panel with its Group by box focused."""
        self.runs_dock.show()
        self.runs_dock.raise_()
        self.runs_table.group_edit.setFocus()
        self.runs_table.group_edit.selectAll()

    def _set_label_by_params(self, on: bool) -> None:
        self.ws.set_label_by_params(on)
        self.settings.set(prefs.LABEL_BY_PARAMS, on)

    def _set_link_x(self, on: bool) -> None:
        self.tabs.set_linked(on)
        self.settings.set(prefs.LINK_X, on)

    def _select_clicked_runs(self, runs, toggle: bool) -> None:
        """A curve was clicked: select its runs (Ctrl: add or remove them)."""
        from ..app.linking import pick

        self.ws.select_experiments(pick(self.ws.selected(), runs, toggle))

    def set_chart_height(self, name: str) -> None:
        if name not in CHART_HEIGHTS:
            name = "medium"
        self.height_actions[name].setChecked(True)
        self.tabs.set_chart_height(CHART_HEIGHTS[name])
        self.settings.set(prefs.CHART_HEIGHT, name)

    def set_theme(self, name: str) -> None:
        """View > Theme: every window takes it now (``ThemeSwitch``), and the next start too."""
        theme_switch().set(name)
        self.settings.set(prefs.THEME, name)

    def _on_theme_changed(self, name: str) -> None:
        """The application's theme changed (from this window's menu or another's): tick it. The
        charts take its plot colours themselves, in place (``ChartWidget._on_theme``)."""
        self.theme_actions[name].setChecked(True)

    def _update_chart_actions(self) -> None:
        has_project = bool(self.ws.project)
        self.new_set_action.setEnabled(has_project)
        self.add_chart_action.setEnabled(self.chart_set_panel.current_set() is not None)
        self.new_exp_chart_action.setEnabled(len(self.ws.selection()) == 1)

    def load_demo(self) -> None:
        from ..demo import seed

        try:
            created = seed(self.ws.store)
        except ChartDeskError as exc:
            QMessageBox.warning(self, "Demo", str(exc))
            return
        if not self.ws.project:
            projects = self.ws.projects()
            self.ws.set_project(projects[0] if projects else None)
        else:
            self.tree.reload()
        self.statusBar().showMessage(f"Demo: {plural(len(created), 'experiment')} added" if created
                                     else "The demo projects are in this store already", 8000)

    def export_report(self) -> None:
        """File > Export report…: what the window shows (project, selected runs the filter shows,
        filter, grouping, the chart tab in front, the runs table's columns) as one file."""
        from .report import export_dialog, window_request

        done = export_dialog(self, self.ws.store, window_request(self.ws, self.tabs, self.runs_table.model))
        if done is not None:
            self.statusBar().showMessage(f"Report: {plural(done.charts, 'chart')}, {plural(done.runs, 'run')} -> "
                                         f"{done.path}" + (f" (data in {done.data_dir})" if done.data_dir else ""), 15000)

    # ---- importing ----------------------------------------------------------------------
    def _import_files_dialog(self) -> None:
        paths = file_dialogs.open_files(self, "import", "Import files", "Experiment logs (*tfevents* *.csv *.jsonl "
                                        "*.ndjson *.json *.db *.sqlite);;All files (*)")
        if paths:
            self.importer.start(paths)

    def _import_folder_dialog(self) -> None:
        path = file_dialogs.open_folder(self, "import", "Import a folder (searched for TensorBoard, MLflow, "
                                        "Lightning, HF and CSV logs)")
        if path:
            self.importer.start([path])

    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event) -> None:
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
        self.tree.reload()
        done = f"Imported {plural(len(report.imported), 'experiment')} into {project}"
        self.statusBar().showMessage(done + (" (cancelled)" if report.cancelled else ""), 10000)

    # ---- settings and session -----------------------------------------------------------
    def _restore_settings(self) -> None:
        s = self.settings
        geom, state = s.get(prefs.WINDOW_GEOMETRY), s.get(prefs.WINDOW_STATE)
        if geom:
            self.restoreGeometry(geom)
        if state:
            self.restoreState(state)
            self._dock_widths = None  # the docks as they were left
        self.set_chart_height(s.get(prefs.CHART_HEIGHT))
        self.label_params_action.setChecked(s.get(prefs.LABEL_BY_PARAMS))
        self.link_x_action.setChecked(s.get(prefs.LINK_X))

    def restore_session(self) -> None:
        """The selection and tab the project had when a window on this store last closed."""
        if not self.ws.project:
            return
        sel = self.settings.get(prefs.SELECTION, self.ws.project)
        if sel:
            self.ws.select_experiments(sel)
        tab = self.settings.get(prefs.TAB, self.ws.project)
        if tab:
            self.tabs.show_tab(tab)

    def save_settings(self) -> None:
        """The machine's layout, and this store's last project with its tab, and the selection of
        every project this window showed."""
        s = self.settings
        s.set(prefs.WINDOW_GEOMETRY, self.saveGeometry())
        s.set(prefs.WINDOW_STATE, self.saveState())
        s.set(prefs.LAST_PROJECT, self.ws.project or "")
        for project, selected in self.ws.selections().items():  # each project visited, filtered-out runs too
            s.set(prefs.SELECTION, selected, project)
        if self.ws.project:
            s.set(prefs.TAB, self.tabs.current_name(), self.ws.project)
        s.sync()

    def closeEvent(self, event) -> None:
        if not self.ws.finish_writes(CLOSE_WAIT_S):
            unwritten = self.ws.session.unwritten()
            if not self._leave_unwritten:
                self._leave_unwritten = True
                self.statusBar().showMessage(
                    f"{plural(len(unwritten), 'edit')} not written yet: another process holds the store's write "
                    "lock; close again to leave them to finish after the window has gone", 0)
                event.ignore()
                return
            log.warning("the window closed with %d edits not written yet (%s): they are written before the "
                        "process ends", len(unwritten), "; ".join(unwritten))
        self.exception_hooks.uninstall()
        self.follow_control.following.stop()
        self.live.stop()
        self.tree.shutdown()
        self.runs_table.model.shutdown()
        self.importer.cancel()
        self.importer.wait(10000)
        gc.unfreeze()  # what open_window froze may be collected again
        self.save_settings()
        self.ws.shutdown()
        super().closeEvent(event)

    # ---- live runs and status -----------------------------------------------------------
    def _poll_store(self) -> None:
        try:
            self.ws.poll()
        except ChartDeskError as exc:
            self.statusBar().showMessage(str(exc), 8000)

    def _on_internal_error(self, text: str, why: str) -> None:
        self.statusBar().showMessage(text, 30000)
        self.statusBar().setToolTip(why)

    def _show_followed_runs(self, project: str, runs) -> None:
        """A followed folder's first runs came: turn to their project; choose them if nothing is."""
        if project != self.ws.project:
            self.ws.set_project(project)
        if not self.ws.selection():
            self.ws.select_experiments(runs)

    def _on_live_status(self, text: str, why: str) -> None:
        self.live_label.setText(text)
        self.live_label.setToolTip(why)
        self.live_label.setVisible(bool(text))

    def _on_runs_appeared(self, names) -> None:
        self._new_runs = [n for n in dict.fromkeys(self._new_runs + list(names))]
        self.tree.mark_new_runs(names)
        self.new_runs_button.setText(f"New: {', '.join(self._new_runs[:2])}"
                                     + (f" +{len(self._new_runs) - 2}" if len(self._new_runs) > 2 else "")
                                     + " — add to comparison")
        self.new_runs_button.setToolTip("\n".join(self._new_runs))
        self.new_runs_button.setVisible(True)
        self.statusBar().showMessage(f"{plural(len(names), 'new run')} in {self.ws.project}: {', '.join(names)}", 15000)

    def _compare_new_runs(self) -> None:
        self.ws.select_experiments(self.ws.selection() + self._new_runs)
        self.tree.mark_new_runs(self._new_runs, False)
        self._new_runs = []
        self.new_runs_button.setVisible(False)

    def _on_selection_change(self, selection) -> None:
        self.tree.mark_new_runs(selection, False)
        self._say_selection()

    def _say_selection(self) -> None:
        shown, selected = self.ws.counts()
        groups = self.ws.groups()
        if groups is not None:
            how = f" in {plural(len(groups), 'group')} by {self.ws.group_by} (each drawn as its mean and band)"
        else:
            how = " (compare mode: each experiment has its colour)" if shown > 1 else ""
        active = self.ws.run_filter().text.strip()
        if shown == selected:  # the filter (if any) hides none of them, but it is still what decides
            self.selection_label.setText(f"{self.ws.project}: {plural(selected, 'experiment')} selected" + how
                                         + (f" · filter: {active}" if active else ""))
        else:  # what the filter hides is not drawn: say so
            self.selection_label.setText(f"{self.ws.project}: {shown} of {plural(selected, 'selected experiment')} "
                                         f"shown{how} · filter: {self.ws.run_filter().text}")

    def _update_title(self, *_) -> None:
        parts = [self.ws.project, self.ws.store.describe(), "ChartDesk"]  # no project yet: the store, the app
        self.setWindowTitle(" — ".join(p for p in parts if p))

    # ---- for --screenshot and tests -----------------------------------------------------
    @property
    def grids(self):
        return self.tabs.grids

    def settled(self) -> bool:
        return self.tabs.settled() and self.tree.settled()
