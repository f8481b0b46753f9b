"""The chart-set panel as a person uses it (issue 23 items 8, 14, 17): a delete says how to undo
it, a name that is taken is asked for again with what was typed, and the chart editor names its
x axis choices as the chart's menu does. Reordering by a real drag: tests/test_real_input.py."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, click
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog


def test_deleting_a_chart_set_or_a_chart_says_how_to_undo_it(demo_store, open_win, qtbot):
    demo_store.set_chart_set("mnist", "Extra", [{"name": "Loss", "series": ["channel:loss"]},
                                                {"name": "Acc", "series": ["alias:accuracy"]}])
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Extra")
    p.charts.setCurrentRow(1)
    click(qtbot, p.buttons["delete_chart"])
    qtbot.waitUntil(lambda: [c["name"] for c in demo_store.chart_sets("mnist")["Extra"]] == ["Loss"], timeout=5000)
    assert w.statusBar().currentMessage() == "Deleted chart Acc from Extra · Undo: Ctrl+Z"
    click(qtbot, p.buttons["delete_set"])
    qtbot.waitUntil(lambda: "Extra" not in demo_store.chart_sets("mnist"), timeout=5000)
    assert w.statusBar().currentMessage() == "Deleted chart set Extra · Undo: Ctrl+Z"
    qtbot.keyClick(w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # what the message says
    qtbot.waitUntil(lambda: "Extra" in demo_store.chart_sets("mnist"), timeout=5000)


def test_renaming_to_a_taken_name_asks_again_with_what_was_typed(demo_store, open_win, qtbot):
    demo_store.set_chart_set("mnist", "Extra", [{"name": "Loss", "series": ["channel:loss"]}])
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Extra")
    seen = {}

    def type_taken(dlg):
        assert isinstance(dlg, QInputDialog)
        dlg.setTextValue("Training")
        answer_next_dialog(qtbot, ask_again)
        dlg.accept()

    def ask_again(dlg):
        seen["label"], seen["text"] = dlg.labelText(), dlg.textValue()
        dlg.setTextValue("Training 2")
        dlg.accept()

    answered = answer_next_dialog(qtbot, type_taken)
    click(qtbot, p.buttons["rename_set"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    qtbot.waitUntil(lambda: "Training 2" in demo_store.chart_sets("mnist"), timeout=5000)
    assert seen == {"label": "A chart set named 'Training' exists already. Name:", "text": "Training"}
    assert list(demo_store.chart_sets("mnist")) == ["Training", "Training 2"]


def test_the_chart_editor_names_x_axes_as_the_chart_menu_does(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Training")
    p.charts.setCurrentRow(0)
    seen = {}

    def pick_x(dlg):
        seen["items"] = [dlg.x_axis.itemText(i) for i in range(4)]
        seen["shown"] = dlg.x_axis.currentText()
        dlg.x_axis.setCurrentIndex(dlg.x_axis.findText("val_acc (channel)"))
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answered = answer_next_dialog(qtbot, pick_x)
    click(qtbot, p.buttons["edit_chart"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    qtbot.waitUntil(lambda: demo_store.chart_sets("mnist")["Training"][0].get("x_axis") == "channel:val_acc",
                    timeout=5000)
    assert seen["items"][:3] == ["Step", "Wall time", "Relative time (s)"] and seen["shown"] == "Step"
    assert seen["items"][3].endswith("(alias)")
