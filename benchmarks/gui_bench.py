"""The window at scale, measured in one process (offscreen Qt):

- first paint of a chart set of C charts over E selected experiments of N points per channel,
  with the GUI thread's longest stall (a 1 ms timer's largest gap) and peak resident memory;
- pan/zoom frame times on that chart set;
- the same experiments' raw arrays handed to pyqtgraph (one chart of E curves): the baseline;
- opening a project of 1,000 experiments;
- live latency: a writer process logs at 10k points/s, the open chart shows each new point.

    python benchmarks/gui_bench.py [--experiments 20] [--charts 12] [--points 1000000] [--keep DIR]
                                   [--only-big] [--legend-crosshair]

--legend-crosshair: every chart's legend follows the crosshair (``Chart.legend_crosshair``), so the
crosshair figures include reordering 12 legends of 20 entries as the pointer moves.
"""
from __future__ import annotations

import argparse
import gc
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Settings of their own: a window restores the last selection, which would make the benchmark's
# own selection a no-op (and the user's settings are not the benchmark's business).
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="chartdesk-bench-config-")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from launch_env import as_launched  # noqa: E402

import chartdesk  # noqa: E402


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_big(db: Path, n_exp: int, n_ch: int, n: int) -> None:
    with chartdesk.open_store(db) as s:
        if "bench" in s.projects() and len(s.experiments("bench")) == n_exp:
            return
        rng = np.random.default_rng(0)
        x = np.arange(n, dtype=np.float64)
        t = 1.7e9 + x * 0.1
        t0 = time.perf_counter()
        for e in range(n_exp):
            s.create_experiment("bench", f"e{e:02d}", state="succeeded")
            batch = {}
            for c in range(n_ch):
                y = np.cumsum(rng.normal(size=n)) * 0.01
                y[rng.integers(0, n, 3)] += 50.0  # spikes that must survive
                batch[f"m{c:02d}"] = (x, y, t)
            s.append_many("bench", f"e{e:02d}", batch)
        s.set_chart_set("bench", "Big", [{"name": f"m{c:02d}", "series": [f"channel:m{c:02d}"]} for c in range(n_ch)])
        dt = time.perf_counter() - t0
        print(f"built {n_exp} x {n_ch} x {n:,} points = {n_exp * n_ch * n * 24 / 1e9:.1f} GB raw in {dt:.0f} s")


class StallProbe:
    """A 1 ms timer on the GUI thread; the largest gap between its ticks is the longest stall."""

    def __init__(self):
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)

    def _tick(self):
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self):
        self.gaps.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self):
        self.timer.stop()
        return max(self.gaps) if self.gaps else float("nan")


def pump_until(app, cond, timeout=120.0):
    deadline = time.perf_counter() + timeout
    while not cond() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    return cond()


def draw_selection(app, store, processes: int | None):
    """Open the window, select every experiment, and time until the chart set is drawn:
    (window, seconds, longest stall, note)."""
    from chartdesk.gui.app import open_window

    w = open_window(store, "bench", processes=processes)
    w.resize(1920, 1080)
    w.show()
    w.ws.select_experiments([])  # not the selection the last window left
    pump_until(app, w.settled)
    procs = w.ws.loader.processes
    # with loader processes, the window is measured once they are there: they start when the
    # window has had nothing to load for a second, as before a person's first selection
    pump_until(app, lambda: procs.ready or procs.failed or not procs.count, timeout=30)
    how = f"views read in {procs.count} loader process(es)" if procs.ready else \
        f"views read on the window's threads{' (' + procs.failed + ')' if procs.failed else ''}"
    probe = StallProbe()
    probe.start()
    t0 = time.perf_counter()
    w.ws.select_experiments(store.experiments("bench"))
    ok = pump_until(app, w.settled)
    app.processEvents()  # the paint of the last chart
    seconds = time.perf_counter() - t0
    stall = probe.stop()
    grid = w.grids["Big"]
    curves = sum(len(c.curves) for c in grid.charts)
    return w, seconds, stall, f"{len(grid.charts)} charts, {curves} curves{'' if ok else ' (TIMEOUT)'}; {how}"


