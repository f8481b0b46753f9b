"""The runs table: one row per experiment with its fields, flattened params and summary columns
(an alias or channel reduced over the run: ``alias:accuracy:max``), filtered with the grammar of
``chartdesk.query`` and sorted with missing and NaN values last. Plain data, no Qt: the CLI's
``chartdesk runs`` and the window's runs table both use it.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from . import derived, query
from .errors import InvalidInput
from .resolver import resolve_series


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def sort_key(value, descending: bool):
    """Missing and NaN last whichever the direction; numbers before text."""
    if _missing(value):
        return (2, 0)
    if isinstance(value, bool):
        value = float(value)
    if isinstance(value, (int, float)):
        return (0, -value if descending else value)
    text = str(value).lower()
    return (1, _Reversed(text) if descending else text)


class _Reversed(str):
    def __lt__(self, other):
        return str.__gt__(self, other)


def table(store, project: str, where: str | None = None, sort: str | None = None, descending: bool = False,
          columns: Sequence[str] = ()) -> list[dict]:
    if isinstance(columns, str):
        raise InvalidInput("columns must be a list of REF:REDUCER, not one string")
    tree = query.parse(where) if where else None
    aliases = store.aliases(project)
    cols = [str(c) for c in columns]
    parsed = {c: query.parse_column(c, aliases) for c in cols}
    extra = [n for n in (query.names(tree) if tree else []) if ":" in n]
    if sort and ":" in sort and sort.rpartition(":")[2] in query.REDUCERS:
        extra.append(sort)
    for n in extra:
        parsed.setdefault(n, query.parse_column(n, aliases))
    for kind, name, _r in parsed.values():
        if kind == "alias" and name not in aliases:
            raise InvalidInput(f"unknown alias {name!r} in project {project!r}")
        if kind == "expr":
            try:
                derived.check(name, aliases)
            except InvalidInput as exc:
                raise InvalidInput(f"column expr:{name}: {exc}") from None
    catalog = store.catalog(project)
    pins = store.pins(project)
    # which channel each REF means in each run (the resolver's rule, pins included)
    wanted: dict[tuple[str, str], set[str]] = {}
    refs: dict[tuple[str, str], dict[str, str | None]] = {}
    for exp, chans in catalog:
        names = {c.name for c in chans}
        for kind, name, reducer in parsed.values():
            ch = resolve_series(kind, name, names, aliases, pins.get(exp.name, {}))
            refs.setdefault((exp.name, f"{kind}:{name}"), {})[reducer] = ch
            if ch is not None:
                wanted.setdefault((exp.name, ch), set()).add(reducer)
    stored = {k: v for k, v in wanted.items() if not derived.is_bound(k[1])}
    values = store.reduce_channels(project, stored)  # each channel's own reducers, not every one for all
    for (exp_name, bound), reducers in wanted.items():
        if derived.is_bound(bound):  # an expression: computed on every point, reduced by the same rule
            s = derived.compute(store, project, exp_name, bound)
            values[(exp_name, bound)] = {r: query.reduce(r, s.x, s.y, len(s), exact=True)[0] for r in reducers}
    rows = []
    for exp, _chans in catalog:
        flat = query.flatten(dict(exp.params))
        out_cols: dict[str, Any] = {}
        for col, (kind, name, reducer) in parsed.items():
            ch = refs.get((exp.name, f"{kind}:{name}"), {}).get(reducer)
            out_cols[col] = values.get((exp.name, ch), {}).get(reducer) if ch is not None else None
        duration = (exp.finished - exp.created) if exp.finished and exp.created else None
        row = {"experiment": exp.name, "state": exp.state, "tags": list(exp.tags), "params": dict(exp.params),
               "created": exp.created, "finished": exp.finished, "columns": {c: out_cols[c] for c in cols}}
        fields = {"name": exp.name, "experiment": exp.name, "state": exp.state, "tags": list(exp.tags),
                  "created": exp.created, "finished": exp.finished, "duration": duration}

        def lookup(n, fields=fields, flat=flat, out_cols=out_cols):
            if n in fields:
                return fields[n]
            if n in out_cols:
                return out_cols[n]
            return flat.get(n)

        if tree is not None and not query.evaluate(tree, lookup):
            continue
        row["_lookup"] = lookup
        rows.append(row)
    if sort:
        rows.sort(key=lambda r: sort_key(r["_lookup"](sort), descending))
    for r in rows:
        del r["_lookup"]
    return rows
