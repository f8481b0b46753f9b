"""Run by test_real_menus.py on an X server (Xvfb) with Qt's xcb platform: where submenus open,
with the OS's own pointer (xdotool). The window is at the screen's right edge, so the first chart's ⋯
menu opens at the screen's right edge; a person opens it, points at Smoothing (it opens to the
left, for want of room), then at EMA in it; then right-clicks the runs table's header and
points at Columns. Prints one JSON line: each open menu's place on the screen, from the top
menu to the last submenu, for each of the two.

    python real_menu_app.py DB
"""
from __future__ import annotations

import os
import sys

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QMenu
from real_steps import Steps, point_at, xdo

import chartdesk
from chartdesk.demo import seed
from chartdesk.gui.app import make_app, open_window
from chartdesk.gui.widgets import parent_menu


def main() -> int:
    db = sys.argv[1]
    with chartdesk.open_store(db) as s:
        seed(s)
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "cifar10", "resnet18")
    screen = app.primaryScreen().availableGeometry()
    window.resize(1366, 768)
    window.move(screen.right() + 1 - 1366, screen.top())  # at the screen's right edge
    window.show()
    result: dict = {"steps": [], "screen": [screen.x(), screen.y(), screen.width(), screen.height()]}
    steps = Steps(app, result)
    step, finish = steps.step, steps.finish

    def first_chart():
        grid = window.tabs.visible_grid()
        return grid.charts[0] if grid is not None and grid.charts else None

    def popups() -> list[QMenu]:
        """The open menus, the top one first (each submenu after the menu it came from)."""
        menus = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()]
        chain, top = [], QApplication.activePopupWidget()
        while isinstance(top, QMenu) and top in menus and top not in chain:
            chain.append(top)
            top = parent_menu(top)
        return list(reversed(chain))

    def rects() -> list[list[int]]:
        return [[m.geometry().x(), m.geometry().y(), m.geometry().width(), m.geometry().height()] for m in popups()]

    def item_point(menu: QMenu, text: str) -> QPoint:
        action = next(a for a in menu.actions() if a.text().replace("&", "") == text)
        return menu.mapToGlobal(menu.actionGeometry(action).center())

    def s1():
        def act():
            b = first_chart().menu_button
            result["menu button"] = [b.mapToGlobal(b.rect().topLeft()).x(), b.width()]
            point_at(b.mapToGlobal(b.rect().center()))
            xdo("click", 1)
        step("open the chart's menu", lambda: window.settled() and first_chart() is not None and first_chart().drawn,
             act, s2)

    def s2():
        step("point at Smoothing", lambda: len(popups()) == 1,
             lambda: point_at(item_point(popups()[0], "Smoothing")), s3)

    def s3():
        step("point at EMA", lambda: len(popups()) == 2,
             lambda: point_at(item_point(popups()[1], "EMA")), s4)

    def s4():
        def act():
            result["chart menu"] = rects()
            for _ in range(3):
                xdo("key", "Escape")
        step("close the menus", lambda: len(popups()) == 3, act, s5)

    def s5():
        def act():
            window.runs_dock.raise_()
            header = window.runs_table.view.horizontalHeader()
            x = header.sectionViewportPosition(1) + header.sectionSize(1) // 2
            point_at(header.mapToGlobal(QPoint(x, header.height() // 2)))
            xdo("click", 3)
        step("right-click the runs table's header", lambda: not popups(), act, s6)

    def s6():
        step("point at Columns", lambda: len(popups()) == 1,
             lambda: point_at(item_point(popups()[0], "Columns")), s7)

    def s7():
        def act():
            result["header menu"] = rects()
            for _ in range(2):
                xdo("key", "Escape")
        step("look at the header's menus", lambda: len(popups()) == 2, act, finish)

    QTimer.singleShot(0, s1)
    app.exec()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CHARTDESK_LOADER_PROCESSES", "0")
    sys.exit(main())
