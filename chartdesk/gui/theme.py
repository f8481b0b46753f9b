"""Colours of the window: state colours and icons, plot colours that follow the palette (light or
dark). A run's colour and marker are ``chartdesk.colors`` (its swatch: ``legend.run_icon``)."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

STATE_COLORS = {"running": "#2e9bd6", "succeeded": "#3a9a4a", "failed": "#d64541", "aborted": "#a0a0a0"}


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
