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


def combine(series: Sequence[tuple[np.ndarray, np.ndarray]], band: str = "std") -> tuple[np.ndarray, ...]:
    """(x, mean, lo, hi, n) of several (x, y) series matched by step."""
    if band not in BANDS:
        raise InvalidInput(f"band must be one of {', '.join(BANDS)}, not {band!r}")
    prepared = [last_per_step(np.asarray(x, float), np.asarray(y, float)) for x, y in series]
    prepared = [(x[np.isfinite(x)], y[np.isfinite(x)]) for x, y in prepared]
    if not prepared:
        e = np.empty(0)
        return e, e.copy(), e.copy(), e.copy(), np.empty(0, dtype=np.int64)
    xs = np.unique(np.concatenate([x for x, _y in prepared]))
    total = np.zeros(len(xs))
    total_sq = np.zeros(len(xs))
    n = np.zeros(len(xs), dtype=np.int64)
    lo = np.full(len(xs), np.inf)
    hi = np.full(len(xs), -np.inf)
    values = []
    for x, y in prepared:
        idx = np.searchsorted(xs, x)
        ok = np.isfinite(y)
        idx, v = idx[ok], y[ok]
        total[idx] += v
        n[idx] += 1
        np.minimum.at(lo, idx, v)
        np.maximum.at(hi, idx, v)
        values.append((idx, v))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, total / np.maximum(n, 1), np.nan)
        for idx, v in values:  # a second pass: the deviations, not sum of squares (no cancellation)
            total_sq[idx] += (v - mean[idx]) ** 2
        std = np.where(n > 0, np.sqrt(total_sq / np.maximum(n, 1)), np.nan)
        if band == "std":
            lo, hi = mean - std, mean + std
        elif band == "sem":
            sem = std / np.sqrt(np.maximum(n, 1))
            lo, hi = mean - sem, mean + sem
        else:
            lo = np.where(n > 0, lo, np.nan)
            hi = np.where(n > 0, hi, np.nan)
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
