"""Alias suggestions: names of the project's channels that look like one metric logged under
different names. A group is suggested when its names never occur in the same run, are the same
words after normalising (``val/acc``, ``val_acc``, ``eval_accuracy``), and their values overlap.
Suggestions are only shown; an alias is made when the user adds it. A suggestion is named after
the channel it ranks first (the name most runs logged), as ``accuracy -> [accuracy, acc]`` is: a
name made of the common words would be one of its channels' names while another came first
(``val_acc -> [val/acc, eval_accuracy, val_acc]``). Plain Python, no Qt.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Words that mean the same in metric names.
SYNONYMS = {"accuracy": "acc", "acc1": "acc", "top1": "acc", "eval": "val", "valid": "val", "validation": "val",
            "training": "train", "tr": "train", "err": "error", "lr": "lr", "learning_rate": "lr"}


def tokens(name: str) -> tuple[str, ...]:
    """The words of a channel name, lower case, synonyms merged, order kept."""
    words = [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]
    joined = "_".join(words)
    if joined in SYNONYMS:
        return (SYNONYMS[joined],)
    return tuple(SYNONYMS.get(w, w) for w in words)


@dataclass(frozen=True)
class Suggestion:
    alias: str                 # a name for the alias: its first channel's
    channels: tuple[str, ...]  # its list, the most used name first


def suggest(runs: Mapping[str, Iterable[str]], ranges: Mapping[str, tuple[float, float]] | None = None,
            existing: Mapping[str, Iterable[str]] | None = None) -> list[Suggestion]:
    """``runs``: experiment -> its channel names; ``ranges``: channel name -> (min, max) of its
    values over the runs (None: not checked); ``existing``: the project's aliases."""
    in_run = {exp: set(chans) for exp, chans in runs.items()}
    uses: dict[str, int] = {}
    for chans in in_run.values():
        for c in chans:
            uses[c] = uses.get(c, 0) + 1
    groups: dict[tuple[str, ...], list[str]] = {}
    for name in uses:
        t = tokens(name)
        if t:
            groups.setdefault(t, []).append(name)
    covered = [set(v) for v in (existing or {}).values()]
    out = []
    for names in groups.values():
        if len(names) < 2:
            continue
        names = sorted(names, key=lambda n: (-uses[n], n))
        if any(set(names) <= c for c in covered):
            continue
        if any(len(set(names) & chans) > 1 for chans in in_run.values()):
            continue  # two of them in one run: different metrics
        if ranges is not None and not _overlap([ranges[n] for n in names if n in ranges]):
            continue
        out.append(Suggestion(names[0], tuple(names)))
    return sorted(out, key=lambda s: s.alias)


def _overlap(spans: list[tuple[float, float]]) -> bool:
    spans = [(lo, hi) for lo, hi in spans if lo is not None and hi is not None]
    if len(spans) < 2:
        return True
    return max(lo for lo, _ in spans) <= min(hi for _, hi in spans)


def suggest_in(store, project: str, runs: Mapping[str, Iterable[str]],
               aliases: Mapping[str, Iterable[str]] = ()) -> list[Suggestion]:
    """``suggest`` with the value ranges read from the store: of the candidate channels only, from
    their chunk summaries (no point is read). Reads the store: call it off the GUI thread."""
    runs = {e: list(cs) for e, cs in runs.items()}
    candidates = {c for sgn in suggest(runs, None, aliases) for c in sgn.channels}
    if not candidates:
        return []
    ranges: dict[str, tuple[float, float]] = {}
    values = store.reduce_channels(project, [(e, c) for e, cs in runs.items() for c in cs if c in candidates],
                                   ["min", "max"])
    for (_e, c), v in values.items():
        lo, hi = v.get("min"), v.get("max")
        if lo is None or hi is None:
            continue
        old = ranges.get(c)
        ranges[c] = (lo, hi) if old is None else (min(old[0], lo), max(old[1], hi))
    return suggest(runs, ranges, aliases)
