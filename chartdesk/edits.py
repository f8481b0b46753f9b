"""Edits as pure functions: each takes plain values (an alias's entries, a project's chart sets)
and returns the new value, or raises InvalidInput. No Qt, no store: the GUI applies what they
return through one undoable snapshot command, and tests check them with hypothesis.
"""
from __future__ import annotations

from collections.abc import Sequence

from .errors import InvalidInput
from .model import Chart, ChartSet


# ---- alias entries ---------------------------------------------------------------------------
def move_entries(entries: Sequence[str], src: int, count: int, dst: int) -> tuple[str, ...]:
    """Move ``count`` entries from ``src`` to before the pre-move position ``dst`` (Qt's moveRows
    rule). A destination inside ``[src, src + count]`` changes nothing."""
    n = len(entries)
    if count < 1 or src < 0 or src + count > n or not 0 <= dst <= n:
        raise InvalidInput(f"cannot move {count} entries from {src} to {dst} in a list of {n}")
    items = list(entries)
    if src <= dst <= src + count:
        return tuple(items)
    moved = items[src:src + count]
    rest = items[:src] + items[src + count:]
    at = dst if dst < src else dst - count
    return tuple(rest[:at] + moved + rest[at:])


def insert_entries(entries: Sequence[str], row: int, names: Sequence[str]) -> tuple[str, ...]:
    """Insert channel names before ``row`` (past the end: append); names already listed are skipped."""
    items = list(entries)
    new = [n for n in dict.fromkeys(names) if n and n not in items]
    row = max(0, min(int(row), len(items)))
    return tuple(items[:row] + new + items[row:])


def remove_entry(entries: Sequence[str], row: int) -> tuple[str, ...]:
    if not 0 <= row < len(entries):
        raise InvalidInput(f"no entry {row} in a list of {len(entries)}")
    return tuple(entries[:row]) + tuple(entries[row + 1:])


# ---- chart sets ------------------------------------------------------------------------------
def _names(sets: Sequence[ChartSet]) -> list[str]:
    return [s.name for s in sets]


def _find(sets: Sequence[ChartSet], name: str) -> int:
    try:
        return _names(sets).index(name)
    except ValueError:
        raise InvalidInput(f"no chart set named {name!r}") from None


def add_set(sets: Sequence[ChartSet], name: str) -> tuple[ChartSet, ...]:
    name = name.strip()
    if not name:
        raise InvalidInput("a chart set needs a name")
    if name in _names(sets):
        raise InvalidInput(f"a chart set named {name!r} exists already")
    return tuple(sets) + (ChartSet(name),)


def rename_set(sets: Sequence[ChartSet], old: str, new: str) -> tuple[ChartSet, ...]:
    new = new.strip()
    i = _find(sets, old)
    if not new:
        raise InvalidInput("a chart set needs a name")
    if new != old and new in _names(sets):
        raise InvalidInput(f"a chart set named {new!r} exists already")
    out = list(sets)
    out[i] = ChartSet(new, sets[i].charts)
    return tuple(out)


def delete_set(sets: Sequence[ChartSet], name: str) -> tuple[ChartSet, ...]:
    i = _find(sets, name)
    return tuple(sets[:i]) + tuple(sets[i + 1:])


def move_item(items: Sequence, i: int, delta: int) -> tuple:
    """Swap item ``i`` with its neighbour ``delta`` away (no change at the ends)."""
    j = i + delta
    out = list(items)
    if 0 <= i < len(out) and 0 <= j < len(out):
        out[i], out[j] = out[j], out[i]
    return tuple(out)


def move_set(sets: Sequence[ChartSet], name: str, delta: int) -> tuple[ChartSet, ...]:
    return move_item(sets, _find(sets, name), delta)


def set_charts(sets: Sequence[ChartSet], name: str, charts: Sequence[Chart]) -> tuple[ChartSet, ...]:
    i = _find(sets, name)
    out = list(sets)
    out[i] = ChartSet.from_list(name, charts)  # checks unique chart names
    return tuple(out)


def replace_chart(charts: Sequence[Chart], old_name: str, new: Chart) -> tuple[Chart, ...]:
    names = [c.name for c in charts]
    if old_name not in names:
        raise InvalidInput(f"no chart named {old_name!r}")
    if new.name != old_name and new.name in names:
        raise InvalidInput(f"a chart named {new.name!r} exists already")
    return tuple(new if c.name == old_name else c for c in charts)


def add_chart(charts: Sequence[Chart], chart: Chart) -> tuple[Chart, ...]:
    if chart.name in [c.name for c in charts]:
        raise InvalidInput(f"a chart named {chart.name!r} exists already")
    return tuple(charts) + (chart,)


def delete_chart(charts: Sequence[Chart], name: str) -> tuple[Chart, ...]:
    return tuple(c for c in charts if c.name != name)
