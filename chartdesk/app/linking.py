"""The charts of one tab working together, without Qt (issue 21, "Charts of one set work together").

A ``TabLink`` is shared by the charts of one tab (``gui.chart_grid.ChartGrid`` makes one, each card
joins it). It holds:

- **the linked x range** of each kind of x axis (``key``: the x mode, and its scale: linear, log or
  symlog with its linear region): a zoom or pan *gesture* on one chart (the leader) is told with ``moved``, and every other
  chart of the same key follows (``follow_x``). A chart that follows is never a leader: what it is
  told while the link is telling others is dropped (``moved`` returns 0), so no range goes round in
  a loop. ``reset`` (Reset view) makes every chart of the key fit its data again. Charts built later
  (scrolled into view) start at the range of their key (``range_for``). Off (View > Link x axes
  unticked): each chart zooms alone.
- **one crosshair**: the x under the pointer in one chart (``hover``) is shown as a line by the
  other charts of its key (``follow_hover``), and goes everywhere when it goes there (None).
- **one emphasized run**: the runs whose legend entry the pointer is over (``emphasize``) are drawn
  wider in every chart of the tab (``follow_runs``; None: none).

A member is anything with ``link_key()``, ``follow_x(range | None)``, ``follow_hover(x | None)``
and ``follow_runs(runs | None)``; the link only calls them. ``pick`` is the rule of a click on a
curve: select its runs, or (Ctrl) add or remove them.
"""
from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from typing import Protocol

Range = tuple[float, float]


class Member(Protocol):
    def link_key(self) -> Hashable: ...
    def follow_x(self, x_range: Range | None) -> None: ...
    def follow_hover(self, x: float | None) -> None: ...
    def follow_runs(self, runs: frozenset[str] | None) -> None: ...


class TabLink:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.members: list[Member] = []
        #: The linked x range of each key (None: every chart of it fits its data).
        self.ranges: dict[Hashable, Range | None] = {}
        self.leader: Member | None = None  # the chart whose gesture set the range last
        self.hover_from: Member | None = None  # the chart the pointer is over, while it is
        self.runs: frozenset[str] | None = None  # the runs emphasized now
        self.follows = 0  # how many times a chart was told to follow (tests and benchmarks count them)
        self._telling = False

    # ---- members ---------------------------------------------------------------------------
    def join(self, member: Member) -> None:
        if member not in self.members:
            self.members.append(member)

    def leave(self, member: Member) -> None:
        if member in self.members:
            self.members.remove(member)
        if self.leader is member:
            self.leader = None
        if self.hover_from is member:
            self.hover_from = None

    def set_enabled(self, on: bool) -> None:
        """Linked or not; turned off, each chart keeps the range it has and zooms alone."""
        self.enabled = bool(on)
        if not self.enabled:
            self.ranges.clear()
            self.leader = None

    def range_for(self, key: Hashable) -> Range | None:
        """The range a chart of ``key`` joining now starts at (None: its own data's)."""
        return self.ranges.get(key) if self.enabled else None

    def _others(self, member: Member, key: Hashable) -> list[Member]:
        return [m for m in self.members if m is not member and m.link_key() == key]

    # ---- linked x ----------------------------------------------------------------------------
    def moved(self, member: Member, key: Hashable, x_range: Range) -> int:
        """A gesture of ``member`` showed ``x_range``: the others of ``key`` follow. How many
        followed (0: off, the same range again, or ``member`` is following right now)."""
        if not self.enabled or self._telling:
            return 0
        x_range = (float(x_range[0]), float(x_range[1]))
        if self.ranges.get(key) == x_range and self.leader is member:
            return 0
        self.ranges[key] = x_range
        self.leader = member
        return self._tell(self._others(member, key), x_range)

    def reset(self, member: Member, key: Hashable) -> int:
        """Reset view on ``member``: every chart of ``key`` fits its data again (only ``member``
        when the link is off, which the caller does itself). How many others were told."""
        if not self.enabled or self._telling:
            return 0
        self.ranges[key] = None
        self.leader = member
        return self._tell(self._others(member, key), None)

    def _tell(self, followers: Sequence[Member], x_range: Range | None) -> int:
        self._telling = True
        try:
            for m in followers:
                m.follow_x(x_range)
                self.follows += 1
        finally:
            self._telling = False
        return len(followers)

    # ---- crosshair and emphasis ----------------------------------------------------------------
    def hover(self, member: Member, key: Hashable, x: float | None) -> int:
        """The pointer is over ``member`` at ``x`` (in its axis' units), or left it (None): the
        other charts of ``key`` show, or hide, their line there. How many were told."""
        if x is None:
            if self.hover_from is not member:
                return 0  # another chart has the pointer now: its line stands
            self.hover_from = None
        else:
            self.hover_from = member
        others = self._others(member, key)
        for m in others:
            m.follow_hover(x)
        return len(others)

    def emphasize(self, runs: Iterable[str] | None) -> None:
        """Draw these runs' curves wider in every chart of the tab (None: none)."""
        runs = None if runs is None else frozenset(runs)
        if runs == self.runs:
            return
        self.runs = runs
        for m in list(self.members):
            m.follow_runs(runs)


def pick(selected: Sequence[str], runs: Sequence[str], toggle: bool) -> list[str]:
    """The selection after a click on a curve of ``runs`` (one run, or a group's): those runs
    alone; with Ctrl (``toggle``), the selection with them added, or removed when all of them
    are selected already."""
    runs = list(dict.fromkeys(runs))
    if not toggle:
        return runs
    if runs and all(r in selected for r in runs):
        return [s for s in selected if s not in runs]
    return list(selected) + [r for r in runs if r not in selected]
