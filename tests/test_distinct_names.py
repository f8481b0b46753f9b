"""Issue 23, found in a screenshot walk: 20 runs named alike were cut in the middle in the project
tree, the runs table's (frozen) name column and the alias editor's preview, so that three runs
read "transf…-seed0" and their optimizer and learning rate were gone. Now a name that does not
fit is shortened by the legend's rule (``chartdesk.app.labels``): what it shares with the other
runs gives way, what tells it apart stays. The tests read the text each row is painted with (a
style that records what the view asks it to draw, at the view's own width) and the rows' heights.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest
from gui_helpers import settle
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QProxyStyle, QStyle, QStyleOptionViewItem

LRS = ("0.0003", "0.001")
OPTS = ("adamw", "sgd")
SEEDS = range(5)
RUNS = [(lr, opt, s) for lr, opt, s in itertools.product(LRS, OPTS, SEEDS)]  # 20 runs


def _name(lr: str, opt: str, seed: int) -> str:
    return f"transformer-lr={lr}-optimizer={opt}-cosine-seed{seed}"


def _project(store) -> list[str]:
    x = np.arange(0, 200, 10.0)
    names = []
    for i, (lr, opt, s) in enumerate(RUNS):
        name = _name(lr, opt, s)
        store.create_experiment("sweep", name, params={"lr": float(lr), "optimizer": opt, "seed": s},
                                state="succeeded")
        store.append("sweep", name, "val_acc" if i % 3 else "pred_acc", x, 1 - np.exp(-x / (50 + i)))
        names.append(name)
    store.set_alias("sweep", "accuracy", ["val_acc", "pred_acc"])
    store.set_chart_set("sweep", "Training", [{"name": "Accuracy", "series": ["alias:accuracy"]}])
    return names


class _Recorder(QProxyStyle):
    """The view's own style, noting each item's text as the view has it drawn, as it reads on the
    screen: a text wider than the room the style lays it out in is cut by Qt as it draws it (in
    the view's elide mode, the middle), as the old code left every long name."""

    def __init__(self, base) -> None:
        super().__init__(base)
        self.drawn: list[tuple[QPoint, str]] = []  # (the item's middle, its text as painted)

    def drawControl(self, element, option, painter, widget=None) -> None:  # Qt's name
        if element == QStyle.ControlElement.CE_ItemViewItem and isinstance(option, QStyleOptionViewItem) \
                and option.text:
            rect = self.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, widget)
            margin = self.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
            room = rect.width() - 2 * margin
            fm = QFontMetrics(option.font)
            text = option.text if fm.horizontalAdvance(option.text) <= room else \
                fm.elidedText(option.text, option.textElideMode, room)
            self.drawn.append((option.rect.center(), text))
        super().drawControl(element, option, painter, widget)


def _painted_names(view, column: int = 0) -> dict[str, str]:
    """{whole name: the text painted} for every row of ``column`` in view."""
    rec = _Recorder(view.style().name())
    view.setStyle(rec)
    try:
        view.viewport().grab()
    finally:
        view.setStyle(None)
    out = {}
    for middle, text in rec.drawn:
        idx = view.indexAt(middle)
        if idx.isValid() and idx.column() == column:
            out[str(idx.data())] = text
    return out


def _tells_apart(painted: dict[str, str], names: list[str]) -> None:
    runs = {name: painted[name] for name in names if name in painted}
    assert len(runs) >= 8, f"only {len(runs)} runs in view: {painted}"
    cut = {name: text for name, text in runs.items() if text != name}
    assert cut, "no name was cut: the view is not narrow enough for this test"
    assert len(set(runs.values())) == len(runs), f"two runs read alike: {sorted(runs.values())}"
    for name, text in cut.items():
        lr, opt, seed = RUNS[names.index(name)]
        for part in (lr, opt, f"seed{seed}"):
            assert part in text, f"{name} is painted as {text!r}: {part!r}, which tells it apart, is gone"


@pytest.fixture
def window(store, open_win, qtbot):
    names = _project(store)
    w = open_win(store, "sweep", names[0])
    w.resize(1366, 768)
    # the docks as wide as they start at 1920 x 1080 (main_window.DOCK_SHARES): narrower than the
    # names, wide enough for what tells them apart
    w.resizeDocks([w.tree_dock, w.alias_dock], [420, 420], Qt.Orientation.Horizontal)
    w.ws.select_experiments(names)
    qtbot.waitUntil(lambda: set(w.ws.selection()) == set(names), timeout=10000)
    settle(qtbot, w)
    return w, names


