"""Undo: one thin QUndoCommand for every edit.

An edit is a pair of plain values, before and after, and the one function that writes a value
(``apply``); undo writes ``before``, redo writes ``after``. The values come from the pure
functions of ``chartdesk.edits``; what writing means (store, resolver, notifications) is the
workspace's business. Commands of one gesture (a drag, a click) may merge; two gestures never do.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QUndoCommand

_gestures = itertools.count(1)


def new_gesture() -> int:
    """A fresh gesture id: edits pushed under different ids stay separate undo steps."""
    return next(_gestures)


class SnapshotCommand(QUndoCommand):
    """Write ``after`` on redo and ``before`` on undo, through ``apply``."""

    def __init__(self, text: str, apply: Callable[[Any], None], before: Any, after: Any,
                 key: tuple | None = None, gesture: int | None = None, applied: bool = False) -> None:
        super().__init__(text)
        self._skip_first_redo = applied  # the edit was written already (so a failed write is never pushed)
        self._apply = apply
        self.before = before
        self.after = after
        self.key = key  # what the value is (e.g. ("alias", project, name)); merging needs the same key
        self.gesture = gesture

    def id(self) -> int:  # noqa: A003 - Qt's name
        return 1 if self.gesture is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SnapshotCommand) or other.key != self.key or other.gesture != self.gesture:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._skip_first_redo:
            self._skip_first_redo = False
            return
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)
