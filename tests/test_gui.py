"""The main window as a user meets it: tree, alias editor, chart sets, charts, undo, exit code."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from gui_helpers import (
    answer_next_dialog,
    chart,
    click,
    index_point,
    key,
    log_from_another_process,
    menu_action,
    press_button,
    refocus,
    settle,
    svg_picture,
    type_and_ok,
    wait_written,
)
from PySide6.QtCore import QModelIndex, QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QPushButton

import chartdesk
from chartdesk.gui.alias_editor import ENTRY_MIME
from chartdesk.model import Chart, SeriesRef


def plotted(chart_widget):
    return [(c.experiment, c.channel) for c in chart_widget.curves]


def tree_index(w, project, experiment=None, channel=None):
    """The proxy index of a row in the project tree, as the view shows it."""
    m = w.tree.model
    src = m.project_index(project) if experiment is None else m.experiment_index(project, experiment)
    if channel is not None:
        src = next(m.index(r, 0, src) for r in range(m.rowCount(src)) if m.index(r, 0, src).data() == channel)
    idx = w.tree.proxy.mapFromSource(src)
    w.tree.view.scrollTo(idx)
    return idx


def click_row(qtbot, w, project, experiment=None, modifier=Qt.KeyboardModifier.NoModifier):
    idx = tree_index(w, project, experiment)
    qtbot.mouseClick(w.tree.view.viewport(), Qt.MouseButton.LeftButton, modifier, index_point(w.tree.view, idx))


def pick_entry(qtbot, editor, row):
    view = editor.entries_view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, editor.entries_model.index(row)))


def drag_row(model, src, dst):
    """The model half of a drag: mimeData of the row, dropped before row dst."""
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


def test_tree_shows_projects_experiments_states_tags_and_filters(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    m = w.tree.model
    assert m.projects() == ["cifar10", "mnist", "sweep"]
    idx = m.experiment_index("mnist", "adam-lr1e-1-diverged")
    info = m.index(idx.row(), 1, idx.parent()).data()
    assert "failed" in info and "diverged" in info
    assert m.rowCount(idx) == 2  # its channels
    assert m.index(m.project_index("cifar10").row(), 1).data() == "3 experiments"
    qtbot.keyClicks(w.tree.filter_edit, "diverged")
    proxy = w.tree.proxy
    mnist = next(proxy.index(r, 0) for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "mnist")
    assert [proxy.index(r, 0, mnist).data() for r in range(proxy.rowCount(mnist))] == ["adam-lr1e-1-diverged"]


def test_arrow_buttons_reorder_switch_the_plotted_channel_persist_and_undo_by_keys(demo_store, db_path, open_win,
                                                                                      qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")  # has both acc and pred_acc
    acc_chart = chart(w, "Training", "Accuracy")
    assert ("adam-both-names", "acc") in plotted(acc_chart)
    assert acc_chart.legend.labels()[0] == "accuracy → acc"
    ed = w.alias_editor
    ed.choose("accuracy")
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]
    pick_entry(qtbot, ed, 2)
    click(qtbot, ed.up_btn)  # pred_acc above acc
    assert ed.entries_model.entries() == ["accuracy", "pred_acc", "acc"]
    assert ed.entries_view.currentIndex().row() == 1  # the moved entry stays chosen
    qtbot.waitUntil(lambda: acc_chart.drawn and ("adam-both-names", "pred_acc") in plotted(acc_chart), timeout=10000)
    assert acc_chart.legend.labels()[0] == "accuracy → pred_acc"
    assert ed.preview.topLevelItem(0).text(1) == "pred_acc"  # the preview agrees with the chart
    with chartdesk.open_store(db_path) as again:  # survives reopening the store
        assert again.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]

    key(qtbot, w, "Ctrl+Z")
    assert ed.entries_model.entries() == ["accuracy", "acc", "pred_acc"]
    qtbot.waitUntil(lambda: acc_chart.drawn and ("adam-both-names", "acc") in plotted(acc_chart), timeout=10000)
    key(qtbot, w, "Ctrl+Shift+Z")
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]
    key(qtbot, w, "Ctrl+Z")
    key(qtbot, w, "Ctrl+Y")
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]


def test_no_shortcut_is_registered_twice(demo_store, open_win):
    from PySide6.QtGui import QAction

    w = open_win(demo_store)
    seen = {}
    for act in w.findChildren(QAction):
        if act.shortcutContext() != Qt.ShortcutContext.WindowShortcut:
            continue
        for seq in act.shortcuts():
            text = seq.toString()
            assert text not in seen, f"{text} is on {seen[text]!r} and {act.text()!r}"
            seen[text] = act.text()
    assert {"Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y"} <= set(seen)


def test_two_separate_reorders_are_two_undo_steps_and_history_survives_a_project_switch(demo_store, open_win,
                                                                                          qtbot):
    w = open_win(demo_store)
    ed = w.alias_editor
    ed.choose("accuracy")
    assert drag_row(ed.entries_model, 2, 1)
    assert drag_row(ed.entries_model, 0, 3)
    assert ed.entries_model.entries() == ["pred_acc", "acc", "accuracy"]
    click_row(qtbot, w, "cifar10")
    assert w.ws.project == "cifar10"
    click_row(qtbot, w, "mnist")
    assert w.ws.undo_stack.count() == 2
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "pred_acc", "acc"]
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]


def test_drop_onto_itself_is_a_no_op(demo_store, open_win):
    w = open_win(demo_store)
    w.alias_editor.choose("accuracy")
    model = w.alias_editor.entries_model
    assert not drag_row(model, 1, 1) and not drag_row(model, 1, 2)
    assert model.entries() == ["accuracy", "acc", "pred_acc"]
    assert w.ws.undo_stack.count() == 0


def test_channels_dropped_from_the_tree_are_inserted_where_dropped(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    w.alias_editor.choose("accuracy")
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "baseline-sgd")
    val_acc = next(tm.index(r, 0, exp) for r in range(tm.rowCount(exp)) if tm.index(r, 0, exp).data() == "val_acc")
    mime = tm.mimeData([val_acc])
    model = w.alias_editor.entries_model
    assert model.dropMimeData(mime, Qt.DropAction.CopyAction, 1, 0, QModelIndex())
    wait_written(qtbot, w)
    assert demo_store.alias("mnist", "accuracy") == ["accuracy", "val_acc", "acc", "pred_acc"]
    assert w.alias_editor.entries_view.dragDropMode() == w.alias_editor.entries_view.DragDropMode.DragDrop


def test_alias_editor_after_a_project_switch_shows_an_alias_and_its_list(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    ed = w.alias_editor
    ed.choose("loss")
    click_row(qtbot, w, "cifar10")
    assert ed.entries_model.alias == "loss"  # cifar10 has an alias of that name too
    assert ed.entries_model.entries() == ["loss", "train/loss", "train_loss"]
    assert ed.alias_view.currentIndex().data().startswith("loss")
    # clicking the highlighted alias (or another) shows its list
    view = ed.alias_view
    acc_row = ed.aliases_model.row_of("accuracy")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, ed.aliases_model.index(acc_row)))
    assert ed.entries_model.entries() == ["accuracy", "top1", "acc1"]


def test_chart_set_buttons_new_add_edit_rename_move_delete_through_dialogs_with_undo(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    b = p.buttons
    answer_next_dialog(qtbot, type_and_ok(qtbot, "Extra"))
    click(qtbot, b["new_set"])
    qtbot.waitUntil(lambda: "Extra" in demo_store.chart_sets("mnist"), timeout=5000)
    assert [w.tabs.tabText(i) for i in range(w.tabs.count())][:2] == ["Training", "Extra"]

    def add_val_loss(dlg):
        qtbot.keyClicks(dlg.name_edit, "\b" * 20)
        dlg.name_edit.setText("")
        qtbot.keyClicks(dlg.name_edit, "Validation")
        qtbot.keyClicks(dlg.search, "val_loss")
        item = next(dlg.available.item(i) for i in range(dlg.available.count()) if not dlg.available.item(i).isHidden())
        dlg.available.setCurrentItem(item)
        qtbot.mouseClick(dlg.add_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answer_next_dialog(qtbot, add_val_loss)
    click(qtbot, b["add_chart"])
    qtbot.waitUntil(lambda: demo_store.chart_sets("mnist")["Extra"] != [], timeout=5000)
    wait_written(qtbot, w)
    assert demo_store.chart_sets("mnist")["Extra"] == [{"name": "Validation", "series": ["channel:val_loss"]}]

    def log_y(dlg):
        qtbot.mouseClick(dlg.log_y, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    p.charts.setCurrentRow(0)
    answer_next_dialog(qtbot, log_y)
    click(qtbot, b["edit_chart"])
    qtbot.waitUntil(lambda: demo_store.chart_sets("mnist")["Extra"][0].get("log_y"), timeout=5000)

    answer_next_dialog(qtbot, type_and_ok(qtbot, "Extra 2"))
    click(qtbot, b["rename_set"])
    qtbot.waitUntil(lambda: "Extra 2" in demo_store.chart_sets("mnist"), timeout=5000)
    click(qtbot, b["set_up"])
    wait_written(qtbot, w)
    assert list(demo_store.chart_sets("mnist")) == ["Extra 2", "Training"]
    click(qtbot, b["delete_set"])
    wait_written(qtbot, w)
    assert list(demo_store.chart_sets("mnist")) == ["Training"]
    for _ in range(3):
        w.undo_action.trigger()
    wait_written(qtbot, w)
    assert list(demo_store.chart_sets("mnist")) == ["Training", "Extra"]


def test_enter_in_the_chart_editor_search_adds_the_match_and_editing_keeps_the_options_it_does_not_show(
        demo_store, open_win, qtbot):
    """Issue 23 item 13: Enter in the search box accepted the whole dialog (the match not added)."""
    demo_store.set_chart_set("mnist", "Extra", [{"name": "Loss", "series": ["channel:loss"], "band": "minmax",
                                                 "legend": "side"}])
    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Extra")
    state = {}

    def type_enter_then_ok(dlg):
        qtbot.keyClicks(dlg.search, "val_lo")
        qtbot.keyClick(dlg.search, Qt.Key.Key_Return)
        state["open after Enter"] = dlg.isVisible()
        state["chosen"] = [dlg.chosen.item(i).text() for i in range(dlg.chosen.count())]
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    p.charts.setCurrentRow(0)
    answered = answer_next_dialog(qtbot, type_enter_then_ok)
    click(qtbot, p.buttons["edit_chart"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    assert state["open after Enter"] and len(state["chosen"]) == 2
    qtbot.waitUntil(lambda: len(demo_store.chart_sets("mnist")["Extra"][0]["series"]) == 2, timeout=5000)
    wait_written(qtbot, w)
    assert demo_store.chart_sets("mnist")["Extra"] == [{"name": "Loss", "series": ["channel:loss", "channel:val_loss"],
                                                        "band": "minmax", "legend": "side"}]  # kept, not reset


def test_a_chart_added_to_a_set_shows_for_every_experiment(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    ws = w.ws
    from chartdesk import edits

    ws.edit_chart_sets(edits.set_charts(ws.chart_sets(), "Training", list(ws.chart_sets()[0].charts) + [
        Chart("Validation", (SeriesRef("channel", "val_loss"), SeriesRef("alias", "accuracy")))]), "add")
    for exp in demo_store.experiments("mnist"):
        click_row(qtbot, w, "mnist", exp)
        settle(qtbot, w)
        c = chart(w, "Training", "Validation")
        assert c.drawn
        expected = {demo_store.resolve("mnist", exp, "accuracy")} | (
            {"val_loss"} if "val_loss" in demo_store.channels("mnist", exp) else set())
        assert {ch for _e, ch in plotted(c)} == expected
        if "val_loss" not in demo_store.channels("mnist", exp):
            assert "val_loss (channel) not in this experiment" in c.note.full_text()  # a quiet note


def test_compare_mode_lists_every_curve_in_distinct_styles_and_the_union_tab(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    exps = demo_store.experiments("mnist")
    click_row(qtbot, w, "mnist", exps[0])
    for e in exps[1:]:
        click_row(qtbot, w, "mnist", e, Qt.KeyboardModifier.ControlModifier)
    assert w.ws.selection() == exps
    settle(qtbot, w)
    acc = chart(w, "Training", "Accuracy")
    assert {e for e, _ in plotted(acc)} == set(exps)
    styles = {(c.color, c.dash) for c in acc.curves}
    assert len(styles) == len(acc.curves)  # no two curves look the same
    labels = acc.legend.labels()
    # runs are named by the params that differ among them (an option, on by default)
    assert len(labels) == len(acc.curves) and "lr=0.001, optimizer=adam · accuracy → pred_acc" in labels
    w.label_params_action.trigger()
    settle(qtbot, w)
    assert "adam-lr1e-3 · accuracy → pred_acc" in acc.legend.labels()
    w.label_params_action.trigger()
    # the experiment tab shows the union of the runs' channels, named for the selection
    tab = w.tabs.tabText(w.tabs.indexOf(w.tabs.experiment_grid))
    assert tab == f"{len(exps)} runs: all channels"
    union = sorted({c for e in exps for c in demo_store.channels("mnist", e)})
    assert [s.chart.name for s in w.tabs.experiment_grid.slots] == union


def test_clicking_a_legend_entry_hides_and_shows_its_curve(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    legend = acc.legend
    rect = legend.visualItemRect(legend.item(0))
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert not acc.curves[0].line.isVisible() and not legend.is_shown(0)
    assert legend.item(0).font().strikeOut()
    qtbot.mouseClick(legend.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert acc.curves[0].line.isVisible()


def test_hovering_reads_out_nearest_values_and_highlights_the_nearest_curve(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    vb = acc.plot.getPlotItem().getViewBox()
    drawn = acc.curves[0]
    i = int(np.argmin(np.abs(drawn.x - 1234.0)))
    target = vb.mapViewToScene(QPointF(drawn.x[i], drawn.y[i]))
    pos = acc.plot.mapFromScene(target)
    qtbot.mouseMove(acc.plot.viewport(), pos)
    qtbot.waitUntil(lambda: "accuracy → acc" in acc.readout.text(), timeout=3000)
    wide = [c for c in acc.curves if c.line.opts["pen"].width() == 3]
    assert len(wide) == 1 and acc.hovered() is wide[0]  # the curve nearest the cursor is highlighted
    assert acc.readout.nearest() == wide[0].label  # and its row of the read-out table is highlighted
    found = acc.show_values_at(drawn.x[i], drawn.y[i])
    assert found[0] == ("accuracy → acc", drawn.x[i], drawn.y[i])
    s = demo_store.read("mnist", "baseline-sgd", "acc")
    assert s.y[s.x == drawn.x[i]][0] == drawn.y[i]  # a real point of the channel


def test_hover_reads_wall_time_as_a_date_and_infinity_as_inf(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-lr1e-1-diverged")
    loss = chart(w, "Training", "Loss")
    c = loss.curves[0]
    x_inf = loss._inf_items[0].getData()[0][0]
    loss.show_values_at(x_inf)
    assert [r.value for r in loss.readout.rows()] == ["inf"]
    loss.set_chart(loss.chart.with_(x_axis="wall"))
    qtbot.waitUntil(lambda: loss.drawn and bool(loss.curves), timeout=10000)
    c = loss.curves[0]
    loss.show_values_at(float(c.x[10]))
    import re

    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", loss.readout.text())


def test_right_click_opens_chartdesks_menu_not_pyqtgraphs(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    loss = chart(w, "Training", "Loss")
    item = loss.plot.getPlotItem()
    assert not item.menuEnabled() and not item.getViewBox().menuEnabled()
    center = loss.plot.viewport().rect().center()
    qtbot.mouseClick(loss.plot.viewport(), Qt.MouseButton.RightButton, pos=center)
    qtbot.waitUntil(loss.menu.isVisible, timeout=3000)
    texts = [a.text() for a in loss.menu.actions()]
    assert "Reset view" in texts and "Log y" in texts and not any("Downsample" in t for t in texts)
    loss.menu.hide()
    menu_action(loss.menu, "Log y").trigger()  # Log y through the menu's action: the chart option, persisted
    wait_written(qtbot, w)
    assert demo_store.chart_sets("mnist")["Training"][1].get("log_y") is not True


def test_the_wheel_zooms_x_only_and_y_keeps_fitting(demo_store, open_win, qtbot):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    vb = acc.plot.getPlotItem().getViewBox()
    (x0, x1), (y0, y1) = vb.viewRange()
    vp = acc.plot.viewport()
    center = vp.rect().center()
    ev = QWheelEvent(QPointF(center), QPointF(vp.mapToGlobal(center)), QPoint(0, 0), QPoint(0, 240),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)
    (nx0, nx1), _ = vb.viewRange()
    assert nx1 - nx0 < (x1 - x0) * 0.9  # x zoomed in
    assert vb.autoRangeEnabled()[1]  # y still fits the data


def test_chart_options_persist_and_smoothing_keeps_raw_curve(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    loss = chart(w, "Training", "Loss")
    menu_action(loss.menu, "Smoothing", "EMA", "0.9").trigger()
    wait_written(qtbot, w)
    assert demo_store.chart_sets("mnist")["Training"][1]["smoothing"] == 0.9
    loss = chart(w, "Training", "Loss")
    qtbot.waitUntil(lambda: loss.drawn, timeout=10000)
    assert loss.curves and all(c.faint is not None and len(c.faint.getData()[0]) for c in loss.curves)
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert "smoothing" not in demo_store.chart_sets("mnist")["Training"][1]


def test_alias_resolving_to_nothing_is_a_quiet_note(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    w.alias_editor.create_alias("f1", ["f1_score", "f1"])
    from chartdesk import edits

    ws = w.ws
    ws.edit_chart_sets(edits.set_charts(ws.chart_sets(), "Training", list(ws.chart_sets()[0].charts) + [
        Chart("F1", (SeriesRef("alias", "f1"),))]), "add")
    c = chart(w, "Training", "F1")
    qtbot.waitUntil(lambda: c.drawn, timeout=10000)
    assert c.curves == [] and "f1 (alias) not in this experiment" in c.note.full_text()


def test_export_png_has_the_title_at_the_chosen_scale_and_no_hover_line(demo_store, open_win, tmp_path):
    from PySide6.QtGui import QImage

    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    acc.show_values_at(1000.0)  # a hover line on screen must not reach the picture
    assert acc.vline.isVisible()
    acc.export(str(tmp_path / "acc.png"), scale=2)
    img = QImage(str(tmp_path / "acc.png"))
    assert (img.width(), img.height()) == (acc.width() * 2, acc.height() * 2)
    acc.export(str(tmp_path / "plain.png"))
    one = QImage(str(tmp_path / "plain.png"))
    title_h = acc.title.geometry().bottom()
    bg = one.pixelColor(one.width() - 2, 1)
    title_ink = sum(one.pixelColor(x, y) != bg for x in range(0, 120) for y in range(0, title_h))
    assert title_ink > 20  # the title is drawn
    # no hover line: no column of the plot area is painted in the hover line's colour top to bottom
    assert acc.vline.isVisible()
    lines = (tmp_path / "acc.csv")
    acc.export(str(lines))
    rows = lines.read_text().splitlines()
    assert rows[0] == "experiment,series,channel,x,y"
    assert len(rows) == 1 + 2 * 3000 and rows[1].startswith("baseline-sgd,alias:accuracy,acc,0.0,")


def _ink_box(img, color, tol=40):
    from PySide6.QtGui import QColor

    c = QColor(color)
    xs, ys = [], []
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            p = img.pixelColor(x, y)
            if abs(p.red() - c.red()) + abs(p.green() - c.green()) + abs(p.blue() - c.blue()) < tol:
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def test_svg_export_has_its_curves_inside_the_axes(demo_store, open_win, tmp_path):

    w = open_win(demo_store, "mnist", "baseline-sgd")
    acc = chart(w, "Training", "Accuracy")
    path = tmp_path / "acc.svg"
    acc.export(str(path))
    img = svg_picture(path, acc.size())
    grab = acc.grab().toImage()
    img.save(str(tmp_path / "svg.png"))
    grab.save(str(tmp_path / "grab.png"))
    top = acc.curves[-1]  # drawn last, so nothing covers it
    svg_box = _ink_box(img, top.color)
    screen_box = _ink_box(grab, top.color)
    assert svg_box and screen_box
    assert all(abs(a - b) <= 6 for a, b in zip(svg_box, screen_box)), (svg_box, screen_box)
    vb = acc.plot.getPlotItem().getViewBox()
    area = acc.plot.mapTo(acc, acc.plot.mapFromScene(vb.sceneBoundingRect()).boundingRect().topLeft())
    assert svg_box[0] >= area.x() - 2 and svg_box[1] >= area.y() - 2


def test_delete_and_rename_experiments_and_projects_from_the_tree(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    view = w.tree.view
    click_row(qtbot, w, "mnist", "adam-lr1e-3")
    answer_next_dialog(qtbot, type_and_ok(qtbot, "adam-renamed"))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "adam-renamed" in demo_store.experiments("mnist"), timeout=5000)
    assert w.tree.model.experiment_index("mnist", "adam-renamed").isValid()
    w.undo_action.trigger()  # a rename is undoable
    assert "adam-lr1e-3" in demo_store.experiments("mnist")
    click_row(qtbot, w, "mnist", "adam-lr1e-3")
    refocus(w, view)  # after the rename dialog, as below: a key without focus would open nothing
    asked = answer_next_dialog(qtbot, press_button(qtbot, "Cancel"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: bool(asked), timeout=5000)  # the window asked first, and Cancel kept the run
    assert "adam-lr1e-3" in demo_store.experiments("mnist")
    click_row(qtbot, w, "mnist", "adam-lr1e-3")
    refocus(w, view)  # the window manager gives the window back its focus after a dialog
    answer_next_dialog(qtbot, press_button(qtbot, "Delete"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "adam-lr1e-3" not in demo_store.experiments("mnist"), timeout=5000)
    assert not w.tree.model.experiment_index("mnist", "adam-lr1e-3").isValid()
    # a project: rename keeps its aliases and chart sets
    idx = tree_index(w, "cifar10")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, idx))
    refocus(w, view)
    answer_next_dialog(qtbot, type_and_ok(qtbot, "cifar"))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: "cifar" in demo_store.projects(), timeout=5000)
    wait_written(qtbot, w)
    assert "accuracy" in demo_store.aliases("cifar") and "Overview" in demo_store.chart_sets("cifar")
    idx = tree_index(w, "cifar")
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=index_point(view, idx))
    refocus(w, view)
    answer_next_dialog(qtbot, press_button(qtbot, "Delete"))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: demo_store.projects() == ["mnist", "sweep"], timeout=5000)


def test_window_layout_selection_and_tab_persist(demo_store, open_win, tmp_path, qtbot):
    w = open_win(demo_store)
    w.alias_dock.hide()
    click_row(qtbot, w, "mnist", "adam-lr1e-3")
    click_row(qtbot, w, "mnist", "baseline-sgd", Qt.KeyboardModifier.ControlModifier)
    w.tabs.setCurrentIndex(w.tabs.count() - 1)
    tab = w.tabs.current_name()
    w.close()
    w2 = open_win(demo_store, None)
    assert not w2.alias_dock.isVisible()
    assert w2.ws.selection() == ["baseline-sgd", "adam-lr1e-3"]
    assert w2.tabs.current_name() == tab
    from chartdesk.gui.main_window import make_settings

    assert make_settings().fileName().startswith(str(tmp_path))


def test_an_empty_store_welcomes_and_the_welcome_buttons_work(store, open_win, qtbot):
    w = open_win(store, None)
    assert w.tabs.tabText(0) == "Welcome"
    welcome = w.tabs.welcome
    assert not w.chart_set_panel.buttons["new_set"].isEnabled()
    assert not w.alias_editor.new_btn.isEnabled()
    click(qtbot, welcome.buttons["load_demo"])
    assert store.projects() == ["cifar10", "mnist", "sweep"]
    assert w.ws.project == "cifar10" and w.tabs.tabText(0) == "Overview"


def test_a_new_run_is_announced_and_added_to_the_comparison_in_one_click(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    with chartdesk.init(project="mnist", experiment="fresh-run", db=db_path) as run:
        run.log_many("loss", [0, 1], [1.0, 0.5])
    qtbot.waitUntil(w.new_runs_button.isVisible, timeout=5000)
    assert "fresh-run" in w.new_runs_button.text()
    idx = w.tree.model.experiment_index("mnist", "fresh-run")
    assert idx.data(Qt.ItemDataRole.FontRole).bold()
    click(qtbot, w.new_runs_button)
    assert w.ws.selection() == ["baseline-sgd", "fresh-run"]


def test_a_run_with_many_metrics_builds_charts_as_they_scroll_into_view_in_folding_groups(store, open_win, qtbot):
    store.create_experiment("p", "wide")
    names = [f"{g}/m{i:02d}" for g in ("train", "val") for i in range(20)]
    store.append_many("p", "wide", {n: ([0, 1, 2], [1.0, 0.5, 0.25], None) for n in names})
    w = open_win(store, "p", "wide")
    w.resize(1366, 768)
    grid = w.tabs.experiment_grid
    w.tabs.setCurrentWidget(grid)
    settle(qtbot, w)
    assert len(grid.slots) == 40
    built = len(grid.charts)
    assert 0 < built < 40  # only what is in view (and a screen ahead)
    assert grid.columns() >= 1
    headers = [h for h, _b in grid.sections()]
    assert [h.text() for h in headers] == ["train  (20)", "val  (20)"]
    grid.verticalScrollBar().setValue(grid.verticalScrollBar().maximum())
    qtbot.waitUntil(lambda: len(grid.charts) > built and w.settled(), timeout=10000)
    qtbot.mouseClick(headers[0], Qt.MouseButton.LeftButton)  # fold "train"
    assert not grid.sections()[0][1].isVisible()
    w.height_actions["small"].trigger()
    assert all(s.height() == 200 for s in grid.slots)
    from chartdesk.gui.main_window import make_settings

    assert make_settings().value("view/chart_height") == "small"


def test_neptune_hardware_series_fold_into_their_own_section_that_starts_closed(store, open_win, qtbot):
    store.create_experiment("p", "SAN-7")
    names = ["train/loss", "train/acc", "monitoring/1a2b3c4d/cpu", "monitoring/1a2b3c4d/memory"]
    store.append_many("p", "SAN-7", {n: ([0, 1], [1.0, 0.5], None) for n in names})
    w = open_win(store, "p", "SAN-7")
    grid = w.tabs.experiment_grid
    w.tabs.setCurrentWidget(grid)
    settle(qtbot, w)
    sections = {h.text(): (h, body) for h, body in grid.sections()}
    assert set(sections) == {"train  (2)", "monitoring  (2)"}
    header, body = sections["monitoring  (2)"]
    assert not header.isChecked() and not body.isVisible() and sections["train  (2)"][1].isVisible()
    qtbot.mouseClick(header, Qt.MouseButton.LeftButton)  # the person opens it
    assert body.isVisible()
    qtbot.waitUntil(lambda: any(c.chart.name.startswith("monitoring/") for c in grid.charts), timeout=10000)


def test_an_ampersand_in_a_name_is_shown_not_taken_as_a_mnemonic(store, open_win, qtbot):
    """Issue 23 item 16: "Val & loss" showed as "Val _loss" in the tab and the Edit menu."""
    def demo_names(s):
        return [cs.name for cs in s.chart_set_list("p")]

    store.create_experiment("p", "e")
    store.append_many("p", "e", {"R&D/loss": ([0, 1], [1.0, 0.5], None), "R&D/acc": ([0, 1], [0.1, 0.2], None),
                                 "val/x": ([0, 1], [1.0, 2.0], None)})
    store.set_chart_set("p", "Val & loss", [{"name": "L", "series": ["channel:R&D/loss"]}])
    w = open_win(store, "p", "e")
    i = next(i for i in range(w.tabs.count()) if w.tabs.tab_name(i) == "Val & loss")
    assert w.tabs.tabText(i) == "Val && loss"  # Qt draws "Val & loss"
    assert w.tabs.show_tab("Val & loss") and w.tabs.current_name() == "Val & loss"
    grid = w.tabs.experiment_grid
    w.tabs.setCurrentWidget(grid)
    settle(qtbot, w)
    assert "R&&D  (2)" in [h.text() for h, _b in grid.sections()]
    w.chart_set_panel.choose("Val & loss")
    click(qtbot, w.chart_set_panel.buttons["delete_set"])
    qtbot.waitUntil(lambda: "Val & loss" not in demo_names(store), timeout=5000)
    assert w.undo_action.text() == "&Undo Delete chart set Val && loss"  # Qt shows "Undo Delete chart set Val & loss"


def test_long_names_are_cut_in_the_middle_with_the_whole_name_in_a_tooltip(store, open_win):
    long = "2026-11-27_transformer-large_lr3e-4_warmup2000_seed" + "7" * 30 + "_final"
    store.create_experiment("p", long)
    store.append("p", long, "loss", [0, 1], [1, 0.5])
    store.set_chart_set("p", "S", [{"name": "L", "series": ["channel:loss", "channel:missing_" + "x" * 80]}])
    w = open_win(store, "p", long)
    assert w.tree.view.textElideMode() == Qt.TextElideMode.ElideMiddle
    c = chart(w, "S", "L")
    assert c.note.toolTip().startswith("missing_") and "…" in c.note.text()
    assert w.tree.model.experiment_index("p", long).data(Qt.ItemDataRole.ToolTipRole).startswith(long)


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
        assert s.projects() == ["cifar10", "mnist", "sweep"]


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
    w = open_win(demo_store, "mnist", "wide-net-stopped")
    acc = chart(w, "Training", "Accuracy")
    assert ("wide-net-stopped", "accuracy") in plotted(acc)
    w.ws.edit_alias("accuracy", ["f1_best", "accuracy"], "prefer f1_best")
    with chartdesk.init(project="mnist", experiment="wide-net-stopped", db=db_path) as run:
        run.log_many("f1_best", [0, 1, 2], [0.5, 0.6, 0.7])
    qtbot.waitUntil(lambda: ("wide-net-stopped", "f1_best") in plotted(acc), timeout=10000)
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "wide-net-stopped")
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
    w.importer.ask_project = lambda own_choice=False: "imported"
    answered = _finish_message(qtbot, [])
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(src))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000) as blocker:
        w.dropEvent(event)
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    assert blocker.args[1] is not None and not blocker.args[1].cancelled
    assert w.ws.project == "imported"
    tm = w.tree.model
    assert tm.experiment_index("imported", "tb/pt-run").isValid()
    assert tm.experiment_index("imported", "sql-run").isValid()


def _finish_message(qtbot, seen_text: list):
    """Answer the import's closing message box as a person does (read it, press OK)."""
    from PySide6.QtWidgets import QMessageBox

    def respond(dlg):
        assert isinstance(dlg, QMessageBox), dlg
        seen_text.append(dlg.text())
        click(qtbot, dlg.button(QMessageBox.StandardButton.Ok))
    return answer_next_dialog(qtbot, respond, timeout_ms=60000)


