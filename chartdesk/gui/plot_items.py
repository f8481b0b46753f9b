"""pyqtgraph pieces ChartDesk draws with: the plot widget (which also says where the pointer is
over it), the view box (wheel zooms x, y keeps fitting), the log-aware y axis, curves that keep
their data bounds, the value transforms for log axes, and the rule that a window losing or taking
activation does not repaint its plots (``keep_scene_active``)."""
from __future__ import annotations

import math
import time
import warnings

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QEnterEvent, QPainter, QPicture

from ..curves import format_tick
from ..scales import Scale
from .collector import touched

DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)


SPARSE_POINTS = 64  # a line of at most this many points also gets dots (one point alone is no line)


class ChartViewBox(pg.ViewBox):
    """The wheel zooms x only, a drag pans x only, and y keeps fitting the visible data (as
    TensorBoard and W&B do); Ctrl+wheel, or the wheel or a drag over the y axis, zooms or moves y,
    which then stays where it was put until the view is reset (a double-click on the plot)."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("enableMenu", False)  # ChartDesk's own menu replaces pyqtgraph's (and is not built)
        super().__init__(*args, **kwargs)
        self.setAutoVisible(y=True)

    def wheelEvent(self, ev, axis=None):  # pyqtgraph's name
        if axis is None:
            axis = 1 if ev.modifiers() & Qt.KeyboardModifier.ControlModifier else 0
        super().wheelEvent(ev, axis)

    def mouseDragEvent(self, ev, axis=None):  # pyqtgraph's name
        """A drag over the plot pans (right button: zooms) x only while y fits the data, so a
        drag that is not perfectly level keeps y fitting (pyqtgraph moved y by the pointer's
        few pixels of height, which turned y's fitting off for good: issue 23 item 5). Once the
        person zoomed or dragged y (Ctrl+wheel, the wheel or a drag over the y axis: ``axis``
        1), a drag over the plot moves y too."""
        if axis is not None or self.state["autoRange"][1] is False:
            super().mouseDragEvent(ev, axis)
            return
        enabled = self.state["mouseEnabled"]
        was = enabled[1]
        enabled[1] = False  # pyqtgraph's pan masks y by it, and its right-drag zoom leaves y alone
        try:
            super().mouseDragEvent(ev, axis)
        finally:
            enabled[1] = was

    # One paint per pan step. pyqtgraph fits y to the new x range only after painting once: a
    # change of x marks y for fitting only when *x* is auto-ranged, and the paint's own transform
    # update then reports the view's moving as a change of the items' bounds, which asks for the
    # fit and a second paint (measured: two paints of every chart per range change). So y is fitted
    # and the view's transform set here, when x moves, not while painting: a transform changed
    # while painting moves every line's geometry, which asked for a second paint of the plot area
    # (measured again with the linked charts: 2 paints per chart per pan step, 1 with this).
    def setRange(self, *args, **kwargs):  # pyqtgraph's name
        x_before = list(self.state["targetRange"][0])
        super().setRange(*args, **kwargs)
        if self.state["targetRange"][0] != x_before:
            if self.state["autoVisibleOnly"][1] and self.state["autoRange"][1] is not False:
                self._autoRangeNeedsUpdate = True
            if self._autoRangeNeedsUpdate:
                self.updateAutoRange()
            self.updateMatrix()

    def itemBoundsChanged(self, item):  # pyqtgraph's name
        if item is self.childGroup:  # the view moved; the data did not
            self._itemBoundsCache.pop(item, None)
            return
        if not self._in_range(item):  # added with ignoreBounds (a crosshair, its dots): not in the range
            return
        super().itemBoundsChanged(item)

    def _in_range(self, item) -> bool:
        """Whether ``item`` (or the item it is part of) counts in the view's auto range: it was
        added without ``ignoreBounds``. A crosshair's dots told their bounds on every move of the
        pointer, and the view fitted its range again on the next paint (0.9 ms a chart a move)."""
        while item is not None and item is not self.childGroup:
            if item in self.addedItems:
                return True
            item = item.parentItem()
        return False

    def childrenBounds(self, frac=None, orthoRange=(None, None), items=None):  # pyqtgraph's name
        """pyqtgraph's union of the items' data bounds, with ChartDesk's lines (in data coordinates
        already: no mapping, no rectangles) taken directly; 2-3 ms of every pan frame were spent
        mapping 20 lines' bounds one by one."""
        if items is not None:
            return super().childrenBounds(frac, orthoRange, items)
        frac = frac or (1.0, 1.0)
        lines, others = [], []
        for item in self.addedItems:
            plain = type(item) is Line and item.parentItem() is self.childGroup and item.transform().isIdentity() \
                and item.pos().isNull()
            (lines if plain else others).append(item)
        rng = super().childrenBounds(frac, orthoRange, others) if others else [None, None]
        padded: list[tuple[int, tuple, float]] = []  # (axis, bounds, pixels of pen around them)
        for item in lines:
            if not item.isVisible() or item.scene() is not self.scene():
                continue
            bounds = (item.dataBounds(0, frac[0], orthoRange[0]), item.dataBounds(1, frac[1], orthoRange[1]))
            pad = item.pixelPadding()
            for ax in (0, 1):
                b = bounds[ax]
                if b is None or b[0] is None or b[1] is None or not (math.isfinite(b[0]) and math.isfinite(b[1])):
                    continue
                rng[ax] = [b[0], b[1]] if rng[ax] is None else [min(b[0], rng[ax][0]), max(b[1], rng[ax][1])]
                if pad:
                    padded.append((ax, b, pad))
        for ax, size in ((0, self.width()), (1, self.height())):  # pixel margins, once the range is known
            if size > 0 and rng[ax] is not None:
                px = (rng[ax][1] - rng[ax][0]) / size
                for a, b, pad in padded:
                    if a == ax:
                        rng[ax] = [min(rng[ax][0], b[0] - pad * px), max(rng[ax][1], b[1] + pad * px)]
        return rng


