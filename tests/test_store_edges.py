"""The store at the edges the fault probe left open (issue 24 items 10, 14, 15): a full disk when
a store is made or opened, a PostgreSQL URL with a port that is no number, names longer than the
store's columns (SQLite took them, PostgreSQL refused them with its own error), and what killed
imports and creations leave for ``chartdesk check``. Each test failed on the code before."""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import chartdesk
from chartdesk import InvalidInput, StoreError
from chartdesk.importers.base import ChannelData, ParsedExperiment

pytestmark = pytest.mark.both_backends


def cd(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "chartdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def one_line(r):
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 1 and len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


# ---- names: one limit on every backend ---------------------------------------------------------
LONG = "n" * 513
LIMIT = "m" * 512


def test_names_over_512_characters_are_refused_alike_on_every_backend(store):
    """A chart's name, an experiment chart's and the channel or alias a chart plots: SQLite stored
    600 characters where PostgreSQL answered "value too long for type character varying(512)"."""
    store.create_experiment("p", "e")
    store.append("p", "e", "c", [0], [0.0])
    refused = {
        "chart": lambda: store.set_chart_set("p", "S", [{"name": LONG, "series": ["channel:c"]}]),
        "channel ref": lambda: store.set_chart_set("p", "S", [{"name": "c", "series": ["channel:" + LONG]}]),
        "alias ref": lambda: store.set_chart_set("p", "S", [{"name": "c", "series": ["alias:" + LONG]}]),
        "run's chart": lambda: store.set_experiment_charts("p", "e", [{"name": LONG, "series": []}]),
        "update": lambda: store.update_chart_set("p", "S", lambda charts: [*(charts or []), {"name": LONG}]),
    }
    for what, call in refused.items():
        with pytest.raises(InvalidInput) as info:
            call()
        msg = str(info.value)
        assert "\n" not in msg and "512" in msg and "too long for type" not in msg, (what, msg)
    assert "S" not in store.chart_sets("p")
    # 512 characters fit everywhere, as do the refs that name them.
    store.set_chart_set("p", "S", [{"name": LIMIT, "series": ["channel:" + LIMIT, "alias:" + LIMIT]}])
    store.set_experiment_charts("p", "e", [{"name": LIMIT, "series": ["channel:" + LIMIT]}])
    assert store.chart_sets("p")["S"][0]["name"] == LIMIT
    assert store.experiment_charts("p", "e")[0].series[0].name == LIMIT


def test_a_numbered_import_name_stays_within_the_limit(store, tmp_path):
    """A second source whose run has a taken 512-character name got ``NAME (2)``: 516 characters."""
    for i in range(3):
        p = ParsedExperiment(LIMIT, str(tmp_path / f"run{i}.csv"), "csv")
        p.channels["v"] = ChannelData([0.0], [float(i)], [1.0])
        name = store.import_experiment("p", p)
        assert len(name) <= 512 and (i == 0 or name.endswith(f" ({i + 1})")), name
    assert len(store.experiments("p")) == 3


def test_a_big_import_from_a_deep_path_is_staged_on_every_backend(store, monkeypatch):
    """The staging run of a big import was named after its source: a path of 600 characters made
    its name too long for PostgreSQL."""
    from chartdesk.store import points as P
    from chartdesk.store import store as S

    monkeypatch.setattr(S, "IMPORT_TX_POINTS", P.CHUNK_POINTS)
    n = 3 * P.CHUNK_POINTS
    p = ParsedExperiment("deep", "/" + "/".join(["folder"] * 90) + "/run.csv", "csv")
    p.channels["v"] = ChannelData(list(range(n)), [1.0] * n, [1.0] * n)
    assert store.import_experiment("p", p) == "deep"
    assert len(store.read("p", "deep", "v")) == n


# ---- a PostgreSQL URL whose port is no number ---------------------------------------------------
@pytest.mark.parametrize("url, said", [
    ("postgresql://u@h:abc/db", "port 'abc' is not a number"),
    ("postgresql://u:secret@h:/db", "port is empty"),
    ("postgresql+psycopg://u:secret@h:70000/db", "port 70000 is not between 1 and 65535"),
])
def test_a_url_with_a_bad_port_is_one_line(backend, url, said):
    if backend != "sqlite":
        pytest.skip("no store involved")
    line = one_line(cd("ls", "--db", url))
    assert said in line and "secret" not in line, line
    with pytest.raises(StoreError, match=said):
        chartdesk.open_store(url)


# ---- a full disk (a small tmpfs) ---------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("SQLite files")
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs Linux, root and mount(8) to make a small tmpfs")
    folder = tmp_path / "disk"
    folder.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {r.stderr.strip()}")

    def fill(leave=0):
        st = os.statvfs(folder)
        take = st.f_bavail * st.f_frsize - leave
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        try:
            for size in (1 << 16, 1):
                try:
                    while take > 0 and os.write(fd, b"\0" * min(size, take)):
                        take -= min(size, take)
                except OSError:
                    pass
        finally:
            os.close(fd)

    yield folder, fill
    subprocess.run(["umount", str(folder)], capture_output=True)
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_store_made_or_opened_on_a_full_disk_is_one_line_naming_it(tiny_disk):
    """Creating a store on a full disk was a traceback ("database or disk is full" from COMMIT);
    opening one there said it was "not a ChartDesk store (disk I/O error)", and check called it
    damaged."""
    folder, fill = tiny_disk
    with chartdesk.open_store(folder / "old.db") as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "v", np.arange(10.0), np.arange(10.0))
    fill()
    new = folder / "new.db"
    for args in (("demo",), ("alias", "set", "p", "a", "v")):
        line = one_line(cd(*args, "--db", new))
        assert str(new) in line and "no space left" in line, line
    with pytest.raises(StoreError, match="no space left") as info:
        chartdesk.open_store(new)
    assert str(new) in str(info.value)
    old = folder / "old.db"
    for args in (("ls", "p"), ("export", "p", "e", "v"), ("alias", "set", "p", "a", "v"), ("check",)):
        line = one_line(cd(*args, "--db", old))
        assert str(old) in line and "no space left" in line and "not a ChartDesk store" not in line, line
    assert sorted(p.name for p in folder.iterdir()) == ["filler", "old.db"]  # no half-made store, no side files
    (folder / "filler").unlink()
    with chartdesk.open_store(old) as s:
        assert s.read("p", "e", "v").y.tolist() == list(range(10))