def bench_big(db: Path, results: dict) -> None:
    from chartdesk.gui.app import make_app

    app = make_app()
    store = chartdesk.open_store(db)
    base_rss = rss_mb()
    # right after launch the loader processes are not there yet: the views are read on threads
    w, seconds, stall, note = draw_selection(app, store, processes=0)
    results["first paint, at launch"] = (seconds, note)
    results["longest GUI stall during that first paint"] = (stall, "1 ms timer's largest gap")
    w.close()
    w.deleteLater()  # gone before the next window is measured (tearing 240 curves down takes a while)
    pump_until(app, lambda: False, timeout=0.5)
    gc.collect()
    w, seconds, stall, note = draw_selection(app, store, processes=None)
    results["first paint"] = (seconds, note)
    results["longest GUI stall during first paint"] = (stall, "1 ms timer's largest gap")
    grid = w.grids["Big"]
    # pan and zoom as a mouse drag does it: ~30 range changes a second, each told as the person's
    # gesture (what ViewBox's wheel and drag handlers emit after moving the view), so with
    # View > Link x axes on (the default) every chart of the tab follows; then the same with it off,
    # one chart moving. Every turn of the event loop that did work (moving the views, applying
    # arrived views, painting) is a frame.
    for linked in (True, False):
        w.tabs.set_linked(linked)
        grid.refresh()  # every chart back to its whole range between the two
        for c in grid.charts:
            c.plot.getPlotItem().enableAutoRange()
        pump_until(app, w.settled)
        chart = grid.charts[0]
        vb = chart.plot.getPlotItem().getViewBox()
        n = int(chart.curves[0].x.max()) + 1
        frames = []
        follows = grid.links.follows
        probe = StallProbe()
        probe.start()
        for i in range(120):
            span = n / (1.15 ** (i % 30))
            center = n / 2 + (i % 7) * span * 0.05
            t1 = time.perf_counter()
            vb.setXRange(center - span / 2, center + span / 2, padding=0)
            vb.sigRangeChangedManually.emit([True, False])  # a gesture: the linked charts follow
            app.processEvents()
            frames.append(time.perf_counter() - t1)
            end = time.perf_counter() + 0.033
            while time.perf_counter() < end:
                t1 = time.perf_counter()
                app.processEvents()
                d = time.perf_counter() - t1
                if d > 0.001:
                    frames.append(d)
                time.sleep(0.001)
        pan_stall = probe.stop()
        t1 = time.perf_counter()  # the charts following catch up with the last pan step
        pump_until(app, lambda: not grid.following(), timeout=10)
        catch_up = time.perf_counter() - t1
        frames.sort()
        moved = 1 + (grid.links.follows - follows) / 120
        what = f"linked, {moved:.0f} charts moving" if linked else "not linked, 1 chart moving"
        results[f"pan/zoom frame, median ({what})"] = (statistics.median(frames),
                                                       f"{len(frames)} frames, 120 range changes at ~30/s")
        results[f"pan/zoom frame, 95th percentile ({what})"] = (frames[int(0.95 * len(frames))], "")
        results[f"longest GUI stall while panning ({what})"] = (pan_stall, "")
        if linked:
            results["linked: the last follower shows the last pan step after"] = (
                catch_up, f"{grid.follow_turns} turns moved followers; each follows to the latest range only")
    w.tabs.set_linked(True)
    # the crosshair: the pointer moves across the first chart at 60 Hz (mouse events on its
    # viewport, as the window system sends them); every other chart shows the line and its dots
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    vp = chart.plot.viewport()
    frames, lines, sorted_legends = [], 0, 0
    probe = StallProbe()
    probe.start()
    for i in range(120):
        at = QPointF(vp.width() * (0.1 + 0.8 * (i % 60) / 60), vp.height() / 2)
        t1 = time.perf_counter()
        QApplication.sendEvent(vp, QMouseEvent(QEvent.Type.MouseMove, at, QPointF(vp.mapToGlobal(at.toPoint())),
                                               Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                               Qt.KeyboardModifier.NoModifier))
        app.processEvents()
        frames.append(time.perf_counter() - t1)
        end = time.perf_counter() + 1 / 60
        while time.perf_counter() < end:
            t1 = time.perf_counter()
            app.processEvents()
            d = time.perf_counter() - t1
            if d > 0.001:
                frames.append(d)
            time.sleep(0.001)
        lines = max(lines, sum(c.vline.isVisible() for c in grid.charts))
        sorted_legends = max(sorted_legends, sum(c.legend_at_crosshair() for c in grid.charts))
    hover_stall = probe.stop()
    QApplication.sendEvent(vp, QEvent(QEvent.Type.Leave))
    frames.sort()
    results["crosshair frame, median"] = (statistics.median(frames), f"{len(frames)} frames, pointer moved at 60 Hz; "
                                                                     f"line shown in {lines} charts, legend "
                                                                     f"by its values in {sorted_legends}")
    results["crosshair frame, 95th percentile"] = (frames[int(0.95 * len(frames))], "")
    results["longest GUI stall while hovering"] = (hover_stall, "")
    workers = sum(rss_mb(pid) for pid in set(w.ws.loader.processes.pids))
    results["resident memory after paint (MB)"] = (rss_mb(), f"peak {peak_mb():.0f} MB, before window {base_rss:.0f} MB; "
                                                            f"+{workers:.0f} MB in the loader process(es)")
    w.close()
    store.close()


