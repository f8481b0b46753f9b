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
