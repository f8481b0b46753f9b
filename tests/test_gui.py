"""The main window as a user meets it: tree, alias editor, chart sets, charts, undo, exit code."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt

import chartdesk
from chartdesk.gui.app import make_app, open_window
from chartdesk.gui.alias_editor import ENTRY_MIME
from chartdesk.model import Chart, SeriesRef


@pytest.fixture
def open_win(qtbot):
    windows = []

    def _open(store, project="mnist", experiment=None):
        make_app()
        w = open_window(store, project, experiment)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitUntil(w.settled, timeout=15000)
        windows.append(w)
        return w

    yield _open
    for w in windows:
        w.close()


def chart(window, set_name, chart_name):
    grid = window.grids[set_name]
    return next(c for c in grid.charts if c.chart.name == chart_name)


def plotted(chart_widget):
    return [(c.experiment, c.channel) for c in chart_widget.curves]


def drag_row(model, src, dst):
    """What a drag in the view does: the model's mimeData of the row, dropped before row dst."""
    mime = model.mimeData([model.index(src)])
    assert mime.hasFormat(ENTRY_MIME)
    assert model.canDropMimeData(mime, Qt.DropAction.MoveAction, dst, 0, QModelIndex())
    return model.dropMimeData(mime, Qt.DropAction.MoveAction, dst, 0, QModelIndex())


def test_tree_and_alias_models_pass_qtmodeltester(qtmodeltester, demo_store, open_win):
    w = open_win(demo_store)
    qtmodeltester.check(w.tree.model)
    qtmodeltester.check(w.tree.proxy)
    w.alias_editor.choose("accuracy")
    qtmodeltester.check(w.alias_editor.entries_model)
    qtmodeltester.check(w.alias_editor.aliases_model)


def test_tree_shows_projects_experiments_states_tags_and_filters(demo_store, open_win):
    w = open_win(demo_store)
    m = w.tree.model
    assert m.projects() == ["cifar10", "mnist"]
    idx = m.experiment_index("mnist", "adam-lr1e-1-diverged")
    info = m.index(idx.row(), 1, idx.parent()).data()
    assert "failed" in info and "diverged" in info
    assert m.rowCount(idx) == 2  # its channels
    w.tree.filter_edit.setText("diverged")
    proxy = w.tree.proxy
    mnist = next(proxy.index(r, 0) for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "mnist")
    assert [proxy.index(r, 0, mnist).data() for r in range(proxy.rowCount(mnist))] == ["adam-lr1e-1-diverged"]


def test_drag_reorder_switches_the_plotted_channel_persists_and_undoes(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")  # has both acc and pred_acc
    acc_chart = chart(w, "Training", "Accuracy")
    assert ("adam-both-names", "acc") in plotted(acc_chart)
    assert acc_chart.legend.items[0][1].text == "accuracy → acc"

    w.alias_editor.choose("accuracy")
    model = w.alias_editor.entries_model
    assert model.entries() == ["accuracy", "acc", "pred_acc"]
    assert drag_row(model, 2, 1)  # drag pred_acc above acc
    assert model.entries() == ["accuracy", "pred_acc", "acc"]
    qtbot.waitUntil(lambda: acc_chart.drawn and ("adam-both-names", "pred_acc") in plotted(acc_chart), timeout=10000)
    assert acc_chart.legend.items[0][1].text == "accuracy → pred_acc"
    # the preview in the alias editor agrees with the chart
    assert w.alias_editor.preview.topLevelItem(0).text(1) == "pred_acc"

    with chartdesk.open_store(db_path) as again:  # survives reopening the store
        assert again.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]

    w.undo_action.trigger()
    assert model.entries() == ["accuracy", "acc", "pred_acc"]
    qtbot.waitUntil(lambda: acc_chart.drawn and ("adam-both-names", "acc") in plotted(acc_chart), timeout=10000)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    w.redo_action.trigger()
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]


def test_drop_onto_itself_is_a_no_op(demo_store, open_win):
    w = open_win(demo_store)
    w.alias_editor.choose("accuracy")
    model = w.alias_editor.entries_model
    assert not drag_row(model, 1, 1) and not drag_row(model, 1, 2)
    assert model.entries() == ["accuracy", "acc", "pred_acc"]
    assert w.ws.undo_stack.count() == 0


def test_dropping_a_channel_from_the_tree_adds_it_to_the_alias(demo_store, open_win):
    w = open_win(demo_store)
    w.alias_editor.choose("accuracy")
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "baseline-sgd")
    val_acc = next(tm.index(r, 0, exp) for r in range(tm.rowCount(exp)) if tm.index(r, 0, exp).data() == "val_acc")
    mime = tm.mimeData([val_acc])
    model = w.alias_editor.entries_model
    assert model.dropMimeData(mime, Qt.DropAction.CopyAction, 0, 0, QModelIndex())
    assert demo_store.alias("mnist", "accuracy") == ["val_acc", "accuracy", "acc", "pred_acc"]


