"""Issue 23 items 28 and 20 with the OS's own input on an X server (see test_real_input.py): a real
double-click on a run in the project tree and in the runs table, and Enter in the tree, open the
run's page (the tree row is not expanded by the double-click); notes typed there are saved when
the box is left; F2 on an alias and Enter in the dialog rename it, with its charts."""
from __future__ import annotations

from pathlib import Path

from gui_helpers import run_real_app
from test_real_input import xserver  # noqa: F401  (the fixture)

HERE = Path(__file__).parent


def test_real_double_click_and_enter_open_a_run_page_and_f2_renames_an_alias(xserver, tmp_path):  # noqa: F811
    out = run_real_app(xserver, tmp_path, HERE / "real_run_page_app.py", tmp_path / "page.db", timeout=120)
    assert not [s for s in out["steps"] if s.startswith("timed out")], out
    assert out["tree_page"] == "adam-lr1e-3" and out["expanded"] is False, out
    assert out["notes"] == "warmup helped" and out["enter_page"] == "warmup helped", out
    assert out["table_page"] == "wide-net-stopped", out
    assert out["aliases"] == ["accuracy", "train loss"], out
    assert out["series"] == ["alias:train loss", "channel:val_loss"], out
