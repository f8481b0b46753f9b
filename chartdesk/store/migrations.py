"""Schema migrations: ``MIGRATIONS[v]`` lifts a store from version ``v`` to ``v + 1``.

Each migration runs inside the same write transaction that records the new version, so a store
is either wholly migrated or untouched.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.engine import Connection

def _v1_to_v2(conn: Connection) -> None:
    """Add each chunk's wall-time range and bucket summary, computed from its points."""
    from sqlalchemy import text

    from . import points as P

    for col, kind in (("t_min", "FLOAT"), ("t_max", "FLOAT"), ("sx", "BLOB"), ("sy", "BLOB"), ("st", "BLOB")):
        conn.execute(text(f"ALTER TABLE chunks ADD COLUMN {col} {kind}"))
    keys = conn.execute(text("SELECT channel_id, seq FROM chunks")).all()
    for cid, seq in keys:
        n, xb, yb, tb = conn.execute(text("SELECT n, x, y, t FROM chunks WHERE channel_id = :c AND seq = :s"),
                                     {"c": cid, "s": seq}).one()
        row = P.chunk_row(seq, P.decode(xb), P.decode(yb), P.decode(tb))
        conn.execute(text("UPDATE chunks SET t_min = :t_min, t_max = :t_max, sx = :sx, sy = :sy, st = :st "
                          "WHERE channel_id = :c AND seq = :s"),
                     {k: row[k] for k in ("t_min", "t_max", "sx", "sy", "st")} | {"c": cid, "s": seq})


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def migrate(conn: Connection, from_version: int, to_version: int) -> None:
    for v in range(from_version, to_version):
        step = MIGRATIONS.get(v)
        if step is None:
            raise RuntimeError(f"no migration from schema version {v} to {v + 1}")
        step(conn)
