"""A window's session belongs to its store: the last project, each project's selection and tab,
runs-table columns, Group by and latest-write runs of one store never reach a window on another
store, even on a project of the same name; the machine's preferences (chart height) are shared.
Driven through the window as a person does (clicks, typing, the real close)."""
from __future__ import annotations

import pytest
from gui_helpers import index_point
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabBar

from chartdesk import open_store
from chartdesk.demo import seed

pytestmark = pytest.mark.both_backends

CTRL = Qt.KeyboardModifier.ControlModifier
PICKED = ["baseline-sgd", "adam-lr1e-3", "adam-both-names"]


@pytest.fixture
def two_stores(targets):
    """Two stores with the same demo projects (the same project and run names in both)."""
    stores = [open_store(targets.new("a")), open_store(targets.new("b"))]
    for s in stores:
        seed(s)
    yield stores
    for s in stores:
        s.close()


def click_run(qtbot, w, project, experiment, modifier=Qt.KeyboardModifier.NoModifier):
    m = w.tree.model
    idx = w.tree.proxy.mapFromSource(m.experiment_index(project, experiment))
    if not w.tree.view.isExpanded(idx.parent()):
        w.tree.view.expand(idx.parent())
    w.tree.view.scrollTo(idx)
    qtbot.mouseClick(w.tree.view.viewport(), Qt.MouseButton.LeftButton, modifier, index_point(w.tree.view, idx))


def click_tab(qtbot, w, index):
    bar = w.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    qtbot.waitUntil(lambda: w.tabs.currentIndex() == index, timeout=5000)


def show_panel(qtbot, w, title):
    """Click the tab of a left dock ("Projects" or "Runs": they share the left area)."""
    bar = next(b for b in w.findChildren(QTabBar) if any(b.tabText(i) == title for i in range(b.count())))
    i = next(i for i in range(bar.count()) if bar.tabText(i) == title)
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(i).center())
    panel = w.runs_table if title == "Runs" else w.tree
    qtbot.waitUntil(panel.isVisible, timeout=5000)


def type_into(qtbot, edit, text):
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_each_store_keeps_its_own_session(two_stores, open_win, qtbot):
    a, b = two_stores
    w = open_win(a, None)
    assert w.ws.project == "cifar10"  # nothing saved yet: the first project
    # on store A: three runs of mnist, the last chart tab, a column, a grouping, latest-write runs
    click_run(qtbot, w, "mnist", PICKED[0])
    for name in PICKED[1:]:
        click_run(qtbot, w, "mnist", name, CTRL)
    assert w.ws.project == "mnist" and sorted(w.ws.selection()) == sorted(PICKED)
    click_tab(qtbot, w, w.tabs.count() - 1)
    tab_a = w.tabs.current_name()
    assert tab_a != "Training"
    show_panel(qtbot, w, "Runs")
    type_into(qtbot, w.runs_table.column_edit, "accuracy:max")
    type_into(qtbot, w.runs_table.group_edit, "optimizer")
    qtbot.waitUntil(lambda: w.ws.group_by is not None, timeout=5000)
    w.tree.latest_action.trigger()  # View the selected runs with their latest write per step
    assert w.ws.latest_runs == set(PICKED)
    w.height_actions["small"].trigger()  # a preference of this machine
    w.close()

    # store B, whose projects have the same names: nothing of A's session
    wb = open_win(b, None)
    assert wb.ws.project == "cifar10"
    assert wb.ws.selection() == ["resnet18"]
    assert wb.height_actions["small"].isChecked()  # the machine's preferences are shared:
    assert wb.runs_table.isVisible()  # the docks as they were left, the Runs panel in front
    show_panel(qtbot, wb, "Projects")
    click_run(qtbot, wb, "mnist", "wide-net-stopped")
    assert wb.ws.project == "mnist" and wb.ws.selection() == ["wide-net-stopped"]
    assert wb.tabs.current_name() != tab_a
    show_panel(qtbot, wb, "Runs")
    assert wb.runs_table.model.columns == [] and wb.runs_table.group_edit.text() == ""
    assert wb.ws.group_by is None and wb.ws.latest_runs == set()
    wb.close()

    # store A again: its session is back
    wa = open_win(a, None)
    assert wa.ws.project == "mnist"
    assert sorted(wa.ws.selection()) == sorted(PICKED)
    assert wa.tabs.current_name() == tab_a
    assert wa.runs_table.model.columns == ["alias:accuracy:max"]
    assert wa.runs_table.group_edit.text() == "optimizer" and wa.ws.group_by is not None
    assert wa.ws.latest_runs == set(PICKED)
    wa.close()

    # and store B's own session, which A's did not overwrite
    wb2 = open_win(b, None)
    assert wb2.ws.project == "mnist" and wb2.ws.selection() == ["wide-net-stopped"]
    assert wb2.runs_table.model.columns == [] and wb2.ws.latest_runs == set()


