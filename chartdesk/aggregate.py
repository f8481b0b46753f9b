"""Seed groups: one series (a channel, or an alias resolved per run) over several runs, matched by
step, as a mean and a band. Exact on the full data, never on decimated views. Plain numpy.

At each step any of the runs has (sorted), the runs with a finite point at that step count (n);
a run with several points at one step contributes its last one. Bands: ``std`` is the mean -/+
the population standard deviation (ddof=0), ``sem`` the mean -/+ std / sqrt(n), ``minmax`` the
lowest and highest value.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import derived
from .decimate import last_per_step
from .errors import InvalidInput
from .model import BANDS, SeriesRef
from .resolver import resolve_series


@dataclass(frozen=True)
class Aggregate:
    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray       # runs counted at each x
    runs: tuple[str, ...]       # the runs that had the series
    channels: tuple[str | None, ...]  # what the ref meant in each run (None: nothing)


def combine(series: Sequence[tuple[np.ndarray, np.ndarray]], band: str = "std") -> tuple[np.ndarray, ...]:
    """(x, mean, lo, hi, n) of several (x, y) series matched by step."""
    if band not in BANDS:
        raise InvalidInput(f"band must be one of {', '.join(BANDS)}, not {band!r}")
    prepared = [last_per_step(np.asarray(x, float), np.asarray(y, float)) for x, y in series]
    prepared = [(x, y) if np.isfinite(x).all() else (x[np.isfinite(x)], y[np.isfinite(x)]) for x, y in prepared]
    if not prepared:
        e = np.empty(0)
        return e, e.copy(), e.copy(), e.copy(), np.empty(0, dtype=np.int64)
    # Seeds usually log the same steps (some stopping early): then the longest run's steps are the
    # union, and each run's are a prefix of them (slices, no index arrays). Otherwise: the sorted union.
    base = max((x for x, _y in prepared), key=len)
    prefix = all(np.array_equal(base[:len(x)], x) for x, _y in prepared)
    xs = base if prefix else np.unique(np.concatenate([x for x, _y in prepared]))
    size = len(xs)
    n = np.zeros(size, dtype=np.int64)
    mean = np.zeros(size)
    m2 = np.zeros(size)  # sum of squared deviations from the mean (Welford, one run at a time)
    if band == "minmax":
        lo, hi = np.full(size, np.inf), np.full(size, -np.inf)
    # Scratch buffers, reused for every run: a fresh temporary per operation costs a page fault per
    # 4 KB on first touch, which is most of the time of this loop on a 1M-step group.
    d_buf, t_buf = np.empty(size), np.empty(size)
    for x, y in prepared:
        finite = np.isfinite(y)
        if prefix and finite.all():  # the common case: a slice of every array
            k = len(y)
            nn, mu, sq, v = n[:k], mean[:k], m2[:k], y
            nn += 1
            delta = np.subtract(v, mu, out=d_buf[:k])
            mu += np.divide(delta, nn, out=t_buf[:k])
            np.subtract(v, mu, out=t_buf[:k])
            t_buf[:k] *= delta
            sq += t_buf[:k]
            if band == "minmax":
                np.minimum(lo[:k], v, out=lo[:k])
                np.maximum(hi[:k], v, out=hi[:k])
            continue
        where = np.flatnonzero(finite) if prefix else np.searchsorted(xs, x[finite])
        v = y[finite]
        n[where] += 1
        delta = v - mean[where]
        mean[where] += delta / n[where]
        m2[where] += delta * (v - mean[where])
        if band == "minmax":
            lo[where] = np.minimum(lo[where], v)
            hi[where] = np.maximum(hi[where], v)
    empty = n == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        if band != "minmax":
            spread = np.sqrt(np.maximum(m2, 0.0) / np.maximum(n, 1))  # population std (ddof=0)
            if band == "sem":
                spread /= np.sqrt(np.maximum(n, 1))
            lo, hi = mean - spread, mean + spread
    mean[empty] = np.nan
    lo[empty] = np.nan
    hi[empty] = np.nan
    return xs, mean, lo, hi, n


def aggregate(store, project: str, experiments: Sequence[str], ref: str, band: str = "std") -> Aggregate:
    if isinstance(experiments, str):
        raise InvalidInput("experiments must be a list of names, not one string")
    r = ref if isinstance(ref, SeriesRef) else SeriesRef.parse(ref)
    aliases = store.aliases(project) if r.kind != "channel" else {}
    if r.kind == "alias" and r.name not in aliases:
        raise InvalidInput(f"unknown alias {r.name!r} in project {project!r}")
    if r.kind == "expr":
        derived.check(r.name, aliases)
    pins = store.pins(project) if r.kind != "channel" else {}
    series, runs, chans = [], [], []
    for exp in experiments:
        names = set(store.channels(project, exp))
        ch = resolve_series(r.kind, r.name, names, aliases, pins.get(exp, {}))
        chans.append(ch)
        if ch is None:
            continue
        s = derived.read(store, project, exp, ch)
        series.append((s.x, s.y))
        runs.append(exp)
    x, mean, lo, hi, n = combine(series, band)
    return Aggregate(x, mean, lo, hi, n, tuple(runs), tuple(chans))
