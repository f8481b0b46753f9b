"""The regression set of real logs other people published (tests/realworld, MANIFEST.md there):
each source folder is imported whole, the way a user runs ``chartdesk import FOLDER``, and every
experiment the writing tools read from it (truth.json) is looked up and compared: state, times,
tags, params, and per channel the point count and the SHA-256 of its steps, values and wall times.

How a truth run is found among the imported ones follows MANIFEST.md ("How an import is compared
with the truth"): by its name, or by a name no other run of the source has (the folder of a
file-named run, the folder above a DVCLive folder, the import root for a file at the root); runs
that share a name by start time; one run written several ways in one folder as one experiment
named by that folder, equal to one of them.
"""
from __future__ import annotations

import hashlib
import json
import math
import posixpath
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from chartdesk import open_store
from chartdesk.importers import import_paths

REALWORLD = Path(__file__).parent / "realworld"
TRUTH = json.loads((REALWORLD / "truth.json").read_text())["sources"]

pytestmark = pytest.mark.slow


def _sha(a) -> str:
    a = np.asarray(a, dtype=np.float64).copy()
    a[np.isnan(a)] = np.nan
    return hashlib.sha256(a.astype("<f8").tobytes()).hexdigest()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _same_scalar(ours, want) -> bool:
    """Lenient params: the same text, number, boolean or null as a YAML loader reads it."""
    if ours == want and type(ours) is type(want):
        return True
    candidates = [ours]
    if isinstance(ours, str):
        try:
            candidates.append(yaml.safe_load(ours))
        except yaml.YAMLError:
            pass
    for c in candidates:
        if isinstance(want, bool) or isinstance(c, bool):
            if isinstance(want, bool) and isinstance(c, bool) and c == want:
                return True
            continue
        if isinstance(want, (int, float)) and isinstance(c, (int, float)):
            if c == want or (math.isnan(float(c)) and math.isnan(float(want))):
                return True
            continue
        if c == want:
            return True
        if isinstance(want, str) and str(c) == want:
            return True
    return False


def _param_problems(ours: dict, want: dict, mode: str) -> list[str]:
    out = []
    if mode == "exact":
        if set(ours) != set(want):
            out.append(f"params keys: extra {sorted(set(ours) - set(want))[:5]}, "
                       f"missing {sorted(set(want) - set(ours))[:5]}")
        for k in set(ours) & set(want):
            if str(ours[k]) != str(want[k]):
                out.append(f"param {k}: {ours[k]!r} != {want[k]!r}")
        return out
    for k, v in want.items():
        if isinstance(v, dict) and v.get("__present__"):
            if k not in ours and not any(key.startswith(f"{k}.") or key.startswith(f"{k}/") for key in ours):
                out.append(f"param {k}: missing (a mapping or list)")
            continue
        if k not in ours:
            out.append(f"param {k}: missing")
        elif not _same_scalar(ours[k], v):
            out.append(f"param {k}: {ours[k]!r} != {v!r}")
    return out


def _problems(store, project: str, name: str, want: dict) -> list[str]:
    exp = store.experiment(project, name)
    out = []
    if want.get("state") is not None and exp.state != want["state"]:
        out.append(f"state {exp.state} != {want['state']}")
    for key in ("created", "finished"):
        w, o = want.get(key), getattr(exp, key)
        if w is not None and (o is None or abs(o - w) > 1e-6 * abs(w)):
            out.append(f"{key} {o} != {w}")
    if want.get("tags") is not None and sorted(exp.tags) != sorted(want["tags"]):
        out.append(f"tags {sorted(exp.tags)} != {sorted(want['tags'])}")
    if want.get("params") is not None:
        out.extend(_param_problems(dict(exp.params), want["params"], want.get("params_mode") or "lenient"))
    have = set(store.channels(project, name))
    wanted = set(want["channels"])
    if have - wanted:
        out.append(f"channels the tool does not show: {sorted(have - wanted)[:8]}")
    if wanted - have:
        out.append(f"channels missing: {sorted(wanted - have)[:8]}")
    for ch in sorted(have & wanted):
        w = want["channels"][ch]
        s = store.read(project, name, ch)
        if len(s) != w["n"]:
            out.append(f"{ch}: {len(s)} points != {w['n']}")
            continue
        for part, arr in (("steps", s.x), ("values", s.y), ("walls", s.t)):
            if w.get(f"{part}_sha256") is not None and _sha(arr) != w[f"{part}_sha256"]:
                first = w.get(f"{part}_first3")
                out.append(f"{ch}: {part} differ" + (f" (first {arr[:3].tolist()} vs {first})" if first else ""))
    return out


