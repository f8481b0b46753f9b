"""What a person does to the window, for tests: click, type, pick from menus, answer dialogs."""
from __future__ import annotations

import subprocess
import sys

from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox, QPushButton, QWidget


def click(qtbot, button: QPushButton) -> None:
    assert button.isVisible() and button.isEnabled(), f"{button.text()!r} cannot be clicked"
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


#: Bumped when a test ends (conftest): a wait for a dialog never outlives its test, where it
#: would answer the next test's dialog.
test_epoch = [0]


def answer_next_dialog(qtbot, respond, timeout_ms: int = 5000) -> list:
    """Call ``respond(dialog)`` when the next modal dialog opens (what a person would do there).
    Returns a list that holds the dialog once it was answered."""
    seen = []
    waited = [0]
    epoch = test_epoch[0]

    def go():
        if test_epoch[0] != epoch:
            return
        dlg = QApplication.activeModalWidget()
        if dlg is None or dlg in seen:
            waited[0] += 20
            if waited[0] < timeout_ms:
                QTimer.singleShot(20, go)
            return
        seen.append(dlg)
        respond(dlg)

    QTimer.singleShot(0, go)
    return seen


def type_and_ok(qtbot, text: str):
    """For an input dialog: clear the field, type ``text``, press OK."""
    def respond(dlg: QWidget):
        edit = dlg.findChild(QLineEdit)
        edit.selectAll()
        qtbot.keyClicks(edit, text)
        ok = dlg.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    return respond


def press_button(qtbot, label: str):
    """For a message box: press the button with this label."""
    def respond(dlg: QMessageBox):
        for b in dlg.buttons():
            if b.text().replace("&", "") == label:
                qtbot.mouseClick(b, Qt.MouseButton.LeftButton)
                return
        raise AssertionError(f"no button {label!r} in {[b.text() for b in dlg.buttons()]}")
    return respond


def key(qtbot, widget, sequence: str) -> None:
    """Type a shortcut such as 'Ctrl+Shift+Z' on a widget."""
    from PySide6.QtGui import QKeySequence

    combo = QKeySequence(sequence)[0]
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


def index_point(view, index) -> QPoint:
    return view.visualRect(index).center()


def settle(qtbot, window, timeout=15000):
    """Wait until every chart in view is drawn and stays so (a relayout may ask for new views)."""
    def steady():
        if not window.settled():
            return False
        qtbot.wait(60)
        return window.settled()
    qtbot.waitUntil(steady, timeout=timeout)


def chart(window, set_name, chart_name):
    """The chart as the window has built it (charts are built when their place is in view)."""
    grid = window.grids[set_name]
    QApplication.processEvents()
    return next(c for c in grid.charts if c.chart.name == chart_name)


def log_from_another_process(db_path, project: str, experiment: str, channel: str, xs, ys) -> None:
    """A training script elsewhere logs these points (as a live run does while the window is open)."""
    writer = subprocess.Popen([sys.executable, "-c", (
        "import chartdesk\n"
        f"with chartdesk.init(project={project!r}, experiment={experiment!r}, db={str(db_path)!r}) as run:\n"
        f"    run.log_many({channel!r}, {[float(x) for x in xs]!r}, {[float(y) for y in ys]!r})\n")])
    assert writer.wait(timeout=60) == 0


def menu_action(menu, *path: str):
    """The action a person picks in ``menu`` by its text (``"X axis", "Log x"``: through submenus)."""
    for i, text in enumerate(path):
        found = next((a for a in menu.actions() if a.text().replace("&", "") == text), None)
        assert found is not None, f"no {text!r} in the menu {[a.text() for a in menu.actions()]}"
        if i == len(path) - 1:
            assert found.isEnabled(), f"{text!r} is disabled"
            return found
        menu = found.menu()
        assert menu is not None, f"{text!r} is not a submenu"


def refocus(window, widget):
    """What the window manager does after a dialog: the window, then the widget, gets the focus back."""
    QApplication.processEvents()
    window.activateWindow()
    window.windowHandle().requestActivate()
    QApplication.processEvents()
    widget.setFocus()


def svg_picture(path, size):
    """An SVG file drawn on white at ``size`` (a QSize), as another program would show it."""
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(path))
    assert renderer.isValid(), f"{path} is not a valid SVG"
    img = QImage(size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    renderer.render(p)
    p.end()
    return img


def run_real_app(xserver: str, tmp_path, script, *args, timeout: int = 90) -> dict:
    """Run a tests/real_*_app.py script on the X server ``xserver`` (test_real_input.xserver) with
    Qt's xcb platform and this test's own settings folder; the last JSON line it printed."""
    import json
    import os

    env = {**os.environ, "DISPLAY": xserver, "QT_QPA_PLATFORM": "xcb", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True, env=env,
                       timeout=timeout)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no result; stderr: {r.stderr[-2000:]}"
    return json.loads(lines[-1])


def wait_written(qtbot, window, timeout: int = 10000) -> None:
    """Wait until every edit the window (or workspace) made is written and its outcome handed back
    (edits are shown at once and written on the session's writer)."""
    ws = getattr(window, "ws", window)
    qtbot.waitUntil(lambda: not ws.session.writing, timeout=timeout)
