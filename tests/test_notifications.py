"""An exception nothing caught is logged with its traceback and shown in one line; the window goes on."""
from __future__ import annotations

import threading

from PySide6.QtCore import QTimer


def test_an_uncaught_error_on_any_thread_is_one_status_line_and_a_logged_traceback(demo_store, open_win, qtbot,
                                                                                    tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    import logging

    from chartdesk import logs

    root = logging.getLogger("chartdesk")
    monkeypatch.setattr(root, "handlers", [])
    monkeypatch.setattr(root, "_chartdesk_configured", False, raising=False)
    path = logs.configure()
    assert path == tmp_path / "state" / "chartdesk" / "log" / "chartdesk.log"
    w = open_win(demo_store)
    w.exception_hooks.install()
    try:
        def boom():
            raise ValueError("a slot that nobody guarded")

        QTimer.singleShot(0, boom)
        qtbot.waitUntil(lambda: "Internal error: ValueError: a slot that nobody guarded"
                        in w.statusBar().currentMessage(), timeout=5000)
        assert str(path) in w.statusBar().toolTip()
        t = threading.Thread(target=lambda: 1 / 0)
        t.start()
        t.join()
        qtbot.waitUntil(lambda: "ZeroDivisionError" in w.statusBar().currentMessage(), timeout=5000)
        for h in root.handlers:
            h.flush()
        text = path.read_text()
        assert "Traceback" in text and "a slot that nobody guarded" in text and "ZeroDivisionError" in text
        assert w.isVisible()
    finally:
        w.exception_hooks.uninstall()
        for h in list(root.handlers):
            h.close()
