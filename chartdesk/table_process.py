"""The runs table computed in a process of its own, for the window.

``store.runs`` over a thousand runs is a second of pure Python; on a thread of the window's
process it competes with the GUI thread for the GIL (PySide releases it on every call, and gets it
back only at the next switch), which stalled the window 120-220 ms while the table filled. In a
process of its own (``concurrent.futures`` with spawn: no Qt is imported there) the window never
waits for it: 20-50 ms measured. The child opens the store itself and keeps it, so its summary
cache lasts between reloads.
"""
from __future__ import annotations

from . import query

_store = None


def open_in_worker(location: str) -> None:
    """Initializer of the worker process: open the store the window has open, and end with the
    window even when it was killed (an orphan would otherwise wait for work for ever)."""
    global _store
    import os
    import threading
    import time

    from .store import Store

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent watch", daemon=True).start()
    _store = Store(location, create=False)


def rows(store, project: str, columns: list[str]) -> list[dict]:
    """``store.runs`` with each row's params flattened (``_flat``), as the runs table shows them."""
    out = store.runs(project, columns=columns)
    for r in out:
        r["_flat"] = query.flatten(r["params"])
    return out


def rows_in_worker(project: str, columns: list[str]) -> list[dict]:
    return rows(_store, project, columns)


def location(store) -> str:
    """What to open the same store with in another process (a password is passed along, never printed)."""
    if store.path is not None:
        return str(store.path)
    return store.url.render_as_string(hide_password=False)
