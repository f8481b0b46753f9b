"""Small widgets shared by the panels: a label that elides in the middle and shows its whole text
in a tooltip, the plural helper every count in the window uses, and what lets a dock's panel be
narrow (``FlowLayout``, a row of buttons that wraps; ``let_shrink``, applied to each dock's panel),
``NameDelegate``, which shortens a column of names by the legend's rule (what tells a run apart
stays: ``chartdesk.app.labels``), ``compact_rows`` (a table's rows a line of text high, as the
tree's), ``SwatchDelegate``, which also keeps a run's swatch readable on a selected row of the
project tree and the runs table, ``SubmenuPlacement``, which opens a submenu beside the menu
it came from, never over it, and ``repaint_on_activation_only_if_changed``, which spares a large
list the repaint Qt gives every item view when its window takes or loses activation."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLayout,
    QMenu,
    QPushButton,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ..app.labels import fit_names

#: The role a run's row answers with the style its swatch shows now (``chartdesk.colors.Style``),
#: None for a run the charts do not draw: ``SwatchDelegate`` reads it.
SWATCH_ROLE = Qt.ItemDataRole.UserRole + 40


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 experiment``, ``2 experiments``, ``1,000 points``."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def menu_text(name: str) -> str:
    """A user's name (a chart set ``Val & loss``) as the text of a tab, menu entry or tool button:
    ``&`` doubled, so Qt shows it instead of taking it as a keyboard mnemonic."""
    return name.replace("&", "&&")


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Outline an input as holding something that does not parse: the one style rule on the
    ``invalid`` property (resources/style.qss), applied again when the property changes."""
    if bool(widget.property("invalid")) != bool(invalid):
        widget.setProperty("invalid", bool(invalid))
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        widget.update()


class ElidedLabel(QLabel):
    """One line of plain text, cut in the middle when it does not fit; the tooltip has it whole."""

    def __init__(self, text: str = "", parent=None, mode: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.set_full_text(text)

    def full_text(self) -> str:
        return self._full

    def set_full_text(self, text: str, tooltip: str | None = None) -> None:
        self._full = text
        self.setToolTip(tooltip if tooltip is not None else (text if text else ""))
        self._elide()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width() - 2 * self.margin() - 2)  # inside padding and margins
        shown = self.fontMetrics().elidedText(self._full, self._mode, width) if width > 20 else self._full
        if shown != self.text():
            super().setText(shown)


