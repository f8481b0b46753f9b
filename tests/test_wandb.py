"""W&B run folders, read without the wandb package. The fixtures were written by wandb itself
(offline mode): 0.31.0 (runs finished with exit codes 0, 3 and 255; one killed before its first
flush, which left the 7-byte header only) and 0.16.6 (the last writer in Python); the script that
logged them: ``loss = exp(-step / 10)``, ``acc = step / 30``, ``val = {"acc": step / 40}``, a
text value and a histogram, config ``lr``, nested ``optimizer``, ``epochs``.
``wandb-wide`` is one 0.31 run of 1,200 metrics, whose records span the 32 KiB blocks."""
from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from chartdesk.follow import Follower
from chartdesk.importers import discover, import_paths, parse_all

FIX = Path(__file__).parent / "fixtures"
RUNS = {  # folder -> (writer, state)
    "offline-run-20261127_163430-jxcuho43": ("0.16.6", "succeeded"),
    "offline-run-20261127_163440-ns5mtmiy": ("0.31.0", "succeeded"),
    "offline-run-20261127_163443-6ydl2mkk": ("0.31.0", "failed"),      # exit code 3
    "offline-run-20261127_163445-8acv3iut": ("0.31.0", "aborted"),     # exit code 255 (Ctrl-C)
    "offline-run-20261127_163447-mrgfu109": ("0.31.0", "aborted"),     # killed: no exit record
}


def test_wandb_runs_import_with_history_config_and_state(store):
    report = import_paths(store, [FIX / "wandb"], "wb")
    assert report.refused == [] and report.warnings == []
    names = {f"wandb/{folder}" for folder in RUNS}
    assert set(store.experiments("wb")) == names  # files/ and logs/ beside the .wandb are W&B's own
    for folder, (_writer, state) in RUNS.items():
        exp = store.experiment("wb", f"wandb/{folder}")
        assert exp.state == state, folder
        if folder.endswith("mrgfu109"):
            assert store.channels("wb", exp.name) == []  # a header and nothing else
            continue
        assert exp.params == {"lr": 0.01, "optimizer": {"name": "adam", "betas": [0.9, 0.99]}, "epochs": 3}
        assert "name=fixture-run" in exp.tags
        assert store.channels("wb", exp.name) == ["acc", "loss", "val.acc"]  # no text, no histogram, no _keys
        steps = np.arange(30.0)
        loss = store.read("wb", exp.name, "loss")
        assert loss.x.tolist() == steps.tolist()
        assert np.allclose(loss.y, np.exp(-steps / 10), rtol=1e-12)
        assert np.allclose(store.read("wb", exp.name, "val.acc").y, steps / 40)
        assert np.all(np.diff(loss.t) >= 0) and loss.t[0] > 1.7e9  # _timestamp is the wall time
    assert report.exit_code == 0


def test_records_that_span_blocks_are_joined(store):
    import_paths(store, [FIX / "wandb-wide"], "wide")
    (name,) = store.experiments("wide")
    assert len(store.channels("wide", name)) == 1200
    assert store.read("wide", name, "metric_1199").y.tolist() == pytest.approx([1.199, 2.199])


def _records(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each framed record piece."""
    out, pos = [], 7
    while pos < len(data):
        left = 32768 - pos % 32768
        if left < 7:
            pos += left
            continue
        _crc, n, _t = struct.unpack_from("<IHB", data, pos)
        out.append((pos, pos + 7 + n))
        pos += 7 + n
    return out


def test_a_file_cut_anywhere_keeps_every_complete_record_before_the_cut(tmp_path):
    src = FIX / "wandb" / "wandb" / "offline-run-20261127_163440-ns5mtmiy" / "run-ns5mtmiy.wandb"
    data = src.read_bytes()
    bounds = _records(data)
    run = tmp_path / "r"
    run.mkdir()
    before = -1
    for cut in sorted({b for _a, b in bounds} | {a + 3 for a, _b in bounds} | {len(data) - 1}):
        (run / "run-x.wandb").write_bytes(data[:cut])
        (exp,), refused = parse_all(discover([run]))
        assert refused == []
        points = exp.points()
        assert points >= before  # a longer prefix never loses points
        before = points
        complete = cut in {b for _a, b in bounds}
        assert bool(exp.warnings) != complete or cut == len(data)
        if cut < len(data):
            assert exp.state == "aborted"  # the exit record is the last one: not there yet
    assert before == 90


def test_a_damaged_record_keeps_what_came_before_and_says_where(tmp_path):
    src = FIX / "wandb" / "wandb" / "offline-run-20261127_163440-ns5mtmiy" / "run-ns5mtmiy.wandb"
    data = bytearray(src.read_bytes())
    start, end = _records(bytes(data))[40]
    data[end - 2] ^= 0xFF
    run = tmp_path / "r"
    run.mkdir()
    (run / "run-x.wandb").write_bytes(bytes(data))
    (exp,), refused = parse_all(discover([run]))
    assert refused == [] and f"damaged record at byte {start}" in exp.warnings[0]
    assert 0 < exp.points() < 90


def test_empty_and_foreign_wandb_files(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "run-a.wandb").write_bytes(b"")
    with pytest.raises(Exception, match="nothing importable"):
        discover([tmp_path / "empty"])  # a 0-byte .wandb is no run
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "run-b.wandb").write_bytes(b"PK\x03\x04 not a wandb file at all")
    exps, refused = parse_all(discover([tmp_path / "foreign"]))
    assert exps == [] and "run-b.wandb (byte 0): not a W&B run file" in refused[0]


def test_a_wandb_run_is_followed_while_it_writes_and_its_exit_record_ends_it(store, tmp_path):
    src = FIX / "wandb" / "wandb" / "offline-run-20261127_163443-6ydl2mkk" / "run-6ydl2mkk.wandb"
    data = src.read_bytes()
    bounds = _records(data)
    run = tmp_path / "wandb" / "run-1"
    run.mkdir(parents=True)
    f = Follower(store, "p", [tmp_path / "wandb"])
    target = run / "run-6ydl2mkk.wandb"
    target.write_bytes(data[:bounds[30][0] + 5])  # cut inside a record, as a writer mid-flush
    f.poll()
    assert store.experiment("p", "run-1").state == "running"
    first = len(store.read("p", "run-1", "loss"))
    assert 0 < first < 30
    shutil.copyfile(src, target)
    f.poll()
    assert len(store.read("p", "run-1", "loss")) == 30
    f.close()
    assert store.experiment("p", "run-1").state == "failed"  # its exit record says code 3
