"""Issue 23 item 1, found again in a hands-on walk: a run's swatch must be seen on a selected row
of the project tree and the runs table. The blue selection swallowed a blue run's swatch (the
first run of every project is #5080b0 on Fusion's #308cc6): now a selected row's icon sits on a
plate of the plot background, in the light and the dark palette. The tests read what is painted
(a grab of the view), for all 20 colours of the palette."""
from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import settle
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QImage, QPalette

from chartdesk import colors
from chartdesk.gui.theme import SYSTEM, theme_switch

N = 20


def _project(store) -> list[str]:
    x = np.arange(0, 500, 10.0)
    names = [f"transformer-base-adamw-lr0.0003-seed{i:02d}" for i in range(N)]
    for i, name in enumerate(names):
        store.create_experiment("walk", name, params={"lr": 0.0003, "optimizer": "adamw", "seed": i},
                                state="succeeded")
        store.append("walk", name, "loss", x, np.exp(-x / (100 + 10 * i)))
    store.set_chart_set("walk", "Runs", [{"name": "Loss", "series": ["channel:loss"]}])
    return names


@pytest.fixture(params=["light", "dark"])
def palette(request):
    """The window in the Light or the Dark theme (View > Theme)."""
    theme_switch().set(request.param)
    yield request.param
    theme_switch().set(SYSTEM)


def _near(c: QColor, want: QColor, tol: int) -> bool:
    return abs(c.red() - want.red()) + abs(c.green() - want.green()) + abs(c.blue() - want.blue()) <= tol


def _chip(img: QImage, rect: QRect, colour: str) -> QRect | None:
    """Where the run's colour is painted inside ``rect`` (its bounding box), None if nowhere."""
    want = QColor(colour)
    xs, ys = [], []
    for y in range(max(0, rect.top()), min(img.height(), rect.bottom() + 1)):
        for x in range(max(0, rect.left()), min(img.width(), rect.right() + 1)):
            if _near(img.pixelColor(x, y), want, 12):
                xs.append(x)
                ys.append(y)
    return QRect(min(xs), min(ys), max(xs) - min(xs) + 1, max(ys) - min(ys) + 1) if xs else None


def _framed_on_base(img: QImage, chip: QRect, base: QColor) -> bool:
    """Just past the chip's grey edge (3 pixels above the chip's middle, 4 below, 3 left of it:
    the edge is antialiased over two pixels) the row shows the plot background (what the
    palette's colours are made to be seen on), not the selection."""
    cx, cy = chip.center().x(), chip.center().y()
    around = [(cx, chip.top() - 3), (cx, chip.bottom() + 4), (chip.left() - 3, cy)]
    return all(_near(img.pixelColor(x, y), base, 24) for x, y in around)


def _select_all_in_tree(qtbot, w, names):
    tree = w.tree
    first = tree.proxy.mapFromSource(tree.model.experiment_index("walk", names[0]))
    last = tree.proxy.mapFromSource(tree.model.experiment_index("walk", names[-1]))
    tree.view.scrollTo(first)
    qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, pos=tree.view.visualRect(first).center())
    tree.view.scrollTo(last)
    qtbot.mouseClick(tree.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     tree.view.visualRect(last).center())
    qtbot.waitUntil(lambda: set(w.ws.selection()) == set(names), timeout=10000)
    qtbot.waitUntil(lambda: len(tree.model.swatches) == N and len(w.runs_table.model.swatches) == N, timeout=10000)


def test_a_selected_runs_swatch_in_the_tree_is_painted_on_the_plot_background(store, open_win, qtbot, palette):
    names = _project(store)
    w = open_win(store, "walk", names[0])
    w.resize(1366, 768)
    _select_all_in_tree(qtbot, w, names)
    settle(qtbot, w)
    tree = w.tree
    base = tree.view.palette().color(QPalette.ColorRole.Base)
    highlight = tree.view.palette().color(QPalette.ColorRole.Highlight)
    assert not _near(base, highlight, 60)  # the check below tells the plate from the selection
    for i, name in enumerate(names):
        idx = tree.proxy.mapFromSource(tree.model.experiment_index("walk", name))
        tree.view.scrollTo(idx)
        qtbot.waitUntil(lambda idx=idx: tree.view.visualRect(idx).intersects(tree.view.viewport().rect()))
        assert tree.view.selectionModel().isSelected(idx), name
        img = tree.view.viewport().grab().toImage()
        chip = _chip(img, tree.view.visualRect(idx), colors.style(i).color)
        assert chip is not None, f"{name}: its colour {colors.style(i).color} is not painted on its row"
        assert _framed_on_base(img, chip, base), (
            f"{name} ({palette}): its swatch {colors.style(i).color} sits on "
            f"{img.pixelColor(chip.center().x(), chip.top() - 3).name()}, not on the plot background {base.name()}")


def test_a_selected_runs_swatch_in_the_runs_table_is_painted_on_the_plot_background(store, open_win, qtbot, palette):
    names = _project(store)
    w = open_win(store, "walk", names[0])
    w.resize(1366, 768)
    _select_all_in_tree(qtbot, w, names)
    w.runs_dock.raise_()  # its tab brought up, as a person would
    rt = w.runs_table
    qtbot.waitUntil(lambda: rt.model.rowCount() == N and rt.view.isVisible(), timeout=10000)
    settle(qtbot, w)
    names_view = rt.view.frozen  # the name column the person sees (frozen over the table's left edge)
    base = names_view.palette().color(QPalette.ColorRole.Base)
    for r in range(rt.model.rowCount()):
        idx = rt.model.index(r, 0)
        name = idx.data()
        i = names.index(name)
        rt.view.scrollTo(idx)
        qtbot.waitUntil(lambda idx=idx: names_view.visualRect(idx).intersects(names_view.viewport().rect()))
        assert rt.view.selectionModel().isSelected(idx), name
        img = names_view.viewport().grab().toImage()
        chip = _chip(img, names_view.visualRect(idx), colors.style(i).color)
        assert chip is not None, f"{name}: its colour {colors.style(i).color} is not painted on its row"
        assert _framed_on_base(img, chip, base), (
            f"{name} ({palette}): its swatch {colors.style(i).color} sits on "
            f"{img.pixelColor(chip.center().x(), chip.top() - 3).name()}, not on the plot background {base.name()}")

