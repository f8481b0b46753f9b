"""Starting the window where Qt cannot: one line naming the fix, never Qt's abort."""
from __future__ import annotations

import os
import subprocess
import sys


def test_no_display_is_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "DISPLAY" in r.stderr


def test_missing_xcb_libraries_are_named_with_their_packages(monkeypatch):
    from chartdesk.gui import platform

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    real = platform.ctypes.CDLL

    def fake(name, *a, **k):
        if name in ("libxcb-icccm.so.4", "libxcb-keysyms.so.1"):
            raise OSError(name)
        return real(name, *a, **k) if name not in platform.XCB_LIBS else None

    monkeypatch.setattr(platform.ctypes, "CDLL", fake)
    line = platform.preflight(headless_ok=False)
    assert line.endswith("sudo apt-get install libxcb-icccm4 libxcb-keysyms1")


def test_a_screenshot_without_a_screen_draws_offscreen(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "s.png"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(tmp_path / "x.db"), "--screenshot", str(out)],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.exists()
