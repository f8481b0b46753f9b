"""Importing other tools' files: every format, re-import, safety, clear errors, fuzzing."""
from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from fixtures import writers as W
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chartdesk.importers import ImportFailed, discover, import_paths
from chartdesk.importers import mlflow as mlf
from chartdesk.importers.base import ParsedExperiment
from chartdesk.importers.tensorboard import read_event_file


def one(store, project, exp, ch):
    return store.read(project, exp, ch)


def test_tensorboard_legacy_and_tf2_scalars_skip_other_plugins(tmp_path, store):
    W.tensorboard_run(tmp_path / "logs" / "pytorch", steps=100)
    W.tensorboard_run(tmp_path / "logs" / "keras" / "train", steps=100, tf2=True)
    W.tensorboard_run(tmp_path / "logs" / "keras" / "validation", steps=100, tf2=True, content=True)
    report = import_paths(store, [tmp_path / "logs"], "tb")
    assert sorted(n for n, *_ in report.imported) == ["keras/train", "keras/validation", "pytorch"]
    assert store.channels("tb", "pytorch") == ["acc", "loss"]  # no text, no histogram
    assert store.channels("tb", "keras/train") == ["epoch_accuracy", "epoch_loss"]
    s = one(store, "tb", "keras/validation", "epoch_loss")
    assert s.x.tolist() == list(range(100))
    assert np.allclose(s.y, (1.0 / (np.arange(100) + 1)).astype(np.float32))
    legacy = one(store, "tb", "pytorch", "loss")
    assert np.all(np.isfinite(legacy.t)) and legacy.t[0] > 1e9  # wall time kept


def test_tensorboard_own_tf2_scalars(tmp_path, store):
    W.tensorboard_own_writer(tmp_path / "tf2", steps=20)
    import_paths(store, [tmp_path / "tf2"], "tb")
    s = one(store, "tb", "tf2", "epoch_loss")
    assert s.x.tolist() == list(range(20)) and s.t.tolist() == [1.7e9 + i for i in range(20)]
    assert np.allclose(s.y, (1.0 / (np.arange(20) + 1)).astype(np.float32))


def test_truncated_event_file_keeps_complete_records_and_warns(tmp_path, store):
    W.tensorboard_run(tmp_path / "run", steps=50)
    f = next((tmp_path / "run").glob("*tfevents*"))
    data = f.read_bytes()
    f.write_bytes(data[: len(data) - 30])
    report = import_paths(store, [tmp_path / "run"], "tb")
    assert report.warnings and "truncated" in report.warnings[0] and str(f) in report.warnings[0]
    n = len(one(store, "tb", "run", "loss"))
    assert 40 <= n <= 50


def test_corrupt_event_file_imports_nothing_and_names_the_offset(tmp_path, store):
    W.tensorboard_run(tmp_path / "good", steps=20)
    W.tensorboard_run(tmp_path / "bad", steps=20)
    f = next((tmp_path / "bad").glob("*tfevents*"))
    data = bytearray(f.read_bytes())
    data[200] ^= 0xFF
    f.write_bytes(bytes(data))
    report = import_paths(store, [tmp_path], "tb")  # one bad file never stops the others
    assert [r[0] for r in report.imported] == ["good"] and report.exit_code == 3
    assert len(report.refused) == 1 and re.search(r"bad/.*tfevents.*\(byte \d+\): corrupt record", report.refused[0])
    assert "bad" not in store.experiments("tb")


def test_event_record_that_is_not_an_event(tmp_path):
    f = tmp_path / "events.out.tfevents.1.host"
    f.write_bytes(W.tfrecord([b"\xff\xff\xff"]))
    with pytest.raises(ImportFailed, match=r"\(byte 0\): record is not an Event"):
        read_event_file(f, ParsedExperiment("x", "s", "tensorboard"))


