"""The workspace: the one place the GUI's shared state lives.

It owns the store, the one ``Resolver``, the current project, the selected experiments, the undo
stack and the series loader. Panels read from it and call its edit methods; every edit goes to
the store at once and is announced by a signal, so the tree, the alias editor, the chart-set
panel and the charts all agree. Signals carry ``object`` (Qt 6 would convert lists and dicts).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoGroup, QUndoStack

from ..errors import ChartDeskError
from ..groups import Group, GroupBy, group_runs
from ..model import ChannelInfo, Chart, ChartSet, Experiment, SeriesRef
from ..resolver import Resolver
from ..store import Store
from .commands import SnapshotCommand
from .workers import ViewLoader


class Workspace(QObject):
    sig_project_changed = Signal(str)
    """A different project is shown (everything reloads)."""
    sig_catalog_changed = Signal()
    """Experiments or channels of the project changed."""
    sig_experiments_updated = Signal()
    """States, times, params or tags of experiments changed (nothing to redraw in charts)."""
    sig_points_appended = Signal(object)
    """Only point counts changed (a live run): the set of (project, experiment, channel)."""
    sig_selection_changed = Signal(object)
    """The selected experiments (list[str], in project order)."""
    sig_resolution_changed = Signal(object, object)
    """(alias names or None, experiment names or None): aliases were edited (their entries, and so
    what they resolve to) or experiments gained channels. The one notification of either edit."""
    sig_chart_sets_changed = Signal()
    """The project's chart sets (or an experiment's own charts) changed."""
    sig_runs_appeared = Signal(object)
    """New experiments appeared in the project while it was shown (list of names)."""
    sig_grouping_changed = Signal()
    """How the selected runs are grouped changed (another GroupBy, or runs moved between groups)."""
    sig_error = Signal(str)
    """An edit could not be written (undo/redo of a step whose write failed)."""

    def __init__(self, store: Store, parent: QObject | None = None, processes: int | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.resolver = Resolver()
        self.resolver.subscribe(self._on_resolver_change)
        self._loading = False
        # One undo history per project: switching project keeps each one's steps.
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        self.processes = processes  # worker processes: None the default, 0 none (a one-shot picture)
        self.loader = ViewLoader(store, self, processes)
        self.project: str | None = None
        self._experiments: list[Experiment] = []
        self._channels: dict[str, list[ChannelInfo]] = {}
        self._selection: list[str] = []
        self._chart_sets: list[ChartSet] = []
        self._experiment_charts: dict[str, list[Chart]] = {}
        self._token: tuple | None = None
        #: Compare mode names runs by the params that differ among them (View menu).
        self.label_by_params = True
        self._label_cache: tuple = (None, {})
        #: Group the selected runs (drawn as mean and band) by these params / tags / name pattern.
        self.group_by: GroupBy | None = None
        #: Runs drawn with their latest write per step only (a resumed run, as TensorBoard shows it).
        self.latest_runs: set[str] = set()
        self._group_cache: tuple = (None, None)

    # ---- reading ------------------------------------------------------------------------
    def projects(self) -> list[str]:
        return self.store.projects()

    def experiments(self) -> list[Experiment]:
        return list(self._experiments)

    def experiment_index(self, name: str) -> int:
        """Position of an experiment in the project: the key of its stable colour."""
        for i, e in enumerate(self._experiments):
            if e.name == name:
                return i
        return -1

    def channels(self, experiment: str) -> list[ChannelInfo]:
        return list(self._channels.get(experiment, []))

    def project_channels(self) -> list[str]:
        return self.resolver.project_channels(self.project) if self.project else []

    def selection(self) -> list[str]:
        return list(self._selection)

    def aliases(self) -> dict[str, tuple[str, ...]]:
        return self.resolver.aliases(self.project) if self.project else {}

    def alias(self, name: str) -> tuple[str, ...] | None:
        return self.resolver.alias(self.project, name) if self.project else None

    def resolve(self, alias: str, experiment: str) -> str | None:
        return self.resolver.resolve(self.project, alias, experiment) if self.project else None

    def pinned(self, ref: SeriesRef, experiment: str) -> bool:
        """Whether the run's pin decides what this alias means in it (legends say so)."""
        if ref.kind != "alias" or not self.project:
            return False
        pin = self.resolver.pin(self.project, experiment, ref.name)
        return pin is not None and pin == self.resolve(ref.name, experiment)

    def channel_for(self, ref: SeriesRef, experiment: str) -> str | None:
        """The channel a series ref plots in an experiment, or None when it has none."""
        if ref.kind == "alias":
            return self.resolve(ref.name, experiment)
        return ref.name if ref.name in self.resolver.channels(self.project, experiment) else None

    def run_label(self, experiment: str) -> str:
        """How a run is named in legends of compare mode: by the params that differ among the
        selected runs (``lr=0.1, bs=64``), or by its name when they do not tell runs apart (or
        when ``label_by_params`` is off)."""
        labels = self._labels()
        return labels.get(experiment, experiment)

    def _labels(self) -> dict[str, str]:
        key = (tuple(self._selection), self.label_by_params)
        if self._label_cache[0] == key:
            return self._label_cache[1]
        labels: dict[str, str] = {}
        if self.label_by_params and len(self._selection) > 1:
            from ..query import flatten

            by_name = {e.name: flatten(dict(e.params)) for e in self._experiments if e.name in self._selection}
            keys = sorted({k for p in by_name.values() for k in p})
            differ = [k for k in keys if len({repr(p.get(k)) for p in by_name.values()}) > 1][:3]
            if differ:
                labels = {n: ", ".join(f"{k}={p[k]!s}" for k in differ if k in p) or n for n, p in by_name.items()}
                if len(set(labels.values())) != len(labels):  # the params do not tell two runs apart
                    labels = {}
        self._label_cache = (key, labels)
        return labels

    def groups(self) -> list[Group] | None:
        """The groups the charts draw: None unless grouping is on and two or more runs are selected."""
        if self.group_by is None or len(self._selection) < 2:
            return None
        key = (tuple(self._selection), self.group_by, id(self._experiments))
        if self._group_cache[0] != key:
            chosen = set(self._selection)
            self._group_cache = (key, group_runs([e for e in self._experiments if e.name in chosen], self.group_by))
        return self._group_cache[1]

    def latest(self, experiment: str) -> bool:
        return experiment in self.latest_runs

    def set_latest(self, experiments, on: bool) -> None:
        """Draw these runs with their latest write per step (on) or every point (off)."""
        changed = [e for e in experiments if (e in self.latest_runs) != on]
        if not changed:
            return
        (self.latest_runs.update if on else self.latest_runs.difference_update)(changed)
        self.sig_resolution_changed.emit(None, changed)  # the charts showing them draw again

    def set_group_by(self, by: GroupBy | None) -> None:
        if by != self.group_by:
            self.group_by = by
            self.sig_grouping_changed.emit()

    def chart_sets(self) -> list[ChartSet]:
        return list(self._chart_sets)

    def experiment_charts(self, experiment: str) -> list[Chart]:
        if experiment not in self._experiment_charts and self.project:
            self._experiment_charts[experiment] = self.store.experiment_charts(self.project, experiment)
        return list(self._experiment_charts.get(experiment, []))

    # ---- project and selection ------------------------------------------------------------
    @property
    def undo_stack(self) -> QUndoStack:
        """The current project's undo history."""
        key = self.project or ""
        stack = self._stacks.get(key)
        if stack is None:
            stack = self._stacks[key] = QUndoStack(self.undo_group)
        return stack

    def set_label_by_params(self, on: bool) -> None:
        if on != self.label_by_params:
            self.label_by_params = on
            self.sig_resolution_changed.emit(None, None)  # every legend says it again

    def set_project(self, project: str | None) -> None:
        self.project = project
        self.undo_group.setActiveStack(self.undo_stack)
        self.loader.cancel()
        self.loader.invalidate()
        self._experiment_charts.clear()
        self._selection = []
        self.latest_runs = set()  # per project (the tree loads the saved ones)
        self._load_project()
        self.sig_project_changed.emit(project or "")
        self.sig_catalog_changed.emit()
        self.sig_chart_sets_changed.emit()
        self.select_experiments([self._experiments[0].name] if self._experiments else [])

    def _load_project(self) -> None:
        if not self.project:
            self._experiments, self._channels, self._chart_sets = [], {}, []
            return
        catalog = self.store.catalog(self.project)
        self._experiments = [e for e, _ in catalog]
        self._channels = {e.name: chans for e, chans in catalog}
        self._chart_sets = self.store.chart_set_list(self.project)
        self._loading = True  # a new project is announced once, by sig_project_changed
        try:
            self.resolver.load_project(self.project, self.store.aliases(self.project),
                                       {e: [c.name for c in chans] for e, chans in self._channels.items()},
                                       self.store.pins(self.project))
        finally:
            self._loading = False

    def poll(self) -> bool:
        """Called often by a timer: re-read the catalog only when the store changed."""
        token = self.store.change_token(self.project)
        if token == self._token:
            return False
        self._token = token
        self.refresh_catalog()
        return True

    def refresh_catalog(self) -> None:
        """Re-read experiments and channels; new channels reach the resolver as event 2."""
        if not self.project:
            return
        catalog = self.store.catalog(self.project)
        structure = [e.name for e, _ in catalog] != [e.name for e in self._experiments]
        restated = not structure and [e for e, _ in catalog] != self._experiments
        grown: set[tuple[str, str, str]] = set()
        for e, chans in catalog:
            old = {c.name: c.count for c in self._channels.get(e.name, [])}
            new = {c.name: c.count for c in chans}
            if set(old) != set(new):
                structure = True
                self.resolver.add_channels(self.project, e.name, new)  # event 2: may switch an alias
            grown.update((self.project, e.name, c) for c in new if new[c] != old.get(c))
        self.loader.invalidate(grown)
        appeared = [e.name for e, _ in catalog if e.name not in {x.name for x in self._experiments}]
        groups_before = self.groups() if restated else None
        self._experiments = [e for e, _ in catalog]
        self._channels = {e.name: chans for e, chans in catalog}
        if structure:
            self.sig_catalog_changed.emit()
            if appeared:
                self.sig_runs_appeared.emit(appeared)
            return
        if restated:
            self.sig_experiments_updated.emit()
            if groups_before != self.groups():  # a run's params or tags changed its group
                self.sig_grouping_changed.emit()
        if grown:
            self.sig_points_appended.emit(grown)

    def select_experiments(self, names) -> None:
        order = {e.name: i for i, e in enumerate(self._experiments)}
        names = sorted({n for n in names if n in order}, key=order.get)
        if names == self._selection:
            return
        self.loader.cancel()
        self._selection = names
        self.sig_selection_changed.emit(list(names))

    # ---- edits: written at once, undoable ---------------------------------------------------
    def edit(self, text: str, apply: Callable[[Any], None], before: Any, after: Any,
             key: tuple | None = None, gesture: int | None = None) -> bool:
        """Write ``after`` now (a ChartDeskError propagates and nothing is pushed), then push the
        undo step that knows ``before``. False when nothing would change."""
        if before == after:
            return False
        apply(after)
        self.undo_stack.push(SnapshotCommand(text, self._reporting(apply), before, after, key, gesture, applied=True))
        return True

    def _reporting(self, apply: Callable[[Any], None]) -> Callable[[Any], None]:
        def run(value: Any) -> None:
            try:
                apply(value)
            except ChartDeskError as exc:
                self.sig_error.emit(str(exc))
        return run

    def edit_alias(self, name: str, entries: list[str] | tuple[str, ...] | None, text: str,
                   gesture: int | None = None) -> bool:
        """Create, replace or (``None``) delete an alias of the current project, undoably."""
        project = self.project
        before = self.alias(name)
        after = None if entries is None else tuple(entries)
        return self.edit(text, lambda v: self.write_alias(name, v, project), before, after,
                         ("alias", project, name), gesture)

    def write_alias(self, name: str, entries, project: str | None = None) -> None:
        """Create/replace (``entries`` a sequence) or delete (``None``) an alias; the resolver
        then tells everyone, once."""
        project = project or self.project
        if entries is None:
            self.store.delete_alias(project, name)
            self.resolver.remove_alias(project, name)
        else:
            self.store.set_alias(project, name, list(entries))
            self.resolver.set_alias(project, name, list(entries))

    def edit_pin(self, experiment: str, alias: str, channel: str | None) -> bool:
        """Pin (or with None unpin) what an alias means in one run, undoably."""
        project = self.project
        before = self.resolver.pin(project, experiment, alias)

        def apply(value):
            self.store.set_pin(project, experiment, alias, value)
            self.resolver.set_pin(project, experiment, alias, value)
        text = f"Pin {alias} to {channel} in {experiment}" if channel else f"Unpin {alias} in {experiment}"
        return self.edit(text, apply, before, channel, ("pin", project, experiment, alias))

    def edit_chart_sets(self, sets, text: str) -> bool:
        project = self.project
        return self.edit(text, lambda v: self.write_chart_sets(list(v), project), tuple(self._chart_sets),
                         tuple(sets), ("chart sets", project))

    def write_chart_sets(self, sets: list[ChartSet], project: str | None = None) -> None:
        project = project or self.project
        self.store.replace_chart_sets(project, sets)
        if project == self.project:
            self._chart_sets = list(sets)
            self.sig_chart_sets_changed.emit()

    def edit_experiment_charts(self, experiment: str, charts, text: str) -> bool:
        project = self.project
        return self.edit(text, lambda v: self.write_experiment_charts(experiment, list(v), project),
                         tuple(self.experiment_charts(experiment)), tuple(charts), ("charts", project, experiment))

    def write_experiment_charts(self, experiment: str, charts: list[Chart], project: str | None = None) -> None:
        project = project or self.project
        self.store.set_experiment_charts(project, experiment, charts)
        if project == self.project:
            self._experiment_charts[experiment] = list(charts)
            self.sig_chart_sets_changed.emit()

    # ---- deleting and renaming experiments and projects ----------------------------------------
    def rename_experiment(self, old: str, new: str) -> bool:
        """Undoable: a rename is written back on undo."""
        project = self.project

        def apply(pair):
            src, dst = pair
            self.store.rename_experiment(project, src, dst)
            if project == self.project:
                self._selection = [dst if n == src else n for n in self._selection]
                self._experiment_charts.pop(src, None)
                self._reload()
        return self.edit(f"Rename {old} to {new}", apply, (new, old), (old, new))

    def delete_experiments(self, names: list[str]) -> None:
        """Not undoable (the points are gone); the window asks first."""
        for name in names:
            self.store.delete_experiment(self.project, name)
            self._experiment_charts.pop(name, None)
        self._selection = [n for n in self._selection if n not in names]
        self.undo_stack.clear()  # earlier steps may name what is gone
        self._reload()
        self.sig_selection_changed.emit(list(self._selection))

    def rename_project(self, old: str, new: str) -> bool:
        def apply(pair):
            src, dst = pair
            self.store.rename_project(src, dst)
            if self._stacks.get(src) is not None:
                self._stacks[dst] = self._stacks.pop(src)
            if self.project == src:
                self.project = dst
                self.loader.invalidate()
                self._reload()
            self.sig_project_changed.emit(self.project or "")
        return self.edit(f"Rename project {old} to {new}", apply, (new, old), (old, new))

    def delete_project(self, name: str) -> None:
        self.store.delete_project(name)
        stack = self._stacks.pop(name, None)
        if stack is not None:
            stack.deleteLater()
        if self.project == name:
            rest = self.store.projects()
            self.set_project(rest[0] if rest else None)
        else:
            self.sig_project_changed.emit(self.project or "")

    def _reload(self) -> None:
        """Re-read the whole project after a structural edit (rename, delete)."""
        self.loader.cancel()
        self.loader.invalidate()
        self._load_project()
        self.sig_catalog_changed.emit()

    def _on_resolver_change(self, project: str, aliases, experiments) -> None:
        if project == self.project and not self._loading:
            self.sig_resolution_changed.emit(aliases, experiments)

    def shutdown(self) -> None:
        self.loader.shutdown()
