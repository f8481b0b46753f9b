"""Tabular logs: Lightning ``CSVLogger`` (sparse rows), Keras ``CSVLogger``, generic wide CSV
(a step column plus one column per metric), long CSV (name, step, value[, time]) and JSON lines
(wide objects, or long ``{"name", "step", "value"}`` ones)."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from .base import (
    ROW_X_NAME,
    ImportFailed,
    ParsedExperiment,
    bounded_params,
    flat_yaml,
    load_json,
    read_lines_bytes,
    to_float,
)

STEP_COLUMNS = ("step", "global_step", "training_iteration", "iteration", "iter", "epoch", "x", "_step")
TIME_COLUMNS = ("time", "wall_time", "timestamp", "_timestamp", "t")
NAME_COLUMNS = ("name", "metric", "key", "tag")
VALUE_COLUMNS = ("value", "y", "val")


def _pick(columns, choices):
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in choices if c in lower), None)


def _read_text(path: Path) -> str:
    raw = read_lines_bytes(path)
    if b"\x00" in raw[:4096]:
        raise ImportFailed(path, None, "binary data, not a text table")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(path, f"byte {exc.start}", "not UTF-8 text") from None


def is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def wall_clock(values: list[float]) -> bool:
    """Whether a column named time/t/timestamp is the wall clock: epoch seconds (or milliseconds)
    in a plausible range (2001-2100), never going back. Seconds since the start (Ultralytics) or
    seconds per iteration (detectron2) are metrics."""
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return False
    lo, hi = min(finite), max(finite)
    plausible = (1e9 <= lo and hi <= 4.2e9) or (1e12 <= lo and hi <= 4.2e12)
    return plausible and all(b >= a for a, b in zip(finite, finite[1:]))


def parse_csv(path: Path, name: str, fmt: str = "csv") -> ParsedExperiment:
    text = _read_text(path)
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(path, "line 1", "empty file") from None
    except csv.Error as exc:
        raise ImportFailed(path, "line 1", str(exc)) from None
    header = [h.strip() for h in header]
    pandas_index = len(header) >= 2 and header[0] == "" and all(header[1:])
    if pandas_index:  # DataFrame.to_csv(): an unnamed index column (Keras history saved by pandas)
        header[0] = "epoch"
    if len(header) < 2 or any(not h for h in header):
        raise ImportFailed(path, "line 1", f"header needs two or more named columns, got {header!r}")
    seen = set()
    for h in header:
        if h in seen:
            raise ImportFailed(path, "line 1", f"column {h!r} appears twice; rename one")
        seen.add(h)
    exp = ParsedExperiment(name=name, source=f"{fmt}:{path.resolve()}", fmt=fmt)
    name_col, value_col = _pick(header, NAME_COLUMNS), _pick(header, VALUE_COLUMNS)
    step_col, time_col = _pick(header, STEP_COLUMNS), _pick(header, TIME_COLUMNS)
    idx = {h: i for i, h in enumerate(header)}
    sb3 = "time/total_timesteps" in idx
    if sb3:  # SB3's logger: the step its TensorBoard output uses; "time/*" are metrics
        step_col, time_col = "time/total_timesteps", None
        fmt = exp.fmt = "sb3-progress"
    long_form = name_col is not None and value_col is not None
    if fmt == "lightning":
        exp.params.update(read_params(path.parent / "hparams.yaml", exp.warnings))
    if fmt == "run-folder-csv":  # Ultralytics args.yaml, Ray Tune params.json beside the table
        exp.params.update(read_params(path.parent / "args.yaml", exp.warnings))
        exp.params.update(read_json_params(path.parent / "params.json"))
    rows: list[tuple[int, list[str]]] = []
    row_no = 1
    try:
        for row_no, row in enumerate(reader, 2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise ImportFailed(path, f"line {row_no}", f"{len(row)} fields, the header has {len(header)}")
            rows.append((row_no, row))
    except csv.Error as exc:
        raise ImportFailed(path, f"line {row_no}", str(exc)) from None
    if not rows:
        raise ImportFailed(path, "line 2", f"a header of {len(header):,} columns and no rows: nothing to import")
    # Text columns (a date, a host name, ids, "[]", True/False): their first value is no number.
    text_cols = set()
    if not long_form:
        for h in header:
            if h == step_col:
                continue  # the x of every point: a value that is no number is an error, not a text column
            first = next((r[idx[h]].strip() for _n, r in rows if r[idx[h]].strip()), "")
            if first and not is_number(first):
                text_cols.add(h)
    if text_cols:
        exp.warnings.append(f"{path}: text columns skipped: {', '.join(sorted(text_cols))}")
    if "timesteps_total" in idx and "training_iteration" in idx and "timesteps_total" not in text_cols \
            and all(r[idx["timesteps_total"]].strip() for _n, r in rows):
        step_col = "timesteps_total"  # Ray Tune: the step its own TensorBoard logger gives the same result
    if time_col is not None and not long_form:  # long form names its time column: name,step,value,time
        values = [to_float(r[idx[time_col]], path, f"line {n}") for n, r in rows] if time_col not in text_cols else []
        if time_col in text_cols or not wall_clock(values):
            time_col = None  # a metric (seconds since the start, seconds per iteration, ...)
        else:
            exp.warnings.append(f"{path}: column {time_col!r} is the wall clock")
    metrics = [h for h in header if h not in (step_col, time_col) and h not in text_cols]
    exp.x_name = step_col or ROW_X_NAME  # x is that column ("epoch" of Keras' CSVLogger), else the row's index
    ms = time_col is not None and max((to_float(r[idx[time_col]], path, "") for _n, r in rows), default=0) > 1e11
    for row_no, row in rows:
        where = f"line {row_no}"
        step = to_float(row[idx[step_col]], path, where) if step_col else float(row_no - 2)
        wall = to_float(row[idx[time_col]], path, where) if time_col else math.nan
        if ms:
            wall /= 1000.0
        if long_form:
            metric = row[idx[name_col]].strip()
            if not metric:
                raise ImportFailed(path, where, "empty metric name")
            exp.channel(metric).add(step, to_float(row[idx[value_col]], path, where), wall)
            continue
        for m in metrics:
            cell = row[idx[m]]
            if cell.strip() == "":  # Lightning's sparse rows: a missing value is no point
                continue
            exp.channel(m).add(step, to_float(cell, path, where), wall)
    return exp


def read_json_params(path: Path) -> dict:
    """Params from a JSON object file (Ray Tune's params.json); nested objects kept."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(_read_text(path))
    except (json.JSONDecodeError, ImportFailed):
        return {}
    return data if isinstance(data, dict) else {}


def parse_sb3_monitor(path: Path, name: str) -> ParsedExperiment:
    """Stable-Baselines3 / baselines ``monitor.csv``: a ``#{json}`` line (``t_start``), then
    ``r,l,t`` per episode: x is the episode index, wall time ``t_start + t``. The channels keep
    SB3's names ``r`` and ``l``; the project gets the aliases ``episode_reward`` and
    ``episode_length`` for them."""
    lines = _read_text(path).splitlines()
    header = load_json(lines[0][1:].strip(), path, line=1) if lines and lines[0].startswith("#") else {}
    t_start = float(header.get("t_start", 0.0)) if isinstance(header, dict) else 0.0
    reader = csv.reader(io.StringIO("\n".join(lines[1:])))
    try:
        cols = [c.strip() for c in next(reader)]
    except StopIteration:
        raise ImportFailed(path, "line 2", "no r,l,t header") from None
    if not {"r", "l", "t"} <= set(cols):
        raise ImportFailed(path, "line 2", f"expected the columns r,l,t, got {cols!r}")
    idx = {c: i for i, c in enumerate(cols)}
    exp = ParsedExperiment(name=name, source=f"sb3-monitor:{path.resolve()}", fmt="sb3-monitor")
    if isinstance(header, dict):
        exp.params.update({k: v for k, v in header.items() if k != "t_start"})
    for episode, row in enumerate(reader):
        where = f"line {episode + 3}"
        if len(row) != len(cols):
            raise ImportFailed(path, where, f"{len(row)} fields, the header has {len(cols)}")
        wall = t_start + to_float(row[idx["t"]], path, where)
        exp.channel("r").add(float(episode), to_float(row[idx["r"]], path, where), wall)
        exp.channel("l").add(float(episode), to_float(row[idx["l"]], path, where), wall)
    exp.aliases = {"episode_reward": ["r"], "episode_length": ["l"]}
    return exp


def read_params(path: Path, warnings: list[str] | None = None) -> dict:
    """Params from a YAML file (Lightning hparams.yaml, YOLO args.yaml): PyYAML's safe loader,
    ``!!python/...`` tags read as plain values; nested mappings kept."""
    if not path.is_file():
        return {}
    try:
        import yaml
    except ImportError:  # PyYAML missing: the flat key: value lines
        return flat_yaml(path)

    class _Loader(yaml.SafeLoader):
        pass

    def _any(loader, suffix, node):
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        return loader.construct_scalar(node)

    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", _any)
    _Loader.add_multi_constructor("!", _any)
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=_Loader)
    except yaml.YAMLError:
        return flat_yaml(path)
    return bounded_params(data, path, warnings) if isinstance(data, dict) else {}


