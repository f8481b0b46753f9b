"""Issue 23 item 24, with the OS's own clicks on an X server (see test_real_input.py): after an
action of a chart's ⋯ menu the keyboard focus stays on the charts the action was about; it used to
jump to the project tree's filter box (the tabs were taken out and put back after every edit)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_real_input import xserver  # noqa: F401  (the fixture)

HERE = Path(__file__).parent


def test_a_chart_menu_action_leaves_the_focus_on_the_charts_not_in_the_tree_filter(xserver, tmp_path):  # noqa: F811
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(HERE / "real_focus_app.py"), str(tmp_path / "focus.db")],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert out["steps"] == ["click a run in the tree", "open the chart's menu", "pick Log y", "settle",
                            "look again"], out
    assert out["after tree click"] == "tree", out
    assert out["log_y stored"] is True, out
    # the click on ⋯ put the focus on the charts (a scroll area takes it on a click); it stays there
    assert out["after the action"] == "chart grid" and out["later"] == "chart grid", out
