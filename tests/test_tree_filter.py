"""The project tree's filter box as a person types in it: an expression of the runs grammar lists
the matching runs of every project (evaluated off the GUI thread, once the typing pauses or at
Return), a bad one is outlined red with its reason and filters nothing, and plain text filters
as it is typed. Demo store (chartdesk/demo.py): ``lr < 0.01`` matches adam-lr1e-3 (0.001),
adam-both-names (0.0003) and wide-net-stopped (0.001) in mnist, vit-small (0.0005) in cifar10,
and no run of sweep (its lowest lr is 0.01)."""
from __future__ import annotations

import threading

from PySide6.QtCore import Qt

from chartdesk.gui.project_tree import ProjectTree

LR_BELOW = {"cifar10": ["vit-small"], "mnist": ["adam-lr1e-3", "adam-both-names", "wide-net-stopped"]}


def shown(tree) -> dict[str, list[str]]:
    """{project: its runs} as the tree's view shows them now."""
    proxy = tree.proxy
    out = {}
    for r in range(proxy.rowCount()):
        p = proxy.index(r, 0)
        out[p.data()] = [proxy.index(i, 0, p).data() for i in range(proxy.rowCount(p))]
    return out


def record_runs_queries(monkeypatch, store, gate: threading.Event | None = None) -> list[tuple[str, str, bool]]:
    """Every filtered ``store.runs`` query as (project, where, on the GUI thread?); with ``gate``,
    each waits for it first (a slow store)."""
    calls = []
    real = store.runs

    def runs(project, *args, **kwargs):
        if kwargs.get("where"):
            calls.append((project, kwargs["where"], threading.current_thread() is threading.main_thread()))
            if gate is not None:
                assert gate.wait(30)
        return real(project, *args, **kwargs)

    monkeypatch.setattr(store, "runs", runs)
    return calls


def red_pixels(widget) -> int:
    """How many pixels of the widget, as painted, are the invalid outline's red (#d64541)."""
    img = widget.grab().toImage()
    n = 0
    for x in range(img.width()):
        for y in range(img.height()):
            c = img.pixelColor(x, y)
            n += abs(c.red() - 0xd6) < 30 and abs(c.green() - 0x45) < 30 and abs(c.blue() - 0x41) < 30
    return n


def test_an_expression_lists_the_matching_runs_of_every_project_off_the_gui_thread(demo_store, open_win, qtbot,
                                                                                     monkeypatch):
    w = open_win(demo_store, "cifar10", "resnet18")
    tree = w.tree
    calls = record_runs_queries(monkeypatch, demo_store)
    qtbot.keyClicks(tree.filter_edit, "lr < 0.01")
    qtbot.waitUntil(lambda: shown(tree) == LR_BELOW, timeout=10000)  # sweep, without a match, is hidden
    # typed in one go: evaluated once, for the whole text, on every project, never on the GUI thread
    assert sorted(p for p, _w, _g in calls) == ["cifar10", "mnist", "sweep"]
    assert {where for _p, where, _g in calls} == {"lr < 0.01"}
    assert not any(on_gui for _p, _w, on_gui in calls)
    assert w.ws.project == "cifar10" and w.ws.selection() == ["resnet18"]  # hiding a run chooses nothing
    assert tree.filter_edit.property("invalid") is not True
    # the text filter works as before, at once
    tree.filter_edit.clear()
    qtbot.keyClicks(tree.filter_edit, "diverged")
    assert shown(tree) == {"mnist": ["adam-lr1e-1-diverged"]}
    tree.filter_edit.clear()
    assert shown(tree)["cifar10"] == ["resnet18", "resnet50", "vit-small"]
    # the run the filter hid is shown selected again
    assert {i.data() for i in tree.view.selectionModel().selectedRows(0)} == {"resnet18"}


def test_return_applies_an_expression_at_once(demo_store, open_win, qtbot, monkeypatch):
    monkeypatch.setattr(ProjectTree, "FILTER_DELAY_MS", 600_000)  # the pause alone would never come
    w = open_win(demo_store, "cifar10")
    calls = record_runs_queries(monkeypatch, demo_store)
    qtbot.keyClicks(w.tree.filter_edit, "lr < 0.01")
    assert calls == [] and not w.tree.settled()  # waiting for the typing to pause
    qtbot.keyClick(w.tree.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: shown(w.tree) == LR_BELOW, timeout=10000)
    qtbot.waitUntil(w.tree.settled, timeout=10000)


def test_a_bad_expression_is_outlined_red_with_its_reason_and_filters_nothing(demo_store, open_win, qtbot):
    w = open_win(demo_store, "cifar10")
    edit = w.tree.filter_edit
    everything = shown(w.tree)
    assert sum(map(len, everything.values())) == 28 and red_pixels(edit) == 0
    qtbot.keyClicks(edit, "lr < ")
    qtbot.waitUntil(lambda: edit.property("invalid") is True, timeout=10000)
    assert "column 6" in edit.toolTip() and "\n" not in edit.toolTip()  # its one-line reason
    assert red_pixels(edit) > 50  # resources/style.qss: QLineEdit[invalid="true"]
    assert shown(w.tree) == everything  # filters nothing
    qtbot.keyClicks(edit, "0.01")  # mended
    qtbot.waitUntil(lambda: shown(w.tree) == LR_BELOW, timeout=10000)
    assert edit.property("invalid") is False and "column" not in edit.toolTip()
    assert red_pixels(edit) == 0


def test_the_result_of_an_older_text_is_dropped(demo_store, open_win, qtbot, monkeypatch):
    """The store is slow: the expression is still being evaluated when the person types plain
    text instead; its result, when it comes, must not replace what the box says now."""
    w = open_win(demo_store, "cifar10")
    gate = threading.Event()
    calls = record_runs_queries(monkeypatch, demo_store, gate)
    qtbot.keyClicks(w.tree.filter_edit, "lr < 0.01")
    qtbot.keyClick(w.tree.filter_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10000)  # under way, held by the store
    w.tree.filter_edit.clear()
    qtbot.keyClicks(w.tree.filter_edit, "resnet")
    assert shown(w.tree) == {"cifar10": ["resnet18", "resnet50"]}
    gate.set()
    qtbot.waitUntil(w.tree.settled, timeout=10000)  # the old result came and was dropped
    assert len(calls) == 3
    assert shown(w.tree) == {"cifar10": ["resnet18", "resnet50"]}


def test_a_project_without_the_alias_is_hidden_and_named_in_the_tooltip(demo_store, open_win, qtbot):
    """sweep has no alias "loss" (chartdesk/demo.py ALIASES): the expression cannot be evaluated
    there; every run of mnist and cifar10 logged a channel the alias names."""
    w = open_win(demo_store, "cifar10")
    edit = w.tree.filter_edit
    qtbot.keyClicks(edit, "alias:loss:count > 0")
    qtbot.waitUntil(lambda: set(shown(w.tree)) == {"cifar10", "mnist"}, timeout=10000)
    assert len(shown(w.tree)["mnist"]) == 5 and len(shown(w.tree)["cifar10"]) == 3
    assert edit.property("invalid") is not True
    assert "sweep: unknown alias 'loss' in project 'sweep'" in edit.toolTip()
    edit.clear()
    qtbot.keyClicks(edit, "alias:nothing:max > 1")  # in no project: a bad expression
    qtbot.waitUntil(lambda: edit.property("invalid") is True, timeout=10000)
    assert edit.toolTip() == "unknown alias 'nothing' in project 'cifar10' (and in the 2 other projects)"
    assert sum(map(len, shown(w.tree).values())) == 28