def bench_raw_baseline(db: Path, results: dict, n_exp: int) -> None:
    import pyqtgraph as pg

    from chartdesk.gui.app import make_app

    app = make_app()
    store = chartdesk.open_store(db)
    before = rss_mb()
    t0 = time.perf_counter()
    pw = pg.PlotWidget()
    pw.resize(900, 500)
    pw.getPlotItem().setClipToView(True)
    for e in store.experiments("bench")[:n_exp]:
        s = store.read("bench", e, "m00")
        item = pw.plot(s.x, s.y)
        item.setDownsampling(auto=True, method="peak")
    pw.show()
    app.processEvents()
    pw.grab()
    dt = time.perf_counter() - t0
    results["baseline: pyqtgraph, raw arrays, ONE chart"] = (dt, f"{n_exp} curves read whole; +{rss_mb() - before:.0f} MB")
    pw.close()
    store.close()


def bench_thousand(folder: Path, results: dict) -> None:
    from chartdesk.gui.app import make_app, open_window

    db = folder / "thousand.db"
    with chartdesk.open_store(db) as s:
        if "thousand" not in s.projects():
            x = np.arange(200.0)
            for i in range(1000):
                s.create_experiment("thousand", f"run-{i:04d}", state="succeeded", tags=["sweep"])
                s.append_many("thousand", f"run-{i:04d}", {"loss": (x, np.exp(-x / (50 + i)), None),
                                                          "acc" if i % 2 else "pred_acc": (x, 1 - np.exp(-x / 40), None)})
            s.set_alias("thousand", "accuracy", ["acc", "pred_acc"])
            s.set_chart_set("thousand", "Main", [{"name": "acc", "series": ["alias:accuracy"]},
                                                 {"name": "loss", "series": ["channel:loss"], "log_y": True}])
    app = make_app()
    store = chartdesk.open_store(db)
    t0 = time.perf_counter()
    w = open_window(store, "thousand")
    w.show()
    pump_until(app, w.settled)
    w.grab()
    results["open a 1,000-experiment project, chart set drawn"] = (time.perf_counter() - t0, "")
    w.close()
    store.close()


