"""Issue 21: a chart's legend sorted by name or by last value (the chart's ⋯ > Legend order),
saved with the chart and undoable; a click on an entry still hides that entry's curve."""
from __future__ import annotations

import numpy as np
from gui_helpers import chart, menu_action
from PySide6.QtCore import Qt

from chartdesk.model import Chart

RUNS = {"run10": 0.3, "run2": 0.9, "Run1": 0.5, "run3": np.nan}  # last values; run3 ends in NaN


def _fill(store):
    for name, end in RUNS.items():
        store.create_experiment("p", name)
        y = np.linspace(0.1, 0.2, 50)
        y[-1] = end
        y[-2] = np.nan if np.isnan(end) else y[-2]
        store.append("p", name, "acc", np.arange(50.0), y)
    store.set_chart_set("p", "S", [{"name": "Acc", "series": ["channel:acc"]}])


def test_legend_order_by_name_and_by_last_value_through_the_menu(store, open_win, qtbot):
    _fill(store)
    w = open_win(store, "p", "run10")
    w.ws.select_experiments(list(RUNS))
    c = chart(w, "S", "Acc")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 4, timeout=10000)
    run_of = {k.label: k.experiment for k in c.curves}
    planned = [k.experiment for k in c.curves]

    menu_action(c.menu, "Legend order", "By name").trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("legend_order") == "name", timeout=5000)
    c = chart(w, "S", "Acc")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 4, timeout=10000)
    assert [run_of[label] for label in c.legend.shown_labels()] == ["Run1", "run2", "run3", "run10"]  # natural

    menu_action(c.menu, "Legend order", "By last value (highest first)").trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("legend_order") == "last", timeout=5000)
    c = chart(w, "S", "Acc")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 4
                    and [run_of[label] for label in c.legend.shown_labels()] == ["run2", "Run1", "run10", "run3"],
                    timeout=10000)  # 0.9, 0.5, 0.3, then run3 (its last value is NaN: its last finite one, 0.2)
    # the first entry is run2's: a click on it hides run2's curve, not the first plotted curve
    legend = c.legend
    first = legend.visualItemRect(legend.item(0)).center()
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=first)
    hidden = [k.experiment for k in c.curves if not k.visible]
    assert hidden == ["run2"] and not c.curves[planned.index("run2")].line.isVisible()

    w.undo_action.trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("legend_order") == "name", timeout=5000)


def test_legend_order_is_part_of_the_chart_definition():
    d = {"name": "Acc", "series": ["channel:acc"], "legend_order": "last"}
    assert Chart.from_dict(d).to_dict() == d
    assert "legend_order" not in Chart.from_dict({"name": "Acc", "series": []}).to_dict()
    import pytest

    from chartdesk.errors import InvalidInput
    with pytest.raises(InvalidInput, match="legend_order must be one of plotted, name, last, not 'size'"):
        Chart.from_dict({"name": "Acc", "series": [], "legend_order": "size"})


# ---- by the value under the crosshair (issue 21) ------------------------------------------------------
STEPS = np.arange(100.0)
CROSSING = {"alpha": 100 - STEPS, "mid": STEPS.copy(), "zeta": np.full(50, 30.0)}  # zeta ends at step 49


def _crossing(store):
    for name, y in CROSSING.items():
        store.create_experiment("p", name)
        store.append("p", name, "acc", STEPS[:len(y)], y)
    store.set_chart_set("p", "S", [{"name": "Acc", "series": ["channel:acc"], "legend_order": "name"},
                                   {"name": "Other", "series": ["channel:acc"]}])


def _expected_at(x: float, hidden=()) -> list[str]:
    """The runs by their value at the step nearest x, highest first; those with none there (ended
    before x, hidden) after them by name: worked out from the logged arrays, not the chart."""
    step = int(round(x))
    have = {r: float(y[step]) for r, y in CROSSING.items() if step < len(y) and r not in hidden}
    return sorted(have, key=lambda r: -have[r]) + sorted(r for r in CROSSING if r not in have)


def _point(c, fx: float):
    from PySide6.QtCore import QPoint

    vb = c.plot.getPlotItem().getViewBox()
    r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    return QPoint(int(r.left() + fx * r.width()), int(r.top() + 0.5 * r.height()))


def _x_at(c, pos) -> float:
    return c.plot.getPlotItem().getViewBox().mapSceneToView(c.plot.mapToScene(pos)).x()


