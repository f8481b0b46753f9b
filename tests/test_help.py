"""Help in the window (issue 23 items 15 and 27): Concepts (F1, and from the empty store's
welcome), the keyboard shortcuts read from the window's own actions, About with the versions and
the store, Ctrl+F to the filter box, and a welcome snippet that logs to the store on screen."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, click, menu_action
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QTableWidget, QTextBrowser


def _close(qtbot, found: list, kind):
    def respond(dlg):
        assert isinstance(dlg, QDialog), dlg
        found.append(dlg.findChild(kind))
        found.append(dlg.findChild(kind).toPlainText() if kind is QTextBrowser else None)
        click(qtbot, dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close))
    return respond


def _help_menu(w):
    return next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Help")


def test_f1_opens_the_concepts_page(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    found = []
    answered = answer_next_dialog(qtbot, _close(qtbot, found, QTextBrowser))
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    assert "An alias is a name and an ordered list of channels" in found[1]
    assert "Pins" in found[1] and "Group by (Ctrl+G)" in found[1]


def test_the_shortcut_list_is_read_from_the_window_s_actions(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    found = []
    answered = answer_next_dialog(qtbot, _close(qtbot, found, QTableWidget))
    menu_action(_help_menu(w), "Keyboard shortcuts").trigger()
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    table = found[0]
    rows = {table.item(r, 0).text(): table.item(r, 1).text() for r in range(table.rowCount())}
    assert rows["Undo"] == "Ctrl+Z" and rows["Find experiments"] == "Ctrl+F" and rows["Group runs by"] == "Ctrl+G"
    assert rows["Concepts"] == "F1" and "Ctrl+Y" in rows["Redo"]


def test_about_names_the_versions_and_the_store(demo_store, open_win, qtbot):
    import pyqtgraph

    from chartdesk import __version__

    w = open_win(demo_store)
    found = []
    answered = answer_next_dialog(qtbot, _close(qtbot, found, QLabel))
    menu_action(_help_menu(w), "About ChartDesk").trigger()
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    text = found[0].text()
    assert f"ChartDesk {__version__}" in text and demo_store.describe() in text
    assert f"pyqtgraph {pyqtgraph.__version__}" in text and "Log file:" in text


def test_ctrl_f_puts_the_cursor_in_the_filter_box(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    w.tree.filter_edit.setText("old")
    w.tabs.setFocus()
    qtbot.keyClick(w.tabs, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.tree.filter_edit, timeout=5000)
    assert w.tree.filter_edit.selectedText() == "old"  # typing replaces it


def test_the_welcome_snippet_logs_to_the_store_on_screen_and_opens_the_concepts(store, open_win, qtbot):
    w = open_win(store, project=None)
    snippet = w.tabs.welcome.findChild(QPlainTextEdit).toPlainText()
    assert f"db={store.describe()!r}" in snippet  # not the default store (issue 23 item 15)
    ns: dict = {}
    exec(compile(snippet.replace("range(100)", "range(3)"), "snippet", "exec"), ns)  # what a person pastes
    assert store.read("mnist", "exp-1", "loss").y.tolist() == [1.0, 0.5, 1 / 3]
    found = []
    answered = answer_next_dialog(qtbot, _close(qtbot, found, QTextBrowser))
    click(qtbot, w.tabs.welcome.buttons["concepts"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    assert "chart set" in found[1]
