"""Every file dialog of the window goes through here: it opens in the folder the last dialog of
its kind was left in (``chartdesk.app.preferences.LAST_FOLDER``: import, export, layout, report;
kept per machine through ``Settings``), or in the user's home folder the first time (never the
process's working directory), and remembers the folder of what the person chose. A remembered
folder that has gone since opens at its nearest folder that is still there.

The dialogs are Qt's static ones: native where the desktop has them, Qt's own otherwise (as under
the ``offscreen`` and bare ``xcb`` platforms the tests run on, where they are answered as widgets).
"""
from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from ..app import preferences as prefs
from .settings import Settings


def start_folder(kind: str) -> str:
    """Where a dialog of this kind opens: the folder last used for it, or the nearest folder of
    it that still exists, or the home folder."""
    remembered = Settings().get(prefs.LAST_FOLDER[kind])
    here = Path(remembered) if remembered else None
    while here is not None and not here.is_dir():
        here = here.parent if here.parent != here else None
    return str(here if here is not None else Path.home())


def remember(kind: str, path: str, is_folder: bool = False) -> None:
    """The next dialog of this kind opens where ``path`` is (in it, for a folder)."""
    if path:
        folder = path if is_folder else os.path.dirname(os.path.abspath(path))
        Settings().set(prefs.LAST_FOLDER[kind], os.path.abspath(folder))


def file_name(name: str) -> str:
    """A suggested name as one file's name: a chart named ``train/loss`` is saved as ``train_loss``."""
    return "".join("_" if c in '/\\:*?"<>|' else c for c in name).strip() or "untitled"


def save_file(parent, kind: str, title: str, name: str, filters: str) -> tuple[str, str]:
    """Ask where to save, ``name`` suggested in the kind's folder: (path or "", the filter chosen)."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, os.path.join(start_folder(kind), file_name(name)),
                                               filters)
    remember(kind, path)
    return path, chosen


def open_file(parent, kind: str, title: str, filters: str) -> str:
    """Ask for one file to read: its path, or ""."""
    path, _ = QFileDialog.getOpenFileName(parent, title, start_folder(kind), filters)
    remember(kind, path)
    return path


def open_files(parent, kind: str, title: str, filters: str) -> list[str]:
    """Ask for files to read: their paths, or []."""
    paths, _ = QFileDialog.getOpenFileNames(parent, title, start_folder(kind), filters)
    if paths:
        remember(kind, paths[0])
    return paths


def open_folder(parent, kind: str, title: str) -> str:
    """Ask for a folder: its path, or ""."""
    path = QFileDialog.getExistingDirectory(parent, title, start_folder(kind))
    remember(kind, path, is_folder=True)
    return path
