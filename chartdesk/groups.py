"""Groups of runs drawn as one line: how runs are grouped (``GroupBy``, parsed from what the
user types: ``lr, optimizer.name, tags, name ~ "(.*)-seed\\d+"``), which group each run falls in,
and what a chart draws of a group (``GroupRequest`` -> ``GroupView``: the exact mean and band of
``chartdesk.aggregate.combine`` over every point, then decimated for the visible range).

Plain Python and numpy, no Qt: the window's loader threads call ``read_group``.
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from . import derived
from .aggregate import BANDS, combine
from .decimate import m4_indices
from .errors import InvalidInput
from .model import Experiment
from .query import flatten
from .runs import sort_key
from .smoothing import Smoothing
from .views import x_from_channel

_ITEM = re.compile(r'\s*(?:(?P<regex>name\s*~\s*"(?P<pattern>(?:[^"\\]|\\.)*)")|(?P<key>[^,"~\s][^,"~]*?))\s*(?:,|$)')


@dataclass(frozen=True)
class GroupBy:
    """What makes runs one group: equal values of these params (flattened names, ``tags`` for the
    run's tags) and, with ``pattern``, the same text captured from the run's name."""

    keys: tuple[str, ...] = ()
    pattern: str = ""

    @classmethod
    def parse(cls, text: str) -> GroupBy | None:
        """``lr, optimizer.name, tags, name ~ "(.*)-seed\\d+"``; empty text: no grouping (None)."""
        text = str(text)
        if not text.strip():
            return None
        keys: list[str] = []
        pattern = ""
        pos = 0
        while pos < len(text):
            m = _ITEM.match(text, pos)
            if m is None or m.end() == pos:
                at = pos + len(text[pos:]) - len(text[pos:].lstrip())
                if re.match(r'name\s*~\s*"', text[at:]):
                    raise InvalidInput(f"group by: the regex after name ~ at column {at + 1} needs its closing \"")
                raise InvalidInput(f"group by: cannot read {text[at:].strip()[:40]!r} at column {at + 1}; "
                                   'write param names, tags, or name ~ "REGEX", separated by commas')
            if m.group("regex"):
                if pattern:
                    raise InvalidInput("group by: only one name ~ \"REGEX\" is allowed")
                pattern = m.group("pattern").replace('\\"', '"')
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise InvalidInput(f"group by: bad regex {pattern!r}: {exc}") from None
            else:
                key = m.group("key").strip()
                if key not in keys:
                    keys.append(key)
            pos = m.end()
        if not keys and not pattern:
            return None
        return cls(tuple(keys), pattern)

    def __str__(self) -> str:
        parts = list(self.keys)
        if self.pattern:
            parts.append('name ~ "' + self.pattern.replace('"', '\\"') + '"')
        return ", ".join(parts)


@dataclass(frozen=True)
class Group:
    label: str              # what legends call it: "lr=0.1, optimizer=adam"
    runs: tuple[str, ...]   # in the order they were given


def _value_text(v) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return f"{v:g}" if abs(v) >= 1e-4 else repr(v)
    return str(v)


def group_runs(experiments: Sequence[Experiment], by: GroupBy) -> list[Group]:
    """The groups of these runs, each run in exactly one, ordered by their values (numbers as
    numbers, missing last). A run whose name the pattern does not match is a group of its own."""
    regex = re.compile(by.pattern) if by.pattern else None
    found: dict[tuple, tuple[list, list[str], list[str]]] = {}
    for e in experiments:
        flat = flatten(dict(e.params))
        values: list = []
        shown: list[str] = []
        for k in by.keys:
            if k == "tags":
                v = ",".join(sorted(e.tags)) or None
                shown.append(f"tags={v or '(none)'}")
            else:
                v = flat.get(k)
                shown.append(f"{k}={'–' if v is None else _value_text(v)}")
            values.append(v)
        if regex is not None:
            m = regex.search(e.name)
            if m is None:
                captured = e.name  # a group of its own
            else:
                captured = "/".join(g or "" for g in m.groups()) if m.groups() else m.group(0)
            values.append(captured)
            shown.append(captured)
        ident = tuple(repr(v) for v in values)
        entry = found.setdefault(ident, (values, shown, []))
        entry[2].append(e.name)

    def order(item):
        values = item[0]
        return tuple(sort_key(v, False) for v in values)

    return [Group(", ".join(shown), tuple(runs)) for values, shown, runs in sorted(found.values(), key=order)]


# ---- what a chart draws of a group -------------------------------------------------------------
@dataclass(frozen=True)
class GroupRequest:
    """One series of one group, as the loader caches it: the (experiment, channel) each member
    run plots (the resolver's answer, pins included), the band, and the range and width to
    decimate for. ``x_channels``: per member, the channel x is taken from (a chart whose x axis is
    a series); the group's x is then the first member's x at each step."""

    project: str
    members: tuple[tuple[str, str], ...]
    band: str = "std"
    x0: float | None = None
    x1: float | None = None
    width: int = 1000
    smoothing: Smoothing = Smoothing()  # a number is an EMA weight
    x_channels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.smoothing, Smoothing):
            object.__setattr__(self, "smoothing", Smoothing("ema", float(self.smoothing)))

    @property
    def channel_keys(self) -> frozenset[tuple[str, str, str]]:
        keys = {(self.project, e, o) for e, c in self.members for o in derived.operands(c)}
        if self.x_channels:
            keys |= {(self.project, e, o) for (e, _c), c in zip(self.members, self.x_channels)
                     for o in derived.operands(c)}
        return frozenset(keys)

    @property
    def full_key(self) -> tuple:
        return self.project, self.members, self.band, self.x_channels

    def describe(self) -> str:
        return f"a group of {len(self.members)} runs"


@dataclass(frozen=True)
class GroupView:
    x: np.ndarray     # drawn points: a few per pixel column of the range
    mean: np.ndarray  # smoothed when asked, like lo and hi
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray     # runs counted at each x
    total: int        # distinct x of the whole group


class AggregateCache:
    """The exact (x, mean, lo, hi, n) of recently drawn groups, so a pan or zoom only decimates
    again. Thread-safe; a few entries (each holds five arrays as long as the group's steps)."""

    def __init__(self, size: int = 16) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[frozenset, tuple[np.ndarray, ...]]] = OrderedDict()

    def get(self, key: tuple) -> tuple[np.ndarray, ...] | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[1]

    def put(self, key: tuple, channels: frozenset, value: tuple[np.ndarray, ...]) -> None:
        with self._lock:
            self._entries[key] = (channels, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, channels: Iterable[tuple[str, str, str]] | None = None) -> None:
        with self._lock:
            if channels is None:
                self._entries.clear()
                return
            gone = set(channels)
            for k in [k for k, (keys, _v) in self._entries.items() if keys & gone]:
                del self._entries[k]


def exact_group(store, req: GroupRequest) -> tuple[np.ndarray, ...]:
    """(x, mean, lo, hi, n) of the group over every point of its members."""
    series = []
    for exp, ch in req.members:
        s = derived.read(store, req.project, exp, ch)
        series.append((s.x, s.y))
    x, mean, lo, hi, n = combine(series, req.band)
    if req.x_channels:
        exp, ch = req.members[0][0], req.x_channels[0]
        src = derived.read(store, req.project, exp, ch)
        xs, ok = x_from_channel(src.x, src.y, x)
        x, mean, lo, hi, n = xs, mean[ok], lo[ok], hi[ok], n[ok]
    return x, mean, lo, hi, n


def read_group(store, req: GroupRequest, cache: AggregateCache | None = None) -> GroupView:
    if req.band not in BANDS:
        raise InvalidInput(f"band must be one of {', '.join(BANDS)}, not {req.band!r}")
    full = cache.get(req.full_key) if cache is not None else None
    if full is None:
        full = exact_group(store, req)
        if cache is not None:
            cache.put(req.full_key, req.channel_keys, full)
    x, mean, lo, hi, n = full
    if req.smoothing:
        mean, lo, hi = (req.smoothing.apply(x, a) for a in (mean, lo, hi))
    finite_x = x[np.isfinite(x)]
    x0 = req.x0 if req.x0 is not None else (float(finite_x.min()) if finite_x.size else 0.0)
    x1 = req.x1 if req.x1 is not None else (float(finite_x.max()) if finite_x.size else 1.0)
    width = max(1, int(req.width))
    keep = np.union1d(np.union1d(m4_indices(x, mean, x0, x1, width), m4_indices(x, lo, x0, x1, width)),
                      m4_indices(x, hi, x0, x1, width))
    changes = np.flatnonzero(np.diff(n)) if len(n) > 1 else np.empty(0, dtype=np.int64)
    if len(changes):  # where the run count steps (a run stopped early), both sides of the step
        changes = np.union1d(changes, changes + 1)
        inside = (x[changes] >= x0) & (x[changes] <= x1)
        keep = np.union1d(keep, changes[inside])
    return GroupView(x[keep], mean[keep], lo[keep], hi[keep], n[keep], len(x))
