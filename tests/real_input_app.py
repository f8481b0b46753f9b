"""Run by test_real_input.py on an X server (Xvfb) with Qt's xcb platform: the window is driven by
xdotool, so Qt receives the OS's own mouse and key events (a real drop in a QListView takes
another path than a test calling dropMimeData). Prints one JSON line of what it saw, with the
alias list's drop timed (``timing``: the drop handler's milliseconds, what the store held when it
returned, each alias write and whether it ran inside the handler, when the chart showed the
new channel).

    python real_input_app.py DB SCENARIO
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QEvent, QObject, QPoint, QTimer

import chartdesk
from chartdesk.gui.app import make_app, open_window


def xdo(*args) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)


def drag(points, hold=0.35) -> None:
    """A person's drag: press, move in small steps (past the drag distance), pause, release.
    From a point to itself: a click (pressed and released in place)."""
    (x0, y0), (x1, y1) = points
    xdo("mousemove", "--sync", x0, y0)
    time.sleep(hold)
    xdo("mousedown", 1)
    time.sleep(hold)
    steps = 12 if (x0, y0) != (x1, y1) else 0
    for i in range(1, steps + 1):
        xdo("mousemove", "--sync", round(x0 + (x1 - x0) * i / steps), round(y0 + (y1 - y0) * i / steps))
        time.sleep(0.06)
    time.sleep(hold)
    xdo("mouseup", 1)
    time.sleep(hold)


def global_center(view, index, dy=0) -> tuple[int, int]:
    r = view.visualRect(index)
    p = view.viewport().mapToGlobal(QPoint(r.center().x(), r.center().y() + dy))
    return p.x(), p.y()


COMPARED = ["baseline-sgd", "adam-lr1e-3", "adam-both-names"]


def tree_selected(tree) -> list[str]:
    """The runs the tree shows selected (its experiment rows)."""
    from chartdesk.gui.project_tree import EXPERIMENT_ROLE, KIND_ROLE

    rows = tree.view.selectionModel().selectedRows(0)
    return sorted(r.data(EXPERIMENT_ROLE) for r in rows if r.data(KIND_ROLE) == "experiment")


class DropTimer(QObject):
    """Times the drop handler of the alias list (Qt's dropEvent, entered from the viewport's Drop
    event) and records every alias write: when it happened and whether it was inside the handler."""

    def __init__(self, view, store, chart_of) -> None:
        super().__init__(view)
        self.view, self.store, self.chart_of = view, store, chart_of
        self.inside = False
        self.t0 = None
        self.out: dict = {"writes": []}
        for method in ("set_alias", "update_alias"):  # every way an alias is written
            write = getattr(store, method)

            def recorded(*args, _write=write, **kwargs):
                self.out["writes"].append({"in_drop": self.inside,
                                           "ms": None if self.t0 is None else (time.perf_counter() - self.t0) * 1000})
                return _write(*args, **kwargs)

            setattr(store, method, recorded)
        view.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() != QEvent.Type.Drop:
            return False
        self.t0 = time.perf_counter()
        self.inside = True
        try:
            self.view.viewportEvent(event)  # what the viewport's own filter does: the view's dropEvent
        finally:
            self.inside = False
        self.out["drop_ms"] = (time.perf_counter() - self.t0) * 1000
        self.out["stored_after_drop"] = self.store.alias("mnist", "accuracy")
        self._poll()
        return True

    def _poll(self) -> None:
        """When the Accuracy chart first shows the new order's channel (ms after the drop began)."""
        acc = self.chart_of()
        if acc is not None and acc.drawn and any(c.channel == "pred_acc" for c in acc.curves):
            self.out["redrawn_ms"] = (time.perf_counter() - self.t0) * 1000
            return
        if time.perf_counter() - self.t0 < 10:
            QTimer.singleShot(5, self._poll)