def test_the_project_tree_shows_what_tells_each_of_20_runs_apart(window, qtbot):
    w, names = window
    view = w.tree.view
    project = w.tree.proxy.mapFromSource(w.tree.model.experiment_index("sweep", names[0])).parent()
    view.expand(project)
    view.scrollTo(w.tree.proxy.index(0, 0, project), view.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: view.visualRect(w.tree.proxy.index(0, 0, project)).top() >= 0)
    _tells_apart(_painted_names(view), names)
    idx = w.tree.proxy.index(3, 0, project)
    assert str(idx.data(Qt.ItemDataRole.ToolTipRole)).splitlines()[0] == idx.data()


def test_the_runs_tables_name_column_shows_what_tells_each_of_20_runs_apart(window, qtbot):
    w, names = window
    w.runs_dock.raise_()
    rt = w.runs_table
    qtbot.waitUntil(lambda: rt.model.rowCount() == len(names) and rt.view.frozen.isVisible(), timeout=10000)
    settle(qtbot, w)
    frozen = rt.view.frozen  # the name column the person sees, over the table's left edge
    assert frozen.columnWidth(0) < QFontMetrics(frozen.font()).horizontalAdvance(names[0])  # it is cut
    _tells_apart(_painted_names(frozen), names)
    rt.view.horizontalScrollBar().setValue(0)
    _tells_apart(_painted_names(rt.view), names)  # the table's own column under it, alike


def test_the_alias_previews_run_names_tell_the_runs_apart(window, qtbot):
    w, names = window
    editor = w.alias_editor
    alias_row = next(i for i in range(editor.alias_view.model().rowCount())
                     if "accuracy" in str(editor.alias_view.model().index(i, 0).data()))
    idx = editor.alias_view.model().index(alias_row, 0)
    editor.alias_view.scrollTo(idx)
    qtbot.mouseClick(editor.alias_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=editor.alias_view.visualRect(idx).center())
    qtbot.waitUntil(lambda: editor.preview.topLevelItemCount() == len(names), timeout=5000)
    settle(qtbot, w)
    _tells_apart(_painted_names(editor.preview), names)
    assert editor.preview.topLevelItem(0).toolTip(0) == editor.preview.topLevelItem(0).text(0)  # whole on hover


def test_the_runs_tables_rows_are_as_compact_as_the_trees_and_20_runs_fit_at_1366x768(window, qtbot):
    """The table's rows were the header's 30 px against the tree's 14: 18 of 20 runs in view."""
    w, names = window
    w.runs_dock.raise_()
    rt = w.runs_table
    qtbot.waitUntil(lambda: rt.model.rowCount() == len(names) and rt.view.frozen.isVisible(), timeout=10000)
    settle(qtbot, w)
    tree = w.tree.view
    run = w.tree.proxy.mapFromSource(w.tree.model.experiment_index("sweep", names[0]))
    line = QFontMetrics(rt.view.font()).height()
    for view in (rt.view, rt.view.frozen):
        heights = {view.rowHeight(r) for r in range(rt.model.rowCount())}
        assert heights == {tree.visualRect(run).height()}, (view.objectName(), heights)
        assert min(heights) >= line  # a line of text, whole
    last = rt.model.rowCount() - 1
    rt.view.scrollToTop()
    assert rt.view.rowViewportPosition(last) + rt.view.rowHeight(last) <= rt.view.viewport().height(), \
        "the 20th run is not in view at 1366 x 768"


def test_where_even_what_tells_names_apart_is_too_wide_its_last_pieces_stay_whole():
    """The tree at 1366 px has ~90 px for a name: the old rule then cut every telling piece in its
    middle, in turn, into "…0.001……s…3" and "…………seed0". Now they give way whole, from the left:
    "…sgd…seed3", "…seed3"."""
    from chartdesk.app.labels import fit_names

    names = [_name(lr, opt, s) for lr in ("0.0003", "0.001", "0.003") for opt in ("adamw", "sgd", "lion")
             for s in range(5)]

    def elide(text, _side, room):
        room = int(room)
        return text if len(text) <= room else text[:(room - 1) // 2] + "…" + text[len(text) - (room - 1) // 2:]

    for room, kept in ((len("…adamw…seed0"), 2), (len("…seed0") + 1, 1)):
        for name, text in zip(names, fit_names(names, room, len, elide)):
            opt, seed = name.split("=")[2].split("-")[0], name[-1]
            assert len(text) <= room and "……" not in text, (room, text)
            assert text.endswith(f"seed{seed}"), (room, text)
            if kept == 2 and len(f"…{opt}…seed{seed}") <= room:
                assert text == f"…{opt}…seed{seed}", (room, text)
