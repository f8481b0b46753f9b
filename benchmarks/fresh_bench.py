"""Store speed as a user meets it: a new process, the public API, the store opened for the call.

- read: ``chartdesk.open_store(path).read(p, e, c)`` of an N-point channel, timed inside a new
  process from before ``open_store`` to the arrays in hand; baseline: ``numpy.load`` of the same
  three arrays from ``.npy`` files, timed the same way in a new process;
- ingest: ``chartdesk.init(...)`` + ``log_many`` of M points + ``close()`` in a new process;
  baseline: sqlite3 ``executemany`` of the same points, one row per point, in a new process.
Medians of R runs; the files are in the OS page cache for both sides (each is read once first).

    python benchmarks/fresh_bench.py [--points 10000000] [--ingest 2000000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from launch_env import launch_env  # noqa: E402

import chartdesk  # noqa: E402

READ = r"""
import sys, time, json
import numpy as np
import chartdesk
t0 = time.perf_counter()
s = chartdesk.open_store(sys.argv[1])
series = s.read("bench", "e", "c")
t1 = time.perf_counter()
assert len(series.x) == int(sys.argv[2])
s.close()
print(json.dumps({"s": t1 - t0}))
"""

NPY = r"""
import sys, time, json
import numpy as np
t0 = time.perf_counter()
x, y, t = (np.load(f"{sys.argv[1]}/{k}.npy") for k in "xyt")
t1 = time.perf_counter()
print(json.dumps({"s": t1 - t0}))
"""

INGEST = r"""
import sys, time, json
import numpy as np
import chartdesk
n = int(sys.argv[2])
steps = np.arange(n, dtype=np.float64)
values = np.random.default_rng(0).normal(size=n)
t0 = time.perf_counter()
run = chartdesk.init(project="bench", experiment="ingest", db=sys.argv[1])
run.log_many("loss", steps, values)
run.close()
print(json.dumps({"s": time.perf_counter() - t0}))
"""

ROWS = r"""
import sys, time, json, sqlite3
import numpy as np
n = int(sys.argv[2])
steps = np.arange(n, dtype=np.float64)
values = np.random.default_rng(0).normal(size=n)
t0 = time.perf_counter()
con = sqlite3.connect(sys.argv[1])
con.execute("PRAGMA journal_mode=WAL")
con.execute("CREATE TABLE IF NOT EXISTS points (channel INTEGER, x REAL, y REAL, t REAL)")
now = time.time()
con.executemany("INSERT INTO points VALUES (1, ?, ?, ?)", ((float(a), float(b), now) for a, b in zip(steps, values)))
con.commit()
con.close()
print(json.dumps({"s": time.perf_counter() - t0}))
"""


def run(code: str, *args) -> float:
    out = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True,
                         timeout=600, env=launch_env()).stdout
    return json.loads(out.strip().splitlines()[-1])["s"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--ingest", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        n = args.points
        rng = np.random.default_rng(1)
        x = np.arange(n, dtype=np.float64)
        y = np.cumsum(rng.normal(size=n))
        t = 1.7e9 + np.cumsum(rng.uniform(0.009, 0.011, size=n))
        db = folder / "read.db"
        with chartdesk.open_store(db) as s:
            s.create_experiment("bench", "e")
            s.append("bench", "e", "c", x, y, t)
        for k, v in zip("xyt", (x, y, t)):
            np.save(folder / f"{k}.npy", v)
        run(READ, db, n)  # warm the page cache for both
        run(NPY, folder)
        cd_read, np_read = [], []
        for _ in range(args.repeat):  # interleaved, so both meet the same machine
            cd_read.append(run(READ, db, n))
            np_read.append(run(NPY, folder))
        ing, rows = [], []
        for i in range(args.repeat):
            ing.append(run(INGEST, folder / f"ingest{i}.db", args.ingest))
            rows.append(run(ROWS, folder / f"rows{i}.db", args.ingest))
        size = db.stat().st_size / 1e6
    r, b = statistics.median(cd_read), statistics.median(np_read)
    wi, wr = statistics.median(ing), statistics.median(rows)
    print(f"fresh process, {n:,}-point channel, medians of {args.repeat} (store {size:,.0f} MB; raw {n * 24 / 1e6:,.0f} MB)")
    print(f"  read   open_store(path).read(...)      {r * 1000:8.1f} ms   numpy.load x3 {b * 1000:8.1f} ms   "
          f"ratio {r / b:5.2f}x (target <= 2x)")
    cd_rate, row_rate = args.ingest / wi / 1e6, args.ingest / wr / 1e6
    print(f"  ingest init + log_many + close         {cd_rate:8.2f} M/s  row-per-point {row_rate:8.2f} M/s"
          f"   {wr / wi:5.1f}x (target >= 8x)")
    print("  runs: read " + ", ".join(f"{v * 1000:.0f}" for v in cd_read) + " ms; numpy " +
          ", ".join(f"{v * 1000:.0f}" for v in np_read) + " ms; ingest " + ", ".join(f"{v:.2f}" for v in ing) +
          " s; rows " + ", ".join(f"{v:.2f}" for v in rows) + " s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
