"""Runs > Scatter of runs… and Runs > Parallel coordinates… (issue 20): the runs the run filter
shows, one number each, drawn with pyqtgraph from ``chartdesk.app.sweepview`` (where the table
of dimensions, scaling, brushing, correlation and group means are computed, without Qt).

- **Scatter of runs**: x and y chosen among the dimensions (run fields, params, summary columns
  such as ``accuracy:max``; a typed ``REF:REDUCER`` is computed), one point per run in its own
  colour (``chartdesk.colors``, as its curves), the selected runs ringed; Log x / Log y; Trend
  line with Pearson's r and Spearman's rho; while runs are grouped (Group by), the groups the
  charts draw (``Session.groups``: of the selected runs the filter shows, one rule for both),
  their runs' points in the group's colour (the other runs faint grey) and each group's mean with
  standard-error bars. Hover names the run and its values; a click selects it (Ctrl+click
  adds or removes it), through the session, so the tree, the runs table and the charts follow.
- **Parallel coordinates**: one vertical axis per chosen dimension (ticked and reordered in the
  list; right-click an entry to flip its axis), categories as ticks, a *missing* band under each
  axis for runs without a value; each run one polyline, coloured by its run colour or by a chosen
  dimension (with its colour bar). Drag along an axis to brush a range (drag a brush to move it,
  click the axis to remove it): the brushes are clauses of the run filter
  (``lr >= 0.001 and lr <= 0.1``), set when the drag ends, so the runs table, the charts and this
  view show the same runs; a brush typed in the runs table's box appears on its axis. While a
  brush is dragged, the runs outside it turn grey at once (computed here by the same rule).

Both export PNG, SVG (``export.save_picture``) and CSV (the dimensions shown, one row per run).
Their configuration (dimensions, axes, colour, brushes) is saved per project
(``prefs.SCATTER_VIEW``, ``prefs.PARALLEL_VIEW``). The rows are read and the table of dimensions
built off the GUI thread, on the window's one pool (a worker process for large projects).
"""
from __future__ import annotations

import functools
import logging
import math
import time

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from .. import colors, query
from ..app import preferences as prefs
from ..app import sweepview as sv
from ..app.linking import pick
from ..errors import ChartDeskError
from ..importance import warm_up
from . import file_dialogs
from .export import save_picture
from .jobs import Jobs
from .plot_items import keep_scene_active, set_log_mode
from .settings import Settings
from .theme import plot_colors, theme_switch
from .widgets import plural, set_invalid

log = logging.getLogger(__name__)

RUN_COLOUR = "run colour"
GREY = "#9a9a9a"
#: Where a run without a value sits on a parallel axis (the axis itself spans 0..1).
MISSING_Y = -0.16
MISSING_BAND = (-0.22, -0.10)
#: How near (in axis spacings) a press must be to an axis to brush it.
AXIS_GRAB = 0.16
#: How near (pixels) the pointer must be to a point or line to name its run.
HOVER_PX = 8
COLOUR_BINS = 24


@functools.lru_cache(maxsize=1)
def _colour_map():
    """Read from its file once (10-20 ms a time)."""
    return pg.colormap.get("viridis")


def _new_colour_bar() -> pg.ColorBarItem:
    """A parallel view's colour bar (tens of ms to make: made once per view); its label and levels
    are set where it is shown."""
    return pg.ColorBarItem(values=(0.0, 1.0), colorMap=_colour_map(), interactive=False, width=14, label="",
                           colorMapMenu=False)


# ---- reading ---------------------------------------------------------------------------------
class SweepLoader(QObject):
    """The shown project's table of dimensions, read and built off the GUI thread (on the window's
    one pool: ``chartdesk.gui.jobs``) and kept up to date."""

    sig_table = Signal(object)
    """A new ``SweepTable`` (or None with ``error`` set)."""

    #: Projects of at least this many runs wait for the worker processes to start (their rows
    #: and table would otherwise compete with the GUI thread for the GIL).
    PROCESS_FROM = 100
    START_TIMEOUT_S = 30.0

    def __init__(self, workspace, parent=None, columns=lambda: []) -> None:
        super().__init__(parent)
        self.ws = workspace
        self._columns = columns
        self.table: sv.SweepTable | None = None
        self.error = ""
        self.loading = False
        self.read_s = 0.0
        self._t0 = 0.0
        self._jobs = Jobs(workspace.pool, self)
        self._soon = QTimer(self)
        self._soon.setSingleShot(True)
        self._soon.setInterval(250)
        self._soon.timeout.connect(self.reload)
        self._live = QTimer(self)  # a live run: its summaries move with every write, read again now and then
        self._live.setSingleShot(True)
        self._live.setInterval(2000)
        self._live.timeout.connect(self.reload)
        ws = workspace
        shown = parent.isVisible if parent is not None else (lambda: True)
        for sig in (ws.sig_catalog_changed, ws.sig_experiments_updated, ws.sig_aliases_changed,
                    ws.sig_resolution_changed):
            sig.connect(lambda *_a: shown() and self._soon.start())
        ws.sig_points_appended.connect(lambda *_a: shown() and not self._live.isActive() and self._live.start())

    def columns(self) -> list[str]:
        """The summary columns to compute: what the view offers and shows, and what the filter reads."""
        cols = list(dict.fromkeys(self._columns()))
        return [*cols, *self.ws.run_filter().needs(cols)]

    def missing(self) -> bool:
        """Some column the view or the filter needs is not in the table (read again)."""
        return self.table is None or any(c not in self.table.dimensions for c in self.columns())

    def reload(self) -> None:
        project, columns = self.ws.project, self.columns()
        if not project:
            self._jobs.cancel()
            self._done(None, "")
            return
        self.loading = True
        self._t0 = time.perf_counter()
        large = len(self.ws.experiment_names()) >= self.PROCESS_FROM
        self._jobs.start(self._done, "reading the runs", sv.read_table, project, columns,
                         wait_s=self.START_TIMEOUT_S if large else 0.0)

    def stop(self) -> None:
        """The view closed: the table under way is dropped, nothing is read again until it opens."""
        self._jobs.cancel()
        self._soon.stop()
        self._live.stop()
        self.loading = False

    def _done(self, table, error: str) -> None:
        self.loading = False
        self.table, self.error, self.read_s = table, error, time.perf_counter() - self._t0
        self.sig_table.emit(table)


def offered_columns(ws, runs_columns) -> list[str]:
    """The summary columns the dimension boxes offer (``sweepview.offered_columns``; the aliases
    as the session holds them: no read of the store)."""
    return sv.offered_columns(runs_columns(), ws.aliases() if ws.project else ())


def run_colour(ws, run: str) -> str:
    return colors.style(ws.experiment_index(run)).color


#: ``colors.style`` (a pure function of the key) made once per key: a thousand runs' styles
#: were 15-30 ms of a draw.
_style = functools.lru_cache(maxsize=None)(colors.style)


def run_styles(ws, runs) -> list[colors.Style]:
    """Each run's own style (``chartdesk.colors``: its key is its place in the project)."""
    key = {n: i for i, n in enumerate(ws.experiment_names())}
    return [_style(key.get(r, -1)) for r in runs]


_BRUSHES: dict[tuple[str, int], object] = {}


def _brush(colour: str, alpha: int = 255):
    b = _BRUSHES.get((colour, alpha))
    if b is None:
        b = _BRUSHES[(colour, alpha)] = pg.mkBrush(faint_colour(colour, alpha))
    return b


_PENS: dict[tuple[str, int, float], QPen] = {}


def _pen(colour: str, alpha: int, width: float) -> QPen:
    """One pen per look: pyqtgraph's symbol atlas keys a point's look by its pen and brush
    objects, so a new pen per draw rendered every symbol again (and grew the atlas)."""
    pen = _PENS.get((colour, alpha, width))
    if pen is None:
        pen = _PENS[(colour, alpha, width)] = pg.mkPen(faint_colour(colour, alpha), width=width)
    return pen


def marked_runs(selected: set[str], drawn) -> set[str]:
    """The drawn runs to mark as selected (ringed, drawn thick on top): none when every drawn
    run is selected, where a mark on each would only hide their colours (all lines black)."""
    marked = selected & set(drawn)
    return set() if len(marked) == len(set(drawn)) else marked


def _save_dialog(parent, title: str, name: str) -> str:
    path, _ = file_dialogs.save_file(parent, "export", title, name, "PNG (*.png);;SVG (*.svg);;CSV (*.csv)")
    return path


def _hover_fill(bg) -> QBrush:
    """The hover label's ground: a shade off the plot's background, darker on a light one."""
    c = QColor(bg)
    return pg.mkBrush(c.darker(105) if c.lightness() > 128 else c.lighter(140))


