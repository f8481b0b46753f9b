"""Plain data of the domain: experiments, channels, aliases, series refs, charts, chart sets.

No Qt, no SQL: these are what the store returns, what the resolver reasons about and what
crosses threads in the GUI.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from . import derived, scales
from .errors import InvalidInput
from .smoothing import Smoothing

STATES = ("running", "succeeded", "failed", "aborted")
X_AXES = ("step", "wall", "relative")
REF_KINDS = ("channel", "alias", "expr")  # what a series ref names: see SeriesRef
BANDS = ("std", "sem", "minmax")  # a group's band: mean -/+ population std, -/+ standard error, min to max
#: The order of a chart's legend entries: as planned (series, then runs), by name, or by each
#: curve's last value in view (highest first, as the hover table sorts).
LEGEND_ORDERS = ("plotted", "name", "last")
LEGENDS = ("below", "side", "off")  # where a chart's legend is: under the plot, beside it, or not shown


@dataclass(frozen=True)
class Experiment:
    """One run. Times are POSIX seconds (float); ``finished`` is None while running. ``source``
    is the importer's key of an imported run (``tensorboard:/path/to/run``), ``notes`` the
    person's notes on it (free text)."""

    name: str
    state: str = "running"
    created: float | None = None
    finished: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    notes: str = ""
    source: str | None = None

    @property
    def fork(self) -> tuple[str, float] | None:
        """(parent, step) of a run forked from another (Neptune's ``sys/forking/parent`` and
        ``sys/forking/step``, as the import keeps them), else None."""
        parent, step = self.params.get("sys/forking/parent"), self.params.get("sys/forking/step")
        if not isinstance(parent, str) or not parent or isinstance(step, bool) or not isinstance(step, (int, float)):
            return None
        return parent, float(step)


@dataclass(frozen=True)
class ChannelInfo:
    """A channel's name, how many points it holds, and what its x is ("epoch", "step"; None: not said)."""

    name: str
    count: int = 0
    x_name: str | None = None


@dataclass(frozen=True)
class Series:
    """The points of one channel in logged order: step, value, wall time (float64 arrays)."""

    x: np.ndarray
    y: np.ndarray
    t: np.ndarray

    def __len__(self) -> int:
        return len(self.x)

    @classmethod
    def empty(cls) -> Series:
        e = np.empty(0, dtype=np.float64)
        return cls(e, e.copy(), e.copy())


