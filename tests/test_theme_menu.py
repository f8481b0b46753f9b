"""View > Theme (System / Light / Dark), found missing in a hands-on walk (the dark theme was only
the command line's ``--theme dark``): each is a checkable action; the choice is saved in the
machine's preferences, taken at once by every open window (palette and charts drawn anew in its
plot colours) and by charts and windows made later, and used again at the next start."""
from __future__ import annotations

from collections import Counter

import pytest
from gui_helpers import menu_action, settle
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from chartdesk.app import preferences as prefs
from chartdesk.gui.app import make_app
from chartdesk.gui.settings import Settings
from chartdesk.gui.theme import SYSTEM, dark_palette, theme_switch

DARK_BASE = dark_palette().color(QPalette.ColorRole.Base).name()  # #1e1f22
DARK_WINDOW = dark_palette().color(QPalette.ColorRole.Window).name()


@pytest.fixture(autouse=True)
def back_to_system():
    yield
    theme_switch().set(SYSTEM)  # the next test starts as an application does


def view_menu(w):
    return next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "View")


def pick_theme(w, words: str) -> None:
    menu_action(view_menu(w), "Theme", words).trigger()


def checked_theme(w) -> str:
    menu = next(a.menu() for a in view_menu(w).actions() if a.text().replace("&", "") == "Theme")
    ticked = [a.text() for a in menu.actions() if a.isChecked()]
    assert len(ticked) == 1, ticked
    return ticked[0]


def plot_background(card) -> str:
    """The colour most of the chart's plot is painted in (what a person sees behind the curves)."""
    return most_painted(card.plot_widget if hasattr(card, "plot_widget") else card.plot)  # a sweep view's, or a chart's


def most_painted(widget) -> str:
    """The colour most of a widget is painted in."""
    img = widget.grab().toImage()
    seen = Counter(img.pixelColor(x, y).name() for x in range(0, img.width(), 4) for y in range(0, img.height(), 4))
    return seen.most_common(1)[0][0]


def charts(qtbot, w):
    settle(qtbot, w)
    cards = w.tabs.visible_grid().charts
    assert cards
    return cards