class _ViewMixin:
    #: The configuration is written this long after its last change: one write of the settings
    #: file per gesture, not one per brush or box (a write took 10-40 ms of the GUI thread).
    SAVE_MS = 800
    _save_timer: QTimer | None = None

    def _follow_theme(self) -> None:
        """Take the plot colours of the application's theme whenever it changes (View > Theme),
        as the charts do; the configuration, brushes and selection stay."""
        theme_switch().sig_theme_changed.connect(self._on_theme)

    def _on_theme(self, _theme: str) -> None:
        bg, fg = plot_colors()
        self.plot_widget.setBackground(bg)
        self.hover_text.setColor(fg)
        self.hover_text.fill = _hover_fill(bg)
        self._recolour(fg)
        self.redraw()

    def save(self) -> None:
        """Keep the view's configuration for its project (written a moment later)."""
        if not self.project:
            return
        if self._save_timer is None:
            self._save_timer = QTimer(self)
            self._save_timer.setSingleShot(True)
            self._save_timer.setInterval(self.SAVE_MS)
            self._save_timer.timeout.connect(self._write_configuration)
        self._save_timer.start()

    def save_now(self) -> None:
        """Write a configuration still waiting to be written (before another project, or closing)."""
        if self._save_timer is not None and self._save_timer.isActive():
            self._save_timer.stop()
            self._write_configuration()

    def _write_configuration(self) -> None:
        if self.project:
            key, conf = self.configuration()
            Settings(self.ws.store).set(key, sv.encode(conf), self.project)

    def hideEvent(self, event) -> None:
        """Closed: the configuration is written, the table under way dropped, and the store not
        followed until it opens (a minimised window's views, hidden by the system, keep theirs)."""
        if not event.spontaneous():
            self.save_now()
            self.loader.stop()
        super().hideEvent(event)


    def _export_menu(self) -> QPushButton:
        button = QPushButton("Export…", self)
        menu = QMenu(button)
        for what in ("PNG", "SVG", "CSV"):
            menu.addAction(f"{what}…", lambda w=what: self.export_dialog(w))
        button.setMenu(menu)
        return button

    def export_dialog(self, what: str = "PNG") -> str:
        base = f"{self.ws.project or 'runs'}-{self.FILE_NAME}.{what.lower()}"
        path = _save_dialog(self, f"Export {self.windowTitle()}", base)
        if not path:
            return ""
        try:
            self.export(path)
        except (ChartDeskError, OSError) as exc:
            self.summary.setText(str(exc))
            return ""
        return path

    def export(self, path: str) -> None:
        """PNG, SVG (by the name's ending) or CSV."""
        if path.lower().endswith(".csv"):
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(self.to_csv())
        elif path.lower().endswith(".svg"):
            save_picture(self.figure_widget, path, title=self.windowTitle())
        else:
            save_picture(self.figure_widget, path, background=QColor(plot_colors()[0]))

    def _figure(self, plot_widget) -> QWidget:
        """The plot inside a plain widget: what PNG and SVG exports draw (a QGraphicsView renders
        itself otherwise)."""
        box = QWidget(self)
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(plot_widget)
        self.figure_widget = box
        return box


def _dimension_box(parent, tip: str) -> QComboBox:
    box = QComboBox(parent)
    box.setEditable(True)
    box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    box.setMinimumWidth(180)
    box.setMaxVisibleItems(24)
    box.setToolTip(tip)
    return box


def _tooltip(table: sv.SweepTable, i: int, keys) -> str:
    lines = [table.runs[i]]
    for k in dict.fromkeys(keys):
        if k in table.dimensions:
            lines.append(f"{k}: {sv.value_text(table[k].values[i])}")
    return "\n".join(lines)


# ---- the scatter -----------------------------------------------------------------------------
class _Marks(pg.ScatterPlotItem):
    """Points that leave clicks to the view box (which picks the nearest run within a few pixels)."""

    def mouseClickEvent(self, ev) -> None:
        ev.ignore()


class _ScatterBox(pg.ViewBox):
    def __init__(self, view) -> None:
        super().__init__()
        self._view = view

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.LeftButton:
            run = self._view.run_at(self.mapSceneToView(ev.scenePos()))
            if run is not None:
                ev.accept()
                self._view.click_run(run, bool(ev.modifiers() & Qt.KeyboardModifier.ControlModifier))
                return
        super().mouseClickEvent(ev)


