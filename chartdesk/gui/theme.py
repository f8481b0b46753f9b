"""Colours: a stable palette for experiments and series, state colours, dark-theme awareness."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

# Colour-blind-friendly, readable on light and dark backgrounds (Tableau 10, slightly adjusted).
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
           "#9c755f", "#8cd17d", "#499894", "#d37295", "#a0cbe8", "#ffbe7d", "#86bcb6", "#f1ce63"]

STATE_COLORS = {"running": "#2e9bd6", "succeeded": "#3a9a4a", "failed": "#d64541", "aborted": "#a0a0a0"}


def color(i: int) -> str:
    return PALETTE[i % len(PALETTE)] if i >= 0 else "#888888"


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