def test_chart_added_to_a_chart_set_shows_for_every_experiment(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.chart_set_panel.choose("Training")
    w.chart_set_panel.add_chart(Chart("Validation", (SeriesRef("channel", "val_loss"), SeriesRef("alias", "accuracy"))))
    assert [c["name"] for c in demo_store.chart_sets("mnist")["Training"]] == ["Accuracy", "Loss", "Validation"]
    for exp in demo_store.experiments("mnist"):
        w.ws.select_experiments([exp])
        qtbot.waitUntil(w.settled, timeout=10000)
        c = chart(w, "Training", "Validation")
        assert c.drawn
        expected = {demo_store.resolve("mnist", exp, "accuracy")} | (
            {"val_loss"} if "val_loss" in demo_store.channels("mnist", exp) else set())
        assert {ch for _e, ch in plotted(c)} == expected
        if "val_loss" not in demo_store.channels("mnist", exp):
            assert "val_loss (channel) not in this experiment" in c.note.text()  # a quiet note, not an error


def test_compare_mode_overlays_every_selected_experiment(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    exps = demo_store.experiments("mnist")
    w.ws.select_experiments(exps)
    qtbot.waitUntil(w.settled, timeout=15000)
    acc = chart(w, "Training", "Accuracy")
    by_exp = {e for e, _ in plotted(acc)}
    assert by_exp == set(exps)
    pens = {c.experiment: c.line.opts["pen"].color().name() for c in acc.curves}
    assert len(set(pens.values())) == len(exps)  # each experiment its own colour
    labels = [lab.text for _s, lab in acc.legend.items]
    assert "adam-lr1e-3 · accuracy → pred_acc" in labels
    assert labels[-1] == f"+{len(acc.curves) - 6} more: hover to read them"  # a crowded legend stays short


def test_hover_reads_out_nearest_points(demo_store, open_win):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    found = acc.show_values_at(1234.0)
    drawn = acc.curves[0]
    i = int(np.argmin(np.abs(drawn.x - 1234.0)))  # the nearest drawn point…
    assert found[0] == ("accuracy → acc", drawn.x[i], drawn.y[i])
    s = demo_store.read("mnist", "baseline-sgd", "acc")
    assert s.y[s.x == drawn.x[i]][0] == drawn.y[i]  # …is a real point of the channel
    assert abs(drawn.x[i] - 1234.0) <= 60  # within a pixel column or two
    assert "accuracy → acc" in acc.readout.text()


def test_chart_options_persist_and_smoothing_keeps_raw_curve(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    loss = chart(w, "Training", "Loss")
    loss._set_option(smoothing=0.9)
    assert demo_store.chart_sets("mnist")["Training"][1]["smoothing"] == 0.9
    loss = chart(w, "Training", "Loss")
    qtbot.waitUntil(lambda: loss.drawn, timeout=10000)
    assert loss.curves and all(c.faint is not None and len(c.faint.getData()[0]) for c in loss.curves)
    w.undo_action.trigger()
    assert "smoothing" not in demo_store.chart_sets("mnist")["Training"][1]


def test_alias_resolving_to_nothing_is_a_quiet_note(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.alias_editor.create_alias("f1", ["f1_score", "f1"])
    w.chart_set_panel.choose("Training")
    w.chart_set_panel.add_chart(Chart("F1", (SeriesRef("alias", "f1"),)))
    c = chart(w, "Training", "F1")
    qtbot.waitUntil(lambda: c.drawn, timeout=10000)
    assert c.curves == [] and "f1 (alias) not in this experiment" in c.note.text()


def test_export_png_svg_csv(demo_store, open_win, tmp_path):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    for ext in ("png", "svg", "csv"):
        acc.export(str(tmp_path / f"acc.{ext}"))
    assert (tmp_path / "acc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<svg" in (tmp_path / "acc.svg").read_text()
    lines = (tmp_path / "acc.csv").read_text().splitlines()
    assert lines[0] == "experiment,series,channel,x,y"
    assert len(lines) == 1 + 2 * 3000 and lines[1].startswith("baseline-sgd,alias:accuracy,acc,0.0,")


def test_chart_set_panel_create_rename_reorder_delete_with_undo(demo_store, open_win):
    w = open_win(demo_store)
    p = w.chart_set_panel
    p.new_set("Extra")
    assert list(demo_store.chart_sets("mnist")) == ["Training", "Extra"]
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())][:2] == ["Training", "Extra"]
    p.choose("Extra")
    p.move_set(-1)
    assert list(demo_store.chart_sets("mnist")) == ["Extra", "Training"]
    p.delete_set()
    assert list(demo_store.chart_sets("mnist")) == ["Training"]
    w.undo_action.trigger()
    w.undo_action.trigger()
    assert list(demo_store.chart_sets("mnist")) == ["Training", "Extra"]


def test_window_layout_persists_in_settings(demo_store, open_win, tmp_path):
    w = open_win(demo_store)
    w.alias_dock.hide()
    w.close()
    w2 = open_win(demo_store)
    assert not w2.alias_dock.isVisible()
    from chartdesk.gui.main_window import make_settings

    assert make_settings().fileName().startswith(str(tmp_path))


def test_screenshot_run_draws_and_exits_zero(tmp_path):
    db = tmp_path / "shot.db"
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    subprocess.run([sys.executable, "-m", "chartdesk", "demo", "--db", str(db)], check=True, env=env, timeout=120)
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(db), "--project", "mnist", "--experiment",
                        "adam-both-names", "--screenshot", str(out)], capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def fresh_machine_env(home):
    """A new user's machine: a HOME with nothing in it, XDG folders inside it, no CHARTDESK_DB."""
    env = {k: v for k, v in os.environ.items() if k != "CHARTDESK_DB"}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / ".local/share"), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), QT_QPA_PLATFORM="offscreen")
    return env


