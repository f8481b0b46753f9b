"""Display numerics: M4 keeps every spike at every zoom; EMA matches TensorBoard's loop."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartdesk.decimate import ema, m4


def ema_loop(y, w):
    out, last, n = [], 0.0, 0
    for v in y:
        if not np.isfinite(v):
            out.append(v)
            continue
        last = last * w + (1 - w) * v
        n += 1
        out.append(last / (1 - w ** n))
    return np.array(out)


@given(st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=1, max_size=400),
       st.sampled_from([0.0, 0.3, 0.6, 0.9, 0.99, 0.999]))
def test_ema_matches_the_plain_loop(values, w):
    y = np.array(values)
    assert np.allclose(ema(y, w), ema_loop(y, w), rtol=1e-7, atol=1e-6, equal_nan=True)


@pytest.mark.slow
def test_single_spike_in_millions_survives_every_zoom():
    n = 3_000_000
    rng = np.random.default_rng(3)
    x = np.arange(n, dtype=np.float64)
    y = rng.normal(size=n)
    spike_at = 1_234_567
    y[spike_at] = 1e3
    width = 1000
    for x0, x1 in [(0, n - 1), (1_000_000, 1_500_000), (1_234_000, 1_235_000), (1_234_560, 1_234_570)]:
        xd, yd = m4(x, y, x0, x1, width)
        assert 1e3 in yd, (x0, x1)
        inside = (x >= x0) & (x <= x1)
        assert yd[(xd >= x0) & (xd <= x1)].min() == y[inside].min()
        assert len(xd) <= 4 * width + 2


def test_m4_keeps_order_nan_gaps_and_edges_on_irregular_x():
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0, 100, 50_000))
    x[1000:1010] = x[999]  # duplicate steps
    y = np.sin(x) + rng.normal(0, 0.1, len(x))
    y[20_000:20_100] = np.nan
    xd, yd = m4(x, y, 10.0, 90.0, 300)
    assert np.all(np.diff(xd) >= 0)
    assert np.isnan(yd).any()  # the gap is still a gap
    assert xd[0] < 10.0 and xd[-1] > 90.0  # lines run to the edges
    assert np.nanmax(yd) == np.nanmax(y[(x >= 10) & (x <= 90)])


def test_m4_leaves_small_data_alone():
    x = np.arange(10.0)
    y = x ** 2
    xd, yd = m4(x, y, 0, 9, 100)
    assert np.array_equal(xd, x) and np.array_equal(yd, y)
