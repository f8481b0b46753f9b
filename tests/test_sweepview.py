"""The scatter's and parallel coordinates' numbers (issue 20, ``chartdesk.app.sweepview``), each
computed again here from the runs' raw points and params with numpy, pandas and scipy: summary
columns through the alias (a run that logged 'acc', a pinned run, a run with no metric), params
flattened by pandas, missing values kept, log scaling, brushes against pandas masks and the run
filter, Pearson / Spearman / the least-squares line against scipy, group means and standard errors
against pandas."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_sweep_analysis import _channel_of, fill

from chartdesk import offload
from chartdesk.app import sweepview as sv
from chartdesk.app.runfilter import RunFilter
from chartdesk.groups import GroupBy, group_runs

COLUMNS = ["accuracy:max", "alias:accuracy:last", "channel:loss:min", "expr:1 - accuracy:last"]


@pytest.fixture
def hp(store):
    fill(store)
    return store


@pytest.fixture
def table(hp):
    return sv.build("hp", offload.rows(hp, "hp", COLUMNS), COLUMNS)


def _params(store, runs) -> pd.DataFrame:
    return pd.json_normalize([dict(store.experiment("hp", r).params) for r in runs]).set_index(pd.Index(runs))


def _expected_columns(store, runs) -> pd.DataFrame:
    """Each summary column from the raw points, the alias resolved here (the pin, else its first entry)."""
    out = {}
    for r in runs:
        ch = _channel_of(store, r)
        acc = store.read("hp", r, ch).y if ch else None
        loss = store.read("hp", r, "loss").y
        out[r] = {"accuracy:max": np.max(acc) if acc is not None else np.nan,
                  "alias:accuracy:last": acc[-1] if acc is not None else np.nan,
                  "channel:loss:min": np.min(loss),
                  "expr:1 - accuracy:last": 1 - acc[-1] if acc is not None else np.nan}
    return pd.DataFrame.from_dict(out, orient="index")


def test_dimensions_against_pandas_and_the_raw_points(hp, table):
    runs = list(table.runs)
    assert runs == hp.experiments("hp") and "run-01" in runs and "no-metric" in runs
    assert _channel_of(hp, "run-01") == "acc" and _channel_of(hp, "pinned") == "acc"  # another alias entry; a pin
    want = _expected_columns(hp, runs)
    for col in COLUMNS:
        d = table[col]
        assert d.source == "column" and d.numeric
        for r, v in zip(runs, d.values):
            if np.isnan(want.loc[r, col]):
                assert v is None, (col, r)  # missing kept as missing, not dropped
            else:
                assert v == pytest.approx(want.loc[r, col], rel=1e-12, abs=1e-12), (col, r)
    assert table["accuracy:max"].values[runs.index("no-metric")] is None
    assert not table["expr:1 - accuracy:last"].brushable and table["accuracy:max"].brushable

    frame = _params(hp, runs)
    params = {k for k, d in table.dimensions.items() if d.source == "param"}
    assert params == set(frame.columns)
    for key in frame.columns:
        for r, v in zip(runs, table[key].values):
            expect = frame.loc[r, key]
            assert (v is None) if pd.isna(expect) else (v == expect), (key, r, v, expect)
    assert table["optimizer.lr"].kind == sv.LOG  # > 0 and max / min >= 100
    assert frame["optimizer.lr"].max() / frame["optimizer.lr"].min() >= 100
    assert table["layers"].kind == sv.NUMBER
    assert table["augment"].kind == sv.BOOLEAN and table["augment"].categories == (False, True)
    assert table["optimizer.name"].kind == sv.CATEGORY
    assert table["optimizer.name"].categories == tuple(sorted(frame["optimizer.name"].dropna().unique()))
    assert table["dropout"].kind == sv.NUMBER and frame["dropout"].isna().sum() == \
        sum(v is None for v in table["dropout"].values) > 0
    # run fields
    exps = {r: hp.experiment("hp", r) for r in runs}
    assert table["state"].values == tuple(exps[r].state for r in runs)
    assert table["state"].categories == tuple(sorted({e.state for e in exps.values()}))
    assert table["duration"].values == tuple((exps[r].finished - exps[r].created) if exps[r].finished else None
                                             for r in runs)


def test_coordinates_and_normalisation(hp, table):
    runs = list(table.runs)
    frame = _params(hp, runs)
    lr = frame["optimizer.lr"].to_numpy(float)
    c = table["optimizer.lr"].coordinates()
    np.testing.assert_allclose(c[~np.isnan(lr)], np.log10(lr[~np.isnan(lr)]), rtol=1e-14)
    u = table["optimizer.lr"].normalised()
    logs = np.log10(lr)
    np.testing.assert_allclose(u, (logs - np.nanmin(logs)) / (np.nanmax(logs) - np.nanmin(logs)), rtol=1e-12)
    np.testing.assert_allclose(table["optimizer.lr"].normalised(flip=True), 1 - u, rtol=1e-12)
    drop = frame["dropout"].to_numpy(float)
    ud = table["dropout"].normalised()
    assert np.array_equal(np.isnan(ud), np.isnan(drop))  # missing stays missing
    np.testing.assert_allclose(ud[~np.isnan(drop)], ((drop - np.nanmin(drop)) / (np.nanmax(drop) - np.nanmin(drop)))
                               [~np.isnan(drop)], rtol=1e-12)
    names = table["optimizer.name"]
    assert list(names.coordinates()) == [float(names.categories.index(v)) for v in frame["optimizer.name"]]
    assert [t for _c, t in names.ticks()] == list(names.categories)
    # linear on request: the value itself
    np.testing.assert_allclose(table["optimizer.lr"].coordinates(log=False), lr)


def test_brushes_are_the_run_filter(hp, table):
    runs = list(table.runs)
    frame = _params(hp, runs).join(_expected_columns(hp, runs))
    lr = table["optimizer.lr"]
    b = lr.brush(-3.0, -1.7)  # log10 coordinates
    assert (b.lo, b.hi) == (0.001, sv.snap(10 ** -1.7, +1)) and b.hi >= 10 ** -1.7
    drop = table["dropout"].brush(0.1, 0.4)
    opt = table["optimizer.name"].brush(0.6, 2.2)  # covers the 2nd and 3rd category
    assert opt.values == table["optimizer.name"].categories[1:]
    acc = table["accuracy:max"].brush(0.5, 2.0)
    brushes = [b, drop, opt, acc]
    mask = ((frame["optimizer.lr"] >= b.lo) & (frame["optimizer.lr"] <= b.hi)
            & (frame["dropout"] >= drop.lo) & (frame["dropout"] <= drop.hi)  # NaN compares false: missing is out
            & frame["optimizer.name"].isin(opt.values)
            & (frame["accuracy:max"] >= acc.lo) & (frame["accuracy:max"] <= acc.hi))
    expected = frozenset(frame.index[mask])
    assert expected and len(expected) < len(runs) and "no-metric" not in expected
    assert table.brushed(brushes) == expected
    assert not any(frame.loc[r, "dropout"] != frame.loc[r, "dropout"] for r in expected)  # none missing dropout

    text = sv.join_filter('"sweep" in tags or state == "failed"', brushes)
    assert text.startswith('("sweep" in tags or state == "failed") and optimizer.lr >= 0.001 and ')
    f = RunFilter()
    rows = offload.rows(hp, "hp", [c for c in COLUMNS if c != "expr:1 - accuracy:last"])
    f.set_text(text, hp.aliases("hp"))
    f.set_rows(rows)
    assert not f.error and f.shown == expected  # the filter the runs table uses shows the brushed runs
    base, back = sv.split_filter(text, table.dimensions)
    assert base == '("sweep" in tags or state == "failed")'
    assert back == {k.key: k for k in brushes}
    # a clause the person typed is a brush of its axis; one side alone is not
    base, back = sv.split_filter("layers >= 3 and accuracy:max <= 0.8", table.dimensions)
    assert back == {} and base == "layers >= 3 and accuracy:max <= 0.8"
    base, back = sv.split_filter('augment == true and layers <= 4 and layers >= 3', table.dimensions)
    assert base == "" and back == {"augment": sv.Brush("augment", values=(True,)), "layers": sv.Brush("layers", 3, 4)}
    assert table.brushed(back.values()) == frozenset(frame.index[frame["augment"] & frame["layers"].between(3, 4)])


def test_snapped_ends_keep_what_the_brush_covered():
    for v in (0.70840531, 0.00123456, 12345.6, 3.0, 9.99999):
        assert sv.snap(v, -1) <= v <= sv.snap(v, +1)
        assert len(f"{sv.snap(v, +1):g}".replace("-", "").replace(".", "").lstrip("0")) <= sv.BRUSH_DIGITS + 4


def test_fit_against_scipy_with_missing_values(hp, table):
    x = table["optimizer.lr"].coordinates()          # log10 lr
    y = table["accuracy:max"].coordinates()          # no-metric has none
    f = sv.fit(x, y)
    ok = ~np.isnan(x) & ~np.isnan(y)
    assert f.n == ok.sum() == len(table.runs) - 1
    assert f.pearson == pytest.approx(stats.pearsonr(x[ok], y[ok])[0], rel=1e-12)
    assert f.spearman == pytest.approx(stats.spearmanr(x[ok], y[ok])[0], rel=1e-12)
    lin = stats.linregress(x[ok], y[ok])
    assert f.slope == pytest.approx(lin.slope, rel=1e-12) and f.intercept == pytest.approx(lin.intercept, rel=1e-12)
    # ties (layers has 4 values) as scipy ranks them
    lay = table["layers"].coordinates()
    assert sv.fit(lay, y).spearman == pytest.approx(stats.spearmanr(lay[ok], y[ok])[0], rel=1e-12)
    assert sv.fit(x[:2], y[:2]).pearson is None  # too few runs: no numbers made up


def test_group_means_and_standard_errors_against_pandas(hp, table):
    exps = [hp.experiment("hp", r) for r in table.runs]
    groups = group_runs(exps, GroupBy.parse("optimizer.name"))
    x = table["optimizer.lr"].coordinates()
    y = table["accuracy:max"].coordinates()
    points = sv.group_points(groups, table.runs, x, y)
    frame = pd.DataFrame({"x": x, "y": y, "g": [next(g.label for g in groups if r in g.runs) for r in table.runs]})
    frame = frame.dropna()
    want = frame.groupby("g").agg(["mean", "sem", "count"])
    assert [p.label for p in points] == [g.label for g in groups]
    for p in points:
        assert p.n == want.loc[p.label, ("x", "count")]
        assert p.x == pytest.approx(want.loc[p.label, ("x", "mean")], rel=1e-12)
        assert p.y == pytest.approx(want.loc[p.label, ("y", "mean")], rel=1e-12)
        assert p.x_sem == pytest.approx(want.loc[p.label, ("x", "sem")], rel=1e-12)
        assert p.y_sem == pytest.approx(want.loc[p.label, ("y", "sem")], rel=1e-12)
    one = sv.group_points([groups[0].__class__("one", (table.runs[0],))], table.runs, x, y)[0]
    assert one.n == 1 and one.x_sem is None and one.y_sem is None


def test_csv_keeps_missing_values_empty(hp, table):
    text = table.to_csv(["optimizer.lr", "dropout", "accuracy:max"])
    lines = text.splitlines()
    assert lines[0] == "run,optimizer.lr,dropout,accuracy:max"
    row = {ln.split(",")[0]: ln.split(",")[1:] for ln in lines[1:]}
    assert row["run-00"][1] == "" and row["no-metric"][2] == ""  # dropout missing in run-00; no metric
    assert float(row["run-01"][0]) == hp.experiment("hp", "run-01").params["optimizer"]["lr"]


def test_configuration_round_trip():
    conf = {"axis": ["lr", "accuracy:max", "expr:a == b:last"], "flip": ["lr"], "colour": "accuracy:max",
            "brushes": "lr >= 0.01 and lr <= 0.1"}
    back = sv.decode(sv.encode(conf), lists=("axis", "flip"))
    assert back == conf
    assert sv.decode(sv.encode({"log_x": True, "trend": False})) == {"log_x": "1", "trend": "0"}
    assert math.isclose(float(sv.number_text(0.1)), 0.1) and sv.number_text(3.0) == "3"
