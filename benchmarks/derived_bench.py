"""Derived series as a user meets them: a new process, the public API, the store opened for the call.

A run with two channels of N points (``val/loss`` logged every step, ``train/loss`` too) and the
chart series ``expr:val/loss - train/loss``. In a fresh process: ``open_store``, then

- cold: the first view of the whole run (bind, read both channels, compute every point, decimate
  to 1,000 columns), against the same view of one stored channel (the cost of a plain curve);
- zoom: ten views of narrower x ranges after that, from the cache (target: as a channel's view);
- column: the runs table's summary column ``expr:val/loss - train/loss:last`` for the run;
- smoothing: a 2N-point channel with EMA 0.9, its first view and ten zooms (from the cache).

Issue 21's targets: two 1M-point channels computed within 0.3 s cold, zooms from the cache; a
smoothed 2M-point channel re-decimated on zoom within 50 ms from the cache.

    python benchmarks/derived_bench.py [--points 1000000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import chartdesk  # noqa: E402

RUN = r"""
import sys, time, json
t_start = time.perf_counter()
import chartdesk
from chartdesk.resolver import resolve_series
from chartdesk.views import ViewRequest, read_view
t0 = time.perf_counter()
s = chartdesk.open_store(sys.argv[1])
t_open = time.perf_counter()
chans = set(s.channels("bench", "e"))
bound = resolve_series("expr", "val/loss - train/loss", chans, s.aliases("bench"), s.pins("bench").get("e", {}))
v = read_view(s, ViewRequest("bench", "e", bound, width=1000))
t1 = time.perf_counter()
n = v.total
zooms = []
for k in range(10):
    lo = n * k / 20
    z0 = time.perf_counter()
    read_view(s, ViewRequest("bench", "e", bound, x0=lo, x1=lo + n / (2 + k), width=1000))
    zooms.append(time.perf_counter() - z0)
c0 = time.perf_counter()
plain = read_view(s, ViewRequest("bench", "e", "val/loss", width=1000))
c1 = time.perf_counter()
cz = []
for k in range(10):
    lo = n * k / 20
    z0 = time.perf_counter()
    read_view(s, ViewRequest("bench", "e", "val/loss", x0=lo, x1=lo + n / (2 + k), width=1000))
    cz.append(time.perf_counter() - z0)
from chartdesk.smoothing import Smoothing
sm = Smoothing("ema", 0.9)
s0 = time.perf_counter()
read_view(s, ViewRequest("bench", "e", "long", width=1000, smoothing=sm))
s1 = time.perf_counter()
m = 2 * n
sz = []
for k in range(10):
    lo = m * k / 20
    z0 = time.perf_counter()
    read_view(s, ViewRequest("bench", "e", "long", x0=lo, x1=lo + m / (2 + k), width=1000, smoothing=sm))
    sz.append(time.perf_counter() - z0)
col0 = time.perf_counter()
rows = s.runs("bench", columns=["expr:val/loss - train/loss:last"])
col1 = time.perf_counter()
s.close()
print(json.dumps({"open": t_open - t0, "cold": t1 - t_open, "zoom_median": sorted(zooms)[5], "zoom_max": max(zooms),
                  "channel_cold": c1 - c0, "channel_zoom_median": sorted(cz)[5], "column": col1 - col0,
                  "smooth_cold": s1 - s0, "smooth_zoom_median": sorted(sz)[5], "smooth_zoom_max": max(sz),
                  "points": n}))
"""


def build(path: str, n: int) -> None:
    rng = np.random.default_rng(1)
    x = np.arange(n, dtype=np.float64)
    s = chartdesk.open_store(path)
    s.create_experiment("bench", "e")
    s.append_many("bench", "e", {"val/loss": (x, rng.normal(size=n), 1.7e9 + x),
                                 "train/loss": (x, rng.normal(size=n), 1.7e9 + x)})
    x2 = np.arange(2 * n, dtype=np.float64)
    s.append("bench", "e", "long", x2, rng.normal(size=2 * n), 1.7e9 + x2)  # a 2N-point channel to smooth
    s.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "derived.db")
        build(db, args.points)
        runs = []
        for _ in range(args.repeat):
            load = os.getloadavg()[0]
            out = subprocess.run([sys.executable, "-c", RUN, db], capture_output=True, text=True, check=True)
            r = json.loads(out.stdout)
            r["load"] = load
            runs.append(r)
    print(f"expr:val/loss - train/loss over two {args.points:,}-point channels, {args.repeat} fresh processes "
          f"(1-minute load {min(r['load'] for r in runs):.2f}-{max(r['load'] for r in runs):.2f})")
    for key, what in [("open", "open_store"),
                      ("cold", "first view, computed (bind + read 2 + compute + decimate)"),
                      ("channel_cold", "first view of one stored channel (same process, after)"),
                      ("zoom_median", "zoomed view of the expression, from the cache (median of 10)"),
                      ("zoom_max", "slowest of those 10 zooms"),
                      ("channel_zoom_median", "zoomed view of the stored channel (median of 10)"),
                      ("column", "runs table column expr:...:last (cached series)"),
                      ("smooth_cold", "a 2N-point channel, EMA 0.9: first view (read + smooth + summary)"),
                      ("smooth_zoom_median", "that channel zoomed, from the cache (median of 10)"),
                      ("smooth_zoom_max", "slowest of those 10 zooms")]:
        vals = [r[key] * 1000 for r in runs]
        print(f"  {what:<66} {min(vals):7.1f}-{max(vals):7.1f} ms (median {statistics.median(vals):.1f})")


if __name__ == "__main__":
    main()
