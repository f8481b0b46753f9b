"""The logging API through real faults (issue 24 items 3, 4, 10, 11, 15): runs failing at exit,
a full disk (a small tmpfs), PostgreSQL down or paused (a proxy process killed or stopped),
SIGTERM and SIGKILL, forks. Every point a training script logged reaches the store, now or on
the next open (the recovery file), exactly once; the script is never blocked nor crashed."""
from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import chartdesk

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tcp_proxy import Proxy  # noqa: E402


@pytest.fixture(autouse=True)
def _state_folder(tmp_path, monkeypatch):
    """Recovery files of stores without a folder of their own (PostgreSQL, a full disk) go to the
    user's state folder: a temporary one here."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("CHARTDESK_CLOSE_WAIT", "3")


def state_recovery_files(tmp_path) -> list[Path]:
    folder = tmp_path / "state" / "chartdesk" / "recovery"
    return sorted(p for p in folder.iterdir() if p.suffix == ".npz") if folder.exists() else []


class Child:
    """A training script in its own process, talked to line by line (stdin/stdout)."""

    def __init__(self, code: str, *args: str, env: dict | None = None) -> None:
        self.proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.err: list[str] = []
        self._readers = [threading.Thread(target=self._read_out, daemon=True),
                         threading.Thread(target=self._read_err, daemon=True)]
        for t in self._readers:
            t.start()

    def _read_out(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_err(self) -> None:
        for line in self.proc.stderr:
            self.err.append(line.rstrip("\n"))

    def expect(self, word: str, timeout: float = 60) -> list[str]:
        """Wait for the line starting with ``word``; its words after the first."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no {word!r} from the child in {timeout} s; stderr: {self.err[-20:]}") from None
            if line is None:
                self.proc.wait(10)
                raise AssertionError(f"the child ended (exit {self.proc.returncode}) before {word!r}; stderr: "
                                     f"{self.err[-20:]}")
            if line.split()[:1] == [word]:
                return line.split()[1:]

    def say(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def wait(self, timeout: float = 60) -> int:
        return self.proc.wait(timeout)

    def stderr(self) -> str:
        """Everything the child wrote on stderr (once it has ended)."""
        self.proc.wait(60)
        self._readers[1].join(10)
        return "\n".join(self.err)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        for t in self._readers:
            t.join(10)
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                f.close()
            except OSError:  # stdin of a child that is gone
                pass


@pytest.fixture
def children():
    made: list[Child] = []

    def start(code, *args, env=None):
        c = Child(code, *map(str, args), env=env)
        made.append(c)
        return c

    yield start
    for c in made:
        c.close()


# ---- a full disk: a small tmpfs ----------------------------------------------------------------
@pytest.fixture
def small_disk(tmp_path):
    """A fresh 8 MiB tmpfs (a new store is 1.7 MB); ``fill()`` takes its last byte, ``free()``
    gives it back."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs Linux, root and mount(8) to make a small tmpfs for the full disk")
    folder = tmp_path / "disk"
    folder.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"mounting a tmpfs is not permitted here: {r.stderr.strip()}")

    class Disk:
        path = folder
        filler = folder / "filler"

        def fill(self):
            fd = os.open(self.filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            try:
                for size in (1 << 16, 1):
                    try:
                        while os.write(fd, b"\0" * size):
                            pass
                    except OSError:
                        pass
            finally:
                os.close(fd)

        def free(self):
            self.filler.unlink()

    yield Disk()
    subprocess.run(["umount", str(folder)], capture_output=True)
    if os.path.ismount(folder):
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


DISK_SCRIPT = """
    import sys, time, chartdesk
    db, exit_full = sys.argv[1], sys.argv[2] == "exit"
    run = chartdesk.init(project="p", experiment="e", db=db, flush_interval=0.05)
    run.log_many("y", range(1000), [1.0] * 1000)
    run.flush()
    print("ready", flush=True)
    sys.stdin.readline()  # the disk is full now
    for i in range(100):
        run.log("y", float(i), step=1000 + i)
    run.log_many("y", range(1100, 101100), [2.0] * 100_000)
    deadline = time.monotonic() + 60
    while run.last_error is None and time.monotonic() < deadline:
        time.sleep(0.02)
    print("failing", run.pending, flush=True)
    if exit_full:
        sys.exit(0)  # the process must exit with its backlog
    run.close()  # neither raises nor drops the backlog
    print("closed", run.pending, flush=True)
    sys.stdin.readline()  # space is free again
    deadline = time.monotonic() + 60
    while run.pending and time.monotonic() < deadline:
        time.sleep(0.02)
    print("written", run.pending, flush=True)
"""


def _check_disk_store(db, n=101_100, state="succeeded"):
    with chartdesk.open_store(db) as s:
        series = s.read("p", "e", "y")
        assert len(series) == n
        assert np.array_equal(series.x, np.arange(n))
        assert s.experiment("p", "e").state == state


def test_full_disk_backlog_is_written_when_space_returns_even_after_close(small_disk, children):
    db = small_disk.path / "runs.db"
    c = children(DISK_SCRIPT, db, "live")
    c.expect("ready")
    small_disk.fill()
    c.say("full")
    assert c.expect("failing") == ["100100"]
    assert c.expect("closed") == ["100100"]  # close() returned at once, the points still pending
    small_disk.free()
    c.say("freed")
    assert c.expect("written") == ["0"]
    assert c.wait() == 0
    err = c.stderr()
    assert "Traceback" not in err
    assert "100100 points pending" in err
    assert len(err.splitlines()) <= 4, err  # not four lines a second
    _check_disk_store(db)


def test_full_disk_at_exit_saves_the_backlog_and_the_next_open_replays_it_once(small_disk, children, tmp_path):
    db = small_disk.path / "runs.db"
    c = children(DISK_SCRIPT, db, "exit")
    c.expect("ready")
    small_disk.fill()
    c.say("full")
    assert c.expect("failing") == ["100100"]
    assert c.wait() == 0
    err = c.stderr()
    assert "Traceback" not in err
    saved = state_recovery_files(tmp_path)  # no room beside the store: the user's state folder
    assert len(saved) == 1 and str(saved[0]) in err and "100100 points" in err, err
    small_disk.free()
    kept = tmp_path / "kept.npz"
    shutil.copy(saved[0], kept)
    r = subprocess.run([sys.executable, "-c", "import chartdesk, sys; chartdesk.open_store(sys.argv[1]).close()",
                        str(db)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert "replayed 100100 points of p/e" in r.stderr and "succeeded" in r.stderr, r.stderr
    assert state_recovery_files(tmp_path) == []
    _check_disk_store(db)
    # A replay killed after its commit and before it removed the file: the next one adds nothing.
    shutil.copy(kept, saved[0])
    r = subprocess.run([sys.executable, "-c", "import chartdesk, sys; chartdesk.open_store(sys.argv[1]).close()",
                        str(db)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "already in the store" in r.stderr, r.stderr
    assert state_recovery_files(tmp_path) == []
    _check_disk_store(db)


# ---- PostgreSQL down or paused: a proxy killed or stopped ------------------------------------------
@pytest.fixture
def pg_proxy(pg_server):
    server, why = pg_server
    if server is None:
        if os.environ.get("CHARTDESK_TEST_PG_REQUIRED"):
            pytest.fail(f"PostgreSQL tests are required here but {why}")
        pytest.skip(f"PostgreSQL: {why}")
    url = server.new_database()
    proxy = Proxy(url)
    chartdesk.open_store(proxy.url).close()
    yield proxy
    proxy.close()
    server.drop([url.rsplit("/", 1)[1]])


PG_SCRIPT = """
    import sys, time, chartdesk
    url, side, how = sys.argv[1], sys.argv[2], sys.argv[3]
    run = chartdesk.init(project="p", experiment="e", db=url, flush_interval=0.05)
    other = chartdesk.init(project="p", experiment="healthy", db=side, flush_interval=0.05)
    run.log_many("y", range(1000), [1.0] * 1000)
    run.flush()
    print("ready", flush=True)
    sys.stdin.readline()  # the server is down or paused now
    t0 = time.monotonic()
    for i in range(13_000):
        run.log("y", float(i), step=1000 + i)
        other.log("y", float(i), step=i)
    while time.monotonic() - t0 < 3:  # the script trains on for a while
        time.sleep(0.05)
    t1 = time.monotonic()
    try:
        run.flush()  # refused in CHARTDESK_CLOSE_WAIT s at most, even when nothing answers
        print("flush wrote", flush=True)
    except chartdesk.StoreError:
        print("flush refused", round(time.monotonic() - t1, 1), flush=True)
    print("failing", run.pending, flush=True)
    if how == "exit":
        sys.exit(0)
    run.close()
    print("closed", run.pending, flush=True)
    sys.stdin.readline()  # the server is back
    deadline = time.monotonic() + 60
    while run.pending and time.monotonic() < deadline:
        time.sleep(0.02)
    print("written", run.pending, flush=True)
"""


def _check_pg_store(url, side):
    with chartdesk.open_store(url) as s:
        series = s.read("p", "e", "y")
        assert len(series) == 14_000
        assert np.array_equal(series.x, np.arange(14_000))
        assert s.experiment("p", "e").state == "succeeded"
    with chartdesk.open_store(side) as s:  # the other run finished as if nothing happened
        assert len(s.read("p", "healthy", "y")) == 13_000
        assert s.experiment("p", "healthy").state == "succeeded"


def test_postgresql_down_backlog_is_written_when_the_server_returns(pg_proxy, children, tmp_path):
    side = tmp_path / "side.db"
    c = children(PG_SCRIPT, pg_proxy.url, side, "live")
    c.expect("ready")
    pg_proxy.down()
    c.say("down")
    refused, took = c.expect("flush")
    assert refused == "refused" and float(took) < 10
    assert c.expect("failing") == ["13000"]
    assert c.expect("closed") == ["13000"]
    pg_proxy.up()
    c.say("up")
    assert c.expect("written") == ["0"]
    assert c.wait() == 0
    err = c.stderr()
    assert "Traceback" not in err and "13000 points pending" in err, err
    assert len([ln for ln in err.splitlines() if "cannot write" in ln]) <= 2, err  # rate-limited
    _check_pg_store(pg_proxy.url, side)


@pytest.mark.parametrize("outage", ["down", "paused"])
def test_postgresql_outage_at_exit_saves_the_backlog_for_the_next_open(pg_proxy, children, tmp_path, outage):
    side = tmp_path / "side.db"
    c = children(PG_SCRIPT, pg_proxy.url, side, "exit")
    c.expect("ready")
    pg_proxy.down() if outage == "down" else pg_proxy.pause()
    c.say(outage)
    refused, took = c.expect("flush")
    assert refused == "refused" and float(took) < 10
    pending = c.expect("failing")
    assert pending == ["13000"] or outage == "paused"  # paused: a batch may be in flight, not pending
    t0 = time.monotonic()
    assert c.wait(timeout=60) == 0
    assert time.monotonic() - t0 < 30  # a server that does not answer delays the exit by CHARTDESK_CLOSE_WAIT
    err = c.stderr()
    assert "Traceback" not in err
    saved = state_recovery_files(tmp_path)
    assert len(saved) == 1 and str(saved[0]) in err, err
    pg_proxy.up() if outage == "down" else pg_proxy.resume()
    r = subprocess.run([sys.executable, "-c", "import chartdesk, sys; chartdesk.open_store(sys.argv[1]).close()",
                        pg_proxy.url], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "replayed" in r.stderr and "p/e" in r.stderr, r.stderr
    assert state_recovery_files(tmp_path) == []
    _check_pg_store(pg_proxy.url, side)


# ---- a replay killed at any moment ---------------------------------------------------------------
def test_a_replay_killed_at_any_moment_never_duplicates_nor_loses_points(tmp_path):
    from chartdesk import recovery

    db = tmp_path / "runs.db"
    rng = np.random.default_rng(3)
    with chartdesk.open_store(db) as s:
        for e in ("a", "b", "c"):
            s.create_experiment("p", e)
            s.append("p", e, "y", np.arange(10.0), np.zeros(10))
        key = recovery.store_key(s)
    backlogs = []
    for e in ("a", "b", "c"):
        segs = []
        for k in range(3):  # three separate transactions' worth per run
            x = np.arange(10 + k * 400_000, 10 + (k + 1) * 400_000, dtype=float)
            segs.append({"y": (x, rng.normal(size=len(x)), np.full(len(x), 1e9 + k)),
                         "z": (x[:5], x[:5], np.full(5, 1e9 + k))})
        backlogs.append(recovery.Backlog("p", e, "succeeded", 1e9 + 9, segs, {"y": 10, "z": 0}))
    saved = recovery.save(key, db, backlogs)
    assert saved.parent == tmp_path  # beside the store
    code = "import chartdesk, sys; chartdesk.open_store(sys.argv[1]).close(); print('done')"
    for delay in rng.uniform(0.2, 1.5, size=8):
        p = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            p.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait(10)
        p.stdout.close()
        p.stderr.close()
    with chartdesk.open_store(db) as s:  # whatever the kills left, this open finishes the replay
        for e in ("a", "b", "c"):
            y = s.read("p", e, "y")
            assert np.array_equal(y.x, np.arange(10 + 1_200_000)), e
            assert np.array_equal(y.t[10:], np.repeat([1e9, 1e9 + 1, 1e9 + 2], 400_000))
            assert len(s.read("p", e, "z")) == 15
            assert s.experiment("p", e).state == "succeeded"
    assert not [p for p in tmp_path.iterdir() if "recovery" in p.name]


# ---- item 3: runs at exit are independent ----------------------------------------------------------
@pytest.mark.both_backends
def test_one_failing_run_at_exit_does_not_stop_the_others(target, children):
    code = """
        import sys, chartdesk
        db = sys.argv[1]
        runs = {e: chartdesk.init(project="p", experiment=e, db=db, flush_interval=60) for e in "abcd"}
        for e, run in runs.items():
            run.log_many("y", range(500), [1.0] * 500)
        with chartdesk.open_store(db) as s:  # another process deletes one run's experiment
            s.delete_experiment("p", sys.argv[2])
    """
    for gone in ("a", "d"):
        c = children(code, target, gone)
        assert c.wait() == 0
        err = c.stderr()
        assert "Traceback" not in err and len(err.splitlines()) == 1, err
        assert f"p/{gone}" in err and "500 points" in err
        with chartdesk.open_store(target) as s:
            assert gone not in s.experiments("p")
            for e in set("abcd") - {gone}:
                assert len(s.read("p", e, "y")) == 500
                assert s.experiment("p", e).state == "succeeded"
            for e in s.experiments("p"):
                s.delete_experiment("p", e)


# ---- kills -----------------------------------------------------------------------------------------
@pytest.mark.both_backends
def test_sigterm_writes_every_point_and_marks_the_run_aborted(target, children):
    code = """
        import sys, time, chartdesk
        run = chartdesk.init(project="p", experiment="e", db=sys.argv[1], flush_interval=60)
        run.log_many("y", range(20_000), [1.0] * 20_000)
        print("ready", flush=True)
        while True:
            time.sleep(0.01)
    """
    c = children(code, target)
    c.expect("ready")
    c.proc.send_signal(signal.SIGTERM)
    rc = c.wait()
    assert rc in (-signal.SIGTERM, 128 + signal.SIGTERM), rc
    assert "Traceback" not in c.stderr()
    with chartdesk.open_store(target) as s:
        assert len(s.read("p", "e", "y")) == 20_000
        assert s.experiment("p", "e").state == "aborted"


# ---- item 11: a forked child opens the store at once -------------------------------------------------
def test_a_forked_child_opens_and_writes_the_store_while_the_parent_flushes(tmp_path):
    db = tmp_path / "fork.db"
    code = f"""
        import os, sys, time, chartdesk
        import chartdesk.store.store as st
        run = chartdesk.init(project="p", experiment="e", db={str(db)!r}, flush_interval=0.01)
        failed = []
        for k in range(30):
            run.log_many("y", range(20_000), [1.0] * 20_000)
            time.sleep(0.004 * (k % 5))  # forks land before, during and after the flush thread's writes
            pid = os.fork()
            if pid == 0:
                import signal
                st.BUSY_TIMEOUT_MS = 5000  # "database is locked" after 5 s instead of 60
                try:
                    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL, "the parent's SIGTERM handler"
                    with chartdesk.open_store({str(db)!r}) as s:
                        s.set_alias("p", f"a{{k}}", ["y"])
                        run2 = chartdesk.init(project="p", experiment=f"child{{k}}", db=s)
                        run2.log("y", 1.0)
                        run2.close()
                except Exception as exc:
                    print("child", k, exc, file=sys.stderr, flush=True)
                    os._exit(1)
                os._exit(0)
            _, status = os.waitpid(pid, 0)
            if status:
                failed.append(k)
        run.close()
        print("failed", len(failed))
    """
    r = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=110)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["failed", "0"], r.stderr
    with chartdesk.open_store(db) as s:
        assert len(s.read("p", "e", "y")) == 30 * 20_000
        assert len(s.aliases("p")) == 30
        assert all(s.experiment("p", f"child{k}").state == "succeeded" for k in range(30))


def test_a_connection_cut_around_a_commit_never_writes_a_batch_twice(pg_proxy, children):
    """The server may have committed a batch whose answer the cut connection never brought back:
    the retry must find it in the store instead of writing it again."""
    code = """
        import sys, time, chartdesk
        run = chartdesk.init(project="p", experiment="e", db=sys.argv[1], flush_interval=0.01)
        import threading
        stop = threading.Event()
        threading.Thread(target=lambda: (sys.stdin.readline(), stop.set()), daemon=True).start()
        n = 0
        while not stop.is_set():
            run.log_many("y", range(n, n + 5000), range(n, n + 5000))
            n += 5000
            time.sleep(0.005)
        run.close()
        deadline = time.monotonic() + 60
        while run.pending and time.monotonic() < deadline:
            time.sleep(0.02)
        print("done", n, run.pending, flush=True)
    """
    direct = pg_proxy.target.render_as_string(hide_password=False)
    c = children(code, pg_proxy.url)
    with chartdesk.open_store(direct) as s:
        def count():
            try:
                return {i.name: i.count for i in s.channel_infos("p", "e")}.get("y", 0)
            except chartdesk.NotFound:
                return 0

        for _ in range(4):
            seen, deadline = count(), time.monotonic() + 60
            while count() < seen + 20_000:  # the writer is writing (again)
                assert time.monotonic() < deadline, c.err[-5:]
                time.sleep(0.01)
            pg_proxy.cut_next_commit()
    c.say("stop")
    n, left = map(int, c.expect("done", timeout=120))
    assert left == 0
    assert c.wait() == 0 and "Traceback" not in c.stderr()
    with chartdesk.open_store(direct) as s:
        x = s.read("p", "e", "y").x
    assert len(x) - len(np.unique(x)) == 0, "points written twice"
    assert np.array_equal(x, np.arange(n))
