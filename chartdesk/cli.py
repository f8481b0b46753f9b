"""The ``chartdesk`` command line (design section 4.2).

Store commands run without Qt; the GUI and ``render`` import ``chartdesk.gui`` only when asked.
Bad input ends with one line on stderr and a non-zero exit code, never a traceback.
"""
from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Sequence
from contextlib import contextmanager

from .errors import ChartDeskError, InvalidInput
from .model import BANDS, LEGEND_ORDERS, LEGENDS, X_AXES, Chart, SeriesRef
from .smoothing import KINDS as SMOOTHING_KINDS


def _db_parent() -> argparse.ArgumentParser:
    # --db is accepted before the command and after it; after wins.
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--db", default=argparse.SUPPRESS, metavar="DB",
                   help="store: SQLite path or SQLAlchemy URL (default: $CHARTDESK_DB or the user data folder)")
    return p


class _Parser(argparse.ArgumentParser):
    """Usage errors are one line too: what was wrong, and where to read more."""

    def error(self, message: str):  # argparse's name
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    db = _db_parent()
    parser = _Parser(prog="chartdesk", description="Compare machine-learning experiments: "
                                     "ordered aliases and project-wide chart sets.", parents=[db])
    parser.add_argument("--project", help="project to show when the window opens")
    parser.add_argument("--experiment", help="experiment to select when the window opens")
    parser.add_argument("--screenshot", metavar="PNG", help="open the window, draw every chart, save a PNG, exit")
    parser.add_argument("--theme", choices=("auto", "light", "dark"), default="auto", help="colour theme of the window")
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("demo", parents=[db], help="fill the store with demo projects (idempotent)")

    p = sub.add_parser("ls", parents=[db], help="list projects, a project's experiments or an experiment's channels")
    p.add_argument("project", nargs="?")
    p.add_argument("experiment", nargs="?")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("alias", parents=[db], help="aliases: ordered channel names, the first present wins")
    asub = p.add_subparsers(dest="alias_command", metavar="ACTION", required=True)
    a = asub.add_parser("set", parents=[db], help="create or replace an alias; the order is the priority")
    a.add_argument("project")
    a.add_argument("name")
    a.add_argument("channels", nargs="+", metavar="CHANNEL")
    a = asub.add_parser("ls", parents=[db], help="list a project's aliases")
    a.add_argument("project")
    a.add_argument("--json", action="store_true")
    a = asub.add_parser("rm", parents=[db], help="delete an alias")
    a.add_argument("project")
    a.add_argument("name")
    a = asub.add_parser("rename", parents=[db], help="rename an alias; its pins and every chart series that plots "
                        "it follow in the same transaction")
    a.add_argument("project")
    a.add_argument("name")
    a.add_argument("new")
    a = asub.add_parser("pin", parents=[db], help="make an alias mean this channel in one run (while it has it)")
    a.add_argument("project")
    a.add_argument("experiment")
    a.add_argument("name", metavar="ALIAS")
    a.add_argument("channel")
    a = asub.add_parser("unpin", parents=[db], help="remove a run's pin of an alias")
    a.add_argument("project")
    a.add_argument("experiment")
    a.add_argument("name", metavar="ALIAS")

    p = sub.add_parser("resolve", parents=[db], help="which channel an alias means in each experiment")
    p.add_argument("project")
    p.add_argument("alias")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("runs", parents=[db], help="the runs table: fields, params and summary columns, filtered "
                       "and sorted", description="Filter grammar: lr < 0.01 and optimizer == \"adam\"; "
                       "state == \"failed\"; \"baseline\" in tags; accuracy:max > 0.9; name ~ \"seed\"")
    p.add_argument("project")
    p.add_argument("--where", metavar="EXPR", help="filter expression")
    p.add_argument("--sort", metavar="COLUMN", help="a field, a param (a.b for nested) or REF:REDUCER")
    p.add_argument("--desc", action="store_true", help="sort descending (missing values stay last)")
    p.add_argument("--column", action="append", default=[], metavar="REF:REDUCER",
                   help="add a summary column, e.g. alias:accuracy:max or channel:loss:last (repeatable); reducers: "
                        "first last min max mean argmin argmax count")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--csv", action="store_true")

    p = sub.add_parser("diff", parents=[db], help="two or more runs side by side: params, tags, state, times, summary "
                       "columns and their shared channels' first/last/min/max, against a reference run",
                       description="Rows: run fields, params (nested ones as a.b), tags, the --column summary columns, "
                       "each alias that resolves in every run (the channel it means, and its first/last/min/max) and each "
                       "channel every run has. Only the rows where some run differs from the reference are shown unless "
                       "--all. A value a run does not have is shown as (missing).")
    p.add_argument("project")
    p.add_argument("runs", nargs="+", metavar="RUN", help="two or more runs of the project")
    p.add_argument("--all", action="store_true", help="every row, also those where the runs agree")
    p.add_argument("--reference", metavar="RUN", help="the run the others are compared with (default: the first)")
    p.add_argument("--column", "--columns", dest="column", action="append", default=[], metavar="REF:REDUCER",
                   help="a summary column as in chartdesk runs, e.g. accuracy:max or channel:loss:last (repeatable)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("importance", parents=[db], help="which params go with a summary column: Spearman correlation "
                       "and a random forest's permutation importance, over the runs a filter passes",
                       description="Categorical params are one-hot (a row per value, optimizer=adam), booleans 0/1. "
                       "The forest needs scikit-learn (pip install 'chartdesk[sweep]') and at least "
                       "8 runs with the metric; without either the correlations are still given, with a note.")
    p.add_argument("project")
    p.add_argument("--metric", required=True, metavar="REF:REDUCER", help="a summary column, e.g. accuracy:max")
    p.add_argument("--where", metavar="EXPR", help="only the runs this filter passes (the runs grammar)")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("chartset", parents=[db], help="project-level chart sets")
    csub = p.add_subparsers(dest="chartset_command", metavar="ACTION", required=True)
    c = csub.add_parser("add", parents=[db], help="add a chart to a chart set (or replace the chart of that name)")
    c.add_argument("project")
    c.add_argument("set")
    c.add_argument("chart")
    c.add_argument("refs", nargs="+", metavar="REF", help="alias:NAME, channel:NAME or expr:EXPRESSION "
                   "(a series computed per run: 'expr:1 - accuracy')")
    c.add_argument("--log-y", action="store_true", help="logarithmic y axis")
    c.add_argument("--x-axis", default="step", metavar="X",
                   help=f"{', '.join(X_AXES)}, or channel:NAME / alias:NAME for x from data (matched by step)")
    c.add_argument("--log-x", action="store_true", help="logarithmic x axis")
    for axis in ("y", "x"):
        c.add_argument(f"--symlog-{axis}", action="store_true",
                       help=f"symmetric log {axis} axis, for values that cross zero: linear within ±T, "
                            "logarithmic outside (matplotlib's symlog)")
        c.add_argument(f"--linthresh-{axis}", type=float, default=1.0, metavar="T",
                       help=f"the linear region ±T of --symlog-{axis} (default 1)")
    c.add_argument("--right", action="append", default=[], metavar="REF",
                   help="draw this series (one of the REFs) against a right y axis, autoranged on its own; "
                        "repeat for more")
    c.add_argument("--band", choices=BANDS, default="std",
                   help="how a group of runs spreads around its mean in the window: std, sem (standard error) "
                        "or minmax (default std)")
    c.add_argument("--smoothing", type=float, default=0.0,
                   help="0: none; for ema and twema a weight in [0, 1), for sma and cma a window of points, "
                        "for gauss sigma in points")
    c.add_argument("--legend", choices=LEGENDS, default="below",
                   help="where the chart's legend is: below (the plot, default), side (beside it, where the names "
                        "fit) or off")
    c.add_argument("--legend-order", choices=LEGEND_ORDERS, default="plotted",
                   help="the order of the legend's entries: plotted (default), name (natural: run2 before run10) "
                        "or last (by last value in view, highest first)")
    c.add_argument("--legend-crosshair", action="store_true",
                   help="while the pointer is over the chart (or a linked chart), list the legend by the values "
                        "under the crosshair, highest first; --legend-order again when it leaves")
    c.add_argument("--smoothing-kind", choices=list(SMOOTHING_KINDS), default="ema",
                   help="ema (TensorBoard's, default), twema (W&B's time-weighted EMA), sma (trailing moving "
                        "average), cma (centred), gauss (gaussian)")
    c = csub.add_parser("ls", parents=[db], help="list chart sets")
    c.add_argument("project")
    c.add_argument("--json", action="store_true")
    c = csub.add_parser("rm", parents=[db], help="delete a chart set")
    c.add_argument("project")
    c.add_argument("set")

    p = sub.add_parser("layout", parents=[db], help="chart sets and aliases as a YAML file: export, apply to a "
                       "project, check how they fit its runs", description="The file format is in the README "
                       "(\"Layout files\"). A file that cannot be read is one line naming the file, line and key, "
                       "and nothing is written.")
    lsub = p.add_subparsers(dest="layout_command", metavar="ACTION", required=True)
    q = lsub.add_parser("export", parents=[db], help="write a project's chart sets and the aliases they use as YAML")
    q.add_argument("project")
    q.add_argument("--chart-set", dest="layout_sets", action="append", metavar="NAME",
                   help="only this chart set and the aliases it plots (repeatable; default: every set and alias)")
    q.add_argument("--pins", action="store_true", help="the runs' pins of those aliases too (per run: off by default)")
    q.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    q = lsub.add_parser("apply", parents=[db], help="add a layout file's aliases and chart sets to a project (made "
                        "when missing) in one transaction", description="An alias or chart set of the same name that "
                        "differs is a conflict: each is listed and nothing changes (exit 1), unless --replace.")
    q.add_argument("project")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--replace", action="store_true", help="take the file's alias or chart set where the project's differs")
    q.add_argument("--dry-run", action="store_true", help="print what would change and change nothing")
    q = lsub.add_parser("check", parents=[db], help="how the project's chart sets (or a layout file's) fit its runs, "
                        "and aliases that would cover the gaps")
    q.add_argument("project")
    q.add_argument("file", nargs="?", metavar="FILE", help="a layout file, checked as if applied with --replace")
    q.add_argument("--where", metavar="EXPR", help="only the runs this filter passes (the runs grammar)")
    q.add_argument("--json", action="store_true")

    p = sub.add_parser("rm", parents=[db], help="delete a project, or one experiment of it, with all its points "
                       "(cannot be undone)")
    p.add_argument("project")
    p.add_argument("experiment", nargs="?")
    p = sub.add_parser("mv", parents=[db], help="rename a project (chartdesk mv P NEW) or an experiment "
                       "(chartdesk mv P E NEW); aliases and chart sets follow")
    p.add_argument("names", nargs="+", metavar="NAME", help="PROJECT [EXPERIMENT] NEW")

    p = sub.add_parser("notes", parents=[db], help="a run's notes: print them, or replace them (--set, --file)")
    p.add_argument("project")
    p.add_argument("experiment")
    given = p.add_mutually_exclusive_group()
    given.add_argument("--set", metavar="TEXT", help="replace the notes with TEXT ('' clears them)")
    given.add_argument("--file", metavar="FILE", help="replace the notes with a UTF-8 file's text (- reads stdin)")
    p = sub.add_parser("tag", parents=[db], help="a run's tags: print them, or add and remove some first")
    p.add_argument("project")
    p.add_argument("experiment")
    p.add_argument("--add", nargs="+", default=[], metavar="TAG")
    p.add_argument("--remove", nargs="+", default=[], metavar="TAG")

    p = sub.add_parser("desktop", help="add ChartDesk to (or remove it from) the desktop's application menu")
    p.add_argument("desktop_action", choices=("install", "uninstall"))

    p = sub.add_parser("check", parents=[db], help="check a store file for damage; --repair copies everything "
                       "readable into a new store beside it (the damaged file is never written)")
    p.add_argument("--repair", action="store_true")
    p.add_argument("--out", dest="repair_out", metavar="FILE", help="where --repair writes (default NAME.repaired.db)")

    p = sub.add_parser("export", parents=[db], help="write a channel as CSV (header x,y,t)")
    p.add_argument("project")
    p.add_argument("experiment")
    p.add_argument("channel")
    p.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    p = sub.add_parser("import", parents=[db], help="import what other tools wrote: neptune-exporter exports, "
                       "Neptune 2/3 offline runs, TensorBoard, MLflow, W&B, trackio, goodseed, DVCLive, Sacred, "
                       "Lightning/Keras/SB3/Ray/YOLO tables, CSV, JSON lines, HF trainer_state.json (folders are searched)",
                       description="Every readable file is imported; each file that is not is listed with why. "
                       "Exit status: 0 all imported, 3 some files refused, 1 nothing imported.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--project", dest="import_project", default=None,
                   help="the project everything goes into (default: the project each Neptune or trackio run "
                   "names, else one named after the import folder)")
    p.add_argument("--each-file", action="store_true",
                   help="keep every file of a run folder as its own experiment (folder/file-stem) instead of one "
                   "experiment per run folder read from its most complete file")

    p = sub.add_parser("follow", parents=[db], help="follow log folders while their runs train: import what is "
                       "there, then append points as the files grow (TensorBoard, CSV, JSON lines, MLflow, DVCLive)",
                       description="Runs until Ctrl-C (or --seconds). Followed runs are 'running'; when following "
                       "stops they get the state their files say (or succeeded), and everything imported stays. "
                       "Exit status: 0, or 3 when some files could not be read (each is named once).")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--project", dest="follow_project", required=True)
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")

    p = sub.add_parser("copy", help="copy projects between stores (SQLite <-> PostgreSQL): experiments, points, "
                       "aliases, chart sets, pins",
                       description="Copies every project of SRC (or the --project ones) into DST, created if missing. "
                       "A second copy changes nothing; a run that grew sends only its new points. Nothing only DST "
                       "has is deleted; an experiment of the same name that is another run is refused and left as it "
                       "is. Exit status: 0 all copied, 3 some experiments refused, 1 all refused.")
    p.add_argument("src", metavar="SRC", help="store to read: SQLite path or SQLAlchemy URL")
    p.add_argument("dst", metavar="DST", help="store to write: SQLite path or SQLAlchemy URL")
    p.add_argument("--project", dest="copy_projects", action="append", metavar="P", help="copy only this project "
                   "(repeatable)")

    p = sub.add_parser("render", parents=[db], help="headless picture of an experiment's chart set: PNG, or SVG "
                       "when --out ends in .svg")
    p.add_argument("--project", dest="render_project", required=True)
    p.add_argument("--experiment", dest="render_experiment", required=True)
    p.add_argument("--chart-set", help="default: the project's first chart set, or one chart per channel")
    p.add_argument("--out", required=True, metavar="FILE", help="a .png or .svg file")
    p.add_argument("--width", type=int, default=1200, help="pixels (200 to 20000)")
    p.add_argument("--scale", type=int, default=1, choices=(1, 2, 3, 4), help="PNG pixel scale (sharper text and lines)")

    p = sub.add_parser("report", parents=[db], help="a report anyone can open: the runs table and every chart of a "
                       "chart set (vectors, legends, group bands) with its data, as one HTML file or a PDF",
                       description="One self-contained HTML file (no network, no scripts, no fonts): a header (project, "
                       "date, filter), the runs table, each chart as inline SVG with its data as CSV (inside the file, or "
                       "in NAME_data/ beside it when large). --out F.pdf writes a PDF (its CSV beside it). Filtered-out "
                       "runs are in no part of it.")
    p.add_argument("project")
    p.add_argument("--chart-set", help="default: the project's first chart set, or one chart per channel")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--where", metavar="EXPR", help="only the runs this filter passes (the runs grammar)")
    which.add_argument("--runs", nargs="+", metavar="RUN", help="only these runs")
    p.add_argument("--group-by", metavar="PARAMS", help='draw groups of runs as mean and band: lr, optimizer.name, tags, '
                   'name ~ "(.*)-seed\\d+"')
    p.add_argument("--column", action="append", default=[], metavar="REF:REDUCER",
                   help="a summary column of the runs table, e.g. alias:accuracy:max (repeatable)")
    p.add_argument("--sort", metavar="COLUMN", help="sort the runs table by a field, a param or REF:REDUCER")
    p.add_argument("--desc", action="store_true", help="sort descending (missing values stay last)")
    p.add_argument("--out", required=True, metavar="FILE", help="a .html or .pdf file")
    return parser


