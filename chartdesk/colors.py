"""Which colour and marker a run is drawn with: one rule, used by every chart, the legend, the
project tree and the runs table (no Qt).

**The rule.** A run's *key* is its place in its project's order of appearance (the order the
store holds its runs in, which is the order they were created or imported in). The run is drawn
in ``PALETTE[key % 20]``; the first 20 runs of a project have no marker, the next 20 a circle,
then a triangle, and so on (``MARKERS``), so the first 140 runs of a project never share a style.
Consequences, on purpose:

- a run keeps its colour in every chart, whatever else is selected, grouped apart or filtered out
  (filtering and selecting change nothing of the key), and from one session to the next;
- a new run takes the next key, so the runs already there keep theirs; a renamed run keeps its own;
- deleting a run moves the runs created after it one key back (the order of appearance is all the
  store keeps: there is no other stable number of a run).

With one run shown, a chart colours its series instead: series ``i`` takes the colour of key
``key + i``, so the first series is drawn in the run's own colour (the swatch beside it in the
tree). Groups of runs are coloured by their order among the groups (``group_style``), and the
runs of a group show the group's swatch. Dashes tell apart the series of one run in a chart of
several series.

**The palette** is made for many categories: 20 colours picked by Glasbey's method (Glasbey,
Houten, Randall & Gustafson, *Colour displays for categorical images*, 2007: each next colour the
one farthest, in CIEDE2000, from those already chosen), over sRGB colours of CIELAB lightness
52-72 and chroma at least 30, so that every one reads as a thin line on the light (white) and the
dark (#1e1f22) plot background; started from the Tableau blue, refined pairwise and put in the
order that keeps the first few farthest apart. Its smallest CIEDE2000 difference between any two
of the 20 is 17.4 (the palette before: 2.6, Tableau 20: 9.1); tests/test_run_identity.py measures
it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

PALETTE = ("#5080b0", "#b0b800", "#f80814", "#fc00e0", "#00c4ac", "#0c9024", "#947848", "#ec98a8",
           "#eca000", "#10c0e8", "#cc9cf4", "#a06c94", "#fc9464", "#ec2868", "#008c90", "#8c5cfc",
           "#28cc00", "#8cac78", "#ac6c5c", "#8cb0fc")
#: The second channel of a run's identity, past the palette's size (pyqtgraph's symbol names).
MARKERS = (None, "o", "t", "s", "d", "x", "star")
UNKNOWN = "#888888"


@dataclass(frozen=True)
class Style:
    """How a run (or a group of runs) is drawn: a colour and, past the palette's size, a marker."""

    color: str
    marker: str | None = None


def style(key: int) -> Style:
    """The style of the run whose key (place in its project's order of appearance) is ``key``."""
    if key < 0:
        return Style(UNKNOWN)
    cycle, slot = divmod(key, len(PALETTE))
    return Style(PALETTE[slot], MARKERS[cycle % len(MARKERS)])


def series_style(key: int, series: int) -> Style:
    """One run shown alone: the style of its ``series``-th series (the first in the run's colour)."""
    run = style(key)
    if key < 0:
        return Style(PALETTE[series % len(PALETTE)])
    return Style(PALETTE[(key + series) % len(PALETTE)], run.marker)


def group_style(index: int) -> Style:
    """The style of the ``index``-th group of runs (groups are keyed by their order)."""
    return style(index)


def keys(order: Iterable[str]) -> dict[str, int]:
    """Every run's key, from its project's runs in order of appearance."""
    return {name: i for i, name in enumerate(order)}


def run_styles(shown: Sequence[str], key_of: Callable[[str], int], groups: Sequence | None = None
               ) -> dict[str, Style]:
    """The style each drawn run has in the charts now, for the swatches of the tree and the runs
    table: the runs ``shown`` (selected and not filtered out) by their key, or, while they are
    grouped, each run in its group's style. A run not drawn has no swatch (it is not a key here)."""
    if groups is not None:
        return {run: group_style(gi) for gi, g in enumerate(groups) for run in g.runs}
    return {run: style(key_of(run)) for run in shown}
