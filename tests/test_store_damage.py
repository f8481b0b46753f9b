"""A damaged store is called damaged, whatever part of it was hit (issue 24, item 14 and 15):
a store whose file header an outsider overwrote is not "not a ChartDesk store"; ``import`` and
``demo`` refuse to write into a store whose pages are damaged where opening it does not look
(they wrote into it without a word); ``--screenshot`` of a window that met the damage exits 1
(it exited 0 with the status bar saying the store is damaged). Each was reproduced first."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys

import numpy as np
import pytest

import chartdesk
from chartdesk import StoreError
from chartdesk.importers import import_paths


def cd(*args, timeout=120, env=None):
    return subprocess.run([sys.executable, "-m", "chartdesk", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=env)


def one_line(r) -> str:
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    return r.stderr.strip()


def _store(path) -> None:
    with chartdesk.open_store(path) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "acc", np.arange(10.0), np.linspace(0, 1, 10))
        s.append("p", "e", "loss", np.arange(300_000.0), np.linspace(1, 0, 300_000))


def _header_overwritten(path, where: int, what: bytes):
    """A store (``_store``) whose file header has ``what`` written at offset ``where``."""
    _store(path)
    with open(path, "r+b") as fh:
        fh.seek(where)
        fh.write(what)
    return path


def _overwrite_pages(path, table: str, kind: str) -> None:
    """Overwrite every ``kind`` page (leaf, overflow) of ``table``, as a bad disk or an outsider would."""
    con = sqlite3.connect(path)
    page = con.execute("PRAGMA page_size").fetchone()[0]
    pages = [p for (p,) in con.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ?", (table, kind))]
    con.close()
    assert pages, f"{table} has {kind} pages"
    with open(path, "r+b") as fh:
        for p in pages:
            fh.seek((p - 1) * page)
            fh.write(b"\xde\xad\xbe\xef" * (page // 4))


# ---- a damaged header ----------------------------------------------------------------------------
@pytest.mark.parametrize("where, what", [(0, b"SQLite format 4"), (3, b"X"), (68, b"\x12\x34\x56\x78"),
                                         (68, b"\0\0\0\0")])
def test_a_store_whose_header_was_overwritten_is_called_damaged_not_foreign(tmp_path, where, what):
    f = _header_overwritten(tmp_path / "s.db", where, what)
    before = f.read_bytes()
    for args in (("ls",), ("import", tmp_path / "none.csv"), ("demo",)):
        line = one_line(cd(*args, "--db", f))
        assert "the store is damaged" in line and "not a ChartDesk store" not in line, line
        assert f"chartdesk check --db {f}" in line, line
    with pytest.raises(StoreError, match="the store is damaged"):
        chartdesk.open_store(f)
    assert f.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.db"]  # no side files made
    r = cd("check", "--db", f)
    assert r.returncode == 1 and "not a ChartDesk store" not in r.stdout and "header was overwritten" in r.stdout
    assert f.read_bytes() == before


def test_a_foreign_file_is_still_not_a_chartdesk_store(tmp_path):
    f = tmp_path / "other.db"
    con = sqlite3.connect(f)
    con.execute("CREATE TABLE t (a)")
    con.commit()
    con.close()
    line = one_line(cd("ls", "--db", f))
    assert "another application" in line and "damaged" not in line, line
    g = tmp_path / "garbage.db"
    g.write_bytes(os.urandom(4096))
    line = one_line(cd("ls", "--db", g))
    assert "not a ChartDesk store" in line and "damaged" not in line, line


# ---- writes into a store damaged where opening does not look -------------------------------------
@pytest.mark.parametrize("table, kind", [("chunks", "overflow"), ("chunks", "leaf")])
def test_import_and_demo_refuse_to_write_into_a_damaged_store(tmp_path, table, kind):
    f = tmp_path / "s.db"
    _store(f)
    _overwrite_pages(f, table, kind)
    assert cd("ls", "p", "--db", f).returncode == 0  # opening it does not see the damage
    (tmp_path / "new.csv").write_text("step,loss\n0,1\n1,0.5\n")
    before = f.read_bytes()
    for args in (("import", tmp_path / "new.csv"), ("demo",)):
        line = one_line(cd(*args, "--db", f))
        assert "the store is damaged" in line and f"chartdesk check --db {f}" in line, line
        assert "Nothing was written" in line, line
    assert f.read_bytes() == before
    with chartdesk.open_store(f) as s:  # the window's import goes through the same call
        with pytest.raises(StoreError, match="the store is damaged.*Nothing was written"):
            import_paths(s, [tmp_path / "new.csv"], "q")
        assert s.projects() == ["p"]


# ---- the window's screenshot -----------------------------------------------------------------------
def test_a_screenshot_of_a_window_that_met_damage_exits_1_naming_it(tmp_path):
    pytest.importorskip("PySide6")
    f = tmp_path / "s.db"
    _store(f)
    _overwrite_pages(f, "chunks", "leaf")  # opens; the window's read of the channels meets the damage
    shot = tmp_path / "shot.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    r = cd("--db", f, "--project", "p", "--experiment", "e", "--screenshot", shot, env=env, timeout=180)
    assert r.returncode == 1, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("chartdesk")]
    assert len(lines) == 1 and "the store is damaged" in lines[0] and "chartdesk check" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert shot.exists()  # the picture is still taken: it shows what could be read
    good = tmp_path / "good.db"
    _store(good)
    r = cd("--db", good, "--project", "p", "--experiment", "e", "--screenshot", tmp_path / "g.png", env=env,
           timeout=180)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("where, what", [(0, b"SQLite format 4"), (68, b"\0\0\0\0")])
def test_check_repair_saves_a_store_whose_header_was_overwritten(tmp_path, where, what):
    f = _header_overwritten(tmp_path / "s.db", where, what)
    before = f.read_bytes()
    r = cd("check", "--repair", "--db", f)
    assert r.returncode == 0 and "0 points lost" in r.stdout, (r.stdout, r.stderr)
    assert f.read_bytes() == before
    with chartdesk.open_store(tmp_path / "s.repaired.db") as s:
        assert s.read("p", "e", "loss").y.tolist() == np.linspace(1, 0, 300_000).tolist()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the copy it read is gone