class FlowLayout(QLayout):
    """Items left to right, wrapping onto as many lines as the width needs (a line holds what fits
    at the items' minimum widths); each line's items share its width (up to their maximum
    widths), as a row of buttons in a QHBoxLayout do. Its
    minimum height is the height of its lines at its present width, so a splitter or a box
    layout above it never squeezes a wrapped line under its neighbour."""

    def __init__(self, parent=None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items = []
        self._width = -1  # the width last laid out at: the minimum height answers for it
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:
        self._items.append(item)
        self.invalidate()

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, i: int):
        return self._items[i] if 0 <= i < len(self._items) else None

    def takeAt(self, i: int):
        if 0 <= i < len(self._items):
            item = self._items.pop(i)
            self.invalidate()
            return item
        return None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._place(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._place(rect, apply=True)
        if rect.width() != self._width:  # the minimum height follows the lines this width makes
            self._width = rect.width()
            self.invalidate()

    def _shown(self):
        return [it for it in self._items if not (it.widget() is not None and it.widget().isHidden())]

    def sizeHint(self) -> QSize:
        shown = self._shown()
        m = self.contentsMargins()
        w = sum(it.sizeHint().width() for it in shown) + self.spacing() * max(0, len(shown) - 1)
        h = max((it.sizeHint().height() for it in shown), default=0)
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        m = self.contentsMargins()
        w = max((it.minimumSize().width() for it in self._shown()), default=0) + m.left() + m.right()
        h = self.heightForWidth(self._width) if self._width > 0 else self.sizeHint().height()
        return QSize(w, h)

    def _place(self, rect: QRect, apply: bool) -> int:
        """Lay the items out in ``rect`` (or only measure): the height the lines take."""
        m = self.contentsMargins()
        inner = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        gap, lines, line, used = self.spacing(), [], [], 0
        for it in self._shown():
            w = it.minimumSize().width()
            if line and used + gap + w > inner.width():
                lines.append(line)
                line, used = [], 0
            used += (gap if line else 0) + w
            line.append(it)
        if line:
            lines.append(line)
        y = inner.y()
        for line in lines:
            height = max(it.sizeHint().height() for it in line)
            if apply:
                self._fill_line(line, inner.x(), y, inner.width(), height)
            y += height + gap
        return max(0, y - gap - inner.y()) + m.top() + m.bottom()

    def _fill_line(self, line, x: int, y: int, width: int, height: int) -> None:
        """The line's items widened from their minimum widths, in turn, by an equal share of what
        the line leaves free."""
        widths = [it.minimumSize().width() for it in line]
        free = width - sum(widths) - self.spacing() * (len(line) - 1)
        growing = list(range(len(line)))
        while free > 0 and growing:
            share = max(1, free // len(growing))
            for i in list(growing):
                room = line[i].maximumSize().width() - widths[i]
                add = min(share, room, free)
                widths[i] += add
                free -= add
                if add < share:
                    growing.remove(i)
                if free <= 0:
                    break
        for it, w in zip(line, widths):
            it.setGeometry(QRect(QPoint(x, y), QSize(w, height)))
            x += w + self.spacing()


#: A label at least this wide (pixels of its one line) wraps instead, in a panel that may be narrow.
WRAP_LABELS_WIDER_THAN = 140
#: Pixels either side of a wrapping row's button text: its least width (the style's is 80 px, "↑" too).
BUTTON_PADDING = 10


class _WrappedHeights(QObject):
    """Keeps each word-wrapped label of a panel at least as tall as its lines at its present
    width (Qt guesses a wrapped label's minimum height for another width, and a QSplitter above
    it then squeezes its last lines away): on the label's resize and when its parent lays out."""

    def __init__(self, panel: QWidget) -> None:
        super().__init__(panel)
        self._labels: dict[QWidget, list[QLabel]] = {}

    def track(self, label: QLabel) -> None:
        parent = label.parentWidget()
        if parent is not None and parent not in self._labels:
            parent.installEventFilter(self)
        self._labels.setdefault(parent, []).append(label)
        label.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Resize and isinstance(obj, QLabel):
            self._fit(obj)
        elif kind == QEvent.Type.LayoutRequest and obj in self._labels:
            for label in self._labels[obj]:
                self._fit(label)
        return False

    @staticmethod
    def _fit(label: QLabel) -> None:
        height = label.heightForWidth(label.width()) if label.isVisible() and label.width() > 0 else 0
        if height > 0 and label.minimumHeight() != height:
            label.setMinimumHeight(height)


def let_shrink(panel: QWidget) -> None:
    """A dock's panel made as narrow as its widest single control: each row that holds only
    buttons wraps (its QHBoxLayout becomes a ``FlowLayout`` in the same place, the same buttons
    in it, each as narrow as its text), one-line labels wider than WRAP_LABELS_WIDER_THAN wrap
    their words, and wrapped labels keep the height of their lines (``_WrappedHeights``)."""
    for row in panel.findChildren(QHBoxLayout):
        holder = row.parent()
        items = [row.itemAt(i) for i in range(row.count())]
        buttons = [it.widget() for it in items if it.widget() is not None]
        if not isinstance(holder, QBoxLayout) or len(buttons) < 2 or \
                not all(isinstance(b, QAbstractButton) for b in buttons) or \
                any(it.layout() is not None for it in items):
            continue
        at = next(i for i in range(holder.count()) if holder.itemAt(i).layout() is row)
        flow = FlowLayout(spacing=row.spacing() if row.spacing() >= 0 else 6)
        for b in buttons:
            row.removeWidget(b)
            if isinstance(b, QPushButton) and b.text():  # as narrow as its text, not the style's 80 px
                least = b.fontMetrics().horizontalAdvance(b.text().replace("&", "")) + 2 * BUTTON_PADDING
                b.setMinimumWidth(min(b.sizeHint().width(), least))
            flow.addWidget(b)
        holder.takeAt(at)
        holder.insertLayout(at, flow)
        row.setParent(None)
        row.deleteLater()
    heights = _WrappedHeights(panel)
    for label in panel.findChildren(QLabel):
        if isinstance(label, ElidedLabel):
            continue
        if not label.wordWrap() and label.minimumSizeHint().width() > WRAP_LABELS_WIDER_THAN:
            label.setWordWrap(True)
        if label.wordWrap():
            heights.track(label)


# ---- names that tell runs apart, and a run's swatch on a selected row -------------------------
PLATE_MARGIN = 2  # pixels of plate left and right of the row's icon (it is as high as the icon)
PLATE_RADIUS = 3
_FITS_KEPT = 8  # widths whose fitted names a column keeps (a dragged splitter passes through many)


def font_elide(fm: QFontMetrics):
    """``elide(text, side, px)`` for ``chartdesk.app.labels``: Qt's elision in this font."""
    modes = {"left": Qt.TextElideMode.ElideLeft, "right": Qt.TextElideMode.ElideRight,
             "middle": Qt.TextElideMode.ElideMiddle}
    return lambda text, side, px: fm.elidedText(text, modes[side], max(0, int(px)))


def line_height(view) -> int:
    """The height of a row of ``view`` that holds one line of its font and an icon of its icon
    size, as the project tree's rows are (the style's item adds 2 px about an icon; a table's rows
    are the header's ~30 px otherwise)."""
    return max(QFontMetrics(view.font()).height(), view.iconSize().height())


def compact_rows(table) -> None:
    """A table's rows as tall as a line of its font needs (``line_height``), as the tree's are."""
    header = table.verticalHeader()
    height = line_height(table)
    header.setMinimumSectionSize(min(header.minimumSectionSize(), height))
    header.setDefaultSectionSize(height)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)


class NameDelegate(QStyledItemDelegate):
    """A column of names (runs, their channels, projects) whose text, where it does not fit, is
    shortened by the legend's rule (``chartdesk.app.labels``): what a name shares with the names
    beside it (its siblings in the column: the runs of its project) gives way first, so the part
    that tells it apart stays whole; Qt's own cut in the middle kept "transf…-seed0" for three
    runs. A name that fits is painted as Qt paints it; the tooltip (the model's) has it whole.
    The fitted names of a column are computed once per width and font, and forgotten when the
    model's rows or names change."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self._model = None
        # (path of the parent's rows, the font) -> {room: {name: text}}; the siblings' names by path
        self._fits: dict[tuple, dict[int, dict[str, str]]] = {}
        self._names: dict[tuple, list[str]] = {}

    # ---- the text ---------------------------------------------------------------------------
    def fitted_text(self, opt: QStyleOptionViewItem, index) -> str:
        """The text this row's name is painted with in ``opt`` (its rect, font and icon as the view
        gives them): the name, or the name shortened among its siblings' to the room it has."""
        text = opt.text
        if not text or not opt.features & QStyleOptionViewItem.ViewItemFeature.HasDisplay:
            return text
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
        room = rect.width() - 2 * margin - 1  # Qt lays the text out in the rect less its margins
        fm = QFontMetrics(opt.font)
        if fm.horizontalAdvance(text) <= room:
            return text
        names, key = self._siblings(index)
        fits = self._fits.setdefault((key, opt.font.key()), {})
        fit = fits.get(room)
        if fit is None or text not in fit:
            if len(fits) >= _FITS_KEPT:
                fits.clear()
            among = names if text in names else [*names, text]
            fit = fits[room] = dict(zip(among, fit_names(among, room, fm.horizontalAdvance, font_elide(fm))))
        return fit.get(text, text)

    def _siblings(self, index) -> tuple[list[str], tuple]:
        """The names in this index's column under its parent (the rows the view has), and the
        parent's path of rows (the cache's key)."""
        model = index.model()
        if model is not self._model:
            self._follow(model)
        path, up = [], index.parent()
        while up.isValid():
            path.append(up.row())
            up = up.parent()
        key = (tuple(path), index.column())
        names = self._names.get(key)
        if names is None:
            parent, col = index.parent(), index.column()
            names = self._names[key] = [str(model.index(r, col, parent).data() or "") for r in range(model.rowCount(parent))]
        return names, key

    def _follow(self, model) -> None:
        """Forget the fitted names whenever the model's rows or names change."""
        if self._model is not None:
            for sig in self._signals(self._model):
                try:
                    sig.disconnect(self._forget)
                except (RuntimeError, TypeError):
                    pass
            try:
                self._model.dataChanged.disconnect(self._on_data_changed)
            except (RuntimeError, TypeError):
                pass
        self._model = model
        self._forget()
        for sig in self._signals(model):
            sig.connect(self._forget)
        model.dataChanged.connect(self._on_data_changed)

    @staticmethod
    def _signals(model):
        return (model.modelReset, model.layoutChanged, model.rowsInserted, model.rowsRemoved, model.rowsMoved)

    def _forget(self, *_args) -> None:
        self._fits.clear()
        self._names.clear()

    def _on_data_changed(self, _top, _bottom, roles=()) -> None:
        if not roles or Qt.ItemDataRole.DisplayRole in roles:  # a swatch or a font changed: the names did not
            self._forget()

    # ---- painting ---------------------------------------------------------------------------
    def paint(self, painter, option, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = self.fitted_text(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        self._draw(painter, opt, index, style)

    def _draw(self, painter, opt: QStyleOptionViewItem, index, style) -> None:
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)


class SwatchDelegate(NameDelegate):
    """A run's row (project tree, runs table): its name fitted as ``NameDelegate`` fits it, and
    its swatch shown on a selected row as on a chart: the row's icon (the swatch, and in the tree
    the state dot) sits on a small plate of the plot background (the palette's Base, light or
    dark: the background the palette's colours are made to read on), so a blue run on the blue
    selection is still seen. Unselected rows, and rows of runs not drawn (``SWATCH_ROLE`` None),
    have their icon as Qt paints it."""

    def _draw(self, painter, opt: QStyleOptionViewItem, index, style) -> None:
        icon = QIcon(opt.icon)  # a copy: the option's own is emptied below
        if not opt.state & QStyle.StateFlag.State_Selected or index.data(SWATCH_ROLE) is None or icon.isNull():
            super()._draw(painter, opt, index, style)
            return
        widget = opt.widget
        opt.icon = QIcon()  # the row as Qt draws it (the text where it always is), the icon after
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemDecoration, opt, widget)
        size = icon.actualSize(opt.decorationSize)
        plate = QRect(0, 0, size.width() + 2 * PLATE_MARGIN, min(size.height(), opt.rect.height() - 2))
        plate.moveCenter(rect.center())  # as high as the icon and short of the row: rows apart, plates apart
        plate = plate.intersected(opt.rect)
        painter.save()
        painter.setRenderHint(painter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(opt.palette.color(QPalette.ColorRole.Base))
        painter.drawRoundedRect(plate, PLATE_RADIUS, PLATE_RADIUS)
        painter.restore()
        icon.paint(painter, rect, Qt.AlignmentFlag.AlignCenter, QIcon.Mode.Normal, QIcon.State.Off)


# ---- activation ---------------------------------------------------------------------------
class _SameWhenInactive(QObject):
    """Drops the (de)activations of an item view's viewport while the view paints the same either
    way: Qt repaints every item view's whole viewport on each, even where the palette's active and
    inactive colours are the same (the project tree of a 1,000-run sweep: 14-20 ms, in the turn a
    dialog such as Runs > Parallel coordinates opened in). What a row looks like in an inactive
    window is the palette's inactive colours (also a view without the focus, where the style
    greys the selection of one): the view gets them where those colours differ (a theme's), and
    where the keyboard moved the focus in the window (the current row's focus frame goes with
    the window's activation)."""

    def __init__(self, view) -> None:
        super().__init__(view)
        self._view = view

    def eventFilter(self, _viewport, event) -> bool:  # Qt's name
        if event.type() not in (QEvent.Type.WindowActivate, QEvent.Type.WindowDeactivate):
            return False
        view = self._view
        return (view.palette().isEqual(QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)
                and not view.window().testAttribute(Qt.WidgetAttribute.WA_KeyboardFocusChange))


def repaint_on_activation_only_if_changed(view) -> None:
    """The item ``view`` is not repainted when its window takes or loses activation unless what it
    paints changes with it (``_SameWhenInactive``)."""
    view.viewport().installEventFilter(_SameWhenInactive(view))


# ---- a submenu beside its menu ----------------------------------------------------------------
def parent_menu(menu: QMenu) -> QMenu | None:
    """The open menu ``menu`` was opened from as a submenu; None for a menu of its own."""
    for obj in menu.menuAction().associatedObjects():
        if isinstance(obj, QMenu) and obj is not menu and obj.isVisible():
            return obj
    return None


def submenu_place(menu: QMenu) -> QPoint | None:
    """Where the submenu ``menu`` goes so that it covers none of the menus it was opened from
    (its parent, the parent's parent ...); None where Qt put it already covers none of them.

    Qt puts a submenu right of its parent unless it would leave the screen, and does not look
    further up: a submenu opened to the left for want of room (the chart's ⋯ menu near the
    window's right edge) has its own submenus opened to the right again, over the first menu
    (Smoothing > EMA over the ⋯ menu, found in a hands-on walk). Here a submenu goes beside its
    parent, at the height Qt chose, on the side away from the parent's parent first (the cascade
    keeps its way), then the other side; a side must be on the screen and clear of every menu of
    the chain, or else (no such side) clear of its parent at least."""
    chain: list[QMenu] = []
    up = parent_menu(menu)
    while up is not None and up not in chain and up is not menu:
        chain.append(up)
        up = parent_menu(up)
    if not chain:
        return None
    here = menu.geometry()

    def covers(r: QRect, menus) -> bool:
        return any(r.intersects(m.geometry()) for m in menus)

    if not covers(here, chain):
        return None
    parent = chain[0].geometry()
    right = QRect(QPoint(parent.right() + 1, here.top()), here.size())
    left = QRect(QPoint(parent.left() - here.width(), here.top()), here.size())
    sides = [right, left]
    if len(chain) > 1 and chain[1].geometry().center().x() > parent.center().x():
        sides = [left, right]  # the cascade goes left: keep going left
    screen = menu.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else QRect()
    for menus in (chain, chain[:1]):
        for r in sides:
            if (room.isNull() or room.contains(r)) and not covers(r, menus):
                return r.topLeft()
    return None


class SubmenuPlacement(QObject):
    """Installed on every menu (the application's style does it as each menu is first shown):
    a submenu about to be shown is moved beside its parent when Qt put it over a menu of its
    chain (``submenu_place``)."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(obj, QMenu):
            to = submenu_place(obj)
            if to is not None:
                obj.move(to)
        return False
