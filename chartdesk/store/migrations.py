"""Schema migrations: ``MIGRATIONS[v]`` lifts a store from version ``v`` to ``v + 1``.

Version 1 is the first released schema, so there is nothing to lift yet; a future change adds
``MIGRATIONS[1] = _v1_to_v2`` and bumps ``schema.SCHEMA_VERSION``. Each migration runs inside the
same write transaction that records the new version.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy.engine import Connection

MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def migrate(conn: Connection, from_version: int, to_version: int) -> None:
    for v in range(from_version, to_version):
        step = MIGRATIONS.get(v)
        if step is None:
            raise RuntimeError(f"no migration from schema version {v} to {v + 1}")
        step(conn)
