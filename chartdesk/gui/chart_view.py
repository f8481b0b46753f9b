"""Charts: one pyqtgraph plot per chart, in a grid.

A ``ChartWidget`` turns a ``Chart`` into curves for the selected experiments: each series ref is
resolved through the workspace (the one resolver), its points come from the background loader,
and the legend names what an alias resolved to (``accuracy → acc``). Hovering shows the nearest
point of each curve; options (x axis, log y, smoothing) and exports (PNG, SVG, CSV) are in the
chart's menu.
"""
from __future__ import annotations

import csv
import math

import numpy as np
import pyqtgraph as pg
import shiboken6
from pyqtgraph.exporters import ImageExporter
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (QFileDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QMenu, QScrollArea,
                               QSizePolicy, QToolButton, QVBoxLayout, QWidget)

from ..model import X_AXES, Chart, SeriesRef
from ..views import ViewRequest, full_series
from .theme import color, faint, plot_colors

X_LABELS = {"step": "step", "wall": "wall time", "relative": "relative time (s)"}
DASHES = [Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine]
SMOOTHING_STEPS = (0.0, 0.3, 0.6, 0.8, 0.9, 0.95, 0.99)
SPARSE_POINTS = 64  # a view with at most this many points also gets dots
FETCH_SPANS = 3     # a zoomed view is read for this many visible spans (one each side), so a pan reads less
LEGEND_MAX = 6      # more curves than this: the rest are read by hovering
LEGEND_CHARS = 56   # longer labels are cut in the middle (hover shows them whole)


def _short(label: str) -> str:
    if len(label) <= LEGEND_CHARS:
        return label
    half = (LEGEND_CHARS - 1) // 2
    return f"{label[:half]}…{label[-half:]}"


class _YAxis(pg.AxisItem):
    """Left axis that, on a log scale, labels only 1-2-5 mantissas when ticks are dense."""

    def tickStrings(self, values, scale, spacing):  # noqa: N802 - pyqtgraph's name
        strings = super().tickStrings(values, scale, spacing)
        if not self.logMode or len(values) <= 6:
            return strings
        keep = []
        for v, text in zip(values, strings):
            mantissa = round(10 ** (v - math.floor(v + 1e-9)), 6)
            keep.append(text if mantissa in (1.0, 2.0, 5.0) else "")
        return keep


class _Line(pg.PlotCurveItem):
    """A curve whose data bounds survive pans and zooms.

    PlotCurveItem forgets its data bounds on every view change and recomputes nanmin/nanmax for
    each curve, twice per frame (4 ms of a pan frame with 20 curves, measured). The data bounds only
    change with the data (``setData`` still resets them); only the pixel-padded rectangle depends
    on the view.
    """

    def viewTransformChanged(self):  # noqa: N802 - pyqtgraph's name
        self._boundingRect = None
        self.prepareGeometryChange()


class _Curve:
    """One drawn line: experiment, ref, channel, its items, and the view it shows now."""

    def __init__(self, experiment: str, ref: SeriesRef, channel: str, label: str) -> None:
        self.experiment, self.ref, self.channel, self.label = experiment, ref, channel, label
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.line: pg.PlotCurveItem | None = None
        self.faint: pg.PlotCurveItem | None = None  # the raw curve behind a smoothed one
        self.dots: pg.ScatterPlotItem | None = None  # markers, for series too sparse to see as lines
        self.color = "#888888"


def _log_safe(y: np.ndarray | None, log_y: bool) -> np.ndarray | None:
    """On a log axis, values <= 0 cannot be drawn: they become gaps, not warnings."""
    if y is None or not log_y:
        return y
    with np.errstate(invalid="ignore"):
        return np.where(y > 0, y, np.nan)


def _plotted(y: np.ndarray | None, log_y: bool) -> np.ndarray | None:
    """What the curve item gets: log10 of the values on a log axis (PlotCurveItem, unlike the
    heavier PlotDataItem, does not transform by itself)."""
    if y is None or not log_y:
        return y
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(y)