@dataclass(frozen=True, order=True)
class SeriesRef:
    """What a chart plots: a channel by name, an alias by name, or an expression over them
    (``channel:acc``, ``alias:accuracy``, ``expr:1 - accuracy``: see ``chartdesk.derived``)."""

    kind: str
    name: str

    def __post_init__(self) -> None:
        if self.kind not in REF_KINDS:
            raise InvalidInput(f"series ref kind must be 'channel' or 'alias' (or 'expr' for an expression), "
                               f"not {short_repr(self.kind)}")
        if not self.name:
            raise InvalidInput("series ref needs a name after the colon")
        if self.kind != "expr" and len(self.name) > NAME_MAX:
            raise InvalidInput(f"series {self.kind}:{self.name[:40]}… names a {self.kind} of {len(self.name)} "
                               f"characters; names are at most {NAME_MAX}")
        if self.kind == "expr":
            try:
                derived.parse(self.name)
            except InvalidInput as exc:
                shown = self.name if len(self.name) <= 80 else self.name[:79] + "…"
                raise InvalidInput(f"series expr:{shown}: {exc}") from None

    @classmethod
    def parse(cls, text: str) -> SeriesRef:
        kind, sep, name = str(text).partition(":")
        if not sep:
            raise InvalidInput(f"series ref {short_repr(text)} must be alias:NAME or channel:NAME (or expr:EXPRESSION)")
        return cls(kind, name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    def aliases_used(self, aliases: Iterable[str] | None = None) -> set[str]:
        """The alias names this ref plots: its own, or those of an expression (a bare name in it
        counts when it is one of ``aliases``; None: every bare name might be one)."""
        if self.kind == "alias":
            return {self.name}
        if self.kind != "expr":
            return set()
        known = None if aliases is None else set(aliases)
        return {n for k, n in derived.names(self.name)
                if k == "alias" or (k is None and (known is None or n in known))}


@dataclass(frozen=True)
class Chart:
    """A chart: a name, ordered series refs, and view options."""

    name: str
    series: tuple[SeriesRef, ...] = ()
    x_axis: str = "step"  # step, wall, relative, or a series ref (channel:epoch, alias:tokens): x from data
    log_y: bool = False
    smoothing: float = 0.0
    log_x: bool = False
    band: str = "std"  # how a group of runs spreads around its mean: std, sem or minmax
    legend: str = "below"  # where the legend is: below (the plot), side (beside it) or off
    smoothing_kind: str = "ema"  # what ``smoothing`` is: see chartdesk.smoothing (ema, twema, sma, cma, gauss)
    symlog_y: bool = False  # symmetric log y (chartdesk.scales): linear within ±linthresh_y, log outside
    linthresh_y: float = 1.0
    symlog_x: bool = False
    linthresh_x: float = 1.0
    #: The series drawn against a y axis on the right (autoranged on its own), in series order. A ref
    #: not in ``series`` is dropped (a series removed or replaced takes its axis with it).
    right_axis: tuple[SeriesRef, ...] = ()
    legend_order: str = "plotted"  # LEGEND_ORDERS
    #: While a crosshair is on the chart (the pointer over it, or over a linked chart of its tab),
    #: the legend lists the curves by their value at its x (highest first); ``legend_order`` again
    #: when it goes.
    legend_crosshair: bool = False

    def __post_init__(self) -> None:
        if not self.name:
            raise InvalidInput("a chart needs a name")
        if len(self.name) > NAME_MAX:
            raise InvalidInput(f"chart name is {len(self.name)} characters long; at most {NAME_MAX} are allowed")
        if self.band not in BANDS:
            raise InvalidInput(f"chart {self.name!r}: band must be one of {', '.join(BANDS)}, not {self.band!r}")
        if self.legend not in LEGENDS:
            raise InvalidInput(f"chart {self.name!r}: legend must be one of {', '.join(LEGENDS)}, not {self.legend!r}")
        if self.legend_order not in LEGEND_ORDERS:
            raise InvalidInput(f"chart {self.name!r}: legend_order must be one of {', '.join(LEGEND_ORDERS)}, "
                               f"not {short_repr(self.legend_order)}")
        if self.x_axis not in X_AXES:
            try:
                SeriesRef.parse(self.x_axis)
            except InvalidInput:
                raise InvalidInput(f"chart {self.name!r}: x_axis must be one of {', '.join(X_AXES)} or a series ref "
                                   f"(channel:NAME, alias:NAME), not {self.x_axis!r}") from None
        for flag in ("log_y", "log_x", "symlog_y", "symlog_x", "legend_crosshair"):
            if not isinstance(getattr(self, flag), bool):
                raise InvalidInput(f"chart {self.name!r}: {flag} must be true or false, not {getattr(self, flag)!r}")
        for axis in ("y", "x"):
            if getattr(self, f"log_{axis}") and getattr(self, f"symlog_{axis}"):
                raise InvalidInput(f"chart {self.name!r}: log_{axis} and symlog_{axis} cannot both be on (pick one scale)")
            t = getattr(self, f"linthresh_{axis}")
            if isinstance(t, bool) or not isinstance(t, (int, float)) or not (0 < t < float("inf")):
                raise InvalidInput(f"chart {self.name!r}: linthresh_{axis} (symlog's linear region ±t) must be a "
                                   f"number above 0, not {short_repr(t)}")
            object.__setattr__(self, f"linthresh_{axis}", float(t))
        if self.symlog_x and self.x_axis == "wall":
            raise InvalidInput(f"chart {self.name!r}: symlog_x has no meaning on a wall-time x axis (dates are "
                               "far from its linear region around 0): use x_axis relative, the time since each "
                               "run's start")
        right = tuple(r if isinstance(r, SeriesRef) else SeriesRef.parse(r) for r in self.right_axis)
        object.__setattr__(self, "right_axis", tuple(r for r in self.series if r in right))
        self.smoother.check(f"chart {self.name!r}: smoothing")

    def to_dict(self) -> dict:
        d: dict[str, Any] = {"name": self.name, "series": [str(s) for s in self.series]}
        if self.x_axis != "step":
            d["x_axis"] = self.x_axis
        if self.log_y:
            d["log_y"] = True
        if self.log_x:
            d["log_x"] = True
        if self.smoothing:
            d["smoothing"] = float(self.smoothing)
        if self.band != "std":
            d["band"] = self.band
        if self.legend != "below":
            d["legend"] = self.legend
        if self.legend_order != "plotted":
            d["legend_order"] = self.legend_order
        if self.legend_crosshair:
            d["legend_crosshair"] = True
        if self.smoothing_kind != "ema":
            d["smoothing_kind"] = self.smoothing_kind
        for axis in ("y", "x"):
            if getattr(self, f"symlog_{axis}"):
                d[f"symlog_{axis}"] = True
            if getattr(self, f"linthresh_{axis}") != 1.0:
                d[f"linthresh_{axis}"] = getattr(self, f"linthresh_{axis}")
        if self.right_axis:
            d["right_axis"] = [str(r) for r in self.right_axis]
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Chart:
        if not isinstance(d, Mapping):
            raise InvalidInput(f"a chart must be a dict with 'name' and 'series', not {d!r}")
        unknown = set(d) - {"name", "series", "x_axis", "log_y", "log_x", "smoothing", "band", "legend",
                            "smoothing_kind", "symlog_y", "linthresh_y", "symlog_x", "linthresh_x", "right_axis",
                            "legend_order", "legend_crosshair"}
        if unknown:
            raise InvalidInput(f"chart {d.get('name')!r}: unknown keys {sorted(unknown)}")
        series = d.get("series", [])
        if isinstance(series, str):
            raise InvalidInput(f"chart {d.get('name')!r}: 'series' must be a list of refs")
        refs, right = _series_entries(d.get("name"), series, d.get("right_axis", ()))
        return cls(
            name=str(d.get("name", "")),
            series=refs,
            right_axis=right,
            symlog_y=d.get("symlog_y", False),
            linthresh_y=d.get("linthresh_y", 1.0),
            symlog_x=d.get("symlog_x", False),
            linthresh_x=d.get("linthresh_x", 1.0),
            x_axis=str(d.get("x_axis", "step")),
            log_y=d.get("log_y", False),  # a bool, checked: "no" is not False (nor True)
            log_x=d.get("log_x", False),
            smoothing=d.get("smoothing", 0.0),
            band=str(d.get("band", "std")),
            legend=str(d.get("legend", "below")),
            legend_order=str(d.get("legend_order", "plotted")),
            legend_crosshair=d.get("legend_crosshair", False),
            smoothing_kind=str(d.get("smoothing_kind", "ema")),
        )

    @property
    def smoother(self) -> Smoothing:
        """How the chart's lines are smoothed (``chartdesk.smoothing``)."""
        return Smoothing(self.smoothing_kind, self.smoothing)

    @property
    def y_scale(self) -> scales.Scale:
        """How y is drawn: linear, log or symlog (``chartdesk.scales``)."""
        return scales.of(self.log_y, self.symlog_y, self.linthresh_y)

    @property
    def x_scale(self) -> scales.Scale:
        return scales.of(self.log_x, self.symlog_x, self.linthresh_x)

    def axis_of(self, ref: SeriesRef) -> str:
        """Which y axis a series is drawn against: "left" or "right"."""
        return "right" if ref in self.right_axis else "left"

    @property
    def x_ref(self) -> SeriesRef | None:
        """The series the x axis is taken from (matched by step), when it is not step or time."""
        return None if self.x_axis in X_AXES else SeriesRef.parse(self.x_axis)

    def with_(self, **changes: Any) -> Chart:
        return replace(self, **changes)


def _series_entries(chart: Any, series: Iterable, right: Any) -> tuple[tuple[SeriesRef, ...], tuple[SeriesRef, ...]]:
    """A chart definition's series and its right-axis refs. A series entry is a ref
    (``"channel:lr"``) or ``{"ref": "channel:lr", "axis": "right"}`` (axis "left" or "right"),
    which is kept as the chart's ``right_axis`` list, so stored series stay plain refs."""
    if isinstance(right, (str, Mapping)) or not isinstance(right, Iterable):
        raise InvalidInput(f"chart {chart!r}: 'right_axis' must be a list of series refs, not {short_repr(right)}")
    right_refs = [r if isinstance(r, SeriesRef) else SeriesRef.parse(r) for r in right]
    refs = []
    for s in series:
        if isinstance(s, Mapping):
            extra = set(s) - {"ref", "axis"}
            if "ref" not in s or extra:
                raise InvalidInput(f"chart {chart!r}: a series entry is a ref or {{'ref': REF, 'axis': 'left' or "
                                   f"'right'}}, not {short_repr(dict(s))}")
            axis = s.get("axis", "left")
            if axis not in ("left", "right"):
                raise InvalidInput(f"chart {chart!r}: series {s['ref']}: axis must be 'left' or 'right', not "
                                   f"{short_repr(axis)}")
            ref = s["ref"] if isinstance(s["ref"], SeriesRef) else SeriesRef.parse(s["ref"])
            if axis == "right":
                right_refs.append(ref)
            elif ref in right_refs:
                right_refs.remove(ref)
        else:
            ref = s if isinstance(s, SeriesRef) else SeriesRef.parse(s)
        refs.append(ref)
    stray = [str(r) for r in right_refs if r not in refs]
    if stray:
        raise InvalidInput(f"chart {chart!r}: right_axis names {', '.join(stray)}, which the chart does not plot")
    return tuple(refs), tuple(right_refs)


@dataclass(frozen=True)
class ChartSet:
    """A named, ordered list of charts shown for every experiment of a project."""

    name: str
    charts: tuple[Chart, ...] = ()

    def to_list(self) -> list[dict]:
        return [c.to_dict() for c in self.charts]

    @classmethod
    def from_list(cls, name: str, charts: Iterable[Mapping[str, Any] | Chart]) -> ChartSet:
        if not name:
            raise InvalidInput("a chart set needs a name")
        parsed = tuple(c if isinstance(c, Chart) else Chart.from_dict(c) for c in charts)
        names = [c.name for c in parsed]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise InvalidInput(f"chart set {name!r}: chart names must be unique, {sorted(dup)} repeat")
        return cls(name, parsed)


#: Names are stored in columns of this many characters.
NAME_MAX = 512


def short_repr(value: Any, limit: int = 60) -> str:
    """A one-line, bounded repr of a value for error messages."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_name(kind: str, name: str) -> str:
    """Names are non-empty single-line strings without surrounding blanks or control characters."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string, not {short_repr(name)}")
    if name != name.strip() or any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        raise InvalidInput(f"{kind} name {short_repr(name)} must be one line without leading or trailing blanks "
                           "or control characters")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{kind} name {short_repr(name)} is not valid text (it holds a lone surrogate: "
                           "bytes that were not UTF-8)") from None
    if len(name) > NAME_MAX:
        raise InvalidInput(f"{kind} name is {len(name)} characters long; at most {NAME_MAX} are allowed")
    return name


def check_params(params: Any) -> dict[str, Any]:
    """Params are a mapping with string keys (None means none)."""
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidInput(f"params must be a dict of name -> value, not {type(params).__name__} {short_repr(params)}")
    out = {}
    for k, v in params.items():
        if not isinstance(k, str):
            raise InvalidInput(f"param names must be strings, not {short_repr(k)}")
        out[k] = v
    return out


def check_tags(tags: Any) -> list[str]:
    """Tags are strings; a single string is one tag; None means none."""
    if tags is None:
        return []
    if isinstance(tags, str):
        tags = [tags]
    if isinstance(tags, (bytes, Mapping)) or not isinstance(tags, Iterable):
        raise InvalidInput(f"tags must be a list of strings, not {type(tags).__name__} {short_repr(tags)}")
    out = []
    for t in tags:
        if not isinstance(t, str):
            raise InvalidInput(f"each tag must be a string, not {short_repr(t)}")
        check_name("tag", t)
        if t not in out:
            out.append(t)
    return out
