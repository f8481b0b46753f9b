"""One chart's state without Qt: what it plots for the session (its *plan*, cached until an input
of it changes), which views it asks the loader for, when a change of the visible x range needs
new views, and the notes under it.

``ChartState`` listens to the session's events and drops its plan only on those that change what
this chart draws: the selection (or the filter), grouping, legend labels, runs drawn with their
latest write per step, and a resolution change that touches an alias it plots or a run it shows.
So one alias drag plans each affected chart once, whatever number of times its widget asks
(``plans`` counts the computations). The widget (``gui.chart_card.ChartWidget``) owns the pixels:
it tells the state its width and visible range and draws what ``plan()`` returns.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..curves import BAND_NAMES, PlannedCurve, PlannedGroup, plan, plan_groups
from ..groups import GroupRequest
from ..model import Chart, SeriesRef
from ..views import ViewRequest

#: A zoomed view is read for this many visible spans (one each side), so a pan reads less.
FETCH_SPANS = 3


@dataclass(frozen=True)
class ChartPlan:
    planned: tuple           # PlannedCurve, or PlannedGroup when grouped
    missing: tuple[tuple[SeriesRef, str], ...]
    grouped: bool


def next_range(fetched: tuple[float, float] | None, visible: tuple[float, float] | None,
               spans: int = FETCH_SPANS) -> tuple[bool, tuple[float, float] | None]:
    """The refetch rule for a new visible x range (None: the whole channel, autorange on):
    (whether new views are needed, the range to read them for). Views cover ``spans`` visible
    spans, so pans inside them and zooms in up to 2x read nothing."""
    if visible is None:
        return fetched is not None, None
    if fetched is not None:
        span, had = visible[1] - visible[0], fetched[1] - fetched[0]
        if not (visible[0] < fetched[0] or visible[1] > fetched[1] or span < had / spans / 2):
            return False, fetched
    span = visible[1] - visible[0]
    return True, (visible[0] - span * (spans - 1) / 2, visible[1] + span * (spans - 1) / 2)


def columns_wanted(current: int, plot_width: int, visible: bool) -> int:
    """How many pixel columns to decimate for: the plot's width, but views made for a width up to
    twice the present one are kept (more points than pixels draw the same picture), and before
    the first layout a generous guess stands in."""
    if not visible or plot_width < 50:
        return current or 1200
    if current and 0.9 * plot_width <= current <= 2 * plot_width:  # within a few pixels looks the same
        return current
    return plot_width


class ChartState:
    def __init__(self, session, chart: Chart, on_dirty: Callable[[], None] | None = None) -> None:
        self.session = session
        self.chart = chart
        #: Called when what the chart shows changed (the widget then redraws or marks itself stale).
        self.on_dirty = on_dirty
        #: The x range views are read for (None: the whole channel), and the columns they are decimated to.
        self.range: tuple[float, float] | None = None
        self.width = 0
        #: The visible x range the widget last told of (None: autorange).
        self.visible: tuple[float, float] | None = None
        self._plan: ChartPlan | None = None
        self.plans = 0  # how many times a plan was computed (the drag test counts them)
        ev = session.events
        self._connections = [(ev.selection, self._on_any), (ev.grouping, self._on_any), (ev.labels, self._on_any),
                             (ev.latest, self._on_latest), (ev.resolution, self._on_resolution),
                             (ev.project, self._on_any)]
        for sig, slot in self._connections:
            sig.connect(slot)

    def close(self) -> None:
        """Stop listening (the widget is gone)."""
        for sig, slot in self._connections:
            sig.disconnect(slot)
        self._connections = []

    # ---- inputs --------------------------------------------------------------------------
    def set_chart(self, chart: Chart) -> None:
        """The chart's own options or series changed (its widget redraws itself)."""
        if chart != self.chart:
            self.chart = chart
            self._plan = None

    def dirty(self) -> None:
        """Something the plan depends on changed: plan again on the next ask, and say so."""
        self._plan = None
        if self.on_dirty is not None:
            self.on_dirty()

    def _on_any(self, *_args) -> None:
        self.dirty()

    def _on_latest(self, runs) -> None:
        if set(runs) & set(self.session.selection()):
            self.dirty()

    def uses(self, aliases) -> bool:
        """Whether the chart plots one of these aliases (None: any alias), also through an expression."""
        if aliases is None:
            return any(r.kind != "channel" for r in self.chart.series)
        return any(r.aliases_used() & set(aliases) for r in self.chart.series)

    def _on_resolution(self, aliases, experiments) -> None:
        shows = experiments is not None and bool(set(self.session.selection()) & set(experiments))
        if (aliases is None and experiments is None) or (aliases is not None and self.uses(aliases)) or shows:
            self.dirty()

    # ---- the plan ------------------------------------------------------------------------
    def plan(self) -> ChartPlan:
        """What the chart draws now; computed once per change of its inputs."""
        if self._plan is None:
            s = self.session
            self.plans += 1
            groups = s.groups()
            if groups is not None:
                planned, missing = plan_groups(self.chart, groups, s.channel_for)
                self._plan = ChartPlan(tuple(planned), tuple(missing), True)
            else:
                p = plan(self.chart, s.selection(), s.channel_for, s.run_label, s.pinned, s.experiment_names())
                self._plan = ChartPlan(p.curves, p.missing, False)
        return self._plan

    # ---- views -----------------------------------------------------------------------------
    def ranged(self) -> bool:
        """Whether views are read per visible x range (not with x from data or a log or symlog x axis)."""
        return self.chart.x_ref is None and not self.chart.log_x and not self.chart.symlog_x

    def request(self, planned) -> ViewRequest | GroupRequest:
        """The loader's key of one planned curve or group, for the fetched range and width."""
        s, chart = self.session, self.chart
        zoomed = self.range is not None and self.ranged()
        x0, x1 = self.range if zoomed else (None, None)
        width = self.width * FETCH_SPANS if zoomed else self.width
        if isinstance(planned, PlannedGroup):
            return GroupRequest(s.project, planned.members, chart.band, x0, x1, width, chart.smoother,
                                planned.x_channels)
        assert isinstance(planned, PlannedCurve)
        if not zoomed:
            return ViewRequest(s.project, planned.experiment, planned.channel, chart.x_axis, None, None, width,
                               chart.smoother, planned.x_channel, s.latest(planned.experiment))
        return ViewRequest(s.project, planned.experiment, planned.channel, chart.x_axis, x0, x1, width,
                           chart.smoother, latest=s.latest(planned.experiment))

    def requests(self) -> list[ViewRequest | GroupRequest]:
        """Every view the chart needs for the plan, the fetched range and the width."""
        return [self.request(p) for p in self.plan().planned]

    def wants_any(self, channels) -> bool:
        """Whether a view of the chart reads one of these (project, experiment, channel)."""
        return any(not k.channel_keys.isdisjoint(channels) for k in self.requests())

    def on_visible_range(self, visible: tuple[float, float] | None, width: int) -> bool:
        """The plot shows another x range (None: autorange) at ``width`` columns: True when new
        views are to be read (``range`` and ``width`` are updated then)."""
        self.visible = visible
        if not self.ranged():
            return False
        refetch, fetched = next_range(self.range, visible)
        if refetch or width != self.width:
            self.range = fetched if refetch else self.range
            self.width = width
            return True
        return False

    # ---- notes ---------------------------------------------------------------------------
    def notes(self, errors: Sequence[str], drawn: int, infinite: int, restarts: int, x_mode: str,
              forks: Sequence[tuple[str, str, float]] = ()) -> list[str]:
        """The quiet notes under the chart: read errors, refs with nothing to plot, ±inf values,
        restarts, forks (run, parent, step), the group band, and what to do when there is nothing
        to draw."""
        p = self.plan()
        compare = len(self.session.selection()) > 1
        out = [f"⚠ {e}" for e in dict.fromkeys(errors)]
        for ref in dict.fromkeys(r for r, _e in p.missing):
            where = [e for r, e in p.missing if r == ref]
            runs = ", ".join(where) if compare else "this experiment"
            if ref.kind == "expr":
                out.append(f"{ref.name}: a channel it needs is not in {runs}")
            else:
                out.append(f"{ref.name} ({'alias' if ref.kind == 'alias' else 'channel'}) not in {runs}")
        if infinite:
            out.append(f"{infinite} ±inf value{'s' if infinite > 1 else ''} marked ▲▼")
        if restarts:
            out.append(f"↺ {restarts} restart{'s' if restarts > 1 else ''} (steps go back: resumed)")
        for run, parent, step in forks[:3]:
            out.append(f"⑂ {run} forked from {parent} at step {step:g}" if compare else
                       f"⑂ forked from {parent} at step {step:g}: the points up to it are {parent}'s")
        if len(forks) > 3:
            out.append(f"⑂ {len(forks) - 3} more forked runs")
        if p.grouped:
            out.append(BAND_NAMES[self.chart.band] + (" · matched by step" if x_mode != self.chart.x_axis else ""))
        if not self.chart.series:
            out.append("no series yet: Edit chart… to add channels or aliases")
        elif not self.session.selection():
            out.append("select an experiment")
        elif not drawn and not p.missing:
            out.append("no data")
        return out

