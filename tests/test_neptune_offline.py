"""Neptune 2 offline runs (``neptune`` 1.x, ``.neptune/offline|async/run__<uuid>__...``) and
Neptune 3 offline repositories (``neptune-scale``, ``.neptune/<project>_<run>_<ns>/
run_operations.sqlite3``), read from folders the real clients wrote (tests/fixtures/neptune2,
neptune3; see fixtures/neptune_writers.py): names, projects, steps, replayed clears, assigns and
deletes, params, tags, state, forks, resumed runs, damage and crashes, and the folders left as
they were."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from chartdesk.importers import ImportFailed, discover, import_paths
from chartdesk.importers import neptune_offline as no
from chartdesk.importers import neptune_scale as ns

FIXTURES = Path(__file__).parent / "fixtures"
P3, OTHER = "acme/scale-runs", "acme/other-proj"


def _copy(tmp_path: Path, *which: str) -> Path:
    """The fixtures' ``.neptune`` folders as a user has them: below the folder their script ran in."""
    work = tmp_path / "work"
    for w in which:
        shutil.copytree(FIXTURES / w / ".neptune", work / ".neptune", dirs_exist_ok=True)
    return work


def _listing(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def _neptune2_runs(work: Path) -> dict[str, Path]:
    """sys/name -> run folder (the UUIDs change when the fixtures are written again)."""
    out = {}
    for folder in sorted((work / ".neptune").glob("*/run__*")):
        for f in sorted(folder.glob("data-*.log")):
            for line in f.read_text().splitlines():
                op = json.loads(line)["obj"]
                if op["path"] == ["sys", "name"]:
                    out[op["value"]] = folder
    return out


def _uuid(folder: Path) -> str:
    return json.loads((folder / "metadata.json").read_text())["containerId"]


def _points(store, project, run, ch):
    s = store.read(project, run, ch)
    return s.x.tolist(), s.y.tolist()


# ---- Neptune 2 ----------------------------------------------------------------------------------
def test_neptune2_offline_runs_are_replayed_as_the_server_would(tmp_path, store):
    work = _copy(tmp_path, "neptune2")
    runs = _neptune2_runs(work)
    assert set(runs) == {"baseline-lr", "Untitled", "crashed-async"}
    report = import_paths(store, [work])
    assert not report.refused
    base, failed, crashed = (f"offline/{_uuid(runs['baseline-lr'])}", f"offline/{_uuid(runs['Untitled'])}",
                             f"async/{_uuid(runs['crashed-async'])}")
    assert report.projects == {"work": 3}  # an offline run names no project: the import folder's
    assert sorted(store.experiments("work")) == sorted([base, failed, crashed])
    assert sorted(store.channels("work", base)) == ["assigned", "eval/acc", "tmp", "train/loss"]  # no string series
    # no step: the previous + 1 (0 first); the step given; then 10 + 1
    assert _points(store, "work", base, "train/loss") == ([0.0, 1.0, 10.0, 11.0], [1.0, 0.5, 0.25, 0.2])
    assert _points(store, "work", base, "eval/acc") == ([0.5, 1.25, 4.666666], [0.5, 0.625, 0.75])
    assert _points(store, "work", base, "tmp") == ([0.0], [4.0])  # cleared, then counted from 0 again
    assert _points(store, "work", base, "assigned") == ([0.0, 1.0, 2.0], [7.0, 8.0, 9.0])
    t = store.read("work", base, "train/loss").t
    assert all(1.7e9 < v < 2.0e9 for v in t) and list(t) == sorted(t)  # each point's own time, in seconds
    e = store.experiment("work", base)
    assert e.state == "succeeded" and e.tags == ("baseline", "lr-sweep")  # given at init, added, removed
    p = e.params
    assert p["parameters/lr"] == 0.002  # the later assign wins
    assert p["parameters/optimizer/name"] == "adam" and p["parameters/optimizer/beta1"] == 0.9
    assert p["parameters/epochs"] == 3 and p["parameters/amp"] is True
    assert p["parameters/started"] == "2024-03-01T12:00:00.000Z" and p["parameters/datasets"] == ["books", "owt"]
    assert p["sys/name"] == "baseline-lr" and p["sys/failed"] is False and "sys/tags" not in p
    assert "gone" not in p  # deleted
    created = json.loads((runs["baseline-lr"] / "metadata.json").read_text())["createdAt"]
    assert e.created == dt.datetime.fromisoformat(created).timestamp()
    f = store.experiment("work", failed)
    assert f.state == "failed" and f.params["sys/name"] == "Untitled"
    assert _points(store, "work", failed, "train/loss") == ([1.0, 2.0], [2.0, 1.5])
    c = store.experiment("work", crashed)
    assert c.state == "aborted" and c.params["parameters/seed"] == 7
    x, y = _points(store, "work", crashed, "train/loss")
    assert x == [float(i) for i in range(len(x))] and y[:3] == [1.0, 0.5, 1 / 3]
    [warning] = report.warnings
    assert warning.startswith(f"{crashed}: {runs['crashed-async'] / 'last_put_version'} says 130 operations were "
                              "queued, the files hold 99: operations 100-130 were lost")


def test_neptune2_folder_or_data_file_named_alone_and_project_given(tmp_path, store):
    work = _copy(tmp_path, "neptune2")
    runs = _neptune2_runs(work)
    folder = runs["baseline-lr"]
    assert [(s.fmt, s.path) for s in discover([folder])] == [("neptune-offline", folder)]
    assert [(s.fmt, s.path) for s in discover([folder / "data-16.log"])] == [("neptune-offline", folder / "data-16.log")]
    report = import_paths(store, [folder / "data-16.log"], "mine")  # one file names the whole run
    assert not report.refused and report.imported[0][:3] == (f"offline/{_uuid(folder)}", "neptune-offline", 4)
    assert _points(store, "mine", f"offline/{_uuid(folder)}", "train/loss")[0] == [0.0, 1.0, 10.0, 11.0]


def _last_data_file(folder: Path) -> Path:
    return max(folder.glob("data-*.log"), key=lambda f: int(f.stem.split("-")[1]))


def test_neptune2_truncated_last_line_imports_what_is_whole_and_says_so(tmp_path, store):
    work = _copy(tmp_path, "neptune2")
    folder = _neptune2_runs(work)["baseline-lr"]
    last = _last_data_file(folder)
    lines = last.read_bytes().splitlines(keepends=True)
    extra = json.dumps({"obj": {"type": "LogFloats", "path": ["train", "loss"],
                                "values": [{"value": 0.1, "step": None, "ts": 1.0}]}, "version": 37, "at": 1.0})
    last.write_bytes(b"".join(lines) + extra.encode()[:50])  # killed while writing operation 37
    (folder / "last_put_version").write_text("37")
    report = import_paths(store, [work])
    assert not report.refused and len(report.imported) == 3
    name = f"offline/{_uuid(folder)}"
    assert _points(store, "work", name, "train/loss")[0] == [0.0, 1.0, 10.0, 11.0]
    assert store.experiment("work", name).state == "aborted"
    assert f"{name}: {last} (line {len(lines) + 1}) ends in the middle of an operation (50 bytes)" in \
        "\n".join(report.warnings)


@pytest.mark.parametrize("line, why", [
    ('{"obj": {"type": "LogFloats", "path": ["train", "loss"], "values": [{"value": "abc", "step": 1, "ts": 1}]}, '
     '"version": 3, "at": 1}', r"LogFloats train/loss: value 0 is 'abc', not a number"),
    ('{"obj": {"type": "LogFloats", "path": ["a"], "values": [{"value": 1, "step": "x", "ts": 1}]}, "version": 3}',
     r"LogFloats a: step 'x' of value 0 is not a number"),
    ('{"obj": {"type": "AssignInt", "path": ["n"], "value": 1.5}, "version": 3}',
     r"AssignInt n: value 1.5 is not an integer"),
    ('{"obj": {"type": "AssignFloat", "path": "lr", "value": 1}, "version": 3}', r"'path' is not a list of names"),
    ('{"obj": {"type": "AssignFloat", "path": ["x"], "value": 1}, "version": 1}', r"version 1 after 2"),
    ('{"obj": {"typ', r"not a JSON operation"),
    ('[1, 2]', r"not an operation"),
])
def test_neptune2_damaged_line_refuses_that_run_naming_file_line_and_value(tmp_path, store, line, why):
    work = _copy(tmp_path, "neptune2")
    folder = _neptune2_runs(work)["Untitled"]
    first = folder / "data-1.log"
    lines = first.read_text().splitlines(keepends=True)
    lines[2] = line + "\n"  # line 3, in the middle of the queue
    first.write_text("".join(lines))
    with pytest.raises(ImportFailed, match=why) as exc:
        no.parse(folder)
    assert exc.value.path == str(first) and exc.value.where == "line 3"
    report = import_paths(store, [work])
    [refused] = report.refused
    assert refused.startswith(f"{first} (line 3): ") and len(report.imported) == 2  # the other runs import


def test_neptune2_unknown_and_server_side_operations_are_skipped_with_a_warning(tmp_path):
    work = _copy(tmp_path, "neptune2")
    folder = _neptune2_runs(work)["Untitled"]
    last = _last_data_file(folder)
    n = int((folder / "last_put_version").read_text())
    ops = [{"type": "CopyAttribute", "path": ["x"], "container_id": "u", "container_type": "run",
            "source_path": ["y"], "source_attr_name": "Float"},
           {"type": "FutureThing", "path": ["z"]},
           {"type": "DeleteAttribute", "path": ["train"]}]  # a namespace: everything below it
    with open(last, "a") as fh:
        for i, op in enumerate(ops, n + 1):
            fh.write(json.dumps({"obj": op, "version": i, "at": 2.0}) + "\n")
    [exp] = no.parse(folder)
    assert exp.channels == {} and exp.state == "failed"
    assert any("1 CopyAttribute operation not replayed" in w for w in exp.warnings)
    assert any("1 FutureThing operation not replayed" in w for w in exp.warnings)


def test_neptune2_nan_and_inf_in_a_file_are_kept():
    """The 1.x client drops NaN and inf before queueing them; older clients and hand-made queues
    may hold them (JSON's NaN/Infinity), and they are read as stored."""
    replay = no._Replay()
    replay.apply(json.loads('{"type": "LogFloats", "path": ["a"], "values": [{"value": NaN, "step": null, "ts": 1},'
                            '{"value": Infinity, "step": 2.5, "ts": 2}, {"value": -Infinity, "ts": 3}]}'), Path("f"), "l")
    s = replay.series["a"]
    assert s.x == [0.0, 2.5, 3.5] and math.isnan(s.y[0]) and s.y[1:] == [math.inf, -math.inf]


# ---- Neptune 3 ----------------------------------------------------------------------------------
def test_neptune3_runs_projects_steps_params_tags(tmp_path, store):
    work = _copy(tmp_path, "neptune3")
    report = import_paths(store, [work])
    assert not report.refused
    assert report.projects == {P3: 2, OTHER: 1}
    assert store.experiments(P3) == ["swim-fork", "swim-root"] and store.experiments(OTHER) == ["other-proj-run"]
    x, y = _points(store, P3, "swim-root", "train/loss")
    # whole + micro millionths as float64 (4.666666, not rounded); the resumed process's step 5 after
    assert x == [0.0, 1.0, 2.0, 2.5, 3.0, 4.666666, 5.0]
    assert y[0] == 2.5 and math.isnan(y[1]) and y[2:] == [math.inf, -math.inf, 1.5, 1.25, 1.0]
    assert _points(store, P3, "swim-root", "eval/acc") == ([1.0, 2.0], [0.5, 0.6])  # the preview replaced
    assert sorted(store.channels(P3, "swim-root")) == ["eval/acc", "train/loss"]  # no string series
    e = store.experiment(P3, "swim-root")
    assert e.tags == ("baseline", "resumed")
    assert e.created == dt.datetime(2025, 5, 1, 9, 30, tzinfo=dt.timezone.utc).timestamp()
    p = e.params
    assert p["config/lr"] == 0.02 and p["config/optimizer/name"] == "sgd" and p["config/optimizer/momentum"] == 0.9
    assert p["config/seed"] == 7 and p["config/amp"] is False and p["config/datasets"] == ["books", "owt"]
    assert p["config/when"] == "2025-05-01T09:30:00.000Z" and p["sys/creation_time"] == "2025-05-01T09:30:00.000Z"
    assert p["sys/custom_run_id"] == "swim-root" and p["sys/name"] == "swim" and "sys/tags" not in p
    fork = store.experiment(P3, "swim-fork").params
    assert fork["sys/forking/parent"] == "swim-root" and fork["sys/forking/step"] == 2.5 and fork["config/lr"] == 0.005
    assert _points(store, OTHER, "other-proj-run", "loss") == ([1.0, 2.0, 3.0], [1.0, 0.8, 0.7])
    assert "other-proj-run: 1 point at a step not above the series' previous one left out" in "\n".join(report.warnings)
    assert any(w.startswith("swim-root: read from 2 folders (the run was resumed)") for w in report.warnings)


def test_neptune3_fork_sets_parent_and_fork_step(tmp_path):
    work = _copy(tmp_path, "neptune3")
    [fork_db] = (work / ".neptune").glob("acme_scale-runs_swim-fork_*/run_operations.sqlite3")
    [exp] = ns.parse(fork_db)
    assert exp.fork == ("swim-root", 2.5) and exp.name == "swim-fork" and exp.project == P3
    for db in (work / ".neptune").glob("*swim-root*/run_operations.sqlite3"):
        assert ns.parse(db)[0].fork is None


def test_neptune3_step_is_the_nearest_float64():
    Step = ns._messages()[1]().step.__class__
    assert ns._step(Step(whole=4, micro=666666)) == 4.666666
    assert ns._step(Step(whole=0, micro=100000)) == 0.1  # not 0.1000000000000000055... summed in floats
    assert ns._step(Step(whole=123456, micro=1)) == float("123456.000001")
    assert ns._step(Step(whole=2**53 + 1, micro=0)) == float(2**53)


def test_neptune3_resumed_run_read_from_either_folder_is_one_experiment(tmp_path, store):
    work = _copy(tmp_path, "neptune3")
    first, second = sorted((work / ".neptune").glob("acme_scale-runs_swim-root_*"))
    sources = discover([work])
    assert sorted(s.path for s in sources if s.fmt == "neptune-scale") == sorted(
        [first / "run_operations.sqlite3"] + [p / "run_operations.sqlite3" for p in (work / ".neptune").iterdir()
                                              if "swim-root" not in p.name])
    # given the .neptune folder itself, or the later folder alone: still one experiment of both
    assert len([s for s in discover([work / ".neptune"]) if "swim-root" in str(s.path)]) == 1
    report = import_paths(store, [second / "run_operations.sqlite3"])
    assert not report.refused and report.imported[0][0] == "swim-root"
    assert _points(store, P3, "swim-root", "train/loss")[0][-2:] == [4.666666, 5.0]


def test_neptune3_damaged_row_refuses_that_run_naming_file_and_row(tmp_path, store):
    work = _copy(tmp_path, "neptune3")
    [db] = (work / ".neptune").glob("acme_other-proj_*/run_operations.sqlite3")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE run_operations SET operation = ? WHERE sequence_id = 3", (b"\x0a\xff\xff\xff",))
    con.close()
    with pytest.raises(ImportFailed, match=r"not a UpdateRunSnapshot message") as exc:
        ns.parse(db)
    assert exc.value.path == str(db) and exc.value.where == "run_operations row sequence_id=3"
    report = import_paths(store, [work])
    [refused] = report.refused
    assert refused.startswith(f"{db} (run_operations row sequence_id=3): ")
    assert store.experiments(P3) == ["swim-fork", "swim-root"]  # the other runs import


def test_neptune3_async_leftover_without_its_synced_rows_imports_the_rest_and_says_so(tmp_path):
    work = _copy(tmp_path, "neptune3")
    [db] = (work / ".neptune").glob("acme_other-proj_*/run_operations.sqlite3")
    with sqlite3.connect(db) as con:  # what the async client does once the server acknowledged them
        con.execute("DELETE FROM run_operations WHERE sequence_id <= 2")
    con.close()
    [exp] = ns.parse(db)
    assert exp.name == "other-proj-run" and exp.channels["loss"].x == [2.0, 3.0]
    assert f"other-proj-run: {db} starts at operation 3: operations 1-2 were sent to Neptune" in "\n".join(exp.warnings)


def test_neptune3_damaged_file_is_refused_with_its_path(tmp_path, store):
    work = _copy(tmp_path, "neptune3")
    [db] = (work / ".neptune").glob("acme_other-proj_*/run_operations.sqlite3")
    db.write_bytes(db.read_bytes()[:5000])
    report = import_paths(store, [work])
    [refused] = report.refused
    assert refused.startswith(f"{db}: ") and "malformed" in refused
    assert store.experiments(P3) == ["swim-fork", "swim-root"]


def test_neptune3_writer_killed_reads_what_it_committed_and_writes_nothing_beside(tmp_path):
    """The client keeps its file in WAL mode: a writer killed before its checkpoint leaves the rows
    it committed in ``-wal`` (read, from a copy), and one not committed (not read); the folder is
    left as the writer left it."""
    work = _copy(tmp_path, "neptune3")
    [db] = (work / ".neptune").glob("acme_other-proj_*/run_operations.sqlite3")
    Snapshot = ns._messages()[1]

    def snapshot(step: int, y: float) -> bytes:
        m = Snapshot()
        m.step.whole, m.timestamp.seconds = step, 2_000_000_000 + step
        entry = m.append.add()
        entry.key, entry.value.float64 = "loss", y
        return m.SerializeToString()

    kill = textwrap.dedent(f"""
        import os, sqlite3
        con = sqlite3.connect({str(db)!r}, isolation_level=None)
        con.execute("PRAGMA wal_autocheckpoint=0")
        insert = ("INSERT INTO run_operations (timestamp, operation_type, operation, operation_size_bytes) "
                  "VALUES (1, 0, ?, 9)")
        con.execute(insert, (bytes.fromhex({snapshot(4, 0.5).hex()!r}),))
        con.execute("BEGIN")
        con.execute(insert, (bytes.fromhex({snapshot(5, 0.4).hex()!r}),))
        os._exit(9)
    """)
    subprocess.run([sys.executable, "-c", kill], timeout=60)  # exits 9, as killed
    assert db.with_name(db.name + "-wal").stat().st_size > 0  # what a killed writer leaves
    before = _listing(work)
    [exp] = ns.parse(db)
    assert exp.channels["loss"].x == [1.0, 2.0, 3.0, 4.0] and exp.channels["loss"].y[-1] == 0.5
    assert exp.channels["loss"].t[-1] == 2_000_000_004
    assert _listing(work) == before


# ---- both, as a user runs it --------------------------------------------------------------------
def test_cli_import_leaves_the_fixture_folders_as_they_were(tmp_path):
    originals = {w: _listing(FIXTURES / w) for w in ("neptune2", "neptune3")}
    work = _copy(tmp_path, "neptune2", "neptune3")
    before = _listing(work)
    assert any(k.endswith("run_operations.sqlite3") for k in before) and any(k.endswith("data-1.log") for k in before)
    db = tmp_path / "out" / "s.db"
    db.parent.mkdir()
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(work), "--db", str(db)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "imported swim-root (neptune-scale): 2 channels, 9 points" in r.stdout
    assert "(neptune-offline): 4 channels, 11 points" in r.stdout
    assert f"{P3} (2 experiments)" in r.stdout and "work (3 experiments)" in r.stdout
    assert "Traceback" not in r.stderr and "operations 100-130 were lost" in r.stderr
    ls = subprocess.run([sys.executable, "-m", "chartdesk", "ls", P3, "--db", str(db)],
                        capture_output=True, text=True, timeout=120)
    assert [line.split("\t")[0] for line in ls.stdout.splitlines()] == ["swim-fork", "swim-root"]
    after = _listing(work)
    assert after == before  # the same files, the same bytes
    assert not [k for k in after if k.endswith(("-wal", "-shm", "-journal"))]
    assert {w: _listing(FIXTURES / w) for w in originals} == originals
