"""``WorkerPool.run``, the one way the sweep views and the run diff and importance dialogs hand
work to the window's pool: in a worker process when it is ready (a large job waits for it to
start), else on the pool's one thread; a cancelled job never starts; nothing starts once the
window closes."""
from __future__ import annotations

import os
import threading

import pytest

from chartdesk.app.pool import WorkerPool
from chartdesk.errors import InvalidInput


def where(store, tag):
    """Runs in the pool: (the process, the thread, the store's location, tag)."""
    return os.getpid(), threading.current_thread().name, str(store.path), tag


def fails(store):
    raise InvalidInput("no such column")


def test_without_processes_the_work_is_done_on_the_pools_one_thread(store):
    pool = WorkerPool(store, 0)
    try:
        pid, thread, path, tag = pool.run(where, "a").result(10)
        assert pid == os.getpid() and thread.startswith("chartdesk-pool") and path == str(store.path) and tag == "a"
        assert pool.run(where, "b", wait_s=5.0).result(10)[3] == "b"  # no processes to wait for
        with pytest.raises(InvalidInput, match="no such column"):
            pool.run(fails).result(10)
        gate = threading.Event()
        first = pool.run(lambda s: gate.wait(10))
        second = pool.run(where, "never")
        assert second.cancel()  # not started yet (one thread): it never starts
        gate.set()
        assert first.result(10) is True and second.cancelled()
    finally:
        pool.shutdown()
    assert pool.run(where, "late").cancelled()  # the window closed: nothing starts


def test_a_large_job_waits_for_the_processes_and_runs_there(store):
    pool = WorkerPool(store, 1)
    try:
        assert not pool.started
        pid, _thread, path, tag = pool.run(where, "big", wait_s=60.0).result(90)
        assert pool.ready and pid != os.getpid() and pid in pool.pids and path == str(store.path) and tag == "big"
        # ready: straight to the process
        assert pool.run(where, "next").result(30)[0] in pool.pids
        with pytest.raises(InvalidInput, match="no such column"):  # its error crosses back as it was raised
            pool.run(fails).result(30)
    finally:
        pool.shutdown()


def imported(_store, module):
    """Runs in the pool: whether ``module`` has been imported there."""
    import sys

    return module in sys.modules and getattr(sys.modules[module], "__spec__", None) is not None


def test_a_sweep_view_with_its_table_warms_scikit_learn_in_the_worker_process_not_in_the_window(
        demo_store, open_win, qtbot, monkeypatch):
    """The first Parameter importance would otherwise wait 1-3 s for scikit-learn's import in the
    worker: opening a sweep view starts it there (on a thread of that process), never in the window."""
    import sys

    pytest.importorskip("sklearn")
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "1")
    win = open_win(demo_store, "sweep")
    had = "sklearn.ensemble" in sys.modules
    view = win.sweep_views.parallel()
    qtbot.waitUntil(lambda: view.ready(), timeout=30000)
    pool = win.ws.pool
    assert pool.wait_ready(60)
    answers = []

    def asked() -> bool:
        if not answers or answers[-1].done():
            if answers and answers[-1].result() is True:
                return True
            answers.append(pool.run(imported, "sklearn.ensemble"))
        return False
    qtbot.waitUntil(asked, timeout=30000)
    assert os.getpid() not in {pool.run(where, "pid").result(10)[0]}  # asked in the worker process
    assert ("sklearn.ensemble" in sys.modules) == had  # the window did not import it