def _flat(obj: dict, prefix: str = "") -> dict:
    """Nested mappings flattened with ``/`` (Ray Tune's results, as its TensorBoard logger names them)."""
    out = {}
    for k, v in obj.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}/"))
        else:
            out[f"{prefix}{k}"] = v
    return out


def parse_jsonl(path: Path, name: str) -> ParsedExperiment:
    """JSON lines, wide or long. Ray Tune's ``result.json`` (objects with ``trial_id`` and
    ``training_iteration``): nested results flattened with ``/``, ``config`` as the params (or
    ``params.json`` beside it), and x the step Ray's own TensorBoard logger gives the same
    result: ``timesteps_total`` when the trial reports it, else ``training_iteration``."""
    text = _read_text(path)
    exp = ParsedExperiment(name=name, source=f"jsonl:{path.resolve()}", fmt="jsonl")
    objs: list[tuple[int, dict]] = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        obj = load_json(line, path, line=i)
        if not isinstance(obj, dict):
            raise ImportFailed(path, f"line {i}", "each line must be a JSON object")
        objs.append((i, obj))
    ray = bool(objs) and all("trial_id" in o and "training_iteration" in o for _i, o in objs)
    if ray:
        exp.fmt = "ray-result"
        exp.params.update(read_json_params(path.parent / "params.json") or
                          (objs[0][1].get("config") if isinstance(objs[0][1].get("config"), dict) else {}))
        objs = [(i, _flat({k: v for k, v in o.items() if k != "config"})) for i, o in objs]
    # a "time" key is the wall clock only when it looks like one (else a metric: detectron2's
    # seconds per iteration)
    clocks = {}
    for key in {k for _i, o in objs for k in o if k.lower() in TIME_COLUMNS}:
        values = [float(o[key]) for _i, o in objs if isinstance(o.get(key), (int, float))
                  and not isinstance(o.get(key), bool) and abs(o[key]) < 1e300]
        clocks[key] = wall_clock(values)
    counter = 0
    for i, obj in objs:
        keys = list(obj)
        step_key = _pick(keys, STEP_COLUMNS)
        if ray and isinstance(obj.get("timesteps_total"), (int, float)) and not isinstance(obj["timesteps_total"], bool):
            step_key = "timesteps_total"
        time_key = next((k for k in keys if clocks.get(k)), None)
        name_key, value_key = _pick(keys, NAME_COLUMNS), _pick(keys, VALUE_COLUMNS)
        long_form = bool(name_key and value_key) and not ray
        if long_form and time_key is None:
            time_key = _pick(keys, TIME_COLUMNS)  # the long form names its time column
        where = f"line {i}"
        step = _num(obj[step_key], path, where) if step_key else float(counter)
        wall = _num(obj[time_key], path, where) if time_key else math.nan
        if time_key and wall > 1e11:
            wall /= 1000.0  # epoch milliseconds
        counter += 1
        if long_form:
            metric = obj[name_key]
            if not isinstance(metric, (str, int, float)) or isinstance(metric, bool) or not str(metric).strip():
                raise ImportFailed(path, where, f"the metric name {json.dumps(metric)[:40]} is no name")
            _channel_of(exp, str(metric), step_key).add(step, _num(obj[value_key], path, where), wall)
            continue
        for k, v in obj.items():
            if k in (step_key, time_key) or isinstance(v, (str, dict, list, bool)) or v is None:
                continue
            _channel_of(exp, k, step_key).add(step, _num(v, path, where), wall)
    return exp


