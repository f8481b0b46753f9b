"""Recovery files: the points a training process could not write before it exited (a full disk,
a PostgreSQL server down), kept for the next open of the store.

A process that must exit with a backlog (``tracking``) saves it in one file, next to an SQLite
store (``runs.db.recovery-<time>-<pid>-<id>.npz``) or, when that cannot be written (the full disk
itself) and for PostgreSQL, in the user's state folder (``~/.local/state/chartdesk/recovery`` on
Linux, named by a digest of the store's location without its password). Every writable open of
the store (``Store.__init__``: ``chartdesk.open_store``, ``chartdesk.init``, the command line,
the window) replays the files that belong to it, says what it replayed, and removes them.

Replay is idempotent. A file holds each run's backlog as *segments*: points that were written
(or not) by one store transaction as a whole: the batch whose write was in flight when the
process gave up (its fate unknown), then the points never sent. A segment's channel is appended
only when its last point (x, y and wall time, bit for bit) is not already in the channel, and a
segment's appends are one transaction; so a replay killed at any moment, or run twice, neither
loses nor duplicates a point. A file is locked while it is replayed (two processes opening the
store at once do not both replay it). File format: numpy ``.npz`` (no pickles), a JSON header
array ``header`` and three float64 arrays per channel and segment.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import time
import uuid
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import NotFound

log = logging.getLogger(__name__)

FORMAT = "chartdesk-recovery"
VERSION = 1
SUFFIX = ".npz"

Points = tuple[np.ndarray, np.ndarray, np.ndarray]


@dataclass
class Backlog:
    """One run's unwritten points: ``segments`` in order, each ``{channel: (x, y, t)}`` written by
    one transaction or not at all; ``hints``: the channel's point count in the store before them
    (where a replay starts looking for them); ``state``/``finished``: how the run ended."""

    project: str
    experiment: str
    state: str | None
    finished: float | None
    segments: list[dict[str, Points]]
    hints: dict[str, int] = field(default_factory=dict)

    @property
    def points(self) -> int:
        return sum(len(x) for seg in self.segments for x, _, _ in seg.values())


def store_key(store) -> str | None:
    """What names the store in a recovery file: an SQLite file's resolved path, or the URL without
    its password; None for a store nothing can find again (SQLite in memory)."""
    if store.path is not None:
        return str(Path(store.path).expanduser().resolve())
    if store.url.get_backend_name() == "sqlite":
        return None
    return store.url.set(password=None).render_as_string(hide_password=False)


def state_folder() -> Path:
    from platformdirs import user_state_path

    return user_state_path("chartdesk", appauthor=False) / "recovery"


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _places(key: str, path: Path | None) -> list[tuple[Path, str]]:
    """(folder, file-name prefix) where the recovery files of this store go, in the order tried."""
    places = []
    if path is not None:
        p = Path(key)
        places.append((p.parent, f"{p.name}.recovery-"))
    places.append((state_folder(), f"{_digest(key)}-"))
    return places


def save(key: str, path: Path | None, backlogs: Sequence[Backlog]) -> Path:
    """Write the backlogs in one new file (atomically: a reader sees all of it or nothing) and
    return its path; OSError naming each place tried when none could be written."""
    header = {"format": FORMAT, "version": VERSION, "store": key, "pid": os.getpid(), "host": socket.gethostname(),
              "written": time.time(), "runs": []}
    arrays: dict[str, np.ndarray] = {}
    for i, b in enumerate(backlogs):
        segs = []
        for j, seg in enumerate(b.segments):
            names = []
            for k, (name, (x, y, t)) in enumerate(seg.items()):
                tag = f"r{i}s{j}c{k}"
                for axis, a in zip("xyt", (x, y, t)):
                    arrays[tag + axis] = np.asarray(a, dtype=np.float64)
                names.append([name, tag])
            segs.append(names)
        header["runs"].append({"project": b.project, "experiment": b.experiment, "state": b.state,
                               "finished": b.finished, "hints": dict(b.hints), "segments": segs})
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    reasons = []
    for folder, prefix in _places(key, path):
        name = f"{prefix}{stamp}-{os.getpid()}-{uuid.uuid4().hex[:6]}{SUFFIX}"
        final, tmp = folder / name, folder / f".{name}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                np.savez(fh, **arrays)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_folder(folder)
            return final
        except OSError as exc:
            reasons.append(f"{folder}: {exc.strerror or exc}")
            try:
                tmp.unlink()
            except OSError:
                pass
    raise OSError("; ".join(reasons))


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def pending(store) -> list[Path]:
    """This store's recovery files, oldest first."""
    key = store_key(store)
    if key is None:
        return []
    found = []
    for folder, prefix in _places(key, store.path):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        found += [folder / n for n in names if n.startswith(prefix) and n.endswith(SUFFIX)]
    def age(p: Path) -> tuple:
        try:
            return (os.stat(p).st_mtime_ns, p.name)
        except OSError:
            return (0, p.name)

    return sorted(found, key=age)


