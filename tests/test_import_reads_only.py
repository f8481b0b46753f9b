"""An import never changes the folder it reads: every fixture folder (files written by the real
tools) and an SQLite store whose writer is still running (a ``-wal`` beside it) keep their bytes
and their file list, and no ``-wal``/``-shm``/journal file appears beside a file that was read."""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from fixtures import writers as W

from chartdesk.importers import import_paths

FIX = Path(__file__).parent / "fixtures"
FOLDERS = sorted(p.name for p in FIX.iterdir() if p.is_dir() and p.name != "__pycache__")


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", FOLDERS)
def test_importing_a_fixture_folder_leaves_it_byte_for_byte(name, tmp_path, store):
    folder = tmp_path / name
    shutil.copytree(FIX / name, folder)
    before = snapshot(folder)
    report = import_paths(store, [folder], "p")
    assert report.imported, report.refused
    assert snapshot(folder) == before


def test_an_sqlite_store_still_being_written_is_read_with_its_wal_and_left_as_it_was(tmp_path, store):
    db = tmp_path / "live" / "mlflow.db"
    db.parent.mkdir()
    W.mlflow_sqlite(db, {"u1": "run-one"}, steps=3)
    writer = sqlite3.connect(db)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # the rows below stay in the -wal, as while training
    writer.execute("INSERT INTO metrics VALUES ('pred_acc', 0.99, 1730000009000, 'u1', 3, 0)")
    writer.commit()
    try:
        wal = db.with_name("mlflow.db-wal")
        assert wal.stat().st_size > 0
        before = snapshot(db.parent)
        import_paths(store, [db.parent], "p")
        assert snapshot(db.parent) == before  # no -shm of ours, the -wal untouched, the db untouched
        assert store.read("p", "run-one", "pred_acc").x.tolist() == [0, 1, 2, 3]  # the row only in the -wal
    finally:
        writer.close()


def test_an_sqlite_store_with_no_writer_is_opened_immutable(tmp_path, store):
    db = tmp_path / "done" / "mlflow.db"
    db.parent.mkdir()
    W.mlflow_sqlite(db, {"u1": "run-one"}, steps=3)
    db.parent.chmod(0o555)  # a read-only folder (a mounted archive): nothing may be created there
    try:
        report = import_paths(store, [db.parent], "p")
    finally:
        db.parent.chmod(0o755)
    assert report.exit_code == 0, report.refused
    assert sorted(p.name for p in db.parent.iterdir()) == ["mlflow.db"]
