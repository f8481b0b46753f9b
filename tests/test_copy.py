"""``chartdesk copy``: projects move between stores whole, a second copy changes nothing, a grown
run sends only its new points, and a different run of the same name is refused, not overwritten."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from sqlalchemy import text

import chartdesk
from chartdesk.demo import seed
from chartdesk.store.copy import copy

pytestmark = pytest.mark.both_backends

TABLES = ["projects", "experiments", "channels", "chunks", "chunk_summaries", "aliases", "alias_entries", "pins",
          "chart_sets", "charts", "chart_series"]


def snapshot(store) -> dict:
    """Every row of every table, as the database holds it (ids, versions and blobs included)."""
    out = {}
    with store.engine.connect() as conn:
        for t in TABLES:
            rows = conn.execute(text(f"SELECT * FROM {t}")).all()
            out[t] = sorted(tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in rows)
    return out


def everything(store) -> dict:
    """What a user sees of a store, through the public API."""
    seen = {}
    for p in store.projects():
        exps = {}
        for e in store.experiments(p):
            ex = store.experiment(p, e)
            chans = {c: store.read(p, e, c) for c in store.channels(p, e)}
            exps[e] = ((ex.state, ex.created, ex.finished, dict(ex.params), ex.tags),
                       {c: [s.x.view(np.int64).tolist(), s.y.view(np.int64).tolist(), s.t.view(np.int64).tolist()]
                        for c, s in chans.items()}, store.experiment_charts(p, e))
        seen[p] = (exps, store.aliases(p), store.chart_sets(p), store.pins(p))
    return seen


@pytest.fixture
def laptop(tmp_path):
    """An SQLite store with the demo, a pin, an experiment's own chart and special values."""
    with chartdesk.open_store(tmp_path / "laptop.db") as s:
        seed(s)
        s.set_pin("mnist", "baseline-sgd", "accuracy", "val_acc")
        s.set_experiment_charts("mnist", "baseline-sgd", [{"name": "Mine", "series": ["channel:loss"], "log_y": True}])
        s.create_experiment("odd", "specials", params={"note": "naïve ✓", "nested": {"a": [1, 2]}}, tags=["x y"])
        s.append("odd", "specials", "v", [0, 1, 2, 3, 4], [np.nan, np.inf, -np.inf, -0.0, 1e308])
        yield s


def test_copy_moves_projects_whole_both_ways_and_a_second_copy_changes_nothing(laptop, targets, tmp_path):
    with chartdesk.open_store(targets.new("team")) as team:
        report = copy(laptop, team)
        assert report.exit_code == 0 and report.experiments_new == sum(len(laptop.experiments(p)) for p in laptop.projects())
        assert everything(team) == everything(laptop)
        before = snapshot(team)
        again = copy(laptop, team)
        assert (again.experiments_same, again.points_written, again.chunks_written) == (report.experiments_new, 0, 0)
        assert snapshot(team) == before  # not a row touched, not a version bumped
        assert team.resolve("mnist", "baseline-sgd", "accuracy") == "val_acc"

        with chartdesk.open_store(tmp_path / "home.db") as home:  # and back, one project only
            back = copy(team, home, ["mnist"])
            assert back.exit_code == 0 and home.projects() == ["mnist"]
            assert everything(home)["mnist"] == everything(laptop)["mnist"]


def test_a_grown_run_sends_only_its_new_points_and_state(laptop, targets):
    laptop.create_experiment("live", "run")
    laptop.append("live", "run", "loss", np.arange(100_000), np.linspace(1, 0, 100_000))
    with chartdesk.open_store(targets.new("team")) as team:
        copy(laptop, team, ["live"])
        laptop.append("live", "run", "loss", np.arange(100_000, 100_500), np.full(500, 0.5))
        laptop.set_state("live", "run", "succeeded")
        report = copy(laptop, team, ["live"])
        assert report.experiments_updated == 1
        # the second chunk (34,464 points) was topped up: it and nothing before it is rewritten
        assert report.points_written == 100_500 - 65_536 and report.chunks_written == 1
        assert everything(team)["live"] == everything(laptop)["live"]
        assert team.experiment("live", "run").state == "succeeded"


def test_another_run_of_the_same_name_is_refused_and_left_alone(laptop, targets):
    with chartdesk.open_store(targets.new("team")) as team:
        team.create_experiment("mnist", "baseline-sgd", created=1.0)  # someone else's run, same name
        team.append("mnist", "baseline-sgd", "loss", [0, 1], [9.0, 9.0])
        report = copy(laptop, team, ["mnist"])
        assert report.exit_code == 3 and len(report.refused) == 1
        assert "mnist/baseline-sgd" in report.refused[0] and "another run" in report.refused[0]
        assert team.read("mnist", "baseline-sgd", "loss").y.tolist() == [9.0, 9.0]
        assert "adam-lr1e-3" in team.experiments("mnist")  # the others still went

        # same run, but the destination has points the source does not: refused, not overwritten
        laptop.create_experiment("p", "e", created=5.0)
        laptop.append("p", "e", "y", [0, 1, 2], [1.0, 2.0, 3.0])
        team.create_experiment("p", "e", created=5.0)
        team.append("p", "e", "y", [0, 1], [1.0, 7.0])
        r = copy(laptop, team, ["p"])
        assert r.exit_code == 1 and "differs from the source from point 0" in r.refused[0]
        assert team.read("p", "e", "y").y.tolist() == [1.0, 7.0]


def test_copy_command_line(laptop, targets, tmp_path):
    dst = targets.new("team")
    argv = [sys.executable, "-m", "chartdesk", "copy", str(laptop.path), dst]
    r = subprocess.run(argv + ["--project", "mnist"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "new" in r.stdout and "points written" in r.stdout
    assert ":chartdesk_test@" not in r.stdout  # a password is never printed
    r = subprocess.run(argv + ["--project", "mnist"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "0 points written" in r.stdout
    r = subprocess.run(argv + ["--project", "nope"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "unknown project 'nope'" in r.stderr
    r = subprocess.run([sys.executable, "-m", "chartdesk", "copy", str(tmp_path / "missing.db"), dst],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "no store at" in r.stderr and not (tmp_path / "missing.db").exists()
