"""Derived series (``expr:``): the grammar and its errors, the values against independent
computations (Python's own arithmetic, pandas on the same points, TensorBoard's EMA written out),
an alias resolved run by run, and every place a series goes in the store's API: chart sets, views,
groups, the runs table's summary columns, the CLI."""
from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartdesk import derived
from chartdesk.errors import InvalidInput
from chartdesk.model import Chart, SeriesRef
from chartdesk.resolver import resolve_series
from chartdesk.views import ViewRequest, read_view

pytestmark = pytest.mark.both_backends


class Pts:
    def __init__(self, x, y, t=None):
        self.x = np.asarray(x, float)
        self.y = np.asarray(y, float)
        self.t = np.asarray(x if t is None else t, float)


def ev(text: str, data: dict) -> derived.Points:
    bound = derived.bind(text, lambda k, n: n if n in data else None, set())
    assert bound is not None
    return derived.evaluate(bound, lambda c: data[c])


# ---- the grammar ------------------------------------------------------------------------------
@pytest.mark.parametrize("text, says", [
    ("", "empty"),
    ("1 +", "column 4: expected a number, a name or '('"),
    ("loss +* 2", "column 7"),
    ("foo(loss)", "column 1: unknown function 'foo'"),
    ("ema(loss, 1.5)", "constant weight 0 <= w < 1"),
    ("ema(loss, x)", "constant weight"),
    ("sma(loss, 0)", "at least 1"),
    ("shift(loss, 0.5)", "whole number"),
    ("3 * 4", "refers to no channel or alias"),
    ("loss acc", "column 6: expected an operator or the end, found 'acc'"),
    ("min(loss)", "two or more"),
    ("clip(loss, 0)", "takes 3 arguments"),
    ("diff(2)", "first argument needs a channel or alias"),
    ("metric:loss", "before ':' must be alias or channel"),
    ("(loss", "expected ')'"),
    ("loss $ 2", "column 6: unexpected"),
])
def test_a_bad_expression_names_the_column(text, says):
    with pytest.raises(InvalidInput, match=says.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        derived.parse(text)


def test_references_bare_explicit_and_quoted():
    assert derived.names('val/loss - train/loss') == [(None, "val/loss"), (None, "train/loss")]
    assert derived.names('alias:accuracy * channel:"val loss" + "a-b" + \'it\\\'s\'') == [
        ("alias", "accuracy"), ("channel", "val loss"), (None, "a-b"), (None, "it's")]
    # divide with blanks around / (or after a parenthesis): a / between name characters is a name
    assert derived.names("diff(tokens) / diff(time)") == [(None, "tokens"), (None, "time")]
    assert derived.names("diff(tokens)/diff(time)") == [(None, "tokens"), (None, "time")]
    assert derived.names("a/b") == [(None, "a/b")]


def test_a_bare_name_is_the_alias_when_the_project_has_one():
    chans = {"acc", "loss"}
    aliases = {"accuracy": ["accuracy", "acc"]}
    assert resolve_series("expr", "1 - accuracy", chans, aliases) == 'expr:1 - channel:"acc"'
    assert resolve_series("expr", "1 - acc", chans, aliases) == 'expr:1 - channel:"acc"'
    assert resolve_series("expr", "1 - alias:acc", chans, aliases) is None  # no alias named acc
    assert resolve_series("expr", "loss / accuracy", {"loss"}, aliases) is None  # no accuracy in this run
    # a run's pin decides its alias inside an expression too
    assert resolve_series("expr", "accuracy", {"accuracy", "acc"}, aliases, {"accuracy": "acc"}) == 'expr:channel:"acc"'


def test_a_series_ref_checks_its_expression_in_one_line():
    assert str(SeriesRef.parse("expr:1 - accuracy")) == "expr:1 - accuracy"
    with pytest.raises(InvalidInput, match=r"series expr:1 - : column 5"):
        SeriesRef.parse("expr:1 - ")
    with pytest.raises(InvalidInput, match="at most 512"):
        SeriesRef.parse("expr:" + "+".join(["a"] * 300))
    assert SeriesRef.parse("expr:acc * accuracy").aliases_used({"accuracy"}) == {"accuracy"}


_NUM = st.floats(-50, 50, allow_nan=False).map(lambda v: round(v, 3))


@st.composite
def _arith(draw, depth=0):
    if depth > 3 or draw(st.booleans()):
        return draw(st.one_of(_NUM.map(repr), st.just("a")))
    op = draw(st.sampled_from(["+", "-", "*", "/", "**", "neg", "paren"]))
    left, right = draw(_arith(depth + 1)), draw(_arith(depth + 1))
    if op == "neg":
        return f"-{left}"
    if op == "paren":
        return f"({left})"
    if op == "**":
        return f"({left}) ** 2"
    return f"{left} {op} {right}"


@given(_arith(), _NUM)
def test_arithmetic_and_precedence_are_pythons(text, a):
    expr = f"a + 0 * ({text})" if "a" not in text else text
    with np.errstate(all="ignore"):
        try:
            want = eval(expr, {"__builtins__": {}}, {"a": np.float64(a)})  # noqa: S307 (the reference)
        except ZeroDivisionError:
            return
    got = ev(expr, {"a": Pts([5], [a])}).y[0]
    if isinstance(want, complex) or (isinstance(want, float) and math.isnan(want)):
        assert math.isnan(got) or isinstance(want, complex)
    else:
        assert got == pytest.approx(float(want), rel=1e-12, abs=1e-12, nan_ok=True)
    # what is printed reads back as the same expression: the same text again, the same value
    printed = derived.unparse(derived.parse(expr).tree, lambda r: r.name)
    assert derived.unparse(derived.parse(printed).tree, lambda r: r.name) == printed
    assert ev(printed, {"a": Pts([5], [a])}).y[0] == pytest.approx(got, rel=1e-12, abs=1e-12, nan_ok=True)


# ---- semantics against pandas -------------------------------------------------------------------
def _frame(p: Pts) -> pd.Series:
    """A channel's last point per step, as pandas sees it."""
    return pd.Series(p.y, index=p.x).groupby(level=0).last()


def test_operands_are_matched_by_step_with_their_last_point():
    a = Pts([0, 1, 2, 2, 3, 5, 6], [1, 2, 3, 30, 4, 6, 7])  # step 2 logged twice: the last counts
    b = Pts([1, 2, 3, 4, 6, 1], [10, 20, 30, 40, 60, 11])    # resumed: step 1 again, last is 11
    got = ev("a - b", {"a": a, "b": b})
    want = (_frame(a) - _frame(b)).dropna()
    assert got.x.tolist() == want.index.tolist() == [1, 2, 3, 6]
    assert got.y.tolist() == want.tolist() == [2 - 11, 30 - 20, 4 - 30, 7 - 60]


def test_time_is_the_latest_of_the_operands():
    got = ev("a * b", {"a": Pts([1, 2], [1, 1], [100, 300]), "b": Pts([1, 2], [1, 1], [200, 250])})
    assert got.t.tolist() == [200, 300]


def test_ieee_arithmetic():
    a = Pts([0, 1, 2, 3, 4], [1.0, 0.0, -1.0, np.inf, np.nan])
    got = ev("1 / a", {"a": a}).y
    assert got[0] == 1 and got[1] == np.inf and got[2] == -1 and got[3] == 0 and np.isnan(got[4])
    logs = ev("log(a)", {"a": a}).y
    assert logs[0] == 0 and logs[1] == -np.inf and np.isnan(logs[2]) and logs[3] == np.inf
    assert np.isnan(ev("sqrt(a)", {"a": a}).y[2])


@pytest.mark.parametrize("text, pandas", [
    ("diff(a)", lambda s: s.diff()),
    ("cumsum(a)", lambda s: s.cumsum(skipna=False)),
    ("sma(a, 5)", lambda s: s.rolling(5).mean()),
    ("shift(a, 3)", lambda s: s.shift(3)),
    ("shift(a, -2)", lambda s: s.shift(-2)),
    ("abs(a) + log10(abs(a) + 1)", lambda s: s.abs() + np.log10(s.abs() + 1)),
    ("clip(a, -0.5, 0.5)", lambda s: s.clip(-0.5, 0.5)),
    ("max(a, b)", None),
    ("min(a, b, 0)", None),
])
def test_functions_match_pandas_point_by_point(text, pandas):
    rng = np.random.default_rng(3)
    steps = np.sort(rng.choice(400, 200, replace=False)).astype(float)
    a = Pts(steps, rng.normal(size=200))
    b = Pts(steps[::2], rng.normal(size=100))
    got = ev(text, {"a": a, "b": b})
    sa, sb = _frame(a), _frame(b)
    if pandas is None:
        both = pd.concat([sa, sb], axis=1, join="inner")
        want = both.max(axis=1) if text.startswith("max") else both.min(axis=1).clip(upper=0)
    else:
        want = pandas(sa)
        if text.startswith("shift") or text.startswith("sma") or text.startswith("diff"):
            want = want.dropna()  # no point where the window or shift has none
    assert got.x.tolist() == want.index.tolist()
    np.testing.assert_allclose(got.y, want.to_numpy(), rtol=1e-9, atol=1e-12)


def test_sma_follows_ieee_for_nan_and_infinities():
    a = Pts(range(8), [1, 2, np.nan, 4, 5, np.inf, 7, -np.inf])
    got = ev("sma(a, 2)", {"a": a}).y
    want = np.array([(a.y[i] + a.y[i + 1]) / 2 for i in range(7)])  # plain IEEE sums
    np.testing.assert_array_equal(got, want)


def test_ema_is_tensorboards_debiased_ema():
    rng = np.random.default_rng(5)
    y = rng.normal(size=300)
    last, num, want = 0.0, 0, []
    for v in y:  # TensorBoard's smoothing, as its scalar dashboard writes it
        last = last * 0.9 + (1 - 0.9) * v
        num += 1
        want.append(last / (1 - 0.9 ** num))
    got = ev("ema(a, 0.9)", {"a": Pts(np.arange(300), y)})
    np.testing.assert_allclose(got.y, want, rtol=1e-9)


# ---- through the store --------------------------------------------------------------------------
@pytest.fixture
def runs(store):
    """Three runs that logged accuracy under three names, with an alias over them."""
    rng = np.random.default_rng(11)
    for name, ch, n in [("r1", "accuracy", 50), ("r2", "acc", 40), ("r3", "pred_acc", 60)]:
        store.create_experiment("p", name)
        x = np.arange(n, dtype=float)
        store.append("p", name, ch, x, rng.uniform(size=n), 1000 + x)
        store.append("p", name, "train/loss", x, rng.uniform(size=n), 1000 + x)
        store.append("p", name, "val/loss", x[::2], rng.uniform(size=len(x[::2])), 1000 + x[::2])
    store.set_alias("p", "accuracy", ["accuracy", "acc", "pred_acc"])
    return store


def _bound(store, exp, text):
    chans = set(store.channels("p", exp))
    return resolve_series("expr", text, chans, store.aliases("p"), store.pins("p").get(exp, {}))


def test_an_expression_over_an_alias_is_computed_run_by_run(runs):
    for exp, ch in [("r1", "accuracy"), ("r2", "acc"), ("r3", "pred_acc")]:
        bound = _bound(runs, exp, "1 - accuracy")
        v = read_view(runs, ViewRequest("p", exp, bound, width=10_000))
        s = runs.read("p", exp, ch)
        np.testing.assert_allclose(v.values, 1 - s.y)
        assert v.total == len(s.x) and v.level == "full"
        assert ViewRequest("p", exp, bound).channel_keys == {("p", exp, ch)}


def test_a_chart_set_keeps_its_expressions(runs):
    charts = [{"name": "Gap", "series": ["expr:val/loss - train/loss", "expr:1 - accuracy"]}]
    runs.set_chart_set("p", "Derived", charts)
    assert runs.chart_sets("p")["Derived"] == charts
    with pytest.raises(InvalidInput, match=r"series expr:1 -- : column 6"):
        runs.set_chart_set("p", "Bad", [{"name": "X", "series": ["expr:1 -- "]}])
    assert "Bad" not in runs.chart_sets("p")


def test_summary_columns_and_aggregates_of_an_expression(runs):
    col = "expr:val/loss - train/loss:last"
    rows = {r["experiment"]: r["columns"] for r in runs.runs("p", columns=[col, "expr:1 - accuracy:max"])}
    for exp, ch in [("r1", "accuracy"), ("r2", "acc"), ("r3", "pred_acc")]:
        v, t, a = (_frame(runs.read("p", exp, c)) for c in ("val/loss", "train/loss", ch))
        assert rows[exp][col] == pytest.approx((v - t).dropna().iloc[-1])
        assert rows[exp]["expr:1 - accuracy:max"] == pytest.approx((1 - a).max())
    with pytest.raises(InvalidInput, match="column expr:1 - alias:nope: column 5: unknown alias 'nope'"):
        runs.runs("p", columns=["expr:1 - alias:nope:last"])
    agg = runs.aggregate("p", ["r1", "r2", "r3"], "expr:1 - accuracy")
    frames = [1 - _frame(runs.read("p", e, c)) for e, c in [("r1", "accuracy"), ("r2", "acc"), ("r3", "pred_acc")]]
    want = pd.concat(frames, axis=1).mean(axis=1)
    assert agg.x.tolist() == want.index.tolist()
    np.testing.assert_allclose(agg.mean, want.to_numpy())
    assert agg.channels == tuple(_bound(runs, e, "1 - accuracy") for e in ("r1", "r2", "r3"))


def test_computed_once_and_again_when_the_run_grows(runs):
    derived.CACHE.clear()
    bound = _bound(runs, "r2", "1 - accuracy")
    hits = derived.CACHE.hits
    first = derived.compute(runs, "p", "r2", bound)
    again = derived.compute(runs, "p", "r2", bound)
    assert again is first and derived.CACHE.hits == hits + 1
    runs.append("p", "r2", "acc", [40.0, 41.0], [0.25, 0.5], [2000.0, 2001.0])
    grown = derived.compute(runs, "p", "r2", bound)
    assert len(grown) == len(first) + 2 and grown.y[-2:].tolist() == [0.75, 0.5]


def test_the_cli_adds_and_refuses_expressions(tmp_path):
    db = str(tmp_path / "cli.db")

    def cd(*args):
        return subprocess.run([sys.executable, "-m", "chartdesk", "--db", db, *args], capture_output=True, text=True)

    assert cd("demo").returncode == 0
    r = cd("chartset", "add", "mnist", "Derived", "Error", "expr:1 - accuracy")
    assert r.returncode == 0, r.stderr
    assert cd("chartset", "ls", "mnist", "--json").stdout.count("expr:1 - accuracy") == 1
    r = cd("chartset", "add", "mnist", "Derived", "Bad", "expr:1 - (accuracy")
    assert r.returncode == 1 and r.stderr.count("\n") == 1
    assert "series expr:1 - (accuracy: column 14: expected ')', found the end" in r.stderr


def test_a_chart_with_an_expression_x_axis_is_refused_or_kept_as_given():
    c = Chart("c", (SeriesRef.parse("expr:1 - acc"),))
    assert Chart.from_dict(c.to_dict()) == c


def test_a_zoomed_out_view_of_an_expression_reads_its_summary_and_keeps_every_spike(store):
    n = 300_000
    x = np.arange(n, dtype=float)
    a = np.sin(x / 5000)
    a[123_457] = 50.0
    a[200_001] = -40.0
    store.create_experiment("p", "e")
    store.append_many("p", "e", {"a": (x, a, 1000 + x), "b": (x, np.ones(n), 1000 + x)})
    bound = resolve_series("expr", "a * b + 1", {"a", "b"}, {})
    v = read_view(store, ViewRequest("p", "e", bound, width=500))
    assert v.level == "summary" and v.total == n and len(v.x) < n / 50
    assert v.y.max() == 51.0 and v.y.min() == -39.0
    np.testing.assert_array_equal(v.values, a[v.x.astype(int)] + 1)  # every drawn point is a computed one
    z = read_view(store, ViewRequest("p", "e", bound, x0=123_000, x1=124_000, width=500))
    assert z.level == "full" and 51.0 in z.y
    inside = (z.x >= 123_000) & (z.x <= 124_000)
    assert inside.sum() > 500 and z.x[0] == 122_999 and z.x[-1] == 124_001  # a point beyond each edge


def test_names_over_the_column_width_are_refused_before_any_store():
    """Both backends refuse them alike (the store checks too); the chart and its refs say so first."""
    with pytest.raises(InvalidInput, match="names are at most 512"):
        SeriesRef("channel", "x" * 513)
    with pytest.raises(InvalidInput, match="chart name is 513 characters long"):
        Chart("c" * 513)
    assert SeriesRef("alias", "a" * 512).name == "a" * 512
