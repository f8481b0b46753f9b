"""What a chart shows agrees with its data: the hover line and read-out name only what is under the
pointer now (they go when a menu, a dialog or another window takes the pointer, and are worked out
again when what is plotted changes), and an exported figure holds the whole legend (every entry, no
scrollbar) and no hover marks, through the one picture path that ``chartdesk render`` uses too."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
from gui_helpers import answer_next_dialog, chart, key, menu_action, settle, svg_picture
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog

from chartdesk.curves import format_y
from chartdesk.gui.legend import Legend

THREE = ["lr0.03-seed0", "lr0.03-seed1", "lr0.03-seed2"]
DATE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")
CLOCK = re.compile(r"^-?\d+:\d\d:\d\d(\.\d)?$")
STEP = re.compile(r"^step \S+$")


def _open(open_win, store, qtbot, runs, name="Loss"):
    w = open_win(store, "sweep", runs[0])
    w.ws.select_experiments(runs)
    c = chart(w, "Sweep", name)
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == len(runs), timeout=10000)
    settle(qtbot, w)
    return w, c


def _plot_point(c, fx=0.5, fy=0.5) -> QPoint:
    """A point of the plot area (fractions of its width and height), in the plot viewport's pixels."""
    vb = c.plot.getPlotItem().getViewBox()
    r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    return QPoint(int(r.left() + fx * r.width()), int(r.top() + fy * r.height()))


def _x_text(c) -> str:
    return c.readout.x_text()


def _read(c) -> dict[str, str]:
    """What the read-out table says of each curve it names: {label: value as written}."""
    return {r.label: r.value for r in c.readout.rows()}


def _named(c) -> list[str]:
    """The curve labels the read-out names."""
    return list(_read(c))


def _x_at(c, pos: QPoint) -> float:
    vb = c.plot.getPlotItem().getViewBox()
    return vb.mapSceneToView(c.plot.mapToScene(pos)).x()


def _line_at(c, pos: QPoint) -> bool:
    """The hover line stands where the pointer is (within two pixels; with one curve shown, on its
    point nearest the pointer: the demo runs log every 10 steps)."""
    vb = c.plot.getPlotItem().getViewBox()
    one = sum(k.visible for k in c.curves) == 1
    return c.vline.isVisible() and abs(c.vline.value() - _x_at(c, pos)) <= 2 * vb.viewPixelSize()[0] + 10 * one


def _highlighted(c) -> list:
    return [k for k in c.curves if k.line is not None and k.line.opts["pen"].width() != k.pen().width()]


def _hover_gone(c) -> bool:
    return not c.vline.isVisible() and not c.readout.isVisible() and not _highlighted(c)


def _hover_shown(c) -> bool:
    return c.vline.isVisible() and bool(_named(c))


def _drawn_at(c, pos: QPoint) -> dict:
    """The visible curves drawn at the pointer's x (first point to last, give or take 4 pixels)."""
    x = _x_at(c, pos)
    reach = 4 * c.plot.getPlotItem().getViewBox().viewPixelSize()[0]
    return {k.label: k for k in c.curves if k.visible and len(k.x) and k.x.min() - reach <= x <= k.x.max() + reach}


def _reads_true(c, pos: QPoint) -> bool:
    """The hover is what the plot shows now under the pointer at ``pos``: the line there, the
    curves drawn there named (and no other), each with its value there."""
    if not (_hover_shown(c) and _line_at(c, pos)):
        return False
    drawn = _drawn_at(c, pos)
    said = _read(c)
    if set(said) != set(drawn):  # every curve drawn there, and no other
        return False
    x = _x_at(c, pos)
    return all(_says(value, float(drawn[label].values[int(np.argmin(np.abs(drawn[label].x - x)))]))
               for label, value in said.items())


def _says(text: str, value: float) -> bool:
    """The read-out's text is ``value`` (written with its column's precision: 6 significant digits
    of it at least, ``nan``/``inf`` spelled out)."""
    if not np.isfinite(value):
        return text == format_y(value)
    return bool(np.isclose(float(text), value, rtol=1e-5, atol=1e-300))


def _true_now(c, x_format: re.Pattern, pos: QPoint) -> bool:
    """``_reads_true``, with x written in the axis' own terms."""
    return _reads_true(c, pos) and bool(x_format.match(_x_text(c)))


def _hover(qtbot, c, pos: QPoint) -> None:
    qtbot.mouseMove(c.plot.viewport(), pos)
    qtbot.waitUntil(lambda: _reads_true(c, pos), timeout=3000)


