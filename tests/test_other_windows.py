"""Edits made anywhere but in this window (the CLI, another window, a teammate on the team store)
reach the open window: aliases, pins and chart sets, on SQLite and on PostgreSQL."""
from __future__ import annotations

import subprocess
import sys

import pytest
from gui_helpers import chart, wait_written

import chartdesk

pytestmark = pytest.mark.both_backends


def cli(target, *args) -> None:
    """The command a person types in a terminal while the window is open."""
    done = subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(target)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_alias_pin_and_chart_set_edited_by_another_process_reach_the_open_window(demo_store, target, open_win,
                                                                                    qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")  # has both acc and pred_acc
    acc = chart(w, "Training", "Accuracy")
    qtbot.waitUntil(lambda: acc.drawn, timeout=10000)
    assert acc.legend.labels()[0] == "accuracy → acc"
    ed = w.alias_editor
    ed.choose("accuracy")
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]

    # 1. the alias, reordered in a terminal: one poll (File > Refresh) shows it everywhere
    cli(target, "alias", "set", "mnist", "accuracy", "accuracy", "pred_acc", "acc")
    w.refresh_action.trigger()
    assert w.ws.alias("accuracy") == ("accuracy", "pred_acc", "acc")
    assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
    assert ed.preview.topLevelItem(0).text(1) == "pred_acc"
    qtbot.waitUntil(lambda: acc.drawn and acc.legend.labels()[0] == "accuracy → pred_acc", timeout=10000)

    # 2. a pin: the run's accuracy means acc again, and the legend says it was pinned
    cli(target, "alias", "pin", "mnist", "adam-both-names", "accuracy", "acc")
    w.refresh_action.trigger()
    assert w.ws.pin("adam-both-names", "accuracy") == "acc"
    qtbot.waitUntil(lambda: acc.drawn and acc.legend.labels()[0] == "accuracy → acc (pinned)", timeout=10000)

    # 3. a chart added to the chart set: the tab shows it
    cli(target, "chartset", "add", "mnist", "Training", "Validation loss", "channel:val_loss")
    w.refresh_action.trigger()
    assert [c.name for c in w.ws.chart_sets()[0].charts] == ["Accuracy", "Loss", "Validation loss"]
    qtbot.waitUntil(lambda: any(c.chart.name == "Validation loss" for c in w.grids["Training"].charts),
                    timeout=10000)
    assert [c.name for c in w.chart_set_panel.current_set().charts][-1] == "Validation loss"


def test_the_live_poll_alone_brings_another_process_edit(demo_store, target, open_win, qtbot):
    """No Refresh: the window's own poll (SQLite) or the change feed (PostgreSQL) finds it."""
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    ed.choose("loss")
    assert ed.entries_model.entries() == ["loss", "train_loss"]
    cli(target, "alias", "set", "mnist", "loss", "train_loss", "loss")
    qtbot.waitUntil(lambda: ed.entries_model.entries() == ["train_loss", "loss"], timeout=5000)
    assert w.ws.alias("loss") == ("train_loss", "loss")


