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
    # Views are read on the window's threads unless a test asks for the loader processes
    # (tests/test_loader_processes.py): a process per window would cost every GUI test its start-up.
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "0")
    try:
        from PySide6.QtCore import QSettings
    except ImportError:  # tests/app runs once with Qt not importable (make test)
        yield
        return
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
    import gui_helpers

    gui_helpers.test_epoch[0] += 1


def pytest_generate_tests(metafunc):
    """Modules marked ``both_backends`` run each test that uses a store target on SQLite and on
    PostgreSQL (module-scoped, so module fixtures such as a demo store are made once per backend)."""
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", ["sqlite", "postgresql"], scope="module")


@pytest.fixture(scope="module")
def backend():
    return "sqlite"


@pytest.fixture(scope="session")
def pg_server():
    from backends import Server, find_server

    url, why = find_server()
    server = Server(url) if url else None
    yield server, why
    if server is not None and server.made:
        server.drop(list(server.made))


def _targets(backend, folder, request):
    from backends import REQUIRED, Targets

    if backend != "postgresql":
        return Targets(backend, folder, None)
    server, why = request.getfixturevalue("pg_server")
    if server is None:
        if os.environ.get(REQUIRED):
            pytest.fail(f"PostgreSQL tests are required here but {why}")
        pytest.skip(f"PostgreSQL: {why}")
    return Targets(backend, folder, server)


@pytest.fixture
def targets(backend, tmp_path, request):
    """A factory of new, empty store targets of this test's backend."""
    t = _targets(backend, tmp_path, request)
    yield t
    t.cleanup()


@pytest.fixture(scope="module")
def module_targets(backend, tmp_path_factory, request):
    t = _targets(backend, tmp_path_factory.mktemp("stores"), request)
    yield t
    t.cleanup()


@pytest.fixture
def target(targets, db_path):
    """The test's store: the file ``db_path`` on SQLite, a new database on PostgreSQL
    (``both_backends`` modules)."""
    return str(db_path) if targets.backend == "sqlite" else targets.new()


@pytest.fixture
def db_path(tmp_path):
    """An SQLite file, for tests about the file itself."""
    return tmp_path / "runs.db"


@pytest.fixture
def store(target):
    from chartdesk import open_store

    s = open_store(target)
    yield s
    s.close()


@pytest.fixture
def demo_store(store):
    from chartdesk.demo import seed

    seed(store)
    return store


@pytest.fixture
def open_win(qtbot):
    windows = []

    def _open(store, project="mnist", experiment=None):
        from gui_helpers import settle

        from chartdesk.gui.app import make_app, open_window

        make_app()
        w = open_window(store, project, experiment)
        qtbot.addWidget(w)
        w.show()
        settle(qtbot, w)
        windows.append(w)
        return w

    yield _open
    for w in windows:
        w.close()