class _SceneStaysActive(QObject):
    """Drops the window (de)activations a plot's view passes to its scene once the scene is active:
    Qt's scene answers each by updating every top-level item, which threw away every axis' cached
    picture, so a dialog opening over the window (or the window taken back) repainted every chart
    with its axes and grid made again in one turn of the event loop (8 charts: 30-90 ms, measured
    opening Runs > Parallel coordinates on 1,000 runs). Nothing a plot draws depends on its
    window being active; the first activation still reaches the scene."""

    def eventFilter(self, scene, event) -> bool:  # Qt's name
        kind = event.type()
        if kind in (QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate):
            return scene.isActive()
        return False


def keep_scene_active(view: pg.GraphicsView) -> None:
    """The plot ``view`` (a pyqtgraph widget) is not repainted when its window takes or loses activation."""
    view.scene().installEventFilter(_SceneStaysActive(view))


class ChartPlot(pg.PlotWidget):
    """A chart's plot widget: until its chart has drawn data (``waiting``), only its background is
    painted. The scene's empty axes and grid cost 3-6 ms a chart, and a window showing its first
    charts painted them while their views were still loading (the 100-metric run's six visible
    charts: 0.24-0.28 s to drawn with, 0.13-0.15 s without, measured).

    It also tells where the pointer is (``sig_pointer``), from every move over its viewport, and
    when the pointer is no longer over it: it left, the plot was hidden, or its window lost
    activation (a dialog or another window took the pointer; Qt sends no leave then). An enter
    says the pointer is back only where it last moved over the plot, not moved since (the plot
    was hidden and shown again, as when its card changes slot, or a menu closed by a key):
    a window or a menu that uncovers a resting pointer elsewhere starts no hover; moving does."""

    waiting = True
    _moved_at: QPointF | None = None  # the pointer's last move over the viewport, in screen coordinates
    #: Asked on a leave: whether the pointer is over the plot all the same (under the hover
    #: read-out's window, which took it); then the leave is none.
    still_over = None

    sig_pointer = Signal(object)
    """The pointer's position over the plot (QPointF, viewport pixels), or None: not over it."""

    #: How long a paint of the plot takes, ms (a running mean; the grid spreads the linked
    #: charts' following over turns of the event loop by it).
    paint_ms = 0.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        keep_scene_active(self)

    def paintEvent(self, ev):  # Qt's name
        if not self.waiting:
            t0 = time.perf_counter()
            try:
                return super().paintEvent(ev)
            finally:
                ms = (time.perf_counter() - t0) * 1000
                self.paint_ms = ms if not self.paint_ms else 0.7 * self.paint_ms + 0.3 * ms
        painter = QPainter(self.viewport())
        painter.fillRect(ev.rect(), self.backgroundBrush())
        painter.end()

    def stop_waiting(self) -> None:
        if self.waiting:
            self.waiting = False
            self.viewport().update()

    def viewportEvent(self, ev):  # Qt's name
        kind = ev.type()
        if kind in _GESTURES:
            touched()  # no full garbage collection in the middle of it
        if kind == QEvent.Type.MouseMove:
            self._moved_at = QPointF(ev.globalPosition())
            self.sig_pointer.emit(QPointF(ev.position()))
        elif kind == QEvent.Type.Enter and isinstance(ev, QEnterEvent) and ev.globalPosition() == self._moved_at:
            self.sig_pointer.emit(QPointF(ev.position()))
        elif kind == QEvent.Type.Leave:
            if self.still_over is None or not self.still_over():
                self.sig_pointer.emit(None)
        return super().viewportEvent(ev)

    def hideEvent(self, ev):  # Qt's name
        self.sig_pointer.emit(None)
        super().hideEvent(ev)

    def event(self, ev):  # Qt's name
        if ev.type() == QEvent.Type.WindowDeactivate:
            self.sig_pointer.emit(None)
        return super().event(ev)


