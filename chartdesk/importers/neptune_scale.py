"""Neptune 3 offline repositories (the PyPI ``neptune-scale`` client, ``mode="offline"``, and
the leftovers of its ``async`` mode): finding ``run_operations.sqlite3`` files, by default below
``.neptune/<project>_<run id>_<time ns>/``, and replaying the operations they queue.

Layout, as the client's ``OperationsRepository`` makes it (its DB version ``v5``): a ``metadata``
table (``version, project, run_id``) and ``run_operations`` rows (``sequence_id, timestamp ms,
operation_type, operation BLOB``): type 1 a protobuf ``neptune.ingest.v1.Run`` (the create: its
``family``, ``experiment_id``, ``creation_time``, ``fork_point``), type 0 an ``UpdateRunSnapshot``
(``step`` as ``whole`` + ``micro`` millionths, ``timestamp``, ``preview``, and maps ``assign``,
``append`` of ``Value`` and ``modify_sets``). The messages are read with protobuf's parser from
a descriptor declared here (a map field is its repeated entry messages on the wire), so neither
the client nor its generated modules are needed. The client keeps the file in WAL mode; it is
opened with ``sqlite_readonly``, so nothing is written beside it, and the rows a killed writer
left committed in its ``-wal`` are read from a copy.

- Name: the run id (``metadata.run_id``; Neptune's ``sys/custom_run_id``); project: the Neptune
  project (``workspace/project``). A run resumed by another process (``Run`` with the same run id)
  has a folder per process: the folders beside each other whose metadata names the same run are
  one experiment, read in the order of their ``<time ns>``.
- Channels: ``append`` entries holding a float64, x the step as the nearest float64 of
  ``whole + micro / 1e6``, y as stored (NaN, ±inf kept), t the snapshot's timestamp. As the server
  does: a series' steps must increase (a point at a step not above the series' last is refused,
  and counted in a warning); a preview value is replaced by a later value at its step.
- Params: ``assign`` entries (a later assign wins): float, int, bool, string, a timestamp as ISO
  8601 UTC text, a string set as a sorted list; files and histograms are not params. Also what
  the server derives from the create: ``sys/custom_run_id``, ``sys/name`` (the experiment name),
  ``sys/creation_time``, ``sys/forking/parent`` and ``sys/forking/step``. Tags: ``modify_sets``
  on ``sys/tags`` (other string sets, ``sys/group_tags`` included, are params).
- Created: the create's ``creation_time``; finished: the last snapshot's timestamp.
- Forks: a create with a ``fork_point`` sets ``fork = (parent run id, fork step)``; the import
  stitches the parent's points to it (``lineage``).
- String series, file series, histograms and files are not read.

Damage: a row whose message cannot be parsed, or that holds what a run cannot (a step that is
not one, a second create with another fork point), refuses that run with the file, the row's
``sequence_id`` and the reason; other runs import.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import sqlite3
from pathlib import Path

from ..errors import InvalidInput
from ..model import check_name
from .base import ImportFailed, ParsedExperiment, ProtoFile, sqlite_readonly, sqlite_tables
from .neptune_export import iso_utc

FORMAT = "neptune-scale"
DB = "run_operations.sqlite3"
SNAPSHOT, CREATE = 0, 1
FOLDER_TIME = re.compile(r"_(\d+)$")
ADD, REMOVE = 1, 2
_classes = None


def _messages():
    """(Run, UpdateRunSnapshot), declared from neptune-api's ``neptune_pb/ingest/v1/common.proto``."""
    global _classes
    if _classes is not None:
        return _classes
    proto = ProtoFile("chartdesk_neptune_scale.proto", "chartdesk.neptune_scale")
    F, msg = proto.F, proto.msg
    OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    P = ".chartdesk.neptune_scale."
    msg("Timestamp", ("seconds", 1, F.TYPE_INT64, OPT, None), ("nanos", 2, F.TYPE_INT32, OPT, None))
    msg("Step", ("whole", 1, F.TYPE_UINT64, OPT, None), ("micro", 2, F.TYPE_UINT64, OPT, None))
    msg("ForkPoint", ("parent_project", 1, F.TYPE_STRING, OPT, None), ("parent_run_id", 2, F.TYPE_STRING, OPT, None),
        ("step", 4, F.TYPE_MESSAGE, OPT, P + "Step"))
    msg("StringSet", ("values", 1, F.TYPE_STRING, REP, None))
    value = msg("Value", ("float64", 1, F.TYPE_DOUBLE, OPT, None), ("int64", 3, F.TYPE_INT64, OPT, None),
                ("bool", 5, F.TYPE_BOOL, OPT, None), ("string", 6, F.TYPE_STRING, OPT, None),
                ("timestamp", 8, F.TYPE_MESSAGE, OPT, P + "Timestamp"),
                ("string_set", 12, F.TYPE_MESSAGE, OPT, P + "StringSet"),
                ("file_ref", 13, F.TYPE_BYTES, OPT, None), ("histogram", 14, F.TYPE_BYTES, OPT, None))
    proto.oneof(value, "value")
    msg("SetEntry", ("key", 1, F.TYPE_STRING, OPT, None), ("value", 2, F.TYPE_INT32, OPT, None))  # SET_OPERATION
    msg("ModifyStringSet", ("values", 1, F.TYPE_MESSAGE, REP, P + "SetEntry"))
    msg("ModifySet", ("string", 1, F.TYPE_MESSAGE, OPT, P + "ModifyStringSet"))
    msg("ValueEntry", ("key", 1, F.TYPE_STRING, OPT, None), ("value", 2, F.TYPE_MESSAGE, OPT, P + "Value"))
    msg("ModifySetEntry", ("key", 1, F.TYPE_STRING, OPT, None), ("value", 2, F.TYPE_MESSAGE, OPT, P + "ModifySet"))
    msg("Preview", ("is_preview", 1, F.TYPE_BOOL, OPT, None), ("completion_ratio", 2, F.TYPE_FLOAT, OPT, None))
    msg("Run", ("run_id", 1, F.TYPE_STRING, OPT, None), ("fork_point", 2, F.TYPE_MESSAGE, OPT, P + "ForkPoint"),
              ("creation_time", 3, F.TYPE_MESSAGE, OPT, P + "Timestamp"), ("family", 4, F.TYPE_STRING, OPT, None),
              ("experiment_id", 5, F.TYPE_STRING, OPT, None))
    msg("UpdateRunSnapshot", ("step", 1, F.TYPE_MESSAGE, OPT, P + "Step"),
               ("timestamp", 2, F.TYPE_MESSAGE, OPT, P + "Timestamp"),
               ("assign", 4, F.TYPE_MESSAGE, REP, P + "ValueEntry"),
               ("modify_sets", 5, F.TYPE_MESSAGE, REP, P + "ModifySetEntry"),
               ("append", 8, F.TYPE_MESSAGE, REP, P + "ValueEntry"),
               ("preview", 10, F.TYPE_MESSAGE, OPT, P + "Preview"))
    _classes = proto.classes("Run", "UpdateRunSnapshot")
    return _classes


