"""Where ChartDesk's log goes: one logger per module (``logging.getLogger(__name__)``), and for
the ``chartdesk`` command a handler set up once (``configure``): warnings and errors to stderr
and everything from INFO up to a small rotating file in the user's log folder
(``~/.local/state/chartdesk/log/chartdesk.log`` on Linux), so an error the window showed in one
line can be read in full afterwards. ``CHARTDESK_LOG_LEVEL`` lowers or raises the file's level.
Importing chartdesk (the logging API inside a training script) configures nothing.
"""
from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

LOG_ENV = "CHARTDESK_LOG_LEVEL"
_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log_file() -> Path:
    from platformdirs import user_log_path

    return user_log_path("chartdesk", appauthor=False) / "chartdesk.log"


def configure() -> Path | None:
    """Set up the ``chartdesk`` logger's handlers once; returns the log file (None when its
    folder cannot be made: then stderr only)."""
    root = logging.getLogger("chartdesk")
    if getattr(root, "_chartdesk_configured", False):
        return getattr(root, "_chartdesk_file", None)
    root.setLevel(logging.DEBUG)
    root.propagate = False
    err = logging.StreamHandler()
    err.setLevel(logging.WARNING)
    err.setFormatter(logging.Formatter("chartdesk: %(levelname)s: %(message)s"))
    root.addHandler(err)
    path: Path | None = log_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = logging.handlers.RotatingFileHandler(path, maxBytes=1 << 20, backupCount=2, encoding="utf-8")
    except OSError:
        path = None
    else:
        level = os.environ.get(LOG_ENV, "").strip().upper() or "INFO"
        fh.setLevel(level if level in logging.getLevelNamesMapping() else "INFO")
        fh.setFormatter(logging.Formatter(_FORMAT))
        root.addHandler(fh)
    root._chartdesk_configured = True  # type: ignore[attr-defined]
    root._chartdesk_file = path  # type: ignore[attr-defined]
    return path
