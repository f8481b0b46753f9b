"""neptune-exporter's Parquet exports (github neptune-ai/neptune-exporter), what Neptune's users
were told to run before the hosted service shut down: finding a run's part files below
``exports/data/<project>-<16 hex>/`` and reading them as one experiment.

Layout, as the exporter's ``ParquetWriter`` makes it: ``<run>-<16 hex>_part_N.parquet`` per run
(names sanitized to letters, digits, ``_`` and ``-``, then ``-`` and a BLAKE2b digest of the
original); a run's parts are written as ``.parquet.tmp`` and renamed at the end, ``part_0``
last, so a run without ``part_0`` is an export that did not finish: what its other parts hold is
imported, with a warning naming the missing file. ``.tmp`` files are not read. The model registry
(``<project>/models/``, ``<project>/model_versions/``) and ``exports/files/`` beside
``exports/data/`` are not runs; neither of them is read.

One long table (``model.SCHEMA``): ``project_id, run_id, attribute_path, attribute_type, step
decimal128(18, 6), timestamp timestamp[ms, UTC]`` and one value column per type. Read in row
groups and batches (``ParquetFile.iter_batches``), the series columns first; the value columns
only for the row groups that hold params.

- Name: the ``run_id`` column, which is the run's Neptune ID: the Neptune 2 exporter lists runs
  by ``sys/id`` (``SAN-12``), the Neptune 3 one by ``sys/custom_run_id`` (what Neptune 3 calls
  the run id; ``sys/forking/parent`` names parents by it too). Project: ``project_id``
  (``workspace/project``). The source key is the pair, so a second export of the same run
  replaces the first.
- Channels: ``float_series`` rows by ``attribute_path``, in the order they are stored; x is the
  step as the nearest float64 (computed from the decimal's scaled integer: pyarrow's own cast
  gives 0.09999999999999999 for 0.1), y as stored (the exporter writes pandas' NaN as null: read
  back as NaN; ±inf kept), t the row's timestamp in seconds.
- Params: every other attribute with a null step whose type is ``float, int, string, bool,
  datetime`` or ``string_set``, by its path; a datetime as ISO 8601 UTC text of fixed width
  (``2025-01-01T00:00:00.000Z``), which reads as a date in the runs table and sorts and compares
  (``--where``) in time order as text does; a string set as a sorted list. A null value is an
  attribute the run does not have (the Neptune 3 exporter writes one row per attribute of every
  run fetched together), so it is no param. ``sys/tags`` is the tags, not a param;
  ``sys/creation_time`` is also ``created``; ``sys/failed`` true makes the run failed (Neptune 2's
  ``sys/state`` is a ``run_state`` attribute, which the exporter does not write). Finished: the
  last point's time, else ``sys/modification_time``.
- ``string_series``, ``histogram_series``, ``file``, ``file_series``, ``file_set``, ``artifact``
  and other types are skipped.
- Forks (Neptune 3): ``sys/forking/parent`` and ``sys/forking/step`` set ``fork``; the points
  are stitched to the parent's after the whole import is written (``lineage``).
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal
from pathlib import Path

import numpy as np

from ..errors import InvalidInput
from ..model import check_name
from .base import ChannelData, ImportFailed, ParsedExperiment

FORMAT = "neptune-export"
PART = re.compile(r"^(?P<prefix>.+)_part_(?P<n>\d+)\.parquet$")
PROJECT_FOLDER = re.compile(r"^.+-[0-9a-f]{16}$")
SCOPES = ("models", "model_versions")  # the model registry, below a project's folder
SERIES = ("project_id", "run_id", "attribute_path", "attribute_type", "step", "timestamp", "float_value")
VALUES = ("int_value", "float_value", "string_value", "bool_value", "datetime_value", "string_set_value")
PARAM_COLUMN = {"int": "int_value", "float": "float_value", "string": "string_value", "bool": "bool_value",
                "datetime": "datetime_value", "string_set": "string_set_value"}
DICTIONARY = ["project_id", "run_id", "attribute_path", "attribute_type"]
BATCH_ROWS = 1 << 16
OTHER, METRIC, PARAM = 0, 1, 2


def _parts(folder: Path, filenames) -> dict[str, list[tuple[int, str]]]:
    runs: dict[str, list[tuple[int, str]]] = {}
    for fn in filenames:
        m = PART.match(fn)
        if m:
            runs.setdefault(m["prefix"], []).append((int(m["n"]), fn))
    return runs


def _holds_export(data: Path) -> bool:
    """Whether ``data`` is an exporter's data folder: a project folder holding part files."""
    try:
        for project in data.iterdir():
            if project.is_dir() and any(PART.match(f.name) for f in project.iterdir()):
                return True
    except OSError:
        pass
    return False


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    """One path per run (its ``part_0``, else its lowest part) in ``folder``; prunes the model
    registry below a project folder and ``files/`` beside an export's ``data/``."""
    if "files" in dirnames and "data" in dirnames and _holds_export(folder / "data"):
        dirnames.remove("files")  # the exporter's downloaded files: the user's CSVs there are no runs of theirs
    if folder.name in SCOPES and PROJECT_FOLDER.match(folder.parent.name):
        dirnames[:] = []
        return None
    runs = _parts(folder, filenames)
    if not runs:
        return None
    dirnames[:] = [d for d in dirnames if d not in SCOPES]
    return [folder / min(parts)[1] for _, parts in sorted(runs.items())]


