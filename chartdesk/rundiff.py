"""Run diff: two or more runs side by side, one row per thing they may differ in, against a
reference run (issue 20). Plain data, no Qt: ``chartdesk diff`` prints it, the window's
Compare selected runs… dialog shows it, and both keep their state (reference, only differences)
here.

The rows, in this order (``section`` / ``key``):

- ``run``: ``state``, ``created``, ``finished``, ``duration`` (POSIX seconds; duration in seconds);
- ``param``: every param any of the runs has, nested ones flattened with dots (``optimizer.lr``,
  ``chartdesk.query.flatten``);
- ``tag``: every tag any of the runs has: True where the run has it, False where not;
- ``column``: the runs-table summary columns asked for (``accuracy:max``, ``alias:accuracy:last``,
  ``channel:loss:min``: ``chartdesk.query.parse_column``);
- ``alias``: each alias of the project that resolves in every run (the one rule,
  ``chartdesk.resolver.resolve_ref``, pins included): ``alias:NAME`` (the channel it means in
  each run) and ``alias:NAME:first|last|min|max``;
- ``channel``: ``channel:NAME:first|last|min|max`` for each channel every run has.

The reductions come from ``store.reduce_channels`` (chunk summaries: no point is read). A value a
run does not have is None (missing), never dropped. Values compare exactly (NaN equals NaN, a
boolean never equals a number); a row *differs* when some run's value is not the reference's.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from . import query
from .errors import InvalidInput
from .resolver import resolve_ref

SECTIONS = ("run", "param", "tag", "column", "alias", "channel")
FIELDS = ("state", "created", "finished", "duration")
#: What each shared channel (and alias) is reduced to.
STATS = ("first", "last", "min", "max")
#: How a missing value is written in text (CSV leaves the cell empty).
MISSING = "(missing)"


def same(a: Any, b: Any) -> bool:
    """Whether two values of a row are the same: exactly, with NaN equal to NaN and a boolean
    never equal to a number (``True`` is not ``1``)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # values that do not compare (a param of a strange type)
        return repr(a) == repr(b)


@dataclass(frozen=True)
class DiffRow:
    section: str
    key: str
    values: tuple  # one per run, in the diff's run order; None: the run has none
    cells: tuple[bool, ...]  # per run: its value is not the reference's

    @property
    def differs(self) -> bool:
        return any(self.cells)


