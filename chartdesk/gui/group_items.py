"""What a chart draws for a group of runs: the mean line, the band around it (std, standard
error or min-max, per chart), and the run-count strip under the plot (how many runs contribute
at each x, so runs that stopped early show). The numbers come from ``chartdesk.groups``.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from ..curves import PlannedGroup, format_y
from .plot_items import DASHES, SPARSE_POINTS, Line, log_safe, plotted
from .theme import faint


class GroupCurve:
    """One series of one group: its plan, its items (line, band edges and fill, count line), its view.

    It answers what the chart's legend, hover read-out and highlight ask of any curve."""

    def __init__(self, planned: PlannedGroup) -> None:
        self.planned = planned
        self.experiment, self.ref = "", planned.ref  # no one run: legends key hidden curves by ("", label)
        self.label, self.color, self.dash = planned.label, planned.color, planned.dash
        self.members = planned.members
        self.x = np.empty(0)
        self.y = np.empty(0)
        self.values = np.empty(0)  # the mean at x (what the read-out names)
        self.lo = np.empty(0)
        self.hi = np.empty(0)
        self.n = np.empty(0, dtype=np.int64)
        self.visible = True
        self.line = Line(pen=self.pen(2), connect="finite")
        self._lo = pg.PlotCurveItem(pen=None, connect="finite")
        self._hi = pg.PlotCurveItem(pen=None, connect="finite")
        self.fill = pg.FillBetweenItem(self._lo, self._hi, brush=pg.mkBrush(faint(self.color, 85)))
        self.count = pg.PlotCurveItem(pen=pg.mkPen(self.color, width=1.5))
        self._brush = pg.mkBrush(self.color)
        self.dots = pg.ScatterPlotItem(size=7, pen=None, brush=self._brush)  # a mean too sparse for a line

    def pen(self, width: int = 2):
        return pg.mkPen(self.color, width=width + 1 if width > 2 else width, style=DASHES[self.dash % len(DASHES)])

    def brush(self):
        """Its crosshair dot's fill (and its dots')."""
        return self._brush

    def plot_items(self) -> tuple:
        """What goes on the plot, back to front."""
        return self._lo, self._hi, self.fill, self.line, self.dots

    def items(self) -> tuple:
        return (*self.plot_items(), self.count)

    def tooltip(self) -> str:
        runs = ", ".join(e for e, _c in self.members[:12]) + (" …" if len(self.members) > 12 else "")
        chans = sorted({c for _e, c in self.members})
        return f"{self.label}\nruns: {runs}\nchannels: {', '.join(chans)}\nClick to hide or show"

    def detail(self, i: int) -> str:
        """What the read-out adds after the mean at point i: the band and the run count."""
        if not 0 <= i < len(self.n):
            return ""
        return f" [{format_y(float(self.lo[i]))} … {format_y(float(self.hi[i]))}] n={int(self.n[i])}"

    def set_view(self, view, log_x: bool, log_y: bool) -> None:
        self.x, self.values, self.lo, self.hi, self.n = view.x, view.mean, view.lo, view.hi, view.n
        self.y = log_safe(view.mean, log_y)
        px = plotted(log_safe(view.x, log_x), log_x)
        lo, hi = log_safe(view.lo, log_y), log_safe(view.hi, log_y)
        gap = np.isnan(lo) | np.isnan(hi)  # both edges break together, or the fill joins wrong pieces
        if gap.any():
            lo, hi = np.where(gap, np.nan, lo), np.where(gap, np.nan, hi)
        self.line.setData(px, plotted(self.y, log_y), connect="finite")
        if len(px) <= SPARSE_POINTS:  # runs that logged a value once or a few times: a line of one point is nothing
            self.dots.setData(px, plotted(self.y, log_y))
        else:
            self.dots.setData([], [])
        self._lo.setData(px, plotted(lo, log_y), connect="finite")
        self._hi.setData(px, plotted(hi, log_y), connect="finite")
        sx, sn = stairs(px, self.n.astype(float))
        self.count.setData(sx, sn)


def stairs(x: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A step line through (x, n): each count holds until the next x."""
    if len(x) < 2:
        return np.asarray(x, float), np.asarray(n, float)
    return np.repeat(x, 2)[1:], np.repeat(n, 2)[:-1]


class CountStrip(pg.PlotWidget):
    """A thin plot under the chart: how many runs of each group have a point at each x."""

    HEIGHT = 50

    def __init__(self, parent, main: pg.PlotWidget, bg: str, fg: str) -> None:
        super().__init__(parent, background=bg, viewBox=pg.ViewBox(enableMenu=False))  # no menu to build
        self.setFixedHeight(self.HEIGHT)
        item = self.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setMouseEnabled(x=False, y=False)
        item.hideAxis("bottom")
        item.getAxis("left").setStyle(maxTickLevel=0)
        self.set_colors(bg, fg)
        self.setToolTip("How many runs of each group have a point at each x (runs that stopped early drop out)")
        self._main = main
        self.setXLink(main)

    def set_colors(self, bg: str, fg: str) -> None:
        """The plot's background and its axis' colour (the theme's, ``plot_colors``)."""
        self.setBackground(bg)
        left = self.getPlotItem().getAxis("left")
        left.setPen(fg)
        left.setTextPen(fg)
        self.getPlotItem().setLabel("left", "runs", color=fg)

    def attach(self, curves: list[GroupCurve]) -> None:
        """Show these groups' count lines (and no others)."""
        item = self.getPlotItem()
        item.clear()
        for c in curves:
            item.addItem(c.count)
            c.count.setVisible(c.visible)

    def rescale(self, curves: list[GroupCurve]) -> None:
        """From 0 to the largest group, after the counts changed."""
        item = self.getPlotItem()
        top = max([1] + [int(c.n.max()) for c in curves if len(c.n)])
        item.setYRange(-0.2 * top, 1.3 * top, padding=0)  # room for the 0 and top labels inside the strip
        item.getAxis("left").setTicks([[(0, "0"), (top, str(top))]])
        self.align()

    def align(self) -> None:
        """The strip's plot area starts where the chart's does: the same left axis width."""
        width = self._main.getPlotItem().getAxis("left").width()
        self.getPlotItem().getAxis("left").setWidth(int(width))
