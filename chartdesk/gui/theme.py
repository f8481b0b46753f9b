"""Colours of the window: the theme (System, Light or Dark: ``ThemeSwitch``, one per application),
state colours and icons, plot colours that follow the palette (light or dark). A run's colour and
marker are ``chartdesk.colors`` (its swatch: ``legend.run_icon``).

**The theme.** *System* is the palette Qt gives the platform (a desktop's dark scheme included),
*Light* Fusion's own light palette, *Dark* ``dark_palette``. ``ThemeSwitch.set`` puts the palette
on the application, so every open window takes it at once, and says so (``sig_theme_changed``,
the one theme-changed event): each open chart card and sweep view hears it and sets its plot
colours again in place (``plot_colors``: background, axes, grid, hover line, legend text), so the
zoom, a fixed y, hidden curves, the legend and the hover stay; widgets styled by the style sheet
(``palette(...)`` colours: hints, the empty state) take it when the sheet is applied again, and
those painting from their palette (the hover table) at their next paint. Run colours do not
depend on the theme (``chartdesk.colors``). Where the choice comes from is the window's
business: View > Theme (saved in the machine's preferences, ``preferences.THEME``) or, for one
session, the command line's ``--theme``.
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

STATE_COLORS = {"running": "#2e9bd6", "succeeded": "#3a9a4a", "failed": "#d64541", "aborted": "#a0a0a0"}

#: The themes, by the name the preferences keep, with the menu's words.
THEMES = {"system": "System", "light": "Light", "dark": "Dark"}
SYSTEM = "system"


def state_color(state: str) -> str:
    return STATE_COLORS.get(state, "#888888")


def plot_colors() -> tuple[str, str]:
    """(background, foreground) for plots, following the application palette."""
    pal = QApplication.instance().palette()
    return pal.color(QPalette.ColorRole.Base).name(), pal.color(QPalette.ColorRole.Text).name()


def faint(hex_color: str, alpha: int = 70) -> QColor:
    c = QColor(hex_color)
    c.setAlpha(alpha)
    return c


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#2b2d31", QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#1e1f22", QPalette.ColorRole.AlternateBase: "#26282c",
        QPalette.ColorRole.Text: "#e6e6e6", QPalette.ColorRole.Button: "#34363b",
        QPalette.ColorRole.ButtonText: "#e6e6e6", QPalette.ColorRole.Highlight: "#3d6fb4",
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#34363b",
        QPalette.ColorRole.ToolTipText: "#e6e6e6", QPalette.ColorRole.Mid: "#55585e",
        QPalette.ColorRole.Dark: "#8a8d93", QPalette.ColorRole.PlaceholderText: "#8a8d93",
    }
    for role, c in roles.items():
        p.setColor(role, QColor(c))
    for role in (QPalette.ColorRole.ButtonText, QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        p.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b6e74"))  # disabled must look disabled
    return p


def palette_for(theme: str) -> QPalette:
    """The application palette of a theme (ValueError naming the known ones for another)."""
    if theme == "dark":
        return dark_palette()
    if theme == "light":
        return QApplication.style().standardPalette()
    if theme == SYSTEM:
        return QPalette()  # nothing set: Qt resolves every role against the platform's own palette
    raise ValueError(f"unknown theme {theme!r}; known: {', '.join(THEMES)}")


class ThemeSwitch(QObject):
    """The application's theme (``theme_switch()`` gives the one of the running application)."""

    sig_theme_changed = Signal(str)
    """The theme now on the application (one of ``THEMES``), after its palette is set."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName("ThemeSwitch")
        self.theme = SYSTEM  # what the application started with: nothing set

    def set(self, theme: str) -> None:
        """Put ``theme``'s palette on the application (every window takes it) and say so."""
        pal = palette_for(theme)
        app = QApplication.instance()
        app.setPalette(pal)
        sheet = app.styleSheet()
        if sheet:
            app.setStyleSheet(sheet)  # its palette(...) colours are taken when it is applied: again
        changed = theme != self.theme
        self.theme = theme
        if changed:
            self.sig_theme_changed.emit(theme)


def theme_switch() -> ThemeSwitch:
    """The running application's ``ThemeSwitch`` (made on first use)."""
    app = QApplication.instance()
    found = app.findChild(ThemeSwitch, "ThemeSwitch")
    return found if found is not None else ThemeSwitch(app)
