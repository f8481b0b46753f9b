"""A report of a project's runs that anyone can open (no Qt): what goes in it and its HTML.

``plan`` turns what was asked (a chart set, a filter or a list of runs, a grouping, the runs
table's columns and sort) into the report's runs, rows and charts, checking each input with a
one-line error. What is filtered out is in no part of it: the table lists, and the charts draw,
the runs that pass. ``html`` writes one self-contained page around the charts, which
``chartdesk.gui.report`` draws with the window's own charts (inline SVG) and exports with their
data (CSV, as a chart's Export CSV writes it): no script, no font, no address outside the file.

The table follows the runs table's column rules: name, state, tags, created, duration, every
param flattened (``optimizer.lr``), then the summary columns asked for (``alias:accuracy:max``);
created as a local date and minute, a duration as h:mm:ss, numbers with one precision per column
(``chartdesk.app.cells``: the runs table's rule).
"""
from __future__ import annotations

import datetime as _dt
import html as _html
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from .. import query
from ..colors import keys, run_styles
from ..errors import InvalidInput, NotFound
from ..groups import Group, GroupBy, group_runs
from ..model import Chart, SeriesRef
from ..runs import table
from . import cells as _cells
from .runfilter import row_value

#: The runs table's first columns (``chartdesk.gui.runs_table``), then params, then summaries.
FIXED = ("name", "state", "tags", "created", "duration")
SUFFIXES = (".html", ".htm", ".pdf")
#: A chart's CSV is put inside the page (a data: link) while all of them together stay under
#: this; past it they are written beside the report, in ``NAME_data/``, and linked from it.
INLINE_DATA_LIMIT = 2_000_000
STATE_COLORS = {"running": "#2e9bd6", "succeeded": "#3a9a4a", "failed": "#d64541", "aborted": "#a0a0a0"}


@dataclass(frozen=True)
class ReportRequest:
    """What a report shows: the window's project, selection, filter and grouping, or the CLI's."""

    project: str
    chart_set: str | None = None            # None: the first chart set, else a chart per channel
    where: str | None = None                # the filter (its text is in the header)
    runs: Sequence[str] | None = None       # these runs only (None: every run of the project)
    group_by: str | None = None             # "lr, optimizer.name", "tags", 'name ~ "(.*)-seed"'
    columns: Sequence[str] = ()             # summary columns, REF:REDUCER
    sort: str | None = None
    descending: bool = False
    charts: Sequence[Chart] | None = None   # the charts themselves (the window's tab), not a set's
    charts_title: str | None = None         # what those are called ("3 runs: all channels")
    label_by_params: bool = True            # legends name runs by the params that differ
    latest: frozenset[str] = frozenset()    # runs drawn with their latest write per step


@dataclass
class ReportPlan:
    request: ReportRequest
    project: str
    chart_set: str                          # its name, or what the charts are
    charts: list[Chart]
    runs: list[str]                         # in the table's order
    rows: list[dict]
    headers: list[str]
    total: int                              # runs in the project
    group_by: GroupBy | None
    groups: list[Group] | None
    styles: dict = field(default_factory=dict)
    made: float = field(default_factory=time.time)

    @property
    def filter_text(self) -> str:
        parts = []
        if self.request.where and self.request.where.strip():
            parts.append(self.request.where.strip())
        if self.request.runs is not None:
            parts.append(f"runs chosen: {', '.join(self.runs) if len(self.runs) <= 8 else f'{len(self.runs)} runs'}")
        return " · ".join(parts)


def check_suffix(out: str) -> str:
    """".html" or ".pdf" (".htm" is HTML): anything else is one line."""
    suffix = os.path.splitext(out)[1].lower()
    if suffix not in SUFFIXES:
        raise InvalidInput(f"{out}: a report is written as .html or .pdf, not "
                           f"{suffix or 'a name without a suffix'}")
    return ".pdf" if suffix == ".pdf" else ".html"