# ---- the hover ----------------------------------------------------------------------------------


def test_the_hover_goes_when_the_charts_menu_opens_and_is_read_again_after_the_x_axis_changes(
        demo_store, open_win, qtbot):
    w, c = _open(open_win, demo_store, qtbot, THREE)
    vp = c.plot.viewport()
    pos = _plot_point(c)
    _hover(qtbot, c, pos)
    assert STEP.match(_x_text(c)) and set(_named(c)) == {k.label for k in c.curves}
    assert len(_highlighted(c)) == 1
    # a right click opens ChartDesk's menu over the plot: the pointer is on the menu now
    qtbot.mouseClick(vp, Qt.MouseButton.RightButton, pos=pos)
    qtbot.waitUntil(c.menu.isVisible, timeout=3000)
    qtbot.waitUntil(lambda: _hover_gone(c), timeout=3000)
    # X axis > Wall time, from that menu
    xmenu = next(a.menu() for a in c.menu.actions() if a.text() == "X axis")
    next(a for a in xmenu.actions() if a.text() == "Wall time").trigger()
    c.menu.hide()
    qtbot.waitUntil(lambda: demo_store.chart_sets("sweep")["Sweep"][1].get("x_axis") == "wall", timeout=5000)
    qtbot.waitUntil(lambda: c.drawn and c.x_mode() == "wall", timeout=10000)
    assert _hover_gone(c) or _true_now(c, DATE, pos)  # redrawn in wall time: no step of before
    # the pointer moves on the plot again: the values there, in wall time
    pos = pos + QPoint(1, 0)
    _hover(qtbot, c, pos)
    assert _true_now(c, DATE, pos)
    # the x axis changes while the pointer rests on the plot (the action without its menu, as
    # a shortcut or an undo would): the read-out follows, never a date on a relative axis
    menu_action(c.menu, "X axis", "Relative time (s)").trigger()
    qtbot.waitUntil(lambda: c.drawn and c.x_mode() == "relative", timeout=10000)
    qtbot.waitUntil(lambda: _true_now(c, CLOCK, pos), timeout=5000)
    w.undo_action.trigger()  # back to wall time
    qtbot.waitUntil(lambda: c.drawn and c.x_mode() == "wall" and _true_now(c, DATE, pos), timeout=10000)


def test_the_read_out_names_only_the_curves_drawn_under_the_pointer(demo_store, open_win, qtbot):
    # lr0.3-seed4 stopped at half its steps; lr0.01-seed4 started hours after lr0.3-seed0 ended
    _w, c = _open(open_win, demo_store, qtbot, ["lr0.3-seed0", "lr0.3-seed4", "lr0.01-seed4"])
    label = {k.experiment: k.label for k in c.curves}
    late = _plot_point(c, 0.85)
    assert _x_at(c, late) > c.curves[[k.experiment for k in c.curves].index("lr0.3-seed4")].x.max()
    _hover(qtbot, c, late)
    assert sorted(_named(c)) == sorted([label["lr0.3-seed0"], label["lr0.01-seed4"]])
    assert STEP.match(_x_text(c))
    menu_action(c.menu, "X axis", "Wall time").trigger()
    qtbot.waitUntil(lambda: c.drawn and c.x_mode() == "wall", timeout=10000)
    for fx, run in ((0.05, "lr0.3-seed0"), (0.95, "lr0.01-seed4")):
        pos = _plot_point(c, fx)
        _hover(qtbot, c, pos)
        assert _named(c) == [label[run]] and _true_now(c, DATE, pos)
    # hours after the first two runs ended and before the third began, nothing is drawn: no read-out
    k = {k.experiment: k for k in c.curves}
    mid = (k["lr0.3-seed0"].x.max() + k["lr0.01-seed4"].x.min()) / 2
    assert k["lr0.3-seed4"].x.max() < mid
    vb = c.plot.getPlotItem().getViewBox()
    gap = c.plot.mapFromScene(vb.mapViewToScene(QPointF(mid, 0.5)))
    qtbot.mouseMove(c.plot.viewport(), QPoint(gap.x(), _plot_point(c).y()))
    qtbot.waitUntil(lambda: _hover_gone(c), timeout=3000)