def _many_csv(folder, n=40):
    folder.mkdir()
    for i in range(n):
        (folder / f"run{i:02d}.csv").write_text("step,a,b\n" + "".join(f"{k},{k},{-k}\n" for k in range(500)))
    return folder


def test_a_broken_file_is_reported_and_the_good_ones_imported(demo_store, open_win, qtbot, tmp_path):
    w = open_win(demo_store)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ok.csv").write_text("step,loss\n0,1\n")
    (bad / "broken.csv").write_text("step,loss\n0,1\n1,zz\n")
    said: list[str] = []
    answered = _finish_message(qtbot, said)
    with qtbot.waitSignal(w.importer.sig_finished, timeout=30000) as blocker:
        w.importer.start([str(bad)], project="x")
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    report = blocker.args[1]
    assert [r[0] for r in report.imported] == ["ok"] and demo_store.experiments("x") == ["ok"]
    assert len(report.refused) == 1 and "broken.csv (line 3): 'zz' is not a number" in report.refused[0]
    assert "broken.csv (line 3)" in said[0]  # the person is told which file and line


def test_an_import_not_cancelled_writes_every_experiment_whole(demo_store, open_win, qtbot, tmp_path):
    w = open_win(demo_store)
    answered = _finish_message(qtbot, [])
    with qtbot.waitSignal(w.importer.sig_finished, timeout=60000) as blocker:
        w.importer.start([str(_many_csv(tmp_path / "many"))], project="y")
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    assert not blocker.args[1].cancelled and len(demo_store.experiments("y")) == 40
    assert all([c.count for c in demo_store.channel_infos("y", e)] == [500, 500] for e in demo_store.experiments("y"))


