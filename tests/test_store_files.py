"""Foreign, garbage and newer files are refused with one clear line and left byte-for-byte untouched."""
from __future__ import annotations

import sqlite3

import pytest

import chartdesk
from chartdesk import StoreError
from chartdesk.store.schema import APPLICATION_ID, SCHEMA_VERSION


def _bytes(path):
    return path.read_bytes()


def test_garbage_file_is_refused_untouched(tmp_path):
    f = tmp_path / "notes.db"
    f.write_bytes(b"these are my notes, not a database\n" * 10)
    before = _bytes(f)
    with pytest.raises(StoreError, match="not a ChartDesk store"):
        chartdesk.open_store(f)
    assert _bytes(f) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.db"]


def test_foreign_sqlite_file_is_refused_untouched(tmp_path):
    f = tmp_path / "other.db"
    con = sqlite3.connect(f)
    con.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
    con.execute("INSERT INTO photos (path) VALUES ('a.jpg')")
    con.commit()
    con.close()
    before = _bytes(f)
    with pytest.raises(StoreError, match="another application"):
        chartdesk.open_store(f)
    assert _bytes(f) == before


def test_newer_schema_is_refused_untouched(tmp_path):
    f = tmp_path / "new.db"
    with chartdesk.open_store(f) as s:
        s.create_experiment("p", "e")
    con = sqlite3.connect(f)
    con.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    before = _bytes(f)
    with pytest.raises(StoreError, match="newer ChartDesk"):
        chartdesk.open_store(f)
    assert _bytes(f) == before


def test_store_file_carries_identity(tmp_path):
    f = tmp_path / "id.db"
    chartdesk.open_store(f).close()
    con = sqlite3.connect(f)
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_empty_sqlite_file_becomes_a_store(tmp_path):
    f = tmp_path / "empty.db"
    sqlite3.connect(f).close()
    with chartdesk.open_store(f) as s:
        assert s.projects() == []


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(StoreError, match="does not exist"):
        chartdesk.open_store(tmp_path / "no" / "such" / "x.db")
