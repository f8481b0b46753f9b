"""Outages under a training script: a full disk and PostgreSQL down or paused, with tried / lost
counts (issue 24 item 4; target: 0 lost and 0 duplicated acknowledged points, 0 tracebacks).

    python benchmarks/outage_bench.py                 # every case, 3 times each
    python benchmarks/outage_bench.py --repeat 10 --case disk-exit

A writer process logs about --rate points a second (``log`` and ``log_many``) into a run on the
store under test and into a second run on a healthy SQLite file beside it. After a random
0.3-1 s the fault starts; the writer logs on for --outage seconds, then calls ``close()``.

  disk-back      SQLite on a small tmpfs that is filled; space is freed after ``close()`` and
                 the writer waits, alive, until ``run.pending`` is 0
  disk-exit      the same, but the writer exits while the disk is still full (the recovery
                 file goes to the user's state folder); space is freed, the store is opened
  pg-back        PostgreSQL behind a TCP proxy that is killed (the server is down: connections
                 refused); started again after ``close()``, the writer waits for pending 0
  pg-exit        the proxy stays down until the writer has exited; then up, the store opened
  pg-paused      the proxy is stopped (SIGSTOP: connections accepted, nothing answers) until
                 the writer has exited; then resumed, the store opened

tried: points the writer logged (every ``log``/``log_many`` call returned: acknowledged).
lost: tried points not in the store at the end; dup: points in it twice. ``log ms``: the
slowest ``log``/``log_many`` call during the outage (the script is never blocked); ``close s``
and ``exit s``: how long ``close()`` and the interpreter's exit took; ``lines``: the writer's
stderr lines (rate-limited warnings, never a traceback). The disk cases need Linux and root
(mount -t tmpfs); the PostgreSQL cases a server ($CHARTDESK_TEST_PG, or this machine's, started
by .ci/pg-start as root). Exit 1 on any loss, duplicate or traceback. With PYTHONPATH naming an
older ChartDesk, the writer runs that one (the counting and the replay run this one).
"""
from __future__ import annotations

import argparse
import os
import queue
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import chartdesk  # noqa: E402

CASES = ("disk-back", "disk-exit", "pg-back", "pg-exit", "pg-paused")

WRITER = textwrap.dedent(r"""
    import queue, sys, threading, time, chartdesk
    db, side, rate = sys.argv[1], sys.argv[2], int(sys.argv[3])
    run = chartdesk.init(project="p", experiment="e", db=db, flush_interval=0.05)
    other = chartdesk.init(project="p", experiment="healthy", db=side, flush_interval=0.05)
    orders = queue.Queue()
    threading.Thread(target=lambda: [orders.put(line.strip()) for line in sys.stdin], daemon=True).start()
    print("ready", flush=True)
    n = worst = 0
    faulted = False
    while True:
        try:
            order = orders.get_nowait()
        except queue.Empty:
            order = None
        if order == "fault":
            faulted = True
        elif order == "close":
            break
        t0 = time.perf_counter()
        k = max(rate // 200, 2)  # every 5 ms: half as one array, half one by one
        run.log_many("y", range(n, n + k // 2), [float(i) for i in range(n, n + k // 2)])
        for i in range(n + k // 2, n + k):
            run.log("y", float(i), step=i)
        other.log_many("y", range(n, n + k), range(n, n + k))
        n += k
        if faulted:
            worst = max(worst, time.perf_counter() - t0)
        time.sleep(0.005)
    t0 = time.perf_counter()
    try:
        run.close()
    except Exception as exc:  # what ChartDesk before issue 24 did: the backlog dropped
        print("close raised:", exc, file=sys.stderr, flush=True)
    pending = getattr(run, "pending", -1)  # -1: a ChartDesk without run.pending
    print("closed", n, pending, worst * 1000, time.perf_counter() - t0, flush=True)
    other.close()
    if orders.get() == "back":
        deadline = time.monotonic() + 120
        while getattr(run, "pending", 0) and time.monotonic() < deadline:
            time.sleep(0.02)
        print("written", getattr(run, "pending", -1), flush=True)
""")


