"""Schema migrations: ``MIGRATIONS[v]`` lifts a store from version ``v`` to ``v + 1``.

Each migration runs inside the same write transaction that records the new version, so a store
is either wholly migrated or untouched.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.engine import Connection

def _v1_to_v2(conn: Connection) -> None:
    """Add each chunk's wall-time range and its bucket summary, computed from its points."""
    from sqlalchemy import text

    from . import points as P
    from .schema import chunk_summaries

    for col in ("t_min", "t_max"):
        conn.execute(text(f"ALTER TABLE chunks ADD COLUMN {col} FLOAT"))
    chunk_summaries.create(conn)
    keys = conn.execute(text("SELECT channel_id, seq FROM chunks")).all()
    for cid, seq in keys:
        xb, yb, tb = conn.execute(text("SELECT x, y, t FROM chunks WHERE channel_id = :c AND seq = :s"),
                                  {"c": cid, "s": seq}).one()
        row, summ = P.chunk_row(seq, P.decode(xb), P.decode(yb), P.decode(tb))
        conn.execute(text("UPDATE chunks SET t_min = :t_min, t_max = :t_max WHERE channel_id = :c AND seq = :s"),
                     {"t_min": row["t_min"], "t_max": row["t_max"], "c": cid, "s": seq})
        conn.execute(chunk_summaries.insert().values(channel_id=cid, **summ))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2}


def migrate(conn: Connection, from_version: int, to_version: int) -> None:
    for v in range(from_version, to_version):
        step = MIGRATIONS.get(v)
        if step is None:
            raise RuntimeError(f"no migration from schema version {v} to {v + 1}")
        step(conn)
