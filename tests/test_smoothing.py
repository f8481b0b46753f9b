"""Smoothing kinds, each checked point by point against its peer's published algorithm
(TensorBoard's EMA, W&B's time-weighted EMA as its documentation writes it, pandas ``rolling`` for
the moving averages, scipy's gaussian filter), and the cache that smooths a channel once."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from scipy.ndimage import gaussian_filter1d

from chartdesk import smoothing
from chartdesk.decimate import bucket_indices
from chartdesk.errors import InvalidInput
from chartdesk.model import Chart
from chartdesk.smoothing import Smoothing
from chartdesk.views import ViewRequest, read_view

pytestmark = pytest.mark.both_backends


def _noisy(n=2000, seed=2, gaps=True):
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.uniform(0.2, 3.0, n))  # irregular steps
    y = np.sin(x / 300) + rng.normal(0, 0.3, n)
    if gaps:
        y[rng.choice(n, 30, replace=False)] = np.nan
    return x, y


def test_ema_is_tensorboards():
    x, y = _noisy()
    last, num, want = 0.0, 0, []
    for v in y:  # TensorBoard's loop: a non-finite value is kept and skipped
        if not math.isfinite(v):
            want.append(v)
            continue
        last = last * 0.8 + (1 - 0.8) * v
        num += 1
        want.append(last / (1 - 0.8 ** num))
    np.testing.assert_allclose(Smoothing("ema", 0.8).apply(x, y), want, rtol=1e-9, equal_nan=True)


@pytest.mark.parametrize("param", [0.1, 0.6, 0.95, 0.999])
def test_twema_is_wandbs_documented_loop(param):
    x, y = _noisy(gaps=False)
    # W&B's documented code, written out in Python
    weight = min(math.sqrt(param), 0.999)
    range_x = x[-1] - x[0]
    last_y, debias, want = 0.0, 0.0, []
    for i, yv in enumerate(y):
        prev = i - 1 if i > 0 else 0
        change = (x[i] - x[prev]) / range_x * smoothing.VIEWPORT_SCALE
        adj = weight ** change
        last_y = last_y * adj + yv
        debias = debias * adj + 1
        want.append(last_y / debias)
    np.testing.assert_allclose(Smoothing("twema", param).apply(x, y), want, rtol=1e-9)


def test_twema_of_a_long_run_stays_finite_and_skips_gaps():
    x = np.arange(2_000_000, dtype=float)
    x[1_000_000:] += 1e9  # a pause of most of the x range: the past decays to nothing, never overflows
    y = np.cos(x / 1e4)
    y[5] = np.nan
    got = Smoothing("twema", 0.5).apply(x, y)
    assert np.isnan(got[5]) and np.isfinite(np.delete(got, 5)).all()
    assert got[1_000_000] == y[1_000_000]  # 0.707 ** 999 of the past: below the last bit


@pytest.mark.parametrize("n", [2, 5, 20])
def test_moving_averages_are_pandas_rolling(n):
    x, y = _noisy()
    s = pd.Series(y)
    trailing = s.rolling(n, min_periods=1).mean().to_numpy()
    centred = s.rolling(n, center=True, min_periods=1).mean().to_numpy()
    nan = np.isnan(y)
    got_t, got_c = Smoothing("sma", n).apply(x, y), Smoothing("cma", n).apply(x, y)
    assert np.isnan(got_t[nan]).all() and np.isnan(got_c[nan]).all()  # a gap stays a gap
    np.testing.assert_allclose(got_t[~nan], trailing[~nan], rtol=1e-9)
    np.testing.assert_allclose(got_c[~nan], centred[~nan], rtol=1e-9)


@pytest.mark.parametrize("sigma", [1.0, 3.5, 40.0])
def test_gaussian_is_scipys_filter_and_a_weighted_mean_at_the_ends(sigma):
    x, y = _noisy(gaps=False)
    got = Smoothing("gauss", sigma).apply(x, y)
    r = int(4 * sigma + 0.5)
    want = gaussian_filter1d(y, sigma, truncate=4.0)
    np.testing.assert_allclose(got[r:-r], want[r:-r], rtol=1e-9, atol=1e-12)
    # at the ends (and beside gaps): the mean of the points there are, by their gaussian weights
    for i in (0, 1, len(y) - 1):
        j = np.arange(max(0, i - r), min(len(y), i + r + 1))
        w = np.exp(-0.5 * ((j - i) / sigma) ** 2)
        assert got[i] == pytest.approx(np.sum(w * y[j]) / np.sum(w), rel=1e-9)


def test_a_chart_checks_its_smoothing_by_kind():
    assert Chart.from_dict({"name": "c", "smoothing": 20, "smoothing_kind": "cma"}).smoother.label() == \
        "centred moving average 20"
    assert Chart("c", smoothing=0.95).smoother.label() == "EMA 0.95"
    c = Chart("c", smoothing=0.6, smoothing_kind="twema")
    assert Chart.from_dict(c.to_dict()) == c and c.to_dict()["smoothing_kind"] == "twema"
    for d, says in [({"smoothing": 1.0}, "in \\[0, 1\\)"), ({"smoothing": 2.5, "smoothing_kind": "sma"}, "whole number"),
                    ({"smoothing": 1, "smoothing_kind": "cma"}, "2 or more"), ({"smoothing": -1, "smoothing_kind": "gauss"},
                                                                             "above 0"),
                    ({"smoothing": 3, "smoothing_kind": "lowess"}, "kind must be one of ema, twema, sma, cma, gauss")]:
        with pytest.raises(InvalidInput, match=says):
            Chart.from_dict({"name": "c", **d})


def test_a_smoothed_view_is_smoothed_once_and_zooms_from_the_cache(store):
    n = 300_000
    x = np.arange(n, dtype=float)
    rng = np.random.default_rng(4)
    y = np.sin(x / 4000) + rng.normal(0, 0.2, n)
    y[150_000] = np.inf
    store.create_experiment("p", "e")
    store.append("p", "e", "c", x, y, 1000 + x)
    smoothing.CACHE.clear()
    sm = Smoothing("gauss", 25.0)
    full = read_view(store, ViewRequest("p", "e", "c", width=800, smoothing=sm))
    assert full.level == "summary" and len(full.x) < n / 50
    clean = np.where(np.isinf(y), np.nan, y)
    whole = sm.apply(x, clean)
    idx = full.x.astype(int)
    np.testing.assert_allclose(full.y, whole[idx])          # the line smoothed over every point
    np.testing.assert_array_equal(full.raw, clean[idx])    # the faint raw line under it
    assert list(full.pos_inf) == [150_000.0]
    misses = smoothing.CACHE.misses
    z = read_view(store, ViewRequest("p", "e", "c", x0=149_000, x1=151_000, width=800, smoothing=sm))
    assert smoothing.CACHE.misses == misses  # a zoom decimates again, never smooths again
    assert z.level == "full"
    np.testing.assert_allclose(z.y, whole[z.x.astype(int)])
    store.append("p", "e", "c", [float(n)], [5.0], [1000.0 + n])  # the run grows: smoothed again
    grown = read_view(store, ViewRequest("p", "e", "c", x0=n - 100, x1=n, width=800, smoothing=sm))
    assert smoothing.CACHE.misses == misses + 1 and grown.x[-1] == n


# ---- in the window ------------------------------------------------------------------------------
def test_the_chart_menu_picks_a_kind_the_header_says_it_and_the_line_is_that_kind(demo_store, open_win, qtbot):
    from gui_helpers import chart, menu_action, settle

    w = open_win(demo_store, "mnist", "baseline-sgd")
    loss = chart(w, "Training", "Loss")
    assert not loss.options_label.isVisibleTo(loss)  # the demo's Loss chart is not smoothed
    menu_action(loss.menu, "Smoothing", "Gaussian", "σ = 10 points").trigger()
    qtbot.waitUntil(lambda: demo_store.chart_sets("mnist")["Training"][1].get("smoothing_kind") == "gauss",
                    timeout=5000)
    assert demo_store.chart_sets("mnist")["Training"][1]["smoothing"] == 10.0
    settle(qtbot, w)
    loss = chart(w, "Training", "Loss")
    assert loss.options_label.text() == "gaussian σ=10" and loss.options_label.isVisibleTo(loss)
    assert loss._smooth_actions[("gauss", 10.0)].isChecked()
    c = next(cv for cv in loss.curves if cv.channel == "loss")
    s = demo_store.read("mnist", "baseline-sgd", "loss")
    want = Smoothing("gauss", 10.0).apply(s.x, s.y)
    idx = np.searchsorted(s.x, c.x)
    np.testing.assert_allclose(c.y, want[idx], rtol=1e-9)  # in data units (a log axis draws their log)
    assert c.faint is not None  # the raw line stays, faint, behind
    w.undo_action.trigger()
    qtbot.waitUntil(lambda: "smoothing_kind" not in demo_store.chart_sets("mnist")["Training"][1], timeout=5000)
    menu_action(chart(w, "Training", "Loss").menu, "Smoothing", "Off").trigger()


def test_the_chart_editor_sets_a_kind_and_its_value(demo_store, open_win, qtbot):
    from gui_helpers import answer_next_dialog, click

    w = open_win(demo_store, "mnist", "baseline-sgd")
    p = w.chart_set_panel
    p.choose("Training")
    p.charts.setCurrentRow(1)
    seen = {}

    def pick_moving_average(dlg):
        seen["kind at open"] = dlg.smoothing_kind.currentData()
        dlg.smoothing_kind.setCurrentIndex(dlg.smoothing_kind.findData("sma"))
        dlg.smoothing.clear()
        qtbot.keyClicks(dlg.smoothing, "20")
        seen["decimals"] = dlg.smoothing.decimals()
        qtbot.mouseClick(dlg.buttons.button(dlg.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)

    answered = answer_next_dialog(qtbot, pick_moving_average)
    click(qtbot, p.buttons["edit_chart"])
    qtbot.waitUntil(lambda: bool(answered), timeout=5000)
    qtbot.waitUntil(lambda: demo_store.chart_sets("mnist")["Training"][1].get("smoothing_kind") == "sma", timeout=5000)
    assert seen == {"kind at open": "ema", "decimals": 0}
    assert demo_store.chart_sets("mnist")["Training"][1]["smoothing"] == 20.0


def test_the_cli_adds_a_chart_with_a_kind(tmp_path):
    import json
    import subprocess
    import sys

    db = str(tmp_path / "k.db")

    def cd(*args):
        return subprocess.run([sys.executable, "-m", "chartdesk", "--db", db, *args], capture_output=True, text=True)

    assert cd("demo").returncode == 0
    r = cd("chartset", "add", "mnist", "S", "Loss", "alias:loss", "--smoothing-kind", "twema", "--smoothing", "0.9")
    assert r.returncode == 0, r.stderr
    assert json.loads(cd("chartset", "ls", "mnist", "--json").stdout)["S"] == [
        {"name": "Loss", "series": ["alias:loss"], "smoothing": 0.9, "smoothing_kind": "twema"}]
    r = cd("chartset", "add", "mnist", "S", "Loss", "alias:loss", "--smoothing-kind", "sma", "--smoothing", "0.9")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "whole number of points" in r.stderr


@pytest.mark.parametrize("sm", [Smoothing("ema", 0.95), Smoothing("sma", 50)])
def test_a_growing_run_extends_its_smoothed_line_in_place(store, monkeypatch, sm):
    rng = np.random.default_rng(8)
    n = 100_000
    x = np.arange(n, dtype=float)
    y = np.cumsum(rng.normal(size=n))
    y[[10, 99_990]] = np.nan
    y[500] = np.inf
    store.create_experiment("p", "e")
    store.append("p", "e", "c", x[:70_001], y[:70_001], x[:70_001])
    smoothing.CACHE.clear()
    reads = []
    real = store.read_chunks
    monkeypatch.setattr(store, "read_chunks", lambda *a, **k: reads.append(a) or real(*a, **k))
    read_view(store, ViewRequest("p", "e", "c", width=500, smoothing=sm))
    for lo, hi in [(70_001, 70_002), (70_002, 85_000), (85_000, n)]:  # a live run logs on
        store.append("p", "e", "c", x[lo:hi], y[lo:hi], x[lo:hi])
        v = read_view(store, ViewRequest("p", "e", "c", width=500, smoothing=sm))
    assert len(reads) == 1  # read whole once; then only what was appended
    clean = np.where(np.isinf(y), np.nan, y)
    whole = sm.apply(x, clean)
    _version, ln = smoothing.CACHE.peek((id(store), "p", "e", "c", "step", sm))
    np.testing.assert_allclose(ln.smoothed, whole, rtol=1e-9, equal_nan=True)  # as if smoothed whole
    assert len(ln.x) == n and v.total == n
    np.testing.assert_array_equal(np.sort(ln.summary), bucket_indices(clean, smoothing.BUCKET))
