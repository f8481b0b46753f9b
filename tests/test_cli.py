"""The command line, run as a user runs it: a subprocess, output on stdout, errors as one line."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.both_backends


def cd(*args, db=None, check=True):
    argv = [sys.executable, "-m", "chartdesk", *args]
    if db is not None:
        argv += ["--db", str(db)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture(scope="module")
def demo_db(module_targets):
    db = module_targets.new("demo")
    cd("demo", db=db)
    return db


def test_demo_then_ls(demo_db):
    assert cd("ls", db=demo_db).stdout.split() == ["cifar10", "mnist", "sweep"]
    exps = cd("ls", "mnist", db=demo_db).stdout.splitlines()
    assert exps[0].startswith("baseline-sgd\tsucceeded")
    assert "acc\t3000 points" in cd("--db", str(demo_db), "ls", "mnist", "baseline-sgd").stdout
    assert "already" in cd("demo", db=demo_db).stdout


def test_alias_set_resolve_json(target):
    db = target
    cd("demo", db=db)
    cd("alias", "set", "mnist", "accuracy", "accuracy", "pred_acc", "acc", db=db)
    assert "accuracy -> accuracy, pred_acc, acc" in cd("alias", "ls", "mnist", db=db).stdout
    table = json.loads(cd("resolve", "mnist", "accuracy", "--json", db=db).stdout)
    assert table["adam-both-names"] == "pred_acc"
    assert table["baseline-sgd"] == "acc"
    cd("alias", "set", "mnist", "nothing", "zzz", db=db)
    assert set(json.loads(cd("resolve", "mnist", "nothing", "--json", db=db).stdout).values()) == {None}


def test_chartset_add_and_ls_json(target):
    db = target
    cd("demo", db=db)
    cd("chartset", "add", "mnist", "Mine", "Acc", "alias:accuracy", "channel:val_acc", db=db)
    cd("chartset", "add", "mnist", "Mine", "Loss", "channel:loss", "--log-y", db=db)
    cd("chartset", "add", "mnist", "Mine", "Acc", "channel:val_acc", db=db)  # replace, same place
    sets = json.loads(cd("chartset", "ls", "mnist", "--json", db=db).stdout)
    assert sets["Mine"] == [{"name": "Acc", "series": ["channel:val_acc"]},
                            {"name": "Loss", "series": ["channel:loss"], "log_y": True}]
    assert list(sets) == ["Training", "Mine"]


def test_chartset_add_takes_the_legend_options(target):
    db = target
    cd("demo", db=db)
    cd("chartset", "add", "mnist", "Mine", "Acc", "alias:accuracy", "--legend", "side", "--legend-order", "name",
       "--legend-crosshair", db=db)
    cd("chartset", "add", "mnist", "Mine", "Loss", "channel:loss", "--legend-order", "last", db=db)
    sets = json.loads(cd("chartset", "ls", "mnist", "--json", db=db).stdout)
    assert sets["Mine"] == [{"name": "Acc", "series": ["alias:accuracy"], "legend": "side", "legend_order": "name",
                             "legend_crosshair": True},
                            {"name": "Loss", "series": ["channel:loss"], "legend_order": "last"}]
    for flag, value, said in (("--legend", "top", "argument --legend: invalid choice: 'top' (choose from 'below', "
                                                  "'side', 'off')"),
                              ("--legend-order", "size", "argument --legend-order: invalid choice: 'size' (choose from "
                                                         "'plotted', 'name', 'last')")):
        r = cd("chartset", "add", "mnist", "Mine", "Acc", "alias:accuracy", flag, value, db=db, check=False)
        assert r.returncode == 2 and said in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert json.loads(cd("chartset", "ls", "mnist", "--json", db=db).stdout)["Mine"] == sets["Mine"]  # nothing written


def test_alias_rename_notes_and_tags(target, tmp_path):
    db = target
    cd("demo", db=db)
    cd("chartset", "add", "mnist", "Mine", "Acc", "alias:accuracy", "expr:1 - accuracy", db=db)
    out = cd("alias", "rename", "mnist", "accuracy", "acc_any", db=db).stdout
    assert out.startswith("renamed alias accuracy to acc_any in mnist")
    sets = json.loads(cd("chartset", "ls", "mnist", "--json", db=db).stdout)
    assert sets["Mine"][0]["series"][0] == "alias:acc_any" and "acc_any" in sets["Mine"][0]["series"][1]
    taken = cd("alias", "rename", "mnist", "loss", "acc_any", db=db, check=False)
    assert taken.returncode == 1 and taken.stderr.strip().count("\n") == 0 and "'acc_any'" in taken.stderr
    assert "loss -> " in cd("alias", "ls", "mnist", db=db).stdout  # nothing written

    added = cd("tag", "mnist", "baseline-sgd", "--add", "best", "lr sweep", db=db).stdout
    assert added.strip() == "baseline, best, lr sweep"
    assert cd("tag", "mnist", "baseline-sgd", "--remove", "best", db=db).stdout.strip() == "baseline, lr sweep"
    assert cd("tag", "mnist", "baseline-sgd", db=db).stdout.strip() == "baseline, lr sweep"
    cd("notes", "mnist", "baseline-sgd", "--set", "diverged at 3k\nrerun with warmup", db=db)
    assert cd("notes", "mnist", "baseline-sgd", db=db).stdout == "diverged at 3k\nrerun with warmup\n"
    (tmp_path / "n.txt").write_text("from a file\n", encoding="utf-8")
    cd("notes", "mnist", "baseline-sgd", "--file", str(tmp_path / "n.txt"), db=db)
    assert cd("notes", "mnist", "baseline-sgd", db=db).stdout == "from a file\n"
    missing = cd("notes", "mnist", "baseline-sgd", "--file", str(tmp_path / "gone.txt"), db=db, check=False)
    assert missing.returncode == 1 and "gone.txt" in missing.stderr and missing.stderr.count("\n") == 1
    assert cd("notes", "mnist", "baseline-sgd", db=db).stdout == "from a file\n"  # kept


def test_export_csv_round_trips_values(demo_db, tmp_path):
    out = tmp_path / "loss.csv"
    cd("export", "mnist", "adam-lr1e-1-diverged", "loss", "--out", str(out), db=demo_db)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["x", "y", "t"]
    ys = [float(r[1]) for r in rows[1:]]
    import chartdesk

    with chartdesk.open_store(demo_db) as s:
        ref = s.read("mnist", "adam-lr1e-1-diverged", "loss").y
    import numpy as np

    assert np.array_equal(np.array(ys), ref, equal_nan=True)


@pytest.mark.parametrize("args, message", [
    (["ls", "nope"], "unknown project 'nope'"),
    (["ls", "mnist", "nope"], "unknown experiment 'nope'"),
    (["export", "mnist", "baseline-sgd", "nope"], "unknown channel 'nope'"),
    (["resolve", "mnist", "nope"], "unknown alias 'nope'"),
    (["chartset", "add", "mnist", "S", "C", "acc"], "alias:NAME or channel:NAME"),
    (["alias", "set", "nope", "a", "b"], "unknown project 'nope'"),
])
def test_bad_input_is_one_line_and_nonzero(demo_db, args, message):
    r = cd(*args, db=demo_db, check=False)
    assert r.returncode != 0
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_garbage_db_is_one_line(tmp_path):
    f = tmp_path / "x.db"
    f.write_text("hello")
    r = cd("ls", db=f, check=False)
    assert r.returncode == 1 and "not a ChartDesk store" in r.stderr and "Traceback" not in r.stderr
    assert f.read_text() == "hello"


def test_db_before_and_after_command_and_env(tmp_path, monkeypatch):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    cd("--db", str(a), "demo")
    r = cd("--db", str(b), "ls", check=False)  # a typo in --db: said, and nothing is created
    assert r.returncode == 1 and r.stderr.strip() == f"chartdesk: error: no store at {b}"
    assert not b.exists()
    assert "mnist" in cd("ls", "--db", str(a)).stdout
    env = {**__import__("os").environ, "CHARTDESK_DB": str(a)}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls"], capture_output=True, text=True, env=env, timeout=60)
    assert "mnist" in r.stdout
