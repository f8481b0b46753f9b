"""The charts of one tab work together (issue 21): a wheel zoom or a drag on one chart moves every
chart of the tab with the same x axis (and Reset view resets them all), one crosshair stands in
every chart, a click on a curve selects its run, and a legend entry under the pointer widens its
run's curves in every chart. Through real gestures on the plots' viewports (offscreen)."""
from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import settle
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from chartdesk.app import preferences as prefs
from chartdesk.gui.project_tree import EXPERIMENT_ROLE

RUNS = ["alpha", "beta"]
STEP_CHARTS = ["loss", "acc", "lr"]


@pytest.fixture
def linked_store(store):
    x = np.arange(0, 1000, dtype=np.float64)
    for i, run in enumerate(RUNS):
        store.create_experiment("lp", run, state="succeeded")
        t = 1.7e9 + i * 50 + x * 2.0
        store.append_many("lp", run, {
            "loss": (x, 1.0 / (1 + x / 100) + i, t),  # the runs a whole unit apart
            "acc": (x, x / 1000 + 2 * i, t),
            "lr": (x, np.full(len(x), 0.1 + i), t),
        })
    store.set_chart_set("lp", "Set", [{"name": n, "series": [f"channel:{n}"]} for n in STEP_CHARTS]
                        + [{"name": "loss by time", "series": ["channel:loss"], "x_axis": "wall"}])
    return store


def _open(open_win, store, qtbot):
    w = open_win(store, "lp")
    w.resize(1400, 1000)
    w.ws.select_experiments(RUNS)
    grid = w.grids["Set"]
    qtbot.waitUntil(lambda: len(grid.charts) == 4 and all(c.drawn and len(c.curves) == 2 for c in grid.charts),
                    timeout=15000)
    settle(qtbot, w)
    return w, grid, {c.chart.name: c for c in grid.charts}


def _vb(c):
    return c.plot.getPlotItem().getViewBox()


def _x(c) -> tuple[float, float]:
    return tuple(_vb(c).viewRange()[0])


def _plot_point(c, fx=0.5, fy=0.5) -> QPoint:
    r = c.plot.mapFromScene(_vb(c).sceneBoundingRect()).boundingRect()
    return QPoint(int(r.left() + fx * r.width()), int(r.top() + fy * r.height()))


def _wheel(c, pos: QPoint, delta: int = 240, mods=Qt.KeyboardModifier.NoModifier) -> None:
    vp = c.plot.viewport()
    ev = QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, delta),
                     Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)


