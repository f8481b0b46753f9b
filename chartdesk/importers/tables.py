"""Tabular logs: Lightning ``CSVLogger`` (sparse rows), Keras ``CSVLogger``, generic wide CSV
(a step column plus one column per metric), long CSV (name, step, value[, time]) and JSON lines
(wide objects, or long ``{"name", "step", "value"}`` ones)."""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

from .base import ImportFailed, ParsedExperiment, flat_yaml, to_float

STEP_COLUMNS = ("step", "global_step", "iteration", "iter", "epoch", "x", "_step")
TIME_COLUMNS = ("time", "wall_time", "timestamp", "_timestamp", "t")
NAME_COLUMNS = ("name", "metric", "key", "tag")
VALUE_COLUMNS = ("value", "y", "val")


def _pick(columns, choices):
    lower = {c.lower(): c for c in columns}
    return next((lower[c] for c in choices if c in lower), None)


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ImportFailed(path, None, "binary data, not a text table")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(path, f"byte {exc.start}", "not UTF-8 text") from None


def parse_csv(path: Path, name: str, fmt: str = "csv") -> ParsedExperiment:
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFailed(path, "line 1", "empty file") from None
    except csv.Error as exc:
        raise ImportFailed(path, "line 1", str(exc)) from None
    header = [h.strip() for h in header]
    if len(header) < 2 or any(not h for h in header):
        raise ImportFailed(path, "line 1", f"header needs two or more named columns, got {header!r}")
    exp = ParsedExperiment(name=name, source=f"{fmt}:{path.resolve()}", fmt=fmt)
    name_col, value_col = _pick(header, NAME_COLUMNS), _pick(header, VALUE_COLUMNS)
    step_col, time_col = _pick(header, STEP_COLUMNS), _pick(header, TIME_COLUMNS)
    idx = {h: i for i, h in enumerate(header)}
    long_form = name_col is not None and value_col is not None
    metrics = [h for h in header if h not in (step_col, time_col)]
    if fmt == "lightning":
        exp.params.update(flat_yaml(path.parent / "hparams.yaml"))
    row_no = 1
    try:
        for row_no, row in enumerate(reader, 2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise ImportFailed(path, f"line {row_no}", f"{len(row)} fields, the header has {len(header)}")
            where = f"line {row_no}"
            step = to_float(row[idx[step_col]], path, where) if step_col else float(row_no - 2)
            wall = to_float(row[idx[time_col]], path, where) if time_col else math.nan
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
    except csv.Error as exc:
        raise ImportFailed(path, f"line {row_no}", str(exc)) from None
    return exp


def parse_jsonl(path: Path, name: str) -> ParsedExperiment:
    text = _read_text(path)
    exp = ParsedExperiment(name=name, source=f"jsonl:{path.resolve()}", fmt="jsonl")
    counter = 0
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFailed(path, f"line {i}, column {exc.colno}", exc.msg) from None
        if not isinstance(obj, dict):
            raise ImportFailed(path, f"line {i}", "each line must be a JSON object")
        keys = list(obj)
        step_key, time_key = _pick(keys, STEP_COLUMNS), _pick(keys, TIME_COLUMNS)
        name_key, value_key = _pick(keys, NAME_COLUMNS), _pick(keys, VALUE_COLUMNS)
        where = f"line {i}"
        step = _num(obj[step_key], path, where) if step_key else float(counter)
        wall = _num(obj[time_key], path, where) if time_key else math.nan
        counter += 1
        if name_key and value_key:
            exp.channel(str(obj[name_key])).add(step, _num(obj[value_key], path, where), wall)
            continue
        for k, v in obj.items():
            if k in (step_key, time_key) or isinstance(v, (str, dict, list)) or v is None:
                continue
            exp.channel(k).add(step, _num(v, path, where), wall)
    return exp


def _num(v, path, where) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise ImportFailed(path, where, f"{v!r} is not a number")
    if isinstance(v, str):
        return to_float(v, path, where)
    return float(v)


def parse_hf_trainer_state(path: Path, name: str) -> ParsedExperiment:
    """HF Trainer ``trainer_state.json``: train and eval entries of ``log_history``."""
    try:
        state = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportFailed(path, f"line {exc.lineno}, column {exc.colno}", exc.msg) from None
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
