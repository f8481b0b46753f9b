"""Whether an SQLite file is a ChartDesk store, and making new ones safely.

Owns the rules for a file before any engine touches it:
- a missing file becomes a store only when asked to create one, and only ever appears whole:
  it is built under a temporary name in the same folder and hard-linked into place (an atomic
  "create if absent"), so a kill during creation or two processes creating it at once never leave
  a half-made store behind;
- a zero-byte file, or an SQLite file with application id 0 and no tables, may become a store
  (made in place, in one write transaction);
- a file of ours with a hot rollback journal (a kill while an older version switched a new file
  to WAL) is recovered by SQLite itself through a read-write open;
- anything else (garbage, another application's database, a newer schema) is refused with one
  line, and the folder is left exactly as it was: no side files.
"""
from __future__ import annotations

import os
import sqlite3
import time
import uuid
from pathlib import Path

from ..errors import StoreError
from .schema import APPLICATION_ID, SCHEMA_VERSION, meta

SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def side_files(path: Path) -> dict[str, bool]:
    return {s: Path(f"{path}{s}").exists() for s in SIDE_SUFFIXES}


def _drop_new_side_files(path: Path, before: dict[str, bool]) -> None:
    """Remove the -wal/-shm files a read-only look created (never one that was there before)."""
    for suffix, existed in before.items():
        p = Path(f"{path}{suffix}")
        if not existed and suffix != "-journal" and p.exists():
            try:
                if suffix == "-shm" or p.stat().st_size == 0:
                    p.unlink()
            except OSError:
                pass


def _header_app_id(head: bytes) -> int:
    return int.from_bytes(head[68:72], "big")


JOURNAL_MAGIC = bytes.fromhex("d9d505f920a163d7")


def _read_head(path: Path, n: int) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None


def _hot_journal(path: Path) -> bool:
    """A rollback journal beside the file that SQLite would roll back (its header is valid)."""
    journal = Path(f"{path}-journal")
    try:
        with open(journal, "rb") as fh:
            return fh.read(8) == JOURNAL_MAGIC
    except OSError:
        return False


def file_uri(path, query: str) -> str:
    """An SQLite ``file:`` URI for ``path`` with ``query`` (``mode=ro``, ``immutable=1``): the path
    percent-encoded, so a folder or file named with ``%41``, ``#`` or ``?`` is that file and no
    other (put raw into a URI, ``#`` cuts the name short and ``?`` starts the options)."""
    return f"{Path(path).absolute().as_uri()}?{query}"


def _recover_hot_journal(path: Path) -> None:
    """A hot journal can only be rolled back by a writer: open read-write and read once."""
    try:
        con = sqlite3.connect(str(path), timeout=60)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path} has an unfinished transaction that could not be rolled back ({exc}); "
                         "it was left untouched") from None


def _look(path: Path, writable: bool) -> tuple[int, int, int, bool]:
    """(application_id, user_version, table count, whether ChartDesk's own table is among them),
    read in one read transaction. Where no side file can be made (a read-only folder), the file
    is read as it is (``immutable``)."""
    flag = "mode=ro" if writable or Path(f"{path}-shm").exists() else "immutable=1"
    ro = sqlite3.connect(file_uri(path, flag), uri=True, timeout=60, isolation_level=None)
    try:
        ro.execute("BEGIN")
        app_id = ro.execute("PRAGMA application_id").fetchone()[0]
        version = ro.execute("PRAGMA user_version").fetchone()[0]
        n = ro.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        mine = ro.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                          (meta.name,)).fetchone()[0] > 0
        ro.execute("COMMIT")
        return app_id, version, n, mine
    finally:
        ro.close()


#: Less free space than this beside a store, and an I/O error opening it, is the full disk: SQLite
#: could not make its 32 KiB -shm file (nor a -wal).
FULL_DISK_BYTES = 256 << 10


def no_space(path: Path) -> bool:
    """Whether the file system holding ``path`` has (next to) no room left."""
    try:
        st = os.statvfs(path.parent if str(path.parent) else ".")
    except (OSError, AttributeError):
        return False
    return st.f_bavail * st.f_frsize < FULL_DISK_BYTES


def _look_failed(path: Path, head: bytes, exc: sqlite3.DatabaseError) -> str:
    """The one line for an SQLite file that SQLite could not read: a full disk, an I/O error, a
    damaged store of ours, or not a database of ours at all."""
    text = str(exc)
    if "disk I/O error" in text or "disk is full" in text or isinstance(exc, sqlite3.OperationalError) \
            and "unable to open" in text:
        if no_space(path):
            return (f"cannot open store {path}: no space left on the device (SQLite needs room for its -shm and "
                    "-wal files beside it); it was left untouched")
        return f"cannot read store {path}: {text}; it was left untouched"
    if _header_app_id(head) == APPLICATION_ID:
        return damaged_line(path, text)
    return f"{path} is not a ChartDesk store ({text}); it was left untouched"


def damaged_line(path: Path, why: str) -> str:
    """The one line for a store of ours that is damaged (the rest of the folder left as it was)."""
    return (f"the store is damaged: {path} ({why}); run `chartdesk check --db {path}` to see what can be saved. "
            "It was left untouched")


