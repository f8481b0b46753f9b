"""The point codec: float64 arrays <-> blobs, chunking and per-chunk summaries.

Blobs are little-endian float64 (``tobytes`` / ``frombuffer``), so NaN payloads, +/-inf and -0.0
survive bit for bit.
"""
from __future__ import annotations

from typing import Iterator

import numpy as np

from ..errors import InvalidInput

#: Points per chunk row. 64 Ki points = 512 KiB per array: large enough that a 10M-point channel
#: is ~150 rows, small enough that an append rewrites little.
CHUNK_POINTS = 65536

_LE = np.dtype("<f8")


def as_points(values, what: str) -> np.ndarray:
    """A 1-D float64 array of ``values``; a clear error for anything that is not numbers."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} must be numbers: {exc}") from None
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


def chunk_row(seq: int, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> dict:
    return {"seq": seq, "n": len(x), "x": encode(x), "y": encode(y), "t": encode(t), **summary(x, y)}


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
