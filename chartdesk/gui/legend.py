"""A chart's legend: one entry per curve with its swatch (colour, dash and the run's marker) and
its name; a click hides or shows the curve, and the pointer over an entry says so
(``sig_hovered``: the card then draws that run wide in every chart of the tab).

Under the plot (the default) it is a grid of entries, as many columns as fit, and it takes the
rows it needs up to a share of the card (``BELOW_SHARE``), scrolling only past that; beside the
plot (the chart's *Legend > Beside the plot*) it is one column, as tall as the plot. A name too
long for its entry loses what it has in common with the other entries first
(``chartdesk.app.labels``, the rule of every list of names): the part that tells the curves apart
stays whole; the tooltip has the whole name. ``whole()`` shows
every entry, whole, for as long as it lasts (an exported figure holds the whole legend, no
scrollbar).

``swatch`` and ``run_icon`` draw a run's style (``chartdesk.colors``) for the legend, the project
tree and the runs table.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from contextlib import contextmanager

from pyqtgraph.graphicsItems.ScatterPlotItem import Symbols
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QFrame, QListView, QListWidget, QListWidgetItem

from ..app.labels import segments, shorten_all
from ..colors import Style
from .plot_items import DASHES
from .theme import state_color

SWATCH = QSize(22, 12)
ENTRY_PAD = 26  # pixels of an entry beside its swatch and text (the gap, the item's margins)

_swatches: dict[tuple, QIcon] = {}


def _draw_marker(p: QPainter, marker: str, color: QColor, center: QPointF, size: float,
                 edge: QColor | None = None) -> None:
    path = Symbols.get(marker)
    if path is None:
        return
    p.save()
    p.translate(center)
    p.scale(size, size)
    if edge is not None:
        p.setPen(QPen(edge, 1.5 / size))
    else:
        p.setPen(QPen(color, 0.12) if marker in ("x", "+") else Qt.PenStyle.NoPen)
    p.setBrush(color)
    p.drawPath(path)
    p.restore()


def _icon(pm: QPixmap) -> QIcon:
    """An icon drawn as it is on a selected row too (Qt would tint it with the selection's colour)."""
    icon = QIcon()
    for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected, QIcon.Mode.Active):
        icon.addPixmap(pm, mode)
    return icon


def _paint_swatch(p: QPainter, x: int, y: int, color: str, dash: int, marker: str | None, width: float = 2) -> None:
    """A short line sample of a curve's style at (x, y), SWATCH wide and high."""
    c = QColor(color)
    pen = QPen(c, width)
    pen.setStyle(DASHES[dash % len(DASHES)])
    p.setPen(pen)
    mid = y + SWATCH.height() / 2
    p.drawLine(QPointF(x + 1, mid), QPointF(x + SWATCH.width() - 1, mid))
    if marker:
        _draw_marker(p, marker, c, QPointF(x + SWATCH.width() / 2, mid), 8)


def swatch(color: str, dash: int = 0, marker: str | None = None) -> QIcon:
    """The line sample of a curve's colour, dash and marker (made once per style)."""
    key = (color, dash, marker)
    icon = _swatches.get(key)
    if icon is None:
        pm = QPixmap(SWATCH)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        _paint_swatch(p, 0, 0, color, dash, marker)
        p.end()
        icon = _swatches[key] = _icon(pm)
    return icon


RUN_ICON = QSize(SWATCH.width() + 14, SWATCH.height())
_run_icons: dict[tuple, QIcon] = {}


def run_icon(state: str | None, style: Style | None) -> QIcon:
    """A run's row icon in the tree and the runs table: its swatch when the charts draw it (the
    curve's colour and marker), then the dot of its state (``state`` None: no dot, and the icon
    is as wide as a swatch); the swatch's place stays empty for a run that is not drawn, so names
    stay aligned."""
    key = (state, style)
    icon = _run_icons.get(key)
    if icon is None:
        pm = QPixmap(RUN_ICON if state is not None else SWATCH)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if style is not None:  # a bar with a grey edge: it reads on a selected row of any colour
            p.setPen(QPen(QColor(128, 128, 128, 170), 1))
            p.setBrush(QColor(style.color))
            p.drawRoundedRect(1, SWATCH.height() / 2 - 2.5, SWATCH.width() - 2, 5, 2, 2)
            if style.marker:
                _draw_marker(p, style.marker, QColor(style.color), QPointF(SWATCH.width() / 2, SWATCH.height() / 2), 10,
                             QColor(128, 128, 128))
        if state is not None:
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(state_color(state)))
            p.drawEllipse(QPointF(RUN_ICON.width() - 6, RUN_ICON.height() / 2), 4, 4)
        p.end()
        icon = _run_icons[key] = _icon(pm)
    return icon


