"""Store throughput beside a row-per-point sqlite3 baseline measured in the same run.

    python benchmarks/store_bench.py [--points N] [--repeat R]

Prints medians over R repeats: points per second for ingest (``Store.append`` of whole arrays,
the path ``log_many`` and importers take), the per-call ``Run.log`` rate, and full-channel reads.
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chartdesk  # noqa: E402


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def baseline_rows(folder: Path, x, y, t) -> tuple[float, float]:
    path = folder / f"rows-{time.monotonic_ns()}.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE points (channel INTEGER, i INTEGER, x REAL, y REAL, t REAL, PRIMARY KEY (channel, i))")
    rows = list(zip([1] * len(x), range(len(x)), x.tolist(), y.tolist(), t.tolist()))

    def ingest():
        with con:
            con.executemany("INSERT INTO points VALUES (?, ?, ?, ?, ?)", rows)

    def read():
        got = con.execute("SELECT x, y, t FROM points WHERE channel = 1 ORDER BY i").fetchall()
        np.array(got, dtype=np.float64)

    w = timed(ingest)
    r = timed(read)
    con.close()
    return w, r


def chartdesk_blobs(folder: Path, x, y, t) -> tuple[float, float]:
    store = chartdesk.open_store(folder / f"cd-{time.monotonic_ns()}.db")
    store.create_experiment("bench", "e")
    w = timed(lambda: store.append("bench", "e", "c", x, y, t))
    r = timed(lambda: store.read("bench", "e", "c"))
    store.close()
    return w, r


def log_rate(folder: Path, n: int) -> float:
    run = chartdesk.init("bench", "log", db=folder / f"log-{time.monotonic_ns()}.db", flush_interval=0.5)
    log = run.log
    t0 = time.perf_counter()
    for i in range(n):
        log("loss", 0.5)
    dt = time.perf_counter() - t0
    run.close()
    return n / dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.points
    rng = np.random.default_rng(1)
    x = np.arange(n, dtype=np.float64)
    y = rng.normal(size=n)
    t = 1.7e9 + x * 0.01
    res = {k: [] for k in ("row_w", "row_r", "cd_w", "cd_r", "log")}
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        for _ in range(args.repeat):
            w, r = baseline_rows(folder, x, y, t)
            res["row_w"].append(n / w)
            res["row_r"].append(n / r)
            w, r = chartdesk_blobs(folder, x, y, t)
            res["cd_w"].append(n / w)
            res["cd_r"].append(n / r)
            res["log"].append(log_rate(folder, min(n, 1_000_000)))
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"store benchmark: {n:,} points, median of {args.repeat}")
    print(f"{'measure':<34}{'chartdesk':>14}{'baseline':>14}{'ratio':>8}")
    print(f"{'ingest (points/s)':<34}{med['cd_w']:>14,.0f}{med['row_w']:>14,.0f}{med['cd_w'] / med['row_w']:>7.1f}x")
    print(f"{'read whole channel (points/s)':<34}{med['cd_r']:>14,.0f}{med['row_r']:>14,.0f}{med['cd_r'] / med['row_r']:>7.1f}x")
    print(f"{'Run.log calls (points/s)':<34}{med['log']:>14,.0f}{'':>14}{'':>8}")
    print("baseline: sqlite3 executemany, one row per point (WAL); read = SELECT ... ORDER BY i into numpy")


if __name__ == "__main__":
    main()
