"""The point codec: float64 arrays <-> blobs, chunking and per-chunk summaries.

Blobs are little-endian float64 (``tobytes`` / ``frombuffer``), so NaN payloads, +/-inf and -0.0
survive bit for bit. Each chunk also keeps a *bucket summary*: for every ``BUCKET`` consecutive
points, the first, last, lowest and highest point (and the first NaN and infinity, which must stay
visible), in logged order. A zoomed-out view decimates those instead of every point.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator

import numpy as np

from ..decimate import bucket_indices
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


#: A column that is an exact arithmetic sequence (steps 0, 1, 2, ...; one wall time for a whole
#: ``log_many``) is stored as its first value, step and length: 25 bytes instead of 8 per point.
#: Raw blobs are 8 bytes a point, so a length that is not a multiple of 8 marks an encoded one.
_ARITH = b"A"
_ARITH_FMT = struct.Struct("<ddq")


def _arith(first: float, step: float, n: int) -> np.ndarray:
    return first + step * np.arange(n, dtype=np.float64)


def encode(arr: np.ndarray) -> bytes:
    arr = np.ascontiguousarray(arr, dtype=_LE)
    n = len(arr)
    if n >= 4:
        first, step = float(arr[0]), float(arr[1] - arr[0])
        if np.isfinite(step) and np.array_equal(_arith(first, step, n).view(np.int64), arr.view(np.int64)):
            return _ARITH + _ARITH_FMT.pack(first, step, n)  # bit for bit what decode computes
    return arr.tobytes()


def decode(blob: bytes) -> np.ndarray:
    if len(blob) % 8 == 0:
        return np.frombuffer(blob, dtype=_LE)
    if blob[:1] == _ARITH and len(blob) == 1 + _ARITH_FMT.size:
        return _arith(*_ARITH_FMT.unpack(blob[1:]))
    raise ValueError(f"a chunk blob of {len(blob)} bytes is in no known encoding")


def is_raw(blob_size: int) -> bool:
    """Whether a blob of this size holds raw points (else an encoding ``decode`` expands)."""
    return blob_size % 8 == 0


def x_range(x: np.ndarray) -> tuple[float | None, float | None]:
    """The finite x range of a chunk (None, None where nothing is finite)."""
    lo, hi = np.nanmin(x) if len(x) else np.nan, np.nanmax(x) if len(x) else np.nan
    if np.isfinite(lo) and np.isfinite(hi):
        return float(lo), float(hi)
    fx = x[np.isfinite(x)]
    return (float(fx.min()), float(fx.max())) if fx.size else (None, None)


def chunk_row(seq: int, x: np.ndarray, y: np.ndarray, t: np.ndarray) -> tuple[dict, dict]:
    """The ``chunks`` row and the ``chunk_summaries`` row of one chunk."""
    keep = bucket_indices(y, BUCKET)
    ft = t[np.isfinite(t)]
    x_min, x_max = x_range(x)
    row = {"seq": seq, "n": len(x), "x": encode(x), "y": encode(y), "t": encode(t)}
    return row, {"seq": seq, "n": len(x), "x_min": x_min, "x_max": x_max,
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
