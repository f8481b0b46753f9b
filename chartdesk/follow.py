"""Following other tools' log folders while their runs train: what is there is imported, then
new points are appended as the files grow, with no change to the training code.

A ``Follower`` keeps, per source, where it has read to. TensorBoard event files are read on from
the last complete record (a record still being written is left for the next read); text tables
(CSV, JSON lines, MLflow metric files, DVCLive TSVs) are read up to their last full line and
only the rows past what the store holds are written. A TensorBoard run resumed from a checkpoint
(its steps go back) is read again whole and imported with its orphaned points purged, as an
import does (``tensorboard.purge_orphans``; ``Step.warnings`` says how many). New runs are picked up as their folders
appear. Followed runs are ``running``; ``stop`` gives each the state its files say (or
``succeeded``) and leaves everything imported. ``watch`` waits for changes with ``watchfiles``
(inotify and friends: an idle folder costs nothing), so the module needs no Qt.

A file that cannot be read is reported once and skipped; the others keep being followed.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from .decimate import latest_writes
from .errors import ChartDeskError, InvalidInput, NotFound
from .importers import Source, discover, run_groups
from .importers.base import ImportFailed, ParsedExperiment, growing_files
from .importers.tensorboard import purge_orphans, read_events


@dataclass
class _Run:
    """A followed source: its experiment, and how far its files have been read."""

    name: str
    offsets: dict[Path, int] = field(default_factory=dict)   # event files: bytes read
    sizes: dict[Path, int] = field(default_factory=dict)     # other files: size when last read
    state: str = "succeeded"  # what its files say the run ended as (hparams session end, MLflow status)
    last_wall: float | None = None
    last_x: dict[str, float] = field(default_factory=dict)  # event files: each channel's last (highest) stored step


def _went_back(run: _Run, part: ParsedExperiment) -> bool:
    """Whether new records of an event-file run go back to a step at or below one it holds (a run
    resumed from a checkpoint), which orphans points already written."""
    for name, ch in part.channels.items():
        if ch.x and (ch.x[0] <= run.last_x.get(name, -np.inf) or not latest_writes(np.asarray(ch.x)).all()):
            return True
    return False


@dataclass
class Step:
    """What one pass wrote."""

    new_runs: list[str] = field(default_factory=list)
    points: int = 0
    refused: list[str] = field(default_factory=list)  # newly refused files (each reported once)
    warnings: list[str] = field(default_factory=list)  # what was dropped on the way (a resumed run's orphans)


class Follower:
    def __init__(self, store, project: str, paths: Iterable[str | Path]) -> None:
        self.store = store
        self.project = project
        self.roots = [Path(p).expanduser().resolve() for p in paths]
        if not self.roots:
            raise InvalidInput("follow needs at least one folder or file")
        for r in self.roots:
            if not r.exists():
                raise NotFound(f"cannot follow {r}: no such file or folder")
        self.runs: dict[str, _Run] = {}   # by source key
        self._refused: set[str] = set()
        self.points = 0
        self._lock = threading.Lock()

    # ---- one pass -------------------------------------------------------------------------
    def poll(self) -> Step:
        """Read what is new under the followed paths and write it."""
        with self._lock:
            step = Step()
            try:
                sources = discover(self.roots)
            except ImportFailed:
                return step  # nothing importable yet: a run folder that is still empty
            for src in (self._followed(group) for group in run_groups(sources)):
                key = self._key(src)
                if src.fmt == "refused":
                    self._refuse(step, key, f"{src.path}: {src.reason}")
                    continue
                if key in self._refused:
                    continue
                try:
                    with growing_files():
                        self._follow(src, key, step)
                except ImportFailed as exc:
                    self._refuse(step, key, str(exc))
                except (OSError, ValueError, UnicodeError) as exc:
                    self._refuse(step, key, f"{src.path}: cannot be read ({type(exc).__name__}: {exc})")
            self.points += step.points
            return step

    def _refuse(self, step: Step, key: str, why: str) -> None:
        if key not in self._refused:
            self._refused.add(key)
            step.refused.append(why)

    @staticmethod
    def _followed(group: list[Source]) -> Source:
        """Of one run's files (a Ray Tune trial's event file and progress.csv), the one followed:
        the event file, which grows by records, else the first; the run is one experiment."""
        return next((s for s in group if s.fmt == "tensorboard"), group[0])

    @staticmethod
    def _key(src: Source) -> str:
        return f"{src.fmt}:{src.path}"

    def _follow(self, src: Source, key: str, step: Step) -> None:
        run = self.runs.get(key)
        if src.fmt == "tensorboard":
            self._follow_events(src, key, run, step)
            return
        files = [p for p in (src.path.rglob("*") if src.path.is_dir() else [src.path]) if p.is_file()]
        sizes = {p: p.stat().st_size for p in files}
        if run is not None and sizes == run.sizes:
            return  # nothing changed
        parsed = src.parse()
        for exp in parsed:  # an MLflow SQLite store gives several runs: one key each
            run_key = key if len(parsed) == 1 else f"{key}#{exp.source}"
            self._write_tables(exp, run_key, step)
            if run_key in self.runs:
                self.runs[run_key].sizes = sizes

    def _write_tables(self, exp: ParsedExperiment, key: str, step: Step) -> None:
        """A whole parse of a text source: the first time an import, then the rows past the store's."""
        run = self.runs.get(key)
        if run is None:
            self._import(exp, key, exp.state, step)
            return
        run.state = exp.state
        have = {c.name: c.count for c in self.store.channel_infos(self.project, run.name)}
        batch = {}
        for name, ch in exp.channels.items():
            x, y, t = ch.arrays()
            n = have.get(name, 0)
            if len(x) < n:  # the file was rewritten shorter: import it again as it is now
                self._import(exp, key, exp.state, step, again=True)
                return
            if len(x) > n:
                batch[name] = (x[n:], y[n:], t[n:])
        self._append(run, batch, step, exp)
        walls = [t for ch in exp.channels.values() for t in ch.t[-1:] if np.isfinite(t)]
        if walls:
            run.last_wall = max(walls)

    @staticmethod
    def _read_events(src: Source, offsets: dict[Path, int]) -> tuple[ParsedExperiment, dict[Path, int]]:
        """The records of a run's event files past ``offsets``, and the offsets after them."""
        # the source key of a plain import of this folder: importing it later replaces, never duplicates
        part = ParsedExperiment(name=src.name, source=f"tensorboard:{src.path.resolve()}", fmt="tensorboard")
        offsets = dict(offsets)
        for f in sorted(src.files):
            size = f.stat().st_size
            start = offsets.get(f, 0)
            if size < start:  # rewritten: read it from the start again
                start = 0
            if size == start:
                continue
            with open(f, "rb") as fh:
                fh.seek(start)
                data = fh.read(size - start)
            _records, end = read_events(data, 0, part, f, growing=True)
            offsets[f] = start + end
        return part, offsets

    def _follow_events(self, src: Source, key: str, run: _Run | None, step: Step) -> None:
        part, offsets = self._read_events(src, run.offsets if run is not None else {})
        again = run is not None and _went_back(run, part)
        if again:  # resumed from a checkpoint: the points it orphans are stored; read it all again, purged
            part, offsets = self._read_events(src, {})
        walls = [t for ch in part.channels.values() for t in ch.t if np.isfinite(t)]
        if run is None or again:
            purge_orphans(part, src.path)
            step.warnings.extend(part.warnings)
            if walls:
                part.created, part.finished = min(walls), max(walls)
            self._import(part, key, part.state, step, again=again)
            run = self.runs[key]
        else:
            batch = {name: ch.arrays() for name, ch in part.channels.items() if ch.x}
            self._append(run, batch, step, part)
        if part.state != "succeeded":  # an add_hparams session end said how the run ended
            run.state = part.state
        if walls:
            run.last_wall = max(walls + ([run.last_wall] if run.last_wall else []))
        run.offsets = offsets
        run.last_x.update((name, ch.x[-1]) for name, ch in part.channels.items() if ch.x)

    def _import(self, exp: ParsedExperiment, key: str, final: str, step: Step, again: bool = False) -> None:
        name = self.store.import_experiment(self.project, replace(exp, state="running", finished=None))
        run = self.runs.get(key) or _Run(name)
        run.name, run.state = name, final
        walls = [t for ch in exp.channels.values() for t in ch.t if np.isfinite(t)]
        run.last_wall = max(walls) if walls else run.last_wall
        self.runs[key] = run
        if not again:
            step.new_runs.append(name)
        step.points += exp.points()

    def _append(self, run: _Run, batch: dict, step: Step, exp: ParsedExperiment) -> None:
        if not batch:
            return
        named = {name: exp.x_name_of(name) for name in batch}  # a channel that appears later says its x too
        try:
            self.store.append_many(self.project, run.name, batch, x_names={n: x for n, x in named.items() if x})
        except NotFound:  # renamed or deleted in the window meanwhile: stop following it
            raise ImportFailed(run.name, None, "the run was renamed or deleted while followed; no longer followed") from None
        step.points += sum(len(v[0]) for v in batch.values())

    # ---- the loop -----------------------------------------------------------------------------
    def watch(self, stop: threading.Event, on_step: Callable[[Step], None] | None = None,
              debounce_ms: int = 300, step_ms: int = 50) -> None:
        """Poll once, then after every batch of file changes until ``stop`` is set, and once more
        then (what was written just before the stop is kept); then ``close``. The first time the
        watcher is up (its first wake-up, a change or a quiet second) it polls too: a file that
        grew between the first poll and the watcher's start would otherwise wait for its next write."""
        import watchfiles

        def step() -> None:
            s = self.poll()
            if on_step is not None and (s.points or s.new_runs or s.refused or s.warnings):
                on_step(s)

        try:
            first = self.poll()
            if on_step is not None:
                on_step(first)
            watching = False
            for changes in watchfiles.watch(*self.roots, stop_event=stop, debounce=debounce_ms, step=step_ms,
                                            rust_timeout=1000, yield_on_timeout=True, raise_interrupt=False):
                if changes or not watching:
                    step()
                watching = True
            if stop.is_set():
                step()
        finally:
            self.close()

    def close(self) -> None:
        """Stop following: every followed run gets the state its files say; nothing is removed."""
        with self._lock:
            for run in self.runs.values():
                try:
                    self.store.set_state(self.project, run.name, run.state, finished=run.last_wall or time.time())
                except ChartDeskError:
                    pass  # deleted meanwhile
