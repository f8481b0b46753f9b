"""The runs table's columns as a person arranged them, without Qt: which summary columns they added,
the order the columns are shown in, the hidden ones, widths, and the sort. The Qt table adapts it
(``chartdesk.gui.runs_table``): its header shows this order and these widths, and every change the
person makes there (the header's menu, a drag of a section or of its edge, a click to sort) is
made here first, then saved with the project (``preferences.RUNS_*``).

The table's own columns come in a fixed order (run fields, params by name, summary columns in the
order added); ``shown_order`` lays them out as the person left them. ``name`` is always first and
always shown: it is the frozen column that stays while the others scroll. A column the order does
not name yet (a param that appeared, a summary just added) is placed after the column it follows
in the table's own order, or at the end when it comes after every column the order names: a new
summary column comes at the end, a new param beside its neighbour.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import offload
from . import preferences as prefs
from .cells import NumberFormat, cell_text, column_formats
from .runfilter import row_value

FROZEN = "name"
#: The run fields every runs table starts with, in this order.
FIELDS = ("name", "state", "tags", "created", "duration")
#: How many rows (spread over the table) a column's width is measured from, and how many of its
#: longest texts are measured.
WIDTH_SAMPLE = 200
WIDTH_TEXTS = 3


def headers_of(rows: Sequence[Mapping], columns: Sequence[str]) -> list[str]:
    """The table's own columns for these rows: run fields, params by name, the summary columns."""
    return [*FIELDS, *sorted({k for r in rows for k in r.get("_flat", {})}), *columns]


