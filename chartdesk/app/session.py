"""The session: what one window shows and how it changes, without Qt.

A ``Session`` owns the store, the one ``Resolver``, the shown project and its catalog, the
selection, the run filter (per project), grouping, latest-per-step runs and legend labels. It is
the only emitter of ``SessionEvents``; panels read from it and ask it for edits. Every edit is an
``Edit`` record shown at once (``edit``) and written in order by the session's one writer
(``pool.WriteLane``), off the caller's thread; undo/redo (``replay``) are written the same way.
``writing``/``flush`` say whether (and wait until) every write is done; ``deliver`` hands the
writer's outcomes over on the session's thread (carried over: the merged value is shown;
refused: what the store holds, and one line on ``events.error``).

``poll`` follows the store: ``Store.change_token`` has three parts (the store's catalog, the
project's runs and points, the project's edit counters), and only what moved is re-read: an
alias, pin or chart set written by another window, the CLI or a teammate reaches this one at its
next poll, announced by the same events as an edit made here.
"""
from __future__ import annotations

import logging
import queue
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from ..edits import rebase, rebase_charts, rebase_names
from ..errors import ChartDeskError, Conflict, InvalidInput, NotFound
from ..groups import Group, GroupBy, group_runs
from ..model import ChannelInfo, Chart, ChartSet, Experiment, SeriesRef, check_name
from ..resolver import Resolver
from ..store import Store
from .events import SessionEvents
from .history import Edit
from .pool import WriteLane
from .runfilter import RunFilter

log = logging.getLogger(__name__)

#: How many times an edit is carried over to a value another process keeps changing, before it
#: is refused.
MERGE_ATTEMPTS = 8
#: Edits written at once on the session's thread (after the queued ones): a run's or a project's
#: new name re-reads the whole project, and the dialog that asked waits for it.
WRITTEN_AT_ONCE = frozenset({"rename experiment", "rename project"})


@dataclass(eq=False)
class _Write:
    """One queued write: ``value`` over ``base`` of ``edit``'s object(s), and how it went."""

    edit: Edit
    base: Any
    value: Any
    done: Callable[[Edit | None], None] | None
    keys: frozenset
    written: tuple | None = None         # (what the store held, what it holds now)
    refused: BaseException | None = None
    truth: dict | None = field(default=None)  # after a refusal: what the store holds (``_read_truth``)


def _merge_sets(a: tuple, b: tuple) -> tuple:
    """psygnal reducer for events whose arguments are sets or None (None: everything)."""
    return tuple(None if x is None or y is None else set(x) | set(y) for x, y in zip(a, b))