def plan(store, request: ReportRequest) -> ReportPlan:
    """The runs, rows and charts of the report, or a one-line error for a bad input."""
    project = request.project
    if project not in store.projects():
        known = store.projects()
        raise NotFound(f"unknown project {project!r}" + (f"; known: {', '.join(known)}" if known else ""))
    try:
        by = GroupBy.parse(request.group_by or "")
    except InvalidInput as exc:
        raise InvalidInput(str(exc).replace("group by:", f"group by {request.group_by!r}:", 1)) from None
    where = (request.where or "").strip() or None
    everyone = table(store, project)  # every run: to tell a filter that names nothing apart
    try:
        rows = table(store, project, where=where, sort=request.sort, descending=request.descending,
                     columns=list(request.columns))
    except InvalidInput as exc:
        raise InvalidInput(f"filter {where!r}: {exc}" if where and str(exc).startswith("column ") else str(exc)) \
            from None
    names = [r["experiment"] for r in everyone]
    if request.runs is not None:
        unknown = [r for r in request.runs if r not in names]
        if unknown:
            raise NotFound(f"unknown experiment {unknown[0]!r} in project {project!r}")
        if not request.runs:
            raise InvalidInput("no runs to report: choose one or more")
        order = {n: i for i, n in enumerate(dict.fromkeys(request.runs))}
        rows = [r for r in rows if r["experiment"] in order]
        if request.sort is None:
            rows.sort(key=lambda r: order[r["experiment"]])
    if not rows:
        raise InvalidInput(_nothing_passes(where, everyone, project, request.runs))
    for r in rows:
        r["_flat"] = query.flatten(r["params"])
    chosen = [r["experiment"] for r in rows]
    catalog = {e.name: (e, chans) for e, chans in store.catalog(project)}
    groups = group_runs([catalog[n][0] for n in names if n in set(chosen)], by) \
        if by is not None and len(chosen) >= 2 else None
    title, charts = _charts(store, project, request, chosen, catalog)
    params = sorted({k for r in rows for k in r["_flat"]})
    headers = [*(["group"] if groups else []), *FIXED, *params, *[str(c) for c in request.columns]]
    key = keys(names)
    return ReportPlan(request, project, title, charts, chosen, rows, headers, len(names), by, groups,
                      run_styles(chosen, lambda n: key.get(n, -1), groups))


def _nothing_passes(where, everyone, project, runs) -> str:
    if where is None:
        return f"no runs to report in project {project!r}"
    known = set(query.FIELDS)
    for r in everyone:
        known.update(query.flatten(r["params"]))
    strangers = [n for n in query.names(query.parse(where)) if ":" not in n and n not in known]
    why = f" (no run has {', '.join(map(repr, strangers))})" if strangers else ""
    among = f"of the {len(runs)} chosen" if runs is not None else f"of {len(everyone)}"
    return f"filter {where!r} leaves no run {among} in project {project!r}{why}"


def _charts(store, project, request, chosen, catalog) -> tuple[str, list[Chart]]:
    if request.charts is not None:
        return request.charts_title or "Charts", list(request.charts)
    sets = store.chart_set_list(project)
    if request.chart_set is not None:
        found = [s for s in sets if s.name == request.chart_set]
        if not found:
            raise NotFound(f"unknown chart set {request.chart_set!r} in project {project!r}"
                           + (f"; known: {', '.join(s.name for s in sets)}" if sets else "; it has none"))
        return found[0].name, list(found[0].charts)
    if sets:
        return sets[0].name, list(sets[0].charts)
    channels = sorted({c.name for n in chosen for c in catalog[n][1]})
    return "All channels", [Chart(c, (SeriesRef("channel", c),)) for c in channels]


# ---- cells ---------------------------------------------------------------------------------
def table_cells(p: ReportPlan) -> list[list[str]]:
    """The table's text, row by row (``headers`` in order), each number column with one precision
    as in the runs table, so decimal points line up."""
    group_of = {run: g.label for g in (p.groups or []) for run in g.runs}
    formats = _cells.column_formats([h for h in p.headers if h != "group"], p.rows, row_value)
    out = []
    for r in p.rows:
        out.append([group_of.get(r["experiment"], "") if h == "group"
                    else _cells.cell_text(h, row_value(r, h), formats.get(h)) for h in p.headers])
    return out


