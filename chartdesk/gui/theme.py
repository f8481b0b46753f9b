"""Colours of the window: state colours and icons, plot colours that follow the palette (light or
dark). The curve palette is ``chartdesk.curves.color``."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
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


_icons: dict[str, QIcon] = {}


def state_icon(state: str) -> QIcon:
    """A small filled dot in the state's colour."""
    icon = _icons.get(state)
    if icon is None:
        pm = QPixmap(12, 12)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setBrush(QColor(state_color(state)))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawEllipse(2, 2, 8, 8)
        p.end()
        icon = _icons[state] = QIcon(pm)
    return icon
