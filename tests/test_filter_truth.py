"""The run filter is one truth: what it filters out is not plotted or grouped, the window says
"10 of 20", and each project keeps its own filter, always visible with its count."""
from __future__ import annotations

from gui_helpers import chart, key, settle
from PySide6.QtCore import Qt
from test_gui import click_row


def select_all_runs(qtbot, w, n):
    rt = w.runs_table
    w.runs_dock.raise_()
    qtbot.waitUntil(lambda: rt.model.rowCount() == n and not rt.model.loading, timeout=10000)
    view = rt.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(rt.model.index(0, 0)).center())
    key(qtbot, view, "Ctrl+A")
    assert len(w.ws.selection()) == n


def runs_tab(qtbot, w, n=20):
    """The Runs tab raised, its n rows there."""
    rt = w.runs_table
    w.runs_dock.raise_()
    qtbot.waitUntil(lambda: rt.model.rowCount() == n and not rt.model.loading, timeout=10000)
    return rt


def runs_plotted(acc) -> set[str]:
    return {c.experiment for c in acc.curves}


def test_a_filter_hides_rows_curves_and_groups_and_the_window_says_how_many(demo_store, open_win, qtbot):
    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    select_all_runs(qtbot, w, 20)
    acc = chart(w, "Sweep", "Eval accuracy")
    qtbot.waitUntil(lambda: acc.drawn and len(acc.curves) == 20, timeout=10000)
    rt = w.runs_table
    told = {"reset": 0, "removed": 0, "inserted": 0}
    rt.model.modelReset.connect(lambda: told.__setitem__("reset", told["reset"] + 1))
    rt.model.rowsRemoved.connect(lambda _p, a, b: told.__setitem__("removed", told["removed"] + b - a + 1))
    rt.model.rowsInserted.connect(lambda _p, a, b: told.__setitem__("inserted", told["inserted"] + b - a + 1))
    qtbot.mouseClick(rt.filter_edit, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(rt.filter_edit, "lr < 0.1")
    qtbot.waitUntil(lambda: rt.model.rowCount() == 10, timeout=10000)
    assert told["reset"] == 0 and told["removed"] - told["inserted"] == 10  # Qt is told which rows went
    assert len(rt.view.selectionModel().selectedRows()) == 10  # the shown ones stay selected
    low = {e.name for e in demo_store_experiments(demo_store, "sweep") if e.params["lr"] < 0.1}
    assert set(rt.model.names()) == low
    assert rt.count_label.isVisible() and rt.count_label.text() == "10 of 20 shown"
    assert "10 of 20 selected experiments shown" in w.selection_label.text()
    w.statusBar().showMessage("a passing message", 50)  # a menu's status tip, an export's note
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() == "" and w.selection_label.isVisible(), timeout=5000)
    assert "10 of 20 selected experiments shown" in w.selection_label.text()  # the count comes back
    qtbot.waitUntil(lambda: acc.drawn and runs_plotted(acc) == low, timeout=10000)  # filtered out: not plotted
    assert set(w.ws.selection()) == low

    key(qtbot, w, "Ctrl+G")
    qtbot.keyClicks(rt.group_edit, "lr")
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: acc.drawn and acc.grouped, timeout=10000)
    settle(qtbot, w)
    assert acc.legend.labels() == ["lr=0.01 (5 runs)", "lr=0.03 (5 runs)"]  # no group of what is hidden
    assert "10 of 20 selected experiments shown in 2 groups by lr" in w.selection_label.text()

    rt.filter_edit.clear()  # the clear button / select-all and delete
    qtbot.waitUntil(lambda: rt.model.rowCount() == 20, timeout=10000)
    assert told["reset"] == 0 and len(rt.view.selectionModel().selectedRows()) == 20  # back, and selected
    qtbot.waitUntil(lambda: acc.drawn and len(acc.curves) == 4, timeout=10000)  # the four lr groups again
    assert not rt.count_label.isVisible()


def test_each_project_keeps_its_own_filter_and_shows_it(demo_store, open_win, qtbot):
    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    rt = runs_tab(qtbot, w)
    select_all_runs(qtbot, w, 20)
    qtbot.keyClicks(rt.filter_edit, "lr < 0.1")
    qtbot.waitUntil(lambda: rt.model.rowCount() == 10, timeout=10000)
    w.tree_dock.raise_()
    click_row(qtbot, w, "mnist")
    assert w.ws.project == "mnist"
    runs_tab(qtbot, w, 5)
    assert rt.filter_edit.text() == "" and not rt.count_label.isVisible()  # sweep's filter stays sweep's
    w.tree_dock.raise_()
    click_row(qtbot, w, "sweep")
    runs_tab(qtbot, w, 10)
    assert rt.filter_edit.text() == "lr < 0.1" and rt.count_label.text() == "10 of 20 shown"
    assert w.ws.counts() == (10, 20)  # and its 20 selected runs, 10 of them shown (found in a real window)


def test_the_runs_model_keeps_qt_s_rules_while_rows_go_come_and_reorder(demo_store, open_win, qtbot, qtmodeltester):
    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    rt = runs_tab(qtbot, w)
    qtmodeltester.check(rt.model)  # and it watches every change from here on
    names = rt.model.names()
    rt.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # by name, Z to A
    qtbot.keyClicks(rt.filter_edit, "lr < 0.1")
    qtbot.waitUntil(lambda: rt.model.rowCount() == 10, timeout=10000)
    assert rt.model.names() == sorted(rt.model.names(), reverse=True)
    rt.filter_edit.clear()
    qtbot.waitUntil(lambda: rt.model.rowCount() == 20, timeout=10000)
    assert rt.model.names() == sorted(names, reverse=True)


def test_a_bad_filter_filters_nothing_and_says_why_in_the_box(demo_store, open_win, qtbot):
    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    rt = runs_tab(qtbot, w)
    qtbot.keyClicks(rt.filter_edit, "lr <")
    assert rt.error.isVisible() and "column" in rt.error.text()
    assert rt.model.rowCount() == 20 and not rt.count_label.isVisible()


def demo_store_experiments(store, project):
    return [store.experiment(project, n) for n in store.experiments(project)]


def test_the_window_title_names_the_project_the_store_and_the_app_once(store, open_win, tmp_path):
    w = open_win(store, None)  # an empty store: no project yet (found in a real window: "ChartDesk — … — ChartDesk")
    assert w.windowTitle() == f"{store.describe()} — ChartDesk"
    store.create_experiment("p", "e")
    w.ws.set_project("p")
    assert w.windowTitle() == f"p — {store.describe()} — ChartDesk"


def test_the_status_bar_names_an_active_filter_that_hides_none_of_the_selection(demo_store, open_win, qtbot):
    """One selected run that the filter keeps: the status bar said '1 experiment selected' with no
    word of the filter deciding what else is listed (a hands-on walk)."""
    w = open_win(demo_store, "sweep", "lr0.01-seed0")
    rt = w.runs_table
    qtbot.keyClicks(rt.filter_edit, "lr < 0.1")
    qtbot.waitUntil(lambda: rt.model.rowCount() == 10, timeout=10000)
    qtbot.waitUntil(lambda: "filter: lr < 0.1" in w.selection_label.text(), timeout=5000)
    assert w.selection_label.text().startswith("sweep: 1 experiment selected")
    rt.filter_edit.clear()
    qtbot.waitUntil(lambda: "filter" not in w.selection_label.text(), timeout=5000)
