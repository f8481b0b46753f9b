"""A run's page (issue 23 item 28), through the widgets a person uses: double-click or Enter on a
run in the project tree and in the runs table opens it; it shows every param, each channel's
summary (checked against the raw points), state and times; tags and notes typed there are saved to
the store, undoable, and refused in one line that keeps what was typed; a note written by another
process reaches the open page at the next poll."""
from __future__ import annotations

import datetime
import subprocess
import sys

import numpy as np
import pytest
from gui_helpers import click, index_point, key
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


@pytest.fixture
def runs(store):
    store.create_experiment("p", "base", params={"lr": 0.1, "optimizer": {"name": "adam", "beta": [0.9, 0.99]}},
                            tags=["baseline"], state="succeeded", created=1_700_000_000.0)
    store.append("p", "base", "loss", [0, 10, 20, 30], [2.0, np.nan, 0.5, 0.75], [1_700_000_005.0, 6, 7, 1_700_000_100.0])
    store.append("p", "base", "acc", np.arange(5000.0), np.linspace(0, 1, 5000))
    store.set_state("p", "base", "succeeded", finished=1_700_003_600.0)
    store.create_experiment("p", "other", params={"lr": 0.01})
    store.append("p", "other", "loss", [0, 1], [1.0, 0.9])
    return store


def tree_index(win, experiment):
    tree = win.tree
    return tree.proxy.mapFromSource(tree.model.experiment_index("p", experiment))


def page_of(qtbot, win, experiment):
    qtbot.waitUntil(lambda: ("p", experiment) in win.run_pages.pages
                    and win.run_pages.pages[("p", experiment)].isVisible(), timeout=5000)
    page = win.run_pages.pages[("p", experiment)]
    qtbot.waitUntil(page.ready, timeout=10000)
    return page


def double_click(qtbot, widget, pos):
    """What a person's double-click sends: a click, then the second press as a double-click
    (QTest's mouseDClick alone sends only the latter)."""
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def table_text(table):
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())
            if not table.isRowHidden(r)]


def test_double_click_on_a_run_in_the_tree_opens_its_page(qtbot, open_win, runs):
    win = open_win(runs, "p", "other")
    idx = tree_index(win, "base")
    view = win.tree.view
    double_click(qtbot, view.viewport(), index_point(view, idx))
    page = page_of(qtbot, win, "base")
    assert not view.isExpanded(tree_index(win, "base"))  # the double-click opened the page, not the row
    assert page.title.full_text() == "base" and "succeeded" in page.state.text()
    local = lambda ts: datetime.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")  # noqa: E731
    assert page.created.text() == local(1_700_000_000)
    assert page.started.text() == f"{local(1_700_000_005)}  (first point)"  # its first point's wall time
    assert page.ended.text() == f"{local(1_700_003_600)}  (0:59:55)"  # from the first point to the end
    assert page.source.full_text() == "—"
    assert table_text(page.params) == [["lr", "0.1"], ["optimizer.beta", "0.9, 0.99"], ["optimizer.name", "adam"]]
    page.param_filter.setText("opt")
    assert [r[0] for r in table_text(page.params)] == ["optimizer.beta", "optimizer.name"]
    acc = runs.read("p", "base", "acc")
    rows = {r[0]: r[1:] for r in table_text(page.channels)}
    assert rows["acc"] == ["5,000", "0", "4999", "1", "0", f"{acc.y.max():g}"]
    assert rows["loss"] == ["4", "0", "30", "0.75", "0.5", "2"]  # min and max skip the NaN
    assert page.tabs.tabText(1) == "Channels (2)"
    # opened again, the same page comes to the front
    double_click(qtbot, view.viewport(), index_point(view, tree_index(win, "base")))
    assert len(win.run_pages.pages) == 1


def test_enter_and_double_click_in_the_runs_table_open_the_page(qtbot, open_win, runs):
    win = open_win(runs, "p", "base")
    win.runs_dock.raise_()
    table = win.runs_table
    qtbot.waitUntil(lambda: table.model.rowCount() == 2, timeout=10000)
    row = table.model.row_of("other")
    table.view.setFocus()
    table.view.setCurrentIndex(table.model.index(row, 2))
    key(qtbot, table.view, "Return")
    page = page_of(qtbot, win, "other")
    assert table_text(page.params) == [["lr", "0.01"]]
    page.close()
    qtbot.waitUntil(lambda: ("p", "other") not in win.run_pages.pages, timeout=5000)
    frozen = table.view.frozen  # the name column, frozen on the left
    name = table.model.index(table.model.row_of("base"), 0)
    double_click(qtbot, frozen.viewport(), frozen.visualRect(name).center())
    assert page_of(qtbot, win, "base").title.full_text() == "base"
    assert "Open run page\tEnter" in [a.text() for a in table.view.actions()]  # its context menu has it, with its key


