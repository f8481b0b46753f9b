"""Which rows of the project tree a person opened, without Qt: projects and experiments, by name.

The tree shows what this holds: a row that comes (the catalog read, a filter cleared, the window
opened again) is expanded when its key is here, and with no filter the other rows are collapsed.
The person's expanding and collapsing change it (the shown project, opened for them, counts as
theirs: they may close it); what a filter opens for a while (every project) does not, so clearing
the filter gives back the tree as it was left.

Kept per store (``preferences.TREE_EXPANDED``) as one string per row: the project's name, or the
project's and the experiment's, each escaped as a key level (``preferences.escape``, so neither
holds a ``/``) and joined by ``/``.
"""
from __future__ import annotations

from collections.abc import Iterable

from .preferences import escape, unescape

Row = tuple[str, ...]
"""(project,) or (project, experiment)."""


class Expansion:
    """The rows a person expanded (a set of ``Row``), with the rules for renames and deletions."""

    def __init__(self, rows: Iterable[Row] = ()) -> None:
        self._rows: set[Row] = {tuple(r) for r in rows if 1 <= len(r) <= 2}

    # ---- the person's gestures --------------------------------------------------------------
    def set(self, row: Row, expanded: bool) -> bool:
        """Expanded or collapsed by the person; True when that changed what is kept."""
        row = tuple(row)
        if not 1 <= len(row) <= 2 or (row in self._rows) == expanded:
            return False
        (self._rows.add if expanded else self._rows.discard)(row)
        return True

    def __contains__(self, row: Row) -> bool:
        return tuple(row) in self._rows

    def rows(self) -> list[Row]:
        """Projects before their experiments (a parent is opened before its children)."""
        return sorted(self._rows, key=lambda r: (len(r), r))

    # ---- what happened to the rows ----------------------------------------------------------
    def rename_project(self, old: str, new: str) -> None:
        self._rows = {((new, *r[1:]) if r[0] == old else r) for r in self._rows}

    def rename_experiment(self, project: str, old: str, new: str) -> None:
        self._rows = {((project, new) if r == (project, old) else r) for r in self._rows}

    def keep_projects(self, projects: Iterable[str]) -> bool:
        """Forget the rows of projects the store no longer has; True when some went."""
        keep = set(projects)
        before = len(self._rows)
        self._rows = {r for r in self._rows if r[0] in keep}
        return len(self._rows) != before

    # ---- as kept in the settings --------------------------------------------------------------
    def to_strings(self) -> list[str]:
        return ["/".join(escape(part) for part in row) for row in self.rows()]

    @classmethod
    def from_strings(cls, texts: Iterable[str]) -> Expansion:
        """What ``to_strings`` wrote; a string it cannot have written is skipped."""
        rows = []
        for text in texts:
            try:
                row = tuple(unescape(part) for part in str(text).split("/"))
            except ValueError:
                continue
            if 1 <= len(row) <= 2:
                rows.append(row)
        return cls(rows)
