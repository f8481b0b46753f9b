"""Undo: one thin QUndoCommand around an edit record (``chartdesk.app.history.Edit``).

The step is pushed as soon as the session shows the edit; its write is queued on the session's
writer (``Session.edit``), and redo/undo queue theirs the same way (``Session.replay``). When a
write comes back, ``Outcome`` hands it to the command: a write carried over to what the store
held updates the step's values (undo then writes the inverse of what was written); a refused
write (the store is read-only now, a name was taken by another process) marks the step obsolete
and asks for it to be dropped (``dropped``: the workspace takes it off the stack without writing),
so the Undo menu never offers a step the store does not hold. A refused undo or redo drops the
step the same way. Steps of one gesture on one key merge (``Edit.merge``); the merged step then
answers for the writes of both.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import shiboken6
from PySide6.QtGui import QUndoCommand

from ..app.history import Edit
from .widgets import menu_text


class Outcome:
    """What one queued write of a step says when it is done (a plain object: Qt may delete the
    command it was made for, when that command merges into the one below it)."""

    def __init__(self, command: EditCommand, first: bool) -> None:
        self.command: EditCommand | None = command
        self.first = first  # the step's own write (not an undo or redo)

    def __call__(self, written: Edit | None) -> None:
        command = self.command
        if command is not None and shiboken6.isValid(command):
            command.written(self, written)


class EditCommand(QUndoCommand):
    def __init__(self, session, edit: Edit, dropped: Callable[[EditCommand], None] | None = None) -> None:
        super().__init__(f"{edit.text}\n{menu_text(edit.text)}")  # the Undo/Redo menu entries show '&' as '&'
        self._session = session
        self.edit = edit
        self._dropped = dropped
        self._pushed = True  # pushed after the session showed it: the first redo is Qt's, not ours
        #: The step's own write, the write that made its ``after`` (another one after a merge).
        self.made = Outcome(self, True)
        self._last = self.made

    def id(self) -> int:  # noqa: A003 - Qt's name
        return 1 if self.edit.gesture is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        merged = self.edit.merge(other.edit) if isinstance(other, EditCommand) else None
        if merged is None:
            return False
        self.edit = merged
        other.made.command = self  # its write's outcome comes here (Qt deletes ``other``)
        self._last = other.made
        return True

    def written(self, outcome: Outcome, edit: Edit | None) -> None:
        """A write of this step is done: ``edit`` as the store took it, or None (refused)."""
        if edit is None:
            self.drop()
            return
        if outcome.first:
            if outcome is self.made:
                self.edit = replace(self.edit, before=edit.before)
            if outcome is self._last:
                self.edit = replace(self.edit, after=edit.after)
            if outcome is self._last and self.edit.before == self.edit.after:
                self.drop()  # the store held it already: nothing to undo

    def drop(self) -> None:
        """Not what the store holds: off the history, without writing anything."""
        if self.isObsolete():
            return
        self.setObsolete(True)
        self.made.command = None
        if self._dropped is not None:
            self._dropped(self)

    def _write(self, value) -> None:
        if not self._session.replay(self.edit, value, Outcome(self, False)):
            self.setObsolete(True)

    def redo(self) -> None:
        if self._pushed:
            self._pushed = False
            return
        self._write(self.edit.after)

    def undo(self) -> None:
        self._write(self.edit.before)