class ScatterView(_ViewMixin, QDialog):
    """One point per shown run at (x, y) of two dimensions."""

    FILE_NAME = "scatter"
    sig_drawn = Signal()

    def __init__(self, workspace, runs_columns=lambda: [], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ScatterView")
        self.setWindowTitle("Scatter of runs")
        self.ws = workspace
        self._runs_columns = runs_columns
        self.loader = SweepLoader(workspace, self, self._wanted_columns)
        self.loader.sig_table.connect(lambda _t: self._on_table())
        self.project = ""
        self.draw_s = 0.0
        self.hovered: str | None = None
        self.fitted: sv.Fit | None = None
        self.groups: list[sv.GroupPoint] = []
        self.runs: list[str] = []      # the runs drawn, in table order
        self._xy = np.empty((0, 2))
        self._points_key = None        # what the points were last set to
        self._axes: dict[str, tuple] = {}  # side -> (ticks, label) last set
        self._style_of: tuple = ((), {})  # (the project's runs, run -> style)
        self.x_box = _dimension_box(self, "x: a run field, a param or a summary column (REF:REDUCER, e.g. accuracy:max)")
        self.y_box = _dimension_box(self, "y: a run field, a param or a summary column (REF:REDUCER, e.g. accuracy:max)")
        self.log_x = QCheckBox("Log x", self)
        self.log_y = QCheckBox("Log y", self)
        self.trend = QCheckBox("Trend line", self)
        self.trend.setToolTip("The least-squares line over the runs with both values (on log axes, of log10 of the "
                              "values), with Pearson's r and Spearman's rho")
        for box in (self.x_box, self.y_box):
            box.activated.connect(lambda _i: self._on_choice())
            box.lineEdit().returnPressed.connect(self._on_choice)
        for check in (self.log_x, self.log_y, self.trend):
            check.toggled.connect(lambda _on: self._on_choice())
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bg, fg = plot_colors()
        self.plot_widget = pg.PlotWidget(self, viewBox=_ScatterBox(self), background=bg)
        keep_scene_active(self.plot_widget)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTextPen(fg)
            self.plot.getAxis(side).setPen(fg)
        self.points = _Marks(size=9, pxMode=True)
        self.rings = _Marks(size=15, pxMode=True, brush=None)
        self.trend_line = pg.PlotCurveItem(pen=pg.mkPen(fg, width=1.5, style=Qt.PenStyle.DashLine))
        self.bars = pg.ErrorBarItem(beam=0.0)
        self.means = _Marks(size=14, pxMode=True, symbol="d")
        self.hover_mark = _Marks(size=17, pxMode=True, brush=None, pen=pg.mkPen(fg, width=2))
        self.hover_text = pg.TextItem(color=fg, fill=_hover_fill(bg), anchor=(0, 1))
        self.hover_text.setZValue(100)
        self.hover_text.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hover_text.textItem.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        for item in (self.trend_line, self.points, self.rings, self.bars, self.means, self.hover_mark, self.hover_text):
            item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # a click is the view box's: the nearest run
            self.plot.addItem(item, ignoreBounds=item in (self.hover_mark, self.hover_text))
        for side in ("left", "bottom"):
            self.plot.getAxis(side).enableAutoSIPrefix(False)
        self.hover_text.setVisible(False)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        self._follow_theme()
        self.export_button = self._export_menu()
        top = QHBoxLayout()
        top.addWidget(QLabel("x:", self))
        top.addWidget(self.x_box, 1)
        top.addWidget(self.log_x)
        top.addSpacing(12)
        top.addWidget(QLabel("y:", self))
        top.addWidget(self.y_box, 1)
        top.addWidget(self.log_y)
        top.addSpacing(12)
        top.addWidget(self.trend)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self._figure(self.plot_widget), 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.export_button)
        lay.addLayout(bottom)
        self.resize(820, 600)
        ws = workspace
        ws.sig_filter_changed.connect(lambda *_a: self._on_filter())
        ws.sig_selection_changed.connect(lambda *_a: self.redraw())
        ws.sig_grouping_changed.connect(self.redraw)

    # ---- configuration ------------------------------------------------------------------
    def _wanted_columns(self) -> list[str]:
        return [*offered_columns(self.ws, self._runs_columns), *sv.columns_of([self.x_key(), self.y_key()])]

    def x_key(self) -> str:
        return self.x_box.currentText().strip()

    def y_key(self) -> str:
        return self.y_box.currentText().strip()

    def choose(self, x: str | None = None, y: str | None = None) -> None:
        """Choose dimensions as a person does in the boxes."""
        for box, key in ((self.x_box, x), (self.y_box, y)):
            if key is None:
                continue
            i = box.findText(key)
            if i >= 0:
                box.setCurrentIndex(i)
                box.activated.emit(i)
            else:
                box.setEditText(key)
                box.lineEdit().returnPressed.emit()

    def start(self) -> None:
        """Show the shown project (its saved configuration the first time)."""
        if self.ws.project != self.project:
            self.save_now()
            self.project = self.ws.project or ""
            conf = sv.decode(Settings(self.ws.store).get(prefs.SCATTER_VIEW, self.project) if self.project else [])
            self._wanted = (conf.get("x", ""), conf.get("y", ""))
            for box in (self.x_box, self.y_box):
                box.blockSignals(True)
                box.clear()
                box.blockSignals(False)
            for check, name in ((self.log_x, "log_x"), (self.log_y, "log_y"), (self.trend, "trend")):
                check.blockSignals(True)
                check.setChecked(conf.get(name) == "1")
                check.blockSignals(False)
            self.setWindowTitle(f"Scatter of runs — {self.project}")
        self.loader.reload()

    def _fill_boxes(self, x: str = "", y: str = "") -> None:
        table = self.loader.table
        keys = table.names() if table is not None else []
        keys = list(dict.fromkeys([*keys, *offered_columns(self.ws, self._runs_columns)]))
        x, y = x or self.x_key(), y or self.y_key()
        if table is None:
            return
        numeric = [k for k in keys if k in table.dimensions and table[k].numeric and table[k].source == "param"
                   and table[k].varying]
        columns = [k for k in keys if ":" in k]
        x = x or (numeric[0] if numeric else keys[0] if keys else "")
        y = y or (columns[0] if columns else keys[1] if len(keys) > 1 else x)
        for box, key in ((self.x_box, x), (self.y_box, y)):
            box.blockSignals(True)
            box.clear()
            box.addItems(keys)
            box.setCurrentText(key)
            box.blockSignals(False)

    def configuration(self) -> tuple:
        """(the settings key, what it keeps for the project)."""
        return prefs.SCATTER_VIEW, {"x": self.x_key(), "y": self.y_key(), "log_x": self.log_x.isChecked(),
                                    "log_y": self.log_y.isChecked(), "trend": self.trend.isChecked()}

    def _on_choice(self) -> None:
        self.save()
        if self.loader.missing() or self.x_key() not in self.loader.table.dimensions \
                or self.y_key() not in self.loader.table.dimensions:
            self.loader.reload()
        else:
            self.redraw()

    def _on_filter(self) -> None:
        if self.isVisible() and self.loader.missing():
            self.loader.reload()
        else:
            self.redraw()

    def _on_table(self) -> None:
        wanted, self._wanted = getattr(self, "_wanted", ("", "")), ("", "")
        self._fill_boxes(*wanted)
        self.redraw()

    def ready(self) -> bool:
        return not self.loader.loading and self.loader.table is not None and not self.loader.missing()

    # ---- drawing ------------------------------------------------------------------------
    def shown_runs(self) -> list[str]:
        """The runs the run filter shows (every run while it filters nothing), in project order."""
        table = self.loader.table
        if table is None:
            return []
        shown = self.ws.run_filter().shown
        return [r for r in table.runs if shown is None or r in shown]

    def coordinates(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(x, y) of every run of the table, as drawn (log10 on a log axis; NaN: not drawn)."""
        table = self.loader.table
        if table is None or self.x_key() not in table.dimensions or self.y_key() not in table.dimensions:
            return None
        return (table[self.x_key()].coordinates(self.log_x.isChecked()),
                table[self.y_key()].coordinates(self.log_y.isChecked()))

    def _recolour(self, fg) -> None:
        for side in ("left", "bottom"):
            self.plot.getAxis(side).setTextPen(fg)
            self.plot.getAxis(side).setPen(fg)
        self.trend_line.setPen(pg.mkPen(fg, width=1.5, style=Qt.PenStyle.DashLine))
        self.hover_mark.setPen(pg.mkPen(fg, width=2))

    def redraw(self) -> None:
        t0 = time.perf_counter()
        table = self.loader.table
        for item in (self.rings, self.means, self.hover_mark):
            item.setData([], [])
        self.trend_line.setData([], [])
        self.bars.setData(x=np.empty(0), y=np.empty(0), width=None, height=None)  # ErrorBarItem keeps a field not given
        self.bars.setVisible(False)  # (an empty one still counts in the view's range)
        self.hover_text.setVisible(False)
        self.fitted, self.groups, self.runs = None, [], []
        if table is None:
            self._set_points(None)
            self.summary.setText(self.loader.error or "Reading the runs…")
            return
        xy = self.coordinates()
        if xy is None:
            self._set_points(None)
            missing = [k for k in (self.x_key(), self.y_key()) if k not in table.dimensions]
            self.summary.setText(self.loader.error or f"No dimension {', '.join(missing)} in {self.project}")
            return
        dx, dy = table[self.x_key()], table[self.y_key()]
        at = {r: i for i, r in enumerate(table.runs)}
        shown = self.shown_runs()
        idx = np.array([at[r] for r in shown], dtype=np.int64)
        x, y = xy[0][idx], xy[1][idx]
        ok = sv.both(x, y)
        drawn = [r for r, k in zip(shown, ok) if k]
        left_out = [r for r, k in zip(shown, ok) if not k]
        self.runs = drawn
        self._xy = np.column_stack([x[ok], y[ok]]) if len(drawn) else np.empty((0, 2))
        self._idx = idx[ok]
        # the points are log10 of the values already: the axes only label them so (the view moved first)
        set_log_mode(self.plot, self.log_x.isChecked() and dx.numeric, self.log_y.isChecked() and dy.numeric)
        for side, dim, logged in (("bottom", dx, self.log_x.isChecked()), ("left", dy, self.log_y.isChecked())):
            ticks = None if dim.numeric else [dim.ticks()]
            label = dim.key + (" (log)" if logged and dim.numeric else "")
            if self._axes.get(side) != (ticks, label):  # set again, the axis would draw itself anew
                axis = self.plot.getAxis(side)
                axis.setTicks(ticks)
                axis.setLabel(label)
                self._axes[side] = (ticks, label)
        groups = self.ws.groups()  # the charts' groups (of the selected runs shown): one rule
        selected = set(self.ws.selection())
        styles = self._styles(drawn)
        if groups is not None:
            group_of = {r: gi for gi, g in enumerate(groups) for r in g.runs}
            brushes = [_brush(colors.group_style(group_of[r]).color, 110) if r in group_of else _brush(GREY, 60)
                       for r in drawn]
        else:
            brushes = [_brush(st.color) for st in styles]
        symbols = [st.marker or "o" for st in styles] if groups is None else "o"
        if not isinstance(symbols, str) and len(set(symbols)) <= 1:
            symbols = symbols[0] if symbols else "o"
        self._set_points((drawn, brushes, symbols))
        marked = marked_runs(selected, drawn)
        ring = [i for i, r in enumerate(drawn) if r in marked]
        self.rings.setData(x=self._xy[ring, 0], y=self._xy[ring, 1], pen=_pen(plot_colors()[1], 255, 2.0))
        parts = [f"{plural(len(drawn), 'run')}"]
        if groups is not None:
            self.groups = sv.group_points(groups, table.runs, xy[0], xy[1])
            gx = np.array([g.x if g.x is not None else np.nan for g in self.groups])
            gy = np.array([g.y if g.y is not None else np.nan for g in self.groups])
            ex = np.array([g.x_sem or 0.0 for g in self.groups])
            ey = np.array([g.y_sem or 0.0 for g in self.groups])
            fine = np.isfinite(gx) & np.isfinite(gy)
            self.means.setData(x=gx[fine], y=gy[fine], data=[g.label for g, f in zip(self.groups, fine) if f],
                               brush=[_brush(colors.group_style(i).color) for i in np.flatnonzero(fine)],
                               pen=_pen(plot_colors()[1], 255, 1.0))
            self.bars.setData(x=gx[fine], y=gy[fine], width=2 * ex[fine], height=2 * ey[fine],
                              pen=_pen(plot_colors()[1], 255, 1.2))
            self.bars.setVisible(bool(fine.any()))
            parts.append(f"{plural(len(groups), 'group')} of the selected runs: mean ± standard error")
        if self.trend.isChecked() and dx.numeric and dy.numeric:
            self.fitted = sv.fit(x, y)
            f = self.fitted
            if f.slope is not None:
                xs = np.array([np.nanmin(x[ok]), np.nanmax(x[ok])])
                self.trend_line.setData(xs, f.intercept + f.slope * xs)
                parts.append(f"r = {f.pearson:.3f}" if f.pearson is not None else "r: none")
                parts.append(f"Spearman ρ = {f.spearman:.3f}" if f.spearman is not None else "ρ: none")
                parts.append(f"n = {f.n}")
            else:
                parts.append(f"no trend line: {f.n} runs with both values")
        elif self.trend.isChecked():
            parts.append("no trend line over a category")
        if left_out:
            why = f"{plural(len(left_out), 'run')} without both values (or not > 0 on a log axis): " + \
                ", ".join(left_out[:6]) + (" …" if len(left_out) > 6 else "")
            parts.append(why)
        self.summary.setText(" · ".join(parts))
        self.plot.enableAutoRange()
        self.draw_s = time.perf_counter() - t0
        self.sig_drawn.emit()

    def forget(self) -> None:
        """Draw again from the table at the next ``redraw``: nothing kept from the last one."""
        self._points_key = None
        self._axes = {}

    def _styles(self, runs: list[str]) -> list[colors.Style]:
        """Each run's own style, kept while the project's runs are the same."""
        names = tuple(self.ws.experiment_names())
        if self._style_of[0] != names:
            self._style_of = (names, dict(zip(names, run_styles(self.ws, names))))
        of = self._style_of[1]
        return [of.get(r) or _style(-1) for r in runs]

    def _set_points(self, what) -> None:
        """The points of ``(runs, brushes, symbols)`` at ``self._xy`` (None: none); set only when
        they changed (a selection changes the rings only)."""
        key = None if what is None else (tuple(what[0]), self._xy.tobytes(), tuple(map(id, what[1])),
                                         what[2] if isinstance(what[2], str) else tuple(what[2]))
        if key == self._points_key:
            return
        self._points_key = key
        if what is None:
            self.points.setData([], [])
            return
        runs, brushes, symbols = what
        self.points.setData(x=self._xy[:, 0], y=self._xy[:, 1], brush=brushes, symbol=symbols,
                            pen=_pen(plot_colors()[1], 255, 0.5), data=runs)

    # ---- pointing ---------------------------------------------------------------------------
    def run_at(self, pos) -> str | None:
        """The drawn run nearest ``pos`` (view coordinates) within a few pixels, or None."""
        if not len(self.runs):
            return None
        vb = self.plot.getViewBox()
        px = vb.viewPixelSize()
        d = np.hypot((self._xy[:, 0] - pos.x()) / px[0], (self._xy[:, 1] - pos.y()) / px[1])
        i = int(np.argmin(d))
        return self.runs[i] if d[i] <= HOVER_PX else None

    def point_of(self, run: str):
        """Where a run's point is (view coordinates), for tests and hover."""
        i = self.runs.index(run)
        return pg.Point(float(self._xy[i, 0]), float(self._xy[i, 1]))

    def _on_mouse(self, scene_pos) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hover(None)
            return
        self.hover(self.run_at(vb.mapSceneToView(scene_pos)))

    def hover(self, run: str | None) -> None:
        self.hovered = run
        table = self.loader.table
        if run is None or table is None or run not in self.runs:
            self.hover_mark.setData([], [])
            self.hover_text.setVisible(False)
            return
        p = self.point_of(run)
        self.hover_mark.setData([p.x()], [p.y()])
        keys = [self.x_key(), self.y_key(), *(k for k in ("state",) if k in table.dimensions)]
        self.hover_text.setText(_tooltip(table, table.runs.index(run), keys))
        self.hover_text.setPos(p)
        self.hover_text.setVisible(True)

    def click_run(self, run: str, add: bool = False) -> None:
        """Select the run (Ctrl: add it to the selection, or take it out): the charts' click rule."""
        self.ws.select_experiments(pick(self.ws.selected(), [run], add))

    def to_csv(self) -> str:
        table = self.loader.table
        if table is None:
            return ""
        xy = self.coordinates()
        keys = list(dict.fromkeys([self.x_key(), self.y_key()]))
        extra = {"drawn": ["1" if r in set(self.runs) else "0" for r in table.runs]}
        if xy is not None:
            extra["x_plotted"] = [repr(float(v)) if np.isfinite(v) else "" for v in xy[0]]
            extra["y_plotted"] = [repr(float(v)) if np.isfinite(v) else "" for v in xy[1]]
        text = table.to_csv(keys, self.shown_runs(), extra)
        if self.groups:
            lines = ["", "group,runs,n,x_mean,y_mean,x_sem,y_sem"]
            for g in self.groups:
                cells = [g.x, g.y, g.x_sem, g.y_sem]
                lines.append(",".join([f'"{g.label}"', f'"{" ".join(g.runs)}"', str(g.n),
                                       *("" if c is None else repr(c) for c in cells)]))
            text += "\n".join(lines) + "\n"
        return text


def faint_colour(hex_colour: str, alpha: int) -> QColor:
    c = QColor(hex_colour)
    c.setAlpha(alpha)
    return c


# ---- parallel coordinates --------------------------------------------------------------------
def polyline_path(unit: np.ndarray):
    """One path of every row of ``unit`` (runs x axes) as a polyline through x = 0, 1, 2, ...:
    its last point is not joined to the next row's first."""
    n, m = unit.shape
    x = np.tile(np.arange(m, dtype=np.float64), n)
    connect = np.ones(n * m, dtype=bool)
    connect[m - 1::m] = False
    return pg.arrayToQPath(x, np.ascontiguousarray(unit, dtype=np.float64).ravel(), connect)


class _Polylines(pg.GraphicsObject):
    """Every run's line in one item: a path per colour, painted grey ones first (one item and a
    path per colour where a curve item per colour set data, measured its bounds and built its path
    again at each brush frame)."""

    def __init__(self) -> None:
        super().__init__()
        self._paths: list[tuple[QPen, object]] = []
        self._rect = QRectF()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_paths(self, paths, rect: QRectF) -> None:
        """``paths``: (pen, QPainterPath) in painting order; ``rect``: where they all lie."""
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self._paths = list(paths)
        self.update()

    def boundingRect(self) -> QRectF:  # Qt's name
        return self._rect

    def paint(self, p, *_args) -> None:  # Qt's name
        for pen, path in self._paths:
            p.setPen(pen)
            p.drawPath(path)


class _Labels(pg.GraphicsObject):
    """Text at points of the view, right-aligned just left of each point and centred on it, in
    one item (a text item per tick made most of a full draw: 70 of them at 10 axes)."""

    def __init__(self) -> None:
        super().__init__()
        self._labels: list[tuple[float, float, str, QColor]] = []
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_labels(self, labels) -> None:
        """(x, y, text, colour) each."""
        self._labels = list(labels)
        self.prepareGeometryChange()
        self.update()

    def labels(self) -> list[tuple[float, float, str]]:
        return [(x, y, t) for x, y, t, _c in self._labels]

    def boundingRect(self) -> QRectF:  # Qt's name: the view (the text is in pixels, left of its point)
        vb = self.getViewBox()
        return vb.viewRect() if vb is not None and self._labels else QRectF()

    def viewRangeChanged(self) -> None:  # pyqtgraph's name
        self.prepareGeometryChange()

    def paint(self, p, *_args) -> None:  # Qt's name
        to_device = p.transform()
        p.save()
        p.resetTransform()
        fm = p.fontMetrics()
        dy = (fm.ascent() - fm.descent()) / 2
        for x, y, text, colour in self._labels:
            at = to_device.map(QPointF(x, y))
            p.setPen(colour)
            p.drawText(QPointF(at.x() - fm.horizontalAdvance(text) - 6, at.y() + dy), text)
        p.restore()


class _AxisHeaders(pg.AxisItem):
    """The axes' names under the plot: drag a name sideways to move its axis there (a line shows
    where it goes), double-click it to flip the axis, right-click it for the axis' menu."""

    def __init__(self, view) -> None:
        super().__init__(orientation="bottom")
        self._view = view
        self._moving: int | None = None

    def _x(self, scene_pos) -> float:
        return self._view.box.mapSceneToView(scene_pos).x()

    def mouseDragEvent(self, ev) -> None:  # pyqtgraph's name
        view = self._view
        if ev.button() != Qt.MouseButton.LeftButton or view.box.sceneBoundingRect().contains(ev.buttonDownScenePos()):
            ev.ignore()
            return
        if ev.isStart():
            self._moving = view.axis_under(self._x(ev.buttonDownScenePos()))
        if self._moving is None:
            ev.ignore()
            return
        ev.accept()
        to = view.axis_slot(self._x(ev.scenePos()))
        if ev.isFinish():
            i, self._moving = self._moving, None
            view.show_drop(None)
            view.move_axis(i, to)
        else:
            view.show_drop(to)

    def mouseClickEvent(self, ev) -> None:  # pyqtgraph's name
        view = self._view
        i = view.axis_under(self._x(ev.scenePos()))
        if i is None:
            ev.ignore()
            return
        ev.accept()
        if ev.button() == Qt.MouseButton.LeftButton and ev.double():
            view.flip(view.axis_keys()[i])
        elif ev.button() == Qt.MouseButton.RightButton:
            view.axis_menu(i).popup(ev.screenPos().toPoint())


class _ParallelBox(pg.ViewBox):
    """Drags along an axis brush it; a click on an axis removes its brush, on a line selects it."""

    def __init__(self, view) -> None:
        super().__init__(enableMenu=False)
        self._view = view
        self.setMouseEnabled(False, False)
        self._drag = None  # (axis, mode, start unit y, brush span at the start)

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        view = self._view
        start = self.mapSceneToView(ev.buttonDownScenePos())
        now = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            i = view.axis_near(start.x())
            if i is None:
                ev.ignore()
                return
            span = view.brush_unit_span(i)
            mode = "move" if span is not None and span[0] <= start.y() <= span[1] else "new"
            self._drag = (i, mode, start.y(), span)
        if self._drag is None:
            ev.ignore()
            return
        ev.accept()
        i, mode, y0, span = self._drag
        if mode == "move":
            dy = now.y() - y0
            view.drag_brush(i, span[0] + dy, span[1] + dy, finished=ev.isFinish())
        else:
            view.drag_brush(i, y0, now.y(), finished=ev.isFinish())
        if ev.isFinish():
            self._drag = None

    def mouseClickEvent(self, ev) -> None:
        if ev.button() == Qt.MouseButton.RightButton:  # on an axis: its menu
            i = self._view.axis_near(self.mapSceneToView(ev.scenePos()).x())
            if i is None:
                ev.ignore()
                return
            ev.accept()
            self._view.axis_menu(i).popup(ev.screenPos().toPoint())
            return
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        pos = self.mapSceneToView(ev.scenePos())
        i = self._view.axis_near(pos.x())
        run = self._view.run_at(pos)
        if run is not None:
            self._view.click_run(run, bool(ev.modifiers() & Qt.KeyboardModifier.ControlModifier))
        elif i is not None:
            self._view.clear_brush(i)


class ParallelView(_ViewMixin, QDialog):
    """One axis per chosen dimension, one polyline per run the filter's other clauses pass."""

    FILE_NAME = "parallel"
    sig_drawn = Signal()
    #: At most this many axes are chosen at first.
    FIRST_AXES = 8

    def __init__(self, workspace, runs_columns=lambda: [], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ParallelView")
        self.setWindowTitle("Parallel coordinates")
        self.ws = workspace
        self._runs_columns = runs_columns
        self.loader = SweepLoader(workspace, self, self._wanted_columns)
        self.loader.sig_table.connect(lambda _t: self._on_table())
        self.project = ""
        self.keys: list[str] = []          # the axes, left to right
        self.flipped: set[str] = set()
        self.base = ""                     # the filter without the brushes
        self.brushes: dict[str, sv.Brush] = {}
        self.inside: frozenset[str] = frozenset()   # runs inside every brush (as drawn now)
        self.runs: list[str] = []          # the runs drawn (passing the filter's other clauses)
        self.hovered: str | None = None
        self.draw_s = 0.0
        self._unit = np.empty((0, 0))
        #: Each axis drawn, over the drawn runs (``sweepview.axis``): its range, ticks and brushes.
        self.axes: dict[str, sv.Axis] = {}
        self._dragging = False
        self._restored = False
        bg, fg = plot_colors()
        self._fg = fg
        self.dims_list = QListWidget(self)
        self.dims_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.dims_list.setToolTip("Tick the axes to show; drag to reorder them; right-click to flip an axis")
        self.dims_list.itemChanged.connect(lambda _i: self._on_axes())
        self.dims_list.model().rowsMoved.connect(lambda *_a: self._on_axes())
        self.dims_list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.dims_list.customContextMenuRequested.connect(self._on_list_menu)
        self.add_edit = QLineEdit(self)
        self.add_edit.setPlaceholderText("Add an axis: accuracy:max, channel:loss:min")
        self.add_edit.setToolTip("A summary column in the runs table's syntax (REF:REDUCER); Enter adds it as an axis")
        self.add_edit.returnPressed.connect(self.add_axis)
        self.colour_box = _dimension_box(self, "Colour each run's line by its run colour or by a dimension")
        self.colour_box.setEditable(False)
        self.colour_box.activated.connect(lambda _i: self._on_colour())
        self.clear_button = QPushButton("Clear brushes", self)
        self.clear_button.setToolTip("Remove every brush (their clauses leave the run filter)")
        self.clear_button.clicked.connect(lambda _c=False: self.clear_brushes())
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot_widget = pg.GraphicsLayoutWidget(self)
        keep_scene_active(self.plot_widget)
        self.plot_widget.setBackground(bg)
        self.box = _ParallelBox(self)
        self.headers = _AxisHeaders(self)
        self.plot = self.plot_widget.addPlot(viewBox=self.box, axisItems={"bottom": self.headers})
        self.plot.hideAxis("left")
        self.plot.hideButtons()
        bottom = self.plot.getAxis("bottom")
        bottom.setTextPen(fg)
        bottom.setPen(pg.mkPen(fg, width=0))
        self.colour_bar = None
        self._spare_bar = None
        self._warming = False  # the colour bar is being made ahead
        self.lines = _Polylines()
        self.lines.setZValue(2)
        self.plot.addItem(self.lines, ignoreBounds=True)
        self.tick_labels = _Labels()
        self.tick_labels.setZValue(6)
        self.plot.addItem(self.tick_labels, ignoreBounds=True)
        self._axis_items: list = []
        self._brush_rects: list = []
        self._unit_key = self._colour_key = None
        self._codes = np.empty(0, dtype=np.int64)  # each drawn run's colour, an index of _palette
        self._palette: list[str] = []
        self._path_cache: dict = {}  # colour (or "outside") -> (its runs' rows, their path)
        self._runs_key = None
        self._idx = np.empty(0, dtype=np.int64)
        self._run_array = np.empty(0, dtype=object)
        self._missing: dict[str, int] = {}
        self._range = None
        self._axes_key = None
        self._bar_key = ""
        self.highlight = pg.PlotCurveItem(pen=pg.mkPen(fg, width=3))
        self.highlight.setZValue(50)
        self.hover_text = pg.TextItem(color=fg, fill=_hover_fill(bg), anchor=(0, 1))
        self.hover_text.setZValue(100)
        self.hover_text.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.hover_text.textItem.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.drop_line = pg.InfiniteLine(angle=90, pen=pg.mkPen(fg, width=2, style=Qt.PenStyle.DashLine))
        self.drop_line.setZValue(60)
        self.drop_line.setVisible(False)
        self.plot.addItem(self.drop_line, ignoreBounds=True)
        self.plot.addItem(self.highlight)
        self.plot.addItem(self.hover_text)
        self.hover_text.setVisible(False)
        self.plot.scene().sigMouseMoved.connect(self._on_mouse)
        self._follow_theme()
        self.export_button = self._export_menu()
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Axes:", left))
        ll.addWidget(self.dims_list, 1)
        ll.addWidget(self.add_edit)
        split = QSplitter(self)
        split.addWidget(left)
        split.addWidget(self._figure(self.plot_widget))
        split.setStretchFactor(1, 1)
        split.setSizes([190, 800])
        top = QHBoxLayout()
        top.addWidget(QLabel("Colour:", self))
        top.addWidget(self.colour_box)
        top.addStretch(1)
        top.addWidget(self.clear_button)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        bottom_row = QHBoxLayout()
        bottom_row.addWidget(self.summary, 1)
        bottom_row.addWidget(self.export_button)
        lay.addLayout(bottom_row)
        self.resize(1000, 600)
        ws = workspace
        ws.sig_filter_changed.connect(lambda *_a: self._on_filter())
        ws.sig_selection_changed.connect(lambda *_a: self._draw_highlight())

    # ---- configuration ----------------------------------------------------------------------
    def _wanted_columns(self) -> list[str]:
        extra = [self.colour_key()] if self.colour_key() != RUN_COLOUR else []
        return [*offered_columns(self.ws, self._runs_columns), *sv.columns_of([*self.keys, *extra])]

    def colour_key(self) -> str:
        return self.colour_box.currentText() or RUN_COLOUR

    def start(self) -> None:
        if self.ws.project != self.project:
            self.save_now()
            self.project = self.ws.project or ""
            conf = sv.decode(Settings(self.ws.store).get(prefs.PARALLEL_VIEW, self.project) if self.project else [],
                             lists=("axis", "flip"))
            self.keys = list(conf.get("axis", []))
            self.flipped = set(conf.get("flip", []))
            self._saved_colour = conf.get("colour", RUN_COLOUR)
            self._saved_brushes = conf.get("brushes", "")
            self._restored = False
            self.setWindowTitle(f"Parallel coordinates — {self.project}")
        self.loader.reload()

    def configuration(self) -> tuple:
        """(the settings key, what it keeps for the project)."""
        return prefs.PARALLEL_VIEW, {"axis": list(self.keys), "flip": sorted(self.flipped), "colour": self.colour_key(),
                                     "brushes": sv.join_filter("", self.brushes.values())}

    def _fill(self) -> None:
        table = self.loader.table
        keys = table.names() if table is not None else []
        if not self.keys:  # at first: the params that vary, then the summary columns
            varying = [k for k in keys if table[k].source == "param" and table[k].varying]
            columns = [k for k in keys if table[k].source == "column"]
            self.keys = [*varying[: self.FIRST_AXES - 1], *columns[:2]][: self.FIRST_AXES] or keys[:2]
        lst = self.dims_list
        lst.blockSignals(True)
        lst.clear()
        order = [*(k for k in self.keys if k in keys), *(k for k in keys if k not in self.keys)]
        for k in order:
            item = QListWidgetItem(k + ("  ⇅" if k in self.flipped else ""), lst)
            item.setData(Qt.ItemDataRole.UserRole, k)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsDragEnabled)
            item.setCheckState(Qt.CheckState.Checked if k in self.keys else Qt.CheckState.Unchecked)
            d = table[k]
            item.setToolTip(f"{k}: {d.kind}" + ("" if d.brushable else " (the filter cannot name it: no brush)"))
        lst.blockSignals(False)
        current = getattr(self, "_saved_colour", None) or self.colour_key()
        self._saved_colour = None
        cb = self.colour_box
        cb.blockSignals(True)
        cb.clear()
        cb.addItems([RUN_COLOUR, *keys])
        cb.setCurrentText(current if current in keys else RUN_COLOUR)
        cb.blockSignals(False)

    def _on_axes(self) -> None:
        lst = self.dims_list
        self.keys = [lst.item(i).data(Qt.ItemDataRole.UserRole) for i in range(lst.count())
                     if lst.item(i).checkState() == Qt.CheckState.Checked]
        self.save()
        if self.loader.missing():
            self.loader.reload()
        else:
            self.redraw()

    def add_axis(self, text: str | None = None) -> bool:
        """Add a summary column typed in the box (``REF:REDUCER``) as the last axis."""
        text = (self.add_edit.text() if text is None else text).strip()
        if not text:
            return False
        try:
            query.parse_column(text, self.ws.aliases())
        except ChartDeskError as exc:
            self.summary.setText(f"{text}: {exc}")
            set_invalid(self.add_edit, True)
            return False
        set_invalid(self.add_edit, False)
        self.add_edit.clear()
        if text not in self.keys:
            self.keys.append(text)
        self.save()
        self.loader.reload()  # the list shows it when its values come
        return True

    def set_axes(self, keys: list[str]) -> None:
        """Tick exactly these axes, in this order (as a person does in the list; a summary column
        not offered yet is added as typed in the box)."""
        known = {self.dims_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.dims_list.count())}
        new = [k for k in keys if k not in known]
        if new:
            self.keys = list(keys)
            self.save()
            self.loader.reload()
            return
        lst = self.dims_list
        lst.blockSignals(True)
        items = {lst.item(i).data(Qt.ItemDataRole.UserRole): lst.takeItem(i) for i in reversed(range(lst.count()))}
        for k in [*keys, *(k for k in items if k not in keys)]:
            if k in items:
                items[k].setCheckState(Qt.CheckState.Checked if k in keys else Qt.CheckState.Unchecked)
                lst.addItem(items[k])
        lst.blockSignals(False)
        self._on_axes()

    def flip(self, key: str) -> None:
        self.flipped ^= {key}
        for i in range(self.dims_list.count()):
            item = self.dims_list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                self.dims_list.blockSignals(True)
                item.setText(key + ("  ⇅" if key in self.flipped else ""))
                self.dims_list.blockSignals(False)
        self.save()
        self.redraw()

    def _on_list_menu(self, pos) -> None:
        item = self.dims_list.itemAt(pos)
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        menu.addAction("Flip axis" if key not in self.flipped else "Unflip axis", lambda: self.flip(key))
        menu.exec(self.dims_list.viewport().mapToGlobal(pos))

    # ---- axes on the plot: moved by their names, flipped ----------------------------------------
    def axis_keys(self) -> list[str]:
        """The axes drawn, left to right."""
        return self._shown_keys()

    def axis_under(self, x: float) -> int | None:
        """The axis whose name is under ``x`` (view coordinates): the nearest, within half a spacing."""
        i = int(round(x))
        return i if 0 <= i < len(self._shown_keys()) and abs(x - i) <= 0.5 else None

    def axis_slot(self, x: float) -> int:
        """Where an axis dropped at ``x`` goes: the nearest place, at the ends at most."""
        return min(max(int(round(x)), 0), max(len(self._shown_keys()) - 1, 0))

    def show_drop(self, slot: int | None) -> None:
        """Mark where the axis being moved would go (None: no mark)."""
        self.drop_line.setVisible(slot is not None)
        if slot is not None:
            self.drop_line.setPos(slot)

    def move_axis(self, i: int, to: int) -> None:
        """Move the ``i``-th axis to place ``to`` (the list beside the plot follows)."""
        keys = self._shown_keys()
        if not 0 <= i < len(keys) or i == to:
            return
        key = keys.pop(i)
        keys.insert(min(max(to, 0), len(keys)), key)
        hidden = [k for k in self.keys if k not in keys]  # chosen, not in the table (yet): kept at the end
        self.set_axes([*keys, *hidden])

    def axis_menu(self, i: int) -> QMenu:
        """The menu of the ``i``-th axis: flip it, move it left or right, take it off."""
        keys = self._shown_keys()
        key = keys[i]
        menu = QMenu(self)
        menu.setObjectName("axis_menu")
        menu.addAction("Flip axis" if key not in self.flipped else "Unflip axis", lambda: self.flip(key))
        left = menu.addAction("Move left", lambda: self.move_axis(i, i - 1))
        left.setEnabled(i > 0)
        right = menu.addAction("Move right", lambda: self.move_axis(i, i + 1))
        right.setEnabled(i < len(keys) - 1)
        menu.addAction(f"Remove axis {key}", lambda: self.set_axes([k for k in self.keys if k != key]))
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def choose_colour(self, key: str) -> None:
        i = self.colour_box.findText(key)
        if i >= 0:
            self.colour_box.setCurrentIndex(i)
            self.colour_box.activated.emit(i)

    def _on_colour(self) -> None:
        self.save()
        self.redraw()

    #: After the first table is drawn, the colour map is read and the colour bar made on turns of
    #: their own this long apart (both were 25-45 ms of the turn a number was chosen to colour by,
    #: measured on 1,000 runs).
    WARM_MS = 200

    def _warm_colour_bar(self, step: int = 0) -> None:
        if not shiboken6.isValid(self) or self._spare_bar is not None:
            return
        if step == 0:
            _colour_map()
            QTimer.singleShot(self.WARM_MS, lambda: self._warm_colour_bar(1))
        else:
            self._spare_bar = _new_colour_bar()

    def _on_table(self) -> None:
        if self._spare_bar is None and not self._warming:
            self._warming = True
            QTimer.singleShot(self.WARM_MS, self._warm_colour_bar)
        self._fill()
        self._read_filter()
        if not self._restored:
            self._restored = True
            saved = getattr(self, "_saved_brushes", "")
            if saved and not self.brushes and self.loader.table is not None:
                _b, brushes = sv.split_filter(saved, self.loader.table.dimensions)
                if brushes:
                    self.brushes = {k: b for k, b in brushes.items() if k in self.keys}
                    self.commit()
                    return
        self.redraw()

    def _on_filter(self) -> None:
        if self._dragging:
            return
        if self.isVisible() and self.loader.missing():
            self.loader.reload()
            return
        self._read_filter()
        self.redraw()

    def _read_filter(self) -> None:
        """The brushes are the filter's clauses on the axes: read them back from its text."""
        table = self.loader.table
        f = self.ws.run_filter()
        text = "" if f.error else f.text
        if table is None:
            self.base, self.brushes = text, {}
            return
        dims = {k: table[k] for k in self.keys if k in table.dimensions}
        self.base, self.brushes = sv.split_filter(text, dims)

    def ready(self) -> bool:
        return not self.loader.loading and self.loader.table is not None and not self.loader.missing()

    # ---- brushes ----------------------------------------------------------------------------
    def axis_near(self, x: float) -> int | None:
        i = int(round(x))
        return i if 0 <= i < len(self._shown_keys()) and abs(x - i) <= AXIS_GRAB else None

    def _shown_keys(self) -> list[str]:
        table = self.loader.table
        return [k for k in self.keys if table is not None and k in table.dimensions]

    def brush_unit_span(self, i: int) -> tuple[float, float] | None:
        """Where the brush of the ``i``-th axis is, in the axis's 0..1 (None: no brush)."""
        key = self._shown_keys()[i]
        b = self.brushes.get(key)
        ax = self.axes.get(key)
        if b is None or ax is None:
            return None
        lo, hi = ax.brush_units(b)
        return min(max(lo, -0.05), 1.05), min(max(hi, -0.05), 1.05)  # past an end: drawn to it

    def drag_brush(self, i: int, u0: float, u1: float, finished: bool = True) -> None:
        """Brush the ``i``-th axis from ``u0`` to ``u1`` (0..1 of the axis); the filter is set when
        ``finished`` (while dragging, only this view follows)."""
        keys = self._shown_keys()
        key = keys[i]
        d = self.loader.table[key]
        if not d.brushable:
            self.summary.setText(f"{key} cannot be brushed: the filter grammar cannot name it")
            return
        ax = self.axes.get(key)
        lo, hi = sorted((u0, u1))
        if hi < 0 or ax is None or ax.lo is None:  # only the missing band: a missing value is never inside a brush
            return
        lo, hi = min(max(lo, 0.0), 1.0), min(max(hi, 0.0), 1.0)  # the ends of the axis at most
        self.brushes[key] = ax.brush(lo, hi)
        self._dragging = not finished
        if finished:
            self.commit()
        else:
            self.redraw(live=True)

    def clear_brush(self, i: int) -> None:
        key = self._shown_keys()[i]
        if key in self.brushes:
            del self.brushes[key]
            self.commit()

    def clear_brushes(self) -> None:
        self.brushes = {}
        self.commit()

    def filter_text(self) -> str:
        return sv.join_filter(self.base, self.brushes.values())

    def commit(self) -> None:
        """Make the brushes the run filter's (the runs table's box shows the text)."""
        self._dragging = False
        f = self.ws.run_filter()
        if f.error:  # the person's text is kept as typed: a brush never overwrites it
            self._read_filter()
            self.redraw()
            self.summary.setText(f"The run filter has an error ({f.error}): correct it in the runs table, then brush")
            return
        self.save()
        text = self.filter_text()
        if text != self.ws.run_filter().text:
            self.ws.set_filter(text)  # the table computes the summary columns it reads
        else:
            self.redraw()

    # ---- drawing ----------------------------------------------------------------------------
    def _recolour(self, fg) -> None:
        self._fg = fg
        bottom = self.plot.getAxis("bottom")
        bottom.setTextPen(fg)
        bottom.setPen(pg.mkPen(fg, width=0))
        self.highlight.setPen(pg.mkPen(fg, width=3))
        self.drop_line.setPen(pg.mkPen(fg, width=2, style=Qt.PenStyle.DashLine))
        self._axes_key = None  # the axes and their tick labels made again in the new ink

    def redraw(self, live: bool = False) -> None:
        """Draw the runs the filter's other clauses pass; ``live``: a brush is being dragged (the
        runs inside it are worked out here, by the filter's rule; settled, the filter's are used)."""
        t0 = time.perf_counter()
        self.highlight.setData([], [])
        self.hover_text.setVisible(False)
        table = self.loader.table
        if table is None:
            self.runs = []
            self._nothing(self.loader.error or "Reading the runs…", 0)
            return
        keys = self._shown_keys()
        m = len(keys)
        runs_key = (table, self.base)  # the table itself: an id could be reused
        if self._runs_key != runs_key:  # kept while brushes move: the base of the filter is the same
            base = table.passing(self.base)
            self.runs = [r for r in table.runs if base is None or r in base]
            at = {r: i for i, r in enumerate(table.runs)}
            self._idx = np.array([at[r] for r in self.runs], dtype=np.int64)
            self._run_array = np.array(self.runs, dtype=object)
            self._runs_key = runs_key
        idx = self._idx
        if m == 0 or not len(idx):
            self._nothing("Tick two or more axes" if m == 0 else "No run passes the filter", m)
            return
        unit_key = (runs_key, tuple(keys), tuple(sorted(self.flipped)))
        if self._unit_key != unit_key:  # each axis over the drawn runs (the filtered-out ones are not drawn)
            self.axes = {k: sv.axis(table[k], idx, k in self.flipped) for k in keys}
            unit = np.empty((len(idx), m))
            for c, k in enumerate(keys):
                unit[:, c] = self.axes[k].unit()
            self._unit = np.where(np.isnan(unit), MISSING_Y, unit)
            self._missing = {k: int(np.isnan(table[k].coordinates()[idx]).sum()) for k in keys}
            self._unit_key = unit_key
        unit = self._unit
        if live or not self.brushes:
            mask = table.brushed_mask(self.brushes.values())[idx]
        else:  # settled: what the run filter shows is what is coloured (one truth)
            shown = self.ws.run_filter().shown
            mask = np.ones(len(idx), dtype=bool) if shown is None else \
                np.fromiter((r in shown for r in self.runs), dtype=bool, count=len(self.runs))
        self.inside = frozenset(self._run_array[mask].tolist())
        colour_key = (unit_key, self.colour_key())
        if self._colour_key != colour_key:
            colours = self._colours(table, idx)
            self._palette = list(dict.fromkeys(colours))  # in the order first met: the order they paint in
            at_colour = {c: i for i, c in enumerate(self._palette)}
            self._codes = np.fromiter((at_colour[c] for c in colours), dtype=np.int64, count=len(colours))
            self._colour_key = colour_key
            self._path_cache = {}
        self.lines.set_paths(self._paths(unit, mask), QRectF(-0.5, MISSING_BAND[0] - 0.05, m, 1.0 - MISSING_BAND[0] + 0.1))
        self._draw_axes(table, keys)
        self._draw_highlight()
        if self._range != m:
            self.plot.getViewBox().setRange(xRange=(-0.35, m - 0.65), yRange=(MISSING_BAND[0] - 0.03, 1.08),
                                            padding=0)
            self._range = m
        parts = [f"{len(self.inside)} of {plural(len(self.runs), 'run')} inside the brushes" if self.brushes
                 else plural(len(self.runs), 'run')]
        if self.brushes:
            parts.append("filter: " + self.filter_text())
        if any(self._missing.values()):
            parts.append("missing: " + ", ".join(f"{k} {n}" for k, n in self._missing.items() if n))
        self.summary.setText(" · ".join(parts))
        self.draw_s = time.perf_counter() - t0
        self.sig_drawn.emit()

    def forget(self) -> None:
        """Draw again from the table at the next ``redraw``: nothing kept from the last one."""
        self._runs_key = self._unit_key = self._colour_key = self._axes_key = self._range = None
        self._path_cache = {}

    def _nothing(self, why: str, m: int) -> None:
        """No line to draw, and why."""
        self.lines.set_paths([], QRectF())
        self._clear_axes()
        self._unit = np.empty((len(self.runs), m))
        self.inside = frozenset()
        self.summary.setText(why)

    def _paths(self, unit: np.ndarray, mask: np.ndarray) -> list:
        """(pen, path) of the runs outside the brushes (grey, under) and of those inside, a path per
        colour; a colour's path is made again only when its runs changed (a brush frame moves few)."""
        n = len(mask)
        width = 1.2 if n < 300 else 1.0
        alpha = 230 if n < 300 else 140 if n < 3000 else 70
        groups = [("outside", np.flatnonzero(~mask), _pen(GREY, 70, 1.0))]
        codes = self._codes
        present = np.flatnonzero(np.bincount(codes[mask], minlength=len(self._palette)))  # in palette order
        groups += [(int(c), np.flatnonzero(mask & (codes == c)), _pen(self._palette[c], alpha, width)) for c in present]
        out = []
        for key, rows, pen in groups:
            if not len(rows):
                continue
            hit = self._path_cache.get(key)
            if hit is None or not np.array_equal(hit[0], rows):
                hit = self._path_cache[key] = (rows, polyline_path(unit[rows]))
            out.append((pen, hit[1]))
        return out

    def _colours(self, table, idx) -> list[str]:
        key = self.colour_key()
        if key == RUN_COLOUR or key not in table.dimensions:
            self._colour_bar(None)
            return [st.color for st in run_styles(self.ws, self.runs)]
        d = table[key]
        if not d.numeric:
            self._colour_bar(None)
            c = d.coordinates()[idx]
            return [GREY if np.isnan(v) else colors.PALETTE[int(v) % len(colors.PALETTE)] for v in c]
        ax = sv.axis(d, idx)  # the colours too range over the drawn runs
        u = ax.unit()
        cmap = _colour_map()
        table_colours = [cmap.map(b / (COLOUR_BINS - 1), mode="qcolor").name() for b in range(COLOUR_BINS)]
        span = None if ax.lo is None else (ax.lo, ax.hi)
        self._colour_bar(None if span is None else (key, (10 ** span[0], 10 ** span[1]) if d.kind == sv.LOG else span))
        bins = np.where(np.isnan(u), -1, np.rint(np.nan_to_num(u) * (COLOUR_BINS - 1))).astype(int)
        return [GREY if b < 0 else table_colours[b] for b in bins]

    def _colour_bar(self, what) -> None:
        """The colour bar of a number dimension (``(key, (lo, hi))``), or none."""
        if what is None or (self.colour_bar is not None and self._bar_key != what[0]):
            if self.colour_bar is not None:
                self.plot_widget.removeItem(self.colour_bar)
                self.colour_bar = None
        if what is None:
            return
        key, values = what
        if self.colour_bar is None:
            if self._spare_bar is None:  # made once, then put back (made ahead: _warm_colour_bar)
                self._spare_bar = _new_colour_bar()
            self.colour_bar = self._spare_bar
            self.colour_bar.getAxis("left").setLabel(key)
            self.plot_widget.addItem(self.colour_bar, 0, 1)
            self._bar_key = key
        self.colour_bar.setLevels(values)

    def _clear_axes(self) -> None:
        for item in self._axis_items:
            self.plot.removeItem(item)
        for rect in self._brush_rects:
            rect.setVisible(False)
        self.tick_labels.set_labels([])
        self._axis_items, self._axes_key = [], None

    def _draw_axes(self, table, keys) -> None:
        """The axes, their ticks and missing bands (made again only when they change), and the brushes."""
        spans = [(i, self.brush_unit_span(i)) for i, k in enumerate(keys) if k in self.brushes]
        while len(self._brush_rects) < len(spans):  # made once, moved at each frame
            rect = pg.QtWidgets.QGraphicsRectItem()
            rect.setBrush(pg.mkBrush(faint_colour("#f0a020", 90)))
            rect.setPen(QPen(QColor("#f0a020"), 0))
            rect.setZValue(7)
            self.plot.addItem(rect, ignoreBounds=True)
            self._brush_rects.append(rect)
        for rect, (i, (lo, hi)) in zip(self._brush_rects, spans):
            rect.setRect(QRectF(i - 0.05, lo, 0.1, hi - lo))
            rect.setVisible(True)
        for rect in self._brush_rects[len(spans):]:
            rect.setVisible(False)
        axes_key = self._unit_key  # the table, the drawn runs, the axes and their flips
        if axes_key == self._axes_key:
            return
        for item in self._axis_items:
            self.plot.removeItem(item)
        self._axis_items = []
        self._axes_key = axes_key
        fg = self._fg
        m = len(keys)
        ax = np.repeat(np.arange(m, dtype=np.float64), 2)
        ay = np.tile([0.0, 1.0], m)
        axes = pg.PlotCurveItem(x=ax, y=ay, connect="pairs", pen=pg.mkPen(fg, width=1.5))
        axes.setZValue(5)
        band = pg.PlotCurveItem(x=ax, y=np.tile(list(MISSING_BAND), m), connect="pairs",
                                pen=pg.mkPen(faint_colour(GREY, 120), width=9))
        band.setZValue(0)
        self._keep(axes)
        self._keep(band)
        labels, ink, grey = [], QColor(fg), QColor(GREY)
        for i, k in enumerate(keys):
            labels.extend((float(i), u, _short(label, 16), ink) for u, label in self.axes[k].ticks() if np.isfinite(u))
            labels.append((float(i), MISSING_Y, "missing", grey))
        self.tick_labels.set_labels(labels)
        bottom = self.plot.getAxis("bottom")
        bottom.setTicks([[(i, _short(k + (" ⇅" if k in self.flipped else ""), 22)) for i, k in enumerate(keys)]])

    def _keep(self, item) -> None:
        self.plot.addItem(item)
        self._axis_items.append(item)

    def _draw_highlight(self) -> None:
        """The selected runs (and the one under the pointer) drawn thick on top."""
        if not len(self.runs) or self._unit.size == 0:
            self.highlight.setData([], [])
            return
        picked = marked_runs(set(self.ws.selection()), self.runs) | ({self.hovered} if self.hovered else set())
        rows = [j for j, r in enumerate(self.runs) if r in picked]
        if not rows:
            self.highlight.setData([], [])
            return
        m = self._unit.shape[1]
        x = np.tile(np.arange(m, dtype=np.float64), len(rows))
        connect = np.ones(len(rows) * m, dtype=bool)
        connect[m - 1::m] = False
        self.highlight.setData(x=x, y=self._unit[rows].ravel(), connect=connect)

    # ---- pointing ---------------------------------------------------------------------------
    def line_y(self, run: str, x: float) -> float:
        """Where a run's line is at ``x`` (view coordinates)."""
        j = self.runs.index(run)
        m = self._unit.shape[1]
        i = min(max(int(math.floor(x)), 0), max(m - 2, 0))
        t = x - i if m > 1 else 0.0
        return float(self._unit[j, i] * (1 - t) + self._unit[j, min(i + 1, m - 1)] * t)

    def run_at(self, pos) -> str | None:
        if not len(self.runs) or self._unit.size == 0:
            return None
        m = self._unit.shape[1]
        x = pos.x()
        if x < -0.1 or x > m - 0.9:
            return None
        i = min(max(int(math.floor(x)), 0), max(m - 2, 0))
        t = min(max(x - i, 0.0), 1.0) if m > 1 else 0.0
        ys = self._unit[:, i] * (1 - t) + self._unit[:, min(i + 1, m - 1)] * t
        px = self.plot.getViewBox().viewPixelSize()[1]
        d = np.abs(ys - pos.y()) / px
        inside = np.fromiter((r in self.inside for r in self.runs), dtype=bool, count=len(self.runs))
        d = np.where(inside, d, d + HOVER_PX / 2)  # a coloured line before a grey one
        j = int(np.argmin(d))
        return self.runs[j] if d[j] <= HOVER_PX else None

    def _on_mouse(self, scene_pos) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            self.hover(None)
            return
        pos = vb.mapSceneToView(scene_pos)
        self.hover(self.run_at(pos), pos)

    def hover(self, run: str | None, pos=None) -> None:
        self.hovered = run
        self._draw_highlight()
        table = self.loader.table
        if run is None or table is None:
            self.hover_text.setVisible(False)
            return
        keys = [*self._shown_keys(), *([self.colour_key()] if self.colour_key() != RUN_COLOUR else [])]
        self.hover_text.setText(_tooltip(table, table.runs.index(run), keys))
        if pos is not None:
            m = max(len(self._shown_keys()), 1)
            self.hover_text.setAnchor((1 if pos.x() > (m - 1) / 2 else 0, 0 if pos.y() > 0.5 else 1))
            self.hover_text.setPos(pos)
        self.hover_text.setVisible(True)

    def click_run(self, run: str, add: bool = False) -> None:
        """Select the run (Ctrl: add it to the selection, or take it out): the charts' click rule."""
        self.ws.select_experiments(pick(self.ws.selected(), [run], add))

    def to_csv(self) -> str:
        table = self.loader.table
        if table is None:
            return ""
        keys = self._shown_keys()
        extra = {"inside_brushes": ["1" if r in self.inside else "0" for r in table.runs]}
        return table.to_csv(keys, self.runs, extra)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n // 2 - 1] + "…" + text[-(n - n // 2):]


