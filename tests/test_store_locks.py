"""Readers never wait for a writer, and a long import does not keep writers out (issue 24 item 8),
on SQLite: a store is opened, listed, exported and shown in the window while another process
holds the write lock, and a training script starts and logs while an experiment of millions of
points is imported (the import commits in bounded transactions, and a reader never sees a part
of it, nor a re-import half done)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import chartdesk
from chartdesk.store import store as store_module

HOLD = """
import sqlite3, sys, time, os
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
con.execute("BEGIN IMMEDIATE")
con.execute("UPDATE projects SET aliases_v = aliases_v + 1")
print("holding", flush=True)
deadline = time.monotonic() + 90
while not os.path.exists(sys.argv[2]) and time.monotonic() < deadline:
    time.sleep(0.02)
con.execute("ROLLBACK")
"""


def _cd(*args, timeout=30, **kw):
    return subprocess.run([sys.executable, "-m", "chartdesk", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def test_reading_opening_and_the_window_never_wait_for_a_writer(tmp_path):
    """Another process holds the write lock (a long import's transaction): ``ls``, ``export``,
    ``open_store`` with a read, and the window (``--screenshot``) all finish meanwhile, instead of
    waiting for it (60 s, then "database is locked")."""
    db = tmp_path / "runs.db"
    with chartdesk.open_store(db) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "loss", np.arange(100.0), np.linspace(1, 0, 100))
        s.set_chart_set("p", "Training", [{"name": "Loss", "series": ["channel:loss"]}])
    release = tmp_path / "release"
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db), str(release)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        r = _cd("ls", "p", "--db", str(db))
        assert r.returncode == 0 and r.stdout.split()[0] == "e", r.stderr
        r = _cd("export", "p", "e", "loss", "--db", str(db))
        assert r.returncode == 0 and len(r.stdout.splitlines()) == 101, r.stderr
        code = textwrap.dedent(f"""
            import chartdesk
            with chartdesk.open_store({str(db)!r}) as s:
                assert len(s.read("p", "e", "loss")) == 100 and s.chart_sets("p")
                print(s.change_token("p")[2])
        """)
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
        assert r.returncode == 0, r.stderr
        shot = tmp_path / "window.png"
        r = _cd("--db", str(db), "--project", "p", "--experiment", "e", "--screenshot", str(shot), timeout=60,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        assert r.returncode == 0 and shot.stat().st_size > 5000, r.stderr
        assert time.monotonic() - started < 50  # none of them waited out the busy timeout
        assert holder.poll() is None  # the writer held its lock all along
    finally:
        release.touch()
        holder.communicate(timeout=30)


IMPORTER = """
import sys, time, numpy as np, chartdesk
from chartdesk.importers.base import ParsedExperiment
from chartdesk.store import store as S
db, n, version = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
S.IMPORT_TX_POINTS = int(sys.argv[4])
if len(sys.argv) > 5:  # a slow disk: every write of a channel's points takes this much longer
    delay, append = float(sys.argv[5]), S.Store._append

    def slow_append(self, *args):
        time.sleep(delay)
        return append(self, *args)

    S.Store._append = slow_append
store = chartdesk.open_store(db)
p = ParsedExperiment("big", "/data/big.csv", "csv")
x = np.arange(n, dtype=float)
rng = np.random.default_rng(int(version))


class Channel:
    def __init__(self, y):
        self.y = y

    def arrays(self):
        return x, self.y, x + 1e9


for c in range(3):  # values that do not compress; the first and last one say which import wrote them
    y = version + c + rng.random(n) * 0.5
    y[0] = y[-1] = version + c
    p.channels[f"c{c}"] = Channel(y)
print("importing", time.time(), flush=True)
store.import_experiment("imp", p)
print("imported", time.time(), flush=True)
"""

WRITER = """
import sys, time, chartdesk
print("ready", flush=True)
sys.stdin.readline()
started = time.time()
with chartdesk.init(project="live", experiment="run", db=sys.argv[1]) as run:
    run.log("loss", 0.5, step=1)
print("logged", started, time.time(), flush=True)
"""


def _importer(db: Path, n: int, version: float, tx_points: int, *slow: float) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", IMPORTER, str(db), str(n), str(version), str(tx_points),
                             *map(str, slow)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _staged_points(db: Path) -> int:
    """Points the import has committed so far, out of sight (read-only, through sqlite3)."""
    import sqlite3

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        return con.execute("SELECT coalesce(sum(c.count), 0) FROM channels c JOIN experiments e ON e.id = "
                           "c.experiment_id JOIN projects p ON p.id = e.project_id WHERE p.name = ?",
                           (store_module.STAGING_PROJECT,)).fetchone()[0]
    finally:
        con.close()


def _wait(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.01)


@pytest.mark.slow
def test_a_training_script_starts_and_logs_while_millions_of_points_are_imported(tmp_path):
    """Item 8: an experiment of 3 x 2M points is imported (to a slow disk) in bounded
    transactions; a training script started in the middle of it logs and closes long before the
    import ends, and no reader sees a part of the experiment."""
    db = tmp_path / "runs.db"
    chartdesk.open_store(db).close()
    n = 2_000_000
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    importer = _importer(db, n, 1.0, 128 * 1024, 0.04)  # 48 transactions of 40+ ms
    try:
        assert writer.stdout.readline().strip() == "ready"
        assert importer.stdout.readline().startswith("importing")
        _wait(lambda: _staged_points(db) > 0, 30, "the import's first transaction")
        writer.stdin.write("go\n")
        writer.stdin.flush()
        out, err = writer.communicate(timeout=60)
        assert writer.returncode == 0, err
        _, started, logged = out.split()
        line = importer.stdout.readline()
        assert line.startswith("imported"), importer.stderr.read()
        assert float(logged) < float(line.split()[1])  # the script did not wait for the whole import
        with chartdesk.open_store(db) as s:
            assert s.experiments("imp") == ["big"] and s.experiments("live") == ["run"]
            assert [len(s.read("imp", "big", c)) for c in ("c0", "c1", "c2")] == [n] * 3
            assert s.projects() == ["imp", "live"]  # the import's staging is not a project anyone sees
        assert _staged_points(db) == 0
    finally:
        for p in (writer, importer):
            if p.poll() is None:
                p.kill()
            p.communicate()


@pytest.mark.slow
def test_a_reimport_replaces_the_experiment_at_once_and_a_killed_one_leaves_the_old_one(tmp_path):
    """A reader polling during a re-import sees every channel all old or all new, never a mix or
    a part; an import killed halfway leaves the experiment as it was and nothing anyone sees,
    and the next import of that source replaces it."""
    db = tmp_path / "runs.db"
    chartdesk.open_store(db).close()
    n = 600_000
    first = _importer(db, n, 1.0, 64 * 1024)
    assert first.communicate(timeout=120) and first.returncode == 0

    second = _importer(db, n, 10.0, 64 * 1024)
    seen = []  # (old or new) of every channel read, in the order read: never old after new
    with chartdesk.open_store(db) as s:
        while second.poll() is None:
            for k, c in enumerate(("c0", "c1", "c2")):
                got = s.read("imp", "big", c)
                assert len(got) == n and float(got.y[0]) == float(got.y[-1]) in (1.0 + k, 10.0 + k), (k, got.y[[0, -1]])
                seen.append(float(got.y[0]) >= 10)
        assert second.communicate(timeout=120) and second.returncode == 0
        assert s.experiments("imp") == ["big"]
        assert [float(s.read("imp", "big", c).y[0]) for c in ("c0", "c1", "c2")] == [10.0, 11.0, 12.0]
    assert seen and not seen[0] and seen == sorted(seen)  # the reader read while it ran; old, then new

    killed = _importer(db, n, 20.0, 64 * 1024)
    try:
        _wait(lambda: _staged_points(db) > 0, 30, "the import's first transaction")
    finally:
        killed.kill()
        killed.communicate()
    with chartdesk.open_store(db) as s:
        assert s.projects() == ["imp"] and s.experiments("imp") == ["big"]
        assert [float(s.read("imp", "big", c).y[0]) for c in ("c0", "c1", "c2")] == [10.0, 11.0, 12.0]
    last = _importer(db, n, 30.0, 64 * 1024)
    assert last.communicate(timeout=120) and last.returncode == 0
    with chartdesk.open_store(db) as s:
        assert [float(s.read("imp", "big", c).y[0]) for c in ("c0", "c1", "c2")] == [30.0, 31.0, 32.0]
    assert _staged_points(db) == 0  # what the killed import had written out of sight is gone too
