"""All the benchmarks, one after the other, each printing its table (``make bench``).

    python benchmarks/run.py [--quick]

--quick shrinks every size so the whole run takes a minute or two (figures then are not the
targets' sizes). MLFLOW_PYTHON may name an interpreter that has mlflow, for its baselines;
the TensorBoard baseline needs the ``bench`` extra (pip install -e '.[bench]').
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = [
    ["store_bench.py", "--points", "1000000", "--repeat", "3"],
    ["scale_bench.py", "--points", "10000000", "--repeat", "3"],
    ["import_bench.py", "--scalars", "1000000", "--repeat", "3"],
    ["gui_bench.py", "--experiments", "20", "--charts", "12", "--points", "1000000"],
    ["pg_bench.py", "--soak", "300"],  # needs a PostgreSQL server: --server, $CHARTDESK_TEST_PG or root
    ["runs_bench.py"],
    ["follow_bench.py", "--seconds", "20", "--idle-seconds", "20"],
    ["edit_reach_bench.py", "--edits", "20"],
]
QUICK = [
    ["store_bench.py", "--points", "200000", "--repeat", "3"],
    ["scale_bench.py", "--points", "1000000", "--repeat", "3"],
    ["import_bench.py", "--scalars", "100000", "--repeat", "3"],
    ["gui_bench.py", "--experiments", "4", "--charts", "4", "--points", "200000"],
    ["pg_bench.py", "--soak", "20", "--kills", "5", "--repeat", "3"],
    ["runs_bench.py", "--runs", "100", "--points", "2000", "--seed-points", "100000"],
    ["follow_bench.py", "--seconds", "5", "--idle-seconds", "5", "--idle-runs", "20"],
    ["edit_reach_bench.py", "--edits", "5"],
]


def main() -> int:
    runs = QUICK if "--quick" in sys.argv else FULL
    worst = 0
    for script, *args in runs:
        print(f"\n$ python benchmarks/{script} {' '.join(args)}", flush=True)
        worst = max(worst, subprocess.call([sys.executable, str(HERE / script), *args]))
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
