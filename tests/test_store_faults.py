"""The store at its edges: kills during creation, creation races, hot journals, foreign ids,
read-only folders, damaged pages, forked writers. Each test reproduces a defect first found by a
fault probe (issue 9)."""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pytest

import chartdesk
from chartdesk import StoreError
from chartdesk.store.schema import APPLICATION_ID


def cd(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "chartdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(params=["zeros", "header"])
def request_kind(request):
    return request


def test_a_half_made_store_with_a_hot_journal_is_recovered(tmp_path, request_kind):
    request = request_kind
    """What a kill during an older version's creation left: a 64 KiB file and a hot journal."""
    f = tmp_path / "new.db"
    # Make the state for real: start a write transaction that rewrites page 1 and spill it to
    # disk, then copy the file and its journal while the transaction is still open.
    con = sqlite3.connect(f, isolation_level=None)
    con.execute("PRAGMA page_size=65536")
    if request.param == "header":
        con.execute("PRAGMA application_id=0")  # page 1 on disk: a valid, empty database
    con.execute("PRAGMA cache_size=1")
    con.execute("BEGIN IMMEDIATE")
    con.execute("CREATE TABLE half (x)")
    con.execute("INSERT INTO half VALUES (zeroblob(200000))")
    shutil.copy(f, tmp_path / "copy.db")
    journal = tmp_path / "new.db-journal"
    assert journal.exists() and journal.stat().st_size > 0
    shutil.copy(journal, tmp_path / "copy.db-journal")
    con.execute("ROLLBACK")
    con.close()
    stuck = tmp_path / "copy.db"
    with chartdesk.open_store(stuck) as s:  # the journal is rolled back: an empty file, now a store
        s.create_experiment("p", "e")
        assert s.experiments("p") == ["e"]


def _create_and_log(path, start):
    while time.time() < start:
        pass
    with chartdesk.open_store(path) as s:
        s.create_project(f"p{os.getpid()}")


def test_eight_processes_creating_one_new_store_all_succeed(tmp_path):
    f = tmp_path / "race.db"
    ctx = mp.get_context("spawn")
    start = time.time() + 2.0
    procs = [ctx.Process(target=_create_and_log, args=(f, start)) for _ in range(8)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0] * 8
    with chartdesk.open_store(f) as s:
        assert len(s.projects()) == 8
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("race.db")) == []  # no temp left


def test_a_kill_during_creation_never_leaves_an_unopenable_store(tmp_path):
    code = ("import chartdesk,sys; s = chartdesk.open_store(sys.argv[1]); s.create_project('p'); s.close()")
    rng = np.random.default_rng(7)
    for i in range(12):
        f = tmp_path / f"k{i}.db"
        p = subprocess.Popen([sys.executable, "-c", code, str(f)])
        time.sleep(0.25 + float(rng.uniform(0, 0.25)))  # import takes ~0.25 s: kills land around creation
        p.send_signal(signal.SIGKILL)
        p.wait()
        with chartdesk.open_store(f) as s:  # whatever the moment, the path opens (or is made now)
            s.create_project("after")


def test_a_foreign_empty_database_with_its_own_application_id_is_refused(tmp_path):
    f = tmp_path / "theirs.db"
    con = sqlite3.connect(f)
    con.execute("PRAGMA application_id=1234")
    con.commit()
    con.close()
    before = f.read_bytes()
    for args in (("ls",), ("demo",), ("alias", "set", "p", "a", "b")):
        r = cd(*args, "--db", f)
        assert r.returncode == 1 and "another application" in r.stderr and "Traceback" not in r.stderr
    assert f.read_bytes() == before
    con = sqlite3.connect(f)
    assert con.execute("PRAGMA application_id").fetchone()[0] == 1234
    con.close()


def test_refusing_a_newer_store_leaves_no_side_files(tmp_path):
    f = tmp_path / "newer.db"
    chartdesk.open_store(f).close()
    con = sqlite3.connect(f)
    con.execute("PRAGMA user_version=99")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for side in ("-wal", "-shm"):
        p = tmp_path / f"newer.db{side}"
        if p.exists():
            p.unlink()
    r = cd("ls", "--db", f)
    assert r.returncode == 1 and "newer ChartDesk" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["newer.db"]


def test_read_commands_on_a_missing_store_create_nothing(tmp_path):
    f = tmp_path / "tpyo.db"
    for args in (("ls",), ("resolve", "p", "a"), ("alias", "ls", "p"), ("chartset", "ls", "p"),
                 ("export", "p", "e", "c"), ("render", "--project", "p", "--experiment", "e", "--out", tmp_path / "x.png")):
        r = cd(*args, "--db", f)
        assert r.returncode == 1 and r.stderr.strip() == f"chartdesk: error: no store at {f}", (args, r.stderr)
    assert list(tmp_path.iterdir()) == []
    assert cd("alias", "set", "p", "a", "b", "--db", f).returncode == 1  # unknown project, but the store is made
    assert f.exists()


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_store_in_a_read_only_folder_opens_for_reading(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    f = folder / "runs.db"
    with chartdesk.open_store(f) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "loss", [0, 1], [1.0, 0.5])
    for p in folder.iterdir():
        p.chmod(0o444)
    folder.chmod(0o555)
    if os.getuid() == 0:  # root writes anyway: make the permission check see what a user would
        import chartdesk.store.store as store_module

        monkeypatch.setattr(store_module, "_may_write", lambda path: False)
    try:
        before = sorted(p.name for p in folder.iterdir())
        with chartdesk.open_store(f) as s:
            assert s.read_only
            assert s.read("p", "e", "loss").y.tolist() == [1.0, 0.5]
            with pytest.raises(StoreError, match="read-only"):
                s.set_alias("p", "a", ["loss"])
        assert sorted(p.name for p in folder.iterdir()) == before
    finally:
        folder.chmod(0o755)