def test_grouping_and_a_new_selection_under_a_resting_pointer_read_out_what_is_drawn(demo_store, open_win, qtbot):
    w, c = _open(open_win, demo_store, qtbot, THREE)
    pos = _plot_point(c, 0.4, 0.5)
    _hover(qtbot, c, pos)
    runs = set(_named(c))
    assert len(runs) == 3 and all("seed=" in n for n in runs)
    # Ctrl+G and typing a grouping: the keyboard works, the pointer stays on the plot
    key(qtbot, w, "Ctrl+G")
    rt = w.runs_table
    qtbot.keyClicks(rt.group_edit, "lr")
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.drawn and c.grouped, timeout=10000)
    qtbot.waitUntil(lambda: _true_now(c, STEP, pos), timeout=5000)
    assert _named(c) == ["lr=0.03 (3 runs)"] and "n=3" in c.readout.text()
    rt.group_edit.clear()
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: c.drawn and not c.grouped, timeout=10000)
    qtbot.waitUntil(lambda: _true_now(c, STEP, pos) and set(_named(c)) == runs, timeout=5000)
    # other runs selected: the values of those (their labels read alike: seed=0, seed=1)
    others = ["lr0.3-seed0", "lr0.3-seed1"]
    w.ws.select_experiments(others)
    qtbot.waitUntil(lambda: c.drawn and {k.experiment for k in c.curves} == set(others), timeout=10000)
    qtbot.waitUntil(lambda: _true_now(c, STEP, pos), timeout=5000)
    assert len(_named(c)) == 2


def test_hiding_a_curve_from_the_legend_leaves_no_read_out_of_it(demo_store, open_win, qtbot):
    _w, c = _open(open_win, demo_store, qtbot, THREE)
    pos = _plot_point(c, 0.6, 0.5)
    _hover(qtbot, c, pos)
    first = _named(c)[0]
    row = [k.label for k in c.curves].index(first)
    legend = c.legend
    at = legend.visualItemRect(legend.item(row)).center()
    qtbot.mouseMove(legend.viewport(), at)
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=at)
    assert not c.curves[row].visible and not legend.is_shown(row)
    assert first not in _named(c)
    qtbot.waitUntil(lambda: _hover_gone(c), timeout=3000)  # the pointer is on the legend, not the plot
    _hover(qtbot, c, pos)  # back on the plot: the two curves still shown
    assert first not in _named(c) and len(_named(c)) == 2
    # the legend's click reaches it while the plot still has the pointer (the legend takes no focus
    # and no pointer of its own here): the read-out drops the hidden curve at once
    second = _named(c)[0]
    row2 = [k.label for k in c.curves].index(second)
    at2 = legend.visualItemRect(legend.item(row2)).center()
    from PySide6.QtGui import QMouseEvent

    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        ev = QMouseEvent(kind, QPointF(at2), QPointF(legend.viewport().mapToGlobal(at2)), Qt.MouseButton.LeftButton,
                         Qt.MouseButton.LeftButton if kind == QEvent.Type.MouseButtonPress else Qt.MouseButton.NoButton,
                         Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(legend.viewport(), ev)
    assert not c.curves[row2].visible
    assert second not in _named(c) and first not in _named(c)
    assert _true_now(c, STEP, pos) and len(_named(c)) == 1


def test_the_hover_tables_values_line_up_on_the_decimal_point(demo_store, open_win, qtbot):
    """The read-out's values are written with one precision, as a runs-table column is
    (``app.cells.number_format``): 0.853540 under 0.888844, not 0.85354."""
    runs = sorted(demo_store.experiments("sweep"))
    _w, c = _open(open_win, demo_store, qtbot, runs, "Eval accuracy")
    before = None
    for fx in (0.3, 0.55, 0.8):
        qtbot.mouseMove(c.plot.viewport(), _plot_point(c, fx, 0.5))
        qtbot.waitUntil(lambda before=before: c.readout.isVisible() and c.readout.x_text() != before
                        and len(c.readout.rows()) >= 10, timeout=10000)  # (a run or two ended before the end)
        before = c.readout.x_text()
        values = [r.value for r in c.readout.rows()]
        decimals = {len(v.partition(".")[2]) for v in values}
        assert len(decimals) == 1 and decimals != {0}, values
        assert {float(v) for v in values} == {float(f"{float(v):.6g}") for v in values}  # 6 significant digits kept
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))


