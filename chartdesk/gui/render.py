"""Headless pictures: draw an experiment's chart set (or one chart per channel) to a PNG,
with the same ChartGrid, resolver and loader the window uses."""
from __future__ import annotations

import os
import time

from ..errors import InvalidInput, NotFound, StoreError
from ..model import Chart, SeriesRef

RENDER_TIMEOUT_S = 120


def render(store, project: str, experiment: str, out: str, chart_set: str | None = None,
           width: int = 1200, row_height: int = 320, scale: int = 1) -> int:
    """Write the picture (PNG at ``scale`` times the size, or SVG when ``out`` ends in .svg);
    returns how many charts it holds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt

    from .app import make_app
    from .chart_view import ChartGrid
    from .workspace import Workspace

    if experiment not in store.experiments(project):
        raise NotFound(f"unknown experiment {experiment!r} in project {project!r}")
    sets = store.chart_set_list(project)
    if chart_set is not None:
        found = [s for s in sets if s.name == chart_set]
        if not found:
            raise NotFound(f"unknown chart set {chart_set!r} in project {project!r}"
                           + (f"; known: {', '.join(s.name for s in sets)}" if sets else "; it has none"))
        charts = list(found[0].charts)
    elif sets:
        charts = list(sets[0].charts)
    else:
        charts = [Chart(c, (SeriesRef("channel", c),)) for c in store.channels(project, experiment)]
    app = make_app()
    ws = Workspace(store, processes=0)  # one picture: no worker processes to start
    ws.set_project(project)
    ws.select_experiments([experiment])
    grid = ChartGrid(ws, charts, editable=False, empty_text=f"{experiment} has nothing to chart",
                     chart_height=row_height)
    grid.all_at_once = True  # a picture holds every chart, not only those a window would show
    grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    grid.resize(width, row_height)
    grid.show()
    app.processEvents()
    grid.resize(width, grid.widget().sizeHint().height())  # tall enough for every row
    app.processEvents()
    grid.materialize()
    grid.refresh()
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    quiet = 0  # settled for this many checks in a row: layout and autorange have had their say
    while quiet < 10 and time.monotonic() < deadline:
        app.processEvents()
        quiet = quiet + 1 if ws.loader.is_idle() and grid.settled() else 0
        time.sleep(0.005)
    errors = [e for w in grid.charts for e in w.errors]
    if not grid.settled() or errors:
        grid.close()
        ws.shutdown()
        raise StoreError(errors[0] if errors else f"could not draw every chart: {ws.loader.last_error or 'timed out'}")
    for w in grid.charts:
        w.menu_button.setVisible(False)  # keeps its place; nothing to click in a picture
    ok = _save(grid, out, scale)
    grid.close()
    ws.shutdown()
    grid.deleteLater()
    ws.deleteLater()
    app.processEvents()
    if not ok:
        raise InvalidInput(f"cannot write {out}")
    return len(charts)


def _save(widget, out: str, scale: int) -> bool:
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtGui import QImage, QPainter, QRegion
    from PySide6.QtSvg import QSvgGenerator
    from PySide6.QtWidgets import QWidget

    flags = QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground
    if out.lower().endswith(".svg"):
        gen = QSvgGenerator()
        gen.setFileName(out)
        gen.setSize(widget.size())
        gen.setViewBox(QRect(QPoint(0, 0), widget.size()))
        gen.setResolution(widget.logicalDpiX())  # as the window's exports: axes and curves agree
        painter = QPainter(gen)
        ok = painter.isActive()
        widget.render(painter, QPoint(0, 0), QRegion(), flags)
        painter.end()
        from .export import bake_file

        bake_file(out)
        return ok
    img = QImage(widget.size() * scale, QImage.Format.Format_ARGB32_Premultiplied)
    img.setDevicePixelRatio(scale)
    img.fill(widget.palette().color(widget.backgroundRole()))
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    widget.render(painter, QPoint(0, 0), QRegion(), flags)
    painter.end()
    return img.save(out, "PNG")
