"""Issue 21: symlog y (and x) with a linear region the person sets, and a right y axis per series:
saved with the chart, in the chart's menu and editor, undoable, in ``chartdesk chartset`` and
``store.set_chart_set``; ticks, hover and exports in real values."""
from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
import warnings

import numpy as np
import pytest
from gui_helpers import answer_next_dialog, chart, menu_action
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QPainter

from chartdesk.errors import InvalidInput
from chartdesk.model import Chart, SeriesRef
from chartdesk.scales import Scale


def symlog_reference(a, c):
    """matplotlib's SymmetricalLogTransform (base 10, linscale 1), written from its definition
    (or matplotlib's own when it is installed)."""
    try:
        from matplotlib.scale import SymmetricalLogTransform
    except ImportError:
        a = np.asarray(a, dtype=float)
        adj = 1.0 / (1.0 - 1.0 / 10.0)
        out = np.empty_like(a)
        for i, v in enumerate(a):
            if math.isnan(v):
                out[i] = v
            elif abs(v) <= c:
                out[i] = v * adj
            else:
                out[i] = math.copysign(c * (adj + math.log10(abs(v) / c)) if math.isfinite(v) else math.inf, v)
        return out
    return SymmetricalLogTransform(10, c, 1).transform_non_affine(np.asarray(a, dtype=float))


# ---- the transform, the ticks, the chart definition (no window) ------------------------------------
@pytest.mark.parametrize("c", [1.0, 0.01, 250.0])
def test_symlog_is_matplotlibs_transform_in_units_of_decades(c):
    a = np.array([-1e6, -1000.0, -c, -c / 2, -0.0, 0.0, c / 3, c, 1.5 * c, 1e3, 1e9, np.inf, -np.inf, np.nan])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = Scale("symlog", c).forward(a)
        back = Scale("symlog", c).inverse(t[np.isfinite(t)])
    ref = symlog_reference(a, c)
    assert np.allclose(t * c, ref, equal_nan=True, rtol=1e-12)
    assert np.allclose(back, a[np.isfinite(t)], rtol=1e-12)
    assert float(Scale("symlog", c).forward(10 * c)) == pytest.approx(10 / 9 + 1)  # one decade is one unit


def test_symlog_ticks_are_zero_and_decades_of_the_threshold_labelled_with_real_values(qapp):
    from chartdesk.gui.plot_items import YAxis

    s = Scale("symlog", 1.0)
    lo, hi = float(s.forward(-500.0)), float(s.forward(5000.0))
    levels = s.ticks(lo, hi, 400)
    majors = levels[0][1]
    axis = YAxis("left")
    axis.symlog = s
    labels = axis.tickStrings(majors, 1, levels[0][0])
    assert labels == ["-100", "-10", "-1", "0", "1", "10", "100", "1000"]
    for pos, text in zip(majors, labels):  # each label is the real value at its position
        assert float(s.inverse(pos)) == pytest.approx(float(text))
    # zoomed into one decade: evenly spaced real values, still labelled as themselves
    levels = s.ticks(float(s.forward(20.0)), float(s.forward(80.0)), 400)
    labels = axis.tickStrings(levels[0][1], 1, 0)
    assert len(labels) >= 2 and all(20 <= float(t) <= 80 for t in labels)
    assert len(s.ticks(0.0, 1e-300, 300)) <= 1  # a tiny view: no loop, no error
    assert s.ticks(-700.0, 700.0, 300)[0][1]  # 10**700 is far past a float: ticks, no overflow


def test_old_chart_definitions_read_and_write_the_same():
    old = {"name": "Loss", "series": ["channel:loss"], "log_y": True, "log_x": True, "smoothing": 0.6}
    assert Chart.from_dict(old).to_dict() == old
    c = Chart.from_dict(old)
    assert c.y_scale == Scale("log") and c.x_scale == Scale("log") and c.right_axis == ()


