"""The crosshair's point of a curve (plot_items.nearest_index): bisected on a sorted view, the
same point a scan over every x finds (the first of equally near ones), None outside the drawn
extent widened by the reach."""
from __future__ import annotations

import numpy as np
import pytest

from chartdesk.gui.plot_items import nearest_index


def _scan(x, at, reach):
    """Independent: every finite x's distance, the first smallest, within the extent + reach."""
    finite = [(abs(v - at), i) for i, v in enumerate(x) if np.isfinite(v)]
    if not finite:
        return None
    lo, hi = min(x[i] for _d, i in finite), max(x[i] for _d, i in finite)
    if not lo - reach <= at <= hi + reach:
        return None
    return min(finite)[1]


@pytest.mark.parametrize("seed", range(5))
def test_bisecting_a_sorted_view_finds_the_point_a_scan_finds(seed):
    rng = np.random.default_rng(seed)
    for _ in range(600):
        x = np.sort(rng.integers(0, 20, int(rng.integers(1, 40))).astype(float))  # repeated x included
        at, reach = float(rng.uniform(-5, 25)), float(rng.uniform(0, 3))
        assert nearest_index(x, at, reach, x_sorted=True) == _scan(list(x), at, reach), (x, at, reach)


def test_unsorted_or_nan_x_is_scanned():
    x = np.array([5.0, np.nan, 1.0, 3.0, 3.0])  # a restart: steps go back
    assert nearest_index(x, 2.9, 0.0) == 3
    assert nearest_index(x, 6.0, 0.5) is None  # past the last drawn x by more than the reach
    assert nearest_index(x, 5.4, 0.5) == 0
    assert nearest_index(np.array([np.nan, np.nan]), 1.0, 10.0) is None
    assert nearest_index(np.empty(0), 1.0, 10.0) is None