def test_cancel_in_the_progress_dialog_stops_after_the_experiment_being_written(demo_store, db_path, open_win,
                                                                                 qtbot, tmp_path):
    """Another writer holds the store while the import reaches its first write; the person presses
    Cancel meanwhile: that one experiment is written whole, no other."""
    import sqlite3

    from PySide6.QtWidgets import QProgressDialog

    w = open_win(demo_store)
    many = _many_csv(tmp_path / "many")
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # a training script's write transaction, say
    try:
        w.importer.start([str(many)], project="y")
        dlg = w.findChild(QProgressDialog)
        qtbot.waitUntil(lambda: dlg.isVisible() and "writing run00" in dlg.labelText(), timeout=30000)
        cancel = next(b for b in dlg.findChildren(QPushButton) if b.text() == "Cancel")
        click(qtbot, cancel)
    finally:
        other.execute("ROLLBACK")
        other.close()
    said: list[str] = []
    answered = _finish_message(qtbot, said)
    with qtbot.waitSignal(w.importer.sig_finished, timeout=60000) as blocker:
        pass
    qtbot.waitUntil(lambda: bool(answered), timeout=30000)
    report = blocker.args[1]
    assert report.cancelled and [r[0] for r in report.imported] == ["run00"]
    assert demo_store.experiments("y") == ["run00"]
    assert [c.count for c in demo_store.channel_infos("y", "run00")] == [500, 500]
    assert said[0].startswith("Import cancelled.")


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
        vb.setXRange(x0, x1, padding=0)  # what a wheel zoom does
        qtbot.waitUntil(lambda x0=x0, x1=x1: c.state.visible == (x0, x1), timeout=5000)  # the chart heard of it
        qtbot.waitUntil(lambda x0=x0, x1=x1: c.drawn and (r := c.fetched_range()) is not None and r[0] <= x0
                        and r[1] >= x1, timeout=10000)  # views cover the visible range (and a span each side)
        assert 500.0 in c.curves[0].y
        visible = (c.curves[0].x >= x0) & (c.curves[0].x <= x1)
        assert c.curves[0].y[visible].min() == y[x0:x1 + 1].min()
    assert w.ws.loader.get(c.wanted()[0]).level == "full"
    fetched = c.fetched_range()
    vb.setXRange(1_234_200, 1_235_200, padding=0)  # a pan inside the fetched span reads nothing
    qtbot.waitUntil(lambda: c.state.visible == (1_234_200, 1_235_200), timeout=5000)
    assert c.fetched_range() == fetched and c.drawn and w.ws.loader.is_idle()
    vb.enableAutoRange()
    qtbot.waitUntil(lambda: c.drawn and c.fetched_range() is None, timeout=10000)
    assert c.curves[0].x.max() == n - 1


