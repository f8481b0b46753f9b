"""Compare selected runs… and Parameter importance… in the window (issue 20), driven through the
Runs menu, the runs table's context menu and the dialogs' own boxes and buttons; what they show is
checked against pandas, numpy on the raw points and scipy."""
from __future__ import annotations

import csv
import io
import sys

import numpy as np
import pandas as pd
import pytest
from gui_helpers import answer_next_dialog, click, menu_action
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from scipy import stats
from test_sweep_analysis import _channel_of, _frame, fill

from chartdesk.importance import MIN_RUNS, importance
from chartdesk.rundiff import diff

RUNS = ["run-00", "run-01", "pinned"]  # run-00 lacks dropout, run-01 logged 'acc', pinned is pinned to 'acc'
DISPLAY, BACKGROUND = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.BackgroundRole


@pytest.fixture
def hp(store):
    fill(store)
    return store


def runs_menu(win):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Runs")
    menu.aboutToShow.emit()  # what opening it does: the entries are enabled for the selection
    return menu


def pick_file(path):
    def respond(dlg):
        assert isinstance(dlg, QFileDialog)
        dlg.selectFile(str(path))
        dlg.accept()
    return respond


def shown(dlg):
    """The dialog's table as a person reads it: {(section, name): {run: text}}, and the cells highlighted."""
    m = dlg.model
    runs = [m.headerData(c, Qt.Orientation.Horizontal).lstrip("★ ") for c in range(2, m.columnCount())]
    table, marked = {}, set()
    for r in range(m.rowCount()):
        key = (m.index(r, 0).data(DISPLAY), m.index(r, 1).data(DISPLAY))
        table[key] = {run: m.index(r, 2 + i).data(DISPLAY) for i, run in enumerate(runs)}
        marked |= {(key, run) for i, run in enumerate(runs) if m.index(r, 2 + i).data(BACKGROUND) is not None}
    return table, marked


def wait_ready(qtbot, dlg):
    qtbot.waitUntil(lambda: dlg.isVisible() and dlg.ready(), timeout=20000)


def test_compare_selected_runs_through_the_menu(hp, open_win, qtbot, tmp_path):
    win = open_win(hp, "hp")
    win.runs_table.add_column("accuracy:max")
    win.ws.select_experiments(RUNS)
    menu_action(runs_menu(win), "Compare selected runs…").trigger()
    dlg = win.sweep_actions.diff_dialog
    wait_ready(qtbot, dlg)
    assert dlg.only_differences.isChecked() and dlg.reference.currentText() == "run-00"
    assert [dlg.model.headerData(c, Qt.Orientation.Horizontal) for c in range(2, 5)] == ["★ run-00", "run-01", "pinned"]
    table, marked = shown(dlg)

    # what differs, decided here: params by pandas, the metric from the raw points
    frame = pd.json_normalize([dict(hp.experiment("hp", r).params) for r in RUNS]).set_index(pd.Index(RUNS))
    differing = {k for k in frame.columns if frame[k].astype(str).nunique() > 1}  # NaN is its own value
    assert {k for (sec, k) in table if sec == "Param"} == differing == {"optimizer.name", "optimizer.lr", "layers",
                                                                        "augment", "dropout"}
    assert ("Param", "dataset") not in table  # the same in every run: hidden
    assert table[("Param", "dropout")]["run-00"] == "missing"  # missing, shown as missing
    acc = {r: hp.read("hp", r, _channel_of(hp, r)).y for r in RUNS}
    assert table[("Column", "alias:accuracy:max")] == {r: f"{np.max(acc[r]):.6g}" for r in RUNS}
    assert table[("Alias", "alias:accuracy")] == {"run-00": "accuracy", "run-01": "acc", "pinned": "acc"}
    assert table[("Channel", "channel:loss:min")] == {r: f"{np.min(hp.read('hp', r, 'loss').y):.6g}" for r in RUNS}
    col = ("Column", "alias:accuracy:max")
    assert (col, "run-01") in marked and (col, "pinned") in marked and (col, "run-00") not in marked  # the reference
    assert (("Alias", "alias:accuracy"), "run-01") in marked and (("Alias", "alias:accuracy"), "pinned") in marked
    want = diff(hp, "hp", RUNS, columns=["alias:accuracy:max"])
    assert len(table) == want.differing < len(want.rows)

    # Only differences off: every row, the same ones unmarked
    click(qtbot, dlg.only_differences)
    assert not dlg.only_differences.isChecked()
    every, marked_all = shown(dlg)
    assert len(every) == len(want.rows) and ("Param", "dataset") in every
    assert every[("Param", "dataset")] == {r: "cifar" for r in RUNS}
    assert not any(key == ("Param", "dataset") for key, _run in marked_all)

    # another reference: marked in the header, cells compared with it
    dlg.reference.setCurrentIndex(dlg.reference.findText("pinned"))
    assert dlg.model.headerData(4, Qt.Orientation.Horizontal) == "★ pinned"
    _t, marked_pinned = shown(dlg)
    assert (("Alias", "alias:accuracy"), "run-00") in marked_pinned  # accuracy, not pinned's acc
    assert (("Alias", "alias:accuracy"), "run-01") not in marked_pinned  # acc, as pinned
    assert (("Run", "state"), "run-00") in marked_pinned and (("Run", "state"), "pinned") not in marked_pinned

    # Export CSV…: the rows the table shows
    click(qtbot, dlg.only_differences)
    out = tmp_path / "diff.csv"
    answer_next_dialog(qtbot, pick_file(out))
    click(qtbot, dlg.export_button)
    qtbot.waitUntil(out.exists, timeout=10000)
    rows = list(csv.reader(io.StringIO(out.read_text())))
    assert rows[0] == ["section", "key", *RUNS, "differs"]
    assert len(rows) - 1 == dlg.model.rowCount() == want.with_reference("pinned").differing
    assert all(r[-1] == "yes" for r in rows[1:])
    assert next(r for r in rows if r[1] == "dropout")[2] == ""  # run-00: missing is an empty cell


