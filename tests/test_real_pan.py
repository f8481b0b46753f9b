"""Issue 23 item 5 with real input (xdotool under Xvfb, see test_real_input): a drag-pan that is
not level keeps y fitting; only a zoom of y fixes it, the card says so, and a double-click on the
plot resets the view, the linked chart's too."""
from __future__ import annotations

from pathlib import Path

from gui_helpers import run_real_app
from test_real_input import xserver  # noqa: F401  (the fixture: an X server of this module's own)

HERE = Path(__file__).parent


def test_a_real_pan_that_is_not_level_keeps_y_fitting_and_a_double_click_resets(xserver, tmp_path):  # noqa: F811
    import chartdesk
    from chartdesk.demo import seed

    db = tmp_path / "pan.db"
    with chartdesk.open_store(db) as s:
        seed(s)
    out = run_real_app(xserver, tmp_path, HERE / "real_link_app.py", db, "pan")
    assert out["steps"] == ["driven"], out
    snap = out["snapshots"]
    acc, loss = (lambda name: snap[name]["Accuracy"]), (lambda name: snap[name]["Loss"])
    assert acc("before")["auto_y"] and not acc("before")["fixed_shown"]
    assert not acc("wheel")["auto_x"] and acc("wheel")["auto_y"]  # the wheel zooms x only
    # the drag went 40 px down as it went left: x moved on (the linked Loss too), y still fits the data
    assert acc("drag")["x"][0] > acc("wheel")["x"][0] and loss("drag")["x"] == acc("drag")["x"]
    assert acc("drag")["auto_y"] and not acc("drag")["fixed_shown"], acc("drag")
    # Ctrl+wheel zooms y: from now on y stays where it was put, and the card says so
    ctrl = acc("ctrl wheel")
    assert not ctrl["auto_y"] and ctrl["fixed_shown"] and "double-click" in ctrl["fixed_text"], ctrl
    assert ctrl["y"][1] - ctrl["y"][0] < acc("drag")["y"][1] - acc("drag")["y"][0]
    moved = acc("drag with y fixed")  # with y fixed, a drag moves y too (as it is the person's)
    assert moved["y"] != ctrl["y"] and not moved["auto_y"] and moved["fixed_shown"]
    assert loss("ctrl wheel")["auto_y"] and not loss("ctrl wheel")["fixed_shown"]  # y is each chart's own
    # the double-click: Reset view, here and in the linked chart
    reset = acc("double click")
    assert reset["auto_x"] and reset["auto_y"] and not reset["fixed_shown"], reset
    assert loss("double click")["auto_x"], loss("double click")
