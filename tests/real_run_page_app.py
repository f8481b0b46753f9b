"""Run by test_real_run_page.py on an X server (Xvfb) with Qt's xcb platform, driven by xdotool, so
Qt gets the OS's own double-clicks and keys (a double-click arrives as press, release, press-as-
double-click, release; Enter goes through the shortcut map before the view sees it). A person
double-clicks a run in the project tree, closes its page with Escape, clicks the run and opens the
page again with Enter,
double-clicks a run in the runs table, types notes and leaves the box, then renames an alias with F2
and Enter in the dialog. Prints one JSON line of what each step saw.

    python real_run_page_app.py DB
"""
from __future__ import annotations

import json
import os
import sys
import time

from PySide6.QtCore import QPoint, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog
from real_focus_app import xdo

import chartdesk
from chartdesk.demo import seed
from chartdesk.gui.app import make_app, open_window


def at(p: QPoint, *clicks: str) -> None:
    xdo("mousemove", "--sync", p.x(), p.y())
    time.sleep(0.15)
    xdo("click", *clicks, 1)


def main() -> int:
    db = sys.argv[1]
    with chartdesk.open_store(db) as s:
        seed(s)
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "mnist", "baseline-sgd")
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    out: dict = {"steps": []}
    started = time.monotonic()
    pages = window.run_pages.pages

    def page(name):
        p = pages.get(("mnist", name))
        return p if p is not None and p.isVisible() and p.ready() else None

    def center(view, index) -> QPoint:
        return view.viewport().mapToGlobal(view.visualRect(index).center())

    def tree_row() -> QPoint:
        t = window.tree
        return center(t.view, t.proxy.mapFromSource(t.model.experiment_index("mnist", "adam-lr1e-3")))

    def table_row() -> QPoint:
        m, frozen = window.runs_table.model, window.runs_table.view.frozen
        return center(frozen, m.index(m.row_of("wide-net-stopped"), 0))

    def alias_row() -> QPoint:
        ed = window.alias_editor
        return center(ed.alias_view, ed.aliases_model.index(ed.aliases_model.row_of("loss")))

    def tree_expanded() -> bool:
        t = window.tree
        return t.view.isExpanded(t.proxy.mapFromSource(t.model.experiment_index("mnist", "adam-lr1e-3")))

    def notes_box() -> QPoint:
        n = page("adam-lr1e-3").notes
        return n.mapToGlobal(n.rect().center())

    def type_notes() -> None:
        at(notes_box())
        xdo("type", "--delay", "20", "warmup helped")
        p = page("adam-lr1e-3")
        at(p.tag_edit.mapToGlobal(p.tag_edit.rect().center()))  # leaving the box saves it


    def dialog():
        w = QApplication.activeModalWidget()
        return w if isinstance(w, QInputDialog) else None

    def answer() -> None:
        xdo("key", "ctrl+a")
        xdo("type", "--delay", "20", "train loss")
        xdo("key", "Return")

    escaped = [0.0]

    def escape(name) -> None:
        """Escape on the page (clicked first: with no window manager a new window may not have the keys)."""
        p = page(name)
        escaped[0] = time.monotonic()
        at(p.mapToGlobal(QPoint(p.width() // 2, 12)))
        xdo("key", "Escape")

    def closed() -> bool:
        """No page open; one still open 1.5 s after its Escape gets the click and Escape again (on a
        busy machine the key can reach the page before the click gave it the keyboard)."""
        if not pages:
            return True
        if time.monotonic() - escaped[0] > 1.5 and any(page(name) is not None for _p, name in pages):
            escaped[0] = time.monotonic()
            xdo("click", 1)  # the pointer is on the page still (a --sync move to where it is never returns)
            xdo("key", "Escape")
        return False

    def raise_runs() -> None:
        window.runs_dock.raise_()

    steps = [
        ("double-click a run in the tree", lambda: window.settled() and tree_row().x() > 0,
         lambda: at(tree_row(), "--repeat", "2", "--delay", "90")),
        ("its page", lambda: page("adam-lr1e-3") is not None,
         lambda: out.update(tree_page=page("adam-lr1e-3").title.full_text(), expanded=tree_expanded())),
        ("type notes and leave the box", lambda: True, type_notes),
        ("notes saved", lambda: store.experiment("mnist", "adam-lr1e-3").notes == "warmup helped",
         lambda: out.update(notes=store.experiment("mnist", "adam-lr1e-3").notes)),
        ("Escape closes it", lambda: True, lambda: xdo("key", "Escape")),
        ("closed", lambda: not pages, lambda: None),
        ("click the run", lambda: True, lambda: at(tree_row())),  # (no window manager gives the focus back)
        ("Enter in the tree", lambda: QApplication.focusWidget() is window.tree.view,
         lambda: xdo("key", "Return")),
        ("the page again", lambda: page("adam-lr1e-3") is not None,
         lambda: (out.update(enter_page=page("adam-lr1e-3").notes.toPlainText()), escape("adam-lr1e-3"))),
        ("runs table", closed, raise_runs),
        ("double-click a run in the runs table",
         lambda: window.runs_table.model.row_of("wide-net-stopped") >= 0 and window.runs_table.view.isVisible(),
         lambda: at(table_row(), "--repeat", "2", "--delay", "90")),
        ("its page from the table", lambda: page("wide-net-stopped") is not None,
         lambda: (out.update(table_page=page("wide-net-stopped").title.full_text()), escape("wide-net-stopped"))),
        ("click an alias", closed, lambda: at(alias_row())),
        ("F2 on it", lambda: QApplication.focusWidget() is window.alias_editor.alias_view
         and window.alias_editor.entries_model.alias == "loss", lambda: xdo("key", "F2")),
        ("the rename dialog", lambda: dialog() is not None, answer),
        ("renamed", lambda: "train loss" in store.aliases("mnist"),
         lambda: out.update(aliases=sorted(store.aliases("mnist")),
                            series=store.chart_sets("mnist")["Training"][1]["series"])),
    ]

    def run(i: int = 0) -> None:
        if i == len(steps):
            return finish()
        name, ready, act = steps[i]
        if time.monotonic() - started > 70:
            out["steps"].append(f"timed out waiting to {name}")
            return finish()
        if not ready():
            QTimer.singleShot(50, lambda: run(i))
            return
        act()
        out["steps"].append(name)
        QTimer.singleShot(100, lambda: run(i + 1))

    def finish() -> None:
        print(json.dumps(out), flush=True)
        app.quit()

    QTimer.singleShot(0, run)
    app.exec()
    window.close()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("CHARTDESK_LOADER_PROCESSES", "0")
    sys.exit(main())
