"""The logging API: buffered, flushed on time and at exit, safe beside a reader and a kill."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import chartdesk
from chartdesk import InvalidInput

pytestmark = pytest.mark.both_backends


def _run_py(code: str, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout, **kw)


def test_context_manager_marks_success_and_keeps_points(target):
    with chartdesk.init(project="mnist", experiment="exp-1", db=target, params={"lr": 0.1}, tags=["t"]) as run:
        run.log("loss", 0.31, step=10)
        run.log_many("acc", [1, 2, 3], [0.1, 0.2, 0.3])
    with chartdesk.open_store(target) as s:
        e = s.experiment("mnist", "exp-1")
        assert e.state == "succeeded" and e.params == {"lr": 0.1} and e.tags == ("t",)
        assert s.read("mnist", "exp-1", "loss").x.tolist() == [10.0]
        assert s.read("mnist", "exp-1", "acc").y.tolist() == [0.1, 0.2, 0.3]


def test_exception_marks_failed_and_keeps_points_logged_before(target):
    with pytest.raises(RuntimeError):
        with chartdesk.init(project="p", experiment="e", db=target) as run:
            run.log("loss", 1.0)
            run.log("loss", 2.0)
            raise RuntimeError("boom")
    with chartdesk.open_store(target) as s:
        assert s.experiment("p", "e").state == "failed"
        assert s.read("p", "e", "loss").y.tolist() == [1.0, 2.0]


def test_default_step_is_next_index_and_resumes(target):
    with chartdesk.init(project="p", experiment="e", db=target) as run:
        for v in (5.0, 6.0, 7.0):
            run.log("loss", v)
        run.log_many("loss", [100, 101], [8.0, 9.0])
        run.log("loss", 10.0)
    with chartdesk.init(project="p", experiment="e", db=target) as run:
        run.log("loss", 11.0)
    with chartdesk.open_store(target) as s:
        assert s.read("p", "e", "loss").x.tolist() == [0, 1, 2, 100, 101, 5, 6]


def test_bad_values_are_refused_at_the_call(target):
    with chartdesk.init(project="p", experiment="e", db=target) as run:
        with pytest.raises(InvalidInput, match="'abc'"):
            run.log("loss", "abc")
        with pytest.raises(InvalidInput, match="2 steps but 1 values"):
            run.log_many("loss", [1, 2], [1.0])
        run.log("loss", float("nan"))
    with chartdesk.open_store(target) as s:
        assert np.isnan(s.read("p", "e", "loss").y).all()


def test_points_appear_without_close_within_the_flush_interval(target):
    run = chartdesk.init(project="p", experiment="e", db=target)
    try:
        run.log("loss", 1.0)
        with chartdesk.open_store(target) as s:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not s.channels("p", "e"):
                time.sleep(0.05)
            assert s.read("p", "e", "loss").y.tolist() == [1.0]
            assert s.experiment("p", "e").state == "running"
    finally:
        run.close()


def test_interpreter_exit_flushes_and_finishes(target):
    r = _run_py(f"""
        import chartdesk
        run = chartdesk.init(project="p", experiment="e", db={str(target)!r}, flush_interval=60)
        for i in range(1000):
            run.log("loss", i * 0.5)
    """)
    assert r.returncode == 0, r.stderr
    with chartdesk.open_store(target) as s:
        assert len(s.read("p", "e", "loss")) == 1000
        assert s.experiment("p", "e").state == "succeeded"


def test_import_changes_no_hook_and_an_uncaught_error_after_init_fails_the_run(target):
    r = _run_py(f"""
        import sys
        before = sys.excepthook
        import chartdesk
        assert sys.excepthook is before, "import chartdesk replaced sys.excepthook"
        run = chartdesk.init(project="p", experiment="e", db={str(target)!r}, flush_interval=60)
        chartdesk.init(project="p", experiment="e2", db={str(target)!r}).close()  # a second init: one hook
        run.log("loss", 1.0)
        raise SystemError("the training script crashed")
    """)
    assert r.returncode == 1 and "the training script crashed" in r.stderr  # the previous hook still printed it
    with chartdesk.open_store(target) as s:
        assert s.experiment("p", "e").state == "failed" and len(s.read("p", "e", "loss")) == 1


def test_logging_api_loads_neither_qt_nor_pyqtgraph(target):
    r = _run_py(f"""
        import sys, chartdesk
        with chartdesk.init(project="p", experiment="e", db={str(target)!r}) as run:
            run.log("x", 1.0)
        bad = [m for m in sys.modules if m.split(".")[0] in ("PySide6", "pyqtgraph", "PyQt6")]
        print(bad)
    """)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


WRITER = """
import sys, chartdesk
db, n = sys.argv[1], int(sys.argv[2])
with chartdesk.init(project="live", experiment="writer", db=db, flush_interval=0.05) as run:
    for i in range(n):
        run.log("y", 2.0 * i, step=i)
        if i % 2000 == 0:
            run.flush()