def test_mlflow_file_store_runs_params_tags_nan(tmp_path, store):
    mlruns = tmp_path / "mlruns"
    run = W.mlflow_file_run(mlruns, "0", "a" * 32, "bright-fox", metric="accuracy")
    with open(run / "metrics" / "accuracy", "a") as fh:
        fh.write("1730000999000 nan 50\n")
    W.mlflow_file_run(mlruns, "0", "b" * 32, "calm-owl", metric="acc")
    (mlruns / ".trash").mkdir()
    import_paths(store, [mlruns], "ml")
    assert store.experiments("ml") == ["bright-fox", "calm-owl"]
    e = store.experiment("ml", "bright-fox")
    assert e.params == {"lr": "0.01"} and e.tags == ("team=vision",) and e.state == "succeeded"
    s = one(store, "ml", "bright-fox", "accuracy")
    assert len(s) == 51 and np.isnan(s.y[-1]) and s.t[0] == 1730000000.0


def test_mlflow_sqlite_store_honours_is_nan(tmp_path, store):
    db = tmp_path / "mlflow.db"
    W.mlflow_sqlite(db, {"u1": "calm-owl", "u2": "bold-cat"}, steps=50)
    import_paths(store, [db], "ml")
    assert store.experiments("ml") == ["calm-owl", "bold-cat"]
    s = one(store, "ml", "calm-owl", "pred_acc")
    assert np.isnan(s.y[25]) and np.isfinite(np.delete(s.y, 25)).all()
    assert store.experiment("ml", "bold-cat").params == {"lr": "0.1"}


def test_lightning_sparse_rows_keras_hf_csv_jsonl(tmp_path, store):
    W.lightning_version(tmp_path / "lt")
    W.hf_trainer_state(tmp_path / "hf" / "my-bert")
    (tmp_path / "keras_log.csv").write_text("epoch,accuracy,loss,val_accuracy\n0,0.5,1.0,0.4\n1,0.6,0.8,0.55\n")
    (tmp_path / "wide.csv").write_text("step,loss,acc\n0,1.0,\n10,0.5,0.3\n")
    (tmp_path / "long.csv").write_text("name,step,value,time\nloss,0,1.0,100.5\nacc,0,0.1,100.5\nloss,1,0.4,101\n")
    (tmp_path / "m.jsonl").write_text('{"step": 0, "loss": 1.0, "phase": "train"}\n\n{"step": 5, "loss": 0.5, "acc": 0.3}\n')
    (tmp_path / "long.jsonl").write_text('{"metric": "f1", "step": 1, "value": 0.7}\n')
    import_paths(store, [tmp_path], "p")
    lt = "lt/lightning_logs/version_0"
    assert store.channels("p", lt) == ["epoch", "train_loss", "val_acc"]
    assert one(store, "p", lt, "val_acc").x.tolist() == [49.0, 99.0]  # sparse rows: only real values
    assert store.experiment("p", lt).params == {"lr": 0.001}  # YAML: typed values
    assert one(store, "p", "keras_log", "val_accuracy").x.tolist() == [0.0, 1.0]
    assert one(store, "p", "wide", "acc").y.tolist() == [0.3]
    assert one(store, "p", "long", "loss").t.tolist() == [100.5, 101.0]
    assert one(store, "p", "m", "acc").x.tolist() == [5.0] and "phase" not in store.channels("p", "m")
    assert one(store, "p", "long", "acc").y.tolist() == [0.1]
    assert store.channels("p", "long (2)") == ["f1"]  # long.jsonl: a different source, same name
    hf = "hf/my-bert"
    assert one(store, "p", hf, "eval_accuracy").x.tolist() == [100.0]
    assert len(one(store, "p", hf, "loss")) == 10


def test_reimport_updates_instead_of_duplicating(tmp_path, store):
    csv_file = tmp_path / "run.csv"
    csv_file.write_text("step,loss\n0,1.0\n1,0.5\n")
    import_paths(store, [csv_file], "p")
    csv_file.write_text("step,loss,acc\n0,1.0,0.1\n1,0.5,0.2\n2,0.25,0.3\n")
    import_paths(store, [csv_file], "p")
    assert store.experiments("p") == ["run"]
    assert one(store, "p", "run", "loss").y.tolist() == [1.0, 0.5, 0.25]
    assert store.channels("p", "run") == ["acc", "loss"]


