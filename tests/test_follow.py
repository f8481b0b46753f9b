"""Following log folders while their runs write: TensorBoard event files read on from the last
complete record, text tables up to their last full line, new runs as their folders appear, bad
files named once while the rest keeps going; watchfiles waking the follower, the CLI, and File >
Follow folder… in the window."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from gui_helpers import answer_next_dialog
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit

from chartdesk.errors import NotFound
from chartdesk.follow import Follower

tbx = pytest.importorskip("tensorboardX")


class Writer:
    """tensorboardX's own event file writer, driven synchronously: after ``flush`` every scalar
    is on disk (SummaryWriter hands events to a thread, so its flush may not have them yet)."""

    def __init__(self, logdir: Path) -> None:
        from tensorboardX.event_file_writer import EventsWriter

        logdir.mkdir(parents=True, exist_ok=True)
        self._w = EventsWriter(str(logdir / "events"))

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        from tensorboardX.proto import event_pb2, summary_pb2

        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, simple_value=value)])
        self._w.write_event(event_pb2.Event(wall_time=time.time(), step=step, summary=summary))

    def flush(self) -> None:
        self._w.flush()

    def close(self) -> None:
        self._w.close()


def _points(store, project, exp, channel):
    return store.read(project, exp, channel).y.tolist()


def test_event_files_are_read_on_from_the_last_complete_record(store, tmp_path):
    logs = tmp_path / "logs"
    w = Writer(logs / "run1")
    for i in range(10):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.flush()
    f = Follower(store, "p", [logs])
    step = f.poll()
    assert step.new_runs == ["run1"] and step.points == 10
    assert store.experiment("p", "run1").state == "running"
    for i in range(10, 25):
        w.add_scalar("loss", 1.0 / (i + 1), i)
        w.add_scalar("acc", i / 25, i)
    w.flush()
    step = f.poll()
    assert step.points == 30 and step.new_runs == []
    assert store.read("p", "run1", "loss").x.tolist() == list(range(25))
    assert _points(store, "p", "run1", "acc") == pytest.approx([i / 25 for i in range(10, 25)])
    # a record still being written is left for the next read
    event_file = next((logs / "run1").glob("*tfevents*"))
    before = event_file.stat().st_size
    w.add_scalar("loss", 0.01, 25)
    w.flush()
    record = event_file.read_bytes()[before:]
    with open(event_file, "r+b") as fh:  # as if the writer had written only half of it so far
        fh.truncate(before + len(record) // 2)
    assert f.poll().points == 0
    with open(event_file, "ab") as fh:
        fh.write(record[len(record) // 2:])
    assert f.poll().points == 1 and store.read("p", "run1", "loss").x.tolist()[-1] == 25
    w.close()
    f.close()  # stopping leaves what was imported, with the state the files say
    exp = store.experiment("p", "run1")
    assert exp.state == "succeeded" and exp.finished is not None
    assert len(store.read("p", "run1", "loss")) == 26


def test_tables_are_tailed_to_the_last_full_line_and_new_runs_are_picked_up(store, tmp_path):
    root = tmp_path / "runs"
    root.mkdir()
    csv = root / "a.csv"
    csv.write_text("step,loss,acc\n0,1.0,0.1\n1,0.9,0.2\n2,0.8,")  # the last row is being written
    f = Follower(store, "p", [root])
    step = f.poll()
    assert step.new_runs == ["a"]
    assert store.read("p", "a", "loss").x.tolist() == [0, 1]
    with open(csv, "a") as fh:
        fh.write("0.3\n3,0.7,0.4\n")
    assert f.poll().points == 4
    assert _points(store, "p", "a", "acc") == [0.1, 0.2, 0.3, 0.4]
    assert f.poll().points == 0  # nothing new: nothing written (the file was not even parsed)
    # a new run appears beside it, and a bad file is named once while the others keep going
    (root / "b.jsonl").write_text('{"step": 0, "loss": 2.0}\n{"step": 1, "loss": 1.5}\n')
    (root / "bad.csv").write_text("step,loss,loss\n0,1,2\n")
    step = f.poll()
    assert step.new_runs == ["b"] and len(step.refused) == 1 and "bad.csv" in step.refused[0]
    assert "loss" in step.refused[0]
    with open(csv, "a") as fh:
        fh.write("4,0.6,0.5\n")
    step = f.poll()
    assert step.refused == [] and step.points == 2  # refused once, not every pass
    f.close()
    states = {n: store.experiment("p", n).state for n in store.experiments("p")}
    assert states == {"a": "succeeded", "b": "succeeded"}


def test_an_mlflow_run_that_grows_is_followed(store, tmp_path):
    run = tmp_path / "mlruns" / "0" / "abc123"
    (run / "metrics").mkdir(parents=True)
    (run / "params").mkdir()
    (run / "meta.yaml").write_text("run_id: abc123\nrun_name: mlf\nstatus: 1\nstart_time: 1700000000000\n")
    (run / "params" / "lr").write_text("0.1")
    m = run / "metrics" / "loss"
    m.write_text("1700000000000 1.0 0\n1700000001000 0.5 1\n1700000002000 0.2")
    f = Follower(store, "p", [tmp_path / "mlruns"])
    assert f.poll().new_runs == ["mlf"]
    assert _points(store, "p", "mlf", "loss") == [1.0, 0.5]
    with open(m, "a") as fh:
        fh.write("5 2\n")
    f.poll()
    assert _points(store, "p", "mlf", "loss") == [1.0, 0.5, 0.25]
    assert store.experiment("p", "mlf").params == {"lr": "0.1"}
    f.close()
    assert store.experiment("p", "mlf").state == "running"  # what MLflow's meta.yaml says (status 1)


def test_a_ray_trial_written_two_ways_is_followed_as_one_run(store, tmp_path):
    trial = tmp_path / "ray" / "PPO_0"
    trial.mkdir(parents=True)
    (trial / "params.json").write_text('{"lr": 0.001}')
    (trial / "progress.csv").write_text("episode_reward_mean,timesteps_total,training_iteration\n1.5,4000,1\n")
    w = Writer(trial)
    w.add_scalar("ray/tune/episode_reward_mean", 1.5, 4000)
    w.flush()
    f = Follower(store, "p", [tmp_path / "ray"])
    assert f.poll().new_runs == ["PPO_0"]
    w.add_scalar("ray/tune/episode_reward_mean", 2.5, 8000)
    w.flush()
    with open(trial / "progress.csv", "a") as fh:
        fh.write("2.5,8000,2\n")
    f.poll()
    assert store.experiments("p") == ["PPO_0"]  # not PPO_0 and PPO_0 (2)
    assert _points(store, "p", "PPO_0", "ray/tune/episode_reward_mean") == [1.5, 2.5]
    w.close()
    f.close()


def test_following_a_missing_folder_says_so(store, tmp_path):
    with pytest.raises(NotFound, match="no such file or folder"):
        Follower(store, "p", [tmp_path / "nope"])


def test_watch_wakes_on_file_changes_and_stops_cleanly(store, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    f = Follower(store, "p", [logs])
    stop = threading.Event()
    steps = []
    t = threading.Thread(target=f.watch, args=(stop, steps.append))
    t.start()
    try:
        w = Writer(logs / "live")  # a run that starts after following began
        for i in range(50):
            w.add_scalar("loss", float(i), i)
        w.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if "p" in store.projects() and "live" in store.experiments("p") and \
                    len(store.read("p", "live", "loss")) == 50:
                break
            time.sleep(0.05)
        assert len(store.read("p", "live", "loss")) == 50
        assert store.experiment("p", "live").state == "running"
        w.add_scalar("loss", 50.0, 50)
        w.flush()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(store.read("p", "live", "loss")) < 51:
            time.sleep(0.05)
        assert len(store.read("p", "live", "loss")) == 51
        w.close()
    finally:
        stop.set()
        t.join(10)
    assert not t.is_alive()
    assert store.experiment("p", "live").state == "succeeded"
    assert any(s.new_runs == ["live"] for s in steps)


def test_the_follow_command_imports_as_the_run_writes_and_stops(tmp_path):
    db = tmp_path / "s.db"
    logs = tmp_path / "logs"
    w = Writer(logs / "r")
    w.add_scalar("loss", 1.0, 0)
    w.flush()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "chartdesk", "--db", str(db), "follow", str(logs), "--project",
                             "p", "--seconds", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    first = ""
    while "following r\n" not in first:  # the follower names the run once it has imported what is there
        line = proc.stdout.readline()
        assert line, f"the follower ended before following r: {first!r}"
        first += line
    for i in range(1, 20):
        w.add_scalar("loss", 1.0 / (i + 1), i)
    w.flush()
    out, err = proc.communicate(timeout=30)
    out = first + out
    w.close()
    assert proc.returncode == 0, err
    assert "following r" in out and "stopped: 1 runs, 20 points imported" in out
    import chartdesk

    with chartdesk.open_store(db) as s:
        assert len(s.read("p", "r", "loss")) == 20 and s.experiment("p", "r").state == "succeeded"


def test_ctrl_c_stops_the_follow_command_and_keeps_what_it_imported(tmp_path):
    import signal

    db = tmp_path / "s.db"
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.csv").write_text("step,loss\n0,1\n1,0.5\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "chartdesk", "--db", str(db), "follow", str(tmp_path / "logs"),
                             "--project", "p"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert "following" in proc.stdout.readline()
    assert proc.stdout.readline().strip() == "following a"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert "stopped: 1 runs, 2 points imported" in out
    import chartdesk

    with chartdesk.open_store(db) as s:
        assert s.experiment("p", "a").state == "succeeded" and len(s.read("p", "a", "loss")) == 2


def test_file_follow_folder_in_the_window_grows_the_run_and_stop_keeps_it(store, open_win, qtbot, tmp_path):
    store.create_experiment("p", "other")
    store.append("p", "other", "loss", [0, 1], [1.0, 0.5])
    logs = tmp_path / "logs"
    w = Writer(logs / "trained")
    for i in range(30):
        w.add_scalar("loss", np.exp(-i / 10), i)
    w.flush()
    win = open_win(store, "p", "other")

    def pick_folder(dlg):
        assert isinstance(dlg, QFileDialog)
        edit = dlg.findChild(QLineEdit)
        edit.setText(str(logs))
        qtbot.keyClick(edit, Qt.Key.Key_Return)

    def pick_project(dlg):
        dlg.findChild(QLineEdit).setText("followed")
        qtbot.mouseClick(dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)

    answer_next_dialog(qtbot, lambda dlg: (pick_folder(dlg), answer_next_dialog(qtbot, pick_project)))
    win.follow_action.trigger()
    # its first run shows at once: the window turns to the project it is followed into
    qtbot.waitUntil(lambda: win.ws.project == "followed" and win.ws.selection() == ["trained"], timeout=10000)
    qtbot.waitUntil(lambda: win.follow_label.isVisible() and "1 folder" in win.follow_label.text(), timeout=5000)
    assert win.stop_follow_action.isEnabled()
    # the run grows in the window like a run logging through the API
    win.ws.select_experiments(["trained"])
    for i in range(30, 40):
        w.add_scalar("loss", np.exp(-i / 10), i)
    w.flush()
    qtbot.waitUntil(lambda: len(store.read("followed", "trained", "loss")) == 40, timeout=10000)
    qtbot.waitUntil(lambda: any(e.name == "trained" and e.state == "running" for e in win.ws.experiments()),
                    timeout=5000)
    win.stop_follow_action.trigger()
    assert not win.stop_follow_action.isEnabled() and not win.follow_label.isVisible()
    assert store.experiment("followed", "trained").state == "succeeded"
    assert len(store.read("followed", "trained", "loss")) == 40
    w.close()
