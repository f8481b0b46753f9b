"""The alias editor's models follow the session as Qt expects from a model: a reorder is one
announced move (Qt keeps the selection and the current entry on the moved row), an undo or an
edit from another process is told as the moves, insertions and removals it made, a new alias is
one inserted row of the list, and nothing of it is a model reset. The preview and the coverage
matrix are rebuilt only when what they show changed. Driven through the widgets (clicks, keys,
File > Refresh after the CLI wrote), on the demo store."""
from __future__ import annotations

import subprocess
import sys

import shiboken6
from gui_helpers import click, index_point, key, wait_written
from PySide6.QtCore import QModelIndex, Qt

SIGNALS = ("modelAboutToBeReset", "modelReset", "rowsAboutToBeMoved", "rowsMoved", "rowsInserted", "rowsRemoved",
           "layoutChanged", "dataChanged")


class Heard:
    """What a model told its views, in order: (signal, its arguments with indexes as rows)."""

    def __init__(self, model) -> None:
        self.events: list[tuple[str, tuple]] = []
        for name in SIGNALS:
            getattr(model, name).connect(lambda *args, n=name: self.events.append((n, self._plain(args))))

    @staticmethod
    def _plain(args) -> tuple:
        return tuple(a.row() if isinstance(a, QModelIndex) else a for a in args if isinstance(a, (QModelIndex, int)))

    def of(self, name: str) -> list[tuple]:
        return [a for n, a in self.events if n == name]

    def names(self) -> set[str]:
        return {n for n, _ in self.events}

    def clear(self) -> None:
        self.events.clear()


def cli(db_path, *args) -> None:
    """What a person types in a terminal while the window is open."""
    done = subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(db_path)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def pick_alias(qtbot, editor, name):
    view = editor.alias_view
    idx = editor.aliases_model.index(editor.aliases_model.row_of(name))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, idx))
    assert editor.entries_model.alias == name


def pick_entry(qtbot, editor, row):
    view = editor.entries_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, editor.entries_model.index(row)))
    assert view.currentIndex().row() == row


def current_entry(editor):
    idx = editor.entries_view.currentIndex()
    return idx.row(), idx.data()


def selected_entries(editor):
    return sorted(i.row() for i in editor.entries_view.selectionModel().selectedIndexes())


def preview(editor):
    p = editor.preview
    return [(p.topLevelItem(i).text(0), p.topLevelItem(i).text(1)) for i in range(p.topLevelItemCount())]


def test_the_up_button_is_one_announced_move_and_the_moved_entry_stays_current(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 2)  # pred_acc
    entries, names = Heard(ed.entries_model), Heard(ed.aliases_model)
    set_by_hand = []
    ed.entries_view.selectionModel().currentChanged.connect(lambda cur, _prev: set_by_hand.append(cur.row()))

    click(qtbot, ed.up_btn)
    assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]
    assert entries.of("rowsAboutToBeMoved") == [(-1, 2, 2, -1, 1)]
    assert entries.of("rowsMoved") == [(-1, 2, 2, -1, 1)]
    assert entries.names() <= {"rowsAboutToBeMoved", "rowsMoved", "dataChanged"}  # no reset, no insert/remove
    assert current_entry(ed) == (1, "pred_acc") and selected_entries(ed) == [1]
    assert set_by_hand == []  # Qt moved the current index with its row; nobody set it again
    assert ed.up_btn.isEnabled() and ed.down_btn.isEnabled()
    # the list of aliases: the one changed row's text, nothing else
    row = ed.aliases_model.row_of("accuracy")
    assert names.events == [("dataChanged", (row, row))], names.events
    assert ed.aliases_model.index(row).data() == "accuracy  →  accuracy, pred_acc, acc"

    entries.clear()
    click(qtbot, ed.up_btn)  # to the top: ↑ cannot go further, and says so
    assert ed.entries_model.entries() == ["pred_acc", "accuracy", "acc"]
    assert entries.of("rowsMoved") == [(-1, 1, 1, -1, 0)] and "modelReset" not in entries.names()
    assert current_entry(ed) == (0, "pred_acc") and set_by_hand == []
    assert not ed.up_btn.isEnabled() and ed.down_btn.isEnabled()
    assert w.ws.undo_stack.count() == 2


