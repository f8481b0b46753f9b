"""The GUI thread's longest stall while a window makes 20 alias reorders (issue 18: edits' store
writes leave the GUI thread).

A window (offscreen Qt) is open on the demo's mnist project, with the alias ``accuracy`` chosen in
its alias editor. The reorders are the ↑ button's path (``Workspace.move_alias_entries``), one
every 20 ms from a timer; a 1 ms timer notes every turn of the event loop, and the longest gap
between two turns is the stall. Twice per run: idle, and while another process holds the store's
write lock (``BEGIN IMMEDIATE``) for 2 s from just before the first reorder. Also printed: the
longest reorder call, and when the store held the last reorder (from the first click).

    python benchmarks/edit_stall_bench.py [--runs 5] [--edits 20] [--hold 2]
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
os.environ.setdefault("CHARTDESK_LOADER_PROCESSES", "0")

import chartdesk  # noqa: E402

HOLDER = r"""
import sqlite3, sys, time
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
con.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
con.execute("COMMIT")
"""


def one_run(edits: int, hold: float) -> dict:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from chartdesk.demo import seed
    from chartdesk.gui.app import make_app, open_window

    db = str(Path(tempfile.mkdtemp()) / "runs.db")
    with chartdesk.open_store(db) as s:
        seed(s)
    app = make_app()
    store = chartdesk.open_store(db)
    w = open_window(store, "mnist", "adam-both-names", processes=0)
    w.show()
    end = time.monotonic() + 3
    while time.monotonic() < end:  # first paint and the first poll are over
        app.processEvents()
    w.alias_editor.choose("accuracy")
    holder = None
    if hold > 0:
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, db, str(hold)], stdout=subprocess.PIPE, text=True)
        assert holder.stdout.readline().strip() == "locked"
    ticks: list[float] = []
    calls: list[float] = []
    state = {"n": 0, "t0": time.monotonic()}
    beat = QTimer()
    beat.timeout.connect(lambda: ticks.append(time.monotonic()))
    beat.start(1)
    clicker = QTimer()

    def reorder() -> None:
        entries = w.ws.alias("accuracy")
        t = time.monotonic()
        w.ws.move_alias_entries("accuracy", len(entries) - 1, 1, 0, "Reorder accuracy")
        calls.append(time.monotonic() - t)
        state["n"] += 1
        if state["n"] >= edits:
            clicker.stop()
    clicker.timeout.connect(reorder)
    t0 = time.monotonic()
    clicker.start(20)
    expected = None
    written_at = None
    deadline = t0 + 120
    while time.monotonic() < deadline:
        app.processEvents()
        if state["n"] >= edits:
            if expected is None:
                expected = list(w.ws.alias("accuracy"))
            if not getattr(w.ws.session, "writing", False) and store.alias("mnist", "accuracy") == expected:
                written_at = time.monotonic() - t0
                break
        time.sleep(0.0005)
    beat.stop()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # the stall: the longest gap between two turns of the loop, from the first reorder on
    out = {"stall_ms": 1000 * max(gaps or [0.0]), "call_ms": 1000 * max(calls or [0.0]),
           "written_s": written_at if written_at is not None else float("nan")}
    if holder is not None:
        holder.wait(30)
    w.close()
    QApplication.processEvents()
    store.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--hold", type=float, default=2.0, help="seconds the other process holds the write lock")
    args = ap.parse_args()
    print(f"chartdesk from {chartdesk.__file__}")
    print(f"load before: {os.getloadavg()[0]:.2f}")
    results = {"idle": [], "locked": []}
    for _ in range(args.runs):
        results["idle"].append(one_run(args.edits, 0.0))
        results["locked"].append(one_run(args.edits, args.hold))
    for case, runs in results.items():
        for key, unit in (("stall_ms", "ms"), ("call_ms", "ms"), ("written_s", "s")):
            vals = [r[key] for r in runs]
            print(f"{case:6s} {key:9s} min {min(vals):8.1f} median {statistics.median(vals):8.1f} "
                  f"max {max(vals):8.1f} {unit}   ({', '.join(f'{v:.1f}' for v in vals)})")
    print(f"load after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
