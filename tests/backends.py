"""Store targets for the tests, on SQLite (a file in the test's folder) or PostgreSQL (a new
database per target on the server ``CHARTDESK_TEST_PG`` names, or the one ``.ci/pg-start``
starts on this machine; dropped when the test or module ends).

A module opts in to both backends with ``pytestmark = pytest.mark.both_backends``; its tests then
run once per backend through the ``backend`` parameter (see conftest.py).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

ENV = "CHARTDESK_TEST_PG"            # an admin URL: a role that may CREATE DATABASE
REQUIRED = "CHARTDESK_TEST_PG_REQUIRED"  # set in CI: no server is a failure, not a skip
ROOT = Path(__file__).resolve().parent.parent


def find_server() -> tuple[str | None, str]:
    """(admin URL, "") or (None, why there is none)."""
    url = os.environ.get(ENV)
    if url:
        return url, ""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return None, "psycopg is not installed (pip install -e '.[test]')"
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("pg_lsclusters"):
        r = subprocess.run([str(ROOT / ".ci" / "pg-start")], capture_output=True, text=True, timeout=120)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip().splitlines()[-1], ""
        return None, f"could not start this machine's PostgreSQL: {r.stderr.strip()[-200:]}"
    return None, (f"no PostgreSQL server: set {ENV}=postgresql+psycopg://USER:PASSWORD@HOST/postgres "
                  "(a role with CREATEDB); .ci/run starts one")


def _drop(conn, name: str) -> None:
    """DROP DATABASE, waiting out an autovacuum worker (a superuser's process that our role may not
    terminate) instead of failing."""
    import time

    import psycopg

    for attempt in range(40):
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except (psycopg.errors.InsufficientPrivilege, psycopg.errors.ObjectInUse):
            if attempt == 39:
                raise
            time.sleep(0.25)


class Server:
    """Makes and drops throwaway databases on one PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.url = make_url(admin_url).set(drivername="postgresql+psycopg")
        self.made: list[str] = []

    def _admin(self):
        import psycopg

        u = self.url
        return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                               dbname=u.database or "postgres", autocommit=True)

    def new_database(self) -> str:
        name = f"chartdesk_t_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        self.made.append(name)
        return self.url.set(database=name).render_as_string(hide_password=False)

    def drop(self, names: list[str]) -> None:
        with self._admin() as conn:
            for name in names:
                _drop(conn, name)
                if name in self.made:
                    self.made.remove(name)


class Targets:
    """New store targets of one backend: ``new()`` -> a path string or a PostgreSQL URL."""

    def __init__(self, backend: str, folder: Path, server: Server | None) -> None:
        self.backend, self.folder, self.server = backend, folder, server
        self._dbs: list[str] = []
        self._n = 0

    def new(self, name: str = "runs") -> str:
        if self.backend == "sqlite":
            self._n += 1
            return str(self.folder / f"{name}-{self._n}.db")
        url = self.server.new_database()
        self._dbs.append(url.rsplit("/", 1)[1])
        return url

    def cleanup(self) -> None:
        if self._dbs and self.server is not None:
            self.server.drop(self._dbs)
            self._dbs.clear()
