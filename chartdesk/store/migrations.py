"""Schema migrations: ``MIGRATIONS[v]`` lifts a store from version ``v`` to ``v + 1``.

Each migration runs inside the same write transaction that records the new version, so a store
is either wholly migrated or untouched.
"""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection


def _v1_to_v2(conn: Connection) -> None:
    """Add the chunk_summaries table, computed from every chunk's points."""
    from sqlalchemy import text

    from . import points as P
    from .schema import chunk_summaries

    chunk_summaries.create(conn)
    for cid, seq in conn.execute(text("SELECT channel_id, seq FROM chunks")).all():
        xb, yb, tb = conn.execute(text("SELECT x, y, t FROM chunks WHERE channel_id = :c AND seq = :s"),
                                  {"c": cid, "s": seq}).one()
        _row, summ = P.chunk_row(seq, P.decode(xb), P.decode(yb), P.decode(tb))
        conn.execute(chunk_summaries.insert().values(channel_id=cid, **summ))


def _v2_to_v3(conn: Connection) -> None:
    """Schema 3 may store arithmetic sequences encoded (points.encode) and adds per-run alias pins.
    Raw blobs stay valid, so no chunk is rewritten; the version keeps older ChartDesks from
    misreading new chunks. The unread range columns of ``chunks`` stay in old files (dropping
    them would rewrite the whole table)."""
    from .schema import pins

    pins.create(conn, checkfirst=True)


def _v3_to_v4(conn: Connection) -> None:
    """Schema 4 adds the projects' edit counters (``schema.EDIT_COUNTERS``), zero for every project."""
    from sqlalchemy import inspect, text

    from .schema import EDIT_COUNTERS

    have = {c["name"] for c in inspect(conn).get_columns("projects")}
    for name in EDIT_COUNTERS:
        if name in have:  # a file that was stamped older by hand (tests) keeps what it has
            continue
        conn.execute(text(f"ALTER TABLE projects ADD COLUMN {name} INTEGER NOT NULL DEFAULT 0"))


def _v4_to_v5(conn: Connection) -> None:
    """Schema 5 adds runs' notes (empty for every run) and the projects' runs counter
    (``schema.RUNS_COUNTER``, zero)."""
    from sqlalchemy import inspect, text

    from .schema import RUNS_COUNTER

    have = {c["name"] for c in inspect(conn).get_columns("experiments")}
    if "notes" not in have:
        conn.execute(text("ALTER TABLE experiments ADD COLUMN notes TEXT"))
    if RUNS_COUNTER not in {c["name"] for c in inspect(conn).get_columns("projects")}:
        conn.execute(text(f"ALTER TABLE projects ADD COLUMN {RUNS_COUNTER} INTEGER NOT NULL DEFAULT 0"))


def _v5_to_v6(conn: Connection) -> None:
    """Schema 6 adds what each channel's x is (``channels.x_name``), None (not said) for every
    channel already stored: nothing in an older store says it."""
    from sqlalchemy import inspect, text

    if "x_name" not in {c["name"] for c in inspect(conn).get_columns("channels")}:
        conn.execute(text("ALTER TABLE channels ADD COLUMN x_name VARCHAR(512)"))


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5,
                                                       5: _v5_to_v6}


def migrate(conn: Connection, from_version: int, to_version: int) -> None:
    for v in range(from_version, to_version):
        step = MIGRATIONS.get(v)
        if step is None:
            raise RuntimeError(f"no migration from schema version {v} to {v + 1}")
        step(conn)
