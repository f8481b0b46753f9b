"""Parameter importance at scale (issue 20: 1,000 runs within 2 s, off the GUI thread): the sweep of
``sweep_views_bench.py`` (N runs x 50 params x 10 summary columns), ``chartdesk.importance`` of
``accuracy:max`` over every run, in this process as the window's worker process computes it: the
first call (scikit-learn imported then, as in a fresh worker) and the calls after it. Then, as in a
fresh window, in a new worker process of the window's pool (``WorkerPool``) each time: the first
importance asked of a cold process, and of one warmed as the sweep views warm it
(``WorkerPool.warm(importance.warm_up)`` once a view has its table) ``--after`` seconds before the
importance is asked for.

    python benchmarks/importance_bench.py [--runs 1000] [--repeat 5] [--after 3] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sweep_views_bench import build  # noqa: E402

import chartdesk  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--after", type=float, default=3.0,
                    help="seconds between the warm-up (a sweep view's table in) and the importance asked for")
    ap.add_argument("--keep", help="keep the store in this folder")
    args = ap.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="chartdesk-importance-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / f"sweep{args.runs}.db"
    build(db, args.runs)
    from chartdesk.importance import importance

    with chartdesk.open_store(db) as store:
        times = []
        for _ in range(args.repeat + 1):
            t = time.perf_counter()
            got = importance(store, "sweep", "accuracy:max")
            times.append(time.perf_counter() - t)
    first, rest = times[0], times[1:]
    print(f"{got.with_metric} runs x {len(got.features)} params · load average "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(f"importance of accuracy:max: first call {first:.2f} s (scikit-learn imported); then median "
          f"{statistics.median(rest):.2f} s (min {min(rest):.2f}, max {max(rest):.2f}, n={len(rest)})")
    cold, warm = [], []
    for _ in range(args.repeat):
        for warmed, out in ((False, cold), (True, warm)):
            out.append(first_in_fresh_worker(db, warmed, args.after))
    for name, values in (("cold worker process", cold), (f"warmed {args.after:g} s before", warm)):
        print(f"first importance in a fresh window's worker, {name}: median {statistics.median(values):.2f} s "
              f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})")
    print(f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


def first_in_fresh_worker(db: Path, warmed: bool, after: float) -> float:
    """Seconds from asking a new worker process of the window's pool for the importance to its answer."""
    from chartdesk.app.pool import WorkerPool
    from chartdesk.importance import importance, warm_up

    with chartdesk.open_store(db) as store:
        pool = WorkerPool(store, 1)
        try:
            if not pool.wait_ready(60):
                raise SystemExit(f"no worker process: {pool.failed}")
            if warmed:
                pool.warm(warm_up)
            time.sleep(after)
            t = time.perf_counter()
            pool.run(importance, "sweep", "accuracy:max").result()
            return time.perf_counter() - t
        finally:
            pool.shutdown()


if __name__ == "__main__":
    sys.exit(main())
