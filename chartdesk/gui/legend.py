"""A chart's legend: one row per curve with its swatch (colour and dash) and full name, as many
rows as the card gives it; a click hides or shows the curve. ``whole()`` shows every row for as
long as it lasts (an exported figure holds the whole legend, no scrollbar).
"""
from __future__ import annotations

from contextlib import contextmanager

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QListView,
    QListWidget,
    QListWidgetItem,
)

from .plot_items import DASHES

_swatches: dict[tuple[str, int], QIcon] = {}


def _swatch(color: str, dash: int) -> QIcon:
    """The legend's line sample of a curve's colour and dash (made once per style)."""
    icon = _swatches.get((color, dash))
    if icon is None:
        icon = _swatches[(color, dash)] = _make_swatch(color, dash)
    return icon


def _make_swatch(color: str, dash: int) -> QIcon:
    pm = QPixmap(18, 10)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    pen = QPen(QColor(color), 2)
    pen.setStyle(DASHES[dash % len(DASHES)])
    p.setPen(pen)
    p.drawLine(1, 5, 17, 5)
    p.end()
    return QIcon(pm)


class Legend(QListWidget):
    """Every curve of a chart, under the plot (never over the data): a swatch and the label,
    cut in the middle when long (the tooltip has it whole). A click hides or shows the curve;
    a hidden curve's entry is greyed and struck through."""

    sig_toggled = Signal(int, bool)
    """(curve index, visible) after the user clicked an entry."""

    ROWS = 3
    MAX_ENTRY = 320  # pixels; longer labels are cut in the middle

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartLegend")
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setIconSize(QSize(18, 10))
        self.setStyleSheet("QListWidget#ChartLegend { background: transparent; }")
        self._shown: list[bool] = []

    def fill(self, curves: list) -> None:
        """One row per curve (anything with ``label``, ``color``, ``dash``, ``visible``, ``tooltip()``)."""
        self.setUpdatesEnabled(False)  # one relayout for all entries, not one per entry
        self.clear()
        self._shown = [True] * len(curves)
        fm = self.fontMetrics()
        height = fm.height() + 4
        for i, c in enumerate(curves):
            item = QListWidgetItem(_swatch(c.color, c.dash), c.label)
            item.setToolTip(c.tooltip())
            item.setSizeHint(QSize(min(self.MAX_ENTRY, 40 + fm.horizontalAdvance(c.label)), height))
            self.addItem(item)
            if not c.visible:  # the plain look is the default: only hidden entries are restyled
                self._style(i, False)
        self.setUpdatesEnabled(True)
        self._fit()

    def _fit(self) -> None:
        """As tall as its entries need at this width, up to ROWS rows (then it scrolls)."""
        row_h = self.fontMetrics().height() + 6
        height = min(self.ROWS, max(1, self._rows_needed())) * row_h + 4 if self.count() else 0
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._fit()

    def _rows_needed(self) -> int:
        width = max(1, self.viewport().width() or 400)
        rows, x = 1, 0
        for i in range(self.count()):
            w = self.item(i).sizeHint().width() + 2
            if x + w > width and x > 0:
                rows += 1
                x = 0
            x += w
        return rows

    @contextmanager
    def whole(self):
        """For a picture: every entry in view, no scrollbar, as tall as all the rows need (at least
        as tall as on screen); yields how many pixels taller than on screen that is. Back as it
        was afterwards."""
        if self.isHidden() or not self.count():
            yield 0
            return
        bar = self.verticalScrollBar()
        height, value, policy = self.height(), bar.value(), self.verticalScrollBarPolicy()
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        bar.setValue(0)
        self.doItemsLayout()  # at the width without the scrollbar, now (a resize lays out 0.1 s later)
        bottom = max(self.visualItemRect(self.item(i)).bottom() for i in range(self.count()))
        self.setFixedHeight(max(height, bottom + 1 + 2 * self.frameWidth() + 4))  # never less than on screen
        try:
            yield self.height() - height
        finally:
            self.setFixedHeight(height)
            self.setVerticalScrollBarPolicy(policy)  # the scrollbar is back at once, the entries laid out for it
            self.doItemsLayout()
            bar.setValue(value)

    def labels(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def is_shown(self, row: int) -> bool:
        return self._shown[row]

    def _style(self, row: int, shown: bool) -> None:
        self._shown[row] = shown
        item = self.item(row)
        font = item.font()
        font.setStrikeOut(not shown)
        item.setFont(font)
        item.setForeground(self.palette().color(self.palette().ColorRole.PlaceholderText if not shown
                                                else self.palette().ColorRole.Text))

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            row = self.row(item)
            self._style(row, not self._shown[row])
            self.sig_toggled.emit(row, self._shown[row])
            return
        super().mousePressEvent(event)


