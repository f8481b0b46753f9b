"""The scatter of runs and the parallel coordinates (issue 20), without Qt: the per-run table of
dimensions, how each is scaled, brushing as the run filter, correlation, the trend line and the
means of groups. ``chartdesk.gui.sweep_views`` draws what this computes.

**Dimensions.** One value per run of the project, from the runs table's rows
(``chartdesk.runs.table`` through ``chartdesk.offload.rows``, so a summary column resolves its alias
run by run through the one resolver rule, pins included):

- run fields: ``state`` (a category) and ``duration`` (seconds);
- params, flattened with dots (``optimizer.lr``): numbers, booleans (ticks false / true), and
  anything else as a category whose values are its ticks (text, lists, a param that is a number in
  some runs and text in others);
- summary columns in the runs-table syntax: ``accuracy:max``, ``alias:accuracy:last``,
  ``channel:loss:min``, ``expr:1 - accuracy:last``.

A number dimension is drawn on a log axis (``kind == "log"``) when every value is > 0 and the
largest is at least 100 times the smallest (two decades). A missing value (a param the run lacks,
a column the run cannot compute, NaN or ±inf) stays missing: it is kept in ``values`` as the run
has it and drawn on the axis's *missing* band (parallel coordinates) or counted as left out
(scatter), never dropped silently.

**Coordinates.** ``Dimension.coordinates(log)``: the number (log10 of it on a log axis; NaN where
missing or, on a log axis, not > 0), the index of a category among the sorted categories, 0/1 for
booleans. ``Dimension.normalised(flip)`` maps them to 0..1 over the finite range of every run (a
dimension of one value sits at 0.5).

**Parallel axes** (``Axis``, made by ``axis(dimension, rows)``) range over the runs drawn, not
every run of the project: the runs the filter's other clauses pass (what the brushes are dragged
over; a run those clauses leave out is not drawn at all), so a filter that keeps runs of small
``lr`` spreads them over the whole axis instead of bunching them at its bottom. A number axis goes
from the lowest to the highest value drawn, with ticks at round values (``nice_ticks``: steps of
1, 2 or 5 times a power of ten, written with the decimals the step needs); a log axis ticks the
decades it covers, or 1-2-5 in each decade when it covers fewer than two, and a category axis
ticks only the categories the drawn runs have. A brush is made and drawn through the axis
(``Axis.brush``, ``Axis.brush_units``), so what it covers is what the axis shows under it.

**Brushing is the run filter.** A brush is a range on one axis; the runs inside every brush are
the runs the run filter shows (``chartdesk.app.runfilter``), because a brush *is* a clause of the
filter: ``lr >= 0.001 and lr <= 0.1`` on a number axis (its ends rounded to 4 significant digits,
so the text and the brush agree), ``optimizer.name == "adam"`` or
``(optimizer.name == "adam" or optimizer.name == "sgd")`` on a category axis (the categories the
range covers), ``augment == true`` on a boolean one. ``join_filter`` puts the clauses after what
the person typed (``base``); ``split_filter`` reads them back out of any filter text, so a brush
typed into the runs table's box appears on its axis, and a clause removed there removes the brush.
A comparison with a missing value is false: a run missing a value is outside a brush on that axis.
A dimension whose name the filter grammar cannot spell (an ``expr:`` column with spaces, a param
named like a keyword) cannot be brushed (``Dimension.brushable``).

**Statistics of the scatter** (``fit``): over the runs with both coordinates finite (on log axes
the log10 of the values, what the axes show), Pearson's r, Spearman's rho (Pearson's r of average
ranks) and the least-squares line ``y = intercept + slope * x``. ``group_points``: with runs
grouped (``chartdesk.groups``), each group's mean x and y over its runs with both coordinates and
their standard errors (sample standard deviation, ddof=1, over sqrt(n); none for a group of one).
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.ma  # noqa: F401 - np.unique imports it at its first call: 36 ms of the GUI thread as the first view drew

from .. import offload, query
from ..errors import ChartDeskError
from ..importance import rank
from ..runs import sort_key
from .runfilter import lookup, row_value

#: The run fields offered as dimensions.
FIELD_DIMENSIONS = ("state", "duration")
#: A number dimension whose largest value is at least this times its smallest (all > 0) is log.
LOG_RATIO = 100.0
#: Significant digits of a brush's ends (the filter's text and the brush agree to the digit).
BRUSH_DIGITS = 4
#: A fit needs this many runs with both values.
MIN_FIT = 3

NUMBER, LOG, CATEGORY, BOOLEAN = "number", "log", "category", "boolean"


def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _finite(v) -> bool:
    return _is_number(v) and math.isfinite(float(v))


def _missing(v) -> bool:
    return v is None or (_is_number(v) and not math.isfinite(float(v)))


def snap(v: float, way: int = 0) -> float:
    """``v`` rounded to ``BRUSH_DIGITS`` significant digits (how a brush's end is written):
    to the nearest, down (``way`` -1) or up (+1), so that a brush's rounded ends keep what it covered."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return v
    near = float(f"{v:.{BRUSH_DIGITS}g}")
    if way == 0 or (near <= v if way < 0 else near >= v):
        return near
    step = 10.0 ** (math.floor(math.log10(abs(v))) - BRUSH_DIGITS + 1)
    return float(f"{near + way * step:.{BRUSH_DIGITS}g}")


def number_text(v: float) -> str:
    """A number as the filter grammar reads it back exactly."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def literal_text(v) -> str:
    """A value as a literal of the filter grammar."""
    if v is None:
        return "null"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if _is_number(v):
        return number_text(float(v))
    s = str(v)
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def spellable(name: str) -> bool:
    """Whether the filter grammar reads ``name`` as one name (so a brush on it can be a clause)."""
    try:
        toks = query.tokenize(name)
    except ChartDeskError:
        return False
    return len(toks) == 2 and toks[0].kind == "name" and toks[0].text == name


def value_text(v) -> str:
    """A value as the views write it (tooltips, ticks)."""
    if v is None:
        return "missing"
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if _is_number(v):
        f = float(v)
        if math.isnan(f):
            return "nan"
        if math.isinf(f):
            return "inf" if f > 0 else "-inf"
        return f"{f:.6g}"
    return str(v)


# ---- dimensions ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Dimension:
    key: str                      # "lr", "optimizer.name", "state", "duration", "accuracy:max"
    source: str                   # "field", "param" or "column"
    kind: str                     # NUMBER, LOG, CATEGORY or BOOLEAN
    values: tuple                 # per run, as the run has it (None: missing)
    categories: tuple = ()        # CATEGORY / BOOLEAN: the values in tick order
    brushable: bool = True
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def numeric(self) -> bool:
        return self.kind in (NUMBER, LOG)

    @property
    def varying(self) -> bool:
        """Some two runs have different values (missing counts as one)."""
        hit = self._cache.get("varying")
        if hit is None:
            hit = self._cache["varying"] = len({repr(v) for v in self.values}) > 1
        return hit

    def warm(self) -> Dimension:
        """Work out now what a view asks of every dimension (coordinates, span, whether it varies):
        done in the worker, so the table reaches the window with them."""
        self.coordinates()
        self.span()
        _ = self.varying
        return self

    @property
    def missing(self) -> np.ndarray:
        """Per run: no value to draw."""
        return np.isnan(self.coordinates(self.kind == LOG))

    def coordinates(self, log: bool | None = None) -> np.ndarray:
        """Per run: where it sits on the axis (see the module's docstring); NaN where missing.
        ``log`` None: the dimension's own scale."""
        log = self.kind == LOG if log is None else bool(log)
        hit = self._cache.get(("coordinates", log))
        if hit is None:
            hit = self._cache[("coordinates", log)] = self._coordinates(log)
            hit.flags.writeable = False
        return hit

    def _coordinates(self, log: bool) -> np.ndarray:
        if self.numeric:
            a = np.array([float(v) if _finite(v) else np.nan for v in self.values], dtype=np.float64)
            if log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    a = np.where(a > 0, np.log10(np.where(a > 0, a, 1.0)), np.nan)
            return a
        index = {repr(c): i for i, c in enumerate(self.categories)}
        return np.array([np.nan if v is None else float(index[repr(v)]) for v in self.values], dtype=np.float64)

    def span(self, log: bool | None = None) -> tuple[float, float] | None:
        """(lowest, highest) coordinate (the whole tick range for categories); None: no value."""
        if not self.numeric:
            return (0.0, float(len(self.categories) - 1)) if self.categories else None
        log = self.kind == LOG if log is None else bool(log)
        key = ("span", log)
        if key not in self._cache:
            c = self.coordinates(log)
            c = c[np.isfinite(c)]
            self._cache[key] = (float(c.min()), float(c.max())) if c.size else None
        return self._cache[key]

    def normalised(self, flip: bool = False) -> np.ndarray:
        """Per run: 0..1 along the axis of every run (1 at the top; ``flip`` turns it over); NaN
        where missing (``axis`` over all the runs)."""
        return axis(self, np.arange(len(self.values)), flip).unit()

    def ticks(self, count: int = 5) -> list[tuple[float, str]]:
        """(coordinate, label) over every run's range: every category, else round values
        (``nice_ticks``; decades on a log axis, ``log_ticks``), as a parallel axis ticks."""
        if not self.numeric:
            return [(float(i), value_text(c)) for i, c in enumerate(self.categories)]
        span = self.span()
        if span is None:
            return []
        lo, hi = span
        if hi == lo:
            return [(lo, value_text(10 ** lo if self.kind == LOG else lo))]
        return log_ticks(lo, hi) if self.kind == LOG else nice_ticks(lo, hi, count)

    # ---- brushes --------------------------------------------------------------------------
    def brush(self, c0: float, c1: float) -> Brush:
        """The brush from coordinate ``c0`` to ``c1`` of this axis (either way round)."""
        lo, hi = min(c0, c1), max(c0, c1)
        if self.numeric:
            if self.kind == LOG:
                lo, hi = 10 ** lo, 10 ** hi
            return Brush(self.key, snap(lo, -1), snap(hi, +1))
        if not self.categories:
            return Brush(self.key, values=())
        covered = tuple(c for i, c in enumerate(self.categories) if lo - 0.5 < i < hi + 0.5)
        if not covered:  # a range between two ticks: the nearer one
            covered = (self.categories[min(max(0, round((lo + hi) / 2)), len(self.categories) - 1)],)
        return Brush(self.key, values=covered)

    def brush_span(self, b: Brush) -> tuple[float, float]:
        """The coordinates a brush covers on this axis (to draw it)."""
        if self.numeric:
            if self.kind == LOG:
                return (math.log10(b.lo) if b.lo > 0 else -math.inf), (math.log10(b.hi) if b.hi > 0 else -math.inf)
            return b.lo, b.hi
        index = [i for i, c in enumerate(self.categories) if any(repr(c) == repr(v) for v in b.values)]
        return (min(index) - 0.4, max(index) + 0.4) if index else (0.0, 0.0)

    def inside(self, b: Brush) -> np.ndarray:
        """Per run: inside the brush (a missing value never is), as the filter's clause decides."""
        if self.numeric:
            a = self._cache.get("numbers")
            if a is None:  # every number as the filter compares it (±inf too); NaN where none
                a = self._cache["numbers"] = np.array([float(v) if _is_number(v) else np.nan for v in self.values],
                                                      dtype=np.float64)
            with np.errstate(invalid="ignore"):
                return (a >= b.lo) & (a <= b.hi)
        chosen = {repr(v) for v in b.values}
        return np.array([v is not None and repr(v) in chosen for v in self.values], dtype=bool)


@dataclass(frozen=True)
class Brush:
    """A range brushed on one axis: ``lo``..``hi`` of a number (either scale), or the categories."""

    key: str
    lo: float = 0.0
    hi: float = 0.0
    values: tuple = ()

    def clause(self) -> str:
        """The brush as a clause of the run filter."""
        if self.values:
            parts = [f"{self.key} == {literal_text(v)}" for v in self.values]
            return parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"
        return f"{self.key} >= {number_text(self.lo)} and {self.key} <= {number_text(self.hi)}"


def _kind(values: Sequence) -> tuple[str, tuple]:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return BOOLEAN, (False, True)
    if all(_is_number(v) for v in present):
        finite = [float(v) for v in present if _finite(v)]
        if finite and min(finite) > 0 and max(finite) >= LOG_RATIO * min(finite):
            return LOG, ()
        return NUMBER, ()
    cats: dict[str, object] = {}
    for v in present:
        cats.setdefault(repr(v), v)
    return CATEGORY, tuple(sorted(cats.values(), key=lambda v: sort_key(v, False)))


# ---- parallel axes over the drawn runs -----------------------------------------------------------
def nice_step(lo: float, hi: float, count: int = 5) -> float:
    """The step of about ``count`` ticks over lo..hi: 1, 2 or 5 times a power of ten (the one
    whose number of steps over the range is nearest ``count``)."""
    span = hi - lo
    if not span > 0 or not math.isfinite(span):
        return 0.0
    power = 10.0 ** math.floor(math.log10(span / count))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda step: abs(span / step - count))


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[tuple[float, str]]:
    """(value, label) of round values within lo..hi (``nice_step`` apart), each written with the
    decimals the step needs (``0.2``, not ``0.2000000001`` or ``0.2275``)."""
    step = nice_step(lo, hi, count)
    if step == 0.0:
        return [(lo, value_text(lo))]
    first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    exponent = math.floor(math.log10(step) + 1e-9)
    decimals = max(0, -exponent)
    big = max(abs(first), abs(last)) * step
    out = []
    for k in range(first, last + 1):
        v = k * step
        if big >= 1e6 or step < 1e-4:
            text = f"{v:.{max(1, len(str(abs(k))))}g}" if k else "0"
        else:
            text = f"{v:.{decimals}f}"
        out.append((float(f"{v:.{decimals + 1}f}") if decimals < 15 else v, text))
    return out


def log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """(log10 of the value, label) on a log axis over lo..hi (log10 of the values): the decades
    it covers, else 1, 2 and 5 in each decade, else round values of its own."""
    decades = [(float(d), f"{10.0 ** d:g}") for d in range(math.ceil(lo - 1e-9), math.floor(hi + 1e-9) + 1)]
    if len(decades) >= 2:
        return decades
    steps = [(math.log10(m) + d, f"{m * 10.0 ** d:g}") for d in range(math.floor(lo) - 1, math.ceil(hi) + 1)
             for m in (1, 2, 5) if lo - 1e-9 <= math.log10(m) + d <= hi + 1e-9]
    if len(steps) >= 2:
        return steps
    return [(math.log10(v), text) for v, text in nice_ticks(10.0 ** lo, 10.0 ** hi) if v > 0]


@dataclass(frozen=True, eq=False)
class Axis:
    """One parallel axis over the drawn runs (``axis``): its range (``lo``..``hi`` of the
    coordinates; for categories, of their places on this axis), flipped or not."""

    dim: Dimension
    rows: np.ndarray              # the drawn runs (indexes of the table's runs)
    lo: float | None              # None: no drawn run has a value
    hi: float | None
    flip: bool = False
    categories: tuple = ()        # CATEGORY / BOOLEAN: the drawn runs' categories, in tick order
    place: np.ndarray | None = None   # a category's index among ``dim.categories`` -> its place here

    def places(self, coords) -> np.ndarray:
        """Coordinates of the dimension as places along this axis (categories: among the drawn ones)."""
        c = np.asarray(coords, dtype=np.float64)
        if self.dim.numeric or self.place is None:
            return c
        out = np.full(c.shape, np.nan)
        ok = np.isfinite(c)
        out[ok] = self.place[c[ok].astype(np.int64)]
        return out

    def to_unit(self, coords) -> np.ndarray:
        """0..1 along the axis (1 at the top, 0 flipped) of coordinates of the dimension; NaN where missing."""
        p = self.places(coords)
        if self.lo is None:
            return np.full(p.shape, np.nan)
        u = (p - self.lo) / (self.hi - self.lo) if self.hi > self.lo else np.where(np.isnan(p), np.nan, 0.5)
        return 1.0 - u if self.flip else u

    def unit(self) -> np.ndarray:
        """Per drawn run (in ``rows`` order): where its line crosses the axis; NaN where missing."""
        return self.to_unit(self.dim.coordinates()[self.rows])

    def _place_at(self, u: float) -> float:
        u = 1.0 - u if self.flip else u
        return self.lo + u * (self.hi - self.lo) if self.hi > self.lo else self.lo

    def ticks(self, count: int = 5) -> list[tuple[float, str]]:
        """(unit, label): every category drawn, else round values over the range."""
        if self.lo is None:
            return []
        if not self.dim.numeric:
            return [(float(self.to_unit_place(i)), value_text(c)) for i, c in enumerate(self.categories)]
        if self.hi == self.lo:
            v = 10 ** self.lo if self.dim.kind == LOG else self.lo
            return [(float(self.to_unit(np.array([self.lo]))[0]), value_text(v))]
        ticks = log_ticks(self.lo, self.hi) if self.dim.kind == LOG else nice_ticks(self.lo, self.hi, count)
        units = self.to_unit(np.array([c for c, _t in ticks], dtype=np.float64))
        return [(float(u), t) for u, (_c, t) in zip(units, ticks) if -1e-9 <= u <= 1 + 1e-9]

    def to_unit_place(self, place: float) -> float:
        """0..1 of a place along a category axis."""
        u = (place - self.lo) / (self.hi - self.lo) if self.hi > self.lo else 0.5
        return 1.0 - u if self.flip else u

    def brush(self, u0: float, u1: float) -> Brush:
        """The brush from ``u0`` to ``u1`` (0..1 of the axis, either way round)."""
        if self.lo is None:
            return Brush(self.dim.key, values=()) if not self.dim.numeric else Brush(self.dim.key, math.nan, math.nan)
        p0, p1 = sorted((self._place_at(u0), self._place_at(u1)))
        if self.dim.numeric:
            return self.dim.brush(p0, p1)
        covered = tuple(c for i, c in enumerate(self.categories) if p0 - 0.5 < i < p1 + 0.5)
        if not covered:  # a range between two ticks: the nearer one
            covered = (self.categories[min(max(0, round((p0 + p1) / 2)), len(self.categories) - 1)],)
        return Brush(self.dim.key, values=covered)

    def brush_units(self, b: Brush) -> tuple[float, float]:
        """Where a brush lies along the axis (0..1, lowest first; beyond the axis where it reaches past)."""
        if self.lo is None:
            return (0.0, 0.0)
        if self.dim.numeric:
            c0, c1 = self.dim.brush_span(b)
            u = self.to_unit(np.array([c0, c1], dtype=np.float64))
        else:
            places = [i for i, c in enumerate(self.categories) if any(repr(c) == repr(v) for v in b.values)]
            if not places:
                return (0.0, 0.0)
            half = 0.4 / (self.hi - self.lo) if self.hi > self.lo else 0.1
            ends = [self.to_unit_place(min(places)), self.to_unit_place(max(places))]
            u = np.array([min(ends) - half, max(ends) + half])
        u = np.where(np.isnan(u), -np.inf, u)
        return float(min(u)), float(max(u))


def axis(dim: Dimension, rows: Sequence[int] | np.ndarray, flip: bool = False) -> Axis:
    """The parallel axis of ``dim`` over the table's runs at ``rows`` (the drawn ones)."""
    rows = np.asarray(rows, dtype=np.int64)
    c = dim.coordinates()[rows]
    c = c[np.isfinite(c)]
    if not c.size:
        return Axis(dim, rows, None, None, flip)
    if dim.numeric:
        return Axis(dim, rows, float(c.min()), float(c.max()), flip)
    present = np.unique(c.astype(np.int64))
    place = np.full(len(dim.categories), np.nan)
    place[present] = np.arange(len(present), dtype=np.float64)
    return Axis(dim, rows, 0.0, float(len(present) - 1), flip, tuple(dim.categories[i] for i in present), place)


def dimension(key: str, source: str, values: Sequence) -> Dimension:
    values = tuple(None if (isinstance(v, float) and math.isnan(v)) else
                   (tuple(v) if isinstance(v, list) else v) for v in values)
    kind, cats = _kind(values)
    brushable = spellable(key) and (source != "param" or key not in query.FIELDS)
    return Dimension(key, source, kind, values, cats, brushable)


@dataclass(frozen=True, eq=False)
class SweepTable:
    """The project's runs (in the store's order) and their dimensions."""

    project: str
    runs: tuple[str, ...]
    dimensions: dict[str, Dimension]
    rows: tuple = field(default=(), repr=False)

    def __getitem__(self, key: str) -> Dimension:
        return self.dimensions[key]

    def names(self) -> list[str]:
        return list(self.dimensions)

    def passing(self, text: str) -> frozenset[str] | None:
        """The runs a filter text passes (evaluated here on these rows; None: it filters nothing)."""
        if not text.strip():
            return None
        try:
            tree = query.parse(text)
        except ChartDeskError:
            return None
        return frozenset(r["experiment"] for r in self.rows if query.evaluate(tree, lookup(r)))

    def brushed(self, brushes: Iterable[Brush]) -> frozenset[str]:
        """The runs inside every brush (all runs without brushes)."""
        return frozenset(r for r, k in zip(self.runs, self.brushed_mask(brushes)) if k)

    def brushed_mask(self, brushes: Iterable[Brush]) -> np.ndarray:
        """Per run of the table: inside every brush."""
        keep = np.ones(len(self.runs), dtype=bool)
        for b in brushes:
            if b.key in self.dimensions:
                keep &= self.dimensions[b.key].inside(b)
        return keep

    def to_csv(self, keys: Sequence[str], runs: Iterable[str] | None = None, extra: Mapping[str, Sequence] = ()) -> str:
        """One row per run (``runs``: these, in the table's order), a column per dimension, its value
        as the run has it (empty where missing); ``extra`` adds columns of per-run values."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        extra = dict(extra)
        w.writerow(["run", *keys, *extra])
        keep = None if runs is None else set(runs)
        for i, run in enumerate(self.runs):
            if keep is not None and run not in keep:
                continue
            cells = []
            for k in keys:
                v = self.dimensions[k].values[i]
                cells.append("" if v is None else (repr(float(v)) if _is_number(v) else value_text(v)))
            w.writerow([run, *cells, *(col[i] for col in extra.values())])
        return out.getvalue()


def offered(rows: Sequence[Mapping], columns: Sequence[str] = ()) -> list[str]:
    """Every dimension the rows give: run fields, params by name, then the summary columns."""
    params = sorted({k for r in rows for k in r.get("_flat", query.flatten(r.get("params", {})))})
    return [*FIELD_DIMENSIONS, *(p for p in params if p not in FIELD_DIMENSIONS), *dict.fromkeys(columns)]


def build(project: str, rows: Sequence[Mapping], columns: Sequence[str] = ()) -> SweepTable:
    """The table of dimensions of these rows (``chartdesk.offload.rows`` with ``columns``)."""
    rows = [r if "_flat" in r else {**r, "_flat": query.flatten(r["params"])} for r in rows]
    keys = offered(rows, columns)
    column_set = set(columns)
    dims = {}
    for k in keys:
        source = "field" if k in FIELD_DIMENSIONS else "column" if k in column_set else "param"
        if source == "column":
            values = [r["columns"].get(k) for r in rows]
        elif source == "field":
            values = [row_value(r, k) for r in rows]
        else:
            values = [r["_flat"].get(k) for r in rows]
        dims[k] = dimension(k, source, values)
    return SweepTable(project, tuple(r["experiment"] for r in rows), dims, tuple(rows))


def read_table(store, project: str, columns: Sequence[str] = ()) -> SweepTable:
    """The project's table of dimensions with these summary columns, read from the store (in a
    worker process of the window, or on its pool's thread), every dimension warmed."""
    table = build(project, offload.rows(store, project, list(columns)), columns)
    for d in table.dimensions.values():
        d.warm()
    return table


def offered_columns(columns: Sequence[str], aliases: Iterable[str]) -> list[str]:
    """The summary columns a view or dialog offers: the runs table's (``columns``), then each
    alias's max, min and last."""
    return list(dict.fromkeys([*columns, *(f"{a}:{r}" for a in aliases for r in ("max", "min", "last"))]))


def columns_of(keys: Iterable[str]) -> list[str]:
    """The summary columns among dimension names (REF:REDUCER)."""
    out = []
    for k in keys:
        if ":" in k and k.rpartition(":")[2] in query.REDUCERS:
            out.append(k)
    return list(dict.fromkeys(out))


# ---- brushes <-> the filter -------------------------------------------------------------------
def _conjuncts(node) -> list:
    if isinstance(node, query.Bool) and node.op == "and":
        return [c for a in node.args for c in _conjuncts(a)]
    return [node]


def unparse(node) -> str:
    """A tree of ``chartdesk.query`` as text it parses back to."""
    if isinstance(node, query.Lit):
        return literal_text(node.value)
    if isinstance(node, query.Name):
        return node.name
    if isinstance(node, query.Cmp):
        return f"{_operand(node.left)} {node.op} {_operand(node.right)}"
    if node.op == "not":
        return f"not {_operand(node.args[0])}"
    joiner = f" {node.op} "
    return joiner.join(f"({unparse(a)})" if isinstance(a, query.Bool) and a.op == "or" and node.op == "and"
                       else unparse(a) for a in node.args)


def _operand(node) -> str:
    return f"({unparse(node)})" if isinstance(node, (query.Bool, query.Cmp)) else unparse(node)


def _bound(node, dims) -> tuple[str, str, float] | None:
    """(key, ">=" or "<=", number) of ``KEY >= N`` / ``KEY <= N`` on a number dimension."""
    if isinstance(node, query.Cmp) and node.op in (">=", "<=") and isinstance(node.left, query.Name) \
            and isinstance(node.right, query.Lit) and _is_number(node.right.value):
        d = dims.get(node.left.name)
        if d is not None and d.numeric and d.brushable:
            return d.key, node.op, float(node.right.value)
    return None


def _categories(node, dims) -> tuple[str, tuple] | None:
    """(key, values) of ``KEY == V`` or ``(KEY == A or KEY == B ...)`` on a category dimension,
    the values making one range of its ticks."""
    parts = node.args if isinstance(node, query.Bool) and node.op == "or" else (node,)
    key, values = None, []
    for p in parts:
        if not (isinstance(p, query.Cmp) and p.op == "==" and isinstance(p.left, query.Name)
                and isinstance(p.right, query.Lit)):
            return None
        if key not in (None, p.left.name):
            return None
        key = p.left.name
        values.append(p.right.value)
    d = dims.get(key)
    if d is None or d.numeric or not d.brushable:
        return None
    index = []
    for v in values:
        hit = [i for i, c in enumerate(d.categories) if query._compare("==", c, v)]
        if len(hit) != 1:
            return None
        index.append(hit[0])
    index = sorted(set(index))
    if index != list(range(index[0], index[-1] + 1)):
        return None
    return key, tuple(d.categories[i] for i in index)


def split_filter(text: str, dims: Mapping[str, Dimension]) -> tuple[str, dict[str, Brush]]:
    """(the rest of the filter, the brushes in it): its top-level ``and`` clauses that are a
    brush on one of ``dims`` (``KEY >= A and KEY <= B`` on a number axis, ``KEY == V`` or an ``or``
    of them on a category axis), one brush per axis; a text that does not parse is all rest."""
    if not text.strip():
        return "", {}
    try:
        tree = query.parse(text)
    except ChartDeskError:
        return text, {}
    parts = _conjuncts(tree)
    brushes: dict[str, Brush] = {}
    used: set[int] = set()
    lows: dict[str, int] = {}
    highs: dict[str, int] = {}
    for i, p in enumerate(parts):
        b = _bound(p, dims)
        if b is not None:  # the last of each: a brush comes after a one-sided bound typed on its axis
            (lows if b[1] == ">=" else highs)[b[0]] = i
            continue
        c = _categories(p, dims)
        if c is not None and c[0] not in brushes:
            brushes[c[0]] = Brush(c[0], values=c[1])
            used.add(i)
    for key, i in lows.items():
        if key in highs and key not in brushes:
            lo, hi = float(parts[i].right.value), float(parts[highs[key]].right.value)
            brushes[key] = Brush(key, lo, hi)
            used |= {i, highs[key]}
    if not used:
        return text, {}
    rest = [p for i, p in enumerate(parts) if i not in used]
    base = " and ".join(f"({unparse(p)})" if isinstance(p, query.Bool) and p.op == "or" else unparse(p) for p in rest)
    order = sorted(brushes, key=lambda k: min(i for i, p in enumerate(parts) if i in used and k in query.names(p)))
    return base, {k: brushes[k] for k in order}


def join_filter(base: str, brushes: Iterable[Brush]) -> str:
    """``base`` and the brushes' clauses (``base`` in parentheses when it has a top-level ``or``)."""
    clauses = [b.clause() for b in brushes]
    base = base.strip()
    if base:
        try:
            tree = query.parse(base)
            if isinstance(tree, query.Bool) and tree.op == "or" and clauses:
                base = f"({base})"
        except ChartDeskError:
            pass
    return " and ".join([*([base] if base else []), *clauses])


# ---- the scatter's numbers --------------------------------------------------------------------
@dataclass(frozen=True)
class Fit:
    n: int
    pearson: float | None
    spearman: float | None
    slope: float | None
    intercept: float | None


def both(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.isfinite(np.asarray(x, float)) & np.isfinite(np.asarray(y, float))


def fit(x: np.ndarray, y: np.ndarray) -> Fit:
    """Pearson, Spearman and the least-squares line over the pairs with both values finite."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = both(x, y)
    x, y = x[ok], y[ok]
    n = int(len(x))
    if n < MIN_FIT:
        return Fit(n, None, None, None, None)
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    pearson = sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else None
    slope = sxy / sxx if sxx > 0 else None
    intercept = float(y.mean() - slope * x.mean()) if slope is not None else None
    rx, ry = rank(x), rank(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = math.sqrt(float(rx @ rx) * float(ry @ ry))
    spearman = float(rx @ ry) / den if den > 0 else None
    return Fit(n, pearson, spearman, slope, intercept)


@dataclass(frozen=True)
class GroupPoint:
    label: str
    runs: tuple[str, ...]
    n: int                 # runs of the group with both coordinates
    x: float | None        # means (None: no run has both)
    y: float | None
    x_sem: float | None    # standard errors (None under two runs)
    y_sem: float | None


def group_points(groups: Sequence, runs: Sequence[str], x: np.ndarray, y: np.ndarray) -> list[GroupPoint]:
    """Each group's mean and standard error of x and y over its runs with both coordinates."""
    at = {r: i for i, r in enumerate(runs)}
    x, y = np.asarray(x, float), np.asarray(y, float)
    out = []
    for g in groups:
        idx = np.array([at[r] for r in g.runs if r in at], dtype=np.int64)
        gx, gy = x[idx], y[idx]
        ok = both(gx, gy)
        gx, gy = gx[ok], gy[ok]
        n = int(len(gx))
        if n == 0:
            out.append(GroupPoint(g.label, tuple(g.runs), 0, None, None, None, None))
            continue
        sx = float(np.std(gx, ddof=1) / math.sqrt(n)) if n >= 2 else None
        sy = float(np.std(gy, ddof=1) / math.sqrt(n)) if n >= 2 else None
        out.append(GroupPoint(g.label, tuple(g.runs), n, float(gx.mean()), float(gy.mean()), sx, sy))
    return out


# ---- the views' saved configuration -----------------------------------------------------------
def encode(config: Mapping[str, object]) -> list[str]:
    """A view's configuration as the list of ``name=value`` strings a settings key holds (a list
    value as one entry per item)."""
    out = []
    for k, v in config.items():
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            out.append(f"{k}={'1' if item is True else '0' if item is False else item}")
    return out


def decode(items: Iterable[str], lists: Iterable[str] = ()) -> dict[str, object]:
    """What ``encode`` wrote (``lists``: the names whose values are lists)."""
    lists = set(lists)
    out: dict[str, object] = {k: [] for k in lists}
    for item in items:
        k, sep, v = str(item).partition("=")
        if not sep:
            continue
        if k in lists:
            out[k].append(v)
        else:
            out[k] = v
    return out