def test_symlog_and_right_axis_in_a_chart_definition():
    c = Chart.from_dict({"name": "A", "series": ["channel:adv", {"ref": "channel:lr", "axis": "right"}],
                         "symlog_y": True, "linthresh_y": 0.1})
    assert c.right_axis == (SeriesRef("channel", "lr"),) and c.axis_of(SeriesRef("channel", "lr")) == "right"
    assert c.to_dict() == {"name": "A", "series": ["channel:adv", "channel:lr"], "symlog_y": True,
                           "linthresh_y": 0.1, "right_axis": ["channel:lr"]}
    assert Chart.from_dict(c.to_dict()) == c
    assert c.with_(series=c.series[:1]).right_axis == ()  # a removed series takes its axis with it
    bad = [({"log_y": True, "symlog_y": True}, "cannot both be on"),
           ({"linthresh_y": 0}, "above 0"), ({"linthresh_x": "1"}, "above 0"), ({"symlog_y": "yes"}, "true or false"),
           ({"right_axis": ["channel:other"]}, "does not plot"), ({"right_axis": "channel:adv"}, "a list"),
           ({"series": [{"ref": "channel:adv", "axis": "top"}]}, "'left' or 'right'")]
    for extra, said in bad:
        with pytest.raises(InvalidInput, match=said):
            Chart.from_dict({"name": "A", "series": ["channel:adv"], **extra})


def test_store_and_cli_keep_symlog_and_the_right_axis(store, tmp_path):
    store.create_experiment("p", "e")
    store.set_chart_set("p", "S", [{"name": "A", "series": ["channel:adv", {"ref": "channel:lr", "axis": "right"}],
                                    "symlog_y": True, "linthresh_y": 0.5}])
    assert store.chart_sets("p")["S"] == [{"name": "A", "series": ["channel:adv", "channel:lr"], "symlog_y": True,
                                           "linthresh_y": 0.5, "right_axis": ["channel:lr"]}]


def test_chartset_add_takes_symlog_and_right(tmp_path):
    import chartdesk

    db = tmp_path / "c.db"
    with chartdesk.open_store(db) as s:
        s.create_experiment("p", "e")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(db)], capture_output=True,
                              text=True, timeout=60)

    r = cli("chartset", "add", "p", "S", "A", "channel:adv", "channel:lr", "--symlog-y", "--linthresh-y", "0.01",
            "--symlog-x", "--right", "channel:lr")
    assert r.returncode == 0, r.stderr
    got = json.loads(cli("chartset", "ls", "p", "--json").stdout)["S"][0]
    assert got == {"name": "A", "series": ["channel:adv", "channel:lr"], "symlog_y": True, "linthresh_y": 0.01,
                   "symlog_x": True, "right_axis": ["channel:lr"]}
    assert "right axis: channel:lr" in cli("chartset", "ls", "p").stdout
    r = cli("chartset", "add", "p", "S", "B", "channel:adv", "--right", "channel:lr")
    assert r.returncode != 0 and r.stderr.count("\n") == 1 and "does not plot" in r.stderr
    r = cli("chartset", "add", "p", "S", "B", "channel:adv", "--log-y", "--symlog-y")
    assert r.returncode != 0 and "cannot both be on" in r.stderr and "Traceback" not in r.stderr


# ---- in the window ------------------------------------------------------------------------------------
X = np.arange(200.0)
ADV = 500 * np.sin(X / 10)        # crosses zero, spans decades
LOSS = 2 * np.exp(-X / 60) + 0.1  # left axis
LR = 1e-3 * (1 - X / 400)         # right axis: a thousand times smaller


def _painted_labels(axis) -> list[str]:
    """The tick labels the axis paints (pyqtgraph's own draw specs)."""
    img = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    p = QPainter(img)
    try:
        _axis_spec, _ticks, texts = axis.generateDrawSpecs(p)
    finally:
        p.end()
    return [t[2] for t in texts]


@pytest.fixture
def scaled(store):
    store.create_experiment("p", "e")
    store.append("p", "e", "adv", X, ADV)
    store.append("p", "e", "loss", X, LOSS)
    store.append("p", "e", "lr", X, LR)
    store.set_chart_set("p", "S", [{"name": "Adv", "series": ["channel:adv"]},
                                   {"name": "Two", "series": ["channel:loss", "channel:lr"]}])
    return store