def header_damage(head: bytes) -> str | None:
    """What is wrong with the first 100 bytes of a store file of ours (its identity: the header
    starts with SQLite's magic and holds ChartDesk's application id at offset 68, and a file
    with our application id, or our tables, is ours whatever else was overwritten); None when
    both are as SQLite and ChartDesk wrote them."""
    if not head.startswith(SQLITE_MAGIC):
        return f"its file header was overwritten: it starts {head[:16]!r}, not SQLite's {SQLITE_MAGIC!r}"
    app_id = _header_app_id(head)
    if app_id != APPLICATION_ID:
        return (f"its file header was overwritten: application id {app_id:#010x} at offset 68, not ChartDesk's "
                f"{APPLICATION_ID:#010x}, yet it holds ChartDesk's tables")
    return None


def classify(path: Path, writable: bool = True) -> str:
    """'missing', 'empty' (may become a store in place) or 'ours'; raise StoreError otherwise."""
    if path.is_dir():
        raise StoreError(f"{path} is a folder, not a ChartDesk store")
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise StoreError(f"cannot read {path}: {exc.strerror}") from None
    if size == 0:
        return "empty"
    head = _read_head(path, 100)
    if writable and _hot_journal(path) and (head == bytes(len(head)) or (
            head.startswith(SQLITE_MAGIC) and _header_app_id(head) in (0, APPLICATION_ID))):
        # Ours, or a new file whose first page was never written: let SQLite roll it back.
        _recover_hot_journal(path)
        if path.stat().st_size == 0:
            return "empty"
        head = _read_head(path, 100)
    if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
        if len(head) == 100 and _header_app_id(head) == APPLICATION_ID:
            raise StoreError(damaged_line(path, header_damage(head)))
        raise StoreError(f"{path} is not a ChartDesk store (not an SQLite database); it was left untouched")
    before = side_files(path)
    try:
        app_id, version, n, mine = _look(path, writable)
    except sqlite3.DatabaseError as exc:
        _drop_new_side_files(path, before)
        raise StoreError(_look_failed(path, head, exc)) from None
    if app_id == APPLICATION_ID:
        if version > SCHEMA_VERSION:
            _drop_new_side_files(path, before)
            raise StoreError(f"{path} was written by a newer ChartDesk (schema {version}, this one reads up to "
                             f"{SCHEMA_VERSION}); upgrade ChartDesk to open it. It was left untouched")
        return "ours"
    if app_id == 0 and n == 0:
        return "empty"
    _drop_new_side_files(path, before)
    if mine:  # our tables under another id: the header's application id was overwritten
        raise StoreError(damaged_line(path, header_damage(head)))
    if n == 0:
        raise StoreError(f"{path} is an SQLite database of another application (application id {app_id}), "
                         "not a ChartDesk store; it was left untouched")
    raise StoreError(f"{path} is an SQLite database of another application, not a ChartDesk store; "
                     "it was left untouched")


#: A ``.NAME.creating-PID-ID`` file this old belongs to a creation that died, whatever its pid
#: (another host's process on a shared folder cannot be asked); a dead local pid's at once.
CREATING_STALE_S = 600
#: ... but never younger than this: a creation takes well under a second.
CREATING_GRACE_S = 60


def creating_leftovers(path: Path) -> list[tuple[Path, bool]]:
    """What creations of ``path`` that were killed left beside it (``.NAME.creating-PID-ID`` and
    its side files), each with whether it may be removed now (its process is gone)."""
    prefix = f".{path.name}.creating-"
    try:
        names = [n for n in os.listdir(path.parent if str(path.parent) else ".") if n.startswith(prefix)]
    except OSError:
        return []
    now = time.time()
    out = []
    for n in sorted(names):
        p = path.with_name(n)
        pid_text = n[len(prefix):].split("-", 1)[0]
        try:
            age = now - p.lstat().st_mtime
        except OSError:
            continue
        pid = int(pid_text) if pid_text.isdigit() else -1
        gone = pid != os.getpid() and not _pid_alive(pid)
        out.append((p, age > CREATING_STALE_S or (gone and age > CREATING_GRACE_S)))
    return out


def clear_leftovers(path: Path) -> int:
    """Remove the leftovers of killed creations of ``path`` that may go; how many files."""
    n = 0
    for p, safe in creating_leftovers(path):
        if safe:
            try:
                p.unlink()
                n += 1
            except OSError:
                pass
    return n


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def create_atomically(path: Path, build) -> bool:
    """Build a new store at a temporary name beside ``path`` with ``build(tmp_path)``, then link it
    into place. Returns False when another process created ``path`` first (theirs is kept)."""
    tmp = path.with_name(f".{path.name}.creating-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        build(tmp)
        try:
            os.link(tmp, path)
            return True
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links: a rename, unless someone was first
            if path.exists():
                return False
            os.replace(tmp, path)
            return True
    finally:
        for p in (tmp, *(Path(f"{tmp}{s}") for s in SIDE_SUFFIXES)):
            try:
                p.unlink()
            except FileNotFoundError:
                pass
