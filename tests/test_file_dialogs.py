"""Issue 23 item 18: a file dialog opens in the folder the last one of its kind was left in (kept
across a restart of the window), the user's home folder the first time, never the process's
working directory. Driven through the menus; each dialog is answered as a person does."""
from __future__ import annotations

import os

import pytest
from gui_helpers import answer_next_dialog, click, menu_action
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog, QLineEdit

from chartdesk.app import preferences as prefs
from chartdesk.gui.settings import Settings


@pytest.fixture
def places(tmp_path, monkeypatch):
    """A home folder and a working directory of their own: a dialog in the cwd is told from one at home."""
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(cwd)
    return home, cwd


def same(a, b) -> bool:
    return os.path.realpath(str(a)) == os.path.realpath(str(b))


def menu(win, title):
    m = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == title)
    m.aboutToShow.emit()  # what opening it does: its entries enabled for what the window shows
    return m


def noted(qtbot, seen: dict, respond, then=None):
    """Answer a file dialog with ``respond`` once its folder and suggested name are noted in
    ``seen``; ``then`` answers the dialog that follows it."""
    def answer(dlg):
        assert isinstance(dlg, QFileDialog), type(dlg)
        seen["folder"] = dlg.directory().absolutePath()
        seen["name"] = dlg.findChild(QLineEdit, "fileNameEdit").text()
        if then is not None:
            answer_next_dialog(qtbot, then)
        respond(dlg)
    return answer


def ask(qtbot, action, respond, then=None) -> dict:
    """Trigger ``action``; the file dialog it opens is answered by ``respond(dlg)`` (see ``noted``)."""
    seen = {}
    answered = answer_next_dialog(qtbot, noted(qtbot, seen, respond, then))
    action.trigger()
    qtbot.waitUntil(lambda: bool(answered) and "folder" in seen, timeout=5000)
    return seen


def choose(path):
    def respond(dlg):
        dlg.selectFile(str(path))
        dlg.accept()
    return respond


def cancel(dlg):
    dlg.reject()


def test_imports_open_at_home_then_where_the_last_import_was_also_after_a_restart(demo_store, open_win, qtbot,
                                                                                  tmp_path, places):
    home, cwd = places
    logs = tmp_path / "logs"
    (logs / "run-2").mkdir(parents=True)
    (logs / "run-1.csv").write_text("step,loss\n0,1.0\n1,0.5\n")
    win = open_win(demo_store, "mnist", "baseline-sgd")
    # then: into which project? Cancelled: nothing imported, only the folder matters here
    seen = ask(qtbot, menu_action(menu(win, "File"), "Import files…"), choose(logs / "run-1.csv"), cancel)
    assert same(seen["folder"], home) and not same(seen["folder"], cwd)
    win.close()

    win = open_win(demo_store, "mnist", "baseline-sgd")  # a new window: the folder came through the settings
    seen = ask(qtbot, menu_action(menu(win, "File"), "Import files…"), cancel)
    assert same(seen["folder"], logs)
    seen = ask(qtbot, menu_action(menu(win, "File"), "Import folder…"), choose(logs / "run-2"), cancel)
    assert same(seen["folder"], logs)  # one kind: imports
    seen = ask(qtbot, win.follow_action, cancel)  # Follow folder… is an import too
    assert same(seen["folder"], logs / "run-2")
    assert same(Settings().get(prefs.LAST_FOLDER["import"]), logs / "run-2")


def test_layout_files_apply_from_where_the_last_export_went_and_exports_are_not_written_to_the_cwd(
        demo_store, open_win, qtbot, tmp_path, places):
    home, cwd = places
    shared = tmp_path / "shared"
    shared.mkdir()
    win = open_win(demo_store, "mnist", "baseline-sgd")

    seen = {}

    def sets(dlg):  # which chart sets: all, as offered; then where
        answer_next_dialog(qtbot, noted(qtbot, seen, choose(shared / "mnist.yaml")))
        click(qtbot, dlg.buttons.button(QDialogButtonBox.StandardButton.Ok))

    answer_next_dialog(qtbot, sets)
    menu_action(menu(win, "Charts"), "Export layout…").trigger()
    qtbot.waitUntil((shared / "mnist.yaml").exists, timeout=10000)
    assert same(seen["folder"], home) and seen["name"] == "mnist-layout.yaml"  # suggested at home, not in the cwd
    assert not list(cwd.iterdir())
    seen = ask(qtbot, menu_action(menu(win, "Charts"), "Apply layout…"), cancel)
    assert same(seen["folder"], shared)


def test_a_report_is_suggested_where_the_last_one_went(demo_store, open_win, qtbot, tmp_path, places):
    home, _cwd = places
    reports = tmp_path / "reports"
    reports.mkdir()
    win = open_win(demo_store, "mnist", "baseline-sgd")
    seen = ask(qtbot, menu_action(menu(win, "File"), "Export report…"), choose(reports / "first.html"))
    assert same(seen["folder"], home) and seen["name"] == "mnist-report.html"
    assert (reports / "first.html").exists()
    seen = ask(qtbot, menu_action(menu(win, "File"), "Export report…"), cancel)
    assert same(seen["folder"], reports) and seen["name"] == "mnist-report.html"


def test_a_folder_gone_since_opens_at_its_nearest_folder_still_there(demo_store, open_win, qtbot, tmp_path, places):
    kept = tmp_path / "kept"
    kept.mkdir()
    Settings().set(prefs.LAST_FOLDER["import"], str(kept / "gone" / "deeper"))
    win = open_win(demo_store, "mnist", "baseline-sgd")
    seen = ask(qtbot, menu_action(menu(win, "File"), "Import files…"), cancel)
    assert same(seen["folder"], kept)
    assert same(Settings().get(prefs.LAST_FOLDER["import"]), kept / "gone" / "deeper")  # a cancel forgets nothing


def test_a_chart_export_opens_where_the_last_export_went(demo_store, open_win, qtbot, tmp_path, places):
    """The chart's ⋯ > Export CSV… and the next export: both through file_dialogs (the chart's
    own dialog opened in the working directory)."""
    from gui_helpers import chart

    home, cwd = places
    out = tmp_path / "figures"
    out.mkdir()
    w = open_win(demo_store, "mnist", "baseline-sgd")
    c = chart(w, "Training", "Loss")
    qtbot.waitUntil(lambda: c.drawn, timeout=10000)
    first = ask(qtbot, menu_action(c.menu, "Export CSV of plotted data…"), choose(out / "loss.csv"))
    assert same(first["folder"], home) and first["name"] == "Loss.csv"
    qtbot.waitUntil(lambda: (out / "loss.csv").exists(), timeout=5000)
    second = ask(qtbot, menu_action(c.menu, "Export SVG…"), cancel)
    assert same(second["folder"], out) and not any(cwd.iterdir())
