"""The point codec: float64 arrays <-> blobs, chunking and per-chunk summaries.

Blobs are little-endian float64 (``tobytes`` / ``frombuffer``), so NaN payloads, +/-inf and -0.0
survive bit for bit. Each chunk also keeps a *bucket summary*: for every ``BUCKET`` consecutive
points, the first, last, lowest and highest point (and the first NaN and infinity, which must stay
visible), in logged order. A zoomed-out view decimates those instead of every point.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..errors import InvalidInput

#: Points per chunk row. 64 Ki points = 512 KiB per array: large enough that a 10M-point channel
#: is ~150 rows, small enough that an append rewrites little.
CHUNK_POINTS = 65536
#: Points per summary bucket: the summary is about 1/64 of the points.
BUCKET = 256

_LE = np.dtype("<f8")


def as_points(values, what: str) -> np.ndarray:
    """A 1-D float64 array of ``values``; a clear error for anything that is not numbers."""
    if values is None or isinstance(values, (str, bytes, dict)):
        raise InvalidInput(f"{what} must be numbers, not {type(values).__name__}")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidInput(f"{what} must be numbers ({str(exc).splitlines()[0][:80]})") from None
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InvalidInput(f"{what} must be one-dimensional, got shape {arr.shape}")
    return arr


def encode(arr: np.ndarray) -> bytes:
    return np.ascontiguousarray(arr, dtype=_LE).tobytes()


def decode(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=_LE)


def summary(x: np.ndarray, y: np.ndarray) -> dict:
    """x range and finite y range of a chunk (None where there is nothing finite)."""
    fx = x[np.isfinite(x)]
    fy = y[np.isfinite(y)]
    return {
        "x_min": float(fx.min()) if fx.size else None,
        "x_max": float(fx.max()) if fx.size else None,
        "y_min": float(fy.min()) if fy.size else None,
        "y_max": float(fy.max()) if fy.size else None,
    }


def bucket_indices(y: np.ndarray, bucket: int = BUCKET) -> np.ndarray:
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


def chunk_row(seq: int, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> tuple[dict, dict]:
    """The ``chunks`` row and the ``chunk_summaries`` row of one chunk."""
    keep = bucket_indices(y)
    ft = t[np.isfinite(t)]
    ranges = summary(x, y)
    row = {"seq": seq, "n": len(x), "x": encode(x), "y": encode(y), "t": encode(t), **ranges}
    return row, {"seq": seq, "n": len(x), "x_min": ranges["x_min"], "x_max": ranges["x_max"],
                 "t_min": float(ft.min()) if ft.size else None, "t_max": float(ft.max()) if ft.size else None,
                 "sx": encode(x[keep]), "sy": encode(y[keep]), "st": encode(t[keep])}


def split(x: np.ndarray, y: np.ndarray, t: np.ndarray, first_room: int,
          size: int = CHUNK_POINTS) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Cut the arrays into pieces: the first of ``first_room`` points, then ``size`` each."""
    start = 0
    n = len(x)
    room = first_room if first_room > 0 else size
    while start < n:
        stop = min(n, start + room)
        yield x[start:stop], y[start:stop], t[start:stop]
        start = stop
        room = size
