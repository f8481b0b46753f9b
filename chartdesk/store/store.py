"""The Store facade: every read and write of projects, experiments, points, aliases and charts.

One SQLAlchemy engine per store. On SQLite: WAL journal, a long ``busy_timeout`` and writes in
``BEGIN IMMEDIATE`` transactions, so a training process writing and the GUI reading never meet
"database is locked"; every pooled connection is used by one thread at a time. The file's
identity and schema version are checked before anything touches it, and its WAL is looked at
first (``wal.inspect``: what an outside program's cut lost is said in one line).

The WAL is kept with the store: a write returns with its data in the main file (the committing
connection checkpoints; a big write, the checkpoint thread at once), so an outside program that
removes or cuts ``NAME-wal`` or removes ``NAME-shm`` loses nothing acknowledged unless a reader's
snapshot still needed it; before each transaction two ``stat`` calls notice such a program, and
the store reconnects (a removed file) or refuses to write past a hole (a cut one). A second handle
in a process that has the store open never opens its files itself (closing a descriptor drops the
process's POSIX locks on the file, SQLite's too).

Edits of a project's aliases, pins and chart sets are serialised per project (the project row is
locked first; on PostgreSQL a write that loses a race is run again) and can be compare-and-set:
``expect=`` the value read before, else ``Conflict``; ``update_alias``/``update_chart_set`` are a
read-modify-write in one transaction. Nothing is written over an edit the caller has not seen.
"""
from __future__ import annotations

import functools
import json
import logging
import os
import random
import socket
import sqlite3
import stat
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam, create_engine, delete, event, func, insert, inspect, select, text, update
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import DBAPIError, NoResultFound, SQLAlchemyError

from .. import query
from ..errors import ChartDeskError, Conflict, InvalidInput, NotFound, StoreError
from ..model import (
    NAME_MAX,
    STATES,
    ChannelInfo,
    Chart,
    ChartSet,
    Experiment,
    Series,
    check_name,
    check_params,
    check_tags,
    short_repr,
)
from ..resolver import resolve as resolve_rule
from . import blobread, identity, wal
from . import points as P
from .location import is_default, to_url
from .migrations import migrate
from .schema import (
    APPLICATION_ID,
    EDIT_COUNTERS,
    RUNS_COUNTER,
    SCHEMA_VERSION,
    alias_entries,
    aliases,
    channels,
    chart_series,
    chart_sets,
    charts,
    chunk_summaries,
    chunks,
    experiments,
    meta,
    metadata,
    pins,
    projects,
)

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 60_000
#: PostgreSQL: every write transaction notifies this channel with the project's name (store.feed).
NOTIFY_CHANNEL = "chartdesk"
#: PostgreSQL: channels of at least this many chunks (2M points) are read by two connections at once.
PARALLEL_READ_CHUNKS = 32
_TOUCHED = "chartdesk_touched_projects"  # conn.info key: the projects a transaction wrote
_POINTS = "chartdesk_points_written"     # conn.info key: how many points a transaction wrote
#: Reads of the first 256 MiB of the file go through mmap (no copy into SQLite's page cache;
#: a 10M-point read 1.8x -> 1.3x numpy.load, measured). Bounded, so resident memory stays bounded.
MMAP_BYTES = 256 << 20
#: An imported experiment of more points than this is written in transactions of about this
#: many points each (~0.2-0.5 s of writing here), out of sight, then put in place at once.
IMPORT_TX_POINTS = 64 * 65536
#: SQLite: after each of those transactions the write lock is left free for a tenth of the time
#: it was held (at most this long), so that a writer waiting for it (its busy handler sleeps up
#: to 100 ms between tries) gets its turn: the lock is no queue. Costs an import at most 10%.
IMPORT_YIELD_S = 0.1
#: The project that holds big imports while they are written: a name no one can type or see.
STAGING_PROJECT = "\x1fchartdesk staging"
#: A staging run untouched for this long belongs to an import that died (any host).
STAGING_STALE_S = 600

#: SQLite: a PASSIVE checkpoint this long after a write (a burst of writes shares one), so that
#: what was acknowledged is in the main file and not only in ``NAME-wal``, where an outside
#: program removing or cutting that file (or ``NAME-shm``) would lose it (issue 24 item 7).
CHECKPOINT_DELAY_S = 0.05
#: ... and at most this often from a store that only reads (a window): another process's writes
#: that no checkpoint reached (a writer killed right after its commit) go to the main file too.
READ_CHECKPOINT_S = 2.0
#: A write of up to this many points is checkpointed by the committing connection before the call
#: returns (a few ms: two fsyncs); a bigger one by the checkpoint thread at once, beside the caller
#: (copying 24 MB again in the call cut ``store_bench``'s ingest from 16.5 to 9.9 M points/s).
SYNC_CHECKPOINT_POINTS = 100_000
#: The backstop: SQLite checkpoints in the committing connection once the WAL holds this many pages
#: (64 MB with our 64 KiB pages; its default), for a writer of big transactions back to back that
#: the thread's checkpoints never let start the WAL over. Before, nothing else checkpointed, and
#: the -wal beside a 2.9 MB store was 65 MB while a window was open (issue 23 item 29).
WAL_AUTOCHECKPOINT_PAGES = 1000
#: When the WAL starts over, its file is cut back to this size (a big import made it larger; before,
#: it kept its largest size for good).
JOURNAL_SIZE_LIMIT = 4 << 20
#: How long a RESTART checkpoint waits for readers when the -wal was found cut (``_guard_wal``).
RESTART_WAIT_MS = 1000


class _Unchecked:
    """The default of ``expect``: write whatever the store holds (the last writer wins)."""

    def __repr__(self) -> str:
        return "UNCHECKED"


UNCHECKED = _Unchecked()
#: PostgreSQL SQLSTATEs of a write that lost a race to a concurrent one and succeeds when run
#: again from the start: serialization failure, deadlock, a row it refers to deleted and a unique
#: key taken by a transaction that committed meanwhile (the retry sees it and answers properly).
RETRY_SQLSTATES = frozenset({"40001", "40P01", "23503", "23505"})
#: How many times one write is tried before its error is given to the caller (one line).
WRITE_ATTEMPTS = 8


class _Retry(StoreError):
    """A write transaction that lost a race and was rolled back: ``_retried`` runs it again."""


#: The first "the store is damaged" line any store of this process raised: a command whose
#: reads run where their errors are only shown (the window's ``--screenshot``) asks it at its end.
_damage_met: list[str] = []


def damage_met() -> str | None:
    """The first damage a store of this process met (its one line), or None."""
    return _damage_met[0] if _damage_met else None


def _retried(method):
    """Run a write method again (from the start: its transaction was rolled back) when it lost
    a race on PostgreSQL, a bounded number of times with a short random back-off."""

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                return method(self, *args, **kwargs)
            except _Retry as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise StoreError(f"{exc} (tried {WRITE_ATTEMPTS} times)") from None
                time.sleep(random.uniform(0.002, 0.01) * attempt)
        raise AssertionError("not reached")

    return run


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def _may_write(path: Path) -> bool:
    """Whether this process may write the store file and make side files beside it."""
    folder_ok = os.access(path.parent if str(path.parent) else ".", os.W_OK)
    return folder_ok and (not path.exists() or os.access(path, os.W_OK))


def _exists(path: str) -> bool:
    return os.path.lexists(path)


def _file_key(path: Path | str | None) -> tuple[int, int] | None:
    """(device, inode) of a file, by ``stat`` (never by opening it), or None when it is missing."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _file_error_text(exc: BaseException) -> str:
    """What went wrong with a file, in words: a full disk is "no space left on the device"."""
    import errno

    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError):
        if orig.errno == errno.ENOSPC:
            return "no space left on the device"
        return orig.strerror or str(orig)
    text = (str(orig).splitlines() or [type(orig).__name__])[0]
    if "disk is full" in text.lower():
        return f"no space left on the device ({text})"
    return text


def _file_size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _fd_deleted(path: Path) -> bool:
    """Whether this process still has ``path`` open after it was deleted (Linux; False elsewhere)."""
    gone = f"{path} (deleted)"
    try:
        for fd in os.listdir("/proc/self/fd"):
            try:
                if os.readlink(f"/proc/self/fd/{fd}") == gone:
                    return True
            except OSError:
                continue
    except OSError:
        return False
    return False


def _mapped_deleted(path: Path) -> bool:
    """Whether this process still maps ``path`` after it was deleted (Linux; False elsewhere)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as fh:
            gone = f"{path} (deleted)"
            return any(line.rstrip("\n").endswith(gone) for line in fh)
    except OSError:
        return False


def _sqlite_engine(url, file: bool) -> Engine:
    """An engine whose connections are set up for ChartDesk (``file``: a writable file store)."""
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        dbapi_conn.isolation_level = None  # we issue BEGIN [IMMEDIATE] ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        if file:
            # 64 KiB pages: a 512 KiB chunk blob spans 8 overflow pages instead of 128 (4x faster
            # reads, measured). Only takes effect on a new file, before WAL is switched on.
            cur.execute("PRAGMA page_size=65536")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cur.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        cur.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        cur.close()

    return engine


def _x_name(x_name: Any, channel: str) -> str | None:
    """What a channel's x is, checked as a name (None: not said)."""
    if x_name is None:
        return None
    try:
        return check_name("x", x_name)
    except InvalidInput as exc:
        raise InvalidInput(f"channel {short_repr(channel)}: {exc}") from None


def _json(value: Any, what: str) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=True, default=str)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"{what} must be JSON-serialisable: {exc}") from None


#: A run's notes are at most this many characters.
NOTES_MAX = 100_000


def check_notes(notes: Any) -> str:
    """A run's notes: text of at most ``NOTES_MAX`` characters that every backend keeps as it is."""
    if not isinstance(notes, str):
        raise InvalidInput(f"notes must be text, not {type(notes).__name__} {short_repr(notes)}")
    if len(notes) > NOTES_MAX:
        raise InvalidInput(f"notes are {len(notes):,} characters long; at most {NOTES_MAX:,} are kept")
    if "\x00" in notes:
        raise InvalidInput(f"notes {short_repr(notes)} hold a NUL character (\\x00), which PostgreSQL cannot store")
    try:
        notes.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"notes {short_repr(notes)} are not valid text (they hold a lone surrogate)") from None
    return notes


