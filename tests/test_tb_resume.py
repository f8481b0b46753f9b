"""A TensorBoard run resumed from a checkpoint (issue 23, walk leftover): its second event file's
steps start again below where the first one stopped, and the chart drew a line from step 1000
back to step 600 (or 0). As TensorBoard does (a record with step s preempts the records of its
tag with steps not smaller than s), the orphaned points are dropped, on import and while
following, and the import report says how many. Event files written by tensorboardX, the writer
the other importer tests use. (The rule itself, ``decimate.latest_writes``, is checked against
TensorBoard's point by point in test_restarts.py.)"""
from __future__ import annotations

import numpy as np
import pytest

from chartdesk.follow import Follower
from chartdesk.importers import import_paths


def _write(folder, steps, suffix: str, value=lambda s: 1.0 / (s + 1)) -> None:
    """One training process's event file: ``loss`` and ``acc`` at each step (a resumed process
    writes a new file beside the old one; the suffix keeps two made within one second apart)."""
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(folder), filename_suffix=suffix)
    for s in steps:
        w.add_scalar("loss", value(s), s)
        w.add_scalar("acc", s / 2000, s)
    w.close()


@pytest.mark.parametrize("resume_at", [600, 0])
def test_a_resumed_run_imports_as_tensorboard_shows_it(tmp_path, store, resume_at):
    run = tmp_path / "logs" / "run"
    _write(run, range(0, 1001), ".1")
    _write(run, range(resume_at, 1201), ".2", value=lambda s: 2.0 + s)  # the resumed process's values
    report = import_paths(store, [tmp_path / "logs"], "tb")
    assert report.exit_code == 0, report.refused
    loss = store.read("tb", "run", "loss")
    assert loss.x.tolist() == list(range(1201))  # no step twice, no line back
    assert loss.y[resume_at:].tolist() == [2.0 + s for s in range(resume_at, 1201)]  # the resumed values
    assert np.allclose(loss.y[:resume_at], (1.0 / (np.arange(resume_at) + 1)).astype(np.float32))
    purged = 2 * (1001 - resume_at)  # loss and acc, steps resume_at..1000 of the first process
    [line] = [w for w in report.warnings if "purged" in w]
    assert line.startswith(f"{run}: {purged:,} points purged: the run went back to step {resume_at} ")


def test_steps_that_only_go_up_are_kept_as_they_are(tmp_path, store):
    run = tmp_path / "logs" / "run"
    _write(run, range(0, 500, 10), ".1")
    _write(run, range(500, 1000, 10), ".2")
    report = import_paths(store, [tmp_path / "logs"], "tb")
    assert not [w for w in report.warnings if "purged" in w]
    assert store.read("tb", "run", "loss").x.tolist() == list(range(0, 1000, 10))


def test_following_a_run_that_resumes_purges_what_it_had_written(tmp_path, store):
    logs = tmp_path / "logs"
    run = logs / "run"
    _write(run, range(0, 1001), ".1")
    follower = Follower(store, "live", [logs])
    first = follower.poll()
    assert first.new_runs == ["run"] and len(store.read("live", "run", "loss")) == 1001
    _write(run, range(600, 1101), ".2", value=lambda s: 2.0 + s)  # the job was preempted and resumed at 600
    resumed = follower.poll()
    loss = store.read("live", "run", "loss")
    assert loss.x.tolist() == list(range(1101)) and loss.y[600] == 2.0 + 600
    assert resumed.new_runs == [] and store.experiments("live") == ["run"]  # the same run, put right
    assert [w for w in resumed.warnings if "802 points purged" in w]
    _write(run, range(1101, 1201), ".3")  # it goes on: appended as usual
    on = follower.poll()
    assert on.points == 200 and not on.warnings
    assert store.read("live", "run", "loss").x.tolist() == list(range(1201))
    follower.close()


def test_the_follow_command_says_when_a_resumed_run_was_put_right(tmp_path):
    """``chartdesk follow`` prints the purge line on stderr, as ``import`` reports it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    logs = tmp_path / "logs"
    run = logs / "run"
    _write(run, range(0, 1001), ".1")
    db = tmp_path / "s.db"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "chartdesk", "--db", str(db), "follow", str(logs), "--project",
                             "live", "--seconds", "8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    first = ""
    while "following run\n" not in first:
        line = proc.stdout.readline()
        assert line, f"the follower ended before following run: {first!r}"
        first += line
    _write(run, range(600, 1101), ".2", value=lambda s: 2.0 + s)  # resumed at 600
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "802 points purged: the run went back to step 600" in err, err
