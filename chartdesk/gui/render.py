"""Headless pictures: draw an experiment's chart set (or one chart per channel) to a PNG,
with the same ChartGrid, resolver and loader the window uses."""
from __future__ import annotations

import math
import os
import time

from ..errors import InvalidInput, NotFound, StoreError
from ..model import Chart, SeriesRef

RENDER_TIMEOUT_S = 120


def render(store, project: str, experiment: str, out: str, chart_set: str | None = None,
           width: int = 1200, row_height: int = 320) -> int:
    """Write the picture; returns how many charts it holds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
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
    ws = Workspace(store)
    ws.set_project(project)
    ws.select_experiments([experiment])
    grid = ChartGrid(ws, charts, editable=False, empty_text=f"{experiment} has nothing to chart")
    ws.loader.sig_ready.connect(grid.draw_ready)
    rows = max(1, math.ceil(len(charts) / 2)) if len(charts) > 1 else 1
    grid.resize(width, rows * row_height + 20)
    grid.widget().setFixedSize(width, rows * row_height)
    grid.show()
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
    ok = grid.widget().grab().save(out)
    grid.close()
    ws.shutdown()
    grid.deleteLater()
    ws.deleteLater()
    app.processEvents()
    if not ok:
        raise InvalidInput(f"cannot write {out}")
    return len(charts)