def test_symlog_y_from_the_chart_menu_draws_labels_and_reads_real_values(scaled, open_win, qtbot, tmp_path):
    w = open_win(scaled, "p", "e")
    c = chart(w, "S", "Adv")
    menu_action(c.menu, "Symlog y").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][0].get("symlog_y") is True, timeout=5000)
    c = chart(w, "S", "Adv")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    drawn_x, drawn_y = c.curves[0].line.getData()
    assert np.allclose(drawn_y * 1.0, symlog_reference(ADV[drawn_x.astype(int)], 1.0))  # linthresh 1
    labels = _painted_labels(c.plot.getPlotItem().getAxis("left"))
    assert {"-100", "-10", "0", "10", "100"} <= set(labels), labels
    assert "y symlog ±1" in c.options_label.text()
    c.show_values_at(37.0)
    assert [r.value for r in c.readout.rows()] == [f"{ADV[37]:.6g}"]  # the real value, not the drawn one

    # the linear region, asked for from the menu
    answer_next_dialog(qtbot, lambda dlg: (dlg.setTextValue("20"), dlg.accept()))
    menu_action(c.menu, "Symlog y linear region (±1)…").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][0].get("linthresh_y") == 20.0, timeout=5000)
    c = chart(w, "S", "Adv")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves) and c.chart.linthresh_y == 20.0, timeout=10000)
    drawn_x, drawn_y = c.curves[0].line.getData()
    assert np.allclose(drawn_y * 20.0, symlog_reference(ADV[drawn_x.astype(int)], 20.0))
    labels = _painted_labels(c.plot.getPlotItem().getAxis("left"))
    assert {"-200", "-20", "0", "20", "200"} <= set(labels), labels

    path = tmp_path / "adv.csv"
    c.export(str(path))
    rows = list(csv.DictReader(path.read_text().splitlines()))
    assert [float(r["y"]) for r in rows] == ADV.tolist()  # the export is in real values

    w.undo_action.trigger()
    qtbot.waitUntil(lambda: "linthresh_y" not in scaled.chart_sets("p")["S"][0], timeout=5000)
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: "symlog_y" not in scaled.chart_sets("p")["S"][0], timeout=5000)
    c = chart(w, "S", "Adv")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves) and not c.chart.symlog_y, timeout=10000)
    assert np.allclose(c.curves[0].line.getData()[1], ADV[c.curves[0].line.getData()[0].astype(int)])


def test_log_y_and_symlog_y_are_one_choice_in_the_menu(scaled, open_win, qtbot):
    w = open_win(scaled, "p", "e")
    c = chart(w, "S", "Adv")
    menu_action(c.menu, "Log y").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][0].get("log_y") is True, timeout=5000)
    c = chart(w, "S", "Adv")
    menu_action(c.menu, "Symlog y").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][0].get("symlog_y") is True, timeout=5000)
    assert "log_y" not in scaled.chart_sets("p")["S"][0]
    c = chart(w, "S", "Adv")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    assert menu_action(c.menu, "Symlog y").isChecked() and not menu_action(c.menu, "Log y").isChecked()
    assert not c.plot.getPlotItem().getAxis("left").logMode


def test_symlog_x_from_the_menu_keeps_hover_in_steps(scaled, open_win, qtbot):
    w = open_win(scaled, "p", "e")
    c = chart(w, "S", "Adv")
    menu_action(c.menu, "X axis", "Symlog x").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][0].get("symlog_x") is True, timeout=5000)
    c = chart(w, "S", "Adv")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    xs = c.curves[0].line.getData()[0]
    assert np.allclose(xs, symlog_reference(X, 1.0))
    labels = _painted_labels(c.plot.getPlotItem().getAxis("bottom"))
    assert {"0", "1", "10", "100"} <= set(labels), labels
    found = c.show_values_at(50.0)
    assert found == [("adv", 50.0, ADV[50])]