#: Commands that only read: on a missing store they say so and create nothing.
READ_ONLY = {"ls", "resolve", "export", "render", "report", "runs", "diff", "importance", ("alias", "ls"),
             ("chartset", "ls")}


def _open(args):
    from .store import Store

    sub = getattr(args, "alias_command", None) or getattr(args, "chartset_command", None)
    reading = args.command in READ_ONLY or (args.command, sub) in READ_ONLY or _only_reads(args)
    return Store(getattr(args, "db", None), create=not reading)


def _only_reads(args) -> bool:
    """notes and tag without anything to write only read."""
    if args.command == "notes":
        return args.set is None and args.file is None
    return args.command == "tag" and not args.add and not args.remove


def _print_json(value) -> None:
    print(json.dumps(value, indent=2, allow_nan=True))


def cmd_demo(args) -> int:
    from .demo import seed

    with _open(args) as store:
        store.require_sound()  # a store file with damaged pages is refused before anything is written
        created = seed(store)
        where = store.describe()
    print(f"demo: {len(created)} experiments added to {where}" if created else f"demo: already in {where}")
    return 0


def cmd_ls(args) -> int:
    with _open(args) as store:
        if args.project is None:
            rows = store.projects()
            if args.json:
                _print_json(rows)
            else:
                print("\n".join(rows) if rows else "(no projects; try: chartdesk demo)")
        elif args.experiment is None:
            cat = store.catalog(args.project)
            if args.json:
                _print_json({e.name: {"state": e.state, "tags": list(e.tags), "params": dict(e.params),
                                      "channels": [c.name for c in ch]} for e, ch in cat})
            else:
                for e, ch in cat:
                    tags = f"  [{', '.join(e.tags)}]" if e.tags else ""
                    print(f"{e.name}\t{e.state}\t{len(ch)} channels{tags}")
        else:
            infos = store.channel_infos(args.project, args.experiment)
            if args.json:
                _print_json({c.name: c.count for c in infos})
            else:
                for c in infos:
                    print(f"{c.name}\t{c.count} points")
    return 0


