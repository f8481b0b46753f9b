"""Issue 23 item 26: with its docks shown the window fits half of a 1366 px laptop screen, the
docks' panels shrink (rows of buttons wrap, long labels too) without clipping a control, and a
narrowed window keeps most of its width for the charts."""
from __future__ import annotations

import pytest
from gui_helpers import settle
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QLabel, QSplitterHandle

from chartdesk.gui.main_window import CHARTS_SHARE


def _rect_in(widget, ancestor) -> QRect:
    return QRect(widget.mapTo(ancestor, QPoint(0, 0)), widget.size())


def _clipped(dock: QDockWidget) -> list[str]:
    """What of the dock's panel a person cannot see or reach: buttons and labels cut by the dock's
    visible part, by their parents, by a splitter's handle or by each other."""
    scroll = dock.widget()
    view = scroll.viewport()
    panel = scroll.widget()
    problems = []
    buttons = [b for b in panel.findChildren(QAbstractButton) if b.isVisible()]
    labels = [lb for lb in panel.findChildren(QLabel) if lb.isVisible() and lb.text()]
    handles = [h for h in panel.findChildren(QSplitterHandle) if h.isVisible()]
    for w in buttons + labels:
        name = f"{type(w).__name__} {w.text()!r}"
        if not view.rect().contains(_rect_in(w, view)):
            problems.append(f"{name} outside the dock's visible part: {_rect_in(w, view)} vs {view.rect()}")
        if w.visibleRegion() != QRegion(w.rect()):
            problems.append(f"{name} cut by its parents: {w.visibleRegion().boundingRect()} of {w.rect()}")
        for h in handles:
            if _rect_in(h, panel).intersects(_rect_in(w, panel)):
                problems.append(f"{name} under a splitter handle")
    for lb in labels:
        if lb.wordWrap() and lb.height() < lb.heightForWidth(lb.width()):
            problems.append(f"label {lb.text()!r} shows {lb.height()} of its {lb.heightForWidth(lb.width())} px of lines")
    for i, a in enumerate(buttons):
        for b in buttons[i + 1:]:
            if _rect_in(a, panel).intersects(_rect_in(b, panel)):
                problems.append(f"buttons {a.text()!r} and {b.text()!r} overlap")
    return problems


def test_the_window_with_its_docks_fits_half_a_1366_px_screen(demo_store, open_win):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    docks = [w.tree_dock, w.runs_dock, w.alias_dock, w.sets_dock]
    assert all(not d.isHidden() and not d.isFloating() for d in docks)
    hint = w.minimumSizeHint()
    assert hint.width() <= 683 and hint.height() <= 700, hint


@pytest.mark.parametrize("size", [(1366, 768), (683, 768)])
def test_no_control_of_the_right_docks_is_clipped(demo_store, open_win, qtbot, size):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.resize(*size)
    qtbot.waitUntil(lambda: w.width() == size[0], timeout=5000)
    settle(qtbot, w)
    w.alias_editor.alias_view.setCurrentIndex(w.alias_editor.aliases_model.index(0, 0))  # its priority list shown
    for dock in (w.alias_dock, w.sets_dock):
        dock.raise_()
        qtbot.waitUntil(lambda d=dock: not d.visibleRegion().isEmpty(), timeout=5000)
        qtbot.waitUntil(lambda d=dock: not _clipped(d), timeout=5000)  # a layout pass or two after the resize
        assert dock.widget().width() >= dock.widget().widget().minimumSizeHint().width()


def test_a_narrowed_window_keeps_most_of_its_width_for_the_charts(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.resize(1366, 768)
    settle(qtbot, w)
    w.resize(683, 768)  # snapped to half of the screen
    qtbot.waitUntil(lambda: w.width() == 683 and w.centralWidget().width() >= int(CHARTS_SHARE * 683) - 2,
                    timeout=5000)
    assert w.tree_dock.isVisible() and w.alias_dock.isVisible()
    assert w.tree_dock.width() >= w.tree_dock.minimumSizeHint().width()