@dataclass(frozen=True)
class RunDiff:
    project: str
    runs: tuple[str, ...]
    reference: str
    rows: tuple[DiffRow, ...]  # every row, the same ones included
    only_differences: bool = True

    def shown(self) -> list[DiffRow]:
        """The rows to show: those that differ, or every row when only_differences is off."""
        return [r for r in self.rows if r.differs or not self.only_differences]

    @property
    def differing(self) -> int:
        return sum(r.differs for r in self.rows)

    def with_reference(self, run: str) -> RunDiff:
        """The same diff against another of its runs (nothing is read again)."""
        ref = _reference_index(self.runs, run)
        rows = tuple(replace(r, cells=_cells(r.values, ref)) for r in self.rows)
        return replace(self, reference=self.runs[ref], rows=rows)

    def with_only_differences(self, on: bool) -> RunDiff:
        return replace(self, only_differences=bool(on))

    def to_dict(self) -> dict:
        """What ``chartdesk diff --json`` prints: the shown rows, values by run."""
        return {"project": self.project, "runs": list(self.runs), "reference": self.reference,
                "only_differences": self.only_differences, "differing": self.differing, "total": len(self.rows),
                "rows": [{"section": r.section, "key": r.key, "differs": r.differs,
                          "values": {run: _plain(v) for run, v in zip(self.runs, r.values)},
                          "differs_from_reference": [run for run, c in zip(self.runs, r.cells) if c]}
                         for r in self.shown()]}

    def text_rows(self, missing: str = MISSING) -> list[list[str]]:
        """The shown rows as text: section, key, then one cell per run."""
        return [[r.section, r.key, *(cell_text(r, v, missing) for v in r.values)] for r in self.shown()]

    def to_csv(self) -> str:
        """The shown rows as CSV: section, key, one column per run, differs (missing: empty)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["section", "key", *self.runs, "differs"])
        for r, cells in zip(self.shown(), self.text_rows(missing="")):
            w.writerow([*cells, "yes" if r.differs else "no"])
        return out.getvalue()


def _plain(v):
    return list(v) if isinstance(v, tuple) else v


def cell_text(row: DiffRow, value: Any, missing: str = MISSING) -> str:
    """A value as the diff shows it: times as local date and time, durations as h:mm:ss, tags as
    yes/no, numbers to 6 significant digits (exact values are in --json and the data)."""
    if value is None:
        return missing
    if row.section == "run" and row.key in ("created", "finished"):
        return _dt.datetime.fromtimestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if row.section == "run" and row.key == "duration":
        return str(_dt.timedelta(seconds=round(value)))
    if isinstance(value, bool):
        return ("yes" if value else "no") if row.section == "tag" else str(value).lower()
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _reference_index(runs: Sequence[str], reference: str | None) -> int:
    if reference is None:
        return 0
    if reference not in runs:
        raise InvalidInput(f"reference {reference!r} is not one of the runs compared ({', '.join(runs)})")
    return list(runs).index(reference)


def _cells(values: Sequence, ref: int) -> tuple[bool, ...]:
    return tuple(not same(v, values[ref]) for v in values)


def check_runs(runs: Sequence[str]) -> tuple[str, ...]:
    if isinstance(runs, str) or not isinstance(runs, Sequence):
        raise InvalidInput(f"runs must be a list of run names, not {runs!r}")
    out = []
    for r in runs:
        if not isinstance(r, str) or not r:
            raise InvalidInput(f"a run name is a non-empty string, not {r!r}")
        if r in out:
            raise InvalidInput(f"run {r!r} is given twice")
        out.append(r)
    if len(out) < 2:
        raise InvalidInput(f"a diff needs at least two runs, not {len(out)}")
    return tuple(out)


def diff(store, project: str, runs: Sequence[str], columns: Sequence[str] = (), reference: str | None = None,
         only_differences: bool = True) -> RunDiff:
    """The diff of these runs of ``project`` against ``reference`` (default: the first run)."""
    runs = check_runs(runs)
    ref = _reference_index(runs, reference)
    if isinstance(columns, str):
        raise InvalidInput("columns must be a list of REF:REDUCER, not one string")
    cols = list(dict.fromkeys(str(c) for c in columns))
    exps = [store.experiment(project, r) for r in runs]  # an unknown run is NotFound, naming it
    channels = {r: {c.name for c in store.channel_infos(project, r)} for r in runs}
    aliases = store.aliases(project)
    pins = store.pins(project)
    parsed = {c: query.parse_column(c, aliases) for c in cols}
    for kind, name, _r in parsed.values():
        if kind == "alias" and name not in aliases:
            raise InvalidInput(f"unknown alias {name!r} in project {project!r}")

    def means(kind: str, name: str, run: str) -> str | None:
        return resolve_ref(kind, name, channels[run], aliases.get(name, ()), pins.get(run, {}).get(name))

    shared = sorted(set.intersection(*(channels[r] for r in runs)))
    resolved = {a: [means("alias", a, r) for r in runs] for a in aliases}
    shared_aliases = [a for a in aliases if all(ch is not None for ch in resolved[a])]
    wanted: dict[tuple[str, str], set[str]] = {}
    for kind, name, reducer in parsed.values():
        for r in runs:
            ch = means(kind, name, r)
            if ch is not None:
                wanted.setdefault((r, ch), set()).add(reducer)
    for r in runs:
        for ch in shared:
            wanted.setdefault((r, ch), set()).update(STATS)
        for a in shared_aliases:
            wanted.setdefault((r, means("alias", a, r)), set()).update(STATS)
    reduced = store.reduce_channels(project, wanted)

    def reduction(run: str, ch: str | None, reducer: str):
        return None if ch is None else reduced.get((run, ch), {}).get(reducer)

    rows: list[tuple[str, str, tuple]] = []
    for f in FIELDS:
        rows.append(("run", f, tuple(_field(e, f) for e in exps)))
    flats = [query.flatten(dict(e.params)) for e in exps]
    for key in sorted({k for flat in flats for k in flat}):
        rows.append(("param", key, tuple(flat.get(key) for flat in flats)))
    for tag in sorted({t for e in exps for t in e.tags}):
        rows.append(("tag", tag, tuple(tag in e.tags for e in exps)))
    for col, (kind, name, reducer) in parsed.items():
        rows.append(("column", col, tuple(reduction(r, means(kind, name, r), reducer) for r in runs)))
    for a in shared_aliases:
        rows.append(("alias", f"alias:{a}", tuple(resolved[a])))
        for s in STATS:
            rows.append(("alias", f"alias:{a}:{s}", tuple(reduction(r, ch, s) for r, ch in zip(runs, resolved[a]))))
    for ch in shared:
        for s in STATS:
            rows.append(("channel", f"channel:{ch}:{s}", tuple(reduction(r, ch, s) for r in runs)))
    return RunDiff(project, runs, runs[ref], tuple(DiffRow(sec, key, vals, _cells(vals, ref)) for sec, key, vals in rows),
                   bool(only_differences))


def _field(exp, name: str):
    if name == "duration":
        return (exp.finished - exp.created) if exp.finished and exp.created else None
    return getattr(exp, name)
