"""MLflow: the file store (``mlruns/<experiment id>/<run id>/``) and the SQLite store
(``mlflow.db``, MLflow 3's default). One ChartDesk experiment per run, named by its run name;
params and tags kept; MLflow's ``is_nan`` flag honoured; timestamps (ms) become wall time."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from .base import ImportFailed, ParsedExperiment, flat_yaml, read_lines_bytes, sqlite_readonly, sqlite_tables, to_float

STATES = {"FINISHED": "succeeded", "FAILED": "failed", "KILLED": "aborted", "RUNNING": "running",
          "SCHEDULED": "running"}


def is_run_folder(path: Path) -> bool:
    """An MLflow file-store run: ``<experiment id>/<run id>/meta.yaml`` with a run id in it. A run
    with no metrics has no ``metrics/`` folder (git drops empty folders); MLflow 3's logged models
    (``<experiment id>/models/m-*``) have a meta.yaml too but are not runs."""
    if not path.is_dir() or not (path / "meta.yaml").is_file():
        return False
    if path.parent.name == "models" or path.name.startswith("m-"):
        return False
    meta = flat_yaml(path / "meta.yaml")
    return "run_id" in meta or "run_uuid" in meta or (path / "metrics").is_dir()


def is_deleted(path: Path) -> bool:
    return flat_yaml(path / "meta.yaml").get("lifecycle_stage", "").lower() == "deleted"


def is_sqlite_store(path: Path) -> bool:
    return {"runs", "metrics", "params"} <= sqlite_tables(path)


def _read_kv_folder(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    out = {}
    for f in sorted(folder.rglob("*")):
        if f.is_file():
            out[str(f.relative_to(folder))] = f.read_text(encoding="utf-8", errors="replace").strip()
    return out


def parse_run_folder(run: Path) -> ParsedExperiment:
    meta = flat_yaml(run / "meta.yaml")
    tags = _read_kv_folder(run / "tags")
    name = tags.get("mlflow.runName") or meta.get("run_name") or meta.get("run_id") or run.name
    exp = ParsedExperiment(name=name, source=f"mlflow-file:{meta.get('run_id') or run.resolve()}", fmt="mlflow")
    exp.params = _read_kv_folder(run / "params")
    exp.tags = [f"{k}={v}" for k, v in tags.items() if not k.startswith("mlflow.")]
    exp.state = STATES.get(meta.get("status", "").upper().replace("RUNSTATUS.", ""), "succeeded")
    if meta.get("status", "").isdigit():
        codes = {1: "running", 2: "running", 3: "succeeded", 4: "failed", 5: "aborted"}
        exp.state = codes.get(int(meta["status"]), "succeeded")
    for key, attr in (("start_time", "created"), ("end_time", "finished")):
        if meta.get(key, "").replace(".", "").isdigit():
            setattr(exp, attr, float(meta[key]) / 1000.0)
    metrics = run / "metrics"
    files = sorted(p for p in metrics.rglob("*") if p.is_file()) if metrics.is_dir() else []
    for f in files:
        ch = exp.channel(str(f.relative_to(metrics)))
        for i, line in enumerate(read_lines_bytes(f).decode("utf-8", errors="replace").splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            # "timestamp value [step [run_id [dataset fields...]]]": MLflow 3 adds the run id and, with
            # log_metric(..., dataset=...), dataset fields; a legacy two-field line is step 0, as MLflow reads it
            if len(parts) < 2:
                raise ImportFailed(f, f"line {i}", f"expected 'timestamp value [step]', got {line[:60]!r}")
            ts = to_float(parts[0], f, f"line {i}")
            value = to_float(parts[1], f, f"line {i}")
            step = to_float(parts[2], f, f"line {i}") if len(parts) >= 3 else 0.0
            ch.add(step, value, ts / 1000.0)
    return exp


def parse_sqlite_store(path: Path) -> list[ParsedExperiment]:
    with sqlite_readonly(path) as con:
        return _read_sqlite_store(path, con)


def _read_sqlite_store(path: Path, con: sqlite3.Connection) -> list[ParsedExperiment]:
    try:
        cols = {r[1] for r in con.execute("PRAGMA table_info(metrics)")}
        has_nan = "is_nan" in cols
        runs = con.execute("SELECT run_uuid, name, status, start_time, end_time FROM runs WHERE lifecycle_stage IS NULL "
                           "OR lifecycle_stage != 'deleted' ORDER BY start_time").fetchall()
        out = []
        for run_uuid, name, status, start, end in runs:
            exp = ParsedExperiment(name=name or run_uuid, source=f"mlflow-sqlite:{run_uuid}", fmt="mlflow")
            exp.state = STATES.get((status or "").upper(), "succeeded")
            exp.created = start / 1000.0 if start else None
            exp.finished = end / 1000.0 if end else None
            exp.params = dict(con.execute("SELECT key, value FROM params WHERE run_uuid = ?", (run_uuid,)).fetchall())
            tags = con.execute("SELECT key, value FROM tags WHERE run_uuid = ?", (run_uuid,)).fetchall()
            exp.tags = [f"{k}={v}" for k, v in tags if not k.startswith("mlflow.")]
            q = ("SELECT key, timestamp, value, step" + (", is_nan" if has_nan else ", 0") +
                 " FROM metrics WHERE run_uuid = ? ORDER BY key, timestamp, step")
            for key, ts, value, step, is_nan in con.execute(q, (run_uuid,)):
                v = float("nan") if is_nan else float(value)
                exp.channel(key).add(float(step or 0), v, (ts or 0) / 1000.0)
            out.append(exp)
        return out
    except sqlite3.DatabaseError as exc:
        raise ImportFailed(path, None, f"not a readable MLflow store: {exc}") from None
