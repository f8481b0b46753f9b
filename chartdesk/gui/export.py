"""Exports of one chart: PNG (title, legend and plot, at 1x/2x/4x, without hover marks), SVG
(the same picture as vectors, at the screen's resolution so axes and curves agree) and CSV of
every plotted point at full resolution."""
from __future__ import annotations

import csv
from contextlib import contextmanager

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QWidget

from ..errors import InvalidInput
from ..groups import GroupRequest, exact_group
from ..views import full_series
from .svg_fix import bake


@contextmanager
def _clean(chart):
    """Hide what only makes sense under a mouse (the hover line and read-out, the menu button)
    without moving anything: the picture has the geometry of the chart on screen."""
    vline, text, shown = chart.vline.isVisible(), chart.readout.text(), chart.menu_button.isVisible()
    chart.clear_hover()
    chart.menu_button.setVisible(False)  # it keeps its place (retainSizeWhenHidden)
    try:
        yield
    finally:
        chart.menu_button.setVisible(shown)
        chart.vline.setVisible(vline)
        chart.readout.setText(text)


def _render(widget: QWidget, painter: QPainter) -> None:
    widget.render(painter, QPoint(0, 0), QRegion(), QWidget.RenderFlag.DrawChildren
                  | QWidget.RenderFlag.DrawWindowBackground)


def export_png(chart, path: str, scale: int = 1) -> None:
    if scale not in (1, 2, 3, 4):
        raise InvalidInput(f"PNG scale must be 1, 2, 3 or 4, not {scale}")
    with _clean(chart):
        size = chart.size()
        img = QImage(size * scale, QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(scale)
        img.fill(QColor(chart._bg))
        painter = QPainter(img)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        _render(chart, painter)
        painter.end()
    if not img.save(path, "PNG"):
        raise InvalidInput(f"cannot write {path}")


def export_svg(chart, path: str) -> None:
    with _clean(chart):
        gen = QSvgGenerator()
        gen.setFileName(path)
        size = chart.size()
        gen.setSize(size)
        gen.setViewBox(QRect(QPoint(0, 0), size))
        # The screen's resolution: pyqtgraph records axes and grid as QPictures, and a QPicture
        # played on a device of another resolution is scaled by the ratio (72/96: axes at 75%).
        gen.setResolution(chart.logicalDpiX())
        gen.setTitle(chart.chart.name)
        painter = QPainter(gen)
        _render(chart, painter)
        painter.end()
    bake_file(path)


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
    ws = chart._ws
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["experiment", "series", "channel", "x", "y"] + (["y_smoothed"] if smooth else []))
        for c in chart.curves:
            x, y, ys = full_series(ws.store, ws.project, c.experiment, c.channel, chart.chart.x_axis,
                                   chart.chart.smoothing)
            cols = [x.tolist(), y.tolist()] + ([ys.tolist()] if smooth else [])
            for values in zip(*cols):
                w.writerow([c.experiment, str(c.ref), c.channel, *map(repr, values)])


def export_group_csv(chart, path: str) -> None:
    ws = chart._ws
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["group", "series", "runs", "band", "x", "mean", "lo", "hi", "n"])
        for c in chart.curves:
            req = GroupRequest(ws.project, c.members, chart.chart.band, x_channels=c.planned.x_channels)
            x, mean, lo, hi, n = exact_group(ws.store, req)
            runs = " ".join(e for e, _c in c.members)
            for row in zip(x.tolist(), mean.tolist(), lo.tolist(), hi.tolist(), n.tolist()):
                w.writerow([c.label, str(c.ref), runs, chart.chart.band, *map(repr, row[:4]), row[4]])


def export_chart(chart, path: str, scale: int = 1) -> None:
    lower = path.lower()
    if lower.endswith(".csv"):
        export_csv(chart, path)
    elif lower.endswith(".svg"):
        export_svg(chart, path)
    else:
        export_png(chart, path, scale)


