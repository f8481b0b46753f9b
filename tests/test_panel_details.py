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
