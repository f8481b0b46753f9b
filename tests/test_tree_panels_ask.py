"""Panels ask, they do not reach: the project tree and the follow control work on a workspace and a
plain parent widget, with no main window anywhere; what the follow control wants done (a status
line, a poll, the project of its first runs shown) it asks for by signals."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from chartdesk.gui.following import FollowControl
from chartdesk.gui.project_tree import ProjectTree
from chartdesk.gui.workspace import Workspace


def no_main_window() -> bool:
    return not any(isinstance(w, QMainWindow) for w in QApplication.topLevelWidgets())


def test_the_tree_needs_only_the_workspace(demo_store, qtbot):
    ws = Workspace(demo_store, processes=0)
    parent = QWidget()
    qtbot.addWidget(parent)
    tree = ProjectTree(ws, parent)
    ws.set_project("mnist")
    qtbot.waitUntil(tree.settled, timeout=10000)
    assert tree.model.projects() == ["cifar10", "mnist", "sweep"]
    assert tree.model.rowCount(tree.model.project_index("sweep")) == 20
    assert no_main_window()
    tree.shutdown()
    ws.shutdown()


def test_the_follow_control_asks_by_signals(store, qtbot, tmp_path):
    store.create_experiment("p", "other")
    ws = Workspace(store, processes=0)
    ws.set_project("p")
    parent = QWidget()
    qtbot.addWidget(parent)
    control = FollowControl(ws, parent, lambda: "followed")
    heard = []
    control.sig_status_message.connect(lambda text, ms: heard.append(("status", text)))
    control.sig_poll_requested.connect(lambda: heard.append(("poll",)))
    control.sig_show_project_requested.connect(lambda project, runs: heard.append(("show", project, list(runs))))
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "trained.csv").write_text("step,loss\n0,1.0\n1,0.5\n")

    assert control.follow(str(logs))
    assert heard == [("status", f"Following {logs} into followed")]
    qtbot.waitUntil(lambda: any(h[0] == "show" for h in heard), timeout=10000)
    # the runs are written first, the store is re-read, then the window is asked to show them
    poll, show = heard.index(("poll",)), heard.index(("show", "followed", ["trained"]))
    assert 0 < poll < show
    assert ws.project == "p"  # asked for, not done: the window decides
    qtbot.waitUntil(lambda: control.label.isVisibleTo(parent) and "1 run" in control.label.text(), timeout=5000)
    heard.clear()
    control.stop()
    assert heard == [("status", "Stopped following 1 folder; what was imported stays"), ("poll",)]
    assert not control.stop_action.isEnabled() and not control.label.isVisibleTo(parent)
    assert store.experiments("followed") == ["trained"]
    assert no_main_window()
    ws.shutdown()
