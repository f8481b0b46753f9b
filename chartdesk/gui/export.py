"""Exports of one chart: PNG (title, plot and the whole legend, at 1x/2x/4x, without hover marks),
SVG (the same picture as vectors, at the screen's resolution so axes and curves agree) and CSV of
every plotted point at full resolution.

``save_picture`` is the one way ChartDesk saves a widget as a picture: a chart's Export PNG/SVG
and ``chartdesk render`` (a grid of charts) both draw through it, in the widget's ``figure()``
look (``chart_card`` and ``chart_grid``): every legend entry, no scrollbar, no hover line or read-out, no menu button.
"""
from __future__ import annotations

import csv
from contextlib import contextmanager, nullcontext

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QWidget

from ..errors import InvalidInput
from ..groups import GroupRequest, exact_group
from ..views import full_series
from .svg_fix import bake

PNG_SCALES = (1, 2, 3, 4)


def _render(widget: QWidget, painter: QPainter) -> None:
    with _uncached(widget):
        widget.render(painter, QPoint(0, 0), QRegion(), QWidget.RenderFlag.DrawChildren
                      | QWidget.RenderFlag.DrawWindowBackground)


@contextmanager
def _uncached(widget: QWidget):
    """Items the screen paints from a cached pixmap (a chart's axes and grid) are painted as
    themselves while a figure is drawn: vectors in an SVG, sharp at 2x-4x in a PNG."""
    views = widget.findChildren(QGraphicsView) + ([widget] if isinstance(widget, QGraphicsView) else [])
    held = []
    for view in views:
        for item in view.scene().items() if view.scene() is not None else ():
            if item.cacheMode() != QGraphicsItem.CacheMode.NoCache:
                held.append((item, item.cacheMode()))
                item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    try:
        yield
    finally:
        for item, mode in held:
            item.setCacheMode(mode)


def save_picture(widget: QWidget, path: str, scale: int = 1, background: QColor | None = None,
                 title: str = "") -> None:
    """Write ``widget`` as a figure: SVG when ``path`` ends in .svg, else PNG at ``scale`` times
    its size on ``background`` (default: the widget's own). A widget with a ``figure()`` context
    (a chart card, a grid of charts) is drawn in it; everything else as it is on screen."""
    if scale not in PNG_SCALES:
        raise InvalidInput(f"PNG scale must be 1, 2, 3 or 4, not {scale}")
    svg = path.lower().endswith(".svg")
    figure = getattr(widget, "figure", None)
    with figure() if figure is not None else nullcontext():
        size = widget.size()
        if svg:
            gen = QSvgGenerator()
            gen.setFileName(path)
            gen.setSize(size)
            gen.setViewBox(QRect(QPoint(0, 0), size))
            # The screen's resolution: pyqtgraph records axes and grid as QPictures, and a QPicture
            # played on a device of another resolution is scaled by the ratio (72/96: axes at 75%).
            gen.setResolution(widget.logicalDpiX())
            if title:
                gen.setTitle(title)
            painter = QPainter(gen)
            ok = painter.isActive()
            if ok:
                _render(widget, painter)
                painter.end()
        else:
            img = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
            img.setDevicePixelRatio(scale)
            img.fill(background if background is not None else widget.palette().color(widget.backgroundRole()))
            painter = QPainter(img)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            _render(widget, painter)
            painter.end()
    if svg:
        if ok:
            bake_file(path)
    else:
        ok = img.save(path, "PNG")
    if not ok:
        raise InvalidInput(f"cannot write {path}")


def export_png(chart, path: str, scale: int = 1) -> None:
    save_picture(chart, path, scale, background=QColor(chart._bg))


def export_svg(chart, path: str) -> None:
    save_picture(chart, path, title=chart.chart.name)


def bake_file(path: str) -> None:
    """Curves as pixel geometry, for renderers without non-scaling strokes (svg_fix)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(bake(text))


def export_csv(chart, path: str) -> None:
    """Every point of the plotted series, not the decimated view (groups: their exact mean and band
    at every step)."""
    if chart.grouped:
        export_group_csv(chart, path)
        return
    smooth = bool(chart.chart.smoothing)
    two_axes = bool(chart.chart.right_axis)  # a column says which y axis each series is drawn against
    ws = chart._ws
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["experiment", "series", "channel"] + ["axis"] * two_axes + ["x", "y"]
                   + (["y_smoothed"] if smooth else []))
        for c in chart.curves:
            x, y, ys = full_series(ws.store, ws.project, c.experiment, c.channel, chart.chart.x_axis,
                                   chart.chart.smoother)
            cols = [x.tolist(), y.tolist()] + ([ys.tolist()] if smooth else [])
            axis = [chart.chart.axis_of(c.ref)] * two_axes
            for values in zip(*cols):
                w.writerow([c.experiment, str(c.ref), c.channel, *axis, *map(repr, values)])


def export_group_csv(chart, path: str) -> None:
    ws = chart._ws
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        two_axes = bool(chart.chart.right_axis)
        w.writerow(["group", "series", "runs"] + ["axis"] * two_axes + ["band", "x", "mean", "lo", "hi", "n"])
        for c in chart.curves:
            req = GroupRequest(ws.project, c.members, chart.chart.band, x_channels=c.planned.x_channels)
            x, mean, lo, hi, n = exact_group(ws.store, req)
            runs = " ".join(e for e, _c in c.members)
            axis = [chart.chart.axis_of(c.ref)] * two_axes
            for row in zip(x.tolist(), mean.tolist(), lo.tolist(), hi.tolist(), n.tolist()):
                w.writerow([c.label, str(c.ref), runs, *axis, chart.chart.band, *map(repr, row[:4]), row[4]])


def export_chart(chart, path: str, scale: int = 1) -> None:
    lower = path.lower()
    if lower.endswith(".csv"):
        export_csv(chart, path)
    elif lower.endswith(".svg"):
        export_svg(chart, path)
    else:
        export_png(chart, path, scale)


