"""The project tree is told exactly what changed: runs that appear or go, in the project on
screen or in another one, insert or remove their rows (never a reset), so what the person has
selected and expanded stays as it was; the other projects' catalogs are read off the GUI thread,
and only when the store's catalog moved. On SQLite and on PostgreSQL."""
from __future__ import annotations

import threading

import pytest
from gui_helpers import index_point
from PySide6.QtCore import Qt

import chartdesk

pytestmark = pytest.mark.both_backends


def click_run(qtbot, w, project, experiment, modifier=Qt.KeyboardModifier.NoModifier):
    idx = w.tree.proxy.mapFromSource(w.tree.model.experiment_index(project, experiment))
    w.tree.view.scrollTo(idx)
    qtbot.mouseClick(w.tree.view.viewport(), Qt.MouseButton.LeftButton, modifier, index_point(w.tree.view, idx))


def project_row(w, project):
    return w.tree.proxy.mapFromSource(w.tree.model.project_index(project))


def what_the_view_shows(w):
    """The selected rows and each project's expanded state, as the view holds them."""
    view = w.tree.view
    selected = sorted((i.data(Qt.ItemDataRole.UserRole + 2), i.data()) for i in view.selectionModel().selectedRows(0))
    expanded = {p: view.isExpanded(project_row(w, p)) for p in w.tree.model.projects()}
    return selected, expanded


def watch(model):
    """Every structural signal of the model: ('reset',), ('layout',), (signal, parent's name, first,
    last) or, for a move, also the destination's name and row."""
    heard = []
    model.modelReset.connect(lambda: heard.append(("reset",)))
    model.layoutChanged.connect(lambda *_: heard.append(("layout",)))
    for name in ("rowsInserted", "rowsRemoved"):
        getattr(model, name).connect(lambda parent, first, last, name=name: heard.append((name, parent.data(), first, last)))
    model.rowsMoved.connect(lambda parent, first, last, dest, row: heard.append(("rowsMoved", parent.data(), first, last,
                                                                                dest.data(), row)))
    return heard


def record_catalog_reads(monkeypatch, store):
    """Every ``store.catalog`` read as (project, on the GUI thread?)."""
    calls = []
    real = store.catalog

    def catalog(project):
        calls.append((project, threading.current_thread() is threading.main_thread()))
        return real(project)

    monkeypatch.setattr(store, "catalog", catalog)
    return calls


def test_a_run_in_another_project_inserts_its_row_and_keeps_selection_and_expansion(
        demo_store, target, open_win, qtbot, qtmodeltester, monkeypatch):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    m = w.tree.model
    qtmodeltester.check(m)  # the model tester stays attached: every insertion below is checked too
    click_run(qtbot, w, "mnist", "adam-lr1e-3", Qt.KeyboardModifier.ControlModifier)
    assert w.ws.selection() == ["baseline-sgd", "adam-lr1e-3"]
    w.tree.view.expand(project_row(w, "cifar10"))
    w.tree.view.collapse(project_row(w, "sweep"))
    before = what_the_view_shows(w)
    assert before == ([("mnist", "adam-lr1e-3"), ("mnist", "baseline-sgd")],
                      {"cifar10": True, "mnist": True, "sweep": False})
    scroll = w.tree.view.verticalScrollBar().value()
    heard = watch(m)
    reads = record_catalog_reads(monkeypatch, demo_store)

    with chartdesk.open_store(target) as other:  # a training script elsewhere starts a run in cifar10
        other.create_experiment("cifar10", "late-run", params={"lr": 0.05})
    w.refresh_action.trigger()
    qtbot.waitUntil(lambda: m.experiment_index("cifar10", "late-run").isValid(), timeout=10000)
    qtbot.waitUntil(w.tree.settled, timeout=10000)
    assert heard == [("rowsInserted", "cifar10", 3, 3)]  # one row, no reset
    assert m.index(m.project_index("cifar10").row(), 1).data() == "4 experiments"
    assert what_the_view_shows(w) == before and w.ws.selection() == ["baseline-sgd", "adam-lr1e-3"]
    assert w.tree.view.verticalScrollBar().value() == scroll
    # the other projects were read off the GUI thread; mnist, on screen, comes from the workspace
    assert {p for p, _g in reads if p != "mnist"} == {"cifar10", "sweep"}
    assert not any(on_gui for p, on_gui in reads if p != "mnist")

    heard.clear()
    with chartdesk.open_store(target) as other:  # and is deleted there
        other.delete_experiment("cifar10", "late-run")
    w.refresh_action.trigger()
    qtbot.waitUntil(lambda: not m.experiment_index("cifar10", "late-run").isValid(), timeout=10000)
    qtbot.waitUntil(w.tree.settled, timeout=10000)
    assert heard == [("rowsRemoved", "cifar10", 3, 3)]
    assert what_the_view_shows(w) == before and w.ws.selection() == ["baseline-sgd", "adam-lr1e-3"]


