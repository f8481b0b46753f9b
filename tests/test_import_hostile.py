"""Folders no tool meant to write (issue 24, items 9, 13 and 15): a FIFO, a symlink loop, JSON
nested a million deep, a YAML alias bomb, a huge header-only CSV, numbers no float64 holds, a
run the store refuses to write. Each is refused with one line naming the file; the rest import;
nothing hangs (pytest-timeout would stop a test that does)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chartdesk.importers import import_paths

pytestmark = pytest.mark.timeout(60)


def _good(folder):
    (folder / "good.csv").write_text("step,loss\n0,1.0\n1,0.5\n")


def test_a_fifo_in_the_folder_is_skipped_and_named_and_the_rest_imports(tmp_path, store):
    _good(tmp_path)
    os.mkfifo(tmp_path / "metrics.csv")
    os.mkfifo(tmp_path / "run.json")  # also where a reader looks inside files to tell formats apart
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["good"]
    assert sorted(line.split(":")[0].rsplit("/", 1)[-1] for line in report.refused) == ["metrics.csv", "run.json"]
    assert all("not a regular file" in line for line in report.refused)


def test_a_fifo_given_on_the_command_line_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(fifo), "--db", str(tmp_path / "s.db")],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert f"{fifo}: not a regular file" in r.stderr and "Traceback" not in r.stderr


def test_a_symlink_loop_and_a_dangling_link_are_named(tmp_path, store):
    _good(tmp_path)
    os.symlink(tmp_path / "loop.csv", tmp_path / "loop.csv")
    os.symlink(tmp_path / "gone.csv", tmp_path / "dangling.csv")
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["good"]
    assert len(report.refused) == 2 and all(".csv:" in line for line in report.refused)


def test_json_nested_a_million_deep_is_one_line(tmp_path, store):
    _good(tmp_path)
    (tmp_path / "deep.jsonl").write_text('{"a": ' * 100_000 + "1" + "}" * 100_000 + "\n")
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["good"]
    assert len(report.refused) == 1 and "deep.jsonl" in report.refused[0] and "nested too deeply" in report.refused[0]


def test_a_yaml_alias_bomb_in_hparams_does_not_become_a_huge_store(tmp_path, store):
    run = tmp_path / "lightning_logs" / "version_0"
    run.mkdir(parents=True)
    bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        bomb.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    (run / "hparams.yaml").write_text("lr: 0.01\n" + "\n".join(bomb) + "\n")
    (run / "metrics.csv").write_text("epoch,step,loss\n0,0,1.0\n")
    report = import_paths(store, [tmp_path], "p")
    assert report.imported
    exp = store.experiment("p", "lightning_logs/version_0")
    assert exp.params.get("lr") == 0.01 and "i" not in exp.params
    assert any("hparams.yaml" in w and "aliases" in w for w in report.warnings)
    assert len(str(exp.params)) < 10_000


def test_a_huge_header_only_csv_is_refused_without_reading_it_into_one_string(tmp_path, store):
    _good(tmp_path)
    with open(tmp_path / "wide.csv", "w") as fh:
        fh.write(",".join(f"col{i}" for i in range(3_000_000)) + "\n")  # ~26 MB, one line, no rows
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["good"]
    assert len(report.refused) == 1 and "wide.csv" in report.refused[0]


def test_json_numbers_no_float64_holds_are_refused_like_csv(tmp_path, store):
    (tmp_path / "big.jsonl").write_text('{"step": 0, "loss": 1e999}\n{"step": 1, "loss": 0.5}\n')
    (tmp_path / "ok.jsonl").write_text('{"step": 0, "loss": Infinity}\n{"step": 1, "loss": NaN}\n')
    (tmp_path / "noname.jsonl").write_text('{"name": null, "step": 0, "value": 1.0}\n')
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["ok"]
    assert store.read("p", "ok", "loss").y[0] == float("inf")  # a real Infinity is kept
    big = next(line for line in report.refused if "big.jsonl" in line)
    assert "line 1" in big and "1e999" in big and "too large" in big
    noname = next(line for line in report.refused if "noname.jsonl" in line)
    assert "line 1" in noname and "metric name" in noname


def test_a_run_the_store_refuses_is_named_and_the_later_sources_still_import(tmp_path, store):
    (tmp_path / "a.csv").write_text("step,loss\n0,1\n")
    (tmp_path / "b.csv").write_text("step," + "x" * 600 + "\n0,1\n")  # a channel name over the store's limit
    (tmp_path / "c.csv").write_text("step,loss\n0,1\n")
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["a", "c"]
    assert len(report.refused) == 1 and "b.csv" in report.refused[0] and "characters long" in report.refused[0]
    assert report.exit_code == 3


@pytest.mark.parametrize("rel, text, at", [
    ("keras/history.json", '{"loss": [1.0,\n 1e999], "acc": [0.1, 0.2]}', "line 2"),
    ("keras/history.json", '{"loss": [1.0, ' + "1" * 400 + '], "acc": [0.1, 0.2]}', "line 1"),
    ("hf/trainer_state.json", '{"log_history": [\n{"step": 1, "loss": 0.5},\n{"step": 2, "loss": -1e999}]}',
     "line 3"),
    ("sacred/1/metrics.json", '{"loss": {"steps": [0, 1], "values": [1e400, 0.5]}}', "line 1"),
    ("sb3/monitor.csv", '#{"t_start": 1e999}\nr,l,t\n1.0,10,0.5\n', "line 1"),
])
def test_whole_json_files_refuse_numbers_no_float64_holds_too(tmp_path, store, rel, text, at):
    """JSON lines refused 1e999 (CSV too), but a Keras history, a trainer_state.json, Sacred's
    metrics.json and a monitor.csv header read it as +inf without a word (and a 400-digit
    integer in a Keras history was a traceback)."""
    f = tmp_path / rel
    f.parent.mkdir(parents=True)
    f.write_text(text)
    if rel.startswith("sacred"):
        (f.parent / "run.json").write_text('{"status": "COMPLETED", "experiment": {"name": "x"}, '
                                           '"start_time": "2026-12-03T06:36:05.377796"}')
        (f.parent / "config.json").write_text("{}")
    _good(tmp_path)
    report = import_paths(store, [tmp_path], "p")
    assert [r[0] for r in report.imported] == ["good"], (report.imported, report.refused)
    assert len(report.refused) == 1, report.refused
    line = report.refused[0]
    assert f.name in line and at in line and "too large for a float64" in line, line