def _channel_of(exp: ParsedExperiment, name: str, step_key: str | None):
    """A JSON lines channel, its x named by the step key of the line that first gave it a point."""
    ch = exp.channel(name)
    if ch.x_name is None:
        ch.x_name = step_key or ROW_X_NAME
    return ch


def _num(v, path, where) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ImportFailed(path, where, f"{str(v)[:40]!r} is not a number")
    if isinstance(v, str):
        return to_float(v, path, where)
    try:
        return float(v)
    except OverflowError:
        raise ImportFailed(path, where, f"{str(v)[:20]}… ({len(str(v))} digits) is too large for a float64") from None


def parse_hf_trainer_state(path: Path, name: str) -> ParsedExperiment:
    """HF Trainer ``trainer_state.json``: train and eval entries of ``log_history``."""
    state = load_json(_read_text(path), path)
    history = state.get("log_history") if isinstance(state, dict) else None
    if not isinstance(history, list):
        raise ImportFailed(path, None, "no 'log_history' list: not a trainer_state.json")
    exp = ParsedExperiment(name=name, source=f"hf:{path.resolve()}", fmt="hf")
    for key in ("global_step", "max_steps", "num_train_epochs", "train_batch_size"):
        if key in state:
            exp.params[key] = state[key]
    for i, entry in enumerate(history):
        if not isinstance(entry, dict):
            raise ImportFailed(path, f"log_history[{i}]", "entry is not an object")
        step = entry.get("step", i)
        for k, v in entry.items():
            if k == "step" or isinstance(v, (str, dict, list, bool)) or v is None:
                continue
            exp.channel(k).add(_num(step, path, f"log_history[{i}]"), _num(v, path, f"log_history[{i}].{k}"), math.nan)
    return exp


