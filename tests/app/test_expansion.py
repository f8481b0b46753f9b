"""The project tree's expanded rows without Qt: the person's gestures, renames, deleted projects,
and the strings they are kept as (names with '/', '%' and spaces come back as they were)."""
from __future__ import annotations

from chartdesk.app.expansion import Expansion


def test_gestures_set_and_clear_rows_and_say_when_something_changed():
    e = Expansion()
    assert e.set(("mnist",), True) and not e.set(("mnist",), True)
    assert e.set(("mnist", "run-1"), True)
    assert ("mnist", "run-1") in e and ("mnist",) in e and ("cifar",) not in e
    assert e.set(("mnist",), False) and ("mnist",) not in e
    assert not e.set((), True) and not e.set(("a", "b", "c"), True)  # not a row of the tree
    assert e.rows() == [("mnist", "run-1")]


def test_renames_move_the_rows_and_deleted_projects_are_forgotten():
    e = Expansion([("p",), ("p", "a"), ("q", "a")])
    e.rename_project("p", "p2")
    assert e.rows() == [("p2",), ("p2", "a"), ("q", "a")]
    e.rename_experiment("p2", "a", "b")
    assert ("p2", "b") in e and ("p2", "a") not in e and ("q", "a") in e
    assert e.keep_projects(["p2"]) and e.rows() == [("p2",), ("p2", "b")]
    assert not e.keep_projects(["p2", "other"])


def test_the_kept_strings_give_the_same_rows_back():
    rows = [("a/b",), ("a/b", "run 1"), ("50%", "x/y\\z"), ("",)]
    e = Expansion(rows)
    texts = e.to_strings()
    assert all(t.count("/") <= 1 for t in texts)  # a name never adds a level
    assert sorted(Expansion.from_strings(texts).rows()) == sorted(rows)
    assert Expansion.from_strings(["bad%zz", "a/b/c", "ok"]).rows() == [("ok",)]