def test_an_older_versions_global_session_moves_once_into_the_default_store(tmp_path, open_win, qtbot):
    from chartdesk.gui.settings import make_settings

    old = make_settings()  # what an older version left: one global session, names spelled its way
    old.setValue("session/project", "mnist")
    old.setValue("session/mnist/selection", ["adam-lr1e-3", "baseline-sgd"])
    old.setValue("session/mnist/tab", "Training")
    old.setValue("runs/columns/mnist", ["alias:accuracy:max"])
    old.sync()
    other = open_store(tmp_path / "other.db")  # not the store that opens when none is named
    seed(other)
    w = open_win(other, None)
    assert w.ws.project == "cifar10" and w.runs_table.model.columns == []
    w.close()
    assert make_settings().value("session/project") == "mnist"  # left for the default store
    default = open_store(None)  # $CHARTDESK_DB here
    seed(default)
    w = open_win(default, None)
    assert w.ws.project == "mnist" and w.ws.selection() == ["baseline-sgd", "adam-lr1e-3"]
    assert w.runs_table.model.columns == ["alias:accuracy:max"]
    assert not any(make_settings().contains(k) for k in ("session/project", "session/mnist/selection",
                                                         "runs/columns/mnist"))  # moved, once
    w.close()
    w = open_win(other, None)  # and still nothing of it on the other store
    assert w.ws.project == "cifar10"
    w.close()
    other.close()
    default.close()


def test_project_names_of_every_kind_keep_their_own_settings_in_the_file(tmp_path):
    from PySide6.QtCore import QSettings

    from chartdesk.app import preferences as prefs
    from chartdesk.gui.settings import Settings, make_settings

    names = ["a/b", "a\\b", "a%2Fb", "a%5Cb", "a b", "A B", "a//b", "/", "\\", "%", "ünï/cøde", "[General]", "a=b;c"]
    store = open_store(tmp_path / "names.db")
    s = Settings(store)
    for i, name in enumerate(names):
        s.set(prefs.SELECTION, [name, str(i)], name)
        s.set(prefs.TAB, f"tab {i}", name)
    s.sync()
    fresh = QSettings(make_settings().fileName(), QSettings.Format.IniFormat)  # the file as written
    for i, name in enumerate(names):
        assert fresh.value(prefs.key_path(prefs.SELECTION, s.store_id, name), type=list) == [name, str(i)]
        assert s.get(prefs.SELECTION, name) == [name, str(i)] and s.get(prefs.TAB, name) == f"tab {i}"
    assert s.get(prefs.SELECTION, "a") == [] and s.get(prefs.TAB, "b") == ""  # no level was added
    with open_store(tmp_path / "other.db") as other:
        assert Settings(other).get(prefs.SELECTION, "a/b") == []  # another store: none of it
    make_settings().setValue(prefs.key_path(prefs.WINDOW_STATE), "not a layout")  # by hand, say
    assert s.get(prefs.WINDOW_STATE) == b""  # what cannot be read as the key's type reads as its default
    store.close()