# YOLOv5's results.txt columns (train.py, v3-v6): "epoch/last", GPU memory, the box, objectness,
# class and total train losses, targets, image size, then P, R, mAP@.5, mAP@.5:.95 and the three
# val losses. Named as the same train.py logs them to TensorBoard; None: not logged there.
YOLOV5_COLUMNS = (None, None, "train/box_loss", "train/obj_loss", "train/cls_loss", None, None, None,
                  "metrics/precision", "metrics/recall", "metrics/mAP_0.5", "metrics/mAP_0.5:0.95",
                  "val/box_loss", "val/obj_loss", "val/cls_loss")


def is_yolov5_results(lines: list[str]) -> bool:
    """Rows of YOLOv5's headerless ``results.txt``: ``0/299  3.37G  0.1143 ...`` (15 fields)."""
    def row(line: str) -> bool:
        f = line.split()
        return (len(f) == len(YOLOV5_COLUMNS) and f[0].partition("/")[0].isdigit() and f[0].partition("/")[2].isdigit()
                and all(is_number(c) for c in f[2:]))
    return bool(lines) and all(row(ln) for ln in lines)


def parse_yolov5_results(path: Path, name: str) -> ParsedExperiment:
    """YOLOv5 ``results.txt``: one row per epoch, x = the epoch (``12/299`` -> 12); the columns
    train.py logs to TensorBoard become channels of those names; params from ``opt.yaml`` (and
    ``hyp.yaml``) beside it."""
    exp = ParsedExperiment(name=name, source=f"yolov5:{path.resolve()}", fmt="yolov5")
    exp.params.update(read_params(path.parent / "opt.yaml", exp.warnings))
    hyp = read_params(path.parent / "hyp.yaml", exp.warnings)
    if hyp:
        exp.params.setdefault("hyp", hyp)
    for n, line in enumerate(_read_text(path).splitlines(), 1):
        fields = line.split()
        if not fields:
            continue
        where = f"line {n}"
        if len(fields) != len(YOLOV5_COLUMNS) or not fields[0].partition("/")[0].isdigit():
            raise ImportFailed(path, where, f"expected {len(YOLOV5_COLUMNS)} fields starting 'epoch/last', got "
                                            f"{line.strip()[:60]!r}")
        step = float(fields[0].partition("/")[0])
        for col, cell in zip(YOLOV5_COLUMNS, fields):
            if col is not None:
                exp.channel(col).add(step, to_float(cell, path, where), math.nan)
    return exp


def keras_history(path: Path, strict: bool = False) -> dict[str, list] | None:
    """A Keras ``history.history`` saved with ``json.dump``: a mapping of metric name to one value
    per epoch (lists of one length), or None when the file is something else. ``strict``: a
    number no float64 holds is an ImportFailed (the file is one, but cannot be imported)."""
    try:
        if path.stat().st_size > 64 * 1024 * 1024:
            return None
        text = _read_text(path)
        data = load_json(text, path) if strict else json.loads(text)
    except ImportFailed as exc:
        if strict and "too large for a float64" in exc.why:
            raise
        return None
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or not data:
        return None
    lengths = set()
    for v in data.values():
        if not isinstance(v, list) or not all(x is None or (isinstance(x, (int, float)) and not isinstance(x, bool))
                                             for x in v):
            return None
        lengths.add(len(v))
    return data if len(lengths) == 1 and lengths != {0} else None


def parse_keras_history(path: Path, name: str) -> ParsedExperiment:
    """Keras ``history.history`` as JSON: x = the epoch (0, 1, ...), as ``History.epoch`` counts;
    a null value (NaN written by some encoders) is NaN."""
    data = keras_history(path, strict=True)
    if data is None:
        raise ImportFailed(path, None, "not a mapping of metric name to a list of numbers per epoch")
    exp = ParsedExperiment(name=name, source=f"keras-history:{path.resolve()}", fmt="keras-history")
    for key, values in data.items():
        ch = exp.channel(str(key))
        for epoch, v in enumerate(values):
            ch.add(float(epoch), math.nan if v is None else float(v), math.nan)
    return exp