def replay(store) -> None:
    """Write every recovery file of this store into it and remove the file; says what it did.
    Never raises: a file that cannot be replayed now stays for the next open."""
    try:
        files = pending(store)
    except Exception as exc:  # noqa: BLE001 - never keep a store from opening
        log.warning("could not look for recovery files of %s: %s", store.describe(), exc)
        return
    key = store_key(store)
    for path in files:
        try:
            _replay_file(store, key, path)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not replay recovery file %s into %s yet (%s); it is kept for the next open",
                        path, store.describe(), " ".join(str(exc).split()) or type(exc).__name__)


def _lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows: no second process replays at the same moment there, we hope
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _replay_file(store, key: str, path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return  # another process replayed it a moment ago
    try:
        if not _lock(fd):
            return  # another process is replaying it now
        try:
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                return
        except FileNotFoundError:
            return
        with os.fdopen(os.dup(fd), "rb") as fh:
            try:
                npz = np.load(fh, allow_pickle=False)
                header = json.loads(bytes(npz["header"]).decode("utf-8"))
                if header.get("format") != FORMAT:
                    raise ValueError("not a ChartDesk recovery file")
            except (OSError, ValueError, KeyError, zipfile.BadZipFile, UnicodeDecodeError) as exc:
                bad = path.with_name(path.name + ".unreadable")
                os.replace(path, bad)
                log.warning("recovery file %s is unreadable (%s); renamed %s, nothing replayed from it", path, exc,
                            bad.name)
                return
            if header.get("version", 0) > VERSION:
                log.warning("recovery file %s was written by a newer ChartDesk; left for it", path)
                return
            if header.get("store") != key:
                return  # another store's (a digest collision), or a file copied with its store: not ours
            for run in header["runs"]:
                _replay_run(store, path, header, run, npz)
        os.unlink(path)
        _fsync_folder(path.parent)
    finally:
        os.close(fd)


def _replay_run(store, path: Path, header: Mapping, run: Mapping, npz) -> None:
    p, e = run["project"], run["experiment"]
    segments = [{name: (npz[tag + "x"], npz[tag + "y"], npz[tag + "t"]) for name, tag in seg} for seg in run["segments"]]
    total = sum(len(x) for seg in segments for x, _, _ in seg.values())
    origin = (f"from {path} (saved by process {header.get('pid')} on {header.get('host')} at "
              f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(header.get('written', 0)))}, "
              "when it could not write them)")
    try:
        counts = {c.name: c.count for c in store.channel_infos(p, e)}
    except NotFound:
        log.warning("skipped %d points of %s/%s %s: the experiment no longer exists", total, p, e, origin)
        return
    added, already, channels = 0, 0, set()
    hints = run.get("hints") or {}
    for seg in segments:
        todo = {}
        for name, (x, y, t) in seg.items():
            if already_written(store, p, e, name, x, y, t, int(hints.get(name, 0)), counts):
                already += len(x)
            else:
                todo[name] = (x, y, t)
        if todo:
            counts.update(store.append_many(p, e, todo))  # one transaction: all of the segment or none
            added += sum(len(x) for x, _, _ in todo.values())
            channels.update(todo)
    marked = ""
    state = run.get("state")
    if state and store.experiment(p, e).state == "running":
        store.set_state(p, e, state, finished=run.get("finished"))
        marked = f" and marked it {state}"
    if added:
        skipped = f"; {already} points already in the store were skipped" if already else ""
        log.warning("replayed %d points of %s/%s (%d channel%s)%s %s%s", added, p, e, len(channels),
                    "" if len(channels) == 1 else "s", marked, origin, skipped)
    else:
        log.warning("the %d points of %s/%s %s were already in the store (an earlier replay)%s; nothing added",
                    total, p, e, origin, marked)


def already_written(store, project: str, experiment: str, name: str, x: np.ndarray, y: np.ndarray, t: np.ndarray,
             hint: int, counts: Mapping[str, int]) -> bool:
    """Whether the segment's points are in the channel already: its last point, bit for bit, at or
    after ``hint`` (a channel only grows, so an earlier write of them is there)."""
    if len(x) == 0:
        return True
    count = counts.get(name)
    if count is None:
        return False
    start = hint if 0 <= hint <= count else 0
    if start >= count:
        return False
    s = store.read(project, experiment, name, start=start)

    def bits(a, v):
        return np.ascontiguousarray(a, dtype=np.float64).view(np.uint64) == np.float64(v).view(np.uint64)

    return bool((bits(s.x, x[-1]) & bits(s.y, y[-1]) & bits(s.t, t[-1])).any())


__all__ = ["Backlog", "already_written", "pending", "replay", "save", "state_folder", "store_key"]
