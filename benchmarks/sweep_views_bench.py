"""The scatter of runs and the parallel coordinates at scale (issue 20): a sweep of N runs x 50
params x 10 summary columns (the shape of ``runs_bench.py``'s sweep, with short channels: drawing
does not depend on their length), in the window (offscreen Qt):

- rows: how long the view's rows took to read and turn into the table of dimensions (off the GUI
  thread: the window's worker processes for large projects);
- parallel coordinates with 10 axes coloured by a summary column: a full draw, a brush dragged
  (one frame while dragging: only this view redraws) and a brush let go (the run filter set: the
  runs table, tree and charts follow; time until the GUI thread is idle again);
- scatter of lr against accuracy:max with the trend line: a full draw;
- the GUI thread's longest stall meanwhile (a 5 ms timer's largest gap).

    python benchmarks/sweep_views_bench.py [--runs 1000] [--repeat 5] [--keep DIR]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="chartdesk-bench-config-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from launch_env import as_launched  # noqa: E402

import chartdesk  # noqa: E402

COLUMNS = [f"channel:m{c:02d}:{r}" for c, r in zip(range(10), ["max", "min", "last", "count", "argmax", "first",
                                                                  "max", "min", "last", "argmin"])]


def build(db: Path, runs: int, points: int = 20) -> None:
    with chartdesk.open_store(db) as s:
        if "sweep" in s.projects():
            return
        rng = np.random.default_rng(0)
        x = np.arange(points, dtype=np.float64)
        for r in range(runs):
            params = {f"p{k:02d}": float(rng.uniform()) for k in range(48)}
            params.update(lr=float(10 ** rng.uniform(-4, -1)), optimizer={"name": ["adam", "sgd"][r % 2]})
            s.create_experiment("sweep", f"run-{r:05d}", params=params, state="succeeded")
            s.append_many("sweep", f"run-{r:05d}", {f"m{c:02d}": (x, np.cumsum(rng.normal(size=points)), None)
                                                    for c in range(10)})
        s.set_alias("sweep", "accuracy", ["m00"])


class Stalls:
    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.worst = 0.0
        self.last = None

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last is not None:
            self.worst = max(self.worst, now - self.last)
        self.last = now

    def start(self) -> None:
        self.worst, self.last = 0.0, None
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.worst


def spin(app, until, timeout=300.0) -> float:
    t0 = time.perf_counter()
    while not until():
        app.processEvents()
        time.sleep(0.002)
        if time.perf_counter() - t0 > timeout:
            raise TimeoutError("the view did not get ready")
    return time.perf_counter() - t0


def idle(app, seconds=0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)


class Handlers:
    """The longest single call of the views' own GUI-thread handlers (a table arriving, a draw),
    to tell their stalls from the rest of the window's (the runs table, the tree, the charts)."""

    def __init__(self) -> None:
        from chartdesk.gui import sweep_views as svw

        self.worst: dict[str, float] = {}
        for cls, name in ((svw.SweepLoader, "_done"), (svw.ParallelView, "redraw"), (svw.ScatterView, "redraw"),
                          (svw.ParallelView, "_fill"), (svw.ScatterView, "_fill_boxes")):
            self._wrap(cls, name)

    def _wrap(self, cls, name: str) -> None:
        real = getattr(cls, name)
        label = f"{cls.__name__}.{name}"

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                self.worst[label] = max(self.worst.get(label, 0.0), time.perf_counter() - t)
        setattr(cls, name, timed)


def forget(view) -> None:
    """The view draws again from its table at the next redraw (before ``forget`` existed: its keys)."""
    if hasattr(view, "forget"):
        view.forget()
    elif hasattr(view, "_unit_key"):
        view._unit_key = view._colour_key = view._axes_key = None


