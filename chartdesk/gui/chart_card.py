"""A chart card: one pyqtgraph plot, its title and menu, its legend and its hover read-out.

A ``ChartWidget`` draws the curves ``chartdesk.curves.plan`` gives for the selected experiments
(the one resolver decides which channel an alias means), with points from the background loader.
What it plots is its ``chartdesk.app.chartstate.ChartState`` (no Qt), which hears the session's
events: it redraws when an alias it plots changes, when a run it shows gains channels or points,
or when the selection changes, and a hidden chart only marks itself stale until it is shown.
Under the plot: a legend that lists every curve (``legend.Legend``: click an entry to hide or
show it) and a hover read-out: for each curve drawn at the pointer's x (a run that
ended before or began after it has no value there), its point nearest that x. The chart's
menu (the ⋯ button, or a right click on the plot) holds its options, Reset view and the exports.

The hover line and read-out show only what is under the pointer now: they go when the pointer
leaves the plot, when the chart's menu opens, when a popup or a modal dialog has the pointer and
when the window loses activation; when what is plotted changes (x axis, grouping, a curve hidden,
new data, the view moved) they are worked out again where the pointer is, or stay gone.

``figure()`` (of a card, or of a whole grid) puts charts in the look of an exported picture for as
long as it lasts: no hover marks, no menu button, and the whole legend (every entry, no
scrollbar), the card growing by what the legend gains (``export.save_picture`` draws them so).

When the workspace groups the selected runs (``Workspace.group_by``), each group is drawn as its
mean and band (``group_items``), with the run-count strip under the plot.
"""
from __future__ import annotations

import time
import zlib
from contextlib import ExitStack, contextmanager

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCursor, QImage, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
)

from .. import smoothing
from ..app.cells import number_format
from ..app.chartstate import ChartState, columns_wanted
from ..app.linking import TabLink
from ..curves import BAND_NAMES, PlannedGroup, format_x, format_y, natural_key
from ..errors import ChartDeskError
from ..groups import GroupRequest
from ..model import BANDS, LEGEND_ORDERS, LEGENDS, X_AXES, Chart
from ..scales import Scale
from ..smoothing import KINDS
from ..views import ViewRequest
from . import file_dialogs
from .collector import touched
from .cross_dots import CrossDots
from .group_items import CountStrip, GroupCurve
from .legend import Legend
from .plot_items import (
    DASHES,
    SPARSE_POINTS,
    ChartPlot,
    ChartViewBox,
    Line,
    YAxis,
    log_safe,
    nearest_index,
    pixel_distance,
    plotted,
    set_log_mode,
)
from .readout import HoverTable, Row
from .theme import faint, plot_colors, theme_switch
from .widgets import ElidedLabel

X_LABELS = {"step": "step", "wall": "wall time", "relative": "relative time (s)"}


def step_label(planned, channels_of) -> str:
    """The step axis' label: what x is in every planned channel (``ChannelInfo.x_name``) when
    they all say the same ("epoch" for a Keras log), else "step" (they differ, or one says nothing:
    a channel logged without ``x_name``, an expression). ``channels_of(experiment)``: its ChannelInfos."""
    said: set[str | None] = set()
    known: dict[str, dict[str, str | None]] = {}
    for c in planned:
        for experiment, channel in (c.members if isinstance(c, PlannedGroup) else ((c.experiment, c.channel),)):
            if experiment not in known:
                known[experiment] = {i.name: i.x_name for i in channels_of(experiment)}
            said.add(known[experiment].get(channel))
    return next(iter(said)) if len(said) == 1 and None not in said else X_LABELS["step"]


LEGEND_NAMES = {"below": "Under the plot", "side": "Beside the plot (where the names fit)", "off": "Hidden"}
LEGEND_ORDER_NAMES = {"plotted": "As plotted", "name": "By name", "last": "By last value (highest first)"}
LEGEND_CROSSHAIR_NAME = "By the value under the crosshair, while it is on the chart"
#: The values the Smoothing menu offers for each kind.
SMOOTHING_STEPS = {"ema": (0.3, 0.6, 0.8, 0.9, 0.95, 0.99), "twema": (0.3, 0.6, 0.8, 0.9, 0.95, 0.99),
                   "sma": (5, 10, 20, 50, 100), "cma": (5, 10, 20, 50, 100), "gauss": (2, 5, 10, 25, 50)}
PLOT_MIN_HEIGHT = 110
SPLIT_ABOVE = 4     # a chart of more curves than this is drawn over two turns of the event loop
HOVER_HZ = 30       # the hover follows the pointer at most this many times a second
MARK_SPACING = 110  # pixels between a run's markers along its line (runs past the palette's size)
READOUT_REACH = 4   # pixels: a curve is read out from its first point to its last, give or take this
CLICK_REACH = 6     # pixels: a click this near a line selects its run
EXPORT_SCALES = (1, 2, 4)


class _Curve:
    """One drawn line: its plan (experiment, ref, channel, label, style), its items, its view."""

    def __init__(self, planned) -> None:
        self.planned = planned
        self.experiment, self.ref, self.channel = planned.experiment, planned.ref, planned.channel
        self.x_channel = planned.x_channel
        self.label, self.color, self.dash = planned.label, planned.color, planned.dash
        self.marker = planned.marker  # the run's marker past the palette's size (chartdesk.colors), or None
        self.right = False  # drawn against the right y axis (set by the chart: ``Chart.right_axis``)
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.values = np.empty(0)  # logged values (±inf kept) at x
        self.parts: tuple = ()  # an expression's operands at x: (channel, values)
        self.line: pg.PlotCurveItem | None = None
        self.faint: pg.PlotCurveItem | None = None  # the raw curve behind a smoothed one
        self.dots: pg.ScatterPlotItem | None = None  # markers, for series too sparse to see as lines
        self.marks: pg.ScatterPlotItem | None = None  # the run's marker along a line (``marker``)
        self.visible = True
        self._brush = None

    def pen(self, width: int = 1):
        return pg.mkPen(self.color, width=width, style=DASHES[self.dash % len(DASHES)])

    def brush(self):
        """Its crosshair dot's fill (made once: asked at every crosshair move)."""
        if self._brush is None:
            self._brush = pg.mkBrush(self.color)
        return self._brush

    def items(self) -> tuple:
        return tuple(it for it in (self.line, self.faint, self.dots, self.marks) if it is not None)

    def tooltip(self) -> str:
        return f"{self.label}\nrun: {self.experiment}\nClick to hide or show"

    def detail(self, i: int) -> str:
        """What the read-out adds after the value at point i: an expression's operands there."""
        if not self.parts:
            return ""
        return "  " + ", ".join(f"{name} {format_y(float(v[i]))}" for name, v in self.parts if 0 <= i < len(v))