def run_parts(path: Path) -> list[tuple[int, Path]]:
    """Every part file of the run ``path`` (any of its parts) belongs to, by part number."""
    m = PART.match(path.name)
    if not m:
        raise ImportFailed(path, None, "not a neptune-exporter part file (<run>-<16 hex>_part_N.parquet)")
    try:
        names = [f.name for f in path.parent.iterdir()]
    except OSError as exc:
        raise ImportFailed(path.parent, None, f"cannot be listed ({exc.strerror or exc})") from None
    found = _parts(path.parent, names).get(m["prefix"], [])
    if not found:
        raise ImportFailed(path, None, "no such file")
    return sorted((n, path.parent / fn) for n, fn in found)


def parse(path) -> list[ParsedExperiment]:
    """The run whose part file ``path`` is (all of its parts), as one experiment."""
    path = Path(path)
    parts = run_parts(path)
    run = _Run(sum(_rows(f) for _, f in parts))
    for _, f in parts:
        run.read_part(f)
    exp = run.experiment(parts[0][1])
    numbers = {n for n, _ in parts}
    missing = [n for n in range(max(numbers) + 1) if n not in numbers]
    prefix = PART.match(parts[0][1].name)["prefix"]
    read = ", ".join(f.name for _, f in parts)
    if 0 in missing:
        exp.warnings.append(f"{exp.name}: {path.parent / f'{prefix}_part_0.parquet'} is missing: neptune-exporter "
                            f"writes part_0 last, so the export of this run did not finish; imported what {read} "
                            "hold")
    elif missing:
        exp.warnings.append(f"{exp.name}: part{'s' if len(missing) > 1 else ''} "
                            f"{', '.join(map(str, missing))} of {path.parent / prefix} missing; imported {read}")
    return [exp]


def _rows(f: Path) -> int:
    """How many rows a part file holds, from its footer."""
    pa, pq = _arrow()
    try:
        return pq.read_metadata(f).num_rows
    except (pa.ArrowException, OSError) as exc:
        raise ImportFailed(f, None, f"not a readable Parquet file ({_why(exc)})") from None


def _arrow():
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pa, pq


def _scaled(arr) -> tuple[np.ndarray, np.ndarray]:
    """A decimal128 array's scaled integers (low 64 bits) and where they do not fit in 64 bits."""
    words = np.frombuffer(arr.buffers()[1], dtype="<i8")[2 * arr.offset: 2 * (arr.offset + len(arr))]
    words = words.reshape(-1, 2)
    lo, hi = words[:, 0], words[:, 1]
    return lo, hi != (lo >> 63)


