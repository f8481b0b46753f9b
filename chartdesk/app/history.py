"""Edits as plain records: what an undo step knows.

An ``Edit`` names what it changes (``key``: one alias, one pin, one chart set, the order of the
chart sets, one run's charts, a name), the value before and after, and the text the Undo menu
shows. ``Session.replay(edit, value)`` shows either value at once and queues its write, so the
GUI's undo command is a thin wrapper that calls it with ``after`` on redo and ``before`` on undo.
Each write expects the store to hold the other value; when another
window changed the object meanwhile, the change is carried over to what the store holds now
(``chartdesk.edits.rebase_*``) or refused in one line, never written over the newer edit.
Edits of one gesture (one drag) on the same key merge into one step; two gestures never do.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

_gestures = itertools.count(1)


def new_gesture() -> int:
    """A fresh gesture id: edits made under one id on one key are one undo step."""
    return next(_gestures)


#: What an edit's key starts with, and what follows it in the key.
KINDS = {
    "alias": ("project", "alias"),                      # entries (a tuple) or None (no such alias)
    "pin": ("project", "experiment", "alias"),          # a channel or None
    "chart set": ("project", "chart set"),              # (index, charts) or None (no such set)
    "chart set order": ("project",),                    # the sets' names in order
    "rename chart set": ("project",),                   # (old, new) names
    "charts": ("project", "experiment"),                # a run's own charts
    "rename experiment": ("project",),
    "rename project": (),
    "layout": ("project",),                             # layout.Changes: several aliases, sets and pins
}


@dataclass(frozen=True)
class Edit:
    text: str
    key: tuple
    before: Any
    after: Any
    gesture: int | None = None

    def __post_init__(self) -> None:
        kind = self.key[0] if self.key else None
        if kind not in KINDS or len(self.key) != 1 + len(KINDS[kind]):
            raise ValueError(f"not an edit key: {self.key!r}")

    @property
    def kind(self) -> str:
        return self.key[0]

    def merge(self, later: Edit) -> Edit | None:
        """One step for both (this one's before, the later one's after), when they are one
        gesture on one key; else None."""
        if self.gesture is None or later.gesture != self.gesture or later.key != self.key:
            return None
        return replace(self, after=later.after)
