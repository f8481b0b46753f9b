"""Where the store lives: the default file, the CHARTDESK_DB override, and path-or-URL parsing."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL, make_url

ENV_VAR = "CHARTDESK_DB"


def default_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("chartdesk", appauthor=False) / "chartdesk.db"


def to_url(target: str | os.PathLike | None) -> tuple[URL, Path | None]:
    """The SQLAlchemy URL for ``target`` and, for an SQLite file, its path.

    ``None`` means ``$CHARTDESK_DB`` or else the default file in the user's data folder.
    """
    if target is None:
        target = os.environ.get(ENV_VAR) or default_path()
    text = os.fspath(target)
    if "://" in text:
        url = make_url(text)
        if url.get_backend_name() == "sqlite":
            db = url.database
            if not db or db == ":memory:":
                return url, None
            return url, Path(db).expanduser()
        return url, None
    path = Path(text).expanduser()
    return URL.create("sqlite", database=str(path)), path