def nearest_index(x, at: float, reach: float, x_sorted: bool = False) -> int | None:
    """The index of the point of ``x`` nearest to ``at`` (the first of equally near ones), or
    None when ``at`` lies outside x's finite extent widened by ``reach`` (also when no x is
    finite). ``x_sorted``: x is non-decreasing and NaN-free, and is bisected."""
    if x is None or not len(x):
        return None
    if not x_sorted:
        drawn = x[np.isfinite(x)]
        if not len(drawn) or not drawn.min() - reach <= at <= drawn.max() + reach:
            return None
        with np.errstate(invalid="ignore"):
            return int(np.nanargmin(np.abs(x - at)))
    if not x[0] - reach <= at <= x[-1] + reach:
        return None
    j = int(np.searchsorted(x, at, "left"))
    if j >= len(x) or (j > 0 and at - x[j - 1] <= x[j] - at):
        j = int(np.searchsorted(x, x[j - 1], "left"))  # the first point at that x
    return j


_SPECS_HELD = QPicture()  # YAxis.picture while its draw specs stand (pyqtgraph drops it on a change)
_GESTURES = frozenset({QEvent.Type.MouseMove, QEvent.Type.Wheel, QEvent.Type.MouseButtonPress})


class YAxis(pg.AxisItem):
    """An axis that, on a log scale, labels only 1-2-5 mantissas when ticks are dense, and on a
    symlog scale (``symlog``: its ``Scale``, set by ``set_log_mode``) puts its ticks at 0 and
    ±linthresh·10^k and labels them with the real values, not the axis' units. On a linear scale
    with ``whole_steps`` (every x drawn is a whole number: steps, epochs) ticks are whole numbers
    only: no "0.5" between epoch 0 and epoch 1."""

    symlog: Scale | None = None
    whole_steps = False
    _specs = None  # the draw specs ``specs`` made last, while ``picture`` is ``_SPECS_HELD``

    def paint(self, p, opt, widget):  # Qt's name
        """Drawn straight into the painter while the screen caches the axis in a pixmap (a chart's
        axes are DeviceCoordinateCache'd: Qt asks for a paint only when the axis changed, so
        pyqtgraph's QPicture, recorded and then played, was each pan step's work twice: 1-4 ms an
        axis). Uncached (a figure being exported), pyqtgraph's own way, unchanged."""
        if self.cacheMode() == self.CacheMode.NoCache:
            if self.picture is _SPECS_HELD:
                self.picture = None
            return super().paint(p, opt, widget)
        p.save()
        try:
            specs = self.specs(p)
            if specs is not None:
                self.drawPicture(p, *specs)
        finally:
            p.restore()
        return None

    def specs(self, p):
        """pyqtgraph's draw specs (ticks, labels and their rectangles; making them resizes the
        axis to its labels), made once per change of the axis: pyqtgraph marks every change
        (range, size, style, ticks) by dropping its ``picture``, which holds a mark instead while
        these specs stand. A chart that settles its axes before painting (``ChartWidget._settle``)
        and then paints them made them twice: 1-2 ms of each arrived view, measured."""
        if self.style["tickFont"]:
            p.setFont(self.style["tickFont"])
        if self.picture is not _SPECS_HELD:
            self._specs = self.generateDrawSpecs(p)
            self.picture = _SPECS_HELD
        return self._specs

    def tickSpacing(self, minVal, maxVal, size):  # pyqtgraph's name
        levels = super().tickSpacing(minVal, maxVal, size)
        if not self.whole_steps or self.logMode or self.symlog is not None:
            return levels
        whole = [(float(round(spacing)), offset) for spacing, offset in levels
                 if spacing >= 1 - 1e-9 and abs(spacing - round(spacing)) <= 1e-9 * spacing]
        return whole or [(1.0, 0.0)]

    def tickValues(self, minVal, maxVal, size):  # pyqtgraph's name
        if self.symlog is None:
            return super().tickValues(minVal, maxVal, size)
        return self.symlog.ticks(float(minVal), float(maxVal), float(size))

    def tickStrings(self, values, scale, spacing):  # pyqtgraph's name
        if self.symlog is not None:
            return [format_tick(float(self.symlog.inverse(float(v)))) for v in values]
        strings = super().tickStrings(values, scale, spacing)
        if not self.logMode or len(values) <= 6:
            return strings
        keep = []
        for v, text in zip(values, strings):
            mantissa = round(10 ** (v - math.floor(v + 1e-9)), 6)
            keep.append(text if mantissa in (1.0, 2.0, 5.0) else "")
        return keep


