"""What the crosshair's legend order costs a chart (``Chart.legend_crosshair``): a legend of E
entries (offscreen Qt, the real ``Legend``), put in a new order as the crosshair moves.

- reorder: ``Legend.reorder`` to another order (the entries of the curves that moved rewritten),
  alone, and then with the legend painted (``repaint``: what the frame pays), per call;
- same order: ``Legend.reorder`` to the order it has (a move of the pointer that changes nothing),
  per call;
- fill: ``Legend.fill`` in the new order, then painted (what refilling would cost instead).

Each figure is the median of R calls; the run is repeated ``--repeat`` times and the spread given.
A crosshair over 12 charts pays at most 12 reorders a frame (only charts whose order changed).

    python benchmarks/legend_bench.py [--entries 20] [--calls 300] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


class _Curve:
    def __init__(self, i: int) -> None:
        self.label = f"lr={[0.0003, 0.001, 0.003][i % 3]}, seed={i} · loss"
        self.color = f"#{(i * 2654435761) & 0xFFFFFF:06x}"
        self.dash, self.marker, self.visible = 0, None, i % 7 != 3

    def tooltip(self) -> str:
        return self.label


def once(entries: int, calls: int) -> dict[str, float]:
    from PySide6.QtWidgets import QApplication

    from chartdesk.gui.legend import Legend

    app = QApplication.instance() or QApplication([])
    legend = Legend()
    legend.resize(700, 200)
    legend.show()
    curves = [_Curve(i) for i in range(entries)]
    legend.fill(curves)
    app.processEvents()
    rng = np.random.default_rng(0)
    orders = [list(rng.permutation(entries)) for _ in range(calls)]
    out: dict[str, list[float]] = {"reorder": [], "reorder + paint": [], "same order": [], "fill + paint": []}
    for order in orders:
        t = time.perf_counter()
        legend.reorder(order)
        out["reorder"].append(time.perf_counter() - t)
        legend.viewport().repaint()
        out["reorder + paint"].append(time.perf_counter() - t)
        t = time.perf_counter()
        legend.reorder(order)
        out["same order"].append(time.perf_counter() - t)
    for order in orders:
        t = time.perf_counter()
        legend.fill(curves, order)
        legend.viewport().repaint()
        out["fill + paint"].append(time.perf_counter() - t)
    legend.close()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    load = "{:.2f} {:.2f}".format(*os.getloadavg()[:2])
    runs = [once(args.entries, args.calls) for _ in range(args.repeat)]
    print(f"legend of {args.entries} entries, {args.calls} calls a run, {args.repeat} runs; "
          f"load average before {load}, after {os.getloadavg()[0]:.2f}")
    for k in runs[0]:
        v = sorted(r[k] * 1000 for r in runs)
        print(f"{k:<20} median {statistics.median(v):.3f} ms  (runs {v[0]:.3f}-{v[-1]:.3f} ms)")


if __name__ == "__main__":
    main()
