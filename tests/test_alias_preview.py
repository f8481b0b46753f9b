"""The alias editor's preview (what the alias resolves to in each selected run) names the runs as
the tree and the tabs do: right after a rename through the tree (F2, the dialog answered), and
after its undo."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, index_point, key, refocus, type_and_ok
from PySide6.QtCore import Qt


def preview(editor):
    p = editor.preview
    return [(p.topLevelItem(i).text(0), p.topLevelItem(i).text(1)) for i in range(p.topLevelItemCount())]


def tab_texts(w):
    return [w.tabs.tabText(i) for i in range(w.tabs.count())]


def test_the_alias_preview_shows_a_renamed_run_by_its_new_name_and_after_undo_its_old_one(demo_store, open_win,
                                                                                          qtbot):
    w = open_win(demo_store, "mnist", "adam-lr1e-3")
    ed = w.alias_editor
    row = ed.aliases_model.row_of("accuracy")
    qtbot.mouseClick(ed.alias_view.viewport(), Qt.MouseButton.LeftButton,
                     pos=index_point(ed.alias_view, ed.aliases_model.index(row)))
    assert ed.entries_model.alias == "accuracy"
    assert preview(ed) == [("adam-lr1e-3", "pred_acc")]
    view = w.tree.view
    idx = w.tree.proxy.mapFromSource(w.tree.model.experiment_index("mnist", "adam-lr1e-3"))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, idx))
    refocus(w, view)
    answer_next_dialog(qtbot, type_and_ok(qtbot, "adam-renamed"))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "adam-renamed" in demo_store.experiments("mnist"), timeout=5000)
    qtbot.waitUntil(lambda: any("adam-renamed" in t for t in tab_texts(w)), timeout=5000)  # the tab says so
    assert w.tree.model.experiment_index("mnist", "adam-renamed").isValid()
    assert w.ws.selection() == ["adam-renamed"]
    assert preview(ed) == [("adam-renamed", "pred_acc")]
    refocus(w, view)  # the window has its focus back once the dialog is gone
    key(qtbot, view, "Ctrl+Z")
    qtbot.waitUntil(lambda: "adam-lr1e-3" in demo_store.experiments("mnist"), timeout=5000)
    assert w.tree.model.experiment_index("mnist", "adam-lr1e-3").isValid()
    assert preview(ed) == [("adam-lr1e-3", "pred_acc")]
    key(qtbot, view, "Ctrl+Shift+Z")  # and redo: the new name again
    qtbot.waitUntil(lambda: "adam-renamed" in demo_store.experiments("mnist"), timeout=5000)
    assert preview(ed) == [("adam-renamed", "pred_acc")]
