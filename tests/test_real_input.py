"""Real gestures: the window on an X server (Xvfb, Qt's xcb platform), driven by xdotool, so the
OS delivers the mouse events. Skipped with the reason when no X server can be started here;
.ci/run installs Xvfb and xdotool, so in CI they run."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.fixture(scope="module")
def xserver():
    """An Xvfb of this module's own. Xvfb picks a free display number itself (-displayfd) and
    says which once it listens, so two test processes (pytest-xdist) never race for one."""
    missing = [t for t in ("Xvfb", "xdotool") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"real-input tests need {' and '.join(missing)} (apt-get install xvfb xdotool; .ci/run does)")
    read, write = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, pass_fds=(write,))
    os.close(write)
    with os.fdopen(read) as said:
        number = said.readline().strip()  # written once the server accepts connections; "" if it died
    if not number.isdigit():
        proc.kill()
        proc.wait(10)
        pytest.skip(f"Xvfb did not start (exit {proc.poll()})")
    n = int(number)
    yield f":{n}"
    proc.terminate()
    proc.wait(10)


def run_scenario(xserver, tmp_path, scenario):
    import chartdesk
    from chartdesk.demo import seed

    db = tmp_path / "real.db"
    with chartdesk.open_store(db) as s:
        seed(s)
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "CHARTDESK_DB": str(db),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(HERE / "real_input_app.py"), str(db), scenario], capture_output=True,
                       text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert out["steps"] == ["dragged"], out
    return out


def test_a_real_drag_reorders_the_alias_and_switches_the_plotted_channel(xserver, tmp_path):
    out = run_scenario(xserver, tmp_path, "reorder")
    assert out["entries"] == ["accuracy", "pred_acc", "acc"], out
    assert out["stored"] == out["entries"] and out["rows"] == 3  # persisted; no row deleted by the move
    assert "pred_acc" in out["plotted"] and "acc" not in out["plotted"]
    assert out["undo"] == 1


def test_a_real_drag_from_the_tree_inserts_the_channel_where_dropped(xserver, tmp_path):
    out = run_scenario(xserver, tmp_path, "tree")
    assert out["entries"] == ["val_acc", "accuracy", "acc", "pred_acc"], out
    assert out["stored"] == out["entries"] and out["rows"] == 4


def test_a_real_drag_from_the_tree_keeps_the_compared_runs(xserver, tmp_path):
    """Three runs compared; the press on a channel row of one of them starts a drag onto the alias
    list: the channel is inserted where dropped, and the three runs are still compared (the press
    used to select the channel row, and with it that one run)."""
    out = run_scenario(xserver, tmp_path, "tree-compare")
    assert out["entries"] == ["val_acc", "accuracy", "acc", "pred_acc"], out
    assert out["stored"] == out["entries"] and out["rows"] == 4
    assert sorted(out["selected"]) == sorted(["baseline-sgd", "adam-lr1e-3", "adam-both-names"]), out
    assert out["tree_selected"] == sorted(out["selected"]), out  # and the tree shows them selected


def test_a_real_click_on_a_channel_row_still_chooses_its_run(xserver, tmp_path):
    """Three runs compared; a click (press and release, no drag) on a channel row of one of them
    chooses that run, as a click on a row always did."""
    out = run_scenario(xserver, tmp_path, "channel-click")
    assert out["selected"] == ["baseline-sgd"], out
    assert out["entries"] == ["accuracy", "acc", "pred_acc"] and out["undo"] == 0, out  # nothing dropped


def test_a_real_reorder_drop_is_written_after_qts_drop_handler_returned(xserver, tmp_path):
    """The drop handler only decides what the drop means: when it returns the store still holds the
    old order, and the one write comes after it (from the event loop), then the list, the store
    and the chart agree on the new order, one undo step."""
    out = run_scenario(xserver, tmp_path, "reorder")
    t = out["timing"]
    assert t["stored_after_drop"] == ["accuracy", "acc", "pred_acc"], t  # not written inside the handler
    assert [w["in_drop"] for w in t["writes"]] == [False], t
    assert out["entries"] == out["stored"] == ["accuracy", "pred_acc", "acc"] and out["undo"] == 1, out
    assert "redrawn_ms" in t and "pred_acc" in out["plotted"], out


def test_a_real_drop_from_the_tree_is_written_after_qts_drop_handler_returned(xserver, tmp_path):
    out = run_scenario(xserver, tmp_path, "tree")
    t = out["timing"]
    assert t["stored_after_drop"] == ["accuracy", "acc", "pred_acc"], t
    assert [w["in_drop"] for w in t["writes"]] == [False], t
    assert out["entries"] == out["stored"] == ["val_acc", "accuracy", "acc", "pred_acc"] and out["undo"] == 1, out


def test_a_real_hover_shows_a_table_of_every_run_sorted_by_value_and_it_goes_when_the_pointer_leaves(
        xserver, tmp_path):
    """Issue 23 item 4: 20 runs compared, the OS pointer over a chart: a floating table of every
    run's value there, highest first, the nearest highlighted, whole inside the window (left of the
    pointer near the window's right edge) and never under the pointer (the plot keeps the
    pointer while it moves); off the plot, no table."""
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(HERE / "real_hover_app.py"), str(tmp_path / "hover.db")],
                       capture_output=True, text=True, env=env, timeout=90)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert out["steps"] == ["moved"], out
    for seen in (out["rest"], out["moving"], out["corner"]):
        assert seen["visible"] and seen["rows"] == 20 and seen["labels"] == seen["curves"], seen
        assert seen["values"] == sorted(seen["values"], reverse=True), seen
        assert seen["nearest"] is not None and seen["nearest"] == seen["hovered"], seen
        assert seen["on_screen"] and not seen["under_pointer"] and seen["pointer_over_plot"], seen
        # whole inside the window (1200 px wide on a 1600 px screen: the screen had room to its right)
        assert seen["in_window"], seen
    assert out["corner"]["left_of_pointer"] and not out["moving"]["left_of_pointer"], out  # it turned at the edge
    assert out["left"] == {"visible": False, "hovered": False, "vline": False}, out


def test_a_real_drag_reorders_the_charts_of_a_set(xserver, tmp_path):
    """Issue 23 item 23: charts in the chart-set panel could only be moved with the arrows."""
    out = run_scenario(xserver, tmp_path, "charts")
    assert out["charts"] == ["Loss", "Accuracy"], out    # stored
    assert out["panel"] == ["Loss", "Accuracy"]          # the list redrawn from the store, no row lost
    assert out["tab"] == ["Loss", "Accuracy"]            # the tab follows
    assert out["undo_text"] == "Move chart Loss"


def test_a_real_wheel_and_drag_on_one_chart_move_the_linked_chart_and_the_crosshair_stands_in_both(
        xserver, tmp_path):
    """Issue 21: the OS's wheel over Accuracy zooms it and Loss (same x: steps) to the same range, a
    drag across it pans both, the pointer resting on it puts the crosshair in Loss too, and off the
    charts neither has a line."""
    import chartdesk
    from chartdesk.demo import seed

    db = tmp_path / "link.db"
    with chartdesk.open_store(db) as s:
        seed(s)
    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(HERE / "real_link_app.py"), str(db)], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    out = json.loads(lines[-1])
    assert out["steps"] == ["driven"], out
    snap = out["snapshots"]

    def same(a, b):
        return all(abs(p - q) <= 1e-6 * max(1.0, abs(p)) for p, q in zip(a, b))

    before, wheel, drag = snap["before"]["Accuracy"]["x"], snap["wheel"]["Accuracy"]["x"], snap["drag"]["Accuracy"]["x"]
    assert wheel[1] - wheel[0] < 0.9 * (before[1] - before[0]), snap  # the wheel zoomed Accuracy in
    assert same(snap["wheel"]["Loss"]["x"], wheel) and not snap["wheel"]["Loss"]["auto_x"], snap  # Loss too
    assert drag[0] > wheel[0] and abs((drag[1] - drag[0]) - (wheel[1] - wheel[0])) < 1e-6 * drag[1], snap  # panned
    assert same(snap["drag"]["Loss"]["x"], drag), snap
    hover = snap["hover"]
    assert hover["Accuracy"]["vline"] and hover["Loss"]["vline"], hover
    assert abs(hover["Loss"]["vline_x"] - hover["Accuracy"]["vline_x"]) <= 0.01 * (drag[1] - drag[0]), hover
    assert not snap["left"]["Accuracy"]["vline"] and not snap["left"]["Loss"]["vline"], snap["left"]
