"""Importing other tools' files: find what a path holds, parse every source, then write each
experiment in one transaction. Nothing is written when any source fails to parse.

Formats: TensorBoard event files, MLflow file store and SQLite store, Lightning and Keras
``CSVLogger`` files, generic CSV (wide or long), JSON lines, HF Trainer ``trainer_state.json``.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import mlflow, tables, tensorboard
from .base import ImportFailed, ParsedExperiment

__all__ = ["ImportFailed", "ParsedExperiment", "Source", "discover", "parse_all", "import_paths", "ImportReport"]


@dataclass
class Source:
    """One thing to parse: its format, its path, and the experiment name(s) it gives."""

    fmt: str
    path: Path
    name: str
    files: list[Path] = field(default_factory=list)

    def parse(self) -> list[ParsedExperiment]:
        if self.fmt == "tensorboard":
            return [tensorboard.parse_run_folder(self.path, self.files, self.name)]
        if self.fmt == "mlflow-file":
            return [mlflow.parse_run_folder(self.path)]
        if self.fmt == "mlflow-sqlite":
            return mlflow.parse_sqlite_store(self.path)
        if self.fmt == "hf":
            return [tables.parse_hf_trainer_state(self.path, self.name)]
        if self.fmt == "jsonl":
            return [tables.parse_jsonl(self.path, self.name)]
        return [tables.parse_csv(self.path, self.name, self.fmt)]


def _rel_name(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(path.name)
    text = rel.as_posix()
    return text if text not in ("", ".") else root.resolve().name


def _classify_file(f: Path, root: Path) -> Source | None:
    """The source a file is, named by its path below the import root (a folder-per-run format
    by its folder, a table by its file), or None when it is none of ours."""
    name = f.name.lower()
    folder_name = f.parent.resolve().name if root.is_file() else _rel_name(f.parent, root)
    if name == "trainer_state.json":
        return Source("hf", f, folder_name)
    if name.endswith((".jsonl", ".ndjson")):
        return Source("jsonl", f, _rel_name(f.with_suffix(""), root) if root.is_dir() else f.stem)
    if name.endswith(".csv"):
        if name == "metrics.csv" and (f.parent.name.startswith("version_") or (f.parent / "hparams.yaml").exists()):
            return Source("lightning", f, folder_name)
        fmt = "csv"
        try:
            with open(f, encoding="utf-8-sig", errors="replace") as fh:
                if fh.readline().split(",")[0].strip().lower() == "epoch":
                    fmt = "keras"
        except OSError:
            pass
        return Source(fmt, f, _rel_name(f.with_suffix(""), root) if root.is_dir() else f.stem)
    if name.endswith((".db", ".sqlite", ".sqlite3")) and mlflow.is_sqlite_store(f):
        return Source("mlflow-sqlite", f, f.stem)
    return None


def discover(paths: Iterable[str | os.PathLike]) -> list[Source]:
    """Every importable source under ``paths`` (folders are searched recursively)."""
    sources: list[Source] = []
    for raw in paths:
        root = Path(raw).expanduser()
        if not root.exists():
            raise ImportFailed(root, None, "no such file or folder")
        if root.is_file():
            if tensorboard.is_event_file(root):
                sources.append(Source("tensorboard", root.parent, root.parent.resolve().name, [root]))
                continue
            src = _classify_file(root, root)
            if src is None:
                raise ImportFailed(root, None, "unknown format (expected TensorBoard events, MLflow, CSV, JSON lines "
                                               "or trainer_state.json)")
            sources.append(src)
            continue
        tb: dict[Path, list[Path]] = {}
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
            here = Path(dirpath)
            if mlflow.is_run_folder(here):
                sources.append(Source("mlflow-file", here, here.name))
                dirnames[:] = []
                continue
            for fn in sorted(filenames):
                f = here / fn
                if tensorboard.is_event_file(f):
                    tb.setdefault(here, []).append(f)
                    continue
                src = _classify_file(f, root)
                if src is not None:
                    sources.append(src)
        for folder, files in tb.items():
            sources.append(Source("tensorboard", folder, _rel_name(folder, root), files))
    if not sources:
        raise ImportFailed(", ".join(str(p) for p in paths), None, "nothing importable found")
    return sources


def parse_all(sources: list[Source], progress: Callable[[int, int, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> list[ParsedExperiment]:
    out = []
    for i, src in enumerate(sources):
        if cancelled and cancelled():
            return []
        if progress:
            progress(i, len(sources), f"reading {src.path}")
        out.extend(src.parse())
    return out


@dataclass
class ImportReport:
    imported: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, fmt, channels, points
    warnings: list[str] = field(default_factory=list)
    cancelled: bool = False


def import_paths(store, paths, project: str, progress: Callable[[int, int, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None) -> ImportReport:
    """Parse everything first (a failure writes nothing), then one transaction per experiment."""
    report = ImportReport()
    parsed = parse_all(discover(paths), progress, cancelled)
    if cancelled and cancelled():
        report.cancelled = True
        return report
    for i, exp in enumerate(parsed):
        if cancelled and cancelled():
            report.cancelled = True
            break
        if progress:
            progress(i, len(parsed), f"writing {exp.name}")
        name = store.import_experiment(project, exp)
        report.imported.append((name, exp.fmt, len(exp.channels), exp.points()))
        report.warnings.extend(exp.warnings)
    return report
