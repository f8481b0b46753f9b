"""The TensorBoard entries of truth.json as TensorBoard's dashboard shows them (run once by hand:
``python tests/realworld/dashboard_truth.py tests/realworld [--write]``; needs ``tensorboard``).

Each run folder holding event files is read with tensorboard's Python ``EventAccumulator``, as
``make_truth.py`` does (MANIFEST.md); then, per tag and in logged order, TensorBoard's Rust data
server's preemption is applied: a record with step s preempts every earlier record of its tag
whose step is not smaller than s (a run resumed from a checkpoint; ``tensorboard/data/server/
reservoir.rs``). It first checks that without the preemption it gives truth.json's entry exactly
(so this reads the files as make_truth.py did), then prints, or with ``--write`` writes, the
channels whose points the preemption changes. Written independently of ChartDesk's own rule
(``decimate.latest_writes``), so the regression set checks that rule.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np


def _sha(a) -> str:
    a = np.asarray(a, dtype=np.float64).copy()
    a[np.isnan(a)] = np.nan
    return hashlib.sha256(a.astype("<f8").tobytes()).hexdigest()


def _channels(run_dir: Path, preempt: bool) -> dict:
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(run_dir), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()["tensors"]:
        if acc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue
        kept: list = []
        for e in acc.Tensors(tag):
            if preempt:
                kept = [k for k in kept if k.step < e.step]
            kept.append(e)
        x = [float(e.step) for e in kept]
        y = [float(tensor_util.make_ndarray(e.tensor_proto).item()) for e in kept]
        t = [float(e.wall_time) for e in kept]
        out[tag] = {"n": len(kept), "steps_first3": x[:3], "steps_last3": x[-3:], "steps_sha256": _sha(x),
                    "values_first3": y[:3], "values_last3": y[-3:], "values_sha256": _sha(y), "walls_sha256": _sha(t)}
    return out


def main(root: Path, write: bool) -> int:
    path = root / "truth.json"
    truth = json.loads(path.read_text())
    keys = ("n", "steps_sha256", "values_sha256", "walls_sha256")
    changed = 0
    for short, source in truth["sources"].items():
        for name, exp in source["experiments"].items():
            folder = root / short / name
            if not folder.is_dir() or not any("tfevents" in p.name for p in folder.iterdir()):
                continue
            python = _channels(folder, preempt=False)
            shown = _channels(folder, preempt=True)
            for tag, want in exp["channels"].items():
                if tag not in python:
                    continue  # not a TensorBoard channel of this run (a progress.csv beside it)
                if all(want.get(k) == shown[tag].get(k) for k in keys):
                    continue  # what the dashboard shows already (no restart, or written before)
                if not all(want.get(k) == python[tag].get(k) for k in keys):
                    print(f"{short}/{name}/{tag}: truth.json is neither the Python backend's nor the dashboard's")
                    return 1
                print(f"{short} {name} {tag}: {python[tag]['n']} -> {shown[tag]['n']} points")
                exp["channels"][tag] = shown[tag]
                changed += 1
    if write and changed:
        path.write_text(json.dumps(truth))
    print(f"{changed} channels {'written' if write else 'to write (--write)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), "--write" in sys.argv[2:]))
