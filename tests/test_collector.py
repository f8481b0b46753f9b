"""The full garbage collections run between gestures (gui/collector.py), not in them."""
from __future__ import annotations

import gc

import pytest

from chartdesk.gui import collector as col


class _Cycle:
    def __init__(self):
        self.me = self


def _churn(n: int = 200_000) -> None:
    """Objects that survive the young collections for a while (the way a window's data does),
    then die in cycles: what makes CPython start full collections."""
    keep = []
    for _ in range(n):
        keep.append(_Cycle())
        if len(keep) > 20_000:
            keep.clear()


def _full_runs() -> int:
    return gc.get_stats()[2]["collections"]


@pytest.fixture
def no_app_collector(qapp):
    """The application's own collector (``make_app`` starts one) stopped for the test."""
    running = qapp.findChild(col.Collector)
    if running is not None:
        running.stop()
    yield
    if running is not None:
        running.start()


def test_cpython_runs_no_full_collection_while_the_collector_has_them(no_app_collector):
    before = _full_runs()
    _churn()
    assert _full_runs() > before, "the churn should make CPython collect fully on its own"
    c = col.Collector()
    c.start()
    try:
        before = _full_runs()
        _churn()
        assert _full_runs() == before
    finally:
        c.stop()
    before = _full_runs()
    _churn()
    assert _full_runs() > before, "stop gives the full collections back to CPython"


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(col.time, "monotonic", lambda: now[0])
    return now


def test_a_full_collection_waits_while_gestures_are_told_and_runs_once_the_pointer_rests(no_app_collector, clock):
    c = col.Collector()
    c.start()
    try:
        for _ in range(30):  # a gesture of 30 s: told every second, never a full collection
            clock[0] += 1.0
            col.touched()
            c.check()
        assert c.full_collections == 0
        clock[0] += col.REST_S
        c.check()  # first tick that sees the pointer where it was: resting
        c.check()
        assert c.full_collections == 1
        clock[0] += 1.0
        c.check()  # just collected: not again before FULL_EVERY_S
        assert c.full_collections == 1
    finally:
        c.stop()


def test_a_full_collection_runs_after_a_minute_however_busy(no_app_collector, clock):
    c = col.Collector()
    c.start()
    try:
        for _ in range(int(col.FORCE_AFTER_S) + 1):
            clock[0] += 1.0
            col.touched()
            c.check()
        assert c.full_collections == 1
    finally:
        c.stop()
