"""Curve planning: what a chart draws for a selection of experiments (no Qt).

For every selected experiment and every series ref of a chart, the one resolver says which
channel it means; a ref with no channel becomes a quiet note instead of a curve. Each curve gets
a label (``accuracy → acc``, with the run's name in compare mode) and a style: the run's own
colour and marker (``chartdesk.colors``: the same in every chart, from the run's place in its
project's order of appearance), and a dash per series in compare mode; one run shown alone gets a
colour per series, the first in the run's own.
"""
from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import colors, derived
from .model import Chart, SeriesRef

DASH_COUNT = 4
#: What a legend entry (and a read-out row) of a series on the right y axis says after its name.
RIGHT_AXIS = " (right axis)"
#: How a chart names a group's band (its note, its menu).
BAND_NAMES = {"std": "mean ± std", "sem": "mean ± standard error", "minmax": "min to max"}


@dataclass(frozen=True)
class PlannedCurve:
    experiment: str
    ref: SeriesRef
    channel: str
    label: str
    color: str
    dash: int  # index into the dash styles
    x_channel: str | None = None  # the channel x is taken from (a chart whose x axis is a series)
    marker: str | None = None  # the run's marker, past the palette's size (``chartdesk.colors``)


@dataclass(frozen=True)
class Plan:
    curves: tuple[PlannedCurve, ...]
    missing: tuple[tuple[SeriesRef, str], ...]  # (ref, experiment) with nothing to plot


def plan(chart: Chart, selection: Sequence[str], channel_for: Callable[[SeriesRef, str], str | None],
         run_label: Callable[[str], str] | None = None,
         pinned: Callable[[SeriesRef, str], bool] | None = None,
         order: Sequence[str] | None = None) -> Plan:
    """The curves of ``chart`` for the selected experiments. ``channel_for(ref, experiment)`` is
    the resolver's answer; ``run_label`` names a run in compare mode (default: its name);
    ``pinned(ref, experiment)`` says where a run's pin decided an alias (the label says so);
    ``order`` is every run of the project in order of appearance, the key of each run's style
    (default: the selection's order)."""
    compare = len(selection) > 1
    key = colors.keys(order if order is not None else selection)
    curves, missing = [], []
    x_ref = chart.x_ref
    for exp in selection:
        k = key.get(exp, -1)
        x_channel = channel_for(x_ref, exp) if x_ref is not None else None
        if x_ref is not None and x_channel is None:
            missing.append((x_ref, exp))  # nothing to put on x: no curve of this run
            continue
        for si, ref in enumerate(chart.series):
            ch = channel_for(ref, exp)
            if ch is None:
                missing.append((ref, exp))
                continue
            name = series_name(ref, ch)
            if pinned is not None and pinned(ref, exp):
                name += " (pinned)"
            if chart.axis_of(ref) == "right":
                name += RIGHT_AXIS
            if compare:
                label = f"{run_label(exp) if run_label else exp} · {name}"
                st = colors.style(k)
                curves.append(PlannedCurve(exp, ref, ch, label, st.color, si % DASH_COUNT, x_channel, st.marker))
            else:
                st = colors.series_style(k, si)  # past the palette's size, its colours again, dashed
                dash = (si // len(colors.PALETTE)) % DASH_COUNT
                curves.append(PlannedCurve(exp, ref, ch, name, st.color, dash, x_channel, st.marker))
    return Plan(tuple(curves), tuple(missing))


def series_name(ref: SeriesRef, channel: str) -> str:
    """How a legend names a ref and what it means in a run: ``accuracy → acc`` for an alias,
    ``1 - accuracy → 1 - acc`` for an expression over one, the channel's own name otherwise."""
    if ref.kind == "expr":
        text, bound = derived.shown(derived.PREFIX + ref.name), derived.shown(channel)
        return text if text == bound else f"{text} → {bound}"
    return f"{ref.name} → {channel}" if ref.kind == "alias" and ref.name != channel else channel


@dataclass(frozen=True)
class PlannedGroup:
    """One series of one group of runs: drawn as the members' mean and a band."""

    ref: SeriesRef
    label: str
    color: str
    dash: int
    members: tuple[tuple[str, str], ...]  # (experiment, channel) of each run that has the series
    x_channels: tuple[str, ...] | None = None
    marker: str | None = None


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
            if chart.axis_of(ref) == "right":
                label += RIGHT_AXIS
            st = colors.group_style(gi)
            out.append(PlannedGroup(ref, label, st.color, si % DASH_COUNT, tuple(members),
                                    tuple(xs) if x_ref is not None else None, st.marker))
    return tuple(out), tuple(dict.fromkeys(missing))


def natural_key(text: str) -> tuple:
    """A sort key for names that puts block2 before block10 and ignores case."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", text.lower()) if p)


def format_x(x: float, x_axis: str, step_name: str = "step") -> str:
    """An x value as a person reads it: a step (named by what it counts: ``step_name``, "epoch"
    for a Keras log), a local date and time, or h:mm:ss since the start."""
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
    return f"{step_name} {x:.6g}"


def format_y(y: float) -> str:
    """A value with 6 significant digits; ``inf``, ``-inf`` and ``nan`` spelled out."""
    if math.isnan(y):
        return "nan"
    if math.isinf(y):
        return "inf" if y > 0 else "-inf"
    return f"{y:.6g}"


def format_tick(v: float) -> str:
    """A tick label of an axis whose ticks are at real values the axis does not space evenly
    (symlog): 4 significant digits, exponents short (``1e6``, ``-2e-5``)."""
    if not math.isfinite(v):
        return format_y(v)
    text = f"{v:.4g}"
    if "e" in text:
        mant, _e, exp = text.partition("e")
        text = f"{mant}e{int(exp)}"
    return "0" if text in ("-0", "0") else text
