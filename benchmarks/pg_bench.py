"""The team store on PostgreSQL, measured the way users meet it: new processes, the public API,
the store opened for each call, against this machine's localhost server (SQLite beside it).

    python benchmarks/pg_bench.py                     # about 3 minutes; soak of 60 s
    python benchmarks/pg_bench.py --soak 300          # the issue's 5-minute soak
    python benchmarks/pg_bench.py --server postgresql+psycopg://USER:PW@HOST/postgres

--server is a role that may CREATE DATABASE (default: $CHARTDESK_TEST_PG, else what
``.ci/pg-start`` prints when run as root). Every database made here is dropped at the end.

Measures (median of --repeat new processes where it says so):
  ingest     ``run.log_many`` of 1M points (x, y; wall times stamped) and the flush: in-process
             call time, and the whole process (interpreter + import + open + write + close)
  read       ``store.read`` of a 10M-point channel (random y, jittered wall times): call time,
             and the whole process; SQLite's figure for the same points beside it
  kill       writers SIGKILLed at random moments of ``log_many`` bursts: committed points lost,
             partial chunks (a chunk whose n disagrees with its blobs or summary), experiments
             that do not open
  soak       8 writer processes (one experiment each) + 4 reader processes on one project for
             --soak seconds: errors, lost points, deadlocks
  live       the window (offscreen) on the team store while a writer logs ~10k points/s: how
             old the newest point on screen is, 95th percentile (LISTEN/NOTIFY, no fast poll)
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT / "tests"))

import backends  # noqa: E402  (the tests' throwaway databases: one piece for both)
from backends import Server  # noqa: E402

import chartdesk  # noqa: E402


def find_server(arg: str | None) -> Server:
    """The server of ``--server``, else the tests' (``$CHARTDESK_TEST_PG`` or ``.ci/pg-start``)."""
    url, why = (arg, "") if arg else backends.find_server()
    if not url:
        sys.exit(f"pg_bench: {why}; pass --server URL")
    return Server(url)


def py(code: str, *args: str, timeout: float = 600) -> tuple[float, str]:
    """Run ``code`` in a new interpreter; (wall seconds, its stdout)."""
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"pg_bench: a child failed:\n{r.stderr[-2000:]}")
    return dt, r.stdout


INGEST = r"""
import sys, time, numpy as np, chartdesk
db, exp = sys.argv[1], sys.argv[2]
x = np.arange(1_000_000, dtype=np.float64); y = np.random.default_rng(0).random(1_000_000)
with chartdesk.init(project="bench", experiment=exp, db=db) as run:
    t0 = time.perf_counter(); run.log_many("loss", x, y); run.flush(); dt = time.perf_counter() - t0
print(dt)
"""

WRITE_10M = r"""
import sys, numpy as np, chartdesk
db = sys.argv[1]
rng = np.random.default_rng(1)
n = 10_000_000
t = 1.7e9 + np.cumsum(rng.random(n) * 0.01)
with chartdesk.open_store(db) as s:
    s.create_experiment("bench", "big")
    for i in range(0, n, 1_000_000):
        s.append("bench", "big", "y", np.arange(i, i + 1_000_000), rng.random(1_000_000), t[i:i + 1_000_000])
"""

READ = r"""
import sys, time, chartdesk
t0 = time.perf_counter()
s = chartdesk.open_store(sys.argv[1])
t1 = time.perf_counter(); r = s.read("bench", "big", "y"); t2 = time.perf_counter()
assert len(r) == 10_000_000
print(t2 - t1, t2 - t0)
"""


def median(xs):
    return statistics.median(xs)


def bench_ingest(server: Server, repeat: int, out: dict) -> None:
    for backend in ("postgresql", "sqlite"):
        with tempfile.TemporaryDirectory() as d:
            db = server.new_database() if backend == "postgresql" else str(Path(d) / "ingest.db")
            chartdesk.open_store(db).close()
            calls, procs = [], []
            for k in range(repeat):
                wall, txt = py(INGEST, db, f"e{k}")
                calls.append(float(txt.strip()))
                procs.append(wall)
            out[f"ingest 1M points, log_many + flush [{backend}]"] = (median(calls), f"whole process {median(procs):.2f} s")


def bench_read(server: Server, repeat: int, out: dict) -> None:
    for backend in ("postgresql", "sqlite"):
        with tempfile.TemporaryDirectory() as d:
            db = server.new_database() if backend == "postgresql" else str(Path(d) / "read.db")
            py(WRITE_10M, db)
            calls, procs = [], []
            for _ in range(repeat):
                _, txt = py(READ, db)
                a, b = map(float, txt.split())
                calls.append(a)
                procs.append(b)
            out[f"read a 10M-point channel [{backend}]"] = (median(calls), f"open + read in a new process "
                                                                           f"{median(procs):.2f} s")


KILL_WRITER = r"""
import sys, chartdesk
db, exp = sys.argv[1], sys.argv[2]
run = chartdesk.init(project="kill", experiment=exp, db=db, flush_interval=3600)
n = 0
while True:
    run.log_many("v", range(n, n + 100_000), range(n, n + 100_000))
    run.flush()
    n += 100_000
    print(n, flush=True)
"""


