"""``chartdesk check [--repair]``: find damage in a store file, and copy out what is readable.

``check`` looks at the write-ahead log before anything opens the file (``wal.inspect``: committed
transactions an outside program's removing or cutting ``-wal`` lost) and lists what earlier opens
recorded of such damage, runs SQLite's ``integrity_check`` and decodes every chunk. It also finds
what killed processes left: runs of big imports in the staging project (``store.STAGING_PROJECT``)
and ``.NAME.creating-PID-ID`` files of creations; with ``tidy`` and an intact store it removes
those whose process is gone. ``repair`` never writes the damaged file: it reads it row by row
(stepping over rows on damaged pages), keeps for each channel the chunks up to the first one that
is lost or unreadable (so every channel stays an exact prefix of what was logged), recomputes
counts and summaries, and writes a new store beside it.
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ChartDeskError, StoreError
from . import identity, wal
from . import points as P

#: Tables copied as they are, parents first (chunks and summaries are rebuilt).
PLAIN_TABLES = ("chartdesk_meta", "projects", "experiments", "pins", "aliases", "alias_entries", "chart_sets",
                "charts", "chart_series")


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    chunks: int = 0
    bad_chunks: int = 0
    #: What killed processes left (not damage), and what ``tidy`` removed of it.
    notes: list[str] = field(default_factory=list)
    #: The file itself is sound (integrity and chunks); False also when it could not be read.
    intact: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(100)
    except OSError:
        return b""


def _connect(path: Path, report: CheckReport) -> sqlite3.Connection:
    """A read-only connection to ``path``; a header an outsider overwrote is a problem of the
    report (and the rest is checked when SQLite can still read the file)."""
    head = _head(path) if path.is_file() else b""
    ours = len(head) == 100 and int.from_bytes(head[68:72], "big") == identity.APPLICATION_ID
    if not head.startswith(identity.SQLITE_MAGIC):
        if ours:
            raise StoreError(f"{identity.header_damage(head)}; SQLite cannot read the rest as it is (--repair "
                             "reads a copy with the magic written back)")
        raise StoreError(f"{path} is not an SQLite database; nothing to check")
    con = sqlite3.connect(identity.file_uri(path, "mode=ro"), uri=True, timeout=60)
    con.execute("PRAGMA query_only=1")
    if not ours:
        try:
            mine = con.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (PLAIN_TABLES[0],)).fetchone()[0] > 0
        except sqlite3.DatabaseError:
            mine = False
        if not mine:
            con.close()
            raise StoreError(f"{path} is not a ChartDesk store")
        report.problems.append(identity.header_damage(head))
    return con


def _chunk_ok(row) -> bool:
    n, xb, yb, tb = row
    if not n or n < 1:
        return False
    for b in (xb, yb, tb):
        if not isinstance(b, bytes):
            return False
        try:
            if len(P.decode(b)) != n:
                return False
        except ValueError:
            return False
    return True


def check(path: Path, tidy: bool = False) -> CheckReport:
    """What is wrong with the store file ``path``; with ``tidy``, when the file is intact, also
    remove what killed imports and creations left where their process is gone."""
    if not path.exists():
        raise StoreError(f"no store at {path}")
    report = CheckReport()
    damage = wal.inspect(path) if any(identity.side_files(path).values()) else None
    if damage is not None and wal.keep(path, damage) is None:
        report.problems.append(damage.line())
    for record, line in wal.records(path):
        report.problems.append(f"{line} [{record.name}: remove it once read]")
    if identity.no_space(path):
        raise StoreError(f"cannot check {path}: no space left on the device (SQLite needs room for its -shm "
                         "and -wal files beside the store); free some and check again")
    seen = len(report.problems)
    try:
        con = _connect(path, report)
    except StoreError as exc:
        report.problems.append(str(exc))
        return report
    try:
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check(100)")]
        except sqlite3.DatabaseError as exc:
            rows = [str(exc)]
        if rows != ["ok"]:
            lines = [line for r in rows for line in str(r).splitlines()]
            unused = [line for line in lines if line.endswith("is never used")]
            report.problems.extend(line for line in lines if line not in unused)
            if unused:
                report.problems.append(f"{len(unused)} pages are no longer reachable")
        for _rowid, row in _rows(con, "chunks", "n, x, y, t", report):
            report.chunks += 1
            if not _chunk_ok(row):
                report.bad_chunks += 1
        if report.bad_chunks:
            report.problems.append(f"{report.bad_chunks} of {report.chunks} chunks have blobs of the wrong size")
        report.intact = len(report.problems) == seen
        staged = _staging_runs(con)
    finally:
        con.close()
    _leftovers(path, report, staged, tidy and report.intact)
    return report


def _staging_runs(con: sqlite3.Connection) -> list[tuple[str, float, int]]:
    """(name, last touched, points) of the runs big imports left in the staging project."""
    from .store import STAGING_PROJECT

    try:
        return [(n, t or 0.0, int(c or 0)) for n, t, c in con.execute(
            "SELECT e.name, e.created, (SELECT sum(c.count) FROM channels c WHERE c.experiment_id = e.id) "
            "FROM experiments e JOIN projects p ON p.id = e.project_id WHERE p.name = ?", (STAGING_PROJECT,))]
    except sqlite3.DatabaseError:
        return []


def _leftovers(path: Path, report: CheckReport, staged: list, tidy: bool) -> None:
    creating = identity.creating_leftovers(path)
    if staged:
        points = sum(c for _n, _t, c in staged)
        report.notes.append(f"{len(staged)} run{'s' if len(staged) != 1 else ''} of big imports that were killed "
                            f"or are still being written wait out of sight ({points:,} points)")
    if creating:
        report.notes.append(f"{len(creating)} file{'s' if len(creating) != 1 else ''} of store creations that were "
                            f"killed: {', '.join(p.name for p, _safe in creating[:4])}"
                            f"{' …' if len(creating) > 4 else ''}")
    if not tidy or not (staged or creating):
        return
    removed_runs = 0
    if staged:
        from .store import Store

        try:
            with Store(path, create=False) as store:
                removed_runs = store.clear_staging()
        except ChartDeskError as exc:
            report.notes.append(f"the import leftovers could not be removed now: {exc}")
    identity.clear_leftovers(path)  # (the store's open above removed some already)
    removed_files = len(creating) - len(identity.creating_leftovers(path))
    if staged:
        left = len(staged) - removed_runs
        report.notes.append(f"removed {removed_runs} run{'s' if removed_runs != 1 else ''} of killed imports"
                            + (f"; {left} left (their import may still be running)" if left else ""))
    if creating:
        left = len(creating) - removed_files
        report.notes.append(f"removed {removed_files} file{'s' if removed_files != 1 else ''} of killed creations"
                            + (f"; {left} left (too recent, or their process is alive)" if left else ""))


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    """The columns ``table`` has in the file (none when it has no such table or its schema is unreadable)."""
    try:
        return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}
    except sqlite3.DatabaseError:
        return set()


def _rows(con: sqlite3.Connection, table: str, cols: str, report: CheckReport | None = None) -> Iterator[tuple]:
    """(rowid, row) of every readable row, stepping over rows that sit on damaged pages."""
    last = -(1 << 62)
    end = None
    try:
        end = con.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0]
    except sqlite3.DatabaseError:
        pass
    while True:
        try:  # one row per query: a cursor steps one row ahead, so a bad row would cost the good one before it
            r = con.execute(f"SELECT rowid, {cols} FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1",
                            (last,)).fetchone()
            if r is None:
                return
            last = r[0]
            yield r[0], r[1:]
            continue
        except sqlite3.DatabaseError as exc:
            if report is not None:
                msg = f"{table}: rows after rowid {last} unreadable ({exc})"
                if msg not in report.problems:
                    report.problems.append(msg)
            # Skip the row that failed: the next rowid, if the b-tree still says which it is ...
            try:
                nxt = con.execute(f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1",
                                  (last,)).fetchone()
                if nxt is None:
                    return
                last = nxt[0]
                continue
            except sqlite3.DatabaseError:
                pass
            # ... or else probe forward, further each time, until a read works again.
            step = 1
            base = max(last, 0)
            while True:
                probe = base + step
                if end is not None and probe > end:
                    return
                try:
                    con.execute(f"SELECT rowid FROM {table} WHERE rowid >= ? ORDER BY rowid LIMIT 1",
                                (probe,)).fetchone()
                    last = probe
                    break
                except sqlite3.DatabaseError:
                    step *= 2
                    if step > (1 << 40):
                        return


def default_repair_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.repaired{path.suffix or '.db'}")


def repair(path: Path, out: Path | None = None) -> tuple[Path, dict[str, int]]:
    """Copy everything readable of ``path`` into a new store ``out``; returns (out, figures)."""
    out = out or default_repair_path(path)
    if out.exists():
        raise StoreError(f"{out} exists already; move it away or name another with --out")
    figures = {"rows": 0, "chunks": 0, "lost_chunks": 0, "points": 0, "lost_points": 0}
    with _readable(path, out) as source:
        con = _connect(source, CheckReport())
        _copy(con, out, figures)
    return out, figures


@contextmanager
def _readable(path: Path, out: Path) -> Iterator[Path]:
    """``path``, or, when an outsider overwrote SQLite's magic in a store of ours (its application
    id still there), a copy beside ``out`` with the magic written back, so SQLite reads the rest
    (the damaged file is never written); the copy is removed afterwards."""
    head = _head(path)
    if head.startswith(identity.SQLITE_MAGIC) or len(head) < 100 or \
            int.from_bytes(head[68:72], "big") != identity.APPLICATION_ID:
        yield path
        return
    copy = out.with_name(f".{out.name}.header-{os.getpid()}")
    try:
        shutil.copyfile(path, copy)
        with open(copy, "r+b") as fh:
            fh.write(identity.SQLITE_MAGIC)
        yield copy
    finally:
        for p in (copy, *(Path(f"{copy}{s}") for s in identity.SIDE_SUFFIXES)):
            p.unlink(missing_ok=True)


def _copy(con: sqlite3.Connection, out: Path, figures: dict[str, int]) -> None:
    from sqlalchemy import insert, text

    from .schema import channels, chunk_summaries, chunks, metadata
    from .store import Store

    target = Store(out)
    try:
        with target._tx(write=True) as conn:
            conn.execute(text("DELETE FROM chartdesk_meta"))
            for table in PLAIN_TABLES:
                t = metadata.tables[table]
                have = _columns(con, table)  # an older schema lacks some (its columns get their defaults)
                names = [c.name for c in t.columns if c.name in have]
                if not names:
                    continue
                batch = [dict(zip(names, row)) for _rid, row in _rows(con, table, ", ".join(names))]
                if table == "experiments":
                    live = {r[0] for _i, r in _rows(con, "projects", "id")}
                    batch = [b for b in batch if b["project_id"] in live]
                elif table == "pins":
                    live = {r[0] for r in conn.execute(text("SELECT id FROM experiments"))}
                    batch = [b for b in batch if b["experiment_id"] in live]
                if batch:
                    conn.execute(insert(t), batch)
                figures["rows"] += len(batch)
            exp_ids = {r[0] for r in conn.execute(text("SELECT id FROM experiments"))}
            chan_rows = [r for _i, r in _rows(con, "channels", "id, experiment_id, name, count")]
            by_channel: dict[int, dict[int, tuple]] = {}
            for _rid, (cid, seq, n, xb, yb, tb) in _rows(con, "chunks", "channel_id, seq, n, x, y, t"):
                if _chunk_ok((n, xb, yb, tb)):
                    by_channel.setdefault(cid, {})[seq] = (xb, yb, tb)
            for cid, eid, name, count in chan_rows:
                if eid not in exp_ids:
                    continue
                got = by_channel.get(cid, {})
                seq, total = 0, 0
                rows, summaries = [], []
                while seq in got:
                    x, y, t = (P.decode(b) for b in got[seq])
                    r, s = P.chunk_row(seq, x, y, t)
                    rows.append({**r, "channel_id": cid})
                    summaries.append({**s, "channel_id": cid})
                    total += len(x)
                    seq += 1
                conn.execute(insert(channels).values(id=cid, experiment_id=eid, name=name, count=total, version=1))
                if rows:
                    conn.execute(insert(chunks), rows)
                    conn.execute(insert(chunk_summaries), summaries)
                figures["chunks"] += len(rows)
                figures["points"] += total
                figures["lost_points"] += max(0, int(count or 0) - total)
                figures["lost_chunks"] += len(got) - len(rows)
            target._stamp(conn)
    except BaseException:
        target.close()
        con.close()
        for p in (out, *(Path(f"{out}{s}") for s in identity.SIDE_SUFFIXES)):
            p.unlink(missing_ok=True)
        raise
    target.close()
    con.close()


