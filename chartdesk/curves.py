"""Curve planning: what a chart draws for a selection of experiments (no Qt).

For every selected experiment and every series ref of a chart, the one resolver says which
channel it means; a ref with no channel becomes a quiet note instead of a curve. Each curve gets
a label (``accuracy → acc``, with the run's name in compare mode) and a style that no other curve
of the chart shares: a colour per run (per series when one run is shown) from a palette that
does not repeat, and a dash per series in compare mode.
"""
from __future__ import annotations

import colorsys
import datetime as _dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .model import Chart, SeriesRef

#: Colour-blind-friendly, readable on light and dark backgrounds (Tableau 10, then 6 more).
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7",
           "#9c755f", "#8cd17d", "#499894", "#d37295", "#a0cbe8", "#ffbe7d", "#86bcb6", "#f1ce63")
DASH_COUNT = 4
#: How a chart names a group's band (its note, its menu).
BAND_NAMES = {"std": "mean ± std", "sem": "mean ± standard error", "minmax": "min to max"}


def color(i: int) -> str:
    """The i-th colour: the palette first, then hues spread by the golden angle (never the same
    colour twice for the first few hundred), alternating two lightnesses."""
    if i < 0:
        return "#888888"
    if i < len(PALETTE):
        return PALETTE[i]
    k = i - len(PALETTE)
    hue = (k * 0.381966 + 0.07) % 1.0
    light = 0.45 if k % 2 == 0 else 0.62
    r, g, b = colorsys.hls_to_rgb(hue, light, 0.62)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


@dataclass(frozen=True)
class PlannedCurve:
    experiment: str
    ref: SeriesRef
    channel: str
    label: str
    color: str
    dash: int  # index into the dash styles
    x_channel: str | None = None  # the channel x is taken from (a chart whose x axis is a series)


@dataclass(frozen=True)
class Plan:
    curves: tuple[PlannedCurve, ...]
    missing: tuple[tuple[SeriesRef, str], ...]  # (ref, experiment) with nothing to plot


def plan(chart: Chart, selection: Sequence[str], channel_for: Callable[[SeriesRef, str], str | None],
         run_label: Callable[[str], str] | None = None,
         pinned: Callable[[SeriesRef, str], bool] | None = None) -> Plan:
    """The curves of ``chart`` for the selected experiments. ``channel_for(ref, experiment)`` is
    the resolver's answer; ``run_label`` names a run in compare mode (default: its name);
    ``pinned(ref, experiment)`` says where a run's pin decided an alias (the label says so)."""
    compare = len(selection) > 1
    curves, missing = [], []
    x_ref = chart.x_ref
    for ei, exp in enumerate(selection):
        x_channel = channel_for(x_ref, exp) if x_ref is not None else None
        if x_ref is not None and x_channel is None:
            missing.append((x_ref, exp))  # nothing to put on x: no curve of this run
            continue
        for si, ref in enumerate(chart.series):
            ch = channel_for(ref, exp)
            if ch is None:
                missing.append((ref, exp))
                continue
            name = f"{ref.name} → {ch}" if ref.kind == "alias" and ref.name != ch else ch
            if pinned is not None and pinned(ref, exp):
                name += " (pinned)"
            if compare:
                label = f"{run_label(exp) if run_label else exp} · {name}"
                curves.append(PlannedCurve(exp, ref, ch, label, color(ei), si % DASH_COUNT, x_channel))
            else:
                curves.append(PlannedCurve(exp, ref, ch, name, color(si), 0, x_channel))
    return Plan(tuple(curves), tuple(missing))


@dataclass(frozen=True)
class PlannedGroup:
    """One series of one group of runs: drawn as the members' mean and a band."""

    ref: SeriesRef
    label: str
    color: str
    dash: int
    members: tuple[tuple[str, str], ...]  # (experiment, channel) of each run that has the series
    x_channels: tuple[str, ...] | None = None


def plan_groups(chart: Chart, groups: Sequence, channel_for: Callable[[SeriesRef, str], str | None]
                ) -> tuple[tuple[PlannedGroup, ...], tuple[tuple[SeriesRef, str], ...]]:
    """The group lines of ``chart``: one per group (``chartdesk.groups.Group``) and series ref, a
    colour per group and a dash per series; an alias is resolved run by run, so a group whose
    runs logged ``acc`` and ``pred_acc`` aggregates both. Runs without the series are missing."""
    out, missing = [], []
    x_ref = chart.x_ref
    for gi, group in enumerate(groups):
        for si, ref in enumerate(chart.series):
            members, xs = [], []
            for exp in group.runs:
                ch = channel_for(ref, exp)
                xc = channel_for(x_ref, exp) if x_ref is not None else None
                if ch is None or (x_ref is not None and xc is None):
                    missing.append((ref if ch is None else x_ref, exp))
                    continue
                members.append((exp, ch))
                xs.append(xc)
            if not members:
                continue
            runs = f"{len(members)} run{'s' if len(members) != 1 else ''}"
            label = f"{group.label} ({runs})" + (f" · {ref.name}" if len(chart.series) > 1 else "")
            out.append(PlannedGroup(ref, label, color(gi), si % DASH_COUNT, tuple(members),
                                    tuple(xs) if x_ref is not None else None))
    return tuple(out), tuple(dict.fromkeys(missing))


def format_x(x: float, x_axis: str) -> str:
    """An x value as a person reads it: a step, a local date and time, or h:mm:ss since the start."""
    if not math.isfinite(x):
        return str(x)
    if x_axis == "wall":
        return _dt.datetime.fromtimestamp(x).strftime("%Y-%m-%d %H:%M:%S")
    if x_axis not in ("step", "wall", "relative"):
        return f"{x_axis.partition(':')[2]} {x:.6g}"
    if x_axis == "relative":
        sign = "-" if x < 0 else ""
        s = abs(x)
        h, rem = divmod(int(s), 3600)
        m, sec = divmod(rem, 60)
        frac = s - int(s)
        return f"{sign}{h}:{m:02d}:{sec:02d}" + (f".{int(frac * 10)}" if s < 60 and frac else "")
    return f"step {x:.6g}"


def format_y(y: float) -> str:
    """A value with 6 significant digits; ``inf``, ``-inf`` and ``nan`` spelled out."""
    if math.isnan(y):
        return "nan"
    if math.isinf(y):
        return "inf" if y > 0 else "-inf"
    return f"{y:.6g}"
