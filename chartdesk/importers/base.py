"""What every importer shares: the parsed form of an experiment, the error that names the file,
the offset or line and the reason, warnings that do not stop an import, and what each format's x
is (``FORMAT_X_NAMES``)."""
from __future__ import annotations

import contextvars
import json
import math
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InvalidInput
from ..store.identity import file_uri


class ImportFailed(InvalidInput):
    """A source cannot be imported; the message names the file, where and why."""

    def __init__(self, path, where: str | None, why: str) -> None:
        self.path, self.where, self.why = str(path), where, why
        super().__init__(f"{path}{f' ({where})' if where else ''}: {why}")


#: What x is in a format's files ("step", "epoch", ...), stored with each imported channel
#: (``Store.channel_infos``) unless its importer says otherwise (``ParsedExperiment.x_name``,
#: ``ChannelData.x_name``: a table's step column). A format not named here says nothing.
FORMAT_X_NAMES = {
    "tensorboard": "step", "mlflow": "step", "hf": "step", "wandb": "step", "dvclive": "step",
    "trackio": "step", "goodseed": "step", "sacred": "step",
    "neptune-export": "step", "neptune-offline": "step", "neptune-scale": "step",
    "keras-history": "epoch", "yolov5": "epoch", "sb3-monitor": "episode",
}
#: The x of a table that has no step column: its row's index (0, 1, ...).
ROW_X_NAME = "row"


@dataclass
class ChannelData:
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)
    t: list[float] = field(default_factory=list)
    x_name: str | None = None  # what x is, when it differs from the experiment's (ParsedExperiment.x_name_of)

    def add(self, x: float, y: float, t: float) -> None:
        self.x.append(x)
        self.y.append(y)
        self.t.append(t)

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return (np.asarray(self.x, dtype=np.float64), np.asarray(self.y, dtype=np.float64),
                np.asarray(self.t, dtype=np.float64))


@dataclass
class ParsedExperiment:
    """One experiment read from a source, ready for one store transaction."""

    name: str
    source: str  # a stable key of where it came from, for re-import
    fmt: str
    channels: dict[str, ChannelData] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    state: str = "succeeded"
    created: float | None = None
    finished: float | None = None
    warnings: list[str] = field(default_factory=list)
    project: str | None = None  # the source's own project (Neptune, trackio), used when no --project is given
    fork: tuple[str, float] | None = None  # (parent's experiment name, fork step): a Neptune forked run
    aliases: dict[str, list[str]] = field(default_factory=dict)  # friendlier names the importer proposes
    x_name: str | None = None  # what every channel's x is (a table's step column); None: FORMAT_X_NAMES

    def channel(self, name: str) -> ChannelData:
        ch = self.channels.get(name)
        if ch is None:
            ch = self.channels[name] = ChannelData()
        return ch

    def points(self) -> int:
        return sum(len(c.x) for c in self.channels.values())

    def x_name_of(self, channel: str) -> str | None:
        """What ``channel``'s x is: its own word, else the experiment's, else its format's."""
        own = getattr(self.channels.get(channel), "x_name", None)
        return own or self.x_name or FORMAT_X_NAMES.get(self.fmt)


