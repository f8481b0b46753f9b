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
