"""Edits as pure functions: each takes plain values (an alias's entries, a project's chart sets)
and returns the new value, or raises InvalidInput. No Qt, no store: the GUI applies what they
return through one undoable command, and tests check them with hypothesis.

The ``rebase_*`` functions carry an edit made from a value another process has changed since
over to what the store holds now (a three-way merge), or refuse it with ``Conflict``.
"""
from __future__ import annotations

from collections.abc import Sequence

from .errors import Conflict, InvalidInput
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


# ---- an alias renamed: the series refs that plot it -------------------------------------------
def rename_alias_in_ref(ref: str, old: str, new: str) -> str:
    """A series ref (or a chart's x axis) as it reads once alias ``old`` is named ``new``:
    ``alias:old`` becomes ``alias:new``, and in an expression every reference to the alias
    (``alias:old``, or a bare ``old``, which meant the alias while it had that name) is renamed,
    written as the grammar reads it back (quoted when it needs to be). Anything else, and a ref
    that does not parse, is returned as it is."""
    from . import derived

    kind, _sep, name = ref.partition(":")
    if kind == "alias":
        return f"alias:{new}" if name == old else ref
    if kind != "expr":
        return ref
    try:
        expr = derived.parse(name)
    except InvalidInput:
        return ref

    def means_alias(r) -> bool:
        return r.name == old and r.kind in ("alias", None)

    if not any(means_alias(r) for r in expr.refs):
        return ref

    def text(r) -> str:
        return (f"{r.kind}:" if r.kind else "") + derived.name_text(new if means_alias(r) else r.name)

    return derived.PREFIX + derived.unparse(expr.tree, text)


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


# ---- one change of the chart sets -----------------------------------------------------------
def chart_set_change(before: Sequence[ChartSet], after: Sequence[ChartSet]) -> tuple:
    """The one change an edit of the chart-set panel makes, so that it is written to that one
    set only: ``("set", name, old, new)`` (a set made: old None; deleted: new None; its charts
    changed; old and new are ``(name of the set after it or None, charts)``), ``("rename",
    old_name, new_name)``, or ``("order", old_names, new_names)``. InvalidInput when more than one set changed."""
    names_b, names_a = [s.name for s in before], [s.name for s in after]
    b = {s.name: (names_b[i + 1] if i + 1 < len(names_b) else None, tuple(s.charts)) for i, s in enumerate(before)}
    a = {s.name: (names_a[i + 1] if i + 1 < len(names_a) else None, tuple(s.charts)) for i, s in enumerate(after)}
    gone = [n for n in names_b if n not in a]
    new = [n for n in names_a if n not in b]
    same = [n for n in names_a if n in b]
    differ = [n for n in same if a[n][1] != b[n][1]]
    if not gone and not new:
        if not differ and names_a != names_b:
            return ("order", tuple(names_b), tuple(names_a))
        if len(differ) == 1 and names_a == names_b:
            return ("set", differ[0], b[differ[0]], a[differ[0]])
    elif not differ and [n for n in names_b if n in a] == same:
        if len(gone) == 1 and not new:
            return ("set", gone[0], b[gone[0]], None)
        if len(new) == 1 and not gone:
            return ("set", new[0], None, a[new[0]])
        if len(gone) == 1 and len(new) == 1 and b[gone[0]][1] == a[new[0]][1] \
                and names_b.index(gone[0]) == names_a.index(new[0]):
            return ("rename", gone[0], new[0])
    raise InvalidInput("change one chart set at a time")


