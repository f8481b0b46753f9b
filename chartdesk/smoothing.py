"""Smoothing of a chart's lines: the kinds, each as its peer computes it, and the cache that
computes a channel's smoothed line once per kind and parameter.

Kinds (``Smoothing(kind, value)``; a value of 0 is no smoothing):
- ``ema``: TensorBoard's debiased exponential moving average, weight 0 <= w < 1 (``decimate.ema``);
- ``twema``: W&B's time-weighted EMA (its default), parameter 0 <= p < 1: the weight
  ``min(sqrt(p), 0.999)`` raised to each point's x distance from the one before, as a share of
  the x range times ``VIEWPORT_SCALE``, debiased; so lines with more or fewer points per unit of x
  are smoothed alike;
- ``sma`` and ``cma``: the mean of a window of n points (n >= 2), trailing (the point and the n - 1
  before it) or centred (as pandas ``rolling(n, center=True)``), over the points there are (the
  first ones average fewer);
- ``gauss``: a gaussian kernel of standard deviation sigma points (> 0), cut at 4 sigma as
  scipy's ``gaussian_filter1d``, each point the weighted mean of the points there are (at the ends
  and beside NaN the weights of the points present are normalised, as W&B's weighted average).
Non-finite values are kept where they are and skipped by every kind (a NaN is a gap, not a zero).
Plain numpy, no Qt.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .caches import VersionedCache
from .decimate import bucket_indices, ema
from .errors import InvalidInput

#: The kinds and how a chart's menu and header name them.
KINDS = {"ema": "EMA", "twema": "time-weighted EMA", "sma": "moving average", "cma": "centred moving average",
         "gauss": "gaussian"}
#: What the value of each kind is.
VALUES = {"ema": "a number in [0, 1)", "twema": "a number in [0, 1)",
          "sma": "a whole number of points of 2 or more (the window)",
          "cma": "a whole number of points of 2 or more (the window)", "gauss": "a number of points above 0 (sigma)"}
#: W&B's time-weighted EMA measures each step of x as a share of the whole x range times this.
VIEWPORT_SCALE = 1000.0
#: A gaussian kernel is cut at this many standard deviations (scipy's default ``truncate``).
TRUNCATE = 4.0
BUCKET = 256  # points per bucket of a cached line's summary (as the store's chunks)


@dataclass(frozen=True)
class Smoothing:
    """How a line is smoothed: a kind of ``KINDS`` and its value (0: not smoothed)."""

    kind: str = "ema"
    value: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.value)

    def check(self, what: str = "smoothing") -> Smoothing:
        """This smoothing, or ``InvalidInput`` saying what the kind's value must be."""
        if self.kind not in KINDS:
            raise InvalidInput(f"{what} kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        v = self.value
        number = not isinstance(v, bool) and isinstance(v, (int, float)) and math.isfinite(v) and v >= 0
        if not number or (v and not _fits(self.kind, v)):
            kind = "" if self.kind == "ema" else f" for {self.kind}"
            raise InvalidInput(f"{what} must be {VALUES[self.kind]}{kind}, not {v!r}")
        return self

    def label(self) -> str:
        """How a chart's header names it: ``EMA 0.95``, ``moving average 20``."""
        if not self:
            return ""
        v = int(self.value) if self.kind in ("sma", "cma") else self.value
        return f"{KINDS[self.kind]} {v:g}" if self.kind != "gauss" else f"gaussian σ={v:g}"

    def apply(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The smoothed values of points (x in the chart's units, y with NaN for gaps)."""
        y = np.asarray(y, dtype=np.float64)
        if not self or len(y) == 0:
            return y.copy()
        if self.kind == "ema":
            return ema(y, self.value)
        if self.kind == "twema":
            return twema(np.asarray(x, dtype=np.float64), y, self.value)
        if self.kind in ("sma", "cma"):
            return moving_average(y, int(self.value), centred=self.kind == "cma")
        return gaussian(y, float(self.value))


def _fits(kind: str, v: float) -> bool:
    if kind in ("ema", "twema"):
        return v < 1.0
    if kind in ("sma", "cma"):
        return v == int(v) and v >= 2
    return True


def _recurrence(y: np.ndarray, log_a: np.ndarray) -> np.ndarray:
    """s_i = a_i s_(i-1) + y_i (s_(-1) = 0) with a_i = exp(log_a_i) <= 1, vectorised in blocks
    over which the accumulated decay stays within float range."""
    n = len(y)
    out = np.empty(n)
    cum = np.cumsum(log_a)  # non-increasing
    start, carry = 0, 0.0
    while start < n:
        # the block: while the decay since its start stays above e^-500
        stop = int(np.searchsorted(-cum, -cum[start] + 500.0, side="right"))
        stop = max(stop, start + 1)
        c = cum[start:stop] - cum[start]  # <= 0, >= -500
        w = np.exp(-c)  # 1 .. e^500
        acc = np.cumsum(y[start:stop] * w)
        decay = np.exp(c)
        out[start:stop] = decay * (carry * math.exp(log_a[start]) + acc)
        carry = out[stop - 1]
        start = stop
    return out


def twema(x: np.ndarray, y: np.ndarray, param: float) -> np.ndarray:
    """W&B's time-weighted EMA (see the module's docstring); non-finite points are kept where
    they are and skipped."""
    out = y.copy()
    ok = np.isfinite(y) & np.isfinite(x)
    xs, v = x[ok], y[ok]
    if len(v) == 0:
        return out
    weight = min(math.sqrt(param), 0.999)
    span = float(xs[-1] - xs[0]) if len(xs) > 1 else 0.0
    dx = np.empty(len(xs))
    dx[0] = 0.0
    dx[1:] = np.diff(xs)
    change = dx / span * VIEWPORT_SCALE if span > 0 else np.zeros(len(xs))
    log_a = change * math.log(weight) if weight > 0 else np.where(change > 0, -np.inf, 0.0)
    log_a = np.maximum(log_a, -700.0)  # a step so long that the past is forgotten
    out[ok] = _recurrence(v, log_a) / _recurrence(np.ones(len(v)), log_a)
    return out


def moving_average(y: np.ndarray, n: int, centred: bool = False) -> np.ndarray:
    """The mean of the finite values among each window of n points: the point and the n - 1
    before it, or (centred) as pandas ``rolling(n, center=True, min_periods=1)`` places it; NaN
    where a window holds none; non-finite points stay where they are."""
    finite = np.isfinite(y)
    vals = np.where(finite, y, 0.0)
    csum = np.concatenate(([0.0], np.cumsum(vals)))
    ccount = np.concatenate(([0], np.cumsum(finite)))
    idx = np.arange(len(y))
    start = idx - (n // 2 if centred else n - 1)  # the window [start, start + n), cut at the ends
    lo, hi = np.maximum(start, 0), np.minimum(start + n, len(y))
    count = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (csum[hi] - csum[lo]) / count
    out = np.where(count > 0, mean, np.nan)
    return np.where(finite, out, y)


def gaussian(y: np.ndarray, sigma: float) -> np.ndarray:
    """Each finite point the gaussian-weighted mean of the finite points within 4 sigma."""
    radius = int(TRUNCATE * sigma + 0.5)
    if radius < 1:
        return y.copy()
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    finite = np.isfinite(y)
    vals = np.where(finite, y, 0.0)
    num = _convolve(vals, k)
    den = _convolve(finite.astype(np.float64), k)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    return np.where(finite, out, y)


def _convolve(a: np.ndarray, k: np.ndarray) -> np.ndarray:
    """``numpy.convolve(a, k, 'same')`` for an odd kernel, by FFT when the kernel is long."""
    if len(k) <= 64 or len(a) <= 64:
        return np.convolve(a, k, mode="same")
    size = len(a) + len(k) - 1
    fft = 1 << (size - 1).bit_length()
    full = np.fft.irfft(np.fft.rfft(a, fft) * np.fft.rfft(k, fft), fft)[:size]
    r = len(k) // 2
    return full[r:r + len(a)]


# ---- computed once per line -------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    """A whole line in a chart's x units: x, the values, the smoothed values (±inf skipped) and
    the indices of its bucket summary (what a zoomed-out view draws)."""

    x: np.ndarray
    y: np.ndarray       # as logged (±inf kept: the view marks them)
    smoothed: np.ndarray
    summary: np.ndarray
    restarts: np.ndarray | None = None  # x where the steps went back (a resumed run)


def _line_bytes(line: Line) -> int:
    return sum(a.nbytes for a in (line.x, line.y, line.smoothed, line.summary))


#: Smoothed lines by run, channel, x axis and smoothing, kept while the channel's chunks are unchanged.
CACHE = VersionedCache(_line_bytes, 384 << 20)
#: Kinds whose line is extended in place when points are appended (the others depend on points
#: after each one, or on the whole x range, and are smoothed again whole).
EXTENDABLE = ("ema", "sma")


def extend(old: Line, x: np.ndarray, y: np.ndarray, smoothing: Smoothing, restarts: np.ndarray | None = None
           ) -> Line:
    """``old`` with the points (x, y) appended: the average carried on from where it stood (EMA:
    its accumulator; a trailing moving average: the window's last points), the bucket summary
    redone from the last whole bucket only. The result equals smoothing everything again."""
    clean = np.where(np.isinf(y), np.nan, y)
    if not len(y):
        return old
    old_clean = np.where(np.isinf(old.y), np.nan, old.y)
    if smoothing.kind == "ema":
        finite = np.isfinite(old.smoothed) & np.isfinite(old_clean)
        count = int(np.count_nonzero(np.isfinite(old_clean)))
        last = float(old.smoothed[finite][-1]) if finite.any() else 0.0
        w = float(smoothing.value)
        tail = ema(clean, w, carry=last * (1.0 - w ** count), count=count)
    else:  # sma: the new points' windows reach n - 1 points back
        n = int(smoothing.value)
        back = old_clean[max(0, len(old_clean) - (n - 1)):]
        tail = moving_average(np.concatenate([back, clean]), n)[len(back):]
    xs = np.concatenate([old.x, x])
    ys = np.concatenate([old.y, y])
    cut = (len(old.x) // BUCKET) * BUCKET  # buckets before it are whole and unchanged
    keep = old.summary[old.summary < cut]
    summary = np.concatenate([keep, bucket_indices(np.where(np.isinf(ys[cut:]), np.nan, ys[cut:]), BUCKET) + cut])
    back_x = old.restarts if restarts is None or old.restarts is None else np.concatenate([old.restarts, restarts])
    return Line(xs, ys, np.concatenate([old.smoothed, tail]), summary, back_x)


def line(key: tuple, version: tuple, load, smoothing: Smoothing, appended=None) -> Line:
    """The cached line of ``key`` at ``version``, or the one ``load()`` reads now as (x, y,
    restarts), smoothed and summarised and kept. ``appended(old_version, old_line)`` may give the
    points appended since the cached line as (x, y, restarts), or None when the channel changed
    otherwise: the line is then extended in place (``extend``) for the kinds that allow it."""
    hit = CACHE.get(key, version)
    if hit is not None:
        return hit
    held = CACHE.peek(key) if appended is not None and smoothing.kind in EXTENDABLE else None
    more = appended(*held) if held is not None else None
    if more is not None:
        out = extend(held[1], more[0], more[1], smoothing, more[2])
        CACHE.put(key, version, out)
        return out
    x, y, back = load()
    clean = np.where(np.isinf(y), np.nan, y)
    out = Line(x, y, smoothing.apply(x, clean), bucket_indices(clean, BUCKET), back)
    CACHE.put(key, version, out)
    return out
