"""Resumed runs: a run whose steps go back (a training script resumed from a checkpoint, logging
into the same experiment) keeps every point in the store, its chart marks where the steps went
back, and "Latest write per step" draws what TensorBoard's dashboard shows (what was written
before at a step and after is replaced by the resumed run's points). A TensorBoard import keeps
only what TensorBoard shows, by the same rule (test_tb_resume.py)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from gui_helpers import settle
from hypothesis import given, settings
from hypothesis import strategies as st

from chartdesk.decimate import latest_writes, restarts
from chartdesk.importers import import_paths


def _tensorboard_purge(steps: list[float]) -> list[int]:
    """What TensorBoard's event accumulator keeps, written out point by point: a step below the
    newest one purges every kept point at that step or later."""
    kept: list[int] = []
    for i, s in enumerate(steps):
        kept = [k for k in kept if steps[k] < s]
        kept.append(i)
    return kept


@given(st.lists(st.integers(0, 30), max_size=60))
@settings(max_examples=200, deadline=None)
def test_latest_write_per_step_is_what_tensorboard_keeps(steps):
    x = np.array(steps, dtype=float)
    assert np.flatnonzero(latest_writes(x)).tolist() == _tensorboard_purge(steps)
    assert restarts(x).tolist() == [i for i in range(1, len(steps)) if steps[i] < steps[i - 1]]


def _resumed_run(store):
    """A script logs steps 0..99, is resumed from its step-50 checkpoint and logs 50..149 into the
    same experiment (``chartdesk.init`` resumes it)."""
    import chartdesk

    for steps, base in ((range(0, 100), 1.0), (range(50, 150), 10.0)):
        with chartdesk.init("p", "resumed", db=store) as run:
            run.log_many("loss", list(steps), [base + s for s in steps])


def test_a_resumed_run_is_marked_and_drawn_with_its_latest_writes_on_request(store, open_win, qtbot, tmp_path):
    _resumed_run(store)
    assert len(store.read("p", "resumed", "loss")) == 200  # the store keeps every point
    w = open_win(store, "p", "resumed")
    c = next(c for g in w.tabs.all_grids() for c in g.charts if c.chart.name == "loss")  # its own charts' tab
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    assert c.restarts == 1 and "↺ 1 restart" in c.note.full_text()
    assert c.restart_marks() == [50.0]
    assert len(c.curves[0].x) == 200
    # the option is on the tree's context menu; it applies to the selected run
    w.tree.latest_action.trigger()
    assert w.ws.latest("resumed")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves[0].x) == 150, timeout=10000)
    assert c.curves[0].x.tolist() == list(range(150))
    assert c.curves[0].values[:50].tolist() == [1.0 + s for s in range(50)]
    assert c.curves[0].values[50:].tolist() == [10.0 + s for s in range(50, 150)]
    assert c.restarts == 1  # still marked: the run was resumed there
    from chartdesk.app import preferences as prefs
    from chartdesk.gui.settings import Settings

    assert Settings(w.ws.store).get(prefs.LATEST_PER_STEP, "p") == ["resumed"]  # saved per project (of this store)
    w.tree.latest_action.trigger()
    qtbot.waitUntil(lambda: c.drawn and len(c.curves[0].x) == 200, timeout=10000)
    settle(qtbot, w)


def test_a_forked_neptune_run_is_drawn_with_its_parents_points_and_the_fork_step_marked(store, open_win, qtbot,
                                                                                         tmp_path):
    """Issue 19: a Neptune 3 fork (written by neptune-scale) shows the parent's points up to the fork
    step, then its own; the chart marks the fork step and says whose points came before it."""
    import shutil

    from chartdesk.model import Experiment

    shutil.copytree(Path(__file__).parent / "fixtures" / "neptune3", tmp_path / "n3")
    import_paths(store, [tmp_path / "n3"])
    fork = store.experiment("acme/scale-runs", "swim-fork")
    assert fork.fork == ("swim-root", 2.5)
    assert Experiment("x", params={"sys/forking/parent": "p", "sys/forking/step": True}).fork is None
    w = open_win(store, "acme/scale-runs", "swim-fork")
    c = next(c for g in w.tabs.all_grids() for c in g.charts if c.chart.name == "train/loss")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    assert c.curves[0].x.tolist() == [0.0, 1.0, 2.0, 2.5, 3.0, 4.0]  # the parent's up to 2.5, then its own
    assert c.restart_marks() == [2.5] and c.restarts == 0
    assert "⑂ forked from swim-root at step 2.5: the points up to it are swim-root's" in c.note.full_text()
    w.ws.select_experiments(["swim-fork", "swim-root"])
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 2, timeout=10000)
    assert c.restart_marks() == [2.5]  # the parent itself is no fork
    assert "⑂ swim-fork forked from swim-root at step 2.5" in c.note.full_text()