def measure(db: Path, repeat: int) -> dict:
    from chartdesk.gui.app import make_app, open_window

    handlers = Handlers()

    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "sweep", None)
    w.resize(1600, 1000)
    w.show()
    spin(app, lambda: w.settled() if hasattr(w, "settled") else True, 120)
    w.ws.pool.wait_ready(60)
    stalls = Stalls()
    out: dict = {"runs": len(store.experiments("sweep"))}

    pv = w.sweep_views.parallel()
    stalls.start()
    t0 = time.perf_counter()
    spin(app, pv.ready)
    out["parallel_first_s"] = time.perf_counter() - t0
    stall = {"opening the view (rows arrive, the runs table and filter take them)": stalls.stop()}
    stalls.start()
    out["rows_read_s"] = pv.loader.read_s
    axes = ["p00", "p01", "p02", "p03", "p04", "p05", "lr", "optimizer.name", "accuracy:max", "channel:m01:min"]
    pv.set_axes(axes)
    spin(app, lambda: pv.ready() and pv.keys == axes)
    pv.choose_colour("accuracy:max")
    idle(app)
    draws, inner = [], []
    for _ in range(repeat):
        forget(pv)  # nothing kept: a draw from the table
        t = time.perf_counter()
        pv.redraw()
        inner.append(pv.draw_s)
        app.processEvents()
        draws.append(time.perf_counter() - t)
    out["parallel_draw_s"] = draws
    stall["axes chosen and full draws"] = stalls.stop()
    stalls.start()
    out["parallel_draw_python_s"] = inner
    drags = []
    i = axes.index("lr")
    for k in range(repeat * 4):
        t = time.perf_counter()
        pv.drag_brush(i, 0.2 + 0.01 * k, 0.8, finished=False)
        app.processEvents()
        drags.append(time.perf_counter() - t)
    out["brush_drag_frame_s"] = drags
    stall["dragging a brush"] = stalls.stop()
    stalls.start()
    lets = []
    for k in range(repeat):
        t = time.perf_counter()
        pv.drag_brush(i, 0.2 + 0.02 * k, 0.8, finished=True)
        idle(app, 0.0)
        spin(app, lambda: w.ws.run_filter().shown is not None and pv.inside == w.ws.run_filter().shown)
        lets.append(time.perf_counter() - t)
        idle(app, 0.3)
    out["brush_release_s"] = lets
    stall["letting brushes go (filter set; runs table, tree, charts follow)"] = stalls.stop()
    out["inside"] = len(pv.inside)
    pv.clear_brushes()
    idle(app, 1.0)

    sc = w.sweep_views.scatter()
    stalls.start()
    spin(app, sc.ready)
    sc.choose(x="lr", y="accuracy:max")
    sc.log_x.setChecked(True)
    sc.trend.setChecked(True)
    spin(app, lambda: sc.ready() and sc.fitted is not None)
    idle(app)
    sdraws = []
    for _ in range(repeat):
        forget(sc)  # nothing kept: a draw from the table
        t = time.perf_counter()
        sc.redraw()
        app.processEvents()
        sdraws.append(time.perf_counter() - t)
    out["scatter_draw_s"] = sdraws
    stall["scatter opened and drawn"] = stalls.stop()
    out["gui_stalls_s"] = stall
    out["view_handlers_s"] = handlers.worst
    out["load_average"] = os.getloadavg()
    w.close()
    store.close()
    return out


def summary(values) -> str:
    ms = sorted(v * 1000 for v in values)
    p95 = ms[min(len(ms) - 1, math.ceil(0.95 * len(ms)) - 1)]
    return f"median {statistics.median(ms):.1f} ms (p95 {p95:.1f}, min {min(ms):.1f}, max {max(ms):.1f}, n={len(ms)})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", help="keep the store in this folder")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="chartdesk-sweepviews-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"sweep{args.runs}.db"
    t0 = time.perf_counter()
    build(db, args.runs)
    print(f"store of {args.runs} runs ready in {time.perf_counter() - t0:.1f} s", flush=True)
    out = measure(db, args.repeat)
    if args.json:
        print(json.dumps(out))
        return 0
    print(f"{out['runs']} runs · load average {', '.join(f'{v:.2f}' for v in out['load_average'])}")
    print(f"rows read and tabled (off the GUI thread): {out['rows_read_s']:.2f} s; first parallel view "
          f"{out['parallel_first_s']:.2f} s")
    print(f"parallel coordinates, 10 axes, full draw (items made, then painted): {summary(out['parallel_draw_s'])}; "
          f"of which making the items: {summary(out['parallel_draw_python_s'])}")
    print(f"brush dragged (one frame): {summary(out['brush_drag_frame_s'])}")
    print(f"brush let go (filter set, runs table and charts follow): {summary(out['brush_release_s'])}; "
          f"{out['inside']} runs inside")
    print(f"scatter with trend line, full draw: {summary(out['scatter_draw_s'])}")
    print("GUI thread's longest stall: " + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in out["gui_stalls_s"].items()))
    print("of which the views' own longest call: " + "; ".join(f"{k} {v * 1000:.0f} ms"
                                                               for k, v in out["view_handlers_s"].items()))
    return 0


if __name__ == "__main__":
    as_launched()
    sys.exit(main())