def test_a_dialog_a_leave_or_another_window_takes_the_hover_away(demo_store, open_win, qtbot):
    w, c = _open(open_win, demo_store, qtbot, THREE)
    pos = _plot_point(c)
    _hover(qtbot, c, pos)
    # X axis > A channel or alias… opens a modal dialog: while it is open no hover is shown
    during = []

    def look_and_cancel(dlg):
        during.append((c.vline.isVisible(), c.readout.text().strip(), len(_highlighted(c))))
        dlg.reject()

    seen = answer_next_dialog(qtbot, look_and_cancel)
    menu_action(c.menu, "X axis", "A channel or alias…").trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    assert during == [(False, "", 0)]
    # Qt's Leave as a popup sends it, the pointer not moved
    _hover(qtbot, c, _plot_point(c, 0.3, 0.5))
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))
    assert _hover_gone(c)
    # the window loses activation (another window, a dialog of another program)
    _hover(qtbot, c, _plot_point(c, 0.7, 0.5))
    QApplication.sendEvent(w, QEvent(QEvent.Type.WindowDeactivate))
    assert _hover_gone(c)


# ---- exports ------------------------------------------------------------------------------------


def _menu_action(c, *path):
    menu = c.menu
    for text in path[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.text() == text)
    return next(a for a in menu.actions() if a.text() == path[-1])


def _export_through_menu(qtbot, c, path, *menu_path):
    def save_as(dlg):
        assert isinstance(dlg, QFileDialog)
        dlg.selectFile(str(path))
        dlg.accept()

    seen = answer_next_dialog(qtbot, save_as)
    _menu_action(c, *menu_path).trigger()
    qtbot.waitUntil(lambda: bool(seen) and path.exists() and path.stat().st_size > 0, timeout=10000)


def _near(p: QColor, c: QColor, tol: int = 24) -> bool:
    return abs(p.red() - c.red()) + abs(p.green() - c.green()) + abs(p.blue() - c.blue()) <= tol


def _colours_in(img: QImage, colours: list[str], top: int, bottom: int, left: int, right: int) -> set[str]:
    want = {name: QColor(name) for name in colours}
    found = set()
    for y in range(max(0, top), min(img.height(), bottom)):
        for x in range(max(0, left), min(img.width(), right)):
            p = img.pixelColor(x, y)
            for name, col in want.items():
                if name not in found and _near(p, col):
                    found.add(name)
    return found


def _svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(el.itertext()).strip() for el in root.iter() if el.tag.rpartition("}")[2] == "text"]


def _ink(img: QImage, top: int, bottom: int, left: int, right: int) -> int:
    """Pixels in the box that are not the box's most common colour (its background)."""
    counts: dict[int, int] = {}
    for y in range(top, bottom):
        for x in range(left, right):
            rgb = img.pixel(x, y)
            counts[rgb] = counts.get(rgb, 0) + 1
    return sum(counts.values()) - max(counts.values()) if counts else 0


def test_axes_painted_from_a_pixmap_on_screen_are_vectors_in_an_exported_svg(demo_store, open_win, qtbot, tmp_path):
    """On screen a chart's axes (their ticks, labels and grid) are painted from a cached pixmap,
    so a crosshair's strip does not replay them; an exported figure draws them as themselves:
    the SVG is the one made with no cache at all (tick labels as text), and the screen keeps
    its cache after the export."""
    from PySide6.QtWidgets import QGraphicsItem

    runs = sorted(demo_store.experiments("sweep"))[:3]
    _w, c = _open(open_win, demo_store, qtbot, runs)
    axes = [c.plot.getPlotItem().getAxis(n) for n in ("left", "bottom")]
    cached = QGraphicsItem.CacheMode.DeviceCoordinateCache
    assert all(a.cacheMode() == cached for a in axes)
    svg, plain = tmp_path / "loss.svg", tmp_path / "plain.svg"
    _export_through_menu(qtbot, c, svg, "Export SVG…")
    assert all(a.cacheMode() == cached for a in axes)  # the screen's cache is back
    for a in axes:
        a.setCacheMode(QGraphicsItem.CacheMode.NoCache)
    _export_through_menu(qtbot, c, plain, "Export SVG…")
    assert svg.read_text() == plain.read_text()
    values = axes[0].tickValues(*axes[0].range, axes[0].size().height())
    labels = [t for spacing, vals in values for t in axes[0].tickStrings(vals, 1.0, spacing) if t]
    assert labels and set(labels) & set(_svg_texts(svg)), labels  # the y axis' tick labels, as text


