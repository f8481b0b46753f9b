"""What the project tree reads from the store, off the GUI thread: the store's projects with the
catalogs of those not on screen (``read_catalogs``), and the runs of every project that an
expression of the runs grammar matches (``match_runs``).

``TreeReader`` runs both on one worker thread of its own. Each kind of read has at most one task
under way; a request made meanwhile waits, replacing any older waiting one, and every request
(and ``cancel``) moves that kind's generation on, so only the result of the newest request is
announced: a stale one (an older filter text, a catalog read before a project was deleted) is
dropped. Results come back to the GUI thread through ``bridge.ToGui`` (a queued signal); the
functions are plain Python and never touch a widget.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from .. import query
from ..errors import ChartDeskError, InvalidInput, NotFound
from ..model import ChannelInfo, Experiment
from .bridge import ToGui

log = logging.getLogger(__name__)

Catalog = list[tuple[Experiment, list[ChannelInfo]]]


@dataclass(frozen=True)
class Catalogs:
    """The store's projects (in its order) and the catalogs that were read, by project."""

    projects: list[str]
    catalogs: dict[str, Catalog]


@dataclass(frozen=True)
class Matches:
    """What an expression matched: ``runs`` by project (a project none of whose runs match is not
    in it); ``error``: why the expression is bad (then it filters nothing); ``skipped``: projects
    where it cannot be evaluated (an alias they do not have), with the reason; ``reads_points``:
    it reads summary columns (``loss:min``), whose values move as runs log."""

    text: str
    runs: dict[str, frozenset[str]] = field(default_factory=dict)
    error: str = ""  # also when the store could not be read
    skipped: dict[str, str] = field(default_factory=dict)
    reads_points: bool = False


def read_catalogs(store, skip: str | None = None, known: Collection[str] | None = None) -> Catalogs:
    """The store's projects and the catalog of each but ``skip`` (the project on screen, whose
    catalog the workspace holds); with ``known``, only of the projects not among them."""
    projects = store.projects()
    catalogs: dict[str, Catalog] = {}
    for p in projects:
        if p == skip or (known is not None and p in known):
            continue
        try:
            catalogs[p] = store.catalog(p)
        except NotFound:  # deleted while we read
            continue
    return Catalogs(projects, catalogs)


def match_runs(store, text: str) -> Matches:
    """The runs of every project that ``text`` (the grammar of ``chartdesk.query``) matches."""
    try:
        tree = query.parse(text)
    except ChartDeskError as exc:
        return Matches(text, error=str(exc))
    reads_points = any(":" in n for n in query.names(tree))
    runs: dict[str, frozenset[str]] = {}
    skipped: dict[str, str] = {}
    evaluated = 0
    try:
        for p in store.projects():
            try:
                names = frozenset(r["experiment"] for r in store.runs(p, where=text))
            except NotFound:  # deleted while we read
                continue
            except InvalidInput as exc:  # e.g. an alias this project does not have
                skipped[p] = str(exc)
                continue
            evaluated += 1
            if names:
                runs[p] = names
    except ChartDeskError as exc:  # the store could not be read: it filters nothing, and says why
        return Matches(text, error=f"not evaluated: {exc}", reads_points=reads_points)
    if skipped and not evaluated:  # no project could evaluate it: the expression is what is wrong
        why = next(iter(skipped.values()))
        if len(skipped) > 1:
            why += f" (and in the {len(skipped) - 1} other {'project' if len(skipped) == 2 else 'projects'})"
        return Matches(text, error=why, reads_points=reads_points)
    return Matches(text, runs, skipped=skipped, reads_points=reads_points)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], done: Callable[[Any, str], None], to_gui: ToGui) -> None:
        super().__init__()
        self._fn, self._done, self._to_gui = fn, done, to_gui

    def run(self) -> None:
        try:
            result, error = self._fn(), ""
        except ChartDeskError as exc:  # the store could not be read (a lost server, a lock)
            result, error = None, str(exc)
        except Exception as exc:  # logged, and the next request still runs
            log.exception("the project tree's read failed")
            result, error = None, f"{type(exc).__name__}: {exc}"
        self._to_gui.call(self._done, result, error)