def test_a_model_move_is_one_announced_move_and_a_no_op_announces_nothing(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 0)  # accuracy
    model = ed.entries_model
    heard = Heard(model)
    assert model.moveRows(QModelIndex(), 0, 1, QModelIndex(), 3)  # accuracy to the end
    assert model.entries() == ["acc", "pred_acc", "accuracy"]
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["acc", "pred_acc", "accuracy"]
    assert heard.of("rowsAboutToBeMoved") == [(-1, 0, 0, -1, 3)] and heard.of("rowsMoved") == [(-1, 0, 0, -1, 3)]
    assert heard.names() <= {"rowsAboutToBeMoved", "rowsMoved", "dataChanged"}
    assert current_entry(ed) == (2, "accuracy") and selected_entries(ed) == [2]
    assert w.ws.undo_stack.count() == 1

    heard.clear()
    assert not model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 2)  # onto itself: Qt's no-op
    assert not model.moveRows(QModelIndex(), 1, 1, QModelIndex(), 1)
    assert heard.events == [] and w.ws.undo_stack.count() == 1
    assert model.entries() == ["acc", "pred_acc", "accuracy"]


def test_undo_and_redo_by_keys_restore_the_order_as_a_move(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 2)
    click(qtbot, ed.up_btn)
    assert current_entry(ed) == (1, "pred_acc")
    heard = Heard(ed.entries_model)

    key(qtbot, w, "Ctrl+Z")
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]
    assert len(heard.of("rowsMoved")) == 1, heard.events  # one entry moved back: one move
    assert heard.names() <= {"rowsAboutToBeMoved", "rowsMoved", "dataChanged"}, heard.events
    assert current_entry(ed) == (2, "pred_acc")  # the chosen entry is still chosen, where it went back to
    assert ed.up_btn.isEnabled() and not ed.down_btn.isEnabled()

    heard.clear()
    key(qtbot, w, "Ctrl+Shift+Z")
    assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
    assert len(heard.of("rowsMoved")) == 1 and "modelReset" not in heard.names(), heard.events
    assert current_entry(ed) == (1, "pred_acc")


def test_an_edit_from_another_process_is_told_as_moves_insertions_and_removals(demo_store, db_path, open_win,
                                                                              qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 1)  # acc
    heard = Heard(ed.entries_model)

    cli(db_path, "alias", "set", "mnist", "accuracy", "pred_acc", "accuracy", "acc")  # pred_acc first
    w.refresh_action.trigger()
    assert ed.entries_model.entries() == ["pred_acc", "accuracy", "acc"]
    assert len(heard.of("rowsMoved")) == 1, heard.events
    assert heard.names() <= {"rowsAboutToBeMoved", "rowsMoved", "dataChanged"}, heard.events
    assert current_entry(ed) == (2, "acc")
    assert w.ws.undo_stack.count() == 0  # not this window's edit

    heard.clear()
    cli(db_path, "alias", "set", "mnist", "accuracy", "pred_acc", "val_acc", "acc")  # accuracy out, val_acc in
    w.refresh_action.trigger()
    assert ed.entries_model.entries() == ["pred_acc", "val_acc", "acc"]
    assert heard.of("rowsRemoved") == [(-1, 1, 1)] and heard.of("rowsInserted") == [(-1, 1, 1)], heard.events
    assert not heard.names() & {"modelAboutToBeReset", "modelReset", "layoutChanged"}, heard.events
    assert current_entry(ed) == (2, "acc")
    assert ed.entries_model.index(1).data() == "val_acc"


def test_a_channel_dropped_from_the_tree_is_one_inserted_row(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    pick_entry(qtbot, ed, 1)  # acc
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "baseline-sgd")
    val_acc = next(tm.index(r, 0, exp) for r in range(tm.rowCount(exp)) if tm.index(r, 0, exp).data() == "val_acc")
    heard = Heard(ed.entries_model)
    assert ed.entries_model.dropMimeData(tm.mimeData([val_acc]), Qt.DropAction.CopyAction, 1, 0, QModelIndex())
    assert ed.entries_model.entries() == ["accuracy", "val_acc", "acc", "pred_acc"]
    assert heard.of("rowsInserted") == [(-1, 1, 1)]
    assert heard.names() <= {"rowsInserted", "dataChanged"}, heard.events
    assert current_entry(ed) == (2, "acc")


