"""Issue 23, found in a hands-on walk: a submenu opened over the menu it came from. With the
chart's ⋯ menu at the screen's right edge, Smoothing opened to its left (no room on the right) and
Smoothing > EMA opened to the right again, over the ⋯ menu, as Qt places every submenu right of
its parent when it fits. Now each submenu opens beside its parent, clear of every menu it came
from. Driven with the OS's pointer on an X server (see test_real_input.py)."""
from __future__ import annotations

from pathlib import Path

from gui_helpers import run_real_app
from PySide6.QtCore import QRect
from test_real_input import xserver  # noqa: F401  (the fixture)

HERE = Path(__file__).parent


def _beside(sub: QRect, parent: QRect) -> bool:
    """Touching the parent's left or right edge, never over it."""
    return not sub.intersects(parent) and (sub.left() == parent.right() + 1 or sub.right() == parent.left() - 1)


def test_every_submenu_opens_beside_its_menu_never_over_a_menu_it_came_from(xserver, tmp_path):  # noqa: F811
    out = run_real_app(xserver, tmp_path, HERE / "real_menu_app.py", tmp_path / "menus.db")
    assert out["steps"] == ["open the chart's menu", "point at Smoothing", "point at EMA", "close the menus",
                            "right-click the runs table's header", "point at Columns", "look at the header's menus"], out
    screen = QRect(*out["screen"])
    for which in ("chart menu", "header menu"):
        menus = [QRect(*r) for r in out[which]]
        for i, sub in enumerate(menus):
            assert screen.contains(sub), (which, i, out)
            if i == 0:
                continue
            assert _beside(sub, menus[i - 1]), f"{which}: submenu {i} {out[which][i]} is not beside {out[which][i - 1]}"
            for j in range(i):
                assert not sub.intersects(menus[j]), f"{which}: submenu {i} {out[which][i]} covers menu {j} {out[which][j]}"
    # the ⋯ menu is at the right edge: Smoothing went left, and EMA kept going left
    top, smoothing, ema = (QRect(*r) for r in out["chart menu"])
    assert smoothing.right() < top.left() and ema.right() < smoothing.left(), out["chart menu"]
