"""A project's run filter: its text, what it parsed to (or why not), and the runs it shows.

The filter takes the grammar of ``chartdesk.query`` and is evaluated on the rows of
``chartdesk.runs.table`` (params, run fields and the summary columns it reads), which the window
computes off the GUI thread. ``shown`` is None while nothing is filtered (no text, a bad
expression, or rows not computed yet), else the set of run names that pass. It is the one truth
of what is filtered out: the runs table's rows, the charts, groups and exports all ask it.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from .. import query
from ..errors import ChartDeskError


def row_value(row: Mapping[str, Any], column: str) -> Any:
    """A run's value in a column of the runs table (a run field, a param or a summary column)."""
    if column in ("name", "experiment"):
        return row["experiment"]
    if column in ("state", "tags", "created", "finished"):
        return row[column]
    if column == "duration":
        return (row["finished"] - row["created"]) if row["finished"] and row["created"] else None
    if column in row["columns"]:
        return row["columns"][column]
    return row["_flat"].get(column)


def lookup(row: Mapping[str, Any]) -> Callable[[str], Any]:
    return lambda name: row_value(row, name)


class RunFilter:
    def __init__(self) -> None:
        self.text = ""
        self.error = ""
        self.tree = None
        self._rows: list[Mapping[str, Any]] | None = None
        self.shown: frozenset[str] | None = None

    def set_text(self, text: str, aliases: Collection[str] = ()) -> None:
        """Parse ``text``; a bad expression keeps its text, says why in ``error`` and filters nothing."""
        self.text = str(text)
        self.error = ""
        self.tree = None
        if self.text.strip():
            try:
                tree = query.parse(self.text)
                for n in query.names(tree):
                    if ":" in n:
                        query.parse_column(n, aliases)
                self.tree = tree
            except ChartDeskError as exc:
                self.error = str(exc)
        self._evaluate()

    def set_rows(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._rows = list(rows)
        self._evaluate()

    def needs(self, columns: Collection[str]) -> list[str]:
        """REF:REDUCER names the filter reads that are not among ``columns`` (computed with them)."""
        return [n for n in (query.names(self.tree) if self.tree is not None else []) if ":" in n and n not in columns]

    def _evaluate(self) -> None:
        if self.tree is None or self._rows is None:
            self.shown = None
            return
        self.shown = frozenset(r["experiment"] for r in self._rows if query.evaluate(self.tree, lookup(r)))
