"""Comparing runs at scale (issue 10): the runs table of a 1,000-run sweep and a seed aggregate.

- 1,000 runs x 50 params x 20 channels x 10k points: ``store.runs`` with 10 summary columns in a
  new process (the store opened for the call, cold: no cached summaries); then, in the window's
  runs table (offscreen Qt), sorting and filtering times and the GUI thread's longest stall while
  the table fills;
- 20 runs x 1M points: ``store.aggregate`` of one alias (mean and std band, exact on every point);
  then in the window (offscreen Qt): the 20 runs grouped into one group, time until the chart
  draws the group (read and aggregated on loader threads) and the GUI thread's longest stall
  meanwhile, and a zoom (the exact statistic is cached: only decimated again).

    python benchmarks/runs_bench.py [--runs 1000] [--points 10000] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="chartdesk-bench-config-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from launch_env import compiled, launch_env  # noqa: E402

import chartdesk  # noqa: E402

COLUMNS = [f"channel:m{c:02d}:{r}" for c, r in zip(range(10), ["max", "min", "last", "count", "argmax", "first",
                                                                  "max", "min", "last", "argmin"])]

COLD = r"""
import sys, time, json
import chartdesk
cols = json.loads(sys.argv[2])
t0 = time.perf_counter()
s = chartdesk.open_store(sys.argv[1])
rows = s.runs("sweep", columns=cols)
print(json.dumps({"s": time.perf_counter() - t0, "rows": len(rows)}))
"""


def build(db: Path, runs: int, points: int) -> None:
    with chartdesk.open_store(db) as s:
        if "sweep" in s.projects():
            return
        rng = np.random.default_rng(0)
        x = np.arange(points, dtype=np.float64)
        for r in range(runs):
            params = {f"p{k:02d}": float(rng.uniform()) for k in range(48)}
            params.update(lr=float(10 ** rng.uniform(-4, -1)), optimizer={"name": ["adam", "sgd"][r % 2]})
            s.create_experiment("sweep", f"run-{r:04d}", params=params, state="succeeded")
            s.append_many("sweep", f"run-{r:04d}", {f"m{c:02d}": (x, np.cumsum(rng.normal(size=points)), None)
                                                    for c in range(20)})
        s.set_alias("sweep", "accuracy", ["m00"])


def build_seeds(db: Path, n: int) -> None:
    with chartdesk.open_store(db) as s:
        if "seeds" in s.projects():
            s.set_chart_set("seeds", "G", [{"name": "Accuracy", "series": ["alias:accuracy"]}])
            return
        rng = np.random.default_rng(1)
        x = np.arange(n, dtype=np.float64)
        for r in range(20):
            s.create_experiment("seeds", f"seed-{r}", state="succeeded")
            name = "acc" if r % 2 else "pred_acc"
            s.append("seeds", f"seed-{r}", name, x[: n - r * 1000], np.cumsum(rng.normal(size=n - r * 1000)))
        s.set_alias("seeds", "accuracy", ["acc", "pred_acc"])
        s.set_chart_set("seeds", "G", [{"name": "Accuracy", "series": ["alias:accuracy"]}])


def gui_group(db: Path, repeat: int = 3, probe_stalls: bool = True) -> dict:
    from chartdesk.gui.app import make_app, open_window

    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "seeds")
    w.resize(1600, 1000)
    w.show()
    w.ws.select_experiments(store.experiments("seeds"))
    quiet(app, w, 120)
    chart = w.tabs.visible_grid().charts[0]
    rt = w.runs_table
    probe = StallProbe()
    drawn, stalls, zooms = [], [], []
    for _ in range(repeat):
        rt.group_edit.setText("")
        rt.apply_grouping(save=False)
        while not w.settled():
            app.processEvents()
        w.ws.loader.invalidate()  # cold: nothing cached
        if probe_stalls:
            probe.start()
        t0 = time.perf_counter()
        rt.group_edit.setText('name ~ "seed"')
        rt.apply_grouping(save=False)
        while not (chart.grouped and chart.drawn and chart.curves and len(chart.curves[0].x)):
            app.processEvents()
        drawn.append(time.perf_counter() - t0)
        stalls.append(probe.stop())
        vb = chart.plot.getPlotItem().getViewBox()
        end = float(chart.curves[0].x.max())
        t0 = time.perf_counter()
        vb.setXRange(0.4 * end, 0.41 * end, padding=0)  # a 1% window of the steps
        app.processEvents()
        while not chart.drawn or not len(chart.curves[0].x) or chart.curves[0].x.min() > 0.4 * end:
            app.processEvents()
        zooms.append(time.perf_counter() - t0)
        chart.reset_view()
    runs = chart.curves[0].label
    w.close()
    return {"drawn": drawn, "stall": stalls, "zoom": zooms, "label": runs}


class StallProbe:
    """A 1 ms timer on the GUI thread: the longest gap between its ticks is the longest stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(1)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self.gaps.clear()
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        """The longest stall since start (NaN without a tick)."""
        self._timer.stop()
        return max(self.gaps) if self.gaps else float("nan")


def quiet(app, w, seconds: float = 60) -> None:
    """Until the window has drawn what is in view and built the charts below it (one per turn of
    the event loop, after the visible ones): nothing left that is not the measured step's."""
    deadline = time.perf_counter() + seconds
    grid = w.tabs.visible_grid()
    while time.perf_counter() < deadline:
        app.processEvents()
        if w.settled() and (grid is None or all(s.widget is not None for s in grid.slots
                                                 if not s.parentWidget().isHidden())):
            break
    end = time.perf_counter() + 0.5
    while time.perf_counter() < end:
        app.processEvents()


