"""Forked runs stitched to their parents, as Neptune's app draws an experiment's lineage: "all
series attributes, up to and including the fork step, are inherited". Neptune 3 exports a forked
run without its parent's points (``lineage_to_the_root=False``), so after an import has written
every source, each forked run (``ParsedExperiment.fork``) is rewritten from the store: its
parent's points with a step up to and including the fork step, then its own, for every channel
either of them has. Parents go first, so a grandchild inherits through its already stitched
parent. At a step up to the fork step that both have, the parent's point is kept (Neptune ignores
a child's point logged at a step it inherits). A run whose parent is not in this import keeps its
own points, and the report says which parent is missing. A parent an earlier import wrote into
the run's project (found by its ``sys/custom_run_id``) serves as well.

Only the runs' names, sources and small fields are held across the import; the points are read
back from the store one forked run (and its parent) at a time.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .base import ChannelData, ParsedExperiment


@dataclass
class _Forked:
    key: tuple[str | None, str]  # (source project, run id)
    parent: tuple[str | None, str]
    step: float
    target: str  # the ChartDesk project it was written to
    name: str  # its name in the store
    skeleton: ParsedExperiment  # everything but the points, to write it again


class Lineage:
    """Runs noted as an import writes them; ``stitch`` then rewrites the forked ones."""

    def __init__(self) -> None:
        self._written: dict[tuple[str | None, str], tuple[str, str]] = {}  # key -> (target, stored name)
        self._forked: list[_Forked] = []

    def note(self, exp: ParsedExperiment, run_id: str, target: str, name: str) -> None:
        """``exp`` (named ``run_id`` by its source) was written to ``target`` as ``name``."""
        key = (exp.project, run_id)
        self._written[key] = (target, name)
        if exp.fork is not None:
            skeleton = dataclasses.replace(exp, channels={}, warnings=[], aliases={})
            self._forked.append(_Forked(key, (exp.project, exp.fork[0]), float(exp.fork[1]), target, name, skeleton))

    def stitch(self, store, warnings: list[str]) -> None:
        """Rewrite every forked run, parents first; what could not be stitched goes to ``warnings``."""
        by_key = {f.key: f for f in self._forked}
        depth: dict[tuple, int] = {}
        for f in self._forked:
            chain, k = [], f.key
            while k in by_key and k not in depth and k not in chain:
                chain.append(k)
                k = by_key[k].parent
            if k in chain:  # a cycle: Neptune makes none, a hand-edited export might
                warnings.append(f"{f.name}: its forks form a loop ({' -> '.join(c[1] for c in chain)}); "
                                "not stitched")
                for c in chain:
                    depth[c] = -1
                continue
            base = depth.get(k, 0)
            for i, c in enumerate(reversed(chain)):
                depth[c] = base + i + 1 if base >= 0 else -1
        for f in sorted((f for f in self._forked if depth.get(f.key, 0) >= 0), key=lambda f: depth[f.key]):
            parent = self._written.get(f.parent) or self._in_store(store, f)
            if parent is None:
                warnings.append(f"{f.name}: forked from {f.parent[1]} at step {f.step:g}, which is neither in this "
                                "import nor in the project: only its own points are shown")
                continue
            inherited = self._stitch_one(store, f, parent)
            warnings.append(f"{f.name}: forked from {parent[1]} at step {f.step:g}: {inherited:,} of its points "
                            "up to that step are shown before this run's own")

    @staticmethod
    def _in_store(store, f: _Forked) -> tuple[str, str] | None:
        """The parent as an earlier import left it in the run's project: the experiment of that
        name whose ``sys/custom_run_id`` is the parent's run id (Neptune 3 names runs so)."""
        from ..errors import NotFound

        run_id = f.parent[1]
        try:
            parent = store.experiment(f.target, run_id)
        except NotFound:
            return None
        return (f.target, run_id) if parent.params.get("sys/custom_run_id") == run_id else None

    @staticmethod
    def _stitch_one(store, f: _Forked, parent: tuple[str, str]) -> int:
        p_target, p_name = parent
        own = {ch: store.read(f.target, f.name, ch) for ch in store.channels(f.target, f.name)}
        exp = dataclasses.replace(f.skeleton, name=f.name, channels={})
        inherited = 0
        for ch in store.channels(p_target, p_name):
            p = store.read(p_target, p_name, ch)
            keep = p.x <= f.step  # NaN steps are not before the fork
            px, py, pt = p.x[keep], p.y[keep], p.t[keep]
            inherited += len(px)
            c = own.pop(ch, None)
            if c is not None:
                mine = ~((c.x <= f.step) & np.isin(c.x, px))
                px, py, pt = (np.concatenate([px, c.x[mine]]), np.concatenate([py, c.y[mine]]),
                              np.concatenate([pt, c.t[mine]]))
            if len(px):
                exp.channels[ch] = ChannelData(x=px, y=py, t=pt)
        for ch, c in own.items():
            exp.channels[ch] = ChannelData(x=c.x, y=c.y, t=c.t)
        store.import_experiment(f.target, exp)
        return inherited