def test_infinities_are_marked_not_drawn(demo_store, open_win):
    w = open_win(demo_store, "mnist", "adam-lr1e-1-diverged")
    loss = chart(w, "Training", "Loss")
    assert "1 ±inf value marked ▲▼" in loss.note.full_text()
    xs, _ = loss._inf_items[0].getData()
    assert len(xs) == 1
    assert np.isfinite(loss.curves[0].y[np.isfinite(loss.curves[0].y)]).all()


def test_live_appends_update_lines_in_place(demo_store, db_path, open_win, qtbot):
    w = open_win(demo_store, "mnist", "wide-net-stopped")
    loss = chart(w, "Training", "Loss")
    line = loss.curves[0].line
    last = loss.curves[0].x.max()
    log_from_another_process(db_path, "mnist", "wide-net-stopped", "loss", [last + 10, last + 20], [0.5, 0.4])
    qtbot.waitUntil(lambda: loss.curves and loss.curves[0].x.max() == last + 20, timeout=10000)
    assert loss.curves[0].line is line  # updated in place, not rebuilt
    tm = w.tree.model
    exp = tm.experiment_index("mnist", "wide-net-stopped")
    counts = {tm.index(r, 0, exp).data(): tm.index(r, 1, exp).data() for r in range(tm.rowCount(exp))}
    assert counts["loss"] == "1,002 points"


