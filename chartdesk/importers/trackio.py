"""Hugging Face trackio's local store: one SQLite file per project (``<TRACKIO_DIR>/<project>.db``,
``~/.cache/huggingface/trackio/`` by default). This module owns finding such files (by their
tables: ``metrics`` and ``configs``, and none of MLflow's ``runs``/``params``), refusing a damaged
SQLite ``.db`` whose tables cannot be listed (by name, not passed over), and reading each run of
the project as one experiment.

Schema, as trackio 0.43 writes it (``sqlite_storage.py``; 0.24 added ``run_id`` to every table,
older files name runs by ``run_name`` only, and both are read):

- ``metrics(id, run_id, run_name, timestamp, step, metrics, log_id, space_id)``: one row per
  ``trackio.log`` call; ``metrics`` is JSON (bytes or text) of ``{key: value}``, floats NaN and
  ±inf written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``; ``timestamp`` ISO 8601.
- ``configs(id, run_id, run_name, config, created_at)``: the run's config as JSON, with trackio's
  own ``_Created`` (ISO time), ``_Username`` and ``_Group``. A resumed run's config row is
  replaced by the one its resuming ``init`` logged.
- ``system_metrics(id, run_id, run_name, timestamp, metrics)``: ``trackio.log_system`` and the
  automatic CPU/GPU logger, with no step.
- ``traces``, ``alerts``, ``artifacts``, ``pending_uploads`` and the rest are not runs' series:
  not read.

Mapping: one experiment per run (``run_id``; two runs may share a name, each is its own
experiment), named by the run name, in the trackio project (the file's stem: trackio names the
file after its canonical project name). Channels: every number of a ``metrics`` row by its key,
a nested dict's numbers by their joined path (``eval/rouge/l``), points in logged order (row id),
x = ``step``, t = the row's time. A histogram, table, image or other trackio object (a dict with
``_type``) is no channel; a value that is not a number (text, a list, a bool) is skipped and the
import warns once per run and key, naming the first row and its value; a row whose JSON or step
cannot be read is skipped the same way. System metrics are channels ``system/<key>`` with x the
seconds since the run's first system row, as trackio's System Metrics tab draws them. Params:
the config (nested as logged), without ``_Created`` and trackio's keys that are null. Created:
``_Created``, else the first row's time; finished: the last row's time. trackio records no run
state (a run that crashed looks like one that finished): every run is ``succeeded``.
"""
from __future__ import annotations

import json
import math
import sqlite3
from array import array
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import InvalidInput
from ..model import check_name
from .base import ChannelData, ImportFailed, ParsedExperiment, is_sqlite_file, sqlite_readonly, sqlite_tables

FORMAT = "trackio"
SUFFIXES = (".db", ".sqlite", ".sqlite3")
SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
OWN_KEYS = ("_Username", "_Group")  # trackio's own config keys, dropped when null
CHUNK = 1 << 14


def _is_store(tables: set[str]) -> bool:
    return {"metrics", "configs"} <= tables and not tables & {"runs", "params", "run_meta"}


def is_store(path: Path) -> bool:
    """Whether ``path`` is a trackio project file (decided by its tables, not its name)."""
    return _is_store(sqlite_tables(path))


def is_damaged_sqlite(path: Path) -> bool:
    """An SQLite file (by its header) whose list of tables cannot be read: whose file it was its
    content no longer says, so the reader of its extension claims it, to refuse it by name
    instead of passing over it in silence (trackio: ``.db``; goodseed: ``.sqlite``)."""
    if not is_sqlite_file(path):
        return False
    try:
        with sqlite_readonly(path) as con:
            con.execute("SELECT name FROM sqlite_master").fetchall()
    except (ImportFailed, sqlite3.DatabaseError):
        return True
    return False


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    found = []
    for fn in filenames:
        if fn.lower().endswith(SUFFIXES):
            tables = sqlite_tables(folder / fn)
            if _is_store(tables) or not tables and fn.lower().endswith(".db") and is_damaged_sqlite(folder / fn):
                found.append(folder / fn)
    return found or None


def parse(path: Path) -> list[ParsedExperiment]:
    path = Path(path)
    with sqlite_readonly(path) as con:
        reader = _Reader(path, con)
        try:
            return reader.read()
        except sqlite3.DatabaseError as exc:
            raise ImportFailed(path, f"table {reader.table}", f"cannot be read: {exc}") from None