#: A paint that exposes at most this share of the plot's width (a crosshair's strip) paints only
#: the part of each line there.
NARROW_EXPOSED = 0.25


class Line(pg.PlotCurveItem):
    """A curve whose data bounds survive pans and zooms.

    PlotCurveItem forgets its data bounds on every view change and recomputes nanmin/nanmax for
    each curve, twice per frame (4 ms of a pan frame with 20 curves, measured). The data bounds only
    change with the data (``setData`` still resets them); only the pixel-padded rectangle depends
    on the view.

    It also paints only the part of itself a paint exposes when that is a narrow strip: a
    crosshair moving over the chart asks every curve under its old and new line to paint a few
    pixels, and a whole path of thousands of segments stroked to be clipped to them was most of
    each crosshair frame (12 charts x 20 curves).
    """

    _held_padding: float | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.setFlag(self.GraphicsItemFlag.ItemUsesExtendedStyleOption)  # paint() gets the exposed rect

    def paint(self, p, opt, widget):  # Qt's name
        part = self._exposed_part(p, opt)
        if part is None:
            return super().paint(p, opt, widget)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, bool(self.opts["antialias"]))
        if self.opts["compositionMode"] is not None:
            p.setCompositionMode(self.opts["compositionMode"])
        for kind in ("shadowPen", "pen"):
            pen = self.opts[kind]
            if pen is not None and pen.style() != Qt.PenStyle.NoPen:
                p.setPen(pen)
                p.drawPath(part)
        return None

    def _exposed_part(self, p, opt):
        """When a paint exposes a narrow strip of the device (a crosshair's), the path of the
        points there (and those a few pixels beyond each side, so a segment crossing its edge and
        the pen's joins are drawn whole); else None: paint it all, as pyqtgraph does. Only cheap
        questions: it is asked by every curve of every paint of a pan too."""
        x = self.xData
        if (x is None or len(x) < 64 or not getattr(self, "_x_sorted", False) or self._exportOpts is not False
                or self.opts["fillLevel"] is not None or self.opts["stepMode"]):
            return None
        exposed = opt.exposedRect
        per_unit = abs(p.transform().m11())  # device pixels per x unit (no rotation in a chart)
        device = p.device()
        if exposed.isEmpty() or not per_unit or device is None or \
                exposed.width() * per_unit > NARROW_EXPOSED * device.width():
            return None
        margin = 4 / per_unit  # the pen's caps and joins
        i0 = max(0, int(np.searchsorted(x, exposed.left() - margin, "left")) - 1)
        i1 = min(len(x), int(np.searchsorted(x, exposed.right() + margin, "right")) + 1)
        if i1 - i0 > NARROW_EXPOSED * len(x):
            return None
        connect = self.opts["connect"]
        if isinstance(connect, np.ndarray):
            connect = connect[i0:i1]
        return pg.arrayToQPath(x[i0:i1], self.yData[i0:i1], connect=connect)

    def viewTransformChanged(self):  # pyqtgraph's name
        self._boundingRect = None
        self.prepareGeometryChange()

    def emphasize(self, pen) -> None:
        """Draw with ``pen`` for now (the hover's highlight) without moving the view: the data
        bounds keep the pixel margin of the line's own pen (the wider pen widened the autorange
        by a pixel or two, so hovering shifted the axes). ``plain`` ends it."""
        if self._held_padding is None:
            self._held_padding = super().pixelPadding()
        self.setPen(pen)

    def plain(self, pen) -> None:
        """Back to the line's own ``pen`` after ``emphasize``."""
        self.setPen(pen)
        self._held_padding = None

    def pixelPadding(self):  # pyqtgraph's name
        return self._held_padding if self._held_padding is not None else super().pixelPadding()

    # The y axis fits the visible data (autoVisible), so every frame of a pan asks each curve for
    # its y bounds within the new x range. The answer only changes with the data or the range; and
    # as a view's x is sorted, the points in range are one slice found by bisection, not a mask
    # over every point (pyqtgraph's way: 2-17 ms of a pan frame for 20 curves, measured).
    def setData(self, *args, **kwargs):
        self._bounds_cache = {}
        super().setData(*args, **kwargs)
        x = self.xData
        self._x_sorted = x is not None and len(x) > 0 and bool(np.all(x[1:] >= x[:-1]))

    def nearest(self, at: float, reach: float) -> int | None:
        """``nearest_index`` of the line's drawn x: asked for every curve at every crosshair
        move, so its sorted x (a non-decreasing view, NaN-free) is bisected, not scanned."""
        return nearest_index(self.xData, at, reach, getattr(self, "_x_sorted", False))

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # pyqtgraph's name
        cache = self.__dict__.setdefault("_bounds_cache", {})
        key = (ax, frac, None if orthoRange is None else (float(orthoRange[0]), float(orthoRange[1])))
        got = cache.get(key)
        if got is None:
            if len(cache) > 64:
                cache.clear()
            if (ax == 1 and frac >= 1.0 and orthoRange is not None and getattr(self, "_x_sorted", False)
                    and self.opts["fillLevel"] is None and self.opts["pen"].isCosmetic()):
                got = y_bounds_in(self.xData, self.yData, key[2][0], key[2][1])
            else:
                got = super().dataBounds(ax, frac, orthoRange)
            cache[key] = got
        return got