def test_the_chart_editor_sets_symlog_and_a_right_axis(scaled, open_win, qtbot):
    w = open_win(scaled, "p", "e")
    c = chart(w, "S", "Two")

    def edit(dlg):
        qtbot.mouseClick(dlg.symlog_y, Qt.MouseButton.LeftButton)
        dlg.linthresh_y.selectAll()
        qtbot.keyClicks(dlg.linthresh_y, "0.5")
        dlg.chosen.setCurrentRow(1)  # lr
        qtbot.keyClick(dlg.chosen, Qt.Key.Key_Space)  # ticks it: the right axis
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answer_next_dialog(qtbot, edit)
    menu_action(c.menu, "Edit chart…").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][1].get("right_axis") == ["channel:lr"], timeout=5000)
    got = scaled.chart_sets("p")["S"][1]
    assert got["symlog_y"] is True and got["linthresh_y"] == 0.5

    def off(dlg):
        assert dlg.symlog_y.isChecked() and dlg.chosen.item(1).checkState() == Qt.CheckState.Checked
        qtbot.mouseClick(dlg.log_y, Qt.MouseButton.LeftButton)  # log instead: symlog goes off
        assert not dlg.symlog_y.isChecked()
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    c = chart(w, "S", "Two")
    answer_next_dialog(qtbot, off)
    menu_action(c.menu, "Edit chart…").trigger()
    qtbot.waitUntil(lambda: scaled.chart_sets("p")["S"][1].get("log_y") is True, timeout=5000)
    assert "symlog_y" not in scaled.chart_sets("p")["S"][1]


def test_a_right_axis_fits_its_own_series_and_hover_legend_and_exports_hold_both(scaled, open_win, qtbot, tmp_path):
    scaled.set_chart_set("p", "S", [{"name": "Two", "series": ["channel:loss", {"ref": "channel:lr", "axis": "right"}]}])
    w = open_win(scaled, "p", "e")
    c = chart(w, "S", "Two")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 2, timeout=10000)
    item = c.plot.getPlotItem()
    assert item.getAxis("right").isVisible()
    left_y, right_y = item.getViewBox().viewRange()[1], c._right_vb.viewRange()[1]
    # each axis fits its own series (with pyqtgraph's small padding)
    assert left_y[0] <= LOSS.min() and left_y[1] >= LOSS.max() and left_y[1] - left_y[0] < 1.2 * np.ptp(LOSS)
    assert right_y[0] <= LR.min() and right_y[1] >= LR.max() and right_y[1] - right_y[0] < 1.2 * np.ptp(LR)
    assert c.legend.labels() == ["loss", "lr (right axis)"]
    right_labels = _painted_labels(item.getAxis("right"))
    assert any(float(t) == pytest.approx(5e-4) for t in right_labels if t), right_labels

    # the pointer over the lr line (drawn against the right axis) reads it, and it is the nearest
    i = 120
    lr = next(cu for cu in c.curves if cu.channel == "lr")
    scene = c._right_vb.mapViewToScene(QPointF(float(X[i]), float(LR[i])))
    left_y_there = item.getViewBox().mapSceneToView(scene).y()
    found = c.show_values_at(float(X[i]), left_y_there)
    assert found[0] == ("lr (right axis)", X[i], LR[i]) and c.hovered() is lr
    assert c.curve_at(scene) is lr
    loss_scene = item.getViewBox().mapViewToScene(QPointF(float(X[i]), float(LOSS[i])))
    assert c.curve_at(loss_scene) is not lr

    # a pan moves both, each axis fitting what it shows
    item.getViewBox().setXRange(150, 199, padding=0)
    qtbot.waitUntil(lambda: c._right_vb.viewRange()[1][1] < LR[140], timeout=5000)
    assert c._right_vb.viewRange()[0] == pytest.approx(item.getViewBox().viewRange()[0])

    path = tmp_path / "two.csv"
    c.export(str(path))
    rows = list(csv.DictReader(path.read_text().splitlines()))
    assert {r["channel"]: r["axis"] for r in rows} == {"loss": "left", "lr": "right"}
    svg = tmp_path / "two.svg"
    c.export(str(svg))
    text = svg.read_text()
    assert "0.0005" in text or "5e-4" in text  # the right axis' labels are in the picture
    assert "lr (right axis)" in text


# ---- symlog x and time: relative time is symlog, wall time refuses it ------------------------------------
WALL = "symlog_x has no meaning on a wall-time x axis"


@pytest.fixture
def timed(store):
    store.create_experiment("p", "e")
    store.append("p", "e", "adv", X, ADV, t=1.7e9 + 3.0 * X)  # 3 s a step
    store.set_chart_set("p", "S", [{"name": "Rel", "series": ["channel:adv"], "x_axis": "relative",
                                    "symlog_x": True},
                                   {"name": "Wall", "series": ["channel:adv"], "x_axis": "wall"}])
    return store


