"""W&B run folders (``wandb/run-*/run-*.wandb``, ``wandb/offline-run-*/``; wandb 0.10 to 0.31),
read without the ``wandb`` package (which no longer ships a reader).

A ``.wandb`` file is a LevelDB-style log: a 7-byte header (``:W&B``, magic 0xBEE1, version 0),
then 32 KiB blocks of records, each ``<crc32 u32><length u16><type u8>`` and its bytes (type 1 a
whole record, 2/3/4 the first, middle and last pieces of a long one; the CRC is zlib's CRC-32 of
the type byte and the bytes); a block's last < 7 bytes are padding. Each record is a
``wandb_internal.Record`` protobuf, of which we declare the few messages we read: history
(``_step``, ``_timestamp`` and the logged keys, values as JSON text), config, the run record and
the exit record.

One experiment per run folder, named by its path below the import root. Every numeric history
key not starting with ``_`` is a channel (nested keys joined with ``.``: ``val.acc``); images,
histograms and other media (a ``_type`` among a key's children) are not. The config (without
``_wandb``) is the params; the run's W&B tags are tags, and its display name the tag
``name=...``. State from the exit record: code 0 succeeded, 255 (Ctrl-C) aborted, others failed;
no exit record: aborted. A file cut inside a record keeps every complete record before it, as
``wandb sync`` does.
"""
from __future__ import annotations

import json
import math
import struct
import zlib
from pathlib import Path

from .base import ImportFailed, ParsedExperiment, ProtoFile, is_growing

FORMAT = "wandb"
HEADER = struct.Struct("<4sHB")
RECORD = struct.Struct("<IHB")
BLOCK = 32768
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def is_run_file(path: Path) -> bool:
    return path.suffix == ".wandb" and path.name.startswith("run-") and path.is_file()


def run_file(folder: Path) -> Path | None:
    """The non-empty ``run-*.wandb`` of a run folder (a 0-byte one is no run)."""
    for f in sorted(folder.glob("run-*.wandb")):
        if f.is_file() and f.stat().st_size > 0:
            return f
    return None