def cmd_alias(args) -> int:
    with _open(args) as store:
        if args.alias_command == "set":
            store.set_alias(args.project, args.name, args.channels)
            print(f"{args.name} -> {', '.join(args.channels)}")
        elif args.alias_command == "rm":
            store.delete_alias(args.project, args.name)
        elif args.alias_command == "rename":
            n = store.rename_alias(args.project, args.name, args.new)
            print(f"renamed alias {args.name} to {args.new} in {args.project} ({n} chart series rewritten)")
        elif args.alias_command == "pin":
            store.set_pin(args.project, args.experiment, args.name, args.channel)
            print(f"{args.experiment}: {args.name} -> {args.channel} (pinned)")
        elif args.alias_command == "unpin":
            store.set_pin(args.project, args.experiment, args.name, None)
        else:
            table = store.aliases(args.project)
            if args.json:
                _print_json(table)
            else:
                for name, entries in table.items():
                    print(f"{name} -> {', '.join(entries) if entries else '(empty)'}")
    return 0


def cmd_resolve(args) -> int:
    with _open(args) as store:
        table = store.resolve_all(args.project, args.alias)
    if args.json:
        _print_json(table)
    else:
        width = max((len(k) for k in table), default=0)
        for exp, ch in table.items():
            print(f"{exp.ljust(width)}  -> {ch if ch is not None else '(none)'}")
    return 0