# ---- the page ------------------------------------------------------------------------------
@dataclass
class ChartPart:
    """One chart of the report as drawn: its SVG and the CSV of its data."""

    name: str
    svg: str
    csv: str
    rows: int
    width: int
    height: int
    data_href: str = ""   # set when the CSV is beside the report instead of inside it


_XML_HEAD = re.compile(r"^\s*<\?xml[^>]*>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_EMPTY_GROUP = re.compile(r"<g\b[^>]*>\s*</g>\s*", re.S)
_FONT = re.compile(r'font-family="([^"]*)"')
_SIZE = re.compile(r'<svg\b([^>]*?)\swidth="[^"]*"\s*height="[^"]*"', re.S)


_PATH_D = re.compile(r'(<path\b[^>]*?\sd=")([^"]*)(")', re.S)
_POINTS = re.compile(r'(<polyline\b[^>]*?\spoints=")([^"]*)(")', re.S)


_TENTHS = re.compile(r"(\.\d)\d+(?![\deE])")
_CURVE_ONLY = re.compile(r"[^MLZ\d\s.,eE+-]")


def _tenths(numbers: str) -> str:
    """Every number to a tenth of a pixel (cut, not rounded: less than 0.1 px off), in C: a
    chart of 20 runs has 40,000 of them."""
    return _TENTHS.sub(r"\1", numbers)


def _short_path(m: re.Match) -> str:
    """A curve's ``M x,y L x,y L ...`` as ``M x y x y ...`` (a pair after a moveto or lineto is a
    lineto) at a tenth of a pixel; any other path stays as it is."""
    d = m.group(2)
    if _CURVE_ONLY.search(d) or "Z L" in d:
        return m.group(0)
    return m.group(1) + _tenths(d.replace(" L ", " ").replace(",", " ")) + m.group(3)


_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _px(m: re.Match) -> str:
    f = round(float(m.group(0)), 1)
    return str(int(f)) if f.is_integer() and abs(f) < 1e15 else repr(f)


def _short_points(m: re.Match) -> str:
    """A polyline's points (axes, grid, ticks, a wide line's segments) rounded to a tenth of a
    pixel: there are few, and a grid line cut instead of rounded shifts its anti-aliasing."""
    return m.group(1) + _NUMBER.sub(_px, m.group(2)) + m.group(3)


_LEAF_GROUP = re.compile(r"<g\b([^>]*)>((?:(?!<g\b|</g>).)*)</g>", re.S)
_COLOUR = re.compile(r'(?:fill|stroke)="(#[0-9a-fA-F]{6})"')
_OPACITY = re.compile(r'-opacity="([-+\d.eE]+)"')
_SHAPE = re.compile(r"<(path|polyline|polygon|rect)\b([^>]*)/>")


def _opaque(attrs: str) -> bool:
    return all(float(v) == 1.0 for v in _OPACITY.findall(attrs)) and ' opacity="' not in attrs


def _plain(body: str) -> bool:
    """Only shapes painted with the group's own fill and stroke (nothing of their own but fill="none")."""
    return not _SHAPE.sub("", body).strip() and all(
        not re.search(r'\b(?:stroke|opacity|style|class)=|fill="(?!none")', a) for _t, a in _SHAPE.findall(body))


def _colour_of(attrs: str, body: str) -> str | None:
    """The one opaque colour a group paints plain shapes in, or None (then its order matters)."""
    mine = {c.lower() for c in _COLOUR.findall(attrs)}
    return next(iter(mine)) if len(mine) == 1 and _opaque(attrs) and _plain(body) else None


def _merge_groups(svg: str) -> str:
    """Sibling groups one after the other as one group per attributes: Qt writes a group per
    painter call, and pyqtgraph paints a wide line segment by segment (a grouped chart's count
    strip is thousands of segments and caps, each in a group of its own). Groups of the same
    attributes side by side always merge; groups of other attributes only while all of them
    paint one opaque colour, where the order they are painted in cannot be seen."""
    out: list[str] = []
    bucket: dict[str, list[str]] = {}
    colour: str | None = None  # the one colour every group in the bucket paints, if they do
    last: str | None = None
    end = 0

    def flush() -> None:
        for attrs, bodies in bucket.items():
            out.append(f"<g{attrs}>" + _lean(attrs, "".join(bodies)) + "</g>\n")
        bucket.clear()

    for m in _LEAF_GROUP.finditer(svg):
        attrs, body, between = m.group(1), m.group(2), svg[end:m.start()]
        mine = _colour_of(attrs, body)
        same = attrs == last and (len(bucket) == 1 or (colour is not None and mine == colour))
        if bucket and not between.strip() and same:
            bucket[attrs].append(body)
            colour = colour if mine == colour else None
        elif bucket and not between.strip() and colour is not None and mine == colour:
            bucket.setdefault(attrs, []).append(body)
        else:
            flush()
            out.append(between)
            bucket[attrs] = [body]
            colour = mine
        last, end = attrs, m.end()
    flush()
    out.append(svg[end:])
    return "".join(out)


def _lean(attrs: str, body: str) -> str:
    """A group's shapes without what they repeat of it (``fill="none"`` under a group that says
    so, the default ``vector-effect="none"``): a wide line pyqtgraph paints segment by segment
    stays segments, each with its own caps, as the app paints it, in a third of the bytes."""
    if 'fill="none"' in attrs:
        body = body.replace(' fill="none" vector-effect="none"', "")
    return body.replace(' vector-effect="none"', "")


def compact_svg(svg: str) -> str:
    """Qt's SVG drawn the same in fewer bytes: no XML prolog, no empty groups, sibling groups
    merged (``_merge_groups``), shapes without what their group says, coordinates to a tenth of
    a pixel (curves without the ``L`` of each point)."""
    svg = _XML_HEAD.sub("", svg)
    svg = _EMPTY_GROUP.sub("", svg)
    svg = _merge_groups(svg)
    svg = _PATH_D.sub(_short_path, svg)
    return _POINTS.sub(_short_points, svg).strip()


def inline_svg(svg: str, width: int, height: int, label: str) -> str:
    """A chart's SVG (``compact_svg``) as an element of the page: its size in pixels (the page
    scales it down on a narrow screen), fonts with a generic fallback."""
    svg = _FONT.sub(lambda m: f'font-family="{m.group(1)}, sans-serif"' if "sans-serif" not in m.group(1)
                    else m.group(0), svg)
    return _SIZE.sub(lambda m: f'<svg{m.group(1)} width="{width}" height="{height}" role="img" '
                     f'aria-label="{_html.escape(label)}"', svg, count=1)


def data_link(csv_text: str) -> str:
    return "data:text/csv;charset=utf-8," + quote(csv_text, safe=",.:;-_/+=()")


def data_inside(parts: Sequence[ChartPart]) -> bool:
    return sum(len(c.csv) for c in parts) <= INLINE_DATA_LIMIT


def file_name(index: int, name: str) -> str:
    """A chart's CSV file name: its place and a safe form of its name (``03-val_loss.csv``)."""
    safe = re.sub(r"[^\w.-]+", "_", name).strip("._") or "chart"
    return f"{index:02d}-{safe[:60]}.csv"


CSS = """
:root { color-scheme: light; }
body { margin: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d1f23; background: #ffffff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
.meta { color: #555; margin: 0; } .meta dt { font-weight: 600; float: left; clear: left; width: 7em; }
.meta dd { margin: 0 0 2px 7.5em; }
.runs { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 13px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 3px 10px 3px 4px; text-align: left; white-space: nowrap; }
th { background: #f4f4f4; position: sticky; top: 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
figure { margin: 0; max-width: 100%; } figure svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #555; margin-top: 2px; } figcaption a { color: #2a62b8; }
footer { margin-top: 32px; font-size: 12px; color: #777; }
@media print { body { margin: 0; } figure { break-inside: avoid; } .runs { overflow: visible; } }
"""


def html(p: ReportPlan, parts: Sequence[ChartPart], version: str = "") -> str:
    """The page: header, runs table, each chart as inline SVG with its data (inside the page as
    a data: link, or beside it when ``part.data_href`` says where)."""
    e = _html.escape
    made = _dt.datetime.fromtimestamp(p.made).astimezone()
    shown = f"{len(p.runs)} of {p.total}" if len(p.runs) != p.total else f"all {p.total}"
    meta = [("Project", e(p.project)), ("Charts", e(p.chart_set) + f" ({len(p.charts)})"),
            ("Runs", f"{shown} runs"), ("Filter", e(p.filter_text) if p.filter_text else "none")]
    if p.group_by is not None:
        meta.append(("Grouped by", e(str(p.group_by)) + (f" ({len(p.groups)} groups, each drawn as its mean "
                                                         f"and band)" if p.groups else " (one run: not grouped)")))
    meta.append(("Made", e(made.strftime("%Y-%m-%d %H:%M %Z").strip())))
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           # nothing outside the file may be fetched: the page is whole by itself
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
           'style-src \'unsafe-inline\'; img-src data:">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f'<meta name="generator" content="ChartDesk {e(version)}">',
           f"<title>{e(p.project)} — {e(p.chart_set)} — ChartDesk report</title>",
           f"<style>{CSS}</style>", "</head>", "<body>", "<header>",
           f"<h1>{e(p.project)}</h1>", '<dl class="meta">']
    out += [f"<dt>{k}</dt><dd>{v}</dd>" for k, v in meta]
    out += ["</dl>", "</header>", '<section id="runs">', f"<h2>Runs ({len(p.runs)})</h2>", '<div class="runs">',
            "<table>", "<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in p.headers) + "</tr></thead>", "<tbody>"]
    for r, cells in zip(p.rows, table_cells(p)):
        tds = []
        for h, text in zip(p.headers, cells):
            v = row_value(r, h) if h != "group" else None
            if h == "name":
                st = p.styles.get(r["experiment"])
                sw = f'<span class="sw" style="background:{st.color}"></span>' if st is not None else ""
                tds.append(f"<td>{sw}{e(text)}</td>")
            elif h == "state":
                tds.append(f'<td style="color:{STATE_COLORS.get(text, "#888")}">{e(text)}</td>')
            elif isinstance(v, (int, float)) and not isinstance(v, bool) and h not in ("created", "duration"):
                tds.append(f'<td class="num">{e(text)}</td>')
            else:
                tds.append(f"<td>{e(text)}</td>")
        out.append(f'<tr data-run="{e(r["experiment"])}">' + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>", "</div>", "</section>", '<section id="charts">', f"<h2>{e(p.chart_set)}</h2>"]
    if not parts:
        out.append('<p class="meta">No charts.</p>')
    out.append('<div class="charts">')
    for i, c in enumerate(parts, 1):
        name = file_name(i, c.name)
        href = c.data_href or data_link(c.csv)
        where = "beside this file" if c.data_href else "in this file"
        out += [f'<figure id="chart-{i}" data-chart="{e(c.name)}">',
                inline_svg(c.svg, c.width, c.height, c.name),
                f'<figcaption>{e(c.name)} · <a download="{e(name)}" href="{e(href)}">data (CSV, '
                f'{c.rows:,} rows, {where})</a></figcaption>', "</figure>"]
    out += ["</div>", "</section>",
            f"<footer>Made by ChartDesk {e(version)}. Every curve and "
            "legend entry of each chart is drawn; its CSV holds every point at full resolution.</footer>",
            "</body>", "</html>", ""]
    return "\n".join(out)
