"""Run by test_real_input.py on an X server (Xvfb) with Qt's xcb platform: 20 runs compared, the
OS's pointer moved over a chart with xdotool. Prints one JSON line of what the hover read-out
table showed: while the pointer rests and moves over the plot (the table, a window of its own,
never takes the pointer from it), with the pointer near the plot's right edge (the window is
1200 px wide without its right docks, on a wider screen: the table turns to the left of the
pointer, whole inside the window, where the screen had room for it on the right), and after the
pointer left the plot.

    python real_hover_app.py DB
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
from PySide6.QtCore import QPoint, QTimer

import chartdesk
from chartdesk.gui.app import make_app, open_window

RUNS = 20


def xdo(*args) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)


def seed(db: str) -> list[str]:
    x = np.arange(0, 3000, 10.0)
    names = []
    with chartdesk.open_store(db) as store:
        for i in range(RUNS):
            name = f"run-{i:02d}"
            store.create_experiment("many", name, params={"lr": [0.0003, 0.001, 0.003][i % 3], "seed": i},
                                    state="succeeded")
            store.append("many", name, "loss", x, np.exp(-x / (400 + 40 * i)) + 0.01 * i)
            names.append(name)
        store.set_chart_set("many", "Runs", [{"name": "Loss", "series": ["channel:loss"]}])
    return names


def main() -> int:
    db = sys.argv[1]
    names = seed(db)
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "many", names[0])
    window.move(0, 0)
    window.resize(1200, 768)
    window.show()
    window.alias_dock.hide()  # the charts reach the window's right edge
    window.sets_dock.hide()
    window.ws.select_experiments(names)
    result: dict = {"steps": []}
    seen = {"table": threading.Event(), "moved": threading.Event(), "corner": threading.Event(),
            "gone": threading.Event()}
    started = time.monotonic()

    def loss_chart():
        return next(c for c in window.grids["Runs"].charts if c.chart.name == "Loss")

    def plot_point(fx, fy) -> tuple[int, int]:
        c = loss_chart()
        vb = c.plot.getPlotItem().getViewBox()
        r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        p = c.plot.viewport().mapToGlobal(QPoint(int(r.left() + fx * r.width()), int(r.top() + fy * r.height())))
        return p.x(), p.y()

    def snapshot(pointer) -> dict:
        c = loss_chart()
        t = c.readout
        g = t.frameGeometry()
        rows = t.rows()
        return {"visible": t.isVisible(), "rows": len(rows), "values": [float(r.value) for r in rows],
                "labels": sorted(r.label for r in rows), "curves": sorted(k.label for k in c.curves),
                "nearest": t.nearest(), "hovered": c.hovered().label if c.hovered() else None,
                "under_pointer": g.contains(QPoint(*pointer)), "pointer_over_plot": c._pointer is not None,
                "on_screen": t.screen().availableGeometry().contains(g) if t.isVisible() else None,
                "in_window": window.frameGeometry().contains(g) if t.isVisible() else None,
                "left_of_pointer": g.right() < pointer[0], "window": list(window.frameGeometry().getRect()),
                "geom": [g.x(), g.y(), g.width(), g.height()], "pointer": list(pointer)}

    def driver(a, b, corner, out) -> None:
        try:
            for attempt in range(3):  # a person's approach: a few small moves onto the plot (again if need be:
                for i in range(6):    # without a window manager, Xvfb may deliver the first moves before the
                    xdo("mousemove", "--sync", a[0] - 30 + 6 * i, a[1])  # window takes the pointer)
                if seen["table"].wait(5):
                    break
                result["approaches"] = attempt + 2
            else:
                result["steps"].append("no table while resting")
                return
            for i in range(1, 6):  # moving over the plot: the table follows, the plot keeps the pointer
                xdo("mousemove", "--sync", a[0] + (b[0] - a[0]) * i // 5, a[1] + (b[1] - a[1]) * i // 5)
            if not seen["moved"].wait(10):
                result["steps"].append("the table did not follow")
                return
            for i in range(1, 4):
                xdo("mousemove", "--sync", b[0] + (corner[0] - b[0]) * i // 3, b[1] + (corner[1] - b[1]) * i // 3)
            if not seen["corner"].wait(10):
                result["steps"].append("no table in the corner")
                return
            xdo("mousemove", "--sync", *out)  # off the plot, onto the tree
            result["steps"].append("moved")
        except Exception as exc:  # reported in the JSON, the test fails on it
            result["steps"].append(f"driver failed: {exc}")

    def caught_up(c, p) -> bool:
        """The hover has been worked out for where the OS pointer is now (it follows at 30 Hz)."""
        at = c.plot.viewport().mapToGlobal(c._pointer.toPoint()) if c._pointer is not None else None
        return at == QPoint(*p) and not c._hover_timer.isActive() and c.readout.isVisible() \
            and len(c.readout.rows()) == RUNS

    def watch(stage, a, b, corner) -> None:
        if time.monotonic() - started > 60:
            return finish()
        c = loss_chart()
        if stage == "rest" and caught_up(c, a):
            result["rest"] = snapshot(a)
            seen["table"].set()
            stage = "move"
        elif stage == "move" and caught_up(c, b):
            result["moving"] = snapshot(b)
            seen["moved"].set()
            stage = "corner"
        elif stage == "corner" and caught_up(c, corner):
            result["corner"] = snapshot(corner)
            seen["corner"].set()
            stage = "out"
        elif stage == "out" and not c.readout.isVisible() and "moved" in result["steps"]:
            result["left"] = {"visible": c.readout.isVisible(), "hovered": c.hovered() is not None,
                              "vline": c.vline.isVisible()}
            return finish()
        QTimer.singleShot(20, lambda: watch(stage, a, b, corner))

    def start() -> None:
        c = loss_chart()
        if not (window.settled() and c.drawn and len(c.curves) == RUNS and window.windowHandle().isExposed()):
            if time.monotonic() - started > 60:
                return finish()
            QTimer.singleShot(50, start)
            return
        a, b, corner = plot_point(0.25, 0.5), plot_point(0.45, 0.35), plot_point(0.93, 0.95)
        tree = window.tree.view.viewport()
        out = tree.mapToGlobal(tree.rect().center())
        threading.Thread(target=driver, args=(a, b, corner, (out.x(), out.y())), daemon=True).start()
        watch("rest", a, b, corner)

    def finish() -> None:
        print(json.dumps(result), flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(100, start)
    app.exec()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