def test_legend_follows_the_value_under_the_crosshair_and_returns_to_its_order(store, open_win, qtbot):
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    from chartdesk.gui.chart_card import LEGEND_CROSSHAIR_NAME

    _crossing(store)
    w = open_win(store, "p", "alpha")
    w.resize(1400, 900)
    w.ws.select_experiments(list(CROSSING))
    c = chart(w, "S", "Acc")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 3, timeout=10000)
    run_of = {k.label: k.experiment for k in c.curves}

    def legend_runs(ch):
        return [run_of[label] for label in ch.legend.shown_labels()]

    menu_action(c.menu, "Legend order", LEGEND_CROSSHAIR_NAME).trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("legend_crosshair") is True, timeout=5000)
    c, other = chart(w, "S", "Acc"), chart(w, "S", "Other")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 3 and other.drawn and len(other.curves) == 3, timeout=10000)
    assert menu_action(c.menu, "Legend order", LEGEND_CROSSHAIR_NAME).isChecked()
    assert legend_runs(c) == ["alpha", "mid", "zeta"]  # no crosshair: by name, as chosen

    # the pointer over the chart: the legend by the values under it
    early = _point(c, 0.2)
    qtbot.mouseMove(c.plot.viewport(), early)
    x = _x_at(c, early)
    assert 10 < x < 40
    qtbot.waitUntil(lambda: legend_runs(c) == _expected_at(x), timeout=3000)
    assert legend_runs(c) == ["alpha", "zeta", "mid"]
    # a move that keeps the order rewrites no entry
    changed = []
    c.legend.model().dataChanged.connect(lambda *a: changed.append(a))
    near = _point(c, 0.22)
    qtbot.mouseMove(c.plot.viewport(), near)
    qtbot.waitUntil(lambda: c._hover_at is not None and abs(c._hover_at[0] - _x_at(c, near)) < 1e-6, timeout=3000)
    assert legend_runs(c) == _expected_at(_x_at(c, near)) and changed == []
    late = _point(c, 0.8)
    qtbot.mouseMove(c.plot.viewport(), late)
    qtbot.waitUntil(lambda: legend_runs(c) == _expected_at(_x_at(c, late)), timeout=3000)
    assert legend_runs(c) == ["mid", "alpha", "zeta"]  # zeta ended before: last
    # each entry is still its own curve's: the swatch colour and the hidden look move with it
    colours = {k.experiment: k.color for k in c.curves}
    for row, run in enumerate(legend_runs(c)):
        assert c.legend.item(row).icon().pixmap(22, 12).toImage().pixelColor(11, 6).name() == colours[run]
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: legend_runs(c) == ["alpha", "mid", "zeta"], timeout=3000)  # the chosen order again

    # a curve hidden from the legend has no value under the crosshair: last, still struck through
    legend = c.legend
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=legend.visualItemRect(legend.item(0)).center())
    assert [k.experiment for k in c.curves if not k.visible] == ["alpha"]
    qtbot.mouseMove(c.plot.viewport(), early)
    qtbot.waitUntil(lambda: legend_runs(c) == _expected_at(_x_at(c, early), hidden={"alpha"}), timeout=3000)
    assert legend_runs(c) == ["zeta", "mid", "alpha"]
    assert [legend.is_shown(r) for r in range(3)] == [True, True, False]
    assert legend.item(2).font().strikeOut() and not legend.item(0).font().strikeOut()
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: legend_runs(c) == ["alpha", "mid", "zeta"], timeout=3000)
    # a click on the first entry (alpha's again) shows alpha's curve, not another's
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=legend.visualItemRect(legend.item(0)).center())
    assert all(k.visible for k in c.curves) and not legend.item(0).font().strikeOut()

    # the pointer over a linked chart of the tab: its crosshair orders this legend too
    qtbot.mouseMove(other.plot.viewport(), _point(other, 0.8))
    x = _x_at(other, _point(other, 0.8))
    qtbot.waitUntil(lambda: c.vline.isVisible() and legend_runs(c) == _expected_at(x), timeout=3000)
    assert legend_runs(other) == ["alpha", "mid", "zeta"]  # that chart's legend keeps its order (no crosshair sort)
    QApplication.sendEvent(other.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: not c.vline.isVisible() and legend_runs(c) == ["alpha", "mid", "zeta"], timeout=3000)

    w.undo_action.trigger()
    qtbot.waitUntil(lambda: "legend_crosshair" not in store.chart_sets("p")["S"][0], timeout=5000)