class ChartWidget(QFrame):
    """A card: title and menu, the plot, and a hover read-out line."""

    sig_edit_requested = Signal(object)
    """The user asked to edit this chart (``Chart``)."""
    sig_options_changed = Signal(object, object)
    """(old Chart, new Chart): the user changed an option from the chart's menu."""

    def __init__(self, workspace, chart: Chart, editable: bool = True, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartCard")
        self._ws = workspace
        self.chart = chart
        self.editable = editable
        self.curves: list[_Curve] = []
        self.missing: list = []
        self.errors: list[str] = []  # views that could not be read (a damaged store)
        self.drawn = False
        self._rebuild = True
        self._range: tuple[float, float] | None = None  # None: the whole channel (autorange)
        self._width = 0  # pixel columns the current views were decimated for
        self._inf_items: list[pg.PlotDataItem] = []
        self._items: list = []
        self.scheduler = None  # set by a ChartGrid: how to ask for a draw on a later turn
        bg, fg = plot_colors()
        self._fg = fg

        self.title = QLabel(chart.name, self)
        self.title.setObjectName("ChartTitle")
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.menu_button = QToolButton(self)
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Chart options and export")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setMenu(self._build_menu())

        self.plot = pg.PlotWidget(self, background=bg, axisItems={"left": _YAxis(orientation="left")})
        self.plot.setMinimumHeight(220)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setClipToView(True)
        for side in ("left", "bottom"):
            self._style_axis(item.getAxis(side))
        self.legend = item.addLegend(offset=(8, 8), labelTextSize="8pt", labelTextColor=fg)
        self.legend.setBrush(pg.mkBrush(faint(bg, 150)))
        self.note = QLabel("", self)
        self.note.setObjectName("Hint")
        self.note.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.note.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.vline = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(faint(fg, 90), width=1))
        self.vline.setVisible(False)
        self.plot.addItem(self.vline, ignoreBounds=True)
        self.readout = QLabel(" ", self)
        self.readout.setObjectName("HoverReadout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._proxy = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._on_mouse_move)
        # Zoom, pan and resize ask for new views of the visible range, at most ~30 times a second.
        self._range_proxy = pg.SignalProxy(item.getViewBox().sigXRangeChanged, rateLimit=30, slot=self._on_x_range)

        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.title, 1)
        head.addWidget(self.note, 2)
        head.addWidget(self.menu_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(0)
        lay.addLayout(head)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.readout)
        self._apply_axes()

    # ---- menu ---------------------------------------------------------------------------
    def _build_menu(self) -> QMenu:
        menu = QMenu(self)
        xmenu = menu.addMenu("X axis")
        group = QActionGroup(self)
        self._x_actions = {}
        for mode in X_AXES:
            act = QAction(X_LABELS[mode].capitalize(), self, checkable=True)
            act.setChecked(self.chart.x_axis == mode)
            act.triggered.connect(lambda _c=False, m=mode: self._set_option(x_axis=m))
            group.addAction(act)
            xmenu.addAction(act)
            self._x_actions[mode] = act
        self._log_action = QAction("Log y", self, checkable=True)
        self._log_action.setChecked(self.chart.log_y)
        self._log_action.triggered.connect(lambda checked: self._set_option(log_y=bool(checked)))
        menu.addAction(self._log_action)
        smenu = menu.addMenu("Smoothing")
        sgroup = QActionGroup(self)
        for w in SMOOTHING_STEPS:
            act = QAction("off" if w == 0 else f"{w:g}", self, checkable=True)
            act.setChecked(abs(self.chart.smoothing - w) < 1e-9)
            act.triggered.connect(lambda _c=False, v=w: self._set_option(smoothing=v))
            sgroup.addAction(act)
            smenu.addAction(act)
        menu.addSeparator()
        edit = menu.addAction("Edit chart…")
        edit.setEnabled(self.editable)
        edit.triggered.connect(lambda: self.sig_edit_requested.emit(self.chart))
        menu.addSeparator()
        menu.addAction("Export PNG…").triggered.connect(lambda: self._export_dialog("png"))
        menu.addAction("Export SVG…").triggered.connect(lambda: self._export_dialog("svg"))
        menu.addAction("Export CSV of plotted data…").triggered.connect(lambda: self._export_dialog("csv"))
        return menu

    def _set_option(self, **changes) -> None:
        new = self.chart.with_(**changes)
        if new == self.chart:
            return
        if self.editable:
            self.sig_options_changed.emit(self.chart, new)  # persisted by the owner, comes back via set_chart
        else:
            self.set_chart(new)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        self.title.setText(chart.name)
        self._x_actions[chart.x_axis].setChecked(True)
        self._log_action.setChecked(chart.log_y)
        self._apply_axes()
        self.plot.getPlotItem().enableAutoRange()  # new options: the whole channel again (_range -> None)
        self.refresh()

    def _style_axis(self, axis: pg.AxisItem) -> pg.AxisItem:
        axis.setPen(self._fg)
        axis.setTextPen(self._fg)
        # No minor ticks: their grid lines cost 60% of a paint (10 ms -> 4 ms per chart, measured).
        axis.setStyle(maxTickLevel=1)
        return axis

    def _apply_axes(self) -> None:
        item = self.plot.getPlotItem()
        if self.chart.x_axis == "wall":
            if not isinstance(item.getAxis("bottom"), pg.DateAxisItem):
                item.setAxisItems({"bottom": self._style_axis(pg.DateAxisItem(orientation="bottom"))})
        elif isinstance(item.getAxis("bottom"), pg.DateAxisItem):
            item.setAxisItems({"bottom": self._style_axis(pg.AxisItem(orientation="bottom"))})
        item.setLabel("bottom", X_LABELS[self.chart.x_axis], color=self._fg)
        item.setLogMode(x=False, y=self.chart.log_y)

    # ---- data ---------------------------------------------------------------------------
    def _view_key(self, experiment: str, channel: str) -> ViewRequest:
        if self._range is None:
            return ViewRequest(self._ws.project, experiment, channel, self.chart.x_axis, None, None, self._width,
                               float(self.chart.smoothing))
        x0, x1 = self._range  # the fetched range: FETCH_SPANS times the visible one, as many columns
        return ViewRequest(self._ws.project, experiment, channel, self.chart.x_axis, x0, x1,
                           self._width * FETCH_SPANS, float(self.chart.smoothing))

    def _resolved(self) -> list[tuple[str, SeriesRef, str | None]]:
        """(experiment, ref, channel or None) for every series of every selected experiment."""
        return [(exp, ref, self._ws.channel_for(ref, exp)) for exp in self._ws.selection() for ref in self.chart.series]

    def wanted(self) -> list[ViewRequest]:
        """Loader keys of every view this chart needs for the selection, x range and width."""
        return [self._view_key(exp, ch) for exp, _ref, ch in self._resolved() if ch is not None]

    def refresh(self) -> None:
        """The selection, a resolution or an option changed: rebuild the curves when data is there."""
        self._rebuild = True
        self.fetch()

    def _fetch_if_alive(self) -> None:
        if shiboken6.isValid(self.plot):
            self.fetch()

    def fetch(self) -> None:
        """Ask for the views of the current range and width; lines update in place when they come
        (also what new points of a live run need: no rebuild)."""
        self.drawn = False
        vb = self.plot.getPlotItem().getViewBox()
        self._width = self._columns_wanted(self._width)
        if vb.autoRangeEnabled()[0]:
            self._range = None  # the whole channel; autorange then fits the view to it
        if self._ws.loader.request(self.wanted()):
            if self.scheduler is not None:
                self.scheduler()  # the grid draws one chart per turn of the event loop
            else:
                self.apply()
        elif self._rebuild:
            self.note.setText("loading…")

    def apply(self) -> None:
        """Every wanted view is cached: draw (new curves) or update the existing lines in place."""
        if self._rebuild or [(c.experiment, c.channel) for c in self.curves] != \
                [(e, ch) for e, _r, ch in self._resolved() if ch is not None]:
            self.draw()
        else:
            self._update_lines()
        self.drawn = True

    def draw(self) -> None:
        item = self.plot.getPlotItem()
        for it in self._items:
            item.removeItem(it)
        self._items = []
        self.legend.clear()
        self.curves = []
        self.missing = []
        selection = self._ws.selection()
        compare = len(selection) > 1
        si_of = {ref: i for i, ref in enumerate(self.chart.series)}
        for exp, ref, ch in self._resolved():
            if ch is None:
                self.missing.append((ref, exp))
                continue
            si = si_of[ref]
            name = f"{ref.name} → {ch}" if ref.kind == "alias" and ref.name != ch else ch
            label = f"{exp} · {name}" if compare else name
            curve = _Curve(exp, ref, ch, label)
            c = color(self._ws.experiment_index(exp)) if compare else color(si)
            curve.color = c
            pen = pg.mkPen(c, width=1, style=DASHES[si % len(DASHES)] if compare else Qt.PenStyle.SolidLine)
            if self.chart.smoothing:
                curve.faint = _Line(pen=pg.mkPen(faint(c, 55), width=1), connect="finite")
                self._add(curve.faint)
            named = len(self.curves) < LEGEND_MAX
            # PlotCurveItem: a fraction of PlotDataItem's set-up cost, which dominated drawing 240 curves
            curve.line = _Line(pen=pen, name=_short(label) if named else None, connect="finite")
            self._add(curve.line)
            self.curves.append(curve)
        if len(self.curves) > LEGEND_MAX:
            self.legend.addItem(pg.PlotDataItem(pen=None), f"+{len(self.curves) - LEGEND_MAX} more: hover to read them")
        self._inf_items = [pg.PlotDataItem(pen=None, symbol=sym, symbolSize=9, symbolPen=None,
                                           symbolBrush=pg.mkBrush("#d64541")) for sym in ("t1", "t")]
        for it in self._inf_items:
            self._add(it)
        self._rebuild = False
        self._update_lines()
        if self._range is None:
            item.enableAutoRange()

    def _add(self, it) -> None:
        self.plot.getPlotItem().addItem(it)
        self._items.append(it)

    def _update_lines(self) -> None:
        """Give each line the points of its current view (a few per pixel column)."""
        pos_inf, neg_inf = [], []
        self.errors = []
        for curve in self.curves:
            key = self._view_key(curve.experiment, curve.channel)
            view = self._ws.loader.get(key)
            if view is None:
                error = self._ws.loader.error(key)
                if error:
                    self.errors.append(error)
                continue
            curve.x = view.x
            curve.y = _log_safe(view.y, self.chart.log_y)
            shown = _plotted(curve.y, self.chart.log_y)
            curve.line.setData(curve.x, shown, connect="finite")
            if len(curve.x) <= SPARSE_POINTS:  # an eval metric logged a few times: dots, or it is invisible
                if curve.dots is None:
                    curve.dots = pg.ScatterPlotItem(size=6, pen=None, brush=pg.mkBrush(curve.color))
                    self._add(curve.dots)
                curve.dots.setData(curve.x, shown)
            elif curve.dots is not None:
                curve.dots.setData([], [])
            if curve.faint is not None:
                curve.faint.setData(curve.x, _plotted(_log_safe(view.raw, self.chart.log_y), self.chart.log_y),
                                    connect="finite")
            if len(view.pos_inf):
                pos_inf.append(view.pos_inf)
            if len(view.neg_inf):
                neg_inf.append(view.neg_inf)
        # ±inf are marked at the top and bottom of the data, never drawn as huge values
        total = 0
        for it, xs, top in zip(self._inf_items, (pos_inf, neg_inf), (True, False)):
            if xs:
                xs = np.concatenate(xs)
                total += len(xs)
                it.setData(xs, np.full(len(xs), self._data_edge(top)))
            elif it.xData is not None and len(it.xData):
                it.setData([], [])
        self._set_notes(total)

    def _data_edge(self, top: bool) -> float:
        edges = [(np.nanmax if top else np.nanmin)(c.y) for c in self.curves if np.isfinite(c.y).any()]
        if not edges:
            return 1.0
        return float(max(edges) if top else min(edges))

    def _set_notes(self, infinite: int) -> None:
        compare = len(self._ws.selection()) > 1
        notes = [f"⚠ {e}" for e in dict.fromkeys(self.errors)]
        for ref in dict.fromkeys(r for r, _e in self.missing):
            where = [e for r, e in self.missing if r == ref]
            kind = "alias" if ref.kind == "alias" else "channel"
            notes.append(f"{ref.name} ({kind}) not in " + (", ".join(where) if compare else "this experiment"))
        if infinite:
            notes.append(f"{infinite} ±inf value{'s' if infinite > 1 else ''} marked ▲▼")
        if not self.chart.series:
            notes.append("no series yet: Edit chart… to add channels or aliases")
        elif not self._ws.selection():
            notes.append("select an experiment")
        elif not self.curves and not self.missing:
            notes.append("no data")
        text = " · ".join(notes)
        if text != self.note.text():  # a label that changes re-lays out its card: not on every pan
            self.note.setText(text)
            self.note.setToolTip("\n".join(notes))

    def _columns_wanted(self, current: int) -> int:
        """How many pixel columns to decimate for: the plot's width, but views made for a width up
        to twice the present one are kept (more points than pixels draw the same picture), and
        before the first layout a generous guess stands in."""
        width = int(self.plot.getPlotItem().getViewBox().width())
        if not self.plot.isVisible() or width < 50:
            return current or 1200
        if current and width <= current <= 2 * width:
            return current
        return width

    # ---- zoom, pan, resize ---------------------------------------------------------------
    def _on_x_range(self, *_):
        """Throttled (SignalProxy): ask for views of the new x range once it moved enough."""
        if not shiboken6.isValid(self.plot) or not self.curves:
            return
        vb = self.plot.getPlotItem().getViewBox()
        width = self._columns_wanted(self._width)
        if vb.autoRangeEnabled()[0]:
            new = None
        else:
            (x0, x1), _ = vb.viewRange()
            new = (float(x0), float(x1))
        old = self._range
        if new is None:
            refetch = old is not None
        elif old is None:
            refetch = True
        else:  # views cover FETCH_SPANS visible spans: pans inside them, and zooms up to 2x, read nothing
            span, fetched = new[1] - new[0], old[1] - old[0]
            refetch = new[0] < old[0] or new[1] > old[1] or span < fetched / FETCH_SPANS / 2
        if refetch or width != self._width:
            if new is not None:
                span = new[1] - new[0]
                new = (new[0] - span * (FETCH_SPANS - 1) / 2, new[1] + span * (FETCH_SPANS - 1) / 2)
            self._range = new
            self.drawn = False  # the lines show the old range until the new views are applied
            # Start the reads after this frame is painted: the workers' Python would otherwise
            # compete with it for the GIL.
            QTimer.singleShot(4, self._fetch_if_alive)

    # ---- hover --------------------------------------------------------------------------
    def _on_mouse_move(self, event) -> None:
        if not shiboken6.isValid(self.plot):
            return
        pos = event[0]
        vb = self.plot.getPlotItem().getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos) or not self.curves:
            self.vline.setVisible(False)
            self.readout.setText(" ")
            return
        p = vb.mapSceneToView(pos)
        self.show_values_at(p.x())

    def show_values_at(self, x: float) -> list[tuple[str, float, float]]:
        """Show, for each curve, the point nearest to ``x``; returns them (label, x, y)."""
        found = []
        for c in self.curves:
            if len(c.x) == 0:
                continue
            with np.errstate(invalid="ignore"):
                i = int(np.nanargmin(np.abs(c.x - x))) if np.isfinite(c.x).any() else -1
            if i >= 0:
                found.append((c.label, float(c.x[i]), float(c.y[i])))
        if not found:
            self.readout.setText(" ")
            return found
        self.vline.setPos(found[0][1] if len(found) == 1 else x)
        self.vline.setVisible(True)
        xs = "time" if self.chart.x_axis != "step" else "step"
        parts = [f"{xs} {found[0][1]:.6g}"] + [f"{label}: <b>{y:.6g}</b>" for label, _x, y in found[:6]]
        if len(found) > 6:
            parts.append(f"+{len(found) - 6} more")
        self.readout.setText(" &nbsp; ".join(parts))
        return found

    # ---- export -------------------------------------------------------------------------
    def _export_dialog(self, kind: str) -> None:
        filters = {"png": "PNG image (*.png)", "svg": "SVG image (*.svg)", "csv": "CSV (*.csv)"}
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.chart.name}", f"{self.chart.name}.{kind}", filters[kind])
        if path:
            self.export(path)

    def export(self, path: str) -> None:
        """Write the chart to ``path``: PNG or SVG by pyqtgraph's exporters, CSV of the plotted data."""
        lower = path.lower()
        if lower.endswith(".csv"):  # every point of the plotted series, not the decimated view
            smooth = bool(self.chart.smoothing)
            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(["experiment", "series", "channel", "x", "y"] + (["y_smoothed"] if smooth else []))
                for c in self.curves:
                    x, y, ys = full_series(self._ws.store, self._ws.project, c.experiment, c.channel,
                                           self.chart.x_axis, self.chart.smoothing)
                    cols = [x.tolist(), y.tolist()] + ([ys.tolist()] if smooth else [])
                    for values in zip(*cols):
                        w.writerow([c.experiment, str(c.ref), c.channel, *map(repr, values)])
        elif lower.endswith(".svg"):
            # pyqtgraph 0.14's SVGExporter cannot parse the paths Qt 6.11 writes (ValueError in
            # correctCoordinates), so render the plot through Qt's own SVG generator instead.
            gen = QSvgGenerator()
            gen.setFileName(path)
            gen.setSize(self.plot.size())
            gen.setViewBox(self.plot.rect())
            gen.setTitle(self.chart.name)
            painter = QPainter(gen)
            self.plot.render(painter)
            painter.end()
        else:
            ImageExporter(self.plot.getPlotItem()).export(path)


