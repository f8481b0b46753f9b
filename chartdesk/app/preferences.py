"""The window's preferences and session state, without Qt: every key with its type and default,
whether it belongs to this machine or to one store, and the one rule that puts names into keys.
``chartdesk.gui.settings`` reads and writes these keys with QSettings; nothing else spells a key.

**Per machine** (how this person's screen is arranged, whatever store is open): the window's
geometry, the docks' layout, the chart height, whether compare mode names runs by the params
that differ, whether a tab's charts link their x axes, the theme chosen in View > Theme (system,
light or dark; the command line's ``--theme light|dark`` overrides it for one session and is not
stored), and the folder each kind of file dialog was last left in.

**Per store** (anything that names what a store holds): the last project shown, the project
tree's expanded rows, and for each project its selected runs, its chart tab, its runs-table
columns (the summary columns added, the order, hidden columns, widths and the sort), its Group by,
and its runs drawn with only their latest write per step. These live under the store's identity
(``store_identity``), so the session of one store is never applied to another, even to a project
of the same name in it:

- an SQLite file is its resolved path (the same file through a relative path or a symlink is one
  store; a copy of it elsewhere is another);
- a PostgreSQL database is ``postgresql://HOST:PORT/DATABASE``: no user name, no password, no
  connection options (the same database reached as another role is the same store, and no
  secret is ever written into the settings file);
- a store with no lasting identity (SQLite in memory) keeps no session: its keys read as their
  defaults and writes to them are dropped.

**Names inside keys** (``escape``): UTF-8 bytes, with ``a-z 0-9 . _ -`` kept as they are and every
other byte written ``%XX`` (upper-case hex), upper-case letters included; the empty name is ``~``.
So a name never adds a level to the key (``/`` and ``\\`` are escaped), two different names never
give one key (``%`` is escaped too: ``a/b`` is ``a%2Fb``, ``a%2Fb`` is ``a%252%46b``), and that
stays true where QSettings compares keys without regard to case (Windows).

Key layout: ``window/geometry``, ``view/chart_height`` ... for the machine;
``stores/<store>/last_project`` and ``stores/<store>/projects/<project>/<name>`` for a store.

**Settings of older versions** (one global ``session/project``, ``session/<project>/selection``
and ``/tab``, ``runs/columns/<project>``, ``runs/group_by/<project>``,
``runs/latest_per_step/<project>``, each spelling names its own way) are migrated once, into the
store that opens when none is named (``$CHARTDESK_DB`` or the default file): the first time a
window opens that store, each old key of one of its projects moves to the store's key (a key the
store has already is kept) and the old keys are removed. ``legacy_keys`` lists them; opened on
any other store, a window neither reads nor removes them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

MACHINE = "machine"
STORE = "store"
PROJECT = "project"  # per store, per project of it

#: What a key may hold: the Python type of its value.
TYPES = (str, bool, int, list, bytes)

_KEPT = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789._-")
_EMPTY = "~"


@dataclass(frozen=True)
class Key:
    """One setting: where it lives (``name`` inside its scope), what it holds, its default.

    ``list`` keys hold lists of strings (their default is a tuple, read as a new list)."""

    name: str
    type: type
    default: Any
    scope: str = MACHINE

    def __post_init__(self) -> None:
        if self.type not in TYPES:
            raise TypeError(f"a setting holds one of {[t.__name__ for t in TYPES]}, not {self.type!r}")
        if self.scope not in (MACHINE, STORE, PROJECT):
            raise ValueError(f"unknown scope {self.scope!r}")
        self.check(self.default)

    def check(self, value: Any) -> Any:
        """``value`` as this key stores it (a list of strings, bytes), or TypeError."""
        if self.type is list:
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise TypeError(f"{self.name} holds a list of strings, not {type(value).__name__}")
            if not all(isinstance(v, str) for v in value):
                raise TypeError(f"{self.name} holds a list of strings: {list(value)!r}")
            return list(value)
        if self.type is bytes:
            if not isinstance(value, (bytes, bytearray, memoryview)):
                raise TypeError(f"{self.name} holds bytes, not {type(value).__name__}")
            return bytes(value)
        if self.type is int and isinstance(value, bool) or not isinstance(value, self.type):
            raise TypeError(f"{self.name} holds {self.type.__name__}, not {type(value).__name__}")
        return value

    def fresh_default(self) -> Any:
        return list(self.default) if self.type is list else self.default


# ---- the keys ---------------------------------------------------------------------------------
WINDOW_GEOMETRY = Key("window/geometry", bytes, b"")
WINDOW_STATE = Key("window/state", bytes, b"")
CHART_HEIGHT = Key("view/chart_height", str, "medium")
LABEL_BY_PARAMS = Key("view/label_by_params", bool, True)
LINK_X = Key("view/link_x", bool, True)  # View > Link x axes
#: View > Theme: "system", "light" or "dark" (``chartdesk.gui.theme.THEMES``).
THEME = Key("view/theme", str, "system")

LAST_PROJECT = Key("last_project", str, "", STORE)
#: The project tree's rows the person expanded (``chartdesk.app.expansion``).
TREE_EXPANDED = Key("tree_expanded", list, (), STORE)

SELECTION = Key("selection", list, (), PROJECT)
TAB = Key("tab", str, "", PROJECT)
RUNS_COLUMNS = Key("runs_columns", list, (), PROJECT)
#: The runs table as the person arranged it (``chartdesk.app.columns.ColumnLayout``): the columns'
#: order, the hidden ones, widths as ``COLUMN=PIXELS``, the sort column ("" unsorted) and its way.
RUNS_ORDER = Key("runs_order", list, (), PROJECT)
RUNS_HIDDEN = Key("runs_hidden", list, (), PROJECT)
RUNS_WIDTHS = Key("runs_widths", list, (), PROJECT)
RUNS_SORT = Key("runs_sort", str, "", PROJECT)
RUNS_SORT_DESC = Key("runs_sort_desc", bool, False, PROJECT)
GROUP_BY = Key("group_by", str, "", PROJECT)
LATEST_PER_STEP = Key("latest_per_step", list, (), PROJECT)

KEYS = (WINDOW_GEOMETRY, WINDOW_STATE, CHART_HEIGHT, LABEL_BY_PARAMS, LINK_X, THEME, LAST_PROJECT, TREE_EXPANDED,
        SELECTION, TAB, RUNS_COLUMNS, RUNS_ORDER, RUNS_HIDDEN, RUNS_WIDTHS, RUNS_SORT, RUNS_SORT_DESC, GROUP_BY,
        LATEST_PER_STEP)

#: The Runs menu's sweep views (``chartdesk.app.sweepview.encode``: ``name=value`` entries): the
#: scatter's x, y, log axes and trend line; the parallel coordinates' axes in order, flipped axes,
#: colour and brushes (the filter clauses they were, applied again when the view opens on a filter
#: without brushes).
SCATTER_VIEW = Key("scatter_view", list, (), PROJECT)
PARALLEL_VIEW = Key("parallel_view", list, (), PROJECT)
KEYS = (*KEYS, SCATTER_VIEW, PARALLEL_VIEW)

#: The folder each kind of file dialog was last left in (``chartdesk.gui.file_dialogs``), per
#: machine (a folder of this machine's disks, whatever store is open): "" until one is used.
#: ``import``: Import files/folder and Follow folder; ``export``: a chart's, a table's or a sweep
#: view's picture or CSV; ``layout``: Export and Apply layout; ``report``: Export report.
FOLDER_KINDS = ("import", "export", "layout", "report")
LAST_FOLDER = {kind: Key(f"dialogs/{kind}_folder", str, "") for kind in FOLDER_KINDS}
KEYS = (*KEYS, *LAST_FOLDER.values())


# ---- names in keys -----------------------------------------------------------------------------
def escape(name: str) -> str:
    """``name`` as one level of a key (see the module's docstring); ``unescape`` reverses it."""
    if not isinstance(name, str):
        raise TypeError(f"a name in a key is a str, not {type(name).__name__}")
    if not name:
        return _EMPTY
    return "".join(chr(b) if b in _KEPT else f"%{b:02X}" for b in name.encode("utf-8", "surrogatepass"))


def unescape(text: str) -> str:
    """The name ``escape`` made ``text`` of (ValueError for a text it cannot have made)."""
    if text == _EMPTY:
        return ""
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "%" and len(text) >= i + 3 and all(c in "0123456789ABCDEF" for c in text[i + 1:i + 3]):
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
        elif ord(text[i]) < 128 and ord(text[i]) in _KEPT:
            out.append(ord(text[i]))
            i += 1
        else:
            raise ValueError(f"not an escaped name: {text!r}")
    return out.decode("utf-8", "surrogatepass")


# ---- whose key ----------------------------------------------------------------------------------
def store_identity(path, url) -> str | None:
    """The identity a store's session is kept under (see the module's docstring), from the
    store's ``path`` (an SQLite file, else None) and its SQLAlchemy ``url``; None for a store
    with no lasting identity."""
    if path is not None:
        return os.path.normcase(os.path.realpath(os.path.expanduser(os.fspath(path))))
    backend = url.get_backend_name()
    if backend == "sqlite":
        return None  # in memory
    host = url.host or url.query.get("host") or ""
    if isinstance(host, tuple):
        host = ",".join(host)
    port = url.port or (5432 if backend == "postgresql" else None)
    where = f"{host}:{port}" if port else host
    return f"{backend}://{where}/{url.database or ''}"


def key_path(key: Key, store: str | None = None, project: str | None = None) -> str | None:
    """The full key of ``key`` for this store identity and project; None when the key belongs to
    a store and there is no store identity (nothing is kept), ValueError without a project."""
    if key.scope == MACHINE:
        return key.name
    if store is None:
        return None
    base = f"stores/{escape(store)}"
    if key.scope == STORE:
        return f"{base}/{key.name}"
    if project is None:
        raise ValueError(f"{key.name} is kept per project: name the project")
    return f"{base}/projects/{escape(project)}/{key.name}"


# ---- settings of older versions -----------------------------------------------------------------
LEGACY_GROUPS = ("session", "runs/columns", "runs/group_by", "runs/latest_per_step")
"""Where the old global keys lived: removed once they are migrated."""


def legacy_keys(project: str | None) -> list[tuple[str, Key]]:
    """The old global keys and the key each becomes: for a project, or (None) the store's own."""
    if project is None:
        return [("session/project", LAST_PROJECT)]
    window = project.replace("/", "%2F").replace("\\", "%5C")  # main_window's old rule
    panels = project.replace("/", "%2F")  # the runs table's and the tree's old rule
    return [(f"session/{window}/selection", SELECTION), (f"session/{window}/tab", TAB),
            (f"runs/columns/{panels}", RUNS_COLUMNS), (f"runs/group_by/{panels}", GROUP_BY),
            (f"runs/latest_per_step/{panels}", LATEST_PER_STEP)]
