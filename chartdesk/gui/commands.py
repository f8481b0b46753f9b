"""Undo: one thin QUndoCommand around an edit record (``chartdesk.app.history.Edit``).

Redo writes the edit's ``after`` and undo its ``before``, both through ``Session.apply``. A write
that fails (the store is read-only now, a name was taken by another process) makes the step
obsolete, so Qt drops it instead of leaving the Undo menu and the store disagreeing; the session
has said why on its error event. Steps of one gesture on one key merge (``Edit.merge``).
"""
from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ..app.history import Edit
from .widgets import menu_text


class EditCommand(QUndoCommand):
    def __init__(self, session, edit: Edit) -> None:
        super().__init__(f"{edit.text}\n{menu_text(edit.text)}")  # the Undo/Redo menu entries show '&' as '&'
        self._session = session
        self.edit = edit
        self._written = True  # pushed after the session wrote it: the first redo is Qt's, not ours

    def id(self) -> int:  # noqa: A003 - Qt's name
        return 1 if self.edit.gesture is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        merged = self.edit.merge(other.edit) if isinstance(other, EditCommand) else None
        if merged is None:
            return False
        self.edit = merged
        return True

    def _write(self, value) -> None:
        if not self._session.replay(self.edit, value):
            self.setObsolete(True)

    def redo(self) -> None:
        if self._written:
            self._written = False
            return
        self._write(self.edit.after)

    def undo(self) -> None:
        self._write(self.edit.before)