def steps_as_float(arr) -> np.ndarray:
    """Steps as the nearest float64: a decimal's scaled integer divided by 10**scale is one
    correctly rounded division while the integer is below 2**53 (steps under 9e9 at scale 6);
    larger ones go through Python's Decimal, also correctly rounded. Nulls are NaN."""
    pa, _ = _arrow()
    t = arr.type
    if pa.types.is_decimal(t):
        if isinstance(t, pa.Decimal128Type) and t.scale <= 22:
            lo, wide = _scaled(arr)
            x = lo.astype(np.float64)
            if t.scale > 0:
                x /= 10.0 ** t.scale
            slow = wide | (np.abs(lo) >= (1 << 53))
        else:
            x, slow = np.zeros(len(arr)), np.ones(len(arr), dtype=bool)
        for i in np.flatnonzero(slow):
            v = arr[int(i)].as_py()
            x[i] = float(v) if isinstance(v, Decimal) else np.nan
    else:
        x = arr.cast(pa.float64()).to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    if arr.null_count:
        x[arr.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return x


_UNIT = {"s": 1.0, "ms": 1e3, "us": 1e6, "ns": 1e9}


def times_as_seconds(arr) -> np.ndarray:
    """A timestamp array as POSIX seconds (nulls NaN)."""
    pa, _ = _arrow()
    ints = arr.cast(pa.int64()).to_numpy(zero_copy_only=False)
    t = ints.astype(np.float64) / _UNIT[arr.type.unit]
    if arr.null_count:
        t[arr.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return t


def iso_utc(value) -> str:
    """A datetime as fixed-width ISO 8601 UTC text (milliseconds, ``Z``)."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _epoch(value) -> float:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


class _Run:
    """What the parts of one run hold, gathered batch by batch: the series rows into arrays of
    path code, x, y and t made once for the rows the parts' footers count (``capacity``; grown
    if a footer said less), the params as values."""

    def __init__(self, capacity: int = 0) -> None:
        self.project_id: str | None = None
        self.run_id: str | None = None
        self.first_file: Path | None = None
        self.codes: dict[str, int] = {}
        self.capacity = capacity
        self.n = 0  # series rows gathered
        self.last_t: float | None = None  # the last point's time
        self.columns: list[np.ndarray] = []  # codes (int32), x, y, t (float64), ``capacity`` long
        self.raw: dict[str, tuple[str, object]] = {}  # path -> (type, value), later rows win
        self.rows = 0
        self._values_of: tuple = (None, None, None)  # (file, row group, its value columns) last read

    # ---- reading ---------------------------------------------------------------------------
    def read_part(self, f: Path) -> None:
        pa, pq = _arrow()
        try:
            pf = pq.ParquetFile(f, read_dictionary=DICTIONARY)
        except (pa.ArrowException, OSError) as exc:
            raise ImportFailed(f, None, f"not a readable Parquet file ({_why(exc)})") from None
        names = pf.schema_arrow.names
        missing = [c for c in (*SERIES, *VALUES) if c not in names]
        if missing:
            raise ImportFailed(f, None, f"not neptune-exporter's schema: no column{'s' if len(missing) > 1 else ''} "
                                        f"{', '.join(missing)}")
        self._check_types(f, pf.schema_arrow)
        for rg in range(pf.num_row_groups):
            row = 0
            try:
                for batch in pf.iter_batches(batch_size=BATCH_ROWS, row_groups=[rg], columns=list(SERIES),
                                             use_threads=False):
                    self._batch(f, pf, rg, row, batch)
                    row += batch.num_rows
            except (pa.ArrowException, OSError) as exc:
                raise ImportFailed(f, f"row group {rg}", f"cannot be read ({_why(exc)})") from None
        self._values_of = (None, None, None)

    @staticmethod
    def _check_types(f: Path, schema) -> None:
        pa, _ = _arrow()
        expect = {
            "step": (lambda t: pa.types.is_decimal(t) or pa.types.is_integer(t) or pa.types.is_floating(t),
                     "decimal128(18, 6)"),
            "timestamp": (pa.types.is_timestamp, "timestamp[ms, UTC]"),
            "datetime_value": (pa.types.is_timestamp, "timestamp[ms, UTC]"),
            "float_value": (lambda t: pa.types.is_floating(t) or pa.types.is_integer(t), "double"),
            "int_value": (pa.types.is_integer, "int64"),
            "bool_value": (pa.types.is_boolean, "bool"),
            "string_set_value": (lambda t: pa.types.is_list(t) or pa.types.is_large_list(t), "list<string>"),
        }
        for col in DICTIONARY + ["string_value"]:
            t = schema.field(col).type
            t = t.value_type if pa.types.is_dictionary(t) else t
            if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
                raise ImportFailed(f, None, f"column {col} is {t}; neptune-exporter writes string")
        for col, (ok, want) in expect.items():
            t = schema.field(col).type
            if not ok(t):
                raise ImportFailed(f, None, f"column {col} is {t}; neptune-exporter writes {want}")

    def _kinds(self, f, rg, row, col, what) -> tuple[np.ndarray, list]:
        """Dictionary indices of a string column and its dictionary; a null is an error."""
        if col.null_count:
            i = int(np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))[0])
            raise ImportFailed(f, f"row group {rg}, row {row + i}", f"no {what}")
        return col.indices.to_numpy(zero_copy_only=False), col.dictionary.to_pylist()

    def _batch(self, f: Path, pf, rg: int, row: int, batch) -> None:
        n = batch.num_rows
        if not n:
            return
        self.rows += n
        for col, attr in (("project_id", "project_id"), ("run_id", "run_id")):
            idx, values = self._kinds(f, rg, row, batch.column(col), col)
            used = values if len(values) == 1 else \
                [values[i] for i in np.flatnonzero(np.bincount(idx, minlength=len(values)))]
            mine = getattr(self, attr)
            if mine is None:
                mine = used[0]
                setattr(self, attr, mine)
                self.first_file = f
            other = [v for v in used if v != mine]
            if other:
                at = row + int(np.flatnonzero(~np.isin(idx, [i for i, v in enumerate(values) if v == mine]))[0])
                raise ImportFailed(f, f"row group {rg}, row {at}",
                                   f"{col} {other[0]!r}, but {self.first_file.name} is of {mine!r} (one run per "
                                   "file and per run's parts)")
        t_idx, t_names = self._kinds(f, rg, row, batch.column("attribute_type"), "attribute_type")
        kind_of = np.array([METRIC if v == "float_series" else PARAM if v in PARAM_COLUMN else OTHER
                            for v in t_names], dtype=np.int8)
        kinds = kind_of[t_idx]
        step = batch.column("step")
        if (kinds == PARAM).any():
            self._params(f, pf, rg, row, batch, kinds, t_idx, t_names, step)
        metric = kinds == METRIC
        if not metric.any():
            return
        p_idx, p_names = self._kinds(f, rg, row, batch.column("attribute_path"), "attribute_path")
        codes = np.array([self._code(f, rg, row, p) for p in p_names], dtype=np.int32)
        x = steps_as_float(step)
        every = bool(metric.all())
        if step.null_count:
            bad = np.isnan(x) & metric & step.is_null().to_numpy(zero_copy_only=False)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise ImportFailed(f, f"row group {rg}, row {row + i}",
                                   f"float_series {p_names[p_idx[i]]!r} has a point without a step")
        y = batch.column("float_value").to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
        t = times_as_seconds(batch.column("timestamp"))
        c = codes[p_idx]
        if not every:
            c, x, y, t = c[metric], x[metric], y[metric], t[metric]
        self._gather(c, x, y, t)

    def _gather(self, *arrays: np.ndarray) -> None:
        k = len(arrays[0])
        if not self.columns or self.n + k > len(self.columns[0]):
            size = max(self.capacity, self.n + k, 2 * len(self.columns[0]) if self.columns else 0)
            grown = [np.empty(size, dtype=np.int32)] + [np.empty(size, dtype=np.float64) for _ in range(3)]
            for new, old in zip(grown, self.columns):
                new[:self.n] = old[:self.n]
            self.columns = grown
        for col, a in zip(self.columns, arrays):
            col[self.n:self.n + k] = a
        self.n += k

    def _code(self, f, rg, row, path: str) -> int:
        code = self.codes.get(path)
        if code is None:
            why = _bad_channel_name(path)
            if why:
                raise ImportFailed(f, f"row group {rg} (from row {row})", why)
            code = self.codes[path] = len(self.codes)
        return code

    def _params(self, f, pf, rg, row, batch, kinds, t_idx, t_names, step) -> None:
        """The non-series attributes of this batch (a null step), from the value columns of its
        rows only: read for this row group, which the exporters write params into first."""
        pa, _ = _arrow()
        sel = kinds == PARAM
        if step.null_count:
            sel &= step.is_null().to_numpy(zero_copy_only=False)
        else:
            sel[:] = False
        rows = np.flatnonzero(sel)
        if not len(rows):
            return
        if self._values_of[:2] != (f, rg):
            try:
                self._values_of = (f, rg, pf.read_row_group(rg, columns=list(VALUES), use_threads=False))
            except (pa.ArrowException, OSError) as exc:
                raise ImportFailed(f, f"row group {rg}", f"cannot be read ({_why(exc)})") from None
        values = self._values_of[2].slice(row, batch.num_rows)
        take = pa.array(rows)
        paths = batch.column("attribute_path").take(take).to_pylist()
        types = [t_names[i] for i in t_idx[rows]]
        cols = {c: values.column(c).take(take).to_pylist() for c in VALUES}
        for k, (path, kind) in enumerate(zip(paths, types)):
            value = cols[PARAM_COLUMN[kind]][k]
            if path is None:
                raise ImportFailed(f, f"row group {rg}, row {row + int(rows[k])}", "no attribute_path")
            if value is None:
                continue  # the attribute is not set in this run
            self.raw[path] = (kind, value)

    # ---- the experiment ----------------------------------------------------------------------
    def experiment(self, first: Path) -> ParsedExperiment:
        if self.run_id is None or self.project_id is None:
            raise ImportFailed(first, None, "holds no rows" if not self.rows else "no run_id")
        try:
            check_name("experiment", self.run_id)
        except InvalidInput as exc:
            raise ImportFailed(first, None, f"run_id: {exc}") from None
        exp = ParsedExperiment(name=self.run_id, source=f"{FORMAT}:{self.project_id}/{self.run_id}", fmt=FORMAT,
                               project=self.project_id)
        self._fill_channels(exp)
        last_t = self.last_t
        parent = step = None
        for path, (kind, value) in self.raw.items():
            if path == "sys/tags" and kind == "string_set":
                exp.tags = sorted(value)
                continue
            if kind == "datetime":
                if path == "sys/creation_time":
                    exp.created = _epoch(value)
                elif path == "sys/modification_time" and last_t is None:
                    last_t = _epoch(value)
                value = iso_utc(value)
            elif kind == "string_set":
                value = sorted(value)
            if path == "sys/failed" and value is True:
                exp.state = "failed"
            elif path == "sys/forking/parent" and isinstance(value, str) and value:
                parent = value
            elif path == "sys/forking/step" and kind in ("int", "float"):
                step = float(value)
            exp.params[path] = value
        exp.finished = last_t
        if parent is not None:
            if step is None:
                exp.warnings.append(f"{exp.name}: forked from {parent} at no step (sys/forking/step is not set): "
                                    "not stitched to it")
            else:
                exp.fork = (parent, step)
        return exp

    def _fill_channels(self, exp: ParsedExperiment) -> None:
        """The series rows grouped by path, each keeping its stored order: a stable sort by path
        code (a radix sort while there are fewer than 32768 paths), skipped when the rows come
        grouped (Neptune 2's layout). The columns are permuted one at a time, each original freed
        before the next, so the peak is the run's arrays, the order and one column more."""
        n = self.n
        if not n:
            return
        codes = self.columns[0][:n]
        n_paths = len(self.codes)
        order = None
        if n > 1 and not bool((codes[1:] >= codes[:-1]).all()):
            order = np.argsort(codes.astype(np.int16) if n_paths < (1 << 15) else codes, kind="stable")
        counts = np.bincount(codes, minlength=n_paths)
        del codes
        columns = self.columns[1:]
        self.columns = []
        for j, col in enumerate(columns):
            if order is not None:
                columns[j] = col[:n][order]
            elif n < 0.9 * len(col):  # a view would keep the rows the footers counted for other kinds alive
                columns[j] = col[:n].copy()
            else:
                columns[j] = col[:n]
            del col
        del order
        times = columns[2]
        if not np.isnan(times).all():
            self.last_t = float(np.nanmax(times))
        bounds = np.concatenate([[0], np.cumsum(counts)])
        names = list(self.codes)
        for code in range(n_paths):
            a, b = int(bounds[code]), int(bounds[code + 1])
            if b > a:
                exp.channels[names[code]] = ChannelData(x=columns[0][a:b], y=columns[1][a:b], t=columns[2][a:b])


@functools.lru_cache(maxsize=1 << 16)
def _bad_channel_name(name: str) -> str:
    """Why the store would refuse ``name`` as a channel ("" when it is fine); the runs of one
    export share their paths, so each is checked once."""
    try:
        check_name("channel", name)
    except InvalidInput as exc:
        return str(exc)
    return ""


def _why(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__
