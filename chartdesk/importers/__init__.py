"""Importing other tools' files: find what a path holds (by extension, and by content where the
name does not say), parse every source, then write each experiment in one transaction. A source
that cannot be read is listed in the report with its file, place and reason; the others import.

Formats: TensorBoard event files, MLflow file store and SQLite store, Lightning and Keras
``CSVLogger`` files, generic CSV (wide or long), JSON lines, HF Trainer ``trainer_state.json``,
DVCLive run folders, W&B run folders.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ChartDeskError, StoreError
from . import (
    dvclive,
    goodseed,
    mlflow,
    neptune_export,
    neptune_offline,
    neptune_scale,
    sacred,
    tables,
    tensorboard,
    trackio,
    wandb,
)
from .base import ImportFailed, ParsedExperiment
from .lineage import Lineage
from .tables import is_number

READERS: dict[str, object] = {}
"""Readers that find their own sources, by format name. A reader is a module with:

- ``FORMAT``: its format name (``Source.fmt``, the report's format column);
- ``find(folder, dirnames, filenames) -> list[Path] | None``: called for every folder of the
  walk (dot folders included, before they are pruned), the paths in or below it this reader
  parses, or None; it may prune ``dirnames`` in place so the walk does not descend into what it
  claimed. A claimed file is not offered to the other formats; a claimed ``folder`` itself ends
  the walk there.
  A file given on the command line is offered as ``find(file.parent, [], [file.name])``;
- ``parse(path) -> list[ParsedExperiment]``, raising ``ImportFailed`` for what it cannot read.
"""


def _register(*modules) -> None:
    for m in modules:
        READERS[m.FORMAT] = m


_register(neptune_offline, neptune_scale)
_register(trackio, goodseed)
_register(neptune_export)
_register(sacred)

__all__ = ["ImportFailed", "ParsedExperiment", "Source", "discover", "parse_all", "import_paths", "ImportReport"]


@dataclass
class Source:
    """One thing to parse: its format, its path, and the experiment name(s) it gives."""

    fmt: str
    path: Path
    name: str
    files: list[Path] = field(default_factory=list)
    reason: str = ""  # fmt "refused": why this file cannot be read safely
    folder_named: bool = False  # named by its run folder, as other files of that folder may be (run_groups)

    def parse(self) -> list[ParsedExperiment]:
        if self.fmt == "refused":
            raise ImportFailed(self.path, None, self.reason)
        if self.fmt in READERS:
            return READERS[self.fmt].parse(self.path)
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
        if self.fmt == "wandb":
            return [wandb.parse_run_folder(self.path, self.name)]
        if self.fmt == "dvclive":
            return [dvclive.parse_run_folder(self.path, self.name)]
        if self.fmt == "sb3-monitor":
            return [tables.parse_sb3_monitor(self.path, self.name)]
        if self.fmt == "yolov5":
            return [tables.parse_yolov5_results(self.path, self.name)]
        if self.fmt == "keras-history":
            return [tables.parse_keras_history(self.path, self.name)]
        return [tables.parse_csv(self.path, self.name, self.fmt)]


def _rel_name(path: Path, root: Path) -> str:
    try:
        rel = path.resolve().relative_to(root.resolve())
    except ValueError:
        rel = Path(path.name)
    text = rel.as_posix()
    return text if text not in ("", ".") else root.resolve().name


def _head_lines(f: Path, n: int = 3) -> list[str]:
    try:
        with open(f, encoding="utf-8-sig", errors="replace") as fh:
            out = []
            for line in iter(lambda: fh.readline(1 << 20), ""):  # a line of 1 MiB tells enough
                if line.strip():
                    out.append(line.strip())
                if len(out) >= n:
                    break
            return out
    except OSError:
        return []


def _is_json_lines(f: Path) -> bool:
    """JSON objects one per line, whatever the file is called (detectron2 metrics.json, mmengine
    scalars.json, Ray result.json)."""
    import json

    lines = _head_lines(f, 2)
    if len(lines) < 2 or not lines[0].startswith("{"):  # one object is a config (params.json), not a log
        return False
    try:
        return all(isinstance(json.loads(line), dict) for line in lines)
    except (ValueError, RecursionError):
        return False


def _looks_like_csv(f: Path) -> bool:
    """A header of names, then rows of numbers (Keras' CSVLogger('training.log'), ...)."""
    lines = _head_lines(f, 2)
    sep = "\t" if f.suffix.lower() == ".tsv" else ","
    if len(lines) < 2 or sep not in lines[0]:
        return False
    header, row = lines[0].split(sep), lines[1].split(sep)
    if len(header) != len(row) or len(header) < 2:
        return False
    numeric = sum(is_number(c) for c in row)
    return numeric >= 1 and not any(is_number(h) for h in header)


def _headerless_table(f: Path) -> bool:
    """Rows of numbers with no header (YOLOv5 results.txt): a table we cannot name columns of."""
    lines = _head_lines(f, 2)
    return bool(lines) and all(len(ln.split()) >= 3 and all(is_number(c) or c.endswith("/") for c in ln.split()[1:])
                               for ln in lines)


def _classify_file(f: Path, root: Path) -> Source | None:
    """The source a file is, named by its path below the import root (a folder-per-run format
    by its folder, a table by its file), or None when it is none of ours. Decided by content
    where the extension does not say: JSON lines named .json, CSV named .log or .txt."""
    name = f.name.lower()
    folder_name = f.parent.resolve().name if root.is_file() else _rel_name(f.parent, root)
    table_name = _rel_name(f.with_suffix(""), root) if root.is_dir() else f.stem
    if name == "trainer_state.json":
        return Source("hf", f, folder_name)
    if name.endswith((".jsonl", ".ndjson")):
        return Source("jsonl", f, table_name)
    if name.endswith(".json") and _is_json_lines(f):
        return Source("jsonl", f, folder_name if name in ("metrics.json", "result.json", "scalars.json") else table_name)
    if name.endswith((".log", ".txt", ".tsv")) and _looks_like_csv(f):
        return Source("csv", f, table_name)
    if name == "results.txt" and tables.is_yolov5_results(_head_lines(f, 3)):
        return Source("yolov5", f, folder_name)
    if name.endswith(".json") and tables.keras_history(f) is not None:
        return Source("keras-history", f, table_name)
    if name.endswith((".txt", ".log")) and _headerless_table(f):
        return Source("refused", f, table_name, reason="rows of numbers without a header row: which column is "
                                                       "which cannot be told, so it was skipped")
    if name.endswith(".csv"):
        if name == "metrics.csv" and (f.parent.name.startswith("version_") or (f.parent / "hparams.yaml").exists()):
            return Source("lightning", f, folder_name)
        if name.endswith("monitor.csv") and (_head_lines(f, 1) or [""])[0].replace(" ", "").startswith("#{"):
            return Source("sb3-monitor", f, folder_name if name == "monitor.csv" else table_name)
        if name in ("results.csv", "progress.csv") and ((f.parent / "args.yaml").is_file()
                                                       or (f.parent / "params.json").is_file()):
            return Source("run-folder-csv", f, folder_name)  # Ultralytics / Ray Tune: the folder is the run
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
            sources.append(Source("refused", root, root.name, reason="no such file or folder"))
            continue
        odd = _not_regular(root)
        if odd and not root.is_dir():
            sources.append(Source("refused", root, root.name, reason=odd))
            continue
        if root.is_file():
            claimed = _claimed(root.parent, [], [root.name], root)
            if claimed:
                sources.extend(claimed)
                continue
            if wandb.is_run_file(root):
                if root.stat().st_size:  # a 0-byte .wandb is no run
                    sources.append(Source("wandb", root.parent, root.parent.resolve().name))
                continue
            if tensorboard.is_event_file(root):
                sources.append(Source("tensorboard", root.parent, root.parent.resolve().name, [root]))
                continue
            src = _classify_file(root, root)
            if src is None:
                src = Source("refused", root, root.name, reason="unknown format (expected TensorBoard events, MLflow, "
                                                                "CSV, JSON lines or trainer_state.json)")
            sources.append(src)
            continue
        tb: dict[Path, list[Path]] = {}
        first_of_root = len(sources)
        for dirpath, dirnames, filenames in os.walk(root):
            here = Path(dirpath)
            dirnames.sort()
            for fn in sorted(filenames):  # a FIFO would block the first read forever; a link may lead nowhere
                odd = _not_regular(here / fn)
                if odd:
                    sources.append(Source("refused", here / fn, fn, reason=odd))
            filenames = [fn for fn in filenames if not _not_regular(here / fn)]
            claimed = _claimed(here, dirnames, sorted(filenames), root)
            dirnames[:] = [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            if claimed is not None:
                sources.extend(claimed)
                taken = {s.path for s in claimed}
                if here in taken:  # the folder is a run of its own: its files are that reader's
                    dirnames[:] = []
                    continue
                filenames = [fn for fn in filenames if here / fn not in taken]
            if here.name == "models" and mlflow.is_run_folder(here.parent) is False and \
                    any(d.startswith("m-") for d in dirnames):
                dirnames[:] = []  # MLflow 3's logged models: not runs
                continue
            if any(wandb.is_run_file(here / fn) for fn in filenames):
                if wandb.run_file(here) is not None:  # a 0-byte .wandb is no run
                    sources.append(Source("wandb", here, _rel_name(here, root)))
                dirnames[:] = []  # its files/ and logs/ are W&B's own (output.log, wandb-summary.json)
                continue
            if dvclive.is_run_folder(here):
                sources.append(Source("dvclive", here, dvclive.run_name(here, _rel_name(here, root))))
                dirnames[:] = []
                continue
            if mlflow.is_run_folder(here):
                if not mlflow.is_deleted(here):  # MLflow hides deleted runs; so do we
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
        for src in sources[first_of_root:]:
            folder = src.path if src.path.is_dir() else src.path.parent
            src.folder_named = src.name == _rel_name(folder, root)
    if not sources:
        raise ImportFailed(", ".join(str(p) for p in paths), None, "nothing importable found")
    return sources


def _not_regular(path: Path) -> str:
    """Why ``path`` is no file to read ("" when it is a regular file or a folder)."""
    import errno
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link that leads back to itself: skipped"
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)}, which does not exist: skipped"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return ""
    return "not a regular file (a FIFO, socket or device): skipped, as reading it could wait forever"


def _claimed(folder: Path, dirnames: list[str], filenames: list[str], root: Path) -> list[Source] | None:
    """The sources the registered readers find in ``folder`` (None when none claims anything);
    for a file given on its own (``filenames`` of one), only that file counts."""
    found: list[Source] | None = None
    for fmt, reader in READERS.items():
        paths = reader.find(folder, dirnames, filenames)
        if paths is None:
            continue
        if root.is_file():
            paths = [p for p in paths if p == root]
            if not paths:
                continue
        found = (found or []) + [Source(fmt, p, _rel_name(p, root) if root.is_dir() else p.stem) for p in paths]
    return found


def parse_all(sources: list[Source], progress: Callable[[int, int, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> tuple[list[ParsedExperiment], list[str]]:
    """Every source parsed: (experiments, refused) where ``refused`` has one line per file that
    could not be read (file, line or byte offset, reason). One bad file never stops the others."""
    out, refused = [], []
    for i, src in enumerate(sources):
        if cancelled and cancelled():
            return [], refused
        if progress:
            progress(i, len(sources), f"reading {src.path}")
        try:
            out.extend(src.parse())
        except ImportFailed as exc:
            refused.append(str(exc))
        except (OSError, ValueError, OverflowError, UnicodeError, RecursionError) as exc:
            refused.append(f"{src.path}: cannot be read ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})")
    return out, refused


@dataclass
class ImportReport:
    imported: list[tuple[str, str, int, int]] = field(default_factory=list)  # name, fmt, channels, points
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # one line per file that was not imported
    cancelled: bool = False
    projects: dict[str, int] = field(default_factory=dict)  # project -> experiments imported into it
    stopped: str = ""  # why the import stopped before the end (the store could not be written)

    @property
    def exit_code(self) -> int:
        """0: everything imported; 3: some files refused; 1: nothing imported."""
        if not self.imported:
            return 1
        return 3 if self.refused else 0


def default_project(paths) -> str:
    """The project an import goes to when neither ``--project`` nor the source names one: the
    import folder's name (a file's folder)."""
    first = Path(next(iter(paths))).expanduser().resolve()
    return (first if first.is_dir() else first.parent).name or "imported"


def run_groups(sources: list[Source], each_file: bool = False) -> list[list[Source]]:
    """Sources grouped by the run they hold. Files of one run folder that other tools wrote side
    by side (a Ray Tune trial's event file and ``progress.csv``, detectron2's event file and
    ``metrics.json``) are named by that folder, so they share a name: one group, one experiment
    (``one_run``). With ``each_file`` every file stays its own experiment, named
    ``folder/file-stem``."""
    by_name: dict[str, list[Source]] = {}
    for src in sources:
        key = src.name if src.folder_named and src.fmt != "refused" else f"\0{id(src)}"
        by_name.setdefault(key, []).append(src)
    groups = []
    for group in by_name.values():
        if len(group) > 1 and each_file:
            for src in group:
                src.name = f"{src.name}/{_file_stem(src)}"
                groups.append([src])
        else:
            groups.append(group)
    return groups


def _file_stem(src: Source) -> str:
    f = src.files[0] if src.files else src.path
    return f.name.split(".")[0] if src.fmt == "tensorboard" else f.stem


def one_run(parsed: list[ParsedExperiment], group: list[Source]) -> ParsedExperiment:
    """Of one run's files, the most complete (most channels, then most points); the report says
    which was read and lists the others as the same run."""
    best = max(parsed, key=lambda e: (len(e.channels), e.points()))
    where = {id(e): s for e, s in zip(parsed, group)} if len(parsed) == len(group) else {}
    others = [str(where[id(e)].path) if id(e) in where else e.source for e in parsed if e is not best]
    read = str(where[id(best)].path) if id(best) in where else best.source
    best.warnings.append(f"{best.name}: read from {read} ({len(best.channels)} channels); the same run: "
                         f"{', '.join(others)} (--each-file imports each file as its own experiment)")
    return best


def _offer_aliases(store, project: str, aliases: dict[str, list[str]]) -> None:
    """Aliases an importer proposes (``episode_reward -> [r]`` for SB3's terse names): created
    when missing; an existing alias gets the channel at the end of its list (its own order,
    the user's, comes first)."""
    for name, chans in aliases.items():  # each read and written in one transaction: a concurrent edit is kept
        store.update_alias(project, name, lambda current, chans=chans: list(chans) if current is None else
                           current + [c for c in chans if c not in current])


def import_paths(store, paths, project: str | None = None, progress: Callable[[int, int, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, each_file: bool = False) -> ImportReport:
    """Read each source and write its experiments (one transaction each) before reading the next,
    so memory holds one source at a time. Files that cannot be read are listed in
    ``report.refused``; everything readable is imported.

    ``project`` None: each experiment goes to the project its source names (a Neptune or trackio
    project), else to ``default_project(paths)``. With ``project`` given, everything goes there,
    and a run id that another source project already gave in this import is qualified by its own
    project (``acme/other/SAN-1``). A store file with damaged pages is refused (StoreError)
    before anything is read or written."""
    store.require_sound()
    paths = list(paths)
    report = ImportReport()
    sources = discover(paths)
    fallback = default_project(paths)
    given_by: dict[str, str | None] = {}  # name -> the source project that first gave it, in this import
    runs = run_groups(sources, each_file)
    lineage = Lineage()  # forked runs (Neptune 3), stitched to their parents once every source is written
    for i, group in enumerate(runs):
        if cancelled and cancelled():
            report.cancelled = True
            break
        if progress:
            progress(i, len(runs), f"reading {group[0].path}")
        parsed, refused = parse_all(group)
        report.refused.extend(refused)
        if len(group) > 1 and parsed:
            parsed = [one_run(parsed, group)]
        for exp in parsed:
            if cancelled and cancelled():
                report.cancelled = True
                break
            target = project or exp.project or fallback
            run_id = exp.name  # as its source names it, before it is qualified
            if project and exp.project:
                first = given_by.setdefault(exp.name, exp.project)
                if first != exp.project:
                    exp.warnings.append(f"{exp.name}: also a run id of {first}; imported as {exp.project}/{exp.name}")
                    exp.name = f"{exp.project}/{exp.name}"
            if progress:
                progress(i, len(runs), f"writing {exp.name}")
            try:
                name = store.import_experiment(target, exp)
                if exp.aliases:
                    _offer_aliases(store, target, exp.aliases)
            except StoreError as exc:  # the store cannot be written (a full disk, the server gone): stop, say so
                report.refused.append(f"{group[0].path}: {exp.name} not written: {exc}")
                report.refused.extend(f"{g[0].path}: not read: the import stopped (the store cannot be written)"
                                      for g in runs[i + 1:])
                report.stopped = str(exc)
                return report
            except ChartDeskError as exc:  # this run only (a channel name the store refuses, ...)
                report.refused.append(f"{group[0].path}: {exp.name} not written: {exc}")
                continue
            report.imported.append((name, exp.fmt, len(exp.channels), exp.points()))
            report.projects.setdefault(target, 0)
            report.projects[target] += 1
            report.warnings.extend(exp.warnings)
            lineage.note(exp, run_id, target, name)
        if report.cancelled:
            break
    if not report.cancelled:
        lineage.stitch(store, report.warnings)
    return report
