"""What the real-input scripts share (``real_menu_app.py``, ``real_focus_app.py``, run on an X
server by their tests): the OS's own pointer and keys through xdotool, and a chain of steps, each
waiting for its condition on the event loop before it acts, then printing what was found as one
JSON line."""
from __future__ import annotations

import json
import subprocess
import time

from PySide6.QtCore import QPoint, QTimer


def xdo(*args) -> None:
    subprocess.run(["xdotool", *map(str, args)], check=True, timeout=10)


def point_at(p: QPoint) -> None:
    xdo("mousemove", "--sync", p.x(), p.y())


class Steps:
    """Steps run one after another on ``app``'s event loop; ``result["steps"]`` names those done,
    or the one that timed out (after ``timeout`` seconds in all)."""

    def __init__(self, app, result: dict, timeout: float = 60.0) -> None:
        self.app, self.result, self.timeout = app, result, timeout
        self.started = time.monotonic()
        result.setdefault("steps", [])

    def step(self, name: str, ready, act, then) -> None:
        """Wait until ``ready()``, then ``act()``, then go on with ``then``."""
        def poll():
            if time.monotonic() - self.started > self.timeout:
                self.result["steps"].append(f"timed out waiting to {name}")
                return self.finish()
            if not ready():
                QTimer.singleShot(50, poll)
                return
            act()
            self.result["steps"].append(name)
            QTimer.singleShot(0, then)
        poll()

    def finish(self) -> None:
        print(json.dumps(self.result), flush=True)
        self.app.quit()
