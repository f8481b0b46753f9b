"""Starting the application: QApplication, style and theme, store (seeded with the demo when
empty), workspace, main window; ``--screenshot`` draws everything, saves a PNG and exits."""
from __future__ import annotations

import gc
import logging
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMenu, QProxyStyle, QStyleFactory

from ..app import preferences as prefs
from ..errors import ChartDeskError, NotFound
from ..store import open_store
from ..store.location import is_default
from .collector import Collector
from .platform import preflight
from .resources import read_text, resource_path
from .settings import Settings, make_settings
from .theme import SYSTEM, THEMES, theme_switch
from .widgets import SubmenuPlacement

log = logging.getLogger(__name__)

SCREENSHOT_TIMEOUT_S = 60
SCREENSHOT_CHECK_MS = 25  # drawn at two checks in a row (a relayout may ask for new views): the picture


class AppStyle(QProxyStyle):
    """Fusion, with each menu given ``SubmenuPlacement`` as Qt first polishes it (so that a
    submenu opens beside its menu, never over it: menus are made in many panels, and this is
    the one place every one of them passes)."""

    def __init__(self, placement: SubmenuPlacement) -> None:
        super().__init__(QStyleFactory.create("Fusion"))
        self._placement = placement

    def polish(self, arg):
        done = super().polish(arg)
        if isinstance(arg, QMenu):
            arg.installEventFilter(self._placement)
        return done


def saved_theme() -> str:
    """The theme chosen in View > Theme (``preferences.THEME``); System for a value it cannot be."""
    theme = Settings().get(prefs.THEME)
    if theme not in THEMES:
        log.warning("%s: %s is %r, not one of %s: the System theme is used", make_settings().fileName(),
                    prefs.THEME.name, theme, ", ".join(THEMES))
        return SYSTEM
    return theme


def make_app(argv: list[str] | None = None, theme: str = "auto") -> QApplication:
    """The application with ChartDesk's style; ``theme`` "light" or "dark" for this session (the
    command line's ``--theme``), "auto" for the one saved in View > Theme."""
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    app.setApplicationName("ChartDesk")
    app.setOrganizationName("ChartDesk")
    placement = app.findChild(SubmenuPlacement)
    if placement is None:
        placement = SubmenuPlacement(app)
    app.setStyle(AppStyle(placement))
    app.setStyleSheet(read_text("style.qss"))
    wanted = theme if theme in ("light", "dark") else saved_theme()
    switch = theme_switch()
    if wanted != switch.theme:
        switch.set(wanted)
    icon = resource_path("chartdesk.svg")
    if icon is not None:
        app.setWindowIcon(QIcon(str(icon)))
    if app.findChild(Collector) is None:
        Collector(app).start()  # full garbage collections between gestures
    return app


def open_window(store, project: str | None = None, experiment: str | None = None, processes: int | None = None):
    """Build workspace and window on ``store``, preselecting project and experiment; ``processes``:
    how many loader processes (``workers.process_count()`` unless given; 0 for a one-shot picture)."""
    from .main_window import MainWindow
    from .settings import migrate_legacy
    from .workspace import Workspace

    projects = store.projects()
    if project is not None and project not in projects:
        raise NotFound(f"unknown project {project!r}" + (f"; known: {', '.join(projects)}" if projects else ""))
    migrate_legacy(store)  # once: an older version's global session becomes the default store's
    if project is None:
        last = Settings(store).get(prefs.LAST_PROJECT)  # this store's, never another store's
        project = last if last in projects else (projects[0] if projects else None)
    if experiment is not None and experiment not in store.experiments(project):
        raise NotFound(f"unknown experiment {experiment!r} in project {project!r}")
    ws = Workspace(store, processes=processes)
    window = MainWindow(ws)
    ws.set_project(project)
    if experiment is not None:
        ws.select_experiments([experiment])
    else:
        window.restore_session()
    # The modules, Qt wrappers and widgets made so far live as long as the window: move them out
    # of the collector's sight, so a full collection no longer stalls the GUI thread (~35 ms each,
    # measured with 12 charts open).
    gc.collect()
    gc.freeze()
    return window


def run_gui(db=None, project=None, experiment=None, screenshot=None, theme="auto") -> int:
    problem = preflight(headless_ok=bool(screenshot))
    if problem:
        print(f"chartdesk: error: {problem}", file=sys.stderr)
        return 1
    try:
        store = open_store(db)
        if store.created and is_default(db):
            # The very first launch on this machine: something to look at. A store named with
            # --db or CHARTDESK_DB opens as it is (empty stores show a welcome instead).
            from ..demo import seed

            seed(store)
    except ChartDeskError as exc:
        print(f"chartdesk: error: {exc}", file=sys.stderr)
        return 1
    app = make_app(theme=theme)
    try:
        window = open_window(store, project, experiment, processes=0 if screenshot else None)
    except ChartDeskError as exc:
        print(f"chartdesk: error: {exc}", file=sys.stderr)
        store.close()
        return 1
    window.exception_hooks.install()
    window.show()
    if screenshot:
        started = time.monotonic()

        quiet = [0]

        def try_shot() -> None:
            quiet[0] = quiet[0] + 1 if window.settled() else 0
            if quiet[0] >= 2 or time.monotonic() - started > SCREENSHOT_TIMEOUT_S:
                app.processEvents()
                ok = window.grab().save(screenshot)
                if not ok:
                    print(f"chartdesk: error: cannot write {screenshot}", file=sys.stderr)
                window.close()
                app.exit(0 if ok else 1)
            else:
                QTimer.singleShot(SCREENSHOT_CHECK_MS, try_shot)

        QTimer.singleShot(SCREENSHOT_CHECK_MS, try_shot)
    code = app.exec()
    store.close()
    return code
