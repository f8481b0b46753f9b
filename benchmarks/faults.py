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

--disk TRIES: a 4 MiB tmpfs (Linux, root) filled to leave 0 B to 2 MiB, then one command a try, in
turn: creating a store (CLI and API), ls, export, runs --csv, alias set, chartset add, import, check
and a training script's log on an existing store; then space is freed and the store is opened.
Per command: tried / ok / refused (one line naming the store and saying "no space left", exit 1)
/ failed (a traceback, more than one line or other words, a hang, a store that no longer opens or
lost its points, a point the script logged that is not in the store after its recovery file is
replayed, files left beside it).

--hostile: one folder of what no tool meant to write (a FIFO, a socket, a device, a symlink loop,
a dangling link, JSON nested 100,000 deep, a YAML alias bomb, a 26 MB header-only CSV, 1e999, a
null metric name, a channel name over the limit, 1e999 in a Keras history and a trainer_state.json)
imported with ``chartdesk import``, outputs no one reads or that are full (``export --out FIFO``,
standard output on /dev/full, an empty --out), store paths with %41, # and ?, and damaged stores
(a header overwritten, chunk pages overwritten) under ls, import, demo and --screenshot. Per item:
tried / failed (not named in one line, a hang, a traceback, stray files, a damaged file written).

--outage TRIES: ``benchmarks/outage_bench.py`` (a full disk and PostgreSQL down or paused under a
training script logging 50,000 points a second, TRIES per case): tried / lost / duplicated points.

--wal TRIES: while a training script logs (flushing every 0.05 s) and another process reads, an
outside program truncates -wal, cuts it in half, removes it, removes -shm or both, at a random
moment; the writer is SIGKILLed a moment later. Per act: tried / points lost that the writer had
reported flushed 0.5 s before the kill / tries where points were lost and the next open said
nothing (the target: 0 and 0).

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
import os
import random
import shutil
import signal
import socket
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


# ---- a full disk ---------------------------------------------------------------------------------
DISK_LOG = r"""
import sys, chartdesk
db, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    run = chartdesk.init(project="p", experiment=name, db=db, flush_interval=0.05)
except chartdesk.ChartDeskError as exc:
    print(f"chartdesk: error: {exc}", file=sys.stderr)
    sys.exit(1)
with run:
    for k in range(0, n, 1000):
        run.log_many("v", range(k, k + 1000), range(k, k + 1000))
print(n)
"""


#: Bytes left free on the disk, in turn: none, what the -shm needs, a few pages, more than a write.
LEAVES = (0, 1 << 20, 128 << 10, 2 << 20, 4096, 512 << 10)


def _fill(folder: Path, leave: int) -> None:
    """Take all of ``folder``'s file system but ``leave`` bytes."""
    st = os.statvfs(folder)
    take = st.f_bavail * st.f_frsize - leave
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        block = b"\0" * (1 << 16)
        while take > 0:
            try:
                take -= os.write(fd, block[:min(len(block), take)])
            except OSError:
                break
    finally:
        os.close(fd)


def _outcome(r: subprocess.CompletedProcess | None, store: Path | None = None,
             per_source: bool = False, must_say: str = "") -> tuple[str, str]:
    """("ok" | "refused" | "failed", what failed) for a command's result. ``per_source``: an
    import, which names each source it could not import in a line of its own; ``must_say``: words
    the refusal must hold."""
    if r is None:
        return "failed", "hung"
    err = r.stderr.strip()
    if "Traceback" in err:
        return "failed", "traceback: " + err.splitlines()[-1][:160]
    if r.returncode == 0:
        return "ok", ""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    if per_source and lines and all(ln.startswith("chartdesk:") for ln in lines) and r.returncode in (1, 3):
        lines = [lines[0]]
    if len(lines) != 1 or not lines[0].startswith("chartdesk:"):
        return "failed", f"{len(lines)} lines: {' | '.join(lines)[:200]}"
    if store is not None and str(store) not in lines[0]:
        return "failed", f"the line names no store: {lines[0][:200]}"
    if must_say and must_say not in lines[0]:
        return "failed", f"does not say {must_say!r}: {lines[0][:200]}"
    return "refused", ""


def _run(args: list[str], timeout: float = 120, env: dict | None = None) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return None