def cmd_runs(args) -> int:
    import csv as _csv

    from .query import flatten

    with _open(args) as store:
        rows = store.runs(args.project, where=args.where, sort=args.sort, descending=args.desc, columns=args.column)
    if args.json:
        _print_json(rows)
        return 0
    params = sorted({k for r in rows for k in flatten(r["params"])})
    head = ["experiment", "state", "tags", *params, *args.column]
    table = [[r["experiment"], r["state"], " ".join(r["tags"]), *(_cell(flatten(r["params"]).get(k)) for k in params),
              *(_cell(r["columns"].get(c)) for c in args.column)] for r in rows]
    if args.csv:
        w = _csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(head)
        w.writerows(table)
        return 0
    widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
    for line in [head, *table]:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip())
    return 0


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def _print_table(head: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    for line in [head, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(line, widths)).rstrip())


def cmd_diff(args) -> int:
    from .rundiff import diff

    with _open(args) as store:
        d = diff(store, args.project, args.runs, columns=args.column, reference=args.reference,
                 only_differences=not args.all)
    if args.json:
        _print_json(d.to_dict())
        return 0
    rows = d.text_rows()
    if rows:
        _print_table(["", "", *(f"{r} (reference)" if r == d.reference else r for r in d.runs)], rows)
    if args.all:
        print(f"{d.differing} of {len(d.rows)} rows differ from {d.reference}")
    elif d.differing:
        print(f"{d.differing} of {len(d.rows)} rows differ from {d.reference} (--all shows every row)")
    else:
        print(f"no differences from {d.reference} in {len(d.rows)} rows (--all shows them)")
    return 0