class Store:
    """A ChartDesk store on any SQLAlchemy URL (SQLite file by default)."""

    def __init__(self, target: str | os.PathLike | None = None, *, create: bool = True) -> None:
        url, path = to_url(target)
        self.url = url
        self.path = path
        self._sqlite = url.get_backend_name() == "sqlite"
        self._pg = url.get_backend_name() == "postgresql"
        #: True when this open made the store (a first launch seeds the demo only then).
        self.created = False
        #: A store in a folder or file this process may not write: reads work, writes say so.
        self.read_only = False
        #: One-line warnings of this open (damage found in the WAL, say); also logged.
        self.warnings: list[str] = []
        self._file_id: tuple[int, int] | None = None  # (device, inode) of an SQLite file store
        self._shm: Path | None = None                 # its wal-index, watched (``_watch_shm``)
        self._shm_seen: tuple | None = None
        self._shm_recheck = False
        self._ckpt_lock = threading.Lock()
        self._closed = False
        self._last_ckpt = time.monotonic()
        self._wal_frames = 0             # frames SQLite's index gave the WAL at our last checkpoint
        self._page_size = 0
        self._wal_broken: str | None = None  # a checkpoint could not read frames the index names
        self._wal_said = False
        if path is not None:
            self._blob_uri = path.expanduser().resolve().as_uri()  # for blobread
            self._open_file(path, create, is_default(target))
        self._create_missing = create
        self.engine = self._make_engine(self.url)
        # channel id -> (its version when computed, {reducer: value}); a grown channel replaces its entry
        self._reduced: dict[int, tuple[int, dict[str, float | None]]] = {}
        try:
            self._prepare()
        except BaseException:
            self.engine.dispose()
            raise
        _open_stores.add(self)
        if not self.read_only:  # what a training process could not write before it exited (tracking)
            from ..recovery import replay

            replay(self)

    # ---- engine, identity, transactions ------------------------------------------------------
    def _open_file(self, path: Path, create: bool, default: bool) -> None:
        try:
            mode = path.stat().st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):  # /dev/null, a FIFO, a folder: never handed to SQLite
            kind = "a folder" if stat.S_ISDIR(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) \
                else "a pipe" if stat.S_ISFIFO(mode) else "not a regular file"
            raise StoreError(f"store {path} is {kind}, not a store file: give the path of a file")
        writable = _may_write(path)
        self._file_id = _file_key(path)
        if _siblings(self):
            # This process has the store open already (checked then). Its file must not be opened
            # and closed again here: closing any descriptor of a file drops every POSIX lock the
            # process holds on it, SQLite's too, and another process's close would then take the
            # store for unused and delete its -wal and -shm under the open handle.
            state = "ours"
        else:
            damage = wal.inspect(path) if _exists(f"{path}-wal") or _exists(f"{path}-shm") else None
            state = identity.classify(path, writable)
            if damage is not None and state == "ours":
                self._say_damage(path, damage, writable)
        if state == "missing":
            if not create:
                raise StoreError(f"no store at {path}")
            if not path.parent.exists():
                if not default:
                    raise StoreError(f"cannot create store {path}: folder {path.parent} does not exist")
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StoreError(f"cannot create folder {path.parent}: {exc.strerror}") from None
            identity.clear_leftovers(path)
            try:
                self.created = identity.create_atomically(path, self._build_new_file)
            except (OSError, sqlite3.Error, SQLAlchemyError) as exc:
                raise StoreError(f"cannot create store {path}: {_file_error_text(exc)}") from None
            except StoreError as exc:
                if identity.no_space(path):
                    raise StoreError(f"cannot create store {path}: no space left on the device") from None
                raise StoreError(str(exc).replace(f".{path.name}.creating", str(path), 1)) from None
            if not self.created:  # another process made it first: theirs is whole
                identity.classify(path)
            self._file_id = _file_key(path)
        elif state == "empty" and not create:  # a reading command leaves an empty file as it is
            raise StoreError(f"no store at {path}: the file is empty (a command that writes, such as "
                             "`chartdesk demo`, makes a store in it)")
        elif state == "empty" and not writable:
            raise StoreError(f"cannot create store {path}: it is read-only")
        elif not writable:
            self.read_only = True
            # No -wal/-shm can be made beside it: read the file as it is.
            flag = "mode=ro" if Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists() else "immutable=1"
            self._blob_uri = identity.file_uri(path, flag)
            self.url = URL.create("sqlite", database=self._blob_uri, query={"uri": "true"})
        if not self.read_only:
            self._shm = Path(f"{os.path.realpath(path)}-shm")
            if state != "missing":
                identity.clear_leftovers(path)

    def _say_damage(self, path: Path, damage: wal.Damage, writable: bool) -> None:
        """Say what an outsider's change to the WAL lost, in one line, and record it beside the
        store (with a copy of what the WAL still holds) for ``chartdesk check``."""
        line = f"store {path}: {damage.line()}"
        kept = wal.keep(path, damage) if writable else None
        if kept is not None:
            line += f" (recorded in {kept.name}; `chartdesk check` reports it until that file is removed)"
        self.warnings.append(line)
        log.warning("%s", line)

    def _build_new_file(self, tmp: Path) -> None:
        """The new store, whole in the one file ``tmp`` before it is linked into place: its WAL is
        checkpointed into it and emptied here. (When that failed for want of space, the file was
        linked without the WAL that held the rest of it: a "malformed" store on a nearly full disk.)"""
        engine = _sqlite_engine(URL.create("sqlite", database=str(tmp)), file=True)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                self._create(conn)
                conn.exec_driver_sql("COMMIT")
                busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
                if busy or copied < frames:
                    raise StoreError(f"cannot create store {tmp.name}: its first checkpoint did not finish")
        finally:
            engine.dispose()
        if _file_size(Path(f"{tmp}-wal")):
            raise StoreError(f"cannot create store {tmp.name}: it could not be written whole")

    def _make_engine(self, url) -> Engine:
        if not self._sqlite:
            # connect_timeout: a server that does not answer is an error in seconds, not minutes
            return create_engine(url, pool_pre_ping=True,
                                 connect_args={"application_name": "chartdesk", "connect_timeout": 10})
        return _sqlite_engine(url, file=self.path is not None and not self.read_only)

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Connection]:
        """One transaction: ``BEGIN IMMEDIATE`` for writes on SQLite, so writers queue, not fail.

        Database errors become one-line ``StoreError``s: a damaged file names ``chartdesk check``."""
        if write and self.read_only:
            raise StoreError(f"store {self.describe()} is read-only (no permission to write it or its folder)")
        if self._shm is not None:
            self._closed = False  # a closed store used again reconnects
            self._watch_shm()
            if write:
                self._guard_wal()
        try:
            with self.engine.connect() as conn:
                conn.info.pop(_TOUCHED, None)  # conn.info outlives the checkout: start each transaction empty
                conn.info.pop(_POINTS, None)
                if not self._sqlite:
                    if not write:  # a read of several statements sees one snapshot
                        conn = conn.execution_options(isolation_level="REPEATABLE READ")
                    with conn.begin():
                        yield conn
                        if write and self._pg:
                            # Delivered at commit, to every window LISTENing (store.feed): one per project.
                            for project in sorted(conn.info.pop(_TOUCHED, ())):
                                conn.execute(text("SELECT pg_notify(:chan, :p)"), {"chan": NOTIFY_CHANNEL, "p": project})
                    return
                conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield conn
                except BaseException:
                    try:
                        conn.exec_driver_sql("ROLLBACK")
                    except SQLAlchemyError:
                        pass
                    raise
                conn.exec_driver_sql("COMMIT")
                if write and self._shm is not None:
                    if conn.info.pop(_POINTS, 0) <= SYNC_CHECKPOINT_POINTS:
                        self._checkpoint_on(conn)  # the write returns with its data in the main file
                    else:  # copying a big one again here would halve an import's speed: at once, beside it
                        _checkpoints.schedule(self, 0.0)
            if self._shm is not None:
                self._after_sqlite_tx(write)
        except NoResultFound:
            if write:  # a row this write had just seen was deleted by a concurrent commit (PostgreSQL)
                raise _Retry(f"store {self.describe()}: a row changed under this write") from None
            raise
        except DBAPIError as exc:
            if write and getattr(getattr(exc, "orig", None), "sqlstate", None) in RETRY_SQLSTATES:
                raise _Retry(self._store_error(exc)) from None
            raise self._store_error(exc) from None

    # ---- the WAL kept with the store (SQLite files) ---------------------------------------------
    # What a write commits lives in NAME-wal until a checkpoint copies it into the main file. Left
    # there, it is at the mercy of any program that removes or cuts that file, or removes NAME-shm
    # (the index of the WAL) under an open store. So the committing connection checkpoints at once
    # (PASSIVE: it waits for no one), and a write returns with its data in the main file unless a
    # reader's snapshot still needs the WAL; then ``_checkpoints`` tries again a moment later, a
    # reading store asks for one now and then (other processes' writes a killed writer left), and
    # ``close()`` checkpoints what is left. SQLite also checkpoints once the WAL holds
    # ``WAL_AUTOCHECKPOINT_PAGES``. Before each write, ``_watch_shm`` and ``_guard_wal`` make sure
    # it does not go into files an outsider removed or cut (it would be lost with them).
    def _connected(self) -> bool:
        pool = getattr(getattr(self, "engine", None), "pool", None)
        try:
            return pool is not None and pool.checkedin() + pool.checkedout() > 0
        except (AttributeError, TypeError):
            return False

    def _after_sqlite_tx(self, write: bool) -> None:
        now = time.monotonic()
        if not write and now - self._last_ckpt > READ_CHECKPOINT_S:
            self._last_ckpt = now
            _checkpoints.schedule(self, 0.0)
        if self._shm_recheck:
            # Connections of another thread may still hold the removed files (SQLite shares them per
            # file in a process): look again at the next transaction until none does.
            self._shm_recheck = _mapped_deleted(self._shm) or _fd_deleted(self._wal())
            self._shm_seen = ("stale",) if self._shm_recheck else self._side_keys()
        elif self._shm_seen is None:
            self._shm_seen = self._side_keys()

    def _wal(self) -> Path:
        return self._shm.with_name(self._shm.name[:-4] + "-wal")

    def _side_keys(self) -> tuple:
        return _file_key(self._shm), _file_key(self._wal())

    def _watch_shm(self) -> None:
        """Before a transaction: when NAME-shm or NAME-wal is not the file this store's connections
        opened (another program removed it, and maybe another process made a new one), close them
        all, and every other handle's of this process on the file, so that the next connection opens
        the files every other process uses. Writing through the old index would overwrite their
        commits in the WAL, and theirs ours (two of four appends were lost so, measured); writing to
        a removed WAL loses what no checkpoint copied. Two ``stat`` calls."""
        seen = self._shm_seen
        if seen is None:
            return
        now = self._side_keys()
        if now == seen:
            return
        if not self._connected():
            self._shm_seen = None  # no connection of ours holds them: SQLite may have removed them itself
            return
        if seen != ("stale",):
            gone = [p.name for p, a, b in zip((self._shm, self._wal()), seen, now) if a != b]
            log.warning("store %s: %s was removed or replaced by another program while the store was open; its "
                        "connections were closed and opened again", self.describe(), " and ".join(gone))
        for store in [self, *_siblings(self)]:
            store.engine.dispose()
            store._shm_seen = None
        self._shm_recheck = True

    def checkpoint(self) -> None:
        """Copy what the WAL holds into the main file as far as no reader's snapshot needs it
        (SQLite's PASSIVE checkpoint: it waits for no one). SQLite file stores; never raises."""
        if self._shm is None:
            return
        with self._ckpt_lock:
            if self._closed:
                return
            try:
                with self.engine.connect() as conn:
                    self._checkpoint_on(conn)
            except SQLAlchemyError as exc:
                log.debug("checkpoint of %s failed: %s", self.describe(), exc)

    def _checkpoint_on(self, conn: Connection) -> None:
        """A PASSIVE checkpoint through ``conn``; notes how many frames the WAL holds (what
        ``_guard_wal`` checks its file against). Never raises."""
        self._last_ckpt = time.monotonic()
        try:
            busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
            if not self._page_size:
                self._page_size = int(conn.exec_driver_sql("PRAGMA page_size").scalar() or 0)
        except SQLAlchemyError as exc:
            text = str(getattr(exc, "orig", exc))
            if "disk i/o error" in text.lower():  # frames the index names are not in the file
                self._wal_broken = text
            log.debug("checkpoint of %s failed: %s", self.describe(), text)
            return
        self._wal_frames = max(int(frames), 0)
        if copied < frames:  # a reader's snapshot still needs the rest: again in a moment
            _checkpoints.schedule(self, CHECKPOINT_DELAY_S)

    def _guard_wal(self) -> None:
        """Before a write: when the -wal file is shorter than SQLite's index says it is (another
        program cut or removed it), appending to it would put the write past a hole, where SQLite's
        recovery never finds it: every later acknowledged write would be lost (57,600 points in one
        try of ``faults.py --wal``, measured). So first make SQLite start the WAL over (a RESTART
        checkpoint, which succeeds when every frame reached the main file); when frames are gone,
        reopen every connection of this process, so that SQLite rebuilds its index from what is
        left, say what was lost, and refuse the write while another program still holds the old
        index. One ``stat``."""
        frames, page = self._wal_frames, self._page_size
        if self._wal_broken is None:
            if frames <= 0 or not page:
                return
            size = _file_size(self._wal())
            # SQLite itself cuts the file back to JOURNAL_SIZE_LIMIT, never below (when it starts over)
            if size >= wal.WAL_HEADER + frames * (wal.FRAME_HEADER + page) or size >= JOURNAL_SIZE_LIMIT:
                return
        if self._restart_wal() != "broken":
            return  # started over, or busy with other writers: then the checkpoint after the commit tells
        lost = self._wal_broken or "frames missing"
        for store in [self, *_siblings(self)]:  # none of ours may keep the old index alive
            store.engine.dispose()
            store._shm_seen = None
        if self._restart_wal() == "ok":
            self._say_cut_wal(lost)
            return
        self._say_cut_wal(lost)
        raise StoreError(f"store {self.describe()}: its write-ahead log {self._wal()} was cut or removed by another "
                         "program while the store was open; writes are refused until every other program using the "
                         "store has closed it (what reached the main file is kept)")

    def _restart_wal(self) -> str:
        """A RESTART checkpoint (waits up to ``RESTART_WAIT_MS`` for readers and writers): "ok" when
        every frame is in the main file and the next write starts the WAL over, "broken" when frames
        SQLite's index names cannot be read, "busy" when others kept it from finishing."""
        self._wal_frames = 0  # looked at now: not again before the next checkpoint says otherwise
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
                try:
                    busy, frames, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(RESTART)").one()
                finally:
                    conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except SQLAlchemyError as exc:
            text = str(getattr(exc, "orig", exc))
            if "disk i/o error" not in text.lower():
                return "busy"
            self._wal_broken = text
            return "broken"
        if busy or copied < frames:
            return "busy"
        self._wal_broken = None
        return "ok"

    def _say_cut_wal(self, why: str) -> None:
        """Once per damage: the line, and a record beside the store for ``chartdesk check``."""
        if self._wal_said:
            return
        self._wal_said = True
        line = (f"store {self.describe()}: its write-ahead log {self._wal()} was cut or removed by another program "
                f"while transactions lived only in it ({why}): they are lost; the store goes on as of what reached "
                "its main file")
        kept = wal.keep(self.path, wal.Damage(self._wal(), 0, self._page_size or 65536, "cut or removed"),
                        line=line) if self.path is not None else None
        if kept is not None:
            line += f" (recorded in {kept.name})"
        self.warnings.append(line)
        log.warning("%s", line)

    def _store_error(self, exc: Exception) -> StoreError:
        """A one-line error from SQLAlchemy's DBAPIError or the driver's own exception."""
        orig = getattr(exc, "orig", None) or exc
        text = (str(orig).splitlines() or [type(orig).__name__])[0]
        low = text.lower()
        if "malformed" in low or "not a database" in low or "corrupt" in low:
            line = (f"the store is damaged: {self.describe()} ({text}); run `chartdesk check --db {self.describe()}` "
                    "to see what can be saved")
            if not _damage_met:
                _damage_met.append(line)
            return StoreError(line)
        if "readonly" in low or "read-only" in low:
            return StoreError(f"store {self.describe()} is read-only ({text})")
        if "disk is full" in low or ("disk i/o error" in low and self.path is not None
                                     and identity.no_space(self.path)):
            return StoreError(f"store {self.describe()}: no space left on the device ({text})")
        if "disk i/o error" in low and self._shm is not None and self._wal_broken is not None:
            return StoreError(f"store {self.describe()}: its write-ahead log {self._wal()} was cut or removed by "
                              f"another program while the store was open ({text}); close every program using the "
                              "store and open it again")
        return StoreError(f"store {self.describe()}: {text}")

    def __reduce_ex__(self, protocol):
        raise TypeError(f"a chartdesk Store cannot be pickled (it holds connections and locks): pass its location "
                        f"({self.describe()}) to the other process and call chartdesk.open_store there")

    def describe(self) -> str:
        return str(self.path) if self.path is not None else self.url.render_as_string(hide_password=True)

    def require_sound(self) -> None:
        """Before a big write (an import, the demo): refuse a store file with damaged pages.
        Opening looks only at what it reads (identity, schema), and SQLite writes into a file
        whose other pages are damaged without a word, so each such write would add to a store
        ``chartdesk check`` must then save. ``PRAGMA quick_check`` walks every b-tree page and
        overflow chain once (0.02 s for a 170 MB store in the page cache); a PostgreSQL
        server keeps its own integrity."""
        if not self._sqlite or self.path is None:
            return
        with self._tx() as conn:
            try:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(1)")]
            except DBAPIError as exc:
                rows = [(str(getattr(exc, "orig", exc)).splitlines() or ["unreadable"])[0]]
        if rows != ["ok"]:
            first = (str(rows[0]).strip().splitlines() or ["damaged"])[-1]
            raise StoreError(f"the store is damaged: {self.describe()} ({first}); run `chartdesk check --db "
                             f"{self.describe()}` to see what can be saved. Nothing was written")

    def _prepare(self) -> None:
        """Check the store's identity and schema in a read transaction, which never waits for a
        writer (a WAL reader; on PostgreSQL a plain read). Only a store that must be created or
        migrated takes the write lock (and checks again under it: another process may have done
        it meanwhile)."""
        with self._tx() as conn:
            if not self._check_schema(conn, fix=False):
                return
        with self._tx(write=True) as conn:
            self._check_schema(conn, fix=True)

    def _check_schema(self, conn: Connection, fix: bool) -> bool:
        """Refuse a foreign or newer store; whether the schema must be made or migrated (with
        ``fix``, in a write transaction: do it)."""
        if self._sqlite:
            app_id = conn.exec_driver_sql("PRAGMA application_id").scalar()
            version = conn.exec_driver_sql("PRAGMA user_version").scalar()
            has_tables = bool(inspect(conn).get_table_names())
            if not has_tables and app_id == 0 and not self.read_only:
                if fix:
                    self._create(conn)  # an empty file, made a store in place under the write lock
                return True
            if app_id != APPLICATION_ID:
                raise StoreError(f"{self.describe()} is an SQLite database of another application, not a "
                                 "ChartDesk store; it was left untouched")
        else:
            if self._pg and fix:  # two first opens of an empty database must not both create the schema
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": APPLICATION_ID})
            names = set(inspect(conn).get_table_names())
            if not names:
                if not self._create_missing:
                    raise StoreError(f"no store at {self.describe()}: the database has no ChartDesk tables yet "
                                     "(any write, e.g. `chartdesk demo`, creates them)")
                if fix:
                    self._create(conn)
                return True
            if meta.name not in names:
                raise StoreError(f"{self.describe()} holds tables of another application, not a ChartDesk store")
            version = int(conn.execute(select(meta.c.value).where(meta.c.key == "schema_version")).scalar() or 0)
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.describe()} was written by a newer ChartDesk (schema {version}, this one "
                             f"reads up to {SCHEMA_VERSION}); upgrade ChartDesk to open it. It was left untouched")
        if version < SCHEMA_VERSION:
            if self.read_only:
                raise StoreError(f"{self.describe()} needs an upgrade to schema {SCHEMA_VERSION} but is read-only")
            if fix:
                try:
                    migrate(conn, version, SCHEMA_VERSION)
                except RuntimeError as exc:
                    raise StoreError(f"{self.describe()}: {exc}") from None
                self._stamp(conn)
            return True
        return False

    def _create(self, conn: Connection) -> None:
        metadata.create_all(conn)
        self._stamp(conn)

    def _stamp(self, conn: Connection) -> None:
        if self._sqlite:
            conn.exec_driver_sql(f"PRAGMA application_id={APPLICATION_ID}")
            conn.exec_driver_sql(f"PRAGMA user_version={SCHEMA_VERSION}")
        conn.execute(delete(meta).where(meta.c.key.in_(["application", "schema_version"])))
        conn.execute(insert(meta), [{"key": "application", "value": "chartdesk"},
                                    {"key": "schema_version", "value": str(SCHEMA_VERSION)}])

    def feed(self):
        """A ``feed.ChangeFeed`` that hears every committed write (PostgreSQL), or None (SQLite:
        poll ``change_token``)."""
        if not self._pg:
            return None
        from .feed import ChangeFeed

        args, kwargs = self.engine.dialect.create_connect_args(self.url)
        return ChangeFeed(tuple(args), dict(kwargs), NOTIFY_CHANNEL, self.describe())

    def close(self) -> None:
        if self._shm is not None and not self._closed:
            _checkpoints.cancel(self)
            self.checkpoint()  # what this handle wrote goes to the main file, even while others keep it open
        with self._ckpt_lock:
            self._closed = True
            self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- id lookups ------------------------------------------------------------------------
    # Ids are looked up in the transaction that uses them, never cached across transactions:
    # another process may rename a project or run and give its old name to a new one, and a
    # cached id would then write into the wrong project (one indexed lookup costs microseconds).
    def _project_id(self, conn: Connection, project: str, create: bool = False) -> int:
        check_name("project", project)
        conn.info.setdefault(_TOUCHED, set()).add(project)
        pid = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
        if pid is None:
            if not create:
                known = conn.execute(select(projects.c.name).where(projects.c.name != STAGING_PROJECT)
                                     .order_by(projects.c.name)).scalars().all()
                hint = f"; known: {', '.join(known)}" if known else "; the store has no projects yet"
                raise NotFound(f"unknown project {project!r}{hint}")
            # Another writer may be creating the same project this moment: its row wins, ours is not added.
            return self._insert_missing(conn, projects, {"name": project}, projects.c.name == project)[0]
        return pid

    def _experiment_id(self, conn: Connection, project: str, experiment: str, lock: bool = False) -> int:
        """The run's id; with ``lock`` (every writer of something under the run) its row is
        held (PostgreSQL ``FOR KEY SHARE``) until commit, so a concurrent delete of the run waits
        for this write, or this write waits for the delete and finds the run gone (NotFound),
        instead of a foreign-key error or a deadlock between the two."""
        check_name("project", project)
        check_name("experiment", experiment)
        conn.info.setdefault(_TOUCHED, set()).add(project)
        q = (select(experiments.c.id).join(projects, projects.c.id == experiments.c.project_id)
             .where(projects.c.name == project, experiments.c.name == experiment))
        if lock:
            q = q.with_for_update(read=True, key_share=True, of=experiments)
        eid = conn.execute(q).scalar()
        if eid is None:
            self._project_id(conn, project)  # NotFound naming the project, when it is the project that is missing
            raise NotFound(f"unknown experiment {experiment!r} in project {project!r}")
        return eid

    @staticmethod
    def _insert_missing(conn: Connection, table, values: dict, where) -> tuple[int, bool]:
        """The id of the row ``where`` selects, inserting ``values`` first when there is none, and
        whether this call inserted it.

        ``INSERT .. ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent writer inserting the same
        unique key makes ours wait for its commit and then yield, instead of failing; on SQLite the
        write lock already serialises writers. Not cached by callers until committed."""
        dialect = conn.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        else:
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        inserted = conn.execute(dialect_insert(table).values(**values).on_conflict_do_nothing()).rowcount == 1
        return conn.execute(select(table.c.id).where(where)).scalar_one(), inserted

    @staticmethod
    def _bump(conn: Connection, pid: int, counter: str) -> None:
        """Count an edit of the project's aliases, pins or charts (``EDIT_COUNTERS``) in the
        transaction that makes it. Done first, before anything else is read or locked: on
        PostgreSQL the project row's lock it takes makes every edit of one project's aliases,
        pins and charts one serialised transaction (they take turns; SQLite's ``BEGIN IMMEDIATE``
        does the same), and one lock order (project, then run) leaves no room for a deadlock."""
        col = projects.c[counter]
        conn.execute(update(projects).where(projects.c.id == pid).values({col: col + 1}))

    # ---- projects and experiments -------------------------------------------------------------
    def projects(self) -> list[str]:
        with self._tx() as conn:
            return list(conn.execute(select(projects.c.name).where(projects.c.name != STAGING_PROJECT)
                                     .order_by(projects.c.name)).scalars())

    @_retried
    def create_project(self, project: str) -> None:
        with self._tx(write=True) as conn:
            self._project_id(conn, project, create=True)

    @_retried
    def delete_project(self, project: str) -> None:
        """Delete a project with its experiments, points, aliases and chart sets (no undo)."""
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            conn.execute(delete(projects).where(projects.c.id == pid))

    @_retried
    def rename_project(self, project: str, new: str) -> None:
        """Rename a project; its experiments, aliases and chart sets go with it."""
        check_name("project", new)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            if new != project and conn.execute(select(projects.c.id).where(projects.c.name == new)).first():
                raise InvalidInput(f"a project named {new!r} exists already")
            conn.execute(update(projects).where(projects.c.id == pid).values(name=new))

    @_retried
    def delete_experiment(self, project: str, experiment: str) -> None:
        """Delete an experiment with its channels, points and own charts (no undo)."""
        with self._tx(write=True) as conn:
            eid = self._experiment_id(conn, project, experiment)
            conn.execute(delete(experiments).where(experiments.c.id == eid))

    @_retried
    def rename_experiment(self, project: str, experiment: str, new: str) -> None:
        check_name("experiment", new)
        with self._tx(write=True) as conn:
            eid = self._experiment_id(conn, project, experiment)
            pid = self._project_id(conn, project)
            if new != experiment and conn.execute(select(experiments.c.id).where(
                    experiments.c.project_id == pid, experiments.c.name == new)).first():
                raise InvalidInput(f"project {project!r} has an experiment named {new!r} already")
            self._bump(conn, pid, RUNS_COUNTER)  # a rename to a name as long moves no other part of the token
            conn.execute(update(experiments).where(experiments.c.id == eid).values(name=new))

    def experiments(self, project: str) -> list[str]:
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            q = select(experiments.c.name).where(experiments.c.project_id == pid).order_by(experiments.c.id)
            return list(conn.execute(q).scalars())

    @staticmethod
    def _experiment_from_row(row) -> Experiment:
        return Experiment(name=row.name, state=row.state, created=row.created, finished=row.finished,
                          params=json.loads(row.params or "{}"), tags=tuple(json.loads(row.tags or "[]")),
                          notes=row.notes or "", source=row.source)

    def experiment(self, project: str, experiment: str) -> Experiment:
        with self._tx() as conn:
            eid = self._experiment_id(conn, project, experiment)
            row = conn.execute(select(experiments).where(experiments.c.id == eid)).one()
            return self._experiment_from_row(row)

    @_retried
    def create_experiment(self, project: str, experiment: str, *, params: Mapping[str, Any] | None = None,
                          tags: Iterable[str] = (), state: str = "running", created: float | None = None,
                          resume: bool = True, source: str | None = None) -> Experiment:
        """Create the experiment (and its project). With ``resume`` an existing one is reopened:
        its state is set, params are merged and tags added."""
        check_name("experiment", experiment)
        if state not in STATES:
            raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {state!r}")
        params = check_params(params)
        tags = check_tags(tags)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project, create=True)
            # First (one lock order: project, then run): a resumed run's merged params and tags
            # reach other windows (a new run does anyway).
            self._bump(conn, pid, RUNS_COUNTER)
            where = (experiments.c.project_id == pid) & (experiments.c.name == experiment)
            row = conn.execute(select(experiments).where(where).with_for_update()).first()
            if row is None:
                eid, inserted = self._insert_missing(conn, experiments, dict(
                    project_id=pid, name=experiment, state=state, created=created or time.time(),
                    finished=None if state == "running" else (created or time.time()),
                    params=_json(params, "params"), tags=_json(tags, "tags"), source=source), where)
                row = None if inserted else conn.execute(select(experiments).where(experiments.c.id == eid)
                                                         .with_for_update()).one()
            if row is not None:  # it existed (or another writer made it a moment ago)
                if not resume:
                    raise InvalidInput(f"experiment {experiment!r} already exists in project {project!r}")
                merged = {**json.loads(row.params or "{}"), **params}
                old_tags = json.loads(row.tags or "[]")
                conn.execute(update(experiments).where(experiments.c.id == row.id).values(
                    state=state, finished=None if state == "running" else row.finished,
                    params=_json(merged, "params"), tags=_json(old_tags + [t for t in tags if t not in old_tags], "tags"),
                    source=source if source is not None else row.source))
            q = select(experiments).where(experiments.c.project_id == pid, experiments.c.name == experiment)
            return self._experiment_from_row(conn.execute(q).one())

    def import_experiment(self, project: str, parsed) -> str:
        """Write one imported experiment; returns its name in the store.

        The same source imported again replaces that experiment's channels instead of adding a
        duplicate; another source whose run has a taken name gets a numbered name. Readers see
        the experiment (or its new channels) all at once or not yet. Up to ``IMPORT_TX_POINTS``
        points it is one transaction; a bigger one is written out of sight in transactions of
        about that many points (so that no writer waits for minutes), then put in place in one
        short transaction."""
        batch = {}
        for name, ch in parsed.channels.items():
            check_name("channel", name)
            batch[name] = ch.arrays()
        check_name("project", project)
        x_names = {name: _x_name(parsed.x_name_of(name), name) for name in batch}
        if sum(len(x) for x, _y, _t in batch.values()) <= IMPORT_TX_POINTS:
            return self._import_whole(project, parsed, batch, x_names)
        return self._import_staged(project, parsed, batch, x_names)

    @_retried
    def _import_whole(self, project: str, parsed, batch: Mapping[str, tuple], x_names: Mapping[str, str | None]) -> str:
        with self._tx(write=True) as conn:
            eid, name = self._imported_row(conn, project, parsed)
            if eid is None:
                return name
            self._write_new_channels(conn, eid, batch, x_names)
            return name

    @staticmethod
    def _write_new_channels(conn: Connection, eid: int, batch: Mapping[str, tuple],
                            x_names: Mapping[str, str | None]) -> None:
        """Channels experiment ``eid`` does not have yet, all in three statements whatever their
        number (an import of a run with 100 metrics; appending them one by one cost about 0.8 ms
        each in statements): the channel rows, then every chunk and every chunk summary."""
        if not batch:
            return
        names = list(batch)
        rows = [dict(experiment_id=eid, name=n, count=len(batch[n][0]), version=int(len(batch[n][0]) > 0),
                     x_name=x_names.get(n)) for n in names]
        ids = conn.execute(insert(channels).returning(channels.c.id, sort_by_parameter_order=True), rows).scalars().all()
        chunk_rows, summaries = [], []
        for cid, n in zip(ids, names):
            x, y, t = batch[n]
            for seq, (cx, cy, ct) in enumerate(P.split(x, y, t, P.CHUNK_POINTS)):
                r, summ = P.chunk_row(seq, cx, cy, ct)
                chunk_rows.append({**r, "channel_id": cid})
                summaries.append({**summ, "channel_id": cid})
        if chunk_rows:
            conn.info[_POINTS] = conn.info.get(_POINTS, 0) + sum(r["n"] for r in chunk_rows)
            conn.execute(insert(chunks), chunk_rows)
            conn.execute(insert(chunk_summaries), summaries)

    def _imported_row(self, conn: Connection, project: str, parsed, staged: int | None = None) -> tuple:
        """(id, name) of the experiment an import writes into: the one of the same source (its
        channels deleted, or with ``staged`` moved out of sight to be deleted later), or a new
        one. With ``staged`` (the id of the run holding the new channels) they are moved into
        it and (None, name) is returned."""
        pid = self._project_id(conn, project, create=True)
        row = conn.execute(select(experiments.c.id, experiments.c.name)
                           .where(experiments.c.project_id == pid, experiments.c.source == parsed.source)).first()
        values = dict(state=parsed.state, created=parsed.created, finished=parsed.finished,
                      params=_json(dict(parsed.params), "params"), tags=_json(list(parsed.tags), "tags"),
                      source=parsed.source)
        if row is None:  # a numbered name is chosen below: concurrent imports into one project take turns
            conn.execute(select(projects.c.id).where(projects.c.id == pid).with_for_update())
        if row is not None:
            eid, name = row
            conn.execute(update(experiments).where(experiments.c.id == eid).values(**values))
            if staged is None:
                conn.execute(delete(channels).where(channels.c.experiment_id == eid))
            else:  # the old channels go out of sight at once and are deleted in bounded steps after
                trash = self._staging_run(conn, "replaced")
                conn.execute(update(channels).where(channels.c.experiment_id == eid).values(experiment_id=trash))
        else:
            taken = set(conn.execute(select(experiments.c.name).where(experiments.c.project_id == pid)).scalars())
            name = check_name("experiment", parsed.name.strip() or "imported")
            k = 2
            base = name
            while name in taken:  # a numbered name, its base shortened to keep it within NAME_MAX
                suffix = f" ({k})"
                name = base[:NAME_MAX - len(suffix)].rstrip() + suffix
                k += 1
            if values["created"] is None:
                values["created"] = time.time()
            eid = conn.execute(insert(experiments).values(project_id=pid, name=name, **values)).inserted_primary_key[0]
        if staged is None:
            return eid, name
        conn.execute(update(channels).where(channels.c.experiment_id == staged).values(experiment_id=eid))
        conn.execute(delete(experiments).where(experiments.c.id == staged))
        return None, name

    # ---- staging: a big import written out of sight --------------------------------------------
    def _staging_run(self, conn: Connection, what: str) -> int:
        """A new run in the staging project (``STAGING_PROJECT``, a name no one can type), named
        by this host and process: it holds a big import's channels until they are put in place,
        or channels waiting to be deleted."""
        sid = self._insert_missing(conn, projects, {"name": STAGING_PROJECT}, projects.c.name == STAGING_PROJECT)[0]
        name = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex} {what}"
        if len(name) > NAME_MAX:  # a long source path: only the owner (host, pid) and the kind are read back
            name = name[:NAME_MAX - 1] + "…"
        return conn.execute(insert(experiments).values(project_id=sid, name=name, state="running", created=time.time(),
                                                       params="{}", tags="[]")).inserted_primary_key[0]

    def _write_bounded(self, work) -> Any:
        """One transaction of a staged import, run again when it loses a race (PostgreSQL); on
        SQLite the write lock is then left free for a moment (``IMPORT_YIELD_S``), so that a
        writer waiting for it (a training script) gets it before the next transaction."""
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            started = time.monotonic()
            try:
                with self._tx(write=True) as conn:
                    out = work(conn)
                break
            except _Retry as exc:
                if attempt == WRITE_ATTEMPTS:
                    raise StoreError(f"{exc} (tried {WRITE_ATTEMPTS} times)") from None
                time.sleep(random.uniform(0.002, 0.01) * attempt)
        if self._sqlite:
            time.sleep(min(IMPORT_YIELD_S, (time.monotonic() - started) / 10))
        return out

    def _import_staged(self, project: str, parsed, batch: Mapping[str, tuple], x_names: Mapping[str, str | None]) -> str:
        self.clear_staging()
        staged = self._write_bounded(lambda conn: self._staging_run(conn, f"import {parsed.source}"))
        try:
            step = max(P.CHUNK_POINTS, IMPORT_TX_POINTS // P.CHUNK_POINTS * P.CHUNK_POINTS)
            pieces = [(ch, a, min(a + step, len(x))) for ch, (x, _y, _t) in batch.items()
                      for a in range(0, max(len(x), 1), step)]
            group: list = []
            budget = 0
            for piece in pieces + [None]:
                if piece is not None and (not group or budget + piece[2] - piece[1] <= IMPORT_TX_POINTS):
                    group.append(piece)
                    budget += piece[2] - piece[1]
                    continue
                parts = group

                def write(conn, parts=parts):
                    for ch, a, b in parts:
                        x, y, t = batch[ch]
                        self._append(conn, staged, ch, x[a:b], y[a:b], t[a:b], x_names.get(ch))
                    conn.execute(update(experiments).where(experiments.c.id == staged).values(created=time.time()))

                self._write_bounded(write)
                group, budget = ([piece], piece[2] - piece[1]) if piece is not None else ([], 0)
            name = self._write_bounded(lambda conn: self._imported_row(conn, project, parsed, staged)[1])
        except BaseException:
            try:
                self._drop_staged(staged)
            except ChartDeskError:
                pass  # left for the next import's clear_staging
            raise
        try:
            self.clear_staging(own_only=True)  # the replaced channels, in bounded steps
        except ChartDeskError as exc:  # imported all the same: the next import removes them
            log.warning("the channels %s replaced are left to delete later: %s", name, exc)
        return name

    def _drop_staged(self, eid: int) -> None:
        """Delete a staging run and its points in bounded transactions."""
        def chunk_step(conn) -> bool:
            q = (select(chunks.c.channel_id, chunks.c.seq).join(channels, channels.c.id == chunks.c.channel_id)
                 .where(channels.c.experiment_id == eid).limit(max(1, IMPORT_TX_POINTS // P.CHUNK_POINTS)))
            rows = conn.execute(q).all()
            for cid, seq in rows:
                conn.execute(delete(chunk_summaries).where(chunk_summaries.c.channel_id == cid,
                                                           chunk_summaries.c.seq == seq))
                conn.execute(delete(chunks).where(chunks.c.channel_id == cid, chunks.c.seq == seq))
            if not rows:
                conn.execute(delete(experiments).where(experiments.c.id == eid))
            return bool(rows)

        while self._write_bounded(chunk_step):
            pass

    def clear_staging(self, own_only: bool = False) -> int:
        """Delete what imports that died left out of sight (runs of the staging project of a
        process of this host that is gone, or untouched for ``STAGING_STALE_S``); how many.
        With ``own_only``: what this process left (the old channels of a re-import)."""
        if self.read_only:
            return 0
        with self._tx() as conn:
            rows = conn.execute(select(experiments.c.id, experiments.c.name, experiments.c.created)
                                .join(projects, projects.c.id == experiments.c.project_id)
                                .where(projects.c.name == STAGING_PROJECT)).all()
        host = socket.gethostname()
        gone = []
        for eid, name, touched in rows:
            owner_host, _, rest = name.partition(":")
            pid = int(rest.split(":", 1)[0]) if rest.split(":", 1)[0].isdigit() else -1
            if own_only:
                if owner_host == host and pid == os.getpid() and name.endswith(" replaced"):
                    gone.append(eid)
            elif (owner_host == host and pid != os.getpid() and not _pid_alive(pid)) \
                    or (touched or 0) < time.time() - STAGING_STALE_S:
                gone.append(eid)
        for eid in gone:
            self._drop_staged(eid)
        return len(gone)

    @_retried
    def set_state(self, project: str, experiment: str, state: str, finished: float | None = None) -> None:
        if state not in STATES:
            raise InvalidInput(f"state must be one of {', '.join(STATES)}, not {state!r}")
        with self._tx(write=True) as conn:
            eid = self._experiment_id(conn, project, experiment)
            fin = None if state == "running" else (finished or time.time())
            conn.execute(update(experiments).where(experiments.c.id == eid).values(state=state, finished=fin))

    # ---- a run's tags and notes: compare-and-set edits, counted by ``RUNS_COUNTER`` ------------
    def _write_run_field(self, project: str, experiment: str, column: str, value: Any, expect: Any,
                         what: str, read: Callable[[Any], Any]) -> None:
        """Write one column of a run's row (``value`` as stored); with ``expect`` only while it
        holds that (``read`` turns the stored value into the caller's form), else ``Conflict``."""
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, RUNS_COUNTER)  # first: one lock order (project, then run)
            eid = self._experiment_id(conn, project, experiment, lock=True)
            current = read(conn.execute(select(experiments.c[column]).where(experiments.c.id == eid)).scalar())
            self._expected(f"{what} of run {experiment!r}", expect, current)
            conn.execute(update(experiments).where(experiments.c.id == eid).values({column: value}))

    @_retried
    def set_tags(self, project: str, experiment: str, tags: Iterable[str], *, expect: Any = UNCHECKED) -> None:
        """Replace a run's tags (order kept, repeats dropped). With ``expect`` (the tags read
        before) only while the run still has exactly those, else ``Conflict``."""
        tags = check_tags(tags)
        if expect is not UNCHECKED:
            expect = check_tags(expect)
        self._write_run_field(project, experiment, "tags", _json(tags, "tags"), expect, "the tag list",
                              lambda raw: list(json.loads(raw or "[]")))

    @_retried
    def set_notes(self, project: str, experiment: str, notes: str, *, expect: Any = UNCHECKED) -> None:
        """Replace a run's notes (free text, "" for none; read back as ``experiment().notes``).
        With ``expect`` (the notes read before) only while the run still has those."""
        notes = check_notes(notes)
        if expect is not UNCHECKED:
            expect = check_notes(expect)
        self._write_run_field(project, experiment, "notes", notes or None, expect, "the notes field",
                              lambda raw: raw or "")

    def change_token(self, project: str | None = None) -> tuple:
        """A cheap fingerprint of what a window shows, in three parts that move independently, so
        a window can poll often and re-read only what moved:

        - ``[0]`` the store's catalog: its projects and experiments (count, newest id, names' length),
          so a run that appears in a project not on screen reaches the tree;
        - ``[1]`` the project's experiments, states and points, and its count of edits of runs'
          tags, notes and params (``RUNS_COUNTER``) (``()`` without a project);
        - ``[2]`` the project's edit counters (aliases, pins, charts: ``EDIT_COUNTERS``).
        """
        with self._tx() as conn:
            staging = select(projects.c.id).where(projects.c.name == STAGING_PROJECT).scalar_subquery()
            store_part = tuple(conn.execute(
                select(func.count(), func.coalesce(func.max(t.c.id), 0), func.coalesce(func.sum(func.length(t.c.name)), 0))
                .select_from(t).where(where)).one()
                for t, where in ((projects, projects.c.name != STAGING_PROJECT),
                                 (experiments, func.coalesce(experiments.c.project_id != staging, True))))
            if project is None:
                return (store_part, (), ())
            pid = self._project_id(conn, project)
            exp_row = conn.execute(select(func.count(), func.coalesce(func.sum(func.length(experiments.c.state)), 0),
                                          func.coalesce(func.sum(experiments.c.finished), 0))
                                   .where(experiments.c.project_id == pid)).one()
            ch_row = conn.execute(select(func.count(), func.coalesce(func.sum(channels.c.version), 0))
                                  .join(experiments, experiments.c.id == channels.c.experiment_id)
                                  .where(experiments.c.project_id == pid)).one()
            *edits, runs_v = conn.execute(select(*(projects.c[c] for c in (*EDIT_COUNTERS, RUNS_COUNTER)))
                                          .where(projects.c.id == pid)).one()
            return (store_part, (*exp_row, *ch_row, runs_v), tuple(edits))

    def catalog(self, project: str) -> list[tuple[Experiment, list[ChannelInfo]]]:
        """Every experiment of the project with its channels, in two queries (for trees and resolvers)."""
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            rows = conn.execute(select(experiments).where(experiments.c.project_id == pid)
                                .order_by(experiments.c.id)).all()
            chans: dict[int, list[ChannelInfo]] = {r.id: [] for r in rows}
            q = (select(channels.c.experiment_id, channels.c.name, channels.c.count, channels.c.x_name)
                 .join(experiments, experiments.c.id == channels.c.experiment_id)
                 .where(experiments.c.project_id == pid).order_by(channels.c.name))
            for eid, name, count, x_name in conn.execute(q).all():  # one fetch, not a Python call per row
                chans[eid].append(ChannelInfo(name, count, x_name))
            return [(self._experiment_from_row(r), chans[r.id]) for r in rows]

    # ---- channels and points -----------------------------------------------------------------
    def channels(self, project: str, experiment: str) -> list[str]:
        return [c.name for c in self.channel_infos(project, experiment)]

    def channel_infos(self, project: str, experiment: str) -> list[ChannelInfo]:
        with self._tx() as conn:
            eid = self._experiment_id(conn, project, experiment)
            q = (select(channels.c.name, channels.c.count, channels.c.x_name)
                 .where(channels.c.experiment_id == eid).order_by(channels.c.name))
            return [ChannelInfo(n, c, x) for n, c, x in conn.execute(q)]

    def append(self, project: str, experiment: str, channel: str, x, y, t=None) -> int:
        """Append points to a channel (created on first use); returns its new point count."""
        return self.append_many(project, experiment, {channel: (x, y, t)})[channel]

    @_retried
    def append_many(self, project: str, experiment: str, batch: Mapping[str, tuple[Any, Any, Any]],
                    *, x_names: Mapping[str, str] | None = None) -> dict[str, int]:
        """Append to several channels of one experiment in one transaction. ``x_names``: what the
        x of some of them is ("epoch"), kept with the channel (``channel_infos``)."""
        named = {}
        for name, x_name in (x_names or {}).items():
            if name not in batch:
                raise InvalidInput(f"x_names names channel {short_repr(name)}, which has no points in this batch")
            if x_name is not None:
                named[name] = _x_name(x_name, name)
        prepared = {}
        for name, (x, y, t) in batch.items():
            check_name("channel", name)
            xa = P.as_points(x, f"steps of {name!r}")
            ya = P.as_points(y, f"values of {name!r}")
            if len(xa) != len(ya):
                raise InvalidInput(f"channel {name!r}: {len(xa)} steps but {len(ya)} values")
            ta = np.full(len(xa), time.time()) if t is None else P.as_points(t, f"times of {name!r}")
            if len(ta) != len(xa):
                raise InvalidInput(f"channel {name!r}: {len(xa)} steps but {len(ta)} wall times")
            prepared[name] = (xa, ya, ta)
        counts = {}
        with self._tx(write=True) as conn:
            eid = self._experiment_id(conn, project, experiment, lock=True)
            for name, (xa, ya, ta) in sorted(prepared.items()):  # one lock order for every writer
                counts[name] = self._append(conn, eid, name, xa, ya, ta, named.get(name))
        return counts

    def _append(self, conn: Connection, eid: int, name: str, x: np.ndarray, y: np.ndarray, t: np.ndarray,
                x_name: str | None = None) -> int:
        # The channel's row is locked (PostgreSQL) until commit: two writers appending to one channel
        # take turns; writers of other channels or experiments never wait on each other.
        where = (channels.c.experiment_id == eid) & (channels.c.name == name)
        row = conn.execute(select(channels.c.id, channels.c.count).where(where).with_for_update()).first()
        if row is None:
            cid, _ = self._insert_missing(conn, channels, dict(experiment_id=eid, name=name, count=0, version=0,
                                                               x_name=x_name), where)
            cid, count = conn.execute(select(channels.c.id, channels.c.count).where(channels.c.id == cid)
                                      .with_for_update()).one()
        else:
            cid, count = row
        named = {} if x_name is None else {"x_name": x_name}  # a channel's x_name is only ever said, never unsaid
        if len(x) == 0:
            if named:
                conn.execute(update(channels).where(channels.c.id == cid).values(**named))
            return count
        total = count + len(x)
        last = conn.execute(select(chunks.c.seq, chunks.c.n, chunks.c.x, chunks.c.y, chunks.c.t)
                            .where(chunks.c.channel_id == cid).order_by(chunks.c.seq.desc()).limit(1)).first()
        next_seq = 0
        if last is not None:
            next_seq = last.seq + 1
            room = P.CHUNK_POINTS - last.n
            if room > 0:  # top up the last chunk so that channels written a few points at a time stay compact
                k = min(room, len(x))
                nx = np.concatenate([P.decode(last[2]), x[:k]])
                ny = np.concatenate([P.decode(last[3]), y[:k]])
                nt = np.concatenate([P.decode(last[4]), t[:k]])
                r, summ = P.chunk_row(last.seq, nx, ny, nt)
                del r["seq"], summ["seq"]
                conn.execute(update(chunks).where(chunks.c.channel_id == cid, chunks.c.seq == last.seq).values(**r))
                conn.execute(update(chunk_summaries).where(chunk_summaries.c.channel_id == cid,
                                                           chunk_summaries.c.seq == last.seq).values(**summ))
                x, y, t = x[k:], y[k:], t[k:]
        rows, summaries = [], []
        for i, (cx, cy, ct) in enumerate(P.split(x, y, t, P.CHUNK_POINTS)):
            r, summ = P.chunk_row(next_seq + i, cx, cy, ct)
            rows.append({**r, "channel_id": cid})
            summaries.append({**summ, "channel_id": cid})
        conn.info[_POINTS] = conn.info.get(_POINTS, 0) + len(x)
        if rows:
            conn.execute(insert(chunks), rows)
            conn.execute(insert(chunk_summaries), summaries)
        conn.execute(update(channels).where(channels.c.id == cid).values(count=total, version=channels.c.version + 1,
                                                                         **named))
        return int(total)

    def read(self, project: str, experiment: str, channel: str, start: int = 0) -> Series:
        """Every point of a channel in logged order (from index ``start``)."""
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)):
            raise InvalidInput(f"start must be a whole number of points, not {short_repr(start)}")
        if self._sqlite and self.path is not None and blobread.available():
            with self._tx() as conn:
                cid = self._channel_id(conn, project, experiment, channel)
            try:
                got = blobread.read_channel(self._blob_uri, cid, int(start), BUSY_TIMEOUT_MS, MMAP_BYTES)
            except blobread.BlobReadError:
                got = None  # the ordinary path below says what is wrong, if anything is
            if got is not None:
                return Series(*got)
        with self._tx() as conn:
            cid = self._channel_id(conn, project, experiment, channel)
            long = self._pg and conn.execute(text("SELECT count(*) FROM chunk_summaries WHERE channel_id = :c"),
                                             {"c": cid}).scalar() >= PARALLEL_READ_CHUNKS
            if not long:
                return self._read_chunks(conn, cid, start)
        got = self._read_pg_parallel(cid, int(start))
        if got is not None:
            return got
        with self._tx() as conn:
            return self._read_chunks(conn, cid, start)

    def _read_pg_parallel(self, cid: int, start: int) -> Series | None:
        """A long channel read on PostgreSQL by two connections at once, each half of the chunks,
        both in one snapshot (``pg_export_snapshot``), so the result is exactly what one read would
        give, while the server's two backends unpack the TOASTed blobs in parallel. None when the
        chunks moved under us (a re-import): then one ordinary read."""
        import psycopg

        a, b = self.engine.raw_connection(), self.engine.raw_connection()
        try:
            ca, cb = a.driver_connection, b.driver_connection
            try:
                ca.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                snapshot = ca.execute("SELECT pg_export_snapshot()").fetchone()[0]
                n_chunks = ca.execute("SELECT count(*) FROM chunk_summaries WHERE channel_id = %s", (cid,)).fetchone()[0]
                cb.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cb.execute(psycopg.sql.SQL("SET TRANSACTION SNAPSHOT {}").format(psycopg.sql.Literal(snapshot)))
                sql = "SELECT seq, n, x, y, t FROM chunks WHERE channel_id = %s AND seq >= %s AND seq < %s ORDER BY seq"
                half = n_chunks // 2
                other: list = []
                failed: list = []

                def fetch_second_half():
                    try:
                        with cb.cursor(binary=True) as cur:
                            other.extend(cur.execute(sql, (cid, half, 1 << 62)).fetchall())
                    except psycopg.Error as exc:
                        failed.append(exc)

                worker = threading.Thread(target=fetch_second_half, daemon=True)
                worker.start()
                with ca.cursor(binary=True) as cur:
                    rows = cur.execute(sql, (cid, 0, half)).fetchall()
                worker.join()
                if failed:
                    raise failed[0]
                rows += other
            finally:
                ca.rollback()
                cb.rollback()
        except psycopg.Error as exc:
            raise self._store_error(exc) from None
        finally:
            a.close()
            b.close()
        if [r[0] for r in rows] != list(range(len(rows))):
            return None
        return self._assemble([r[1:] for r in rows], start)

    @staticmethod
    def _blob_rows(conn: Connection, sql: str, params: dict) -> list:
        """Rows of a query that returns blobs, without SQLAlchemy's per-row processing of
        LargeBinary (10x the copy itself, measured on a 10M-point channel). On PostgreSQL through a
        binary cursor: bytea arrives as bytes, not as hex text to parse (a 10M-point read 1.1 s ->
        0.3 s). ``sql`` uses ``%(name)s`` parameters; a list parameter is matched with ``= ANY``."""
        if conn.dialect.name == "postgresql":
            cur = conn.connection.driver_connection.cursor(binary=True)
            try:
                cur.execute(sql.replace("IN %(seqs)s", "= ANY(%(seqs)s)"), params)
                return cur.fetchall()
            finally:
                cur.close()
        q = text(sql.replace("%(", ":").replace(")s", ""))
        if "seqs" in params:
            q = q.bindparams(bindparam("seqs", expanding=True))
        return conn.execute(q, params).all()

    @classmethod
    def _read_chunks(cls, conn: Connection, cid: int, start: int) -> Series:
        rows = cls._blob_rows(conn, "SELECT n, x, y, t FROM chunks WHERE channel_id = %(cid)s ORDER BY seq",
                              {"cid": cid})
        return cls._assemble(rows, start)

    @staticmethod
    def _assemble(rows, start: int) -> Series:
        """One Series from (n, x, y, t) chunk rows in order, from point ``start`` on."""
        total = sum(r[0] for r in rows)
        start = max(0, min(int(start), total))
        out = [np.empty(total - start) for _ in range(3)]
        pos = 0
        at = 0
        for r in rows:
            n = r[0]
            lo = max(0, start - at)
            at += n
            if lo >= n:
                continue
            k = n - lo
            for arr, blob in zip(out, (r[1], r[2], r[3])):
                arr[pos:pos + k] = P.decode(blob)[lo:]
            pos += k
        return Series(*out)

    def chunk_index(self, project: str, experiment: str, channel: str) -> list[tuple]:
        """Per chunk, in order: (seq, n, x_min, x_max, t_min, t_max): enough to choose chunks for a view."""
        with self._tx() as conn:
            cid = self._channel_id(conn, project, experiment, channel)
            q = text("SELECT seq, n, x_min, x_max, t_min, t_max FROM chunk_summaries WHERE channel_id = :cid "
                     "ORDER BY seq")
            return [tuple(r) for r in conn.execute(q, {"cid": cid})]

    def read_chunks(self, project: str, experiment: str, channel: str, seqs: Sequence[int] | None = None,
                    summary: bool = False) -> Series:
        """The points of some chunks (all when ``seqs`` is None) in logged order, or only their
        bucket summaries (``points.bucket_indices``): what a zoomed-out view needs. Only the
        chunks asked for are read."""
        table = "chunk_summaries" if summary else "chunks"
        cols = "sx, sy, st" if summary else "x, y, t"
        where = "channel_id = %(cid)s"
        params: dict[str, Any] = {}
        if seqs is not None:
            if not seqs:
                return Series.empty()
            where += " AND seq IN %(seqs)s"
            params["seqs"] = [int(q) for q in seqs]
        with self._tx() as conn:
            params["cid"] = self._channel_id(conn, project, experiment, channel)
            rows = self._blob_rows(conn, f"SELECT {cols} FROM {table} WHERE {where} ORDER BY seq", params)
        if not rows:
            return Series.empty()
        return Series(*(np.concatenate([P.decode(r[i]) for r in rows]) for i in range(3)))

    def channel_ends(self, project: str, experiment: str) -> dict[str, tuple[int, float, float, float, float]]:
        """``{channel: (points, first step, last step, first wall time, last wall time)}`` of a
        run's channels that hold points, from the summaries of their first and last chunks (no
        point is read; a chunk's summary keeps its first and last point)."""
        from sqlalchemy import tuple_

        with self._tx() as conn:
            eid = self._experiment_id(conn, project, experiment)
            names = dict(conn.execute(select(channels.c.id, channels.c.name)
                                      .where(channels.c.experiment_id == eid)).all())
            if not names:
                return {}
            cs = chunk_summaries.c
            spans = conn.execute(select(cs.channel_id, func.min(cs.seq), func.max(cs.seq), func.sum(cs.n))
                                 .where(cs.channel_id.in_(list(names))).group_by(cs.channel_id)).all()
            if not spans:
                return {}
            ends = {(cid, seq): (P.decode(sx), P.decode(st)) for cid, seq, sx, st in conn.execute(
                select(cs.channel_id, cs.seq, cs.sx, cs.st).where(tuple_(cs.channel_id, cs.seq).in_(
                    [(cid, lo) for cid, lo, _hi, _n in spans] + [(cid, hi) for cid, _lo, hi, _n in spans]))).all()}
        out = {}
        for cid, lo, hi, n in spans:
            (fx, ft), (lx, lt) = ends[(cid, lo)], ends[(cid, hi)]
            if len(fx) and len(lx):
                out[names[cid]] = (int(n), float(fx[0]), float(lx[-1]), float(ft[0]), float(lt[-1]))
        return out

    def _channel_id(self, conn: Connection, project: str, experiment: str, channel: str) -> int:
        check_name("channel", channel)
        eid = self._experiment_id(conn, project, experiment)
        cid = conn.execute(select(channels.c.id).where(channels.c.experiment_id == eid,
                                                      channels.c.name == channel)).scalar()
        if cid is None:
            raise NotFound(f"unknown channel {channel!r} in experiment {experiment!r} of project {project!r}")
        return cid

    # ---- aliases ---------------------------------------------------------------------------
    # Every edit of an alias, a pin or a chart set is one serialised transaction (``_bump`` first).
    # With ``expect`` it is a compare-and-set: written only while the object still holds what the
    # caller read (None: that it does not exist), else ``Conflict`` and nothing is written; the
    # ``update_*`` methods are a read-modify-write inside that one transaction.
    @staticmethod
    def _alias_entries(name: str, channel_names: Any) -> list[str]:
        if isinstance(channel_names, (str, bytes)) or not isinstance(channel_names, (list, tuple)):
            raise InvalidInput(f"alias {name!r}: channel names must be a list of names, not "
                               f"{type(channel_names).__name__} {short_repr(channel_names)}")
        entries = [check_name("channel", c) for c in channel_names]
        dup = sorted({c for c in entries if entries.count(c) > 1})
        if dup:
            raise InvalidInput(f"alias {name!r} lists {', '.join(dup)} more than once")
        return entries

    @staticmethod
    def _alias_row(conn: Connection, pid: int, name: str) -> tuple[int | None, list[str] | None]:
        """(the alias's id, its entries), or (None, None) when the project has no such alias."""
        aid = conn.execute(select(aliases.c.id).where(aliases.c.project_id == pid, aliases.c.name == name)).scalar()
        if aid is None:
            return None, None
        q = select(alias_entries.c.channel).where(alias_entries.c.alias_id == aid).order_by(alias_entries.c.pos)
        return aid, list(conn.execute(q).scalars())

    @staticmethod
    def _write_alias(conn: Connection, pid: int, aid: int | None, name: str, entries: Sequence[str]) -> None:
        if aid is None:
            aid = conn.execute(insert(aliases).values(project_id=pid, name=name)).inserted_primary_key[0]
        else:
            conn.execute(delete(alias_entries).where(alias_entries.c.alias_id == aid))
        if entries:
            conn.execute(insert(alias_entries), [{"alias_id": aid, "pos": i, "channel": c} for i, c in enumerate(entries)])

    @staticmethod
    def _drop_alias(conn: Connection, pid: int, aid: int, name: str) -> None:
        conn.execute(delete(aliases).where(aliases.c.id == aid))
        exp_ids = select(experiments.c.id).where(experiments.c.project_id == pid)
        conn.execute(delete(pins).where(pins.c.alias == name, pins.c.experiment_id.in_(exp_ids)))  # its pins go with it

    @staticmethod
    def _expected(what: str, expect: Any, current: Any, shown: Any = None) -> None:
        """Compare-and-set: ``Conflict`` unless ``expect`` is unchecked or what the store holds."""
        if expect is UNCHECKED or expect == current:
            return
        shown = current if shown is None else shown
        if current is None:
            why = "was deleted elsewhere meanwhile"
        elif expect is None:
            why = "was made elsewhere meanwhile"
        else:
            why = f"was changed elsewhere meanwhile (it is now {short_repr(shown, 120)})"
        raise Conflict(f"{what} {why}; nothing was written", current=shown)

    @_retried
    def set_alias(self, project: str, name: str, channel_names: Sequence[str], *, expect: Any = UNCHECKED) -> None:
        """Create or replace an alias; the order of ``channel_names`` is its priority. With
        ``expect`` (the entries read before; None: no such alias yet) only while the store still
        holds exactly those, else ``Conflict`` (``current``: what it holds)."""
        check_name("alias", name)
        entries = self._alias_entries(name, channel_names)
        if expect is not UNCHECKED and expect is not None:
            expect = self._alias_entries(name, expect)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "aliases_v")
            aid, current = self._alias_row(conn, pid, name)
            self._expected(f"alias {name!r} of project {project!r}", expect, current)
            self._write_alias(conn, pid, aid, name, entries)

    @_retried
    def delete_alias(self, project: str, name: str, *, expect: Any = UNCHECKED) -> None:
        """Delete an alias and its pins; with ``expect``, only while it holds those entries."""
        if expect is not UNCHECKED and expect is not None:
            expect = self._alias_entries(name, expect)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "aliases_v")
            self._bump(conn, pid, "pins_v")  # its pins go with it
            aid, current = self._alias_row(conn, pid, name)
            if aid is None and expect is UNCHECKED:
                raise NotFound(f"unknown alias {name!r} in project {project!r}")
            self._expected(f"alias {name!r} of project {project!r}", expect, current)
            if aid is not None:
                self._drop_alias(conn, pid, aid, name)

    @_retried
    def update_alias(self, project: str, name: str,
                     change: Callable[[list[str] | None], Sequence[str] | None]) -> list[str] | None:
        """Read-modify-write of one alias in one serialised transaction, so that concurrent
        updates never lose one another: ``change(entries)`` gets its entries (None: no such
        alias) and returns the new ones (None deletes it). It may be called again when the
        write loses a race (PostgreSQL), so it should only compute. Returns what was written."""
        check_name("alias", name)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "aliases_v")
            aid, current = self._alias_row(conn, pid, name)
            new = change(None if current is None else list(current))
            if new is None:
                if aid is not None:
                    self._bump(conn, pid, "pins_v")
                    self._drop_alias(conn, pid, aid, name)
                return None
            entries = self._alias_entries(name, new)
            if entries != current:
                self._write_alias(conn, pid, aid, name, entries)
            return entries

    @_retried
    def rename_alias(self, project: str, name: str, new: str) -> int:
        """Rename an alias in one transaction with everything that names it: its pins, and every
        series of the project's charts (chart sets and runs' own charts) that plots it
        (``alias:NAME``, an x axis or right-axis entry ``alias:NAME``, ``NAME`` in an expression),
        so charts keep plotting what they did. A name the project has already is ``InvalidInput``.
        Returns how many chart series and charts' options were rewritten."""
        from ..edits import rename_alias_in_ref

        check_name("alias", name)
        check_name("alias", new)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            for counter in EDIT_COUNTERS:  # first; the alias, its pins and charts may all move
                self._bump(conn, pid, counter)
            aid, _ = self._alias_row(conn, pid, name)
            if aid is None:
                raise NotFound(f"unknown alias {name!r} in project {project!r}")
            if new == name:
                return 0
            if self._alias_row(conn, pid, new)[0] is not None:
                raise InvalidInput(f"project {project!r} has an alias named {new!r} already")
            conn.execute(update(aliases).where(aliases.c.id == aid).values(name=new))
            exp_ids = select(experiments.c.id).where(experiments.c.project_id == pid)
            conn.execute(delete(pins).where(pins.c.alias == new, pins.c.experiment_id.in_(exp_ids)))  # stale ones
            conn.execute(update(pins).where(pins.c.alias == name, pins.c.experiment_id.in_(exp_ids)).values(alias=new))
            owned = (charts.c.chart_set_id.in_(select(chart_sets.c.id).where(chart_sets.c.project_id == pid))
                     | charts.c.experiment_id.in_(exp_ids))
            rewritten = 0
            for cid, pos, ref in conn.execute(select(chart_series.c.chart_id, chart_series.c.pos, chart_series.c.ref)
                                              .join(charts, charts.c.id == chart_series.c.chart_id)
                                              .where(owned)).all():
                fixed = rename_alias_in_ref(ref, name, new)
                if fixed != ref:
                    conn.execute(update(chart_series).where(chart_series.c.chart_id == cid, chart_series.c.pos == pos)
                                 .values(ref=fixed))
                    rewritten += 1
            for cid, options in conn.execute(select(charts.c.id, charts.c.options).where(owned)).all():
                opts = json.loads(options or "{}")
                fixed = dict(opts)
                for key in ("x_axis", "right_axis"):  # options that hold series refs
                    value = opts.get(key)
                    if isinstance(value, str):
                        fixed[key] = rename_alias_in_ref(value, name, new)
                    elif isinstance(value, list):
                        fixed[key] = [rename_alias_in_ref(v, name, new) if isinstance(v, str) else v for v in value]
                if fixed != opts:
                    conn.execute(update(charts).where(charts.c.id == cid).values(options=_json(fixed, "chart options")))
                    rewritten += 1
            return rewritten

    def aliases(self, project: str) -> dict[str, list[str]]:
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            q = (select(aliases.c.name, alias_entries.c.channel)
                 .outerjoin(alias_entries, alias_entries.c.alias_id == aliases.c.id)
                 .where(aliases.c.project_id == pid).order_by(aliases.c.name, alias_entries.c.pos))
            out: dict[str, list[str]] = {}
            for name, ch in conn.execute(q):
                out.setdefault(name, [])
                if ch is not None:
                    out[name].append(ch)
            return out

    def alias(self, project: str, name: str) -> list[str]:
        check_name("alias", name)
        found = self.aliases(project)
        if name not in found:
            raise NotFound(f"unknown alias {name!r} in project {project!r}")
        return found[name]

    def resolve(self, project: str, experiment: str, alias: str) -> str | None:
        """The channel ``alias`` means in ``experiment``: the run's pin while it has that channel,
        else the first of the alias's list the experiment has."""
        entries = self.alias(project, alias)
        pin = self.pins(project).get(experiment, {}).get(alias)
        return resolve_rule(entries, set(self.channels(project, experiment)), pin)

    def resolve_all(self, project: str, alias: str) -> dict[str, str | None]:
        entries = self.alias(project, alias)
        pinned = self.pins(project)
        return {e.name: resolve_rule(entries, {c.name for c in chans}, pinned.get(e.name, {}).get(alias))
                for e, chans in self.catalog(project)}

    # ---- pins: per-run alias overrides ----------------------------------------------------------
    @_retried
    def set_pin(self, project: str, experiment: str, alias: str, channel: str | None, *,
                expect: Any = UNCHECKED) -> None:
        """Make ``alias`` mean ``channel`` in this run (while the run has it); None removes the pin.
        With ``expect`` (the pin read before, None: none) only while the run still has that pin."""
        check_name("alias", alias)
        if channel is not None:
            check_name("channel", channel)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "pins_v")
            eid = self._experiment_id(conn, project, experiment, lock=True)
            known = select(aliases.c.id).where(aliases.c.project_id == pid, aliases.c.name == alias)
            if conn.execute(known).first() is None:
                raise NotFound(f"unknown alias {alias!r} in project {project!r}")
            where = (pins.c.experiment_id == eid) & (pins.c.alias == alias)
            current = conn.execute(select(pins.c.channel).where(where)).scalar()
            if expect is not UNCHECKED and expect != current:
                now = f"it is now pinned to {current!r}" if current is not None else "it was unpinned"
                raise Conflict(f"the pin of alias {alias!r} in run {experiment!r} was changed elsewhere meanwhile "
                               f"({now}); nothing was written", current=current)
            conn.execute(delete(pins).where(where))
            if channel is not None:
                conn.execute(insert(pins).values(experiment_id=eid, alias=alias, channel=channel))

    def pins(self, project: str) -> dict[str, dict[str, str]]:
        """``{experiment: {alias: channel}}`` of the project's pins."""
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            q = (select(experiments.c.name, pins.c.alias, pins.c.channel)
                 .join(experiments, experiments.c.id == pins.c.experiment_id)
                 .where(experiments.c.project_id == pid).order_by(experiments.c.id, pins.c.alias))
            out: dict[str, dict[str, str]] = {}
            for exp, alias, channel in conn.execute(q):
                out.setdefault(exp, {})[alias] = channel
            return out

    # ---- runs table and aggregates ------------------------------------------------------------
    def runs(self, project: str, where: str | None = None, sort: str | None = None, descending: bool = False,
             columns: Sequence[str] = ()) -> list[dict]:
        """One dict per experiment (see ``chartdesk.runs.table``): filtered by ``where``, sorted by
        ``sort`` (missing and NaN last), with the REF:REDUCER ``columns`` computed."""
        from ..runs import table

        return table(self, project, where=where, sort=sort, descending=descending, columns=columns)

    def aggregate(self, project: str, experiments_: Sequence[str], ref: str, band: str = "std"):
        """Mean and band of one series over runs, matched by step (see ``chartdesk.aggregate``)."""
        from ..aggregate import aggregate

        return aggregate(self, project, experiments_, ref, band)

    def reduce_channels(self, project: str, wanted: Iterable[tuple[str, str]] | Mapping[tuple[str, str], Iterable[str]],
                        reducers: Iterable[str] = ()) -> dict[tuple[str, str], dict[str, float | None]]:
        """``{(experiment, channel): {reducer: value}}`` for these channels: every one of
        ``reducers`` for each, or, when ``wanted`` maps each channel to its reducers, just those.
        min, max, argmin, argmax, first, last and count come from the chunk summaries (every
        chunk's first, last, lowest and highest point), so no point is read; mean (and a first or
        last value that is NaN) reads the channel. Cached per channel version: a growing run is
        recomputed."""
        if isinstance(wanted, Mapping):
            per = {key: list(dict.fromkeys(rs)) for key, rs in wanted.items()}
        else:
            common = list(dict.fromkeys(reducers))
            per = {key: common for key in dict.fromkeys(wanted)}
        wanted = list(per)
        out: dict[tuple[str, str], dict[str, float | None]] = {}
        if not wanted:
            return out
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            q = (select(experiments.c.name, channels.c.name, channels.c.id, channels.c.version, channels.c.count)
                 .join(experiments, experiments.c.id == channels.c.experiment_id)
                 .where(experiments.c.project_id == pid))
            ids = {(e, c): (cid, ver, cnt) for e, c, cid, ver, cnt in conn.execute(q).all()}
            todo = []
            for key in wanted:
                got = ids.get(key)
                if got is None:
                    continue
                ver_cached, cached = self._reduced.get(got[0], (None, {}))
                if ver_cached == got[1] and all(r in cached for r in per[key]):
                    out[key] = {r: cached[r] for r in per[key]}
                else:
                    todo.append((key, got))
            if todo:
                summaries: dict[int, list] = {}
                cids = [g[0] for _k, g in todo]
                for i in range(0, len(cids), 500):
                    q = text("SELECT channel_id, sx, sy FROM chunk_summaries WHERE channel_id IN :ids "
                             "ORDER BY channel_id, seq").bindparams(bindparam("ids", expanding=True))
                    for cid, sx, sy in conn.execute(q, {"ids": cids[i:i + 500]}).all():
                        summaries.setdefault(cid, []).append((P.decode(sx), P.decode(sy)))
        for key, (cid, ver, count) in todo:
            parts = summaries.get(cid, [])
            sx = np.concatenate([p[0] for p in parts]) if parts else np.empty(0)
            sy = np.concatenate([p[1] for p in parts]) if parts else np.empty(0)
            old_ver, values = self._reduced.get(cid, (None, {}))
            if old_ver != ver:
                values = {}
            self._reduced[cid] = (ver, values)
            full = None
            for r in per[key]:
                if r in values:
                    continue
                v, needs_full = query.reduce(r, sx, sy, count)
                if needs_full:
                    if full is None:
                        full = self.read(project, key[0], key[1])
                    v, _ = query.reduce(r, full.x, full.y, count, exact=True)
                values[r] = v
            out[key] = {r: values[r] for r in per[key]}
        return out

    # ---- chart sets and experiment charts ------------------------------------------------------
    @staticmethod
    def _check_chart_names(items: Sequence[Chart]) -> None:
        """Chart names and the channel and alias names charts plot fit the store's columns
        (``NAME_MAX``), on every backend: SQLite took longer ones that PostgreSQL refused."""
        for chart in items:
            if len(chart.name) > NAME_MAX:
                raise InvalidInput(f"chart name is {len(chart.name)} characters long; at most {NAME_MAX} are allowed")
            for ref in chart.series:
                if ref.kind != "expr" and len(ref.name) > NAME_MAX:
                    raise InvalidInput(f"chart {short_repr(chart.name)}: series {ref.kind}:{ref.name[:40]}… names "
                                       f"{'an' if ref.kind == 'alias' else 'a'} {ref.kind} of {len(ref.name)} "
                                       f"characters; names are at most {NAME_MAX}")

    def _write_charts(self, conn: Connection, items: Sequence[Chart], *, chart_set_id=None, experiment_id=None) -> None:
        self._check_chart_names(items)
        for pos, chart in enumerate(items):
            opts = {k: v for k, v in chart.to_dict().items() if k not in ("name", "series")}
            cid = conn.execute(insert(charts).values(chart_set_id=chart_set_id, experiment_id=experiment_id, pos=pos,
                                                     name=chart.name, options=_json(opts, "chart options"))
                               ).inserted_primary_key[0]
            if chart.series:
                conn.execute(insert(chart_series), [{"chart_id": cid, "pos": i, "ref": str(s)}
                                                    for i, s in enumerate(chart.series)])

    def _read_charts(self, conn: Connection, where) -> dict[int, list[Chart]]:
        q = (select(charts.c.id, charts.c.chart_set_id, charts.c.experiment_id, charts.c.name, charts.c.options,
                    chart_series.c.ref)
             .outerjoin(chart_series, chart_series.c.chart_id == charts.c.id)
             .where(where).order_by(charts.c.pos, chart_series.c.pos))
        grouped: dict[int, tuple[int, str, str, list[str]]] = {}
        for cid, set_id, exp_id, name, options, ref in conn.execute(q):
            g = grouped.setdefault(cid, (set_id if set_id is not None else exp_id, name, options, []))
            if ref is not None:
                g[3].append(ref)
        out: dict[int, list[Chart]] = {}
        for owner, name, options, refs in grouped.values():
            out.setdefault(owner, []).append(Chart.from_dict({"name": name, "series": refs, **json.loads(options)}))
        return out

    def chart_set_list(self, project: str) -> list[ChartSet]:
        with self._tx() as conn:
            pid = self._project_id(conn, project)
            sets = conn.execute(select(chart_sets.c.id, chart_sets.c.name).where(chart_sets.c.project_id == pid)
                                .order_by(chart_sets.c.pos, chart_sets.c.id)).all()
            by_set = self._read_charts(conn, charts.c.chart_set_id.in_([s.id for s in sets]))
            return [ChartSet(s.name, tuple(by_set.get(s.id, []))) for s in sets]

    def chart_sets(self, project: str) -> dict[str, list[dict]]:
        return {cs.name: cs.to_list() for cs in self.chart_set_list(project)}

    @staticmethod
    def _chart_list(name: str, chart_list: Any) -> tuple[Chart, ...]:
        check_name("chart set", name)
        if isinstance(chart_list, (str, bytes, Mapping)) or not isinstance(chart_list, Iterable):
            raise InvalidInput(f"chart set {name!r}: charts must be a list of dicts, not "
                               f"{type(chart_list).__name__} {short_repr(chart_list)}")
        return ChartSet.from_list(name, chart_list).charts

    def _set_rows(self, conn: Connection, pid: int) -> list:
        """The project's chart sets (id, name), in order."""
        return conn.execute(select(chart_sets.c.id, chart_sets.c.name).where(chart_sets.c.project_id == pid)
                            .order_by(chart_sets.c.pos, chart_sets.c.id)).all()

    def _set_charts(self, conn: Connection, pid: int, name: str) -> tuple[int | None, tuple[Chart, ...] | None]:
        """(the set's id, its charts), or (None, None) when the project has no such set."""
        sid = conn.execute(select(chart_sets.c.id).where(chart_sets.c.project_id == pid,
                                                        chart_sets.c.name == name)).scalar()
        if sid is None:
            return None, None
        return sid, tuple(self._read_charts(conn, charts.c.chart_set_id == sid).get(sid, []))

    @staticmethod
    def _renumber(conn: Connection, ids: Sequence[int]) -> None:
        for pos, sid in enumerate(ids):
            conn.execute(update(chart_sets).where(chart_sets.c.id == sid).values(pos=pos))

    def _write_set(self, conn: Connection, pid: int, sid: int | None, name: str, new: Sequence[Chart],
                   before: str | None = None) -> None:
        if sid is None:
            rows = self._set_rows(conn, pid)
            sid = conn.execute(insert(chart_sets).values(project_id=pid, name=name, pos=len(rows))).inserted_primary_key[0]
            names = [r.name for r in rows]
            if before in names:
                at = names.index(before)
                ids = [r.id for r in rows]
                self._renumber(conn, ids[:at] + [sid] + ids[at:])
        else:
            conn.execute(delete(charts).where(charts.c.chart_set_id == sid))
        self._write_charts(conn, new, chart_set_id=sid)

    def _expected_set(self, what: str, expect: Any, current: tuple[Chart, ...] | None) -> None:
        self._expected(what, expect, current, None if current is None else [c.to_dict() for c in current])

    @_retried
    def set_chart_set(self, project: str, name: str, chart_list: Iterable[Mapping[str, Any] | Chart], *,
                      expect: Any = UNCHECKED, before: str | None = None) -> None:
        """Create or replace a chart set; chart and series order are kept. A new one goes last
        (or before the set named ``before``, when there is one). With ``expect`` (its charts as
        read before; None: no such set yet) only while the store still holds exactly those,
        else ``Conflict``."""
        new = self._chart_list(name, chart_list)
        if expect is not UNCHECKED and expect is not None:
            expect = self._chart_list(name, expect)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            sid, current = self._set_charts(conn, pid, name)
            self._expected_set(f"chart set {name!r} of project {project!r}", expect, current)
            self._write_set(conn, pid, sid, name, new, before)

    @_retried
    def update_chart_set(self, project: str, name: str,
                         change: Callable[[list[dict] | None], Iterable[Mapping[str, Any] | Chart] | None],
                         *, before: str | None = None) -> list[dict] | None:
        """Read-modify-write of one chart set in one serialised transaction (concurrent updates
        never lose one another): ``change(charts)`` gets its charts as ``chart_sets()`` gives
        them (None: no such set) and returns the new list (None deletes it); a new set goes last
        or before the set named ``before``. It may be called again when the write loses a race
        (PostgreSQL), so it should only compute. Returns what was written."""
        check_name("chart set", name)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            sid, current = self._set_charts(conn, pid, name)
            got = change(None if current is None else [c.to_dict() for c in current])
            if got is None:
                if sid is not None:
                    conn.execute(delete(chart_sets).where(chart_sets.c.id == sid))
                return None
            new = self._chart_list(name, got)
            if new != current:
                self._write_set(conn, pid, sid, name, new, before)
            return [c.to_dict() for c in new]

    @_retried
    def replace_chart_sets(self, project: str, sets: Sequence[ChartSet]) -> None:
        """Make the project's chart sets exactly ``sets``, in that order (whatever they were)."""
        names = [s.name for s in sets]
        if len(set(names)) != len(names):
            raise InvalidInput(f"chart set names must be unique: {names}")
        for n in names:
            check_name("chart set", n)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            conn.execute(delete(chart_sets).where(chart_sets.c.project_id == pid))
            for pos, cs in enumerate(sets):
                sid = conn.execute(insert(chart_sets).values(project_id=pid, name=cs.name, pos=pos)).inserted_primary_key[0]
                self._write_charts(conn, cs.charts, chart_set_id=sid)

    @_retried
    def delete_chart_set(self, project: str, name: str, *, expect: Any = UNCHECKED) -> None:
        """Delete a chart set; with ``expect``, only while it holds those charts."""
        if expect is not UNCHECKED and expect is not None:
            expect = self._chart_list(name, expect)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            sid, current = self._set_charts(conn, pid, name)
            if sid is None and expect is UNCHECKED:
                raise NotFound(f"unknown chart set {name!r} in project {project!r}")
            self._expected_set(f"chart set {name!r} of project {project!r}", expect, current)
            if sid is not None:
                conn.execute(delete(chart_sets).where(chart_sets.c.id == sid))

    @_retried
    def rename_chart_set(self, project: str, name: str, new: str) -> None:
        """Rename one chart set; its charts and place stay (no other set is touched)."""
        check_name("chart set", new)
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            names = {r.name: r.id for r in self._set_rows(conn, pid)}
            if name not in names:
                raise NotFound(f"unknown chart set {name!r} in project {project!r}")
            if new != name and new in names:
                raise InvalidInput(f"project {project!r} has a chart set named {new!r} already")
            conn.execute(update(chart_sets).where(chart_sets.c.id == names[name]).values(name=new))

    @_retried
    def order_chart_sets(self, project: str, names: Sequence[str], *, expect: Any = UNCHECKED) -> None:
        """Put the project's chart sets in this order (``names``: each of them once). With
        ``expect`` (the order read before) only while the store still has that order."""
        names = [check_name("chart set", n) for n in names]
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project)
            self._bump(conn, pid, "charts_v")
            rows = self._set_rows(conn, pid)
            current = [r.name for r in rows]
            if expect is not UNCHECKED and list(expect) != current:
                raise Conflict(f"the chart sets of project {project!r} were changed elsewhere meanwhile (they are "
                               f"now {short_repr(current, 120)}); nothing was written", current=current)
            if sorted(names) != sorted(current) or len(set(names)) != len(names):
                raise InvalidInput(f"the order must name each chart set of project {project!r} once: "
                                   f"{short_repr(current, 120)}, not {short_repr(names, 120)}")
            ids = {r.name: r.id for r in rows}
            self._renumber(conn, [ids[n] for n in names])

    def experiment_charts(self, project: str, experiment: str) -> list[Chart]:
        with self._tx() as conn:
            eid = self._experiment_id(conn, project, experiment)
            return self._read_charts(conn, charts.c.experiment_id == eid).get(eid, [])

    @_retried
    def set_experiment_charts(self, project: str, experiment: str, chart_list: Iterable[Mapping[str, Any] | Chart],
                              *, expect: Any = UNCHECKED) -> None:
        """The run's own charts; with ``expect`` (as read before) only while it still has those."""
        new = ChartSet.from_list(experiment, chart_list).charts
        if expect is not UNCHECKED:
            expect = ChartSet.from_list(experiment, expect).charts
        with self._tx(write=True) as conn:
            self._bump(conn, self._project_id(conn, project), "charts_v")
            eid = self._experiment_id(conn, project, experiment, lock=True)
            current = tuple(self._read_charts(conn, charts.c.experiment_id == eid).get(eid, []))
            self._expected_set(f"the charts of run {experiment!r}", expect, current)
            conn.execute(delete(charts).where(charts.c.experiment_id == eid))
            self._write_charts(conn, new, experiment_id=eid)

    # ---- several edits at once ---------------------------------------------------------------
    @_retried
    def write_edits(self, project: str, *, alias_edits: Mapping[str, tuple[Any, Sequence[str] | None]] | None = None,
                    chart_set_edits: Mapping[str, tuple[Any, Iterable[Mapping[str, Any] | Chart] | None]] | None = None,
                    pin_edits: Mapping[tuple[str, str], tuple[Any, str | None]] | None = None,
                    create: bool = False) -> None:
        """Edits of several of one project's aliases, chart sets and pins as one transaction:
        every one is written or none is (a layout file applied, or undone). Each maps a name (a
        pin: ``(experiment, alias)``) to ``(expect, value)``: ``value`` None deletes (unpins);
        ``expect`` is what the caller read (None: absent; ``UNCHECKED``: anything), as for
        ``set_alias``, ``set_chart_set`` and ``set_pin``, else ``Conflict`` and nothing is written.
        New chart sets go last, in the order given; ``create`` makes a missing project."""
        def entries(name, value):
            return value if value is None or value is UNCHECKED else self._alias_entries(name, value)

        def chart_list(name, value):
            return value if value is None or value is UNCHECKED else self._chart_list(name, value)

        a_items = [(check_name("alias", n), entries(n, e), entries(n, v)) for n, (e, v) in (alias_edits or {}).items()]
        s_items = [(n, chart_list(n, e), chart_list(n, v)) for n, (e, v) in (chart_set_edits or {}).items()]
        p_items = []
        for (exp, alias), (e, v) in (pin_edits or {}).items():
            check_name("alias", alias)
            p_items.append((exp, alias, e, None if v is None else check_name("channel", v)))
        with self._tx(write=True) as conn:
            pid = self._project_id(conn, project, create=create)
            for counter, touched in (("aliases_v", a_items), ("charts_v", s_items),
                                     ("pins_v", p_items or [a for a in a_items if a[2] is None])):
                if touched:
                    self._bump(conn, pid, counter)
            # every object checked first, then written: aliases made or changed, chart sets, pins,
            # and last the aliases deleted (their pins go with them)
            alias_ids = {}
            for name, expect, _v in a_items:
                alias_ids[name], current = self._alias_row(conn, pid, name)
                self._expected(f"alias {name!r} of project {project!r}", expect, current)
            set_ids = {}
            for name, expect, _v in s_items:
                set_ids[name], current = self._set_charts(conn, pid, name)
                self._expected_set(f"chart set {name!r} of project {project!r}", expect, current)
            pin_rows = []
            for exp, alias, expect, channel in p_items:
                eid = self._experiment_id(conn, project, exp, lock=True)
                where = (pins.c.experiment_id == eid) & (pins.c.alias == alias)
                current = conn.execute(select(pins.c.channel).where(where)).scalar()
                if expect is not UNCHECKED and expect != current:
                    raise Conflict(f"the pin of alias {alias!r} in run {exp!r} was changed elsewhere meanwhile "
                                   f"(it is now {current or 'unpinned'}); nothing was written", current=current)
                pin_rows.append((eid, where, alias, channel))
            for name, _e, value in a_items:
                if value is not None:
                    self._write_alias(conn, pid, alias_ids[name], name, value)
            for name, _e, value in s_items:
                if value is not None:
                    self._write_set(conn, pid, set_ids[name], name, value)
                elif set_ids[name] is not None:
                    conn.execute(delete(chart_sets).where(chart_sets.c.id == set_ids[name]))
            for eid, where, alias, channel in pin_rows:
                conn.execute(delete(pins).where(where))
                if channel is not None:
                    known = select(aliases.c.id).where(aliases.c.project_id == pid, aliases.c.name == alias)
                    if conn.execute(known).first() is None:
                        raise NotFound(f"unknown alias {alias!r} in project {project!r}")
                    conn.execute(insert(pins).values(experiment_id=eid, alias=alias, channel=channel))
            for name, _e, value in a_items:
                if value is None and alias_ids[name] is not None:
                    self._drop_alias(conn, pid, alias_ids[name], name)

