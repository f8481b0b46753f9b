"""A team store on PostgreSQL, as its users meet it: the window follows other machines' writers
through LISTEN/NOTIFY (not the 100 ms poll), says when that feed is lost, polls slowly meanwhile,
and reconnects; a password never shows; many writers at once lose nothing."""
from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest
from gui_helpers import chart
from sqlalchemy.engine import make_url

import chartdesk
from chartdesk.gui import live
from chartdesk.store.feed import APPLICATION_NAME


@pytest.fixture(scope="module")
def backend():
    return "postgresql"


def _write(db: str, code: str) -> None:
    r = subprocess.run([sys.executable, "-c", f"import chartdesk\nDB = {db!r}\n" + textwrap.dedent(code)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def _terminate_listeners(store) -> int:
    """What a server restart or a dropped network does to the window's feed connection."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        n = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                              "WHERE datname = current_database() AND application_name = :app"),
                         {"app": APPLICATION_NAME}).scalar()
        conn.commit()
    return n


def test_the_window_follows_a_writer_through_the_feed_and_survives_losing_it(demo_store, target, open_win, qtbot):
    w = open_win(demo_store, "mnist", "wide-net-stopped")
    password = make_url(target).password
    assert "***@" in w.windowTitle() and f":{password}@" not in w.windowTitle()
    qtbot.waitUntil(lambda: w.live.feed_up, timeout=10000)
    assert w.live.interval() == live.SAFETY_POLL_MS  # no fast polling of the server
    loss = chart(w, "Training", "Loss")
    last = loss.curves[0].x.max()
    _write(target, f"""
        with chartdesk.init(project="mnist", experiment="wide-net-stopped", db=DB) as run:
            run.log_many("loss", [{last} + 10, {last} + 20], [0.5, 0.4])
    """)
    # well inside the 5 s safety poll: only the notification can have brought it
    qtbot.waitUntil(lambda: loss.curves and loss.curves[0].x.max() == last + 20, timeout=2500)

    # the feed is lost and cannot come back for a while (a proxy dropping LISTEN connections, say)
    from chartdesk.store.feed import FeedLost

    feed = w.live.thread.feed
    real_connect = feed.connect
    blocked = [True]

    def flaky_connect():
        if blocked[0]:
            raise FeedLost("live updates from the test server: refused")
        real_connect()

    feed.connect = flaky_connect
    assert _terminate_listeners(demo_store) == 1
    qtbot.waitUntil(lambda: w.live_label.isVisible(), timeout=5000)
    assert "live updates" in w.live_label.text() and f":{password}@" not in w.live_label.text()
    assert w.live.interval() == 0  # the feed's thread polls meanwhile, never the GUI thread
    _write(target, f"""
        with chartdesk.init(project="mnist", experiment="wide-net-stopped", db=DB) as run:
            run.log("loss", 0.35, step={last} + 25)
    """)
    qtbot.waitUntil(lambda: loss.curves[0].x.max() == last + 25, timeout=4000)  # the 1 s fallback poll
    assert not w.live.feed_up
    blocked[0] = False
    qtbot.waitUntil(lambda: w.live.feed_up and not w.live_label.isVisible(), timeout=10000)  # reconnected
    _write(target, f"""
        with chartdesk.init(project="mnist", experiment="wide-net-stopped", db=DB) as run:
            run.log("loss", 0.3, step={last} + 30)
    """)
    qtbot.waitUntil(lambda: loss.curves[0].x.max() == last + 30, timeout=2500)


def test_a_new_experiment_from_another_machine_is_announced(demo_store, target, open_win, qtbot):
    w = open_win(demo_store, "mnist", "baseline-sgd")
    qtbot.waitUntil(lambda: w.live.feed_up, timeout=10000)
    _write(target, """
        with chartdesk.init(project="mnist", experiment="gpu-box-7", db=DB, params={"lr": 0.01}) as run:
            run.log_many("loss", range(50), [1.0 / (k + 1) for k in range(50)])
    """)
    qtbot.waitUntil(lambda: w.new_runs_button.isVisible(), timeout=2500)
    assert "gpu-box-7" in w.new_runs_button.text()


WRITER = """
import sys, chartdesk
db, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with chartdesk.init(project="team", experiment=f"run-{who}", db=db, flush_interval=0.02) as run:
    for i in range(n):
        run.log("loss", 1.0 / (i + 1), step=i)
        run.log("acc", i / n, step=i)
print("ok")
"""


def test_eight_writers_and_two_readers_at_once_lose_nothing(target):
    chartdesk.open_store(target).close()
    n = 3000
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, target, str(k), str(n)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for k in range(8)]
    readers = [chartdesk.open_store(target) for _ in range(2)]
    try:
        while any(p.poll() is None for p in procs):
            for r in readers:
                for e in (r.experiments("team") if "team" in r.projects() else []):
                    if "loss" in r.channels("team", e):
                        s = r.read("team", e, "loss")
                        assert np.array_equal(s.x, np.arange(len(s)))  # always a whole prefix
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for r in readers:
            r.close()
    assert all(p.returncode == 0 for p in procs), [o[1][-300:] for o in outs]
    with chartdesk.open_store(target) as s:
        assert sorted(s.experiments("team")) == [f"run-{k}" for k in range(8)]
        for e in s.experiments("team"):
            assert len(s.read("team", e, "loss")) == n and len(s.read("team", e, "acc")) == n
            assert s.experiment("team", e).state == "succeeded"


def test_writers_of_different_experiments_never_wait_on_each_other(target):
    """One writer's transaction is held open; another machine creates its experiment, channels and
    points in the same project meanwhile, without waiting for it."""
    import threading

    with chartdesk.open_store(target) as a, chartdesk.open_store(target) as b:
        a.create_experiment("team", "a-run")
        a.append("team", "a-run", "loss", [0], [1.0])
        with a._tx(write=True) as conn:
            eid = a._experiment_id(conn, "team", "a-run")
            a._append(conn, eid, "loss", np.arange(1.0, 100_000.0), np.ones(99_999), np.ones(99_999))
            a._append(conn, eid, "new-channel", np.arange(10.0), np.ones(10), np.ones(10))
            done = threading.Event()

            def other_machine():
                b.create_experiment("team", "b-run", params={"lr": 0.1})
                b.append_many("team", "b-run", {"loss": ([0, 1], [1.0, 0.9], None), "acc": ([0], [0.1], None)})
                b.set_state("team", "b-run", "succeeded")
                done.set()

            t = threading.Thread(target=other_machine, daemon=True)
            t.start()
            finished = done.wait(5)  # would wait for a's commit if they shared a lock
        t.join(10)
        assert finished, "a writer of another experiment waited for an open transaction"
        assert len(b.read("team", "a-run", "loss")) == 100_000 and b.channels("team", "b-run") == ["acc", "loss"]


def test_empty_foreign_and_newer_databases(target, targets):
    from sqlalchemy import create_engine, text

    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls", "--db", target], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and "no store at" in r.stderr and r.stderr.count("\n") == 1
    engine = create_engine(target)
    with engine.connect() as conn:  # a reading command made nothing
        assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
        conn.execute(text("CREATE TABLE invoices (id int)"))
        conn.commit()
    with pytest.raises(chartdesk.ChartDeskError, match="another application"):
        chartdesk.open_store(target)
    newer = targets.new()
    with chartdesk.open_store(newer) as s:
        s.create_experiment("p", "e")
    e2 = create_engine(newer)
    with e2.begin() as conn:
        conn.execute(text("UPDATE chartdesk_meta SET value = '99' WHERE key = 'schema_version'"))
    with pytest.raises(chartdesk.ChartDeskError, match="newer ChartDesk .schema 99"):
        chartdesk.open_store(newer)
    with e2.connect() as conn:
        assert conn.execute(text("SELECT value FROM chartdesk_meta WHERE key = 'schema_version'")).scalar() == "99"
        assert conn.execute(text("SELECT count(*) FROM experiments")).scalar() == 1
    engine.dispose()
    e2.dispose()


def test_import_render_and_runs_commands_on_a_team_store(target, tmp_path):
    from fixtures.writers import lightning_version, tensorboard_run

    tensorboard_run(tmp_path / "logs" / "tb-run", steps=50)
    lightning_version(tmp_path / "logs" / "lightning", 0)
    (tmp_path / "logs" / "broken.csv").write_text("step,loss\n1,0.5\n2,oops\n")

    def cd(*args):
        return subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", target], capture_output=True,
                              text=True, timeout=120)

    r = cd("import", str(tmp_path / "logs"), "--project", "imp")
    assert r.returncode == 3, r.stderr  # the good runs went in, the bad file is named
    assert "broken.csv" in r.stderr and r.stdout.count("imported ") == 2
    with chartdesk.open_store(target) as s:
        exps = s.experiments("imp")
        assert len(exps) == 2
        assert all(len(s.channels("imp", e)) >= 1 for e in exps)
    r = cd("runs", "imp", "--json")
    assert r.returncode == 0 and len(__import__("json").loads(r.stdout)) == 2
    out = tmp_path / "charts.png"
    r = cd("render", "--project", "imp", "--experiment", exps[0], "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 5000


def test_credentials_from_pgpass_or_environment_and_never_printed(target, tmp_path):
    import os

    url = make_url(target)
    bare = url.set(password=None).render_as_string(hide_password=False)
    base = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{url.host}:{url.port or 5432}:{url.database}:{url.username}:{url.password}\n")
    pgpass.chmod(0o600)
    for extra in ({"PGPASSWORD": url.password}, {"PGPASSFILE": str(pgpass)}):
        env = {**base, **extra, "CHARTDESK_DB": bare}
        r = subprocess.run([sys.executable, "-m", "chartdesk", "demo"], capture_output=True, text=True, env=env,
                           timeout=120)
        assert r.returncode == 0, r.stderr
    # a wrong password: one line, and the password is not in it (nor in --help with it in CHARTDESK_DB)
    wrong = url.set(password="Sekr1t-Wrong").render_as_string(hide_password=False)
    env = {**base, "CHARTDESK_DB": wrong}
    for argv in (["ls"], ["--help"], ["ls", "--help"]):
        r = subprocess.run([sys.executable, "-m", "chartdesk", *argv], capture_output=True, text=True, env=env,
                           timeout=60)
        assert "Sekr1t-Wrong" not in r.stdout + r.stderr
    r = subprocess.run([sys.executable, "-m", "chartdesk", "ls"], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 1 and "password authentication failed" in r.stderr and r.stderr.count("\n") == 1