def test_first_launch_on_a_fresh_machine_creates_the_default_store_with_the_demo(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    out = tmp_path / "first.png"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--screenshot", str(out)], capture_output=True, text=True,
                       env=fresh_machine_env(home), timeout=120)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    default = home / ".local/share/chartdesk/chartdesk.db"
    with chartdesk.open_store(default) as s:
        assert s.projects() == ["cifar10", "mnist"]


def test_a_named_new_store_is_not_filled_with_the_demo(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    db = tmp_path / "runs.db"
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(db), "--screenshot", str(tmp_path / "s.png")],
                       capture_output=True, text=True, env=fresh_machine_env(home), timeout=120)
    assert r.returncode == 0, r.stderr
    with chartdesk.open_store(db) as s:
        assert s.projects() == []
    assert not (home / ".local/share/chartdesk").exists()  # the user's own store was not touched either


def test_unknown_project_on_launch_is_one_line(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "--db", str(tmp_path / "x.db"), "--project", "nope",
                        "--screenshot", str(tmp_path / "x.png")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "unknown project 'nope'" in r.stderr and "Traceback" not in r.stderr


def test_render_cli_writes_a_png_of_the_chart_set(tmp_path, demo_store, db_path):
    demo_store.close()
    out = tmp_path / "r.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    r = subprocess.run([sys.executable, "-m", "chartdesk", "render", "--project", "cifar10", "--experiment", "resnet50",
                        "--out", str(out), "--db", str(db_path)], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "3 charts" in r.stdout and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_live_run_shows_new_channels_and_switches_alias_mid_run(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "wide-net-live")
    acc = chart(w, "Training", "Accuracy")
    assert ("wide-net-live", "accuracy") in plotted(acc)
    demo_store.set_alias("mnist", "accuracy", ["f1_best", "accuracy"])  # by another process, say
    w.ws.write_alias("accuracy", ["f1_best", "accuracy"])
    with chartdesk.init(project="mnist", experiment="wide-net-live", db=db_path) as run:
        run.log_many("f1_best", [0, 1, 2], [0.5, 0.6, 0.7])
    qtbot.waitUntil(lambda: ("wide-net-live", "f1_best") in plotted(acc), timeout=10000)
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "wide-net-live")
    assert "f1_best" in [tm.index(r, 0, exp).data() for r in range(tm.rowCount(exp))]


def _import_fixture(root):
    import sys as _sys

    _sys.path.insert(0, os.path.dirname(__file__))
    from fixtures import writers as W

    W.tensorboard_run(root / "tb" / "pt-run")
    W.mlflow_sqlite(root / "mlflow.db", {"u1": "sql-run"})
    return root


def test_import_by_drag_and_drop_shows_new_experiments(demo_store, open_win, qtbot, tmp_path):
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    src = _import_fixture(tmp_path / "logs")
    w = open_win(demo_store)
    w.importer.quiet = True
    w.importer.ask_project = lambda: "imported"
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(src))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000) as blocker:
        w.dropEvent(event)
    assert blocker.args[1] is not None and not blocker.args[1].cancelled
    assert w.ws.project == "imported"
    tm = w.tree.model
    assert tm.experiment_index("imported", "tb/pt-run").isValid()
    assert tm.experiment_index("imported", "sql-run").isValid()


