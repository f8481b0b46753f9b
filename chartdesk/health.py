"""The health check: how a layout (a project's chart sets and aliases, or a layout file's) fits
the project's runs, and which aliases would cover where it does not.

For the (filtered) runs it counts, with the one resolver rule (``resolver.resolve_ref``, pins
included): for each chart and series, in how many runs it resolves (and in which not); for each
alias, how often each entry wins, how often a pin decides, and which runs match none; the series
that resolve in no run; the runs a chart set shows nothing for. Then it asks the suggestion engine
(``chartdesk.suggest``) for aliases and keeps those that would cover a gap, each with the change
that makes it (``layout.Changes``: the alias made or extended, and a chart's ``channel:X``
plotted as the alias instead), so the window can add one in one click. Plain Python, no Qt.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import NotFound
from .layout import Changes, Layout
from .model import Chart, ChartSet, SeriesRef
from .resolver import resolve_ref
from .suggest import Suggestion, suggest_in, tokens


@dataclass
class SeriesFit:
    ref: str
    resolved: list[str]  # runs it resolves in
    missing: list[str]   # runs it does not


@dataclass
class ChartFit:
    name: str
    series: list[SeriesFit]
    x_axis: SeriesFit | None  # when the x axis is taken from a series
    shown: list[str]          # runs where at least one series resolves


@dataclass
class SetFit:
    name: str
    charts: list[ChartFit]
    empty: list[str]  # runs for which no chart of the set shows anything


@dataclass
class AliasFit:
    name: str
    entries: list[tuple[str, list[str]]]  # each entry and the runs where it wins
    pinned: list[tuple[str, str]]         # (run, channel) where the run's pin decides
    none: list[str]                       # runs that match no entry
    defined: bool = True                  # False: charts plot it but neither the project nor the file has it


@dataclass
class Fix:
    """A suggested alias and what adding it changes; ``covers``: (set, chart, ref, runs it would fill)."""

    alias: str
    channels: tuple[str, ...]
    kind: str  # "new" (make the alias), "extend" (add channels to an alias), "use" (plot an existing alias)
    covers: list[tuple[str, str, str, list[str]]]
    before: Changes
    after: Changes

    @property
    def runs(self) -> list[str]:
        return sorted({r for *_x, runs in self.covers for r in runs})

    def text(self) -> str:
        if self.kind == "extend":
            head = f"add {', '.join(self.channels)} to alias {self.alias}"
        elif self.kind == "use":
            head = f"plot alias {self.alias} ({', '.join(self.channels)})"
        else:
            head = f"alias {self.alias} <- {', '.join(self.channels)}"
        swapped = [r for r in dict.fromkeys(ref for _s, _c, ref, _r in self.covers) if r.startswith("channel:")]
        if swapped:
            head += f"{',' if self.kind == 'new' else ''} instead of {', '.join(swapped)}"
        where = "; ".join(f"{s} / {c} ({ref}) in {len(runs)} run{'s' if len(runs) != 1 else ''}"
                          for s, c, ref, runs in self.covers)
        return f"{head}: fills {where}"


@dataclass
class Health:
    project: str
    source: str | None        # the layout file checked (None: the project's own chart sets)
    where: str | None
    runs: list[str]           # the runs checked (those the filter shows)
    total: int                # runs of the project
    sets: list[SetFit] = field(default_factory=list)
    aliases: list[AliasFit] = field(default_factory=list)
    suggestions: list[Fix] = field(default_factory=list)

    @property
    def unresolved(self) -> list[tuple[str, str, str]]:
        """(set, chart, ref) of every series that resolves in no run."""
        return [(s.name, c.name, f.ref) for s in self.sets for c in s.charts
                for f in c.series + ([c.x_axis] if c.x_axis else []) if not f.resolved and self.runs]

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project, "layout": self.source, "where": self.where, "runs": len(self.runs),
            "of": self.total,
            "chart_sets": [{"name": s.name, "shows_nothing_for": s.empty, "charts": [
                {"name": c.name, "runs": len(c.shown),
                 "series": [{"ref": f.ref, "runs": len(f.resolved), "missing": f.missing} for f in c.series],
                 **({"x_axis": {"ref": c.x_axis.ref, "runs": len(c.x_axis.resolved), "missing": c.x_axis.missing}}
                    if c.x_axis else {})}
                for c in s.charts]} for s in self.sets],
            "aliases": [{"name": a.name, "entries": [{"channel": ch, "wins": len(rs)} for ch, rs in a.entries],
                         "pinned": len(a.pinned), "none": a.none, "defined": a.defined} for a in self.aliases],
            "unresolved": [{"chart_set": s, "chart": c, "ref": r} for s, c, r in self.unresolved],
            "suggestions": [{"alias": f.alias, "channels": list(f.channels), "kind": f.kind, "text": f.text(),
                             "covers": [{"chart_set": s, "chart": c, "ref": r, "runs": rs} for s, c, r, rs in f.covers]}
                            for f in self.suggestions],
        }

    def lines(self) -> list[str]:
        n = len(self.runs)
        what = f"layout {self.source}" if self.source else "chart sets"
        head = f"{self.project}: {what} over {n} run{'s' if n != 1 else ''}"
        if self.where:
            head += f" (where {self.where}: {n} of {self.total})"
        out = [head]
        for s in self.sets:
            out.append(f"chart set {s.name}")
            for c in s.charts:
                out.append(f"  {c.name}: shows something in {len(c.shown)} of {n}")
                for f in c.series + ([c.x_axis] if c.x_axis else []):
                    role = "x axis " if f is c.x_axis else ""
                    miss = f"; not in {_names(f.missing)}" if f.missing and f.resolved else ""
                    out.append(f"    {role}{f.ref}: {len(f.resolved)} of {n}{miss}")
            if s.empty:
                out.append(f"  shows nothing for {len(s.empty)} run{'s' if len(s.empty) != 1 else ''}: "
                           f"{_names(s.empty)}")
        if self.aliases:
            out.append("aliases")
        for a in self.aliases:
            if not a.defined:
                out.append(f"  {a.name}: no such alias ({'in the file or ' if self.source else ''}in the project)")
                continue
            wins = ", ".join(f"{ch} {len(rs)}" for ch, rs in a.entries) or "(no entries)"
            pinned = f", pinned {len(a.pinned)}" if a.pinned else ""
            none = f"; none in {len(a.none)}: {_names(a.none)}" if a.none else ""
            out.append(f"  {a.name}: {wins}{pinned}{none}")
        if self.unresolved:
            out.append("resolve in no run: " + ", ".join(f"{s} / {c} {r}" for s, c, r in self.unresolved))
        if self.suggestions:
            out.append("suggested aliases")
            out += [f"  {f.text()}" for f in self.suggestions]
        elif any(f.missing for s in self.sets for c in s.charts for f in c.series):
            out.append("suggested aliases: none (no channel names that look like one metric cover the gaps)")
        return out


def _names(runs: list[str], limit: int = 8) -> str:
    return ", ".join(runs[:limit]) + (f" +{len(runs) - limit}" if len(runs) > limit else "")


def check(store, project: str, layout: Layout | None = None, where: str | None = None,
          source: str | None = None) -> Health:
    """How the project's chart sets and aliases (or ``layout``'s, over the project's aliases as
    ``layout apply --replace`` would make them) fit its runs (those ``where`` keeps)."""
    if project not in store.projects():
        raise NotFound(f"unknown project {project!r}")
    catalog = store.catalog(project)
    channels = {e.name: {c.name for c in chans} for e, chans in catalog}
    names = [e.name for e, _ in catalog]
    if where and where.strip():
        keep = {r["experiment"] for r in store.runs(project, where=where)}
        names = [n for n in names if n in keep]
    aliases = {k: tuple(v) for k, v in store.aliases(project).items()}
    pins = store.pins(project)
    if layout is not None:
        aliases.update(layout.alias_map)
        for run, alias, ch in layout.pins or ():
            pins.setdefault(run, {})[alias] = ch
        sets = list(layout.chart_sets)
        shown_aliases = [*layout.alias_map]
    else:
        sets = store.chart_set_list(project)
        shown_aliases = list(aliases)
    h = Health(project, source, where if where and where.strip() else None, names, len(catalog))

    def fit(ref: SeriesRef) -> SeriesFit:
        got = [r for r in names if resolve_ref(ref.kind, ref.name, channels[r], aliases.get(ref.name, ()),
                                                pins.get(r, {}).get(ref.name)) is not None]
        keep = set(got)
        return SeriesFit(str(ref), got, [r for r in names if r not in keep])

    used: list[str] = []
    for cs in sets:
        charts = []
        for c in cs.charts:
            series = [fit(ref) for ref in c.series]
            shown = {r for f in series for r in f.resolved}
            charts.append(ChartFit(c.name, series, fit(c.x_ref) if c.x_ref is not None else None,
                                   [r for r in names if r in shown]))
            used += [ref.name for ref in (*c.series, *([c.x_ref] if c.x_ref else [])) if ref.kind == "alias"]
        anything = {r for c in charts for r in c.shown}
        h.sets.append(SetFit(cs.name, charts, [r for r in names if r not in anything]))
    for name in dict.fromkeys([*shown_aliases, *used]):
        if name not in aliases:
            h.aliases.append(AliasFit(name, [], [], list(names), defined=False))
            continue
        entries = aliases[name]
        wins: dict[str, list[str]] = {e: [] for e in entries}
        pinned, none = [], []
        for r in names:
            pin = pins.get(r, {}).get(name)
            ch = resolve_ref("alias", name, channels[r], entries, pin)
            if ch is None:
                none.append(r)
            elif pin is not None and ch == pin:
                pinned.append((r, ch))
            else:
                wins.setdefault(ch, []).append(r)
        h.aliases.append(AliasFit(name, list(wins.items()), pinned, none))
    if names:
        found = suggest_in(store, project, {r: sorted(channels[r]) for r in names},
                           {k: list(v) for k, v in aliases.items()})
        h.suggestions = fixes(sets, aliases, {r: channels[r] for r in names}, pins, found, h)
    return h


def _plotted_as(chart: Chart, olds: set[SeriesRef], new: SeriesRef) -> Chart:
    """The chart with each of ``olds`` plotted as ``new``, in the place of the first of them and with
    its options (the y axis it is drawn against); every other option of the chart as it was."""
    series: list[SeriesRef] = []
    right: list[SeriesRef] = []
    for ref in chart.series:
        now = new if ref in olds else ref
        if now in series:  # plotted already (an earlier old ref, or the alias itself): that one stands
            continue
        series.append(now)
        if chart.axis_of(ref) == "right":
            right.append(now)
    return chart.with_(series=tuple(series), right_axis=tuple(right))


def fixes(sets: list[ChartSet], aliases: dict[str, tuple[str, ...]], channels: dict[str, set[str]],
          pins: dict[str, dict[str, str]], found: list[Suggestion], health: Health) -> list[Fix]:
    """The suggestions (and the project's own aliases) that would fill a gap of the checked
    charts, each with the change that adds it."""
    gaps = [(s.name, c.name, f) for s in health.sets for c in s.charts for f in c.series if f.missing]
    out: list[Fix] = []
    by_set = {s.name: s for s in sets}

    def filled(runs: list[str], candidates) -> list[str]:
        return [r for r in runs if any(ch in channels[r] for ch in candidates)]

    def plot_as(alias: str, refs: list[tuple[str, str, str]]) -> tuple[Changes, Changes] | None:
        """Chart sets with these charts' ``channel:X`` refs plotted as ``alias:ALIAS``."""
        before, after = [], []
        for set_name in dict.fromkeys(s for s, _c, _r in refs):
            cs = by_set[set_name]
            new = []
            for c in cs.charts:
                olds = {SeriesRef.parse(r) for s, cn, r in refs if s == set_name and cn == c.name}
                if olds:
                    c = _plotted_as(c, olds, SeriesRef("alias", alias))
                new.append(c)
            before.append((set_name, cs.charts))
            after.append((set_name, tuple(new)))
        return Changes(chart_sets=tuple(before)), Changes(chart_sets=tuple(after))

    # an alias the project has already that holds a missing channel and fills its runs
    for name, entries in aliases.items():
        covers = [(s, c, f.ref, filled(f.missing, entries)) for s, c, f in gaps
                  if f.ref.startswith("channel:") and f.ref.split(":", 1)[1] in entries]
        covers = [x for x in covers if x[3]]
        if covers:
            before, after = plot_as(name, [(s, c, r) for s, c, r, _ in covers])
            out.append(Fix(name, entries, "use", covers, before, after))
    taken = set(aliases)
    for sgn in found:
        chans = set(sgn.channels)
        extend: dict[str, list] = {}
        channel_covers = []
        for s, c, f in gaps:
            kind, ref_name = f.ref.split(":", 1)
            runs = filled(f.missing, sgn.channels)
            if not runs:
                continue
            if kind == "channel" and ref_name in chans:
                channel_covers.append((s, c, f.ref, runs))
            elif kind == "alias":
                entries = aliases.get(ref_name)
                related = (chans & (set(entries) | {ref_name})) if entries is not None else \
                    set(tokens(ref_name)) <= set(tokens(sgn.alias))
                if related:
                    extend.setdefault(ref_name, []).append((s, c, f.ref, runs))
        for name, covers in extend.items():
            entries = aliases.get(name)
            if entries is None:  # plotted but not defined anywhere: make it
                value = tuple(sgn.channels)
                out.append(Fix(name, value, "new", covers, Changes(aliases=((name, None),)),
                               Changes(aliases=((name, value),))))
            else:
                more = tuple(ch for ch in sgn.channels if ch not in entries)
                out.append(Fix(name, more, "extend", covers, Changes(aliases=((name, entries),)),
                               Changes(aliases=((name, entries + more),))))
        if channel_covers:
            name, k = sgn.alias, 2
            while name in taken:
                name, k = f"{sgn.alias}_{k}", k + 1
            taken.add(name)
            cb, ca = plot_as(name, [(s, c, r) for s, c, r, _ in channel_covers])
            out.append(Fix(name, tuple(sgn.channels), "new", channel_covers,
                           Changes(aliases=((name, None),), chart_sets=cb.chart_sets),
                           Changes(aliases=((name, tuple(sgn.channels)),), chart_sets=ca.chart_sets)))
    return out