def test_a_metric_logged_once_is_a_visible_dot(store, open_win):
    store.create_experiment("p", "e")
    store.append("p", "e", "eval_acc", [100.0], [0.8])
    store.set_chart_set("p", "S", [{"name": "Eval", "series": ["channel:eval_acc"]}])
    w = open_win(store, "p", "e")
    c = chart(w, "S", "Eval")
    xs, ys = c.curves[0].dots.getData()
    assert list(xs) == [100.0] and list(ys) == [0.8]


def _count_color(img, color, tol=60):
    from PySide6.QtGui import QColor

    c = QColor(color)
    n = 0
    for y in range(0, img.height(), 2):
        for x in range(0, img.width(), 2):
            p = img.pixelColor(x, y)
            n += abs(p.red() - c.red()) + abs(p.green() - c.green()) + abs(p.blue() - c.blue()) < tol
    return n


def test_render_writes_svg_that_any_renderer_draws_like_the_png_and_scales_png(qapp, tmp_path, demo_store, db_path):
    import shutil

    from PySide6.QtGui import QImage

    from chartdesk.colors import style

    blue = style(demo_store.experiments("cifar10").index("resnet50")).color  # the run's own colour
    demo_store.close()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    base = [sys.executable, "-m", "chartdesk", "render", "--project", "cifar10", "--experiment", "resnet50",
            "--db", str(db_path), "--width", "900"]
    for out, extra in (("r.png", []), ("r2.png", ["--scale", "2"]), ("r.svg", [])):
        r = subprocess.run(base + ["--out", str(tmp_path / out)] + extra, capture_output=True, text=True, env=env,
                           timeout=120)
        assert r.returncode == 0, r.stderr
    png, png2 = QImage(str(tmp_path / "r.png")), QImage(str(tmp_path / "r2.png"))
    assert (png2.width(), png2.height()) == (png.width() * 2, png.height() * 2)
    svg = svg_picture(tmp_path / "r.svg", png.size())
    ink_png, ink_svg = _count_color(png, blue), _count_color(svg, blue)
    assert 0.5 < ink_svg / ink_png < 2.0, (ink_svg, ink_png)  # lines, not bands or blocks
    text = (tmp_path / "r.svg").read_text()
    import re

    assert not re.search(r'<(path|polyline)[^>]*non-scaling-stroke', text)  # curves are pixel geometry
    if shutil.which("rsvg-convert"):
        subprocess.run(["rsvg-convert", str(tmp_path / "r.svg"), "-o", str(tmp_path / "rsvg.png")], check=True)
        ink_rsvg = _count_color(QImage(str(tmp_path / "rsvg.png")), blue)
        assert 0.5 < ink_rsvg / ink_png < 2.0, (ink_rsvg, ink_png)


