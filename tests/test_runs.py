"""Comparing runs (issue 10): the runs table and its filter grammar, summary columns from chunk
summaries, seed aggregates against numpy on the raw data, per-run alias pins."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chartdesk
from chartdesk import InvalidInput
from chartdesk.aggregate import combine
from chartdesk.query import evaluate, parse

pytestmark = pytest.mark.both_backends


@pytest.fixture
def sweep(store):
    """5 seeds x 2 learning rates; seeds 0-2 logged 'acc', 3-4 'pred_acc' (one alias covers both)."""
    rng = np.random.default_rng(0)
    for lr in (0.1, 0.01):
        for seed in range(5):
            name = f"lr{lr}-seed{seed}"
            store.create_experiment("sweep", name, params={"lr": lr, "seed": seed, "optimizer": {"name": "adam"}},
                                    tags=["baseline"] if seed == 0 else [], state="succeeded")
            n = 1000 - 100 * seed  # runs that stopped early
            x = np.arange(n, dtype=np.float64)
            y = 1 - np.exp(-x / (200 if lr == 0.1 else 400)) + rng.normal(0, 0.01, n)
            store.append("sweep", name, "acc" if seed < 3 else "pred_acc", x, y)
            store.append("sweep", name, "loss", x, np.exp(-x / 300) + 0.01 * seed)
    store.set_alias("sweep", "accuracy", ["acc", "pred_acc"])
    return store


def test_runs_table_columns_sort_and_filter(sweep):
    rows = sweep.runs("sweep", where='lr < 0.05 and "baseline" not in tags', sort="alias:accuracy:max",
                      descending=True, columns=["alias:accuracy:max", "channel:loss:last", "accuracy:argmax",
                                                "channel:loss:count"])
    assert {r["experiment"] for r in rows} == {f"lr0.01-seed{s}" for s in range(1, 5)}
    maxes = [r["columns"]["alias:accuracy:max"] for r in rows]
    assert maxes == sorted(maxes, reverse=True)
    for r in rows:
        ch = "acc" if int(r["experiment"][-1]) < 3 else "pred_acc"
        s = sweep.read("sweep", r["experiment"], ch)
        assert r["columns"]["alias:accuracy:max"] == s.y.max()
        assert r["columns"]["accuracy:argmax"] == s.x[np.argmax(s.y)]
        loss = sweep.read("sweep", r["experiment"], "loss")
        assert r["columns"]["channel:loss:last"] == loss.y[-1]
        assert r["columns"]["channel:loss:count"] == len(loss.x)
        assert set(r) == {"experiment", "state", "tags", "params", "created", "finished", "columns"}
    assert [r["experiment"] for r in sweep.runs("sweep", where='name ~ "seed[34]$" and optimizer.name == "adam"')] \
        == ["lr0.1-seed3", "lr0.1-seed4", "lr0.01-seed3", "lr0.01-seed4"]
    assert sweep.runs("sweep", where="accuracy:max > 2") == []


def test_missing_values_sort_last_both_ways(sweep):
    sweep.create_experiment("sweep", "empty", params={"lr": 0.5})
    for desc in (False, True):
        rows = sweep.runs("sweep", sort="channel:loss:min", descending=desc, columns=["channel:loss:min"])
        assert rows[-1]["experiment"] == "empty" and rows[-1]["columns"]["channel:loss:min"] is None


def test_bad_expressions_name_the_column(sweep):
    for bad, col in (("lr <", 5), ("lr < 0.1 and", 13), ("(lr < 1", 8), ("name ~ \"(\"", 6), ("lr = 1", 4)):
        with pytest.raises(InvalidInput, match=f"column {col}"):
            sweep.runs("sweep", where=bad)
    with pytest.raises(InvalidInput, match="REF:REDUCER"):
        sweep.runs("sweep", columns=["alias:accuracy:median"])


values = st.one_of(st.integers(-5, 5), st.floats(-5, 5, allow_nan=False), st.sampled_from(["adam", "sgd", "x y"]))


@given(a=values, b=values, op=st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
def test_grammar_compares_like_python(a, b, op):
    text = f"p {op} {json.dumps(b)}"
    got = evaluate(parse(text), lambda n: a)
    numeric = not isinstance(a, str) and not isinstance(b, str)
    if numeric:
        want = {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    elif op in ("==", "!="):
        want = (str(a) == str(b)) == (op == "==")
    elif isinstance(a, str) and isinstance(b, str):
        want = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    else:
        want = False
    assert got == want


@given(st.lists(st.booleans(), min_size=3, max_size=3), st.sampled_from(["and", "or"]), st.sampled_from(["and", "or"]))
def test_grammar_boolean_structure(flags, op1, op2):
    names = dict(zip("abc", flags))
    text = f"not a == true {op1} (b == true {op2} c == true)"
    py = f"(not names['a']) {op1} (names['b'] {op2} names['c'])"
    assert evaluate(parse(text), names.get) == eval(py)  # noqa: S307 - the oracle, on our own text


run_series = st.lists(
    st.lists(st.tuples(st.integers(0, 20), st.one_of(st.floats(-100, 100), st.just(float("nan")))), max_size=30),
    min_size=1, max_size=5)


@given(run_series, st.sampled_from(["std", "sem", "minmax"]))
def test_aggregate_matches_numpy_on_the_raw_points(runs, band):
    series = [(np.array([p[0] for p in r], float), np.array([p[1] for p in r], float)) for r in runs]
    x, mean, lo, hi, n = combine(series, band)
    steps = sorted({s for r in runs for s, _v in r})
    assert x.tolist() == steps
    for i, step in enumerate(steps):
        vals = []
        for r in runs:
            at = [v for s, v in r if s == step]
            if at and np.isfinite(at[-1]):  # the last point at a step counts
                vals.append(at[-1])
        assert n[i] == len(vals)
        if not vals:
            assert np.isnan(mean[i])
            continue
        v = np.array(vals)
        assert mean[i] == pytest.approx(v.mean(), rel=1e-9, abs=1e-9)
        if band == "std":
            assert lo[i] == pytest.approx(v.mean() - v.std(), rel=1e-9, abs=1e-7)
        elif band == "sem":
            assert hi[i] == pytest.approx(v.mean() + v.std() / np.sqrt(len(v)), rel=1e-9, abs=1e-7)
        else:
            assert (lo[i], hi[i]) == (v.min(), v.max())


def test_aggregate_goes_through_aliases_and_counts_runs_that_stopped(sweep):
    exps = [f"lr0.1-seed{s}" for s in range(5)]
    g = sweep.aggregate("sweep", exps, "alias:accuracy", band="std")
    assert g.channels == ("acc", "acc", "acc", "pred_acc", "pred_acc")
    assert g.n[0] == 5 and g.n[-1] == 1 and g.x[-1] == 999
    at = 650  # seeds 0-3 reach it (1000, 900, 800, 700 points)
    vals = [sweep.read("sweep", e, c).y[at] for e, c in zip(exps, g.channels) if len(sweep.read("sweep", e, c).y) > at]
    i = int(np.flatnonzero(g.x == at)[0])
    assert g.n[i] == 4 and g.mean[i] == pytest.approx(np.mean(vals))


def test_pins_override_an_alias_per_run_and_follow_the_channel(sweep):
    sweep.append("sweep", "lr0.1-seed0", "pred_acc", [0, 1], [0.5, 0.6])  # has both now
    assert sweep.resolve("sweep", "lr0.1-seed0", "accuracy") == "acc"
    sweep.set_pin("sweep", "lr0.1-seed0", "accuracy", "pred_acc")
    assert sweep.pins("sweep") == {"lr0.1-seed0": {"accuracy": "pred_acc"}}
    assert sweep.resolve("sweep", "lr0.1-seed0", "accuracy") == "pred_acc"
    assert sweep.resolve_all("sweep", "accuracy")["lr0.1-seed0"] == "pred_acc"
    row = sweep.runs("sweep", where='name == "lr0.1-seed0"', columns=["alias:accuracy:max"])[0]
    assert row["columns"]["alias:accuracy:max"] == 0.6
    sweep.set_pin("sweep", "lr0.1-seed1", "accuracy", "nonexistent")  # a pin to a channel the run lacks
    assert sweep.resolve("sweep", "lr0.1-seed1", "accuracy") == "acc"
    sweep.set_pin("sweep", "lr0.1-seed0", "accuracy", None)
    assert sweep.resolve("sweep", "lr0.1-seed0", "accuracy") == "acc"
    with pytest.raises(chartdesk.NotFound):
        sweep.set_pin("sweep", "lr0.1-seed0", "nope", "acc")


def test_runs_and_pin_commands(sweep, target):
    sweep.close()

    def cd(*args):
        r = subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(target)], capture_output=True,
                           text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return r.stdout

    rows = json.loads(cd("runs", "sweep", "--where", "seed == 0", "--sort", "lr", "--column", "alias:accuracy:last",
                         "--json"))
    assert [r["experiment"] for r in rows] == ["lr0.01-seed0", "lr0.1-seed0"]
    csv_text = cd("runs", "sweep", "--where", "seed == 0", "--csv", "--column", "channel:loss:min")
    assert csv_text.splitlines()[0] == "experiment,state,tags,lr,optimizer.name,seed,channel:loss:min"
    cd("alias", "pin", "sweep", "lr0.1-seed3", "accuracy", "acc")
    assert json.loads(cd("resolve", "sweep", "accuracy", "--json"))["lr0.1-seed3"] == "pred_acc"  # lacks acc
    cd("alias", "unpin", "sweep", "lr0.1-seed3", "accuracy")
