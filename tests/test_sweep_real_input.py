"""The parallel coordinates' axes moved and flipped on the plot with real gestures (issue 20): the
view on an X server of this module's own (Xvfb), driven by xdotool, so the OS delivers the mouse
events. Skipped with the reason when no X server can be started here."""
from __future__ import annotations

from pathlib import Path

from gui_helpers import run_real_app
from test_real_input import xserver  # noqa: F401  (the fixture: an Xvfb on a free display)
from test_sweep_analysis import fill

HERE = Path(__file__).parent


def test_a_real_drag_of_an_axis_name_moves_it_and_a_double_click_flips_it(xserver, tmp_path):  # noqa: F811
    import chartdesk

    db = tmp_path / "sweep.db"
    with chartdesk.open_store(db) as s:
        fill(s)
    out = run_real_app(xserver, tmp_path, HERE / "sweep_real_input_app.py", db, timeout=120)
    assert out["steps"] == ["dragged", "double-clicked"], out
    # layers, dragged by its name from the first place to the last
    assert out["keys"] == ["optimizer.lr", "accuracy:max", "layers"], out
    assert out["listed"] == out["keys"], out  # the list beside the plot follows
    # the name in the middle (accuracy:max), double-clicked: its axis flipped, marked in its name
    assert out["flipped"] == ["accuracy:max"], out
    assert out["labels"] == ["optimizer.lr", "accuracy:max ⇅", "layers"], out
    saved = out["saved"]
    assert [s for s in saved if s.startswith("axis=")] == ["axis=optimizer.lr", "axis=accuracy:max", "axis=layers"]
    assert "flip=accuracy:max" in saved
