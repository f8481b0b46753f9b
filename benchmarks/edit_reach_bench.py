"""How long an edit made in another process takes to reach an open window (issue 18).

A window (offscreen Qt) is open on the demo's mnist project; a writer in a process of its own
reorders the ``accuracy`` alias, pins it in a run and adds a chart, one edit at a time, and
prints the wall time of each commit. The window's process notes when its alias editor, the
session's pins and the chart-set tab show the edit. SQLite: the window polls every 100 ms;
PostgreSQL: the change notice (LISTEN/NOTIFY) wakes it.

    python benchmarks/edit_reach_bench.py [--edits 20] [--db URL]     (default: a new SQLite file)
"""
from __future__ import annotations

import argparse
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

import chartdesk  # noqa: E402

WRITER = r"""
import sys, time, chartdesk
s = chartdesk.open_store(sys.argv[1])
orders = [["accuracy", "pred_acc", "acc"], ["accuracy", "acc", "pred_acc"]]
for i, line in enumerate(sys.stdin):
    kind = line.strip()
    if kind == "alias":
        s.set_alias("mnist", "accuracy", orders[i % 2])
    elif kind == "pin":
        s.set_pin("mnist", "adam-both-names", "accuracy", "acc" if i % 2 else "pred_acc")
    elif kind == "chart":
        s.set_chart_set("mnist", "Training", [{"name": f"Chart {i}", "series": ["channel:loss"]}])
    print(time.time(), flush=True)
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=20, help="edits of each kind")
    ap.add_argument("--db", help="store URL or path (default: a new SQLite file with the demo)")
    args = ap.parse_args()
    db = args.db or str(Path(tempfile.mkdtemp()) / "runs.db")
    with chartdesk.open_store(db) as s:
        from chartdesk.demo import seed

        seed(s)
    from PySide6.QtWidgets import QApplication

    from chartdesk.gui.app import make_app, open_window

    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "mnist", "adam-both-names", processes=0)
    w.show()
    w.alias_editor.choose("accuracy")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    seen = {"alias": w.alias_editor.entries_model.entries,
            "pin": lambda: w.ws.pin("adam-both-names", "accuracy"),
            "chart": lambda: [c.name for c in w.ws.chart_sets()[0].charts]}
    lat: dict[str, list[float]] = {k: [] for k in seen}
    for _ in range(args.edits):
        for kind, now in seen.items():
            before = now()
            writer.stdin.write(kind + "\n")
            writer.stdin.flush()
            committed = float(writer.stdout.readline())
            deadline = time.time() + 10
            while now() == before and time.time() < deadline:
                app.processEvents()
                time.sleep(0.001)
            lat[kind].append((time.time() - committed) * 1000)
            for _ in range(5):
                app.processEvents()
    writer.stdin.close()
    writer.wait(10)
    w.close()
    store.close()
    QApplication.processEvents()
    backend = "PostgreSQL (change notice)" if "postgresql" in db else "SQLite (100 ms poll)"
    print(f"edit in another process -> open window, {backend}, {args.edits} edits of each kind; "
          f"load {os.getloadavg()[0]:.2f}")
    print(f"{'edit':8} {'median':>8} {'p95':>8} {'max':>8}  (ms from the writer's commit)")
    for kind, v in lat.items():
        v = sorted(v)
        print(f"{kind:8} {statistics.median(v):8.0f} {v[int(0.95 * (len(v) - 1))]:8.0f} {v[-1]:8.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
