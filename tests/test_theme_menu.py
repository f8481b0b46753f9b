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
    widget = card.plot_widget if hasattr(card, "plot_widget") else card.plot  # a sweep view's, or a chart's
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
    # the charts were made anew: the keyboard focus stays on them, not in the tree's filter box
    # (the window's focus widget: what has the keys whenever the window is active)
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
