"""Issue 23 item 6: name-prefix sections of a grid flow side by side while they fit a row, so a
run with one chart per section uses the whole width; folding and unfolding still work."""
from __future__ import annotations

from gui_helpers import settle
from PySide6.QtCore import Qt

from chartdesk.gui.chart_grid import pack


def test_sections_narrower_than_a_row_share_it_in_order():
    assert pack([1, 1, 1, 1, 1], 3) == [(0, 0, 1), (0, 1, 1), (0, 2, 1), (1, 0, 1), (1, 1, 1)]
    assert pack([5, 1, 2, 2], 3) == [(0, 0, 3), (1, 0, 1), (1, 1, 2), (2, 0, 2)]
    assert pack([2, 2], 1) == [(0, 0, 1), (1, 0, 1)]


def _one_chart_per_section(store, open_win, qtbot, groups):
    store.create_experiment("p", "e")
    names = [f"{g}/m" for g in groups] + ["big/a", "big/b", "big/c", "big/d", "big/e"]
    store.append_many("p", "e", {n: ([0, 1, 2], [1.0, 0.5, 0.25], None) for n in names})
    w = open_win(store, "p", "e")
    w.resize(1920, 1080)
    grid = w.tabs.experiment_grid
    w.tabs.setCurrentWidget(grid)
    qtbot.waitUntil(lambda: grid.columns() >= 3, timeout=5000)
    settle(qtbot, w)
    return w, grid


def _top(grid, slot) -> int:
    return slot.mapTo(grid.widget(), slot.rect().topLeft()).y()


def test_a_run_with_one_chart_per_section_fills_the_width_at_1920x1080(store, open_win, qtbot):
    w, grid = _one_chart_per_section(store, open_win, qtbot, ["grad", "lr", "sys", "train", "val", "zeta"])
    cols = grid.columns()
    headers = {h.text(): (h, body) for h, body in grid.sections()}
    assert list(headers) == ["big  (5)", "grad  (1)", "lr  (1)", "sys  (1)", "train  (1)", "val  (1)", "zeta  (1)"]
    singles = [s for s in grid.slots if not s.chart.name.startswith("big/")]
    tops = sorted({_top(grid, s) for s in singles})
    assert len(tops) == -(-len(singles) // cols), tops  # rows shared, not a row per section
    first_row = [s for s in singles if _top(grid, s) == tops[0]]
    assert [s.chart.name for s in first_row] == ["grad/m", "lr/m", "sys/m"][:cols]
    # A column is as wide in every section: the one-card sections line up with the big one's cards.
    big = [s for s in grid.slots if s.chart.name.startswith("big/")]
    assert {s.width() for s in singles + big} <= {big[0].width(), big[0].width() + 1}, \
        [(s.chart.name, s.width()) for s in singles + big]
    lefts = sorted({s.mapTo(grid.widget(), s.rect().topLeft()).x() for s in big[:cols]})
    assert sorted({s.mapTo(grid.widget(), s.rect().topLeft()).x() for s in first_row}) == lefts
    # Every card built once it is in view: the rows are tall enough to show most of them.
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: len(grid.charts) == len(grid.slots) and w.settled(), timeout=10000)


def test_a_section_folds_and_opens_in_a_shared_row(store, open_win, qtbot):
    w, grid = _one_chart_per_section(store, open_win, qtbot, ["grad", "lr", "sys"])
    headers = {h.text(): (h, body) for h, body in grid.sections()}
    lr_header, lr_body = headers["lr  (1)"]
    grad_slot = next(s for s in grid.slots if s.chart.name == "grad/m")
    before = _top(grid, grad_slot)
    assert _top(grid, next(s for s in grid.slots if s.chart.name == "lr/m")) == before  # side by side
    qtbot.mouseClick(lr_header, Qt.MouseButton.LeftButton)  # fold "lr"
    assert not lr_body.isVisible() and headers["grad  (1)"][1].isVisible()
    assert lr_header.isVisible() and lr_header.arrowType() == Qt.ArrowType.RightArrow
    qtbot.waitUntil(lambda: _top(grid, grad_slot) == before, timeout=2000)  # its neighbour stays
    qtbot.mouseClick(lr_header, Qt.MouseButton.LeftButton)  # open it again
    assert lr_body.isVisible()
    qtbot.waitUntil(lambda: any(c.chart.name == "lr/m" for c in grid.charts), timeout=5000)
