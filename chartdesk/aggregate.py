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

from .decimate import last_per_step
from .errors import InvalidInput
from .model import SeriesRef
from .resolver import resolve

BANDS = ("std", "sem", "minmax")


@dataclass(frozen=True)
class Aggregate:
    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray       # runs counted at each x
    runs: tuple[str, ...]       # the runs that had the series
    channels: tuple[str | None, ...]  # what the ref meant in each run (None: nothing)


BLOCK = 1 << 18  # steps per block: runs x block values at a time


def combine(series: Sequence[tuple[np.ndarray, np.ndarray]], band: str = "std") -> tuple[np.ndarray, ...]:
    """(x, mean, lo, hi, n) of several (x, y) series matched by step."""
    if band not in BANDS:
        raise InvalidInput(f"band must be one of {', '.join(BANDS)}, not {band!r}")
    prepared = [last_per_step(np.asarray(x, float), np.asarray(y, float)) for x, y in series]
    prepared = [(x[np.isfinite(x)], y[np.isfinite(x)]) for x, y in prepared]
    if not prepared:
        e = np.empty(0)
        return e, e.copy(), e.copy(), e.copy(), np.empty(0, dtype=np.int64)
    # Seeds usually log the same steps (some stopping early): then the longest run's steps are the
    # union, and each run's are a prefix of them. Otherwise: the sorted union of all.
    base = max((x for x, _y in prepared), key=len)
    prefix = all(np.array_equal(base[:len(x)], x) for x, _y in prepared)
    xs = base if prefix else np.unique(np.concatenate([x for x, _y in prepared]))
    positions = [np.arange(len(x)) if prefix else np.searchsorted(xs, x) for x, _y in prepared]
    mean = np.full(len(xs), np.nan)
    lo = np.full(len(xs), np.nan)
    hi = np.full(len(xs), np.nan)
    n = np.zeros(len(xs), dtype=np.int64)
    # A runs x steps matrix, a block of steps at a time: every statistic is a column reduction.
    for start in range(0, len(xs), BLOCK):
        stop = min(len(xs), start + BLOCK)
        m = np.full((len(prepared), stop - start), np.nan)
        for r, ((_x, y), pos) in enumerate(zip(prepared, positions)):
            a, b = np.searchsorted(pos, [start, stop])
            m[r, pos[a:b] - start] = y[a:b]
        m[~np.isfinite(m)] = np.nan
        with np.errstate(invalid="ignore", divide="ignore"):
            cnt = np.sum(~np.isnan(m), axis=0)
            mu = np.nansum(m, axis=0) / np.maximum(cnt, 1)
            mu[cnt == 0] = np.nan
            std = np.sqrt(np.nansum((m - mu) ** 2, axis=0) / np.maximum(cnt, 1))  # population (ddof=0)
            if band == "std":
                l, h = mu - std, mu + std
            elif band == "sem":
                sem = std / np.sqrt(np.maximum(cnt, 1))
                l, h = mu - sem, mu + sem
            else:
                filled_lo = np.where(np.isnan(m), np.inf, m).min(axis=0)
                filled_hi = np.where(np.isnan(m), -np.inf, m).max(axis=0)
                l = np.where(cnt > 0, filled_lo, np.nan)
                h = np.where(cnt > 0, filled_hi, np.nan)
        n[start:stop] = cnt
        mean[start:stop] = mu
        lo[start:stop] = np.where(cnt > 0, l, np.nan)
        hi[start:stop] = np.where(cnt > 0, h, np.nan)
    return xs, mean, lo, hi, n


def aggregate(store, project: str, experiments: Sequence[str], ref: str, band: str = "std") -> Aggregate:
    if isinstance(experiments, str):
        raise InvalidInput("experiments must be a list of names, not one string")
    r = ref if isinstance(ref, SeriesRef) else SeriesRef.parse(ref)
    aliases = store.aliases(project) if r.kind == "alias" else {}
    if r.kind == "alias" and r.name not in aliases:
        raise InvalidInput(f"unknown alias {r.name!r} in project {project!r}")
    pins = store.pins(project) if r.kind == "alias" else {}
    series, runs, chans = [], [], []
    for exp in experiments:
        names = set(store.channels(project, exp))
        ch = (resolve(aliases[r.name], names, pins.get(exp, {}).get(r.name)) if r.kind == "alias"
              else (r.name if r.name in names else None))
        chans.append(ch)
        if ch is None:
            continue
        s = store.read(project, exp, ch)
        series.append((s.x, s.y))
        runs.append(exp)
    x, mean, lo, hi, n = combine(series, band)
    return Aggregate(x, mean, lo, hi, n, tuple(runs), tuple(chans))
