"""A run with many metrics, opened as a user opens it (issue 8, item 20).

One experiment with C channels of N points (default 100 x 400k). Measures, over R runs each:
- the whole process: ``chartdesk --project P --experiment E --screenshot F`` until it exits;
- inside one process: from the window showing to every visible chart drawn.
Each process starts as a user's launch does after the first: with ChartDesk's modules compiled
(``launch_env``).

    python benchmarks/wide_run_bench.py [--channels 100] [--points 400000] [--repeat 3] [--keep DIR]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from launch_env import compiled, launch_env  # noqa: E402

import chartdesk  # noqa: E402

PREFIXES = ("train/", "val/", "sys/", "")


def build(db: Path, channels: int, n: int) -> None:
    with chartdesk.open_store(db) as s:
        if "wide" in s.projects():
            return
        rng = np.random.default_rng(0)
        x = np.arange(n, dtype=np.float64)
        s.create_experiment("wide", "run", state="succeeded")
        for start in range(0, channels, 10):
            batch = {}
            for c in range(start, min(channels, start + 10)):
                name = f"{PREFIXES[c % len(PREFIXES)]}metric{c:03d}"
                batch[name] = (x, np.cumsum(rng.normal(size=n)) * 0.01, 1.7e9 + x * 0.05)
            s.append_many("wide", "run", batch)


IN_PROCESS = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
t0 = time.perf_counter()
import chartdesk
from chartdesk.gui.app import make_app, open_window
app = make_app()
store = chartdesk.open_store(sys.argv[1])
w = open_window(store, "wide", "run")
w.resize(1366, 768)
w.tabs.setCurrentIndex(w.tabs.count() - 1)
built = time.perf_counter()
w.show()
shown = time.perf_counter()
while not w.settled():
    app.processEvents()
drawn = time.perf_counter()
grid = w.tabs.visible_grid()
print(f"{built - t0:.3f} {drawn - shown:.3f} {len(grid.charts)} {len(grid.slots)}")
w.close()
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--channels", type=int, default=100)
    ap.add_argument("--points", type=int, default=400_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", help="keep the store in this folder")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"wide-{args.channels}x{args.points}.db"
    t = time.perf_counter()
    build(db, args.channels, args.points)
    print(f"store: {args.channels} channels x {args.points:,} points ({time.perf_counter() - t:.1f} s to build)")
    env = launch_env(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(folder / "config"))
    compiled()
    whole, inner = [], []
    for i in range(args.repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(db), "--project", "wide", "--experiment", "run",
                        "--screenshot", str(folder / f"shot{i}.png")], check=True, env=env, timeout=300)
        whole.append(time.perf_counter() - t)
        out = subprocess.run([sys.executable, "-c", IN_PROCESS, str(db)], capture_output=True, text=True, env=env,
                             check=True, timeout=300).stdout.split()
        inner.append((float(out[0]), float(out[1]), int(out[2]), int(out[3])))
    print(f"{'whole process, --screenshot until exit':<48}{statistics.median(whole):>8.2f} s   "
          f"(runs: {', '.join(f'{v:.2f}' for v in whole)}; target 1.5 s)")
    print(f"{'window built (imports, store, widgets)':<48}{statistics.median(v[0] for v in inner):>8.2f} s")
    print(f"{'shown -> visible charts drawn':<48}{statistics.median(v[1] for v in inner):>8.2f} s   "
          f"(runs: {', '.join(f'{v[1]:.2f}' for v in inner)}; target 0.3 s)")
    print(f"{'charts built / charts in the tab':<48}{inner[-1][2]:>8d} / {inner[-1][3]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
