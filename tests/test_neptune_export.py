"""neptune-exporter Parquet exports: found by layout, one experiment per run (all its parts) in a
project named by the Neptune project, named by the run's Neptune ID; steps as the nearest
float64, NaN and inf kept, params, tags, state; unfinished and damaged exports; forks stitched
to their parents; the export folder left as it was."""
from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fixtures import neptune_export_writer as NW

from chartdesk.importers import ImportFailed, discover, import_paths
from chartdesk.importers import neptune_export as ne

UTC = dt.timezone.utc
P2, P3 = "acme/llm-pretrain", "acme/scale-runs"


def _neptune2_run(data: Path, run_id: str = "SAN-12", **kw) -> list[Path]:
    return NW.neptune_run(data, P2, run_id, interleave=False, params={
        "sys/id": run_id, "sys/name": "Untitled", "sys/owner": "ana", "sys/failed": True,
        "sys/tags": {"baseline", "lr-sweep"}, "sys/creation_time": dt.datetime(2024, 3, 1, 12, 0, 0, 250000, UTC),
        "sys/modification_time": dt.datetime(2024, 3, 2, tzinfo=UTC),
        "parameters/optimizer/lr": 3e-4, "parameters/batch": 64, "parameters/amp": True,
        "parameters/name": "gpt-small", "parameters/datasets": {"owt", "books"}, "parameters/absent": ("int", None),
    }, metrics={
        "train/loss": ([0, 1, 2, 3, 1, 2], [2.5, float("nan"), float("inf"), float("-inf"), 1.5, 1.25],
                       [1e9 + i for i in range(6)]),  # resumed at step 1: the logged order stays
        "monitoring/8a1f2e3d/cpu": ([0, 1], [12.0, 13.5]),
    }, string_series={"monitoring/8a1f2e3d/stdout": [(0, "hello"), (1, "world")]},
        histograms={"train/grads": [(0, [0.0, 1.0, 2.0], [3.0, 4.0])]},
        files={"source_code/diff": "acme_llm-pretrain/SAN-12/diff.patch"},
        file_series={"samples": [(0, "acme_llm-pretrain/SAN-12/s0.png")]}, **kw)


def _neptune3_run(data: Path, run_id: str, metrics, fork: tuple[str, float] | None = None, **kw) -> list[Path]:
    params = {"sys/custom_run_id": run_id, "sys/name": "swim-further", "sys/id": f"SCA-{len(run_id)}",
              "sys/creation_time": dt.datetime(2025, 5, 1, tzinfo=UTC), "config/seed": 7}
    if fork:
        params["sys/forking/parent"], params["sys/forking/step"] = fork[0], float(fork[1])
        params["sys/forking/depth"] = 1
    else:  # a root run: the attributes exist for other runs of the batch, not for this one
        params["sys/forking/parent"], params["sys/forking/step"] = ("string", None), ("float", None)
    return NW.neptune_run(data, P3, run_id, params=params, metrics=metrics, **kw)


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_runs_projects_names_steps_values_params(tmp_path, store):
    data = tmp_path / "exports" / "data"
    _neptune2_run(data, parts=3, row_group_rows=4)
    steps = [Decimal("0.1"), Decimal("4.666666"), Decimal("7"), Decimal("123456.000001")]
    _neptune3_run(data, "likable-barracuda", {"eval/acc": (steps, [0.1, 0.2, 0.3, 0.4])})
    report = import_paths(store, [tmp_path / "exports"])
    assert not report.refused and not report.warnings
    assert report.projects == {P2: 1, P3: 1}
    assert store.experiments(P2) == ["SAN-12"] and store.experiments(P3) == ["likable-barracuda"]
    assert sorted(store.channels(P2, "SAN-12")) == ["monitoring/8a1f2e3d/cpu", "train/loss"]
    s = store.read(P2, "SAN-12", "train/loss")
    assert s.x.tolist() == [0, 1, 2, 3, 1, 2]  # the order logged, a resumed run's step going back kept
    assert np.isnan(s.y[1]) and s.y[2] == np.inf and s.y[3] == -np.inf and s.y[4:].tolist() == [1.5, 1.25]
    assert s.t.tolist() == [1e9 + i for i in range(6)]
    acc = store.read(P3, "likable-barracuda", "eval/acc")
    assert acc.x.tolist() == [float(v) for v in steps]  # 0.1 is 0.1, not pyarrow's 0.09999999999999999
    assert acc.x[1] == 4.666666 and acc.x[0] == 0.1
    e = store.experiment(P2, "SAN-12")
    assert e.state == "failed" and e.tags == ("baseline", "lr-sweep")
    assert e.created == dt.datetime(2024, 3, 1, 12, 0, 0, 250000, UTC).timestamp()
    assert e.params["parameters/optimizer/lr"] == 3e-4 and e.params["parameters/batch"] == 64
    assert e.params["parameters/amp"] is True and e.params["parameters/name"] == "gpt-small"
    assert e.params["parameters/datasets"] == ["books", "owt"]
    assert e.params["sys/name"] == "Untitled" and e.params["sys/id"] == "SAN-12" and e.params["sys/owner"] == "ana"
    assert e.params["sys/creation_time"] == "2024-03-01T12:00:00.250Z"
    assert "parameters/absent" not in e.params and "sys/tags" not in e.params
    assert not any(k.startswith(("samples", "source_code", "train/grads", "monitoring/8a1f2e3d/stdout"))
                   for k in e.params)
    e3 = store.experiment(P3, "likable-barracuda")
    assert e3.state == "succeeded" and e3.params["sys/custom_run_id"] == "likable-barracuda"
    assert "sys/forking/parent" not in e3.params  # null: not set in a root run