def expect(proc, word, timeout=120):
    """The words after ``word`` on the writer's next line that starts with it (RuntimeError after
    ``timeout`` s: a writer blocked)."""
    if not hasattr(proc, "lines"):
        proc.lines = queue.Queue()
        threading.Thread(target=lambda: [proc.lines.put(ln) for ln in proc.stdout] + [proc.lines.put("")],
                         daemon=True).start()
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = proc.lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise RuntimeError(f"the writer said no {word!r} in {timeout:g} s (blocked)") from None
        if not line:
            raise RuntimeError(f"the writer ended before {word!r}")
        if line.split()[:1] == [word]:
            return line.split()[1:]


class Disk:
    def __init__(self, folder: Path, size: str = "32m") -> None:
        self.path = folder
        folder.mkdir()
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True,
                           text=True)
        if r.returncode:
            raise RuntimeError(f"cannot mount a tmpfs: {r.stderr.strip()}")
        self.target = folder / "runs.db"
        chartdesk.open_store(self.target).close()

    def fault(self):
        fd = os.open(self.path / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (1 << 16, 1):
                try:
                    while os.write(fd, b"\0" * size):
                        pass
                except OSError:
                    pass
        finally:
            os.close(fd)

    def restore(self):
        (self.path / "filler").unlink()

    def close(self):
        subprocess.run(["umount", str(self.path)], capture_output=True)
        if os.path.ismount(self.path):
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)


class PgOutage:
    def __init__(self, server, paused: bool) -> None:
        from tcp_proxy import Proxy

        self.server, self.paused = server, paused
        self.url = server.new_database()
        self.proxy = Proxy(self.url)
        self.target = self.proxy.url
        chartdesk.open_store(self.target).close()

    def fault(self):
        self.proxy.pause() if self.paused else self.proxy.down()

    def restore(self):
        self.proxy.resume() if self.paused else self.proxy.up()

    def close(self):
        self.proxy.close()
        self.server.drop([self.url.rsplit("/", 1)[1]])


def counts(target, experiment, tried):
    with chartdesk.open_store(target) as s:
        try:
            x = s.read("p", experiment, "y").x
            state = s.experiment("p", experiment).state
        except chartdesk.NotFound:
            x, state = np.array([]), "missing"
    ok = x[(x >= 0) & (x < tried) & (x == np.round(x))].astype(np.int64)
    unique = len(np.unique(ok))
    return tried - unique, len(x) - unique, state


