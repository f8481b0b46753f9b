"""Numerics on series: TensorBoard-style debiased EMA smoothing, per-pixel min/max (M4), the
last point per step (matching series by step), and where a resumed run's steps go back.

Pure numpy; no Qt.
"""
from __future__ import annotations

import math

import numpy as np


def ema(y: np.ndarray, weight: float, carry: float = 0.0, count: int = 0) -> np.ndarray:
    """Debiased exponential moving average, as TensorBoard draws it.

    Non-finite values are kept where they are and skipped by the average. Vectorised in blocks:
    inside a block ``s_i = w^(i+1) c + (1-w) w^i cumsum(y_k w^-k)``, with the block small enough
    that ``w^-k`` stays finite. ``carry`` and ``count`` continue an average: its accumulator
    (the last smoothed value times ``1 - w^count``) after ``count`` finite values.
    """
    y = np.asarray(y, dtype=np.float64)
    w = float(weight)
    if w <= 0.0 or len(y) == 0:
        return y.copy()
    if not w < 1.0:
        raise ValueError(f"smoothing weight must be below 1, not {w}")
    out = y.copy()
    finite = np.isfinite(y)
    v = y[finite]
    n = len(v)
    if n == 0:
        return out
    block = int(np.clip(200.0 / max(1e-12, -math.log10(w)), 1, 1024))
    acc = np.empty(n)
    for start in range(0, n, block):
        seg = v[start:start + block]
        k = np.arange(len(seg), dtype=np.float64)
        wk = w ** k
        s = (w * wk) * carry + (1.0 - w) * wk * np.cumsum(seg / wk)
        acc[start:start + len(seg)] = s
        carry = s[-1]
    debias = 1.0 - w ** np.arange(count + 1, count + n + 1, dtype=np.float64)
    out[finite] = acc / debias
    return out


def m4(x: np.ndarray, y: np.ndarray, x0: float, x1: float, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The points ``m4_indices`` keeps."""
    keep = m4_indices(x, y, x0, x1, width)
    return np.asarray(x)[keep], np.asarray(y)[keep]


def m4_indices(x: np.ndarray, y: np.ndarray, x0: float, x1: float, width: int) -> np.ndarray:
    """Indices to keep: per pixel column of ``[x0, x1]`` split ``width`` ways, the first, last, min and max point.

    Works on irregular, unsorted x: points keep their logged order inside and across columns, so
    the polyline drawn through the result has the same pixels as the one through all points. NaN
    values are kept (they break the line); points outside ``[x0, x1]`` are dropped except the
    nearest one on each side, so lines run to the edges.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    n = len(x)
    if n <= 4 * max(1, width) or not (x1 > x0):
        return np.arange(n)
    inside = (x >= x0) & (x <= x1)
    idx = np.flatnonzero(inside)
    if len(idx) == 0:
        return idx
    extra = []
    if idx[0] > 0:
        extra.append(idx[0] - 1)
    if idx[-1] < n - 1:
        extra.append(idx[-1] + 1)
    col = np.minimum(((x[idx] - x0) / (x1 - x0) * width).astype(np.int64), width - 1)
    # Runs of consecutive indices in one column (logged order) are the unit of reduction.
    brk = np.flatnonzero((np.diff(col) != 0) | (np.diff(idx) != 1)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [len(idx)]])
    yy = y[idx]
    nan = np.isnan(yy)
    keep = np.zeros(len(idx), dtype=bool)
    keep[starts] = True
    keep[ends - 1] = True
    keep |= nan  # NaN gaps stay gaps
    big = len(starts) < len(idx)
    if big:
        ymask_lo = np.where(nan, np.inf, yy)
        ymask_hi = np.where(nan, -np.inf, yy)
        lo = np.minimum.reduceat(ymask_lo, starts)
        hi = np.maximum.reduceat(ymask_hi, starts)
        run_id = np.repeat(np.arange(len(starts)), ends - starts)
        first_lo = _first_match(yy == lo[run_id], run_id, len(starts))
        first_hi = _first_match(yy == hi[run_id], run_id, len(starts))
        keep[first_lo[first_lo >= 0]] = True
        keep[first_hi[first_hi >= 0]] = True
    sel = np.concatenate([idx[keep], np.array(extra, dtype=np.int64)])
    sel.sort()
    return sel


def _first_match(mask: np.ndarray, run_id: np.ndarray, runs: int) -> np.ndarray:
    out = np.full(runs, -1, dtype=np.int64)
    pos = np.flatnonzero(mask)
    # the first True per run: reverse assignment keeps the smallest index
    out[run_id[pos[::-1]]] = pos[::-1]
    return out


def last_per_step(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique steps and, for each, the value of the last point logged at that step."""
    if len(x) < 2:
        return x, y
    step = np.diff(x)
    if bool(np.all(step > 0)):  # one point per step, in order (the usual case): nothing to copy
        return x, y
    if bool(np.all(step >= 0)):  # in step order: no sort
        xs, ys = x, y
    else:
        order = np.argsort(x, kind="stable")
        xs, ys = x[order], y[order]
    last = np.ones(len(xs), dtype=bool)
    last[:-1] = xs[1:] != xs[:-1]
    return xs[last], ys[last]


def restarts(x: np.ndarray) -> np.ndarray:
    """Indices of the points where the steps go back (a run resumed from an earlier checkpoint)."""
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 2:
        return np.empty(0, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        return np.flatnonzero(x[1:] < x[:-1]) + 1


def latest_writes(x: np.ndarray) -> np.ndarray:
    """Mask of the points a resumed run's *latest write per step* keeps, as TensorBoard's dashboard
    shows it: a point stays only if every point logged after it has a larger step, so when the
    steps go back to s, what was logged before at s and after is replaced by the new points."""
    x = np.asarray(x, dtype=np.float64)
    keep = np.ones(len(x), dtype=bool)
    if len(x) < 2:
        return keep
    later_min = np.minimum.accumulate(x[::-1])[::-1]  # the smallest step at or after each point
    with np.errstate(invalid="ignore"):
        keep[:-1] = x[:-1] < later_min[1:]
    return keep


def bucket_indices(y: np.ndarray, bucket: int) -> np.ndarray:
    """Sorted indices of each bucket's first, last, min and max point, plus its first NaN and
    its first +inf and -inf (so gaps and infinities survive summarising)."""
    n = len(y)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.arange(0, n, bucket)
    ends = np.minimum(starts + bucket, n)
    nan = np.isnan(y)
    lo = np.where(nan, np.inf, y)
    hi = np.where(nan, -np.inf, y)
    pick = [starts, ends - 1]
    if n >= bucket:
        full = (n // bucket) * bucket
        pick.append(np.argmin(lo[:full].reshape(-1, bucket), axis=1) + starts[: full // bucket])
        pick.append(np.argmax(hi[:full].reshape(-1, bucket), axis=1) + starts[: full // bucket])
    if n % bucket:
        tail = starts[-1]
        pick.append(np.array([tail + int(np.argmin(lo[tail:])), tail + int(np.argmax(hi[tail:]))]))
    for special in (nan, np.isposinf(y), np.isneginf(y)):
        if special.any():
            idx = np.flatnonzero(special)
            _, first = np.unique(idx // bucket, return_index=True)
            pick.append(idx[first])
    return np.unique(np.concatenate(pick))