class _Latest(QObject):
    """One kind of read: at most one task under way, and only the newest request's result is
    announced (``sig_done``); a read that failed is announced by ``sig_failed``."""

    sig_done = Signal(object)
    sig_failed = Signal(str)

    def __init__(self, pool: QThreadPool, parent: QObject) -> None:
        super().__init__(parent)
        self._pool = pool
        self._gen = 0
        self._busy = False
        self._waiting: Callable[[], Any] | None = None
        self._to_gui = ToGui(self)

    @property
    def pending(self) -> bool:
        """A read is under way or waiting."""
        return self._busy or self._waiting is not None

    def request(self, fn: Callable[[], Any]) -> None:
        self._gen += 1
        self._waiting = fn
        if not self._busy:
            self._start()

    def cancel(self) -> None:
        """Drop what is waiting, and the result of the task under way."""
        self._gen += 1
        self._waiting = None

    def _start(self) -> None:
        fn, self._waiting = self._waiting, None
        self._busy = True
        gen = self._gen
        self._pool.start(_Task(fn, lambda result, error: self._on_result(gen, result, error), self._to_gui))

    def _on_result(self, gen: int, result, error: str) -> None:
        self._busy = False
        current = gen == self._gen
        if self._waiting is not None:
            self._start()
        if not current:
            return
        if error:
            self.sig_failed.emit(error)
        else:
            self.sig_done.emit(result)


class TreeReader(QObject):
    """The tree's reads on a worker thread: ``sig_catalogs`` (a ``Catalogs``) and ``sig_matched``
    (a ``Matches``) with the newest request's result only; ``sig_failed`` (one line) when the
    store could not be read."""

    sig_catalogs = Signal(object)
    sig_matched = Signal(object)
    sig_failed = Signal(str)

    def __init__(self, store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # two cores: one for the GUI thread, the loader has the other
        self._catalogs = _Latest(self._pool, self)
        self._catalogs.sig_done.connect(self.sig_catalogs)
        self._catalogs.sig_failed.connect(self.sig_failed)
        self._matches = _Latest(self._pool, self)
        self._matches.sig_done.connect(self.sig_matched)
        self._matches.sig_failed.connect(self.sig_failed)
        self._catalog_args: tuple[str | None, frozenset[str] | None] | None = None

    def read_catalogs(self, skip: str | None, known: Collection[str] | None = None) -> None:
        """Read the store's projects and the catalogs of all but ``skip`` (``known``: only of the
        projects not among them). A request that waits for the one under way is merged with it:
        the wider of the two is read."""
        known = None if known is None else frozenset(known)
        if self._catalogs.pending and self._catalog_args is not None:
            _skip, waiting_known = self._catalog_args
            if waiting_known is None or known is None:
                known = None
            else:
                known = waiting_known & known
        self._catalog_args = (skip, known)
        store = self._store
        self._catalogs.request(lambda: read_catalogs(store, skip, known))

    def cancel_catalogs(self) -> None:
        self._catalogs.cancel()
        self._catalog_args = None

    def match(self, text: str) -> None:
        """Evaluate ``text`` on the runs of every project."""
        store = self._store
        self._matches.request(lambda: match_runs(store, text))

    def cancel_match(self) -> None:
        self._matches.cancel()

    def busy(self) -> bool:
        """A read is under way or waiting (its result not announced yet)."""
        return self._catalogs.pending or self._matches.pending

    def shutdown(self, ms: int = 10000) -> None:
        """Drop what waits and what is under way, and wait for the thread to finish its task."""
        self.cancel_catalogs()
        self.cancel_match()
        self._pool.clear()
        self._pool.waitForDone(ms)