def test_compare_from_the_runs_table_context_menu(hp, open_win, qtbot):
    win = open_win(hp, "hp")
    view = win.runs_table.view
    assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    act = next(a for a in view.actions() if a.text() == "Compare selected runs…")
    win.ws.select_experiments(["run-02"])
    assert not act.isEnabled()
    win.ws.select_experiments(["run-02", "run-03"])
    assert act.isEnabled()
    act.trigger()
    dlg = win.sweep_actions.diff_dialog
    wait_ready(qtbot, dlg)
    assert dlg.diff.runs == ("run-02", "run-03")
    table, _m = shown(dlg)
    assert table[("Param", "optimizer.name")] == {"run-02": "rmsprop", "run-03": "adam"}
    # the menu entry asks for two runs
    win.ws.select_experiments(["run-02"])
    assert not menu_action_enabled(runs_menu(win), "Compare selected runs…")


def menu_action_enabled(menu, text):
    return next(a for a in menu.actions() if a.text().replace("&", "") == text).isEnabled()


def test_parameter_importance_dialog(hp, open_win, qtbot, tmp_path):
    win = open_win(hp, "hp")
    win.runs_table.add_column("accuracy:max")
    menu_action(runs_menu(win), "Parameter importance…").trigger()
    dlg = win.sweep_actions.importance_dialog
    wait_ready(qtbot, dlg)
    assert dlg.metric_box.currentText() == "alias:accuracy:max" and dlg.found is not None  # the table's column
    frame = _frame(hp)
    m = dlg.model
    rows = {m.index(r, 0).data(DISPLAY): [m.index(r, c).data(DISPLAY) for c in range(m.columnCount())]
            for r in range(m.rowCount())}
    mask = frame["dropout"].notna()
    assert rows["dropout"][2] == f"{stats.spearmanr(frame['dropout'][mask], frame['_y'][mask]).statistic:.3f}"
    assert rows["dropout"][6] == str(mask.sum())
    assert rows["optimizer.lr"][2] == f"{stats.spearmanr(frame['optimizer.lr'], frame['_y']).statistic:.3f}"
    assert [m.index(r, 0).data(DISPLAY) for r in range(m.rowCount())] == [f.name for f in importance(
        hp, "hp", "accuracy:max").features]  # sorted by importance, as the API
    assert all(rows[n][4] for n in rows)  # every row has its forest importance
    assert dlg.warning.text() == "left out: dataset (the same in every run that has it (cifar))"

    # the runs a filter passes; then fewer than a forest needs: said, and no importance
    dlg.where.clear()
    qtbot.keyClicks(dlg.where, 'optimizer.name == "adam"')
    click(qtbot, dlg.compute_button)
    wait_ready(qtbot, dlg)
    adam = frame[frame["optimizer.name"] == "adam"]
    assert dlg.found.with_metric == len(adam) >= MIN_RUNS and dlg.found.where == 'optimizer.name == "adam"'
    lr = next(r for r in range(m.rowCount()) if m.index(r, 0).data(DISPLAY) == "optimizer.lr")
    assert m.index(lr, 2).data(DISPLAY) == f"{stats.spearmanr(adam['optimizer.lr'], adam['_y']).statistic:.3f}"
    assert m.index(lr, 4).data(DISPLAY)
    dlg.where.clear()
    qtbot.keyClicks(dlg.where, 'optimizer.name == "adam" and layers < 4')
    click(qtbot, dlg.compute_button)
    wait_ready(qtbot, dlg)
    assert dlg.found.with_metric < MIN_RUNS
    assert dlg.warning.text().startswith(f"only {dlg.found.with_metric} runs have a value for alias:accuracy:max: fewer "
                                         f"than {MIN_RUNS} runs")
    assert all(not m.index(r, 4).data(DISPLAY) for r in range(m.rowCount())) and m.rowCount() > 0

    # a bad metric: one line, the box marked
    dlg.where.clear()
    dlg.metric_box.setEditText("")
    qtbot.keyClicks(dlg.metric_box.lineEdit(), "accuracy")
    click(qtbot, dlg.compute_button)
    wait_ready(qtbot, dlg)
    assert dlg.found is None and "column 'accuracy' must be REF:REDUCER" in dlg.summary.text()
    assert dlg.metric_box.property("invalid")

    # Export CSV… of a result
    dlg.metric_box.setEditText("alias:accuracy:last")
    click(qtbot, dlg.compute_button)
    wait_ready(qtbot, dlg)
    out = tmp_path / "importance.csv"
    answer_next_dialog(qtbot, pick_file(out))
    click(qtbot, dlg.export_button)
    qtbot.waitUntil(out.exists, timeout=10000)
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    want = importance(hp, "hp", "alias:accuracy:last")
    assert [r["param"] for r in rows] == [f.name for f in want.features]
    assert [float(r["importance"]) for r in rows] == [f.importance for f in want.features]


