"""What an SQLite store's write-ahead log (``NAME-wal``) holds, looked at before SQLite opens it:
whether an outside program removed it, cut it short or wrote over it while committed transactions
lived only in it.

SQLite keeps two records of what the WAL holds, and only the first is rebuilt from the WAL:

- the WAL itself: a 32-byte header with two salts, then frames (a 24-byte header carrying those
  salts and a running checksum, then one page). On recovery SQLite reads frames from the first
  one and stops at the first whose salts or checksum do not follow: every frame after a cut is
  dropped silently, committed or not;
- the wal-index in ``NAME-shm`` (native byte order, two copies of a 48-byte header, then the
  checkpoint info): ``mxFrame``, the last committed frame, with the salts and the checksum of that
  frame, and ``nBackfill``, how many frames a checkpoint has copied into the main file. It
  outlives a crash (the next first opener throws it away and rebuilds it from the WAL).

So frames ``nBackfill+1 .. mxFrame`` are transactions that exist nowhere but in the WAL. When the
index says there are some and the WAL no longer holds them whole (missing, shorter, other salts,
another last frame), or when, without an index, frames carrying the WAL's salts lie past the
point where SQLite's recovery will stop, those transactions are lost: ``inspect`` says how many
frames. It reads the two files only; it must not run in a process that has the store open
through SQLite (closing any descriptor of a file drops all of the process's POSIX locks on it,
SQLite's too). Frames' page checksums are not recomputed (salts, sizes and the last frame's
checksum find a removed, truncated, zeroed or replaced WAL, not a torn page inside it).
"""
from __future__ import annotations

import os
import shutil
import struct
import time
from dataclasses import dataclass
from pathlib import Path

WAL_MAGIC = (0x377F0682, 0x377F0683)
WAL_VERSION = 3007000
WAL_HEADER = 32
FRAME_HEADER = 24
SHM_HEADER = 48
SHM_READ = 136  # two header copies and the checkpoint info
#: Files beside the store that record damage found on open: ``NAME.damaged-wal-STAMP.txt`` (the
#: line said) and, when the WAL still held bytes, ``NAME.damaged-wal-STAMP`` (a copy of it).
DAMAGE_TAG = ".damaged-wal-"


@dataclass(frozen=True)
class Index:
    """The wal-index header of ``NAME-shm`` (what SQLite knew was committed)."""

    page_size: int
    max_frame: int
    backfilled: int
    salt: bytes          # 8 bytes, as in the WAL header
    last_checksum: tuple[int, int]


@dataclass(frozen=True)
class Damage:
    wal: Path
    lost_frames: int     # committed frames that reached the main file nowhere
    page_size: int
    how: str             # "removed", "cut short", "overwritten", "cut in the middle", "lost its header"

    def line(self) -> str:
        size = self.lost_frames * self.page_size
        amount = f"{size / 2**20:.1f} MB" if size >= 1 << 20 else f"{max(1, size // 1024)} KB"
        frames = f"{self.lost_frames} page{'s' if self.lost_frames != 1 else ''}"
        return (f"the write-ahead log {self.wal} was {self.how} by another program while transactions lived only "
                f"in it: the last {frames} ({amount}) of committed writes are lost; the store opens as of what "
                "reached its main file")


