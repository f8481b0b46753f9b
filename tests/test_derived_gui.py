"""A derived series in the window: typed in the chart editor (completion, the error as one types,
Enter adds it), drawn for every selected run through the alias it names, in the legend as what it
computed, exported to CSV with the derived values, and grouped."""
from __future__ import annotations

import csv

import numpy as np
from gui_helpers import answer_next_dialog, chart, click, settle
from PySide6.QtCore import Qt

from chartdesk import edits
from chartdesk.curves import format_y
from chartdesk.groups import GroupBy
from chartdesk.gui.export import export_csv
from chartdesk.model import Chart, SeriesRef

RUNS = ["baseline-sgd", "adam-lr1e-3", "adam-both-names", "adam-lr1e-1-diverged"]


def _add_chart(ws, *refs: str, name="Error"):
    charts = list(ws.chart_sets()[0].charts) + [Chart(name, tuple(SeriesRef.parse(r) for r in refs))]
    ws.edit_chart_sets(edits.set_charts(ws.chart_sets(), "Training", charts), "add")


def test_the_chart_editor_types_completes_checks_and_adds_an_expression(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Training")
    seen = {}

    def type_expression(dlg):
        dlg.name_edit.setText("Error rate")
        qtbot.keyClicks(dlg.expression, "1 - accu")  # the alias is offered as one types
        popup = dlg._completer.popup()
        # offered, with the first match current so that Enter in the list takes it
        seen["offered"] = popup.isVisible() and popup.currentIndex().row() == 0 and popup.currentIndex().data()
        dlg._completer.activated.emit("accuracy")  # what picking it in the popup does
        seen["completed"] = dlg.expression.text()
        qtbot.keyClicks(dlg.expression, " +")
        seen["error"] = dlg.expression_note.text()
        seen["enabled while bad"] = dlg.add_expression_button.isEnabled()
        qtbot.keyClick(dlg.expression, Qt.Key.Key_Return)  # refused: nothing added, still open
        seen["chosen after bad Enter"] = dlg.chosen.count()
        dlg.expression.setSelection(len("1 - accuracy"), 2)
        qtbot.keyClick(dlg.expression, Qt.Key.Key_Delete)
        seen["note"] = dlg.expression_note.text()
        qtbot.keyClick(dlg.expression, Qt.Key.Key_Return)
        seen["open after Enter"] = dlg.isVisible()
        seen["chosen"] = [dlg.chosen.item(i).text() for i in range(dlg.chosen.count())]
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answered = answer_next_dialog(qtbot, type_expression)
    click(qtbot, p.buttons["add_chart"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    assert seen["offered"] == "accuracy" and seen["completed"] == "1 - accuracy"
    assert seen["error"].startswith("⚠ column 15: expected a number, a name or '('")
    assert not seen["enabled while bad"] and seen["chosen after bad Enter"] == 0
    assert seen["note"] == "accuracy = alias (accuracy, acc, pred_acc)"
    assert seen["open after Enter"] and seen["chosen"] == ["ƒ 1 - accuracy"]
    qtbot.waitUntil(lambda: any(c["name"] == "Error rate" for c in demo_store.chart_sets("mnist")["Training"]),
                    timeout=5000)
    assert demo_store.chart_sets("mnist")["Training"][-1] == {"name": "Error rate", "series": ["expr:1 - accuracy"]}


def test_ok_with_a_typed_expression_plots_it_and_a_bad_one_keeps_the_dialog_open(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Training")
    seen = {}

    def type_then_ok(dlg):
        dlg.name_edit.setText("Gap")
        qtbot.keyClicks(dlg.expression, "val_loss - (loss")
        ok = dlg.buttons.button(dlg.buttons.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        seen["open after bad OK"] = dlg.isVisible()
        seen["warning"] = dlg.expression_note.text()
        qtbot.keyClicks(dlg.expression, ")")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    answered = answer_next_dialog(qtbot, type_then_ok)
    click(qtbot, p.buttons["add_chart"])
    qtbot.waitUntil(lambda: bool(answered), timeout=10000)
    assert seen["open after bad OK"] and "column 17: expected ')'" in seen["warning"]
    qtbot.waitUntil(lambda: any(c["name"] == "Gap" for c in demo_store.chart_sets("mnist")["Training"]),
                    timeout=5000)
    assert demo_store.chart_sets("mnist")["Training"][-1]["series"] == ["expr:val_loss - (loss)"]


def test_an_expression_over_an_alias_is_drawn_for_each_run_and_exported(demo_store, open_win, qtbot, tmp_path):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    _add_chart(w.ws, "expr:1 - accuracy")
    w.ws.select_experiments(RUNS)
    settle(qtbot, w)
    c = chart(w, "Training", "Error")
    assert c.drawn and {cv.experiment for cv in c.curves} == set(RUNS)
    for cv in c.curves:
        ch = demo_store.resolve("mnist", cv.experiment, "accuracy")
        s = demo_store.read("mnist", cv.experiment, ch)
        # what is drawn is 1 - the run's own accuracy channel, at the steps drawn
        idx = np.searchsorted(s.x, cv.x)
        np.testing.assert_allclose(cv.values, 1 - s.y[idx])
        assert cv.label.endswith("1 - accuracy" if ch == "accuracy" else f"1 - accuracy → 1 - {ch}")
    out = tmp_path / "error.csv"
    export_csv(c, str(out))
    with out.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for exp in RUNS:
        ch = demo_store.resolve("mnist", exp, "accuracy")
        s = demo_store.read("mnist", exp, ch)
        mine = [r for r in rows if r["experiment"] == exp]
        assert len(mine) == len(s.x)  # every point, not the decimated view
        np.testing.assert_allclose([float(r["y"]) for r in mine], 1 - s.y)
        assert {r["series"] for r in mine} == {"expr:1 - accuracy"}


def test_a_run_missing_an_operand_gets_a_quiet_note(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    _add_chart(w.ws, "expr:val_loss - loss")
    w.ws.select_experiments(["baseline-sgd", "adam-lr1e-1-diverged"])  # the second has no val_loss
    settle(qtbot, w)
    c = chart(w, "Training", "Error")
    assert [cv.experiment for cv in c.curves] == ["baseline-sgd"]
    assert "val_loss - loss: a channel it needs is not in adam-lr1e-1-diverged" in c.note.full_text()


def test_a_grouped_expression_is_the_mean_of_the_derived_series(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    _add_chart(w.ws, "expr:1 - accuracy")
    w.ws.select_experiments(RUNS)
    w.ws.set_group_by(GroupBy(("optimizer",)))
    settle(qtbot, w)
    c = chart(w, "Training", "Error")
    assert c.grouped
    adam = [r for r in RUNS if demo_store.experiment("mnist", r).params["optimizer"] == "adam"]
    agg = demo_store.aggregate("mnist", adam, "expr:1 - accuracy")
    g = next(cv for cv in c.curves if "adam" in cv.label)
    idx = np.searchsorted(agg.x, g.x)
    np.testing.assert_allclose(g.values, agg.mean[idx])


def test_the_hover_read_out_gives_the_value_and_its_operands(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    _add_chart(w.ws, "expr:val_loss - loss")
    settle(qtbot, w)
    c = chart(w, "Training", "Error")
    cv = c.curves[0]
    i = len(cv.x) // 2
    c.show_values_at(float(cv.x[i]), float(cv.y[i]))
    (row,) = c.readout.rows()
    step = cv.x[i]
    v, loss = (demo_store.read("mnist", "baseline-sgd", ch) for ch in ("val_loss", "loss"))
    want_v, want_l = v.y[v.x == step][-1], loss.y[loss.x == step][-1]
    assert row.value == format_y(want_v - want_l)
    assert row.detail == f"val_loss {format_y(want_v)}, loss {format_y(want_l)}"
