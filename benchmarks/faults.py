"""Crash harness: SIGKILL writers at random moments and check the store's promises each time.

    python benchmarks/faults.py               # small counts (about a minute)
    python benchmarks/faults.py --count 1000  # a full run

--soak SECONDS adds 4 writer processes, a reader and CLI calls on one store, with the counts of
errors ("database is locked" among them) and missing points.

--edits SECONDS: N processes (--writers) append to one alias and one chart set, each from what
it read, for SECONDS per way: through the window's session (a copy never refreshed), through
``update_alias``/``update_chart_set``, through a compare-and-set loop (``expect=``), and, for
reference, plain ``set_*`` after a read (a blind replace: the last writer wins, by contract).
Prints tried / refused / lost per way; lost counts appends that were acknowledged but are not
in the store at the end (target 0 for all but the reference). --edits-db URL runs it on that
store (e.g. PostgreSQL) in a project of its own, instead of a new SQLite file.

Modes (each kill at a random moment of the writer's life):
  fresh    a new store: kills land in creation, the first flushes, later flushes
  resumed  an existing store with a channel that grows through ``log`` and ``flush``
  burst    ``log_many`` bursts of 50k points
  import   ``chartdesk import`` of a CSV folder
After every kill: the store opens; ``PRAGMA integrity_check`` is ok; every channel is an exact
prefix of what was logged (values 0, 1, 2, ... with nothing after a gap); every point the writer
reported flushed at least 0.5 s before the kill is there. Prints the counts; exit 1 on any loss.
"""
from __future__ import annotations

import argparse
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import chartdesk  # noqa: E402
from chartdesk.errors import ChartDeskError  # noqa: E402

WRITER = r"""
import sys, time, chartdesk
db, mode = sys.argv[1], sys.argv[2]
run = chartdesk.init(project="p", experiment="e", db=db, flush_interval=0.05)
n = len(run._store.read("p", "e", "v").x) if "v" in run._store.channels("p", "e") else 0
while True:
    if mode == "burst":
        run.log_many("v", range(n, n + 50_000), range(n, n + 50_000))
        n += 50_000
    else:
        for _ in range(200):
            run.log("v", float(n), step=n)
            n += 1
    run.flush()
    print(n, time.time(), flush=True)
"""


def check_store(db: Path, flushed: list[tuple[int, float]], killed_at: float) -> tuple[bool, int, str]:
    """(opened and intact, points lost that were reported flushed 0.5 s before the kill, problem)."""
    try:
        s = chartdesk.open_store(db)
    except ChartDeskError as exc:
        if not db.exists():
            return True, 0, ""  # killed before the store existed: nothing promised yet
        return False, 0, f"cannot open: {exc}"
    try:
        con = sqlite3.connect(db)
        ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
        if not ok:
            return False, 0, "integrity_check failed"
        have = 0
        if "p" in s.projects() and "e" in s.experiments("p") and "v" in s.channels("p", "e"):
            y = s.read("p", "e", "v").y
            have = len(y)
            if not np.array_equal(y, np.arange(have, dtype=np.float64)):
                return False, 0, "channel is not an exact prefix of what was logged"
        promised = max((n for n, t in flushed if t <= killed_at - 0.5), default=0)
        return True, max(0, promised - have), ""
    finally:
        s.close()


