"""Every public call either works or raises a ChartDeskError with a one-line message (issue 9)."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chartdesk
from chartdesk import ChartDeskError, InvalidInput

pytestmark = pytest.mark.both_backends

junk = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**300, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30), st.binary(max_size=10),
    st.lists(st.integers(), max_size=4), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sampled_from(["a\x00b", "\ud800x", " padded ", "two\nlines", "x" * 600, "", np.ones((2, 2)), object()]),
)


def one_line_or_ok(call):
    try:
        call()
    except ChartDeskError as exc:
        msg = str(exc)
        assert msg and "\n" not in msg, repr(msg)
        return "refused"
    return "ok"


@pytest.fixture
def shared(module_targets):
    s = chartdesk.open_store(module_targets.new("api"))
    s.create_experiment("p", "e")
    s.append("p", "e", "loss", [0, 1, 2], [1.0, 0.5, 0.25])
    yield s
    s.close()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(a=junk, b=junk)
def test_store_calls_with_junk_arguments(shared, a, b):
    s = shared
    calls = [
        lambda: s.experiments(a), lambda: s.channels("p", a), lambda: s.read("p", "e", "loss", start=a),
        lambda: s.read(a, "e", "loss"), lambda: s.set_alias("p", "x", a), lambda: s.set_alias("p", a, ["loss"]),
        lambda: s.set_chart_set("p", "S", a), lambda: s.set_chart_set("p", "S", [a]),
        lambda: s.create_experiment("p", "e2", params=a), lambda: s.create_experiment("p", "e3", tags=a),
        lambda: s.append("p", "e", "loss", a, b), lambda: s.resolve("p", "e", a), lambda: s.rename_experiment("p", a, "e"),
    ]
    for call in calls:
        one_line_or_ok(call)
    assert s.read("p", "e", "loss").y[:3].tolist() == [1.0, 0.5, 0.25]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=junk, step=junk)
def test_run_log_with_junk(targets, value, step):
    with chartdesk.init(project="p", experiment="e", db=targets.new()) as run:
        one_line_or_ok(lambda: run.log("m", value, step))
        one_line_or_ok(lambda: run.log_many("m", value, step))
        one_line_or_ok(lambda: run.log(value, 1.0))


def test_specific_mistakes_found_by_the_probe(target):
    db = target
    with chartdesk.init(project="p", experiment="e", db=db, tags="baseline") as run:
        with pytest.raises(InvalidInput):
            run.log_many("m", None, None)  # was: one NaN point stored
        with pytest.raises(InvalidInput, match="must be numbers"):
            run.log("m", 10**400)  # was: OverflowError
        with pytest.raises(InvalidInput) as info:
            run.log("m", np.ones((2, 2)))
        assert "\n" not in str(info.value)
    with chartdesk.open_store(db) as s:
        assert s.experiment("p", "e").tags == ("baseline",)  # a string is one tag, not eight letters
        assert s.channels("p", "e") == []
    for bad in ({"flush_interval": 0}, {"flush_interval": math.nan}, {"params": [1, 2]}, {"params": "lr=0.1"},
                {"tags": 5}):
        with pytest.raises(InvalidInput):
            chartdesk.init(project="p", experiment="e2", db=db, **bad)
    for target in (b"x.db", 5, "bad\x00name.db"):
        with pytest.raises(ChartDeskError):
            chartdesk.open_store(target)


@pytest.mark.parametrize("key,value,said", [("log_y", "no", "log_y must be true or false, not 'no'"),
                                            ("log_x", 1, "log_x must be true or false, not 1"),
                                            ("smoothing", "x", "smoothing must be a number in [0, 1), not 'x'"),
                                            ("smoothing", True, "smoothing must be a number in [0, 1), not True"),
                                            ("smoothing", 1.5, "smoothing must be a number in [0, 1), not 1.5")])
def test_chart_options_are_taken_as_given_or_refused_in_one_line(store, key, value, said):
    """Issue 24 item 15: "no" silently became log_y=True and smoothing "x" was a traceback."""
    from chartdesk.model import Chart

    with pytest.raises(InvalidInput, match=re.escape(said)):
        Chart.from_dict({"name": "c", "series": ["channel:loss"], key: value})
    with pytest.raises(InvalidInput, match=re.escape(said)):
        store.set_chart_set("p", "S", [{"name": "c", "series": ["channel:loss"], key: value}])
    assert Chart.from_dict({"name": "c", "log_y": True, "smoothing": 0}).log_y is True