@pytest.mark.parametrize("name, text, message", [
    ("a.csv", "step,loss\n0,1.0\n1,abc\n", r"a\.csv \(line 3\): 'abc' is not a number"),
    ("b.csv", "step,loss\n0,1.0,7\n", r"b\.csv \(line 2\): 3 fields, the header has 2"),
    ("c.jsonl", '{"step": 0, "loss": 1}\n{"step": 1, "loss": \n', r"c\.jsonl \(line 2, column \d+\)"),
    ("trainer_state.json", '{"log_history": 5}', r"no 'log_history' list"),
    ("d.csv", "", r"d\.csv \(line 1\): empty file"),
])
def test_malformed_files_are_listed_with_file_and_line_and_the_good_ones_imported(tmp_path, store, name, text,
                                                                                 message):
    (tmp_path / "good.csv").write_text("step,loss\n0,1\n")
    (tmp_path / name).write_text(text)
    report = import_paths(store, [tmp_path], "p")
    assert len(report.refused) == 1 and re.search(message, report.refused[0]), report.refused
    assert store.experiments("p") == ["good"] and report.exit_code == 3


def test_unknown_or_missing_paths_are_clear(tmp_path, store):
    (tmp_path / "notes.txt").write_text("hello")
    report = import_paths(store, [tmp_path / "notes.txt", tmp_path / "nope"], "p")
    assert report.exit_code == 1 and len(report.refused) == 2
    assert "unknown format" in report.refused[0] and "no such file or folder" in report.refused[1]
    with pytest.raises(ImportFailed, match="nothing importable"):
        discover([tmp_path])


def test_real_world_tables_text_columns_clock_duplicates_and_content_detection(tmp_path, store):
    d = tmp_path / "logs"
    d.mkdir()
    # Ray Tune progress.csv: text columns next to numbers
    (d / "progress.csv").write_text("training_iteration,loss,done,date,hostname\n1,0.5,False,2024-01-01,node1\n"
                                    "2,0.4,True,2024-01-01,node1\n")
    # Ultralytics: time is seconds since the start, a metric; Keras CSVLogger under another name
    (d / "results.csv").write_text("epoch,time,train/loss\n0,10.5,1.0\n1,20.9,0.8\n")
    (d / "training.log").write_text("epoch,loss,val_loss\n0,1.0,1.1\n1,0.7,0.9\n")
    # a wall clock in epoch milliseconds
    (d / "clock.csv").write_text("step,timestamp,acc\n0,1700000000000,0.1\n1,1700000001000,0.2\n")
    # detectron2: JSON lines saved as metrics.json
    (d / "det").mkdir()
    (d / "det" / "metrics.json").write_text('{"iteration": 19, "total_loss": 1.5, "time": 0.3}\n'
                                            '{"iteration": 39, "total_loss": 1.2, "time": 0.31}\n')
    (d / "dup.csv").write_text("step,loss,loss\n0,1,2\n")
    (d / "huge.jsonl").write_text('{"step": 1, "loss": ' + "9" * 400 + "}\n")
    (d / "yolo_results.txt").write_text("0/299 1.2 0.5 0.3 12 640\n1/299 1.1 0.4 0.3 11 640\n")
    report = import_paths(store, [d], "real")
    assert report.exit_code == 3
    refused = "\n".join(report.refused)
    assert "dup.csv (line 1): column 'loss' appears twice" in refused
    assert "huge.jsonl (line 1" in refused and "too large for a float64" in refused
    assert "yolo_results.txt: rows of numbers without a header row" in refused
    exps = store.experiments("real")
    assert set(exps) == {"progress", "results", "training", "clock", "det"}
    assert store.channels("real", "progress") == ["loss"]
    assert any("text columns skipped: date, done, hostname" in w for w in report.warnings)
    assert sorted(store.channels("real", "results")) == ["time", "train/loss"]  # time is a metric here
    clock = store.read("real", "clock", "acc")
    assert clock.t.tolist() == [1700000000.0, 1700000001.0]
    assert any("'timestamp' is the wall clock" in w for w in report.warnings)
    assert sorted(store.channels("real", "det")) == ["time", "total_loss"]
    assert store.read("real", "det", "total_loss").x.tolist() == [19.0, 39.0]
    assert store.channels("real", "training") == ["loss", "val_loss"]