def cmd_importance(args) -> int:
    from .importance import HEADERS, importance

    with _open(args) as store:
        result = importance(store, args.project, args.metric, where=args.where)
    for note in result.notes():
        print(f"chartdesk: note: {note}", file=sys.stderr)
    if args.json:
        _print_json(result.to_dict())
        return 0
    where = f" passing {args.where!r}" if args.where else ""
    print(f"{args.metric} over {result.with_metric} of {result.runs} runs of {args.project}{where} "
          f"(runs with a value)")
    if result.features:
        _print_table(list(HEADERS), result.text_rows())
    return 0


def cmd_chartset(args) -> int:
    with _open(args) as store:
        if args.chartset_command == "add":
            chart = {"name": args.chart, "series": [str(SeriesRef.parse(r)) for r in args.refs],
                     "x_axis": args.x_axis, "log_y": args.log_y, "smoothing": args.smoothing, "log_x": args.log_x,
                     "band": args.band, "smoothing_kind": args.smoothing_kind, "legend": args.legend,
                     "legend_order": args.legend_order, "legend_crosshair": args.legend_crosshair,
                     "symlog_y": args.symlog_y, "linthresh_y": args.linthresh_y,
                     "symlog_x": args.symlog_x, "linthresh_x": args.linthresh_x,
                     "right_axis": [str(SeriesRef.parse(r)) for r in args.right]}
            Chart.from_dict(chart)  # a bad option is refused before the store is written
            def with_chart(existing):  # read and written in one transaction: a concurrent edit is kept
                charts = list(existing or [])
                names = [c["name"] for c in charts]
                if args.chart in names:
                    charts[names.index(args.chart)] = chart
                else:
                    charts.append(chart)
                return charts

            store.update_chart_set(args.project, args.set, with_chart)
        elif args.chartset_command == "rm":
            store.delete_chart_set(args.project, args.set)
        else:
            sets = store.chart_sets(args.project)
            if args.json:
                _print_json(sets)
            else:
                for name, charts in sets.items():
                    print(name)
                    for c in charts:
                        opts = [k for k in ("log_y", "log_x", "symlog_y", "symlog_x") if c.get(k)]
                        opts += [f"{k}={c[k]}" for k in ("x_axis", "smoothing", "smoothing_kind", "linthresh_y",
                                                         "linthresh_x") if k in c]
                        opts += [f"right axis: {', '.join(c['right_axis'])}"] if c.get("right_axis") else []
                        print(f"  {c['name']}: {', '.join(c['series'])}" + (f"  ({', '.join(opts)})" if opts else ""))
    return 0


