"""Test set-up: headless Qt, a temporary store and temporary settings for every test."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", deadline=None, max_examples=150)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Never touch the user's store or settings."""
    monkeypatch.setenv("CHARTDESK_DB", str(tmp_path / "default.db"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    from PySide6.QtCore import QSettings

    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "runs.db"


@pytest.fixture
def store(db_path):
    from chartdesk import open_store

    s = open_store(db_path)
    yield s
    s.close()


@pytest.fixture
def demo_store(store):
    from chartdesk.demo import seed

    seed(store)
    return store
