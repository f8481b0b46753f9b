"""The hover read-out: a small floating table beside the pointer with every series drawn at the
pointer's x, sorted by value (highest first, as on the plot), the series nearest the pointer
highlighted, a group's band and run count in a column of their own. It is a window of its own
(so 20 or 45 rows are not cut by the card), that takes no focus and no input (the pointer stays
over the plot: it never starts a leave), and it is shown only while the chart says what is under
the pointer now (``ChartWidget.show_values_at``, ``clear_hover``).

It stands whole inside the chart's window (and its screen): right of the pointer, or left of it
where the right has no room, and as high as the pointer less a third of it, moved up or down to
stay inside (``bounds``, ``_place``); its names are shortened to the wider side's room. Only a
window too small for it lets it out onto the rest of the screen.

It paints its rows itself: laying a rich-text table out took 27 ms for 45 rows, at every move of
the pointer; measuring and painting them takes well under one.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetrics, QGuiApplication, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from .legend import segments, shorten_all

GAP = 18           # pixels between the pointer and the table
MAX_LABEL = 420    # pixels: a longer name loses its common part first (``legend.shorten_all``)
MIN_LABEL = 120
PAD = 6            # pixels around the table and between its columns
MARKER_GLYPHS = {None: "■", "o": "●", "t": "▼", "s": "▮", "d": "◆", "x": "✕", "star": "★"}


@dataclass(frozen=True)
class Row:
    color: str
    label: str
    value: str         # as written (``format_y``)
    detail: str = ""   # a group's band and count
    nearest: bool = False
    marker: str | None = None  # the run's marker (``chartdesk.colors``), shown as its glyph


class HoverTable(QWidget):
    """The floating table (see the module's docstring). Should the window system hand it the
    pointer all the same (an input-transparent window is the window system's to honour), it says
    where the pointer went (``sig_pointer_over``), so the chart goes on following it."""

    sig_pointer_over = Signal(object)
    """The pointer moved over the table, to this screen point (QPoint)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowTransparentForInput | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setObjectName("HoverTable")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setMouseTracking(True)
        self._rows: list[Row] = []
        self._names: list[str] = []
        self._x_text = ""
        self._per_column = 1
        self._widths: tuple[int, int, int, int] = (0, 0, 0, 0)  # glyph, name, value, detail
        self._pieces_for: tuple[tuple[str, ...], list] = ((), [])
        self._names_for: tuple = ((), 0, [])
        self._bold = QFont(self.font())
        self._bold.setBold(True)

    # ---- what it says -----------------------------------------------------------------------
    def rows(self) -> list[Row]:
        """The rows shown, in their order (none when hidden)."""
        return list(self._rows) if self.isVisible() else []

    def names(self) -> list[str]:
        """Each shown row's name as written (shortened to fit, as in the legend)."""
        return list(self._names) if self.isVisible() else []

    def x_text(self) -> str:
        return self._x_text if self.isVisible() else ""

    def nearest(self) -> str | None:
        """The label of the highlighted row (the series nearest the pointer), or None."""
        return next((r.label for r in self.rows() if r.nearest), None)

    def text(self) -> str:
        """The table as plain text, a line per row ("" when hidden)."""
        if not self.isVisible():
            return ""
        return "\n".join([self._x_text] + [f"{r.label}: {r.value} {r.detail}".rstrip() for r in self._rows])

    # ---- showing ----------------------------------------------------------------------------
    def show_rows(self, x_text: str, rows: list[Row], anchor: QPoint) -> None:
        """Show ``rows`` (in this order) under the heading ``x_text``, beside the screen point
        ``anchor`` (the pointer), within that screen."""
        self._rows, self._x_text = list(rows), x_text
        area = self.bounds(anchor)
        fm = QFontMetrics(self.font())
        bold = QFontMetrics(self._bold)
        row_h = fm.height() + 2
        most = max(4, (area.height() - 2 * PAD - row_h) // row_h)  # rows a column can have on the screen
        columns = max(1, math.ceil(len(rows) / most))
        self._per_column = math.ceil(len(rows) / columns) if rows else 1
        # as wide as the wider side of the pointer holds: names lose their common part, then (45
        # long names at 1366 px) their middle
        room = max(anchor.x() - area.left(), area.right() - anchor.x()) - GAP - 2
        glyph = fm.horizontalAdvance("■") + PAD
        value = max((bold.horizontalAdvance(r.value) for r in rows), default=0) + PAD
        detail = max((fm.horizontalAdvance(r.detail) for r in rows), default=0)
        detail += PAD if detail else 0
        fixed = columns * (glyph + value + detail + PAD) + PAD
        label = min(MAX_LABEL, max(MIN_LABEL, (room - fixed) // columns))
        self._names = self._shortened(fm, label)
        name = max((fm.horizontalAdvance(n) for n in self._names), default=0) + PAD
        self._widths = (glyph, name, value, detail)
        width = max(fixed + columns * name, bold.horizontalAdvance(x_text) + 2 * PAD)
        size = QSize(width, (self._per_column + 1) * row_h + 2 * PAD)
        if size.width() > area.width() or size.height() > area.height():  # a window too small for it
            area = self._screen_area(anchor)
        self.resize(size)
        self.move(self._place(anchor, area))
        self.update()
        if not self.isVisible():
            self.show()  # a tool tip window: above the window, without taking its activation

    def _shortened(self, fm: QFontMetrics, room: int) -> list[str]:
        labels = tuple(r.label for r in self._rows)
        if self._pieces_for[0] != labels:
            self._pieces_for = (labels, segments(list(labels)))
        key = (labels, room)
        if self._names_for[:2] != key:  # the same curves under a moving pointer: worked out once
            def elide(text: str, side: str, px: float) -> str:
                mode = {"left": Qt.TextElideMode.ElideLeft, "right": Qt.TextElideMode.ElideRight,
                        "middle": Qt.TextElideMode.ElideMiddle}[side]
                return fm.elidedText(text, mode, max(0, int(px)))

            self._names_for = (labels, room, shorten_all(self._pieces_for[1], room, fm.horizontalAdvance, elide))
        return list(self._names_for[2])

    @staticmethod
    def _screen_area(anchor: QPoint) -> QRect:
        screen = QGuiApplication.screenAt(anchor) or QGuiApplication.primaryScreen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1920, 1080)

    def bounds(self, anchor: QPoint) -> QRect:
        """Where the table may stand (screen coordinates): the chart's window, as far as it is on
        the screen of ``anchor``; that screen when the window is not on it."""
        area = self._screen_area(anchor)
        parent = self.parentWidget()
        if parent is None:
            return area
        top = parent.window()
        inside = top.frameGeometry().intersected(area)
        return inside if inside.contains(anchor) else area

    def _place(self, anchor: QPoint, area: QRect) -> QPoint:
        """Right of the pointer when it fits in ``area``, else left of it when that fits (never
        under it); else on the side with more room, moved in so that it is whole. As high as
        the pointer less a third of the table, moved up or down to stay inside ``area``."""
        w, h = self.width(), self.height()
        right, left = anchor.x() + GAP, anchor.x() - GAP - w
        if right + w - 1 <= area.right():
            x = right
        elif left >= area.left():
            x = left
        else:
            x = right if area.right() - anchor.x() >= anchor.x() - area.left() else left
            x = max(area.left(), min(x, area.right() - w + 1))
        y = max(area.top(), min(anchor.y() - h // 3, area.bottom() - h + 1))
        return QPoint(x, y)

    def event(self, ev) -> bool:  # Qt's name
        kind = ev.type()
        if kind in (QEvent.Type.MouseMove, QEvent.Type.Enter, QEvent.Type.Leave):
            self.sig_pointer_over.emit(QCursor.pos())
        return super().event(ev)

    # ---- painting ---------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:
        pal = self.palette()
        p = QPainter(self)
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.ToolTipBase))
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))
        text = pal.color(QPalette.ColorRole.ToolTipText)
        fm = QFontMetrics(self.font())
        row_h = fm.height() + 2
        glyph, name, value, detail = self._widths
        column = glyph + name + value + detail + PAD
        p.setFont(self._bold)
        p.setPen(text)
        p.drawText(QRect(PAD, PAD, self.width() - 2 * PAD, row_h), Qt.AlignmentFlag.AlignVCenter, self._x_text)
        for i, (r, shown) in enumerate(zip(self._rows, self._names)):
            col, line = divmod(i, self._per_column)
            x, y = PAD + col * column, PAD + (line + 1) * row_h
            fg = text
            if r.nearest:
                p.fillRect(QRect(x + glyph - 2, y, name + value + detail, row_h), pal.color(QPalette.ColorRole.Highlight))
                fg = pal.color(QPalette.ColorRole.HighlightedText)
            p.setFont(self.font())
            p.setPen(QColor(r.color))
            p.drawText(QRect(x, y, glyph, row_h), Qt.AlignmentFlag.AlignVCenter, MARKER_GLYPHS.get(r.marker, "■"))
            p.setPen(fg)
            p.drawText(QRect(x + glyph, y, name, row_h), Qt.AlignmentFlag.AlignVCenter, shown)
            if r.detail:
                p.drawText(QRect(x + glyph + name + value, y, detail, row_h), Qt.AlignmentFlag.AlignVCenter, r.detail)
            p.setFont(self._bold)
            p.drawText(QRect(x + glyph + name, y, value - PAD, row_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, r.value)
        p.end()
