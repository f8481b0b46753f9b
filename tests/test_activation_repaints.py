"""A window losing or taking activation repaints none of its plots (``plot_items.keep_scene_active``):
a dialog opened over the window (Runs > Parallel coordinates…) leaves the window's charts as they
were painted, and the window taken back leaves the dialog's plot as it was. Qt's scene used to
answer every (de)activation by updating its items, which made every chart's axes and grid again
in one turn of the event loop."""
from __future__ import annotations

from gui_helpers import menu_action, refocus
from PySide6.QtCore import QEvent, QObject
from test_sweep_analysis import fill

from chartdesk.gui.plot_items import ChartPlot


class _Paints(QObject):
    """Counts the paint events of the widgets it watches, and of a canary widget apart."""

    def __init__(self) -> None:
        super().__init__()
        self.watched: dict[QObject, int] = {}
        self.canary = None
        self.canary_painted = False

    def watch(self, widget) -> None:
        self.watched[widget] = 0
        widget.installEventFilter(self)

    def watch_canary(self, widget) -> None:
        self.canary = widget
        widget.installEventFilter(self)

    def painted(self) -> int:
        return sum(self.watched.values())

    def eventFilter(self, obj, event) -> bool:  # Qt's name
        if event.type() == QEvent.Type.Paint:
            if obj is self.canary:
                self.canary_painted = True
            elif obj in self.watched:
                self.watched[obj] += 1
        return False


def _flushed(qtbot, paints: _Paints, window) -> None:
    """Every repaint the window had pending is done: a widget of it asked to paint after them
    has painted (the window's paints happen together, in the order they were asked for)."""
    paints.canary_painted = False
    paints.canary.update()
    qtbot.waitUntil(lambda: paints.canary_painted, timeout=5000)


def _runs_menu(win):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Runs")
    menu.aboutToShow.emit()
    return menu


def test_opening_a_dialog_and_taking_the_window_back_repaint_no_plot(store, open_win, qtbot):
    fill(store)
    win = open_win(store, "hp")
    plots = [p for p in win.findChildren(ChartPlot) if p.isVisible() and not p.waiting]
    assert plots, "the window shows drawn charts"
    paints = _Paints()
    for p in plots:
        paints.watch(p.viewport())
    paints.watch_canary(win.statusBar())
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)

    menu_action(_runs_menu(win), "Parallel coordinates…").trigger()
    view = win.sweep_views.parallel_view
    qtbot.waitUntil(lambda: view.isVisible() and view.ready() and view.isActiveWindow(), timeout=20000)
    assert not win.isActiveWindow()
    _flushed(qtbot, paints, win)
    assert paints.painted() == 0, f"{paints.painted()} chart paints when the dialog took activation"

    dialog_paints = _Paints()
    dialog_paints.watch(view.plot_widget.viewport())
    dialog_paints.watch_canary(view.summary)
    _flushed(qtbot, dialog_paints, view)  # the dialog's own first paints are done
    dialog_paints.watched[view.plot_widget.viewport()] = 0
    refocus(win, plots[0])
    qtbot.waitUntil(lambda: win.isActiveWindow() and not view.isActiveWindow(), timeout=5000)
    _flushed(qtbot, dialog_paints, view)
    _flushed(qtbot, paints, win)
    assert dialog_paints.painted() == 0, "the parallel view repainted when the window took activation back"
    assert paints.painted() == 0, f"{paints.painted()} chart paints when the window took activation back"


def test_the_tree_and_the_runs_table_are_not_repainted_when_a_dialog_takes_activation(store, open_win, qtbot):
    """Their palette's active and inactive colours are the same (and the keyboard has not moved
    the focus in the window, so no focus frame comes and goes): a (de)activation changes nothing
    they paint, and Qt's repaint of their whole viewport is dropped."""
    from PySide6.QtWidgets import QLineEdit

    fill(store)
    win = open_win(store, "hp")
    qtbot.waitUntil(win.isActiveWindow, timeout=5000)
    tree = win.tree.view
    table = win.runs_table.view
    paints = _Paints()
    for v in (tree, table, table.frozen):
        paints.watch(v.viewport())
    paints.watch_canary(win.statusBar())
    assert tree.viewport().isVisible()

    menu_action(_runs_menu(win), "Parallel coordinates…").trigger()
    view = win.sweep_views.parallel_view
    qtbot.waitUntil(lambda: view.isVisible() and view.ready() and view.isActiveWindow(), timeout=20000)
    _flushed(qtbot, paints, win)
    assert paints.watched[tree.viewport()] == 0, "the tree repainted when the dialog took activation"

    # the runs table shown, the person in its filter box; then the dialog again
    win.runs_dock.show()
    win.runs_dock.raise_()
    qtbot.waitUntil(lambda: table.viewport().isVisible(), timeout=5000)
    box = win.runs_table.findChild(QLineEdit)
    refocus(win, box)
    qtbot.waitUntil(lambda: win.isActiveWindow() and box.hasFocus() and not view.isActiveWindow(), timeout=5000)
    _flushed(qtbot, paints, win)
    for v in paints.watched:
        paints.watched[v] = 0
    view.activateWindow()
    view.windowHandle().requestActivate()
    qtbot.waitUntil(lambda: view.isActiveWindow() and not win.isActiveWindow(), timeout=5000)
    _flushed(qtbot, paints, win)
    assert paints.watched[table.viewport()] == 0, "the runs table repainted when the dialog took activation"
    assert paints.watched[table.frozen.viewport()] == 0, "the runs table's names repainted when the dialog took activation"