def cmd_layout(args) -> int:
    from . import layout
    from .store import Store

    action = args.layout_command
    lay = layout.read(args.file) if getattr(args, "file", None) else None  # a bad file: nothing opened or written
    reading = action != "apply" or args.dry_run
    with Store(getattr(args, "db", None), create=not reading) as store:
        if action == "export":
            text = layout.dump(layout.export(store, args.project, args.layout_sets, args.pins))
            if args.out is None:
                sys.stdout.write(text)
            else:
                with open_out(args.out) as fh:
                    fh.write(text)
            return 0
        if action == "check":
            from .health import check

            h = check(store, args.project, lay, args.where, source=args.file)
            if args.json:
                _print_json(h.to_json())
            else:
                print("\n".join(h.lines()))
            return 0
        try:
            plan = layout.apply(store, args.project, lay, replace=args.replace, dry_run=args.dry_run,
                                source=args.file)
        except layout.LayoutConflicts as exc:
            for item in exc.plan.conflicts:
                print(f"chartdesk: {item.line()}", file=sys.stderr)
            raise
    print(f"{args.file} -> {args.project}" + (" (dry run: nothing is written)" if args.dry_run else ""))
    for line in plan.lines():
        print(f"  {line}")
    if args.dry_run:
        print(("applying would change nothing: " if plan.conflicts else "would be: ") + plan.summary())
        return 1 if plan.conflicts else 0
    print(f"applied: {plan.summary()}")
    return 0


def cmd_rm(args) -> int:
    with _open(args) as store:
        if args.experiment is None:
            n = len(store.experiments(args.project))
            store.delete_project(args.project)
            print(f"deleted project {args.project} ({n} experiment{'s' if n != 1 else ''})")
        else:
            store.delete_experiment(args.project, args.experiment)
            print(f"deleted {args.project}/{args.experiment}")
    return 0


def cmd_mv(args) -> int:
    if len(args.names) not in (2, 3):
        raise InvalidInput("mv takes PROJECT NEW or PROJECT EXPERIMENT NEW")
    with _open(args) as store:
        if len(args.names) == 2:
            store.rename_project(*args.names)
        else:
            store.rename_experiment(*args.names)
    print(f"{' / '.join(args.names[:-1])} -> {args.names[-1]}")
    return 0