def test_one_part_named_on_the_command_line_reads_the_whole_run(tmp_path, store):
    parts = _neptune2_run(tmp_path / "data", parts=3)
    [src] = discover([parts[2]])
    assert src.fmt == "neptune-export"
    import_paths(store, [parts[2]])
    assert len(store.read(P2, "SAN-12", "train/loss")) == 6


def test_steps_are_the_nearest_float64():
    rng = np.random.default_rng(3)
    scaled = np.concatenate([rng.integers(-10**15, 10**15, 20000), [1, 100000, 4666666, 10**17 + 1, -(10**17) - 3]])
    values = [Decimal(int(v)).scaleb(-6) for v in scaled]
    arr = pa.array(values, type=pa.decimal128(18, 6))
    assert ne.steps_as_float(arr).tolist() == [float(v) for v in values]
    assert ne.steps_as_float(arr.slice(5, 10)).tolist() == [float(v) for v in values[5:15]]


def test_unfinished_export_imports_what_is_there_and_says_so(tmp_path, store):
    data = tmp_path / "data"
    parts = _neptune2_run(data, parts=2, finish=False)
    assert not parts[0].exists() and parts[1].exists()
    report = import_paths(store, [data])
    assert not report.refused and report.imported[0][0] == "SAN-12"
    [warning] = report.warnings
    assert str(parts[0]) in warning and "did not finish" in warning
    assert len(store.read(P2, "SAN-12", "train/loss")) > 0


