"""TensorBoard event files: legacy ``simple_value`` scalars (tensorboardX, PyTorch) and TF2/Keras
tensor scalars (plugin "scalars"), and ``add_hparams``' session records (plugin "hparams": the
params and the end state). One experiment per folder holding event files.

Reading needs neither TensorFlow nor tensorboard: TFRecord framing with CRC32C checked by the
``google-crc32c`` C library, and the few Event messages we need declared here as a descriptor
and parsed by protobuf's C parser (upb).

A run resumed from a checkpoint writes a new event file whose steps start again below where the
old one stopped (steps 0..1000, then 600..): as TensorBoard does (its data server's reservoir: "a
record with step s preempts any records with steps not smaller than s", per tag), each point
logged before a later point of the same tag at the same or a lower step is dropped
(``purge_orphans``, the rule of ``decimate.latest_writes``), so the curve continues from the
checkpoint instead of drawing a line back to it; the import report says how many points went.
"""
from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from ..decimate import latest_writes
from .base import ImportFailed, ParsedExperiment, ProtoFile

FORMAT = "tensorboard"
_MASK_DELTA = 0xA282EAD8


def is_event_file(path: Path) -> bool:
    return path.is_file() and "tfevents" in path.name


def _messages():
    proto = ProtoFile("chartdesk_tb_event.proto", "chartdesk.tb")
    F, msg = proto.F, proto.msg

    OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED
    msg("TensorShapeDim", ("size", 1, F.TYPE_INT64, OPT, None))
    msg("TensorShape", ("dim", 2, F.TYPE_MESSAGE, REP, ".chartdesk.tb.TensorShapeDim"))
    msg("Tensor",
        ("dtype", 1, F.TYPE_INT32, OPT, None),
        ("tensor_shape", 2, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.TensorShape"),
        ("tensor_content", 4, F.TYPE_BYTES, OPT, None),
        ("half_val", 13, F.TYPE_INT32, REP, None),
        ("float_val", 5, F.TYPE_FLOAT, REP, None),
        ("double_val", 6, F.TYPE_DOUBLE, REP, None),
        ("int_val", 7, F.TYPE_INT32, REP, None),
        ("int64_val", 10, F.TYPE_INT64, REP, None))
    msg("PluginData", ("plugin_name", 1, F.TYPE_STRING, OPT, None), ("content", 2, F.TYPE_BYTES, OPT, None))
    # The hparams plugin's content (tensorboard/plugins/hparams/plugin_data.proto), what
    # add_hparams writes: google.protobuf.Value mirrored field for field, the map as its entries.
    msg("ListValue", ("values", 1, F.TYPE_MESSAGE, REP, ".chartdesk.tb.PValue"))
    pvalue = msg("PValue",
        ("number_value", 2, F.TYPE_DOUBLE, OPT, None),
        ("string_value", 3, F.TYPE_STRING, OPT, None),
        ("bool_value", 4, F.TYPE_BOOL, OPT, None),
        ("list_value", 6, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.ListValue"))
    proto.oneof(pvalue, "kind")
    msg("HParamEntry", ("key", 1, F.TYPE_STRING, OPT, None), ("value", 2, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.PValue"))
    msg("SessionStartInfo",
        ("hparams", 1, F.TYPE_MESSAGE, REP, ".chartdesk.tb.HParamEntry"),
        ("group_name", 4, F.TYPE_STRING, OPT, None),
        ("start_time_secs", 5, F.TYPE_DOUBLE, OPT, None))
    msg("SessionEndInfo", ("status", 1, F.TYPE_INT32, OPT, None), ("end_time_secs", 2, F.TYPE_DOUBLE, OPT, None))
    msg("HParamsPluginData",
        ("version", 1, F.TYPE_INT32, OPT, None),
        ("session_start_info", 3, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.SessionStartInfo"),
        ("session_end_info", 4, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.SessionEndInfo"))
    msg("SummaryMetadata", ("plugin_data", 1, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.PluginData"))
    value = msg("Value",
        ("tag", 1, F.TYPE_STRING, OPT, None),
        ("simple_value", 2, F.TYPE_FLOAT, OPT, None),
        ("metadata", 9, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.SummaryMetadata"),
        ("tensor", 8, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.Tensor"))
    proto.oneof(value, "value", ("simple_value", "tensor"))
    msg("Summary", ("value", 1, F.TYPE_MESSAGE, REP, ".chartdesk.tb.Value"))
    msg("Event",
        ("wall_time", 1, F.TYPE_DOUBLE, OPT, None),
        ("step", 2, F.TYPE_INT64, OPT, None),
        ("file_version", 3, F.TYPE_STRING, OPT, None),
        ("summary", 5, F.TYPE_MESSAGE, OPT, ".chartdesk.tb.Summary"))
    return proto.classes("Event", "HParamsPluginData")


_classes = None


def _event_class():
    return _message_classes()[0]


def _message_classes():
    global _classes
    if _classes is None:
        _classes = _messages()
    return _classes


#: SessionEndInfo.status (api.proto's Status): success, failure, running.
_END_STATES = {1: "succeeded", 2: "failed", 3: "running"}


def _pvalue(v):
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        n = v.number_value
        return int(n) if n.is_integer() and abs(n) < 2 ** 53 else n
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "list_value":
        return [_pvalue(x) for x in v.list_value.values]
    return None


def _read_hparams(content: bytes, exp: ParsedExperiment, path: Path, where: str) -> None:
    """``add_hparams``' session start (params) and end (state) records of the hparams plugin."""
    data = _message_classes()[1]()
    try:
        data.ParseFromString(content)
    except Exception as exc:  # protobuf's DecodeError
        exp.warnings.append(f"{path} ({where}): hparams record not read ({exc})")
        return
    if data.HasField("session_start_info"):
        for entry in data.session_start_info.hparams:
            exp.params[entry.key] = _pvalue(entry.value)
    if data.HasField("session_end_info") and data.session_end_info.status in _END_STATES:
        exp.state = _END_STATES[data.session_end_info.status]


def _masked(crc: int) -> int:
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF


# DataType enum values of tensorflow/core/framework/types.proto that scalars use
_DT_FLOAT, _DT_DOUBLE, _DT_INT32, _DT_INT64, _DT_HALF, _DT_BFLOAT16 = 1, 2, 3, 9, 19, 14


def _tensor_scalar(t) -> float | None:
    """The value of a one-element numeric tensor, else None."""
    if t.tensor_content:
        dt = {_DT_FLOAT: "<f4", _DT_DOUBLE: "<f8", _DT_INT32: "<i4", _DT_INT64: "<i8", _DT_HALF: "<f2"}.get(t.dtype)
        if dt is None:
            return None
        arr = np.frombuffer(t.tensor_content, dtype=dt)
        return float(arr[0]) if arr.size == 1 else None
    for vals in (t.float_val, t.double_val, t.int_val, t.int64_val):
        if len(vals) == 1:
            return float(vals[0])
    if len(t.half_val) == 1:
        return float(np.array([t.half_val[0]], dtype=np.uint16).view(np.float16)[0])
    return None


def read_event_file(path: Path, exp: ParsedExperiment, check_crc: bool = True) -> int:
    """Add the scalars of one event file to ``exp``; returns how many records it read."""
    records, _end = read_events(path.read_bytes(), 0, exp, path, check_crc)
    return records


def read_events(data: bytes, start: int, exp: ParsedExperiment, path: Path, check_crc: bool = True,
                growing: bool = False) -> tuple[int, int]:
    """Add the scalars of the records in ``data`` from byte ``start``: (records read, offset after
    the last complete one). A record cut short at the end is a warning, or, for a file that is
    ``growing`` (followed while its run writes), the place to read on from next time."""
    import google_crc32c

    crc = google_crc32c.value
    Event = _event_class()
    n = len(data)
    pos = start
    records = 0
    kinds: dict[str, bool] = {}  # tag -> is a scalar (from the first metadata seen)
    ev = Event()
    unpack_header = struct.Struct("<QI").unpack_from
    unpack_crc = struct.Struct("<I").unpack_from
    while pos < n:
        if n - pos < 12:
            if not growing:
                exp.warnings.append(f"{path}: truncated record header at byte {pos}; kept {records} complete records")
            break
        length, len_crc = unpack_header(data, pos)
        if check_crc and _masked(crc(data[pos:pos + 8])) != len_crc:
            raise ImportFailed(path, f"byte {pos}", "corrupt record length (CRC mismatch); not a TensorBoard event file?")
        end = pos + 12 + length + 4
        if end > n:
            if not growing:
                exp.warnings.append(f"{path}: truncated record at byte {pos} (a run still writing, or a crash); "
                                    f"kept {records} complete records")
            break
        body = data[pos + 12:pos + 12 + length]
        if check_crc and _masked(crc(body)) != unpack_crc(data, pos + 12 + length)[0]:
            raise ImportFailed(path, f"byte {pos}", "corrupt record data (CRC mismatch)")
        try:
            ev.ParseFromString(body)
        except Exception as exc:  # protobuf's DecodeError and friends
            raise ImportFailed(path, f"byte {pos}", f"record is not an Event message ({exc})") from None
        pos = end
        records += 1
        if not ev.HasField("summary"):
            continue
        step = float(ev.step)
        wall = ev.wall_time
        for v in ev.summary.value:
            tag = v.tag
            if tag.startswith("_hparams_/") and v.metadata.plugin_data.plugin_name == "hparams":
                _read_hparams(v.metadata.plugin_data.content, exp, path, f"byte {pos}")
                continue
            which = v.WhichOneof("value")
            if which == "simple_value":
                exp.channel(tag).add(step, v.simple_value, wall)
            elif which == "tensor":
                scalar = kinds.get(tag)
                if scalar is None and v.HasField("metadata"):
                    scalar = kinds[tag] = v.metadata.plugin_data.plugin_name == "scalars"
                if scalar is False:
                    continue
                value = _tensor_scalar(v.tensor)
                if value is not None:
                    exp.channel(tag).add(step, value, wall)
    return records, pos


def purge_orphans(exp: ParsedExperiment, where) -> int:
    """Keep only each channel's latest write per step (``decimate.latest_writes``: a point goes
    when a later one of its tag has the same or a lower step), as TensorBoard shows the run; a
    warning naming ``where`` says how many went and where the steps went back. Returns how many."""
    total, back = 0, set()
    for ch in exp.channels.values():
        x = np.asarray(ch.x, dtype=np.float64)
        if len(x) < 2 or bool(np.all(x[1:] > x[:-1])):
            continue
        keep = np.flatnonzero(latest_writes(x))
        if len(keep) == len(x):
            continue
        total += len(x) - len(keep)
        back.update(x[1:][x[1:] <= x[:-1]][:3].tolist())  # where a step was not above the one before
        ch.x, ch.y, ch.t = [ch.x[i] for i in keep], [ch.y[i] for i in keep], [ch.t[i] for i in keep]
    if total:
        steps = ", ".join(f"{v:g}" for v in sorted(back)[:3])
        exp.warnings.append(f"{where}: {total:,} points purged: the run went back to step {steps} (resumed from a "
                            "checkpoint); as TensorBoard does, what was logged before at that step and after it "
                            "was dropped")
    return total


def parse_run_folder(folder: Path, files: list[Path], name: str) -> ParsedExperiment:
    exp = ParsedExperiment(name=name, source=f"tensorboard:{folder.resolve()}", fmt=FORMAT)
    for f in sorted(files):
        read_event_file(f, exp)
    walls = [t for ch in exp.channels.values() for t in ch.t[:1] + ch.t[-1:]]
    if walls:  # the run began with its first process, whatever a restart purges
        exp.created, exp.finished = min(walls), max(walls)
    purge_orphans(exp, folder)
    return exp