def one_kill(mode: str, folder: Path, rng: random.Random) -> dict:
    db = folder / f"{mode}-{rng.randrange(1 << 30)}.db"
    if mode in ("resumed", "burst"):
        with chartdesk.init(project="p", experiment="e", db=db) as run:
            run.log_many("v", range(1000), range(1000))
    if mode == "import":
        csvdir = folder / f"csv-{rng.randrange(1 << 30)}"
        csvdir.mkdir()
        for i in range(20):
            (csvdir / f"run{i}.csv").write_text("step,v\n" + "".join(f"{k},{k}\n" for k in range(5000)))
        p = subprocess.Popen([sys.executable, "-m", "chartdesk", "import", str(csvdir), "--project", "imp",
                              "--db", str(db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.5))
        p.send_signal(signal.SIGKILL)
        p.wait()
        try:
            with chartdesk.open_store(db) as s:
                whole = all(len(s.read("imp", e, "v").x) == 5000 for e in s.experiments("imp")) \
                    if "imp" in s.projects() else True
            return {"opened": True, "lost": 0, "problem": "" if whole else "a partly imported experiment"}
        except ChartDeskError as exc:
            return {"opened": not db.exists(), "lost": 0, "problem": "" if not db.exists() else str(exc)}
    log = db.with_suffix(".out")
    with open(log, "w") as fh:
        p = subprocess.Popen([sys.executable, "-c", WRITER, str(db), mode], stdout=fh)
        time.sleep(rng.uniform(0.05, 1.5))
        p.send_signal(signal.SIGKILL)
        killed = time.time()
        p.wait()
    out = log.read_text()
    flushed = [(int(a), float(b)) for a, b in (ln.split() for ln in out.splitlines() if len(ln.split()) == 2)]
    opened, lost, problem = check_store(db, flushed, killed)
    return {"opened": opened, "lost": lost, "problem": problem}


SOAK_WRITER = r"""
import sys, time, chartdesk
db, name, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
n = 0
with chartdesk.init(project="soak", experiment=name, db=db, flush_interval=0.05) as run:
    end = time.time() + seconds
    while time.time() < end:
        run.log_many("v", range(n, n + 500), range(n, n + 500))
        n += 500
        time.sleep(0.01)
print(n)
"""

SOAK_READER = r"""
import sys, time, chartdesk
db, seconds = sys.argv[1], float(sys.argv[2])
reads = errors = 0
end = time.time() + seconds
while time.time() < end:
    try:
        with chartdesk.open_store(db) as s:
            for e in s.experiments("soak") if "soak" in s.projects() else []:
                if "v" in s.channels("soak", e):
                    y = s.read("soak", e, "v").y
                    assert (y == range(len(y))).all() if len(y) < 10 else y[-1] == len(y) - 1
                    reads += 1
    except Exception as exc:
        errors += 1
        print("reader:", exc, file=sys.stderr)
print(reads, errors)
"""


def soak(seconds: float, folder: Path) -> int:
    """4 writers + a reader + CLI calls on one store for ``seconds``: errors and missing points."""
    db = folder / "soak.db"
    chartdesk.open_store(db).close()
    writers = [subprocess.Popen([sys.executable, "-c", SOAK_WRITER, str(db), f"w{i}", str(seconds)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    reader = subprocess.Popen([sys.executable, "-c", SOAK_READER, str(db), str(seconds)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    cli_calls = cli_errors = 0
    end = time.time() + seconds
    while time.time() < end:
        for args in (["ls", "soak"], ["runs", "soak", "--column", "channel:v:max", "--json"]):
            r = subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(db)], capture_output=True,
                               text=True, timeout=120)
            cli_calls += 1
            if r.returncode != 0 and "unknown project" not in r.stderr:
                cli_errors += 1
                print("cli:", r.stderr.strip()[:200])
    logged, writer_errors = {}, 0
    for i, w in enumerate(writers):
        out, err = w.communicate(timeout=120)
        if w.returncode != 0 or "database is locked" in err:
            writer_errors += 1
            print("writer:", err.strip()[-300:])
        logged[f"w{i}"] = int(out.strip() or 0)
    out, err = reader.communicate(timeout=120)
    reads, reader_errors = (int(v) for v in out.split())
    with chartdesk.open_store(db) as s:
        missing = sum(max(0, n - len(s.read("soak", e, "v").x)) for e, n in logged.items())
    print(f"soak {seconds:.0f} s: 4 writers logged {sum(logged.values()):,} points; reader {reads:,} reads; "
          f"{cli_calls} CLI calls; errors: writers {writer_errors}, reader {reader_errors}, CLI {cli_errors}; "
          f"missing points {missing}")
    return writer_errors + reader_errors + cli_errors + missing


EDITOR = r"""
import json, sys, time, chartdesk
from chartdesk import edits
from chartdesk.app.session import Session
from chartdesk.errors import Conflict
from chartdesk.model import Chart
db, project, who, way, seconds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
store = chartdesk.open_store(db)
session = Session(store)
session.set_project(project)
acked, refused, errors, i = {"alias": [], "chart": []}, 0, 0, 0


def alias(name):
    if way == "window":
        session.edit(session.alias_edit("a", (*(session.alias("a") or ()), name), f"Add {name}"))
    elif way == "update":
        store.update_alias(project, "a", lambda entries: [*entries, name])
    elif way == "compare-and-set":
        while True:
            entries = store.alias(project, "a")
            try:
                return store.set_alias(project, "a", [*entries, name], expect=entries)
            except Conflict:
                pass
    else:
        store.set_alias(project, "a", [*store.alias(project, "a"), name])


def chart(name):
    if way == "window":
        charts = next(s.charts for s in session.chart_sets() if s.name == "S")
        session.edit(session.chart_sets_edit(edits.set_charts(session.chart_sets(), "S",
                                                              edits.add_chart(charts, Chart(name))), f"Add {name}"))
    elif way == "update":
        store.update_chart_set(project, "S", lambda charts: [*charts, {"name": name}])
    elif way == "compare-and-set":
        while True:
            charts = store.chart_sets(project)["S"]
            try:
                return store.set_chart_set(project, "S", [*charts, {"name": name}], expect=charts)
            except Conflict:
                pass
    else:
        store.set_chart_set(project, "S", [*store.chart_sets(project)["S"], {"name": name}])


end = time.time() + seconds
while time.time() < end:
    i += 1
    for kind, write in (("alias", alias), ("chart", chart)):
        name = f"{who}-{i}"
        try:
            write(name)
            acked[kind].append(name)
        except Conflict:
            refused += 1
        except chartdesk.ChartDeskError as exc:
            errors += 1
            print(f"{who}: {exc}", file=sys.stderr)
print(json.dumps({**acked, "refused": refused, "errors": errors}))
"""


def concurrent_edits(seconds: float, folder: Path, writers: int, db: str | None) -> int:
    """``writers`` processes appending to one alias and one chart set from what each read, per
    way for ``seconds``: tried, refused and lost appends. Returns the losses and errors of the
    ways that promise none."""
    import json
    import uuid

    target = db or str(folder / "edits.db")
    bad = 0
    print(f"concurrent edits on {'SQLite' if db is None else chartdesk.open_store(target).describe()}: "
          f"{writers} processes, {seconds:.0f} s per way")
    print(f"  {'way':16} {'tried':>7} {'refused':>8} {'lost':>6} {'errors':>7}")
    for way in ("window", "update", "compare-and-set", "plain"):
        project = f"edits-{uuid.uuid4().hex[:8]}"
        with chartdesk.open_store(target) as s:
            s.create_project(project)
            s.set_alias(project, "a", [])
            s.set_chart_set(project, "S", [])
        procs = [subprocess.Popen([sys.executable, "-c", EDITOR, target, project, f"w{k}", way, str(seconds)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(writers)]
        outs = [p.communicate(timeout=seconds + 120) for p in procs]
        results = []
        for p, (out, err) in zip(procs, outs):
            if p.returncode != 0:
                print(f"    a writer failed: {err.strip()[-300:]}")
                results.append({"alias": [], "chart": [], "refused": 0, "errors": 1})
            else:
                results.append(json.loads(out.strip().splitlines()[-1]))
        with chartdesk.open_store(target) as s:
            have = {"alias": set(s.alias(project, "a")), "chart": {c["name"] for c in s.chart_sets(project)["S"]}}
            s.delete_project(project)
        tried = sum(len(r[k]) for r in results for k in ("alias", "chart"))
        lost = sum(1 for r in results for k in ("alias", "chart") for name in r[k] if name not in have[k])
        refused = sum(r["refused"] for r in results)
        errors = sum(r["errors"] for r in results)
        note = "  (reference: a blind replace, the last writer wins)" if way == "plain" else ""
        print(f"  {way:16} {tried:7d} {refused:8d} {lost:6d} {errors:7d}{note}")
        if way != "plain":
            bad += lost + errors
    return bad


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=8, help="kills per mode")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--soak", type=float, default=0, metavar="SECONDS",
                    help="also run 4 writers + a reader + CLI calls for this long")
    ap.add_argument("--edits", type=float, default=0, metavar="SECONDS",
                    help="also run concurrent read-modify-write edits for this long per way")
    ap.add_argument("--writers", type=int, default=4, help="processes of --edits")
    ap.add_argument("--edits-db", metavar="URL", help="the store of --edits (default: a new SQLite file)")
    args = ap.parse_args()
    bad_edits = 0
    if args.edits:
        with tempfile.TemporaryDirectory() as tmp:
            bad_edits = concurrent_edits(args.edits, Path(tmp), args.writers, args.edits_db)
        if args.count == 0 and not args.soak:
            return 1 if bad_edits else 0
    if args.soak:
        with tempfile.TemporaryDirectory() as tmp:
            bad = soak(args.soak, Path(tmp))
        if args.count == 0:
            return 1 if bad or bad_edits else 0
    rng = random.Random(args.seed)
    total_bad = 0
    print(f"{'mode':8} {'kills':>6} {'unopenable':>11} {'lost points':>12} {'other problems':>15}")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("fresh", "resumed", "burst", "import"):
            res = [one_kill(mode, Path(tmp), rng) for _ in range(args.count)]
            bad_open = sum(not r["opened"] for r in res)
            lost = sum(r["lost"] for r in res)
            problems = [r["problem"] for r in res if r["problem"]]
            total_bad += bad_open + lost + len(problems)
            print(f"{mode:8} {len(res):6d} {bad_open:11d} {lost:12d} {len(problems):15d}")
            for pr in sorted(set(problems))[:3]:
                print(f"    {pr}")
    return 1 if total_bad or (args.soak and bad) or bad_edits else 0


if __name__ == "__main__":
    sys.exit(main())