# ---- finding ------------------------------------------------------------------------------------
def is_repository(f: Path) -> bool:
    return f.name == DB and {"metadata", "run_operations"} <= sqlite_tables(f)


def _claimable(f: Path) -> bool:
    """A repository, or a file of its name that no SQLite reader can open (damaged: refused by
    ``parse`` with the reason, not left out unseen)."""
    return f.name == DB and f.is_file() and (is_repository(f) or not sqlite_tables(f))


def _metadata(f: Path) -> tuple[str, str] | None:
    """(project, run id) of a repository, or None when it names none."""
    try:
        with sqlite_readonly(f) as con:
            row = con.execute("SELECT project, run_id FROM metadata ORDER BY id LIMIT 1").fetchone()
    except (ImportFailed, sqlite3.DatabaseError):
        return None
    return (str(row[0]), str(row[1])) if row else None


def _order(f: Path) -> tuple[int, str]:
    m = FOLDER_TIME.search(f.parent.name)
    return (int(m[1]) if m else 0, f.parent.name)


def same_run(f: Path) -> list[Path]:
    """The repositories of the run ``f`` holds, ``f`` among them: those in the folders beside its
    folder whose metadata names the same project and run id, in the order they were made."""
    meta = _metadata(f)
    found = {f}
    if meta is not None:
        try:
            siblings = [p / DB for p in f.parent.parent.iterdir() if p.is_dir() and p != f.parent]
        except OSError:
            siblings = []
        found.update(s for s in siblings if s.is_file() and is_repository(s) and _metadata(s) == meta)
    return sorted(found, key=_order)


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    """The repository in ``folder`` (a run folder given to the import, or its file given on its
    own); of the run folders in ``folder`` and in a ``.neptune`` there (which the walk prunes,
    being a dot folder), one repository per run, the first of a resumed run's folders (the others
    are read with it); the walk does not descend into the folders claimed."""
    if DB in filenames and _claimable(folder / DB):
        dirnames[:] = []
        return [folder / DB]
    candidates = [(d, folder / d / DB) for d in dirnames if d != ".neptune"]
    if ".neptune" in dirnames:
        try:
            candidates += [(None, p / DB) for p in sorted((folder / ".neptune").iterdir()) if p.is_dir()]
        except OSError:
            pass
    runs = [(d, f) for d, f in candidates if _claimable(f)]
    if not runs:
        return None
    claimed = {d for d, _ in runs}
    dirnames[:] = [d for d in dirnames if d not in claimed]
    firsts: dict[object, Path] = {}
    for _, f in sorted(runs, key=lambda r: _order(r[1])):
        firsts.setdefault(_metadata(f) or f, f)
    return sorted(firsts.values())


