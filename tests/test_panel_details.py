"""Issue 23 items 19, 21, 22: the alias editor's add box, the Coverage dialog's column widths and
pin menu, and the project tree's Name column and expansion, each through the widgets a person
touches (keys typed into the box, the dialog's cells clicked, the tree's rows expanded, the
filter typed and cleared, the window closed and opened again)."""
from __future__ import annotations

from gui_helpers import settle
from PySide6.QtCore import Qt


# ---- item 19: the alias editor's "Add a channel name…" box -----------------------------------------
def _editor(demo_store, open_win, alias="accuracy"):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    ed = w.alias_editor
    ed.choose(alias)
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]
    return w, ed


def test_a_completion_picked_with_enter_is_added_and_the_box_emptied(demo_store, open_win, qtbot):
    w, ed = _editor(demo_store, open_win)
    ed.add_edit.setFocus()
    qtbot.keyClicks(ed.add_edit, "val")
    popup = ed.add_edit.completer().popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Down)  # the first match, val_acc
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc", "val_acc"]
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "val_acc"]
    qtbot.waitUntil(lambda: ed.add_edit.text() == "", timeout=2000)  # it stayed "val_acc"
    assert not ed.add_note.isVisible()


def test_a_typed_name_is_added_with_enter_and_the_box_emptied(demo_store, open_win, qtbot):
    w, ed = _editor(demo_store, open_win)
    qtbot.keyClicks(ed.add_edit, "top1")
    ed.add_edit.completer().popup().hide()
    qtbot.keyClick(ed.add_edit, Qt.Key.Key_Return)
    assert ed.entries_model.entries()[-1] == "top1"
    qtbot.waitUntil(lambda: ed.add_edit.text() == "", timeout=2000)


def test_enter_on_a_name_the_list_has_says_so_under_the_box(demo_store, open_win, qtbot):
    w, ed = _editor(demo_store, open_win)
    steps = w.ws.undo_stack.count()
    qtbot.keyClicks(ed.add_edit, "acc")
    ed.add_edit.completer().popup().hide()
    qtbot.keyClick(ed.add_edit, Qt.Key.Key_Return)
    qtbot.keyClick(ed.add_edit, Qt.Key.Key_Return)  # again: still said, still nothing added
    assert ed.add_note.isVisible() and ed.add_note.text() == "acc is in the list of accuracy already (priority 2)"
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert ed.add_edit.text() == "acc"  # kept, to be corrected
    assert w.ws.undo_stack.count() == steps  # no edit
    qtbot.keyClicks(ed.add_edit, "2")  # typing on: the note goes
    assert not ed.add_note.isVisible()


def test_the_box_is_emptied_when_another_project_is_shown(demo_store, open_win, qtbot):
    w, ed = _editor(demo_store, open_win)
    qtbot.keyClicks(ed.add_edit, "half typed")
    assert ed.add_edit.text() == "half typed"
    w.ws.set_project("cifar10")
    settle(qtbot, w)
    assert ed.entries_model.alias == "accuracy" and ed.add_edit.text() == ""


# ---- item 21: the Coverage dialog ----------------------------------------------------------------------
LONG = "adam-lr3e-4-wd0.01-warmup2000-cosine-batch512-grad-accum4-label-smoothing0.1-mixup0.2-seed1234567"


def test_a_long_run_name_is_cut_in_the_middle_and_the_alias_columns_stay_in_view(demo_store, open_win, qtbot):
    demo_store.create_experiment("mnist", LONG, params={"lr": 3e-4})
    demo_store.append("mnist", LONG, "acc", [0, 1, 2], [0.1, 0.5, 0.7])
    demo_store.set_alias("mnist", "a-much-longer-alias-name-for-the-validation-accuracy", ["pred_acc", "acc"])
    w = open_win(demo_store, "mnist", LONG)
    click_button = w.alias_editor.coverage_btn
    qtbot.mouseClick(click_button, Qt.MouseButton.LeftButton)
    dlg = w.alias_editor.coverage
    qtbot.waitUntil(lambda: dlg.checked, timeout=10000)
    table, names = dlg.table, dlg.table.verticalHeader()
    row = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())].index(LONG)
    fm = names.fontMetrics()
    assert fm.horizontalAdvance(LONG) > 600  # the name alone was the dialog's width
    assert names.width() <= 260, names.width()
    assert names.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert table.verticalHeaderItem(row).toolTip() == LONG  # the whole name on hover
    assert all(table.columnWidth(c) <= 240 for c in range(table.columnCount()))
    last = table.columnCount() - 1
    assert table.columnViewportPosition(last) + table.columnWidth(last) <= table.viewport().width()  # all in view
    col = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())].index(
        "a-much-longer-alias-name-for-the-validation-accuracy")
    assert table.horizontalHeaderItem(col).toolTip() == "a-much-longer-alias-name-for-the-validation-accuracy"
    dlg.close()


def _pin_menu(qtbot, dlg, run, alias):
    table = dlg.table
    r = [table.verticalHeaderItem(i).text() for i in range(table.rowCount())].index(run)
    c = [table.horizontalHeaderItem(i).text() for i in range(table.columnCount())].index(alias)
    rect = table.visualItemRect(table.item(r, c))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: getattr(dlg, "menu", None) is not None and dlg.menu.isVisible(), timeout=5000)
    return {a.text(): a.isChecked() for a in dlg.menu.actions() if not a.isSeparator()}, dlg.menu


def test_the_pin_menu_names_the_lists_choice_default_and_ticks_only_a_pin(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    qtbot.mouseClick(w.alias_editor.coverage_btn, Qt.MouseButton.LeftButton)
    dlg = w.alias_editor.coverage
    qtbot.waitUntil(lambda: dlg.checked, timeout=10000)
    items, menu = _pin_menu(qtbot, dlg, "adam-both-names", "accuracy")  # has acc and pred_acc; no pin
    assert items == {"Pin acc (default)": False, "Pin pred_acc": False}, items  # it said "Pin acc  ✓"
    next(a for a in menu.actions() if a.text() == "Pin pred_acc").trigger()
    menu.close()
    assert demo_store.pins("mnist") == {"adam-both-names": {"accuracy": "pred_acc"}}
    items, menu = _pin_menu(qtbot, dlg, "adam-both-names", "accuracy")
    assert items == {"Pin acc (default)": False, "Pin pred_acc": True, "Follow the list (unpin)": False}, items
    next(a for a in menu.actions() if a.text() == "Follow the list (unpin)").trigger()
    menu.close()
    assert demo_store.pins("mnist") == {}
    dlg.close()

