"""The SQLite store's write-ahead log kept with the store (issue 24 item 7, issue 23 item 29).

A write acknowledged to the caller must not live only in ``NAME-wal`` for long, where an outside
program (a clean-up script, a sync tool, someone tidying the folder) removing or cutting that file,
or removing ``NAME-shm`` under an open store, loses it; the WAL must not grow for as long as a
window stays open; what an outsider did while data still lived only in the WAL is said on the
next open and by ``chartdesk check``. Each test failed on the code before.
"""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import chartdesk
from chartdesk.store.identity import file_uri

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="POSIX file semantics")


def cd(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "chartdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def main_file_points(db) -> int:
    """Points the main file holds by itself (read ``immutable``: the -wal is not looked at)."""
    con = sqlite3.connect(file_uri(db, "immutable=1"), uri=True)
    try:
        return int(con.execute("SELECT coalesce(sum(count), 0) FROM channels").fetchone()[0])
    except sqlite3.DatabaseError:
        return 0
    finally:
        con.close()


def wait_for(predicate, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def test_an_acknowledged_write_reaches_the_main_file_and_survives_a_cut_wal(db_path):
    """The probe's case: a window open (a pooled reader), 10,000 points written and acknowledged,
    then an outside program truncates ``-wal``: the points were gone after the next open."""
    chartdesk.open_store(db_path).close()
    reader = chartdesk.open_store(db_path)
    reader.projects()
    writer = chartdesk.open_store(db_path)
    writer.create_experiment("p", "e")
    for i in range(10):
        writer.append("p", "e", "v", np.arange(i * 1000, (i + 1) * 1000), np.arange(i * 1000, (i + 1) * 1000.0))
    # Within a moment of the last acknowledged write, the main file holds it by itself.
    assert wait_for(lambda: main_file_points(db_path) == 10_000, 3.0), main_file_points(db_path)
    os.truncate(f"{db_path}-wal", 0)
    assert len(reader.read("p", "e", "v")) == 10_000  # was "disk I/O error"
    writer.append("p", "e", "v", [10_000], [10_000.0])
    writer.close()
    reader.close()
    with chartdesk.open_store(db_path) as s:
        assert np.array_equal(s.read("p", "e", "v").y, np.arange(10_001.0))


PINNED_READER = """
    import sqlite3, sys
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM chunks").fetchone()
    print("reading", flush=True)
    sys.stdin.readline()
"""


def test_a_wal_cut_while_a_reader_pins_it_is_said_on_the_next_open_and_by_check(db_path, tmp_path):
    """Where nothing could be moved to the main file yet (another program holds a read transaction
    open, so no checkpoint may pass it), a cut ``-wal`` does lose the transactions in it; the next
    open says so in one line and keeps a copy of what was left, and ``chartdesk check`` reports it."""
    with chartdesk.open_store(db_path) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "v", np.arange(100), np.arange(100.0))
    with subprocess.Popen([sys.executable, "-c", textwrap.dedent(PINNED_READER), str(db_path)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as reader:
        try:
            assert reader.stdout.readline().strip() == "reading"
            writer = chartdesk.open_store(db_path)
            for i in range(1, 11):
                writer.append("p", "e", "v", np.arange(i * 1000, (i + 1) * 1000), np.zeros(1000))
            wal = f"{db_path}-wal"
            size = os.path.getsize(wal)
            assert size > 200_000
            os.truncate(wal, size // 3)  # the outsider
            reader.kill()
            reader.wait()
            writer.close()
        finally:
            reader.kill()
    r = cd("ls", "p", "--db", db_path)
    assert r.returncode == 0, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert f"{db_path}-wal" in lines[0] and "lost" in lines[0], lines[0]
    kept = sorted(p.name for p in tmp_path.iterdir() if ".damaged-wal-" in p.name)
    assert kept and any(n.endswith(".txt") for n in kept), kept
    r = cd("check", "--db", db_path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "write-ahead log" in r.stdout and "lost" in r.stdout, r.stdout
    # The store itself opens and holds what reached its main file.
    with chartdesk.open_store(db_path) as s:
        assert len(s.read("p", "e", "v")) >= 100


OTHER_WRITER = """
    import sys, chartdesk
    with chartdesk.open_store(sys.argv[1]) as s:
        s.append("p", "e", "v", [float(sys.argv[2])], [float(sys.argv[2])])
"""


def test_a_removed_shm_under_an_open_store_loses_no_write(db_path):
    """``-shm`` removed while this process has the store open: another process then builds a new
    index of the WAL while this one kept writing through the old one, and their writes overwrote
    each other's (rows 2 and 4 lost in the probe)."""
    s = chartdesk.open_store(db_path)
    s.create_experiment("p", "e")
    s.append("p", "e", "v", [1], [1.0])
    os.unlink(f"{db_path}-shm")
    other = textwrap.dedent(OTHER_WRITER)
    assert subprocess.run([sys.executable, "-c", other, str(db_path), "2"]).returncode == 0
    s.append("p", "e", "v", [3], [3.0])
    assert subprocess.run([sys.executable, "-c", other, str(db_path), "4"]).returncode == 0
    assert sorted(s.read("p", "e", "v").y.tolist()) == [1.0, 2.0, 3.0, 4.0]
    s.close()
    with chartdesk.open_store(db_path) as again:
        assert sorted(again.read("p", "e", "v").y.tolist()) == [1.0, 2.0, 3.0, 4.0]


SECOND_HANDLE = """
    import os, sys, chartdesk
    first = chartdesk.open_store(sys.argv[1])
    first.append("p", "e", "v", [1], [1.0])
    second = chartdesk.open_store(sys.argv[1])  # another handle in the same process (a notebook, init())
    print("open", flush=True)
    sys.stdin.readline()
    first.append("p", "e", "v", [3], [3.0])
    print("written", flush=True)
    os._exit(0)  # killed: nothing closed
"""


def test_a_second_handle_in_one_process_keeps_the_first_ones_wal(db_path):
    """Opening the store again in a process that has it open read the file's header with a plain
    open()/close(), which drops every POSIX lock the process holds on it: another process's close
    then took the store for unused, checkpointed it and deleted ``-wal`` and ``-shm`` under the
    first handle, whose next writes went to a deleted file (lost at the kill)."""
    with chartdesk.open_store(db_path) as s:
        s.create_experiment("p", "e")
    with subprocess.Popen([sys.executable, "-c", textwrap.dedent(SECOND_HANDLE), str(db_path)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as p:
        try:
            assert p.stdout.readline().strip() == "open"
            other = textwrap.dedent(OTHER_WRITER)
            assert subprocess.run([sys.executable, "-c", other, str(db_path), "2"]).returncode == 0
            assert os.path.exists(f"{db_path}-wal") and os.path.exists(f"{db_path}-shm")
            p.stdin.write("go\n")
            p.stdin.flush()
            assert p.stdout.readline().strip() == "written"
            p.wait(60)
        finally:
            p.kill()
    with chartdesk.open_store(db_path) as s:
        assert sorted(s.read("p", "e", "v").y.tolist()) == [1.0, 2.0, 3.0]


def test_an_open_store_that_keeps_writing_keeps_its_wal_bounded(db_path):
    """Issue 23 item 29: the -wal grew to 65 MB next to a 2.9 MB store while a window was open (SQLite
    checkpoints after 1,000 pages by default, and a page is 64 KiB here); it is checkpointed while
    running, also while a reader keeps reading, and is back in the main file soon after writes stop."""
    writer = chartdesk.open_store(db_path)
    writer.create_experiment("p", "e")
    writer.append("p", "e", "v", [0], [0.0])
    window = chartdesk.open_store(db_path)
    stop = threading.Event()
    reads = [0]

    def poll():  # as a window does, twice as often
        while not stop.wait(0.05):
            window.change_token("p")
            window.read("p", "e", "v")
            reads[0] += 1

    t = threading.Thread(target=poll, daemon=True)
    t.start()
    sizes = []
    try:
        for i in range(400):
            writer.append("p", "e", "v", np.arange(1 + i * 1000, 1 + (i + 1) * 1000), np.ones(1000))
            sizes.append(os.path.getsize(f"{db_path}-wal"))
    finally:
        stop.set()
        t.join(30)
    assert reads[0] > 10
    assert max(sizes) < 16 << 20, f"the -wal reached {max(sizes) / 2**20:.1f} MB"
    assert wait_for(lambda: main_file_points(db_path) == 400_001, 3.0), main_file_points(db_path)
    assert os.path.getsize(f"{db_path}-wal") < 16 << 20
    writer.close()
    window.close()


LEAVE_WAL = """
    import os, sqlite3, sys
    db, n, checkpoint = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA page_size=4096")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t (x)")
    for i in range(n):
        con.execute("INSERT INTO t VALUES (randomblob(3000))")
    if checkpoint:
        con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    os._exit(0)  # killed: the WAL and its index stay as they were
"""


def _left(tmp_path, name, n=20, checkpoint=False):
    db = tmp_path / name
    subprocess.run([sys.executable, "-c", textwrap.dedent(LEAVE_WAL), str(db), str(n), "1" if checkpoint else "0"],
                   check=True)
    assert os.path.getsize(f"{db}-wal") > 20 * 3000
    return db


def _zero(path, start, length):
    with open(path, "r+b") as fh:
        fh.seek(start)
        fh.write(bytes(length))


def test_inspect_finds_what_an_outsider_did_to_the_wal_and_nothing_else(tmp_path):
    """The detector against real WAL files left by a killed writer (frames never checkpointed)."""
    from chartdesk.store import wal

    intact = _left(tmp_path, "intact.db")
    assert wal.inspect(intact) is None
    os.unlink(f"{intact}-shm")  # the index rebuilt from an intact WAL: nothing lost
    assert wal.inspect(intact) is None

    removed = _left(tmp_path, "removed.db")
    os.unlink(f"{removed}-wal")
    d = wal.inspect(removed)
    assert d is not None and d.how == "removed" and d.lost_frames >= 20

    cut = _left(tmp_path, "cut.db")
    frames = (os.path.getsize(f"{cut}-wal") - 32) // (24 + 4096)
    os.truncate(f"{cut}-wal", os.path.getsize(f"{cut}-wal") // 2)
    d = wal.inspect(cut)
    assert d is not None and d.how == "cut short" and frames // 3 < d.lost_frames < frames * 2 // 3, (d, frames)
    assert "lost" in d.line() and str(cut) in d.line()

    hole = _left(tmp_path, "hole.db")  # a stretch zeroed (written over by another program), the index gone
    os.unlink(f"{hole}-shm")
    _zero(f"{hole}-wal", 32 + 5 * (24 + 4096), 3 * (24 + 4096))
    d = wal.inspect(hole)
    assert d is not None and d.how == "cut in the middle" and d.lost_frames > 5, d

    headless = _left(tmp_path, "headless.db")  # truncated to nothing and written on at the old offsets
    os.unlink(f"{headless}-shm")
    _zero(f"{headless}-wal", 0, 32 + 2 * (24 + 4096))
    d = wal.inspect(headless)
    assert d is not None and d.how == "cut at its start", d

    done = _left(tmp_path, "done.db", checkpoint=True)  # every frame in the main file already
    os.unlink(f"{done}-wal")
    assert wal.inspect(done) is None


WAL_REMOVED = """
    import os, sys, chartdesk
    s = chartdesk.open_store(sys.argv[1])
    s.append("p", "e", "v", [1], [1.0])
    print("open", flush=True)
    sys.stdin.readline()
    s.append("p", "e", "v", [3], [3.0])
    os._exit(0)  # killed right after its commit, before any checkpoint
"""


def test_a_removed_wal_under_an_open_store_loses_no_write(db_path):
    """``-wal`` removed while a process has the store open: its connections kept writing to the
    deleted file while other processes wrote to a new one (the commit was lost at the kill)."""
    with chartdesk.open_store(db_path) as s:
        s.create_experiment("p", "e")
    with subprocess.Popen([sys.executable, "-c", textwrap.dedent(WAL_REMOVED), str(db_path)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as p:
        try:
            assert p.stdout.readline().strip() == "open"
            time.sleep(0.3)  # its write checkpointed
            os.unlink(f"{db_path}-wal")
            other = textwrap.dedent(OTHER_WRITER)
            assert subprocess.run([sys.executable, "-c", other, str(db_path), "2"]).returncode == 0
            p.stdin.write("go\n")
            p.stdin.flush()
            p.wait(60)
        finally:
            p.kill()
    with chartdesk.open_store(db_path) as s:
        assert sorted(s.read("p", "e", "v").y.tolist()) == [1.0, 2.0, 3.0]


WRITES_ON = """
    import os, sys, numpy as np, chartdesk
    s = chartdesk.open_store(sys.argv[1])
    s.append("p", "e", "v", np.arange(1000), np.zeros(1000))
    print("written", flush=True)
    sys.stdin.readline()
    try:
        s.append("p", "e", "v", np.arange(1000, 2000), np.ones(1000))
        print("ok", flush=True)
    except chartdesk.ChartDeskError as exc:
        print("refused", exc, flush=True)
    print("said", len(s.warnings), flush=True)
    os._exit(0)  # killed
"""


def test_writes_after_an_outsider_cut_the_wal_are_not_lost_past_the_hole(db_path, tmp_path):
    """Once -wal was cut while a reader pinned frames that no checkpoint could copy yet, SQLite
    kept appending the writer's later commits past the hole, where its recovery never looks: every
    write acknowledged after the cut was lost too (57,600 points in one try of faults.py --wal)."""
    with chartdesk.open_store(db_path) as s:
        s.create_experiment("p", "e")
    with subprocess.Popen([sys.executable, "-c", textwrap.dedent(PINNED_READER), str(db_path)],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as reader, \
            subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITES_ON), str(db_path)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as writer:
        try:
            assert reader.stdout.readline().strip() == "reading"
            assert writer.stdout.readline().strip() == "written"
            os.truncate(f"{db_path}-wal", 0)  # the outsider, while the reader pins the first batch
            reader.kill()
            reader.wait()
            writer.stdin.write("go\n")
            writer.stdin.flush()
            answer = writer.stdout.readline().strip()
            said = writer.stdout.readline().strip()
            writer.wait(60)
        finally:
            reader.kill()
            writer.kill()
    assert answer == "ok", answer
    assert said == "said 1", said  # the writer said what the cut lost, once
    with chartdesk.open_store(db_path) as s:
        y = s.read("p", "e", "v").y
    assert np.array_equal(y, np.ones(1000)), (len(y), y[:3])  # the first batch went with the cut; the second is kept
    assert any(".damaged-wal-" in p.name for p in tmp_path.iterdir())
    r = cd("check", "--db", db_path)
    assert r.returncode == 1 and "cut or removed by another program" in r.stdout, r.stdout