def test_yaml_params_nested_and_python_tags(tmp_path, store):
    v = tmp_path / "lightning_logs" / "version_0"
    v.mkdir(parents=True)
    (v / "metrics.csv").write_text("step,loss\n0,1\n")
    (v / "hparams.yaml").write_text("lr: 0.01\noptimizer:\n  name: adam\n  betas: [0.9, 0.99]\n"
                                   "device: !!python/object/apply:torch.device [cuda]\nflag: no\n")
    import_paths(store, [tmp_path], "y")
    p = store.experiment("y", "lightning_logs/version_0").params
    assert p["lr"] == 0.01 and p["optimizer"] == {"name": "adam", "betas": [0.9, 0.99]} and p["device"] == ["cuda"]


def test_one_alias_compares_every_imported_tool(tmp_path, store):
    W.tensorboard_run(tmp_path / "tb" / "pt-run")                 # acc
    W.mlflow_file_run(tmp_path / "mlruns", "0", "c" * 32, "ml-run", metric="accuracy")
    W.mlflow_sqlite(tmp_path / "mlflow.db", {"u9": "sql-run"})    # pred_acc
    W.lightning_version(tmp_path / "lt")                          # val_acc
    W.hf_trainer_state(tmp_path / "hf-run")                       # eval_accuracy
    import_paths(store, [tmp_path], "all")
    store.set_alias("all", "accuracy", ["accuracy", "acc", "pred_acc", "val_acc", "eval_accuracy"])
    resolved = store.resolve_all("all", "accuracy")
    assert None not in resolved.values() and len(resolved) == 5


def test_cli_import_and_error_line(tmp_path):
    W.tensorboard_run(tmp_path / "logs" / "r1")
    db = tmp_path / "s.db"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(tmp_path / "logs"), "--project", "tb",
                        "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "imported r1 (tensorboard): 2 channels, 200 points" in r.stdout
    (tmp_path / "bad.csv").write_text("step,loss\nx,1\n")
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(tmp_path / "bad.csv"), "--project", "tb",
                        "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "bad.csv (line 2): 'x' is not a number" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "chartdesk", "import", str(tmp_path / "bad.csv"), str(tmp_path / "logs"),
                        "--project", "tb", "--db", str(db)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and "imported r1" in r.stdout and "1 files refused" in r.stderr


# ---- fuzzing: random and truncated bytes give a result or ImportFailed, never a crash -------------

def _valid_samples() -> dict[str, bytes]:
    d = Path(tempfile.mkdtemp())
    W.tensorboard_run(d / "tb", steps=5)
    W.tensorboard_run(d / "tb2", steps=5, tf2=True)
    W.hf_trainer_state(d / "hf")
    return {
        "events.out.tfevents.1.a": next((d / "tb").glob("*tfevents*")).read_bytes(),
        "events.out.tfevents.2.a": next((d / "tb2").glob("*tfevents*")).read_bytes(),
        "trainer_state.json": (d / "hf" / "trainer_state.json").read_bytes(),
        "x.csv": b"step,loss,acc\n0,1.0,0.5\n1,0.5,\n",
        "x.jsonl": b'{"step": 0, "loss": 1.0}\n{"name": "a", "step": 1, "value": 2}\n',
    }


SAMPLES = _valid_samples()


def _parse_bytes(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / name
        f.write_bytes(data)
        try:
            for src in discover([f]):
                src.parse()
        except ImportFailed:
            pass


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(name=st.sampled_from(sorted(SAMPLES)), data=st.data())
def test_fuzz_truncated_and_mutated_files(name, data):
    raw = bytearray(SAMPLES[name])
    cut = data.draw(st.integers(0, len(raw)))
    raw = raw[:cut]
    for _ in range(data.draw(st.integers(0, 3))):
        if raw:
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    _parse_bytes(name, bytes(raw))


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(SAMPLES)), raw=st.binary(max_size=300))
def test_fuzz_random_bytes(name, raw):
    _parse_bytes(name, raw)


@settings(max_examples=30, deadline=None)
@given(raw=st.binary(max_size=200))
def test_fuzz_mlflow_sqlite_and_run_folder(raw):
    with tempfile.TemporaryDirectory() as d:
        db = Path(d) / "mlflow.db"
        db.write_bytes(b"SQLite format 3\x00" + raw)
        assert not mlf.is_sqlite_store(db) or isinstance(mlf.parse_sqlite_store(db), list)
        run = W.mlflow_file_run(Path(d) / "mlruns", "0", "r" * 32, "x", steps=2)
        (run / "metrics" / "accuracy").write_bytes(raw)
        try:
            mlf.parse_run_folder(run)
        except ImportFailed:
            pass