_open_stores: weakref.WeakSet[Store] = weakref.WeakSet()


def _siblings(store: Store) -> list[Store]:
    """The other open stores of this process on the same SQLite file that hold connections to it."""
    if store._file_id is None:
        return []
    return [s for s in list(_open_stores) if s is not store and s._file_id == store._file_id and s._connected()]


class _Checkpoints:
    """One thread per process that runs the PASSIVE checkpoints stores ask for (``schedule``), a
    moment after their last write, so a burst of commits shares one and no writer waits for the
    fsyncs a checkpoint makes. The thread ends when it has had nothing to do for a while and is
    started again by the next request."""

    IDLE_S = 5.0

    def __init__(self) -> None:
        self.running = threading.Lock()  # held while a checkpoint runs: os.fork() waits for it
        self._cond = threading.Condition()
        self._due: dict[int, tuple[float, weakref.ref]] = {}
        self._thread: threading.Thread | None = None

    def schedule(self, store: Store, delay: float) -> None:
        with self._cond:
            key = id(store)
            when = time.monotonic() + delay
            if key not in self._due or self._due[key][0] > when:
                self._due[key] = (when, weakref.ref(store))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chartdesk-checkpoints", daemon=True)
                self._thread.start()
            self._cond.notify()

    def cancel(self, store: Store) -> None:
        with self._cond:
            self._due.pop(id(store), None)

    def _run(self) -> None:
        while True:
            with self._cond:
                if not self._due:
                    self._cond.wait(self.IDLE_S)
                    if not self._due:
                        self._thread = None
                        return
                    continue
                key, (when, ref) = min(self._due.items(), key=lambda kv: kv[1][0])
                wait = when - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                del self._due[key]
            store = ref()
            if store is not None:
                with self.running:
                    store.checkpoint()
                del store


_checkpoints = _Checkpoints()
_fork_held: list[threading.Lock] = []


def _before_fork() -> None:
    # A checkpoint caught mid-way holds SQLite's in-process locks, which the child would inherit.
    if _checkpoints.running.acquire(timeout=10):
        _fork_held.append(_checkpoints.running)


def _after_fork_in_parent() -> None:
    while _fork_held:
        _fork_held.pop().release()


def _after_fork_in_child() -> None:
    global _checkpoints
    _fork_held.clear()
    _checkpoints = _Checkpoints()  # the parent's thread is not in the child
    # Pooled connections belong to the parent process: a child gets new ones, never reuses these.
    for store in list(_open_stores):
        store.engine.dispose(close=False)
        store._shm_seen = None


os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent, after_in_child=_after_fork_in_child)


def open_store(target: str | os.PathLike | None = None) -> Store:
    """Open (or create) a store: a path, an SQLAlchemy URL, or None for the default store."""
    return Store(target)