def _drag(c, start: QPoint, end: QPoint, steps: int = 8) -> None:
    """Press the left button at ``start``, move to ``end`` in steps, release: a pan."""
    vp = c.plot.viewport()

    def send(kind, at, buttons):
        button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
        QApplication.sendEvent(vp, QMouseEvent(kind, QPointF(at), QPointF(vp.mapToGlobal(at)), button, buttons,
                                               Qt.KeyboardModifier.NoModifier))

    send(QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    for i in range(1, steps + 1):
        at = start + (end - start) * i / steps
        send(QEvent.Type.MouseMove, at, Qt.MouseButton.LeftButton)
    send(QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)


def _same(a, b, tol=1e-6) -> bool:
    return abs(a[0] - b[0]) <= tol * max(1.0, abs(a[0])) and abs(a[1] - b[1]) <= tol * max(1.0, abs(a[1]))


def _curve_point(c, run: str, i: int) -> QPoint:
    """Where point ``i`` of ``run``'s curve is drawn, in the plot viewport's pixels."""
    k = next(k for k in c.curves if k.experiment == run)
    scene = _vb(c).mapViewToScene(QPointF(float(k.line.xData[i]), float(k.line.yData[i])))
    return c.plot.mapFromScene(scene)


def test_a_wheel_zoom_on_one_chart_zooms_every_chart_of_its_x_axis_and_they_fetch_that_range(
        linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss, acc, lr, wall = (charts[n] for n in (*STEP_CHARTS, "loss by time"))
    wall_before = _x(wall)
    follows = grid.links.follows
    _wheel(loss, _plot_point(loss, 0.3))
    zoomed = _x(loss)
    assert zoomed[1] - zoomed[0] < 900  # the chart under the wheel zoomed in
    # the others of its x axis show the same range (on the turns the grid gives them)
    qtbot.waitUntil(lambda: all(_same(_x(c), zoomed) for c in (acc, lr)), timeout=5000)
    for c in (acc, lr):
        assert not _vb(c).autoRangeEnabled()[0] and _vb(c).autoRangeEnabled()[1]  # y still fits
    assert grid.links.follows - follows == 2  # told once each; no follower told it again
    assert _x(wall) == wall_before  # a wall-time chart does not take a step range
    # each follower reads views of the new range itself (its own rate-limited range handler)
    qtbot.waitUntil(lambda: all(c.fetched_range() is not None and c.drawn for c in (acc, lr)), timeout=10000)
    for c in (acc, lr):
        lo, hi = c.fetched_range()
        assert lo <= zoomed[0] and hi >= zoomed[1]
    # a Ctrl+wheel zooms y only: nobody's x moves
    _wheel(acc, _plot_point(acc), mods=Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not grid.following(), timeout=5000)
    assert _same(_x(loss), zoomed) and _same(_x(lr), zoomed)


def test_gestures_faster_than_the_charts_paint_move_each_follower_once_to_the_latest_range(
        linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss, acc, lr = (charts[n] for n in STEP_CHARTS)
    moves = {c.chart.name: [] for c in (acc, lr)}
    for c in (acc, lr):
        _vb(c).sigXRangeChanged.connect(lambda _vb, r, n=c.chart.name: moves[n].append(tuple(r)))
    for _ in range(3):  # three wheel steps within one turn of the event loop
        _wheel(loss, _plot_point(loss, 0.5))
    last = _x(loss)
    qtbot.waitUntil(lambda: not grid.following() and all(_same(_x(c), last) for c in (acc, lr)), timeout=5000)
    for name, seen in moves.items():
        assert len(seen) == 1 and _same(seen[0], last), (name, seen)  # coalesced: the latest range, once


def test_a_drag_pans_every_chart_of_its_x_axis_and_reset_view_resets_them_all(linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss, acc, lr, wall = (charts[n] for n in (*STEP_CHARTS, "loss by time"))
    _wheel(acc, _plot_point(acc))  # zoomed in first, so a pan has room
    before = _x(acc)
    _drag(acc, _plot_point(acc, 0.7), _plot_point(acc, 0.3))
    panned = _x(acc)
    assert panned[0] > before[0] + 1  # dragged left: later steps come into view
    qtbot.waitUntil(lambda: _same(_x(loss), panned) and _same(_x(lr), panned), timeout=5000)
    wall_x = _x(wall)
    # the wall-time chart links with wall-time charts only: its own drag moves none of the others
    _drag(wall, _plot_point(wall, 0.6), _plot_point(wall, 0.4))
    qtbot.waitUntil(lambda: not grid.following(), timeout=5000)
    assert _x(wall) != wall_x and _same(_x(loss), panned)
    # Reset view from one chart's menu: every chart of its x axis fits its data again
    lr.reset_action.trigger()
    for c in (loss, acc, lr):
        assert _vb(c).autoRangeEnabled()[0], c.chart.name
    qtbot.waitUntil(lambda: all(_x(c)[0] <= 0 and _x(c)[1] >= 999 for c in (loss, acc, lr)), timeout=5000)
    assert not _vb(wall).autoRangeEnabled()[0]  # the wall chart was not reset: another x axis


def test_link_x_axes_is_a_view_toggle_that_is_remembered(linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss, acc = charts["loss"], charts["acc"]
    assert w.link_x_action.isChecked()  # on by default
    view = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "View")
    assert w.link_x_action in view.actions()
    w.link_x_action.trigger()  # off
    assert not w.link_x_action.isChecked()
    acc_x = _x(acc)
    _wheel(loss, _plot_point(loss))
    assert not grid.following()
    settle(qtbot, w)
    assert _x(acc) == acc_x  # each chart zooms alone
    assert w.settings.get(prefs.LINK_X) is False
    w2 = open_win(linked_store, "lp")
    assert not w2.link_x_action.isChecked() and not w2.tabs.grids["Set"].links.enabled
    w2.link_x_action.trigger()
    assert w.settings.get(prefs.LINK_X) is True


def test_one_crosshair_stands_in_every_chart_of_the_x_axis_and_goes_when_the_pointer_leaves(
        linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss, acc, lr, wall = (charts[n] for n in (*STEP_CHARTS, "loss by time"))
    pos = _plot_point(loss, 0.4)
    qtbot.mouseMove(loss.plot.viewport(), pos)
    qtbot.waitUntil(lambda: loss.vline.isVisible() and acc.vline.isVisible() and lr.vline.isVisible(), timeout=3000)
    x = _vb(loss).mapSceneToView(loss.plot.mapToScene(pos)).x()
    for c in (acc, lr):
        assert abs(c.vline.value() - x) < 1e-6, c.chart.name  # at the pointer's x
        dots = c._cross_dots.getData()
        assert len(dots[0]) == 2  # each curve's own point there
        for k in c.curves:
            i = int(np.argmin(np.abs(k.line.xData - x)))
            assert any(abs(px - k.line.xData[i]) < 1e-9 and abs(py - k.line.yData[i]) < 1e-9
                       for px, py in zip(*dots))
        assert not c.readout.isVisible()  # one read-out table: the chart under the pointer's
    assert not wall.vline.isVisible()  # another x axis: a step is not a time
    assert loss.readout.isVisible()
    # the pointer moves on to another chart: the line follows it there
    pos2 = _plot_point(acc, 0.7)
    QApplication.sendEvent(loss.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.mouseMove(acc.plot.viewport(), pos2)
    x2 = _vb(acc).mapSceneToView(acc.plot.mapToScene(pos2)).x()
    qtbot.waitUntil(lambda: loss.vline.isVisible() and abs(loss.vline.value() - x2) < 1e-6, timeout=3000)
    assert not loss.readout.isVisible() and acc.readout.isVisible()
    # it leaves the plot: no line anywhere
    QApplication.sendEvent(acc.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: not any(c.vline.isVisible() for c in (loss, acc, lr, wall)), timeout=3000)
    assert not any(len(c._cross_dots.getData()[0]) for c in (loss, lr) if c._cross_dots is not None)


def _tree_selection(w) -> set[str]:
    return {r.data(EXPERIMENT_ROLE) for r in w.tree.view.selectionModel().selectedRows(0)} - {None}


def _table_selection(w) -> set[str]:
    names = w.runs_table.model.names()
    return {names[i.row()] for i in w.runs_table.view.selectionModel().selectedRows(0)}


def test_a_click_on_a_curve_selects_its_run_and_ctrl_click_takes_it_out(linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss = charts["loss"]
    # a click far from both lines changes nothing
    on_alpha, on_beta = _curve_point(loss, "alpha", 500), _curve_point(loss, "beta", 500)
    between = QPoint(on_alpha.x(), (on_alpha.y() + on_beta.y()) // 2)
    assert abs(on_alpha.y() - on_beta.y()) > 40  # the lines are far apart here
    qtbot.mouseClick(loss.plot.viewport(), Qt.MouseButton.LeftButton, pos=between)
    assert w.ws.selection() == RUNS
    # on beta's line (a pixel off it): beta alone is selected, in the tree, the runs table and the charts
    qtbot.mouseClick(loss.plot.viewport(), Qt.MouseButton.LeftButton, pos=_curve_point(loss, "beta", 300) + QPoint(0, 1))
    assert w.ws.selection() == ["beta"]
    qtbot.waitUntil(lambda: _tree_selection(w) == {"beta"} and _table_selection(w) == {"beta"}, timeout=3000)
    qtbot.waitUntil(lambda: all(c.drawn and [k.experiment for k in c.curves] == ["beta"] for c in grid.charts),
                    timeout=10000)
    # Ctrl+click on a line of a selected run takes it out of the selection
    w.ws.select_experiments(RUNS)
    qtbot.waitUntil(lambda: all(c.drawn and len(c.curves) == 2 for c in grid.charts), timeout=10000)
    settle(qtbot, w)
    acc = charts["acc"]
    qtbot.mouseClick(acc.plot.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     _curve_point(acc, "alpha", 700))
    assert w.ws.selection() == ["beta"]
    qtbot.waitUntil(lambda: _tree_selection(w) == {"beta"}, timeout=3000)
    # a click on a legend entry still hides the curve (it does not select)
    acc = charts["acc"]
    qtbot.waitUntil(lambda: acc.drawn and len(acc.curves) == 1, timeout=10000)
    rect = acc.legend.visualItemRect(acc.legend.item(0))
    qtbot.mouseClick(acc.legend.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not acc.curves[0].line.isVisible() and w.ws.selection() == ["beta"]


def test_a_legend_entry_under_the_pointer_widens_its_runs_curves_in_every_chart(linked_store, open_win, qtbot):
    w, grid, charts = _open(open_win, linked_store, qtbot)
    loss = charts["loss"]
    legend = loss.legend
    row = next(i for i, k in enumerate(loss.curves) if k.experiment == "beta")
    qtbot.mouseMove(legend.viewport(), legend.visualItemRect(legend.item(row)).center())

    def wide(c):
        return {k.experiment for k in c.curves if k.line.opts["pen"].width() == 3}

    qtbot.waitUntil(lambda: all(wide(c) == {"beta"} for c in grid.charts), timeout=3000)
    assert all([k.experiment for k in c.emphasized()] == ["beta"] for c in grid.charts)
    QApplication.sendEvent(legend.viewport(), QEvent(QEvent.Type.Leave))
    QApplication.sendEvent(legend, QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: all(not wide(c) for c in grid.charts), timeout=3000)