def test_an_exported_png_and_svg_hold_the_whole_legend_and_no_scrollbar(demo_store, open_win, qtbot, tmp_path):
    runs = sorted(demo_store.experiments("sweep"))
    _w, c = _open(open_win, demo_store, qtbot, runs, "Eval accuracy")  # long names: more rows than fit
    legend = c.legend
    labels = legend.labels()
    assert len(labels) == 20 and len(set(k.color for k in c.curves)) == 20
    # on screen the legend takes its share of the card and scrolls: whole rows of entries are out of view
    assert legend.height() <= Legend.BELOW_SHARE * c.height() + 2
    sb = legend.verticalScrollBar()
    assert sb.isVisible() and sb.maximum() > 0
    out_of_view = [i for i in range(legend.count()) if not legend.viewport().rect().intersects(
        legend.visualItemRect(legend.item(i)))]
    assert len(out_of_view) >= 2, out_of_view
    png, svg = tmp_path / "loss.png", tmp_path / "loss.svg"
    _export_through_menu(qtbot, c, png, "Export PNG", "1x…")
    _export_through_menu(qtbot, c, svg, "Export SVG…")
    # the SVG names every curve of the legend, as text
    texts = _svg_texts(svg)
    assert all(label in texts for label in labels), (labels, texts)
    # the PNG: taller than the card on screen, by the legend rows out of view
    img = QImage(str(png))
    assert img.width() == c.width()
    row_h = legend.row_height()
    rows = len({legend.visualItemRect(legend.item(i)).top() for i in range(legend.count())})
    in_view = legend.viewport().height() // row_h
    assert img.height() >= c.height() + (rows - in_view - 1) * row_h, (img.height(), c.height())
    assert ET.parse(svg).getroot().get("viewBox").split() == ["0", "0", str(img.width()), str(img.height())]
    drawn = svg_picture(svg, img.size())
    grab = c.grab().toImage()
    strip = (legend.x() + legend.width() - sb.width(), legend.x() + legend.width())
    assert _ink(grab, legend.y() + 2, legend.y() + legend.height() - 2, *strip) > 20  # on screen: a scrollbar
    colours = {k.color for k in c.curves}
    for picture in (img, drawn):
        # the plot keeps its place and size; under it, a swatch of every curve's colour, as many
        # colours as curves (on screen the rows in view show fewer) ...
        top = legend.y()
        found = _colours_in(picture, sorted(colours), top, picture.height(), legend.x(), legend.x() + legend.width())
        assert found == colours, sorted(colours - found)
        # ... and no scrollbar at the legend's right edge: nothing drawn there
        assert _ink(picture, top + 2, picture.height() - 4, *strip) == 0
    # the card on screen is as it was: the legend scrolls again, in its share of the card
    assert sb.isVisible() and legend.height() <= Legend.BELOW_SHARE * c.height() + 2
    assert c.menu_button.isVisible()


def test_an_export_made_while_hovering_holds_no_hover_line(demo_store, open_win, qtbot, tmp_path):
    _w, c = _open(open_win, demo_store, qtbot, THREE)
    vb = c.plot.getPlotItem().getViewBox()
    view = vb.viewRange()
    pos = _plot_point(c, 0.55, 0.5)
    _hover(qtbot, c, pos)
    hovered = c.grab().toImage()  # painted: the autorange has had its say
    assert vb.viewRange() == view  # the highlighted (wider) curve does not move the axes
    c.export(str(tmp_path / "hover.png"))  # what Export PNG > 1x… calls once a file is chosen
    c.export(str(tmp_path / "hover.svg"))
    assert _hover_shown(c)  # the export does not change the window
    # off the plot, onto the card's title (a legend entry under the pointer would widen its run's curve)
    qtbot.mouseMove(c.title, c.title.rect().center())
    qtbot.waitUntil(lambda: _hover_gone(c), timeout=3000)
    plain = c.grab().toImage()
    c.export(str(tmp_path / "plain.png"))
    c.export(str(tmp_path / "plain.svg"))
    # where the hover line stood: on screen it shows (the check sees a hover line when there is one) ...
    area = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect().translated(c.plot.pos())
    x = c.plot.mapTo(c, pos).x()

    def column_diff(a: QImage, b: QImage) -> int:
        return sum(a.pixel(xx, y) != b.pixel(xx, y) for xx in (x - 1, x, x + 1)
                   for y in range(area.top() + 2, area.bottom() - 2))

    assert column_diff(hovered, plain) > 0.5 * (area.height() - 4)
    # ... and the PNG exported while hovering is the PNG exported with no hover, pixel for pixel
    a, b = QImage(str(tmp_path / "hover.png")), QImage(str(tmp_path / "plain.png"))
    assert a.size() == b.size() and column_diff(a, b) == 0
    assert a == b
    assert (tmp_path / "hover.svg").read_text() == (tmp_path / "plain.svg").read_text()
    assert "■" not in (tmp_path / "hover.svg").read_text()  # no read-out in the figure