class Legend(QListWidget):
    """Every curve of a chart (never over the data): a swatch and the name, shortened where it does
    not fit (``chartdesk.app.labels.shorten_all``; the tooltip has it whole). A click hides or
    shows the curve; a hidden curve's entry is greyed and struck through."""

    sig_toggled = Signal(int, bool)
    """(curve index, visible) after the user clicked an entry."""
    sig_hovered = Signal(int)
    """The pointer came over the entry of this curve index; -1: over no entry any more."""

    BELOW_SHARE = 0.4  # under the plot: up to this share of the card's height, then it scrolls
    SIDE_SHARE = 0.34  # beside the plot: up to this share of the card's width,
    SIDE_MOST = 0.5    # or up to this share when what tells the names apart needs it
    MAX_ENTRY = 340    # pixels: an entry under the plot is at most this wide, or as wide as what
                       # tells its curve apart needs

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartLegend")
        self.setViewMode(QListView.ViewMode.ListMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setMovement(QListView.Movement.Static)
        self.setUniformItemSizes(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setTextElideMode(Qt.TextElideMode.ElideRight)  # the texts are shortened here already
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setIconSize(SWATCH)
        self.setAutoFillBackground(False)
        self.viewport().setAutoFillBackground(False)  # the card's background (no style sheet: the
        # scrollbar keeps the style's own look, not a black groove)
        self._labels: list[str] = []
        self._order: list[int] = []  # the curve index of each entry
        self._shown: list[bool] = []
        self._pieces: list[list[tuple[str, bool]]] = []
        self.side = False
        self._room = 10_000  # pixels of height it may take under the plot (the card sets it)
        self._whole = False
        self._col = 0
        self._hover_row = -1
        self.setMouseTracking(True)

    # ---- entries ----------------------------------------------------------------------------
    def fill(self, curves: list, order: Sequence[int] | None = None) -> None:
        """One entry per curve (anything with ``label``, ``color``, ``dash``, ``visible``,
        ``tooltip()``; ``marker`` if it has one), in ``order`` (curve indices, first entry first;
        curve order when None). The signals name curves by their index, whatever the order."""
        self._hover_row_is(-1)  # the entry under the pointer is going
        self.setUpdatesEnabled(False)  # one relayout for all entries, not one per entry
        self.clear()
        self._order = list(range(len(curves))) if order is None else list(order)
        shown = [curves[i] for i in self._order]
        self._labels = [c.label for c in curves]
        self._shown = [True] * len(curves)
        self._pieces = segments([c.label for c in shown])
        for row, c in enumerate(shown):
            item = QListWidgetItem(swatch(c.color, c.dash, getattr(c, "marker", None)), c.label)
            item.setToolTip(c.tooltip())
            item.setData(Qt.ItemDataRole.UserRole, c.label)
            self.addItem(item)
            if not c.visible:  # the plain look is the default: only hidden entries are restyled
                self._style(row, False)
        self._col = 0
        self.setUpdatesEnabled(True)
        self._fit()

    def reorder(self, order: Sequence[int]) -> bool:
        """The same entries in another ``order`` (curve indices, first entry first, as ``fill``
        takes it): each entry's name as shown, swatch, tooltip and look (hidden or not) move with its
        curve, and nothing is made or laid out again (the crosshair reorders the legend as the
        pointer moves: only the entries whose curve changed are rewritten). False: that is the
        order already (nothing done)."""
        order = list(order)
        if order == self._order:
            return False
        if sorted(order) != sorted(self._order):
            raise ValueError(f"a legend of {len(self._order)} entries cannot be put in the order {order}")
        row_of = {curve: row for row, curve in enumerate(self._order)}
        role = Qt.ItemDataRole
        roles = (role.DisplayRole, role.DecorationRole, role.ToolTipRole, role.UserRole, role.FontRole,
                 role.ForegroundRole)
        was = [[self.item(row).data(r) for r in roles] for row in range(self.count())]
        shown, pieces = list(self._shown), list(self._pieces)
        hover = self._hover_row
        for row, curve in enumerate(order):
            old = row_of[curve]
            if old == row:
                continue
            item = self.item(row)
            for r, value in zip(roles, was[old]):
                item.setData(r, value)
            self._shown[row], self._pieces[row] = shown[old], pieces[old]
        self._order = order
        if hover >= 0:  # the entry under the pointer is another curve's now
            self._hover_row = -1
            self._hover_row_is(hover)
        return True

    def labels(self) -> list[str]:
        """Every entry's whole name, in curve order."""
        return list(self._labels)

    def order(self) -> list[int]:
        """The curve index of each entry, first entry first."""
        return list(self._order)

    def shown_labels(self) -> list[str]:
        """Every entry's whole name, in the order the legend lists them."""
        return [self._labels[i] for i in self._order]

    def shown_texts(self) -> list[str]:
        """What each entry shows now (its name, or the name shortened to fit)."""
        return [self.item(i).text() for i in range(self.count())]

    def is_shown(self, row: int) -> bool:
        """Whether the curve of this entry is drawn."""
        return self._shown[row]

    # ---- layout -----------------------------------------------------------------------------
    def set_side(self, side: bool) -> None:
        """Beside the plot (one column, as tall as the plot) or under it (a grid of entries)."""
        if side == self.side:
            return
        self.side = side
        self.setFlow(QListView.Flow.TopToBottom if side else QListView.Flow.LeftToRight)
        self.setWrapping(not side)
        self.setMinimumHeight(0)
        self.setMaximumHeight(16_777_215)
        if side:
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._col = 0
        self._fit()

    def set_room(self, height: int) -> None:
        """The card's height changed: under the plot the legend may take ``BELOW_SHARE`` of it."""
        room = max(self.row_height(), int(height * self.BELOW_SHARE))
        if room != self._room:
            self._room = room
            self._fit()

    def row_height(self) -> int:
        return max(self.fontMetrics().height(), SWATCH.height()) + 5

    def natural_width(self) -> int:
        """The width of the widest entry shown whole (swatch, gap, name, padding)."""
        fm = self.fontMetrics()
        return SWATCH.width() + ENTRY_PAD + max((fm.horizontalAdvance(t) for t in self._labels), default=0)

    def fits_beside(self, card_width: int) -> bool:
        """Whether a column beside the plot, at most ``SIDE_MOST`` of the card, holds what tells
        the names apart (otherwise the legend stands under the plot, where it does)."""
        bar = self.verticalScrollBar().sizeHint().width() + 4
        return self._distinct_width() + bar <= card_width * self.SIDE_MOST

    def side_width(self, card_width: int) -> int:
        """Beside the plot: as wide as its widest name, up to ``SIDE_SHARE`` of the card, or as
        wide as what tells the curves apart needs, up to ``SIDE_MOST`` of it."""
        bar = self.verticalScrollBar().sizeHint().width() + 4
        want = self.natural_width() + bar
        if want > card_width * self.SIDE_SHARE:
            want = max(int(card_width * self.SIDE_SHARE), min(self._distinct_width() + bar,
                                                              int(card_width * self.SIDE_MOST)))
        return max(60, want)

    def _distinct_width(self) -> int:
        """The width an entry needs for its name without what all names end with (`` · loss``,
        which the chart's title says): what entries under the plot are given at least."""
        fm = self.fontMetrics()
        widest = max((fm.horizontalAdvance("".join(t for t, _c in (p[:-1] if len(p) > 1 and p[-1][1] else p)))
                      for p in self._pieces), default=0)
        return SWATCH.width() + ENTRY_PAD + widest

    def _inner_width(self) -> int:
        return max(40, self.width() - 2 * self.frameWidth())

    def _fit(self) -> None:
        """Entries as wide as they need (within limits), texts shortened to them, and under the
        plot as tall as its rows need up to its room (then it scrolls); the exact number of rows
        (a grid), so no row is ever cut without a scrollbar."""
        n = self.count()
        if not n:
            if not self.side:
                self.setFixedHeight(0)
            return
        inner = self._inner_width()
        row_h = self.row_height()
        bar = self.verticalScrollBar().sizeHint().width()
        if self.side:
            col = max(40, inner - 1 - (bar if n * row_h > self.height() else 0))
            self._set_texts(col)
            if QSize(col, row_h) != self.gridSize():
                self.setGridSize(QSize(col, row_h))
            return

        def layout(width: int) -> tuple[int, int]:  # (column width, rows) at this viewport width
            # Qt wraps an entry whose right edge reaches the viewport's (even the first one, which
            # left the first row empty and the last one cut): the columns fit in width - 1
            width -= 1
            cap = width if self._whole else min(width, max(self.MAX_ENTRY, self._distinct_width()))
            col = max(40, min(self.natural_width(), cap))
            return col, math.ceil(n / max(1, width // col))

        col, rows = layout(inner)
        frame = 2 * self.frameWidth() + 2
        scrolls = not self._whole and rows * row_h + frame > self._room
        if scrolls:  # past its room: the columns fit beside the scrollbar, whole rows in view
            col, rows = layout(inner - bar)
            height = max(1, min(rows, (self._room - frame) // row_h)) * row_h + frame
        else:
            height = rows * row_h + frame
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn if scrolls
                                        else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._set_texts(col)
        if QSize(col, row_h) != self.gridSize():
            self.setGridSize(QSize(col, row_h))
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    def _set_texts(self, col: int) -> None:
        if col == self._col:
            return
        self._col = col
        fm = self.fontMetrics()
        room = col - SWATCH.width() - ENTRY_PAD

        def elide(text: str, side: str, px: float) -> str:
            mode = {"left": Qt.TextElideMode.ElideLeft, "right": Qt.TextElideMode.ElideRight,
                    "middle": Qt.TextElideMode.ElideMiddle}[side]
            return fm.elidedText(text, mode, max(0, int(px)))

        size = QSize(col, self.row_height())  # every entry the grid's cell (Qt cuts a text wider than its item)
        for i, text in enumerate(shorten_all(self._pieces, room, fm.horizontalAdvance, elide)):
            item = self.item(i)
            if item.text() != text:
                item.setText(text)
            item.setSizeHint(size)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width() or self.side:
            self._fit()

    @contextmanager
    def whole(self):
        """For a picture: every entry in view and named whole (as far as the width allows), no
        scrollbar; yields how many pixels taller than on screen the legend needs to be. Back as
        it was afterwards."""
        if self.isHidden() or not self.count():
            yield 0
            return
        bar = self.verticalScrollBar()
        height, value, policy = self.height(), bar.value(), self.verticalScrollBarPolicy()
        self._whole = True
        self._col = 0
        bar.setValue(0)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        if self.side:
            self._fit()
            need = self.count() * self.row_height() + 2 * self.frameWidth() + 2
            grow = max(0, need - height)
        else:
            self._fit()
            grow = max(0, self.height() - height)
        self.doItemsLayout()  # at the width without the scrollbar, now (a resize lays out later)
        try:
            yield grow
        finally:
            self._whole = False
            self._col = 0
            self.setVerticalScrollBarPolicy(policy)
            self._fit()
            self.doItemsLayout()
            bar.setValue(value)

    # ---- clicks -----------------------------------------------------------------------------
    def _style(self, row: int, shown: bool) -> None:
        """An entry's look: plain (the palette's text colour, whatever the theme), or hidden
        (struck through, in the palette's placeholder colour: ``restyle`` after a theme change)."""
        self._shown[row] = shown
        item = self.item(row)
        font = item.font()
        font.setStrikeOut(not shown)
        item.setFont(font)
        if shown:
            item.setData(Qt.ItemDataRole.ForegroundRole, None)  # the view's own text colour
        else:
            item.setForeground(self.palette().color(self.palette().ColorRole.PlaceholderText))

    def restyle(self) -> None:
        """The hidden entries' colour again, from the palette now (View > Theme changed it)."""
        for row, shown in enumerate(self._shown):
            if not shown:
                self._style(row, False)

    def _hover_row_is(self, row: int) -> None:
        if row != self._hover_row:
            self._hover_row = row
            self.sig_hovered.emit(self._order[row] if 0 <= row < len(self._order) else -1)

    def mouseMoveEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        self._hover_row_is(self.row(item) if item is not None else -1)
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._hover_row_is(-1)
        super().leaveEvent(event)

    def hideEvent(self, event) -> None:
        self._hover_row_is(-1)
        super().hideEvent(event)

    def mousePressEvent(self, event) -> None:
        item = self.itemAt(event.position().toPoint())
        if item is not None and event.button() == Qt.MouseButton.LeftButton:
            row = self.row(item)
            self._style(row, not self._shown[row])
            self.sig_toggled.emit(self._order[row], self._shown[row])
            return
        super().mousePressEvent(event)
