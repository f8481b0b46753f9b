"""Layout files in the window (issue 22): Charts > Export layout…, Apply layout… (one undoable
step, conflicts shown with the choice to take the file's) and Check chart sets… (suggested
aliases added with one click). Driven through the menus and the dialogs, as a person does."""
from __future__ import annotations

from gui_helpers import answer_next_dialog, click, menu_action, press_button, wait_written
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QPushButton

from chartdesk import layout
from chartdesk.gui.layout_dialogs import ApplyLayoutDialog, ExportLayoutDialog, HealthDialog


def charts_menu(win):
    menu = next(a.menu() for a in win.menuBar().actions() if a.text().replace("&", "") == "Charts")
    menu.aboutToShow.emit()  # what opening it does: the entries are enabled for the project shown
    return menu


def pick_file(path):
    def respond(dlg):
        assert isinstance(dlg, QFileDialog)
        dlg.selectFile(str(path))
        dlg.accept()
    return respond


def press(qtbot, label):
    def respond(dlg):
        button = next(b for b in dlg.findChildren(QPushButton) if b.text().replace("&", "") == label)
        click(qtbot, button)
    return respond


def state(store, project):
    return store.aliases(project), store.chart_sets(project), store.pins(project)


def apply_through_menu(qtbot, win, path, answer):
    """Charts > Apply layout…: pick ``path`` in the file dialog, then ``answer`` the plan's dialog."""
    seen = []

    def on_plan(dlg):
        assert isinstance(dlg, ApplyLayoutDialog)
        seen.append([dlg.items.item(i).text() for i in range(dlg.items.count())])
        answer(dlg)

    answer_next_dialog(qtbot, lambda dlg: (pick_file(path)(dlg), answer_next_dialog(qtbot, on_plan)))
    menu_action(charts_menu(win), "Apply layout…").trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    return seen[0]


def health_dialog(qtbot, win) -> HealthDialog:
    qtbot.waitUntil(lambda: win.layout_actions.health_dialog is not None and win.layout_actions.health_dialog.isVisible())
    dlg = win.layout_actions.health_dialog
    qtbot.waitUntil(lambda: dlg.ready() and dlg.health is not None, timeout=10000)
    return dlg


def test_export_through_the_menu_writes_the_chosen_sets_and_pins(demo_store, open_win, qtbot, tmp_path):
    demo_store.set_chart_set("mnist", "Other", [{"name": "Loss only", "series": ["channel:loss"]}])
    demo_store.set_pin("mnist", "adam-both-names", "accuracy", "pred_acc")
    win = open_win(demo_store, "mnist", "baseline-sgd")
    out = tmp_path / "mnist.yaml"

    def choose(dlg):
        assert isinstance(dlg, ExportLayoutDialog)
        dlg.sets.item(1).setCheckState(Qt.CheckState.Unchecked)  # only Training
        dlg.pins.setChecked(True)
        answer_next_dialog(qtbot, pick_file(out))
        click(qtbot, dlg.buttons.button(QDialogButtonBox.StandardButton.Ok))

    answer_next_dialog(qtbot, choose)
    menu_action(charts_menu(win), "Export layout…").trigger()
    qtbot.waitUntil(out.exists, timeout=10000)
    assert out.read_text() == layout.dump(layout.export(demo_store, "mnist", ["Training"], pins=True))
    assert "Other" not in out.read_text() and "pins:\n  adam-both-names:" in out.read_text()
    assert "written to" in win.statusBar().currentMessage()


