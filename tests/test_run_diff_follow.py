"""The run diff, the parameter importance, the scatter and the parallel coordinates follow the store
while they are open (issue 20): a run's params edited, a run added or points logged by another
process, and the run filter changed in the runs table, reach them without reopening, computed off
the GUI thread on the window's one pool, with the person's choices kept. A dialog closed while it
computes drops the answer."""
from __future__ import annotations

import subprocess
import sys
import threading

import numpy as np
import pytest
from gui_helpers import click, log_from_another_process, menu_action
from PySide6.QtCore import Qt
from test_sweep_analysis import fill

import chartdesk.gui.run_diff as run_diff_module
from chartdesk.importance import importance

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def hp(store):
    fill(store)
    return store


def elsewhere(store, code: str) -> None:
    """Another process writes to the store (a training script, the CLI, a teammate)."""
    done = subprocess.run([sys.executable, "-c", "import chartdesk\n"
                           f"s = chartdesk.open_store({str(store.path)!r})\n" + code + "\ns.close()\n"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def runs_menu(win):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Runs")
    menu.aboutToShow.emit()
    return menu


def cell(dlg, key: str, run: str):
    """The text of the diff's row named ``key`` in the column of ``run`` (None: no such row shown)."""
    m = dlg.model
    runs = [m.headerData(c, Qt.Orientation.Horizontal).lstrip("★ ") for c in range(2, m.columnCount())]
    for r in range(m.rowCount()):
        if m.index(r, 1).data(DISPLAY) == key:
            return m.index(r, 2 + runs.index(run)).data(DISPLAY)
    return None


def test_run_diff_follows_edits_of_another_process_keeping_the_choices(hp, open_win, qtbot):
    win = open_win(hp, "hp")
    win.ws.select_experiments(["run-00", "run-01"])
    menu_action(runs_menu(win), "Compare selected runs…").trigger()
    dlg = win.sweep_actions.diff_dialog
    qtbot.waitUntil(lambda: dlg.isVisible() and dlg.ready() and dlg.diff is not None, timeout=20000)
    # the person's choices: another reference, every row
    dlg.reference.setCurrentIndex(dlg.reference.findText("run-01"))
    click(qtbot, dlg.only_differences)
    assert dlg.diff.reference == "run-01" and not dlg.diff.only_differences
    before_loss = np.max(hp.read("hp", "run-00", "loss").y)
    assert cell(dlg, "channel:loss:max", "run-00") == f"{before_loss:.6g}"

    # a param edited elsewhere (a resumed run merges its params), found by the window's poll
    elsewhere(hp, 's.create_experiment("hp", "run-01", params={"layers": 99, "note": "resumed"}, state="succeeded")')
    win.refresh_action.trigger()
    qtbot.waitUntil(lambda: cell(dlg, "layers", "run-01") == "99", timeout=20000)
    assert cell(dlg, "note", "run-01") == "resumed" and cell(dlg, "note", "run-00") == "missing"
    assert dlg.diff.reference == "run-01" and dlg.reference.currentText() == "run-01"  # kept
    assert not dlg.only_differences.isChecked() and not dlg.diff.only_differences
    assert dlg.model.headerData(3, Qt.Orientation.Horizontal) == "★ run-01"

    # points logged elsewhere to a channel both runs have: its max row follows, read from the raw points
    log_from_another_process(hp.path, "hp", "run-00", "loss", [1000.0], [before_loss + 5.0])
    win.refresh_action.trigger()
    want = np.max(hp.read("hp", "run-00", "loss").y)
    assert want == before_loss + 5.0
    qtbot.waitUntil(lambda: cell(dlg, "channel:loss:max", "run-00") == f"{want:.6g}", timeout=20000)


def test_importance_follows_new_runs_and_the_run_filter(hp, open_win, qtbot):
    win = open_win(hp, "hp")
    dlg = win.sweep_actions.importance()
    qtbot.waitUntil(lambda: dlg.isVisible() and dlg.ready() and dlg.found is not None, timeout=30000)
    runs = dlg.found.runs
    dlg.metric_box.setEditText("alias:accuracy:last")  # the person's choice of metric
    click(qtbot, dlg.compute_button)
    qtbot.waitUntil(lambda: dlg.ready() and dlg.found is not None and dlg.found.metric == "alias:accuracy:last",
                    timeout=30000)

    # a run added by another process, with the metric: counted, the metric kept
    elsewhere(hp, 'import numpy as np\n'
                  's.create_experiment("hp", "late", params={"optimizer": {"name": "adam", "lr": 0.2}, "layers": 5, '
                  '"augment": False, "dataset": "cifar", "dropout": 0.3}, state="succeeded")\n'
                  's.append("hp", "late", "accuracy", np.arange(5.0), np.linspace(0.1, 0.9, 5))')
    win.refresh_action.trigger()
    qtbot.waitUntil(lambda: dlg.found is not None and dlg.found.runs == runs + 1, timeout=30000)
    qtbot.waitUntil(dlg.ready, timeout=30000)
    assert dlg.found == importance(hp, "hp", "alias:accuracy:last")
    assert dlg.metric_box.currentText() == "alias:accuracy:last"

    # the run filter set in the runs table: the runs box follows it, and so does the result
    win.runs_table.filter_edit.setText('optimizer.name == "adam"')
    qtbot.waitUntil(lambda: dlg.found is not None and dlg.found.where == 'optimizer.name == "adam"', timeout=30000)
    assert dlg.where.text() == 'optimizer.name == "adam"'
    qtbot.waitUntil(dlg.ready, timeout=30000)
    assert dlg.found == importance(hp, "hp", "alias:accuracy:last", 'optimizer.name == "adam"')

    # a runs box the person typed is theirs: a filter change leaves it
    dlg.where.clear()
    qtbot.keyClicks(dlg.where, "layers >= 3")
    click(qtbot, dlg.compute_button)
    qtbot.waitUntil(lambda: dlg.ready() and dlg.found is not None and dlg.found.where == "layers >= 3", timeout=30000)
    win.runs_table.filter_edit.setText('optimizer.name == "sgd"')
    qtbot.waitUntil(lambda: win.ws.run_filter().text == 'optimizer.name == "sgd"', timeout=5000)
    qtbot.wait(600)
    assert dlg.where.text() == "layers >= 3" and dlg.found.where == "layers >= 3"


def held(fn):
    """``fn`` that waits, once started, until ``release`` is set: (the wrapper, started, release)."""
    started, release = threading.Event(), threading.Event()

    def wrapper(*args):
        started.set()
        release.wait(20)
        return fn(*args)
    return wrapper, started, release


def test_a_dialog_closed_while_it_computes_drops_the_answer(hp, open_win, qtbot, monkeypatch):
    real = run_diff_module.diff
    slow_diff, started, release = held(real)
    monkeypatch.setattr(run_diff_module, "diff", slow_diff)
    win = open_win(hp, "hp")
    win.ws.select_experiments(["run-00", "run-01"])
    menu_action(runs_menu(win), "Compare selected runs…").trigger()
    dlg = win.sweep_actions.diff_dialog
    qtbot.waitUntil(started.is_set, timeout=10000)
    click(qtbot, dlg.close_button)  # closed while it computes
    assert not dlg.isVisible()
    release.set()
    qtbot.wait(500)  # the answer arrives, and is dropped
    assert dlg.diff is None and dlg.model.rowCount() == 0

    # opened again: computed again and shown
    monkeypatch.setattr(run_diff_module, "diff", real)
    menu_action(runs_menu(win), "Compare selected runs…").trigger()
    qtbot.waitUntil(lambda: dlg.isVisible() and dlg.ready() and dlg.diff is not None, timeout=20000)
    assert dlg.diff.runs == ("run-00", "run-01") and dlg.model.rowCount() > 0


def test_a_closed_window_drops_the_answer_under_way(hp, open_win, qtbot, monkeypatch):
    """The window closes while the importance computes: nothing crashes when the answer comes."""
    slow_importance, started, release = held(importance)
    monkeypatch.setattr(run_diff_module, "importance", slow_importance)
    win = open_win(hp, "hp")
    win.sweep_actions.importance()
    qtbot.waitUntil(started.is_set, timeout=10000)
    threading.Timer(0.3, release.set).start()
    win.close()  # waits for the pool's work to end
    qtbot.wait(300)


def test_scatter_and_parallel_follow_another_process(hp, open_win, qtbot):
    win = open_win(hp, "hp")
    sc = win.sweep_views.scatter()
    pv = win.sweep_views.parallel()
    qtbot.waitUntil(lambda: sc.ready() and pv.ready(), timeout=20000)
    n = len(pv.runs)
    elsewhere(hp, 'import numpy as np\n'
                  's.create_experiment("hp", "late", params={"optimizer": {"name": "adam", "lr": 0.2}, "layers": 5}, '
                  'state="succeeded")\n'
                  's.append("hp", "late", "accuracy", np.arange(5.0), np.linspace(0.1, 0.9, 5))')
    win.refresh_action.trigger()
    qtbot.waitUntil(lambda: pv.ready() and len(pv.runs) == n + 1 and "late" in pv.runs, timeout=20000)
    qtbot.waitUntil(lambda: sc.ready() and "late" in sc.loader.table.runs, timeout=20000)
    elsewhere(hp, 's.create_experiment("hp", "late", params={"layers": 7}, state="succeeded")')
    win.refresh_action.trigger()
    i = pv.loader.table.runs.index("late") if pv.loader.table else 0
    qtbot.waitUntil(lambda: pv.loader.table["layers"].values[i] == 7, timeout=20000)