def gui_table(db: Path) -> dict:
    from PySide6.QtCore import Qt

    from chartdesk.gui.app import make_app, open_window

    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "sweep")
    w.resize(1600, 1000)
    w.show()
    quiet(app, w)  # the charts first (those in view, then the ones built ahead): their drawing is not the table's
    w.runs_dock.raise_()
    rt = w.runs_table
    while rt.model.loading:
        app.processEvents()
    probe = StallProbe()
    rt.model.columns = list(COLUMNS)
    app.processEvents()
    probe.start()
    t0 = time.perf_counter()
    rt.model.reload()
    while rt.model.loading or rt.model.rowCount() == 0:
        app.processEvents()
    app.processEvents()
    filled = time.perf_counter() - t0
    stall = probe.stop()
    sorts, filters = [], []
    for col in range(5, 5 + 20):
        t = time.perf_counter()
        order = Qt.SortOrder.AscendingOrder if col % 2 else Qt.SortOrder.DescendingOrder
        rt.view.sortByColumn(col % rt.model.columnCount(), order)
        app.processEvents()
        sorts.append(time.perf_counter() - t)
    for text in ('lr < 0.01 and optimizer.name == "adam"', "channel:m00:max > 50", 'name ~ "run-0[0-4]"',
                 "p01 < 0.5 or p02 > 0.9"):
        t = time.perf_counter()
        rt.filter_edit.setText(text)
        app.processEvents()
        filters.append(time.perf_counter() - t)
    w.close()
    return {"filled": filled, "stall": stall, "sort": statistics.median(sorts),
            "sort_max": max(sorts), "filter": statistics.median(filters), "filter_max": max(filters)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--points", type=int, default=10_000)
    ap.add_argument("--seed-points", type=int, default=1_000_000)
    ap.add_argument("--keep", help="keep the stores in this folder")
    ap.add_argument("--groups-only", action="store_true", help="only the 20-run group (aggregate and window)")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    if args.groups_only:
        return groups(folder, args.seed_points)
    db = folder / f"sweep-{args.runs}x{args.points}.db"
    t = time.perf_counter()
    build(db, args.runs, args.points)
    print(f"store: {args.runs} runs x 50 params x 20 channels x {args.points:,} points "
          f"(built in {time.perf_counter() - t:.0f} s)")
    compiled()
    cold = [json.loads(subprocess.run([sys.executable, "-c", COLD, str(db), json.dumps(COLUMNS)], capture_output=True,
                                      text=True, check=True, env=launch_env()).stdout)["s"] for _ in range(3)]
    g = gui_table(db)
    print(f"{'runs table, 10 summary columns, new process (cold)':<56}{statistics.median(cold):8.2f} s   "
          f"(runs {', '.join(f'{v:.2f}' for v in cold)}; target 1 s)")
    print(f"{'window: table filled (off the GUI thread)':<56}{g['filled']:8.2f} s   longest GUI stall "
          f"{g['stall'] * 1000:.0f} ms (target 50 ms)")
    print(f"{'window: sort by a column, median / worst':<56}{g['sort'] * 1000:8.1f} ms / {g['sort_max'] * 1000:.1f} ms "
          "(target 50 ms)")
    print(f"{'window: filter expression, median / worst':<56}{g['filter'] * 1000:8.1f} ms / "
          f"{g['filter_max'] * 1000:.1f} ms (target 50 ms)")
    return groups(folder, args.seed_points)


def groups(folder: Path, points: int) -> int:
    sdb = folder / f"seeds-{points}.db"
    build_seeds(sdb, points)
    with chartdesk.open_store(sdb) as s:
        exps = s.experiments("seeds")
        agg = []
        for _ in range(3):
            t = time.perf_counter()
            res = s.aggregate("seeds", exps, "alias:accuracy", band="std")
            agg.append(time.perf_counter() - t)
    gg = gui_group(sdb)
    quiet = gui_group(sdb, probe_stalls=False)  # the 1 ms probe timer competes for the GIL itself
    print(f"{f'aggregate 20 runs x {points:,} points (alias, std band)':<56}{statistics.median(agg):8.2f} s   "
          f"({len(res.x):,} steps; target 1 s)")
    print(f"{f'window: 20 x {points:,} grouped, drawn (cold), median':<56}{statistics.median(gg['drawn']):8.2f} s   "
          f"(runs {', '.join(f'{v:.2f}' for v in gg['drawn'])}; {gg['label']}; target 1 s)")
    print(f"{'  the same without the 1 ms stall probe, median':<56}{statistics.median(quiet['drawn']):8.2f} s   "
          f"(runs {', '.join(f'{v:.2f}' for v in quiet['drawn'])})")
    print(f"{'window: longest GUI stall while it loads, median':<56}{statistics.median(gg['stall']) * 1000:8.0f} ms "
          f"(runs {', '.join(f'{v * 1000:.0f}' for v in gg['stall'])}; target 50 ms)")
    print(f"{'window: zoom into a grouped chart, median':<56}{statistics.median(gg['zoom']) * 1000:8.0f} ms "
          f"(runs {', '.join(f'{v * 1000:.0f}' for v in gg['zoom'])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