# ---- reading ------------------------------------------------------------------------------------
def _step(step) -> float:
    """``whole + micro / 1e6`` as the nearest float64 (exact decimal arithmetic, then one rounding)."""
    from fractions import Fraction

    return float(Fraction(step.whole) + Fraction(step.micro, 1_000_000))


def _seconds(ts) -> float:
    return ts.seconds + ts.nanos / 1e9


class _Series:
    __slots__ = ("x", "y", "t", "last", "previews", "refused")

    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []
        self.t: list[float] = []
        self.last: float | None = None  # the last final (not preview) step
        self.previews: dict[float, int] = {}  # step -> index of a preview value
        self.refused = 0

    def add(self, x: float, y: float, t: float, preview: bool) -> None:
        at = self.previews.get(x)
        if at is not None:  # a preview replaced (by another preview, or the final value)
            self.y[at], self.t[at] = y, t
            if not preview:
                del self.previews[x]
                self.last = x if self.last is None else max(self.last, x)
            return
        if self.last is not None and x <= self.last:
            if not (self.x and self.x[-1] == x and (self.y[-1] == y or math.isnan(y) and math.isnan(self.y[-1]))):
                self.refused += 1  # the server refuses a step that does not increase (an exact repeat: ignored)
            return
        if preview:
            self.previews[x] = len(self.x)
        else:
            self.last = x
        self.x.append(x)
        self.y.append(y)
        self.t.append(t)

    def ordered(self) -> None:
        """Points by step: previews were appended where they came, finals after them may be lower."""
        if self.previews or any(b < a for a, b in zip(self.x, self.x[1:])):
            order = sorted(range(len(self.x)), key=self.x.__getitem__)
            self.x, self.y, self.t = ([v[i] for i in order] for v in (self.x, self.y, self.t))


class _Run:
    def __init__(self, project: str, run_id: str) -> None:
        self.project, self.run_id = project, run_id
        self.series: dict[str, _Series] = {}
        self.params: dict[str, object] = {}
        self.sets: dict[str, set[str]] = {}
        self.created: float | None = None
        self.last_t: float | None = None
        self.fork: tuple[str, str | None, float] | None = None  # (parent run id, parent project, step)
        self.experiment: str | None = None
        self.creates = 0
        self.gone: list[tuple[Path, int]] = []  # (file, its first sequence_id) where earlier rows were deleted

    def create(self, msg, f: Path, where: str) -> None:
        self.creates += 1
        if msg.HasField("fork_point"):
            fp = msg.fork_point
            if not fp.parent_run_id:
                raise ImportFailed(f, where, "a fork point without a parent run id")
            fork = (fp.parent_run_id, fp.parent_project or None, _step(fp.step))
            if self.fork is not None and self.fork != fork:
                raise ImportFailed(f, where, f"forked from {fork[0]} at step {fork[2]:g}, but an earlier create of "
                                             f"this run forked it from {self.fork[0]} at {self.fork[2]:g}")
            self.fork = fork
        if msg.HasField("creation_time") and self.created is None:
            self.created = _seconds(msg.creation_time)
        if msg.experiment_id:
            self.experiment = msg.experiment_id

    def update(self, msg, f: Path, where: str) -> None:
        t = _seconds(msg.timestamp) if msg.HasField("timestamp") else math.nan
        if not math.isnan(t):
            self.last_t = t
        for entry in msg.assign:
            kind = entry.value.WhichOneof("value")
            v = entry.value
            if kind in ("float64", "int64", "bool", "string"):
                self.params[entry.key] = getattr(v, kind)
            elif kind == "timestamp":
                self.params[entry.key] = iso_utc(dt.datetime.fromtimestamp(_seconds(v.timestamp), dt.timezone.utc))
            elif kind == "string_set":
                self.sets.pop(entry.key, None)
                self.params[entry.key] = sorted(set(v.string_set.values))
            # file_ref, histogram: no params
        for entry in msg.modify_sets:
            current = self.sets.setdefault(entry.key, set(self.params.pop(entry.key, None) or ()))
            for op in entry.value.string.values:
                if op.value == ADD:
                    current.add(op.key)
                elif op.value == REMOVE:
                    current.discard(op.key)
        floats = [(e.key, float(getattr(e.value, kind))) for e in msg.append
                  if (kind := e.value.WhichOneof("value")) in ("float64", "int64")]
        if not floats:
            return
        if not msg.HasField("step"):
            raise ImportFailed(f, where, f"values appended to {floats[0][0]} without a step")
        x = _step(msg.step)
        preview = msg.HasField("preview") and msg.preview.is_preview
        for key, y in floats:
            s = self.series.get(key)
            if s is None:
                s = self.series[key] = _Series()
            s.add(x, y, t, preview)


