"""The dots a crosshair puts on each curve: a few circles of a fixed pixel size, cheap to move.

A chart following another chart's crosshair marks each curve's point under the line with a dot,
on every move of the pointer, in every chart of the tab. pyqtgraph's ``ScatterPlotItem`` did it
at 2.6 ms a move and chart (it renders each brush's symbol into its atlas and tells the view its
bounds changed, which made the view fit its range again on the next paint: 0.9 ms more); these
are 20 ellipses painted in device pixels and never part of the view's range.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QPainter, QPen


class CrossDots(pg.GraphicsObject):
    """Circles of ``size`` pixels at data points, each with its own fill, outlined in ``outline``."""

    def __init__(self, size: float = 7.0, outline: QColor | str = "w") -> None:
        super().__init__()
        self._size = float(size)
        self._pen = QPen(pg.mkColor(outline), 1.0)
        self._x = np.empty(0)
        self._y = np.empty(0)
        self._brushes: list[QBrush] = []
        self._data_rect = QRectF()

    def set_outline(self, outline: QColor | str) -> None:
        """Outline the dots in another colour (the plot's background, after a theme change)."""
        self._pen = QPen(pg.mkColor(outline), 1.0)
        self.update()

    def setData(self, x, y, brush=None) -> None:  # noqa: N802 - ScatterPlotItem's name, for callers of either
        """Dots at (x, y); ``brush``: one fill per dot (QBrush, QColor or anything pg.mkBrush takes)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        brushes = [b if isinstance(b, QBrush) else pg.mkBrush(b) for b in (brush or [])]
        if len(brushes) < len(x):
            brushes += [pg.mkBrush("w")] * (len(x) - len(brushes))
        if not len(x) and not len(self._x):
            return
        self.prepareGeometryChange()
        self._x, self._y, self._brushes = x, y, brushes
        self._data_rect = QRectF(float(x.min()), float(y.min()), float(np.ptp(x)), float(np.ptp(y))) if len(x) \
            else QRectF()
        self.update()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 - ScatterPlotItem's name
        return self._x, self._y

    def dataBounds(self, ax, frac=1.0, orthoRange=None):  # noqa: N802, N803 - pyqtgraph's names
        return None  # a mark, not data: the view's range never depends on it

    def viewTransformChanged(self) -> None:  # noqa: N802 - pyqtgraph's name: the pixel padding moved
        self.prepareGeometryChange()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        if not len(self._x):
            return QRectF()
        pad = self._size / 2 + 1.5
        px, py = self.pixelWidth() or 0.0, self.pixelHeight() or 0.0
        return self._data_rect.adjusted(-pad * px, -pad * py, pad * px, pad * py)

    def paint(self, painter: QPainter, *args) -> None:
        if not len(self._x):
            return
        to_device = painter.transform()
        painter.save()
        painter.resetTransform()  # circles of a size in pixels, whatever the axes' scales
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(self._pen)
        r = self._size / 2
        for x, y, brush in zip(self._x, self._y, self._brushes):
            if np.isfinite(x) and np.isfinite(y):
                painter.setBrush(brush)
                painter.drawEllipse(to_device.map(QPointF(float(x), float(y))), r, r)
        painter.restore()