def bench_kill(server: Server, count: int, out: dict) -> None:
    from sqlalchemy import text

    from chartdesk.store import points as P

    db = server.new_database()
    chartdesk.open_store(db).close()
    rng = random.Random(3)
    lost = partial = unopenable = 0
    for k in range(count):
        exp = f"w{k}"
        proc = subprocess.Popen([sys.executable, "-c", KILL_WRITER, db, exp], stdout=subprocess.PIPE, text=True)
        reported: list[int] = []  # what the writer said was committed (flush returned)
        reader = threading.Thread(target=lambda out=proc.stdout, got=reported: got.extend(int(v) for v in out),
                                  daemon=True)
        reader.start()
        time.sleep(1.0 + rng.random() * 3.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        reader.join(timeout=10)
        proc.stdout.close()
        committed = max(reported, default=0)
        try:
            with chartdesk.open_store(db) as s:
                have = 0
                if exp in s.experiments("kill") and "v" in s.channels("kill", exp):
                    r = s.read("kill", exp, "v")
                    have = len(r)
                    if not (r.x == range(have)).all() or have % 100_000:
                        partial += 1
                    with s.engine.connect() as c:
                        for n, x, y, t in c.execute(text(
                                "SELECT c.n, c.x, c.y, c.t FROM chunks c JOIN channels ch ON ch.id = c.channel_id "
                                "JOIN experiments e ON e.id = ch.experiment_id WHERE e.name = :e"), {"e": exp}):
                            if not (len(P.decode(x)) == len(P.decode(y)) == len(P.decode(t)) == n):
                                partial += 1
                lost += max(0, committed - have)
        except chartdesk.ChartDeskError:
            unopenable += 1
    out["kill: writers SIGKILLed mid log_many"] = (float(lost), f"{count} kills; committed points lost {lost}, "
                                                                f"partial chunks/batches {partial}, unopenable {unopenable}")


SOAK_WRITER = r"""
import sys, time, chartdesk
db, exp, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
errors = 0
n = 0
end = time.time() + seconds
with chartdesk.init(project="soak", experiment=exp, db=db, flush_interval=0.1) as run:
    while time.time() < end:
        for _ in range(100):
            run.log("loss", 1.0 / (n + 1), step=n)
            run.log("acc", n * 1e-6, step=n)
            n += 1
        time.sleep(0.01)
print(n)
"""

SOAK_READER = r"""
import sys, time, chartdesk
db, seconds = sys.argv[1], float(sys.argv[2])
errors = reads = 0
end = time.time() + seconds
while time.time() < end:
    try:
        with chartdesk.open_store(db) as s:   # the store opened for each call, like a CLI user
            for e in s.experiments("soak"):
                for c in s.channels("soak", e):
                    r = s.read("soak", e, c)
                    assert (r.x == range(len(r))).all(), "not a prefix"
                    reads += 1
            s.change_token("soak"); s.runs("soak", columns=["loss:last"])
    except Exception as exc:
        errors += 1
        print("ERR", type(exc).__name__, str(exc)[:200], file=sys.stderr)
    time.sleep(0.05)
print(reads, errors)
"""


def bench_soak(server: Server, seconds: float, out: dict) -> None:
    db = server.new_database()
    with chartdesk.open_store(db) as s:
        s.create_project("soak")
    writers = [subprocess.Popen([sys.executable, "-c", SOAK_WRITER, db, f"w{k}", str(seconds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(8)]
    readers = [subprocess.Popen([sys.executable, "-c", SOAK_READER, db, str(seconds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    w_out = [p.communicate(timeout=seconds + 300) for p in writers]
    r_out = [p.communicate(timeout=seconds + 300) for p in readers]
    errors = sum(1 for p in writers if p.returncode != 0) + sum(int(o.split()[1]) for o, _ in r_out if o.strip())
    errors += sum(e.count("could not write") for _, e in w_out)
    deadlocks = sum(e.lower().count("deadlock") for _, e in w_out + r_out)
    logged = {f"w{k}": int(o.strip() or 0) for k, (o, _) in enumerate(w_out)}
    lost = 0
    with chartdesk.open_store(db) as s:
        for e, n in logged.items():
            for c in ("loss", "acc"):
                lost += n - len(s.read("soak", e, c))
    reads = sum(int(o.split()[0]) for o, _ in r_out if o.strip())
    total = sum(logged.values()) * 2
    out[f"soak: 8 writers + 4 readers, {seconds:.0f} s"] = (
        float(errors), f"errors {errors}, lost points {lost}, deadlocks {deadlocks}; {total:,} points written, "
                       f"{reads:,} channel reads")


def bench_live_pg(server: Server, out: dict) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp())
    from gui_bench import bench_live

    bench_live(None, out, db=server.new_database(), label="live on PostgreSQL: newest point on screen, p95")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--server", help="admin URL of a role with CREATEDB")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--soak", type=float, default=60, metavar="SECONDS")
    ap.add_argument("--only", nargs="*", choices=("ingest", "read", "kill", "soak", "live"))
    args = ap.parse_args()
    server = find_server(args.server)
    out: dict[str, tuple[float, str]] = {}
    only = set(args.only or ("ingest", "read", "kill", "soak", "live"))
    try:
        if "ingest" in only:
            bench_ingest(server, args.repeat, out)
        if "read" in only:
            bench_read(server, args.repeat, out)
        if "kill" in only:
            bench_kill(server, args.kills, out)
        if "soak" in only:
            bench_soak(server, args.soak, out)
        if "live" in only:
            bench_live_pg(server, out)
    finally:
        print(f"\nteam store benchmark (localhost PostgreSQL; medians of {args.repeat} where repeated; 2-core machine)")
        for name, (value, note) in out.items():
            shown = f"{value:.3f} s" if name.startswith(("ingest", "read", "live")) else f"{value:.0f}"
            print(f"{name:<52}{shown:>10}  {note}")
        server.drop(list(server.made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
