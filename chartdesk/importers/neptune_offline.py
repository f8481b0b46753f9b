"""Neptune 2 offline runs (the legacy PyPI ``neptune`` 1.x client, ``mode="offline"``), and the
leftovers of its ``async`` mode that never reached the server: finding the run folders below
``.neptune/offline/`` and ``.neptune/async/`` and replaying their queued operations.

Layout, as the client's ``DiskQueue`` writes it: ``run__<uuid>__<pid>__<random>/`` (older
clients: ``run__<uuid>`` or ``<uuid>``) holding ``metadata.json`` (mode, ``containerId``,
``containerType``, ``createdAt``, client version), ``data-N.log`` files, where N is the version
of the file's first operation (a new file every 64 MB), ``last_put_version`` (the last version
queued) and ``last_ack_version`` (the last the server acknowledged; offline: none). Each line of a
data file is one JSON object ``{"obj": {"type": ..., "path": [...], ...}, "version": N, "at":
seconds}``. Only runs are read (``containerType`` ``run``); models and projects are not.

The operations are replayed in version order as the server applied them:

- ``LogFloats`` appends ``values`` (``value``, ``step``, ``ts``); a point without a step gets the
  series' previous step + 1 (0 for its first), points keep the order logged. ``ClearFloatLog``
  empties the series; assigning a whole series (``run["x"] = FloatSeries(...)``) is written by
  the client as ``ClearFloatLog`` then ``LogFloats``, so it replaces it. NaN and ±inf are kept
  where a file holds them (the 1.x client itself drops them before they are queued).
- ``AssignFloat``/``Int``/``Bool``/``String``/``Datetime`` set a param (a later assign wins; a
  datetime, stored as epoch milliseconds, becomes ISO 8601 UTC text as the neptune-exporter reader
  gives it). ``AddStrings``/``RemoveStrings``/``ClearStringSet`` edit a string set: ``sys/tags``
  is the tags, any other a param (a sorted list). ``DeleteAttribute`` removes the attribute and
  everything below it.
- String, image and file series, files, artifacts and series configuration are not read;
  ``CopyAttribute`` (a value the server would fetch from another run) cannot be replayed and is
  skipped with a warning, as are operation types this reader does not know.

Name: ``offline/<uuid>``, what the client prints for a never-synced run (it has no ``sys/id``
yet); an async leftover ``async/<uuid>`` (its ``sys/id`` is on the server, not on disk). Project:
the one ``metadata.json`` names, if any (the 1.x client writes none: an offline run gets its
project when it is synced), else None. ``sys/name`` and every other attribute but ``sys/tags``
are params; ``sys/failed`` true makes the run failed. Created: ``createdAt``; finished: the last
operation's time.

Damage: a line that is not an operation refuses the run (``ImportFailed`` naming the file, the
line and what is wrong); the other runs import. A last line cut short (the writer was killed while
writing it) is left out with a warning, as are operations queued but missing from the files
(``last_put_version`` beyond the last one read): such a run is imported as aborted.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

from .base import ImportFailed, ParsedExperiment, is_growing
from .neptune_export import iso_utc

FORMAT = "neptune-offline"
DATA = re.compile(r"^data-(\d+)\.log$")
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
FOLDER = re.compile(rf"^(?:(?P<type>[a-z_]+)__)?(?P<uuid>{UUID})(?:__\d+__[0-9a-z]+)?$")
MODES = ("offline", "async")
ASSIGN = {"AssignFloat": "float", "AssignInt": "int", "AssignBool": "bool", "AssignString": "string",
          "AssignDatetime": "datetime"}
IGNORED = {"LogStrings", "LogImages", "ClearStringLog", "ClearImageLog", "ConfigFloatSeries", "UploadFile",
           "UploadFileContent", "UploadFileSet", "DeleteFiles", "AssignArtifact", "TrackFilesToArtifact",
           "ClearArtifact"}


# ---- finding ------------------------------------------------------------------------------------
def _data_files(names) -> list[tuple[int, str]]:
    return sorted((int(m[1]), n) for n in names if (m := DATA.match(n)))


def _metadata(folder: Path) -> dict | None:
    try:
        with open(folder / "metadata.json", encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _is_run_folder(folder: Path, filenames) -> bool:
    """A queue folder of a run: data files, and a ``metadata.json`` that says run, or (none
    readable) a folder named as the client names run folders below ``offline/`` or ``async/``."""
    if not _data_files(filenames):
        return False
    meta = _metadata(folder) if "metadata.json" in filenames else None
    if meta is not None and "containerType" in meta:
        return meta.get("containerType") == "run"
    m = FOLDER.match(folder.name)
    return bool(m) and m["type"] in (None, "run") and folder.parent.name in MODES


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    """A run folder itself; the run folders below ``.neptune/offline`` and ``.neptune/async``
    when ``folder`` holds a ``.neptune`` (which the walk prunes, being a dot folder); a data file
    of a run folder given on its own."""
    if not dirnames and len(filenames) == 1 and DATA.match(filenames[0]):
        try:
            names = [p.name for p in folder.iterdir()]
        except OSError:
            return None
        return [folder / filenames[0]] if _is_run_folder(folder, names) else None
    if _is_run_folder(folder, filenames):
        dirnames[:] = []
        return [folder]
    found = []
    if ".neptune" in dirnames:
        for mode in MODES:
            base = folder / ".neptune" / mode
            try:
                children = sorted(p for p in base.iterdir() if p.is_dir())
            except OSError:
                continue
            for child in children:
                try:
                    names = [p.name for p in child.iterdir()]
                except OSError:
                    continue
                if _is_run_folder(child, names):
                    found.append(child)
    return found or None


# ---- replaying ----------------------------------------------------------------------------------
class _Series:
    __slots__ = ("x", "y", "t")

    def __init__(self) -> None:
        self.x: list[float] = []
        self.y: list[float] = []
        self.t: list[float] = []


def _number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v) -> bool:
    try:
        return _number(v) and math.isfinite(v)
    except OverflowError:  # an integer no float holds
        return False


class _Replay:
    def __init__(self) -> None:
        self.series: dict[str, _Series] = {}
        self.params: dict[str, object] = {}  # path -> value (string sets as Python sets)
        self.skipped: dict[str, int] = {}
        self.last_at: float | None = None

    def delete(self, path: str) -> None:
        below = path + "/"
        for d in (self.series, self.params):
            for k in [k for k in d if k == path or k.startswith(below)]:
                del d[k]

    def apply(self, op: dict, f: Path, where: str) -> None:
        kind = op.get("type")
        parts = op.get("path")
        if not isinstance(kind, str):
            raise ImportFailed(f, where, f"an operation without a type: {_short(op)}")
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) and p for p in parts):
            raise ImportFailed(f, where, f"{kind}: 'path' is not a list of names: {_short(parts)}")
        path = "/".join(parts)
        if kind == "LogFloats":
            values = op.get("values")
            if not isinstance(values, list):
                raise ImportFailed(f, where, f"LogFloats {path}: 'values' is not a list: {_short(values)}")
            s = self.series.get(path)
            if s is None:
                s = self.series[path] = _Series()
            for i, point in enumerate(values):
                if not isinstance(point, dict):
                    raise ImportFailed(f, where, f"LogFloats {path}: value {i} is not an object: {_short(point)}")
                y, step, ts = point.get("value"), point.get("step"), point.get("ts")
                if not _number(y):
                    raise ImportFailed(f, where, f"LogFloats {path}: value {i} is {_short(y)}, not a number")
                if step is None:
                    step = s.x[-1] + 1 if s.x else 0.0
                elif not _finite(step):
                    raise ImportFailed(f, where, f"LogFloats {path}: step {_short(step)} of value {i} is not a number")
                if ts is not None and not _number(ts):
                    raise ImportFailed(f, where, f"LogFloats {path}: ts {_short(ts)} of value {i} is not a number")
                try:
                    s.y.append(float(y))
                except OverflowError:
                    raise ImportFailed(f, where, f"LogFloats {path}: value {i} ({str(y)[:20]}...) is too large for a "
                                                 "float64") from None
                s.x.append(float(step))
                s.t.append(float(ts) if ts is not None else math.nan)
        elif kind == "ClearFloatLog":
            self.series[path] = _Series()
        elif kind in ASSIGN:
            if "value" not in op:
                raise ImportFailed(f, where, f"{kind} {path}: no value")
            self.params[path] = _assigned(kind, op["value"], f, where, path)
        elif kind in ("AddStrings", "RemoveStrings"):
            values = op.get("values")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ImportFailed(f, where, f"{kind} {path}: 'values' is not a list of strings: {_short(values)}")
            current = self.params.get(path)
            if not isinstance(current, set):
                current = self.params[path] = set()
            if kind == "AddStrings":
                current.update(values)
            else:
                current.difference_update(values)
        elif kind == "ClearStringSet":
            self.params[path] = set()
        elif kind == "DeleteAttribute":
            self.delete(path)
        elif kind in IGNORED:
            pass
        else:  # CopyAttribute (resolved by the server from another run) and types this reader does not know
            self.skipped[kind] = self.skipped.get(kind, 0) + 1


def _assigned(kind: str, value, f: Path, where: str, path: str):
    ok = {"float": _number, "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
          "bool": lambda v: isinstance(v, bool), "string": lambda v: isinstance(v, str),
          "datetime": _number}[ASSIGN[kind]]
    if not ok(value):
        what = {"float": "a number", "int": "an integer", "bool": "true or false", "string": "a string",
                "datetime": "a time in milliseconds"}[ASSIGN[kind]]
        raise ImportFailed(f, where, f"{kind} {path}: value {_short(value)} is not {what}")
    if kind == "AssignFloat":
        return float(value)
    if kind == "AssignDatetime":
        try:
            return iso_utc(dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc))
        except (OverflowError, OSError, ValueError):
            raise ImportFailed(f, where, f"{kind} {path}: {value} ms is no time") from None
    return value


def _short(v) -> str:
    text = repr(v)
    return text if len(text) <= 80 else text[:77] + "..."


def _lines(f: Path):
    """(line number, raw line, whether it ended with a newline), reading one line at a time."""
    with open(f, "rb") as fh:
        for n, raw in enumerate(fh, 1):
            yield n, raw, raw.endswith(b"\n")


def parse(path) -> list[ParsedExperiment]:
    """The run whose queue folder is ``path`` (or whose data file it is), as one experiment."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError as exc:
        raise ImportFailed(folder, None, f"cannot be listed ({exc.strerror or exc})") from None
    files = _data_files(names)
    if not files:
        raise ImportFailed(folder, None, "no data-N.log files: not a Neptune offline run folder")
    meta = _metadata(folder) or {}
    m = FOLDER.match(folder.name)
    uuid = meta.get("containerId") if isinstance(meta.get("containerId"), str) else (m["uuid"] if m else folder.name)
    mode = meta.get("mode") if meta.get("mode") in MODES else (folder.parent.name if folder.parent.name in MODES
                                                              else "offline")
    name = f"{mode}/{uuid}"
    project = meta.get("project") if isinstance(meta.get("project"), str) and meta.get("project") else None
    exp = ParsedExperiment(name=name, source=f"{FORMAT}:{mode}/{folder.name}", fmt=FORMAT, project=project)

    replay = _Replay()
    cut = None
    first = last_read = None
    last_file = files[-1][1]
    for _, fn in files:
        f = folder / fn
        try:
            for n, raw, whole in _lines(f):
                if not raw.strip():
                    continue
                where = f"line {n}"
                try:
                    rec = json.loads(raw)
                except (ValueError, RecursionError) as exc:
                    if not whole and fn == last_file:
                        cut = (f, n, len(raw))  # the writer stopped in the middle of it
                        break
                    raise ImportFailed(f, where, f"not a JSON operation ({_why(exc)}): {_short(raw[:60])}") from None
                if not isinstance(rec, dict) or not isinstance(rec.get("obj"), dict):
                    raise ImportFailed(f, where, f"not an operation ({{\"obj\": ..., \"version\": N}}): {_short(rec)}")
                version = rec.get("version")
                if not isinstance(version, int) or isinstance(version, bool):
                    raise ImportFailed(f, where, f"version {_short(version)} is not an integer")
                if last_read is not None and version <= last_read:
                    raise ImportFailed(f, where, f"version {version} after {last_read}: the operations are not one "
                                                 "queue (the client numbers them 1, 2, 3, ... across its data files)")
                first = version if first is None else first
                last_read = version
                replay.apply(rec["obj"], f, where)  # in version order, as the server applied them
                at = rec.get("at")
                if _number(at):
                    replay.last_at = float(at)
        except OSError as exc:
            raise ImportFailed(f, None, f"cannot be read ({exc.strerror or exc})") from None

    crashed = False
    if cut is not None and not is_growing():
        crashed = True
        exp.warnings.append(f"{name}: {cut[0]} (line {cut[1]}) ends in the middle of an operation ({cut[2]} bytes): "
                            "its writer stopped while writing it; imported the operations before it")
    last_read = last_read or 0
    put = _version_file(folder / "last_put_version")
    if put is not None and put > last_read and not is_growing():
        crashed = True
        exp.warnings.append(f"{name}: {folder / 'last_put_version'} says {put} operations were queued, the files "
                            f"hold {last_read}: operations {last_read + 1}-{put} were lost when its process stopped")
    if first is not None and first > 1:
        exp.warnings.append(f"{name}: operations 1-{first - 1} are not on disk (sent to Neptune, which deleted "
                            "them when it shut down); imported what the files hold")
    for kind, count in sorted(replay.skipped.items()):
        why = ("a value the server copied from another run" if kind == "CopyAttribute"
               else "an operation this reader does not know")
        exp.warnings.append(f"{name}: {count} {kind} operation{'s' if count > 1 else ''} not replayed ({why})")

    for chan, s in replay.series.items():
        if s.x:
            ch = exp.channel(chan)
            ch.x, ch.y, ch.t = s.x, s.y, s.t
    for key, value in replay.params.items():
        if key == "sys/tags" and isinstance(value, set):
            exp.tags = sorted(value)
            continue
        if isinstance(value, set):
            value = sorted(value)
        exp.params[key] = value
    if exp.params.get("sys/failed") is True:
        exp.state = "failed"
    elif crashed:
        exp.state = "aborted"
    exp.created = _iso(meta.get("createdAt"))
    exp.finished = replay.last_at
    return [exp]


def _why(exc: Exception) -> str:
    return exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__


def _version_file(f: Path) -> int | None:
    try:
        text = f.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _iso(text) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()