def _read(run: _Run, f: Path) -> None:
    Run, Snapshot = _messages()
    from google.protobuf.message import DecodeError

    with sqlite_readonly(f) as con:
        try:
            cur = con.execute("SELECT sequence_id, operation_type, operation FROM run_operations ORDER BY sequence_id")
            first = True
            for seq, kind, blob in cur:
                if first and isinstance(seq, int) and seq > 1:
                    run.gone.append((f, seq))  # the client deletes what the server acknowledged
                first = False
                where = f"run_operations row sequence_id={seq}"
                if not isinstance(blob, bytes):
                    raise ImportFailed(f, where, f"the operation is {type(blob).__name__}, not protobuf bytes")
                if kind not in (SNAPSHOT, CREATE):
                    raise ImportFailed(f, where, f"operation_type {kind!r} is neither 0 (snapshot) nor 1 (create run)")
                msg = (Run if kind == CREATE else Snapshot)()
                try:
                    msg.ParseFromString(blob)
                except DecodeError as exc:
                    raise ImportFailed(f, where, f"not a {'Run' if kind == CREATE else 'UpdateRunSnapshot'} message "
                                                 f"({exc or 'damaged protobuf'}; {len(blob)} bytes)") from None
                (run.create if kind == CREATE else run.update)(msg, f, where)
        except sqlite3.DatabaseError as exc:
            raise ImportFailed(f, "run_operations", f"cannot be read ({exc})") from None


def parse(path) -> list[ParsedExperiment]:
    """The run whose repository ``path`` is (with the other folders of that run), as one experiment."""
    path = Path(path)
    if not is_repository(path):
        with sqlite_readonly(path) as con:  # an unreadable file says why
            try:
                tables = sorted(r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'"))
            except sqlite3.DatabaseError as exc:
                raise ImportFailed(path, None, f"not a readable SQLite file ({exc})") from None
        raise ImportFailed(path, None, "not a neptune-scale repository: no metadata and run_operations tables "
                                       f"(tables: {', '.join(tables) or 'none'})")
    meta = _metadata(path)
    if meta is None:
        raise ImportFailed(path, "metadata", "names no project and run id (the table is empty)")
    project, run_id = meta
    try:
        check_name("experiment", run_id)
    except InvalidInput as exc:
        raise ImportFailed(path, "metadata.run_id", str(exc)) from None
    files = same_run(path)
    run = _Run(project, run_id)
    for f in files:
        _read(run, f)
    exp = ParsedExperiment(name=run_id, source=f"{FORMAT}:{project}/{run_id}", fmt=FORMAT, project=project)
    refused = 0
    for key, s in run.series.items():
        refused += s.refused
        if s.x:
            s.ordered()
            ch = exp.channel(key)
            ch.x, ch.y, ch.t = s.x, s.y, s.t
    exp.params["sys/custom_run_id"] = run_id
    if run.experiment:
        exp.params["sys/name"] = run.experiment
    if run.created is not None:
        exp.params["sys/creation_time"] = iso_utc(dt.datetime.fromtimestamp(run.created, dt.timezone.utc))
    exp.params.update(run.params)
    for key, values in run.sets.items():
        if key == "sys/tags":
            exp.tags = sorted(values)
        else:
            exp.params[key] = sorted(values)
    exp.created = run.created
    exp.finished = run.last_t
    if run.fork is not None:
        parent, parent_project, step = run.fork
        exp.params["sys/forking/parent"] = parent
        exp.params["sys/forking/step"] = step
        exp.fork = (parent, step)
        if parent_project and parent_project != project:
            exp.warnings.append(f"{run_id}: forked from {parent} of another project ({parent_project}); it is looked "
                                f"for in {project}")
    for f, seq in run.gone:
        exp.warnings.append(f"{run_id}: {f} starts at operation {seq}: operations 1-{seq - 1} were sent to Neptune "
                            "and deleted from the file (Neptune deleted them when it shut down); imported what it holds")
    if run.creates == 0 and not run.gone:
        exp.warnings.append(f"{run_id}: {path} holds no create-run operation; imported the updates it holds")
    if refused:
        exp.warnings.append(f"{run_id}: {refused} point{'s' if refused > 1 else ''} at a step not above the series' "
                            "previous one left out, as Neptune refuses them (steps must increase)")
    if len(files) > 1:
        exp.warnings.append(f"{run_id}: read from {len(files)} folders (the run was resumed): "
                            f"{', '.join(str(f.parent) for f in files)}")
    return [exp]