def test_damaged_part_is_refused_with_its_path_and_the_other_runs_import(tmp_path):
    data = tmp_path / "data"
    _neptune2_run(data, "SAN-1")
    bad = _neptune2_run(data, "SAN-2")[0]
    bad.write_bytes(bad.read_bytes()[: bad.stat().st_size // 2])
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(tmp_path), "--db", str(tmp_path / "s.db")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    assert "imported SAN-1 (neptune-export)" in r.stdout and "SAN-2" not in r.stdout
    assert f"not imported: {bad}: not a readable Parquet file" in r.stderr and "Traceback" not in r.stderr


def test_wrong_schema_and_bad_rows_are_refused_in_one_line(tmp_path, store):
    folder = tmp_path / "data" / NW.sanitize(P2)
    folder.mkdir(parents=True)
    wrong = folder / f"{NW.sanitize('SAN-3')}_part_0.parquet"
    pq.write_table(pa.table({"project_id": [P2], "run_id": ["SAN-3"], "attribute_path": ["a"],
                             "attribute_type": ["float_series"], "float_value": [1.0]}), wrong)
    with pytest.raises(ImportFailed, match=r"no columns step, timestamp, int_value, string_value, bool_value, "
                                           r"datetime_value, string_set_value$"):
        ne.parse(wrong)
    stepless = NW.neptune_run(tmp_path / "data", P2, "SAN-4", metrics={"train/loss": ([0, None, 2], [1.0, 2.0, 3.0])},
                              interleave=False)[0]
    with pytest.raises(ImportFailed, match=r"row group 0, row 1\): float_series 'train/loss' has a point without"):
        ne.parse(stepless)
    two = folder / f"{NW.sanitize('SAN-5')}_part_0.parquet"
    t = NW.metrics_table(P2, "SAN-5", {"loss": ([0, 1], [1.0, 2.0])})
    pq.write_table(t.set_column(1, "run_id", pa.array(["SAN-5", "SAN-6"])), two)
    with pytest.raises(ImportFailed, match=r"row 1\): run_id 'SAN-6', but .* is of 'SAN-5'"):
        ne.parse(two)
    report = import_paths(store, [tmp_path / "data"])
    assert len(report.refused) == 3 and not report.imported
    assert all("\n" not in line for line in report.refused)


def _steps(store, project, run, ch="loss"):
    s = store.read(project, run, ch)
    return list(zip(s.x.tolist(), s.y.tolist()))


def test_forks_are_stitched_to_their_parents_recursively(tmp_path, store):
    data = tmp_path / "data"
    # names sort children before parents: the stitching must not depend on the order read
    _neptune3_run(data, "z-root", {"loss": (range(0, 11), [float(i) for i in range(11)]),
                                   "lr": ([0, 10], [0.1, 0.1])})
    _neptune3_run(data, "m-child", {"loss": ([5, 6, 7, 8, 9], [50.0, 60, 70, 80, 90]), "grad": ([6], [1.0])},
                  fork=("z-root", 5))
    _neptune3_run(data, "a-grandchild", {"loss": ([9, 10], [900.0, 1000])}, fork=("m-child", 8))
    _neptune3_run(data, "b-orphan", {"loss": ([4, 5], [4.0, 5.0])}, fork=("deleted-run", 3))
    [parsed] = ne.parse(next((data / NW.sanitize(P3)).glob(f"{NW.sanitize('m-child')}_part_0.parquet")))
    assert parsed.fork == ("z-root", 5.0)
    report = import_paths(store, [data])
    assert not report.refused
    assert _steps(store, P3, "z-root") == [(float(i), float(i)) for i in range(11)]
    # the parent's points up to and including step 5 (its value at 5 wins), then the child's own
    assert _steps(store, P3, "m-child") == [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0), (4.0, 4.0), (5.0, 5.0),
                                            (6.0, 60.0), (7.0, 70.0), (8.0, 80.0), (9.0, 90.0)]
    assert _steps(store, P3, "m-child", "lr") == [(0.0, 0.1)]  # inherited though the child never logged it
    assert _steps(store, P3, "m-child", "grad") == [(6.0, 1.0)]
    assert _steps(store, P3, "a-grandchild") == [(float(i), float(i)) for i in range(6)] + \
        [(6.0, 60.0), (7.0, 70.0), (8.0, 80.0), (9.0, 900.0), (10.0, 1000.0)]
    assert sorted(store.channels(P3, "a-grandchild")) == ["grad", "loss", "lr"]
    assert _steps(store, P3, "b-orphan") == [(4.0, 4.0), (5.0, 5.0)]
    assert store.experiment(P3, "m-child").params["sys/forking/parent"] == "z-root"
    assert store.experiment(P3, "m-child").params["sys/forking/step"] == 5.0
    assert any("b-orphan: forked from deleted-run at step 3, which is neither in this import nor in the project" in w
               for w in report.warnings)
    assert any(w.startswith("a-grandchild: forked from m-child at step 8") for w in report.warnings)
    again = import_paths(store, [data])  # a re-import stitches its own points again, not the stitched ones
    assert not again.refused and _steps(store, P3, "m-child")[-1] == (9.0, 90.0)
    assert len(store.read(P3, "a-grandchild", "loss")) == 11 and store.experiments(P3) == \
        ["a-grandchild", "b-orphan", "m-child", "z-root"]


def test_a_fork_imported_after_its_parent_is_stitched_to_the_parent_in_the_store(tmp_path, store):
    _neptune3_run(tmp_path / "first", "root", {"loss": (range(0, 6), [float(i) for i in range(6)])})
    _neptune3_run(tmp_path / "later", "child", {"loss": ([3, 4], [30.0, 40.0])}, fork=("root", 2))
    import_paths(store, [tmp_path / "first"])
    report = import_paths(store, [tmp_path / "later"])  # another day, another export
    assert _steps(store, P3, "child") == [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 30.0), (4.0, 40.0)]
    assert any(w.startswith("child: forked from root at step 2: 3 of its points") for w in report.warnings)