def y_bounds_in(x: np.ndarray, y: np.ndarray, lo: float, hi: float) -> tuple[float | None, float | None]:
    """The finite y range of the points with lo <= x <= hi, x sorted; (None, None) when none is."""
    d = y[np.searchsorted(x, lo, "left"):np.searchsorted(x, hi, "right")]
    if not len(d):
        return (None, None)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all NaN: no bounds
        b0, b1 = float(np.nanmin(d)), float(np.nanmax(d))
    if math.isinf(b0) or math.isinf(b1):
        d = d[np.isfinite(d)]
        if not len(d):
            return (None, None)
        b0, b1 = float(d.min()), float(d.max())
    if math.isnan(b0):
        return (None, None)
    return (b0, b1)


def pixel_distance(x: np.ndarray | None, y: np.ndarray | None, at_x: float, at_y: float, px_w: float,
                   px_h: float) -> float:
    """How many pixels the point (at_x, at_y) is from the line through (x, y) as drawn (segments
    between consecutive finite points; a point alone counts as a dot); pixels are ``px_w`` by
    ``px_h`` in the same units. inf: nothing of the line is drawn."""
    if x is None or y is None or not len(x) or not (px_w > 0 and px_h > 0):
        return math.inf
    with np.errstate(invalid="ignore", over="ignore"):
        u = (np.asarray(x, dtype=np.float64) - at_x) / px_w
        v = (np.asarray(y, dtype=np.float64) - at_y) / px_h
        ok = np.isfinite(u) & np.isfinite(v)
        if not ok.any():
            return math.inf
        best = float(np.min(np.hypot(u[ok], v[ok])))
        seg = ok[:-1] & ok[1:]
        if seg.any():
            au, av = u[:-1][seg], v[:-1][seg]
            du, dv = u[1:][seg] - au, v[1:][seg] - av
            length = du * du + dv * dv
            t = np.where(length > 0, -(au * du + av * dv) / np.where(length > 0, length, 1.0), 0.0)
            t = np.clip(t, 0.0, 1.0)
            best = min(best, float(np.min(np.hypot(au + t * du, av + t * dv))))
    return best


