"""Where the store lives: the default file, the CHARTDESK_DB override, and path-or-URL parsing.

Every way a target can be wrong (not a path, an unknown URL scheme, a name the file system
cannot hold) is a one-line ``StoreError`` here, before anything is opened.
"""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import InvalidInput, StoreError

ENV_VAR = "CHARTDESK_DB"
#: Driver modules of the URL schemes ChartDesk knows, and what to install for each.
DRIVERS = {"postgresql": ("psycopg", "pip install 'chartdesk[postgres]' (psycopg 3)"),
           "postgresql+psycopg": ("psycopg", "pip install 'chartdesk[postgres]' (psycopg 3)"),
           "sqlite": ("sqlite3", "a Python built with sqlite3")}


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("chartdesk", appauthor=False) / "chartdesk.db"


def is_default(target) -> bool:
    """True when ``target`` means the default store in the user's data folder (nothing chosen)."""
    return target is None and not os.environ.get(ENV_VAR)


def _check_path_text(text: str) -> None:
    if "\x00" in text:
        raise InvalidInput(f"store path {text!r} contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise StoreError(f"store path {text!r} is not valid UTF-8; SQLite cannot open it") from None
    for part in Path(text).parts:
        if len(os.fsencode(part)) > 255:
            raise StoreError(f"cannot use store path {text[:60]}…: a name in it is longer than 255 bytes")


def to_url(target) -> tuple[URL, Path | None]:
    """The SQLAlchemy URL for ``target`` and, for an SQLite file, its path.

    ``None`` means ``$CHARTDESK_DB`` or else the default file in the user's data folder.
    """
    if target is None:
        target = os.environ.get(ENV_VAR) or default_path()
    if isinstance(target, URL):
        target = target.render_as_string(hide_password=False)
    if not isinstance(target, (str, os.PathLike)) or isinstance(target, bytes):
        raise InvalidInput(f"a store is a path or an SQLAlchemy URL string, not {type(target).__name__} {target!r}")
    text = os.fspath(target)
    if isinstance(text, bytes):
        raise InvalidInput(f"a store is a path or an SQLAlchemy URL string, not bytes {text!r}")
    if not text.strip():
        raise InvalidInput("the store path is empty")
    if "://" in text:
        authority = text.split("://", 1)[1].split("/", 1)[0]
        if authority.count("@") > 1:  # read as user:pa@ss@host, the host would be "ss@host" and its text shown
            raise StoreError(f"the store URL {_masked(text)} has an '@' in its user name or password: write it "
                             "as %40 there")
        try:
            url = make_url(text)
        except ArgumentError:
            raise StoreError(f"cannot read the store URL {_masked(text)}") from None
        except ValueError:  # a port that is not a number (postgresql://u@h:abc/db), an unclosed [IPv6
            host = authority.rpartition("@")[2]
            port = host.rpartition(":")[2] if ":" in host and not host.endswith("]") else None
            if port == "":
                what = "its port is empty (leave out the ':' for the default one)"
            elif port is not None and not port.isdigit():
                what = f"its port {port!r} is not a number"
            else:
                what = "it is not a valid URL"
            raise StoreError(f"cannot read the store URL {_masked(text)}: {what}") from None
        if url.port is not None and not 0 < url.port < 65536:
            raise StoreError(f"cannot read the store URL {_masked(text)}: port {url.port} is not between 1 and 65535")
        backend = url.get_backend_name()
        if url.drivername not in DRIVERS and backend not in ("sqlite", "postgresql"):
            raise StoreError(f"unknown store URL scheme {url.drivername!r} in {_masked(text)}; "
                             "use a file path, sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        if backend == "postgresql" and url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        if backend == "postgresql" and url.drivername != "postgresql+psycopg":
            raise StoreError(f"ChartDesk speaks to PostgreSQL through psycopg 3: write postgresql+psycopg://… "
                             f"or postgresql://…, not {url.drivername}:// ({_masked(text)})")
        module, hint = DRIVERS.get(url.drivername, (None, ""))
        if module:
            import importlib

            try:
                importlib.import_module(module)
            except ImportError:
                raise StoreError(f"the store {url.render_as_string(hide_password=True)} needs the {module} "
                                 f"module: {hint}") from None
        if backend == "sqlite":
            if url.query:  # SQLAlchemy would drop them with a warning (mode=ro, and the store written)
                raise StoreError(f"the store URL {_masked(text)} has options ({', '.join(sorted(url.query))}) that "
                                 "ChartDesk does not take for SQLite: it opens the file itself; give the path or "
                                 "sqlite:///PATH")
            db = url.database
            if not db or db == ":memory:":
                return url, None
            _check_path_text(db)
            return url, Path(db).expanduser()
        return url, None
    _check_path_text(text)
    path = Path(text).expanduser()
    return URL.create("sqlite", database=str(path)), path


def _masked(text: str) -> str:
    """A URL for messages: the password (between ':' and '@' after the scheme) hidden."""
    scheme, sep, rest = text.partition("://")
    creds, at, host = rest.rpartition("@")
    if at and ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}{sep}{creds}{at}{host}"
