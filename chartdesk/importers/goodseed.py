"""goodseed's local runs: one SQLite file per run,
``~/.goodseed/projects/<workspace>/<project>/runs/<run id>.sqlite`` (``GOODSEED_HOME`` moves
``~/.goodseed``; a local-only project may have no workspace: ``projects/default/runs/``). This
module owns finding such files (by their tables ``run_meta``, ``metric_series`` and
``metric_points``, whatever they are called), refusing a damaged SQLite ``.sqlite`` whose tables
cannot be listed (by name, not passed over), and reading each as one experiment.

Schema, as goodseed 0.4 writes it (``storage.py``, ``run_meta.schema_version`` 1):

- ``run_meta(key, value)``: ``run_id``, ``project`` (``workspace/project``), ``name``,
  ``created_at`` and ``closed_at`` (ISO 8601), ``status`` (``running`` until ``Run.close``, then
  ``finished`` or ``failed``; a run whose process died stays ``running``), ``trashed``
  (``"true"`` once the goodseed app moved it to the trash).
- ``configs(path, type_tag, value, updated_at, uploaded)``: one row per flat path
  (``parameters/optimizer/lr``), the value as text tagged ``null``, ``bool``, ``int``, ``float``,
  ``str``, ``datetime`` or ``string_set`` (a JSON list). ``sys/id``, ``sys/name``,
  ``sys/state``, ``sys/creation_time``, ``sys/tags`` and the rest of ``sys/*`` are configs too.
- ``metric_series(id, path)`` and ``metric_points(series_id, step REAL, y REAL, ts INTEGER,
  uploaded)``, one point per series and step (logging a step again replaces it); ``ts`` is Unix
  seconds. goodseed cannot store NaN (``y`` is ``NOT NULL``); ±inf it can.
- ``string_series``/``string_points`` (logs, the captured traceback) are not channels: not read.

Mapping: the experiment is named by the run id (``run_meta.run_id``, else the file's stem), in
project ``run_meta.project`` (else ``<workspace>/<project>`` from the path below ``projects/``).
Channels by series path, points in step order (as goodseed reads them back), x = step,
y as stored, t = ``ts``. Params: every config by its path, typed by its tag (a datetime as ISO
8601 UTC text of fixed width, a string set as a sorted list); ``sys/tags`` is the tags, not a
param. State from ``status``, created/finished from ``created_at``/``closed_at``. A trashed run
is imported, tagged ``trashed``, with a warning. A value that cannot be read (a config that does
not parse as its tag, a point whose step or value is no number) is kept as text or skipped, and
the import warns naming the file, the table and the row.
"""
from __future__ import annotations

import json
import math
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import InvalidInput
from ..model import check_name
from .base import ChannelData, ImportFailed, ParsedExperiment, sqlite_readonly, sqlite_tables
from .trackio import is_damaged_sqlite

FORMAT = "goodseed"
SUFFIXES = (".sqlite", ".sqlite3", ".db")
TABLES = {"run_meta", "metric_series", "metric_points"}
SCHEMA_VERSION = 1
STATES = {"running": "running", "finished": "succeeded", "succeeded": "succeeded", "completed": "succeeded",
          "failed": "failed", "error": "failed", "crashed": "failed", "aborted": "aborted", "killed": "aborted",
          "interrupted": "aborted", "stopped": "aborted"}
CHUNK = 1 << 16


def is_run_file(path: Path) -> bool:
    """Whether ``path`` is a goodseed run (decided by its tables, not its name)."""
    return TABLES <= sqlite_tables(path)


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    found = []
    for fn in filenames:
        if fn.lower().endswith(SUFFIXES):
            tables = sqlite_tables(folder / fn)
            if TABLES <= tables or not tables and fn.lower().endswith(".sqlite") and is_damaged_sqlite(folder / fn):
                found.append(folder / fn)
    return found or None


def parse(path: Path) -> list[ParsedExperiment]:
    path = Path(path)
    with sqlite_readonly(path) as con:
        where = ["sqlite_master"]
        try:
            return [_read(path, con, where)]
        except sqlite3.DatabaseError as exc:
            raise ImportFailed(path, f"table {where[0]}", f"cannot be read: {exc}") from None


def _project_from_path(path: Path) -> str | None:
    parts = path.resolve().parent.parts
    if len(parts) >= 3 and parts[-1] == "runs" and "projects" in parts[:-2]:
        i = len(parts) - 1 - parts[::-1].index("projects")
        return "/".join(parts[i + 1:-1]) or None
    return None


def _iso_time(text) -> float | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def _utc_text(dt: datetime) -> str:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _config_value(tag: str, raw):
    """A config's value from its type tag and text (ValueError when the text is not of its tag)."""
    if tag == "null" or raw is None:
        return None
    if tag == "bool":
        text = str(raw).lower()
        if text not in ("true", "false", "1", "0"):
            raise ValueError("not true or false")
        return text in ("true", "1")
    if tag == "int":
        return int(raw)
    if tag == "float":
        return float(raw)
    if tag == "str":
        return str(raw)
    if tag == "datetime":
        return _utc_text(datetime.fromisoformat(str(raw)))
    if tag == "string_set":
        items = json.loads(raw)
        if not isinstance(items, list):
            raise ValueError("not a JSON list")
        return sorted(str(v) for v in items)
    raise KeyError(tag)


