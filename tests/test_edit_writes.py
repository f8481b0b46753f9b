"""Edits leave the GUI thread (issue 18, "the GUI thread only paints"): the window shows an edit at
once and its store write waits on the session's writer, so another process holding the store's
write lock (an import, ``chartdesk follow``, a teammate) never freezes the window; a write the
store refuses is said in one line, the window shows what the store holds, and the Undo menu no
longer offers that step. Driven through the alias editor's ↑ button and Edit > Undo."""
from __future__ import annotations

from gui_helpers import click, wait_written
from PySide6.QtCore import QTimer
from test_alias_models import pick_alias, pick_entry
from write_lock import held


def test_a_reorder_while_another_process_holds_the_write_lock_leaves_the_window_responsive(
        demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 2)  # pred_acc
    ticks = []
    timer = QTimer(w)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(10)
    with held(db_path) as lock:  # BEGIN IMMEDIATE held open by another writer
        click(qtbot, ed.up_btn)
        # the click returned while the lock is still held, and the list shows the new order
        assert not lock.released.is_set()
        assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
        assert w.ws.session.writing
        assert w.undo_action.isEnabled() and w.undo_action.text() == "&Undo Reorder accuracy"
        seen = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= seen + 20, timeout=5000)  # the event loop keeps turning
        assert w.ws.session.writing  # still waiting for the lock
        assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]  # not written yet
    timer.stop()
    wait_written(qtbot, w, timeout=30000)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]  # written once let go
    assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
    assert "accuracy" not in w.statusBar().currentMessage()  # no error


def test_a_refused_write_is_said_shows_the_store_and_leaves_the_undo_menu(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 2)  # pred_acc
    with held(db_path) as lock:
        click(qtbot, ed.up_btn)
        assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]  # shown at once
        assert w.undo_action.text() == "&Undo Reorder accuracy"
        lock.delete_alias("mnist", "accuracy")  # meanwhile another process deletes the alias
    wait_written(qtbot, w, timeout=30000)
    message = w.statusBar().currentMessage()
    assert message.startswith("Reorder accuracy: ") and "accuracy" in message and "\n" not in message
    # the window shows what the store holds: no alias accuracy
    assert w.ws.alias("accuracy") is None and ed.aliases_model.row_of("accuracy") < 0
    assert ed.entries_model.alias is None
    # and the Undo menu does not offer the step the store refused
    qtbot.waitUntil(lambda: w.ws.undo_stack.count() == 0, timeout=5000)
    assert not w.undo_action.isEnabled() and not w.redo_action.isEnabled()


def test_a_refused_step_below_later_ones_is_dropped_when_undo_reaches_it(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 2)  # pred_acc
    with held(db_path) as lock:
        click(qtbot, ed.up_btn)  # Reorder accuracy: refused below
        lock.delete_alias("mnist", "accuracy")
        pick_alias(qtbot, ed, "loss")
        pick_entry(qtbot, ed, 1)
        click(qtbot, ed.up_btn)  # Reorder loss: written
    wait_written(qtbot, w, timeout=30000)
    assert demo_store.alias("mnist", "loss") == ["train_loss", "loss"]
    assert w.ws.undo_stack.count() == 2 and w.undo_action.text() == "&Undo Reorder loss"
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "loss") == ["loss", "train_loss"]
    # the refused reorder is not offered next: it went without writing anything
    qtbot.waitUntil(lambda: w.ws.undo_stack.count() == 1, timeout=5000)
    assert not w.undo_action.isEnabled() and w.redo_action.text() == "&Redo Reorder loss"
    assert demo_store.aliases("mnist").get("accuracy") is None