def test_symlog_x_is_refused_on_wall_time_in_one_line_everywhere(tmp_path):
    for d in ({"x_axis": "wall", "symlog_x": True}, {"x_axis": "wall", "symlog_x": True, "linthresh_x": 60}):
        with pytest.raises(InvalidInput, match=WALL + r".*use x_axis relative"):
            Chart.from_dict({"name": "A", "series": ["channel:adv"], **d})
    assert Chart.from_dict({"name": "A", "x_axis": "relative", "symlog_x": True}).x_scale.symlog
    import chartdesk

    db = tmp_path / "c.db"
    with chartdesk.open_store(db) as s:
        s.create_experiment("p", "e")
        with pytest.raises(InvalidInput, match=WALL):
            s.set_chart_set("p", "S", [{"name": "A", "series": ["channel:adv"], "x_axis": "wall", "symlog_x": True}])
    r = subprocess.run([sys.executable, "-m", "chartdesk", "chartset", "add", "p", "S", "A", "channel:adv",
                        "--x-axis", "wall", "--symlog-x", "--db", str(db)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and WALL in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    layout = tmp_path / "l.yaml"
    layout.write_text("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: A\n        series: [channel:adv]\n"
                      "        x_axis: wall\n        symlog_x: true\n")
    r = subprocess.run([sys.executable, "-m", "chartdesk", "layout", "apply", "p", str(layout), "--db", str(db)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and WALL in r.stderr and "l.yaml" in r.stderr and r.stderr.count("\n") == 1
    with chartdesk.open_store(db) as s:
        assert s.chart_sets("p") == {}  # nothing written


def test_symlog_x_on_relative_time_is_drawn_symlog_and_the_menu_refuses_it_on_wall_time(timed, open_win, qtbot):
    w = open_win(timed, "p", "e")
    rel = chart(w, "S", "Rel")
    qtbot.waitUntil(lambda: rel.drawn and bool(rel.curves), timeout=10000)
    xs = rel.curves[0].line.getData()[0]
    assert np.allclose(xs, symlog_reference(3.0 * X, 1.0))  # seconds since the start, symlog
    assert "x symlog ±1" in rel.options_label.text()

    wall = chart(w, "S", "Wall")
    qtbot.waitUntil(lambda: wall.drawn and bool(wall.curves), timeout=10000)
    menu_action(wall.menu, "X axis", "Symlog x").trigger()
    qtbot.waitUntil(lambda: WALL in w.statusBar().currentMessage(), timeout=3000)
    assert "\n" not in w.statusBar().currentMessage()
    assert not menu_action(wall.menu, "X axis", "Symlog x").isChecked()
    assert "symlog_x" not in timed.chart_sets("p")["S"][1]  # nothing saved

    # a symlog chart switched to wall time: wall time, linear (symlog goes with the choice)
    menu_action(rel.menu, "X axis", "Wall time").trigger()
    qtbot.waitUntil(lambda: timed.chart_sets("p")["S"][0].get("x_axis") == "wall", timeout=5000)
    assert "symlog_x" not in timed.chart_sets("p")["S"][0]
    rel = chart(w, "S", "Rel")
    qtbot.waitUntil(lambda: rel.drawn and bool(rel.curves) and rel.chart.x_axis == "wall", timeout=10000)
    assert np.allclose(rel.curves[0].line.getData()[0], 1.7e9 + 3.0 * X)
    assert not menu_action(rel.menu, "X axis", "Symlog x").isChecked() and "symlog" not in rel.options_label.text()


def test_the_chart_editor_refuses_symlog_x_on_wall_time(timed, open_win, qtbot):
    w = open_win(timed, "p", "e")
    wall = chart(w, "S", "Wall")
    said, stayed = [], []

    def warning(box):
        said.append(box.text())
        box.accept()

    def edit(dlg):
        qtbot.mouseClick(dlg.symlog_x, Qt.MouseButton.LeftButton)
        answer_next_dialog(qtbot, warning)
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
        stayed.append(dlg.isVisible())
        dlg.reject()

    answer_next_dialog(qtbot, edit)
    menu_action(wall.menu, "Edit chart…").trigger()
    qtbot.waitUntil(lambda: bool(stayed), timeout=5000)
    assert stayed == [True] and len(said) == 1 and WALL in said[0] and "\n" not in said[0]
    assert "symlog_x" not in timed.chart_sets("p")["S"][1]
