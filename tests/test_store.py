"""The store keeps experiments, points, aliases and chart sets exactly as given."""
from __future__ import annotations

import numpy as np
import pytest

import chartdesk
from chartdesk import InvalidInput, NotFound
from chartdesk.store import points as P

pytestmark = pytest.mark.both_backends


def test_missing_file_becomes_empty_store(db_path):
    with chartdesk.open_store(db_path) as s:
        assert s.projects() == []
    assert db_path.exists()


def test_default_store_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARTDESK_DB", str(tmp_path / "env.db"))
    with chartdesk.open_store() as s:
        s.create_experiment("p", "e")
    assert (tmp_path / "env.db").exists()


def test_sqlalchemy_url_works(tmp_path):
    with chartdesk.open_store(f"sqlite:///{tmp_path / 'u.db'}") as s:
        s.create_experiment("p", "e", params={"lr": 0.1}, tags=["a"])
    with chartdesk.open_store(tmp_path / "u.db") as s:
        assert s.experiments("p") == ["e"]


def test_experiment_metadata_round_trips(store):
    store.create_experiment("mnist", "exp-1", params={"lr": 0.1, "layers": [3, 4]}, tags=["baseline"])
    e = store.experiment("mnist", "exp-1")
    assert (e.name, e.state, dict(e.params), e.tags) == ("exp-1", "running", {"lr": 0.1, "layers": [3, 4]}, ("baseline",))
    assert e.created is not None and e.finished is None
    store.set_state("mnist", "exp-1", "failed")
    e = store.experiment("mnist", "exp-1")
    assert e.state == "failed" and e.finished >= e.created


def test_special_values_round_trip_bit_for_bit(store):
    y = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-308, 5e-324, -1.5], dtype=np.float64)
    y[0] = np.frombuffer(np.uint64(0x7FF8DEADBEEF0001).tobytes(), dtype=np.float64)[0]  # NaN with a payload
    x = np.array([3, 3, 1, 0, 7, 7, -2, 5], dtype=np.float64)  # duplicate and decreasing steps
    t = np.linspace(1e9, 1e9 + 1, len(x))
    store.create_experiment("p", "e")
    store.append("p", "e", "v", x, y, t)
    s = store.read("p", "e", "v")
    assert s.x.tobytes() == x.tobytes()
    assert s.y.tobytes() == y.tobytes()
    assert s.t.tobytes() == t.tobytes()


def test_appends_across_chunk_boundaries_keep_order(store):
    store.create_experiment("p", "e")
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=n) for n in (5, P.CHUNK_POINTS - 3, 10, 2 * P.CHUNK_POINTS + 1, 1)]
    for part in parts:
        store.append("p", "e", "c", np.arange(len(part)), part)
    allv = np.concatenate(parts)
    s = store.read("p", "e", "c")
    assert np.array_equal(s.y, allv)
    assert store.channel_infos("p", "e")[0].count == len(allv)
    tail = store.read("p", "e", "c", start=len(allv) - 12)
    assert np.array_equal(tail.y, allv[-12:])


def test_unknown_names_are_clear_errors(store):
    store.create_experiment("mnist", "exp-1")
    with pytest.raises(NotFound, match="unknown project 'nope'"):
        store.experiments("nope")
    with pytest.raises(NotFound, match="unknown experiment 'x' in project 'mnist'"):
        store.channels("mnist", "x")
    with pytest.raises(NotFound, match="unknown channel 'loss'"):
        store.read("mnist", "exp-1", "loss")


def test_bad_points_are_refused_and_nothing_is_written(store):
    store.create_experiment("p", "e")
    store.append("p", "e", "c", [0, 1], [1.0, 2.0])
    with pytest.raises(InvalidInput, match="2 steps but 3 values"):
        store.append("p", "e", "c", [2, 3], [1, 2, 3])
    with pytest.raises(InvalidInput, match="must be numbers"):
        store.append_many("p", "e", {"c": ([2], [5.0], None), "d": ([0], ["abc"], None)})
    assert store.read("p", "e", "c").y.tolist() == [1.0, 2.0]
    assert store.channels("p", "e") == ["c"]


def test_alias_order_is_kept_and_replaced(store):
    store.create_project("mnist")
    store.set_alias("mnist", "accuracy", ["accuracy", "acc", "pred_acc"])
    assert store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    store.set_alias("mnist", "accuracy", ["pred_acc", "acc"])
    assert store.aliases("mnist") == {"accuracy": ["pred_acc", "acc"]}
    with pytest.raises(InvalidInput, match="more than once"):
        store.set_alias("mnist", "accuracy", ["acc", "acc"])
    assert store.alias("mnist", "accuracy") == ["pred_acc", "acc"]