class Session:
    def __init__(self, store: Store, writes: WriteLane | None = None) -> None:
        self.store = store
        #: The one writer of this session's edits (its thread writes them in order).
        self.writes = writes or WriteLane()
        self._queued: deque[_Write] = deque()  # made here, outcome not handed over yet
        self._arrived: queue.SimpleQueue[_Write] = queue.SimpleQueue()  # done by the writer
        #: Called on the writer's thread when a write is done, so that the owner calls ``deliver``
        #: on its thread (the window: a queued Qt call); None: ``flush`` or ``deliver`` hand over.
        self.wake: Callable[[], None] | None = None
        self.events = SessionEvents()
        self.resolver = Resolver()
        self.resolver.subscribe(self._on_resolver_change)
        self._loading = False
        self.project: str | None = None
        self._experiments: list[Experiment] = []
        self._channels: dict[str, list[ChannelInfo]] = {}
        self._selection: list[str] = []
        self._chart_sets: list[ChartSet] = []
        self._experiment_charts: dict[str, list[Chart]] = {}
        self._token: tuple | None = None
        self._filters: dict[str, RunFilter] = {}
        self._selections: dict[str, list[str]] = {}  # each project's selection while another is shown
        #: Compare mode names runs by the params that differ among them (View menu).
        self.label_by_params = True
        self._label_cache: tuple = (None, {})
        #: Group the shown runs (drawn as mean and band) by these params / tags / name pattern.
        self.group_by: GroupBy | None = None
        #: Runs drawn with their latest write per step only (a resumed run, as TensorBoard shows it).
        self.latest_runs: set[str] = set()
        self._group_cache: tuple = (None, None)

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Hold the events of a burst: each fires once at the end, its arguments merged."""
        ev = self.events
        held = [ev.resolution, ev.aliases, ev.pins, ev.grown, ev.points]
        paused = []
        try:
            for sig in held:
                sig.pause()
                paused.append(sig)
            yield
        finally:
            for sig in paused:
                sig.resume(reducer=_merge_sets)

    # ---- reading ------------------------------------------------------------------------
    def projects(self) -> list[str]:
        return self.store.projects()

    def experiments(self) -> list[Experiment]:
        return list(self._experiments)

    def experiment_names(self) -> list[str]:
        return [e.name for e in self._experiments]

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
        """The selected runs the filter shows, in project order: what charts draw, group and export."""
        shown = self.run_filter().shown
        return [n for n in self._selection if shown is None or n in shown]

    def selected(self) -> list[str]:
        """Every selected run, also those the filter hides now (they come back when it is cleared)."""
        return list(self._selection)

    def aliases(self) -> dict[str, tuple[str, ...]]:
        return self.resolver.aliases(self.project) if self.project else {}

    def alias(self, name: str) -> tuple[str, ...] | None:
        return self.resolver.alias(self.project, name) if self.project else None

    def resolve(self, alias: str, experiment: str) -> str | None:
        return self.resolver.resolve(self.project, alias, experiment) if self.project else None

    def pin(self, experiment: str, alias: str) -> str | None:
        return self.resolver.pin(self.project, experiment, alias) if self.project else None

    def pinned(self, ref: SeriesRef, experiment: str) -> bool:
        """Whether the run's pin decides what this alias means in it, or what an alias of this
        expression means (legends say so)."""
        if ref.kind == "expr" and self.project:
            return any(self.pinned(SeriesRef("alias", a), experiment) for a in ref.aliases_used(self.aliases()))
        if ref.kind != "alias" or not self.project:
            return False
        pin = self.resolver.pin(self.project, experiment, ref.name)
        return pin is not None and pin == self.resolve(ref.name, experiment)

    def channel_for(self, ref: SeriesRef, experiment: str) -> str | None:
        """The channel a series ref plots in an experiment, or None when it has none."""
        return self.resolver.channel_for(self.project, ref.kind, ref.name, experiment) if self.project else None

    def run_label(self, experiment: str) -> str:
        """How a run is named in legends of compare mode: by the params that differ among the
        shown selected runs (``lr=0.1, bs=64``), or by its name when they do not tell runs apart
        (or when ``label_by_params`` is off)."""
        return self._labels().get(experiment, experiment)

    def _labels(self) -> dict[str, str]:
        chosen = self.selection()
        key = (tuple(chosen), self.label_by_params, id(self._experiments))
        if self._label_cache[0] == key:
            return self._label_cache[1]
        labels: dict[str, str] = {}
        if self.label_by_params and len(chosen) > 1:
            from ..query import flatten

            by_name = {e.name: flatten(dict(e.params)) for e in self._experiments if e.name in chosen}
            keys = sorted({k for p in by_name.values() for k in p})
            differ = [k for k in keys if len({repr(p.get(k)) for p in by_name.values()}) > 1][:3]
            if differ:
                labels = {n: ", ".join(f"{k}={p[k]!s}" for k in differ if k in p) or n for n, p in by_name.items()}
                if len(set(labels.values())) != len(labels):  # the params do not tell two runs apart
                    labels = {}
        self._label_cache = (key, labels)
        return labels

    def groups(self) -> list[Group] | None:
        """The groups the charts draw: None unless grouping is on and two or more runs are shown."""
        chosen = self.selection()
        if self.group_by is None or len(chosen) < 2:
            return None
        key = (tuple(chosen), self.group_by, id(self._experiments))
        if self._group_cache[0] != key:
            keep = set(chosen)
            self._group_cache = (key, group_runs([e for e in self._experiments if e.name in keep], self.group_by))
        return self._group_cache[1]

    def latest(self, experiment: str) -> bool:
        return experiment in self.latest_runs

    def chart_sets(self) -> list[ChartSet]:
        return list(self._chart_sets)

    def experiment_charts(self, experiment: str) -> list[Chart]:
        if experiment not in self._experiment_charts and self.project:
            self._experiment_charts[experiment] = self.store.experiment_charts(self.project, experiment)
        return list(self._experiment_charts.get(experiment, []))

    # ---- the run filter: one per project ---------------------------------------------------
    def run_filter(self, project: str | None = None) -> RunFilter:
        """The project's run filter (the runs table's box): what it shows is what charts draw."""
        project = self.project if project is None else project
        if project is None:
            return RunFilter()
        return self._filters.setdefault(project, RunFilter())

    def set_filter(self, text: str) -> None:
        """Filter the shown project's runs by an expression of ``chartdesk.query`` ("" for none).
        A bad expression filters nothing and says why (``events.filter``)."""
        if not self.project:
            return
        f = self.run_filter()
        before = self.selection()
        f.set_text(text, self.aliases())
        self.events.filter.emit(f.text, f.error)  # once: its text, its error or what it shows changed
        if self.selection() != before:
            self.events.selection.emit(self.selection())

    def set_run_rows(self, rows: Sequence[dict]) -> None:
        """The runs table's rows of the shown project (``store.runs`` with the columns the filter
        reads), computed off the GUI thread: the filter is evaluated on them."""
        if not self.project:
            return
        f = self.run_filter()
        before = (self.selection(), f.shown)
        f.set_rows(rows)
        if f.shown != before[1]:
            self.events.filter.emit(f.text, f.error)
        if self.selection() != before[0]:  # (its groups follow from it, as for any selection)
            self.events.selection.emit(self.selection())

    def counts(self) -> tuple[int, int]:
        """(selected runs shown, selected runs): the status bar's "10 of 20 shown"."""
        return len(self.selection()), len(self._selection)

    # ---- project and selection ------------------------------------------------------------
    def set_label_by_params(self, on: bool) -> None:
        if on != self.label_by_params:
            self.label_by_params = on
            self.events.labels.emit()

    def set_latest(self, experiments: Iterable[str], on: bool) -> None:
        """Draw these runs with their latest write per step (on) or every point (off)."""
        changed = [e for e in experiments if (e in self.latest_runs) != on]
        if not changed:
            return
        (self.latest_runs.update if on else self.latest_runs.difference_update)(changed)
        self.events.latest.emit(set(changed))

    def set_group_by(self, by: GroupBy | None) -> None:
        if by != self.group_by:
            self.group_by = by
            self.events.grouping.emit()

    def selections(self) -> dict[str, list[str]]:
        """Every project's selection this session has held (the shown one's as it is now)."""
        out = {p: list(sel) for p, sel in self._selections.items()}
        if self.project:
            out[self.project] = list(self._selection)
        return out

    def set_project(self, project: str | None) -> None:
        """Show another project: it comes back with the selection it had when it was left (its
        first run the first time), and with its own filter."""
        if self.project:
            self._selections[self.project] = list(self._selection)
        self.project = project
        self._experiment_charts.clear()
        self._selection = []
        self.latest_runs = set()  # per project (the tree loads the saved ones)
        self._token = self.store.change_token(project)  # first: a write after it is seen by the next poll
        self._load_project()
        self.events.project.emit(project or "")
        self.events.catalog.emit()
        self.events.chart_sets.emit()
        kept = [n for n in self._selections.get(project or "", []) if n in self._channels]
        self.select_experiments(kept or ([self._experiments[0].name] if self._experiments else []))

    def _load_project(self) -> None:
        if not self.project:
            self._experiments, self._channels, self._chart_sets = [], {}, []
            return
        catalog = self.store.catalog(self.project)
        self._experiments = [e for e, _ in catalog]
        self._channels = {e.name: chans for e, chans in catalog}
        self._chart_sets = self.store.chart_set_list(self.project)
        self._loading = True  # a new project is announced once, by events.project
        try:
            self.resolver.load_project(self.project, self.store.aliases(self.project),
                                       {e: [c.name for c in chans] for e, chans in self._channels.items()},
                                       self.store.pins(self.project))
            for write in self._queued:  # edits not written yet are shown as made
                if write.edit.key[1:2] == (self.project,):
                    self._show(write.edit, write.value)
        finally:
            self._loading = False

    @property
    def token(self) -> tuple | None:
        """The store's change token as of the last poll (or project shown)."""
        return self._token

    def probe(self, project: str | None, known: tuple | None) -> tuple[tuple, list | None]:
        """What a poll reads from the store, on any thread (the window's poll thread): the change
        token of ``project``, and its catalog when the runs part moved since ``known``."""
        token = self.store.change_token(project)
        moved = project and known is not None and token[1] != known[1]
        return token, (self.store.catalog(project) if moved else None)

    def poll(self, token: tuple | None = None, catalog: list | None = None) -> bool:
        """Called often by a timer (or on a change notice): re-read only what moved in the store
        since the last poll. True when anything did. ``token`` and ``catalog``: read already by
        ``probe`` off the GUI thread (the project's catalog as of that token, or None)."""
        token = self.store.change_token(self.project) if token is None else token
        old, self._token = self._token, token
        if token == old:
            return False
        if old is None or token[0] != old[0]:
            self.events.projects.emit()
        if self.project and old is not None:
            if token[1] != old[1]:  # runs, points, states, and a run's tags, notes, params or name (runs_v)
                self.refresh_catalog(catalog)
            if token[2] != old[2]:
                if self._queued:  # what the store holds would hide edits not written yet: after them
                    self._token = (*token[:2], old[2], *token[3:])
                else:
                    self.refresh_edits(old[2], token[2])
        elif self.project:  # the first poll after a reload: the aliases and charts were just read
            self.refresh_catalog()
        return True

    def refresh_edits(self, old: tuple, new: tuple) -> None:
        """Re-read the aliases, pins and charts whose counters moved (``old`` -> ``new``) and
        announce what differs from what this session holds."""
        from ..store.schema import EDIT_COUNTERS

        if self.project:
            self._reread(self.project, {c for c, was, now in zip(EDIT_COUNTERS, old, new) if was != now})

    def _reread(self, project: str, moved: set[str]) -> None:
        """Re-read these kinds of edits (``EDIT_COUNTERS`` names) of the shown project and
        announce what differs from what the session holds."""
        if project != self.project:
            return
        with self.batch():
            if "aliases_v" in moved:
                stored = {k: tuple(v) for k, v in self.store.aliases(project).items()}
                held = self.resolver.aliases(project)
                for name in sorted(set(held) - set(stored)):
                    self.resolver.remove_alias(project, name)
                changed = {n for n in set(held) | set(stored) if held.get(n) != stored.get(n)}
                for name in sorted(stored):
                    self.resolver.set_alias(project, name, stored[name])
                if changed:
                    self.events.aliases.emit(changed)
            if "pins_v" in moved or "aliases_v" in moved:
                stored_pins = self.store.pins(project)
                held_pins = self.resolver.pins(project)
                changed_pins = set()
                for exp in set(stored_pins) | set(held_pins):
                    s, h = stored_pins.get(exp, {}), held_pins.get(exp, {})
                    for alias in set(s) | set(h):
                        if s.get(alias) != h.get(alias):
                            self.resolver.set_pin(project, exp, alias, s.get(alias))
                            changed_pins.add((exp, alias))
                if changed_pins:
                    self.events.pins.emit(changed_pins)
            if "charts_v" in moved:
                sets = self.store.chart_set_list(project)
                own = {e: self.store.experiment_charts(project, e) for e in self._experiment_charts
                       if e in self._channels}
                if sets != self._chart_sets or own != self._experiment_charts:
                    self._chart_sets = sets
                    self._experiment_charts = own
                    self.events.chart_sets.emit()

    def refresh_catalog(self, catalog: list | None = None) -> None:
        """Re-read experiments and channels (or take ``catalog``, read already); new channels
        reach the resolver as event 2."""
        if not self.project:
            return
        catalog = self.store.catalog(self.project) if catalog is None else catalog
        structure = [e.name for e, _ in catalog] != [e.name for e in self._experiments]
        restated = not structure and [e for e, _ in catalog] != self._experiments
        grown: set[tuple[str, str, str]] = set()
        with self.batch():
            for e, chans in catalog:
                old = {c.name: c.count for c in self._channels.get(e.name, [])}
                new = {c.name: c.count for c in chans}
                if set(old) != set(new):
                    structure = True
                    self.resolver.add_channels(self.project, e.name, new)  # event 2: may switch an alias
                grown.update((self.project, e.name, c) for c in new if new[c] != old.get(c))
        known = {x.name for x in self._experiments}
        appeared = [e.name for e, _ in catalog if e.name not in known]
        groups_before = self.groups() if restated else None
        self._experiments = [e for e, _ in catalog]
        self._channels = {e.name: chans for e, chans in catalog}
        gone = [n for n in self._selection if n not in self._channels]
        if gone:  # deleted or renamed elsewhere
            self._selection = [n for n in self._selection if n in self._channels]
        if grown:
            self.events.grown.emit(grown)
        if structure:
            self.events.catalog.emit()
            if appeared:
                self.events.runs_appeared.emit(appeared)
            if gone:
                self.events.selection.emit(self.selection())
            return
        if restated:
            self.events.experiments.emit()
            if groups_before != self.groups():  # a run's params or tags changed its group
                self.events.grouping.emit()
        if grown:
            self.events.points.emit(grown)

    def select_experiments(self, names: Iterable[str]) -> None:
        order = {e.name: i for i, e in enumerate(self._experiments)}
        picked = sorted({n for n in names if n in order}, key=order.get)
        if picked == self._selection:
            return
        self._selection = picked
        self.events.selection.emit(self.selection())

    # ---- edits: shown at once, written in order on the session's writer ----------------------
    # Every edit names one object (an alias, a pin, one chart set, the sets' order, a run's charts,
    # a layout's few objects) and is shown at once: the session's state and its events change as
    # soon as it is made. Its store write is queued on the session's one writer (``WriteLane``:
    # one thread, first in first out, so edits, undos and redos reach the store in the order they
    # were made), because a write may wait up to the store's busy timeout for another process's
    # write lock. It is a compare-and-set: written only while the store still holds the value the
    # edit was made from; when another window or process changed it meanwhile, the edit is carried
    # over to what the store holds now (``edits.rebase_*``) and the session shows the merged value,
    # or it is refused in one line (``events.error``) and the session shows what the store holds.
    # Undo and redo are the same with the values swapped. What comes back from the writer is
    # handed over on the session's thread by ``deliver`` (the window: through ``wake``).
    @property
    def writing(self) -> bool:
        """Writes were queued whose outcome has not been handed over yet (``deliver``)."""
        return bool(self._queued)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait (at most ``timeout`` s) until every queued write is done, and hand their outcomes
        over (on this, the session's thread). Whether none is left."""
        self.writes.wait(timeout)
        self.deliver()
        return not self._queued

    def unwritten(self) -> list[str]:
        """What the queued writes are (their undo text), oldest first."""
        return [w.edit.text for w in self._queued]

    def edit(self, edit: Edit, done: Callable[[Edit | None], None] | None = None) -> Edit | None:
        """Show ``edit.after`` now and queue its write; returns the edit, or None when it changes
        nothing. ``done(written)`` follows on the session's thread once it is written (``written``:
        the edit as the store took it, its ``before`` what the store held, its ``after`` what was
        written after a carry-over; equal when the store held that already), or ``done(None)``
        when it was refused (said on ``events.error``; the session shows what the store holds).
        What can be checked without the store (a name, entries, charts) raises InvalidInput now,
        and nothing is shown or queued. A run's or project's rename re-reads the whole project: it
        is written at once (after the writes queued before it) and returned as written; a
        ChartDeskError propagates."""
        if edit.before == edit.after:
            return None
        if edit.kind in WRITTEN_AT_ONCE:
            self.flush()
            written = self._write_now(edit, edit.before, edit.after)
            return None if written.before == written.after else written
        self._check(edit, edit.after)
        self._show(edit, edit.after)
        self._queue(edit, edit.before, edit.after, done)
        return edit

    def apply(self, edit: Edit, value: Any) -> None:
        """Write one of the edit's values (``after`` to redo, ``before`` to undo) over the other,
        now, on this thread (after what is queued); a refusal raises a ChartDeskError."""
        self.flush()
        self._write_now(edit, edit.after if value == edit.before else edit.before, value)

    def replay(self, edit: Edit, value: Any, done: Callable[[Edit | None], None] | None = None) -> bool:
        """Undo or redo: show ``value`` and queue its write over the other value, as ``edit``
        does; a refusal says why on ``events.error`` and calls ``done(None)``, so the step can be
        dropped instead of the Undo menu and the store disagreeing. A rename is written at once:
        False when it fails (said on ``events.error``)."""
        base = edit.after if value == edit.before else edit.before
        if edit.kind not in WRITTEN_AT_ONCE:
            try:
                self._check(edit, value)
            except ChartDeskError as exc:
                self.events.error.emit(f"{edit.text}: {exc}")
                return False
            self._show(edit, value)
            self._queue(edit, base, value, done)
            return True
        try:
            self.flush()
            self._write_now(edit, base, value)
        except ChartDeskError as exc:
            log.warning("%s could not be written again: %s", edit.text, exc)
            self.events.error.emit(f"{edit.text}: {exc}")
            return False
        return True

    def _queue(self, edit: Edit, base: Any, value: Any, done) -> None:
        """The write of ``value`` over ``base`` on the writer; its outcome arrives in ``deliver``."""
        write = _Write(edit, base, value, done, self._keys(edit, base, value))
        self._queued.append(write)
        self.writes.submit(self._write_off, write)

    def _write_off(self, write: _Write) -> None:
        """On the writer's thread: the store write, and on a refusal what the store holds of the
        objects it names (nothing of the session is touched here)."""
        try:
            write.written = self._store_write(write.edit, write.base, write.value)
        except ChartDeskError as exc:
            write.refused = exc
            try:
                write.truth = self._read_truth(write.keys)
            except ChartDeskError as err:  # not even readable: the next poll says more
                log.warning("re-reading after a refused write failed: %s", err)
        except Exception as exc:  # a bug: logged, said in one line, and the step dropped
            log.error("writing %s failed", write.edit.text, exc_info=exc)
            write.refused = exc
        self._arrived.put(write)
        wake = self.wake
        if wake is not None:
            try:
                wake()
            except RuntimeError:  # the window went meanwhile
                pass

    def deliver(self) -> None:
        """Hand over what the writer has done (call on the session's thread): a write carried
        over shows the merged value, a refused one what the store holds (and says why); then
        each edit's ``done``. An object with a later write queued waits for that one."""
        while True:
            try:
                write = self._arrived.get_nowait()
            except queue.Empty:
                return
            if write in self._queued:
                self._queued.remove(write)
            later = set().union(*(w.keys for w in self._queued)) if self._queued else set()
            if write.refused is not None:
                exc = write.refused
                why = str(exc) if isinstance(exc, ChartDeskError) else f"{type(exc).__name__}: {exc}"
                log.warning("%s was not written: %s", write.edit.text, why)
                if write.truth is not None:
                    self._show_truth({k: v for k, v in write.truth.items() if k not in later})
                self.events.error.emit(f"{write.edit.text}: {why}")
                outcome = None
            else:
                base, value = write.written
                if value != write.value and not write.keys & later:
                    self._show(write.edit, value)  # carried over: what the store holds now
                outcome = replace(write.edit, before=base, after=value) if write.value == write.edit.after \
                    else replace(write.edit, before=value, after=base)
            if write.done is not None:
                write.done(outcome)

    # ---- checking and showing an edit (the session's thread) ----------------------------------
    def _check(self, edit: Edit, value: Any) -> None:
        """What the store would refuse as bad input, said now (InvalidInput, one line)."""
        kind, args = edit.key[0], edit.key[1:]
        if kind == "alias":
            check_name("alias", args[1])
            if value is not None:
                Store._alias_entries(args[1], value)
        elif kind == "pin":
            if value is not None:
                check_name("channel", value)
        elif kind == "chart set":
            check_name("chart set", args[1])
            if value is not None:
                Store._chart_list(args[1], value[1])
        elif kind == "rename chart set":
            old, new = value
            check_name("chart set", new)
            names = [s.name for s in self._chart_sets] if args[0] == self.project else []
            if new != old and new in names:
                raise InvalidInput(f"project {args[0]!r} has a chart set named {new!r} already")
        elif kind == "charts":
            Store._chart_list(args[1], value)

    def _keys(self, edit: Edit, base: Any, value: Any) -> frozenset:
        """The objects an edit writes: ("alias", p, name), ("pin", p, run, alias), ("sets", p),
        ("charts", p, run)."""
        kind, args = edit.key[0], edit.key[1:]
        if kind == "alias":
            return frozenset({("alias", args[0], args[1])})
        if kind == "pin":
            return frozenset({("pin", *args)})
        if kind in ("chart set", "chart set order", "rename chart set"):
            return frozenset({("sets", args[0])})
        if kind == "charts":
            return frozenset({("charts", *args)})
        if kind == "layout":
            keys = {("alias", args[0], n) for c in (base, value) for n, _ in c.aliases}
            keys |= {("pin", args[0], e, a) for c in (base, value) for (e, a), _ in c.pins}
            if any(c.chart_sets for c in (base, value)):
                keys.add(("sets", args[0]))
            return frozenset(keys)
        return frozenset()

    def _show(self, edit: Edit, value: Any) -> None:
        """Make the session show ``value`` of the edit's object(s), announced as any change is."""
        kind, args = edit.key[0], edit.key[1:]
        project = args[0]
        if kind == "alias":
            self._show_alias(project, args[1], value)
        elif kind == "pin":
            self._show_pin(project, args[1], args[2], value)
        elif kind == "chart set":
            sets = [s for s in self._chart_sets if s.name != args[1]]
            if value is not None:
                at = next((i for i, s in enumerate(sets) if s.name == value[0]), len(sets))
                sets.insert(at, ChartSet(args[1], tuple(value[1])))
            self._show_sets(project, sets)
        elif kind == "chart set order":
            by_name = {s.name: s for s in self._chart_sets}
            order = [by_name[n] for n in value if n in by_name]
            self._show_sets(project, order + [s for s in self._chart_sets if s.name not in value])
        elif kind == "rename chart set":
            old, new = value
            self._show_sets(project, [replace(s, name=new) if s.name == old else s for s in self._chart_sets])
        elif kind == "charts":
            self._show_charts(project, args[1], list(value))
        elif kind == "layout":
            with self.batch():
                for name, entries in value.aliases:
                    self._show_alias(project, name, entries)
                for (experiment, alias), channel in value.pins:
                    self._show_pin(project, experiment, alias, channel)
                if value.chart_sets and project == self.project:
                    sets = list(self._chart_sets)
                    for name, charts in value.chart_sets:
                        at = next((i for i, s in enumerate(sets) if s.name == name), None)
                        if charts is None:
                            if at is not None:
                                del sets[at]
                        elif at is None:
                            sets.append(ChartSet(name, tuple(charts)))
                        else:
                            sets[at] = ChartSet(name, tuple(charts))
                    self._show_sets(project, sets)

    def _show_alias(self, project: str, name: str, entries) -> None:
        held = self.resolver.alias(project, name)
        new = None if entries is None else tuple(entries)
        if held == new:
            return
        if new is None:
            self.resolver.remove_alias(project, name)
            for experiment, pins in self.resolver.pins(project).items():  # its pins go with it
                if name in pins:
                    self.resolver.set_pin(project, experiment, name, None)
        else:
            self.resolver.set_alias(project, name, list(new))
        if project == self.project:
            self.events.aliases.emit({name})

    def _show_pin(self, project: str, experiment: str, alias: str, channel) -> None:
        if self.resolver.pin(project, experiment, alias) == channel:
            return
        self.resolver.set_pin(project, experiment, alias, channel)
        if project == self.project:
            self.events.pins.emit({(experiment, alias)})

    def _show_sets(self, project: str, sets: list[ChartSet]) -> None:
        if project == self.project and sets != self._chart_sets:
            self._chart_sets = sets
            self.events.chart_sets.emit()

    def _show_charts(self, project: str, experiment: str, charts: list[Chart]) -> None:
        if project == self.project and self._experiment_charts.get(experiment) != charts:
            self._experiment_charts[experiment] = charts
            self.events.chart_sets.emit()

    def _read_truth(self, keys: frozenset) -> dict:
        """What the store holds of these objects (``_keys``' names): any thread."""
        out: dict = {}
        store = self.store
        for key in keys:
            if key[0] == "alias":
                entries = store.aliases(key[1]).get(key[2])
                out[key] = None if entries is None else tuple(entries)
                pins = store.pins(key[1])
                out.update({("pin", key[1], e, key[2]): p.get(key[2]) for e, p in pins.items()})
            elif key[0] == "pin":
                out[key] = store.pins(key[1]).get(key[2], {}).get(key[3])
            elif key[0] == "sets":
                out[key] = store.chart_set_list(key[1])
            elif key[0] == "charts":
                out[key] = store.experiment_charts(key[1], key[2])
        return out

    def _show_truth(self, truth: dict) -> None:
        with self.batch():
            for key, value in truth.items():
                if key[0] == "alias":
                    self._show_alias(key[1], key[2], value)
            for key, value in truth.items():
                if key[0] == "pin":
                    self._show_pin(key[1], key[2], key[3], value)
                elif key[0] == "sets":
                    self._show_sets(key[1], list(value))
                elif key[0] == "charts":
                    self._show_charts(key[1], key[2], list(value))

    # ---- writing an edit: the store only (the writer's thread) --------------------------------
    def _store_write(self, edit: Edit, base: Any, value: Any) -> tuple[Any, Any]:
        """Write ``value`` over ``base`` (compare-and-set, carried over); (base, value) as written:
        what the store held and what it holds now. Touches the store only: any thread."""
        kind, args = edit.key[0], edit.key[1:]
        store = self.store
        if kind == "alias":
            name = args[1]
            return self._merged(lambda change: store.update_alias(args[0], name, change),
                                lambda cur: None if cur is None else tuple(cur),
                                lambda b, v, f: rebase(b, v, f, f"alias {name!r}", rebase_names),
                                None if base is None else tuple(base), None if value is None else tuple(value))
        if kind == "pin":
            project, experiment, alias = args

            def merge(_b, _v, fresh):
                raise Conflict(f"the pin of {alias!r} in {experiment!r} was changed elsewhere meanwhile (it is now "
                               f"{fresh or 'unpinned'}); nothing was written")

            return self._over(lambda b, v: store.set_pin(project, experiment, alias, v, expect=b),
                              lambda cur: cur, merge, base, value)
        if kind == "chart set":
            return self._write_chart_set_over(args[0], args[1], base, value)
        if kind == "chart set order":
            return self._over(lambda b, v: store.order_chart_sets(args[0], list(v), expect=list(b)), tuple,
                              rebase_names, tuple(base), tuple(value))
        if kind == "rename chart set":
            try:
                store.rename_chart_set(args[0], *value)
            except NotFound:
                raise Conflict(f"chart set {value[0]!r} was renamed or deleted elsewhere meanwhile; "
                               "nothing was written") from None
            return base, value
        if kind == "charts":
            what = f"the charts of {args[1]!r}"
            return self._over(
                lambda b, v: store.set_experiment_charts(args[0], args[1], list(v), expect=list(b)),
                lambda cur: tuple(ChartSet.from_list(args[1], cur).charts),
                lambda b, v, f: rebase_charts(b, v, f, what), tuple(base), tuple(value))
        if kind == "layout":
            from ..layout import write_changes

            write_changes(store, args[0], base, value)
            return base, value
        raise ValueError(f"{kind} edits are written at once")

    def _write_now(self, edit: Edit, base: Any, value: Any) -> Edit:
        """A rename of a run or a project, on this thread: the store, then the whole project re-read."""
        kind, args = edit.key[0], edit.key[1:]
        if kind == "rename experiment":
            self._write_experiment_name(args[0], *value)
        elif kind == "rename project":
            self._write_project_name(*value)
        else:
            try:
                base, value = self._store_write(edit, base, value)
            except ChartDeskError:
                self._show_truth(self._read_truth(self._keys(edit, base, value)))
                raise
            self._show(edit, value)
        return replace(edit, before=base, after=value)

    @staticmethod
    def _over(write, fresh_of, merge, base, value):
        """Compare-and-set ``value`` over ``base`` (``write(base, value)`` raises ``Conflict``
        with what the store holds); carry the change over and try again when the store holds
        something else, a bounded number of times. Returns (base, value) as written: equal when
        the store already held what the edit makes."""
        for _ in range(MERGE_ATTEMPTS):
            try:
                write(base, value)
                return base, value
            except Conflict as exc:
                fresh = fresh_of(exc.current)
                merged = merge(base, value, fresh)
                if merged == fresh:
                    return fresh, fresh
                base, value = fresh, merged
        raise Conflict(f"it keeps being changed elsewhere (tried {MERGE_ATTEMPTS} times); nothing was written")

    @staticmethod
    def _merged(update, fresh_of, merge, base, value) -> tuple:
        """Carry ``base`` -> ``value`` over to what the store holds, inside its write transaction
        (``update(change)``: ``Store.update_alias`` / ``update_chart_set``), so that no other
        writer comes between the read and the write: plainly ``value`` when the store holds
        ``base``. Returns (what the store held, what was written); a refusal (``Conflict``)
        writes nothing."""
        got: dict = {}

        def change(current):
            got["fresh"] = fresh_of(current)
            got["value"] = merge(base, value, got["fresh"])
            return got["value"]

        update(change)
        return got["fresh"], got["value"]

    def _write_chart_set_over(self, project: str, name: str, base, value) -> tuple:
        """Make (value ``(the set after it, charts)`` over None), change or delete (None) one chart set."""
        after = (value if value is not None else base)[0]
        what = f"chart set {name!r}"

        def fresh_of(cur):
            return None if cur is None else (after, ChartSet.from_list(name, cur).charts)

        def merge(b, v, f):
            charts = rebase(None if b is None else b[1], None if v is None else v[1], None if f is None else f[1],
                            what, lambda bb, vv, ff: rebase_charts(bb, vv, ff, what))
            return None if charts is None else (after, charts)

        return self._merged(lambda change: self.store.update_chart_set(
            project, name, lambda cur: None if (new := change(cur)) is None else list(new[1]), before=after),
            fresh_of, merge, base, value)

    def alias_edit(self, name: str, entries: Sequence[str] | None, text: str, gesture: int | None = None) -> Edit:
        after = None if entries is None else tuple(entries)
        return Edit(text, ("alias", self.project, name), self.alias(name), after, gesture)

    def pin_edit(self, experiment: str, alias: str, channel: str | None) -> Edit:
        text = f"Pin {alias} to {channel} in {experiment}" if channel else f"Unpin {alias} in {experiment}"
        return Edit(text, ("pin", self.project, experiment, alias), self.pin(experiment, alias), channel)

    def chart_sets_edit(self, sets: Sequence[ChartSet], text: str) -> Edit:
        """The edit that turns the chart sets this session shows into ``sets``: one change of
        one set (made, deleted, its charts), a rename, or a new order (``edits.chart_set_change``),
        so that writing it touches that set only."""
        from ..edits import chart_set_change

        held = tuple(self._chart_sets)
        if tuple(sets) == held:
            names = tuple(s.name for s in held)
            return Edit(text, ("chart set order", self.project), names, names)
        change = chart_set_change(held, tuple(sets))
        if change[0] == "set":
            return Edit(text, ("chart set", self.project, change[1]), change[2], change[3])
        if change[0] == "rename":
            return Edit(text, ("rename chart set", self.project), (change[2], change[1]), (change[1], change[2]))
        return Edit(text, ("chart set order", self.project), change[1], change[2])

    def experiment_charts_edit(self, experiment: str, charts: Sequence[Chart], text: str) -> Edit:
        return Edit(text, ("charts", self.project, experiment), tuple(self.experiment_charts(experiment)),
                    tuple(charts))

    def rename_experiment_edit(self, old: str, new: str) -> Edit:
        return Edit(f"Rename {old} to {new}", ("rename experiment", self.project), (new, old), (old, new))

    def rename_project_edit(self, old: str, new: str) -> Edit:
        return Edit(f"Rename project {old} to {new}", ("rename project",), (new, old), (old, new))

    def write_alias(self, name: str, entries, project: str | None = None) -> None:
        """Create/replace (``entries`` a sequence) or delete (``None``) an alias, whatever it
        holds now (no undo step); the resolver then tells everyone, once."""
        project = project or self.project
        if entries is None:
            self.store.delete_alias(project, name)
            self.resolver.remove_alias(project, name)
        else:
            self.store.set_alias(project, name, list(entries))
            self.resolver.set_alias(project, name, list(entries))
        if project == self.project:
            self.events.aliases.emit({name})

    def move_alias_entries(self, name: str, src: int, count: int, dst: int, text: str,
                           gesture: int | None = None,
                           done: Callable[[Edit | None], None] | None = None) -> Edit | None:
        """Move entries of an alias (Qt's moveRows rule), announced as moving, then moved, so a
        list model can tell its view exactly which rows moved; the write is queued as ``edit``'s
        is (``done`` as there). The Edit made, or None when nothing moves."""
        from ..edits import move_entries

        entries = self.alias(name) or ()
        after = move_entries(entries, src, count, dst)
        if after == tuple(entries):
            return None
        edit = self.alias_edit(name, after, text, gesture)
        self._check(edit, edit.after)
        self.events.alias_moving.emit(name, src, count, dst)
        project = self.project
        self.resolver.set_alias(project, name, list(after))
        self.events.alias_moved.emit(name)  # the session holds the new order by now
        self.events.aliases.emit({name})
        self._queue(edit, edit.before, edit.after, done)
        return edit

    def write_pin(self, experiment: str, alias: str, channel: str | None, project: str | None = None) -> None:
        project = project or self.project
        self.store.set_pin(project, experiment, alias, channel)
        self.resolver.set_pin(project, experiment, alias, channel)
        if project == self.project:
            self.events.pins.emit({(experiment, alias)})

    # ---- deleting and renaming experiments and projects ----------------------------------------
    def _write_experiment_name(self, project: str, src: str, dst: str) -> None:
        self.store.rename_experiment(project, src, dst)
        if project == self.project:
            self._selection = [dst if n == src else n for n in self._selection]
            self._experiment_charts.pop(src, None)
            self.latest_runs = {dst if n == src else n for n in self.latest_runs}
            self.reload()
            self.events.selection.emit(self.selection())

    def delete_experiments(self, names: Sequence[str]) -> None:
        """Not undoable (the points are gone); the window asks first. After the queued writes."""
        self.flush()
        for name in names:
            self.store.delete_experiment(self.project, name)
            self._experiment_charts.pop(name, None)
        self._selection = [n for n in self._selection if n not in names]
        self.reload()
        self.events.selection.emit(self.selection())

    def _write_project_name(self, src: str, dst: str) -> None:
        self.store.rename_project(src, dst)
        for book in (self._filters, self._selections):
            if src in book:
                book[dst] = book.pop(src)
        self.events.project_renamed.emit(src, dst)
        if self.project == src:
            self.project = dst
            self.reload()
        self.events.project.emit(self.project or "")

    def delete_project(self, name: str) -> None:
        self.flush()  # after the queued writes
        self.store.delete_project(name)
        self._filters.pop(name, None)
        self._selections.pop(name, None)
        if self.project == name:
            rest = self.store.projects()
            self.set_project(rest[0] if rest else None)
        else:
            self.events.project.emit(self.project or "")

    def reload(self) -> None:
        """Re-read the whole project after a structural edit (rename, delete); aliases that read
        differently now (another process edited them meanwhile) are announced too."""
        before = self.aliases()
        self._load_project()
        self._token = None
        self.events.catalog.emit()
        after = self.aliases()
        changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
        if changed:
            self.events.aliases.emit(changed)

    def _on_resolver_change(self, project: str, aliases, experiments) -> None:
        if project == self.project and not self._loading:
            self.events.resolution.emit(aliases, experiments)