def test_a_new_channel_in_the_shown_project_reads_no_other_project(demo_store, target, open_win, qtbot, monkeypatch):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    m = w.tree.model
    w.tree.view.expand(project_row(w, "cifar10"))
    exp = m.experiment_index("mnist", "baseline-sgd")
    w.tree.view.expand(w.tree.proxy.mapFromSource(exp))
    before = what_the_view_shows(w)
    heard = watch(m)
    reads = record_catalog_reads(monkeypatch, demo_store)
    with chartdesk.open_store(target) as other:  # the run logs a metric it had not logged before
        other.append("mnist", "baseline-sgd", "grad_norm", [0, 1], [3.0, 2.5])
    w.refresh_action.trigger()
    names = [m.index(r, 0, exp).data() for r in range(m.rowCount(exp))]
    assert names == ["acc", "grad_norm", "loss", "val_acc", "val_loss"]
    assert heard == [("rowsInserted", "baseline-sgd", 1, 1)]
    assert w.tree.view.isExpanded(w.tree.proxy.mapFromSource(exp)) and what_the_view_shows(w) == before
    qtbot.waitUntil(w.tree.settled, timeout=10000)
    assert {p for p, _g in reads} == {"mnist"}  # the session's read of its project, no other


def test_the_model_turns_any_catalog_into_another_by_rows_alone(qtmodeltester):
    """Projects and runs that come, go, move and change, checked by Qt's model tester as they happen."""
    from chartdesk.gui.project_tree import ProjectTreeModel
    from chartdesk.model import ChannelInfo, Experiment

    def catalog(*runs):
        return [(Experiment(name, state), [ChannelInfo(c, n) for c, n in chans]) for name, state, chans in runs]

    def held(m):
        out = {}
        for r in range(m.rowCount()):
            p = m.index(r, 0)
            out[p.data()] = [(m.index(i, 0, p).data(), m.index(i, 1, p).data(),
                              [m.index(k, 1, m.index(i, 0, p)).data() for k in range(m.rowCount(m.index(i, 0, p)))])
                             for i in range(m.rowCount(p))]
        return out

    m = ProjectTreeModel()
    qtmodeltester.check(m)
    heard = watch(m)
    m.set_projects(["a", "b", "c"])
    m.set_catalog("a", catalog(("r1", "running", [("loss", 1)]), ("r2", "failed", []), ("r3", "running", [])))
    m.set_catalog("c", catalog(("x", "running", [("acc", 2), ("loss", 3)])))
    # b goes, d comes between; a's runs move, one is renamed, one changes state and grows a channel
    m.set_projects(["a", "c", "d"])
    m.set_catalog("a", catalog(("r2", "succeeded", [("loss", 4)]), ("r0", "running", []), ("r1", "running", [("loss", 1)]),
                               ("r3b", "running", [])))
    m.set_catalog("d", catalog(("y", "running", [])))
    m.set_catalog("c", catalog(("x", "running", [("loss", 5)])))
    assert held(m) == {
        "a": [("r2", "succeeded", ["4 points"]), ("r0", "running", []), ("r1", "running", ["1 point"]),
              ("r3b", "running", [])],
        "c": [("x", "running", ["5 points"])],
        "d": [("y", "running", [])],
    }
    assert ("reset",) not in heard and ("layout",) not in heard
    assert ("rowsMoved", "a", 1, 1, "a", 0) in heard  # r2 came up, with its channel rows
    assert m.index(m.project_index("a").row(), 1).data() == "4 experiments"