def full_disk(tries: int, rng: random.Random, tmp: Path) -> int:
    """``tries`` commands on a full 4 MiB tmpfs, in turn; returns the failures."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        print("full disk: skipped (needs Linux, root and mount(8) for a small tmpfs)")
        return 0
    disk = tmp / "disk"
    disk.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)], capture_output=True, text=True)
    if r.returncode:
        print(f"full disk: skipped (cannot mount a tmpfs: {r.stderr.strip()})")
        return 0
    csvdir = tmp / "csv"
    csvdir.mkdir()
    for i in range(5):
        (csvdir / f"run{i}.csv").write_text("step,loss\n" + "".join(f"{k},{k * 0.5}\n" for k in range(2000)))
    import logging

    logging.getLogger("chartdesk").addHandler(logging.NullHandler())  # "replayed N points of ..." on each open
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "CHARTDESK_CLOSE_WAIT": "2"}
    os.environ["XDG_STATE_HOME"] = env["XDG_STATE_HOME"]  # where this process replays the scripts' backlogs
    py = [sys.executable, "-m", "chartdesk"]
    old, new = disk / "old.db", disk / "new.db"
    cases = [
        ("create (demo)", lambda: py + ["demo", "--db", str(new)], new),
        ("create (API)", lambda: [sys.executable, "-c", "import sys, chartdesk\ntry:\n chartdesk.open_store(sys.argv[1])"
                                  "\nexcept chartdesk.ChartDeskError as e:\n print(f'chartdesk: error: {e}', "
                                  "file=sys.stderr); sys.exit(1)", str(new)], new),
        ("ls", lambda: py + ["ls", "p", "--db", str(old)], old),
        ("export", lambda: py + ["export", "p", "e", "v", "--db", str(old)], old),
        ("runs --csv", lambda: py + ["runs", "p", "--csv", "--column", "channel:v:max", "--db", str(old)], old),
        ("alias set", lambda: py + ["alias", "set", "p", "acc", "v", "w", "--db", str(old)], old),
        ("chartset add", lambda: py + ["chartset", "add", "p", "S", "C", "channel:v", "--db", str(old)], old),
        ("import", lambda: py + ["import", str(csvdir), "--project", "imp", "--db", str(old)], old),
        ("check", lambda: py + ["check", "--db", str(old)], old),
        ("log (script)", None, old),
    ]
    counts = {name: {"tried": 0, "ok": 0, "refused": 0, "failed": 0} for name, _a, _s in cases}
    shown: list[str] = []
    shown_refusals: list[tuple[str, str]] = []
    bad = 0
    try:
        for i in range(tries):
            name, args, store = cases[i % len(cases)]
            for p in disk.iterdir():
                p.unlink()
            x = np.arange(1000.0)
            with chartdesk.open_store(old) as s:
                s.create_experiment("p", "e")
                s.append("p", "e", "v", x, x * 0.5)
            leave = LEAVES[(i // len(cases)) % len(LEAVES)]  # each command meets each amount in turn
            _fill(disk, leave)
            logged = 0
            if args is None:
                logged = 20_000
                r = _run([sys.executable, "-c", DISK_LOG, str(old), f"run{i}", str(logged)], env=env)
                if r is not None and r.returncode != 0 and "Traceback" not in r.stderr:
                    logged = 0  # init refused the store: nothing was acknowledged
            else:
                r = _run(args(), env=env)
            outcome, why = _outcome(r, store if args is not None or (r and r.returncode) else None,
                                    per_source=name == "import", must_say="no space left")
            if outcome == "refused" and len(shown_refusals) < 12 and name not in {n for n, _ in shown_refusals}:
                shown_refusals.append((name, r.stderr.strip().splitlines()[0][:150]))
            if r is not None and args is None and r.returncode == 0 and "Traceback" not in r.stderr:
                outcome = "ok"  # the script exited normally; its warnings are lines of its own
            (disk / "filler").unlink()
            try:  # space is back: the store opens, holds what it held and what the script logged
                with chartdesk.open_store(old) as s:
                    got = s.read("p", "e", "v")
                    if not (np.array_equal(got.x, x) and np.array_equal(got.y, x * 0.5)):
                        why = why or "the store's points changed"
                    if logged:
                        have = len(s.read("p", f"run{i}", "v")) if f"run{i}" in s.experiments("p") else 0
                        if have != logged:
                            why = why or f"{logged - have} logged points lost"
                con = sqlite3.connect(old)
                if con.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    why = why or "integrity_check failed"
                con.close()
                if new.exists():
                    chartdesk.open_store(new).close()
            except ChartDeskError as exc:
                why = why or f"does not open after: {exc}"
            left = sorted(p.name for p in disk.iterdir() if p.name not in ("old.db", "new.db"))
            if left:
                why = why or f"left beside it: {', '.join(left)}"
            if why:
                outcome = "failed"
                bad += 1
                if len(shown) < 6:
                    shown.append(f"{name} (free {leave}): {why}")
            c = counts[name]
            c["tried"] += 1
            c[outcome] += 1
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)
    print(f"full disk (a 4 MiB tmpfs, 0 B to 2 MiB left in turn): {tries} tries")
    print(f"  {'command':16} {'tried':>6} {'ok':>5} {'refused':>8} {'failed':>7}")
    for name, c in counts.items():
        print(f"  {name:16} {c['tried']:6d} {c['ok']:5d} {c['refused']:8d} {c['failed']:7d}")
    total = {k: sum(c[k] for c in counts.values()) for k in ("tried", "ok", "refused", "failed")}
    print(f"  {'all':16} {total['tried']:6d} {total['ok']:5d} {total['refused']:8d} {total['failed']:7d}")
    for line in shown:
        print(f"    failed: {line}")
    for name, line in shown_refusals:
        print(f"    {name}: {line}")
    return bad


# ---- hostile folders and outputs -----------------------------------------------------------------
def hostile(tmp: Path) -> int:
    """One folder of hostile files, outputs and paths; returns the failures."""
    folder = tmp / "hostile"
    folder.mkdir()
    (folder / "good.csv").write_text("step,loss\n0,1.0\n1,0.5\n")
    items: dict[str, str] = {}  # file name -> what it is
    os.mkfifo(folder / "metrics.csv")
    items["metrics.csv"] = "a FIFO"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "events.jsonl"))
    items["events.jsonl"] = "a socket"
    os.symlink("/dev/zero", folder / "zero.csv")
    items["zero.csv"] = "a device (/dev/zero)"
    os.symlink(folder / "loop.csv", folder / "loop.csv")
    items["loop.csv"] = "a symlink loop"
    os.symlink(folder / "gone.csv", folder / "dangling.csv")
    items["dangling.csv"] = "a dangling link"
    (folder / "deep.jsonl").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    items["deep.jsonl"] = "JSON nested 100,000 deep"
    with open(folder / "wide.csv", "w") as fh:
        fh.write(",".join(f"col{i}" for i in range(3_000_000)) + "\n")
    items["wide.csv"] = "a 26 MB header-only CSV"
    (folder / "big.jsonl").write_text('{"step": 0, "loss": 1e999}\n')
    items["big.jsonl"] = "1e999"
    (folder / "noname.jsonl").write_text('{"name": null, "step": 0, "value": 1.0}\n')
    items["noname.jsonl"] = "a null metric name"
    (folder / "long.csv").write_text("step," + "x" * 600 + "\n0,1\n")
    items["long.csv"] = "a 600-character channel name"
    (folder / "history.json").write_text('{"loss": [1.0, 1e999], "acc": [0.1, 0.2]}')
    items["history.json"] = "1e999 in a Keras history"
    (folder / "hf").mkdir()
    (folder / "hf" / "trainer_state.json").write_text('{"log_history": [{"step": 1, "loss": -1e999}]}')
    items["trainer_state.json"] = "-1e999 in a trainer_state.json"
    run = folder / "lightning_logs" / "version_0"
    run.mkdir(parents=True)
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    bomb += [f"{n}: &{n} [{', '.join([f'*{prev}'] * 9)}]" for prev, n in zip("abcdefgh", "bcdefghi")]
    (run / "hparams.yaml").write_text("lr: 0.01\n" + "\n".join(bomb) + "\n")
    (run / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n")
    db = tmp / "hostile.db"
    py = [sys.executable, "-m", "chartdesk"]
    results: list[tuple[str, str, str]] = []  # (item, what, failure or "")
    notes: dict[str, str] = {}  # item -> what was said (or done)
    t0 = time.monotonic()
    r = _run(py + ["import", str(folder), "--project", "h", "--db", str(db)], timeout=300)
    took = time.monotonic() - t0
    sock.close()
    if r is None:
        results += [(n, w, "the import hung") for n, w in items.items()]
    else:
        lines = r.stderr.strip().splitlines()
        for n, w in items.items():
            said = [ln for ln in lines if n in ln]
            fail = "" if len(said) == 1 else f"named in {len(said)} lines"
            if "Traceback" in r.stderr:
                fail = "traceback"
            notes[n] = said[0].split(n, 1)[1].lstrip(" :")[:70] if said else ""
            results.append((n, w, fail))
        with chartdesk.open_store(db) as s:
            got = set(s.experiments("h")) if "h" in s.projects() else set()
            exp = s.experiment("h", "lightning_logs/version_0") if "lightning_logs/version_0" in got else None
        bomb_ok = exp is not None and len(str(exp.params)) < 10_000 and any("hparams.yaml" in ln for ln in lines)
        results.append(("hparams.yaml", "a YAML alias bomb", "" if bomb_ok else "not kept small with a warning"))
        results.append(("good.csv", "the one good file", "" if "good" in got else "not imported"))
        results.append(("exit code", "3: some refused", "" if r.returncode == 3 else f"exit {r.returncode}"))
    fifo = tmp / "out.csv"
    os.mkfifo(fifo)
    outs = [("export --out FIFO", py + ["export", "h", "good", "loss", "--out", str(fifo), "--db", str(db)], None),
            ("export --out ''", py + ["export", "h", "good", "loss", "--out", "", "--db", str(db)], None)]
    for what, args in (("ls > /dev/full", py + ["ls", "h", "--db", str(db)]),
                       ("export > /dev/full", py + ["export", "h", "good", "loss", "--db", str(db)]),
                       ("runs --csv > /dev/full", py + ["runs", "h", "--csv", "--db", str(db)])):
        outs.append((what, args, "/dev/full"))
    for what, args, stdout in outs:
        if stdout and not os.path.exists(stdout):
            continue
        try:
            with open(stdout or os.devnull, "w") as fh:
                r = subprocess.run(args, stdout=fh, stderr=subprocess.PIPE, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            r = None
        outcome, why = _outcome(r)
        notes[what] = r.stderr.strip().removeprefix("chartdesk: error: ")[:70] if r is not None else ""
        results.append((what, "an output", why if outcome == "failed" else ("" if outcome == "refused"
                                                                           else "exit 0")))
    odd = tmp / "a%41b#c?d"
    odd.mkdir()
    path = odd / "x#y?%41.db"
    r1 = _run(py + ["demo", "--db", str(path)])
    r2 = _run(py + ["ls", "mnist", "--db", str(path)])
    stray = sorted(p.name for p in odd.iterdir() if p.name != path.name)
    fail = "" if r1 and r1.returncode == 0 and r2 and r2.returncode == 0 and r2.stdout and not stray else \
        f"demo/ls: {_outcome(r1)[1] or _outcome(r2)[1] or ('stray files ' + ', '.join(stray))}"
    results.append(("x#y?%41.db", "a store path with %41, # and ?", fail))
    results += damaged_stores(tmp / "damaged", notes)
    failed = [x for x in results if x[2]]
    print(f"hostile folder and outputs: {len(results)} tried, {len(failed)} failed (import took {took:.1f} s)")
    notes.setdefault("hparams.yaml", "top-level values kept, a warning")
    notes.setdefault("good.csv", "imported")
    notes.setdefault("exit code", "3")
    notes.setdefault("x#y?%41.db", "made, listed, no stray files")
    for item, what, why in results:
        print(f"  {item:22} {what:31} {'FAILED: ' + why if why else notes.get(item, 'ok')}")
    return len(failed)


def _damaged(path: Path, how: str) -> None:
    """A store of two channels (one of 300,000 points), then damaged: ``header`` overwrites
    SQLite's magic, ``app id`` the application id, ``pages`` every leaf page of the chunks."""
    with chartdesk.open_store(path) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "acc", np.arange(10.0), np.linspace(0, 1, 10))
        s.append("p", "e", "loss", np.arange(300_000.0), np.linspace(1, 0, 300_000))
    if how == "pages":
        con = sqlite3.connect(path)
        page = con.execute("PRAGMA page_size").fetchone()[0]
        pages = [n for (n,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'chunks' AND pagetype = 'leaf'")]
        con.close()
    with open(path, "r+b") as fh:
        if how == "pages":
            for n in pages:
                fh.seek((n - 1) * page)
                fh.write(b"\xde\xad\xbe\xef" * (page // 4))
        else:
            fh.seek(0 if how == "header" else 68)
            fh.write(b"SQLite format 4" if how == "header" else b"\0\0\0\0")


def damaged_stores(folder: Path, notes: dict[str, str]) -> list[tuple[str, str, str]]:
    """Commands on damaged stores: each must say "the store is damaged" in one line naming
    ``chartdesk check``, exit 1, and leave the file as it was."""
    folder.mkdir()
    py = [sys.executable, "-m", "chartdesk"]
    (folder / "new.csv").write_text("step,loss\n0,1\n")
    cases = [("header", "ls"), ("header", "import"), ("app id", "ls"), ("app id", "demo"),
             ("pages", "import"), ("pages", "demo")]
    try:
        import PySide6  # noqa: F401
        cases.append(("pages", "--screenshot"))
    except ImportError:
        pass
    out = []
    for i, (how, cmd) in enumerate(cases):
        db = folder / f"s{i}.db"
        _damaged(db, how)
        before = db.read_bytes()
        args = {"ls": ["ls"], "import": ["import", str(folder / "new.csv")], "demo": ["demo"],
                "--screenshot": ["--project", "p", "--experiment", "e", "--screenshot", str(folder / f"s{i}.png")]}[cmd]
        r = _run(py + args + ["--db", str(db)], timeout=180, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        item = f"{cmd} ({how})"
        said = [ln for ln in (r.stderr.splitlines() if r else []) if ln.startswith("chartdesk")]
        if r is None:
            why = "hung"
        elif "Traceback" in r.stderr:
            why = "traceback"
        elif r.returncode != 1 or len(said) != 1:
            why = f"exit {r.returncode}, {len(said)} lines"
        elif "the store is damaged" not in said[0] or "chartdesk check" not in said[0]:
            why = said[0][:60]
        elif db.read_bytes() != before:
            why = "the file was written"
        else:
            why = ""
            notes[item] = said[0].split("(", 1)[-1][:60]
        out.append((item, "a damaged store", why))
    return out


# ---- an outsider at the WAL ------------------------------------------------------------------------
WAL_READER = r"""
import sys, time, chartdesk
db, seconds = sys.argv[1], float(sys.argv[2])
end = time.time() + seconds
s = chartdesk.open_store(db)
while time.time() < end:
    try:
        if "p" in s.projects() and "e" in s.experiments("p") and "v" in s.channels("p", "e"):
            s.read("p", "e", "v")
    except chartdesk.ChartDeskError:
        pass
    time.sleep(0.05)
"""


def _act(db: Path, act: str) -> None:
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    try:
        if act == "truncate -wal":
            os.truncate(wal, 0)
        elif act == "cut -wal in half":
            os.truncate(wal, wal.stat().st_size // 2)
        elif act == "remove -wal":
            wal.unlink()
        elif act == "remove -shm":
            shm.unlink()
        elif act == "remove both":
            wal.unlink()
            shm.unlink()
    except FileNotFoundError:
        pass


def wal_outsiders(tries: int, rng: random.Random, tmp: Path) -> int:
    """An outside program at -wal/-shm under a writer and a reader; returns the unsaid losses."""
    acts = ["truncate -wal", "cut -wal in half", "remove -wal", "remove -shm", "remove both"]
    counts = {a: {"tried": 0, "acked": 0, "lost": 0, "lost_tries": 0, "said": 0, "unsaid": 0} for a in acts}
    for i in range(tries):
        act = acts[i % len(acts)]
        db = tmp / f"wal-{i}.db"
        chartdesk.open_store(db).close()
        reader = subprocess.Popen([sys.executable, "-c", WAL_READER, str(db), "30"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        log = db.with_suffix(".out")
        with open(log, "w") as fh:
            writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db), "resumed"], stdout=fh,
                                      stderr=subprocess.DEVNULL)
            started = time.monotonic()  # the act comes after the writer's first flush, whatever the load
            while writer.poll() is None and not log.read_text().strip() and time.monotonic() - started < 60:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.8, 2.0))
            _act(db, act)
            time.sleep(rng.uniform(0.6, 1.5))
            writer.send_signal(signal.SIGKILL)
            killed = time.time()
            writer.wait()
        reader.kill()
        reader.wait()
        flushed = [(int(a), float(b)) for a, b in (ln.split() for ln in log.read_text().splitlines()
                                                   if len(ln.split()) == 2)]
        promised = max((n for n, t in flushed if t <= killed - 0.5), default=0)
        seen: list[str] = []
        try:
            with chartdesk.open_store(db) as s:
                seen += getattr(s, "warnings", [])  # (an older ChartDesk logs only)
                y = s.read("p", "e", "v").y if "p" in s.projects() and "v" in s.channels("p", "e") else np.empty(0)
        except ChartDeskError as exc:
            seen.append(str(exc))
            y = np.empty(0)
        prefix = len(y) and np.array_equal(y, np.arange(len(y), dtype=np.float64))
        lost = max(0, promised - (len(y) if prefix or not len(y) else 0))
        said = any("write-ahead log" in m for m in seen)
        c = counts[act]
        c["tried"] += 1
        c["acked"] += promised
        c["lost"] += lost
        c["lost_tries"] += lost > 0
        c["said"] += said
        c["unsaid"] += lost > 0 and not said
    print(f"outsider at the WAL (a writer flushing every 0.05 s, a reader every 0.05 s, SIGKILL after): {tries} tries")
    print(f"  {'act':18} {'tried':>6} {'points acked':>13} {'lost':>9} {'tries with loss':>16} {'said on open':>13} "
          f"{'lost, unsaid':>13}")
    for act, c in counts.items():
        print(f"  {act:18} {c['tried']:6d} {c['acked']:13,d} {c['lost']:9,d} {c['lost_tries']:16d} {c['said']:13d} "
              f"{c['unsaid']:13d}")
    return sum(c["unsaid"] + c["lost"] for c in counts.values())


def outages(tries: int, seed: int) -> int:
    """The outage cases of ``outage_bench.py`` (full disk, PostgreSQL down or paused, through the
    writer's life or its exit), ``tries`` each; returns 1 when it counted a loss, a duplicate or
    a traceback (its table is printed as it goes)."""
    print(f"outages under a training script (benchmarks/outage_bench.py --repeat {tries}):", flush=True)
    r = subprocess.run([sys.executable, str(Path(__file__).with_name("outage_bench.py")), "--repeat", str(tries),
                        "--seed", str(seed)])
    return 1 if r.returncode else 0


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
    ap.add_argument("--disk", type=int, default=0, metavar="TRIES", help="commands on a full small tmpfs")
    ap.add_argument("--hostile", action="store_true", help="a hostile import folder, outputs and store paths")
    ap.add_argument("--wal", type=int, default=0, metavar="TRIES", help="an outside program at -wal/-shm")
    ap.add_argument("--outage", type=int, default=0, metavar="TRIES",
                    help="outages under a training script (benchmarks/outage_bench.py, TRIES per case)")
    ap.add_argument("--only", action="store_true", help="run only the cases asked for (no kills)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bad_other = 0
    for wanted, case in ((args.disk, lambda tmp: full_disk(args.disk, rng, tmp)),
                         (args.hostile, hostile),
                         (args.wal, lambda tmp: wal_outsiders(args.wal, rng, tmp)),
                         (args.outage, lambda tmp: outages(args.outage, args.seed))):
        if wanted:
            with tempfile.TemporaryDirectory() as tmp:
                bad_other += case(Path(tmp))
    if args.edits:
        with tempfile.TemporaryDirectory() as tmp:
            bad_other += concurrent_edits(args.edits, Path(tmp), args.writers, args.edits_db)
    if args.soak:
        with tempfile.TemporaryDirectory() as tmp:
            bad_other += soak(args.soak, Path(tmp))
    if args.only or args.count == 0:
        return 1 if bad_other else 0
    total_bad = bad_other
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
    return 1 if total_bad else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ChartDeskError as exc:  # e.g. --edits-db naming a database this user may not create tables in
        print(f"faults.py: {exc}", file=sys.stderr)
        sys.exit(2)
