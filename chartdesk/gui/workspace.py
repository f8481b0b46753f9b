"""The workspace: the one place the GUI's shared state lives.

It owns the store, the one ``Resolver``, the current project, the selected experiments, the undo
stack and the series loader. Panels read from it and call its edit methods; every edit goes to
the store at once and is announced by a signal, so the tree, the alias editor, the chart-set
panel and the charts all agree. Signals carry ``object`` (Qt 6 would convert lists and dicts).
"""
from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from ..model import Chart, ChartSet, ChannelInfo, Experiment, SeriesRef
from ..resolver import Resolver
from ..store import Store
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
    sig_aliases_changed = Signal(object)
    """Aliases changed: a set of alias names, or None for all."""
    sig_resolution_changed = Signal(object, object)
    """(alias names or None, experiment names or None) whose resolution may differ now."""
    sig_chart_sets_changed = Signal()
    """The project's chart sets (or an experiment's own charts) changed."""
    sig_status = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.resolver = Resolver()
        self.resolver.subscribe(self._on_resolver_change)
        self.undo_stack = QUndoStack(self)
        self.loader = ViewLoader(store, self)
        self.project: str | None = None
        self._experiments: list[Experiment] = []
        self._channels: dict[str, list[ChannelInfo]] = {}
        self._selection: list[str] = []
        self._chart_sets: list[ChartSet] = []
        self._experiment_charts: dict[str, list[Chart]] = {}
        self._token: tuple | None = None

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

    def channel_for(self, ref: SeriesRef, experiment: str) -> str | None:
        """The channel a series ref plots in an experiment, or None when it has none."""
        if ref.kind == "alias":
            return self.resolve(ref.name, experiment)
        return ref.name if ref.name in self.resolver.channels(self.project, experiment) else None

    def chart_sets(self) -> list[ChartSet]:
        return list(self._chart_sets)

    def experiment_charts(self, experiment: str) -> list[Chart]:
        if experiment not in self._experiment_charts and self.project:
            self._experiment_charts[experiment] = self.store.experiment_charts(self.project, experiment)
        return list(self._experiment_charts.get(experiment, []))

    # ---- project and selection ------------------------------------------------------------
    def set_project(self, project: str | None) -> None:
        self.project = project
        self.undo_stack.clear()
        self.loader.cancel()
        self.loader.invalidate()
        self._experiment_charts.clear()
        self._selection = []
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
        self.resolver.load_project(self.project, self.store.aliases(self.project),
                                   {e: [c.name for c in chans] for e, chans in self._channels.items()})

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
        self._experiments = [e for e, _ in catalog]
        self._channels = {e.name: chans for e, chans in catalog}
        if structure:
            self.sig_catalog_changed.emit()
            return
        if restated:
            self.sig_experiments_updated.emit()
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

    # ---- edits (used by undo commands; each persists at once) ------------------------------------
    def write_alias(self, name: str, entries: list[str] | None) -> None:
        """Create/replace (``entries`` a list) or delete (``None``) an alias, then tell everyone."""
        if entries is None:
            self.store.delete_alias(self.project, name)
            self.resolver.remove_alias(self.project, name)
        else:
            self.store.set_alias(self.project, name, entries)
            self.resolver.set_alias(self.project, name, entries)
        self.sig_aliases_changed.emit({name})

    def write_chart_sets(self, sets: list[ChartSet]) -> None:
        self.store.replace_chart_sets(self.project, sets)
        self._chart_sets = list(sets)
        self.sig_chart_sets_changed.emit()

    def write_experiment_charts(self, experiment: str, charts: list[Chart]) -> None:
        self.store.set_experiment_charts(self.project, experiment, charts)
        self._experiment_charts[experiment] = list(charts)
        self.sig_chart_sets_changed.emit()

    def _on_resolver_change(self, project: str, aliases, experiments) -> None:
        if project == self.project:
            self.sig_resolution_changed.emit(aliases, experiments)

    def shutdown(self) -> None:
        self.loader.shutdown()
