"""DVCLive run folders (``dvclive/`` by default): every ``plots/metrics/**/*.tsv`` is one channel,
named by its path below ``plots/metrics`` without ``.tsv`` (``train/loss``); x is the ``step``
column, wall time the ``timestamp`` column (epoch milliseconds) when there is one. DVCLive 2 and 3
name the value column by the metric's last part (``loss``), 1.x by its whole name
(``train/loss``): either way it is the one column that is neither. ``params.yaml`` gives the
params, read as YAML 1.2 as DVCLive writes it (``no`` is the text "no", ``1e-3`` a number).

A TSV that cannot be read is skipped with a warning naming its file and line; the run's other
channels still import.
"""
from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

from .base import ImportFailed, ParsedExperiment, bounded_params, read_lines_bytes, to_float

METRICS = Path("plots") / "metrics"


def is_run_folder(folder: Path) -> bool:
    metrics = folder / METRICS
    return metrics.is_dir() and any(metrics.rglob("*.tsv"))


def _yaml12_loader():
    """PyYAML's safe loader with YAML 1.2 core-schema booleans and floats (PyYAML is YAML 1.1:
    there ``no``/``on`` are booleans and ``1e-3`` is text)."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                 list("tTfF"))
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float",
        re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$|^[-+]?\.(?:inf|Inf|INF)$"
                   r"|^\.(?:nan|NaN|NAN)$"),
        list("-+0123456789."))
    return Loader


def read_params(path: Path, warnings: list[str]) -> dict:
    if not path.is_file():
        return {}
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML is a dependency
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8", errors="replace"), Loader=_yaml12_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        warnings.append(f"{path}{f' (line {mark.line + 1})' if mark else ''}: params not read: "
                        f"{getattr(exc, 'problem', None) or exc}")
        return {}
    return bounded_params(data, path, warnings) if isinstance(data, dict) else {}


def _read_tsv(path: Path, exp: ParsedExperiment, channel: str) -> None:
    try:
        text = read_lines_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(path, f"byte {exc.start}", "not UTF-8 text") from None
    rows = list(csv.reader(io.StringIO(text), delimiter="\t"))
    rows = [r for r in rows if r and any(c.strip() for c in r)]
    if not rows:
        raise ImportFailed(path, "line 1", "empty file")
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    step_i = lower.index("step") if "step" in lower else None
    time_i = lower.index("timestamp") if "timestamp" in lower else None
    values = [i for i in range(len(header)) if i not in (step_i, time_i)]
    if not values and step_i is not None:
        values = [step_i]  # a metric named "step" overwrote the row's step: x = y, as DVC plots it
    if len(values) != 1:
        raise ImportFailed(path, "line 1", f"expected step, a value column and maybe timestamp, got {header!r}")
    (value_i,) = values
    data = exp.channel(channel)
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            raise ImportFailed(path, f"line {n}", f"{len(row)} fields, the header has {len(header)}")
        where = f"line {n}"
        step = to_float(row[step_i], path, where) if step_i is not None else float(n - 2)
        wall = to_float(row[time_i], path, where) if time_i is not None else math.nan
        if wall > 1e11:
            wall /= 1000.0  # DVCLive writes epoch milliseconds
        data.add(step, to_float(row[value_i], path, where), wall)


def parse_run_folder(folder: Path, name: str) -> ParsedExperiment:
    exp = ParsedExperiment(name=name, source=f"dvclive:{folder.resolve()}", fmt="dvclive")
    exp.params.update(read_params(folder / "params.yaml", exp.warnings))
    root = folder / METRICS
    for tsv in sorted(root.rglob("*.tsv")):
        channel = tsv.relative_to(root).with_suffix("").as_posix()
        try:
            _read_tsv(tsv, exp, channel)
        except ImportFailed as exc:
            exp.channels.pop(channel, None)
            exp.warnings.append(f"{exc}; that channel was skipped")
    if not exp.channels:
        raise ImportFailed(root, None, "no readable metric file")
    walls = [t for ch in exp.channels.values() for t in ch.t if math.isfinite(t)]
    if walls:
        exp.created, exp.finished = min(walls), max(walls)
    return exp


def run_name(folder: Path, rel: str) -> str:
    """``exp1/dvclive`` -> ``exp1``: the folder DVCLive was pointed at is named by where it lives."""
    if folder.name != "dvclive":
        return rel
    parent = rel.rsplit("/", 1)[0] if "/" in rel else folder.resolve().parent.name
    return parent or rel
