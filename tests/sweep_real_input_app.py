"""Run by test_sweep_real_input.py on an X server (Xvfb) with Qt's xcb platform: the parallel
coordinates of a sweep, driven by xdotool so that Qt receives the OS's own mouse events. The person
drags the first axis' name under the plot to the last place, then double-clicks the name now in
the middle to flip that axis. Prints one JSON line of what the view, its list and its saved
configuration then hold.

    python sweep_real_input_app.py DB
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

from PySide6.QtCore import QPointF, QTimer
from real_input_app import drag, xdo

import chartdesk
from chartdesk.app import preferences as prefs
from chartdesk.gui.app import make_app, open_window
from chartdesk.gui.settings import Settings

AXES = ["layers", "optimizer.lr", "accuracy:max"]


def header_global(view, i: int) -> tuple[int, int]:
    """The screen point of the ``i``-th axis' name under the plot."""
    x = view.plot.getViewBox().mapViewToScene(QPointF(i, 0)).x()
    y = view.headers.sceneBoundingRect().center().y()
    p = view.plot_widget.mapToGlobal(view.plot_widget.mapFromScene(QPointF(x, y)))
    return p.x(), p.y()


def main() -> int:
    db = sys.argv[1]
    app = make_app()
    store = chartdesk.open_store(db)
    window = open_window(store, "hp", None)
    window.move(0, 0)
    window.resize(1366, 768)
    window.show()
    view = window.sweep_views.parallel()
    view.move(200, 100)
    view.resize(1000, 600)
    steps: list[str] = []
    result: dict = {}
    started = time.monotonic()

    def when(ready, then):
        if ready() or time.monotonic() - started > 60:
            then()
        else:
            QTimer.singleShot(50, lambda: when(ready, then))

    def shown() -> bool:
        handle = view.windowHandle()
        return handle is not None and handle.isExposed() and view.ready()

    def choose_axes():
        view.set_axes(AXES)
        when(lambda: view.ready() and view.keys == AXES, lambda: QTimer.singleShot(400, go))

    def driver(a, b, flip_at):
        try:
            drag([a, b])
            steps.append("dragged")
            time.sleep(0.6)
            xdo("mousemove", "--sync", *flip_at)
            time.sleep(0.3)
            xdo("click", "--repeat", 2, "--delay", 80, 1)
            steps.append("double-clicked")
        except (OSError, subprocess.SubprocessError) as exc:  # reported in the JSON, the test fails on it
            steps.append(f"driver failed: {exc}")

    def go():
        app.processEvents()
        a, b = header_global(view, 0), header_global(view, 2)
        result["points"] = [a, b]
        result["after_drag_middle"] = header_global(view, 1)
        threading.Thread(target=driver, args=(a, b, result["after_drag_middle"]), daemon=True).start()
        check()

    def check():
        if len(steps) < 2 and time.monotonic() - started < 60:
            QTimer.singleShot(100, check)
            return
        QTimer.singleShot(600, finish)

    def finish():
        view.save_now()
        lst = view.dims_list
        result.update(steps=steps, keys=view.keys, flipped=sorted(view.flipped),
                      labels=[t for _x, t in view.plot.getAxis("bottom")._tickLevels[0]],
                      listed=[lst.item(i).data(256) for i in range(len(AXES))],
                      saved=Settings(store).get(prefs.PARALLEL_VIEW, "hp"))
        print(json.dumps(result), flush=True)
        window.close()
        app.quit()

    when(shown, choose_axes)
    app.exec()
    store.close()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "xcb")
    sys.exit(main())
