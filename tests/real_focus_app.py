"""Run by test_real_focus.py on an X server (Xvfb) with Qt's xcb platform: where the keyboard focus
is after a chart's ⋯ menu action, with the OS's own clicks (xdotool). A person clicks a run in the
project tree, opens the first chart's ⋯ menu, picks "Log y"; the chart set is written and the
tabs follow. Prints one JSON line: the widget that has the focus after each step.

    python real_focus_app.py DB
"""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication
from real_steps import Steps, point_at, xdo

import chartdesk
from chartdesk.demo import seed
from chartdesk.gui.app import make_app, open_window


def click_at(p: QPoint) -> None:
    point_at(p)
    xdo("click", 1)


def main() -> int:
    db = sys.argv[1]
    with chartdesk.open_store(db) as s:
        seed(s)
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "cifar10", "resnet18")
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    result: dict = {"steps": []}
    steps = Steps(app, result)
    step, finish = steps.step, steps.finish

    def focus_name() -> str:
        w = QApplication.focusWidget()
        if w is None:
            return "none"
        if w is window.tree.filter_edit:
            return "tree filter"
        if w is window.tree.view:
            return "tree"
        grid = window.tabs.visible_grid()
        if grid is not None and (w is grid or grid.isAncestorOf(w)):
            return "chart grid"
        return type(w).__name__

    def first_chart():
        grid = window.tabs.visible_grid()
        return grid.charts[0] if grid is not None and grid.charts else None

    def log_y() -> bool:
        return bool(store.chart_sets("cifar10")["Overview"][0].get("log_y"))

    def tree_row_point() -> QPoint:
        from chartdesk.gui.project_tree import EXPERIMENT_ROLE

        view, proxy = window.tree.view, window.tree.proxy
        project = next(proxy.index(r, 0) for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "cifar10")
        row = next(proxy.index(r, 0, project) for r in range(proxy.rowCount(project))
                   if proxy.index(r, 0, project).data(EXPERIMENT_ROLE) == "resnet50")
        r = view.visualRect(row)
        return view.viewport().mapToGlobal(r.center())

    def menu_button_point() -> QPoint:
        b = first_chart().menu_button
        return b.mapToGlobal(b.rect().center())

    def log_item_point() -> QPoint:
        menu = first_chart().menu
        action = next(a for a in menu.actions() if a.text().replace("&", "") == "Log y")
        return menu.mapToGlobal(menu.actionGeometry(action).center())

    def s1():
        step("click a run in the tree", window.settled, lambda: click_at(tree_row_point()), s2)

    def s2():
        def act():
            result["after tree click"] = focus_name()
            click_at(menu_button_point())
        step("open the chart's menu", lambda: window.ws.selection() == ["resnet50"] and first_chart() is not None
             and first_chart().drawn and QApplication.focusWidget() is window.tree.view, act, s3)

    def s3():
        def act():
            result["menu open"] = focus_name()
            click_at(log_item_point())
        step("pick Log y", lambda: first_chart() is not None and first_chart().menu.isVisible(), act, s4)

    def s4():
        def act():
            result["log_y stored"] = log_y()
            result["after the action"] = focus_name()
        step("settle", lambda: log_y() and not first_chart().menu.isVisible() and window.settled()
             and first_chart().drawn, act, s5)

    def s5():  # a turn of the event loop later: after the deletions Qt defers (a grid that went)
        def act():
            result["later"] = focus_name()
        step("look again", lambda: True, act, finish)

    QTimer.singleShot(0, s1)
    app.exec()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CHARTDESK_LOADER_PROCESSES", "0")
    sys.exit(main())