def test_cli_import_without_project_uses_neptunes_and_leaves_the_export_as_it_was(tmp_path):
    exports = tmp_path / "exports"
    _neptune2_run(exports / "data", "SAN-12")
    _neptune2_run(exports / "data", "SAN-13", parts=2)
    _neptune3_run(exports / "data", "likable-barracuda", {"loss": ([0, 1], [1.0, 0.5])})
    # what is beside the runs is not read: downloaded files (a CSV of the user's), the model registry
    files = exports / "files" / NW.sanitize(P2) / "SAN-12"
    files.mkdir(parents=True)
    (files / "predictions.csv").write_text("step,score\n0,1\n1,2\n")
    NW.neptune_run(exports / "data" / NW.sanitize(P2), P2, "SAN-MOD", metrics={"x": ([0], [1.0])})
    (exports / "data" / NW.sanitize(P2) / NW.sanitize(P2)).rename(exports / "data" / NW.sanitize(P2) / "models")
    before = _hashes(tmp_path)
    db = tmp_path / "out" / "s.db"
    db.parent.mkdir()
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(exports), "--db", str(db)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "imported SAN-12 (neptune-export): 2 channels, 8 points" in r.stdout
    assert f"into {P2} (2 experiments), {P3} (1 experiment)" in r.stdout
    ls = subprocess.run([sys.executable, "-m", "chartdesk", "ls", P2, "--db", str(db)],
                        capture_output=True, text=True, timeout=120)
    assert [line.split("\t")[0] for line in ls.stdout.splitlines()] == ["SAN-12", "SAN-13"]
    after = {k: v for k, v in _hashes(tmp_path).items() if not k.startswith("out/")}
    assert after == before
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(exports), "--project", "all", "--db", str(db)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "into all (3 experiments)" in r.stdout, r.stderr


def test_forks_find_their_parents_when_run_ids_are_qualified_by_project(tmp_path, store):
    data = tmp_path / "data"
    for project, base in (("acme/a", 0.0), ("acme/b", 100.0)):
        for run, fork, steps in (("root", None, range(4)), ("child", ("root", 1), [2, 3])):
            params = {"sys/custom_run_id": run}
            if fork:
                params["sys/forking/parent"], params["sys/forking/step"] = fork
            NW.neptune_run(data, project, run, params=params,
                           metrics={"loss": (list(steps), [base + s for s in steps])})
    report = import_paths(store, [data], "all")
    assert sorted(store.experiments("all")) == ["acme/b/child", "acme/b/root", "child", "root"]
    assert _steps(store, "all", "child") == [(0.0, 0.0), (1.0, 1.0), (2.0, 2.0), (3.0, 3.0)]
    assert _steps(store, "all", "acme/b/child") == [(0.0, 100.0), (1.0, 101.0), (2.0, 102.0), (3.0, 103.0)]
    assert not report.refused


def test_arrays_grow_when_a_footer_counts_fewer_rows(tmp_path):
    parts = NW.neptune_run(tmp_path, P2, "SAN-9", metrics={"a": (range(50), [float(i) for i in range(50)]),
                                                           "b": (range(30), [1.0] * 30)}, row_group_rows=7, parts=2)
    run = ne._Run(capacity=3)
    for f in parts:
        run.read_part(f)
    exp = run.experiment(parts[0])
    assert exp.channels["a"].y.tolist() == [float(i) for i in range(50)] and len(exp.channels["b"].x) == 30
