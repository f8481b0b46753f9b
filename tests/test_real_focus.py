"""Issue 23 item 24, with the OS's own clicks on an X server (see test_real_input.py): after an
action of a chart's ⋯ menu the keyboard focus stays on the charts the action was about; it used to
jump to the project tree's filter box (the tabs were taken out and put back after every edit)."""
from __future__ import annotations

from pathlib import Path

from gui_helpers import run_real_app
from test_real_input import xserver  # noqa: F401  (the fixture)

HERE = Path(__file__).parent


def test_a_chart_menu_action_leaves_the_focus_on_the_charts_not_in_the_tree_filter(xserver, tmp_path):  # noqa: F811
    out = run_real_app(xserver, tmp_path, HERE / "real_focus_app.py", tmp_path / "focus.db")
    assert out["steps"] == ["click a run in the tree", "open the chart's menu", "pick Log y", "settle",
                            "look again"], out
    assert out["after tree click"] == "tree", out
    assert out["log_y stored"] is True, out
    # the click on ⋯ put the focus on the charts (a scroll area takes it on a click); it stays there
    assert out["after the action"] == "chart grid" and out["later"] == "chart grid", out
