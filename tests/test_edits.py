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
