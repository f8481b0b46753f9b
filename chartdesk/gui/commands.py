"""Undoable edits: small QUndoCommands that know their inverse and write through the workspace.

Consecutive reorders of one alias merge into one undo step (``mergeWith``).
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..model import Chart, ChartSet

ALIAS_ID = 1001


class SetAliasCommand(QUndoCommand):
    """Create, replace, reorder or delete (``new is None``) an alias."""

    def __init__(self, workspace, name: str, new: list[str] | None, text: str | None = None) -> None:
        old = workspace.alias(name)
        super().__init__(text or (f"Delete alias {name}" if new is None else f"Edit alias {name}"))
        self._ws = workspace
        self.name = name
        self.old = None if old is None else list(old)
        self.new = None if new is None else list(new)
        self.reorder = old is not None and new is not None and sorted(old) == sorted(new)

    def id(self) -> int:  # noqa: A003 - Qt's name
        return ALIAS_ID

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not (isinstance(other, SetAliasCommand) and other.name == self.name and self.reorder and other.reorder):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        self._ws.write_alias(self.name, self.new)

    def undo(self) -> None:
        self._ws.write_alias(self.name, self.old)


class ReplaceChartSetsCommand(QUndoCommand):
    """Any change to the project's chart sets: the whole ordered list before and after."""

    def __init__(self, workspace, new: list[ChartSet], text: str) -> None:
        super().__init__(text)
        self._ws = workspace
        self.old = workspace.chart_sets()
        self.new = list(new)

    def redo(self) -> None:
        self._ws.write_chart_sets(self.new)

    def undo(self) -> None:
        self._ws.write_chart_sets(self.old)


class SetExperimentChartsCommand(QUndoCommand):
    def __init__(self, workspace, experiment: str, new: list[Chart], text: str) -> None:
        super().__init__(text)
        self._ws = workspace
        self.experiment = experiment
        self.old = workspace.experiment_charts(experiment)
        self.new = list(new)

    def redo(self) -> None:
        self._ws.write_experiment_charts(self.experiment, self.new)

    def undo(self) -> None:
        self._ws.write_experiment_charts(self.experiment, self.old)