def _corrupt(path, harsh=False):
    """Overwrite the overflow pages of the chunk blobs (the big channel's points) with garbage;
    ``harsh``: the second half of the file, b-tree pages too."""
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = con.execute("PRAGMA page_size").fetchone()[0]
    n = con.execute("PRAGMA page_count").fetchone()[0]
    overflow = [p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = 'chunks' AND pagetype = 'overflow'")]
    con.close()
    assert overflow, "the big channel's blobs span overflow pages"
    with open(path, "r+b") as fh:
        for p in (range(n // 2, n) if harsh else overflow):
            fh.seek((p - 1 if not harsh else p) * page)
            fh.write(b"\xde\xad\xbe\xef" * (page // 4))


def test_a_damaged_store_is_one_line_everywhere_and_check_repairs_a_copy(tmp_path):
    f = tmp_path / "bad.db"
    with chartdesk.open_store(f) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "acc", np.arange(10.0), np.linspace(0, 1, 10))
        s.append("p", "e", "loss", np.arange(300_000.0), np.linspace(1, 0, 300_000))
    harsh = tmp_path / "harsh.db"
    shutil.copy(f, harsh)
    _corrupt(harsh, harsh=True)
    _corrupt(f)
    before = f.read_bytes()
    r = cd("export", "p", "e", "loss", "--db", f)
    assert r.returncode == 1 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "damaged" in r.stderr and "chartdesk check" in r.stderr
    t0 = time.monotonic()
    r = cd("render", "--project", "p", "--experiment", "e", "--out", tmp_path / "x.png", "--db", harsh)
    assert r.returncode == 1 and "Traceback" not in r.stderr and "damaged" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert time.monotonic() - t0 < 60
    r = cd("check", "--db", f)
    assert r.returncode == 1 and "damaged" in r.stdout + r.stderr
    r = cd("check", "--repair", "--db", f)
    assert r.returncode == 0, r.stderr
    repaired = tmp_path / "bad.repaired.db"
    assert str(repaired) in r.stdout
    assert f.read_bytes() == before  # the damaged file is left as it was
    with chartdesk.open_store(repaired) as s:
        assert s.experiments("p") == ["e"]
        assert s.read("p", "e", "acc").y.tolist() == np.linspace(0, 1, 10).tolist()
    assert cd("check", "--db", repaired).returncode == 0


def test_a_forked_child_neither_writes_nor_closes_the_parents_run(tmp_path):
    f = tmp_path / "fork.db"
    code = f"""
import os, chartdesk
run = chartdesk.init(project="p", experiment="e", db={str(f)!r}, flush_interval=60)
run.log_many("loss", range(1000), [0.5] * 1000)
run.flush()
run.log_many("loss", range(1000, 2000), [0.5] * 1000)
pid = os.fork()
if pid == 0:
    os._exit(0) if False else None
    import sys
    sys.exit(0)  # a normal exit: atexit handlers run in the child
os.waitpid(pid, 0)
s = chartdesk.open_store({str(f)!r})
print(len(s.read("p", "e", "loss").x), s.experiment("p", "e").state)
s.close()
run.close()
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["1000", "running"]  # the child wrote nothing and did not end the run
    with chartdesk.open_store(f) as s:
        assert len(s.read("p", "e", "loss").x) == 2000
        assert s.experiment("p", "e").state == "succeeded"


@pytest.mark.parametrize("args, expect", [
    (("ls", "--db", "x" * 300 + ".db"), "longer than 255"),
    (("ls", "--db", "foo://bar"), "unknown store URL scheme"),
    (("render", "--project", "p", "--experiment", "e", "--out", "w0.png", "--width", "0"), "width"),
    (("ls", "--bogus"), "unrecognized arguments"),
])
def test_cli_mistakes_are_one_line(tmp_path, args, expect):
    r = subprocess.run([sys.executable, "-m", "chartdesk", *args], capture_output=True, text=True, timeout=60,
                       cwd=tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and expect in r.stderr, r.stderr


def test_cli_postgres_without_driver_names_what_to_install(tmp_path):
    # A Python without psycopg: a module on the path that hides it, as an uninstalled package would be.
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nclass _Hide:\n    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'psycopg':\n            raise ModuleNotFoundError(name)\n"
        "sys.meta_path.insert(0, _Hide())\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls", "--db", "postgresql://me:secret@localhost/db"],
                       capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "pip install 'chartdesk[postgres]'" in r.stderr and "secret" not in r.stderr
    assert r.stderr.count("\n") == 1


def test_cli_name_with_invalid_utf8_is_one_line(tmp_path):
    db = tmp_path / "u.db"
    cd("demo", "--db", db)
    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls", b"mn\xffist", "--db", str(db)], capture_output=True,
                       timeout=60)
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert APPLICATION_ID  # the store still opens
    with chartdesk.open_store(db) as s:
        assert "mnist" in s.projects()
