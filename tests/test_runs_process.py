"""The window's runs table is computed in the window's worker process (the one pool it shares with
the chart views, so the GUI thread never waits for the GIL): the rows are the same as
``store.runs``, closing the window ends the process, and a window that is killed does not leave
it behind."""
from __future__ import annotations

import multiprocessing
import subprocess
import sys
from pathlib import Path

import pytest
from processes import gone_within
from PySide6.QtCore import Qt

KILLED = r"""
import os, sys
sys.path.insert(0, sys.argv[2])
import chartdesk
from chartdesk.app.pool import WorkerPool
from chartdesk.gui.runs_table import RowsProcess
if __name__ == "__main__":
    RowsProcess.PROCESS_FROM = 0
    store = chartdesk.open_store(sys.argv[1])
    p = RowsProcess(store, WorkerPool(store, 1))
    p.rows("mnist", ["alias:accuracy:max"])
    import multiprocessing
    print(multiprocessing.active_children()[0].pid, flush=True)
    os.kill(os.getpid(), 9)
"""


def _add_summary_column(qtbot, w):
    """Type a summary column into the runs table, as a person does, and wait for the 5 rows."""
    rt = w.runs_table
    w.runs_dock.raise_()
    qtbot.keyClicks(rt.column_edit, "accuracy:max")
    qtbot.keyClick(rt.column_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "alias:accuracy:max" in rt.model.headers() and not rt.model.loading
                    and rt.model.rowCount() == 5, timeout=20000)
    return rt


def test_the_rows_come_from_a_worker_process_that_ends_with_the_window(demo_store, open_win, qtbot, monkeypatch):
    from chartdesk import offload
    from chartdesk.gui.runs_table import RowsProcess

    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "1")
    monkeypatch.setattr(RowsProcess, "PROCESS_FROM", 0)  # the demo's 5 runs would be computed in the window
    w = open_win(demo_store, "mnist", "baseline-sgd")
    pool = w.ws.pool
    sent = []
    real_submit = pool.submit
    pool.submit = lambda fn, *args: sent.append(fn) or real_submit(fn, *args)
    rt = _add_summary_column(qtbot, w)
    children = multiprocessing.active_children()
    assert len(children) == 1 and pool.failed == ""  # one pool for the window: views and rows
    assert offload.call_in_worker in sent
    want = {r["experiment"]: r["columns"]["alias:accuracy:max"]
            for r in demo_store.runs("mnist", columns=["alias:accuracy:max"])}
    assert {n: rt.model.value(rt.model.row(i), "alias:accuracy:max")
            for i, n in enumerate(rt.model.names())} == want
    pid = children[0].pid
    w.close()
    assert gone_within(pid)


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_a_killed_window_leaves_no_worker_process(demo_store, tmp_path):
    db = demo_store.path
    out = subprocess.run([sys.executable, "-c", KILLED, str(db), str(Path(__file__).resolve().parents[1])],
                         capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.strip())
    assert gone_within(pid)


def test_a_project_of_a_few_runs_gets_its_rows_without_waiting_for_a_process(demo_store, open_win, qtbot,
                                                                              monkeypatch):
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "1")
    w = open_win(demo_store, "mnist", "baseline-sgd")
    pool = w.ws.pool
    asked = []
    real_wait = pool.wait_ready
    pool.wait_ready = lambda timeout: asked.append(timeout) or real_wait(timeout)
    _add_summary_column(qtbot, w)
    assert asked == []  # 5 runs: computed on the table's thread, the pool neither started nor awaited for them
