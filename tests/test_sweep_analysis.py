"""Run diff and parameter importance (issue 20), API and command line: every number is computed
again here from the runs' raw points and params with numpy, pandas, scipy and scikit-learn, not
through ChartDesk's reducers, flattening or encoding."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import chartdesk
from chartdesk import InvalidInput, NotFound
from chartdesk import importance as imp
from chartdesk.importance import importance, rank, spearman_numpy
from chartdesk.rundiff import diff

STATS = ("first", "last", "min", "max")


def _runs(n: int = 24, seed: int = 3):
    """A sweep of ``n`` runs: nested params, some params missing, booleans, a category, a
    constant; seeds 1, 4, 7... logged the metric as 'acc' (the alias 'accuracy' spans both), one
    run ('pinned') has both channels and a pin to 'acc', one ('no-metric') logged none."""
    rng = np.random.default_rng(seed)
    opts = ("adam", "sgd", "rmsprop")
    out = []
    for i in range(n):
        lr = float(10 ** rng.uniform(-4, -1))
        params = {"optimizer": {"name": opts[i % 3], "lr": lr}, "layers": int(2 + i % 4), "augment": bool(i % 2),
                  "dataset": "cifar"}
        if i % 5 != 0:
            params["dropout"] = round(float(rng.uniform(0, 0.5)), 3)  # missing in every fifth run
        quality = 0.9 - 0.08 * abs(math.log10(lr) + 2.5) + (0.03 if opts[i % 3] == "adam" else 0.0)
        steps = 50 + 10 * (i % 3)
        x = np.arange(steps, dtype=np.float64)
        acc = quality * (1 - np.exp(-x / 10)) + rng.normal(0, 0.01, steps)
        loss = np.exp(-x / 15) + rng.normal(0, 0.01, steps) + 0.1 * i
        channels = {"loss": (x, loss), ("acc" if i % 3 == 1 else "accuracy"): (x, acc)}
        if i % 7 == 0:
            channels["grad_norm"] = (x, rng.normal(1, 0.1, steps))
        out.append((f"run-{i:02d}", params, ["sweep"] + (["best"] if i % 4 == 0 else []), channels))
    return out


def fill(store, n: int = 24) -> list[str]:
    names = []
    for name, params, tags, channels in _runs(n):
        store.create_experiment("hp", name, params=params, tags=tags, state="succeeded", created=1_700_000_000 + len(names))
        store.append_many("hp", name, {ch: (x, y, None) for ch, (x, y) in channels.items()})
        names.append(name)
    x = np.arange(40, dtype=np.float64)
    store.create_experiment("hp", "pinned", params={"optimizer": {"name": "adam", "lr": 0.003}, "layers": 3,
                                                    "augment": True, "dataset": "cifar", "dropout": 0.1},
                            tags=["sweep"], state="failed", created=1_700_000_100)
    store.append_many("hp", "pinned", {"accuracy": (x, 0.2 + 0.001 * x, None), "acc": (x, 0.5 + 0.01 * x, None),
                                       "loss": (x, 1 / (1 + x), None)})
    store.create_experiment("hp", "no-metric", params={"optimizer": {"name": "sgd", "lr": 0.05}, "layers": 9},
                            tags=[], state="running", created=1_700_000_200)
    store.append("hp", "no-metric", "loss", x, 2 / (1 + x))
    store.set_alias("hp", "accuracy", ["accuracy", "acc"])
    store.set_pin("hp", "pinned", "accuracy", "acc")
    return [*names, "pinned", "no-metric"]


@pytest.fixture
def hp(store):
    fill(store)
    return store


def _channel_of(store, run: str) -> str | None:
    """Which channel 'accuracy' means in a run, decided here: the pin, else the first entry it has."""
    have = set(store.channels("hp", run))
    pin = store.pins("hp").get(run, {}).get("accuracy")
    if pin in have:
        return pin
    return next((c for c in ("accuracy", "acc") if c in have), None)


def _numpy_stat(y: np.ndarray, what: str) -> float:
    return float({"first": y[0], "last": y[-1], "min": np.min(y), "max": np.max(y)}[what])


# ---- run diff ----------------------------------------------------------------------------------
def test_diff_every_row_against_pandas_and_numpy(hp):
    runs = ["run-00", "run-01", "run-05", "pinned"]  # run-00/05 lack dropout; run-01 logged 'acc'; 'pinned' pins acc
    d = diff(hp, "hp", runs, columns=["accuracy:max", "channel:loss:last", "alias:accuracy:first"], only_differences=False)
    assert d.runs == tuple(runs) and d.reference == "run-00"
    rows = {(r.section, r.key): r for r in d.rows}

    # params: flattened by pandas, not by chartdesk
    frame = pd.json_normalize([dict(hp.experiment("hp", r).params) for r in runs])
    frame.index = runs
    params = {k: r for (sec, k), r in rows.items() if sec == "param"}
    assert set(params) == set(frame.columns) == {"optimizer.name", "optimizer.lr", "layers", "augment", "dataset",
                                                  "dropout"}
    for key, row in params.items():
        for run, v in zip(runs, row.values):
            want = frame.loc[run, key]
            if pd.isna(want):
                assert v is None, (key, run)  # missing is shown as missing
            else:
                assert v == want and isinstance(v, bool) == isinstance(want, (bool, np.bool_)), (key, run, v, want)
        ref = frame.loc["run-00", key]
        want_cells = tuple(not ((pd.isna(frame.loc[r, key]) and pd.isna(ref)) or frame.loc[r, key] == ref) for r in runs)
        assert row.cells == want_cells, key
    assert rows[("param", "dropout")].values[0] is None and rows[("param", "dropout")].values[1] is not None
    assert not rows[("param", "dataset")].differs

    # fields and tags
    exps = {r: hp.experiment("hp", r) for r in runs}
    assert rows[("run", "state")].values == ("succeeded",) * 3 + ("failed",)
    assert rows[("run", "created")].values == tuple(exps[r].created for r in runs)
    assert rows[("run", "duration")].values == tuple(exps[r].finished - exps[r].created for r in runs)
    assert rows[("tag", "best")].values == (True, False, False, False)
    assert rows[("tag", "sweep")].values == (True,) * 4 and not rows[("tag", "sweep")].differs

    # columns and shared channels from the raw points
    acc = {r: hp.read("hp", r, _channel_of(hp, r)).y for r in runs}
    assert [_channel_of(hp, r) for r in runs] == ["accuracy", "acc", "accuracy", "acc"]
    assert rows[("alias", "alias:accuracy")].values == ("accuracy", "acc", "accuracy", "acc")
    assert rows[("column", "accuracy:max")].values == tuple(float(np.max(acc[r])) for r in runs)
    assert rows[("column", "alias:accuracy:first")].values == tuple(float(acc[r][0]) for r in runs)
    assert rows[("column", "channel:loss:last")].values == tuple(float(hp.read("hp", r, "loss").y[-1]) for r in runs)
    shared = set.intersection(*(set(hp.channels("hp", r)) for r in runs))
    assert shared == {"loss"}  # 'accuracy' is not in run-01, 'acc' not in run-00: only the alias spans them
    assert {k for (sec, k) in rows if sec == "channel"} == {f"channel:loss:{s}" for s in STATS}
    for s in STATS:
        assert rows[("alias", f"alias:accuracy:{s}")].values == tuple(_numpy_stat(acc[r], s) for r in runs)
        assert rows[("channel", f"channel:loss:{s}")].values == tuple(
            _numpy_stat(hp.read("hp", r, "loss").y, s) for r in runs)
    assert [r.section for r in d.rows] == sorted((r.section for r in d.rows),
                                                  key=("run", "param", "tag", "column", "alias", "channel").index)


def test_only_differences_reference_and_missing(hp):
    two = diff(hp, "hp", ["run-03", "run-06"])
    assert two.only_differences
    shown = {(r.section, r.key) for r in two.shown()}
    every = {(r.section, r.key) for r in two.rows}
    assert shown == {(r.section, r.key) for r in two.rows if r.differs} and shown < every
    assert every - shown >= {("tag", "sweep"), ("param", "optimizer.name"), ("param", "dataset"), ("run", "state")}
    d = diff(hp, "hp", ["run-03", "run-06", "no-metric"], columns=["accuracy:max"])
    assert next(r for r in d.shown() if r.key == "sweep").values == (True, True, False)  # no-metric has it not
    col = next(r for r in d.rows if r.key == "accuracy:max")
    assert col.values[2] is None and col.cells == (False, True, True)  # missing, shown as missing
    assert "(missing)" in d.text_rows()[[r.key for r in d.shown()].index("accuracy:max")]
    assert not any(r.section == "alias" for r in d.rows)  # 'accuracy' does not resolve in no-metric
    # another reference: the same values, flags against it (nothing read again)
    d2 = d.with_reference("no-metric")
    assert [r.values for r in d2.rows] == [r.values for r in d.rows]
    assert next(r for r in d2.rows if r.key == "accuracy:max").cells == (True, True, False)
    layers = next(r for r in d2.rows if r.key == "layers")
    assert layers.values == (5, 4, 9) and layers.cells == (True, True, False)
    dataset = next(r for r in d2.rows if r.key == "dataset")
    assert dataset.values == ("cifar", "cifar", None) and dataset.cells == (True, True, False)
    assert len(d.with_only_differences(False).shown()) == len(d.rows)
    js = d2.to_dict()
    assert js["reference"] == "no-metric" and js["total"] == len(d.rows)
    row = next(r for r in js["rows"] if r["key"] == "accuracy:max")
    assert row["values"]["no-metric"] is None and row["differs_from_reference"] == ["run-03", "run-06"]
    csv_lines = d.to_csv().splitlines()
    assert csv_lines[0] == "section,key,run-03,run-06,no-metric,differs"
    assert any(line.startswith("column,accuracy:max,") and line.endswith(",,yes") for line in csv_lines)


def test_identical_runs_have_no_differences(store):
    for name in ("a", "b"):
        store.create_experiment("twins", name, params={"lr": 0.1, "opt": {"name": "adam"}}, tags=["t"],
                                state="succeeded", created=1.0)
        store.set_state("twins", name, "succeeded", finished=11.0)
        store.append("twins", name, "loss", [0, 1, 2], [3.0, float("nan"), 1.0])
    d = diff(store, "twins", ["a", "b"])
    assert d.differing == 0 and d.shown() == []
    assert {r.key for r in d.rows} >= {"lr", "opt.name", "t", "channel:loss:min", "duration"}
    assert next(r for r in d.rows if r.key == "channel:loss:min").values == (1.0, 1.0)


@pytest.mark.parametrize("runs, kw, message", [
    (["run-00"], {}, "at least two runs, not 1"),
    (["run-00", "run-00"], {}, "run 'run-00' is given twice"),
    (["run-00", "nope"], {}, "unknown experiment 'nope'"),
    (["run-00", "run-01"], {"reference": "run-02"}, "reference 'run-02' is not one of the runs"),
    (["run-00", "run-01"], {"columns": ["accuracy"]}, "column 'accuracy' must be REF:REDUCER"),
    (["run-00", "run-01"], {"columns": ["alias:nope:max"]}, "unknown alias 'nope'"),
    (["run-00", "run-01"], {"columns": "accuracy:max"}, "not one string"),
    ("run-00", {}, "runs must be a list"),
])
def test_diff_bad_input_is_one_line(hp, runs, kw, message):
    with pytest.raises((InvalidInput, NotFound), match=message.replace("(", r"\(")):
        diff(hp, "hp", runs, **kw)


# ---- importance --------------------------------------------------------------------------------
def _frame(store, metric_reducer=np.max) -> pd.DataFrame:
    """Each run with a metric: its params (flattened by pandas) and the metric from raw points."""
    recs = []
    for run in store.experiments("hp"):
        ch = _channel_of(store, run)
        if ch is None:
            continue
        rec = pd.json_normalize(dict(store.experiment("hp", run).params)).iloc[0].to_dict()
        rec["_y"] = float(metric_reducer(store.read("hp", run, ch).y))
        rec["_run"] = run
        recs.append(rec)
    return pd.DataFrame(recs)


def test_importance_against_scipy_and_sklearn(hp):
    got = importance(hp, "hp", "accuracy:max")
    frame = _frame(hp)
    assert got.runs == 26 and got.with_metric == len(frame) == 25 and not got.warning and not got.forest
    assert "no-metric" not in set(frame["_run"]) and "pinned" in set(frame["_run"])
    # the encoding, by pandas: numbers, booleans 0/1, the category one-hot, constants left out
    enc = {"optimizer.lr": frame["optimizer.lr"], "layers": frame["layers"], "augment": frame["augment"].astype(float),
           "dropout": frame["dropout"]}
    for name, col in pd.get_dummies(frame["optimizer.name"], prefix="optimizer.name", prefix_sep="=").items():
        enc[name] = col.astype(float)
    by_name = {f.name: f for f in got.features}
    assert set(by_name) == set(enc)
    assert dict(got.skipped) == {"dataset": "the same in every run that has it (cifar)"}
    y = frame["_y"].to_numpy()
    for name, col in enc.items():
        mask = col.notna().to_numpy()
        assert by_name[name].n == mask.sum(), name
        want = stats.spearmanr(col.to_numpy(dtype=float)[mask], y[mask])
        assert by_name[name].spearman == pytest.approx(want.statistic, abs=1e-12), name
        assert by_name[name].p_value == pytest.approx(want.pvalue, rel=1e-9), name
    assert by_name["dropout"].n == 25 - sum(1 for r in frame["_run"] if r in {"run-00", "run-05", "run-10", "run-15",
                                                                              "run-20"})
    # the forest, fitted here on the same matrix (columns in the documented order: sorted params,
    # a category's values sorted)
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    order = sorted(enc, key=lambda n: (n.partition("=")[0], n))
    x = np.column_stack([enc[n].to_numpy(dtype=float) for n in order])
    model = RandomForestRegressor(n_estimators=imp.N_TREES, min_samples_leaf=imp.MIN_LEAF,
                                  max_features=imp.MAX_FEATURES, random_state=imp.SEED).fit(x, y)
    want = permutation_importance(model, x, y, n_repeats=imp.N_REPEATS, random_state=imp.SEED)
    for i, n in enumerate(order):
        assert by_name[n].importance == pytest.approx(want.importances_mean[i], abs=1e-12), n
        assert by_name[n].importance_std == pytest.approx(want.importances_std[i], abs=1e-12), n
    # sorted by importance; the lr (what the metric was made from) first
    values = [f.importance for f in got.features]
    assert values == sorted(values, reverse=True)
    assert got.features[0].name == "optimizer.lr"


def test_importance_filter_and_too_few_runs(hp):
    got = importance(hp, "hp", "alias:accuracy:last", where='optimizer.name == "adam" and layers < 4')
    frame = _frame(hp, lambda y: y[-1])
    frame = frame[(frame["optimizer.name"] == "adam") & (frame["layers"] < 4)]
    assert got.with_metric == len(frame) < imp.MIN_RUNS
    assert got.warning.startswith(f"only {len(frame)} runs have a value for alias:accuracy:last: fewer than 8 runs")
    assert all(f.importance is None for f in got.features)
    lr = next(f for f in got.features if f.name == "optimizer.lr")
    assert lr.spearman == pytest.approx(stats.spearmanr(frame["optimizer.lr"], frame["_y"]).statistic, abs=1e-12)
    assert lr.n == len(frame)
    none = importance(hp, "hp", "channel:grad_norm:max", where="layers > 100")
    assert none.with_metric == 0 and none.features == () and none.warning.startswith("no run has a value")


def test_importance_without_scikit_learn_or_scipy(hp, monkeypatch):
    for mod in ("sklearn", "sklearn.ensemble", "sklearn.inspection"):
        monkeypatch.setitem(sys.modules, mod, None)
    got = importance(hp, "hp", "accuracy:max")
    assert got.forest == ("scikit-learn is not installed, so no forest importance (pip install 'chartdesk[sweep]'); "
                          "Spearman only")
    assert all(f.importance is None for f in got.features) and all(f.spearman is not None for f in got.features)
    with_scipy = {f.name: f.spearman for f in got.features}
    for mod in ("scipy", "scipy.stats", "scipy.special"):
        monkeypatch.setitem(sys.modules, mod, None)
    plain = importance(hp, "hp", "accuracy:max")
    assert plain.correlation == "numpy" and all(f.p_value is None for f in plain.features)
    for f in plain.features:
        assert f.spearman == pytest.approx(with_scipy[f.name], abs=1e-12)
    order = [abs(f.spearman) for f in plain.features]
    assert order == sorted(order, reverse=True)  # without a forest: by |correlation|


def test_numpy_spearman_matches_scipy():
    rng = np.random.default_rng(7)
    for _ in range(50):
        n = int(rng.integers(3, 40))
        x = rng.integers(0, 5, n).astype(float)  # many ties
        y = rng.normal(size=n) if rng.random() < 0.5 else rng.integers(0, 3, n).astype(float)
        assert np.array_equal(rank(x), stats.rankdata(x))
        want = stats.spearmanr(x, y).statistic
        got = spearman_numpy(x, y)
        if np.isnan(want):
            assert got is None
        else:
            assert got == pytest.approx(want, abs=1e-12)


def test_importance_bad_input(hp):
    with pytest.raises(InvalidInput, match="column 'accuracy' must be REF:REDUCER"):
        importance(hp, "hp", "accuracy")
    with pytest.raises(InvalidInput, match="not ''"):
        importance(hp, "hp", "")
    with pytest.raises(InvalidInput, match="column 1"):
        importance(hp, "hp", "accuracy:max", where="and")
    with pytest.raises(NotFound, match="unknown project 'nope'"):
        importance(hp, "nope", "accuracy:max")


# ---- command line ------------------------------------------------------------------------------
def cd(*args, db, check=True):
    r = subprocess.run([sys.executable, "-m", "chartdesk", *args, "--db", str(db)], capture_output=True, text=True,
                       timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


@pytest.fixture
def hp_db(db_path):
    with chartdesk.open_store(db_path) as s:
        fill(s)
    return db_path


def test_cli_diff_text_json_all(hp_db):
    out = cd("diff", "hp", "run-01", "pinned", "--column", "accuracy:max", db=hp_db).stdout.splitlines()
    head = out[0].split()
    assert head == ["run-01", "(reference)", "pinned"]
    table = {tuple(line.split()[:2]): line.split()[2:] for line in out[1:-1]}
    with chartdesk.open_store(hp_db) as s:
        want = diff(s, "hp", ["run-01", "pinned"], columns=["accuracy:max"])
        m1, m2 = (float(np.max(s.read("hp", r, "acc").y)) for r in ("run-01", "pinned"))
    assert table[("column", "accuracy:max")] == [f"{m1:.6g}", f"{m2:.6g}"]
    assert table[("run", "state")] == ["succeeded", "failed"]
    assert ("tag", "sweep") not in table  # the same in both: only differences
    assert out[-1] == f"{want.differing} of {len(want.rows)} rows differ from run-01 (--all shows every row)"
    js = json.loads(cd("diff", "hp", "run-01", "pinned", "--column", "accuracy:max", "--json", "--reference", "pinned",
                       db=hp_db).stdout)
    assert js["reference"] == "pinned" and js["only_differences"] is True
    col = next(r for r in js["rows"] if r["key"] == "accuracy:max")
    assert col["values"] == {"run-01": m1, "pinned": m2} and col["differs_from_reference"] == ["run-01"]
    every = json.loads(cd("diff", "hp", "run-01", "pinned", "--all", "--json", db=hp_db).stdout)
    assert len(every["rows"]) == every["total"] and any(not r["differs"] for r in every["rows"])
    missing = cd("diff", "hp", "run-00", "run-01", db=hp_db).stdout
    assert next(line for line in missing.splitlines() if " dropout " in line).split()[2] == "(missing)"


def test_cli_importance(hp_db):
    r = cd("importance", "hp", "--metric", "accuracy:max", db=hp_db)
    lines = r.stdout.splitlines()
    assert lines[0] == "accuracy:max over 25 of 26 runs of hp (runs with a value)"
    assert lines[1].split() == ["param", "kind", "spearman", "p", "importance", "±", "std", "n"]
    with chartdesk.open_store(hp_db) as s:
        want = importance(s, "hp", "accuracy:max")
    assert [line.split()[0] for line in lines[2:]] == [f.name for f in want.features]
    assert lines[2].split()[2] == f"{want.features[0].spearman:.3f}"
    assert "left out: dataset (the same in every run that has it (cifar))" in r.stderr
    js = json.loads(cd("importance", "hp", "--metric", "accuracy:max", "--where", "layers <= 3", "--json",
                       db=hp_db).stdout)
    with chartdesk.open_store(hp_db) as s:
        frame = _frame(s)
    assert js["where"] == "layers <= 3" and js["with_metric"] == (frame["layers"] <= 3).sum() >= 8
    assert js["warning"] is None and js["forest"] is None
    assert {f["name"] for f in js["features"]} == {"augment", "dropout", "layers", "optimizer.lr", "optimizer.name=adam",
                                                   "optimizer.name=rmsprop", "optimizer.name=sgd"}
    few = cd("importance", "hp", "--metric", "accuracy:max", "--where", "layers == 9 or name == 'run-02'", db=hp_db)
    assert few.returncode == 0
    assert "chartdesk: note: only 1 run of 2 has a value for accuracy:max: fewer than 8 runs" in few.stderr


@pytest.mark.parametrize("args, message", [
    (["diff", "hp", "run-00"], "a diff needs at least two runs, not 1"),
    (["diff", "hp", "run-00", "ghost"], "unknown experiment 'ghost' in project 'hp'"),
    (["diff", "hp", "run-00", "run-01", "--reference", "ghost"], "reference 'ghost' is not one of the runs"),
    (["diff", "hp", "run-00", "run-01", "--column", "loss"], "column 'loss' must be REF:REDUCER"),
    (["importance", "hp", "--metric", "accuracy:best"], "column 'accuracy:best' must be REF:REDUCER"),
    (["importance", "hp", "--metric", "accuracy:max", "--where", "lr <"], "column 5: expected a value"),
    (["importance", "nope", "--metric", "accuracy:max"], "unknown project 'nope'"),
])
def test_cli_errors_are_one_line(hp_db, args, message):
    r = cd(*args, db=hp_db, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr


def test_cli_on_a_missing_store_creates_nothing(tmp_path):
    db = tmp_path / "none.db"
    r = cd("diff", "hp", "a", "b", db=db, check=False)
    assert r.returncode == 1 and "no store at" in r.stderr and not db.exists()
    r = cd("importance", "hp", "--metric", "accuracy:max", db=db, check=False)
    assert r.returncode == 1 and "no store at" in r.stderr and not db.exists()


def test_cli_without_scikit_learn_still_gives_spearman(hp_db, monkeypatch, capsys):
    from chartdesk.cli import main

    for mod in ("sklearn", "sklearn.ensemble", "sklearn.inspection"):
        monkeypatch.setitem(sys.modules, mod, None)
    assert main(["importance", "hp", "--metric", "accuracy:max", "--db", str(hp_db)]) == 0
    out, err = capsys.readouterr()
    assert "chartdesk: note: scikit-learn is not installed, so no forest importance (pip install 'chartdesk[sweep]'); " \
           "Spearman only" in err.splitlines()
    rows = [line.split() for line in out.splitlines()[2:]]
    assert rows and all(len(r) == 5 for r in rows)  # name, kind, spearman, p, n: no importance columns


@pytest.mark.parametrize("rows", [50_000, 700])  # one predict call per chunk of columns; several chunks
def test_permutation_drops_are_scikit_learns_to_the_bit(rows):
    """The batched permutation importance draws the same shuffles as scikit-learn's and gives the
    same numbers exactly, missing values included."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    rng = np.random.default_rng(3)
    x = rng.normal(size=(120, 7))
    x[rng.uniform(size=x.shape) < 0.1] = np.nan
    y = 2 * np.nan_to_num(x[:, 0]) - np.nan_to_num(x[:, 2]) ** 2 + rng.normal(scale=0.1, size=120)
    model = RandomForestRegressor(n_estimators=imp.N_TREES, min_samples_leaf=imp.MIN_LEAF,
                                  max_features=imp.MAX_FEATURES, random_state=imp.SEED).fit(x, y)
    want = permutation_importance(model, x, y, n_repeats=imp.N_REPEATS, random_state=imp.SEED)
    mean, std = imp.permutation_drops(model, x, y, imp.N_REPEATS, imp.SEED, rows=rows)
    assert np.array_equal(mean, want.importances_mean) and np.array_equal(std, want.importances_std)


def test_r2_rows_is_r2_score_with_its_edge_cases():
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(4)
    y = rng.normal(size=30)
    p = np.vstack([rng.normal(size=30), y, np.full(30, y.mean())])
    assert list(imp.r2_rows(y, p)) == [r2_score(y, row) for row in p]
    flat = np.full(30, 2.0)  # a constant y: 1 when predicted exactly, else 0
    assert list(imp.r2_rows(flat, np.vstack([flat, flat + 1]))) == [r2_score(flat, flat), r2_score(flat, flat + 1)]
