"""Large-channel figures (issue 4, partial): 10M-point read vs numpy.load, M4 decimation,
and whole-process render of a 10M-point channel vs a 100-point one.

    python benchmarks/scale_bench.py [--points N] [--repeat R]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from launch_env import compiled, launch_env  # noqa: E402

import chartdesk  # noqa: E402
from chartdesk.decimate import m4  # noqa: E402


def median_time(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.points
    rng = np.random.default_rng(0)
    x = np.arange(n, dtype=np.float64)
    y = rng.normal(size=n)
    t = 1.7e9 + x * 0.01
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        db = d / "big.db"
        with chartdesk.open_store(db) as s:
            s.create_experiment("big", "e")
            s.append("big", "e", "huge", x, y, t)
            s.append("big", "e", "tiny", x[:100], y[:100], t[:100])
            read = median_time(lambda: s.read("big", "e", "huge"), args.repeat)
        np.save(d / "x.npy", x), np.save(d / "y.npy", y), np.save(d / "t.npy", t)
        npload = median_time(lambda: [np.load(d / f"{k}.npy") for k in "xyt"], args.repeat)
        dec = median_time(lambda: m4(x, y, 0, n - 1, 1000), args.repeat)
        env = launch_env(QT_QPA_PLATFORM="offscreen")
        compiled()

        def render():
            subprocess.run([sys.executable, "-c", "import sys; from chartdesk.cli import main; sys.exit(main())",
                            "render", "--project", "big", "--experiment", "e", "--out", str(d / "r.png"),
                            "--db", str(db)], check=True, env=env, capture_output=True)

        with chartdesk.open_store(db) as s:
            s.set_chart_set("big", "one", [{"name": "huge", "series": ["channel:huge"]}])
        r_big = median_time(render, max(1, args.repeat // 2))
        with chartdesk.open_store(db) as s:
            s.set_chart_set("big", "one", [{"name": "tiny", "series": ["channel:tiny"]}])
        r_small = median_time(render, max(1, args.repeat // 2))
    print(f"scale benchmark: {n:,} points, medians")
    print(f"{'measure':<44}{'seconds':>10}{'baseline':>10}{'ratio':>8}")
    print(f"{'read whole channel vs numpy.load of 3 .npy':<44}{read:>10.3f}{npload:>10.3f}{read / npload:>7.2f}x")
    print(f"{'M4 decimation to 1000 px (numpy)':<44}{dec:>10.3f}{'':>10}{'':>8}")
    print(f"{'render process, 10M-point chart vs 100-point':<44}{r_big:>10.3f}{r_small:>10.3f}{r_big / r_small:>7.2f}x")


if __name__ == "__main__":
    main()
