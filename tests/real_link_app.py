"""Run by test_real_input.py on an X server (Xvfb) with Qt's xcb platform: the demo's mnist
Training tab (Accuracy and Loss, both by step), driven by xdotool so that Qt gets the OS's own
wheel, drag and motion events. The wheel over Accuracy, a drag across it, the pointer resting on
it and then off the charts; after each, what both charts show. Prints one JSON line.

    python real_link_app.py DB [pan]

``pan`` (test_real_pan.py, issue 23 item 5): the wheel over Accuracy (x zooms), a drag across it
that is not level (x pans, y keeps fitting), Ctrl+wheel (y zooms: y fixed, and the card says so), a
drag with y fixed (y moves too), a double-click on the plot (the view and the linked chart reset).
"""
from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QPoint, QTimer

import chartdesk
from chartdesk.gui.app import make_app, open_window

SCENARIO = sys.argv[2] if len(sys.argv) > 2 else "link"


def xdo(*args) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)


def main() -> int:
    db = sys.argv[1]
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "mnist", "baseline-sgd")
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    grid = window.grids["Training"]
    asked: queue.Queue = queue.Queue()  # the driver's requests for a snapshot: (name, done event)
    result: dict = {"snapshots": {}, "steps": []}
    started = time.monotonic()

    def charts():
        return {c.chart.name: c for c in grid.charts}

    def at(c, fx, fy) -> tuple[int, int]:
        vb = c.plot.getPlotItem().getViewBox()
        r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        p = c.plot.viewport().mapToGlobal(QPoint(int(r.left() + fx * r.width()), int(r.top() + fy * r.height())))
        return p.x(), p.y()

    def snapshot() -> dict:
        out = {}
        for name, c in charts().items():
            vb = c.plot.getPlotItem().getViewBox()
            out[name] = {"x": list(vb.viewRange()[0]), "vline": c.vline.isVisible(),
                         "vline_x": float(c.vline.value()), "auto_x": bool(vb.autoRangeEnabled()[0]),
                         "y": list(vb.viewRange()[1]), "auto_y": vb.autoRangeEnabled()[1] is not False,
                         "fixed_shown": c.y_fixed_label.isVisible(), "fixed_text": c.y_fixed_label.text()}
        out["following"] = grid.following()
        return out

    def serve():
        """On the GUI thread: answer the driver's snapshot requests once the followers caught up."""
        try:
            name, done = asked.get_nowait()
        except queue.Empty:
            QTimer.singleShot(30, serve)
            return

        def when_quiet(tries=0):
            if grid.following() and tries < 100:
                QTimer.singleShot(20, lambda: when_quiet(tries + 1))
                return
            result["snapshots"][name] = snapshot()
            done.set()
            QTimer.singleShot(30, serve)
        QTimer.singleShot(150, when_quiet)  # the events of the gesture delivered first

    def ask(name: str) -> None:
        done = threading.Event()
        asked.put((name, done))
        if not done.wait(20):
            raise RuntimeError(f"no snapshot {name}")

    def drag(start, moves) -> None:
        xdo("mousemove", "--sync", *start)
        time.sleep(0.2)
        xdo("mousedown", 1)
        for x, y in moves:
            xdo("mousemove", "--sync", x, y)
            time.sleep(0.04)
        xdo("mouseup", 1)

    def pan_driver(points) -> None:
        mid, right, left, low = points["mid"], points["right"], points["left"], points["low"]
        xdo("mousemove", "--sync", *mid)
        time.sleep(0.3)
        ask("before")
        xdo("click", "--repeat", "2", "--delay", "80", 4)  # the wheel, two notches up: x zooms in
        ask("wheel")
        # to the left and 40 px down: a pan that is not level
        drag(right, [(round(right[0] + (left[0] - right[0]) * i / 12), round(right[1] + 40 * i / 12))
                     for i in range(1, 13)])
        ask("drag")
        xdo("mousemove", "--sync", *mid)
        time.sleep(0.2)
        xdo("keydown", "ctrl")
        xdo("click", "--repeat", "2", "--delay", "80", 4)  # Ctrl+wheel: y zooms
        xdo("keyup", "ctrl")
        ask("ctrl wheel")
        drag(right, [(right[0] - 10 * i, right[1] + 6 * i) for i in range(1, 7)])
        ask("drag with y fixed")
        xdo("mousemove", "--sync", *low)
        time.sleep(0.3)
        xdo("click", "--repeat", "2", "--delay", "60", 1)  # double-click on the plot: reset
        ask("double click")

    def driver(points) -> None:
        try:
            if SCENARIO == "pan":
                pan_driver(points)
                result["steps"].append("driven")
                return
            acc_mid, acc_right, acc_left, off = (points[k] for k in ("mid", "right", "left", "off"))
            xdo("mousemove", "--sync", *acc_mid)
            time.sleep(0.3)
            ask("before")
            xdo("click", "--repeat", "2", "--delay", "80", 4)  # the wheel, two notches up: zoom in
            ask("wheel")
            drag(acc_right, [(round(acc_right[0] + (acc_left[0] - acc_right[0]) * i / 12), acc_right[1])
                             for i in range(1, 13)])
            ask("drag")
            xdo("mousemove", "--sync", *acc_mid)
            time.sleep(0.1)
            xdo("mousemove", "--sync", acc_mid[0] + 3, acc_mid[1])  # moved over it: the hover starts
            time.sleep(0.4)
            ask("hover")
            xdo("mousemove", "--sync", *off)
            time.sleep(0.4)
            ask("left")
            result["steps"].append("driven")
        except Exception as exc:  # reported in the JSON; the test fails on it
            result["steps"].append(f"driver failed: {exc}")

    def when_ready(quiet=0):
        handle = window.windowHandle()
        ok = handle is not None and handle.isExposed() and window.settled() and len(grid.charts) == 2
        quiet = quiet + 1 if ok else 0
        if quiet < 3 and time.monotonic() - started < 60:
            QTimer.singleShot(50, lambda: when_ready(quiet))
            return
        acc = charts()["Accuracy"]
        off = window.tabs.tabBar().mapToGlobal(window.tabs.tabBar().rect().center())
        height = 0.4 if SCENARIO == "pan" else 0.5
        points = {"mid": at(acc, 0.5, 0.5), "right": at(acc, 0.75, height), "left": at(acc, 0.35, height),
                  "off": (off.x(), off.y()), "low": at(acc, 0.6, 0.9)}
        result["points"] = points
        serve()
        thread = threading.Thread(target=driver, args=(points,), daemon=True)
        thread.start()
        finish_when_done(thread)

    def finish_when_done(thread):
        if thread.is_alive() and time.monotonic() - started < 80:
            QTimer.singleShot(50, lambda: finish_when_done(thread))
            return
        print(json.dumps(result), flush=True)
        window.close()
        app.quit()

    QTimer.singleShot(0, when_ready)
    app.exec()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
