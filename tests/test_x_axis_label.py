"""A chart's x axis says what x is (issue 23 item 9): a Keras CSV dropped on the window and
imported reads "epoch" under its charts with the ticks 0 1 2 3 (it read "step" with 0.5, 1.5 and
2.5 between them); runs whose channels say different things, or nothing, read "step"; a step axis
of fractional steps keeps its fractional ticks."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, click, index_point, settle, type_and_ok
from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent, QImage, QPainter
from PySide6.QtWidgets import QApplication, QMessageBox

KERAS_LOG = "epoch,accuracy,loss,val_accuracy,val_loss\n" + "".join(
    f"{e},{0.6 + 0.08 * e:.2f},{1.2 - 0.2 * e:.2f},{0.58 + 0.07 * e:.2f},{1.3 - 0.2 * e:.2f}\n" for e in range(4))


def _bottom_axis(c) -> tuple[str, list[str]]:
    """The bottom axis' label and the tick labels it paints (pyqtgraph's draw specs: what is drawn)."""
    axis = c.plot.getPlotItem().getAxis("bottom")
    image = QImage(1, 1, QImage.Format.Format_ARGB32_Premultiplied)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return axis.labelText, [t[2] for t in texts]


def _experiment_charts(w) -> dict:
    grid = w.tabs.experiment_grid
    return {} if grid is None else {c.chart.name: c for c in grid.charts}


def _click_run(qtbot, w, project, experiment):
    m = w.tree.model
    idx = w.tree.proxy.mapFromSource(m.experiment_index(project, experiment))
    w.tree.view.scrollTo(idx)
    qtbot.mouseClick(w.tree.view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(w.tree.view, idx))


def _drop_and_import(qtbot, w, path, project):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    answer_next_dialog(qtbot, type_and_ok(qtbot, project))
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000):
        w.dropEvent(drop)  # a file dropped on the window: the dialog asks which project it goes to
        answered = answer_next_dialog(qtbot, lambda box: click(qtbot, box.button(QMessageBox.StandardButton.Ok)),
                                      timeout_ms=60000)
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)


def test_a_keras_csv_dropped_on_the_window_reads_epoch_with_whole_ticks(demo_store, open_win, qtbot, tmp_path):
    (tmp_path / "keras_run.csv").write_text(KERAS_LOG)
    w = open_win(demo_store)
    _drop_and_import(qtbot, w, tmp_path / "keras_run.csv", "keras")
    qtbot.waitUntil(lambda: w.ws.project == "keras", timeout=10000)
    _click_run(qtbot, w, "keras", "keras_run")
    qtbot.waitUntil(lambda: set(_experiment_charts(w)) == {"accuracy", "loss", "val_accuracy", "val_loss"},
                    timeout=10000)
    settle(qtbot, w)
    for name, c in _experiment_charts(w).items():
        qtbot.waitUntil(lambda c=c: c.drawn and len(c.curves) == 1, timeout=10000)
        label, ticks = _bottom_axis(c)
        assert label == "epoch", name
        assert ticks and all(t.lstrip("-").isdigit() for t in ticks), (name, ticks)  # no "0.5", "1.5"
        assert {"0", "3"} <= set(ticks), (name, ticks)


def test_runs_that_disagree_on_x_read_step_and_fractional_steps_keep_their_ticks(store, open_win, qtbot):
    store.create_experiment("p", "keras")
    store.append_many("p", "keras", {"loss": ([0, 1, 2, 3], [1.2, 0.8, 0.6, 0.5], None)}, x_names={"loss": "epoch"})
    store.create_experiment("p", "script")  # logged without saying what x is
    store.append("p", "script", "loss", [0, 1, 2, 3], [1.1, 0.9, 0.7, 0.6])
    store.create_experiment("p", "halves")
    store.append_many("p", "halves", {"loss": ([0, 0.5, 1, 1.5], [1.0, 0.9, 0.8, 0.7], None)}, x_names={"loss": "epoch"})
    w = open_win(store, "p", "keras")
    c = _experiment_charts(w)["loss"]
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 1, timeout=10000)
    assert _bottom_axis(c)[0] == "epoch"
    settle(qtbot, w)
    vb = c.plot.getPlotItem().getViewBox()
    r = c.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect()
    qtbot.mouseMove(c.plot.viewport(), r.center())
    qtbot.waitUntil(lambda: c.readout.isVisible(), timeout=5000)
    assert c.readout.x_text().startswith("epoch "), c.readout.x_text()  # the hover says what the axis says
    QApplication.sendEvent(c.plot.viewport(), QEvent(QEvent.Type.Leave))
    modifier = Qt.KeyboardModifier.ControlModifier
    m = w.tree.model
    idx = w.tree.proxy.mapFromSource(m.experiment_index("p", "script"))
    qtbot.mouseClick(w.tree.view.viewport(), Qt.MouseButton.LeftButton, modifier, index_point(w.tree.view, idx))
    qtbot.waitUntil(lambda: len(_experiment_charts(w)["loss"].curves) == 2, timeout=10000)
    c = _experiment_charts(w)["loss"]
    settle(qtbot, w)
    label, ticks = _bottom_axis(c)
    assert label == "step" and all(t.isdigit() for t in ticks), ticks  # one says epoch, one nothing: step
    _click_run(qtbot, w, "p", "halves")
    qtbot.waitUntil(lambda: [k.experiment for k in _experiment_charts(w)["loss"].curves] == ["halves"], timeout=10000)
    c = _experiment_charts(w)["loss"]
    settle(qtbot, w)
    label, ticks = _bottom_axis(c)
    assert label == "epoch" and not all(t.isdigit() for t in ticks), ticks  # half epochs: ticks between epochs