def test_the_live_poll_reads_the_store_off_the_gui_thread(demo_store, target, open_win, qtbot):
    """The window's own poll asks the store for its change token (and the catalog of runs that
    moved) on a thread of the window's pool: the GUI thread runs none of those queries."""
    import threading

    w = open_win(demo_store, "mnist", "adam-both-names")
    store = w.ws.store
    threads = []
    for name in ("change_token", "catalog"):
        real = getattr(store, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            threads.append((_name, threading.current_thread() is threading.main_thread()))
            return _real(*args, **kwargs)
        setattr(store, name, spy)
    with chartdesk.open_store(target) as other:  # a training script elsewhere starts a run
        other.create_experiment("mnist", "late-run")
        other.set_alias("mnist", "loss", ["train_loss", "loss"])
    qtbot.waitUntil(lambda: "late-run" in w.ws.experiment_names() and w.ws.alias("loss") == ("train_loss", "loss"),
                    timeout=10000)
    assert ("catalog", False) in threads and ("change_token", False) in threads
    assert ("change_token", True) not in threads and ("catalog", True) not in threads


def test_an_edit_of_this_window_is_not_announced_again_by_the_next_poll(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    heard = []
    w.ws.sig_aliases_changed.connect(lambda names: heard.append(set(names)))
    w.ws.sig_chart_sets_changed.connect(lambda: heard.append("chart sets"))
    assert w.ws.edit_alias("accuracy", ["pred_acc", "acc", "accuracy"], "Reorder accuracy")
    assert heard == [{"accuracy"}]
    w.refresh_action.trigger()  # the store's counter moved, but the session holds what it says
    assert heard == [{"accuracy"}]


def test_runs_and_projects_written_elsewhere_reach_the_tree_of_projects_not_shown(demo_store, target, open_win, qtbot):
    """The catalog of every project follows the store, not only the project on screen."""
    w = open_win(demo_store, "cifar10", "resnet18")
    m = w.tree.model

    def info(project):
        return m.index(m.project_index(project).row(), 1).data() if project in m.projects() else None

    assert info("mnist") == "5 experiments"
    with chartdesk.open_store(target) as other:  # a training script elsewhere starts a run in mnist
        other.create_experiment("mnist", "late-run")
    w.refresh_action.trigger()  # one poll
    qtbot.waitUntil(lambda: info("mnist") == "6 experiments", timeout=5000)  # read off the GUI thread
    with chartdesk.open_store(target) as other:  # a new project of four runs appears, one by one
        other.create_experiment("fresh", "run-0")
        w.refresh_action.trigger()
        for i in range(1, 4):
            other.create_experiment("fresh", f"run-{i}")
    w.refresh_action.trigger()
    qtbot.waitUntil(lambda: info("fresh") == "4 experiments", timeout=5000)
    assert w.ws.project == "cifar10"  # the window stays where the user is


def test_two_windows_editing_one_project_keep_each_others_edits(demo_store, open_win, qtbot):
    """Issue 24 item 2: each window edits from its own copy, which has not heard of the other's
    last edit yet (no event loop ran between them): only the set or alias that was edited is
    written, over what the store holds now, and an edit that cannot be carried over is refused
    in one line on the status bar."""
    from chartdesk.model import Chart

    # each window has its own session, and with it its own copy of what the store holds
    a = open_win(demo_store, "mnist", "adam-both-names")
    b = open_win(demo_store, "mnist", "adam-both-names")
    # Each window writes on its own writer thread: a's write is waited for (with no turn of the
    # event loop, so b's copy stays what it was) before b edits, for the order to be a's then b's.
    a.chart_set_panel.create_set("From A")
    assert a.ws.session.flush(10)
    b.chart_set_panel.create_set("From B")  # b's copy: no "From A"; it stays all the same
    wait_written(qtbot, a)
    wait_written(qtbot, b)
    assert list(demo_store.chart_sets("mnist")) == ["Training", "From A", "From B"]
    qtbot.waitUntil(lambda: [s.name for s in a.ws.chart_sets()] == ["Training", "From A", "From B"], timeout=5000)

    for w in (a, b):
        w.alias_editor.choose("accuracy")
    assert a.alias_editor.entries_model.add("top1")
    assert a.ws.session.flush(10)
    assert b.alias_editor.entries_model.add("acc1")  # b's copy: no top1
    wait_written(qtbot, a)
    wait_written(qtbot, b)  # carried over: b shows the merged entries
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "top1", "acc1"]
    assert b.alias_editor.entries_model.entries() == ["accuracy", "acc", "pred_acc", "top1", "acc1"]
    b.undo_action.trigger()  # b's add goes, a's stays
    wait_written(qtbot, b)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "top1"]
    qtbot.waitUntil(lambda: a.alias_editor.entries_model.entries() == ["accuracy", "acc", "pred_acc", "top1"],
                    timeout=5000)

    a.chart_set_panel.choose("Training")
    a.chart_set_panel.charts.setCurrentRow(1)
    a.chart_set_panel.delete_chart()  # Loss
    assert a.ws.session.flush(10)  # written, with no turn of the event loop: b has not polled since
    b.chart_set_panel.replace_chart("Training", "Loss", Chart("Loss", log_y=True))  # b's copy still has it
    wait_written(qtbot, b)
    assert [c["name"] for c in demo_store.chart_sets("mnist")["Training"]] == ["Accuracy"]
    message = b.statusBar().currentMessage()
    assert "Loss" in message and "deleted elsewhere" in message and "\n" not in message
    b.chart_set_panel.choose("Training")
    assert b.chart_set_panel.charts.count() == 1  # b shows what the store holds
