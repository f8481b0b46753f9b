"""The window's one Qt bridge to the session (``chartdesk.app.session.Session``).

The session holds every piece of shared state and emits one psygnal event per meaning; the
workspace re-emits each as a Qt signal of the same meaning for widgets, owns what is Qt's own
(the undo stacks of ``QUndoGroup``, one per project, the view loader whose results arrive on
the GUI thread, and the window's one pool of worker processes) and forwards reads and edit
requests to the session. Signals carry ``object`` (Qt 6 would convert lists and dicts).
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoGroup, QUndoStack

from ..app.history import Edit
from ..app.pool import WorkerPool, process_count
from ..app.session import WRITTEN_AT_ONCE, Session
from ..errors import ChartDeskError
from ..model import Chart, ChartSet
from ..store import Store
from .bridge import ToGui
from .commands import EditCommand
from .workers import ViewLoader

log = logging.getLogger(__name__)

#: Session events the workspace re-emits as they are: event name -> Qt signal name.
RELAYED = {
    "projects": "sig_projects_changed", "catalog": "sig_catalog_changed", "experiments": "sig_experiments_updated",
    "points": "sig_points_appended", "runs_appeared": "sig_runs_appeared", "filter": "sig_filter_changed",
    "resolution": "sig_resolution_changed", "aliases": "sig_aliases_changed", "alias_moving": "sig_alias_moving",
    "alias_moved": "sig_alias_moved", "chart_sets": "sig_chart_sets_changed", "grouping": "sig_grouping_changed",
    "error": "sig_error",
}


class Workspace(QObject):
    sig_project_changed = Signal(str)
    """A different project is shown (everything reloads)."""
    sig_projects_changed = Signal()
    """The store's projects, or the experiments of any of them, changed (the tree's list)."""
    sig_catalog_changed = Signal()
    """Experiments or channels of the project changed."""
    sig_experiments_updated = Signal()
    """States, times, params or tags of experiments changed (nothing to redraw in charts)."""
    sig_points_appended = Signal(object)
    """Only point counts changed (a live run): the set of (project, experiment, channel)."""
    sig_selection_changed = Signal(object)
    """The selected experiments the filter shows (list[str], in project order)."""
    sig_filter_changed = Signal(str, str)
    """The project's run filter: (text, error or "")."""
    sig_resolution_changed = Signal(object, object)
    """(alias names or None, experiment names or None): what a series ref means changed (an alias
    edit, a pin, or experiments that gained channels)."""
    sig_aliases_changed = Signal(object)
    """These aliases were created, edited or deleted (set of names)."""
    sig_alias_moving = Signal(str, int, int, int)
    """(alias, first row, count, destination row): entries are about to move."""
    sig_alias_moved = Signal(str)
    """The announced move is done."""
    sig_chart_sets_changed = Signal()
    """The project's chart sets (or an experiment's own charts) changed."""
    sig_runs_appeared = Signal(object)
    """New experiments appeared in the project while it was shown (list of names)."""
    sig_grouping_changed = Signal()
    """How the shown runs are grouped changed."""
    sig_error = Signal(str)
    """An edit could not be written."""

    def __init__(self, store: Store, parent: QObject | None = None, processes: int | None = None) -> None:
        super().__init__(parent)
        self.processes = processes  # worker processes: None the default, 0 none (a one-shot picture)
        #: The window's one pool of worker processes, for chart views and the runs table's rows,
        #: and its one writer of edits (``pool.writes``).
        self.pool = WorkerPool(store, process_count() if processes is None else processes)
        self.session = Session(store, self.pool.writes)
        self.store = store
        # One undo history per project: switching project keeps each one's steps.
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self.loader = ViewLoader(store, self.pool, self)
        self._to_gui = ToGui(self)
        to_gui, session = self._to_gui, self.session
        session.wake = lambda: to_gui.call(session.deliver)  # the writer's outcomes, on the GUI thread
        self._probing: Future | None = None  # the background poll under way
        self._probe_again = False  # asked for while one was under way
        ev = self.session.events
        ev.project.connect(self._on_project)
        ev.project_renamed.connect(self._on_project_renamed)
        ev.grown.connect(self.loader.invalidate)
        ev.selection.connect(self._on_selection)
        for event, signal in RELAYED.items():  # the same meaning, as a Qt signal
            getattr(ev, event).connect(getattr(self, signal).emit)

    def __getattr__(self, name: str):
        """Reads and state the session owns (``project``, ``selection()``, ``aliases()``, ...)."""
        if name.startswith("_") or name == "session":
            raise AttributeError(name)
        return getattr(self.session, name)

    # ---- following the store ----------------------------------------------------------------
    def poll_in_background(self) -> None:
        """The timer's poll: the store's change token (and the project's catalog when its runs
        moved) is read on the pool's probe thread; what moved is re-read and announced on the GUI
        thread (``Session.poll`` with what was read). One at a time: asked for while one is under
        way, another follows it. (On the GUI thread, the token's five queries took 4-15 ms every
        100 ms, up to 95 ms while a reader thread held the GIL, sweep_views_bench.py.)"""
        if self._probing is not None:
            self._probe_again = True
            return
        session = self.session
        project, known = session.project, session.token
        future = self._probing = self.pool.probe(session.probe, project, known)
        to_gui = self._to_gui

        def done(f: Future) -> None:  # on the probe thread
            if f.cancelled():
                return
            try:
                to_gui.call(self._on_probed, f, project, known)
            except RuntimeError:  # the window went meanwhile
                pass
        future.add_done_callback(done)

    def _on_probed(self, future: Future, project, known) -> None:
        self._probing = None
        session = self.session
        if session.project == project and session.token == known:  # nothing polled or shown since
            exc = future.exception()
            if isinstance(exc, ChartDeskError):
                self.sig_error.emit(str(exc))
            elif exc is not None:
                log.error("polling the store failed", exc_info=exc)
            else:
                token, catalog = future.result()
                try:
                    session.poll(token, catalog)
                except ChartDeskError as err:
                    self.sig_error.emit(str(err))
        else:  # read for a project or token no longer shown: read again
            self._probe_again = True
        if self._probe_again:
            self._probe_again = False
            self.poll_in_background()

    # ---- relaying ------------------------------------------------------------------------
    def _on_project(self, project: str) -> None:
        self.loader.cancel()
        self.loader.invalidate()
        self.undo_group.setActiveStack(self.undo_stack)
        self.sig_project_changed.emit(project)

    def _on_project_renamed(self, old: str, new: str) -> None:
        if old in self._stacks:
            self._stacks[new] = self._stacks.pop(old)
        self.loader.invalidate()

    def _on_selection(self, names) -> None:
        self.loader.cancel()
        self.sig_selection_changed.emit(names)

    @property
    def undo_stack(self) -> QUndoStack:
        """The current project's undo history."""
        key = self.session.project or ""
        stack = self._stacks.get(key)
        if stack is None:
            stack = self._stacks[key] = QUndoStack(self.undo_group)
            stack.indexChanged.connect(lambda _i, s=stack: self._on_index(s))
        return stack

    # ---- edits: shown at once, one undo step, written in order off the GUI thread ------------
    def edit(self, edit: Edit, then: Callable[[bool], None] | None = None) -> bool:
        """Show the edit now and push its undo step; its write is queued on the session's writer
        (InvalidInput propagates at once, and nothing is shown or pushed). When the write comes
        back refused, the session says why (``sig_error``), shows what the store holds and the
        step is dropped. ``then(written)`` follows on the GUI thread once the store has it (or
        refused it). False when nothing would change."""
        command = EditCommand(self.session, edit, self._drop)
        outcome = command.made

        def done(written: Edit | None) -> None:
            outcome(written)
            if then is not None:
                then(written is not None)

        made = self.session.edit(edit, done)
        if made is None:
            return False
        command.edit = made
        self.undo_stack.push(command)
        if made.kind in WRITTEN_AT_ONCE and then is not None:
            then(True)
        return True

    def push(self, edit: Edit, editor=None) -> EditCommand:
        """The undo step of an edit its editor (the session, or ``app.run_meta.MetaEdits``) has
        written or queued already."""
        command = EditCommand(self.session if editor is None else editor, edit, self._drop)
        self.undo_stack.push(command)
        return command

    def _drop(self, command: EditCommand) -> None:
        """A step whose write was refused: off its stack without writing, now when it is next to
        the stack's index, else when undo or redo reaches it (``_drop_obsolete``)."""
        for stack in self._stacks.values():
            if any(stack.command(i) is command for i in range(stack.count())):
                self._drop_obsolete(stack)

    def _drop_obsolete(self, stack: QUndoStack) -> None:
        # QUndoStack deletes an obsolete command on undo/redo without calling it
        while shiboken6.isValid(stack):
            i = stack.index()
            if i > 0 and stack.command(i - 1).isObsolete():
                stack.undo()
            elif i < stack.count() and stack.command(i).isObsolete():
                stack.redo()
            else:
                return

    def _on_index(self, stack: QUndoStack) -> None:
        if shiboken6.isValid(stack) and any(stack.command(i).isObsolete() for i in range(stack.count())):
            self._to_gui.call(self._drop_obsolete, stack)  # after Qt's undo/redo is over

    def finish_writes(self, timeout: float) -> bool:
        """Wait (at most ``timeout`` s) for the edits not written yet; whether none is left."""
        return self.session.flush(timeout)

    def edit_alias(self, name: str, entries: Sequence[str] | None, text: str, gesture: int | None = None) -> bool:
        """Create, replace or (``None``) delete an alias of the current project, undoably."""
        return self.edit(self.session.alias_edit(name, entries, text, gesture))

    def move_alias_entries(self, name: str, src: int, count: int, dst: int, text: str,
                           gesture: int | None = None) -> bool:
        command: list[EditCommand] = []
        edit = self.session.move_alias_entries(name, src, count, dst, text, gesture,
                                               done=lambda written: command and command[0].made(written))
        if edit is None:
            return False
        command.append(self.push(edit))
        return True

    def edit_pin(self, experiment: str, alias: str, channel: str | None) -> bool:
        """Pin (or with None unpin) what an alias means in one run, undoably."""
        return self.edit(self.session.pin_edit(experiment, alias, channel))

    def edit_chart_sets(self, sets: Sequence[ChartSet], text: str) -> bool:
        return self.edit(self.session.chart_sets_edit(sets, text))

    def edit_experiment_charts(self, experiment: str, charts: Sequence[Chart], text: str) -> bool:
        return self.edit(self.session.experiment_charts_edit(experiment, charts, text))

    def rename_experiment(self, old: str, new: str) -> bool:
        return self.edit(self.session.rename_experiment_edit(old, new))

    def rename_project(self, old: str, new: str) -> bool:
        return self.edit(self.session.rename_project_edit(old, new))

    def delete_experiments(self, names: list[str]) -> None:
        """Not undoable (the points are gone); the window asks first. Earlier steps may name
        what is gone, so the project's history is cleared."""
        self.loader.cancel()
        self.loader.invalidate()
        self.session.delete_experiments(names)
        self.undo_stack.clear()

    def delete_project(self, name: str) -> None:
        self.session.delete_project(name)
        stack = self._stacks.pop(name, None)
        if stack is not None:
            stack.deleteLater()

    def shutdown(self) -> None:
        self.session.wake = None
        self.loader.shutdown()
        self.pool.shutdown()