print("done")
"""


def test_writer_process_and_reader_never_meet_a_lock(target):
    chartdesk.open_store(target).close()
    n = 40_000
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(n)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        with chartdesk.open_store(target) as s:
            while proc.poll() is None:
                try:
                    series = s.read("live", "writer", "y")
                except chartdesk.NotFound:
                    continue
                assert np.array_equal(series.y, 2.0 * series.x)  # every read is a consistent prefix
                assert np.array_equal(series.x, np.arange(len(series)))
                seen.append(len(series))
                s.set_alias("live", "why", ["y"])  # a writer in this process too
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "locked" not in err
    with chartdesk.open_store(target) as s:
        assert len(s.read("live", "writer", "y")) == n
    assert seen == sorted(seen)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_writer_leaves_flushed_points_and_an_openable_store(target):
    code = f"""
        import sys, chartdesk
        run = chartdesk.init(project="p", experiment="e", db={str(target)!r}, flush_interval=0.01)
        i = 0
        while True:
            run.log_many("y", range(i, i + 500), [2.0 * k for k in range(i, i + 500)])
            i += 500
            if i == 5000:
                run.flush()
                print("flushed", flush=True)
    """
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "flushed"
        time.sleep(0.3)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    with chartdesk.open_store(target) as s:
        series = s.read("p", "e", "y")
        assert len(series) >= 5000
        assert np.array_equal(series.x, np.arange(len(series)))
        assert np.array_equal(series.y, 2.0 * series.x)
        assert s.experiment("p", "e").state == "running"


def test_close_with_a_bad_state_is_refused_in_one_line_and_still_closes_the_run(target):
    run = chartdesk.init(project="p", experiment="e", db=target)
    run.log("loss", 1.0)
    with pytest.raises(InvalidInput, match="succeeded, failed, aborted") as info:
        run.close(state="bad")
    assert "\n" not in str(info.value) and "closed as failed" in str(info.value)
    assert run.closed
    with chartdesk.open_store(target) as s:
        assert s.experiment("p", "e").state == "failed"
        assert s.read("p", "e", "loss").y.tolist() == [1.0]


def test_a_run_cannot_be_pickled_and_says_what_to_pass_instead(target):
    import copy
    import pickle

    with chartdesk.init(project="p", experiment="e", db=target) as run:
        for attempt in (lambda: pickle.dumps(run), lambda: copy.deepcopy(run)):
            with pytest.raises(TypeError, match="cannot be pickled") as info:
                attempt()
            assert "project='p'" in str(info.value) and "experiment='e'" in str(info.value)
            assert "chartdesk.init" in str(info.value)


def test_pending_counts_the_points_not_yet_written(target):
    with chartdesk.init(project="p", experiment="e", db=target, flush_interval=60) as run:
        run.log("loss", 1.0)
        run.log_many("acc", [1, 2, 3], [0.1, 0.2, 0.3])
        assert run.pending == 4 and run.last_error is None
        run.flush()
        assert run.pending == 0