class ChartWidget(QFrame):
    """A card: title and menu, the plot, the legend, and a hover read-out line."""

    sig_edit_requested = Signal(object)
    """The user asked to edit this chart (``Chart``)."""
    sig_options_requested = Signal(object, object)
    """(old Chart, new Chart): the user changed an option from the chart's menu; the owner
    persists it, and it comes back through ``set_chart``."""
    sig_select_requested = Signal(object, bool)
    """(runs, toggle): the user clicked a curve of these runs (one run, or a group's members);
    toggle: with Ctrl, add them to the selection or take them out (``linking.pick``)."""

    def __init__(self, workspace, chart: Chart, editable: bool = True, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartCard")
        self._ws = workspace
        self.chart = chart
        self.editable = editable
        self.curves: list[_Curve | GroupCurve] = []
        self.grouped = False  # drawing groups of runs (mean and band), not runs
        self.missing: list = []
        self.errors: list[str] = []  # views that could not be read (a damaged store)
        self.drawn = False
        self._stale = True  # needs a refresh when it is next shown
        self._rebuild = True
        #: What it plots, the views it asks for, when a range change needs new ones (no Qt).
        self.state = ChartState(workspace.session, chart, on_dirty=self._on_state_dirty)
        self._inf_items: list[pg.ScatterPlotItem] = []  # ▲ ▼ of ±inf values, on the left axis
        self._inf_right: list[pg.ScatterPlotItem] = []  # and on the right one
        self._restart_items: list[pg.InfiniteLine] = []
        self._restart_key: list = []  # what the restart marks were made for
        self.restarts = 0  # restarts (steps going back) marked in the curves shown
        self.fork_marks: list[tuple[str, str, float]] = []  # (run, parent, step) of each fork step marked
        self._infinite = 0  # ±inf values marked (the note says how many)
        self._items: list = []
        self._hidden: set[tuple[str, str]] = set()  # (experiment, label) the user hid from the legend
        self._hovered: _Curve | None = None
        self._pointer: QPointF | None = None  # over the plot, in its viewport's pixels; None: not over it
        self._hover_at: tuple[float, float | None] | None = None  # the (x, y) the read-out shows
        self._hover_due = 0.0  # monotonic time before which the hover is not worked out again
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.timeout.connect(self._hover_now)
        self.scheduler = None  # set by a ChartGrid: how to ask for a draw on a later turn
        self._link: TabLink | None = None  # the tab's linked x, crosshair and emphasis (``join_link``)
        #: Set by a ChartGrid: how to ask for this chart's following on a later turn (``catch_up``).
        self.follow_scheduler = None
        self.gesture_told = None  # set by a ChartGrid: told when a zoom or pan gesture moved this chart
        self._follow_to: tuple[float, float] | None = None  # the linked range it is yet to show
        self._cross_to: tuple = ()  # (x or None,): the crosshair it is yet to show; (): none pending
        self._cross_x: float | None = None  # where another chart's crosshair is (axis units); None: none
        self._emphasized: set[int] = set()  # id() of the curves drawn wide for a legend entry under the pointer
        self._cross_dots: CrossDots | None = None  # each curve's point under another chart's crosshair
        self._cross_dots_right: CrossDots | None = None  # those of the right axis' curves
        self._legend_at_x = False  # the legend is in the crosshair's order now (``_sort_legend_at``)
        self._step_name = X_LABELS["step"]  # what the step axis counts, as its label says ("epoch")
        bg, fg = plot_colors()
        self._bg, self._fg = bg, fg

        self.title = ElidedLabel(chart.name, self, Qt.TextElideMode.ElideRight)
        self.title.setObjectName("ChartTitle")
        self.options_label = QLabel(self)  # what changes what is drawn: "EMA 0.95" (issue 23 item 7)
        self.options_label.setObjectName("Hint")
        self._show_options()
        # y no longer fits the data once the person zoomed or dragged y (issue 23 item 5): says so
        self.y_fixed_label = QLabel("y fixed · double-click to fit", self)
        self.y_fixed_label.setObjectName("Hint")
        self.y_fixed_label.setToolTip("You zoomed or dragged y (Ctrl+wheel, or the wheel or a drag on a y axis), so "
                                      "y stays where you put it; double-click the plot (or Reset view) to fit it "
                                      "to the data again. A pan keeps y fitting.")
        self.y_fixed_label.setVisible(False)
        self.menu = self._build_menu()
        self.menu.aboutToShow.connect(self._pointer_gone)  # the menu has the pointer (no leave comes, always)
        self.menu_button = QToolButton(self)
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Chart options and export (or right-click the plot)")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self.menu)
        keep = self.menu_button.sizePolicy()
        keep.setRetainSizeWhenHidden(True)  # exports hide it without moving the title
        self.menu_button.setSizePolicy(keep)

        self.plot = ChartPlot(self, background=bg, viewBox=ChartViewBox(),
                              axisItems={"left": YAxis(orientation="left"), "right": YAxis(orientation="right"),
                                         "bottom": YAxis(orientation="bottom")})
        self._right_vb: ChartViewBox | None = None  # the right y axis' view (``_right_box``), made on first use
        self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.getAxis("right").setGrid(False)  # its own ticks; the grid is the left axis'
        for side in ("left", "bottom", "right"):
            self._style_axis(item.getAxis(side))
        self.plot.scene().sigMouseClicked.connect(self._on_plot_click)
        self.plot.sig_pointer.connect(self._on_pointer)
        self.note = ElidedLabel("", self)
        self.note.setObjectName("Hint")
        self.note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(faint(fg, 90), width=1))
        self.vline.setVisible(False)
        self.plot.addItem(self.vline, ignoreBounds=True)
        self.strip: CountStrip | None = None  # made when groups are first drawn (a plot costs ~10 ms)
        self.legend = Legend(self)
        self.legend.sig_toggled.connect(self._on_legend_toggle)
        self.legend.sig_hovered.connect(self._on_legend_hover)
        self.readout = HoverTable(self)  # a floating table beside the pointer (a window of its own)
        self.readout.sig_pointer_over.connect(self._on_pointer_over_table)
        self.plot.still_over = self._under_table
        item.getViewBox().sigRangeChanged.connect(self._hover_soon)  # other values under a resting pointer
        # A wheel or drag of the person's (not a range set by code, nor a follow): the others follow.
        item.getViewBox().sigRangeChangedManually.connect(self._on_gesture)
        item.getViewBox().sigStateChanged.connect(self._show_y_fixed)
        # Zoom, pan and resize ask for new views of the visible range, at most ~30 times a second.
        self._range_proxy = pg.SignalProxy(item.getViewBox().sigXRangeChanged, rateLimit=30, slot=self._on_x_range)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 2)
        head.addWidget(self.options_label)
        head.addWidget(self.y_fixed_label)
        head.addWidget(self.note, 3)
        head.addWidget(self.menu_button)
        self._column = QVBoxLayout()  # the plot and, while grouped, the run-count strip under it
        self._column.setSpacing(0)
        self._column.addWidget(self.plot, 1)
        self._column.addStretch(0)  # what is left when the plot keeps its height (a figure's side legend)
        self._body = QHBoxLayout()  # that column and the legend when it is beside the plot
        self._body.setSpacing(4)
        self._body.addLayout(self._column, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addLayout(self._body, 1)
        lay.addWidget(self.legend)
        self._apply_axes()
        self._place_legend()

        workspace.sig_points_appended.connect(self._on_points_appended)
        theme_switch().sig_theme_changed.connect(self._on_theme)

    # ---- menu ---------------------------------------------------------------------------
    def _build_menu(self) -> QMenu:
        menu = QMenu(self)
        xmenu = menu.addMenu("X axis")
        group = QActionGroup(self)
        self._x_actions = {}
        for mode in X_AXES:
            act = QAction(X_LABELS[mode].capitalize(), self, checkable=True)
            act.setChecked(self.chart.x_axis == mode)
            # symlog x has no meaning on wall time (``Chart``): choosing wall time turns it off
            act.triggered.connect(lambda _c=False, m=mode: self._set_option(x_axis=m, **({"symlog_x": False}
                                                                                      if m == "wall" else {})))
            group.addAction(act)
            xmenu.addAction(act)
            self._x_actions[mode] = act
        self._x_data_action = QAction("A channel or alias…", self, checkable=True)
        self._x_data_action.setChecked(self.chart.x_ref is not None)
        self._x_data_action.setToolTip("x from another series at the same steps (epoch, tokens seen, ...)")
        self._x_data_action.triggered.connect(lambda _c=False: self.choose_x_series())
        group.addAction(self._x_data_action)
        xmenu.addAction(self._x_data_action)
        xmenu.addSeparator()
        self._log_x_action = QAction("Log x", self, checkable=True)
        self._log_x_action.setChecked(self.chart.log_x)
        self._log_x_action.triggered.connect(lambda checked: self._set_option(log_x=bool(checked), symlog_x=False))
        xmenu.addAction(self._log_x_action)
        self._symlog_x_action, self._linthresh_x_action = self._symlog_actions(xmenu, "x")
        self._log_action = QAction("Log y", self, checkable=True)
        self._log_action.setChecked(self.chart.log_y)
        self._log_action.triggered.connect(lambda checked: self._set_option(log_y=bool(checked), symlog_y=False))
        menu.addAction(self._log_action)
        self._symlog_y_action, self._linthresh_y_action = self._symlog_actions(menu, "y")
        self._smooth_actions = self._smoothing_menu(menu)
        self._band_actions = self._choice_menu(menu, "Group band", "band", {b: BAND_NAMES[b] for b in BANDS},
                                               lambda b: self.chart.band == b,
                                               "How a group of runs spreads around its mean (View > Group runs by…)")
        self.reset_action = menu.addAction("Reset view")
        self.reset_action.triggered.connect(self.reset_view)
        self._legend_actions = self._choice_menu(menu, "Legend", "legend", {w: LEGEND_NAMES[w] for w in LEGENDS},
                                                 lambda w: self.chart.legend == w)
        self._legend_order_actions = self._choice_menu(
            menu, "Legend order", "legend_order", {o: LEGEND_ORDER_NAMES[o] for o in LEGEND_ORDERS},
            lambda o: self.chart.legend_order == o, "The order of the legend's entries (saved with the chart)")
        order_menu = menu.actions()[-1].menu()  # that submenu: the last entry added
        order_menu.addSeparator()
        self._legend_crosshair_action = QAction(LEGEND_CROSSHAIR_NAME, self, checkable=True)
        self._legend_crosshair_action.setChecked(self.chart.legend_crosshair)
        self._legend_crosshair_action.setToolTip("While the pointer is over this chart (or over a linked chart of "
                                                 "the tab), the legend lists the curves by their value there, "
                                                 "highest first; the order above again when it leaves")
        self._legend_crosshair_action.triggered.connect(
            lambda checked: self._set_option(legend_crosshair=bool(checked)))
        order_menu.addAction(self._legend_crosshair_action)
        order_menu.setToolTipsVisible(True)
        menu.addSeparator()
        self.edit_action = menu.addAction("Edit chart…")
        self.edit_action.setEnabled(self.editable)
        self.edit_action.triggered.connect(lambda: self.sig_edit_requested.emit(self.chart))
        menu.addSeparator()
        png = menu.addMenu("Export PNG")
        for scale in EXPORT_SCALES:
            png.addAction(f"{scale}x…").triggered.connect(lambda _c=False, k=scale: self._export_dialog("png", k))
        menu.addAction("Export SVG…").triggered.connect(lambda: self._export_dialog("svg"))
        menu.addAction("Export CSV of plotted data…").triggered.connect(lambda: self._export_dialog("csv"))
        return menu

    def _symlog_actions(self, menu: QMenu, axis: str) -> tuple[QAction, QAction]:
        """"Symlog y" (checkable) and "Symlog y linear region…" (asks for ±t) in ``menu``."""
        sym = QAction(f"Symlog {axis}", self, checkable=True)
        sym.setToolTip(f"Symmetric log {axis}: linear within ±t, logarithmic outside, for values that cross zero")
        sym.setChecked(getattr(self.chart, f"symlog_{axis}"))
        sym.triggered.connect(lambda checked: self._set_option(**{f"symlog_{axis}": bool(checked),
                                                                  f"log_{axis}": False}))
        menu.addAction(sym)
        region = QAction(self._linthresh_text(axis), self)
        region.triggered.connect(lambda _c=False: self.choose_linthresh(axis))
        menu.addAction(region)
        return sym, region

    def _linthresh_text(self, axis: str) -> str:
        return f"Symlog {axis} linear region (±{getattr(self.chart, f'linthresh_{axis}'):g})…"

    def choose_linthresh(self, axis: str = "y") -> None:
        """Ask for symlog's linear region ±t of an axis, then set it (and symlog on that axis)."""
        from PySide6.QtWidgets import QInputDialog

        now = getattr(self.chart, f"linthresh_{axis}")
        text, ok = QInputDialog.getText(self, f"Symlog {axis}", f"Linear within ±t around 0 (the {axis} axis is "
                                        "logarithmic outside it); t =", text=f"{now:g}")
        if ok and text.strip():
            try:
                value = float(text.strip())
            except ValueError:
                self._ws.sig_error.emit(f"symlog's linear region must be a number above 0, not {text.strip()!r}")
                return
            try:
                self._set_option(**{f"linthresh_{axis}": value, f"symlog_{axis}": True, f"log_{axis}": False})
            except ChartDeskError as exc:
                self._ws.sig_error.emit(str(exc))

    def choose_x_series(self) -> None:
        """Ask which channel or alias gives x (matched by step), then set it."""
        from PySide6.QtWidgets import QInputDialog

        refs = [f"alias:{a}" for a in sorted(self._ws.aliases())]
        refs += [f"channel:{c}" for c in self._ws.project_channels()]
        current = self.chart.x_axis if self.chart.x_ref is not None else (refs[0] if refs else "")
        text, ok = QInputDialog.getItem(self, "X axis from data", "Channel or alias whose values are x "
                                        "(points matched by step):", refs, refs.index(current) if current in refs
                                        else 0, True)
        if ok and text.strip():
            try:
                self._set_option(x_axis=text.strip())
            except ChartDeskError as exc:
                self._ws.sig_error.emit(str(exc))
        self._x_actions_sync()

    def _x_actions_sync(self) -> None:
        if self.chart.x_ref is None:
            self._x_actions[self.chart.x_axis].setChecked(True)
        else:
            self._x_data_action.setChecked(True)
        self._log_x_action.setChecked(self.chart.log_x)
        for axis in ("x", "y"):
            getattr(self, f"_symlog_{axis}_action").setChecked(getattr(self.chart, f"symlog_{axis}"))
            getattr(self, f"_linthresh_{axis}_action").setText(self._linthresh_text(axis))

    def _on_plot_click(self, event) -> None:
        if not shiboken6.isValid(self):
            return
        if event.button() == Qt.MouseButton.RightButton:
            event.accept()
            self.menu.popup(event.screenPos().toPoint())
        elif event.button() == Qt.MouseButton.LeftButton and event.double():
            event.accept()
            self.reset_view()  # as Reset view: y fits again, and the tab's linked charts too
        elif event.button() == Qt.MouseButton.LeftButton:
            curve = self.curve_at(event.scenePos())
            if curve is not None:
                event.accept()
                toggle = bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
                self.sig_select_requested.emit(_runs_of(curve), toggle)

    def curve_at(self, scene: QPointF):
        """The visible curve whose line passes within CLICK_REACH pixels of this point of the
        scene (the nearest), or None."""
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene) or vb.pixelVectors()[0] is None:
            return None
        best, best_d = None, float(CLICK_REACH)
        for c in self.curves:
            if not c.visible or c.line is None:
                continue
            box = self._box(c.right)
            p = box.mapSceneToView(scene)
            pw, ph = box.viewPixelSize()
            d = pixel_distance(c.line.xData, c.line.yData, p.x(), p.y(), pw, ph)
            if d <= best_d:
                best, best_d = c, d
        return best

    def reset_view(self) -> None:
        """Fit the data again; with the tab's x linked, every chart of this x axis does."""
        self.plot.getPlotItem().enableAutoRange()
        if self._right_vb is not None:
            self._right_vb.enableAutoRange(y=True)
        if self._link is not None:
            self._link.reset(self, self.link_key())

    # ---- the tab's charts together (``chartdesk.app.linking``) ----------------------------
    def join_link(self, link: TabLink) -> None:
        """Be one of the charts of ``link``'s tab; start at its linked range, if it has one."""
        self._link = link
        link.join(self)
        at = link.range_for(self.link_key())
        if at is not None:
            self._show_x(at)

    def leave_link(self) -> None:
        if self._link is not None:
            self._link.leave(self)
            self._link = None

    def link_key(self) -> tuple:
        """Charts link only with charts of the same x: its mode (or the series x is from) and scale."""
        return (self.x_mode(), *self._xs().key())

    def _on_gesture(self, mask) -> None:
        touched()  # a zoom or pan: no full garbage collection in the middle of it
        if self.gesture_told is not None:
            self.gesture_told(self)  # the grid counts this chart's paint in the turn's budget
        if self._link is None or not mask[0] or not shiboken6.isValid(self.plot):
            return
        lo, hi = self.plot.getPlotItem().getViewBox().viewRange()[0]
        self._link.moved(self, self.link_key(), (lo, hi))

    def follow_x(self, x_range: tuple[float, float] | None) -> None:
        """Another chart of the tab was zoomed or panned to ``x_range`` (None: reset): show the
        same. In a grid, on the turn its scheduler gives it (``catch_up``), with the latest
        range only; a reset at once. The new views are asked for as after a zoom of this chart's
        own (rate-limited)."""
        if not shiboken6.isValid(self.plot):
            return
        if x_range is not None and self.follow_scheduler is not None:
            self._follow_to = x_range
            self.follow_scheduler(self)
            return
        self._follow_to = None
        self._show_x(x_range)

    def follows_range(self) -> bool:
        """A linked range waits to be shown by ``catch_up`` (not only a crosshair)."""
        return self._follow_to is not None

    #: How long a ``catch_up`` takes, ms, before its paint (a running mean: fitting y to the new
    #: range, the crosshair's values): the grid counts it in a turn's budget, so charts scrolled
    #: out of view, which paint nothing, are not caught up by the dozen in one turn.
    follow_ms = 1.0

    def catch_up(self) -> None:
        """Show the linked range and the crosshair it was told last (the grid calls it when its
        turn comes)."""
        t0 = time.perf_counter()
        try:
            self._catch_up()
        finally:
            self.follow_ms = 0.7 * self.follow_ms + 0.3 * (time.perf_counter() - t0) * 1000

    def _catch_up(self) -> None:
        at, self._follow_to = self._follow_to, None
        cross, self._cross_to = self._cross_to, ()
        if not shiboken6.isValid(self.plot):
            return
        if at is not None:
            self._show_x(at)
        if cross:
            self._show_cross(cross[0])

    def _show_x(self, x_range: tuple[float, float] | None) -> None:
        item = self.plot.getPlotItem()
        if x_range is None:
            item.enableAutoRange()
            return
        item.getViewBox().setXRange(x_range[0], x_range[1], padding=0)
        if not self.curves and self.state.ranged():  # not drawn yet: its first views are of this range
            self.state.on_visible_range(x_range, self._columns_wanted(self.state.width))

    def follow_hover(self, x: float | None) -> None:
        """The pointer is over another chart of the tab at ``x`` (axis units), or left it
        (None): the line there, and a dot on each curve at its point nearest to it. In a grid,
        on the turn its scheduler gives it (``catch_up``), at the latest x only."""
        if not shiboken6.isValid(self.plot):
            return
        if self.follow_scheduler is not None:
            self._cross_to = (x,)
            self.follow_scheduler(self)
            return
        self._show_cross(x)

    def _show_cross(self, x: float | None) -> None:
        self._cross_x = x  # kept through a redraw: new points under it are read out there again (``_rehover``)
        if self._pointer is not None:
            return  # the pointer is over this chart: its own hover stands
        if x is None or not self.curves or self._rebuild:
            self.vline.setVisible(False)
            for dots in (self._cross_dots, self._cross_dots_right):
                if dots is not None:
                    dots.setData([], [])
            self._sort_legend_at(None)
            return
        self.vline.setPos(x)
        self.vline.setVisible(True)
        found: dict[bool, tuple[list, list, list]] = {False: ([], [], []), True: ([], [], [])}
        values: dict[int, float] = {}  # curve index -> its value there (``legend_crosshair``)
        reach = READOUT_REACH * self._pixel_width()
        for k, c in enumerate(self.curves):
            if not c.visible or c.line is None or c.line.xData is None or not len(c.line.xData):
                continue
            i = c.line.nearest(x, reach)
            if i is None:
                continue
            px, py = c.line.xData, c.line.yData
            values[k] = _value(c, i)
            if np.isfinite(py[i]):
                xs, ys, brushes = found[c.right]
                xs.append(px[i])
                ys.append(py[i])
                brushes.append(c.brush())
        for right, (xs, ys, brushes) in found.items():
            name = "_cross_dots_right" if right else "_cross_dots"
            dots = getattr(self, name)
            if dots is None:
                if right and not xs:
                    continue
                dots = CrossDots(size=7, outline=self._bg)
                setattr(self, name, dots)
                dots.setZValue(20)  # over the lines
                self._box(right).addItem(dots, ignoreBounds=True)
            dots.setData(xs, ys, brush=brushes)
        self._sort_legend_at(values)

    def follow_runs(self, runs: frozenset[str] | None) -> None:
        """Draw the curves of these runs wide (a legend entry of theirs is under the pointer in
        some chart of the tab; a hidden curve stays hidden); None: none."""
        if not shiboken6.isValid(self.plot):
            return
        now = set()
        for c in self.curves:
            if c.line is None:
                continue
            if runs is not None and c.visible and not runs.isdisjoint(_runs_of(c)):
                now.add(id(c))
                c.line.emphasize(c.pen(width=3))
                c.line.setZValue(1)  # over the other runs' lines
            elif id(c) in self._emphasized:
                c.line.setZValue(0)
                if c is not self._hovered:
                    c.line.plain(c.pen())
        self._emphasized = now

    def emphasized(self) -> list:
        """The curves drawn wide for a legend entry under the pointer."""
        return [c for c in self.curves if id(c) in self._emphasized]

    def _on_legend_hover(self, row: int) -> None:
        runs = _runs_of(self.curves[row]) if 0 <= row < len(self.curves) else None
        if self._link is not None:
            self._link.emphasize(runs)
        else:
            self.follow_runs(None if runs is None else frozenset(runs))

    def _tell_hover(self, x: float | None) -> None:
        if self._link is not None:
            self._link.hover(self, self.link_key(), x)

    # ---- legend -------------------------------------------------------------------------
    def _place_legend(self) -> None:
        """Put the legend where the chart says: under the plot, beside it, or nowhere. Beside the
        plot only while the card is wide enough for what tells its names apart (``Legend.fits_beside``);
        under it otherwise, where they are never cut."""
        where = self.chart.legend
        side = where == "side" and self.legend.fits_beside(self.width())
        lay = self.layout()
        if side and self._body.indexOf(self.legend) < 0:
            lay.removeWidget(self.legend)
            self._body.addWidget(self.legend)
        elif not side and lay.indexOf(self.legend) < 0:
            self._body.removeWidget(self.legend)
            lay.addWidget(self.legend)
        self.legend.set_side(side)
        self.legend.setVisible(where != "off" and bool(self.curves))
        self._size_legend()

    def _size_legend(self) -> None:
        if self.legend.side:
            self.legend.setFixedWidth(self.legend.side_width(self.width()))
        else:
            self.legend.setMinimumWidth(0)
            self.legend.setMaximumWidth(16_777_215)
            self.legend.set_room(self.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.chart.legend == "side" and self.legend.side != self.legend.fits_beside(self.width()):
            self._place_legend()
            self._set_notes(self._infinite)
        else:
            self._size_legend()

    def _show_options(self) -> None:
        """The header says how the lines are smoothed (the raw line stays faint behind)."""
        smoothed = self.chart.smoother.label()
        scales = [f"{axis} {scale.label()}" for axis, scale in (("x", self._xs()), ("y", self._ys())) if scale.symlog]
        text = " · ".join([smoothed] * bool(smoothed) + scales)
        tips = [f"Smoothed: {smoothed}; the raw values are the faint line behind"] * bool(smoothed)
        tips += [f"{axis}: symmetric log, linear within ±{scale.linthresh:g}, logarithmic outside"
                 for axis, scale in (("x", self._xs()), ("y", self._ys())) if scale.symlog]
        self.options_label.setText(text)
        self.options_label.setToolTip("\n".join(tips))
        self.options_label.setVisible(bool(text))

    def _smoothing_menu(self, menu) -> dict:
        """Smoothing > Off, or a kind (``chartdesk.smoothing.KINDS``) > its values: one exclusive
        choice, {(kind, value): its checkable action}."""
        sub = menu.addMenu("Smoothing")
        group = QActionGroup(self)
        actions = {}

        def add(into, text: str, kind: str, value: float) -> None:
            act = QAction(text, self, checkable=True)
            act.triggered.connect(lambda _c=False: self._set_option(smoothing_kind=kind, smoothing=value))
            group.addAction(act)
            into.addAction(act)
            actions[(kind, value)] = act

        add(sub, "Off", "ema", 0.0)
        for kind, values in SMOOTHING_STEPS.items():
            kmenu = sub.addMenu(KINDS[kind][0].upper() + KINDS[kind][1:])
            kmenu.setToolTip(smoothing.VALUES[kind])
            unit = {"sma": "{:g} points", "cma": "{:g} points", "gauss": "σ = {:g} points"}.get(kind, "{:g}")
            for v in values:
                add(kmenu, unit.format(v), kind, float(v))
        self._check_smoothing(actions)
        return actions

    def _check_smoothing(self, actions: dict) -> None:
        sm = self.chart.smoother
        key = (sm.kind, float(sm.value)) if sm else ("ema", 0.0)
        for k, act in actions.items():
            act.setChecked(k == key)

    def _choice_menu(self, menu, title: str, option: str, choices: dict, checked, tip: str = "") -> dict:
        """A submenu of exclusive choices for one chart option: {value: its checkable action}."""
        sub = menu.addMenu(title)
        if tip:
            sub.setToolTip(tip)
        group = QActionGroup(self)
        actions = {}
        for value, text in choices.items():
            act = QAction(text, self, checkable=True)
            act.setChecked(checked(value))
            act.triggered.connect(lambda _c=False, v=value: self._set_option(**{option: v}))
            group.addAction(act)
            sub.addAction(act)
            actions[value] = act
        return actions

    def _set_option(self, **changes) -> None:
        try:
            new = self.chart.with_(**changes)
        except ChartDeskError as exc:  # a combination the chart refuses (symlog x on wall time): one line
            self._ws.sig_error.emit(str(exc))
            self._x_actions_sync()
            return
        if new == self.chart:
            return
        if self.editable:
            self.sig_options_requested.emit(self.chart, new)
        else:
            self.set_chart(new)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        self.state.set_chart(chart)  # plans again; the invalidate below redraws
        self.title.set_full_text(chart.name)
        self._x_actions_sync()
        self._log_action.setChecked(chart.log_y)
        self._check_smoothing(self._smooth_actions)
        self._show_options()
        self._band_actions[chart.band].setChecked(True)
        self._legend_actions[chart.legend].setChecked(True)
        self._legend_order_actions[chart.legend_order].setChecked(True)
        self._legend_crosshair_action.setChecked(chart.legend_crosshair)
        self._place_legend()
        self._apply_axes()
        self.plot.getPlotItem().enableAutoRange()  # new options: the whole channel again (_range -> None)
        self.invalidate()

    # ---- colours (the theme's: ``plot_colors``) ---------------------------------------------
    def _on_theme(self, _theme: str = "") -> None:
        """View > Theme changed: every colour of the chart that follows the theme is set again, in
        place: the background, the axes (their lines, ticks, labels and the grid, drawn in the
        axis' pen), the hover line, the outlines of the crosshair dots and the run markers, the
        run-count strip and the legend's text. Nothing is drawn anew: the view range, a fixed y,
        hidden curves, the legend's order and the hover stay as they are. A run's colour is the
        run's (``chartdesk.colors``), the same in every theme."""
        if not shiboken6.isValid(self) or not shiboken6.isValid(self.plot):
            return
        self._bg, self._fg = plot_colors()
        self.plot.setBackground(self._bg)
        item = self.plot.getPlotItem()
        for side in ("left", "bottom", "right"):
            self._colour_axis(item.getAxis(side))
        bottom = item.getAxis("bottom")
        item.setLabel("bottom", bottom.labelText, color=self._fg)
        self.vline.setPen(pg.mkPen(faint(self._fg, 90), width=1))
        for dots in (self._cross_dots, self._cross_dots_right):
            if dots is not None:
                dots.set_outline(self._bg)
        for c in self.curves:
            if getattr(c, "marks", None) is not None:
                c.marks.setPen(pg.mkPen(self._bg, width=1))
        if self.strip is not None:
            self.strip.set_colors(self._bg, self._fg)
        self.legend.restyle()

    def _colour_axis(self, axis: pg.AxisItem) -> None:
        axis.setPen(self._fg)
        axis.setTextPen(self._fg)

    def _style_axis(self, axis: pg.AxisItem) -> pg.AxisItem:
        self._colour_axis(axis)
        # No minor ticks: their grid lines cost 60% of a paint (10 ms -> 4 ms per chart, measured).
        axis.setStyle(maxTickLevel=1)
        # Ticks say the values themselves: no "step (x0.001)" label rescaling them (a chart of one
        # point at step 0 read -400 ... 400 "x0.001"; the tick formats handle small and large values).
        axis.enableAutoSIPrefix(False)
        # Painted from a pixmap until the axis changes: its grid spans the plot, so every paint
        # of a part of the plot (a crosshair's strip) replayed its ticks, labels and grid (0.9 ms
        # an axis). Figures paint it as vectors (export._uncached).
        axis.setCacheMode(axis.CacheMode.DeviceCoordinateCache)
        return axis

    def x_mode(self) -> str:
        """The x axis drawn: the chart's, except that groups are matched by step, so a time axis
        becomes the step while runs are grouped."""
        if self.chart.x_axis in ("wall", "relative") and self._ws.groups() is not None:
            return "step"
        return self.chart.x_axis

    def _apply_axes(self) -> None:
        item = self.plot.getPlotItem()
        mode = self.x_mode()
        if mode == "wall":
            if not isinstance(item.getAxis("bottom"), pg.DateAxisItem):
                item.setAxisItems({"bottom": self._style_axis(pg.DateAxisItem(orientation="bottom"))})
        elif isinstance(item.getAxis("bottom"), pg.DateAxisItem):
            item.setAxisItems({"bottom": self._style_axis(pg.AxisItem(orientation="bottom"))})
        elif not isinstance(item.getAxis("bottom"), YAxis):
            item.setAxisItems({"bottom": self._style_axis(YAxis(orientation="bottom"))})
        if mode == "step":
            label = self._step_name = step_label(self.state.plan().planned, self._ws.channels)
        else:
            label = X_LABELS.get(mode) or self.chart.x_ref.name
        item.setLabel("bottom", label, color=self._fg)
        right = bool(self.chart.right_axis)
        if right:
            self._right_box()
        item.showAxis("right", right)
        others = (self._right_vb,) if self._right_vb is not None else ()
        y_auto = [box.autoRangeEnabled()[1] for box in others]
        set_log_mode(item, x=self._xs(), y=self._ys(), others=others)
        for box, auto in zip(others, y_auto):  # moved into the new units, and still fitting its data
            if auto:
                box.enableAutoRange(y=True)
        if self.strip is not None:
            self.strip.setLogMode(x=self.chart.log_x)
        self._show_y_fixed()

    def _xs(self) -> Scale:
        """The x axis' scale (``chartdesk.scales``; a chart of wall time is never symlog: ``Chart``)."""
        return self.chart.x_scale

    def _ys(self) -> Scale:
        """The y axes' scale (the right axis has the left one's)."""
        return self.chart.y_scale

    def _box(self, right: bool) -> pg.ViewBox:
        """The view a curve is drawn in: the plot's own, or the right axis' (``_right_box``)."""
        return self._right_box() if right else self.plot.getPlotItem().getViewBox()

    def _right_box(self) -> ChartViewBox:
        """The right y axis' view (pyqtgraph's MultiplePlotAxes): over the plot's own, x linked to
        it, y fitting its own curves. It is under the plot's view, so the wheel and drags over the
        plot go to that one (x follows through the link), and those over the right axis to this."""
        if self._right_vb is None:
            item = self.plot.getPlotItem()
            main = item.getViewBox()
            vb = self._right_vb = ChartViewBox()
            vb.setZValue(-10)
            item.scene().addItem(vb)
            item.getAxis("right").linkToView(vb)
            vb.setXLink(main)
            main.sigResized.connect(self._place_right_box)
            vb.sigStateChanged.connect(self._show_y_fixed)
            self._place_right_box()
        return self._right_vb

    def _place_right_box(self, *_args) -> None:
        if self._right_vb is not None and shiboken6.isValid(self._right_vb):
            main = self.plot.getPlotItem().getViewBox()
            self._right_vb.setGeometry(main.sceneBoundingRect())
            self._right_vb.linkedViewChanged(main, self._right_vb.XAxis)

    def y_fixed(self) -> bool:
        """Whether a y axis stays where the person put it (zoomed or dragged y), not fitting the data."""
        boxes = [self.plot.getPlotItem().getViewBox()] + ([self._right_vb] if self.chart.right_axis else [])
        return any(box is not None and box.autoRangeEnabled()[1] is False for box in boxes)

    def _show_y_fixed(self, *_args) -> None:
        if not shiboken6.isValid(self) or not hasattr(self, "y_fixed_label"):
            return
        fixed = self.y_fixed() and bool(self.curves)
        if fixed == self.y_fixed_label.isHidden():  # a change only: a label shown or hidden re-lays out the card
            self.y_fixed_label.setVisible(fixed)

    # ---- following the workspace ---------------------------------------------------------
    def invalidate(self) -> None:
        """What this chart shows may have changed: redraw now if it is on screen, else when shown."""
        if self.isVisible():
            self.refresh()
        else:
            self._stale = True
            self.drawn = False

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    def _on_state_dirty(self) -> None:
        """The state says what the chart plots changed (selection, filter, grouping, labels, an
        alias it plots, a run it shows)."""
        if shiboken6.isValid(self):
            self.invalidate()

    def _on_points_appended(self, keys) -> None:
        if self.state.wants_any(keys):
            if self.isVisible():
                self.fetch()
            else:
                self._stale = True
                self.drawn = False

    # ---- data ---------------------------------------------------------------------------
    def _plan(self):
        """(planned curves or groups, missing (ref, experiment), whether they are groups)."""
        p = self.state.plan()
        return p.planned, p.missing, p.grouped

    def _key(self, drawn) -> ViewRequest | GroupRequest:
        """The loader's key of a drawn curve or group (what it was planned as)."""
        return self.state.request(drawn.planned)

    def wanted(self) -> list[ViewRequest | GroupRequest]:
        """Loader keys of every view this chart needs for the selection, x range and width."""
        return self.state.requests()

    def refresh(self) -> None:
        """The selection, a resolution or an option changed: rebuild the curves when data is there."""
        self._stale = False
        self._rebuild = True
        self.clear_hover()  # the curves drawn may no longer be what the chart shows (x axis, grouping)
        self.fetch()

    def _fetch_if_alive(self) -> None:
        if shiboken6.isValid(self.plot):
            self.fetch()

    def fetch(self) -> None:
        """Ask for the views of the current range and width; lines update in place when they come
        (also what new points of a live run need: no rebuild)."""
        self.drawn = False
        vb = self.plot.getPlotItem().getViewBox()
        self.state.width = self._columns_wanted(self.state.width)
        if vb.autoRangeEnabled()[0]:
            self.state.range = None  # the whole channel; autorange then fits the view to it
        if self._ws.loader.request(self.wanted()):
            if self.scheduler is not None:
                self.scheduler()  # the grid draws one chart per turn of the event loop
            else:
                self.apply()
        elif self._rebuild:
            self.note.set_full_text("loading…")

    #: How long an ``apply`` takes, ms (a running mean, as ``ChartPlot.paint_ms``: the grid gives
    #: a turn to a newly arrived view only when it fits the turn's budget with what else moved).
    apply_ms = 0.0

    def ready_to_draw(self) -> bool:
        """Not drawn, shown, and every view it wants is there (``apply`` draws it)."""
        return not self.drawn and not self._stale and all(self._ws.loader.done(k) for k in self.wanted())

    def apply(self) -> None:
        """Every wanted view is there: draw (new curves) or update the existing lines in place."""
        t0 = time.perf_counter()
        try:
            self._apply()
        finally:
            ms = (time.perf_counter() - t0) * 1000
            self.apply_ms = ms if not self.apply_ms else 0.7 * self.apply_ms + 0.3 * ms

    def _apply(self) -> None:
        planned, _missing, grouped = self._plan()

        def shape(c):
            return (c.label, c.members) if isinstance(c, (GroupCurve, PlannedGroup)) else \
                (c.experiment, c.channel, c.label, c.x_channel)
        with self._ws.loader.drawing():
            if self._rebuild or grouped != self.grouped or [shape(c) for c in self.curves] != [shape(p) for p in planned]:
                self.draw()
                if self.scheduler is not None and len(self.curves) > SPLIT_ABOVE:
                    # The lines are filled on the grid's next turn: making 20 curve items and
                    # filling them in one turn took 25-30 ms. Nothing is painted in between. (A
                    # chart of a few curves is drawn in one turn: a turn more would only delay it.)
                    self.plot.setUpdatesEnabled(False)
                    self.scheduler()
                    return
            self._update_lines()
            self._settle()
        self.plot.setUpdatesEnabled(True)
        self.plot.stop_waiting()
        self.drawn = True
        self._rehover()

    def _settle(self) -> None:
        """Fit the range and size the axes now, so the chart is painted once. pyqtgraph fits the
        range when it paints, and an axis learns how wide its labels are while painting; each
        change asks for another paint: four paints of every newly drawn chart, measured."""
        item = self.plot.getPlotItem()
        for vb in (item.getViewBox(), self._right_vb):
            if vb is None:
                continue
            if vb._autoRangeNeedsUpdate:
                vb.updateAutoRange()
            vb.updateMatrix()
        image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        try:
            for name in ("left", "bottom", "right"):
                axis = item.getAxis(name)
                if not axis.isVisible():
                    continue
                if isinstance(axis, YAxis):
                    axis.specs(painter)  # resizes the axis to its labels; its paint uses them
                elif axis.picture is None:  # a date axis: pyqtgraph's own, painted its own way
                    if axis.style["tickFont"]:
                        painter.setFont(axis.style["tickFont"])
                    axis.generateDrawSpecs(painter)
        finally:
            painter.end()
        item.layout.activate()

    def draw(self) -> None:
        item = self.plot.getPlotItem()
        self.clear_hover()
        for it, box in self._items:
            box.removeItem(it)
        self._items = []
        planned, missing, grouped = self._plan()
        self.missing = list(missing)
        self.grouped = grouped
        self._apply_axes()
        if grouped:
            self.curves = [GroupCurve(g) for g in planned]
            for curve in self.curves:
                curve.visible = (curve.experiment, curve.label) not in self._hidden
                curve.right = self.chart.axis_of(curve.ref) == "right"
                for it in curve.plot_items():
                    self._add(it, curve.right)
                    it.setVisible(curve.visible)
            self._count_strip().attach(self.curves)
        else:
            self.curves = [_Curve(pc) for pc in planned]
            if self.strip is not None:
                self.strip.attach([])
            for curve in self.curves:
                curve.visible = (curve.experiment, curve.label) not in self._hidden
                curve.right = self.chart.axis_of(curve.ref) == "right"
                if self.chart.smoothing:
                    curve.faint = Line(pen=pg.mkPen(faint(curve.color, 55), width=1), connect="finite")
                    self._add(curve.faint, curve.right)
                # PlotCurveItem: a fraction of PlotDataItem's set-up cost, which dominated drawing 240 curves
                curve.line = Line(pen=curve.pen(), connect="finite")
                self._add(curve.line, curve.right)
                for it in curve.items():
                    it.setVisible(curve.visible)
        if self.strip is not None:
            self.strip.setVisible(grouped)
        self.legend.fill(self.curves, self._legend_order())
        self._legend_at_x = False
        self._place_legend()
        # ±inf marks (▲ at the top, ▼ at the bottom of the data), per y axis: in the axis' units
        self._inf_items, self._inf_right = [], []
        for right, marks in ((False, self._inf_items), (True, self._inf_right)):
            if right and not self.chart.right_axis:
                continue
            for sym in ("t1", "t"):
                marks.append(pg.ScatterPlotItem(pen=None, symbol=sym, size=9, brush=pg.mkBrush("#d64541")))
                self._add(marks[-1], right)
        self._rebuild = False
        self._emphasized = set()
        for dots in (self._cross_dots, self._cross_dots_right):
            if dots is not None:
                dots.setData([], [])
        if self._right_vb is not None:
            self._right_vb.enableAutoRange(y=True)
        if self.state.range is None:
            linked = self._link.range_for(self.link_key()) if self._link is not None else None
            if linked is None:
                item.enableAutoRange()
            else:  # the tab's charts of this x are zoomed: so is this one
                item.enableAutoRange(y=True)
                item.getViewBox().setXRange(linked[0], linked[1], padding=0)
        self._show_y_fixed()

    def _count_strip(self) -> CountStrip:
        """The run-count strip under the plot, made on first use."""
        if self.strip is None:
            self.strip = CountStrip(self, self.plot, self._bg, self._fg)
            self.strip.setLogMode(x=self.chart.log_x)
            self._column.insertWidget(self._column.indexOf(self.plot) + 1, self.strip)
        return self.strip

    def _add(self, it, right: bool = False) -> None:
        """Put an item of a curve in the view of its y axis (it goes at the next ``draw``)."""
        box = self._right_box() if right else self.plot.getPlotItem()
        box.addItem(it)
        self._items.append((it, box))

    def _on_legend_toggle(self, row: int, visible: bool) -> None:
        if not 0 <= row < len(self.curves):
            return
        c = self.curves[row]
        c.visible = visible
        key = (c.experiment, c.label)
        if visible:
            self._hidden.discard(key)
        else:
            self._hidden.add(key)
        for it in c.items():
            it.setVisible(visible)
        self.follow_runs(self._link.runs if self._link is not None else None)  # a hidden curve is not widened
        self._rehover()

    def _update_lines(self) -> None:
        """Give each line the points of its current view (a few per pixel column)."""
        infs: dict[bool, tuple[list, list]] = {False: ([], []), True: ([], [])}  # per axis: +inf x, -inf x
        sx, sy = self._xs(), self._ys()
        restarts: list[tuple] = []  # (curve, x) where steps go back; (curve, x, parent) where a fork starts
        forks = {e.name: e.fork for e in self._ws.experiments() if e.fork is not None}
        self.errors = []
        for curve in self.curves:
            key = self._key(curve)
            view = self._ws.loader.get(key)
            if view is None:
                error = self._ws.loader.error(key)
                if error:
                    self.errors.append(error)
                continue
            if isinstance(curve, GroupCurve):
                curve.set_view(view, sx, sy)  # the scales (log_safe and plotted take them)
                continue
            curve.x = view.x
            curve.values = view.values
            curve.parts = view.parts
            curve.y = log_safe(view.y, sy)
            shown = plotted(curve.y, sy)
            px = plotted(log_safe(curve.x, sx), sx)  # the axis' own units
            curve.line.setData(px, shown, connect="finite")
            if len(curve.x) <= SPARSE_POINTS:  # an eval metric logged a few times: dots, or it is invisible
                if curve.dots is None:
                    curve.dots = pg.ScatterPlotItem(size=7 if curve.marker else 6, pen=None, symbol=curve.marker or "o",
                                                    brush=pg.mkBrush(curve.color))
                    curve.dots.setVisible(curve.visible)
                    self._add(curve.dots, curve.right)
                curve.dots.setData(px, shown)
            elif curve.dots is not None:
                curve.dots.setData([], [])
            if curve.marker is not None:
                self._mark(curve, px, shown, len(curve.x) <= SPARSE_POINTS)
            if curve.faint is not None:
                curve.faint.setData(px, plotted(log_safe(view.raw, sy), sy), connect="finite")
            restarts.extend((curve, float(x)) for x in view.restarts[:20])
            fork = forks.get(curve.experiment) if self.x_mode() == "step" else None
            if fork is not None:
                restarts.append((curve, fork[1], fork[0]))
            for side, xs in zip(infs[curve.right], (view.pos_inf, view.neg_inf)):
                if len(xs):
                    side.append(xs)
        # ±inf are marked at the top and bottom of the data, never drawn as huge values
        total = 0
        for right, marks in ((False, self._inf_items), (True, self._inf_right)):
            for it, xs, top in zip(marks, infs[right], (True, False)):
                if xs:
                    xs = np.concatenate(xs)
                    total += len(xs)
                    it.setData(plotted(log_safe(xs, sx), sx), np.full(len(xs), self._data_edge(top, right)))
                elif len(it.data):
                    it.setData([], [])
        if self.grouped and self.strip is not None:
            self.strip.rescale(self.curves)
            self.strip.align()
        self._mark_restarts(restarts)
        self._set_notes(total)
        bottom = self.plot.getPlotItem().getAxis("bottom")
        whole = self.x_mode() == "step" and bool(self.curves) and all(_whole(c.x) for c in self.curves)
        if isinstance(bottom, YAxis) and bottom.whole_steps != whole:  # ticks at whole steps only, or as before
            bottom.whole_steps = whole
            bottom.picture = None
            bottom.update()
        order = self._legend_order()
        if order is not None and not self._legend_at_x and order != self.legend.order():  # by last value: known now
            self.legend.fill(self.curves, order)
            self._place_legend()

    def legend_at_crosshair(self) -> bool:
        """Whether the legend lists the curves by their values under a crosshair now."""
        return self._legend_at_x

    def _sort_legend_at(self, values: dict[int, float] | None) -> None:
        """With ``Chart.legend_crosshair``, while a crosshair is on the chart: the legend lists the
        curves by their value under it (``values``: curve index -> value, of the curves drawn
        there), highest first; those with no value there (not drawn there, hidden, NaN) after
        them, in the chart's own order. ``values`` None: the crosshair went, the chart's own order
        again. The entries move only when the order changes (``Legend.reorder``: no relayout)."""
        if not self.chart.legend_crosshair or len(self.legend.order()) != len(self.curves):
            return
        base = self._legend_order() or list(range(len(self.curves)))
        if values is None:
            self._legend_at_x = False
            self.legend.reorder(base)
            return
        self._legend_at_x = True
        # as the hover table sorts (``_value_order``); stable: ties and the rest keep the chart's order
        self.legend.reorder(sorted(base, key=lambda i: _value_order(values.get(i, np.nan))))

    def _legend_order(self) -> list[int] | None:
        """The curve index of each legend entry for the chart's ``legend_order`` (None: as
        plotted). By last value: each curve's last finite value in view, highest first; a curve
        with none (not read yet, or all NaN) after the others, as plotted."""
        kind, n = self.chart.legend_order, len(self.curves)
        if kind == "name":
            return sorted(range(n), key=lambda i: natural_key(self.curves[i].label))
        if kind == "last":
            def last(c) -> float | None:
                values = c.values if len(c.values) == len(c.x) else c.y
                finite = values[np.isfinite(values)] if len(values) else values
                return float(finite[-1]) if len(finite) else None
            ends = [last(c) for c in self.curves]
            return sorted(range(n), key=lambda i: (ends[i] is None, -(ends[i] or 0.0), i))
        return None

    def _mark(self, curve: _Curve, px, shown, sparse: bool) -> None:
        """The run's marker at a few points spread along its line (every point of a sparse series
        has it already), so that runs past the palette's size are told apart by it."""
        if curve.marks is None:
            curve.marks = pg.ScatterPlotItem(size=8, symbol=curve.marker, pen=pg.mkPen(self._bg, width=1),
                                             brush=pg.mkBrush(curve.color))
            curve.marks.setVisible(curve.visible)
            self._add(curve.marks, curve.right)
        if sparse or px is None or shown is None:
            curve.marks.setData([], [])
            return
        finite = np.flatnonzero(np.isfinite(px) & np.isfinite(shown))
        count = max(3, int(self.plot.width() / MARK_SPACING))
        if len(finite) <= count:
            at = finite
        else:
            phase = (zlib.crc32(curve.experiment.encode()) % 1000) / 1000  # runs of one marker: not all at one x
            at = finite[((np.arange(count) + phase) * len(finite) / count).astype(int)]
        curve.marks.setData(px[at], shown[at])

    def _mark_restarts(self, restarts: list) -> None:
        """A dashed line where a run's steps go back (it was resumed from an earlier checkpoint),
        and a dotted one at the step a forked run starts from its parent (``Experiment.fork``:
        the points up to it are the parent's)."""
        sx = self._xs()
        key = [(id(mark[0]), *mark[1:], sx) for mark in restarts]
        if key == self._restart_key and all(it.scene() is not None for it in self._restart_items):
            return  # the same marks: a pan or a new point does not rebuild them
        self._restart_key = key
        item = self.plot.getPlotItem()
        for it in self._restart_items:
            item.removeItem(it)
        self._restart_items = []
        for curve, x, *parent in restarts:
            pos = float(plotted(np.array([x]), sx)[0]) if sx else x
            if not np.isfinite(pos):  # below 0 on a log axis
                continue
            style = Qt.PenStyle.DotLine if parent else Qt.PenStyle.DashLine
            line = pg.InfiniteLine(pos=pos, angle=90, movable=False, label="⑂" if parent else "↺",
                                   pen=pg.mkPen(faint(curve.color, 160), width=1, style=style),
                                   labelOpts={"position": 0.95, "color": curve.color})
            line.setToolTip(f"{curve.experiment}: forked from {parent[0]} at step {x:g} (the points up to it are "
                            f"{parent[0]}'s)" if parent else f"{curve.experiment}: the steps go back here (the run "
                            "was resumed)")
            item.addItem(line, ignoreBounds=True)
            self._restart_items.append(line)
        self.restarts = sum(1 for mark in restarts if len(mark) == 2)
        self.fork_marks = [(mark[0].experiment, mark[2], mark[1]) for mark in restarts if len(mark) == 3]

    def _data_edge(self, top: bool, right: bool = False) -> float:
        """The top (or bottom) of the drawn data of one y axis, in its units."""
        sy = self._ys()
        edges = []
        for c in self.curves:
            if c.right == right:
                shown = plotted(c.y, sy)
                with np.errstate(invalid="ignore"):
                    shown = shown[np.isfinite(shown)] if shown is not None else ()
                if len(shown):
                    edges.append(float(shown.max() if top else shown.min()))
        if not edges:
            return float(plotted(np.array([1.0]), sy)[0])
        return float(max(edges) if top else min(edges))

    def _set_notes(self, infinite: int) -> None:
        self._infinite = infinite
        notes = self.state.notes(self.errors, len(self.curves), infinite, self.restarts, self.x_mode(),
                                 self.fork_marks)
        if self.chart.legend == "side" and not self.legend.side and self.curves:
            notes.append("legend under the plot: its names do not fit beside it")
        text = " · ".join(notes)
        if text != self.note.full_text():  # a label that changes re-lays out its card: not on every pan
            self.note.set_full_text(text, "\n".join(notes))

    def _columns_wanted(self, current: int) -> int:
        return columns_wanted(current, int(self.plot.getPlotItem().getViewBox().width()), self.plot.isVisible())

    # ---- zoom, pan, resize ---------------------------------------------------------------
    def _on_x_range(self, *_):
        """Throttled (SignalProxy): ask for views of the new x range once it moved enough."""
        if not shiboken6.isValid(self.plot) or not self.curves or not self.state.ranged():
            return
        vb = self.plot.getPlotItem().getViewBox()
        visible = None if vb.autoRangeEnabled()[0] else tuple(float(v) for v in vb.viewRange()[0])
        if self.state.on_visible_range(visible, self._columns_wanted(self.state.width)):
            self.drawn = False  # the lines show the old range until the new views are applied
            # Start the reads after this frame is painted: the workers' Python would otherwise
            # compete with it for the GIL.
            QTimer.singleShot(4, self._fetch_if_alive)

    def hovered(self):
        """The curve the hover highlights now (the one nearest the pointer), or None."""
        return self._hovered

    def restart_marks(self) -> list[float]:
        """The x of each restart line drawn (where a run's steps go back)."""
        return [float(it.value()) for it in self._restart_items]

    def fetched_range(self) -> tuple[float, float] | None:
        """The x range the drawn views were read for (None: the whole channel)."""
        return self.state.range

    # ---- hover --------------------------------------------------------------------------
    def _on_pointer(self, pos: QPointF | None) -> None:
        """The plot says where the pointer is over it; None: it is not over it any more."""
        self._pointer = pos
        if pos is None:
            self._hover_timer.stop()
            self.clear_hover()
            self._tell_hover(None)
        else:
            self._hover_soon()

    def _on_pointer_over_table(self, at: QPoint) -> None:
        """The window system gave the read-out table the pointer: follow it there as over the plot
        (the table then moves away from it), or it left the plot."""
        vp = self.plot.viewport()
        local = vp.mapFromGlobal(at)
        self._on_pointer(QPointF(local) if vp.rect().contains(local) and self.readout.isVisible() else None)

    def _under_table(self) -> bool:
        """The pointer is over the plot, under the read-out table (which the window system let take it)."""
        at = QCursor.pos()
        vp = self.plot.viewport()
        return self.readout.isVisible() and self.readout.frameGeometry().contains(at) \
            and vp.rect().contains(vp.mapFromGlobal(at))

    def _pointer_gone(self) -> None:
        self._on_pointer(None)

    def _hover_soon(self, *_args) -> None:
        """Work the hover out again on a later turn, at most HOVER_HZ times a second."""
        if self._pointer is not None and not self._hover_timer.isActive():
            self._hover_timer.start(max(0, int((self._hover_due - time.monotonic()) * 1000)))

    def _rehover(self) -> None:
        """What is plotted changed (new points of a live run among it): the hover again, now, from
        where the pointer is; with the pointer over another chart of the tab, its crosshair here
        again at the same x (the dots, and the legend sorted by the values there)."""
        self._hover_timer.stop()
        if self._pointer_here() is None and self._cross_x is not None and self._link is not None \
                and self._link.hover_from is not None and self._link.hover_from is not self:
            self._show_cross(self._cross_x)
            return
        self._hover_now()

    def _pointer_here(self) -> QPointF | None:
        """Where the pointer is over the plot, unless a popup or a modal dialog has it."""
        modal = QApplication.activeModalWidget()
        if QApplication.activePopupWidget() is not None or (modal is not None and not modal.isAncestorOf(self)):
            self._pointer = None
        return self._pointer

    def _hover_now(self) -> None:
        self._hover_due = time.monotonic() + 1 / HOVER_HZ
        if not shiboken6.isValid(self.plot):
            return
        pos = self._pointer_here()
        if pos is None or self._rebuild or not self.curves:  # _rebuild: the curves drawn are on their way out
            self.clear_hover()
            self._tell_hover(None)
            return
        scene = self.plot.mapToScene(pos.toPoint())
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene):
            self.clear_hover()
            self._tell_hover(None)
            return
        p = vb.mapSceneToView(scene)
        self._tell_hover(p.x())
        self.show_values_at(float(self._xs().inverse(p.x())), p.y())

    def clear_hover(self) -> None:
        """No hover line, read-out or highlight (until the pointer moves or the plot changes)."""
        self._hover_at = None
        self.vline.setVisible(False)
        self.readout.hide()
        self._highlight(None)
        self._sort_legend_at(None)

    def _highlight(self, curve: _Curve | None) -> None:
        if curve is self._hovered:
            return
        if self._hovered is not None and self._hovered.line is not None:
            self._hovered.line.plain(self._hovered.pen())
        self._hovered = curve
        if curve is not None and curve.line is not None:
            curve.line.emphasize(curve.pen(width=3))

    def show_values_at(self, x: float, y: float | None = None) -> list[tuple[str, float, float]]:
        """For each visible curve drawn at ``x`` (from its first point to its last: a run that
        ended before, or began after, has no value there), its drawn point nearest to ``x``; the
        curve nearest to the cursor's ``y`` (in the left axis' units; a curve of the right axis
        is as near as it is on screen) is highlighted. The read-out table lists them all,
        highest value first; returns them as (label, x, value), nearest to ``y`` first."""
        found = []
        sx, sy = self._xs(), self._ys()
        at_x = self._x_units(x)
        reach = READOUT_REACH * self._pixel_width()
        at_y = self._y_pixel(y, False) if y is not None else None
        values: dict[int, float] = {}  # curve index -> its value there (``legend_crosshair``)
        for k, c in enumerate(self.curves):
            if len(c.x) == 0 or not c.visible:
                continue
            if c.line is not None and c.line.xData is not None and len(c.line.xData) == len(c.x):
                i = c.line.nearest(at_x, reach)  # its x as drawn: in the axis' units
            else:
                i = nearest_index(plotted(log_safe(c.x, sx), sx), at_x, reach)
            if i is None:  # not drawn at x (also when none of it can be drawn: NaN)
                continue
            value = values[k] = _value(c, i)
            drawn = plotted(np.array([c.y[i]]), sy)[0]
            dist = abs(self._y_pixel(drawn, c.right) - at_y) if at_y is not None and np.isfinite(drawn) else np.inf
            found.append((dist, c, float(c.x[i]), value, c.detail(i)))
        if not found:
            self.clear_hover()
            return []
        if y is not None:
            found.sort(key=lambda f: f[0])
        nearest = found[0][1] if y is not None else None
        self._highlight(nearest)
        at = found[0][2] if len(found) == 1 else x
        self.vline.setPos(self._x_units(at))
        self.vline.setVisible(True)
        by_value = sorted(found, key=lambda f: _value_order(f[3]))
        heading, mode = found[0][2], self.x_mode()
        # one precision for the column of values, as the runs table's (0.853540 under 0.888844)
        numbers = number_format(f[3] for f in by_value)
        rows = [Row(c.color, c.label, numbers.text(v) if numbers is not None else format_y(v),
                    _at(more, px, heading, mode, self._step_name), c is nearest, getattr(c, "marker", None))
                for _d, c, px, v, more in by_value]
        self._hover_at = (x, y)
        self.readout.show_rows(format_x(heading, mode, self._step_name), rows, self._anchor(at, y))
        self._sort_legend_at(values)
        return [(c.label, cx, v) for _d, c, cx, v, _more in found]

    def _anchor(self, x: float, y: float | None) -> QPoint:
        """Where the read-out stands beside: the pointer, or (no pointer: a call from code) the
        point (x, y) of the plot."""
        if self._pointer is not None:
            return self.plot.viewport().mapToGlobal(self._pointer.toPoint())
        vb = self.plot.getPlotItem().getViewBox()
        px = self._x_units(x)
        if y is None or not np.isfinite(y):
            y = float(np.mean(vb.viewRange()[1]))
        scene = vb.mapViewToScene(QPointF(px, y))
        return self.plot.viewport().mapToGlobal(self.plot.mapFromScene(scene))

    def _x_units(self, x: float) -> float:
        """A real x in the x axis' units (NaN: it cannot be drawn, as x <= 0 on a log axis)."""
        sx = self._xs()
        return float(plotted(log_safe(np.array([x], dtype=np.float64), sx), sx)[0]) if sx else float(x)

    def _y_pixel(self, y: float, right: bool) -> float:
        """Where a y of an axis' units (the right one's or the left one's) is on screen (scene y)."""
        return float(self._box(right).mapViewToScene(QPointF(0.0, float(y))).y())

    def _pixel_width(self) -> float:
        """One screen pixel along x, in the axis' units (0 before the plot was first shown)."""
        vb = self.plot.getPlotItem().getViewBox()
        if vb.pixelVectors()[0] is None:
            return 0.0
        width = float(vb.viewPixelSize()[0])
        return width if np.isfinite(width) else 0.0

    # ---- pictures -----------------------------------------------------------------------
    @contextmanager
    def _figure_look(self):
        """No hover marks, no menu button (it keeps its place), the whole legend; yields how many
        pixels taller the card must be for it. Back as it was afterwards, the hover too."""
        hover, button = self._hover_at, not self.menu_button.isHidden()
        self.clear_hover()
        self.menu_button.setVisible(False)
        held = False
        try:
            with self.legend.whole() as grow:
                if self.legend.side and grow:  # the legend beside grows down; the plot keeps its height
                    self.plot.setFixedHeight(self.plot.height())
                    held = True
                yield grow
        finally:
            if held:
                self.plot.setMinimumHeight(PLOT_MIN_HEIGHT)
                self.plot.setMaximumHeight(16_777_215)
            self.menu_button.setVisible(button)
            if hover is not None:
                self.show_values_at(*hover)

    @contextmanager
    def figure(self):
        """The card as an exported picture, for as long as the context lasts (see the module's
        docstring): the plot keeps its size, the card grows by the rows the legend gains."""
        size = self.size()
        with ExitStack() as stack:
            stack.callback(self._relayout)  # on the way out: the look first, then the size, then the layout
            stack.callback(self.resize, size)
            grow = stack.enter_context(self._figure_look())
            self.resize(size.width(), size.height() + grow)
            self._relayout()
            yield

    def _relayout(self) -> None:
        """Place the children for the card's present size and contents now, not on a later turn."""
        self.layout().invalidate()
        self.layout().activate()

    # ---- export -------------------------------------------------------------------------
    def _export_dialog(self, kind: str, scale: int = 1) -> None:
        filters = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}
        path, _ = file_dialogs.save_file(self, "export", f"Export {self.chart.name}", f"{self.chart.name}.{kind}",
                                         filters[kind])
        if path:
            from .export import export_chart

            try:
                export_chart(self, path, scale)
            except OSError as exc:
                self._ws.sig_error.emit(f"cannot write {path}: {exc.strerror or exc}")

    def export(self, path: str, scale: int = 1) -> None:
        from .export import export_chart

        export_chart(self, path, scale)