def test_runs_table_columns_filter_sort_and_one_selection(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    rt = w.runs_table
    w.runs_dock.raise_()
    rt.model.wait()
    qtbot.waitUntil(lambda: rt.model.rowCount() == 5 and not rt.model.loading, timeout=10000)
    qtbot.keyClicks(rt.column_edit, "accuracy:max")
    qtbot.keyClick(rt.column_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "alias:accuracy:max" in rt.model.headers() and not rt.model.loading, timeout=10000)
    col = rt.model.headers().index("alias:accuracy:max")
    header = rt.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(header.sectionViewportPosition(col) + 5, 5))
    first = [rt.model.value(rt.model.row(i), "alias:accuracy:max") for i in range(rt.model.rowCount())]
    assert first == sorted(first) or first == sorted(first, reverse=True)
    # a bad expression is shown and filters nothing; a good one filters
    qtbot.keyClicks(rt.filter_edit, "lr < ")
    assert rt.error.isVisible() and "column 6" in rt.error.text() and rt.model.rowCount() == 5
    qtbot.keyClicks(rt.filter_edit, '0.01 and optimizer == "adam"')
    assert not rt.error.isVisible()
    assert sorted(rt.model.names()) == ["adam-both-names", "adam-lr1e-3"]
    # selecting rows selects the runs everywhere, and the tree's selection shows in the table
    view = rt.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(rt.model.index(0, 0)).center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     view.visualRect(rt.model.index(1, 0)).center())
    assert sorted(w.ws.selection()) == ["adam-both-names", "adam-lr1e-3"]
    w.ws.select_experiments(["adam-lr1e-3"])
    assert [rt.model.names()[i.row()] for i in view.selectionModel().selectedRows()] == ["adam-lr1e-3"]
    from chartdesk.app import preferences as prefs
    from chartdesk.gui.settings import Settings

    assert Settings(demo_store).get(prefs.RUNS_COLUMNS, "mnist") == ["alias:accuracy:max"]  # per project of the store