# ---- what killed imports and creations leave ---------------------------------------------------
KILLED_IMPORT = """
    import os, sys, numpy as np, chartdesk
    s = chartdesk.open_store(sys.argv[1])
    sid = s._write_bounded(lambda conn: s._staging_run(conn, "import /data/big.csv"))
    x = np.arange(70_000.0)
    s._write_bounded(lambda conn: s._append(conn, sid, "v", x, x, x))
    os._exit(0)  # killed between two of its transactions
"""


def _staged(db) -> int:
    from chartdesk.store.store import STAGING_PROJECT

    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT count(*) FROM experiments e JOIN projects p ON p.id = e.project_id "
                           "WHERE p.name = ?", (STAGING_PROJECT,)).fetchone()[0]
    finally:
        con.close()


def test_check_reports_and_removes_what_killed_imports_and_creations_left(backend, db_path, tmp_path):
    if backend != "sqlite":
        pytest.skip("chartdesk check reads SQLite files")
    with chartdesk.open_store(db_path) as s:
        s.create_experiment("p", "e")
    assert subprocess.run([sys.executable, "-c", textwrap.dedent(KILLED_IMPORT), str(db_path)]).returncode == 0
    assert _staged(db_path) == 1
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    old = time.time() - 3600
    leftovers = [tmp_path / f".runs.db.creating-{dead}-0badc0de", tmp_path / f".runs.db.creating-{dead}-0badc0de-wal"]
    young = tmp_path / f".runs.db.creating-{os.getpid()}-12345678"  # a creation under way (this process)
    for p in (*leftovers, young):
        p.write_bytes(b"\0" * 100)
    for p in leftovers:
        os.utime(p, (old, old))
    r = cd("check", "--db", db_path)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "1 run of big imports" in out and "70,000 points" in out and "removed 1 run of killed imports" in out, out
    assert "3 files of store creations that were killed" in out, out
    assert "removed 2 files of killed creations; 1 left" in out, out
    assert _staged(db_path) == 0
    assert [p.exists() for p in leftovers] == [False, False] and young.exists()
    r = cd("check", "--db", db_path)
    assert r.returncode == 0 and "big imports" not in r.stdout and "1 file of store creations" in r.stdout


def test_opening_a_store_removes_the_leftovers_of_a_killed_creation(backend, db_path, tmp_path):
    if backend != "sqlite":
        pytest.skip("SQLite files")
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".runs.db.creating-{int(gone.stdout)}-deadbeef"
    stale.write_bytes(b"\0" * 100)
    old = time.time() - 3600
    os.utime(stale, (old, old))
    chartdesk.open_store(db_path).close()  # made now: what the killed creation left goes
    assert not stale.exists()
    stale.write_bytes(b"\0" * 100)
    os.utime(stale, (old, old))
    chartdesk.open_store(db_path).close()  # an existing store: the same
    assert not stale.exists()


def test_a_store_made_on_a_nearly_full_disk_is_refused_not_linked_half_made(tiny_disk):
    """With room for the new file but not for it and its WAL at once, the WAL's checkpoint failed
    and the file was linked into place without the WAL that held the rest: a 1.7 MB store that
    every command then called "malformed"."""
    folder, fill = tiny_disk
    for leave in (1 << 20, 2 << 20, 3 << 20):
        fill(leave)
        new = folder / "new.db"
        r = cd("demo", "--db", new)
        if r.returncode == 0:  # it all fitted
            assert leave == 3 << 20
            assert cd("check", "--db", new).returncode == 0
        else:
            line = one_line(r)
            assert str(new) in line and "no space left" in line, line
            assert sorted(p.name for p in folder.iterdir()) == ["filler"], list(folder.iterdir())
        (folder / "filler").unlink()
        for p in folder.iterdir():
            p.unlink()