class ProtoFile:
    """A few of another tool's protobuf messages, declared in code (so reading needs neither that
    tool nor its generated modules) and parsed by protobuf's C parser. ``msg`` adds a message of
    fields ``(name, number, type, label, type name or None)``; ``classes`` builds them."""

    def __init__(self, name: str, package: str) -> None:
        from google.protobuf import descriptor_pb2

        self.F = descriptor_pb2.FieldDescriptorProto
        self.package = package
        self.fdp = descriptor_pb2.FileDescriptorProto(name=name, package=package, syntax="proto3")

    def msg(self, name: str, *fields):
        m = self.fdp.message_type.add(name=name)
        for fname, num, ftype, label, tname in fields:
            f = m.field.add(name=fname, number=num, type=ftype, label=label)
            if tname:
                f.type_name = tname
        return m

    def oneof(self, message, name: str, fields: Iterable[str] | None = None) -> None:
        """Make these fields of ``message`` (default: all) one oneof called ``name``."""
        index = len(message.oneof_decl)
        message.oneof_decl.add(name=name)
        chosen = None if fields is None else set(fields)
        for f in message.field:
            if chosen is None or f.name in chosen:
                f.oneof_index = index

    def classes(self, *names: str) -> tuple:
        from google.protobuf import descriptor_pool, message_factory

        pool = descriptor_pool.DescriptorPool()
        pool.Add(self.fdp)
        return tuple(message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{self.package}.{n}")) for n in names)


_growing: contextvars.ContextVar[bool] = contextvars.ContextVar("chartdesk_growing", default=False)


@contextmanager
def growing_files() -> Iterator[None]:
    """While following a run that is still writing: text files are read up to their last full
    line (a line being written is left for the next read), on this thread only."""
    token = _growing.set(True)
    try:
        yield
    finally:
        _growing.reset(token)


def is_growing() -> bool:
    """Whether this thread reads files of a run that may still be writing them (see growing_files)."""
    return _growing.get()


@contextmanager
def sqlite_readonly(path: Path | str) -> Iterator[sqlite3.Connection]:
    """Another tool's SQLite file, opened so that reading it changes nothing beside it: no
    ``-wal``/``-shm`` files appear and no journal is replayed into it. A file with a ``-wal``
    beside it (its writer is running, or crashed) is read from a copy of both in a temporary
    folder, so the rows still in the WAL are seen without writing into the folder it came from."""
    path = Path(path)
    wal = path.with_name(path.name + "-wal")
    tmp = None
    try:
        if wal.exists() and wal.stat().st_size:
            tmp = tempfile.mkdtemp(prefix="chartdesk-import-")
            copy = Path(tmp) / path.name
            shutil.copyfile(path, copy)
            shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            con = sqlite3.connect(copy)
        else:
            con = sqlite3.connect(file_uri(path, "mode=ro&immutable=1"), uri=True)
    except sqlite3.DatabaseError as exc:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
        raise ImportFailed(path, None, f"cannot open: {exc}") from None
    try:
        yield con
    finally:
        con.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def is_sqlite_file(path: Path) -> bool:
    """Whether ``path`` starts with SQLite's header (read without opening it as a database)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def sqlite_tables(path: Path) -> set[str]:
    """The table names of an SQLite file (empty when it is none), read as ``sqlite_readonly`` does."""
    if not path.is_file() or path.stat().st_size < 100 or not is_sqlite_file(path):
        return set()
    try:
        with sqlite_readonly(path) as con:
            return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except (ImportFailed, sqlite3.DatabaseError):
        return set()


def read_lines_bytes(path: Path | str) -> bytes:
    """A text file's bytes; while following, only up to its last full line."""
    raw = Path(path).read_bytes()
    if _growing.get():
        cut = raw.rfind(b"\n")
        raw = raw[:cut + 1] if cut >= 0 else b""
    return raw


def to_float(text: str, path, where: str) -> float:
    """A number from text; empty -> NaN; anything else a clear error."""
    s = text.strip()
    if s == "":
        return float("nan")
    try:
        v = float(s)
    except ValueError:
        raise ImportFailed(path, where, f"{s[:40]!r} is not a number") from None
    if math.isinf(v) and "inf" not in s.lower():  # "1" * 400: no float holds it
        raise ImportFailed(path, where, f"{s[:20]}… ({len(s)} characters) is too large for a float64")
    return v


#: The largest integer a float64 holds as a finite number.
FLOAT64_MAX_INT = int(sys.float_info.max)


def load_json(text: str, path, line: int | None = None):
    """``text`` as JSON, with one-line errors naming ``path`` and the line: a syntax error,
    nesting too deep, and a number no float64 holds (``1e999``, a 400-digit integer), refused as
    in CSV where ``json`` would make it ``inf`` without a word (JSON's own ``Infinity`` and
    ``NaN`` are kept: json reads those without the hooks). ``line``: the line ``text`` is of
    its file (JSON lines), else lines are counted in ``text``."""
    def where(token: str) -> str | None:
        if line is not None:
            return f"line {line}"
        at = text.find(token)
        return f"line {text.count(chr(10), 0, at) + 1}" if at >= 0 else None

    def too_large(token: str):
        shown = token if len(token) <= 20 else f"{token[:20]}… ({len(token)} characters)"
        raise ImportFailed(path, where(token), f"{shown} is too large for a float64")

    def real(token: str) -> float:
        v = float(token)
        return too_large(token) if math.isinf(v) else v

    def integer(token: str) -> int:
        # 310 digits are past float64's 1.8e308 (and Python refuses to read 4,300 at all)
        return too_large(token) if len(token.lstrip("-")) > 309 or abs(v := int(token)) > FLOAT64_MAX_INT else v

    try:
        return json.loads(text, parse_float=real, parse_int=integer)
    except json.JSONDecodeError as exc:
        at = f"line {line if line is not None else exc.lineno}, column {exc.colno}"
        raise ImportFailed(path, at, exc.msg) from None
    except RecursionError:
        raise ImportFailed(path, None if line is None else f"line {line}", "nested too deeply") from None


PARAMS_VALUES_MAX = 100_000


def bounded_params(data: dict, path, warnings: list[str] | None) -> dict:
    """``data`` when it holds at most ``PARAMS_VALUES_MAX`` values once YAML aliases are expanded
    (a 1 KB "alias bomb" expands to millions: stored as JSON it would be hundreds of MB); else
    only its top-level scalars, with a warning naming the file."""
    budget = [PARAMS_VALUES_MAX]
    stack = [data]
    while stack:
        node = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            if warnings is not None:
                warnings.append(f"{path}: params expand to more than {PARAMS_VALUES_MAX:,} values (YAML aliases "
                                "repeating lists); only its top-level single values were kept")
            return {k: v for k, v in data.items() if not isinstance(v, (dict, list, tuple))}
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return data


def flat_yaml(path) -> dict[str, str]:
    """The top-level ``key: value`` lines of a small YAML file (MLflow meta.yaml, Lightning
    hparams.yaml); nested blocks and lists are skipped, so no YAML library is needed."""
    out = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return out
    for line in text.splitlines():
        if not line or line.startswith((" ", "-", "#", "\t")) or ":" not in line:
            continue
        key, _, value = line.partition(":")
        value = value.strip().strip("'\"")
        if value:
            out[key.strip()] = value
    return out
