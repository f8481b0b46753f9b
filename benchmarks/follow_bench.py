"""Following another tool's log folder (issue 11), as a user meets it: ``chartdesk follow`` in a
process of its own, a training-like writer in another, the window (offscreen Qt) in this one.

- Latency: the writer logs 1,000 scalars/s to a TensorBoard event file with tensorboardX's own
  record writer, flushing every 100 ms, and after each flush one ``stamp`` scalar whose value is
  the flush time (seconds since the start, exact in float32). Store latency: how long after the
  flush that stamp is in the store (read by this process every 10 ms). Screen latency: how long
  after the flush the window has drawn it (the window follows the store as it does any run).
- Idle cost: ``chartdesk follow`` on 100 finished runs (an event file and a CSV each), CPU time of
  that process over a quiet period, as a share of one core.

    python benchmarks/follow_bench.py [--seconds 20] [--idle-seconds 20] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="chartdesk-bench-config-")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import chartdesk  # noqa: E402

WRITER = r"""
import sys, time
from tensorboardX.event_file_writer import EventsWriter
from tensorboardX.proto import event_pb2, summary_pb2
logdir, t0, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
w = EventsWriter(logdir + "/events")
def scalar(tag, value, step):
    s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
    w.write_event(event_pb2.Event(wall_time=time.time(), step=step, summary=s))
step = 0
end = time.time() + seconds
while time.time() < end:
    tick = time.time()
    for _ in range(100):                       # 1,000 scalars/s
        scalar("loss", 1.0 / (1 + step), step)
        step += 1
    w.flush()
    scalar("stamp", time.time() - t0, step)   # the flush time, then flushed itself
    w.flush()
    time.sleep(max(0.0, 0.1 - (time.time() - tick)))
w.close()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def follow_cmd(db: Path, logs: Path, seconds: float) -> list[str]:
    return [sys.executable, "-m", "chartdesk", "--db", str(db), "follow", str(logs), "--project", "f",
            "--seconds", str(seconds)]


def bench_latency(folder: Path, seconds: float) -> dict:
    from chartdesk.gui.app import make_app, open_window

    logs, db = folder / "live-logs", folder / "live.db"
    for p in [db, *folder.glob("live.db-*")]:
        p.unlink(missing_ok=True)
    if logs.exists():
        for f in logs.rglob("*"):
            if f.is_file():
                f.unlink()
    (logs / "run").mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(logs / "run"), str(t0), str(seconds + 3)], env=env)
    follower = subprocess.Popen(follow_cmd(db, logs, seconds + 6), env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    store = chartdesk.open_store(db)
    deadline = time.time() + 20
    while time.time() < deadline:
        if "f" in store.projects() and "run" in store.experiments("f") and "stamp" in store.channels("f", "run"):
            break
        time.sleep(0.02)
    store.set_chart_set("f", "Live", [{"name": "stamp", "series": ["channel:stamp"]}])
    app = make_app()
    w = open_window(store, "f", "run")
    w.show()
    deadline = time.time() + 20
    while not w.settled() and time.time() < deadline:
        app.processEvents()
    chart = next(c for c in w.grids["Live"].charts if c.chart.name == "stamp")
    store_lat, screen_lat = [], []
    seen_store = seen_screen = 0.0
    last_read = 0.0
    end = time.time() + seconds
    while time.time() < end:
        app.processEvents()
        now = time.time()
        if now - last_read > 0.01:
            last_read = now
            y = store.read("f", "run", "stamp").y
            if len(y) and y[-1] > seen_store:
                seen_store = float(y[-1])
                store_lat.append(now - t0 - seen_store)
        if chart.curves and len(chart.curves[0].y):
            newest = float(np.nanmax(chart.curves[0].y))
            if newest > seen_screen:
                seen_screen = newest
                screen_lat.append(time.time() - t0 - newest)
        time.sleep(0.002)
    w.close()
    writer.wait(30)
    out, err = follower.communicate(timeout=60)
    store.close()
    return {"store": store_lat, "screen": screen_lat, "follower_exit": follower.returncode, "out": out.strip(),
            "err": err.strip()}


def bench_idle(folder: Path, runs: int, seconds: float) -> dict:
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto import event_pb2, summary_pb2

    logs, db = folder / "idle-logs", folder / "idle.db"
    db.unlink(missing_ok=True)
    if not logs.exists():
        for r in range(runs):
            d = logs / f"run{r:03d}"
            d.mkdir(parents=True)
            w = EventsWriter(str(d / "events"))
            for step in range(200):
                s = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=1.0 / (step + 1))])
                w.write_event(event_pb2.Event(wall_time=time.time(), step=step, summary=s))
            w.close()
            (d / "metrics.csv").write_text("step,acc\n" + "".join(f"{i},{i / 200}\n" for i in range(200)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(follow_cmd(db, logs, seconds + 60), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    started = time.time()
    while time.time() - started < 60:  # until every run is imported
        try:
            with chartdesk.open_store(db) as s:
                if "f" in s.projects() and len(s.experiments("f")) >= 2 * runs:
                    break
        except chartdesk.ChartDeskError:
            pass
        time.sleep(0.2)
    ready = time.time() - started
    time.sleep(1.0)
    c0, w0 = cpu_seconds(proc.pid), time.time()
    time.sleep(seconds)
    c1, w1 = cpu_seconds(proc.pid), time.time()
    proc.terminate()
    proc.communicate(timeout=30)
    return {"cpu": (c1 - c0) / (w1 - w0), "ready": ready}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--idle-seconds", type=float, default=20)
    ap.add_argument("--idle-runs", type=int, default=100)
    ap.add_argument("--keep", help="keep the logs and stores in this folder")
    args = ap.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    lat = bench_latency(folder, args.seconds)
    idle = bench_idle(folder, args.idle_runs, args.idle_seconds)
    st, sc = np.array(lat["store"]), np.array(lat["screen"])
    print(f"follow: writer at 1,000 scalars/s, flushing every 100 ms, {args.seconds:.0f} s "
          f"(follower exit {lat['follower_exit']}: {lat['out'].splitlines()[-1] if lat['out'] else lat['err']})")
    if len(st):
        print(f"{'store has the flushed point, median / 95th percentile':<58}{np.median(st) * 1000:6.0f} / "
              f"{np.percentile(st, 95) * 1000:.0f} ms  ({len(st)} flushes seen; target p95 1 s)")
    if len(sc) and len(st):
        print(f"{'window has drawn it, median / 95th percentile':<58}{np.median(sc) * 1000:6.0f} / "
              f"{np.percentile(sc, 95) * 1000:.0f} ms  (the window adds "
              f"{(np.percentile(sc, 95) - np.percentile(st, 95)) * 1000:.0f} ms at p95; target 0.5 s more)")
    print(f"{f'following {args.idle_runs} idle runs ({2 * args.idle_runs} sources), CPU':<58}"
          f"{idle['cpu'] * 100:6.2f} % of one core (imported in {idle['ready']:.1f} s; target 5 %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
