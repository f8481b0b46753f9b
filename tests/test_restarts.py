"""Resumed runs: a TensorBoard run whose steps go back keeps every point in the store, its chart
marks where the steps went back, and "Latest write per step" draws what TensorBoard's dashboard
shows (what was written before at a step and after is replaced by the resumed run's points)."""
from __future__ import annotations

import time
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


def _resumed_run(folder):
    from tensorboardX.event_file_writer import EventsWriter
    from tensorboardX.proto import event_pb2, summary_pb2

    folder.mkdir(parents=True)
    for part, steps, base in (("a", range(0, 100), 1.0), ("b", range(50, 150), 10.0)):  # resumed at step 50
        w = EventsWriter(str(folder / "events"), filename_suffix=f".{part}")
        for s in steps:
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="loss", simple_value=base + s)])
            w.write_event(event_pb2.Event(wall_time=time.time(), step=s, summary=summary))
        w.close()


def test_a_resumed_run_is_marked_and_drawn_with_its_latest_writes_on_request(store, open_win, qtbot, tmp_path):
    _resumed_run(tmp_path / "logs" / "resumed")
    import_paths(store, [tmp_path / "logs"], "p")
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