def test_view_theme_dark_turns_every_open_window_and_its_charts_dark_and_is_saved(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.resize(1366, 768)
    light_base = w.palette().color(QPalette.ColorRole.Base).name()
    assert light_base != DARK_BASE
    assert checked_theme(w) == "System"
    assert {plot_background(c) for c in charts(qtbot, w)} == {light_base}
    other = open_win(demo_store, "cifar10", "resnet18")  # a second window, open at the same time
    w.activateWindow()
    card = charts(qtbot, w)[0]
    qtbot.mouseClick(card.plot.viewport(), Qt.MouseButton.LeftButton, pos=card.plot.viewport().rect().center())
    grid = w.tabs.visible_grid()
    qtbot.waitUntil(lambda: grid.isAncestorOf(QApplication.focusWidget()))

    pick_theme(w, "Dark")
    for win in (w, other):
        qtbot.waitUntil(lambda win=win: win.palette().color(QPalette.ColorRole.Window).name() == DARK_WINDOW)
        assert win.tree.view.palette().color(QPalette.ColorRole.Base).name() == DARK_BASE
        assert checked_theme(win) == "Dark"
        qtbot.waitUntil(lambda win=win: {plot_background(c) for c in charts(qtbot, win)} == {DARK_BASE}, timeout=15000)
    assert Settings().get(prefs.THEME) == "dark"
    # the keyboard focus stays on the charts, not in the tree's filter box (the window's focus
    # widget: what has the keys whenever the window is active)
    assert w.focusWidget() is not w.tree.filter_edit and grid.isAncestorOf(w.focusWidget()), w.focusWidget()

    # a chart made later is dark too: another run's own tab, then a window opened now
    w.ws.select_experiments(["adam-lr1e-3"])
    w.tabs.setCurrentIndex(w.tabs.count() - 1)
    qtbot.waitUntil(lambda: {plot_background(c) for c in charts(qtbot, w)} == {DARK_BASE}, timeout=15000)
    third = open_win(demo_store, "mnist", "adam-lr1e-3")
    assert checked_theme(third) == "Dark"
    assert {plot_background(c) for c in charts(qtbot, third)} == {DARK_BASE}

    # Light from another window: all follow, back to the light plot background
    pick_theme(other, "Light")
    for win in (w, other, third):
        qtbot.waitUntil(lambda win=win: win.palette().color(QPalette.ColorRole.Base).name() == light_base)
        assert checked_theme(win) == "Light"
        qtbot.waitUntil(lambda win=win: {plot_background(c) for c in charts(qtbot, win)} == {light_base},
                        timeout=15000)
    assert Settings().get(prefs.THEME) == "light"

    pick_theme(third, "System")
    assert Settings().get(prefs.THEME) == "system" and checked_theme(w) == "System"
    assert QApplication.instance().palette().color(QPalette.ColorRole.Window) == QPalette().color(
        QPalette.ColorRole.Window)


def test_the_saved_theme_is_used_at_the_next_start_and_the_command_line_overrides_it(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    pick_theme(w, "Dark")
    w.close()
    theme_switch().set(SYSTEM)  # as a new process starts: nothing set
    app = make_app()  # what ``chartdesk`` does at start (``--theme auto``)
    assert app.palette().color(QPalette.ColorRole.Window).name() == DARK_WINDOW
    again = open_win(demo_store, "mnist", "baseline-sgd")
    assert checked_theme(again) == "Dark"
    assert {plot_background(c) for c in charts(qtbot, again)} == {DARK_BASE}
    again.close()
    theme_switch().set(SYSTEM)
    make_app(theme="light")  # ``--theme light``: this session only
    assert theme_switch().theme == "light" and Settings().get(prefs.THEME) == "dark"


def test_a_theme_the_settings_file_cannot_mean_is_the_system_one_with_a_warning(qtbot, caplog):
    from chartdesk.gui.settings import make_settings

    make_settings().setValue(prefs.THEME.name, "purple")
    with caplog.at_level("WARNING"):
        make_app()
    assert theme_switch().theme == SYSTEM
    assert any("view/theme is 'purple'" in r.getMessage() and "ChartDesk.ini" in r.getMessage()
               for r in caplog.records), caplog.text


def test_the_sweep_views_open_when_the_theme_changes_take_its_colours_and_keep_their_axes(demo_store, open_win,
                                                                                          qtbot):
    """Runs > Scatter of runs… and Parallel coordinates… open while View > Theme changes are drawn
    again in the theme's plot colours (they kept the old ground until reopened), their axes and
    runs as they were."""
    from chartdesk.gui.theme import plot_colors

    w = open_win(demo_store, "sweep")
    w.ws.select_experiments(demo_store.experiments("sweep"))
    runs = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Runs")
    runs.aboutToShow.emit()
    views = []
    for text, attr in (("Scatter of runs…", "scatter_view"), ("Parallel coordinates…", "parallel_view")):
        menu_action(runs, text).trigger()
        view = getattr(w.sweep_views, attr)
        qtbot.waitUntil(lambda v=view: v.isVisible() and v.ready(), timeout=20000)
        views.append(view)
    pick_theme(w, "Light")
    light = QColor(plot_colors()[0]).name()
    qtbot.waitUntil(lambda: all(plot_background(v) == light for v in views), timeout=5000)
    before = [(v.x_box.currentText(), v.y_box.currentText()) if hasattr(v, "x_box") else list(v.keys) for v in views]
    pick_theme(w, "Dark")
    dark = QColor(plot_colors()[0]).name()
    assert dark != light
    qtbot.waitUntil(lambda: all(plot_background(v) == dark for v in views), timeout=5000)
    after = [(v.x_box.currentText(), v.y_box.currentText()) if hasattr(v, "x_box") else list(v.keys) for v in views]
    assert after == before
    parallel = views[1]
    assert parallel.plot.getAxis("bottom").textPen().color().name() == QColor(plot_colors()[1]).name()


# ---- the open charts take the theme in place (issue 21) ---------------------------------------------------------
def _wheel(c, fx: float, mods=Qt.KeyboardModifier.NoModifier) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent

    vb = c.plot.getPlotItem().getViewBox()
    r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    pos = QPoint(int(r.left() + fx * r.width()), int(r.center().y()))
    vp = c.plot.viewport()
    QApplication.sendEvent(vp, QWheelEvent(QPointF(pos), QPointF(vp.mapToGlobal(pos)), QPoint(0, 0), QPoint(0, 240),
                                           Qt.MouseButton.NoButton, mods, Qt.ScrollPhase.NoScrollPhase, False))


def _colours(card) -> dict:
    """The colours a person sees on a chart, read from its widgets."""
    item = card.plot.getPlotItem()
    hidden = next(r for r in range(card.legend.count()) if not card.legend.is_shown(r))
    shown = next(r for r in range(card.legend.count()) if card.legend.is_shown(r))
    legend_pal = card.legend.palette()
    return {
        "background": plot_background(card),
        "axis": {item.getAxis(s).pen().color().name() for s in ("left", "bottom")},
        "ticks": {item.getAxis(s).textPen().color().name() for s in ("left", "bottom")},
        "x label": QColor(item.getAxis("bottom").labelStyle["color"]).name(),
        "hover line": card.vline.pen.color().name(),
        # a hidden entry's text, a shown one's (an item with no colour of its own: the view's text colour)
        "hidden entry": card.legend.item(hidden).foreground().color().name(),
        "shown entry": (card.legend.item(shown).foreground().color().name()
                        if card.legend.item(shown).data(Qt.ItemDataRole.ForegroundRole) is not None
                        else legend_pal.color(QPalette.ColorRole.Text).name()),
        "hover table": Counter(card.readout.grab().toImage().pixelColor(x, 1).name()
                               for x in range(2, card.readout.width() - 2)).most_common(1)[0][0],
    }


def test_a_theme_switch_recolours_the_open_charts_in_place_keeping_zoom_fixed_y_hidden_curves_and_hover(
        store, open_win, qtbot, tmp_path):
    import numpy as np

    x = np.arange(0, 500, dtype=np.float64)
    for i, run in enumerate(("alpha", "beta", "gamma")):
        store.create_experiment("p", run)
        store.append_many("p", run, {"loss": (x, 1 / (1 + x / 50) + i, x), "acc": (x, x / 500 + i, x)})
    store.set_chart_set("p", "S", [{"name": "Loss", "series": ["channel:loss"]},
                                   {"name": "Acc", "series": ["channel:acc"]}])
    w = open_win(store, "p", "alpha")
    w.resize(1366, 768)
    pick_theme(w, "Light")
    w.ws.select_experiments(["alpha", "beta", "gamma"])
    grid = w.grids["S"]
    qtbot.waitUntil(lambda: len(grid.charts) == 2 and all(c.drawn and len(c.curves) == 3 for c in grid.charts),
                    timeout=15000)
    settle(qtbot, w)
    loss, acc = grid.charts
    _wheel(loss, 0.3)  # zoom x: the tab's other chart follows (linked x)
    _wheel(loss, 0.5, Qt.KeyboardModifier.ControlModifier)  # zoom y only: y fixed, the header says so
    qtbot.waitUntil(lambda: loss.y_fixed_label.isVisible(), timeout=3000)
    legend = loss.legend
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=legend.visualItemRect(legend.item(1)).center())
    hidden = [k.experiment for k in loss.curves if not k.visible]
    assert len(hidden) == 1
    # the pointer rests over the loss chart: the hover table and the crosshair in the acc chart
    qtbot.mouseMove(loss.plot.viewport(), loss.plot.viewport().rect().center())
    qtbot.waitUntil(lambda: loss.readout.isVisible() and acc.vline.isVisible(), timeout=3000)
    vb = {c: c.plot.getPlotItem().getViewBox() for c in (loss, acc)}
    qtbot.waitUntil(lambda: vb[acc].viewRange()[0] == vb[loss].viewRange()[0], timeout=3000)
    views = {c: c.plot.getPlotItem().getViewBox().viewRange() for c in (loss, acc)}
    lines = {c: [k.line for k in c.curves] for c in (loss, acc)}
    assert views[loss][0] == views[acc][0] and views[loss][0][1] - views[loss][0][0] < 450  # zoomed, linked
    light = _colours(loss)

    def same_charts_as_they_were():
        assert grid.charts == [loss, acc]  # the same card objects: nothing was made again
        for c in (loss, acc):
            assert c.plot.getPlotItem().getViewBox().viewRange() == views[c]  # x and y as zoomed
            assert [k.line for k in c.curves] == lines[c]
        assert loss.y_fixed() and loss.y_fixed_label.isVisible()
        assert [k.experiment for k in loss.curves if not k.visible] == hidden and not legend.is_shown(1)
        assert legend.item(1).font().strikeOut()
        assert loss.readout.isVisible() and acc.vline.isVisible()  # the hover stayed

    for theme in ("Dark", "Light"):
        pick_theme(w, theme)
        qtbot.waitUntil(lambda: QApplication.instance().palette().color(QPalette.ColorRole.Window).name()
                        == w.palette().color(QPalette.ColorRole.Window).name())
        settle(qtbot, w)
        same_charts_as_they_were()
        pal = loss.palette()  # the card's palette now: what its plot colours follow
        base, text = pal.color(QPalette.ColorRole.Base).name(), pal.color(QPalette.ColorRole.Text).name()
        now = _colours(loss)
        assert now["background"] == base and now["axis"] == {text} and now["ticks"] == {text}, now
        assert now["x label"] == text and now["hover line"] == text and now["shown entry"] == text, now
        assert now["hidden entry"] == pal.color(QPalette.ColorRole.PlaceholderText).name(), now
        assert now["hover table"] == loss.readout.palette().color(QPalette.ColorRole.ToolTipBase).name(), now
        assert plot_background(acc) == base
        from PySide6.QtGui import QImage

        loss.export(str(tmp_path / f"{theme}.png"))  # a picture of it now: on this theme's ground too
        img = QImage(str(tmp_path / f"{theme}.png"))
        assert Counter(img.pixelColor(x, y).name() for x in range(0, img.width(), 7)
                       for y in range(0, img.height(), 7)).most_common(1)[0][0] == base
        if theme == "Dark":
            assert base == DARK_BASE
            assert all(now[k] != light[k] for k in light), (now, light)  # not one colour kept from the light theme
            dark = now
        else:
            assert now == light and dark != light


def test_a_theme_switch_recolours_a_grouped_charts_run_count_strip_in_place(store, open_win, qtbot):
    import numpy as np
    from gui_helpers import key

    x = np.arange(0, 200, dtype=np.float64)
    for i, run in enumerate(("a-1", "a-2", "b-1", "b-2")):
        store.create_experiment("p", run, params={"kind": run[0]})
        store.append("p", run, "loss", x, 1 / (1 + x / 20) + i)
    store.set_chart_set("p", "S", [{"name": "Loss", "series": ["channel:loss"]}])
    w = open_win(store, "p", "a-1")
    pick_theme(w, "Light")
    w.ws.select_experiments(["a-1", "a-2", "b-1", "b-2"])
    card = w.grids["S"].charts[0]
    key(qtbot, w, "Ctrl+G")
    qtbot.keyClicks(w.runs_table.group_edit, "kind")
    qtbot.keyClick(w.runs_table.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: card.drawn and card.grouped and card.strip is not None, timeout=10000)
    settle(qtbot, w)
    strip = card.strip
    for theme in ("Dark", "Light"):
        pick_theme(w, theme)
        settle(qtbot, w)
        assert card.strip is strip and card.grouped and w.grids["S"].charts[0] is card
        pal = card.palette()
        base, text = pal.color(QPalette.ColorRole.Base).name(), pal.color(QPalette.ColorRole.Text).name()
        assert most_painted(strip) == base == plot_background(card)
        axis = strip.getPlotItem().getAxis("left")
        assert axis.pen().color().name() == text and axis.textPen().color().name() == text
        assert QColor(axis.labelStyle["color"]).name() == text
        assert (base == DARK_BASE) == (theme == "Dark")