def test_importance_without_scikit_learn_in_the_window(hp, open_win, qtbot, monkeypatch):
    for mod in ("sklearn", "sklearn.ensemble", "sklearn.inspection"):
        monkeypatch.setitem(sys.modules, mod, None)
    win = open_win(hp, "hp")
    dlg = win.sweep_actions.importance()
    assert dlg.metric_box.currentText() == "accuracy:max"  # the first alias's max, with no runs table column
    wait_ready(qtbot, dlg)
    assert dlg.warning.text().startswith("scikit-learn is not installed, so no forest importance (pip install "
                                         "'chartdesk[sweep]'); Spearman only")
    m = dlg.model
    assert m.rowCount() > 0 and all(m.index(r, 2).data(DISPLAY) for r in range(m.rowCount()))
    assert all(not m.index(r, 4).data(DISPLAY) for r in range(m.rowCount()))


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_importance_is_computed_in_the_worker_process(hp, open_win, qtbot, monkeypatch):
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "1")
    win = open_win(hp, "hp")
    pool = win.ws.pool
    pool.start()
    qtbot.waitUntil(lambda: pool.ready, timeout=30000)
    sent = []
    real_submit = pool.submit
    pool.submit = lambda fn, *args: sent.append((fn.__name__, args)) or real_submit(fn, *args)
    dlg = win.sweep_actions.importance()
    wait_ready(qtbot, dlg)
    assert sent == [("call_in_worker", (importance, "hp", "accuracy:max", None))]  # the window's one pool
    want = importance(hp, "hp", "accuracy:max")
    assert dlg.found == want