def test_tags_are_added_removed_and_undone_from_the_page(qtbot, open_win, runs):
    win = open_win(runs, "p", "base")
    win.tree.open_run(tree_index(win, "base"))
    page = page_of(qtbot, win, "base")
    qtbot.keyClicks(page.tag_edit, "best, lr sweep")
    key(qtbot, page.tag_edit, "Return")
    assert runs.experiment("p", "base").tags == ("baseline", "best", "lr sweep")
    assert page.tag_edit.text() == "" and [page.tags.item(i).text() for i in range(page.tags.count())] \
        == ["baseline", "best", "lr sweep"]
    info = win.tree.model.data(win.tree.model.experiment_index("p", "base").siblingAtColumn(1))
    assert "lr sweep" in info  # the tree's Info column follows
    page.tags.setCurrentRow(0)
    click(qtbot, page.remove_tag_btn)
    assert runs.experiment("p", "base").tags == ("best", "lr sweep")
    assert win.undo_action.text() == "&Undo Remove tag baseline of base"
    win.undo_action.trigger()
    assert runs.experiment("p", "base").tags == ("baseline", "best", "lr sweep")
    qtbot.waitUntil(lambda: page.tags.count() == 3)
    win.undo_action.trigger()
    assert runs.experiment("p", "base").tags == ("baseline",)
    page.tag_edit.setText("bad\x01tag")
    key(qtbot, page.tag_edit, "Return")
    assert page.tag_error.isVisible() and "must be one line" in page.tag_error.text()
    assert "\n" not in page.tag_error.text() and page.tag_edit.text() == "bad\x01tag"  # kept, to be corrected
    assert runs.experiment("p", "base").tags == ("baseline",)


def test_notes_are_saved_undoable_and_follow_another_process(qtbot, open_win, runs, target):
    win = open_win(runs, "p", "base")
    win.tree.open_run(tree_index(win, "base"))
    page = page_of(qtbot, win, "base")
    page.notes.setFocus()
    qtbot.keyClicks(page.notes, "diverged at 4k")
    qtbot.waitUntil(lambda: runs.experiment("p", "base").notes == "diverged at 4k", timeout=5000)  # a pause saves
    qtbot.keyClicks(page.notes, "; retry")
    page.tag_edit.setFocus()  # leaving the box saves at once
    QApplication.processEvents()
    assert runs.experiment("p", "base").notes == "diverged at 4k; retry"
    assert win.undo_action.text() == "&Undo Edit notes of base"  # one typing, one step
    win.undo_action.trigger()
    assert runs.experiment("p", "base").notes == ""
    qtbot.waitUntil(lambda: page.notes.toPlainText() == "")
    win.redo_action.trigger()
    qtbot.waitUntil(lambda: page.notes.toPlainText() == "diverged at 4k; retry")

    r = subprocess.run([sys.executable, "-c", "import chartdesk, sys\n"
                        "with chartdesk.open_store(sys.argv[1]) as s:\n"
                        "    s.set_notes('p', 'base', 'from the terminal')\n", target],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    qtbot.waitUntil(lambda: page.notes.toPlainText() == "from the terminal", timeout=5000)  # the next poll

    # Typed here while another process changes them: refused in one line, the typing kept
    page.notes.setFocus()
    page.notes.moveCursor(page.notes.textCursor().MoveOperation.End)
    qtbot.keyClicks(page.notes, " + mine")
    runs.set_notes("p", "base", "theirs")
    page.save_notes()
    assert page.notes_error.isVisible() and "changed elsewhere meanwhile" in page.notes_error.text()
    assert "\n" not in page.notes_error.text() and page.notes.toPlainText() == "from the terminal + mine"
    assert runs.experiment("p", "base").notes == "theirs"
    page.save_notes()  # saved again: over theirs, which the page has seen now
    assert runs.experiment("p", "base").notes == "from the terminal + mine"


def test_a_closed_page_hears_nothing_more_when_the_project_changes(qtbot, open_win, runs):
    """A page closed with its button, then another project chosen in the tree: the page's
    project handler ran on its deleted widgets ('Internal C++ object (QLineEdit) already
    deleted'), found in a hands-on walk."""
    from test_gui import click_row

    runs.create_experiment("q", "elsewhere")
    runs.append("q", "elsewhere", "loss", [0, 1], [1.0, 0.5])
    win = open_win(runs, "p", "base")
    win.tree.open_run(tree_index(win, "base"))
    page = page_of(qtbot, win, "base")
    page.close()  # the window's close button, Escape and Close all end here
    qtbot.waitUntil(lambda: ("p", "base") not in win.run_pages.pages, timeout=5000)
    qtbot.waitUntil(lambda: win.tree.model.project_index("q").isValid(), timeout=10000)
    click_row(qtbot, win, "q")
    qtbot.waitUntil(lambda: win.ws.project == "q", timeout=5000)
    click_row(qtbot, win, "p")
    qtbot.waitUntil(lambda: win.ws.project == "p", timeout=5000)  # an exception in a handler fails the test
