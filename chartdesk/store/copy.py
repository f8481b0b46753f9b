"""``chartdesk copy``: projects moved between any two stores (SQLite file <-> PostgreSQL), whole.

What moves: experiments (state, times, params, tags, notes, source), every channel's points, and the
project's aliases, chart sets, pins and experiments' own charts. Chunks travel as stored (the
same codec on every backend), so nothing is decoded on the way.

Idempotent and incremental: each chunk is compared by a digest of its blobs (md5 on the server
for PostgreSQL, in Python for SQLite), so a second copy writes nothing, and a run that grew since
the last copy sends only its changed and new chunks. Copy adds and updates; it never deletes what
only the destination has. An experiment of the same name that is a different run (another
creation time, or points that are not a prefix of the source's) is refused and left as it is;
the other experiments still go. One experiment is one write transaction in the destination.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import delete, insert, select, text, update

from ..errors import NotFound
from . import points as P
from .schema import RUNS_COUNTER, channels, chunk_summaries, chunks, experiments, projects
from .store import Store

#: Chunks moved per round trip: 64 x 3 x 512 KiB at most in memory at once.
BATCH = 64
CHUNK_COLUMNS = ("seq", "n", "x", "y", "t")
SUMMARY_COLUMNS = ("seq", "n", "x_min", "x_max", "t_min", "t_max", "sx", "sy", "st")


@dataclass
class CopyReport:
    experiments_new: int = 0
    experiments_updated: int = 0
    experiments_same: int = 0
    chunks_written: int = 0
    points_written: int = 0
    refused: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0: all copied; 3: some experiments refused; 1: every one refused."""
        done = self.experiments_new + self.experiments_updated + self.experiments_same
        if not self.refused:
            return 0
        return 3 if done else 1

    def summary(self) -> str:
        return (f"{self.experiments_new} new, {self.experiments_updated} updated, {self.experiments_same} unchanged "
                f"experiments; {self.points_written:,} points written in {self.chunks_written} chunks"
                + (f"; {len(self.refused)} refused" if self.refused else ""))


class _Refused(Exception):
    pass


def _digests(conn, cid: int) -> list[tuple[int, int, str]]:
    """(seq, n, md5 of x||y||t) of every chunk of a channel, computed where the blobs are."""
    if conn.dialect.name == "postgresql":
        q = text("SELECT seq, n, md5(x || y || t) FROM chunks WHERE channel_id = :c ORDER BY seq")
        return [tuple(r) for r in conn.execute(q, {"c": cid})]
    rows = Store._blob_rows(conn, "SELECT seq, n, x, y, t FROM chunks WHERE channel_id = %(c)s ORDER BY seq", {"c": cid})
    return [(seq, n, hashlib.md5(x + y + t).hexdigest()) for seq, n, x, y, t in rows]


def _chunk(conn, cid: int, seq: int) -> tuple[np.ndarray, ...]:
    (row,) = Store._blob_rows(conn, "SELECT x, y, t FROM chunks WHERE channel_id = %(c)s AND seq = %(s)s",
                              {"c": cid, "s": seq})
    return tuple(P.decode(b) for b in row)


def _first_difference(src_conn, scid, dst_conn, dcid, what: str) -> int | None:
    """The first chunk seq to (re)write, or None when the channel is the same. Raises _Refused when
    the destination holds points the source does not have there."""
    src, dst = _digests(src_conn, scid), _digests(dst_conn, dcid)
    if src == dst:
        return None
    for i, d in enumerate(dst):
        s = src[i] if i < len(src) else None
        if s == d:
            continue
        # The destination's last chunk may be a shorter copy of one the source has since topped up.
        if s is not None and i == len(dst) - 1 and s[1] >= d[1]:
            sx = _chunk(src_conn, scid, s[0])
            dx = _chunk(dst_conn, dcid, d[0])
            if all(np.array_equal(a[:d[1]].view(np.int64), b.view(np.int64)) for a, b in zip(sx, dx)):
                return d[0]
        at = sum(r[1] for r in dst[:i])
        raise _Refused(f"{what} differs from the source from point {at:,} on")
    return dst[-1][0] + 1 if dst else 0


def _copy_chunks(src_conn, scid: int, dst_conn, dcid: int, first_seq: int, report: CopyReport) -> None:
    dst_conn.execute(delete(chunks).where(chunks.c.channel_id == dcid, chunks.c.seq >= first_seq))
    dst_conn.execute(delete(chunk_summaries).where(chunk_summaries.c.channel_id == dcid,
                                                   chunk_summaries.c.seq >= first_seq))
    seqs = [r[0] for r in src_conn.execute(text("SELECT seq FROM chunks WHERE channel_id = :c AND seq >= :s "
                                                "ORDER BY seq"), {"c": scid, "s": first_seq})]
    for i in range(0, len(seqs), BATCH):
        span = {"c": scid, "lo": seqs[i], "hi": seqs[min(i + BATCH, len(seqs)) - 1]}
        rows = [{"channel_id": dcid, **dict(zip(CHUNK_COLUMNS, r))} for r in Store._blob_rows(
            src_conn, f"SELECT {', '.join(CHUNK_COLUMNS)} FROM chunks WHERE channel_id = %(c)s "
                      "AND seq BETWEEN %(lo)s AND %(hi)s ORDER BY seq", span)]
        summ = [{"channel_id": dcid, **dict(zip(SUMMARY_COLUMNS, r))} for r in Store._blob_rows(
            src_conn, f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM chunk_summaries WHERE channel_id = %(c)s "
                      "AND seq BETWEEN %(lo)s AND %(hi)s ORDER BY seq", span)]
        dst_conn.execute(insert(chunks), rows)
        dst_conn.execute(insert(chunk_summaries), summ)
        report.chunks_written += len(rows)
        report.points_written += sum(r["n"] for r in rows)