def test_coverage_matrix_names_ranks_warns_and_pins_with_undo(demo_store, open_win, qtbot):
    w = open_win(demo_store, "mnist", "adam-both-names")
    acc = chart(w, "Training", "Accuracy")
    assert acc.legend.labels()[0] == "accuracy → acc"
    click(qtbot, w.alias_editor.coverage_btn)
    dlg = w.alias_editor.coverage
    qtbot.waitUntil(lambda: dlg.checked, timeout=10000)  # the values are compared off the GUI thread
    runs = [dlg.table.verticalHeaderItem(r).text() for r in range(dlg.table.rowCount())]
    cols = [dlg.table.horizontalHeaderItem(c).text() for c in range(dlg.table.columnCount())]
    r, c = runs.index("adam-both-names"), cols.index("accuracy")
    assert dlg.table.item(r, c).text() == "⚠ acc (2nd)"  # acc and pred_acc differ (0.05 apart)
    assert dlg.table.item(runs.index("adam-lr1e-3"), c).text() == "pred_acc (3rd)"
    dlg.table.cellClicked.emit(r, c)
    pick = next(a for a in dlg.menu.actions() if a.text().startswith("Pin pred_acc"))
    pick.trigger()
    wait_written(qtbot, w)
    assert demo_store.pins("mnist") == {"adam-both-names": {"accuracy": "pred_acc"}}
    assert dlg.table.item(r, c).text() == "⚠ pred_acc (pinned)"
    qtbot.waitUntil(lambda: acc.drawn and acc.legend.labels()[0] == "accuracy → pred_acc (pinned)", timeout=10000)
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert demo_store.pins("mnist") == {}
    qtbot.waitUntil(lambda: acc.drawn and acc.legend.labels()[0] == "accuracy → acc", timeout=10000)
    dlg.close()


