"""Store files whose names look like URI syntax (issue 24, item 5): a folder or file named with
``%41``, ``#``, ``?`` or spaces is that file and no other, reopened with its data, with no stray
files beside it; a foreign SQLite file with such a name is refused and left exactly as it was."""
from __future__ import annotations

import sqlite3

import pytest

from chartdesk import open_store
from chartdesk.errors import StoreError

ODD = ["a%41b/s.db", "x#y/s#1.db", "q?mode=ro/s?.db", "sp ace/é #2.db"]


@pytest.mark.parametrize("name", ODD)
def test_a_store_with_uri_characters_in_its_path_reopens_with_its_data(tmp_path, name):
    path = tmp_path / name
    path.parent.mkdir(parents=True)
    with open_store(str(path)) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "loss", [0, 1], [1.0, 0.5])
    with open_store(str(path)) as s:
        assert s.read("p", "e", "loss").y.tolist() == [1.0, 0.5]
    made = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert [m for m in made if not m.endswith(("-wal", "-shm"))] == [name]


def test_a_foreign_sqlite_file_named_with_a_hash_is_refused_and_left_untouched(tmp_path):
    foreign = tmp_path / "x#y.db"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes (t TEXT)")
    con.execute("INSERT INTO notes VALUES ('mine')")
    con.commit()
    con.close()
    before = foreign.read_bytes()
    with pytest.raises(StoreError, match="x#y.db"):
        open_store(str(foreign))
    assert foreign.read_bytes() == before  # not switched to WAL (byte 18 stays 1), nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x#y.db"]


def test_a_password_with_an_unescaped_at_sign_is_never_printed(tmp_path):
    """Issue 24 item 12: 'bob:se@cret@host' was read as host 'cret@host', and 'cret' printed."""
    import subprocess
    import sys

    url = "postgresql+psycopg://bob:se@cret@127.0.0.1:1/x"
    with pytest.raises(StoreError) as err:
        open_store(url)
    assert "cret" not in str(err.value) and "%40" in str(err.value) and "bob:***@127.0.0.1:1/x" in str(err.value)
    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls", "--db", url], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "cret" not in r.stderr + r.stdout and "%40" in r.stderr
    with pytest.raises(StoreError) as err:  # escaped, it is a password like any other (this server is not there)
        open_store("postgresql+psycopg://bob:se%40cret@127.0.0.1:1/x")
    assert "cret" not in str(err.value)


def test_sqlite_url_options_are_refused_not_ignored(tmp_path):
    """Issue 24 item 14: ?mode=ro was dropped with a warning and the store written."""
    import subprocess
    import sys

    db = tmp_path / "x.db"
    with open_store(db) as s:
        s.create_experiment("p", "e")
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"has options \(mode\) that ChartDesk does not take for SQLite"):
        open_store(f"sqlite:///{db}?mode=ro")
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", f"sqlite:///{db}?mode=ro", "alias", "set", "p", "a",
                        "x"], capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "does not take" in r.stderr and "Warning" not in r.stderr
    assert db.read_bytes() == before


@pytest.mark.parametrize("where", ["/dev/null", "folder"])
def test_a_device_or_folder_is_refused_before_sqlite_touches_it(tmp_path, where):
    """Issue 24 item 14: --db /dev/null said 'disk I/O error' and left /dev/null-journal."""
    import os

    target = tmp_path if where == "folder" else where
    before = set(os.listdir(os.path.dirname(str(target)) if where != "folder" else tmp_path))
    with pytest.raises(StoreError, match="is a device, not a store file" if where == "/dev/null" else "is a folder"):
        open_store(target)
    after = set(os.listdir(os.path.dirname(str(target)) if where != "folder" else tmp_path))
    assert after == before  # no -journal, -wal or -shm beside it


def test_a_reading_command_leaves_an_empty_file_empty(tmp_path):
    """Issue 24 item 14: `chartdesk ls` turned a 0-byte file into a 1.7 MB store."""
    import subprocess
    import sys

    f = tmp_path / "empty.db"
    f.touch()
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(f), "ls"], capture_output=True, text=True)
    assert r.returncode == 1 and "the file is empty" in r.stderr and r.stderr.count("\n") == 1
    assert f.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.db"]
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(f), "demo"], capture_output=True, text=True)
    assert r.returncode == 0 and open_store(f).projects() == ["cifar10", "mnist", "sweep"]


def test_pickling_a_store_says_what_to_pass_instead(tmp_path):
    import pickle

    with open_store(tmp_path / "p.db") as s, pytest.raises(TypeError, match="call chartdesk.open_store there"):
        pickle.dumps(s)
