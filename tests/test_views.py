"""Views: what a chart reads of a channel for one x range and width."""
from __future__ import annotations

import sqlite3

import numpy as np
import pytest

import chartdesk
from chartdesk.decimate import bucket_indices, ema
from chartdesk.store.schema import SCHEMA_VERSION
from chartdesk.views import ViewRequest, read_view

pytestmark = pytest.mark.both_backends


@pytest.fixture
def big(store):
    n = 2_000_000
    rng = np.random.default_rng(7)
    x = np.arange(n, dtype=np.float64)
    y = rng.normal(size=n)
    y[1_234_567] = 1e3
    y[1_500_000] = -5e2
    store.create_experiment("p", "e")
    store.append("p", "e", "c", x, y, 1.7e9 + x * 0.5)
    return store, x, y


@pytest.mark.slow
def test_zoomed_out_views_read_summaries_and_keep_every_spike(big):
    store, x, y = big
    v = read_view(store, ViewRequest("p", "e", "c", width=1000))
    assert v.level == "summary" and v.total == len(x)
    assert v.y.max() == 1e3 and v.y.min() == -5e2 and len(v.x) <= 4 * 1000 + 2
    for x0, x1 in [(1_000_000, 1_600_000), (1_230_000, 1_240_000), (1_234_500, 1_234_600)]:
        v = read_view(store, ViewRequest("p", "e", "c", x0=x0, x1=x1, width=800))
        assert 1e3 in v.y, (x0, x1)
        inside = (x >= x0) & (x <= x1)
        assert v.y[(v.x >= x0) & (v.x <= x1)].max() == y[inside].max()
    assert read_view(store, ViewRequest("p", "e", "c", x0=1_234_500, x1=1_234_600, width=800)).level == "full"


def test_time_axes_smoothing_and_infinities(store):
    x = np.arange(100, dtype=np.float64)
    y = np.linspace(1, 2, 100)
    y[10], y[20] = np.inf, -np.inf
    store.create_experiment("p", "e")
    store.append("p", "e", "c", x, y, 1000.0 + 2 * x)
    wall = read_view(store, ViewRequest("p", "e", "c", x_axis="wall"))
    rel = read_view(store, ViewRequest("p", "e", "c", x_axis="relative"))
    assert wall.x[0] == 1000.0 and rel.x[0] == 0.0 and rel.x[-1] == 198.0
    assert wall.pos_inf.tolist() == [1020.0] and wall.neg_inf.tolist() == [1040.0]
    assert np.isnan(wall.y[10])  # not drawn as a huge value
    sm = read_view(store, ViewRequest("p", "e", "c", smoothing=0.9))
    clean = np.where(np.isinf(y), np.nan, y)
    assert np.allclose(sm.y, ema(clean, 0.9), equal_nan=True) and np.array_equal(sm.raw, clean, equal_nan=True)


def test_bucket_summary_keeps_extremes_gaps_and_infinities():
    y = np.zeros(1000)
    y[300], y[301], y[302], y[700] = 9.0, -9.0, np.nan, np.inf
    keep = bucket_indices(y, 256)
    assert {0, 255, 256, 511, 999, 300, 301, 302, 700} <= set(keep.tolist())


def test_version_1_store_is_migrated_with_summaries(tmp_path):
    db = tmp_path / "old.db"
    with chartdesk.open_store(db) as s:
        s.create_experiment("p", "e")
        s.append("p", "e", "c", np.arange(1000.0), np.sin(np.arange(1000.0)))
    con = sqlite3.connect(db)
    con.execute("DROP TABLE chunk_summaries")
    con.execute("PRAGMA user_version=1")
    con.execute("UPDATE chartdesk_meta SET value='1' WHERE key='schema_version'")
    con.commit()
    con.close()
    with chartdesk.open_store(db) as s:
        summ = s.read_chunks("p", "e", "c", summary=True)
        assert 0 < len(summ) < 1000 and summ.y.max() == np.sin(np.arange(1000.0)).max()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION  # migrated through every version
    con.close()


def test_x_from_another_channel_matched_by_step(store):
    from chartdesk.decimate import last_per_step
    from chartdesk.views import x_from_channel

    store.create_experiment("p", "e")
    steps = np.arange(0, 1000, 1.0)
    store.append("p", "e", "acc", steps, steps / 1000)
    store.append("p", "e", "epoch", np.arange(0, 1000, 10.0), np.arange(100) // 10)  # logged every 10 steps
    v = read_view(store, ViewRequest("p", "e", "acc", "channel:epoch", None, None, 1000, 0.0, "epoch"))
    assert len(v.x) == 100  # only the steps the epoch channel has
    assert v.x.tolist() == (np.arange(100) // 10).tolist() and v.y.tolist() == (np.arange(0, 1000, 10) / 1000).tolist()
    x, ok = x_from_channel(np.array([1.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0]), np.array([1.0, 3.0, 2.0]))
    assert x.tolist() == [6.0, 7.0] and ok.tolist() == [True, False, True]  # the last point at a step counts
    assert last_per_step(np.array([2.0, 1.0, 2.0]), np.array([1.0, 2.0, 3.0]))[1].tolist() == [2.0, 3.0]
