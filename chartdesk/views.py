"""What a chart shows of a channel: a *view*, read and decimated for one x range and width.

``read_view`` picks the chunks that overlap the visible range, reads their bucket summaries when
the range holds more than ``SUMMARY_ABOVE`` points per pixel (zoomed out: about 1/64 of the
points are read) or their full points otherwise, and keeps per pixel column the first, last,
lowest and highest point (M4). Smoothing needs every point from the start, so smoothed views read
full resolution. Runs in loader threads; plain numpy in, plain numpy out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import derived, smoothing
from .decimate import last_per_step, latest_writes, m4_indices, restarts
from .smoothing import Smoothing

#: Above this many points per pixel column a view is built from bucket summaries.
SUMMARY_ABOVE = 64


@dataclass(frozen=True)
class ViewRequest:
    project: str
    experiment: str
    channel: str
    x_axis: str = "step"
    x0: float | None = None  # None: the whole channel
    x1: float | None = None
    width: int = 1000
    smoothing: Smoothing = Smoothing()  # a number is an EMA weight (chartdesk.smoothing)
    x_channel: str | None = None  # x from this channel's values, matched by step (x_axis a series ref)
    latest: bool = False  # a resumed run's latest write per step only (decimate.latest_writes)

    def __post_init__(self) -> None:
        if not isinstance(self.smoothing, Smoothing):
            object.__setattr__(self, "smoothing", Smoothing("ema", float(self.smoothing)))

    @property
    def channel_key(self) -> tuple[str, str, str]:
        return self.project, self.experiment, self.channel

    @property
    def channel_keys(self) -> frozenset[tuple[str, str, str]]:
        """Every (project, experiment, channel) the view reads (an expression's operands): new
        points there make it stale."""
        names = derived.operands(self.channel)
        if self.x_channel is not None:
            names += derived.operands(self.x_channel)
        return frozenset((self.project, self.experiment, c) for c in names)

    def describe(self) -> str:
        return f"{self.experiment}/{self.channel}"


@dataclass(frozen=True)
class View:
    x: np.ndarray          # in the chart's x units
    y: np.ndarray          # drawn values (smoothed when asked); ±inf replaced by NaN
    raw: np.ndarray | None  # the raw values under a smoothed line
    values: np.ndarray     # the logged values at x (±inf kept): what a hover read-out names
    total: int             # points in the channel
    level: str             # "full" or "summary"
    pos_inf: np.ndarray    # x of +inf points in the view
    neg_inf: np.ndarray    # x of -inf points in the view
    restarts: np.ndarray = field(default_factory=lambda: np.empty(0))  # x where the steps went back (resumed)
    parts: tuple[tuple[str, np.ndarray], ...] = ()  # an expression's operands: (channel, value at each x)


def _xs(x_axis: str, x: np.ndarray, t: np.ndarray, t0: float) -> np.ndarray:
    if x_axis == "step":
        return x
    if x_axis == "wall":
        return t
    return t - t0


def full_series(store, project: str, experiment: str, channel: str, x_axis: str = "step",
                smoothing: Smoothing | float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Every point of a channel in a chart's x units: (x, y, smoothed y or None); for exports."""
    s = derived.read(store, project, experiment, channel)
    ft = s.t[np.isfinite(s.t)]
    xs = _xs(x_axis, s.x, s.t, float(ft.min()) if ft.size else 0.0)
    clean = np.where(np.isinf(s.y), np.nan, s.y)
    smoothing = smoothing if isinstance(smoothing, Smoothing) else Smoothing("ema", float(smoothing))
    return xs, s.y, smoothing.apply(xs, clean) if smoothing else None


def _points_in_range(index, seqs, lo_col, hi_col, shift, x0, x1) -> float:
    """About how many points of the chosen chunks fall in [x0, x1] (chunks spread evenly)."""
    total = 0.0
    for r in index:
        if r[0] not in seqs:
            continue
        lo, hi = r[lo_col], r[hi_col]
        if x0 is None or lo is None or hi <= lo:
            total += r[1]
            continue
        lo, hi = lo - shift, hi - shift
        total += r[1] * max(0.0, min(hi, x1) - max(lo, x0)) / (hi - lo)
    return total


def x_from_channel(x_steps: np.ndarray, x_values: np.ndarray, steps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For points at ``steps``, the x channel's value at the same step (its last point there):
    (x, mask of the points that have one)."""
    ks, kv = last_per_step(np.asarray(x_steps, float), np.asarray(x_values, float))
    if not len(ks):
        return np.empty(0), np.zeros(len(steps), dtype=bool)
    idx = np.clip(np.searchsorted(ks, steps), 0, len(ks) - 1)
    ok = ks[idx] == steps
    return kv[idx[ok]], ok


def _read_view_by_channel(store, req: ViewRequest) -> View:
    """A view whose x is another channel's values at the same steps (epoch, tokens seen, ...)."""
    s = derived.read(store, req.project, req.experiment, req.channel)
    xs_src = derived.read(store, req.project, req.experiment, req.x_channel)
    xs, ok = x_from_channel(xs_src.x, xs_src.y, s.x)
    return _decimated(req, xs, s.y[ok], len(s.x), "full")


def _decimated(req: ViewRequest, xs: np.ndarray, raw: np.ndarray, total: int, level: str,
               restart_x: np.ndarray | None = None, parts: tuple = (), smoothed: np.ndarray | None = None) -> View:
    """The view of points (x in chart units, logged values): ±inf kept aside, smoothed when asked,
    M4 per pixel column of the requested (or the whole) x range."""
    inf = np.isinf(raw)
    clean = np.where(inf, np.nan, raw) if inf.any() else raw
    if smoothed is not None:  # smoothed already, over the whole line (``_from_line``)
        drawn = smoothed
    else:
        drawn = req.smoothing.apply(xs, clean) if req.smoothing else clean
    finite_x = xs[np.isfinite(xs)]
    x0 = req.x0 if req.x0 is not None else (float(finite_x.min()) if finite_x.size else 0.0)
    x1 = req.x1 if req.x1 is not None else (float(finite_x.max()) if finite_x.size else 1.0)
    keep = m4_indices(xs, clean, x0, x1, max(1, int(req.width)))
    in_range = (xs >= x0) & (xs <= x1)
    return View(x=xs[keep], y=drawn[keep], raw=clean[keep] if req.smoothing else None, values=raw[keep],
                total=total, level=level, pos_inf=xs[np.isposinf(raw) & in_range][:1000],
                neg_inf=xs[np.isneginf(raw) & in_range][:1000],
                restarts=np.empty(0) if restart_x is None else restart_x[:100],
                parts=tuple((name, a[keep]) for name, a in parts))


def _read_derived_view(store, req: ViewRequest) -> View:
    """A view of an expression: computed on every point (cached until an operand changes), then
    decimated like a channel's full points, so a zoom never changes its values."""
    s = derived.compute(store, req.project, req.experiment, req.channel)
    ft = s.t[np.isfinite(s.t)] if req.x_axis == "relative" else s.t[:0]
    xs, y = _xs(req.x_axis, s.x, s.t, float(ft.min()) if ft.size else 0.0), s.y
    if req.smoothing:  # smoothed once over every point, cached with the series
        key = (id(store), req.project, req.experiment, req.channel, req.x_axis, req.smoothing)
        ln = smoothing.line(key, (id(s), len(s)), lambda: (xs, y, None), req.smoothing)
        return _from_line(req, ln, len(s.x), s.parts)
    sel, level = _selection(xs, s.summary, req)
    return _decimated(req, xs[sel], y[sel], len(s.x), level, parts=tuple((n, a[sel]) for n, a in s.parts))


def _grew(old_index, index) -> bool:
    """Whether a channel's chunk index is an older one's with points appended: the same chunks,
    the last of them maybe fuller, and maybe new ones after it."""
    if not old_index or len(index) < len(old_index):
        return False
    *whole, last = old_index
    if any(tuple(a) != tuple(b) for a, b in zip(whole, index)):
        return False
    now = tuple(index[len(whole)])
    return now[0] == last[0] and now[1] >= last[1]


def _range_of(xs: np.ndarray, req: ViewRequest) -> tuple[int, int]:
    """Indices [i0, i1) of the requested range and a point on each side, when x is sorted
    (steps always are); else every point."""
    if req.x0 is not None and req.x1 is not None and (req.x_axis == "step" or bool(np.all(xs[1:] >= xs[:-1]))):
        return (max(0, int(np.searchsorted(xs, req.x0, "left")) - 1),
                min(len(xs), int(np.searchsorted(xs, req.x1, "right")) + 1))
    return 0, len(xs)


def _selection(xs: np.ndarray, summary: np.ndarray | None, req: ViewRequest) -> tuple[np.ndarray | slice, str]:
    """Which points of a whole computed line a view decimates: those of the requested range, or
    (zoomed out: more than ``SUMMARY_ABOVE`` a pixel column) its bucket summary's there."""
    i0, i1 = _range_of(xs, req)
    if summary is not None and i1 - i0 > SUMMARY_ABOVE * max(1, int(req.width)):
        return summary[(summary >= i0) & (summary < i1)], "summary"
    return slice(i0, i1), "full"


def _from_line(req: ViewRequest, ln: smoothing.Line, total: int, parts: tuple = ()) -> View:
    """The view of a smoothed line computed once (``smoothing.line``): its range, from its bucket
    summary when zoomed out, then M4; a zoom never smooths again."""
    sel, level = _selection(ln.x, ln.summary, req)
    return _decimated(req, ln.x[sel], ln.y[sel], total, level, ln.restarts,
                      tuple((n, a[sel]) for n, a in parts), smoothed=ln.smoothed[sel])


def read_view(store, req: ViewRequest) -> View:
    if req.x_channel is not None:
        return _read_view_by_channel(store, req)
    if derived.is_bound(req.channel):
        return _read_derived_view(store, req)
    index = store.chunk_index(req.project, req.experiment, req.channel)
    total = sum(r[1] for r in index)
    t_mins = [r[4] for r in index if r[4] is not None]
    t0 = min(t_mins) if t_mins else 0.0
    lo_col, hi_col = (2, 3) if req.x_axis == "step" else (4, 5)
    shift = t0 if req.x_axis == "relative" else 0.0
    if req.x0 is None or req.x1 is None:
        seqs = [r[0] for r in index]
    else:
        hits = [i for i, r in enumerate(index) if r[lo_col] is not None
                and r[lo_col] - shift <= req.x1 and r[hi_col] - shift >= req.x0]
        if hits:  # one chunk more on each side, so lines run to the edges
            first, last = max(0, hits[0] - 1), min(len(index) - 1, hits[-1] + 1)
            seqs = sorted({index[i][0] for i in hits} | {index[first][0], index[last][0]})
        else:
            seqs = []
    width = max(1, int(req.width))
    if req.smoothing and not req.latest:  # smoothed once over every point, cached per kind and value
        key = (id(store), req.project, req.experiment, req.channel, req.x_axis, req.smoothing)

        def load():
            s = store.read_chunks(req.project, req.experiment, req.channel)
            xs = _xs(req.x_axis, s.x, s.t, t0)
            return xs, s.y, xs[restarts(s.x)]

        def appended(old_version, old):
            """The points logged since ``old`` (a live run grows), or None if it changed otherwise."""
            if req.x_axis != "step" or not _grew(old_version, index):
                return None
            s = store.read(req.project, req.experiment, req.channel, start=len(old.x))
            if len(s.x) != total - len(old.x):
                return None
            back = restarts(np.concatenate([old.x[-1:], s.x]))
            return s.x, s.y, s.x[back - 1] if len(old.x) else s.x[back]

        version = tuple(map(tuple, index))
        return _from_line(req, smoothing.line(key, version, load, req.smoothing, appended), total)
    in_view = _points_in_range(index, set(seqs), lo_col, hi_col, shift, req.x0, req.x1)
    summary = not req.smoothing and not req.latest and in_view > SUMMARY_ABOVE * width
    if req.smoothing or req.latest:  # the EMA, and which writes are the latest, need every point
        s = store.read_chunks(req.project, req.experiment, req.channel)
    else:
        s = store.read_chunks(req.project, req.experiment, req.channel, seqs, summary=summary)
    xs = _xs(req.x_axis, s.x, s.t, t0)
    back = restarts(s.x)
    restart_x = xs[back]
    y = s.y
    if req.latest and len(back):
        keep = latest_writes(s.x)
        xs, y = xs[keep], y[keep]
    return _decimated(req, xs, y, total, "summary" if summary else "full", restart_x)