# ---- carrying an edit over to what the store holds now ----------------------------------------
# Another window or process may have changed a value since this one read it. An edit knows the
# value it was made from (``base``) and the one it makes (``mine``); these carry that change over
# to what the store holds now (``fresh``), or refuse with ``Conflict`` when it cannot be, so an
# edit never writes over someone else's newer one. Undo is the same with base and mine swapped.
def longest_increasing(seq: Sequence[int]) -> set[int]:
    """Positions in ``seq`` of one longest strictly increasing subsequence (what can stay put)."""
    if not seq:
        return set()
    best = [1] * len(seq)
    prev = [-1] * len(seq)
    for i in range(len(seq)):
        for j in range(i):
            if seq[j] < seq[i] and best[j] + 1 > best[i]:
                best[i], prev[i] = best[j] + 1, j
    i = max(range(len(seq)), key=best.__getitem__)
    keep = set()
    while i >= 0:
        keep.add(i)
        i = prev[i]
    return keep


def rebase_names(base: Sequence[str], mine: Sequence[str], fresh: Sequence[str]) -> tuple[str, ...]:
    """The change ``base`` -> ``mine`` of a list of distinct names (an alias's entries, the order
    of chart sets) carried over to ``fresh``: the names it removed are removed, those it added
    are added (once), and each name it added or moved goes before the same neighbour as in
    ``mine`` (the nearest name after it that is still there; none: at the end, so appends stay
    appends). Names only ``fresh`` has, and the order of names it did not move, stay."""
    removed = set(base) - set(mine)
    out = [n for n in fresh if n not in removed]
    kept = [n for n in mine if n in base]
    where = {n: i for i, n in enumerate(base)}
    unmoved = {kept[i] for i in longest_increasing([where[n] for n in kept])}
    for i in range(len(mine) - 1, -1, -1):  # from the end: each one's neighbour after it is in place
        name = mine[i]
        if name in unmoved:
            continue
        if name in base and name not in out:
            continue  # moved here, removed elsewhere: it stays removed
        if name in out:
            out.remove(name)
        after = next((mine[j] for j in range(i + 1, len(mine)) if mine[j] in out), None)
        out.insert(out.index(after) if after is not None else len(out), name)
    return tuple(out)


def rebase_charts(base: Sequence[Chart], mine: Sequence[Chart], fresh: Sequence[Chart],
                  what: str = "the chart set") -> tuple[Chart, ...]:
    """The change ``base`` -> ``mine`` of a list of charts carried over to ``fresh``: charts it
    added, removed, edited or moved, matched by name; a chart it removed or edited must still be
    as it was (``Conflict`` when it was edited or deleted elsewhere), one it added must not have
    been added elsewhere differently. Every other chart is kept as ``fresh`` has it."""
    b, m, f = ({c.name: c for c in cs} for cs in (base, mine, fresh))
    for name, chart in b.items():
        if m.get(name) == chart:
            continue  # not touched by this edit
        if name in f and f[name] != chart:
            raise Conflict(f"chart {name!r} of {what} was changed elsewhere meanwhile; nothing was written")
        if name not in f and name in m:
            raise Conflict(f"chart {name!r} of {what} was deleted elsewhere meanwhile; nothing was written")
    for name, chart in m.items():
        if name not in b and name in f and f[name] != chart:
            raise Conflict(f"{what} has another chart named {name!r} now (made elsewhere meanwhile); "
                           "nothing was written")
    order = rebase_names([c.name for c in base], [c.name for c in mine], [c.name for c in fresh])
    return tuple(m[n] if n in m and b.get(n) != m[n] else f.get(n, m.get(n)) for n in order)


def rebase(base, mine, fresh, what: str, merge):
    """``merge(base, mine, fresh)`` for a value that may not exist (None): an edit that makes
    it, deletes it, or changes what was deleted meanwhile is only carried over when nothing
    else changed it (else ``Conflict``, one line naming ``what``)."""
    if fresh == base or fresh == mine:
        return mine
    if base is None:
        raise Conflict(f"{what} was made elsewhere meanwhile; nothing was written")
    if fresh is None:
        raise Conflict(f"{what} was deleted elsewhere meanwhile; nothing was written")
    if mine is None:
        raise Conflict(f"{what} was changed elsewhere meanwhile, so it was not deleted")
    return merge(base, mine, fresh)
