"""Sacred ``FileStorageObserver`` run folders: ``<basedir>/<run id>/`` holding ``run.json`` (status,
times, host), ``config.json`` (the params) and ``metrics.json`` (``{name: {steps, timestamps,
values}}``, what ``_run.log_scalar`` wrote). One experiment per numbered folder; ``_sources/``
(the saved source files) is no run. Sacred writes its times as UTC without a zone."""
from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .base import ChannelData, ImportFailed, ParsedExperiment, load_json

FORMAT = "sacred"
STATES = {"COMPLETED": "succeeded", "FAILED": "failed", "INTERRUPTED": "aborted", "TIMEOUT": "failed",
          "RUNNING": "running", "QUEUED": "running"}


def _json(path: Path):
    try:
        return load_json(path.read_text(encoding="utf-8"), path)
    except UnicodeDecodeError as exc:
        raise ImportFailed(path, f"byte {exc.start}", "not UTF-8 text") from None


def _is_run(folder: Path) -> bool:
    try:
        head = (folder / "run.json").read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return False
    return '"status"' in head or '"experiment"' in head and '"start_time"' in head


def find(folder: Path, dirnames: list[str], filenames: list[str]) -> list[Path] | None:
    if "run.json" in filenames and ("metrics.json" in filenames or "config.json" in filenames) and _is_run(folder):
        dirnames[:] = []
        return [folder]
    return None


def _utc(text, path: Path, where: str) -> float | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(str(text))
    except ValueError:
        raise ImportFailed(path, where, f"{str(text)[:40]!r} is not an ISO time") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


def parse(folder: Path) -> list[ParsedExperiment]:
    run = _json(folder / "run.json")
    if not isinstance(run, dict):
        raise ImportFailed(folder / "run.json", None, "not a JSON object")
    exp = ParsedExperiment(name=f"{folder.resolve().parent.name}/{folder.name}", source=f"sacred:{folder.resolve()}",
                           fmt=FORMAT)
    run_file = folder / "run.json"
    exp.state = STATES.get(str(run.get("status", "")).upper(), "succeeded")
    exp.created = _utc(run.get("start_time"), run_file, "start_time")
    exp.finished = _utc(run.get("stop_time") or (run.get("heartbeat") if exp.state != "running" else None),
                        run_file, "stop_time")
    if (folder / "config.json").is_file():
        config = _json(folder / "config.json")
        if isinstance(config, dict):
            exp.params.update(config)
    experiment = run.get("experiment") if isinstance(run.get("experiment"), dict) else {}
    if experiment.get("name"):
        exp.params.setdefault("experiment", experiment["name"])
    if isinstance(run.get("result"), (int, float, str)) and not isinstance(run.get("result"), bool):
        exp.params.setdefault("result", run["result"])
    meta = run.get("meta") if isinstance(run.get("meta"), dict) else {}
    comment = (meta.get("options") or {}).get("--comment") if isinstance(meta.get("options"), dict) else None
    if comment:
        exp.params.setdefault("comment", comment)
    metrics_file = folder / "metrics.json"
    metrics = _json(metrics_file) if metrics_file.is_file() else {}
    if not isinstance(metrics, dict):
        raise ImportFailed(metrics_file, None, "not a JSON object of metrics")
    for name, m in metrics.items():
        where = f"metric {name!r}"
        if not isinstance(m, dict) or not isinstance(m.get("values"), list):
            raise ImportFailed(metrics_file, where, "expected {steps, timestamps, values}")
        values = m["values"]
        steps = m.get("steps") if isinstance(m.get("steps"), list) else list(range(len(values)))
        stamps = m.get("timestamps") if isinstance(m.get("timestamps"), list) else []
        if len(steps) != len(values) or (stamps and len(stamps) != len(values)):
            raise ImportFailed(metrics_file, where, f"{len(steps)} steps, {len(stamps)} timestamps and "
                                                    f"{len(values)} values")
        try:
            y = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
            x = np.array(steps, dtype=np.float64)
        except (TypeError, ValueError):
            raise ImportFailed(metrics_file, where, "a step or value that is not a number") from None
        t = np.array([_utc(s, metrics_file, where) or math.nan for s in stamps], dtype=np.float64) if stamps \
            else np.full(len(values), math.nan)
        exp.channels[str(name)] = ChannelData(x, y, t)
    return [exp]
