"""Chart views are read in worker processes once the window has had a quiet moment (so that
painting never waits for a reader's Python): what they draw is what the threads draw, a run
that grows is followed through them, a dead process leaves the views to the threads, and the
processes end with the window."""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys

import numpy as np
import pytest
from gui_helpers import chart, log_from_another_process, settle
from processes import alive, gone_within

from chartdesk.views import read_view


@pytest.fixture
def with_processes(monkeypatch):
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "1")


def _ready(qtbot, w):
    procs = w.ws.loader.processes
    qtbot.waitUntil(lambda: procs.ready, timeout=30000)
    assert procs.failed == "" and procs.pids and os.getpid() not in procs.pids
    return procs


def _other_run(w, qtbot, name):
    w.ws.select_experiments([name])
    settle(qtbot, w)


@pytest.mark.both_backends  # the process opens the team store itself, with the window's credentials
@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_views_come_from_a_worker_process_and_match_the_store(demo_store, open_win, qtbot, with_processes):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    procs = _ready(qtbot, w)
    sent = []
    real_submit = procs.submit
    procs.submit = lambda fn, keys: sent.extend(keys) or real_submit(fn, keys)
    _other_run(w, qtbot, "wide-net-stopped")
    loss = chart(w, "Training", "Loss")
    assert loss.curves and loss.curves[0].experiment == "wide-net-stopped"
    key = loss.state.request(loss.curves[0].planned)  # what the chart asked the loader for
    assert key in sent  # read by the process, not by a thread
    want = read_view(demo_store, key)
    np.testing.assert_array_equal(loss.curves[0].x, want.x)
    np.testing.assert_array_equal(loss.curves[0].values, want.values)
    pid = procs.pids[0]
    assert alive(pid)
    w.close()
    assert gone_within(pid)


def test_a_growing_run_is_followed_through_the_worker_process(demo_store, db_path, open_win, qtbot, with_processes):
    w = open_win(demo_store, "mnist", "wide-net-stopped")
    _ready(qtbot, w)
    loss = chart(w, "Training", "Loss")
    last = loss.curves[0].x.max()
    log_from_another_process(db_path, "mnist", "wide-net-stopped", "loss", [last + 10, last + 20], [0.5, 0.4])
    qtbot.waitUntil(lambda: loss.curves and loss.curves[0].x.max() == last + 20, timeout=10000)
    assert w.ws.loader.processes.ready


@pytest.mark.skipif(sys.platform != "linux", reason="signals a process")
def test_a_killed_worker_process_leaves_the_views_to_the_threads(demo_store, open_win, qtbot, with_processes):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    procs = _ready(qtbot, w)
    for pid in procs.pids:
        os.kill(pid, signal.SIGKILL)
    _other_run(w, qtbot, "wide-net-stopped")  # asked of the dead process first, then of the threads
    loss = chart(w, "Training", "Loss")
    assert loss.curves and loss.curves[0].experiment == "wide-net-stopped" and len(loss.curves[0].x)
    assert not loss.errors
    assert procs.failed and not procs.ready
    _other_run(w, qtbot, "adam-lr1e-3")  # and from then on on the threads
    assert chart(w, "Training", "Loss").curves[0].experiment == "adam-lr1e-3"


def test_no_processes_when_asked_for_none(demo_store, open_win, qtbot, monkeypatch):
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "0")
    w = open_win(demo_store, "mnist", "baseline-sgd")
    procs = w.ws.loader.processes
    procs.start()  # what the loader does after its quiet moment
    assert procs.count == 0 and not procs.started and not procs.pids and not procs.wait_ready(0.1)
    assert multiprocessing.active_children() == []
    _other_run(w, qtbot, "wide-net-stopped")
    assert chart(w, "Training", "Loss").curves[0].experiment == "wide-net-stopped"
