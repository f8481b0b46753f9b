"""The QSettings behind ``chartdesk.app.preferences``: the one place the window reads and writes
its settings. A thin adapter: the keys, their types and defaults, what is kept per machine and
what per store, and how names are escaped are decided in ``preferences``; here they become typed
QSettings reads and writes of one INI file of the user (``make_settings``).

``Settings(store)`` reads and writes the machine's keys and that store's session. Reads are typed
(QSettings converts what it can: ``3`` reads as ``"3"`` for a text key); a value it cannot give
as the key's type (written by hand, or by another version) reads as the key's default.
``migrate_legacy(store)`` moves the global keys of older versions into the session of the store
that opens when none is named, once (see ``preferences``).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QByteArray, QSettings

from ..app import preferences as prefs
from ..app.preferences import Key


def make_settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ChartDesk", "ChartDesk")


def _read(qs: QSettings, path: str, key: Key) -> Any:
    if not qs.contains(path):
        return key.fresh_default()
    try:
        if key.type is bytes:
            value = qs.value(path)
            value = bytes(value.data()) if isinstance(value, QByteArray) else value
        elif key.type is list:
            value = qs.value(path, [], type=list)
        else:
            value = qs.value(path, key.default, type=key.type)
        return key.check(value)
    except (TypeError, ValueError):
        return key.fresh_default()


class Settings:
    """The machine's preferences and one store's session (``store`` None: the machine's only)."""

    def __init__(self, store=None) -> None:
        self.store_id = None if store is None else prefs.store_identity(store.path, store.url)

    def get(self, key: Key, project: str | None = None) -> Any:
        path = prefs.key_path(key, self.store_id, project)
        return key.fresh_default() if path is None else _read(make_settings(), path, key)

    def set(self, key: Key, value: Any, project: str | None = None) -> None:
        if isinstance(value, QByteArray):
            value = bytes(value.data())
        value = key.check(value)
        path = prefs.key_path(key, self.store_id, project)
        if path is not None:
            make_settings().setValue(path, QByteArray(value) if key.type is bytes else value)

    def set_many(self, values: dict, project: str | None = None) -> None:
        """Several keys at once, through one QSettings (each ``set`` writes the file anew)."""
        qs = None
        for key, value in values.items():
            if isinstance(value, QByteArray):
                value = bytes(value.data())
            value = key.check(value)
            path = prefs.key_path(key, self.store_id, project)
            if path is not None:
                qs = qs or make_settings()
                qs.setValue(path, QByteArray(value) if key.type is bytes else value)

    def sync(self) -> None:
        make_settings().sync()


def migrate_legacy(store) -> bool:
    """Once: the old global session keys become this store's when it is the store that opens by
    default (``$CHARTDESK_DB`` or the default file); True when something moved."""
    from ..store.location import to_url

    qs = make_settings()
    if not any(_has_group(qs, g) for g in prefs.LEGACY_GROUPS):
        return False
    url, path = to_url(None)
    settings = Settings(store)
    if settings.store_id is None or settings.store_id != prefs.store_identity(path, url):
        return False
    moved = False
    for project in [None, *store.projects()]:
        for old, key in prefs.legacy_keys(project):
            new = prefs.key_path(key, settings.store_id, project)
            if qs.contains(old) and not qs.contains(new):
                qs.setValue(new, _read(qs, old, key))
                moved = True
    for group in prefs.LEGACY_GROUPS:
        qs.remove(group)
    qs.sync()
    return moved


def _has_group(qs: QSettings, group: str) -> bool:
    qs.beginGroup(group)
    try:
        return bool(qs.allKeys())
    finally:
        qs.endGroup()