def test_legend_crosshair_is_part_of_the_chart_definition():
    import pytest

    from chartdesk.errors import InvalidInput
    d = {"name": "Acc", "series": ["channel:acc"], "legend_order": "name", "legend_crosshair": True}
    assert Chart.from_dict(d).to_dict() == d
    assert "legend_crosshair" not in Chart.from_dict({"name": "Acc", "series": []}).to_dict()
    with pytest.raises(InvalidInput, match="legend_crosshair must be true or false, not 'yes'"):
        Chart.from_dict({"name": "Acc", "series": [], "legend_crosshair": "yes"})


def test_legend_crosshair_in_a_layout_file():
    import pytest

    from chartdesk import layout
    from chartdesk.errors import InvalidInput
    text = ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: A\n        series: [channel:x]\n"
            "        legend_crosshair: true\n")
    (chart_,) = layout.loads(text, "f.yaml").chart_sets[0].charts
    assert chart_.legend_crosshair is True and "legend_crosshair: true" in layout.dump(layout.loads(text, "f.yaml"))
    with pytest.raises(InvalidInput, match=r"^f.yaml:7: chart_sets\[0\].charts\[0\].legend_crosshair: "
                                           "legend_crosshair must be true or false, not 'yes'$"):
        layout.loads(text.replace("true", "yes"), "f.yaml")



GROWING = {"alpha": 100 - STEPS, "mid": STEPS.copy(), "omega": np.full(30, 10.0), "zeta": np.full(30, 30.0)}


def test_the_crosshair_legend_sorts_again_when_a_live_run_grows_under_a_resting_pointer(store, db_path, open_win,
                                                                                         qtbot):
    """Issue 21: a legend sorted by the value under the crosshair sorts again when new points of a
    live run change the values there, the pointer resting where it was (over this chart, or over a
    linked chart of the tab); the pointer leaving gives the chosen order back."""
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    import chartdesk

    for name, y in GROWING.items():  # omega and zeta end at step 29: no value late on, until they grow
        store.create_experiment("p", name)
        store.append("p", name, "acc", STEPS[:len(y)], y)
        store.append("p", name, "loss", STEPS, 1 / (1 + STEPS))
    # the linked chart plots a channel that does not grow: only this chart is drawn again
    store.set_chart_set("p", "S", [{"name": "Acc", "series": ["channel:acc"], "legend_order": "name",
                                    "legend_crosshair": True},
                                   {"name": "Other", "series": ["channel:loss"]}])
    w = open_win(store, "p", "alpha")
    w.resize(1400, 900)
    w.ws.select_experiments(list(GROWING))
    c, other = chart(w, "S", "Acc"), chart(w, "S", "Other")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 4 and other.drawn and len(other.curves) == 4, timeout=10000)
    run_of = {k.label: k.experiment for k in c.curves}
    chosen = ["alpha", "mid", "omega", "zeta"]  # by name

    def legend_runs():
        return [run_of[label] for label in c.legend.shown_labels()]

    def grow(run: str, value: float) -> None:  # a training script logs on (a store of its own)
        with chartdesk.init(project="p", experiment=run, db=str(db_path)) as live:
            live.log_many("acc", STEPS[30:], np.full(70, value))

    # the pointer rests over this chart late on, where omega and zeta have no value yet
    late = _point(c, 0.8)
    qtbot.mouseMove(c.plot.viewport(), late)
    assert 60 < _x_at(c, late) < 95
    qtbot.waitUntil(lambda: legend_runs() == ["mid", "alpha", "omega", "zeta"], timeout=3000)
    hover = c._hover_at
    grow("zeta", 95.0)  # above mid there
    qtbot.waitUntil(lambda: legend_runs() == ["zeta", "mid", "alpha", "omega"], timeout=15000)
    assert c._hover_at == hover and c.legend_at_crosshair()  # the pointer did not move
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: legend_runs() == chosen and not c.legend_at_crosshair(), timeout=3000)

    # the pointer rests over the linked chart: its crosshair orders this legend, and a run growing
    # there sorts it again
    at = _point(other, 0.8)
    qtbot.mouseMove(other.plot.viewport(), at)
    qtbot.waitUntil(lambda: c.vline.isVisible() and legend_runs() == ["zeta", "mid", "alpha", "omega"],
                    timeout=3000)
    cross = c.vline.value()
    grow("omega", 99.0)
    qtbot.waitUntil(lambda: legend_runs() == ["omega", "zeta", "mid", "alpha"], timeout=15000)
    assert c.vline.isVisible() and c.vline.value() == cross and c.legend_at_crosshair()
    QApplication.sendEvent(other.plot.viewport(), QEvent(QEvent.Type.Leave))
    qtbot.waitUntil(lambda: not c.vline.isVisible() and legend_runs() == chosen, timeout=3000)
