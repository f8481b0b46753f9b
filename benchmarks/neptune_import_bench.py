"""Importing a neptune-exporter export (issue 19): R runs x M metrics x S steps of float series
(default 200 x 100 x 1k = 20M rows, Neptune 3's interleaved layout, parts of at most 1 Mi rows),
written once with pyarrow in the exporter's schema and kept (--keep). Each measure runs as its
own process, R times, with its peak RSS (``os.wait4``):

- pyarrow alone: ``pq.read_table`` of every part file (the floor);
- our reader: ``neptune_export.parse`` of every run (what the import reads, no store);
- ``chartdesk import DIR --db NEW.db``, as a user runs it (read, write to a new SQLite store).

Targets: the reader within 3x of pyarrow, peak memory under 1 GB.

    python benchmarks/neptune_import_bench.py [--runs 200] [--metrics 100] [--steps 1000] [--repeat 5] [--keep DIR]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def build(folder: Path, runs: int, metrics: int, steps: int) -> Path:
    """The export, written once: ``folder/exports/data/...`` (a ``complete`` file marks it done)."""
    from fixtures.neptune_export_writer import bench_run

    exports = folder / "exports"
    if (folder / "complete").exists():
        return exports
    t = time.perf_counter()
    for r in range(runs):
        bench_run(exports / "data", "bench/neptune-import", f"run-{r:04d}", metrics, steps, seed=r)
    (folder / "complete").write_text(f"{runs} {metrics} {steps}\n")
    print(f"wrote {runs} runs x {metrics} metrics x {steps:,} steps in {time.perf_counter() - t:.1f} s")
    return exports


def child(kind: str, exports: Path) -> None:
    """One measure, in this process: prints its seconds and the rows it saw."""
    import pyarrow.parquet as pq

    from chartdesk.importers import discover, neptune_export

    t = time.perf_counter()  # modules loaded: the reading only
    rows = 0
    if kind == "pyarrow":
        for f in sorted(exports.rglob("*_part_*.parquet")):
            rows += pq.read_table(f).num_rows
    elif kind == "parse":
        for src in discover([exports]):
            for exp in neptune_export.parse(src.path):
                rows += exp.points()
    print(f"{time.perf_counter() - t:.6f} {rows}")


def measure(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of a child process."""
    t = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        err = p.stderr.read()
        p.stderr.close()
        out.seek(0)
        text = out.read()
    if p.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} exited {p.returncode}: {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, text


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):8.2f} s  (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--metrics", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", help="folder to keep (and reuse) the export in")
    ap.add_argument("--child", nargs=2, metavar=("KIND", "EXPORTS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    folder = Path(args.keep or tempfile.mkdtemp()) / f"neptune-{args.runs}x{args.metrics}x{args.steps}"
    folder.mkdir(parents=True, exist_ok=True)
    exports = build(folder, args.runs, args.metrics, args.steps)
    files = sorted(exports.rglob("*_part_*.parquet"))
    size = sum(f.stat().st_size for f in files)
    rows = args.runs * args.metrics * args.steps
    print(f"export: {len(files)} part files, {size / 1e6:,.0f} MB, {rows:,} float_series rows; "
          f"load before {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
    me = [sys.executable, str(Path(__file__).resolve())]
    got: dict[str, list[tuple[float, float, float]]] = {"pyarrow": [], "parse": [], "import": []}
    for i in range(args.repeat):
        for kind in ("pyarrow", "parse"):
            wall, rss, out = measure([*me, "--child", kind, str(exports)])
            secs, seen = out.split()
            if kind == "parse" and int(seen) != rows:
                raise SystemExit(f"parse saw {seen} points, expected {rows}")
            got[kind].append((float(secs), wall, rss))
        db = folder / f"import-{i}.db"
        for f in folder.glob(f"import-{i}.db*"):
            f.unlink()
        wall, rss, out = measure([sys.executable, "-m", "chartdesk", "import", str(exports), "--db", str(db)])
        if f"into bench/neptune-import ({args.runs} experiment" not in out:
            raise SystemExit(f"unexpected import output: {out[-500:]}")
        got["import"].append((wall, wall, rss))
        for f in folder.glob(f"import-{i}.db*"):
            f.unlink()
    floor = statistics.median(v[0] for v in got["pyarrow"])
    print(f"{'measure':<44}{'median (spread)':<36}{'rows/s':>12}{'vs pyarrow':>11}{'peak RSS':>10}")
    for kind, label in (("pyarrow", "pyarrow read_table of every part"),
                        ("parse", "neptune_export.parse of every run"),
                        ("import", "chartdesk import DIR --db NEW.db (process)")):
        secs = [v[0] for v in got[kind]]
        med = statistics.median(secs)
        print(f"{label:<44}{spread(secs):<36}{rows / med:>12,.0f}{med / floor:>10.2f}x"
              f"{max(v[2] for v in got[kind]):>8.0f} MB")
    print(f"targets: parse within 3x of pyarrow, peak RSS under 1 GB; load after {os.getloadavg()[0]:.2f}, "
          f"{args.repeat} runs each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
