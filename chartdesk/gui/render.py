"""Headless pictures: draw an experiment's chart set (or one chart per channel) to a PNG or SVG,
with the same ChartGrid, resolver and loader the window uses, saved as a chart's export is
(``export.save_picture``: every legend entry, no scrollbar, no hover marks or menu buttons)."""
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
    suffix = os.path.splitext(out)[1].lower()
    if suffix not in (".png", ".svg"):
        raise InvalidInput(f"{out}: a picture is written as .png or .svg, not {suffix or 'a name without a suffix'}")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt

    from .app import make_app
    from .chart_grid import ChartGrid
    from .export import save_picture
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
    try:
        draw_all(app, ws, grid)
        save_picture(grid, out, scale)  # what a chart's Export PNG/SVG draws with: whole legends, no hover
    finally:
        grid.close()
        ws.shutdown()
        grid.deleteLater()
        ws.deleteLater()
        app.processEvents()
    return len(charts)


def draw_all(app, ws, grid, timeout_s: float = RENDER_TIMEOUT_S, expected: int | None = None, tick=None) -> None:
    """Build every chart of an off-screen ``grid`` and wait until each has drawn (the loader idle
    and every chart settled for ten checks in a row: layout and autorange have had their say);
    StoreError naming the first chart error, or a timeout, or fewer charts than ``expected``.
    ``tick()`` is called every 20 turns (a Cancel raises from there)."""
    app.processEvents()
    grid.materialize()
    grid.refresh()
    deadline = time.monotonic() + timeout_s
    quiet = turn = 0
    while quiet < 10 and time.monotonic() < deadline:
        app.processEvents()
        quiet = quiet + 1 if ws.loader.is_idle() and grid.settled() else 0
        time.sleep(0.005)
        turn += 1
        if tick is not None and turn % 20 == 0:
            tick()
    errors = [e for w in grid.charts for e in w.errors]
    if not grid.settled() or errors or (expected is not None and len(grid.charts) != expected):
        raise StoreError(errors[0] if errors else f"could not draw every chart: {ws.loader.last_error or 'timed out'}")
