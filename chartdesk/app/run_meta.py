"""A run's page and the edits the session's own machinery does not carry yet: a run's tags and
notes, an alias's name. Qt-free.

``RunDetails`` is what a run's page shows of its channels (points, first and last step and wall
time, last, min and max value), read by ``read_details`` from the chunk summaries (no point is
read; call it off the GUI thread). The run's name, state, times, params, tags and notes are the
session's (``Session.experiments()``), so the page paints them without asking the store.

``MetaEdits`` makes and writes ``MetaEdit`` records: the same shape as ``history.Edit`` (text,
key, before, after, gesture; one gesture on one key merges into one undo step) and written the
same way, as a compare-and-set against what the store holds now: tags changed elsewhere meanwhile
are carried over (``edits.rebase_names``: the tags this edit added or removed are added or removed
there too), notes changed elsewhere refuse the edit in one line, and an alias rename is refused
when the new name is taken. ``replay`` is what ``gui.commands.EditCommand`` calls on undo and
redo. After each write the session polls the store (``Session.poll``), so this window follows the
edit exactly as other windows do (they see the store's runs counter or edit counters move).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from ..edits import rebase_names
from ..errors import ChartDeskError, Conflict, InvalidInput, NotFound
from ..model import Experiment
from ..query import flatten
from .history import Edit

log = logging.getLogger(__name__)

#: What a ``MetaEdit``'s key starts with, and what follows it in the key.
KINDS = {
    "tags": ("project", "experiment"),     # the run's tags (a tuple)
    "notes": ("project", "experiment"),    # the run's notes (text, "" for none)
    "rename alias": ("project",),          # (old, new) names
}
#: How many times a tags edit is carried over to tags another process keeps changing.
MERGE_ATTEMPTS = 8


@dataclass(frozen=True)
class MetaEdit(Edit):
    def __post_init__(self) -> None:
        kind = self.key[0] if self.key else None
        if kind not in KINDS or len(self.key) != 1 + len(KINDS[kind]):
            raise ValueError(f"not a run or alias-name edit key: {self.key!r}")


@dataclass(frozen=True)
class ChannelSummary:
    name: str
    points: int
    first_step: float | None = None
    last_step: float | None = None
    first_time: float | None = None
    last_time: float | None = None
    last: float | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class RunDetails:
    experiment: str
    channels: tuple[ChannelSummary, ...]

    @property
    def started(self) -> float | None:
        """When the run logged its first point (wall time), None before it has one."""
        times = [c.first_time for c in self.channels if c.first_time is not None and math.isfinite(c.first_time)]
        return min(times) if times else None

    @property
    def last_point(self) -> float | None:
        times = [c.last_time for c in self.channels if c.last_time is not None and math.isfinite(c.last_time)]
        return max(times) if times else None


def read_details(store, project: str, experiment: str) -> RunDetails:
    """Each channel of the run summarised (chunk summaries only: ``Store.channel_ends`` and
    ``Store.reduce_channels``). Reads the store: call it off the GUI thread."""
    names = store.channels(project, experiment)
    ends = store.channel_ends(project, experiment)
    values = store.reduce_channels(project, [(experiment, c) for c in names], ["last", "min", "max"])
    out = []
    for name in names:
        n, x0, x1, t0, t1 = ends.get(name, (0, None, None, None, None))
        v = values.get((experiment, name), {})
        out.append(ChannelSummary(name, n, x0, x1, t0, t1, v.get("last"), v.get("min"), v.get("max")))
    return RunDetails(experiment, tuple(out))


def params_rows(experiment: Experiment) -> list[tuple[str, Any]]:
    """Every param of a run, nested ones flattened (``optimizer.lr``), sorted by name."""
    return sorted(flatten(dict(experiment.params)).items(), key=lambda kv: kv[0].lower())


def parse_tags(text: str) -> list[str]:
    """Tags typed in one box: separated by commas, blanks around each dropped."""
    return [t.strip() for t in str(text).split(",") if t.strip()]


class MetaEdits:
    """Edits of the shown project's runs' tags and notes and of its aliases' names, written
    through ``session.store`` and followed by ``session.poll()``."""

    def __init__(self, session) -> None:
        self.session = session

    # ---- making edits ----------------------------------------------------------------------
    def _experiment(self, name: str) -> Experiment:
        for e in self.session.experiments():
            if e.name == name:
                return e
        raise NotFound(f"unknown experiment {name!r} in project {self.session.project!r}")

    def tags_edit(self, experiment: str, tags, text: str | None = None) -> MetaEdit:
        before = tuple(self._experiment(experiment).tags)
        after = tuple(dict.fromkeys(tags))
        return MetaEdit(text or f"Set tags of {experiment}", ("tags", self.session.project, experiment), before, after)

    def add_tags_edit(self, experiment: str, tags) -> MetaEdit:
        before = tuple(self._experiment(experiment).tags)
        new = [t for t in dict.fromkeys(tags) if t not in before]
        what = ", ".join(new) if new else ", ".join(tags)
        return self.tags_edit(experiment, (*before, *new), f"Tag {experiment} {what}")

    def remove_tag_edit(self, experiment: str, tag: str) -> MetaEdit:
        before = tuple(self._experiment(experiment).tags)
        return self.tags_edit(experiment, [t for t in before if t != tag], f"Remove tag {tag} of {experiment}")

    def notes_edit(self, experiment: str, notes: str, gesture: int | None = None) -> MetaEdit:
        return MetaEdit(f"Edit notes of {experiment}", ("notes", self.session.project, experiment),
                        self._experiment(experiment).notes, str(notes), gesture)

    def rename_alias_edit(self, old: str, new: str) -> MetaEdit:
        return MetaEdit(f"Rename alias {old} to {new}", ("rename alias", self.session.project), (new, old), (old, new))

    # ---- writing them ----------------------------------------------------------------------
    def edit(self, edit: MetaEdit) -> MetaEdit | None:
        """Write ``edit.after`` now; the edit as written (its ``before`` what the store held, its
        ``after`` what was written), or None when nothing changed. A ChartDeskError propagates
        (one line) and nothing is written."""
        if edit.before == edit.after:
            return None
        self.session.flush()  # after the session's queued writes, in the order they were made
        written = self._write(edit, edit.before, edit.after)
        return None if written.before == written.after else written

    def apply(self, edit: MetaEdit, value: Any) -> None:
        self._write(edit, edit.after if value == edit.before else edit.before, value)

    def replay(self, edit: MetaEdit, value: Any, done=None) -> bool:
        """Undo or redo (``gui.commands.EditCommand``), written at once (after the session's
        queued writes; ``done`` is not called): False, and one line on the session's error
        event, when the write fails (the step is then dropped)."""
        try:
            self.session.flush()
            self.apply(edit, value)
        except ChartDeskError as exc:
            log.warning("%s could not be written again: %s", edit.text, exc)
            self.session.events.error.emit(f"{edit.text}: {exc}")
            return False
        return True

    def _write(self, edit: MetaEdit, base: Any, value: Any) -> MetaEdit:
        store, kind = self.session.store, edit.kind
        try:
            if kind == "tags":
                base, value = self._write_tags(edit.key[1], edit.key[2], tuple(base), tuple(value))
            elif kind == "notes":
                store.set_notes(edit.key[1], edit.key[2], value, expect=base)
            else:
                src, dst = value
                try:
                    store.rename_alias(edit.key[1], src, dst)
                except NotFound:
                    raise Conflict(f"alias {src!r} was renamed or deleted elsewhere meanwhile; nothing was written") \
                        from None
        finally:
            self.session.poll()  # this window follows the edit (or what the store holds after a refusal)
        return MetaEdit(edit.text, edit.key, base, value, edit.gesture)

    def _write_tags(self, project: str, experiment: str, base: tuple, value: tuple) -> tuple[tuple, tuple]:
        """Compare-and-set, carried over to tags changed elsewhere meanwhile."""
        store = self.session.store
        for _ in range(MERGE_ATTEMPTS):
            try:
                store.set_tags(project, experiment, list(value), expect=list(base))
                return base, value
            except Conflict:
                fresh = tuple(store.experiment(project, experiment).tags)
                merged = rebase_names(base, value, fresh)
                if merged == fresh:
                    return fresh, fresh
                base, value = fresh, merged
        raise Conflict(f"the tags of {experiment!r} keep being changed elsewhere (tried {MERGE_ATTEMPTS} times); "
                       "nothing was written")


def check_alias_name(name: str, taken) -> str:
    """The name typed for an alias, stripped; ``InvalidInput`` (one line) when it is empty or
    another alias of the project has it."""
    name = str(name).strip()
    if not name:
        raise InvalidInput("an alias needs a name")
    if name in taken:
        raise InvalidInput(f"the project has an alias named {name!r} already; pick another name")
    return name
