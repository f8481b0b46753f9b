"""TensorBoard import speed beside tensorboard's own EventFileLoader (no TensorFlow), same file,
same run. Needs the optional ``bench`` extra (tensorboard) for the baseline.

    python benchmarks/import_bench.py [--scalars N] [--repeat R]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chartdesk  # noqa: E402
from chartdesk.importers import import_paths  # noqa: E402


def write_events(folder: Path, n: int) -> Path:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(folder), max_queue=10_000, flush_secs=3600)
    for i in range(n):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.close()
    return next(folder.glob("*tfevents*"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scalars", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        t0 = time.perf_counter()
        f = write_events(d / "run", args.scalars)
        took = time.perf_counter() - t0
        print(f"wrote {args.scalars:,} scalars with tensorboardX in {took:.1f} s ({f.stat().st_size / 1e6:.0f} MB)")
        ours, theirs = [], []
        for r in range(args.repeat):
            with chartdesk.open_store(d / f"s{r}.db") as store:
                t0 = time.perf_counter()
                import_paths(store, [d / "run"], "bench")
                ours.append(time.perf_counter() - t0)
                assert len(store.read("bench", "run", "loss")) == args.scalars
            try:
                from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
            except ImportError:
                continue
            t0 = time.perf_counter()
            count = sum(1 for _ in EventFileLoader(str(f)).Load())
            theirs.append(time.perf_counter() - t0)
        mo = statistics.median(ours)
        print(f"{'measure':<48}{'seconds':>9}{'records/s':>12}")
        print(f"{'chartdesk import (parse + CRC + write to store)':<48}{mo:>9.2f}{args.scalars / mo:>12,.0f}")
        if theirs:
            mt = statistics.median(theirs)
            print(f"{'tensorboard EventFileLoader (read only)':<48}{mt:>9.2f}{count / mt:>12,.0f}")
            print(f"ratio: chartdesk is {mt / mo:.1f}x faster (target: 5x)")
        else:
            print("tensorboard is not installed: pip install -e '.[bench]' for the baseline")


if __name__ == "__main__":
    main()
