"""The grid of a chart set (or of an experiment's own charts): small multiples, as many columns
as the width allows, cards of the chosen height (a few charts share the whole height instead,
``ChartGrid._plan``), sections by name prefix that fold and flow side
by side when they are narrower than a row (``pack``), cards built as they scroll into view, and
the one draw scheduler of the grid: the charts whose views are ready are drawn one per turn of
the event loop, so no turn holds the GUI thread long. Its charts share one
``chartdesk.app.linking.TabLink`` (``links``): linked x, one crosshair, one emphasized run.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..app.linking import TabLink
from ..model import Chart
from .chart_card import ChartWidget
from .widgets import menu_text

#: Chart heights the View menu offers (pixels of one card).
CHART_HEIGHTS = {"small": 200, "medium": 280, "large": 380}
MIN_CHART_WIDTH = 400  # a column per this many pixels of width (small multiples)
MAX_COLUMNS = 4
CARD_SPACING = 8  # pixels between cards, and between sections side by side
#: Milliseconds of painting a turn of the event loop may be given to charts following a linked
#: zoom or pan (the chart under the pointer's own paint counted): the others follow on the next
#: turns, each to the latest range, so a pan stays at 60 frames a second however many charts follow.
#: Turns that only move other charts' crosshairs get CROSS_BUDGET_MS. Measured with gui_bench.py
#: (12 charts x 20 runs x 1M points, 3 fresh runs each, load 0.7-1.5): budgets of 12 / 7 / 4 / 2 ms
#: gave linked pan frame p95 29-32 / 19-25 / 23-25 / 19-28 ms with the last follower 18-82 /
#: 26-48 / 44-67 / 37-73 ms behind, and crosshair frame p95 27-34 / 22-24 / 13-14 / 9-12 ms.
FOLLOW_BUDGET_MS = 7.0
CROSS_BUDGET_MS = 3.0
#: Sections that start folded: hardware series (Neptune's ``monitoring/<hash>/cpu``, ...) are
#: there when needed without pushing the run's own metrics down.
FOLDED_SECTIONS = frozenset({"monitoring"})


def group_of(name: str) -> str:
    """The group a chart falls in by its name's prefix (``train/loss`` -> ``train``), or ""."""
    head, sep, _rest = name.partition("/")
    return head if sep else ""


def pack(sizes: list[int], columns: int) -> list[tuple[int, int, int]]:
    """Where each section goes in a grid of ``columns`` columns, in order: (row, first column,
    columns spanned). A section as wide as its cards (a row at most) shares its row with the
    sections after it while they fit, so a run with one chart per section fills the width."""
    out, row, col = [], 0, 0
    for k in sizes:
        span = max(1, min(k, columns))
        if col + span > columns:
            row, col = row + 1, 0
        out.append((row, col, span))
        col += span
    return out


@dataclass
class _Section:
    """A name-prefix section: its fold button (None when the grid is one section), its body (the
    cards' grid) and the widget holding both, placed in the grid's flow of sections."""
    header: QToolButton | None
    body: QWidget
    grid: QGridLayout
    slots: list
    box: QWidget
    span: int = 1


class _Slot(QWidget):
    """A chart's place in the grid. The ChartWidget itself is made when the slot comes near the
    visible part of the grid: a run with 100 metrics builds the few charts on screen first."""

    def __init__(self, chart: Chart, height: int, parent=None) -> None:
        super().__init__(parent)
        self.chart = chart
        self.widget: ChartWidget | None = None
        self._lay = QVBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self.setFixedHeight(height)

    def put(self, widget: ChartWidget) -> None:
        self.widget = widget
        self._lay.addWidget(widget)
        widget.resize(self.size())  # near its final width before the first views are asked for
        widget.show()