def test_a_new_alias_from_another_process_is_one_inserted_row_of_the_list(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "loss")
    names, entries = Heard(ed.aliases_model), Heard(ed.entries_model)

    cli(db_path, "alias", "set", "mnist", "f1", "f1_score", "f1")
    w.refresh_action.trigger()
    assert [ed.aliases_model.name(r) for r in range(ed.aliases_model.rowCount())] == ["accuracy", "f1", "loss"]
    assert names.events == [("rowsInserted", (-1, 1, 1))], names.events
    assert ed.alias_view.currentIndex().row() == 2 and ed.entries_model.alias == "loss"  # still the chosen alias
    assert entries.events == []  # another alias: the chosen one's list is not touched

    names.clear()
    cli(db_path, "alias", "rm", "mnist", "f1")
    w.refresh_action.trigger()
    assert [ed.aliases_model.name(r) for r in range(ed.aliases_model.rowCount())] == ["accuracy", "loss"]
    assert names.events == [("rowsRemoved", (-1, 1, 1))], names.events
    assert ed.alias_view.currentIndex().row() == 1 and ed.entries_model.alias == "loss"


def test_the_preview_is_rebuilt_only_when_its_alias_or_its_runs_changed(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    assert preview(ed) == [("adam-both-names", "acc")]
    shown = ed.preview.topLevelItem(0)

    cli(db_path, "alias", "set", "mnist", "loss", "train_loss", "loss")  # another alias
    w.refresh_action.trigger()
    assert w.ws.alias("loss") == ("train_loss", "loss")
    cli(db_path, "alias", "pin", "mnist", "baseline-sgd", "accuracy", "acc")  # a run that is not selected
    w.refresh_action.trigger()
    assert w.ws.pin("baseline-sgd", "accuracy") == "acc"
    assert shiboken6.isValid(shown) and ed.preview.topLevelItem(0) is shown  # not rebuilt

    cli(db_path, "alias", "set", "mnist", "accuracy", "accuracy", "pred_acc", "acc")  # its alias
    w.refresh_action.trigger()
    assert preview(ed) == [("adam-both-names", "pred_acc")]


def test_the_coverage_matrix_changes_the_affected_cells_and_catches_up_when_shown_again(demo_store, db_path,
                                                                                      open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    click(qtbot, ed.coverage_btn)
    dlg = ed.coverage
    qtbot.waitUntil(lambda: dlg.checked, timeout=10000)
    runs = [dlg.table.verticalHeaderItem(r).text() for r in range(dlg.table.rowCount())]
    cols = [dlg.table.horizontalHeaderItem(c).text() for c in range(dlg.table.columnCount())]
    r, c = runs.index("adam-both-names"), cols.index("accuracy")
    other = dlg.table.item(runs.index("baseline-sgd"), cols.index("loss"))
    assert other.text() == "loss (1st)"
    dlg.table.cellClicked.emit(r, c)
    next(a for a in dlg.menu.actions() if a.text().startswith("Pin pred_acc")).trigger()
    assert dlg.table.item(r, c).text() == "⚠ pred_acc (pinned)"
    wait_written(qtbot, w)
    assert shiboken6.isValid(other) and dlg.table.item(runs.index("baseline-sgd"), cols.index("loss")) is other

    dlg.close()  # hidden: it does not follow, and catches up when shown again
    cli(db_path, "alias", "set", "mnist", "loss", "train_loss", "loss")
    w.refresh_action.trigger()
    assert shiboken6.isValid(other) and other.text() == "loss (1st)"  # not rewritten while hidden
    dlg.show()
    qtbot.waitUntil(dlg.isVisible, timeout=5000)
    loss = dlg.table.item(runs.index("baseline-sgd"), cols.index("loss")).text()
    assert loss == "loss (2nd)", loss  # the alias lists train_loss first now; this run has loss only
    dlg.close()


def test_deleting_the_chosen_alias_is_one_removed_row_and_its_undo_one_inserted_row(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    ed = w.alias_editor
    pick_alias(qtbot, ed, "accuracy")
    names = Heard(ed.aliases_model)

    click(qtbot, ed.delete_btn)
    wait_written(qtbot, w)
    assert "accuracy" not in demo_store.aliases("mnist")
    assert names.events == [("rowsRemoved", (-1, 0, 0))], names.events
    assert not ed.alias_view.currentIndex().isValid()  # no alias chosen (Qt did not pick its neighbour)
    assert ed.entries_model.alias is None and ed.entries_model.rowCount() == 0
    assert ed.title.text() == "Pick an alias to edit its priority" and preview(ed) == []
    assert not ed.delete_btn.isEnabled()

    names.clear()
    key(qtbot, w, "Ctrl+Z")
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert names.events == [("rowsInserted", (-1, 0, 0))], names.events
    assert ed.aliases_model.index(0).data() == "accuracy  →  accuracy, acc, pred_acc"
