"""Change notifications of a PostgreSQL store, so a window follows writers without polling.

Every write transaction of a PostgreSQL store runs ``pg_notify('chartdesk', PROJECT)`` for each
project it wrote (``Store._tx``); the server delivers it when the transaction commits, and only
then. A ``ChangeFeed`` holds one connection of its own that LISTENs on that channel. SQLite has
no such thing: its windows poll the store's change token instead.
"""
from __future__ import annotations

from ..errors import StoreError

#: What the server's pg_stat_activity shows for a window's feed connection.
APPLICATION_NAME = "chartdesk-feed"


class FeedLost(StoreError):
    """The feed's connection is gone (server restarted, network down): reconnect, poll meanwhile."""


class ChangeFeed:
    """``wait(timeout)`` -> the projects written since the last call (an empty set on timeout)."""

    def __init__(self, connect_args: tuple, connect_kwargs: dict, channel: str, describe: str) -> None:
        self._args, self._kwargs = connect_args, connect_kwargs
        self._channel = channel
        self._describe = describe
        self._conn = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    def connect(self) -> None:
        import psycopg

        self.close()
        try:
            kwargs = {**self._kwargs, "connect_timeout": 3, "application_name": APPLICATION_NAME}
            conn = psycopg.connect(*self._args, autocommit=True, **kwargs)
            conn.execute(f'LISTEN "{self._channel}"')
        except psycopg.Error as exc:
            raise FeedLost(f"live updates from {self._describe}: {_first_line(exc)}") from None
        self._conn = conn

    def wait(self, timeout: float) -> set[str]:
        """Block up to ``timeout`` seconds for the first notification, then take every one already
        queued. Raises ``FeedLost`` when the connection broke (``connect`` again to resume)."""
        import psycopg

        if not self.connected:
            self.connect()
        got: set[str] = set()
        try:
            for n in self._conn.notifies(timeout=timeout, stop_after=1):
                got.add(n.payload)
            if got:
                for n in self._conn.notifies(timeout=0.0):
                    got.add(n.payload)
            if not got:
                self._conn.execute("SELECT 1")  # a dead server is only noticed by talking to it
        except psycopg.Error as exc:
            self.close()
            raise FeedLost(f"live updates from {self._describe}: {_first_line(exc)}") from None
        return got

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - closing a broken connection may fail in any way
                pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