def scale_of(scale: Scale | bool) -> Scale:
    """A chart axis' scale; True/False: log or linear (as the log_x/log_y options say)."""
    return scale if isinstance(scale, Scale) else Scale("log") if scale else Scale()


def log_safe(y: np.ndarray | None, scale: Scale | bool) -> np.ndarray | None:
    """The values that can be drawn on this axis: on a log axis values <= 0 are gaps, not warnings."""
    if y is None or not scale:
        return y
    return scale_of(scale).safe(y)


def plotted(y: np.ndarray | None, scale: Scale | bool) -> np.ndarray | None:
    """What the curve item gets: the values in the axis' units (log10 on a log axis, symlog's
    transform on a symlog one; PlotCurveItem, unlike the heavier PlotDataItem, does not
    transform by itself)."""
    if y is None or not scale:
        return y
    return scale_of(scale).forward(y)


def _range_in_units(lo: float, hi: float, old: Scale, new: Scale) -> tuple[float, float]:
    """A view range [lo, hi] of an axis of scale ``old`` in the units of ``new``: on a log axis
    log10 of its positive part (real values come back clipped, so that a huge exponent stays a
    float)."""
    lo, hi = float(old.inverse(lo)), float(old.inverse(hi))
    if new.log:
        top = hi if hi > 0 else 1.0
        lo = lo if lo > 0 else top / 1e3
        hi = top
    return float(new.forward(lo)), float(new.forward(hi))


def move_view_for_log(vb: pg.ViewBox, vertical: bool, old: Scale, new: Scale) -> None:
    """Move one direction of a view into the units of an axis about to switch scale.

    pyqtgraph keeps the view range when an axis changes mode, and a log axis paints 10**range,
    so a linear range of 1,000..20,000 on a freshly logged axis is 10**20000: an overflow in every
    paint until the auto-range catches up (a CI run caught it in the chart menu's Log x)."""
    lo, hi = vb.viewRange()[1 if vertical else 0]
    lo, hi = _range_in_units(lo, hi, old, new)
    if vertical:
        vb.setYRange(lo, hi, padding=0)
    else:
        vb.setXRange(lo, hi, padding=0)


def set_log_mode(item: pg.PlotItem, x: Scale | bool, y: Scale | bool, others: tuple[pg.ViewBox, ...] = ()) -> None:
    """Switch a plot's axes to another scale (linear, log, symlog; a bool: log or linear), its
    view moved into the new units first; ``others``: more view boxes on the plot's y scale (a
    right axis' view, x-linked to the plot's), moved along in y."""
    x, y = scale_of(x), scale_of(y)
    vb = item.getViewBox()
    old = getattr(item, "chartdesk_scales", None) or (scale_of(bool(item.ctrl.logXCheck.isChecked())),
                                                       scale_of(bool(item.ctrl.logYCheck.isChecked())))
    if x != old[0]:
        move_view_for_log(vb, vertical=False, old=old[0], new=x)
    if y != old[1]:
        for box in (vb, *others):
            move_view_for_log(box, vertical=True, old=old[1], new=y)
    item.chartdesk_scales = (x, y)
    item.setLogMode(x=x.log, y=y.log)
    for name in ("bottom", "left", "right"):  # an axis swapped in by setAxisItems (the date axis) too
        axis = item.getAxis(name)
        scale = x if name == "bottom" else y
        if axis.logMode != (x.log if name == "bottom" else y.log):
            axis.setLogMode(x.log, y.log)
        symlog = scale if scale.symlog else None
        if isinstance(axis, YAxis) and axis.symlog != symlog:
            axis.symlog = symlog
            axis.picture = None  # ticks again
            axis.update()