def test_mlflow3_file_store_models_five_field_lines_empty_and_deleted_runs(tmp_path, store):
    mlruns = tmp_path / "mlruns"
    run = W.mlflow_file_run(mlruns, "1", "a" * 32, "with-dataset")
    (run / "metrics" / "accuracy").write_text("1730000000000 0.5 0 " + "a" * 32 + "\n"
                                              "1730000001000 0.6 1 " + "a" * 32 + " ds 1f2e train\n")
    (run / "metrics" / "legacy").write_text("1730000000000 0.1\n")
    empty = W.mlflow_file_run(mlruns, "1", "b" * 32, "no-metrics")
    import shutil

    shutil.rmtree(empty / "metrics")  # git drops empty folders
    gone = W.mlflow_file_run(mlruns, "1", "c" * 32, "deleted-run")
    (gone / "meta.yaml").write_text((gone / "meta.yaml").read_text().replace("lifecycle_stage: active",
                                                                             "lifecycle_stage: deleted"))
    model = mlruns / "1" / "models" / "m-0123"
    model.mkdir(parents=True)
    (model / "meta.yaml").write_text("model_id: m-0123\nname: model\nexperiment_id: '1'\n")
    report = import_paths(store, [mlruns], "ml")
    assert report.exit_code == 0, report.refused
    assert sorted(store.experiments("ml")) == ["no-metrics", "with-dataset"]
    acc = store.read("ml", "with-dataset", "accuracy")
    assert acc.x.tolist() == [0.0, 1.0] and acc.y.tolist() == [0.5, 0.6]
    assert store.read("ml", "with-dataset", "legacy").x.tolist() == [0.0]  # a 2-field line is step 0
    assert store.experiment("ml", "no-metrics").params == {"lr": "0.01"}


def test_sb3_monitor_ultralytics_and_ray_folders_with_their_params(tmp_path, store):
    sb3 = tmp_path / "ppo_1"
    sb3.mkdir()
    (sb3 / "monitor.csv").write_text('#{"t_start": 1700000000.0, "env_id": "CartPole-v1"}\nr,l,t\n'
                                     "12.0,12,0.5\n30.0,30,1.25\n")
    yolo = tmp_path / "runs" / "detect" / "train"
    yolo.mkdir(parents=True)
    (yolo / "results.csv").write_text("epoch,time,train/box_loss,metrics/mAP50(B)\n1,20.5,1.2,0.1\n2,41.0,1.0,0.3\n")
    (yolo / "args.yaml").write_text("task: detect\nepochs: 2\nlr0: 0.01\n")
    ray = tmp_path / "ray" / "trial_1"
    ray.mkdir(parents=True)
    (ray / "progress.csv").write_text("training_iteration,episode_reward_mean,done,hostname\n1,10.5,False,n1\n"
                                      "2,20.5,True,n1\n")
    (ray / "params.json").write_text('{"lr": 0.001, "model": {"fcnet_hiddens": [64, 64]}}')
    report = import_paths(store, [tmp_path], "rl")
    assert report.exit_code == 0, report.refused
    assert set(store.experiments("rl")) == {"ppo_1", "runs/detect/train", "ray/trial_1"}
    r = store.read("rl", "ppo_1", "r")  # SB3's own names; the project gets friendlier aliases for them
    assert store.aliases("rl") == {"episode_reward": ["r"], "episode_length": ["l"]}
    assert store.resolve("rl", "ppo_1", "episode_length") == "l"
    assert r.x.tolist() == [0.0, 1.0] and r.y.tolist() == [12.0, 30.0] and r.t.tolist() == [1700000000.5, 1700000001.25]
    assert store.experiment("rl", "ppo_1").params == {"env_id": "CartPole-v1"}
    assert store.experiment("rl", "runs/detect/train").params == {"task": "detect", "epochs": 2, "lr0": 0.01}
    assert "time" in store.channels("rl", "runs/detect/train")  # seconds since the start: a metric
    assert store.experiment("rl", "ray/trial_1").params == {"lr": 0.001, "model": {"fcnet_hiddens": [64, 64]}}
    assert store.read("rl", "ray/trial_1", "episode_reward_mean").x.tolist() == [1.0, 2.0]