def one(case, folder: Path, server, rate, outage, rng) -> dict:
    env = {**os.environ, "XDG_STATE_HOME": str(folder / "state")}
    fault = Disk(folder / "disk") if case.startswith("disk") else PgOutage(server, paused=case == "pg-paused")
    side = folder / "side.db"
    try:
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(fault.target), str(side), str(rate)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                cwd=folder)
        try:
            expect(proc, "ready")
            time.sleep(rng.uniform(0.3, 1.0))
            fault.fault()
            proc.stdin.write("fault\n")
            proc.stdin.flush()
            time.sleep(outage)
            proc.stdin.write("close\n")
            proc.stdin.flush()
            tried, pending, log_ms, close_s = expect(proc, "closed")
            t0 = time.monotonic()
            if case.endswith("back"):
                fault.restore()
                proc.stdin.write("back\n")
                proc.stdin.flush()
                expect(proc, "written")
                proc.stdin.close()
                proc.wait(120)
                exit_s = time.monotonic() - t0
            else:
                proc.stdin.write("exit\n")
                proc.stdin.flush()
                proc.stdin.close()
                proc.wait(120)
                exit_s = time.monotonic() - t0
                fault.restore()
            err = proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for f in (proc.stdout, proc.stderr):
                f.close()
        t1 = time.monotonic()
        r = subprocess.run([sys.executable, "-c", "import chartdesk, sys; chartdesk.open_store(sys.argv[1]).close()",
                            str(fault.target)], capture_output=True, text=True, env=env, timeout=300)
        replay_s = time.monotonic() - t1
        tried = int(tried)
        lost, dup, state = counts(fault.target, "e", tried)
        h_lost, h_dup, h_state = counts(side, "healthy", tried)
        left = [p for p in (folder / "state").rglob("*.npz")] if (folder / "state").exists() else []
        return dict(tried=tried, pending=int(pending), lost=lost, dup=dup, state=state, healthy_lost=h_lost + h_dup,
                    healthy_state=h_state, log_ms=float(log_ms), close_s=float(close_s), exit_s=exit_s,
                    replay_s=replay_s, lines=len(err.splitlines()),
                    traceback=("Traceback" in err) + ("Traceback" in r.stderr), left=len(left), rc=proc.returncode,
                    err=err.strip().splitlines()[-1:] + r.stderr.strip().splitlines()[-1:])
    finally:
        fault.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--case", action="append", choices=CASES, help="run only these cases (repeatable)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rate", type=int, default=50_000, help="points a second the writer logs (default 50000)")
    ap.add_argument("--outage", type=float, default=2.0, help="seconds the writer logs into the outage (default 2)")
    ap.add_argument("--close-wait", type=float, default=3.0,
                    help="CHARTDESK_CLOSE_WAIT for the writer (default 3; the library's default is 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each try and its last stderr lines")
    args = ap.parse_args()
    os.environ["CHARTDESK_CLOSE_WAIT"] = str(args.close_wait)
    rng = random.Random(args.seed)
    cases = args.case or list(CASES)
    server = None
    if any(c.startswith("pg") for c in cases):
        from backends import Server, find_server

        url, why = find_server()
        if url:
            server = Server(url)
        else:
            print(f"PostgreSQL cases skipped: {why}")
            cases = [c for c in cases if not c.startswith("pg")]
    can_mount = sys.platform.startswith("linux") and os.geteuid() == 0 and shutil.which("mount")
    if not can_mount:
        print("full-disk cases skipped: they need Linux, root and mount(8) for a small tmpfs")
        cases = [c for c in cases if not c.startswith("disk")]
    print(f"writer: {args.rate} points/s, outage {args.outage:g} s, CHARTDESK_CLOSE_WAIT {args.close_wait:g} s, "
          f"{args.repeat} tries per case")
    print(f"{'case':10} {'tried':>8} {'pending':>8} {'lost':>5} {'dup':>4} {'healthy lost':>12} {'log ms':>7} "
          f"{'close s':>8} {'exit s':>7} {'replay s':>8} {'lines':>6} {'tracebacks':>10}  states")
    bad = 0
    for case in cases:
        rows = []
        for i in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="outage-") as tmp:
                try:
                    row = one(case, Path(tmp), server, args.rate, args.outage, rng)
                except RuntimeError as exc:
                    print(f"{case:10} try {i}: {exc}")
                    bad += 1
                    continue
            rows.append(row)
            if args.verbose:
                print("   ", row)
        if not rows:
            continue
        tot = {k: sum(r[k] for r in rows) for k in ("tried", "pending", "lost", "dup", "healthy_lost", "lines",
                                                     "traceback", "left")}
        mx = {k: max(r[k] for r in rows) for k in ("log_ms", "close_s", "exit_s", "replay_s")}
        states = sorted({f"{r['state']}/{r['healthy_state']}" for r in rows})
        print(f"{case:10} {tot['tried']:8d} {tot['pending']:8d} {tot['lost']:5d} {tot['dup']:4d} {tot['healthy_lost']:12d} "
              f"{mx['log_ms']:7.1f} {mx['close_s']:8.2f} {mx['exit_s']:7.2f} {mx['replay_s']:8.2f} {tot['lines']:6d} "
              f"{tot['traceback']:10d}  {','.join(states)}")
        bad += tot["lost"] + tot["dup"] + tot["healthy_lost"] + tot["traceback"] + tot["left"]
        bad += sum(r["state"] != "succeeded" or r["healthy_state"] != "succeeded" or r["rc"] != 0 for r in rows)
    print("(tried/pending/lost/dup/lines summed over the tries; log ms, close s, exit s, replay s: the worst try)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