WRITER = r"""
import sys, time, numpy as np, chartdesk
db, seconds = sys.argv[1], float(sys.argv[2])
with chartdesk.init(project="live", experiment="run", db=db) as run:
    end = time.time() + seconds
    step = 0
    while time.time() < end:
        now = time.time()
        run.log("stamp", now, step=step)          # the value is the time it was logged
        run.log_many("bulk", np.arange(step * 100, step * 100 + 100), np.random.rand(100))
        step += 1
        time.sleep(0.01)                           # ~10k points/s on "bulk"
"""


def bench_live(folder: Path | None, results: dict, seconds: float = 8.0, db: str | None = None,
               label: str = "live: newest point on screen, 95th percentile") -> None:
    """``db``: a store to use instead of a new file in ``folder`` (a PostgreSQL URL: pg_bench.py)."""
    from chartdesk.gui.app import make_app, open_window

    if db is None:
        db = folder / "live.db"
        for stale in folder.glob("live.db*"):
            stale.unlink()
    with chartdesk.open_store(db) as s:
        s.create_experiment("live", "run")
        s.append_many("live", "run", {"stamp": ([0.0], [time.time()], None), "bulk": ([0.0], [0.0], None)})
        s.set_chart_set("live", "Live", [{"name": "stamp", "series": ["channel:stamp"]},
                                         {"name": "bulk", "series": ["channel:bulk"]}])
    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "live", "run")
    w.show()
    pump_until(app, w.settled)
    chart = next(c for c in w.grids["Live"].charts if c.chart.name == "stamp")
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(db), str(seconds)], stderr=subprocess.PIPE, text=True)
    lat = []
    seen = 0.0
    end = time.time() + seconds + 1
    while time.time() < end:
        app.processEvents()
        if chart.curves and len(chart.curves[0].y):
            newest = float(np.nanmax(chart.curves[0].y))
            if newest > seen:
                lat.append(time.time() - newest)
                seen = newest
        time.sleep(0.002)
    _, err = proc.communicate(timeout=30)
    w.close()
    store.close()
    lat.sort()
    p95 = lat[int(0.95 * len(lat))] if lat else float("nan")
    locked = "locked" in err
    results[label] = (p95, f"{len(lat)} updates; writer at ~10k points/s; "
                                                              f"'database is locked': {'YES' if locked else 'never'}")


LOAD_BEFORE = ""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--experiments", type=int, default=20)
    ap.add_argument("--charts", type=int, default=12)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--keep", help="folder to keep (and reuse) the generated stores in")
    ap.add_argument("--only-big", action="store_true", help="only the chart set's first paint and pan/zoom")
    ap.add_argument("--legend-crosshair", action="store_true",
                    help="every chart's legend ordered by the values under the crosshair while it moves")
    args = ap.parse_args()
    global LOAD_BEFORE
    LOAD_BEFORE = "{:.2f} {:.2f}".format(*os.getloadavg()[:2])
    tmp = None
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        folder = Path(tmp.name)
    db = folder / "big.db"
    build_big(db, args.experiments, args.charts, args.points)
    with chartdesk.open_store(db) as s:  # a kept store gets the option asked for now, on or off
        s.set_chart_set("bench", "Big", [{**c, "legend_crosshair": args.legend_crosshair}
                                         for c in s.chart_sets("bench")["Big"]])
    results: dict[str, tuple[float, str]] = {}
    bench_big(db, results)
    if not args.only_big:
        bench_thousand(folder, results)
        bench_live(folder, results)
        bench_raw_baseline(db, results, args.experiments)
    print(f"\nGUI benchmark: {args.charts} charts x {args.experiments} experiments x {args.points:,} points "
          f"({args.charts * args.experiments * args.points * 24 / 1e9:.1f} GB raw), 2-core machine, offscreen")
    print(f"load average before: {LOAD_BEFORE}; after: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}")
    print(f"{'measure':<72}{'value':>10}  notes")
    for name, (value, note) in results.items():
        shown = f"{value:.0f}" if "MB" in name else (f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s")
        print(f"{name:<72}{shown:>10}  {note}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    as_launched()
    main()