def test_import_failure_writes_nothing_and_cancel_leaves_whole_experiments(demo_store, open_win, qtbot, tmp_path):
    w = open_win(demo_store)
    w.importer.quiet = True
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ok.csv").write_text("step,loss\n0,1\n")
    (bad / "broken.csv").write_text("step,loss\n0,zz\n")
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000):
        w.importer.start([str(bad)], project="x")
    assert "broken.csv (line 2)" in w.importer.last_error and "x" not in demo_store.projects()

    many = tmp_path / "many"
    many.mkdir()
    for i in range(40):
        (many / f"run{i:02d}.csv").write_text("step,a,b\n" + "".join(f"{k},{k},{-k}\n" for k in range(500)))
    with qtbot.waitSignal(w.importer.sig_finished, timeout=60000) as blocker:
        w.importer.start([str(many)], project="y")
        w.importer.cancel()
    report = blocker.args[1]
    written = demo_store.experiments("y") if "y" in demo_store.projects() else []
    assert report.cancelled or len(written) == 40
    for exp in written:  # only whole experiments
        assert [c.count for c in demo_store.channel_infos("y", exp)] == [500, 500]


@pytest.mark.slow
def test_zooming_a_huge_channel_reads_views_and_keeps_the_spike(store, open_win, qtbot):
    n = 2_000_000
    y = np.random.default_rng(1).normal(size=n)
    y[1_234_567] = 500.0
    store.create_experiment("big", "e")
    store.append("big", "e", "v", np.arange(n, dtype=np.float64), y)
    store.set_chart_set("big", "S", [{"name": "V", "series": ["channel:v"]}])
    w = open_win(store, "big", "e")
    c = chart(w, "S", "V")
    assert c.curves[0].y.max() == 500.0 and len(c.curves[0].x) < 10_000  # a view, not 2M points
    assert w.ws.loader.get(c.wanted()[0]).level == "summary"
    vb = c.plot.getPlotItem().getViewBox()
    for x0, x1 in [(1_200_000, 1_300_000), (1_234_000, 1_235_000)]:
        vb.setXRange(x0, x1, padding=0)
        c._on_x_range()
        qtbot.waitUntil(lambda: c.drawn and c._range is not None and c._range[0] <= x0 and c._range[1] >= x1,
                        timeout=10000)  # views cover the visible range (and a span each side)
        assert 500.0 in c.curves[0].y
        visible = (c.curves[0].x >= x0) & (c.curves[0].x <= x1)
        assert c.curves[0].y[visible].min() == y[x0:x1 + 1].min()
    assert w.ws.loader.get(c.wanted()[0]).level == "full"
    fetched = c._range
    vb.setXRange(1_234_200, 1_235_200, padding=0)  # a pan inside the fetched span reads nothing
    c._on_x_range()
    assert c._range == fetched and c.drawn
    vb.enableAutoRange()
    c._on_x_range()
    qtbot.waitUntil(lambda: c.drawn and c._range is None, timeout=10000)
    assert c.curves[0].x.max() == n - 1


def test_infinities_are_marked_not_drawn(demo_store, open_win):
    w = open_win(demo_store, "mnist", "adam-lr1e-1-diverged")
    loss = chart(w, "Training", "Loss")
    assert "1 ±inf value marked ▲▼" in loss.note.text()
    xs, _ = loss._inf_items[0].getData()
    assert len(xs) == 1
    assert np.isfinite(loss.curves[0].y[np.isfinite(loss.curves[0].y)]).all()


def test_live_appends_update_lines_in_place(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "wide-net-live")
    loss = chart(w, "Training", "Loss")
    line = loss.curves[0].line
    last = loss.curves[0].x.max()
    writer = subprocess.Popen([sys.executable, "-c", (
        "import chartdesk, sys\n"
        f"with chartdesk.init(project='mnist', experiment='wide-net-live', db={str(db_path)!r}) as run:\n"
        f"    run.log_many('loss', [{last} + 10, {last} + 20], [0.5, 0.4])\n")])
    assert writer.wait(timeout=60) == 0
    qtbot.waitUntil(lambda: loss.curves and loss.curves[0].x.max() == last + 20, timeout=10000)
    assert loss.curves[0].line is line  # updated in place, not rebuilt
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "wide-net-live")
    counts = {tm.index(r, 0, exp).data(): tm.index(r, 1, exp).data() for r in range(tm.rowCount(exp))}
    assert counts["loss"] == "1,002 pts"


def test_a_metric_logged_once_is_a_visible_dot(store, open_win):
    store.create_experiment("p", "e")
    store.append("p", "e", "eval_acc", [100.0], [0.8])
    store.set_chart_set("p", "S", [{"name": "Eval", "series": ["channel:eval_acc"]}])
    w = open_win(store, "p", "e")
    c = chart(w, "S", "Eval")
    xs, ys = c.curves[0].dots.getData()
    assert list(xs) == [100.0] and list(ys) == [0.8]
