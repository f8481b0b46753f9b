"""Another writer holding a SQLite store's write lock (``BEGIN IMMEDIATE`` held open), as an import,
``chartdesk follow`` or a teammate's window does while it writes: ``held(path)`` is a context
manager whose connection may also write inside that transaction (a change another process makes)
and commits when it ends; ``release_after(lock, event)`` lets go from another thread once
``event`` is set. No Qt: tests/app uses it too."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager


class Lock:
    def __init__(self, path) -> None:
        self.con = sqlite3.connect(str(path), isolation_level=None, timeout=30, check_same_thread=False)
        self.con.execute("PRAGMA foreign_keys=ON")
        self.con.execute("BEGIN IMMEDIATE")
        self.released = threading.Event()

    def execute(self, sql: str, *args):
        return self.con.execute(sql, *args)

    def delete_alias(self, project: str, name: str) -> None:
        """What ``Store.delete_alias`` does, inside the held transaction (committed on release)."""
        pid = "(SELECT id FROM projects WHERE name = ?)"
        self.execute(f"DELETE FROM aliases WHERE project_id = {pid} AND name = ?", (project, name))
        self.execute("UPDATE projects SET aliases_v = aliases_v + 1, pins_v = pins_v + 1 WHERE name = ?", (project,))

    def release(self) -> None:
        if not self.released.is_set():
            self.con.execute("COMMIT")
            self.con.close()
            self.released.set()


@contextmanager
def held(path):
    lock = Lock(path)
    try:
        yield lock
    finally:
        lock.release()