def cmd_notes(args) -> int:
    from pathlib import Path

    text = args.set
    if args.file is not None:
        where = "stdin" if args.file == "-" else args.file
        try:
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{where}: cannot read the notes ({getattr(exc, 'strerror', None) or exc})") from None
    with _open(args) as store:
        if text is not None:
            store.set_notes(args.project, args.experiment, text)
        notes = store.experiment(args.project, args.experiment).notes
    if notes:
        print(notes.rstrip("\n"))
    return 0


def cmd_tag(args) -> int:
    with _open(args) as store:
        if args.add or args.remove:
            old = list(store.experiment(args.project, args.experiment).tags)
            tags = [t for t in old + [t for t in args.add if t not in old] if t not in set(args.remove)]
            store.set_tags(args.project, args.experiment, tags, expect=old)  # a tag added meanwhile is not lost
        tags = store.experiment(args.project, args.experiment).tags
    print(", ".join(tags) if tags else "(no tags)")
    return 0


def cmd_desktop(args) -> int:
    from . import desktop

    if args.desktop_action == "install":
        for path in desktop.install():
            print(f"wrote {path}")
    else:
        gone = desktop.uninstall()
        print("\n".join(f"removed {p}" for p in gone) if gone else "nothing to remove")
    return 0


def cmd_check(args) -> int:
    from pathlib import Path

    from .store import repair
    from .store.location import to_url

    _url, path = to_url(getattr(args, "db", None))
    if path is None:
        raise InvalidInput("check works on SQLite store files; a PostgreSQL server keeps its own integrity "
                           "(chartdesk copy STORE FILE.db makes a file to check)")
    report = repair.check(path, tidy=True)  # also removes what killed imports and creations left
    if report.ok:
        print(f"{path}: ok ({report.chunks} chunks)")
    else:
        print(f"{path}: the store is damaged:")
        for line in report.problems[:20]:
            print(f"  {line}")
    for line in report.notes:
        print(f"  {line}")
    if not args.repair:
        return 0 if report.ok else 1
    out, fig = repair.repair(path, Path(args.repair_out) if args.repair_out else None)
    print(f"repaired copy: {out} ({fig['points']:,} points in {fig['chunks']} chunks kept; "
          f"{fig['lost_points']:,} points lost); {path} was left as it was")
    return 0


def cmd_export(args) -> int:
    with _open(args) as store:
        s = store.read(args.project, args.experiment, args.channel)
    lines = ["x,y,t"]
    lines.extend(f"{x!r},{y!r},{t!r}" for x, y, t in zip(s.x.tolist(), s.y.tolist(), s.t.tolist()))
    text = "\n".join(lines) + "\n"
    if args.out is not None:
        with open_out(args.out) as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    return 0


@contextmanager
def open_out(path: str):
    """A file to write a command's output to, with one-line errors: an empty name, a folder, a
    FIFO no program reads (opening it would wait forever), a full disk."""
    import stat

    if not path:
        raise InvalidInput("--out needs a file name (leave --out out to write to standard output)")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = 0
    if stat.S_ISFIFO(mode):
        flags = os.O_WRONLY | os.O_NONBLOCK  # fails at once (ENXIO) when nobody reads the other end
    try:
        fd = os.open(path, flags, 0o644)
        if stat.S_ISFIFO(mode):
            os.set_blocking(fd, True)
        fh = open(fd, "w", encoding="utf-8", newline="")
    except OSError as exc:
        why = "it is a FIFO that no program is reading" if exc.errno == errno.ENXIO else exc.strerror
        raise InvalidInput(f"cannot write {path}: {why}") from None
    try:
        with fh:
            yield fh
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror}") from None


def cmd_import(args) -> int:
    from .importers import import_paths

    with _open(args) as store:
        report = import_paths(store, args.paths, args.import_project, each_file=args.each_file)
    for name, fmt, n_ch, n_pts in report.imported:
        print(f"imported {name} ({fmt}): {n_ch} channels, {n_pts:,} points")
    if report.projects:
        print("into " + ", ".join(f"{p} ({n} experiment{'s' if n != 1 else ''})" for p, n in report.projects.items()))
    for w in report.warnings:
        print(f"chartdesk: warning: {w}", file=sys.stderr)
    for line in report.refused:
        print(f"chartdesk: not imported: {line}", file=sys.stderr)
    if report.refused:
        print(f"chartdesk: {len(report.imported)} experiments imported, {len(report.refused)} files refused",
              file=sys.stderr)
    return report.exit_code