def test_dvclive_folders_of_versions_1_and_3_with_yaml_1_2_params_and_a_bad_file(tmp_path, store):
    # DVCLive 3 (documented layout): plots/metrics/<name>.tsv, value column named by the last part,
    # timestamp in epoch milliseconds; params.yaml written as YAML 1.2
    v3 = tmp_path / "exp-a" / "dvclive"
    (v3 / "plots" / "metrics" / "train").mkdir(parents=True)
    (v3 / "plots" / "metrics" / "train" / "loss.tsv").write_text(
        "timestamp\tstep\tloss\n1700000000000\t0\t0.9\n1700000001500\t1\t0.7\n")
    (v3 / "plots" / "metrics" / "acc.tsv").write_text("step\tacc\n0\t0.5\n1\t0.75\n")
    (v3 / "plots" / "metrics" / "eval").mkdir()
    (v3 / "plots" / "metrics" / "eval" / "f1.tsv").write_text("step\tf1\n0\t0.4\n1\tbroken\n")
    (v3 / "params.yaml").write_text("lr: 1e-3\nshuffle: no\naugment: true\nmodel:\n  depth: 4\n  act: on\n")
    (v3 / "metrics.json").write_text('{"acc": 0.75}')  # the latest values: not a channel of its own
    # DVCLive 1.x: the value column carries the whole metric name; a custom folder name
    v1 = tmp_path / "old-run"
    (v1 / "plots" / "metrics" / "train").mkdir(parents=True)
    (v1 / "plots" / "metrics" / "train" / "loss.tsv").write_text("timestamp\tstep\ttrain/loss\n"
                                                                 "1600000000000\t10\t2.0\n1600000000100\t20\t1.5\n")
    report = import_paths(store, [tmp_path], "dvc")
    assert report.exit_code == 0, report.refused
    assert sorted(store.experiments("dvc")) == ["exp-a", "old-run"]
    assert store.channels("dvc", "exp-a") == ["acc", "train/loss"]  # eval/f1 skipped, and said so
    assert any("f1.tsv (line 3)" in w and "'broken' is not a number" in w for w in report.warnings)
    loss = store.read("dvc", "exp-a", "train/loss")
    assert loss.x.tolist() == [0.0, 1.0] and loss.y.tolist() == [0.9, 0.7]
    assert loss.t.tolist() == [1700000000.0, 1700000001.5]
    assert np.isnan(store.read("dvc", "exp-a", "acc").t).all()
    assert store.experiment("dvc", "exp-a").params == {"lr": 0.001, "shuffle": "no", "augment": True,
                                                       "model": {"depth": 4, "act": "on"}}
    old = store.read("dvc", "old-run", "train/loss")
    assert old.x.tolist() == [10.0, 20.0] and old.y.tolist() == [2.0, 1.5] and old.t[0] == 1600000000.0
    assert store.experiment("dvc", "exp-a").created == 1700000000.0


def test_tensorboard_add_hparams_become_params_of_their_run(tmp_path, store):
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path / "logs" / "run1"))
    for i in range(3):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.add_hparams({"lr": 0.01, "bs": 64, "opt": "adam", "aug": True}, {"hparam/acc": 0.9}, name="final")
    w.close()
    report = import_paths(store, [tmp_path / "logs"], "hp")
    assert report.exit_code == 0, report.refused
    assert sorted(store.experiments("hp")) == ["run1", "run1/final"]  # the session TensorBoard shows
    session = store.experiment("hp", "run1/final")
    assert dict(session.params) == {"lr": 0.01, "bs": 64, "opt": "adam", "aug": True}
    assert store.channels("hp", "run1/final") == ["hparam/acc"]  # no _hparams_/... channels
    assert store.read("hp", "run1/final", "hparam/acc").y.tolist() == [pytest.approx(0.9)]
    assert store.channels("hp", "run1") == ["loss"] and store.experiment("hp", "run1").params == {}