def test_render_draws_the_whole_legend_through_the_same_picture_path(qapp, store, db_path, tmp_path):
    names = [f"train/a_rather_long_metric_name_{i}" for i in range(40)]
    store.create_experiment("p", "e")
    for i, n in enumerate(names):
        store.append("p", "e", n, np.arange(50.0), np.arange(50.0) * (i + 1))
    store.set_chart_set("p", "Ten", [{"name": "All", "series": [f"channel:{n}" for n in names]}])
    store.set_chart_set("p", "Two", [{"name": "All", "series": [f"channel:{n}" for n in names[:2]]}])
    store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    for out, chart_set in (("r.svg", "Ten"), ("r.png", "Ten"), ("two.png", "Two")):
        r = subprocess.run([sys.executable, "-m", "chartdesk", "render", "--project", "p", "--experiment", "e",
                            "--chart-set", chart_set, "--out", str(tmp_path / out), "--db", str(db_path),
                            "--width", "700"], capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 0, r.stderr
    texts = _svg_texts(tmp_path / "r.svg")
    assert all(n in texts for n in names), texts
    # forty long names take more rows at this width than the share of the card a legend takes on
    # screen (then it scrolls): the picture's card grew by them, where a card of two names keeps its height
    ten, two = QImage(str(tmp_path / "r.png")), QImage(str(tmp_path / "two.png"))
    assert ten.height() > two.height(), (ten.height(), two.height())
    assert _ink(ten, ten.height() - 4, ten.height(), 0, ten.width()) == 0  # no row cut at the bottom


def test_each_read_out_row_says_its_own_step_when_it_is_not_the_headings(store, open_win, qtbot):
    """Runs logged at other steps, or a zoomed-out line drawn from a thinned-out few of its points,
    gave values of other steps under one 'step 5000' heading (a hands-on walk: baseline-sgd's
    value at 4960 shown as at 5000). Each row says its own step when it differs."""
    store.create_experiment("p", "even")
    store.append("p", "even", "loss", np.arange(0, 400, 2.0), np.arange(0, 400, 2.0) / 1000)
    store.create_experiment("p", "sparse")
    store.append("p", "sparse", "loss", np.arange(0, 400, 7.0), 1 + np.arange(0, 400, 7.0) / 1000)
    store.set_chart_set("p", "S", [{"name": "Loss", "series": ["channel:loss"]}])
    w = open_win(store, "p", "even")
    w.ws.select_experiments(["even", "sparse"])
    c = chart(w, "S", "Loss")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 2, timeout=10000)
    c.show_values_at(100.0, 0.1)  # nearest the "even" line: heading step 100
    rows = {r.label: r for r in c.readout.rows()}
    by_run = {k.experiment: k.label for k in c.curves}
    assert c.readout.text().splitlines()[0] == "step 100"
    assert _says(rows[by_run["even"]].value, 0.1) and "at" not in rows[by_run["even"]].detail
    assert _says(rows[by_run["sparse"]].value, 1.098)  # its point nearest 100 is at 98
    assert rows[by_run["sparse"]].detail == "at step 98"


def test_a_chart_of_one_point_labels_its_axes_without_a_scale_factor(store, open_win, qtbot):
    """One point at step 0 read '-400 ... 400' under 'step (x0.001)' (a hands-on walk): the
    axes' automatic SI rescaling, which no tick of ours needs."""
    store.create_experiment("p", "e")
    store.append("p", "e", "lr", [0.0], [0.0003])
    store.set_chart_set("p", "S", [{"name": "lr", "series": ["channel:lr"]}])
    w = open_win(store, "p", "e")
    c = chart(w, "S", "lr")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 1, timeout=10000)
    c.plot.grab()
    for side in ("bottom", "left"):
        axis = c.plot.getPlotItem().getAxis(side)
        assert axis.autoSIPrefixScale == 1.0 and "x0." not in axis.labelString(), (side, axis.labelString())