def test_the_tree_filter_takes_expressions_and_says_what_is_wrong(demo_store, open_win, qtbot):
    w = open_win(demo_store)
    tree = w.tree
    proxy = tree.proxy

    def mnist_rows():
        mnist = next((proxy.index(r, 0) for r in range(proxy.rowCount()) if proxy.index(r, 0).data() == "mnist"), None)
        return None if mnist is None else sorted(proxy.index(r, 0, mnist).data() for r in range(proxy.rowCount(mnist)))

    qtbot.keyClicks(tree.filter_edit, 'lr < 0.01 and optimizer == "adam"')
    qtbot.waitUntil(lambda: mnist_rows() == ["adam-both-names", "adam-lr1e-3"], timeout=5000)  # off the GUI thread
    tree.filter_edit.clear()
    qtbot.keyClicks(tree.filter_edit, "lr < ")
    qtbot.waitUntil(lambda: tree.filter_edit.property("invalid") is True, timeout=5000)
    assert "column 6" in tree.filter_edit.toolTip()
    assert len(mnist_rows()) == 5  # filters nothing


def test_alias_suggestions_are_shown_and_added_with_one_click(store, open_win, qtbot):
    for exp, name in (("r1", "val/acc"), ("r2", "val_acc"), ("r3", "eval_accuracy")):
        store.create_experiment("p", exp)
        store.append("p", exp, name, [0, 1, 2], [0.2, 0.5, 0.8])
    import threading

    threads = []
    real = store.reduce_channels
    store.reduce_channels = lambda *a, **k: threads.append(threading.current_thread()) or real(*a, **k)
    w = open_win(store, "p", "r1")
    ed = w.alias_editor
    qtbot.waitUntil(lambda: ed.suggestions.count() == 1, timeout=5000)
    assert threads and threading.main_thread() not in threads  # value ranges read off the GUI thread
    # named after the channel it ranks first (issue 23 item 20: it was val_acc, ranked third)
    assert ed.suggestions.item(0).text() == "eval_accuracy  ←  eval_accuracy, val/acc, val_acc"
    assert not ed.add_suggestion_btn.isEnabled()
    ed.suggestions.setCurrentRow(0)
    click(qtbot, ed.add_suggestion_btn)
    wait_written(qtbot, w)
    assert store.aliases("p") == {"eval_accuracy": ["eval_accuracy", "val/acc", "val_acc"]}
    qtbot.waitUntil(lambda: ed.suggestions.count() == 0, timeout=5000)  # covered now
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert store.aliases("p") == {}


def test_x_axis_from_another_channel_and_log_x_through_the_chart_menu(store, open_win, qtbot):
    store.create_experiment("p", "e")
    store.append("p", "e", "loss", np.arange(100.0), np.exp(-np.arange(100.0) / 30))
    store.append("p", "e", "tokens", np.arange(0, 100, 5.0), np.arange(1, 21) * 1000.0)
    store.set_chart_set("p", "S", [{"name": "Loss", "series": ["channel:loss"]}])
    w = open_win(store, "p", "e")
    c = chart(w, "S", "Loss")
    answer_next_dialog(qtbot, lambda dlg: (dlg.setTextValue("channel:tokens"), dlg.accept()))
    menu_action(c.menu, "X axis", "A channel or alias…").trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("x_axis") == "channel:tokens", timeout=5000)
    c = chart(w, "S", "Loss")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves) and len(c.curves[0].x) == 20, timeout=10000)
    assert c.curves[0].x.tolist() == (np.arange(1, 21) * 1000.0).tolist()
    assert c.plot.getPlotItem().getAxis("bottom").labelText == "tokens"
    menu_action(c.menu, "X axis", "Log x").trigger()
    qtbot.waitUntil(lambda: store.chart_sets("p")["S"][0].get("log_x") is True, timeout=5000)
    c = chart(w, "S", "Loss")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    xs = c.curves[0].line.getData()[0]
    assert np.allclose(xs, np.log10(np.arange(1, 21) * 1000.0))  # drawn in the log axis' units
    c.show_values_at(5000.0)
    assert "tokens 5000" in c.readout.text()
    w.undo_action.trigger()
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert "x_axis" not in store.chart_sets("p")["S"][0]


def test_the_window_fits_a_1366x768_screen(demo_store, open_win):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    hint = w.minimumSizeHint()  # the panels scroll rather than push the window off the screen
    assert hint.width() <= 1366 and hint.height() <= 700, hint
