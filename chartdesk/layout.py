"""Layout files: a project's aliases and chart sets (and, when asked, its pins) as YAML that can
live in git, be applied to another project, and be checked against its runs (``chartdesk.health``).

The file (``version: 1``, documented in the README under "Layout files")::

    version: 1
    aliases:                      # name -> ordered entries, the first a run has wins
      accuracy:
        - accuracy
        - acc
    chart_sets:                   # in order; each with its charts in order
      - name: Training
        charts:
          - name: Loss
            series:               # alias:NAME or channel:NAME
              - alias:loss
            log_y: true           # only options that differ from the defaults are written
    pins:                         # only with --pins: run -> alias -> channel
      adam-both-names:
        accuracy: pred_acc

Keys are written in one fixed order (aliases by name, chart sets and charts in the project's
order, chart options in the order of ``Chart``), lists one item a line, so exporting the same
project twice gives the same bytes and a change is a small diff. Reading checks every key and
value and names the file, line and key of the first problem (``LayoutError``).

Applying (``plan`` then ``write_changes``) adds what the project lacks; an alias or chart set of
the same name that differs is a conflict, never merged: ``replace`` takes the file's, else nothing
is written. All of it is one transaction (``Store.write_edits``). Plain Python, no Qt.
"""
from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Conflict, InvalidInput, NotFound
from .model import Chart, ChartSet, SeriesRef, check_name, short_repr

VERSION = 1
#: A layout file larger than this is refused before it is parsed (a layout is a few kilobytes).
MAX_BYTES = 16 << 20
TOP_KEYS = ("version", "aliases", "chart_sets", "pins")
SET_KEYS = ("name", "charts")
#: Every option a chart has, in the order of ``Chart``'s fields (a new option is read and written
#: without a change here).
CHART_KEYS = tuple(f.name for f in dataclasses.fields(Chart))
HEADER = ("# ChartDesk layout: aliases and chart sets (README: \"Layout files\").\n"
          "# chartdesk layout apply PROJECT FILE [--replace] [--dry-run]; chartdesk layout check PROJECT FILE\n")


class LayoutError(InvalidInput):
    """A layout file that cannot be read: one line naming the file, the line and the key."""


# ---- what a layout holds ---------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Aliases (name, entries) by name, chart sets in order, and pins (run, alias, channel);
    ``pins`` is None when the file has no pins section (so nothing about pins is applied)."""

    aliases: tuple[tuple[str, tuple[str, ...]], ...] = ()
    chart_sets: tuple[ChartSet, ...] = ()
    pins: tuple[tuple[str, str, str], ...] | None = None

    @property
    def alias_map(self) -> dict[str, tuple[str, ...]]:
        return dict(self.aliases)


def refs_of(charts: Iterable[Chart]) -> list[SeriesRef]:
    """Every series ref the charts plot or take their x axis from, once each, in order."""
    out: list[SeriesRef] = []
    for c in charts:
        for ref in (*c.series, *([c.x_ref] if c.x_ref is not None else [])):
            if ref not in out:
                out.append(ref)
    return out


def export(store, project: str, chart_sets: Sequence[str] | None = None, pins: bool = False) -> Layout:
    """The project's layout: every chart set (or the named ones, in the project's order) and
    the aliases they need (every alias when no set is named); its pins of those aliases with
    ``pins``."""
    sets = store.chart_set_list(project)
    aliases = store.aliases(project)
    if chart_sets:
        known = [s.name for s in sets]
        missing = [n for n in chart_sets if n not in known]
        if missing:
            raise NotFound(f"unknown chart set {missing[0]!r} in project {project!r}; known: "
                           f"{', '.join(known) if known else '(none)'}")
        sets = [s for s in sets if s.name in set(chart_sets)]
        used = {n for r in refs_of(c for s in sets for c in s.charts) for n in r.aliases_used(aliases)}
        aliases = {k: v for k, v in aliases.items() if k in used}
    pinned = None
    if pins:
        pinned = tuple(sorted((run, alias, ch) for run, table in store.pins(project).items()
                              for alias, ch in table.items() if alias in aliases))
    return Layout(tuple(sorted((k, tuple(v)) for k, v in aliases.items())), tuple(sets), pinned)


# ---- writing ---------------------------------------------------------------------------------
class _Dumper(yaml.SafeDumper):
    """Lists indented under their key (``- item`` two spaces in), as people write YAML."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):
        return super().increase_indent(flow, False)