def _file_named(source: Path, name: str) -> bool:
    """A run named by its file (``output/metrics`` for ``output/metrics.json``), not a folder."""
    here = source / name
    return not here.is_dir() and any(p.is_file() for p in here.parent.glob(f"{glob_escape(here.name)}.*"))


def glob_escape(text: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", text)


def _numbered(base: str, names: set[str]) -> list[str]:
    pat = re.compile(rf"^{re.escape(base)}( \(\d+\))?$")
    return sorted(n for n in names if pat.match(n))


def compare_source(short: str, tmp_path: Path) -> list[str]:
    """Every difference between an import of one source and what its tools read from it."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / short
    shutil.copytree(REALWORLD / short, source)
    before = _snapshot(source)
    with open_store(tmp_path / "rw.db") as store:
        report = import_paths(store, [source], "rw")
        assert _snapshot(source) == before, "the import changed the folder it read"
        ours = set(store.experiments("rw")) if "rw" in store.projects() else set()
        truth = TRUTH[short]["experiments"]
        names = set(truth)
        out: list[str] = [f"refused: {line}" for line in report.refused]
        done: set[str] = set()
        # one run written several ways: a folder run and the file-named runs inside it
        groups: dict[str, list[str]] = {}
        for n in sorted(names):
            parent = posixpath.dirname(n)
            if parent in names and _file_named(source, n):
                groups.setdefault(parent, [parent]).append(n)
        for folder, members in groups.items():
            found = sorted({m for member in members for m in _numbered(member, ours)})
            if len(found) != 1:
                out.append(f"{folder}: one run written {len(members)} ways should be one experiment, "
                           f"imported as {found}")
            else:
                results = {m: _problems(store, "rw", found[0], truth[m]) for m in members}
                if not any(not r for r in results.values()):
                    best = min(results.items(), key=lambda kv: len(kv[1]))
                    out.extend(f"{found[0]} (as {best[0]}): {p}" for p in best[1])
            done.update(members)
        for n in sorted(names - done):
            want = truth[n]
            shared = re.match(r"^(.*) \(([0-9a-f]{8})\)$", n)
            if shared:
                base = shared.group(1)
                match = [o for o in _numbered(base, ours) if want.get("created") is not None
                         and store.experiment("rw", o).created == pytest.approx(want["created"], rel=1e-9)]
            else:
                alternatives = [n]
                parent = posixpath.dirname(n)
                if (_file_named(source, n) or (source / n / "plots" / "metrics").is_dir()):
                    alternatives.append(parent or source.name)
                match = [a for i, a in enumerate(alternatives) if a in ours and (i == 0 or a not in names)]
            if not match:
                out.append(f"{n}: not imported (have {sorted(ours)[:6]}{'...' if len(ours) > 6 else ''})")
                continue
            out.extend(f"{n}: {p}" for p in _problems(store, "rw", match[0], want))
        return out


@pytest.mark.parametrize("short", sorted(TRUTH))
def test_real_logs_import_as_their_tools_read_them(short, tmp_path):
    problems = compare_source(short, tmp_path)
    assert not problems, f"{len(problems)} differences:\n" + "\n".join(problems[:40])


def test_the_comparison_sees_a_wrong_value_a_missing_run_and_one_run_imported_twice(tmp_path, monkeypatch):
    """The comparison can fail: a changed hash, an unknown run, and a run folder imported as two
    experiments (``output``, ``output (2)``: what the import did before runs were grouped)."""
    import copy

    truth = copy.deepcopy(TRUTH)
    exp = truth["tb-pytorch-tiny"]["experiments"]
    (name, want), = exp.items()
    first = next(iter(want["channels"]))
    want["channels"][first]["values_sha256"] = "0" * 64
    exp["examples/runs/never-written"] = copy.deepcopy(want)
    monkeypatch.setitem(globals(), "TRUTH", truth)
    problems = compare_source("tb-pytorch-tiny", tmp_path / "a")
    assert any(p.startswith(f"{name}: {first}: values differ") for p in problems), problems
    assert any(p.startswith("examples/runs/never-written: not imported") for p in problems), problems

    import chartdesk.importers as importers

    monkeypatch.setattr(importers, "run_groups", lambda sources, each_file: [[s] for s in sources])
    problems = compare_source("detectron2-metrics", tmp_path / "b")
    assert problems and "should be one experiment" in problems[0], problems
