"""The edits behind every undo step are pure functions: checked with hypothesis."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartdesk import InvalidInput, edits
from chartdesk.model import Chart, ChartSet

names = st.lists(st.text("abcdefgh", min_size=1, max_size=4), min_size=1, max_size=8, unique=True)


@given(names, st.data())
def test_a_move_and_its_reverse_are_the_identity(entries, data):
    n = len(entries)
    src = data.draw(st.integers(0, n - 1))
    dst = data.draw(st.integers(0, n))
    moved = edits.move_entries(entries, src, 1, dst)
    assert sorted(moved) == sorted(entries)  # nothing lost, nothing doubled
    at = moved.index(entries[src])
    back_dst = src if src < at else src + 1  # where it came from, in pre-move terms
    assert edits.move_entries(moved, at, 1, back_dst) == tuple(entries)


@given(names, st.integers(-3, 12), st.lists(st.text("abcdefghij", min_size=1, max_size=4), max_size=4))
def test_inserting_keeps_names_unique_and_order(entries, row, new):
    out = edits.insert_entries(entries, row, new)
    assert len(out) == len(set(out))
    assert [e for e in out if e in entries] == list(entries)  # the old order is kept
    assert set(out) == set(entries) | set(new)


@given(st.lists(st.text("abcdef", min_size=1, max_size=3), min_size=1, max_size=5, unique=True), st.data())
def test_chart_set_edits_keep_names_unique(set_names, data):
    sets = tuple(ChartSet(n) for n in set_names)
    new = data.draw(st.text("abcdef", min_size=1, max_size=3))
    if new in set_names:
        with pytest.raises(InvalidInput):
            edits.add_set(sets, new)
    else:
        assert [s.name for s in edits.add_set(sets, new)] == [*set_names, new]
    old = data.draw(st.sampled_from(set_names))
    other = data.draw(st.text("abcdef", min_size=1, max_size=3))
    if other != old and other in set_names:
        with pytest.raises(InvalidInput):
            edits.rename_set(sets, old, other)
    else:
        renamed = edits.rename_set(sets, old, other)
        assert len({s.name for s in renamed}) == len(renamed)
        assert edits.rename_set(renamed, other, old) == sets  # and back
    i = data.draw(st.integers(0, len(sets) - 1))
    delta = data.draw(st.sampled_from([-1, 1]))
    moved = edits.move_set(sets, sets[i].name, delta)
    assert edits.move_set(moved, sets[i].name, -delta) == sets or not 0 <= i + delta < len(sets)


def test_replace_and_delete_chart():
    charts = (Chart("a"), Chart("b"))
    assert [c.name for c in edits.replace_chart(charts, "a", Chart("c"))] == ["c", "b"]
    with pytest.raises(InvalidInput):
        edits.replace_chart(charts, "a", Chart("b"))
    assert edits.delete_chart(charts, "a") == (Chart("b"),)


# ---- carrying an edit over to what another window wrote meanwhile (issue 24 item 2) -------------
@given(names, st.data())
def test_an_edit_carried_over_keeps_both_changes(base, data):
    """Two windows change one list of names from the same value: this one's change carried over
    to the other's result keeps every name each added, drops every name each removed, and is
    the edit itself when nothing changed meanwhile; its undo carried over removes only it."""
    def change(entries):
        out = list(entries)
        for _ in range(data.draw(st.integers(0, 3))):
            op = data.draw(st.sampled_from(["add", "remove", "move"]))
            if op == "add":
                new = data.draw(st.text("ijklmnop", min_size=1, max_size=3))
                out = list(edits.insert_entries(out, data.draw(st.integers(0, len(out))), [new]))
            elif out and op == "remove":
                out = list(edits.remove_entry(out, data.draw(st.integers(0, len(out) - 1))))
            elif out:
                out = list(edits.move_entries(out, data.draw(st.integers(0, len(out) - 1)), 1,
                                              data.draw(st.integers(0, len(out)))))
        return tuple(out)

    mine, theirs = change(base), change(base)
    assert edits.rebase_names(base, mine, base) == mine
    got = edits.rebase_names(base, mine, theirs)
    assert len(got) == len(set(got))
    added_mine, added_theirs = set(mine) - set(base), set(theirs) - set(base)
    removed = (set(base) - set(mine)) | (set(base) - set(theirs))
    assert set(got) == (set(base) | added_mine | added_theirs) - removed
    if not set(base) - set(mine):  # undo of an edit that removed nothing: only its own names go
        undone = edits.rebase_names(mine, base, got)
        assert set(undone) == set(got) - added_mine | (set(base) & set(got))


def test_appends_from_two_windows_both_stay_in_the_order_they_were_written():
    base = ("a", "b")
    assert edits.rebase_names(base, base + ("x",), base + ("y",)) == ("a", "b", "y", "x")
    assert edits.rebase_names(("a", "b", "c"), ("c", "a", "b"), ("a", "b", "c", "d")) == ("c", "a", "b", "d")
    assert edits.rebase_names(("a", "b", "c"), ("a", "c"), ("b", "c", "a")) == ("c", "a")


def test_charts_carried_over_keep_the_other_windows_edit_or_refuse():
    from chartdesk.errors import Conflict

    acc, loss = Chart("Accuracy"), Chart("Loss")
    theirs = (acc, Chart("Loss", log_y=True))  # another window turned on log y
    assert edits.rebase_charts((acc, loss), (acc, loss, Chart("New")), theirs) == (*theirs, Chart("New"))
    assert edits.rebase_charts((acc, loss), (loss, acc), theirs) == (theirs[1], acc)  # a move keeps their edit
    with pytest.raises(Conflict, match="Loss"):  # this one edits the chart they edited
        edits.rebase_charts((acc, loss), (acc, Chart("Loss", smoothing=0.5)), theirs)
    with pytest.raises(Conflict, match="deleted elsewhere"):
        edits.rebase_charts((acc, loss), (acc, Chart("Loss", smoothing=0.5)), (acc,))
    assert edits.rebase_charts((acc, loss), (acc,), (acc,)) == (acc,)  # deleted twice: once


def test_one_change_of_the_chart_sets_is_named_by_the_set_it_changes():
    sets = (ChartSet("A", (Chart("x"),)), ChartSet("B"))
    assert edits.chart_set_change(sets, edits.add_set(sets, "C")) == ("set", "C", None, (None, ()))
    assert edits.chart_set_change(sets, edits.delete_set(sets, "A")) == ("set", "A", ("B", (Chart("x"),)), None)
    assert edits.chart_set_change(sets, edits.rename_set(sets, "A", "Z")) == ("rename", "A", "Z")
    assert edits.chart_set_change(sets, edits.move_set(sets, "B", -1)) == ("order", ("A", "B"), ("B", "A"))
    changed = edits.set_charts(sets, "B", [Chart("y")])
    assert edits.chart_set_change(sets, changed) == ("set", "B", (None, ()), (None, (Chart("y"),)))
    with pytest.raises(InvalidInput):
        edits.chart_set_change(sets, edits.add_set(edits.delete_set(sets, "A"), "C"))
