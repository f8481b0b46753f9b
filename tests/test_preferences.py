"""The preferences' keys without Qt: one escaping rule for names in keys (round trip, no two names
one key, not even case-folded), which keys belong to a store, and a store's identity."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from chartdesk.app import preferences as prefs

TRICKY = ["mnist", "a/b", "a\\b", "a%2Fb", "a%5Cb", "a%252Fb", "a b", " a", "a ", "%", "%%", "%2", "~", "",
          "a/b/c", "a//b", "/", "\\", "A/B", "a/B", "MNIST", "Mnist", "ünïcode/név", "日本語", "a\tb", "a\nb",
          ".", "..", "a.b", "a_b", "a-b", "a=b", "a;b", "[General]", "a,b", "\x00"]


def test_tricky_names_round_trip_and_stay_one_level_of_a_key():
    for name in TRICKY:
        text = prefs.escape(name)
        assert prefs.unescape(text) == name
        assert text and "/" not in text and "\\" not in text and " " not in text
        assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789._-%ABCDEF~" for c in text), text


def test_no_two_tricky_names_share_a_key_even_where_keys_ignore_case():
    escaped = [prefs.escape(n) for n in TRICKY]
    assert len({e.lower() for e in escaped}) == len(TRICKY)
    assert prefs.escape("a/b") == "a%2Fb" and prefs.escape("a%2Fb") == "a%252%46b"
    assert prefs.escape("a\\b") == "a%5Cb" != prefs.escape("a%5Cb")


@given(st.text())
def test_every_name_round_trips(name):
    assert prefs.unescape(prefs.escape(name)) == name


@given(st.text(), st.text())
def test_two_names_give_two_keys(a, b):
    if a != b:
        assert prefs.escape(a).lower() != prefs.escape(b).lower()


def test_a_text_escape_cannot_have_made_is_refused():
    for text in ("a/b", "a%2", "a%zz", "A", "a b", "%2f"):
        with pytest.raises(ValueError):
            prefs.unescape(text)


def test_machine_keys_are_global_and_session_keys_belong_to_a_store_and_project():
    assert prefs.key_path(prefs.WINDOW_GEOMETRY, "/a.db", "p") == "window/geometry"
    assert prefs.key_path(prefs.CHART_HEIGHT) == "view/chart_height"
    assert prefs.key_path(prefs.LAST_PROJECT, "/x/a.db") == "stores/%2Fx%2Fa.db/last_project"
    assert prefs.key_path(prefs.SELECTION, "/x/a.db", "a/b") == "stores/%2Fx%2Fa.db/projects/a%2Fb/selection"
    machine = {k for k in prefs.KEYS if k.scope == prefs.MACHINE}
    assert machine == {prefs.WINDOW_GEOMETRY, prefs.WINDOW_STATE, prefs.CHART_HEIGHT, prefs.LABEL_BY_PARAMS,
                       prefs.LINK_X, prefs.THEME, *prefs.LAST_FOLDER.values()}
    session = [k for k in prefs.KEYS if k.scope != prefs.MACHINE]
    paths = set()
    for key, store, project in itertools.product(session, ["/x/a.db", "/x/b.db", "postgresql://h:5432/a"],
                                                 ["mnist", "a/b", "a%2Fb", "a\\b", "a b", "A B"]):
        path = prefs.key_path(key, store, project)
        assert path.startswith(f"stores/{prefs.escape(store)}/")
        paths.add(path)
    n_project = sum(k.scope == prefs.PROJECT for k in session)
    assert len(paths) == 3 * (n_project * 6 + (len(session) - n_project))  # store keys: one per store
    assert prefs.key_path(prefs.SELECTION, None, "mnist") is None  # no identity: nothing kept
    with pytest.raises(ValueError):
        prefs.key_path(prefs.SELECTION, "/x/a.db")


def test_keys_check_the_type_of_what_they_hold():
    assert prefs.SELECTION.check(("a", "b")) == ["a", "b"]
    assert prefs.SELECTION.fresh_default() == [] and prefs.SELECTION.fresh_default() is not prefs.SELECTION.fresh_default()
    assert prefs.WINDOW_STATE.check(bytearray(b"ab")) == b"ab"
    for key, bad in ((prefs.SELECTION, "ab"), (prefs.SELECTION, [1]), (prefs.CHART_HEIGHT, 3),
                     (prefs.LABEL_BY_PARAMS, "yes"), (prefs.WINDOW_STATE, "ab")):
        with pytest.raises(TypeError):
            key.check(bad)
    with pytest.raises(TypeError):
        prefs.Key("x", dict, {})


class _Store:
    def __init__(self, target):
        from chartdesk.store.location import to_url

        self.url, self.path = to_url(target)

    def identity(self):
        return prefs.store_identity(self.path, self.url)


def test_a_file_store_is_its_resolved_path(tmp_path, monkeypatch):
    (tmp_path / "d").mkdir()
    real = tmp_path / "d" / "runs.db"
    real.touch()
    os.symlink(real, tmp_path / "link.db")
    monkeypatch.chdir(tmp_path)
    names = [str(real), "d/runs.db", "link.db", f"sqlite:///{real}", "./d/../d/runs.db"]
    ids = {_Store(n).identity() for n in names}
    assert ids == {os.path.normcase(str(real.resolve()))}
    assert _Store(str(tmp_path / "other.db")).identity() not in ids  # a copy elsewhere is another store
    assert _Store("sqlite://").identity() is None  # in memory: no session is kept


def test_a_postgresql_store_is_its_server_and_database_never_its_credentials():
    def ident(text):
        return prefs.store_identity(None, make_url(text))

    a = ident("postgresql+psycopg://alice:s3cret@db.example.com/team")
    assert a == "postgresql://db.example.com:5432/team"
    assert ident("postgresql+psycopg://bob:other@db.example.com:5432/team?sslmode=require") == a
    assert ident("postgresql+psycopg://alice@db.example.com/other") != a
    assert ident("postgresql+psycopg://alice@db.example.com:5433/team") != a
    assert ident("postgresql+psycopg://alice@/team?host=/var/run/postgresql") == "postgresql:///var/run/postgresql:5432/team"
    assert "s3cret" not in prefs.key_path(prefs.LAST_PROJECT, a)


def test_legacy_keys_name_the_old_spellings():
    assert prefs.legacy_keys(None) == [("session/project", prefs.LAST_PROJECT)]
    old = dict(prefs.legacy_keys("a/b\\c"))
    assert old["session/a%2Fb%5Cc/selection"] is prefs.SELECTION
    assert old["runs/columns/a%2Fb\\c"] is prefs.RUNS_COLUMNS
    assert old["runs/latest_per_step/a%2Fb\\c"] is prefs.LATEST_PER_STEP
    # every project key an older version had (the runs table's order, hidden columns, widths and
    # sort, and the tree's expansion, came after the move into the store's session)
    newer = {prefs.RUNS_ORDER, prefs.RUNS_HIDDEN, prefs.RUNS_WIDTHS, prefs.RUNS_SORT, prefs.RUNS_SORT_DESC,
             prefs.SCATTER_VIEW, prefs.PARALLEL_VIEW}
    assert {k for _o, k in prefs.legacy_keys("p")} == {k for k in prefs.KEYS if k.scope == prefs.PROJECT} - newer


def test_the_preferences_import_no_qt():
    code = ("import sys, chartdesk.app.preferences\n"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')"
            " or m.startswith('chartdesk.gui')]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