class _Run:
    def __init__(self, key: str, name: str) -> None:
        self.key, self.name = key, name
        self.channels: dict[str, tuple[array, array, array]] = {}
        self.first = self.last = None  # times of the first and last row
        self.sys_start: float | None = None
        self.skipped: dict[tuple[str, str], list] = {}  # (key, why) -> [count, first row, value]
        self.objects: dict[str, str] = {}  # key -> trackio type (histograms, media...)

    def skip(self, key: str, why: str, row: tuple[str, int], value) -> None:
        seen = self.skipped.get((key, why))
        if seen is None:
            self.skipped[(key, why)] = [1, row, value]
        else:
            seen[0] += 1

    def seen(self, t: float) -> None:
        if not math.isnan(t):
            self.first = t if self.first is None else min(self.first, t)
            self.last = t if self.last is None else max(self.last, t)


class _Reader:
    def __init__(self, path: Path, con: sqlite3.Connection) -> None:
        self.path, self.con = path, con
        self.table = "sqlite_master"
        self.runs: dict[str, _Run] = {}
        self._ts_text, self._ts = None, math.nan
        self._names_ok: dict[str, bool] = {}

    def columns(self, table: str) -> set[str]:
        return {r[1] for r in self.con.execute(f"PRAGMA table_info({table})")}

    def run(self, key, name) -> _Run:
        key = str(key if key is not None else name)
        r = self.runs.get(key)
        if r is None:
            r = self.runs[key] = _Run(key, str(name if name is not None else key))
        return r

    def time(self, text) -> float:
        """Seconds of an ISO 8601 time (trackio writes UTC with its offset; one without is read as
        UTC); NaN when it cannot be read. A log batch shares one time, so the last is kept."""
        if text == self._ts_text:
            return self._ts
        try:
            dt = datetime.fromisoformat(str(text))
            if dt.tzinfo is None:
                dt = dt.replace(tzinfo=timezone.utc)
            ts = dt.timestamp()
        except (TypeError, ValueError, OverflowError):
            ts = math.nan
        self._ts_text, self._ts = text, ts
        return ts

    def read(self) -> list[ParsedExperiment]:
        tables = {r[0] for r in self.con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table, needed in (("metrics", {"run_name", "step", "metrics", "timestamp"}),
                              ("configs", {"run_name", "config"}),
                              ("system_metrics", {"run_name", "metrics", "timestamp"})):
            if table not in tables:
                if table == "system_metrics":
                    continue
                raise ImportFailed(self.path, f"table {table}", "missing: not a trackio project file")
            self.table = table
            missing = needed - self.columns(table)
            if missing:
                raise ImportFailed(self.path, f"table {table}", f"has no column {', '.join(sorted(missing))}: "
                                                                "not a trackio project file")
        self.table = "metrics"
        self._metrics()
        configs = self._configs()
        if "system_metrics" in tables:
            self.table = "system_metrics"
            self._system()
        return self._experiments(configs)

    def _rows(self, sql: str):
        cur = self.con.execute(sql)
        while True:
            rows = cur.fetchmany(CHUNK)
            if not rows:
                return
            yield from rows

    def _key_col(self, table: str) -> str:
        return "run_id" if "run_id" in self.columns(table) else "NULL"

    def _json(self, run: _Run, raw, row: str):
        try:
            data = json.loads(raw, parse_constant=str)  # NaN, Infinity as the text trackio writes for them
        except (TypeError, ValueError, RecursionError) as exc:
            run.skip("", f"is not JSON ({str(exc)[:60]})", row, None)
            return None
        if not isinstance(data, dict):
            run.skip("", "is not a JSON object of metrics", row, data)
            return None
        return data

    def _put(self, run: _Run, data: dict, prefix: str, row, x: float, t: float) -> None:
        """Every number of a row's metrics appended to its channel, nested dicts opened up."""
        channels = run.channels
        for k, v in data.items():
            name = f"{prefix}{k}" if prefix else k
            tv = type(v)
            if tv is float or tv is int:
                try:
                    y = float(v)
                except OverflowError:
                    y = math.inf
                if math.isinf(y):  # 1e999 or 400 digits: no float64 holds it (trackio writes inf as "Infinity")
                    run.skip(name, "is too large for a float64", row, v)
                    continue
            elif tv is str:
                y = SPECIAL.get(v)
                if y is None:
                    run.skip(name, "is not a number", row, v)
                    continue
            elif v is None:
                y = math.nan
            elif tv is dict:
                if "_type" in v:
                    run.objects.setdefault(name, str(v.get("_type")))
                else:
                    self._put(run, v, f"{name}/", row, x, t)
                continue
            else:  # a bool, a list
                run.skip(name, "is not a number", row, v)
                continue
            ch = channels.get(name)
            if ch is None:
                if not self._name_ok(name):
                    run.skip(name, "is not a channel name ChartDesk can store", row, v)
                    continue
                ch = channels[name] = (array("d"), array("d"), array("d"))
            ch[0].append(x)
            ch[1].append(y)
            ch[2].append(t)

    def _name_ok(self, name: str) -> bool:
        ok = self._names_ok.get(name)
        if ok is None:
            try:
                check_name("channel", name)
                ok = True
            except InvalidInput:
                ok = False
            self._names_ok[name] = ok
        return ok

    def _metrics(self) -> None:
        key = self._key_col("metrics")
        for rid, run_key, run_name, ts, step, raw in self._rows(
                f"SELECT id, {key}, run_name, timestamp, step, metrics FROM metrics ORDER BY id"):
            run = self.run(run_key, run_name)
            row = ("metrics", rid)
            try:
                x = math.nan if isinstance(step, bool) else float(step)
            except (TypeError, ValueError, OverflowError):
                x = math.nan
            if not math.isfinite(x):
                run.skip("", "has no step that is a number", row, step)
                continue
            data = self._json(run, raw, row)
            if data is None:
                continue
            t = self.time(ts)
            run.seen(t)
            self._put(run, data, "", row, x, t)

    def _configs(self) -> dict[str, dict]:
        self.table = "configs"
        key = self._key_col("configs")
        created_col = "created_at" if "created_at" in self.columns("configs") else "NULL"
        out: dict[str, dict] = {}
        for rid, run_key, run_name, raw, created_at in self._rows(
                f"SELECT id, {key}, run_name, config, {created_col} FROM configs ORDER BY id"):
            run = self.run(run_key, run_name)
            row = ("configs", rid)
            try:
                config = json.loads(raw)
            except (TypeError, ValueError, RecursionError) as exc:
                run.skip("", f"is not JSON ({str(exc)[:60]}): no params", row, None)
                continue
            if not isinstance(config, dict):
                run.skip("", "is not a JSON object: no params", row, config)
                continue
            created = config.pop("_Created", None)
            for own in OWN_KEYS:
                if own in config and config[own] is None:
                    del config[own]
            t = self.time(created) if created is not None else math.nan
            if math.isnan(t) and created_at is not None:
                t = self.time(created_at)
            out[run.key] = {"params": config, "created": None if math.isnan(t) else t}
        return out

    def _system(self) -> None:
        key = self._key_col("system_metrics")
        for rid, run_key, run_name, ts, raw in self._rows(
                f"SELECT id, {key}, run_name, timestamp, metrics FROM system_metrics ORDER BY timestamp, id"):
            run = self.run(run_key, run_name)
            row = ("system_metrics", rid)
            t = self.time(ts)
            if math.isnan(t):
                run.skip("", "has no time that can be read", row, ts)
                continue
            data = self._json(run, raw, row)
            if data is None:
                continue
            run.seen(t)
            if run.sys_start is None:
                run.sys_start = t
            self._put(run, data, "system/", row, t - run.sys_start, t)

    def _experiments(self, configs: dict[str, dict]) -> list[ParsedExperiment]:
        project = self.path.stem
        by_name: dict[str, list[str]] = {}
        for r in self.runs.values():
            by_name.setdefault(r.name, []).append(r.key)
        out = []
        for r in self.runs.values():
            cfg = configs.get(r.key, {})
            exp = ParsedExperiment(name=r.name, source=f"trackio:{project}/{r.key}", fmt=FORMAT, project=project)
            exp.params = cfg.get("params", {})
            exp.created = cfg.get("created") if cfg.get("created") is not None else r.first
            exp.finished = r.last if r.last is not None and (exp.created is None or r.last >= exp.created) else None
            for name, (x, y, t) in r.channels.items():
                exp.channels[name] = ChannelData(np.frombuffer(x, dtype=np.float64), np.frombuffer(y, dtype=np.float64),
                                                 np.frombuffer(t, dtype=np.float64))
            where = f"{self.path} (run {r.name!r}"
            for (key, why), (count, (table, rid), value) in r.skipped.items():
                more = f" (and {count - 1} more rows)" if count > 1 else ""
                what = f"{key!r} = {_short(value)} {why}" if key else \
                    f"the row {why}{f' ({_short(value)})' if value is not None else ''}"
                exp.warnings.append(f"{where}, {table} row {rid}): {what}: skipped{more}")
            if r.objects:
                kinds = ", ".join(f"{k} ({v})" for k, v in sorted(r.objects.items()))
                exp.warnings.append(f"{where}): not series of numbers, not imported: {kinds}")
            if len(by_name[r.name]) > 1:
                exp.warnings.append(f"{where}): {len(by_name[r.name])} runs of trackio project {project} have this "
                                    f"name (ids {', '.join(by_name[r.name])}); each is its own experiment")
            out.append(exp)
        out.sort(key=lambda e: e.created if e.created is not None else math.inf)
        return out


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
