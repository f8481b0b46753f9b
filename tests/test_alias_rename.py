"""Renaming an alias in the Aliases panel (issue 23 item 20): F2, a double-click or the list's
context menu ask for the name in a dialog; the charts that plot the alias and its pins follow in
the same transaction, the chart keeps drawing the same curves, undo and redo rename it back and
forth, and a name the project has already is said in the dialog, asked again with what was typed.
Names with blanks are filtered by quoting them (alias:"val acc":max), as expressions quote them."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, chart, key, settle, type_and_ok
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QInputDialog, QLineEdit


def plotted(chart_widget):
    return sorted((c.experiment, c.channel) for c in chart_widget.curves)


def alias_row_point(ed, name):
    view = ed.alias_view
    return view.visualRect(ed.aliases_model.index(ed.aliases_model.row_of(name))).center()


def test_f2_renames_the_alias_and_its_charts_and_pins_follow_undoably(demo_store, open_win, qtbot):
    s = demo_store
    s.set_pin("mnist", "adam-both-names", "accuracy", "pred_acc")
    win = open_win(s, "mnist", "baseline-sgd")
    win.ws.select_experiments(["baseline-sgd", "adam-both-names"])
    settle(qtbot, win)
    before = plotted(chart(win, "Training", "Accuracy"))
    ed = win.alias_editor
    qtbot.mouseClick(ed.alias_view.viewport(), Qt.MouseButton.LeftButton, pos=alias_row_point(ed, "accuracy"))
    ed.alias_view.setFocus()
    answer_next_dialog(qtbot, type_and_ok(qtbot, "val accuracy"))
    key(qtbot, ed.alias_view, "F2")
    qtbot.waitUntil(lambda: "val accuracy" in s.aliases("mnist"), timeout=5000)
    assert s.aliases("mnist")["val accuracy"] == ["accuracy", "acc", "pred_acc"] and "accuracy" not in s.aliases("mnist")
    assert s.chart_sets("mnist")["Training"][0]["series"] == ["alias:val accuracy", "channel:val_acc"]
    assert s.pins("mnist") == {"adam-both-names": {"val accuracy": "pred_acc"}}
    assert ed.entries_model.alias == "val accuracy"  # still the chosen alias, under its new name
    assert win.ws.chart_sets()[0].charts[0].series[0].name == "val accuracy"
    settle(qtbot, win)
    assert plotted(chart(win, "Training", "Accuracy")) == before  # the chart draws what it drew
    assert win.undo_action.text() == "&Undo Rename alias accuracy to val accuracy"
    win.undo_action.trigger()
    assert sorted(s.aliases("mnist")) == ["accuracy", "loss"] and s.pins("mnist") == {
        "adam-both-names": {"accuracy": "pred_acc"}}
    assert s.chart_sets("mnist")["Training"][0]["series"] == ["alias:accuracy", "channel:val_acc"]
    qtbot.waitUntil(lambda: ed.entries_model.alias == "accuracy")  # the panel follows the undo
    win.redo_action.trigger()
    assert "val accuracy" in s.aliases("mnist") and ed.entries_model.alias == "val accuracy"


def test_a_name_that_exists_is_said_in_the_dialog_with_what_was_typed(demo_store, open_win, qtbot):
    s = demo_store
    win = open_win(s, "mnist", "baseline-sgd")
    ed = win.alias_editor
    asked = []

    def second(dlg):
        asked.append((dlg.labelText(), dlg.findChild(QLineEdit).text()))
        dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel).click()

    def first(dlg):
        assert isinstance(dlg, QInputDialog) and dlg.findChild(QLineEdit).text() == "accuracy"
        answer_next_dialog(qtbot, second)
        type_and_ok(qtbot, "loss")(dlg)

    answer_next_dialog(qtbot, first)
    # a double-click on the row asks for its new name
    point = alias_row_point(ed, "accuracy")
    qtbot.mouseClick(ed.alias_view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseDClick(ed.alias_view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)
    label, typed = asked[0]
    assert label.splitlines()[0] == "The project has an alias named 'loss' already; pick another name"
    assert typed == "loss"  # kept, to be corrected
    assert s.aliases("mnist") == {"accuracy": ["accuracy", "acc", "pred_acc"], "loss": ["loss", "train_loss"]}
    assert win.ws.undo_stack.count() == 0


def test_the_context_menu_has_rename(demo_store, open_win, qtbot):
    s = demo_store
    win = open_win(s, "mnist", "baseline-sgd")
    ed = win.alias_editor
    ed.choose("loss")
    assert "Rename…" in [a.text() for a in ed.alias_view.actions()]
    answer_next_dialog(qtbot, type_and_ok(qtbot, "train loss"))
    ed.rename_action.trigger()  # what the context menu's Rename… does
    qtbot.waitUntil(lambda: "train loss" in s.aliases("mnist"), timeout=5000)
    assert s.chart_sets("mnist")["Training"][1]["series"] == ["alias:train loss", "channel:val_loss"]
    # the runs filter reads it quoted, as an expression does
    win.ws.set_filter('alias:"train loss":min < 100')
    assert win.ws.run_filter().error == ""
