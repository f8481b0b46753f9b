"""Work the window hands to processes of its own: the runs table's rows, chart views and
parameter importance.

On a thread of the window's process, Python work competes with the GUI thread for the GIL:
PySide releases it on every call and gets it back only at the next switch. The runs table's
rows stalled the window 120-220 ms while a thousand runs filled; a pan that read new views
while 20 curves were painted took 12 ms per view instead of 1 ms, and the frames grew with it.
In processes of their own (``concurrent.futures`` with spawn: no Qt is imported here) neither
waits for the other. Each child opens the store itself and ends with the window, also when the
window is killed.

``load`` is the one loop that reads a batch of views, used by the window's threads and its
processes alike.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence

from . import query
from .errors import ChartDeskError
from .groups import AggregateCache, GroupRequest, GroupView, read_group
from .views import View, ViewRequest, read_view

Request = ViewRequest | GroupRequest

_store = None


def open_in_worker(location: str) -> None:
    """Initializer of a worker process: open the store the window has open, and end with the
    window even when it was killed (an orphan would otherwise wait for work for ever)."""
    global _store
    import os
    import time

    from .store import Store

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()
    _store = Store(location, create=False)


def location(store) -> str:
    """What to open the same store with in another process (a password is passed along, never printed)."""
    if store.path is not None:
        return str(store.path)
    return store.url.render_as_string(hide_password=False)


# ---- the runs table ---------------------------------------------------------------------
def rows(store, project: str, columns: list[str]) -> list[dict]:
    """``store.runs`` with each row's params flattened (``_flat``), as the runs table shows them."""
    out = store.runs(project, columns=columns)
    for r in out:
        r["_flat"] = query.flatten(r["params"])
    return out


def call_in_worker(fn, *args):  # the runs table's rows, parameter importance, a run diff, a sweep view's table
    """``fn(store, *args)`` in a worker, on the store it opened (``WorkerPool.run``)."""
    return fn(_store, *args)


# ---- views ----------------------------------------------------------------------------
def load(store, keys: Sequence[Request], aggregates: AggregateCache | None = None,
         cancelled: threading.Event | None = None,
         gate: threading.Event | None = None) -> tuple[dict[Request, View | GroupView], dict[Request, str]]:
    """Read these views: ({request: view}, {request: why it could not be read}). Stops early when
    ``cancelled`` is set; waits (up to 0.2 s) for ``gate`` before each view when given; one bad
    view never stops the others."""
    out: dict[Request, View | GroupView] = {}
    failed: dict[Request, str] = {}
    for key in keys:
        if gate is not None:
            gate.wait(0.2)
        if cancelled is not None and cancelled.is_set():
            break
        try:
            if isinstance(key, GroupRequest):
                out[key] = read_group(store, key, aggregates if aggregates is not None else AggregateCache())
            else:
                out[key] = read_view(store, key)
        except ChartDeskError as exc:
            failed[key] = str(exc)
        except Exception as exc:  # a damaged blob decodes to garbage: report it, never hang
            failed[key] = f"cannot read {key.describe()}: {type(exc).__name__}: {exc}"
    return out, failed


def load_in_worker(keys: Sequence[Request]) -> tuple[dict, dict]:
    return load(_store, keys)


def ready_in_worker() -> int:
    """A worker has opened the store (what the window waits for before it sends views)."""
    import os

    return os.getpid()