def _read(path: Path, con: sqlite3.Connection, where: list[str]) -> ParsedExperiment:
    where[0] = "sqlite_master"
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not TABLES <= tables:
        raise ImportFailed(path, None, f"no table {', '.join(sorted(TABLES - tables))}: not a goodseed run")
    where[0] = "run_meta"
    meta = {}
    for key, value in con.execute("SELECT key, value FROM run_meta"):
        meta[str(key)] = value
    warnings: list[str] = []
    version = str(meta.get("schema_version") or "")
    if version.isdigit() and int(version) > SCHEMA_VERSION:
        warnings.append(f"{path}: written by a newer goodseed (run_meta schema_version {version}; this reader "
                        f"knows {SCHEMA_VERSION}): read as version {SCHEMA_VERSION}")
    name = str(meta.get("run_id") or path.stem)
    project = str(meta["project"]) if meta.get("project") else _project_from_path(path)
    source = f"goodseed:{project}/{name}" if project else f"goodseed:{path.resolve()}"
    exp = ParsedExperiment(name=name, source=source, fmt=FORMAT, project=project)
    status = str(meta.get("status") or "").strip().lower()
    exp.state = STATES.get(status, "succeeded")
    if status and status not in STATES:
        warnings.append(f"{path} (run_meta status): {status!r} is not a state goodseed writes: imported as succeeded")
    exp.created = _iso_time(meta.get("created_at"))
    exp.finished = _iso_time(meta.get("closed_at")) if exp.state != "running" else None
    for key in ("created_at", "closed_at"):
        if meta.get(key) and _iso_time(meta[key]) is None:
            warnings.append(f"{path} (run_meta {key}): {str(meta[key])[:40]!r} is not an ISO time: not used")
    if str(meta.get("trashed") or "").lower() == "true":
        exp.tags.append("trashed")
        warnings.append(f"{path}: run {name} is in goodseed's trash: imported, tagged trashed")

    if "configs" in tables:
        where[0] = "configs"
        _configs(path, con, exp, warnings)
    where[0] = "metric_series"
    series = {sid: str(p) for sid, p in con.execute("SELECT id, path FROM metric_series")}
    where[0] = "metric_points"
    _points(path, con, exp, series, warnings)
    exp.warnings.extend(warnings)
    return exp


def _configs(path: Path, con: sqlite3.Connection, exp: ParsedExperiment, warnings: list[str]) -> None:
    for key, tag, raw in con.execute("SELECT path, type_tag, value FROM configs ORDER BY path"):
        key, tag = str(key), str(tag)
        try:
            value = _config_value(tag, raw)
        except KeyError:
            warnings.append(f"{path} (configs {key!r}): type {tag!r} is not one goodseed writes: kept as text")
            value = raw
        except (TypeError, ValueError, OverflowError):
            warnings.append(f"{path} (configs {key!r}): {str(raw)[:40]!r} is not of type {tag}: kept as text")
            value = raw
        if key == "sys/tags" and isinstance(value, list):
            exp.tags = value + [t for t in exp.tags if t not in value]
            continue
        exp.params[key] = value


def _points(path: Path, con: sqlite3.Connection, exp: ParsedExperiment, series: dict, warnings: list[str]) -> None:
    """Each series' points, read one series at a time (the primary key's order: by step), so
    memory holds the finished channels and one series' rows."""
    ids = [r[0] for r in con.execute("SELECT DISTINCT series_id FROM metric_points ORDER BY series_id")]
    for sid in ids:
        name = series.get(sid)
        cur = con.execute("SELECT series_id, step, y, ts FROM metric_points WHERE series_id IS ? ORDER BY step", (sid,))
        chunks = []
        while True:
            rows = cur.fetchmany(CHUNK)
            if not rows:
                break
            try:
                chunks.append(np.array(rows, dtype=np.float64).reshape(-1, 4))
            except (TypeError, ValueError):  # a text value among them: row by row, naming the bad ones
                chunks.append(_checked_rows(path, rows, series, warnings))
        data = np.concatenate(chunks) if len(chunks) > 1 else chunks[0]
        bad = np.isnan(data[:, 0])  # the rows _checked_rows refused
        no_step = ~bad & ~np.isfinite(data[:, 1])
        if no_step.any():
            warnings.append(f"{path} (metric_points of {name or sid!r}): {int(no_step.sum())} points with no step "
                            "(NULL or not finite): skipped")
        if bad.any() or no_step.any():
            data = data[~(bad | no_step)]
        if not len(data):
            continue
        if name is None:
            name = f"metric_series {sid}"
            warnings.append(f"{path} (metric_points series_id {sid}): no metric_series row names it: "
                            f"{len(data)} points imported as channel {name!r}")
        try:
            check_name("channel", name)
        except InvalidInput as exc:
            warnings.append(f"{path} (metric_series {sid}): {exc}: its {len(data)} points skipped")
            continue
        exp.channels[name] = ChannelData(np.ascontiguousarray(data[:, 1]), np.ascontiguousarray(data[:, 2]),
                                         np.ascontiguousarray(data[:, 3]))


def _checked_rows(path: Path, rows, series: dict, warnings: list[str]) -> np.ndarray:
    out = np.empty((len(rows), 4))
    for i, row in enumerate(rows):
        values = []
        for column, v in zip(("series_id", "step", "y", "ts"), row):
            try:
                values.append(math.nan if v is None and column in ("y", "ts") else float(v))
            except (TypeError, ValueError):
                sid, step = row[0], row[1]
                warnings.append(f"{path} (metric_points of {series.get(sid, f'series_id {sid}')!r}, step {step!r}): "
                                f"{column} {_short(v)} is not a number: skipped")
                values = [math.nan] * 4
                break
        out[i] = values
    return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
