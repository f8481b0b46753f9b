"""Alias resolution: the one rule, and the one cache every panel asks.

The rule (``resolve``) is a pure function of the alias's ordered list, an experiment's channel
names and the run's pin for that alias (a per-run override, kept while the run has that channel).
``Resolver`` caches it per (project, alias, experiment) and invalidates on exactly these events:
an alias changed (``set_alias`` / ``remove_alias``), a run's pin changed (``set_pin``), or an
experiment gained channels (``add_channels``). It holds plain data only; the GUI's workspace
feeds it and relays its changes.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from . import derived


def first_present(candidates: Sequence[str], channels: Collection[str]) -> str | None:
    """The first name of ``candidates`` that is in ``channels``, else None."""
    for name in candidates:
        if name in channels:
            return name
    return None


def resolve(candidates: Sequence[str], channels: Collection[str], pin: str | None = None) -> str | None:
    """The rule: a run's pin for the alias while the run has that channel, else the first
    present of the alias's list."""
    if pin is not None and pin in channels:
        return pin
    return first_present(candidates, channels)


def resolve_ref(kind: str, name: str, channels: Collection[str], entries: Sequence[str] = (),
                pin: str | None = None) -> str | None:
    """The ref -> channel rule, the one place it is written: what a series ref (``alias:NAME`` or
    ``channel:NAME``) plots in a run with these channels. An alias by ``resolve`` (its entries and
    the run's pin for it); a channel when the run has it."""
    if kind == "alias":
        return resolve(entries, channels, pin)
    return name if name in channels else None


def resolve_series(kind: str, name: str, channels: Collection[str], aliases: Mapping[str, Sequence[str]],
                   pins: Mapping[str, str] | None = None) -> str | None:
    """What any series ref plots in a run with these channels, given the project's aliases and
    the run's pins (alias -> channel): ``resolve_ref`` for an alias or a channel; for an
    expression its bound name (``chartdesk.derived.bind``: every reference by that rule), or None
    when one of them means no channel in the run."""
    pins = pins or {}
    if kind == "expr":
        return derived.bind(name, lambda k, n: resolve_ref(k, n, channels, aliases.get(n, ()), pins.get(n)), aliases)
    return resolve_ref(kind, name, channels, aliases.get(name, ()), pins.get(name))


def rank(candidates: Sequence[str], channel: str | None) -> int | None:
    """1 for the alias's first choice, 2 for its second, ...; None for a channel not in the list."""
    try:
        return list(candidates).index(channel) + 1
    except ValueError:
        return None


Listener = Callable[[str, "set[str] | None", "set[str] | None"], None]