def test_resolve_uses_first_present_channel(store):
    store.create_experiment("mnist", "both")
    store.append_many("mnist", "both", {"acc": ([0], [0.5], None), "pred_acc": ([0], [0.4], None)})
    store.create_experiment("mnist", "pred")
    store.append("mnist", "pred", "pred_acc", [0], [0.4])
    store.create_experiment("mnist", "none")
    store.set_alias("mnist", "accuracy", ["accuracy", "acc", "pred_acc"])
    assert store.resolve("mnist", "both", "accuracy") == "acc"
    assert store.resolve("mnist", "pred", "accuracy") == "pred_acc"
    assert store.resolve("mnist", "none", "accuracy") is None
    store.set_alias("mnist", "accuracy", ["pred_acc", "acc"])
    assert store.resolve("mnist", "both", "accuracy") == "pred_acc"


def test_chart_sets_keep_order_and_options(store):
    store.create_project("mnist")
    training = [
        {"name": "Accuracy", "series": ["alias:accuracy", "channel:val_acc"]},
        {"name": "Loss", "series": ["channel:loss"], "log_y": True},
    ]
    store.set_chart_set("mnist", "Training", training)
    store.set_chart_set("mnist", "Another", [{"name": "Z", "series": ["channel:z"], "x_axis": "wall", "smoothing": 0.5}])
    assert store.chart_sets("mnist") == {"Training": training,
                                         "Another": [{"name": "Z", "series": ["channel:z"], "x_axis": "wall",
                                                      "smoothing": 0.5}]}
    store.set_chart_set("mnist", "Training", training[::-1])  # replace keeps the set's position
    assert list(store.chart_sets("mnist")) == ["Training", "Another"]
    assert store.chart_sets("mnist")["Training"] == training[::-1]


@pytest.mark.parametrize("bad, message", [
    ([{"name": "A", "series": ["acc"]}], "alias:NAME or channel:NAME"),
    ([{"name": "A", "series": ["metric:acc"]}], "'channel' or 'alias'"),
    ([{"name": "A"}, {"name": "A"}], "unique"),
    ([{"name": "A", "x_axis": "epoch"}], "x_axis"),
    ([{"name": "A", "colour": "red"}], "unknown keys"),
])
def test_bad_chart_sets_are_refused(store, bad, message):
    store.create_project("p")
    store.set_chart_set("p", "S", [{"name": "ok", "series": ["channel:a"]}])
    with pytest.raises(InvalidInput, match=message):
        store.set_chart_set("p", "S", bad)
    assert store.chart_sets("p") == {"S": [{"name": "ok", "series": ["channel:a"]}]}


def test_experiment_charts_belong_to_one_experiment(store):
    store.create_experiment("p", "a")
    store.create_experiment("p", "b")
    store.set_experiment_charts("p", "a", [{"name": "mine", "series": ["channel:x"]}])
    assert [c.name for c in store.experiment_charts("p", "a")] == ["mine"]
    assert store.experiment_charts("p", "b") == []
    assert store.chart_sets("p") == {}


def test_demo_is_idempotent_and_shows_why_aliases_matter(demo_store):
    from chartdesk.demo import seed

    before = {p: demo_store.experiments(p) for p in demo_store.projects()}
    assert seed(demo_store) == []
    assert {p: demo_store.experiments(p) for p in demo_store.projects()} == before
    assert len(demo_store.projects()) >= 2
    resolved = set(demo_store.resolve_all("mnist", "accuracy").values())
    assert {"acc", "pred_acc", "accuracy"} <= resolved
    diverged = demo_store.read("mnist", "adam-lr1e-1-diverged", "loss")
    assert np.isnan(diverged.y).any() and len(diverged) >= 1000
    # the seed sweep: 4 learning rates x 5 seeds; the eval metric was renamed after seed 2
    sweep = demo_store.runs("sweep")
    assert len(sweep) == 20 and {(r["params"]["lr"], r["params"]["seed"]) for r in sweep} == {
        (lr, s) for lr in (0.3, 0.1, 0.03, 0.01) for s in range(5)}
    assert set(demo_store.resolve_all("sweep", "accuracy").values()) == {"val_acc", "eval/accuracy"}
    assert [r["experiment"] for r in demo_store.runs("sweep", where='state == "failed"')] == ["lr0.3-seed4"]
    g = demo_store.aggregate("sweep", [f"lr0.3-seed{k}" for k in range(5)], "alias:accuracy")
    assert g.n[0] == 5 and g.n[-1] == 4  # the failed seed stopped halfway


