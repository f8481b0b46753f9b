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
    for _ in range(n):
        log("loss", 0.5)
    dt = time.perf_counter() - t0
    run.close()
    return n / dt


def log_many_rate(folder: Path, x: np.ndarray, y: np.ndarray) -> float:
    run = chartdesk.init("bench", "many", db=folder / f"many-{time.monotonic_ns()}.db")
    t0 = time.perf_counter()
    run.log_many("loss", x, y)
    run.flush()  # one transaction into the store; close() would add SQLite's WAL checkpoint at exit
    dt = time.perf_counter() - t0
    run.close()
    return len(x) / dt


MLFLOW_SCRIPT = r"""
import json, sys, time, tempfile, os, logging
logging.disable(logging.WARNING)
from mlflow.tracking import MlflowClient
from mlflow.entities import Metric
n_log, n_read = int(sys.argv[1]), int(sys.argv[2])
d = tempfile.mkdtemp()
client = MlflowClient(tracking_uri=f"sqlite:///{d}/mlflow.db")
exp = client.create_experiment("bench")
run = client.create_run(exp).info.run_id
now = int(time.time() * 1000)
t0 = time.perf_counter()
for i in range(0, n_log, 1000):   # log_batch takes at most 1000 metrics a call
    client.log_batch(run, metrics=[Metric("loss", 0.5, now, k) for k in range(i, min(n_log, i + 1000))])
log = n_log / (time.perf_counter() - t0)
run2 = client.create_run(exp).info.run_id
for i in range(0, n_read, 1000):
    client.log_batch(run2, metrics=[Metric("acc", 0.5, now, k) for k in range(i, min(n_read, i + 1000))])
t0 = time.perf_counter()
hist = client.get_metric_history(run2, "acc")
read = time.perf_counter() - t0
print(json.dumps({"log": log, "read_s": read, "read_n": len(hist)}))
"""


def mlflow_baseline(n_log: int, n_read: int) -> dict | None:
    """MLflow's own numbers, in the interpreter named by $MLFLOW_PYTHON (or this one)."""
    import json
    import os
    import subprocess

    python = os.environ.get("MLFLOW_PYTHON", sys.executable)
    try:
        r = subprocess.run([python, "-c", MLFLOW_SCRIPT, str(n_log), str(n_read)], capture_output=True, text=True,
                           timeout=1800, env={**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true"})
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    return json.loads(r.stdout.strip().splitlines()[-1])


def read_100k(folder: Path, repeat: int) -> float:
    store = chartdesk.open_store(folder / f"r100k-{time.monotonic_ns()}.db")
    store.create_experiment("bench", "e")
    store.append("bench", "e", "acc", np.arange(100_000.0), np.full(100_000, 0.5))
    out = statistics.median([timed(lambda: store.read("bench", "e", "acc")) for _ in range(repeat)])
    store.close()
    return out


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
    res = {k: [] for k in ("row_w", "row_r", "cd_w", "cd_r", "log", "many")}
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
            res["many"].append(log_many_rate(folder, x, y))
        r100k = read_100k(folder, args.repeat)
    med = {k: statistics.median(v) for k, v in res.items()}
    print(f"store benchmark: {n:,} points, median of {args.repeat}")
    print(f"{'measure':<34}{'chartdesk':>14}{'baseline':>14}{'ratio':>8}")
    print(f"{'ingest (points/s)':<34}{med['cd_w']:>14,.0f}{med['row_w']:>14,.0f}{med['cd_w'] / med['row_w']:>7.1f}x")
    row = "{:<34}{:>14,.0f}{:>14,.0f}{:>7.1f}x"
    print(row.format("read whole channel (points/s)", med["cd_r"], med["row_r"], med["cd_r"] / med["row_r"]))
    print(row.format("log_many + flush (points/s)", med["many"], med["row_w"], med["many"] / med["row_w"]))
    print(f"{'Run.log calls (points/s)':<34}{med['log']:>14,.0f}{'':>14}{'':>8}")
    print("baseline: sqlite3 executemany, one row per point (WAL); read = SELECT ... ORDER BY i into numpy")
    ml = mlflow_baseline(100_000, 100_000)
    if ml:
        print("{:<34}{:>14,.0f}{:>14,.0f}{:>7.0f}x".format("vs MLflow log_batch (points/s)", med["many"], ml["log"],
                                                        med["many"] / ml["log"]))
        print(f"{'100k-point read vs get_metric_history':<34}{r100k * 1000:>12.2f}ms{ml['read_s'] * 1000:>12.0f}ms"
              f"{ml['read_s'] / r100k:>7.0f}x")
        print("MLflow: its SQLite store, 100k points; MLFLOW_PYTHON names an interpreter that has mlflow")
    else:
        print(f"100k-point read: {r100k * 1000:.2f} ms (MLflow baseline skipped: set MLFLOW_PYTHON to a python with mlflow)")


if __name__ == "__main__":
    main()