def dump(layout: Layout) -> str:
    """The layout as the text of a file: the same layout always gives the same text."""
    doc: dict[str, Any] = {"version": VERSION,
                           "aliases": {name: list(entries) for name, entries in sorted(layout.aliases)},
                           "chart_sets": [{"name": s.name, "charts": [c.to_dict() for c in s.charts]}
                                          for s in layout.chart_sets]}
    if layout.pins is not None:
        table: dict[str, dict[str, str]] = {}
        for run, alias, ch in sorted(layout.pins):
            table.setdefault(run, {})[alias] = ch
        doc["pins"] = table
    return HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
                              width=4096, indent=2)


def write(layout: Layout, path: str | os.PathLike) -> None:
    """Write the file whole or not at all (a temporary file beside it, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(dump(layout), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None


# ---- reading, with the line of every problem -------------------------------------------------
_TYPES = {"tag:yaml.org,2002:str": "text", "tag:yaml.org,2002:int": "a number", "tag:yaml.org,2002:float": "a number",
          "tag:yaml.org,2002:bool": "true/false", "tag:yaml.org,2002:null": "nothing (null)"}


def _what(node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"{_TYPES.get(node.tag, node.tag)} {short_repr(node.value)}"


class _Reader:
    def __init__(self, source: str, loader: yaml.SafeLoader) -> None:
        self.source = source
        self._loader = loader
        self._seen: set[int] = set()

    def fail(self, node, key: str, why: str):
        line = node.start_mark.line + 1 if node is not None else 1
        raise LayoutError(f"{self.source}:{line}: {key}: {why}" if key else f"{self.source}:{line}: {why}")

    def _enter(self, node, key: str) -> None:
        if id(node) in self._seen:  # an alias (*name) of a collection: refused, so nothing can blow up
            self.fail(node, key, "YAML aliases (*name) are not used in layout files; write it out")
        self._seen.add(id(node))

    def scalar(self, node, key: str):
        if not isinstance(node, yaml.ScalarNode):
            self.fail(node, key, f"expected a single value, not {_what(node)}")
        if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
            return node.value  # YAML 1.1 reads yes/no/on/off as booleans; here they are text, as in YAML 1.2
        return self._loader.construct_object(node)

    def text(self, node, key: str, kind: str) -> str:
        value = self.scalar(node, key)
        if not isinstance(value, str):
            self.fail(node, key, f"expected {kind} (text; quote it), not {_what(node)}")
        try:
            return check_name(kind, value)
        except InvalidInput as exc:
            self.fail(node, key, str(exc))

    def mapping(self, node, key: str, allow_null: bool = False) -> list[tuple[Any, Any, str]]:
        """[(key node, value node, key text)] of a mapping, duplicate keys refused."""
        if allow_null and isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, key, f"expected a mapping (name: value lines), not {_what(node)}")
        self._enter(node, key)
        out, seen = [], set()
        for knode, vnode in node.value:
            name = self.scalar(knode, key or "the file")
            if not isinstance(name, str):
                self.fail(knode, key or "the file", f"a key must be text (quote it), not {_what(knode)}")
            if name in seen:
                self.fail(knode, f"{key}.{name}" if key else name, "this key is given twice")
            seen.add(name)
            out.append((knode, vnode, name))
        return out

    def sequence(self, node, key: str, allow_null: bool = False) -> list:
        if allow_null and isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, key, f"expected a list (- item lines), not {_what(node)}")
        self._enter(node, key)
        return list(node.value)


def _strip_chart(message: str) -> str:
    return re.sub(r"^chart .*?: (?=\w+ must)", "", message)


def loads(text: str, source: str = "<layout>") -> Layout:
    """A layout from the text of a file; ``LayoutError`` naming ``source``, the line and the key."""
    loader = yaml.SafeLoader(text)
    try:
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            raise LayoutError(f"{source}:{line}: not YAML: {exc.problem or exc.context}") from None
        except yaml.YAMLError as exc:
            raise LayoutError(f"{source}: not YAML: {' '.join(str(exc).split())}") from None
        return _read(_Reader(source, loader), root)
    finally:
        loader.dispose()


def _read(r: _Reader, root) -> Layout:
    if root is None:
        raise LayoutError(f"{r.source}:1: the file is empty (a layout starts with version: {VERSION})")
    items = r.mapping(root, "")
    keys = {k: (knode, vnode) for knode, vnode, k in items}
    for knode, _v, k in items:
        if k not in TOP_KEYS:
            r.fail(knode, k, f"unknown key (a layout has {', '.join(TOP_KEYS)})")
    if "version" not in keys:
        r.fail(root, "version", f"missing (a layout file starts with version: {VERSION})")
    vnode = keys["version"][1]
    version = r.scalar(vnode, "version")
    if isinstance(version, bool) or not isinstance(version, int):
        r.fail(vnode, "version", f"expected a whole number, not {_what(vnode)}")
    if version != VERSION:
        why = "is newer than this ChartDesk reads" if version > VERSION else "is not a layout version"
        r.fail(vnode, "version", f"{version} {why} (it reads version {VERSION})")

    aliases: dict[str, tuple[str, ...]] = {}
    if "aliases" in keys:
        for knode, vnode, name in r.mapping(keys["aliases"][1], "aliases", allow_null=True):
            key = f"aliases.{name}"
            try:
                check_name("alias", name)
            except InvalidInput as exc:
                r.fail(knode, key, str(exc))
            entries: list[str] = []
            for i, e in enumerate(r.sequence(vnode, key, allow_null=True)):
                ch = r.text(e, f"{key}[{i}]", "channel")
                if ch in entries:
                    r.fail(e, f"{key}[{i}]", f"{ch!r} is listed twice")
                entries.append(ch)
            aliases[name] = tuple(entries)

    sets: list[ChartSet] = []
    if "chart_sets" in keys:
        for i, snode in enumerate(r.sequence(keys["chart_sets"][1], "chart_sets", allow_null=True)):
            sets.append(_read_set(r, snode, f"chart_sets[{i}]", [s.name for s in sets]))

    pins = None
    if "pins" in keys:
        pins = []
        for knode, vnode, run in r.mapping(keys["pins"][1], "pins", allow_null=True):
            try:
                check_name("experiment", run)
            except InvalidInput as exc:
                r.fail(knode, f"pins.{run}", str(exc))
            for aknode, cnode, alias in r.mapping(vnode, f"pins.{run}"):
                key = f"pins.{run}.{alias}"
                if alias not in aliases:
                    r.fail(aknode, key, f"{alias!r} is not one of the file's aliases (a pin chooses a channel of one)")
                pins.append((run, alias, r.text(cnode, key, "channel")))
        pins = tuple(pins)
    return Layout(tuple(sorted(aliases.items())), tuple(sets), pins)


def _read_set(r: _Reader, node, key: str, taken: list[str]) -> ChartSet:
    items = r.mapping(node, key)
    fields_ = {k: (kn, vn) for kn, vn, k in items}
    for knode, _v, k in items:
        if k not in SET_KEYS:
            r.fail(knode, f"{key}.{k}", f"unknown key (a chart set has {', '.join(SET_KEYS)})")
    if "name" not in fields_:
        r.fail(node, f"{key}.name", "missing (every chart set has a name)")
    name = r.text(fields_["name"][1], f"{key}.name", "chart set")
    if name in taken:
        r.fail(fields_["name"][1], f"{key}.name", f"a chart set named {name!r} comes earlier in the file")
    charts: list[Chart] = []
    if "charts" in fields_:
        for i, cnode in enumerate(r.sequence(fields_["charts"][1], f"{key}.charts", allow_null=True)):
            chart = _read_chart(r, cnode, f"{key}.charts[{i}]")
            if chart.name in [c.name for c in charts]:
                r.fail(cnode, f"{key}.charts[{i}].name", f"chart set {name!r} has a chart named {chart.name!r} already")
            charts.append(chart)
    return ChartSet(name, tuple(charts))


def _read_chart(r: _Reader, node, key: str) -> Chart:
    items = r.mapping(node, key)
    given = {k: (kn, vn) for kn, vn, k in items}
    for knode, _v, k in items:
        if k not in CHART_KEYS:
            r.fail(knode, f"{key}.{k}", f"unknown key (a chart has {', '.join(CHART_KEYS)})")
    if "name" not in given:
        r.fail(node, f"{key}.name", "missing (every chart has a name)")
    name = r.text(given["name"][1], f"{key}.name", "chart")
    values: dict[str, Any] = {"name": name}
    if "series" in given:
        values["series"] = tuple(_read_refs(r, given["series"][1], f"{key}.series"))
    if "right_axis" in given:
        right = _read_refs(r, given["right_axis"][1], f"{key}.right_axis")
        for i, ref in enumerate(right):
            if ref not in values.get("series", ()):
                r.fail(given["right_axis"][1], f"{key}.right_axis[{i}]", f"{ref} is not one of the chart's series")
        values["right_axis"] = tuple(right)
    for k in CHART_KEYS:
        if k in ("name", "series", "right_axis") or k not in given:
            continue
        vnode = given[k][1]
        value = r.scalar(vnode, f"{key}.{k}")
        try:  # each option checked by the chart itself, alone, so the message is about this key
            Chart(name, **{k: value})
        except (InvalidInput, TypeError, ValueError) as exc:
            r.fail(vnode, f"{key}.{k}", _strip_chart(str(exc)))
        values[k] = value
    try:  # options that do not go together (log_y and symlog_y)
        return Chart(**values)
    except InvalidInput as exc:
        r.fail(node, key, _strip_chart(str(exc)))


def _read_refs(r: _Reader, node, key: str) -> list[SeriesRef]:
    """A list of series refs (a chart's series, its right axis), each checked, none twice."""
    refs: list[SeriesRef] = []
    for i, snode in enumerate(r.sequence(node, key, allow_null=True)):
        text = r.scalar(snode, f"{key}[{i}]")
        if not isinstance(text, str):
            r.fail(snode, f"{key}[{i}]", f"expected a series ref (alias:NAME, channel:NAME or expr:EXPRESSION), "
                   f"not {_what(snode)}")
        try:
            ref = SeriesRef.parse(text)
            check_name(ref.kind, ref.name)
        except InvalidInput as exc:
            r.fail(snode, f"{key}[{i}]", str(exc))
        if ref in refs:
            r.fail(snode, f"{key}[{i}]", f"{text} is listed twice")
        refs.append(ref)
    return refs


def read(path: str | os.PathLike) -> Layout:
    """A layout file; ``LayoutError`` (one line: the file, the line, the key) when it is not one."""
    source = str(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            raise LayoutError(f"{source}: {size:,} bytes is too large for a layout file (at most {MAX_BYTES:,})")
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise LayoutError(f"cannot read {source}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LayoutError(f"{source}:{line}: not UTF-8 text") from None
    return loads(text, source)


# ---- applying ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Changes:
    """The values of some of a project's aliases, chart sets and pins (None: absent): what a
    layout writes (``after``) and what they were (``before``), the two values of its undo step."""

    aliases: tuple[tuple[str, tuple[str, ...] | None], ...] = ()
    chart_sets: tuple[tuple[str, tuple[Chart, ...] | None], ...] = ()
    pins: tuple[tuple[tuple[str, str], str | None], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.aliases or self.chart_sets or self.pins)


def write_changes(store, project: str, base: Changes, value: Changes, create: bool = False) -> None:
    """Write ``value`` where the store holds ``base`` (the same keys), in one transaction; a
    ``Conflict`` (nothing written) when any of them holds something else now."""
    old_a, old_s, old_p = dict(base.aliases), dict(base.chart_sets), dict(base.pins)
    store.write_edits(project,
                      alias_edits={n: (old_a.get(n), v) for n, v in value.aliases},
                      chart_set_edits={n: (old_s.get(n), v) for n, v in value.chart_sets},
                      pin_edits={k: (old_p.get(k), v) for k, v in value.pins}, create=create)


@dataclass(frozen=True)
class Item:
    """One object of the file against the project: ``action`` add, replace, same, conflict or skip."""

    kind: str    # alias, chart set, pin
    key: Any     # the alias's or set's name; a pin's (run, alias)
    action: str
    old: Any = None
    new: Any = None
    why: str = ""

    @property
    def name(self) -> str:
        return f"{self.key[1]} in {self.key[0]}" if self.kind == "pin" else self.key

    def line(self) -> str:
        what = f"{self.kind} {self.name}"
        if self.action == "add":
            return f"add {what}: {_show(self.kind, self.new)}"
        if self.action == "replace":
            return f"replace {what}: {self.why}"
        if self.action == "conflict":
            return f"conflict: {what}: {self.why}"
        if self.action == "skip":
            return f"skip {what}: {self.why}"
        return f"unchanged {what}"


def _show(kind: str, value) -> str:
    if kind == "alias":
        return ", ".join(value) if value else "(empty)"
    if kind == "chart set":
        return f"{len(value)} chart{'s' if len(value) != 1 else ''}" + (f" ({', '.join(c.name for c in value)})"
                                                                      if value else "")
    return str(value)


def _alias_difference(old: Sequence[str], new: Sequence[str]) -> str:
    if sorted(old) == sorted(new):
        return f"another order: the project has {', '.join(old)}; the file {', '.join(new)}"
    return f"the project has {', '.join(old) or '(empty)'}; the file {', '.join(new) or '(empty)'}"


def _set_difference(old: Sequence[Chart], new: Sequence[Chart]) -> str:
    o, n = {c.name: c for c in old}, {c.name: c for c in new}
    parts = []
    for name, chart in n.items():
        if name not in o:
            parts.append(f"{name} added")
        elif o[name] != chart:
            a, b = o[name].to_dict(), chart.to_dict()
            keys = [k for k in CHART_KEYS if a.get(k) != b.get(k)]
            parts.append(f"{name} changed ({', '.join(keys)})")
    parts += [f"{name} removed" for name in o if name not in n]
    if not parts:
        parts.append("the charts are in another order")
    return "the file's charts differ: " + "; ".join(parts)


@dataclass
class Plan:
    """What applying a layout to a project does: one item per alias, chart set and pin of the
    file, and the ``before``/``after`` values of everything it would write."""

    project: str
    source: str
    replace: bool
    create: bool  # the project does not exist yet: applying makes it
    items: list[Item] = field(default_factory=list)
    before: Changes = Changes()
    after: Changes = Changes()

    @property
    def conflicts(self) -> list[Item]:
        return [i for i in self.items if i.action == "conflict"]

    @property
    def changes(self) -> list[Item]:
        return [i for i in self.items if i.action in ("add", "replace")]

    def summary(self) -> str:
        """``2 conflicts ...`` when there are any, else what it does: ``1 added, 2 unchanged``."""
        if self.conflicts:
            n = len(self.conflicts)
            return f"{n} conflict{'s' if n != 1 else ''} with project {self.project!r} (--replace takes the file's)"
        counts = {a: sum(1 for i in self.items if i.action == a) for a in ("add", "replace", "same", "skip")}
        done = ", ".join(f"{n} {w}" for w, n in (("added", counts["add"]), ("replaced", counts["replace"]),
                                                  ("unchanged", counts["same"]), ("skipped", counts["skip"])) if n)
        return done or "the layout is empty"

    def lines(self) -> list[str]:
        head = [f"create project {self.project}"] if self.create and not self.conflicts else []
        return head + [i.line() for i in self.items]


class LayoutConflicts(Conflict):
    """Applying would overwrite aliases or chart sets that differ: nothing was written."""

    def __init__(self, plan: Plan) -> None:
        super().__init__(f"nothing was changed: {plan.summary()}")
        self.plan = plan


def plan(store, project: str, layout: Layout, replace: bool = False, source: str = "the layout") -> Plan:
    """Compare the layout with what the project holds now (a missing project holds nothing)."""
    check_name("project", project)
    exists = project in store.projects()
    aliases = store.aliases(project) if exists else {}
    sets = {s.name: s.charts for s in store.chart_set_list(project)} if exists else {}
    pins = store.pins(project) if exists else {}
    runs = set(store.experiments(project)) if exists else set()
    p = Plan(project, source, replace, not exists)
    before: dict[str, list] = {"aliases": [], "chart_sets": [], "pins": []}
    after: dict[str, list] = {"aliases": [], "chart_sets": [], "pins": []}

    def judge(kind, key, old, new, differ):
        if old is None:
            return Item(kind, key, "add", None, new)
        if old == new:
            return Item(kind, key, "same", old, new)
        return Item(kind, key, "replace" if replace else "conflict", old, new, differ(old, new))

    for name, entries in layout.aliases:
        old = aliases.get(name)
        p.items.append(judge("alias", name, None if old is None else tuple(old), entries, _alias_difference))
    for cs in layout.chart_sets:
        p.items.append(judge("chart set", cs.name, sets.get(cs.name), cs.charts, _set_difference))
    for run, alias, ch in layout.pins or ():
        if run not in runs:
            p.items.append(Item("pin", (run, alias), "skip", None, ch, f"the project has no run {run!r}"))
            continue
        p.items.append(judge("pin", (run, alias), pins.get(run, {}).get(alias), ch,
                             lambda o, n: f"the project pins {o}; the file {n}"))
    for item in p.items:
        if item.action not in ("add", "replace"):
            continue
        key = {"alias": "aliases", "chart set": "chart_sets", "pin": "pins"}[item.kind]
        before[key].append((item.key, item.old))
        after[key].append((item.key, item.new))
    p.before = Changes(tuple(before["aliases"]), tuple(before["chart_sets"]), tuple(before["pins"]))
    p.after = Changes(tuple(after["aliases"]), tuple(after["chart_sets"]), tuple(after["pins"]))
    return p


def apply(store, project: str, layout: Layout, replace: bool = False, dry_run: bool = False,
          source: str = "the layout") -> Plan:
    """Apply a layout to a project (made when missing) in one transaction and return its plan;
    ``LayoutConflicts`` (nothing written) when it conflicts and ``replace`` is off. With
    ``dry_run`` only the plan."""
    p = plan(store, project, layout, replace, source)
    if dry_run:
        return p
    if p.conflicts:
        raise LayoutConflicts(p)
    if p.after or p.create:
        write_changes(store, project, p.before, p.after, create=p.create)
    return p


def changes_text(before: Changes, after: Changes) -> list[str]:
    """What writing ``after`` over ``before`` does, a line each (for a dialog)."""
    lines = []
    old = dict(before.aliases)
    for name, entries in after.aliases:
        was = old.get(name)
        lines.append(f"alias {name}: " + (", ".join(entries) if was is None
                                          else f"{', '.join(was)} -> {', '.join(entries)}"))
    old_s = dict(before.chart_sets)
    for name, charts in after.chart_sets:
        lines.append(f"chart set {name}: " + (_show("chart set", charts) if old_s.get(name) is None
                                              else _set_difference(old_s[name], charts)))
    for (run, alias), ch in after.pins:
        lines.append(f"pin {alias} in {run}: {ch}")
    return lines