def test_apply_to_cifar10_shows_the_conflicts_replace_is_one_step_and_undo_takes_it_back(demo_store, open_win, qtbot,
                                                                                        tmp_path):
    path = tmp_path / "mnist.yaml"
    layout.write(layout.export(demo_store, "mnist"), path)
    win = open_win(demo_store, "cifar10", "resnet18")
    before = state(demo_store, "cifar10")

    # Cancel: nothing changes
    lines = apply_through_menu(qtbot, win, path, lambda dlg: dlg.reject())
    assert lines == ["⚠ conflict: alias accuracy: the project has accuracy, top1, acc1; the file accuracy, acc, pred_acc",
                     "⚠ conflict: alias loss: the project has loss, train/loss, train_loss; the file loss, train_loss",
                     "add chart set Training: 2 charts (Accuracy, Loss)"]
    assert state(demo_store, "cifar10") == before and win.ws.undo_stack.count() == 0
    assert "not applied" in win.statusBar().currentMessage()

    # Replace with the file's: one undo step, the tab appears, the health check follows
    apply_through_menu(qtbot, win, path, press(qtbot, "Replace with the file's"))
    qtbot.waitUntil(lambda: "Training" in win.grids, timeout=10000)
    wait_written(qtbot, win)
    assert demo_store.alias("cifar10", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert win.ws.undo_stack.count() == 1 and win.undo_action.text() == "&Undo Apply layout mnist.yaml"
    dlg = health_dialog(qtbot, win)
    assert [s.name for s in dlg.health.sets] == ["Overview", "Training"]
    texts = [dlg.tree.topLevelItem(i).text(0) for i in range(dlg.tree.topLevelItemCount())]
    assert texts[:2] == ["Chart set Overview", "Chart set Training"] and "Aliases" in texts
    exported = layout.dump(layout.export(demo_store, "cifar10", ["Training"]))
    assert exported == path.read_text()  # the round trip: no spurious change

    win.undo_action.trigger()
    wait_written(qtbot, win)
    assert state(demo_store, "cifar10") == before
    qtbot.waitUntil(lambda: "Training" not in win.grids, timeout=10000)
    assert win.ws.alias("accuracy") == ("accuracy", "top1", "acc1")
    win.redo_action.trigger()
    wait_written(qtbot, win)
    assert "Training" in demo_store.chart_sets("cifar10")


def test_apply_to_an_empty_project_then_undo(demo_store, open_win, qtbot, tmp_path):
    path = tmp_path / "mnist.yaml"
    layout.write(layout.export(demo_store, "mnist"), path)
    demo_store.create_experiment("empty", "first-run")
    win = open_win(demo_store, "empty", "first-run")
    lines = apply_through_menu(qtbot, win, path, press(qtbot, "Apply"))
    assert lines == ["add alias accuracy: accuracy, acc, pred_acc", "add alias loss: loss, train_loss",
                     "add chart set Training: 2 charts (Accuracy, Loss)"]
    wait_written(qtbot, win)
    assert layout.dump(layout.export(demo_store, "empty")) == path.read_text()
    dlg = health_dialog(qtbot, win)
    assert dlg.health.sets[0].empty == ["first-run"]  # the run has no channels: the set shows nothing for it
    win.undo_action.trigger()
    wait_written(qtbot, win)
    assert state(demo_store, "empty") == ({}, {}, {})


def test_a_bad_file_is_one_line_in_a_message_and_changes_nothing(demo_store, open_win, qtbot, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\naliases:\n  accuracy: [acc, acc]\n")
    win = open_win(demo_store, "mnist", "baseline-sgd")
    before = state(demo_store, "mnist")
    said = []

    def on_message(dlg):
        said.append(dlg.text())
        press_button(qtbot, "OK")(dlg)

    answer_next_dialog(qtbot, lambda dlg: (pick_file(path)(dlg), answer_next_dialog(qtbot, on_message)))
    menu_action(charts_menu(win), "Apply layout…").trigger()
    qtbot.waitUntil(lambda: bool(said), timeout=10000)
    assert said == [f"{path}:3: aliases.accuracy[1]: 'acc' is listed twice"]
    assert state(demo_store, "mnist") == before and win.ws.undo_stack.count() == 0


def test_check_chart_sets_on_sweep_names_the_renamed_metric_and_adds_the_alias_in_one_click(demo_store, open_win, qtbot):
    s = demo_store
    layout.apply(s, "sweep", layout.export(s, "mnist"), replace=True)  # a layout that plots channel:val_acc
    before = state(s, "sweep")
    win = open_win(s, "sweep", "lr0.1-seed0")
    menu_action(charts_menu(win), "Check chart sets…").trigger()
    dlg = health_dialog(qtbot, win)
    (fix,) = dlg.health.suggestions
    assert fix.alias == "val_acc" and "eval/accuracy" in fix.channels
    labels = [b.parentWidget().findChild(type(dlg.summary)).text() for b in dlg.add_buttons]
    assert labels == ["alias val_acc <- val_acc, eval/accuracy, instead of channel:val_acc: fills Training / Accuracy "
                      "(channel:val_acc) in 8 runs"]
    # the tree says where channel:val_acc is missing
    training = next(dlg.tree.topLevelItem(i) for i in range(dlg.tree.topLevelItemCount())
                    if dlg.tree.topLevelItem(i).text(0) == "Chart set Training")
    accuracy = next(training.child(i) for i in range(training.childCount()) if training.child(i).text(0) == "⚠ Accuracy")
    assert accuracy.isExpanded() and "3 series resolve in no run" in dlg.summary.text()
    val_acc = next(accuracy.child(i) for i in range(accuracy.childCount()) if "channel:val_acc" in accuracy.child(i).text(0))
    assert val_acc.text(1) == "12 of 20" and "lr0.3-seed3" in val_acc.text(2)

    click(qtbot, dlg.add_buttons[0])
    wait_written(qtbot, win)
    assert s.alias("sweep", "val_acc") == ["val_acc", "eval/accuracy"]
    assert s.chart_sets("sweep")["Training"][0]["series"] == ["alias:accuracy", "alias:val_acc"]
    qtbot.waitUntil(lambda: dlg.ready() and not dlg.health.suggestions, timeout=10000)
    assert win.ws.undo_stack.count() == 1
    win.undo_action.trigger()  # the alias and the chart's ref, both
    wait_written(qtbot, win)
    assert state(s, "sweep") == before
    qtbot.waitUntil(lambda: dlg.ready() and len(dlg.health.suggestions) == 1, timeout=10000)

    # only the runs the filter shows are checked
    dlg.where.setText("lr <= 0.1")
    dlg.where.returnPressed.emit()
    qtbot.waitUntil(lambda: dlg.ready() and len(dlg.health.runs) == 15, timeout=10000)
    assert "15 runs of 20 (where lr <= 0.1)" in dlg.summary.text()
    dlg.where.setText("lr <")
    dlg.where.returnPressed.emit()
    qtbot.waitUntil(lambda: dlg.ready() and dlg.health is None, timeout=10000)
    assert dlg.error and dlg.where.property("invalid")
    dlg.close()
    QApplication.processEvents()