def _checksum(data: bytes, s1: int = 0, s2: int = 0, big_endian: bool = False) -> tuple[int, int]:
    """SQLite's WAL checksum (``walChecksumBytes``) over ``data`` (a multiple of 8 bytes)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    m = 0xFFFFFFFF
    for i in range(0, len(words), 2):
        s1 = (s1 + words[i] + s2) & m
        s2 = (s2 + words[i + 1] + s1) & m
    return s1, s2


def read_index(shm: Path) -> Index | None:
    """The wal-index header, or None when there is no usable one (missing, not initialised, torn)."""
    try:
        with open(shm, "rb") as fh:
            head = fh.read(SHM_READ)
    except OSError:
        return None
    if len(head) < SHM_READ or head[:SHM_HEADER] != head[SHM_HEADER:2 * SHM_HEADER]:
        return None
    order = "<" if struct.pack("=I", 1) == struct.pack("<I", 1) else ">"
    version, _unused, _change, is_init, _big, size = struct.unpack(f"{order}IIIBBH", head[:16])
    if version != WAL_VERSION or is_init != 1:
        return None
    max_frame, _n_page, c1, c2 = struct.unpack(f"{order}IIII", head[16:32])
    salt = head[32:40]
    if _checksum(head[:40], big_endian=order == ">") != struct.unpack(f"{order}II", head[40:48]):
        return None
    backfilled = struct.unpack(f"{order}I", head[96:100])[0]
    page = 65536 if size == 1 else size
    if page < 512 or page & (page - 1):
        return None
    return Index(page, max_frame, min(backfilled, max_frame), salt, (c1, c2))


def _db_page_size(db: Path) -> int | None:
    try:
        with open(db, "rb") as fh:
            head = fh.read(100)
    except OSError:
        return None
    if len(head) < 100:
        return None
    size = struct.unpack(">H", head[16:18])[0]
    return 65536 if size == 1 else size or None


def _frame_headers(fh, page: int, first: int, last: int) -> list[bytes]:
    """The 24-byte headers of frames ``first..last`` (1-based) that the file holds whole."""
    out = []
    for k in range(first, last + 1):
        at = WAL_HEADER + (k - 1) * (FRAME_HEADER + page)
        fh.seek(at)
        head = fh.read(FRAME_HEADER)
        if len(head) < FRAME_HEADER:
            break
        fh.seek(at + FRAME_HEADER + page - 1)
        if len(fh.read(1)) < 1:  # the page itself is cut
            break
        out.append(head)
    return out


def _with_index(db: Path, wal: Path, index: Index) -> Damage | None:
    pending = index.max_frame - index.backfilled
    if pending <= 0:
        return None  # everything committed is in the main file: whatever became of the WAL, nothing is lost
    page = index.page_size
    try:
        fh = open(wal, "rb")
    except FileNotFoundError:
        return Damage(wal, pending, page, "removed")
    except OSError:
        return None
    with fh:
        header = fh.read(WAL_HEADER)
        if len(header) < WAL_HEADER:
            return Damage(wal, pending, page, "cut short" if header else "emptied")
        if header[16:24] != index.salt:
            return Damage(wal, pending, page, "overwritten")
        heads = _frame_headers(fh, page, 1, index.max_frame)
    good = 0
    for h in heads:
        if h[8:16] != index.salt:
            break
        good += 1
    if good < index.max_frame:
        # SQLite's recovery keeps frames up to the first bad one; those past nBackfill are lost.
        lost = index.max_frame - max(index.backfilled, good)
        how = "cut short" if len(heads) < index.max_frame and good == len(heads) else "cut in the middle"
        return Damage(wal, lost, page, how) if lost > 0 else None
    if struct.unpack(">II", heads[-1][16:24]) != index.last_checksum:
        return Damage(wal, pending, page, "overwritten")
    return None


def _without_index(db: Path, wal: Path) -> Damage | None:
    """No wal-index: SQLite will rebuild one from the WAL, stopping at the first frame that does
    not follow. Frames with the WAL's salts past that point were committed and will be dropped."""
    try:
        size = wal.stat().st_size
    except OSError:
        return None
    if size <= WAL_HEADER:
        return None
    try:
        fh = open(wal, "rb")
    except OSError:
        return None
    with fh:
        header = fh.read(WAL_HEADER)
        magic, version, page = struct.unpack(">III", header[:12])
        valid = (magic in WAL_MAGIC and version == WAL_VERSION
                 and _checksum(header[:24], big_endian=magic & 1 == 1) == struct.unpack(">II", header[24:32]))
        if not valid:
            page = _db_page_size(db) or 0
            if page < 512:
                return None
        n = (size - WAL_HEADER) // (FRAME_HEADER + page)
        heads = _frame_headers(fh, page, 1, n)
    if valid:
        salt = header[16:24]
        k = 0
        while k < len(heads) and heads[k][8:16] == salt:
            k += 1
        later = [h for h in heads[k:] if h[8:16] == salt]
        if later and any(struct.unpack(">I", h[4:8])[0] for h in later):  # a commit past the cut
            return Damage(wal, len(later), page, "cut in the middle")
        return None
    # The header is gone (truncated to nothing, then written on at the old offsets): frames that
    # share a salt pair and commit are what SQLite will ignore.
    by_salt: dict[bytes, list[bytes]] = {}
    for h in heads:
        if h[8:16] != bytes(8) and struct.unpack(">I", h[:4])[0] > 0:
            by_salt.setdefault(h[8:16], []).append(h)
    best = max(by_salt.values(), key=len, default=[])
    if best and any(struct.unpack(">I", h[4:8])[0] for h in best):
        return Damage(wal, len(best), page, "cut at its start")
    return None


def inspect(db: Path) -> Damage | None:
    """The committed transactions an outsider's change to ``db``'s WAL lost, or None. Read twice
    around the WAL, so that a checkpoint or commit of a live process in between is not taken for
    damage."""
    db = Path(db)
    wal, shm = Path(f"{db}-wal"), Path(f"{db}-shm")
    for _attempt in range(3):
        index = read_index(shm)
        found = _with_index(db, wal, index) if index is not None else _without_index(db, wal)
        if found is None:
            return None
        if read_index(shm) == index:
            return found
        time.sleep(0.01)
    return None


def keep(db: Path, damage: Damage, line: str | None = None) -> Path | None:
    """Record the damage beside the store: the line in ``NAME.damaged-wal-STAMP.txt`` and what
    the WAL still holds in ``NAME.damaged-wal-STAMP`` (a copy: SQLite's recovery will drop the
    frames past the cut, and the next writer overwrites them). The record, or None when the
    folder cannot be written. The WAL file carries no lock of SQLite's, so copying it is safe
    even in a process that has the store open (unlike the main file and -shm)."""
    stamp = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    base = db.with_name(f"{db.name}{DAMAGE_TAG}{stamp}")
    note = base.with_name(base.name + ".txt")
    try:
        if damage.wal.exists() and damage.wal.stat().st_size > WAL_HEADER:
            shutil.copyfile(damage.wal, base)
        note.write_text(f"{time.strftime('%Y-%m-%d %H:%M:%S')}: {line or damage.line()}\n", encoding="utf-8")
    except OSError:
        return None
    return note


def records(db: Path) -> list[tuple[Path, str]]:
    """The damage records beside ``db`` (oldest first) and their lines."""
    db = Path(db)
    prefix = f"{db.name}{DAMAGE_TAG}"
    try:
        names = sorted(n for n in os.listdir(db.parent or ".") if n.startswith(prefix) and n.endswith(".txt"))
    except OSError:
        return []
    out = []
    for n in names:
        p = db.with_name(n)
        try:
            text = " ".join(p.read_text(encoding="utf-8", errors="replace").split())
        except OSError:
            continue
        out.append((p, text))
    return out