def _messages():
    proto = ProtoFile("chartdesk_wandb.proto", "chartdesk.wandb")
    F, msg = proto.F, proto.msg

    OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    msg("Timestamp", ("seconds", 1, F.TYPE_INT64, OPT, None), ("nanos", 2, F.TYPE_INT32, OPT, None))
    # wandb_internal.HistoryItem: JSON text in value_json; newer writers may use the typed fields
    msg("HistoryItem",
        ("key", 1, F.TYPE_STRING, OPT, None),
        ("nested_key", 2, F.TYPE_STRING, REP, None),
        ("boolean", 4, F.TYPE_BOOL, OPT, None),
        ("integer", 5, F.TYPE_SINT64, OPT, None),
        ("number", 6, F.TYPE_DOUBLE, OPT, None),
        ("value_json", 16, F.TYPE_STRING, OPT, None))
    msg("HistoryStep", ("num", 1, F.TYPE_INT64, OPT, None))
    msg("HistoryRecord", ("item", 1, F.TYPE_MESSAGE, REP, ".chartdesk.wandb.HistoryItem"),
        ("step", 2, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.HistoryStep"))
    msg("ConfigItem", ("key", 1, F.TYPE_STRING, OPT, None), ("nested_key", 2, F.TYPE_STRING, REP, None),
        ("value_json", 16, F.TYPE_STRING, OPT, None))
    msg("ConfigRecord", ("update", 1, F.TYPE_MESSAGE, REP, ".chartdesk.wandb.ConfigItem"),
        ("remove", 2, F.TYPE_MESSAGE, REP, ".chartdesk.wandb.ConfigItem"))
    msg("RunRecord",
        ("run_id", 1, F.TYPE_STRING, OPT, None),
        ("config", 4, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.ConfigRecord"),
        ("display_name", 8, F.TYPE_STRING, OPT, None),
        ("tags", 10, F.TYPE_STRING, REP, None),
        ("start_time", 17, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.Timestamp"))
    msg("RunExitRecord", ("exit_code", 1, F.TYPE_INT32, OPT, None), ("runtime", 2, F.TYPE_INT32, OPT, None))
    rec = msg("Record",
              ("num", 1, F.TYPE_INT64, OPT, None),
              ("history", 2, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.HistoryRecord"),
              ("config", 5, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.ConfigRecord"),
              ("run", 17, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.RunRecord"),
              ("exit", 18, F.TYPE_MESSAGE, OPT, ".chartdesk.wandb.RunExitRecord"))
    proto.oneof(rec, "record_type", ("history", "config", "run", "exit"))
    return proto.classes("Record")[0]


_record_class = None


def _record():
    global _record_class
    if _record_class is None:
        _record_class = _messages()
    return _record_class()


def records(path: Path, data: bytes, warnings: list[str]):
    """The record bodies of a ``.wandb`` file, in order; stops (with a warning) at a record cut
    short or damaged, keeping the ones before it."""
    if len(data) < HEADER.size:
        raise ImportFailed(path, "byte 0", "too short for a W&B header")
    ident, magic, version = HEADER.unpack_from(data, 0)
    if ident != b":W&B" or magic != 0xBEE1:
        raise ImportFailed(path, "byte 0", "not a W&B run file (no :W&B header)")
    if version != 0:
        raise ImportFailed(path, "byte 4", f"W&B file format version {version}; this reader knows version 0")
    pos, n, pending, count = HEADER.size, len(data), None, 0
    growing = is_growing()
    while pos < n:
        left = BLOCK - pos % BLOCK
        if left < RECORD.size:
            pos += left  # block trailer padding
            continue
        if n - pos < RECORD.size:
            if not growing:
                warnings.append(f"{path}: record cut short at byte {pos}; kept {count} complete records")
            return
        crc, length, kind = RECORD.unpack_from(data, pos)
        if crc == 0 and length == 0 and kind == 0:  # zero padding: the rest of the block is empty
            pos += left
            continue
        start = pos + RECORD.size
        if start + length > n:
            if not growing:
                warnings.append(f"{path}: record cut short at byte {pos} (a run still writing, or a crash); "
                                f"kept {count} complete records")
            return
        body = data[start:start + length]
        if zlib.crc32(bytes([kind]) + body) & 0xFFFFFFFF != crc or kind not in (FULL, FIRST, MIDDLE, LAST):
            warnings.append(f"{path}: damaged record at byte {pos} (checksum); kept {count} complete records")
            return
        pos = start + length
        if kind == FULL:
            count += 1
            yield body
        elif kind == FIRST:
            pending = bytearray(body)
        elif pending is not None:
            pending += body
            if kind == LAST:
                count += 1
                yield bytes(pending)
                pending = None


def _key(item) -> tuple[str, ...]:
    return tuple(item.nested_key) if len(item.nested_key) else (item.key,)


def _value(item):
    if item.value_json:
        try:
            return json.loads(item.value_json)
        except ValueError:
            return None
    # typed fields of newer writers (proto3 without presence: a zero there cannot be told from unset)
    return item.number or item.integer or None


def parse_run_folder(folder: Path, name: str) -> ParsedExperiment:
    path = run_file(folder)
    if path is None:
        raise ImportFailed(folder, None, "no W&B run file with data (run-*.wandb)")
    exp = ParsedExperiment(name=name, source=f"wandb:{folder.resolve()}", fmt=FORMAT, state="aborted")
    data = path.read_bytes()
    display = ""
    config: dict = {}
    first_wall = None
    for body in records(path, data, exp.warnings):
        rec = _record()
        try:
            rec.ParseFromString(body)
        except Exception:  # protobuf's DecodeError: a record of a newer writer we cannot read
            continue
        kind = rec.WhichOneof("record_type")
        if kind == "history":
            row = {_key(it): _value(it) for it in rec.history.item}
            step = row.get(("_step",))
            wall = row.get(("_timestamp",))
            if not isinstance(step, (int, float)) or isinstance(step, bool):
                step = float(rec.history.step.num)
            wall = float(wall) if isinstance(wall, (int, float)) and not isinstance(wall, bool) else math.nan
            media = {k[:-1] for k in row if len(k) > 1 and k[-1] == "_type"}
            for key, value in _leaves(row):
                if key[0].startswith("_") or any(key[:len(m)] == m for m in media):
                    continue
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    continue
                exp.channel(".".join(key)).add(float(step), float(value), wall)
            if first_wall is None and math.isfinite(wall):
                first_wall = wall
        elif kind == "run":
            display = rec.run.display_name
            exp.tags = [t for t in rec.run.tags if t.strip()]
            if rec.run.HasField("start_time"):
                exp.created = rec.run.start_time.seconds + rec.run.start_time.nanos / 1e9
            _config(rec.run.config, config)
        elif kind == "config":
            _config(rec.config, config)
        elif kind == "exit":
            code = rec.exit.exit_code
            exp.state = "succeeded" if code == 0 else "aborted" if code == 255 else "failed"
    config.pop("_wandb", None)
    exp.params = config
    if display:
        exp.tags.append(f"name={display}")
    walls = [t for ch in exp.channels.values() for t in ch.t[-1:] if math.isfinite(t)]
    if exp.created is None:
        exp.created = first_wall
    if walls:
        exp.finished = max(walls)
    return exp


def _leaves(row: dict):
    """(key path, value) of a history row, a nested dict logged whole (older writers) opened up;
    media (a dict with a ``_type``: images, histograms, tables) left out."""
    for key, value in row.items():
        if isinstance(value, dict):
            if "_type" in value:
                continue
            yield from _leaves({(*key, str(k)): v for k, v in value.items()})
        else:
            yield key, value


def _config(record, config: dict) -> None:
    for item in record.update:
        key = _key(item)
        try:
            value = json.loads(item.value_json) if item.value_json else None
        except ValueError:
            value = item.value_json
        if isinstance(value, dict) and set(value) == {"value", "desc"}:  # old config files: {"value": v}
            value = value["value"]
        target = config
        for k in key[:-1]:
            target = target.setdefault(k, {}) if isinstance(target.get(k, {}), dict) else {}
        target[key[-1]] = value
    for item in record.remove:
        key = _key(item)
        target = config
        for k in key[:-1]:
            target = target.get(k, {}) if isinstance(target.get(k), dict) else {}
        target.pop(key[-1], None)