def main() -> int:
    db, scenario = sys.argv[1], sys.argv[2]
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "mnist", "adam-both-names")
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    ed = window.alias_editor
    ed.choose("accuracy")
    if scenario in ("tree-compare", "channel-click"):  # three runs compared; a channel of one is pressed
        window.ws.select_experiments(COMPARED)
    result: dict = {"scenario": scenario}
    steps: list = []

    def accuracy_chart():
        return next((c for c in window.grids["Training"].charts if c.chart.name == "Accuracy"), None)

    timing = DropTimer(ed.entries_view, store, accuracy_chart)

    def positions():
        view = ed.entries_view
        m = ed.entries_model
        if scenario == "charts":  # in the chart-set panel, Loss (row 1) dropped on the upper half of Accuracy
            panel = window.chart_set_panel
            panel.choose("Training")
            lv = panel.charts
            h = lv.visualRect(lv.model().index(0, 0)).height()
            return [global_center(lv, lv.model().index(1, 0)), global_center(lv, lv.model().index(0, 0), -h // 4)]
        if scenario == "reorder":
            # pred_acc (row 2) dropped on the upper half of acc (row 1): before it
            h = view.visualRect(m.index(1)).height()
            return [global_center(view, m.index(2)), global_center(view, m.index(1), -h // 4)]
        tree = window.tree
        tm = tree.model
        exp = tm.experiment_index("mnist", "baseline-sgd")
        tree.view.expand(tree.proxy.mapFromSource(exp))
        val = next(tm.index(r, 0, exp) for r in range(tm.rowCount(exp)) if tm.index(r, 0, exp).data() == "val_acc")
        pidx = tree.proxy.mapFromSource(val)
        tree.view.scrollTo(pidx)
        src = global_center(tree.view, pidx)
        if scenario == "channel-click":  # pressed and released where it was: a click
            return [src, src]
        h = view.visualRect(m.index(0)).height()
        return [src, global_center(view, m.index(0), -h // 4)]

    def when_settled(then, quiet=None):
        """Call ``then`` once the window is on the screen and drawn at two checks in a row."""
        quiet = [0] if quiet is None else quiet
        handle = window.windowHandle()
        ok = handle is not None and handle.isExposed() and window.settled()
        quiet[0] = quiet[0] + 1 if ok else 0
        if quiet[0] >= 2 or time.monotonic() - started > 60:
            then()
        else:
            QTimer.singleShot(50, lambda: when_settled(then, quiet))

    def run_driver(points):
        try:
            drag(points)
            steps.append("dragged")
        except Exception as exc:  # reported in the JSON, the test fails on it
            steps.append(f"driver failed: {exc}")

    def start():
        app.processEvents()
        pts = positions()
        result["points"] = pts
        threading.Thread(target=run_driver, args=(pts,), daemon=True).start()
        QTimer.singleShot(200, check)

    started = time.monotonic()

    def check():
        if (not steps or window.ws.session.writing) and time.monotonic() - started < 30:
            QTimer.singleShot(100, check)  # the gesture, then its write (on the session's writer)
            return
        when_settled(finish)  # the redraw that follows the edit has happened

    def finish():
        acc = next(c for c in window.grids["Training"].charts if c.chart.name == "Accuracy")
        result.update(steps=steps, entries=ed.entries_model.entries(), stored=store.alias("mnist", "accuracy"),
                      rows=ed.entries_model.rowCount(), plotted=[c.channel for c in acc.curves],
                      undo=window.ws.undo_stack.count(), selected=window.ws.selection(),
                      tree_selected=tree_selected(window.tree), timing=timing.out,
                      charts=[c["name"] for c in store.chart_sets("mnist")["Training"]],
                      panel=[window.chart_set_panel.charts.item(i).text().split("  —  ")[0]
                             for i in range(window.chart_set_panel.charts.count())],
                      tab=[c.chart.name for c in window.grids["Training"].charts],
                      undo_text=window.ws.undo_stack.undoText())
        print(json.dumps(result), flush=True)
        window.close()
        app.quit()

    when_settled(start)  # on screen, every visible chart drawn: then the person moves the mouse
    app.exec()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