def _copy_experiment(src, dst, project: str, name: str, report: CopyReport) -> None:
    with src._tx() as sconn, dst._tx(write=True) as dconn:
        seid = src._experiment_id(sconn, project, name)
        srow = sconn.execute(select(experiments).where(experiments.c.id == seid)).one()
        meta = {k: srow._mapping[k] for k in ("state", "created", "finished", "params", "tags", "notes", "source")}
        dpid = dst._project_id(dconn, project, create=True)
        # The project row first (one lock order: project, then run): its runs counter is bumped
        # below when the run's tags, notes or params change, so open windows re-read them.
        dconn.execute(select(projects.c.id).where(projects.c.id == dpid).with_for_update())
        drow = dconn.execute(select(experiments).where(experiments.c.project_id == dpid, experiments.c.name == name)
                             .with_for_update()).first()
        if drow is None:
            deid, _ = Store._insert_missing(dconn, experiments, dict(project_id=dpid, name=name, **meta),
                                            (experiments.c.project_id == dpid) & (experiments.c.name == name))
            changed, new = True, True
        else:
            if drow.created != srow.created:
                raise _Refused(f"experiment {name!r} of {project!r} is another run in the destination (created at "
                               f"another time); it was left as it is")
            deid = drow.id
            changed = any(drow._mapping[k] != v for k, v in meta.items())
            new = False
            if changed:
                dconn.execute(update(experiments).where(experiments.c.id == deid).values(**meta))
                dst._bump(dconn, dpid, RUNS_COUNTER)
        schans = sconn.execute(select(channels.c.id, channels.c.name, channels.c.count, channels.c.x_name)
                               .where(channels.c.experiment_id == seid).order_by(channels.c.name)).all()
        for scid, ch, count, x_name in schans:
            drow_c = dconn.execute(select(channels.c.id, channels.c.count).where(
                channels.c.experiment_id == deid, channels.c.name == ch).with_for_update()).first()
            if drow_c is None:
                dcid, _ = Store._insert_missing(dconn, channels, dict(experiment_id=deid, name=ch, count=0, version=0,
                                                                      x_name=x_name),
                                                (channels.c.experiment_id == deid) & (channels.c.name == ch))
                first = 0
            else:
                dcid = drow_c.id
                first = _first_difference(sconn, scid, dconn, dcid, f"channel {ch!r} of experiment {name!r}")
                if first is None:
                    continue
            _copy_chunks(sconn, scid, dconn, dcid, first, report)
            dconn.execute(update(channels).where(channels.c.id == dcid).values(count=count, x_name=x_name,
                                                                              version=channels.c.version + 1))
            changed = True
    if new:
        report.experiments_new += 1
    elif changed:
        report.experiments_updated += 1
    else:
        report.experiments_same += 1


def _copy_project_settings(src, dst, project: str, names: Sequence[str]) -> None:
    """Aliases, chart sets, pins and experiments' own charts: written only where they differ."""
    have = dst.aliases(project)
    for alias, entries in src.aliases(project).items():
        if have.get(alias) != entries:
            dst.set_alias(project, alias, entries)
    have_sets = dst.chart_set_list(project)
    by_name = {cs.name: cs for cs in have_sets}
    for cs in src.chart_set_list(project):
        if by_name.get(cs.name) != cs:
            dst.set_chart_set(project, cs.name, cs.charts)
    have_pins = dst.pins(project)
    for exp, pins in src.pins(project).items():
        if exp not in names:
            continue
        for alias, channel in pins.items():
            if have_pins.get(exp, {}).get(alias) != channel:
                dst.set_pin(project, exp, alias, channel)
    for exp in names:
        charts = src.experiment_charts(project, exp)
        if charts and dst.experiment_charts(project, exp) != charts:
            dst.set_experiment_charts(project, exp, charts)


def copy(src, dst, projects: Sequence[str] | None = None,
         progress: Callable[[str], None] | None = None) -> CopyReport:
    """Copy ``projects`` (all when None) from store ``src`` into store ``dst``."""
    report = CopyReport()
    known = src.projects()
    wanted = list(projects) if projects else known
    for p in wanted:
        if p not in known:
            raise NotFound(f"unknown project {p!r} in {src.describe()}" + (f"; known: {', '.join(known)}" if known
                                                                           else "; it has no projects"))
    for p in wanted:
        dst.create_project(p)
        done = []
        for name in src.experiments(p):
            if progress:
                progress(f"{p}/{name}")
            try:
                _copy_experiment(src, dst, p, name, report)
                done.append(name)
            except _Refused as exc:
                report.refused.append(f"{p}/{name}: {exc}")
        _copy_project_settings(src, dst, p, done)
    return report
