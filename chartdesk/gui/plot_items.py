"""pyqtgraph pieces ChartDesk draws with: the view box (wheel zooms x, y keeps fitting), the
log-aware y axis, curves that keep their data bounds, and the value transforms for log axes."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

DASHES = (Qt.PenStyle.SolidLine, Qt.PenStyle.DashLine, Qt.PenStyle.DotLine, Qt.PenStyle.DashDotLine)


class ChartViewBox(pg.ViewBox):
    """The wheel zooms x only, and y keeps fitting the visible data (as TensorBoard and W&B do);
    Ctrl+wheel, or the wheel over the y axis, zooms y."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("enableMenu", False)  # ChartDesk's own menu replaces pyqtgraph's (and is not built)
        super().__init__(*args, **kwargs)
        self.setAutoVisible(y=True)

    def wheelEvent(self, ev, axis=None):  # pyqtgraph's name
        if axis is None:
            axis = 1 if ev.modifiers() & Qt.KeyboardModifier.ControlModifier else 0
        super().wheelEvent(ev, axis)


class YAxis(pg.AxisItem):
    """Left axis that, on a log scale, labels only 1-2-5 mantissas when ticks are dense."""

    def tickStrings(self, values, scale, spacing):  # pyqtgraph's name
        strings = super().tickStrings(values, scale, spacing)
        if not self.logMode or len(values) <= 6:
            return strings
        keep = []
        for v, text in zip(values, strings):
            mantissa = round(10 ** (v - math.floor(v + 1e-9)), 6)
            keep.append(text if mantissa in (1.0, 2.0, 5.0) else "")
        return keep


class Line(pg.PlotCurveItem):
    """A curve whose data bounds survive pans and zooms.

    PlotCurveItem forgets its data bounds on every view change and recomputes nanmin/nanmax for
    each curve, twice per frame (4 ms of a pan frame with 20 curves, measured). The data bounds only
    change with the data (``setData`` still resets them); only the pixel-padded rectangle depends
    on the view.
    """

    def viewTransformChanged(self):  # pyqtgraph's name
        self._boundingRect = None
        self.prepareGeometryChange()

    # The y axis fits the visible data (autoVisible), so every frame of a pan asks each curve for
    # its y bounds within the new x range several times over (about 7 calls per curve per frame,
    # measured); the answer only changes with the data or the range.
    def setData(self, *args, **kwargs):
        self._bounds_cache = {}
        super().setData(*args, **kwargs)

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # pyqtgraph's name
        cache = self.__dict__.setdefault("_bounds_cache", {})
        key = (ax, frac, None if orthoRange is None else (float(orthoRange[0]), float(orthoRange[1])))
        got = cache.get(key)
        if got is None:
            if len(cache) > 64:
                cache.clear()
            got = cache[key] = super().dataBounds(ax, frac, orthoRange)
        return got


def log_safe(y: np.ndarray | None, log_y: bool) -> np.ndarray | None:
    """On a log axis, values <= 0 cannot be drawn: they become gaps, not warnings."""
    if y is None or not log_y:
        return y
    with np.errstate(invalid="ignore"):
        return np.where(y > 0, y, np.nan)


def plotted(y: np.ndarray | None, log_y: bool) -> np.ndarray | None:
    """What the curve item gets: log10 of the values on a log axis (PlotCurveItem, unlike the
    heavier PlotDataItem, does not transform by itself)."""
    if y is None or not log_y:
        return y
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(y)
