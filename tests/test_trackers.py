"""trackio and goodseed stores, from files their real writers made (``fixtures/tracker_writers.py``):
found by their tables whatever they are called, one experiment per run in the trackio project or
the goodseed workspace/project, names, steps, NaN and inf, params, states; values that are no
number skipped with a warning naming the row; a damaged file refused by its path while the others
import; MLflow's SQLite store left to MLflow; the folders read left byte for byte as they were,
a writer still holding its ``-wal`` included."""
from __future__ import annotations

import hashlib
import json
import math
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from fixtures import writers as W

from chartdesk.importers import ImportFailed, discover, goodseed, import_paths, mlflow, trackio

FIX = Path(__file__).parent / "fixtures"
GS_RUNS = Path("goodseed/projects/acme/vision/runs")


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "in"
    for name in names:
        shutil.copytree(FIX / name, root / name)
    return root


def raw(db: Path, sql: str, *args):
    """What the file itself holds (its main file only, no -wal), read without changing it."""
    con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def iso(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_fixture_folders_are_the_writers_files_checkpointed():
    files = sorted(p.relative_to(FIX).as_posix() for d in ("trackio", "goodseed") for p in (FIX / d).rglob("*")
                   if p.is_file())
    assert [f for f in files if f.endswith(("-wal", "-shm"))] == ["goodseed/live/runs/live-lemur.sqlite-wal",
                                                                  "trackio/live/live.db-wal"]
    assert sum((FIX / f).stat().st_size for f in files) < 300_000
    assert raw(FIX / "trackio/live/live.db", "SELECT step FROM metrics") == [(0,), (1,), (2,)]  # 3..5: in the -wal


def test_trackio_projects_runs_steps_values_params(tmp_path, store):
    folder = copy(tmp_path, "trackio")
    before = snapshot(folder)
    report = import_paths(store, [folder])
    assert not report.refused
    assert report.projects == {"llm-pretrain": 4, "vision": 1, "legacy": 1, "live": 1}
    assert sorted(store.experiments("llm-pretrain")) == ["baseline", "lr-sweep-1", "lr-sweep-1 (2)", "resumed"]
    assert store.experiments("vision") == ["cnn"] and store.experiments("legacy") == ["old-run"]

    db = folder / "trackio" / "llm-pretrain.db"
    assert sorted(store.channels("llm-pretrain", "baseline")) == [
        "eval/bleu", "eval/rouge/l", "system/cpu/percent", "system/mem/gb", "train/loss", "val/acc"]
    loss = store.read("llm-pretrain", "baseline", "train/loss")
    assert loss.x.tolist() == list(range(8))
    assert np.isnan(loss.y[3]) and loss.y[5] == math.inf and loss.y[6] == -math.inf
    assert loss.y[[0, 1, 7]].tolist() == [2.0, 1.0, 0.25]
    [(ts,)] = raw(db, "SELECT timestamp FROM metrics WHERE run_name='baseline' AND step=7")
    assert loss.t[7] == iso(ts)
    assert store.read("llm-pretrain", "baseline", "val/acc").x.tolist() == [0, 2, 4, 6]
    assert store.read("llm-pretrain", "baseline", "eval/rouge/l").y.tolist() == [0.25]
    cpu = store.read("llm-pretrain", "baseline", "system/cpu/percent")
    assert cpu.y.tolist() == [12.5, 50.0] and cpu.x[0] == 0 and cpu.x[1] == cpu.t[1] - cpu.t[0] > 0

    e = store.experiment("llm-pretrain", "baseline")
    assert e.state == "succeeded"
    assert e.params == {"lr": 3e-4, "batch": 64, "amp": True, "betas": [0.9, 0.95],
                        "model": {"name": "gpt-small", "layers": 12, "dropout": None}}
    [(config,)] = raw(db, "SELECT config FROM configs WHERE run_name='baseline'")
    assert e.created == iso(json.loads(config)["_Created"]) and e.finished >= loss.t.max()

    sweeps = {n: store.experiment("llm-pretrain", n) for n in ("lr-sweep-1", "lr-sweep-1 (2)")}
    assert sweeps["lr-sweep-1"].params["lr"] == 1e-3 and sweeps["lr-sweep-1 (2)"].params["lr"] == 3e-3
    assert store.read("llm-pretrain", "lr-sweep-1", "train/loss").x.tolist() == [0, 10, 20]
    assert store.read("llm-pretrain", "lr-sweep-1 (2)", "train/loss").y.tolist() == [4.0, 3.5]
    assert store.read("llm-pretrain", "resumed", "train/loss").x.tolist() == [0, 1, 2, 3]  # both sessions

    old = store.read("legacy", "old-run", "loss")  # trackio 0.23: runs by name, no run_id column
    assert np.isnan(old.y[1]) and old.y[2] == math.inf and old.x.tolist() == [0, 1, 2, 3]
    assert store.experiment("legacy", "old-run").params == {"lr": 0.5, "opt": {"name": "adam"}, "_Group": "g1"}
    assert store.read("legacy", "old-run", "system/gpu/0/util").y.tolist() == [90.0]
    assert store.read("live", "live", "loss").x.tolist() == [0, 1, 2, 3, 4, 5]  # 3..5 only in the -wal

    text = "\n".join(report.warnings)
    assert f"{db} (run 'baseline', metrics row 3): 'note' = 'warmup done' is not a number: skipped" in text
    assert "weights (trackio.histogram)" in text and "2 runs of trackio project llm-pretrain have this name" in text
    assert snapshot(folder) == before


def test_goodseed_runs_projects_states_params(tmp_path, store):
    folder = copy(tmp_path, "goodseed")
    before = snapshot(folder)
    report = import_paths(store, [folder])
    assert not report.refused
    assert report.projects == {"acme/vision": 3, "acme/live": 1, "default": 1}
    assert sorted(store.experiments("acme/vision")) == ["bold-falcon", "crashed-otter", "still-running"]

    db = folder / GS_RUNS / "bold-falcon.sqlite"
    assert sorted(store.channels("acme/vision", "bold-falcon")) == ["train/loss", "val/acc"]  # no string series
    loss = store.read("acme/vision", "bold-falcon", "train/loss")
    assert loss.x.tolist() == [0, 1, 2, 3, 4, 5]
    assert loss.y.tolist() == [1.0, 0.75, 1 / 3, 0.25, math.inf, -math.inf]  # step 1 logged twice: the last
    [(ts,)] = raw(db, "SELECT ts FROM metric_points WHERE step = 5")
    assert loss.t[5] == ts
    acc = store.read("acme/vision", "bold-falcon", "val/acc")
    assert acc.x.tolist() == [0.5, 2.5] and acc.y.tolist() == [0.25, 0.5]  # fractional steps, in step order

    e = store.experiment("acme/vision", "bold-falcon")
    meta = dict(raw(db, "SELECT key, value FROM run_meta"))
    assert e.state == "succeeded" and e.created == iso(meta["created_at"]) and e.finished == iso(meta["closed_at"])
    assert e.tags == ("baseline", "extra", "resnet") and "sys/tags" not in e.params
    assert {k: e.params[k] for k in ("parameters/lr", "parameters/optimizer/name", "parameters/layers/1",
                                     "parameters/amp", "data/started", "data/none", "sys/name", "sys/id")} == {
        "parameters/lr": 0.01, "parameters/optimizer/name": "sgd", "parameters/layers/1": 128,
        "parameters/amp": True, "data/started": "2025-01-02T03:04:05.000Z", "data/none": None,
        "sys/name": "resnet baseline", "sys/id": "bold-falcon"}
    failed = store.experiment("acme/vision", "crashed-otter")
    assert failed.state == "failed" and failed.params["sys/state"] == "failed"
    assert store.channels("acme/vision", "crashed-otter") == ["train/loss"]  # its traceback is a string series
    running = store.experiment("acme/vision", "still-running")
    assert running.state == "running" and running.finished is None
    assert store.read("acme/live", "live-lemur", "loss").x.tolist() == [0, 1, 2, 3, 4, 5]  # 3..5 only in the -wal
    trashed = store.experiment("default", "quiet-heron")
    assert trashed.tags == ("trashed",) and any("quiet-heron is in goodseed's trash" in w for w in report.warnings)
    assert snapshot(folder) == before


def test_project_given_takes_every_run(tmp_path, store):
    folder = copy(tmp_path, "trackio", "goodseed")
    report = import_paths(store, [folder], project="mine")
    assert not report.refused and report.projects == {"mine": 12}
    assert "bold-falcon" in store.experiments("mine") and "cnn" in store.experiments("mine")


def test_detected_by_tables_not_names_and_no_reader_claims_anothers_file(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    shutil.copyfile(FIX / "trackio" / "vision.db", folder / "tracked.sqlite")
    shutil.copyfile(FIX / GS_RUNS / "bold-falcon.sqlite", folder / "run.db")
    W.mlflow_sqlite(folder / "mlflow.db", {"u1": "run-one"}, steps=3)
    (folder / "notes.db").write_text("not SQLite")
    found = {s.path.name: s.fmt for s in discover([folder])}
    assert found == {"tracked.sqlite": "trackio", "run.db": "goodseed", "mlflow.db": "mlflow-sqlite"}
    assert not trackio.is_store(folder / "mlflow.db") and not goodseed.is_run_file(folder / "mlflow.db")
    assert not trackio.is_store(folder / "run.db") and not goodseed.is_run_file(folder / "tracked.sqlite")
    assert not mlflow.is_sqlite_store(folder / "tracked.sqlite") and not mlflow.is_sqlite_store(folder / "run.db")
    assert [s.fmt for s in discover([folder / "run.db"])] == ["goodseed"]  # one file named on the command line


def _damage(db: Path, how: str) -> None:
    data = bytearray(db.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 3]
    elif how == "garbage":
        data[1024:] = b"\x5a" * (len(data) - 1024)
    else:  # a data page of the metrics: the table list still reads, the rows do not
        [(root,)] = raw(db, "SELECT rootpage FROM sqlite_master WHERE name = ?", how)
        size = int.from_bytes(data[16:18], "big")
        data[(root - 1) * size:root * size] = b"\xff" * size
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("file, how", [("trackio/vision.db", "truncated"), ("trackio/vision.db", "metrics"),
                                       ("goodseed/projects/default/runs/quiet-heron.sqlite", "garbage"),
                                       ("goodseed/projects/default/runs/quiet-heron.sqlite", "metric_points")])
def test_a_damaged_file_is_refused_with_its_path_and_the_others_import(tmp_path, file, how):
    folder = copy(tmp_path, "trackio", "goodseed")
    bad = folder / file
    _damage(bad, how)
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(folder), "--db", str(tmp_path / "s.db")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    refused = [line for line in r.stderr.splitlines() if line.startswith("chartdesk: not imported:")]
    assert len(refused) == 1 and f"{bad} (table " in refused[0] and "Traceback" not in r.stderr, r.stderr
    assert refused[0].endswith("cannot be read: database disk image is malformed")
    assert "imported baseline (trackio)" in r.stdout and "imported bold-falcon (goodseed)" in r.stdout
    assert ("imported cnn (trackio)" in r.stdout) == (bad.name != "vision.db")
    listing = subprocess.run([sys.executable, "-m", "chartdesk", "ls", "--db", str(tmp_path / "s.db")],
                             capture_output=True, text=True, timeout=60)
    assert {"llm-pretrain", "acme/vision", "acme/live", "legacy", "live"} <= set(listing.stdout.split())


def test_cli_import_puts_runs_in_their_own_projects(tmp_path):
    folder = copy(tmp_path, "trackio", "goodseed")
    before = snapshot(folder)
    db = tmp_path / "s.db"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(folder), "--db", str(db)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "imported baseline (trackio)" in r.stdout and "imported live-lemur (goodseed)" in r.stdout
    assert "chartdesk: warning:" in r.stderr and "'warmup done' is not a number" in r.stderr
    ls = subprocess.run([sys.executable, "-m", "chartdesk", "ls", "acme/vision", "--db", str(db)],
                        capture_output=True, text=True, timeout=60)
    assert ls.returncode == 0, ls.stderr
    states = dict(line.split("\t")[:2] for line in ls.stdout.splitlines())
    assert states == {"bold-falcon": "succeeded", "crashed-otter": "failed", "still-running": "running"}
    assert snapshot(folder) == before


def test_values_that_are_no_numbers_are_skipped_and_named(tmp_path, store):
    db = tmp_path / "p.db"
    shutil.copyfile(FIX / "trackio" / "vision.db", db)
    con = sqlite3.connect(db)
    [(run_id,)] = con.execute("SELECT DISTINCT run_id FROM metrics").fetchall()
    rows = [("{not json", 5), ('{"acc": 1e999, "big": ' + "9" * 400 + ', "flag": true, "acc2": [1]}', 6),
            ('{"acc": 0.9}', "soon"), ('{"acc": 0.95, " pad": 1}', 7), ('{"acc": NaN, "loss": -Infinity}', 8)]
    for text, step in rows:
        con.execute("INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) VALUES (?, ?, 'cnn', ?, ?)",
                    (run_id, "2025-01-01T00:00:00+00:00", step, text))
    con.commit()
    con.close()
    [exp] = trackio.parse(db)
    assert exp.channels["acc"].x.tolist() == [0, 1, 2, 3, 4, 7, 8] and np.isnan(exp.channels["acc"].y[-1])
    assert exp.channels["loss"].y.tolist() == [-math.inf]  # JSON's bare tokens, as Python's json writes them
    assert "big" not in exp.channels and "flag" not in exp.channels and " pad" not in exp.channels
    text = "\n".join(exp.warnings)
    assert f"{db} (run 'cnn', metrics row 6): the row is not JSON (Expecting property name" in text
    assert "metrics row 7): 'acc' = inf is too large for a float64: skipped" in text
    assert "metrics row 7): 'big' = 9999" in text and "... is too large for a float64: skipped" in text
    assert "metrics row 7): 'flag' = True is not a number: skipped" in text
    assert "metrics row 7): 'acc2' = [1] is not a number: skipped" in text
    assert "metrics row 8): the row has no step that is a number ('soon'): skipped" in text
    assert "metrics row 9): ' pad' = 1 is not a channel name ChartDesk can store: skipped" in text


def test_goodseed_bad_rows_are_named_and_the_rest_imported(tmp_path):
    db = tmp_path / "r.sqlite"
    shutil.copyfile(FIX / GS_RUNS / "bold-falcon.sqlite", db)
    con = sqlite3.connect(db)
    con.execute("UPDATE configs SET value = 'lots' WHERE path = 'parameters/layers/0'")
    con.execute("INSERT INTO metric_points (series_id, step, y, ts) VALUES (2, 9, 'high', 0)")
    con.execute("INSERT INTO metric_points (series_id, step, y, ts) VALUES (7, 1, 2.0, 0)")
    con.execute("DELETE FROM run_meta WHERE key IN ('run_id', 'project')")
    con.commit()
    con.close()
    [exp] = goodseed.parse(db)
    assert exp.name == "r" and exp.project is None  # no run_meta and not below projects/<ws>/<p>/runs/
    assert exp.params["parameters/layers/0"] == "lots" and exp.channels["val/acc"].x.tolist() == [0.5, 2.5]
    assert exp.channels["metric_series 7"].y.tolist() == [2.0]
    text = "\n".join(exp.warnings)
    assert f"{db} (configs 'parameters/layers/0'): 'lots' is not of type int: kept as text" in text
    assert f"{db} (metric_points of 'val/acc', step 9.0): y 'high' is not a number: skipped" in text
    assert "no metric_series row names it: 1 points imported as channel 'metric_series 7'" in text


def test_missing_tables_or_columns_are_refused_naming_them(tmp_path):
    db = tmp_path / "p.db"
    con = sqlite3.connect(db)
    con.executescript("CREATE TABLE metrics (id INTEGER PRIMARY KEY, timestamp TEXT, run_name TEXT, metrics TEXT);"
                      "CREATE TABLE configs (id INTEGER PRIMARY KEY, run_name TEXT, config TEXT);")
    con.close()
    assert trackio.is_store(db)
    with pytest.raises(ImportFailed, match=r"p\.db \(table metrics\): has no column step: not a trackio project file"):
        trackio.parse(db)
    with pytest.raises(ImportFailed, match=r"no table metric_points, metric_series, run_meta: not a goodseed run"):
        goodseed.parse(db)


def test_a_writer_still_holding_its_wal_is_read_and_left_alone(tmp_path, store):
    for src, sql in ((FIX / "trackio" / "vision.db", "INSERT INTO metrics (run_id, timestamp, run_name, step, metrics) "
                      "SELECT run_id, timestamp, run_name, 99, '{\"acc\": 0.99}' FROM metrics LIMIT 1"),
                     (FIX / GS_RUNS / "crashed-otter.sqlite",
                      "INSERT INTO metric_points (series_id, step, y, ts) VALUES (1, 99, 0.5, 0)")):
        folder = tmp_path / src.stem
        folder.mkdir()
        db = folder / src.name
        shutil.copyfile(src, db)
        writer = sqlite3.connect(db)
        try:
            writer.execute("PRAGMA journal_mode=WAL")
            writer.execute("PRAGMA wal_autocheckpoint=0")  # the row below stays in the -wal, as while training
            writer.execute(sql)
            writer.commit()
            assert Path(f"{db}-wal").stat().st_size > 0
            before = snapshot(folder)
            report = import_paths(store, [folder], "p")
            assert not report.refused, report.refused
            assert snapshot(folder) == before  # no -shm of ours, the -wal untouched, the db untouched
            name, channel = ("cnn", "acc") if src.suffix == ".db" else ("crashed-otter", "train/loss")
            assert store.read("p", name, channel).x[-1] == 99
        finally:
            writer.close()


def test_a_read_only_folder_is_read_without_creating_anything(tmp_path, store):
    folder = copy(tmp_path, "goodseed", "trackio")
    dirs = [p for p in folder.rglob("*") if p.is_dir()]
    for d in dirs:
        d.chmod(0o555)
    try:
        report = import_paths(store, [folder])
    finally:
        for d in dirs:
            d.chmod(0o755)
    assert not report.refused and len(report.imported) == 12