# ---- the menu's entries ------------------------------------------------------------------------
class SweepViewActions(QObject):
    """Runs > Scatter of runs… and Parallel coordinates…, one window each."""

    def __init__(self, workspace, parent: QWidget, runs_columns=lambda: []) -> None:
        super().__init__(parent)
        self._ws = workspace
        self._parent = parent
        self._columns = runs_columns
        self.scatter_view: ScatterView | None = None
        self.parallel_view: ParallelView | None = None
        self.scatter_action = self._action("&Scatter of runs…", self.scatter, "scatter_of_runs",
                                           "One point per run shown: any two params, run fields or summary columns")
        self.parallel_action = self._action("Para&llel coordinates…", self.parallel, "parallel_coordinates",
                                            "One axis per param or summary column, one line per run; brush an axis "
                                            "to filter the runs")

    def _action(self, text, slot, name, tip):
        from PySide6.QtGui import QAction

        act = QAction(text, self._parent)
        act.setObjectName(name)
        act.setStatusTip(tip)
        act.triggered.connect(lambda _c=False: slot())
        return act

    def actions(self) -> list:
        return [self.scatter_action, self.parallel_action]

    def update(self) -> None:
        for act in self.actions():
            act.setEnabled(bool(self._ws.project))

    def _warm_up(self) -> None:
        """A sweep view has its table: scikit-learn is imported in the worker processes now, so a
        first Parameter importance does not wait for it (importance_bench.py)."""
        self._ws.pool.warm(warm_up)

    def scatter(self) -> ScatterView:
        if self.scatter_view is None:
            self.scatter_view = ScatterView(self._ws, self._columns, self._parent)
            # once its first table is in (the import would slow reading it in the same process)
            self.scatter_view.loader.sig_table.connect(lambda _t: self._warm_up())
            self._ws.sig_project_changed.connect(lambda _p: self.scatter_view.isVisible() and self.scatter_view.start())
        self.scatter_view.start()
        self.scatter_view.show()
        self.scatter_view.raise_()
        return self.scatter_view

    def parallel(self) -> ParallelView:
        if self.parallel_view is None:
            self.parallel_view = ParallelView(self._ws, self._columns, self._parent)
            # once its first table is in (the import would slow reading it in the same process)
            self.parallel_view.loader.sig_table.connect(lambda _t: self._warm_up())
            self._ws.sig_project_changed.connect(lambda _p: self.parallel_view.isVisible()
                                                 and self.parallel_view.start())
        self.parallel_view.start()
        self.parallel_view.show()
        self.parallel_view.raise_()
        return self.parallel_view

