"""Axis scales of a chart: linear, log and symlog (no Qt).

A chart draws its values through a ``Scale``: what a plot item gets is ``forward(safe(values))``
in the axis' own units, and what the axis labels, the hover reads and an export writes are the
real values again (``inverse``). Log is log10 (values <= 0 are gaps). Symlog is matplotlib's
``SymmetricalLogTransform`` with base 10 and linscale 1, divided by ``linthresh``: linear within
±linthresh (where values cross zero), logarithmic outside, so one decade is one unit of the axis
and the linear region is 2 × 10/9 units wide whatever the threshold is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

KINDS = ("linear", "log", "symlog")
#: matplotlib's linscale_adj for base 10, linscale 1: linscale / (1 - 1/base)
_LINSCALE = 10.0 / 9.0
_MAX_EXP = 300.0  # 10**300 is still a float: a huge axis range never overflows


@dataclass(frozen=True)
class Scale:
    kind: str = "linear"
    linthresh: float = 1.0

    def __bool__(self) -> bool:  # whether values are transformed (``log_safe``/``plotted`` also take a bool)
        return self.kind != "linear"

    @property
    def log(self) -> bool:
        return self.kind == "log"

    @property
    def symlog(self) -> bool:
        return self.kind == "symlog"

    def key(self) -> tuple:
        """What charts of the same axis share (their linked x), hashable."""
        return (self.kind, self.linthresh) if self.symlog else (self.kind,)

    def safe(self, a):
        """The values that can be drawn: on a log axis values <= 0 are gaps (NaN), not warnings."""
        if a is None or not self.log:
            return a
        with np.errstate(invalid="ignore"):
            return np.where(np.asarray(a) > 0, a, np.nan)

    def forward(self, a):
        """Real values -> the axis' units (NaN stays NaN, ±inf stays ±inf; log of <= 0 is NaN/-inf)."""
        if a is None or self.kind == "linear":
            return a
        arr = np.asarray(a, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if self.log:
                out = np.log10(arr)
            else:
                c = self.linthresh
                mag = np.abs(arr)
                out = np.where(mag <= c, arr / c * _LINSCALE,
                               np.sign(arr) * (_LINSCALE + np.log10(np.where(mag > c, mag, c) / c)))
        return out if isinstance(a, np.ndarray) else float(out)

    def inverse(self, t):
        """The axis' units -> real values (an exponent past ±300 is clipped, never an overflow)."""
        if t is None or self.kind == "linear":
            return t
        arr = np.asarray(t, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            if self.log:
                out = 10.0 ** np.clip(arr, -_MAX_EXP, _MAX_EXP)
            else:
                c = self.linthresh
                mag = np.abs(arr)
                out = np.where(mag <= _LINSCALE, arr * c / _LINSCALE,
                               np.sign(arr) * c * 10.0 ** np.clip(mag - _LINSCALE, 0.0, _MAX_EXP))
        return out if isinstance(t, np.ndarray) else float(out)

    def label(self) -> str:
        """How the header names a non-linear scale of an axis ("symlog ±1")."""
        return f"symlog ±{self.linthresh:g}" if self.symlog else self.kind

    # ---- ticks of a symlog axis --------------------------------------------------------------
    def ticks(self, lo: float, hi: float, pixels: float) -> list[tuple[float, list[float]]]:
        """Tick positions (axis units) for the view [lo, hi] of ``pixels`` length, as pyqtgraph's
        ``AxisItem.tickValues`` gives them: [(spacing, positions) per level]. Majors at 0 and at
        ±linthresh·10^k (every n-th decade when they are dense), minors at 2 and 5 of each decade
        when there is room; a view inside less than two of those gets evenly spaced real values."""
        if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo or pixels <= 0:
            return []
        per_unit = pixels / (hi - lo)
        top = int(math.ceil(max(abs(lo), abs(hi)) - _LINSCALE)) + 1
        decades = range(0, max(0, min(top, int(2 * _MAX_EXP))) + 1)
        step = next((n for n in (1, 2, 3, 5, 10, 20, 50, 100, 200) if n * per_unit >= 28), 500)  # ~28 px apart
        majors = [0.0] + [s * (_LINSCALE + k) for k in decades if k % step == 0 for s in (1.0, -1.0)]
        majors = sorted(t for t in majors if lo <= t <= hi)
        if len(majors) < 2:
            return [(0.0, [float(t) for t in self.forward(np.array(_nice(self.inverse(lo), self.inverse(hi),
                                                                               pixels)))])]
        out = [(float(step), majors)]
        if step == 1 and per_unit >= 90:
            minors = [s * (_LINSCALE + k + math.log10(m)) for k in decades for m in (2.0, 5.0) for s in (1.0, -1.0)]
            out.append((0.5, sorted(t for t in minors if lo <= t <= hi)))
        return out


def _nice(lo: float, hi: float, pixels: float) -> list[float]:
    """Evenly spaced round values in [lo, hi] about 80 pixels apart (1, 2 or 5 times a power of ten)."""
    want = max(2.0, pixels / 80)
    raw = (hi - lo) / want
    if not (raw > 0 and math.isfinite(raw)):
        return []
    p = 10 ** math.floor(math.log10(raw))
    step = next(m * p for m in (1, 2, 5, 10) if m * p >= raw)
    first = math.ceil(lo / step)
    return [(first + i) * step for i in range(int((hi - lo) / step) + 2) if lo <= (first + i) * step <= hi]


def of(log: bool, symlog: bool = False, linthresh: float = 1.0) -> Scale:
    """The scale of an axis from a chart's options."""
    return Scale("log") if log else Scale("symlog", float(linthresh)) if symlog else Scale()
