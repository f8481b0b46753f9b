"""Formats met in real run folders beyond the first importers: Sacred FileStorageObserver runs
(fixtures written by Sacred itself), SB3 and OpenAI-baselines ``progress.csv``, Ray Tune
``result.json``, YOLOv5's headerless ``results.txt``, Keras ``history.history`` as JSON or as a
pandas CSV, and a baselines ``monitor.csv`` whose first line is ``# {json}``."""
from __future__ import annotations

import json
import math
import shutil
from datetime import datetime, timezone
from pathlib import Path

from chartdesk.importers import import_paths

FIX = Path(__file__).parent / "fixtures"


def test_sacred_runs_one_experiment_per_numbered_folder_with_state_times_and_config(tmp_path, store):
    shutil.copytree(FIX / "sacred", tmp_path / "sacred")
    report = import_paths(store, [tmp_path / "sacred"], "s")
    assert report.exit_code == 0, report.refused
    assert sorted(store.experiments("s")) == ["my_runs/1", "my_runs/2", "my_runs/3"]  # _sources/ is no run
    ok, failed = store.experiment("s", "my_runs/1"), store.experiment("s", "my_runs/3")
    assert (ok.state, failed.state) == ("succeeded", "failed")
    run = json.loads((FIX / "sacred/my_runs/1/run.json").read_text())
    start = datetime.fromisoformat(run["start_time"]).replace(tzinfo=timezone.utc).timestamp()
    assert ok.created == start and ok.finished >= ok.created  # Sacred's times are UTC
    assert ok.params["lr"] == 0.01 and ok.params["optimizer"] == {"betas": [0.9, 0.999], "name": "adam"}
    assert store.experiment("s", "my_runs/2").params["lr"] == 0.1
    assert ok.params["experiment"] == "mnist_sweep" and ok.params["result"] == 0.9
    loss = store.read("s", "my_runs/1", "training.loss")
    assert loss.x.tolist() == [0, 10, 20, 30, 40] and loss.y[0] == 1.01
    assert all(start - 1 < t < start + 60 for t in loss.t)
    assert math.isnan(store.read("s", "my_runs/1", "val.loss").y[0])  # NaN kept
    assert store.read("s", "my_runs/3", "accuracy").x.tolist() == [0, 1, 2, 3, 4]


def test_a_damaged_sacred_run_is_refused_by_name_and_the_others_import(tmp_path, store):
    shutil.copytree(FIX / "sacred", tmp_path / "sacred")
    (tmp_path / "sacred/my_runs/2/metrics.json").write_text('{"loss": {"steps": [0, 1], "values": [1.0]}}')
    report = import_paths(store, [tmp_path / "sacred"], "s")
    assert report.exit_code == 3 and len(report.refused) == 1
    assert "my_runs/2/metrics.json" in report.refused[0] and "2 steps" in report.refused[0]
    assert sorted(store.experiments("s")) == ["my_runs/1", "my_runs/3"]


def test_sb3_progress_csv_steps_by_total_timesteps_and_baselines_by_row(tmp_path, store):
    sb3 = tmp_path / "PPO_1"
    sb3.mkdir()
    (sb3 / "progress.csv").write_text(
        "rollout/ep_len_mean,rollout/ep_rew_mean,time/fps,time/iterations,time/time_elapsed,time/total_timesteps,"
        "train/loss\n"
        "22.1,22.1,900,1,2,2048,\n"
        "30.5,30.5,850,2,4,4096,0.51\n")
    base = tmp_path / "ppo2"
    base.mkdir()
    (base / "progress.csv").write_text("eplenmean,eprewmean,fps,nupdates,serial_timesteps\n"
                                       "20,20,700,1,128\n25,26,710,2,256\n27,30,705,3,384\n")
    import_paths(store, [tmp_path], "rl")
    rew = store.read("rl", "PPO_1/progress", "rollout/ep_rew_mean")
    assert rew.x.tolist() == [2048, 4096] and rew.y.tolist() == [22.1, 30.5]
    assert store.read("rl", "PPO_1/progress", "train/loss").x.tolist() == [4096]  # an empty cell is no point
    assert "time/total_timesteps" not in store.channels("rl", "PPO_1/progress")
    assert "time/fps" in store.channels("rl", "PPO_1/progress")
    assert store.read("rl", "ppo2/progress", "eprewmean").x.tolist() == [0, 1, 2]  # no step column: the row


