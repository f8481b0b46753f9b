"""The hover read-out: a small floating table beside the pointer with every series drawn at the
pointer's x, sorted by value (highest first, as on the plot), the series nearest the pointer
highlighted, a group's band and run count in columns of their own. It is a window of its own
(so 20 or 45 rows are not cut by the card), that takes no focus and no input (the pointer stays
over the plot: it never starts a leave), and it is shown only while the chart says what is under
the pointer now (``ChartWidget.show_values_at``, ``clear_hover``).
"""
from __future__ import annotations

import html
import math
from dataclasses import dataclass

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from .legend import segments, shorten

GAP = 18           # pixels between the pointer and the table
MAX_LABEL = 420    # pixels: a longer name loses its common part first (``legend.shorten``)
MIN_LABEL = 120
MARKER_GLYPHS = {None: "■", "o": "●", "t": "▼", "s": "▮", "d": "◆", "x": "✕", "star": "★"}


@dataclass(frozen=True)
class Row:
    color: str
    label: str
    value: str         # as written (``format_y``)
    detail: str = ""   # a group's band and count
    nearest: bool = False
    marker: str | None = None  # the run's marker (``chartdesk.colors``), shown as its glyph


class HoverTable(QFrame):
    """The floating table (see the module's docstring)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowTransparentForInput | Qt.WindowType.WindowDoesNotAcceptFocus)
        self.setObjectName("HoverTable")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setFrameShape(QFrame.Shape.Box)
        self.setLineWidth(1)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Window, pal.color(QPalette.ColorRole.ToolTipBase))
        pal.setColor(QPalette.ColorRole.WindowText, pal.color(QPalette.ColorRole.ToolTipText))
        self.setPalette(pal)
        self.setAutoFillBackground(True)
        self.label = QLabel(self)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.addWidget(self.label)
        self._rows: list[Row] = []
        self._x_text = ""
        self._columns = 1

    # ---- what it says -----------------------------------------------------------------------
    def text(self) -> str:
        """The table as rich text ("" when hidden)."""
        return self.label.text() if self.isVisible() else ""

    def rows(self) -> list[Row]:
        """The rows shown, in their order (none when hidden)."""
        return list(self._rows) if self.isVisible() else []

    def x_text(self) -> str:
        return self._x_text if self.isVisible() else ""

    def nearest(self) -> str | None:
        """The label of the highlighted row (the series nearest the pointer), or None."""
        return next((r.label for r in self.rows() if r.nearest), None)

    # ---- showing ----------------------------------------------------------------------------
    def show_rows(self, x_text: str, rows: list[Row], anchor: QPoint) -> None:
        """Show ``rows`` (in this order) under the heading ``x_text``, beside the screen point
        ``anchor`` (the pointer), within that screen."""
        self._rows, self._x_text = list(rows), x_text
        screen = QGuiApplication.screenAt(anchor) or QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else QRect(0, 0, 1920, 1080)
        # as wide as the wider side of the pointer holds: names lose their common part, then
        # (45 long names at 1366 px) their middle
        room = max(anchor.x() - area.left(), area.right() - anchor.x()) - GAP - 2
        label = MAX_LABEL
        for _ in range(4):
            self.label.setText(self._html(area.height(), label))
            self.adjustSize()
            if self.width() <= room or label <= MIN_LABEL:
                break
            label = max(MIN_LABEL, label - (self.width() - room) // self._columns - 8)
        self.move(self._place(anchor, area))
        if not self.isVisible():
            self.show()  # a tool tip window: above the window, without taking its activation

    def _html(self, screen_height: int, max_label: int) -> str:
        fm = self.label.fontMetrics()
        pal = self.palette()
        hl = QColor(pal.color(QPalette.ColorRole.Highlight))
        hl_text = pal.color(QPalette.ColorRole.HighlightedText).name()
        pieces = segments([r.label for r in self._rows])

        def elide(text: str, side: str, px: float) -> str:
            mode = {"left": Qt.TextElideMode.ElideLeft, "right": Qt.TextElideMode.ElideRight,
                    "middle": Qt.TextElideMode.ElideMiddle}[side]
            return fm.elidedText(text, mode, max(0, int(px)))

        row_h = fm.height() + 2
        most = max(4, (screen_height - 3 * row_h - 24) // row_h)  # rows a column can have on the screen
        per_column = math.ceil(len(self._rows) / max(1, math.ceil(len(self._rows) / most)))  # columns alike
        names = [shorten(p, max_label, fm.horizontalAdvance, elide) for p in pieces]
        rows = list(zip(self._rows, names))
        columns = [rows[i:i + per_column] for i in range(0, len(rows), per_column)] or [[]]
        self._columns = len(columns)
        detail = any(r.detail for r in self._rows)
        cells = []
        for line in range(len(columns[0])):
            tds = []
            for k, col in enumerate(columns):
                if line >= len(col):
                    tds.append("<td></td>" * (4 if detail else 3))
                    continue
                r, name = col[line]
                name = html.escape(name)
                pad = " style='padding-left:14px'" if k else ""
                style = f" bgcolor='{hl.name()}' style='color:{hl_text}'" if r.nearest else ""
                glyph = MARKER_GLYPHS.get(r.marker, "■")
                tds.append(f"<td{pad}><span style='color:{r.color}'>{glyph}</span></td>"
                           f"<td{style}>{name}</td><td align='right'{style}><b>{html.escape(r.value)}</b></td>"
                           + (f"<td{style}>{html.escape(r.detail)}</td>" if detail else ""))
            cells.append("<tr>" + "".join(tds) + "</tr>")
        head = f"<tr><td colspan='{(4 if detail else 3) * len(columns)}'><b>{html.escape(self._x_text)}</b></td></tr>"
        return f"<table cellspacing='0' cellpadding='1'>{head}{''.join(cells)}</table>"

    def _place(self, anchor: QPoint, area: QRect) -> QPoint:
        """Right of the pointer when it fits on the screen, else left of it (never under it), as
        high as the pointer less a third of the table, within the screen."""
        w, h = self.width(), self.height()
        x = anchor.x() + GAP
        if x + w > area.right() and anchor.x() - area.left() > area.right() - anchor.x():
            x = anchor.x() - GAP - w
        y = min(max(area.top(), anchor.y() - h // 3), area.bottom() - h + 1)
        return QPoint(x, max(area.top(), y))
