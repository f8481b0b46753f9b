"""Before Qt starts: is there a screen, and can Qt's X11 plugin load? One line instead of Qt's
abort ("could not load the Qt platform plugin xcb"), naming the Debian/Ubuntu packages to install."""
from __future__ import annotations

import ctypes
import os
import sys

#: What Qt 6's xcb platform plugin loads, and the Debian 12 / Ubuntu package of each.
XCB_LIBS = {
    "libxcb-cursor.so.0": "libxcb-cursor0", "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1", "libxcb-randr.so.0": "libxcb-randr0", "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-shm.so.0": "libxcb-shm0", "libxcb-util.so.1": "libxcb-util1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0", "libxkbcommon.so.0": "libxkbcommon0",
    "libX11-xcb.so.1": "libx11-xcb1", "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1", "libdbus-1.so.3": "libdbus-1-3",
}


def missing_xcb_packages() -> list[str]:
    missing = []
    for lib, package in XCB_LIBS.items():
        try:
            ctypes.CDLL(lib)
        except OSError:
            missing.append(package)
    return missing


def preflight(headless_ok: bool) -> str | None:
    """None when Qt can open a window here; otherwise the one line to print. With ``headless_ok``
    (``--screenshot``), a machine without a screen draws offscreen instead."""
    if not sys.platform.startswith("linux"):
        return None
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform and platform != "xcb":
        return None  # offscreen, wayland, ...: the user chose
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None
    if not os.environ.get("DISPLAY"):
        if headless_ok:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
            return None
        return ("no screen to open the window on (DISPLAY is not set); for pictures without one use "
                "`chartdesk render` or `--screenshot`")
    missing = missing_xcb_packages()
    if missing:
        return ("Qt cannot open a window on X11: missing libraries; install them with: "
                f"sudo apt-get install {' '.join(missing)}")
    return None