def test_ray_result_json_steps_like_rays_tensorboard_logger(tmp_path, store):
    rl = tmp_path / "PPO_env_0"
    rl.mkdir()
    rows = [{"trial_id": "a1", "training_iteration": i, "timesteps_total": 4000 * i, "episode_reward_mean": 10.0 * i,
             "timestamp": 1618138604 + i, "done": False, "info": {"learner": {"policy_loss": 0.5 / i}},
             "config": {"lr": 5e-5, "model": {"fcnet": [64, 64]}}} for i in (1, 2)]
    (rl / "result.json").write_text("".join(json.dumps(r) + "\n" for r in rows))
    tune = tmp_path / "train_fn_1"
    tune.mkdir()
    (tune / "result.json").write_text("".join(json.dumps({"trial_id": "b2", "training_iteration": i,
                                                          "timesteps_total": None, "mean_loss": 1.0 / i}) + "\n"
                                              for i in (1, 2, 3)))
    (tune / "params.json").write_text('{"lr": 0.1}')
    import_paths(store, [tmp_path], "ray")
    assert store.read("ray", "PPO_env_0", "episode_reward_mean").x.tolist() == [4000, 8000]
    assert store.read("ray", "PPO_env_0", "info/learner/policy_loss").y.tolist() == [0.5, 0.25]
    assert store.read("ray", "PPO_env_0", "episode_reward_mean").t.tolist() == [1618138605, 1618138606]
    assert store.experiment("ray", "PPO_env_0").params == {"lr": 5e-5, "model": {"fcnet": [64, 64]}}
    assert store.read("ray", "train_fn_1", "mean_loss").x.tolist() == [1, 2, 3]  # no timesteps: the iteration
    assert store.experiment("ray", "train_fn_1").params == {"lr": 0.1}


def test_ray_progress_csv_steps_by_timesteps_total_when_reported(tmp_path, store):
    trial = tmp_path / "trial"
    trial.mkdir()
    (trial / "params.json").write_text("{}")
    (trial / "progress.csv").write_text("episode_reward_mean,timesteps_total,training_iteration,hostname\n"
                                        "1.5,4000,1,h\n2.5,8000,2,h\n")
    import_paths(store, [tmp_path], "ray")
    assert store.read("ray", "trial", "episode_reward_mean").x.tolist() == [4000, 8000]


YOLOV5 = ("      0/299     3.37G    0.1143   0.07011   0.03822    0.2226        94       640  0.000915   0.01127"
          "  0.000311  7.13e-05    0.1055   0.05626   0.03708\n"
          "      1/299     3.37G   0.09879   0.07202   0.03511    0.2059        80       640   0.00301   0.05338"
          "   0.00175  0.000472   0.09714   0.05871   0.03404\n")


def test_yolov5_headerless_results_txt_named_as_train_py_logs_them(tmp_path, store):
    run = tmp_path / "runs" / "train" / "exp"
    run.mkdir(parents=True)
    (run / "results.txt").write_text(YOLOV5)
    (run / "opt.yaml").write_text("epochs: 300\nbatch_size: 16\n")
    (run / "hyp.yaml").write_text("lr0: 0.01\n")
    report = import_paths(store, [tmp_path / "runs"], "y")
    assert report.exit_code == 0, report.refused
    assert store.experiments("y") == ["train/exp"]
    assert sorted(store.channels("y", "train/exp")) == sorted(
        ["train/box_loss", "train/obj_loss", "train/cls_loss", "metrics/precision", "metrics/recall",
         "metrics/mAP_0.5", "metrics/mAP_0.5:0.95", "val/box_loss", "val/obj_loss", "val/cls_loss"])
    assert store.read("y", "train/exp", "metrics/mAP_0.5").y.tolist() == [0.000311, 0.00175]
    assert store.read("y", "train/exp", "val/cls_loss").x.tolist() == [0, 1]
    assert store.experiment("y", "train/exp").params == {"epochs": 300, "batch_size": 16, "hyp": {"lr0": 0.01}}


def test_keras_history_as_json_and_as_a_pandas_csv(tmp_path, store):
    (tmp_path / "history.json").write_text(json.dumps({"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, None],
                                                       "accuracy": [0.5, 0.7, 0.8]}))
    (tmp_path / "history.csv").write_text(",loss,accuracy\n0,1.0,0.5\n1,0.5,0.7\n")
    (tmp_path / "config.json").write_text(json.dumps({"layers": [1, 2], "name": "x"}))  # not a history
    report = import_paths(store, [tmp_path], "k")
    assert report.exit_code == 0, report.refused
    assert sorted(store.experiments("k")) == ["history", "history (2)"]
    by_channels = {tuple(sorted(store.channels("k", e))): e for e in store.experiments("k")}
    js = by_channels[("accuracy", "loss", "val_loss")]
    assert store.read("k", js, "loss").x.tolist() == [0, 1, 2]
    assert math.isnan(store.read("k", js, "val_loss").y[2])
    pd_csv = by_channels[("accuracy", "loss")]
    assert store.read("k", pd_csv, "accuracy").x.tolist() == [0, 1]  # the unnamed index column is the epoch


def test_baselines_monitor_csv_with_a_space_after_the_hash(tmp_path, store):
    (tmp_path / "0.monitor.csv").write_text('# {"t_start": 1550000000.5, "env_id": "PongNoFrameskip-v4"}\n'
                                            "r,l,t\n-21.0,764,10.2\n-20.0,812,21.9\n")
    report = import_paths(store, [tmp_path], "m")
    assert report.exit_code == 0, report.refused
    (name,) = store.experiments("m")
    assert store.read("m", name, "r").y.tolist() == [-21.0, -20.0]
    assert store.read("m", name, "l").t.tolist() == [1550000010.7, 1550000022.4]