class Resolver:
    """Cached alias resolution over aliases and experiment channel sets it is told about."""

    def __init__(self) -> None:
        self._aliases: dict[str, dict[str, tuple[str, ...]]] = {}
        self._channels: dict[tuple[str, str], frozenset[str]] = {}
        self._cache: dict[tuple[str, str, str], str | None] = {}
        self._pins: dict[str, dict[str, dict[str, str]]] = {}  # project -> experiment -> alias -> channel
        self._listeners: list[Listener] = []
        self.hits = 0
        self.misses = 0

    # ---- feeding ---------------------------------------------------------------------------
    def load_project(self, project: str, aliases: dict[str, Sequence[str]],
                     channels: dict[str, Iterable[str]], pins: dict[str, dict[str, str]] | None = None) -> None:
        """Replace what is known of a project (aliases, every experiment's channels, pins)."""
        self._aliases[project] = {k: tuple(v) for k, v in aliases.items()}
        self._pins[project] = {e: dict(p) for e, p in (pins or {}).items()}
        for key in [k for k in self._channels if k[0] == project]:
            del self._channels[key]
        for exp, names in channels.items():
            self._channels[(project, exp)] = frozenset(names)
        self._drop(lambda k: k[0] == project)
        self._notify(project, None, None)

    def set_alias(self, project: str, name: str, channels: Sequence[str]) -> None:
        """Event 1: an alias was created, replaced or reordered."""
        new = tuple(channels)
        if self._aliases.setdefault(project, {}).get(name) == new:
            return
        self._aliases[project][name] = new
        self._drop(lambda k: k[0] == project and k[1] == name)
        self._notify(project, {name}, None)

    def remove_alias(self, project: str, name: str) -> None:
        """Event 1 too: an alias was deleted."""
        if self._aliases.get(project, {}).pop(name, None) is None:
            return
        self._drop(lambda k: k[0] == project and k[1] == name)
        self._notify(project, {name}, None)

    def set_pin(self, project: str, experiment: str, alias: str, channel: str | None) -> None:
        """A run's pin for an alias was set (or removed: ``None``)."""
        runs = self._pins.setdefault(project, {})
        old = runs.get(experiment, {}).get(alias)
        if old == channel:
            return
        if channel is None:
            runs.get(experiment, {}).pop(alias, None)
        else:
            runs.setdefault(experiment, {})[alias] = channel
        self._cache.pop((project, alias, experiment), None)
        self._notify(project, {alias}, {experiment})

    def pin(self, project: str, experiment: str, alias: str) -> str | None:
        return self._pins.get(project, {}).get(experiment, {}).get(alias)

    def pins(self, project: str) -> dict[str, dict[str, str]]:
        return {e: dict(p) for e, p in self._pins.get(project, {}).items() if p}

    def add_channels(self, project: str, experiment: str, names: Iterable[str]) -> None:
        """Event 2: an experiment gained channels (a live run, an import)."""
        old = self._channels.get((project, experiment), frozenset())
        new = old | frozenset(names)
        if new == old and (project, experiment) in self._channels:
            return
        self._channels[(project, experiment)] = new
        self._drop(lambda k: k[0] == project and k[2] == experiment)
        self._notify(project, None, {experiment})

    # ---- asking ----------------------------------------------------------------------------
    def resolve(self, project: str, alias: str, experiment: str) -> str | None:
        key = (project, alias, experiment)
        try:
            value = self._cache[key]
            self.hits += 1
            return value
        except KeyError:
            pass
        self.misses += 1
        entries = self._aliases.get(project, {}).get(alias, ())
        value = resolve(entries, self._channels.get((project, experiment), frozenset()),
                        self.pin(project, experiment, alias))
        self._cache[key] = value
        return value

    def channel_for(self, project: str, kind: str, name: str, experiment: str) -> str | None:
        """``resolve_series`` for a run the resolver knows, aliases through its cache."""
        if kind == "alias":
            return self.resolve(project, name, experiment)
        if kind == "expr":
            return derived.bind(name, lambda k, n: self.channel_for(project, k, n, experiment),
                                self._aliases.get(project, {}))
        return resolve_ref(kind, name, self.channels(project, experiment))

    def alias(self, project: str, name: str) -> tuple[str, ...] | None:
        return self._aliases.get(project, {}).get(name)

    def aliases(self, project: str) -> dict[str, tuple[str, ...]]:
        return dict(self._aliases.get(project, {}))

    def channels(self, project: str, experiment: str) -> frozenset[str]:
        return self._channels.get((project, experiment), frozenset())

    def project_channels(self, project: str) -> list[str]:
        """Every channel name seen in any experiment of the project, sorted."""
        names: set[str] = set()
        for (p, _), chans in self._channels.items():
            if p == project:
                names |= chans
        return sorted(names)

    # ---- change notification ---------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        """``listener(project, changed_aliases or None, changed_experiments or None)``; None = all."""
        self._listeners.append(listener)

    def _drop(self, pred: Callable[[tuple[str, str, str]], bool]) -> None:
        for key in [k for k in self._cache if pred(k)]:
            del self._cache[key]

    def _notify(self, project: str, aliases: set[str] | None, experiments: set[str] | None) -> None:
        for listener in list(self._listeners):
            listener(project, aliases, experiments)
