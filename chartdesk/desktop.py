"""``chartdesk desktop install|uninstall``: the application-menu entry and icon for this user.

Writes ``applications/chartdesk.desktop`` and ``icons/hicolor/scalable/apps/chartdesk.svg`` into the
user's XDG data folder (``$XDG_DATA_HOME`` or ``~/.local/share``), with ``Exec`` pointing at this
installation's ``chartdesk`` (so a virtual environment need not be on PATH). No Qt needed.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from .errors import InvalidInput

ENTRY = "chartdesk.desktop"
ICON = "chartdesk.svg"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def _resource(name: str) -> bytes:
    packaged = resources.files("chartdesk") / "resources" / name
    if packaged.is_file():
        return packaged.read_bytes()
    source = Path(__file__).resolve().parents[1] / "resources" / name
    if source.is_file():
        return source.read_bytes()
    raise InvalidInput(f"the {name} resource is missing from this installation")


def executable() -> str:
    """This installation's ``chartdesk`` script (beside the running interpreter), else from PATH."""
    here = Path(sys.executable).parent / "chartdesk"
    if here.exists():
        return str(here)
    found = shutil.which("chartdesk")
    if found:
        return found
    return f"{sys.executable} -m chartdesk"


def entry_text() -> str:
    lines = []
    for line in _resource(ENTRY).decode("utf-8").splitlines():
        if line.startswith("Exec="):
            exe = executable()
            line = "Exec=" + (" ".join(shlex.quote(p) for p in exe.split(" ")) if " -m " in exe else shlex.quote(exe))
        lines.append(line)
    return "\n".join(lines) + "\n"


def paths(root: Path | None = None) -> tuple[Path, Path]:
    root = root or data_home()
    return root / "applications" / ENTRY, root / "icons" / "hicolor" / "scalable" / "apps" / ICON


def install(root: Path | None = None) -> list[Path]:
    entry, icon = paths(root)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        icon.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(entry_text(), encoding="utf-8")
        icon.write_bytes(_resource(ICON))
    except OSError as exc:
        raise InvalidInput(f"cannot write the menu entry: {exc.strerror or exc} ({exc.filename})") from None
    for tool in (["update-desktop-database", str(entry.parent)], ["gtk-update-icon-cache", "-q", "-t",
                                                                  str(icon.parents[2])]):
        if shutil.which(tool[0]):
            subprocess.run(tool, capture_output=True, timeout=30)
    return [entry, icon]


def uninstall(root: Path | None = None) -> list[Path]:
    removed = []
    for p in paths(root):
        if p.exists():
            p.unlink()
            removed.append(p)
    return removed


def installed(root: Path | None = None) -> bool:
    return paths(root)[0].exists()