def _runs_of(curve) -> list[str]:
    """The runs a drawn curve is of: its run, or a group's members."""
    members = getattr(curve, "members", None)
    if members is not None:
        return list(dict.fromkeys(e for e, _ch in members))
    return [curve.experiment]


def _at(detail: str, x: float, heading: float, mode: str, step_name: str = "step") -> str:
    """A read-out row's detail, saying the row's own x when it is not the heading's: a run that
    logged at other steps, or a zoomed-out line whose drawn points are a thinned-out few, shows
    its point nearest the pointer, which is not a value at the heading's step."""
    detail = detail.strip()
    if x == heading:
        return detail
    return f"{detail} at {format_x(x, mode, step_name)}".strip()


def _value(curve, i: int) -> float:
    """A curve's value (as logged, ±inf kept; a group's mean) at its point i."""
    return float(curve.values[i]) if len(curve.values) == len(curve.x) else float(curve.y[i])


def _value_order(v: float) -> tuple[int, float]:
    """Highest value first (as on the plot), NaN last."""
    return (1, 0.0) if np.isnan(v) else (0, -v)


def _whole(x: np.ndarray) -> bool:
    """Whether every finite x is a whole number (the steps of a run, the epochs of a Keras log)."""
    x = x[np.isfinite(x)]
    return bool(np.all(x == np.round(x)))
