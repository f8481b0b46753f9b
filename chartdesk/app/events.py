"""The session's events: one signal per meaning, emitted only by ``Session``.

psygnal signals (the event library napari uses), so the application layer needs no Qt; the GUI's
one bridge (``gui.workspace.Workspace``) re-emits them as Qt signals for widgets. Arguments are
plain Python values. A burst of one event (a poll that finds five aliases changed) can be held
with ``Session.batch()`` and arrives once, with its arguments merged (glue's ``delay_callbacks``).
"""
from __future__ import annotations

from psygnal import Signal, SignalGroup


class SessionEvents(SignalGroup):
    project = Signal(str)
    """Another project is shown ("" for none): everything reloads."""
    projects = Signal()
    """The store's projects or their experiments changed (a project appeared, was renamed or
    deleted, or gained runs, by this window or another process): the tree's project list."""
    project_renamed = Signal(str, str)
    """A project was renamed (old, new), here or by undo/redo."""
    catalog = Signal()
    """Experiments or channels of the shown project changed (added, removed, renamed)."""
    experiments = Signal()
    """States, times, params or tags of the shown project's experiments changed (nothing to redraw)."""
    grown = Signal(object)
    """These channels' points changed, (project, experiment, channel) each: sent before ``catalog``
    or ``points``, so cached views of them are dropped before anyone redraws."""
    points = Signal(object)
    """Only point counts changed (a live run): the set of (project, experiment, channel)."""
    runs_appeared = Signal(object)
    """New experiments appeared in the shown project while it was shown (list of names)."""
    selection = Signal(object)
    """The selected experiments that the filter shows, in project order (what charts draw)."""
    filter = Signal(str, str)
    """The shown project's run filter changed: (its text, its error or "")."""
    resolution = Signal(object, object)
    """(alias names or None, experiment names or None): what a series ref means changed, through
    an alias edit, a pin or a run's new channels. None means all."""
    aliases = Signal(object)
    """These aliases were created, reordered, replaced or deleted (set of names)."""
    alias_moving = Signal(str, int, int, int)
    """(alias, first row, count, destination row) before a move of entries is written."""
    alias_moved = Signal(str)
    """The move announced by ``alias_moving`` was written (or it failed and nothing moved)."""
    pins = Signal(object)
    """Pins changed: set of (experiment, alias)."""
    chart_sets = Signal()
    """The project's chart sets (or an experiment's own charts) changed."""
    grouping = Signal()
    """How the shown runs are grouped changed (another GroupBy, or runs moved between groups)."""
    labels = Signal()
    """How runs are named in legends changed (by params or by name; the runs that differ)."""
    latest = Signal(object)
    """These runs are now drawn with their latest write per step only, or again with every point."""
    error = Signal(str)
    """An edit could not be written (one line)."""