def test_arithmetic_columns_are_stored_compactly_and_read_back_bit_for_bit(store):
    from sqlalchemy import text

    from chartdesk.store import points as P

    n = 200_000
    steps = np.arange(n, dtype=np.float64) * 2 + 10
    odd = steps.copy()
    odd[5] = -0.0  # any irregularity: stored raw
    store.create_experiment("p", "e")
    store.append("p", "e", "reg", steps, np.sin(steps), np.full(n, 1.7e9))
    store.append("p", "e", "odd", odd, np.sin(steps), np.full(n, 1.7e9))
    for name, want in (("reg", steps), ("odd", odd)):
        s = store.read("p", "e", name)
        assert s.x.view(np.int64).tolist() == want.view(np.int64).tolist()
        assert (s.t == 1.7e9).all()
    assert store.read("p", "e", "reg", start=70_000).x[0] == steps[70_000]
    with store.engine.connect() as con:
        sizes = con.execute(text("SELECT length(x), length(t) FROM chunks JOIN channels ON channels.id = "
                                 "chunks.channel_id WHERE channels.name = 'reg'")).all()
    assert all(a == 25 and b == 25 for a, b in sizes)
    for arr in (np.array([0.0, 0.1, 0.2, 0.30000000000000004]), np.array([1.0, np.nan, 3, 4]), np.arange(3.0)):
        assert P.decode(P.encode(arr)).view(np.int64).tolist() == arr.view(np.int64).tolist()


def test_a_long_channel_reads_back_exactly_from_any_start(store):
    # long enough for PostgreSQL's two-connection read (store.PARALLEL_READ_CHUNKS chunks)
    from chartdesk.store.store import PARALLEL_READ_CHUNKS

    n = PARALLEL_READ_CHUNKS * P.CHUNK_POINTS + 12_345
    rng = np.random.default_rng(7)
    y, t = rng.random(n), 1.7e9 + np.cumsum(rng.random(n))
    store.create_experiment("p", "e")
    store.append("p", "e", "y", np.arange(n), y, t)
    for start in (0, 1, P.CHUNK_POINTS * 17 + 3, n - 1, n):
        s = store.read("p", "e", "y", start=start)
        assert np.array_equal(s.y, y[start:]) and np.array_equal(s.t, t[start:])
        assert np.array_equal(s.x, np.arange(start, n))


def test_an_edit_after_another_process_renamed_the_project_goes_to_the_project_of_that_name(target):
    """No id outlives its transaction: a rename elsewhere and a new project under the old name
    take this handle's next edit to the new project, never into the renamed one."""
    import chartdesk

    with chartdesk.open_store(target) as mine, chartdesk.open_store(target) as theirs:
        mine.create_experiment("p", "run")
        mine.set_alias("p", "acc", ["a"])
        theirs.rename_project("p", "p-2025")
        theirs.create_experiment("p", "fresh")
        mine.set_alias("p", "acc", ["b", "a"])
        mine.set_pin("p", "fresh", "acc", "b")
        assert theirs.aliases("p-2025") == {"acc": ["a"]} and theirs.pins("p-2025") == {}
        assert theirs.aliases("p") == {"acc": ["b", "a"]} and theirs.pins("p") == {"fresh": {"acc": "b"}}
        assert mine.experiments("p") == ["fresh"]


def test_a_big_import_is_written_in_bounded_transactions_and_put_in_place_at_once(store, monkeypatch):
    """Issue 24 item 8: more points than ``IMPORT_TX_POINTS`` are written out of sight in
    transactions of about that many, then moved into the experiment in one; a re-import
    replaces its channels the same way, and nothing of it is left in sight or out of it."""
    from chartdesk.importers.base import ChannelData, ParsedExperiment
    from chartdesk.store import store as S

    monkeypatch.setattr(S, "IMPORT_TX_POINTS", 2 * P.CHUNK_POINTS)
    transactions = []
    real = S.Store._write_bounded
    monkeypatch.setattr(S.Store, "_write_bounded", lambda self, work: transactions.append(1) or real(self, work))
    n = 5 * P.CHUNK_POINTS + 17

    def parsed(version):
        p = ParsedExperiment("big", "/data/big.csv", "csv")
        for c in ("loss", "acc"):
            p.channels[c] = ChannelData(list(range(n)), [version] * n, [1e9] * n)
        p.channels["empty"] = ChannelData()
        return p

    store.create_experiment("imp", "other")
    assert store.import_experiment("imp", parsed(1.0)) == "big"
    assert len(transactions) >= 6  # one to begin, 3 + 3 of points, one to put it in place
    assert store.experiments("imp") == ["other", "big"] and store.projects() == ["imp"]
    assert store.channels("imp", "big") == ["acc", "empty", "loss"]
    assert len(store.read("imp", "big", "loss")) == n and set(store.read("imp", "big", "acc").y) == {1.0}
    store.set_experiment_charts("imp", "big", [{"name": "mine", "series": ["channel:loss"]}])
    assert store.import_experiment("imp", parsed(2.0)) == "big"  # the same source: replaced in place
    assert store.experiments("imp") == ["other", "big"]
    assert set(store.read("imp", "big", "loss").y) == {2.0} and len(store.read("imp", "big", "acc")) == n
    assert [c.name for c in store.experiment_charts("imp", "big")] == ["mine"]  # the run's own charts stay
    with store._tx() as conn:  # nothing is left out of sight either
        runs, chans = (conn.execute(S.select(S.func.count()).select_from(t)).scalar() for t in (S.experiments, S.channels))
    assert (runs, chans) == (2, 3)