def cmd_follow(args) -> int:
    import signal
    import threading

    from .follow import Follower

    stop = threading.Event()
    if args.seconds is not None:
        timer = threading.Timer(max(0.0, args.seconds), stop.set)
        timer.daemon = True  # Ctrl-C before it fires must not leave the process waiting for it
        timer.start()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    refused = []

    def say(step) -> None:
        for name in step.new_runs:
            print(f"following {name}", flush=True)
        for line in step.refused:
            refused.append(line)
            print(f"chartdesk: not followed: {line}", file=sys.stderr, flush=True)
        for line in step.warnings:  # a resumed run's orphaned points dropped, as TensorBoard drops them
            print(f"chartdesk: {line}", file=sys.stderr, flush=True)

    with _open(args) as store:
        follower = Follower(store, args.follow_project, args.paths)
        print(f"following {', '.join(map(str, follower.roots))} into {args.follow_project}; Ctrl-C stops", flush=True)
        follower.watch(stop, say)
    print(f"stopped: {len(follower.runs)} runs, {follower.points:,} points imported")
    return 3 if refused else 0


def cmd_copy(args) -> int:
    from .store import Store
    from .store.copy import copy

    with Store(args.src, create=False) as src, Store(args.dst) as dst:
        if src.describe() == dst.describe():
            raise InvalidInput(f"SRC and DST are the same store ({src.describe()})")
        report = copy(src, dst, args.copy_projects)
        where = dst.describe()
    for line in report.refused:
        print(f"chartdesk: not copied: {line}", file=sys.stderr)
    print(f"copy -> {where}: {report.summary()}")
    return report.exit_code


def cmd_render(args) -> int:
    from .gui.render import render

    if not 200 <= args.width <= 20000:
        raise InvalidInput(f"--width must be from 200 to 20000 pixels, not {args.width}")
    with _open(args) as store:
        n = render(store, args.render_project, args.render_experiment, args.out, args.chart_set, args.width,
                   scale=args.scale)
    print(f"render: {n} chart{'s' if n != 1 else ''} -> {args.out}")
    return 0


def cmd_report(args) -> int:
    from .app.report import ReportRequest, check_suffix

    check_suffix(args.out)  # before the store is opened or a chart drawn
    from .gui.report import write_report

    request = ReportRequest(args.project, chart_set=args.chart_set, where=args.where, runs=args.runs,
                            group_by=args.group_by, columns=args.column, sort=args.sort, descending=args.desc)
    with _open(args) as store:
        r = write_report(store, request, args.out)
    data = f"; data beside it in {r.data_dir}" if r.data_dir else "; data inside it"
    print(f"report: {r.charts} chart{'s' if r.charts != 1 else ''}, {r.runs} run{'s' if r.runs != 1 else ''} -> "
          f"{r.path} ({r.size / 1e6:.2f} MB){data}")
    return 0


def cmd_gui(args) -> int:
    from .gui.app import run_gui
    from .store.store import damage_met

    code = run_gui(db=getattr(args, "db", None), project=args.project, experiment=args.experiment,
                   screenshot=args.screenshot, theme=args.theme)
    if args.screenshot and code == 0 and damage_met() is not None:
        # The window showed it on its status bar; the picture is taken, but of a damaged store.
        print(f"chartdesk: error: {damage_met()}", file=sys.stderr)
        return 1
    return code


COMMANDS = {"demo": cmd_demo, "ls": cmd_ls, "alias": cmd_alias, "resolve": cmd_resolve, "chartset": cmd_chartset,
            "export": cmd_export, "render": cmd_render, "rm": cmd_rm, "mv": cmd_mv, "check": cmd_check,
            "desktop": cmd_desktop, "import": cmd_import, "runs": cmd_runs, "copy": cmd_copy, "layout": cmd_layout,
            "follow": cmd_follow, "report": cmd_report, "diff": cmd_diff, "importance": cmd_importance,
            "notes": cmd_notes, "tag": cmd_tag}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"chartdesk {__version__}")
        return 0
    handler = COMMANDS.get(args.command, cmd_gui)
    from .logs import configure

    configure()
    try:
        code = handler(args)
        if sys.stdout is not None:
            sys.stdout.flush()  # a full device says so here, as one line, not at interpreter exit
        return code
    except ChartDeskError as exc:
        print(f"chartdesk: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # standard output on a full device, a closed terminal
        if exc.errno in (errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG):
            try:
                print(f"chartdesk: error: cannot write the output: {exc.strerror}", file=sys.stderr)
            except OSError:
                pass
            return 1
        raise