def longest_texts(headers: Sequence[str], rows: Sequence[Mapping], formats: Mapping[str, NumberFormat],
                  sample: int = WIDTH_SAMPLE, keep: int = WIDTH_TEXTS) -> dict[str, tuple[str, ...]]:
    """Per column, its ``keep`` longest cell texts (in characters) among ``sample`` rows spread
    evenly over ``rows``: what the column's width is measured from, so that the GUI thread
    measures three strings per column instead of reading and formatting a sample of cells."""
    n = len(rows)
    picked = [rows[i * n // sample] for i in range(sample)] if n > sample else list(rows)
    out = {}
    for col in headers:
        texts = {cell_text(col, row_value(r, col), formats.get(col)) for r in picked}
        out[col] = tuple(sorted(texts, key=lambda t: (-len(t), t))[:keep])
    return out


@dataclass(frozen=True)
class TableRows:
    """A project's runs-table rows with what the table needs of every cell, worked out where the
    rows are computed (a worker process for a large project): the columns, each column's number
    format (it reads every cell) and its longest texts (its width)."""

    rows: list[dict]
    headers: list[str]
    formats: dict[str, NumberFormat]
    longest: dict[str, tuple[str, ...]]


def table_rows(store, project: str, columns: Sequence[str]) -> TableRows:
    """The rows of ``offload.rows`` with their columns, number formats and longest texts (run in
    the window's worker process, or on a thread of the table: never on the GUI thread)."""
    rows = offload.rows(store, project, list(columns))
    headers = headers_of(rows, list(columns))
    formats = column_formats(headers, rows, row_value)
    return TableRows(rows, headers, formats, longest_texts(headers, rows, formats))


@dataclass
class ColumnLayout:
    summaries: list[str] = field(default_factory=list)     # REF:REDUCER, in the order added
    order: list[str] = field(default_factory=list)         # columns left to right, as last arranged
    hidden: set[str] = field(default_factory=set)
    widths: dict[str, int] = field(default_factory=dict)   # as the person sized them
    sort: tuple[str, bool] | None = None                   # (column, descending)

    # ---- what is shown --------------------------------------------------------------------------
    def shown_order(self, columns: Sequence[str]) -> list[str]:
        """``columns`` (the table's, in its own order) left to right as the person arranged them."""
        present = set(columns)
        out = [c for c in dict.fromkeys(self.order) if c in present and c != FROZEN]
        placed = set(out)
        for i, col in enumerate(columns):
            if col in placed or col == FROZEN:
                continue
            if not any(c in placed for c in columns[i + 1:]):  # the table's last ones: at the end
                out.append(col)
            else:
                before = next((columns[k] for k in range(i - 1, -1, -1) if columns[k] in placed), None)
                out.insert(0 if before is None else out.index(before) + 1, col)
            placed.add(col)
        return ([FROZEN] if FROZEN in present else []) + out

    def is_hidden(self, column: str) -> bool:
        return column != FROZEN and column in self.hidden

    # ---- the person's changes (each True when something changed) --------------------------------
    def add_summary(self, column: str) -> bool:
        if column in self.summaries:
            return False
        self.summaries.append(column)
        self.hidden.discard(column)  # added again: shown
        return True

    def remove_summary(self, column: str) -> bool:
        """A summary column out of the table, with its place, width and sort."""
        if column not in self.summaries:
            return False
        self.summaries.remove(column)
        self.order = [c for c in self.order if c != column]
        self.hidden.discard(column)
        self.widths.pop(column, None)
        if self.sort is not None and self.sort[0] == column:
            self.sort = None
        return True

    def set_hidden(self, column: str, hidden: bool) -> bool:
        if column == FROZEN or (column in self.hidden) == hidden:
            return False
        (self.hidden.add if hidden else self.hidden.discard)(column)
        return True

    def show_all(self) -> bool:
        changed = bool(self.hidden)
        self.hidden.clear()
        return changed

    def arrange(self, shown: Sequence[str]) -> bool:
        """The columns are now left to right as ``shown`` (a drag of a header section)."""
        new = [FROZEN] + [c for c in shown if c != FROZEN] if FROZEN in shown else list(shown)
        if new == self.order:
            return False
        self.order = new
        return True

    def move(self, columns: Sequence[str], column: str, step: int) -> bool:
        """Move ``column`` ``step`` places among the shown columns of ``columns`` (-1: left), past
        hidden ones; never before ``name``."""
        order = self.shown_order(columns)
        if column == FROZEN or column not in order:
            return False
        visible = [c for c in order if not self.is_hidden(c)]
        i = visible.index(column) if column in visible else -1
        j = i + step
        if i < 0 or not 1 <= j < len(visible):
            return False
        target = visible[j]
        order.remove(column)
        at = order.index(target)
        order.insert(at + 1 if step > 0 else at, column)
        return self.arrange(order)

    def set_width(self, column: str, width: int) -> bool:
        width = int(width)
        if width <= 0 or self.widths.get(column) == width:
            return False
        self.widths[column] = width
        return True

    def forget_width(self, column: str) -> bool:
        return self.widths.pop(column, None) is not None

    def set_sort(self, column: str | None, descending: bool = False) -> bool:
        new = None if not column else (column, bool(descending))
        if new == self.sort:
            return False
        self.sort = new
        return True

    # ---- kept with the project --------------------------------------------------------------------
    def values(self) -> dict[prefs.Key, Any]:
        """Each setting of the layout and its value (``preferences`` keys, per project)."""
        return {
            prefs.RUNS_COLUMNS: list(self.summaries),
            prefs.RUNS_ORDER: list(self.order),
            prefs.RUNS_HIDDEN: sorted(self.hidden),
            prefs.RUNS_WIDTHS: [f"{c}={w}" for c, w in self.widths.items()],
            prefs.RUNS_SORT: self.sort[0] if self.sort else "",
            prefs.RUNS_SORT_DESC: bool(self.sort and self.sort[1]),
        }

    @classmethod
    def load(cls, get: Callable[[prefs.Key], Any]) -> ColumnLayout:
        """The layout from its settings (``get(key)`` reads one); a width it cannot read is skipped."""
        widths = {}
        for text in get(prefs.RUNS_WIDTHS):
            col, _, px = str(text).rpartition("=")
            if col and px.isdigit() and int(px) > 0:
                widths[col] = int(px)
        sort = str(get(prefs.RUNS_SORT))
        return cls(summaries=list(dict.fromkeys(map(str, get(prefs.RUNS_COLUMNS)))),
                   order=list(dict.fromkeys(map(str, get(prefs.RUNS_ORDER)))),
                   hidden={str(c) for c in get(prefs.RUNS_HIDDEN)} - {FROZEN},
                   widths=widths,
                   sort=(sort, bool(get(prefs.RUNS_SORT_DESC))) if sort else None)


def visible(columns: Iterable[str], layout: ColumnLayout) -> list[str]:
    """The columns a person sees, left to right."""
    return [c for c in layout.shown_order(list(columns)) if not layout.is_hidden(c)]