class ChartGrid(QScrollArea):
    """The charts of one chart set (or of one experiment) in a two-column grid."""

    sig_edit_chart = Signal(object)
    sig_chart_options = Signal(object, object)

    def __init__(self, workspace, charts: list[Chart], editable: bool = True, empty_text: str = "", parent=None) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget(self)
        self._grid = QGridLayout(self._inner)
        self._grid.setContentsMargins(6, 6, 6, 6)
        self._grid.setSpacing(8)
        self.setWidget(self._inner)
        self.editable = editable
        self.empty_text = empty_text
        self.charts: list[ChartWidget] = []
        self._columns = 2
        self._draw_scheduled = False
        self.set_charts(charts)

    def set_charts(self, charts: list[Chart]) -> None:
        old = {w.chart.name: w for w in self.charts}
        for w in self.charts:
            self._grid.removeWidget(w)
        while self._grid.count():
            it = self._grid.takeAt(0)
            if it.widget():
                it.widget().deleteLater()
        self.charts = []
        for chart in charts:
            w = old.pop(chart.name, None)
            if w is None:
                w = ChartWidget(self._ws, chart, self.editable, self._inner)
                w.scheduler = self.draw_ready
                w.sig_edit_requested.connect(self.sig_edit_chart)
                w.sig_options_changed.connect(self.sig_chart_options)
                w.set_chart(chart)
            elif w.chart != chart:
                w.set_chart(chart)
            self.charts.append(w)
        for w in old.values():
            w.setParent(None)
            w.deleteLater()
        if not charts:
            label = QLabel(self.empty_text or "No charts", self._inner)
            label.setObjectName("EmptyState")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setWordWrap(True)
            self._grid.addWidget(label, 0, 0)
        self._layout()

    def _layout(self) -> None:
        cols = 1 if self.viewport().width() < 760 or len(self.charts) < 2 else 2
        self._columns = cols
        for i, w in enumerate(self.charts):
            self._grid.addWidget(w, i // cols, i % cols)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        cols = 1 if self.viewport().width() < 760 or len(self.charts) < 2 else 2
        if cols != self._columns:
            for w in self.charts:
                self._grid.removeWidget(w)
            self._layout()

    def refresh(self) -> None:
        for w in self.charts:
            w.refresh()

    def draw_ready(self) -> None:
        """Data arrived: draw the charts whose views are all cached, one chart per turn of the
        event loop, so that input and painting are never held up by a whole grid at once."""
        if self._draw_scheduled:
            return
        self._draw_scheduled = True
        QTimer.singleShot(0, self._draw_next)

    def _draw_next(self) -> None:
        self._draw_scheduled = False
        if not shiboken6.isValid(self):
            return
        for w in self.charts:
            if not w.drawn and all(self._ws.loader.done(k) for k in w.wanted()):
                w.apply()
                self.draw_ready()  # the next one on the next turn
                return

    def settled(self) -> bool:
        return all(w.drawn for w in self.charts)
