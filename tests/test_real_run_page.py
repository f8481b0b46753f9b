"""Issue 23 items 28 and 20 with the OS's own input on an X server (see test_real_input.py): a real
double-click on a run in the project tree and in the runs table, and Enter in the tree, open the
run's page (the tree row is not expanded by the double-click); notes typed there are saved when
the box is left; F2 on an alias and Enter in the dialog rename it, with its charts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_real_input import xserver  # noqa: F401  (the fixture)

HERE = Path(__file__).parent


def test_real_double_click_and_enter_open_a_run_page_and_f2_renames_an_alias(xserver, tmp_path):  # noqa: F811
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(HERE / "real_run_page_app.py"), str(tmp_path / "page.db")],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert not [s for s in out["steps"] if s.startswith("timed out")], out
    assert out["tree_page"] == "adam-lr1e-3" and out["expanded"] is False, out
    assert out["notes"] == "warmup helped" and out["enter_page"] == "warmup helped", out
    assert out["table_page"] == "wide-net-stopped", out
    assert out["aliases"] == ["accuracy", "train loss"], out
    assert out["series"] == ["alias:train loss", "channel:val_loss"], out