class ChartGrid(QScrollArea):
    """The charts of one chart set (or of one experiment) as small multiples: as many columns as
    the width allows, cards of the chosen height, grouped by name prefix (``train/``, ``val/``) in
    sections that fold. Charts are built when they scroll into view."""

    sig_edit_chart = Signal(object)
    sig_chart_options = Signal(object, object)
    sig_select_requested = Signal(object, bool)
    """(runs, toggle): a curve of these runs was clicked (``ChartWidget.sig_select_requested``)."""

    def __init__(self, workspace, charts: list[Chart], editable: bool = True, empty_text: str = "", parent=None,
                 chart_height: int = CHART_HEIGHTS["medium"]) -> None:
        super().__init__(parent)
        self._ws = workspace
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self._inner = QWidget(self)
        self._outer = QVBoxLayout(self._inner)
        self._outer.setContentsMargins(6, 6, 6, 6)
        self._outer.setSpacing(6)
        self.setWidget(self._inner)
        self._flow: QWidget | None = None  # the sections, side by side while they fit a row
        self._flow_grid: QGridLayout | None = None
        self.editable = editable
        self.empty_text = empty_text
        self.chart_height = chart_height
        self.slots: list[_Slot] = []
        self._sections: list[_Section] = []
        self._empty_label: QLabel | None = None
        self._columns = 0
        self._draw_pending = False  # some chart's views arrived: one is drawn on the next turn
        self._draw_waited = False  # a chart's views waited a turn for the budget: first on the next
        self._drawn_now = False
        self._materialize_scheduled = False
        self._made_ahead: tuple[_Slot, ChartWidget] | None = None  # a chart made ahead, put in its slot next turn
        self._picture: dict[_Slot, int] | None = None  # slot heights while drawn as a figure
        self.all_at_once = False  # render: build every chart, whatever is in view
        self.links = TabLink()  # the charts of this tab together: linked x, crosshair, emphasis
        self._following: list[ChartWidget] = []  # charts yet to show the linked range, in turn
        self._turn_scheduled = False  # ``_turn`` is due
        self._gesture_by: ChartWidget | None = None  # the chart a gesture moved since the last turn
        self._lead_moved = False
        self._waited = False  # the last turn gave the followers nothing (the leader's paint took it)
        self.follow_turns = 0  # turns of the event loop that moved following charts (tests, benchmarks)
        self.verticalScrollBar().valueChanged.connect(lambda _v: self._schedule_materialize())
        workspace.loader.sig_ready.connect(self._on_data_ready)
        self.set_charts(charts)

    @property
    def charts(self) -> list[ChartWidget]:
        """The charts built so far (those that have been in view), in order."""
        return [s.widget for s in self.slots if s.widget is not None]

    def set_charts(self, charts: list[Chart]) -> None:
        old = {s.chart.name: s.widget for s in self.slots if s.widget is not None}
        while self._outer.count():
            item = self._outer.takeAt(0)
            if item.widget() is not None:
                item.widget().setParent(None)
                item.widget().deleteLater()
        self._empty_label = None
        self.slots = []
        self._sections = []
        groups: dict[str, list[Chart]] = {}
        for chart in charts:
            groups.setdefault(group_of(chart.name) if not self.editable else "", []).append(chart)
        sectioned = len(groups) > 1
        self._flow = QWidget(self._inner)
        self._flow_grid = QGridLayout(self._flow)
        self._flow_grid.setContentsMargins(0, 0, 0, 0)
        self._flow_grid.setHorizontalSpacing(CARD_SPACING)  # as the cards': a column is as wide in every section
        self._flow_grid.setVerticalSpacing(6)
        self._outer.addWidget(self._flow)
        for group, members in groups.items():
            box = QWidget(self._flow)
            box_lay = QVBoxLayout(box)
            box_lay.setContentsMargins(0, 0, 0, 0)
            box_lay.setSpacing(2)
            header = None
            if sectioned:
                header = QToolButton(box)
                header.setObjectName("GroupHeader")
                header.setText(menu_text(f"{group or 'other'}  ({len(members)})"))
                header.setCheckable(True)
                header.setChecked(True)
                header.setArrowType(Qt.ArrowType.DownArrow)
                header.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
                header.setAutoRaise(True)
                box_lay.addWidget(header, 0, Qt.AlignmentFlag.AlignLeft)
            body = QWidget(box)
            grid = QGridLayout(body)
            grid.setContentsMargins(0, 0, 0, 0)
            grid.setSpacing(CARD_SPACING)
            section_slots = []
            for chart in members:
                slot = _Slot(chart, self.chart_height, body)
                w = old.pop(chart.name, None)
                if w is not None:
                    slot.put(w)
                    if w.chart != chart:
                        w.set_chart(chart)
                section_slots.append(slot)
                self.slots.append(slot)
            if header is not None:
                header.toggled.connect(lambda on, b=body, h=header: self._fold(h, b, on))
                if group in FOLDED_SECTIONS:
                    header.setChecked(False)
            box_lay.addWidget(body)
            self._sections.append(_Section(header, body, grid, section_slots, box))
        for w in old.values():
            self._drop(w)
        if self._made_ahead is not None:  # made for a slot that is gone
            self._drop(self._made_ahead[1])
            self._made_ahead = None
        if not charts:
            self._empty_label = QLabel(self.empty_text or "No charts", self._inner)
            self._empty_label.setObjectName("EmptyState")
            self._empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self._empty_label.setWordWrap(True)
            self._outer.addWidget(self._empty_label)
        self._outer.addStretch(1)
        self._columns = 0
        self._layout()

    def _fold(self, header: QToolButton, body: QWidget, open_: bool) -> None:
        header.setArrowType(Qt.ArrowType.DownArrow if open_ else Qt.ArrowType.RightArrow)
        body.setVisible(open_)
        self._layout()  # fewer rows open: few charts may fill the height in other columns
        self._fit_heights()
        self._schedule_materialize()

    def columns(self) -> int:
        """How many columns of cards the grid lays out now."""
        return self._columns

    def sections(self) -> list[tuple[QToolButton | None, QWidget]]:
        """(its fold button, None when the grid has one section only; its body) of each section."""
        return [(sec.header, sec.body) for sec in self._sections]

    def section_places(self) -> list[tuple[int, int, int]]:
        """(row, first column, columns spanned) of each section in the flow of sections."""
        out = []
        for sec in self._sections:
            row, col, _rows, span = self._flow_grid.getItemPosition(self._flow_grid.indexOf(sec.box))
            out.append((row, col, span))
        return out

    def set_chart_height(self, height: int) -> None:
        self.chart_height = height
        self._layout()
        self._fit_heights()
        self._schedule_materialize()

    def _rows(self, cols: int) -> tuple[int, int]:
        """(rows of cards, lines of section headers) the grid has at ``cols`` columns."""
        lines: dict[int, int] = {}  # a row of sections: the most rows of cards an open one of them has
        for (row, _c, _span), sec in zip(pack([len(x.slots) for x in self._sections], cols), self._sections):
            open_rows = -(-len(sec.slots) // cols) if not sec.body.isHidden() else 0
            lines[row] = max(lines.get(row, 0), open_rows)
        headers = len(lines) if any(sec.header is not None for sec in self._sections) else 0
        return max(1, sum(lines.values())), headers

    def _filled(self, cols: int) -> tuple[int, int]:
        """(the height cards would share the viewport's height in, their width) at ``cols`` columns."""
        rows, headers = self._rows(cols)
        room = self.viewport().height() - 12 - CARD_SPACING * (rows - 1) - 34 * headers
        width = (self.viewport().width() - 12 - CARD_SPACING * (cols - 1)) // cols
        return room // rows, width

    def _plan(self) -> tuple[int, int]:
        """(columns, card height). As many columns as the width allows, cards of the chosen height;
        but a set of few charts (their rows fit the viewport at the chosen height) takes the whole
        height, in the most columns whose cards are then no taller than wide: three charts at
        1920 x 1080 are two columns of two rows filling the screen, not one row of 560 px over an
        empty half. Never taller than wide, never lower than the chosen height."""
        most = self._columns_for(self.viewport().width())
        if not self.slots:
            return most, self.chart_height
        for cols in range(most, 0, -1):
            height, width = self._filled(cols)
            if height < self.chart_height:
                break  # fewer columns only make more rows
            if height <= width:
                return cols, height
        return most, self._height_at(most)

    def _height_at(self, cols: int) -> int:
        """The cards' height at ``cols`` columns: the viewport's share when that is more than the
        chosen height, but no taller than wide (and never lower than the chosen height)."""
        fill, width = self._filled(cols)
        return min(fill, max(width, self.chart_height)) if fill >= self.chart_height else self.chart_height

    def _fit_heights(self) -> None:
        """Cards take the chosen height, or the viewport's when they are few (``_plan``)."""
        cols = max(1, self._columns or 1)
        height = self._height_at(cols) if self._columns else self.chart_height
        for s in self.slots:
            h = height if self._picture is None else self._picture.get(s, s.height())
            if s.height() != h:
                s.setFixedHeight(h)

    @contextmanager
    def figure(self):
        """The grid as an exported picture, for as long as the context lasts: every chart built so
        far in its figure look (``ChartWidget.figure``), each card as much taller as its legend
        needs, the grid as much taller as they are."""
        size, before = self.size(), self._inner.sizeHint().height()
        with ExitStack() as stack:
            stack.callback(self._relayout)  # on the way out: the looks first, then the heights and size
            stack.callback(self.resize, size)
            stack.callback(setattr, self, "_picture", None)
            heights = {}
            for s in self.slots:
                if s.widget is not None:
                    heights[s] = s.height() + stack.enter_context(s.widget._figure_look())
            self._picture = heights
            self._relayout()
            self.resize(size.width(), size.height() + self._inner.sizeHint().height() - before)
            self._relayout()
            yield

    def _relayout(self) -> None:
        """Slot heights and every layout of the grid applied now, not on a later turn."""
        self._fit_heights()
        for sec in self._sections:  # inside out: a section's cards, the section, the rows of sections
            sec.grid.activate()
            sec.box.layout().activate()
        if self._flow_grid is not None:
            self._flow_grid.activate()
        self._outer.activate()
        for s in self.slots:
            if s.widget is not None:
                s.layout().activate()
                s.widget._relayout()

    def set_empty_text(self, text: str) -> None:
        self.empty_text = text
        if self._empty_label is not None:
            self._empty_label.setText(text)

    def _columns_for(self, width: int) -> int:
        n = max(1, min(MAX_COLUMNS, width // MIN_CHART_WIDTH))
        return min(n, max(1, len(self.slots)))

    def _layout(self) -> None:
        cols = self._plan()[0] if self._picture is None else self._columns
        if cols == self._columns:
            return
        self._columns = cols
        for sec in self._sections:
            self._flow_grid.removeWidget(sec.box)
        for (row, col, span), sec in zip(pack([len(x.slots) for x in self._sections], cols), self._sections):
            sec.span = span
            self._flow_grid.addWidget(sec.box, row, col, 1, span, Qt.AlignmentFlag.AlignTop)
            for s in sec.slots:
                sec.grid.removeWidget(s)
            for i, s in enumerate(sec.slots):  # at the top of its row: a figure's cards differ in height
                sec.grid.addWidget(s, i // span, i % span, Qt.AlignmentFlag.AlignTop)
            for c in range(MAX_COLUMNS):
                sec.grid.setColumnStretch(c, 1 if c < span else 0)
        for c in range(MAX_COLUMNS):
            self._flow_grid.setColumnStretch(c, 1 if c < cols else 0)
        self._fit_heights()
        self._schedule_materialize()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._layout()
        self._fit_heights()
        self._schedule_materialize()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._schedule_materialize()

    def _schedule_materialize(self) -> None:
        if not self._materialize_scheduled:
            self._materialize_scheduled = True
            QTimer.singleShot(0, self.materialize)

    def materialize(self, ahead: bool = False) -> int:
        """Build the charts of the slots in view (``ahead``: and one screen below, which is done
        once the visible ones are drawn): how many were built."""
        self._materialize_scheduled = False
        if not shiboken6.isValid(self) or not self.isVisible():
            return 0
        self._outer.activate()  # geometry of slots added since the last layout pass
        if self._flow_grid is not None:
            self._flow_grid.activate()
        for sec in self._sections:
            sec.grid.activate()
        view = self.viewport().rect()
        if ahead:
            view.setBottom(view.bottom() + view.height())  # one screen ahead, so scrolling finds them made
        built = 0
        for s in self.slots:
            if s.widget is not None or s.parentWidget().isHidden() or \
                    (self._made_ahead is not None and self._made_ahead[0] is s):  # built, or in a folded group
                continue
            top_left = s.mapTo(self.viewport(), s.rect().topLeft())
            if self.all_at_once or (top_left.y() <= view.bottom() and top_left.y() + s.height() >= view.top()):
                if ahead:
                    # Charts not yet on screen: one per turn of the event loop, made on one turn
                    # and put in its slot (shown: its views asked for) on the next (both on one
                    # turn were 40-90 ms, measured opening the sweep views on 1,000 runs)
                    self._made_ahead = (s, self._make(s.chart))
                    QTimer.singleShot(0, self._put_made_ahead)
                    return built + 1
                if self._made_ahead is not None and self._made_ahead[0] is s:
                    continue
                s.put(self._make(s.chart))
                built += 1
        return built

    def _put_made_ahead(self) -> None:
        """The chart made ahead goes in its slot (which asks for its views); the next one after it."""
        if not shiboken6.isValid(self) or self._made_ahead is None:
            return
        slot, w = self._made_ahead
        self._made_ahead = None
        if slot in self.slots and slot.widget is None and shiboken6.isValid(w):
            slot.put(w)
            QTimer.singleShot(0, self._build_ahead)
        else:
            self._drop(w)

    def _drop(self, w: ChartWidget) -> None:
        if shiboken6.isValid(w):
            w.leave_link()
            w.setParent(None)
            w.deleteLater()

    def _make(self, chart: Chart) -> ChartWidget:
        w = ChartWidget(self._ws, chart, self.editable, self._inner)
        w.scheduler = self.draw_ready
        w.sig_edit_requested.connect(self.sig_edit_chart)
        w.sig_options_requested.connect(self.sig_chart_options)
        w.sig_select_requested.connect(self.sig_select_requested)
        w.follow_scheduler = self._follow_soon
        w.gesture_told = self._gestured
        w.join_link(self.links)
        return w

    def _follow_soon(self, w: ChartWidget) -> None:
        """``w`` is to show the linked range it was told (``ChartWidget.catch_up``) on a turn of
        its own or shared with others, within FOLLOW_BUDGET_MS of painting."""
        self._lead_moved = True
        if w not in self._following:
            self._following.append(w)
        self._schedule_turn(0)

    def _gestured(self, w: ChartWidget) -> None:
        """A zoom or pan gesture moved ``w`` (linked or not): its paint is this pass's, and a
        view arriving meanwhile waits for a turn that has room."""
        self._lead_moved = True
        self._gesture_by = w

    def _schedule_turn(self, delay: int) -> None:
        if not self._turn_scheduled:
            self._turn_scheduled = True
            QTimer.singleShot(delay, self._turn)

    def _turn(self) -> None:
        """One turn of the grid's work, within one budget of painting: the charts following a
        linked range or crosshair (each to the latest one told), then one chart whose views
        arrived (``ChartWidget.apply``). Both share the budget with the leader's own paint, so a
        turn never holds a pan step, a follower and a newly arrived view at once (such turns were
        the 30-50 ms frames of a linked pan, measured)."""
        self._turn_scheduled = False
        if not shiboken6.isValid(self):
            return
        if not self.window().isVisible():  # the window closed meanwhile: nothing to show, nothing to read
            self._following.clear()
            self._draw_pending = False
            return
        lead = self._gesture_by if self._gesture_by is not None else self.links.leader
        spent = lead.plot.paint_ms if self._lead_moved and isinstance(lead, ChartWidget) and \
            shiboken6.isValid(lead) else 0.0
        lead_filled = bool(spent)
        self._lead_moved, self._gesture_by = False, None
        moved = 0
        self._moved_now: list[ChartWidget] = []
        self._drawn_now = False
        ranges = any(shiboken6.isValid(w) and w.follows_range() for w in self._following)
        budget = FOLLOW_BUDGET_MS if ranges or self._draw_pending else CROSS_BUDGET_MS
        if self._draw_pending and self._draw_waited and not lead_filled:  # it waited: it goes first now
            spent, moved = self._draw_one(spent, moved, budget, lead_filled, force=True)
        while self._following:
            w = self._following[0]
            if not shiboken6.isValid(w):
                self._following.pop(0)
                continue
            cost = w.follow_ms + self._paint_cost(w)
            # Over the budget: the rest next turn; at least one a turn, except that a turn the
            # leader's own paint fills is left to it (never two such turns in a row).
            if spent + cost > budget and (moved or (lead_filled and not self._waited)):
                break
            self._following.pop(0)
            w.catch_up()
            self._moved_now.append(w)
            spent += cost
            moved += 1
        if moved:
            self.follow_turns += 1
        if self._draw_pending and not self._drawn_now:
            spent, moved = self._draw_one(spent, moved, budget, lead_filled)
        self._draw_waited = self._draw_pending and not self._drawn_now
        self._waited = not moved
        if self._moved_now:
            self._paint_now()
        if self._following or self._draw_pending:  # the rest on the next turn, after this one's paint
            self._schedule_turn(1)

    def _draw_one(self, spent: float, moved: int, budget: float, lead_filled: bool,
                  force: bool = False) -> tuple[float, int]:
        """Draw one chart whose views arrived, when it fits what this turn has left, or nothing
        else moved, or ``force``: it waited a turn already (never beside the leader's paint: the
        leader moves at most every few turns). None left: the next screen's charts are made
        ahead."""
        chart = self._ready_chart()
        if chart is None:
            self._draw_pending = False
            if self.settled() and any(s.widget is None for s in self.slots):
                QTimer.singleShot(50, self._build_ahead)  # all on screen drawn: make the next screen's charts
            return spent, moved
        cost = chart.apply_ms + self._paint_cost(chart)
        if force or not (moved or lead_filled) or spent + cost <= budget:
            chart.apply()
            self._moved_now.append(chart)
            self._drawn_now = True
            return spent + cost, moved + 1
        return spent, moved  # the views wait for the next turn: this one's paint is full

    def _paint_now(self) -> None:
        """Paint what this turn moved within this turn, as its budget counted: left to Qt, a
        scene hands its changes to the view on one pass of the event loop and the view paints on
        the next, often the pass of the leader's next pan step, whose paint the budget had left
        alone (two or three charts' paints in one 20 ms frame, measured)."""
        scenes = {w.plot.scene() for w in self._moved_now if shiboken6.isValid(w)}
        self._moved_now = []
        for scene in scenes:
            QCoreApplication.sendPostedEvents(scene, QEvent.Type.MetaCall.value)  # the scene's changes to its view
        QCoreApplication.sendPostedEvents(self.window(), QEvent.Type.UpdateRequest.value)

    def _paint_cost(self, w: ChartWidget) -> float:
        return 0.0 if w.visibleRegion().isEmpty() else max(1.0, w.plot.paint_ms)  # off screen: no paint

    def _ready_chart(self) -> ChartWidget | None:
        """A chart not drawn whose views are all there, in the grid's order."""
        return next((w for w in self.charts if w.ready_to_draw()), None)

    def following(self) -> bool:
        """Some chart is yet to show the linked range."""
        return bool(self._following)

    def set_linked(self, on: bool) -> None:
        """View > Link x axes: the charts of this grid zoom and pan together, or each alone."""
        self.links.set_enabled(on)

    def refresh(self) -> None:
        for w in self.charts:
            w.refresh()

    def _on_data_ready(self) -> None:
        if self.isVisible():
            self.draw_ready()

    def draw_ready(self) -> None:
        """Data arrived: draw the charts whose views are all there, one chart per turn of the
        event loop (``_turn``), so that input and painting are never held up by a whole grid at
        once."""
        self._draw_pending = True
        # A timer, not a zero-delay call: those run one after another within one pass of the event
        # loop when the views are all there (several charts applied and painted in one 160-250 ms
        # turn, measured); a timer fires once per pass, with the last chart's paint in between.
        self._schedule_turn(1)

    def _build_ahead(self) -> None:
        if shiboken6.isValid(self) and self.isVisible() and self.settled():
            self.materialize(ahead=True)

    def settled(self) -> bool:
        """Every chart in view is built, follows the linked range and is drawn."""
        if self._materialize_scheduled or self._following or self._made_ahead is not None:
            return False
        return all(s.widget.drawn for s in self.slots if s.widget is not None and s.isVisible())

