"""Groups of runs: the Group-by grammar, which group each run falls in, the group views a chart
draws (exact against numpy on the raw points), and the window: typing a grouping, the band
chosen from the chart's menu, the run-count strip, the hover read-out and the CSV export."""
from __future__ import annotations

import csv

import numpy as np
import pytest
from gui_helpers import chart, key, settle, wait_written
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import Qt

from chartdesk.errors import InvalidInput
from chartdesk.groups import AggregateCache, GroupBy, GroupRequest, group_runs, read_group
from chartdesk.model import Chart, Experiment

# ---- the grammar --------------------------------------------------------------------------------


def test_group_by_reads_params_tags_and_one_name_pattern():
    by = GroupBy.parse(' lr , optimizer.name,tags, name ~ "(.*)-seed\\d+"')
    assert by == GroupBy(("lr", "optimizer.name", "tags"), "(.*)-seed\\d+")
    assert GroupBy.parse(str(by)) == by
    assert GroupBy.parse("   ") is None


@pytest.mark.parametrize("text, says", [
    ('name ~ "("', "bad regex"),
    ('lr, "x"', "column 5"),
    ('name ~ "a", name ~ "b"', "only one"),
    ("lr ~ 3", "cannot read"),
    ('tags, name ~ "(.*', 'column 7 needs its closing "'),
])
def test_a_bad_grouping_says_why(text, says):
    with pytest.raises(InvalidInput, match=says):
        GroupBy.parse(text)


keys = st.lists(st.from_regex(r"[a-z][a-z0-9_.]{0,8}", fullmatch=True), min_size=0, max_size=4, unique=True)


@given(keys, st.sampled_from(["", "(.*)-s\\d", "x\"y", "a,b"]))
@settings(max_examples=60, deadline=None)
def test_a_grouping_reads_back_what_it_prints(ks, pattern):
    by = GroupBy(tuple(ks), pattern)
    if not ks and not pattern:
        assert GroupBy.parse(str(by)) is None
    else:
        assert GroupBy.parse(str(by)) == by


# ---- grouping runs ------------------------------------------------------------------------------
runs_st = st.lists(st.tuples(st.sampled_from([0.1, 0.01, None, "x"]), st.sampled_from(["adam", "sgd"]),
                             st.integers(0, 3)), min_size=1, max_size=25)


@given(runs_st)
@settings(max_examples=80, deadline=None)
def test_every_run_is_in_exactly_one_group_with_runs_of_equal_values(rows):
    exps = []
    for i, (lr, opt, seed) in enumerate(rows):
        params = {"optimizer": {"name": opt}, "seed": seed}
        if lr is not None:
            params["lr"] = lr
        exps.append(Experiment(f"run{i}-seed{seed}", params=params))
    groups = group_runs(exps, GroupBy(("lr", "optimizer.name"), "(run\\d+)-seed"))
    flat = [r for g in groups for r in g.runs]
    assert sorted(flat) == sorted(e.name for e in exps)  # each once
    groups = group_runs(exps, GroupBy(("lr", "optimizer.name")))
    by_name = {e.name: e.params for e in exps}
    for g in groups:
        values = {(repr(by_name[r].get("lr")), by_name[r]["optimizer"]["name"]) for r in g.runs}
        assert len(values) == 1
    assert len(groups) == len({(repr(p.get("lr")), p["optimizer"]["name"]) for p in by_name.values()})


def test_groups_are_named_by_their_values_in_order_and_a_name_pattern_groups_seeds():
    exps = [Experiment(f"lr{lr:g}-seed{s}", params={"lr": lr}, tags=("sweep",) if s else ())
            for lr in (0.1, 0.01) for s in range(3)] + [Experiment("other", params={})]
    groups = group_runs(exps, GroupBy(("lr",)))
    assert [g.label for g in groups] == ["lr=0.01", "lr=0.1", "lr=–"]
    assert groups[0].runs == ("lr0.01-seed0", "lr0.01-seed1", "lr0.01-seed2")
    by_name = group_runs(exps, GroupBy((), "(.*)-seed\\d"))
    assert {g.label: len(g.runs) for g in by_name} == {"lr0.01": 3, "lr0.1": 3, "other": 1}
    by_tags = group_runs(exps, GroupBy(("tags",)))
    assert {g.label: len(g.runs) for g in by_tags} == {"tags=(none)": 3, "tags=sweep": 4} or \
        {g.label: len(g.runs) for g in by_tags} == {"tags=sweep": 4, "tags=(none)": 3}


# ---- group views ----------------------------------------------------------------------------------
def _seeds(store, n_runs=5, steps=500, short=None):
    rng = np.random.default_rng(3)
    raw = {}
    for r in range(n_runs):
        n = short if (short and r == 0) else steps
        x = np.arange(n, dtype=float) * 2
        y = rng.normal(size=n).cumsum()
        store.create_experiment("p", f"s{r}")
        store.append("p", f"s{r}", "acc" if r % 2 else "pred_acc", x, y)
        raw[f"s{r}"] = (x, y)
    return raw


@pytest.mark.parametrize("band", ["std", "sem", "minmax"])
def test_a_group_view_is_the_exact_statistic_of_the_raw_points(store, band):
    raw = _seeds(store, short=200)
    members = tuple((e, "acc" if int(e[1]) % 2 else "pred_acc") for e in raw)
    view = read_group(store, GroupRequest("p", members, band, width=10_000))
    m = np.full((5, 500), np.nan)
    for r, (_x, y) in enumerate(raw.values()):
        m[r, :len(y)] = y
    mean = np.nanmean(m, axis=0)
    std = np.nanstd(m, axis=0)
    n = np.sum(~np.isnan(m), axis=0)
    lo, hi = {"std": (mean - std, mean + std), "sem": (mean - std / np.sqrt(n), mean + std / np.sqrt(n)),
              "minmax": (np.nanmin(m, axis=0), np.nanmax(m, axis=0))}[band]
    assert view.x.tolist() == (np.arange(500) * 2.0).tolist()  # few enough points: every one is kept
    assert np.allclose(view.mean, mean) and np.allclose(view.lo, lo) and np.allclose(view.hi, hi)
    assert view.n.tolist() == n.tolist() and view.n[0] == 5 and view.n[-1] == 4  # one run stopped early


def test_a_long_group_is_decimated_for_the_range_keeping_the_band_extremes_and_count_steps(store):
    raw = _seeds(store, n_runs=3, steps=200_000, short=120_000)
    members = tuple((e, "acc" if int(e[1]) % 2 else "pred_acc") for e in raw)
    cache = AggregateCache()
    whole = read_group(store, GroupRequest("p", members, "minmax", width=500), cache)
    assert len(whole.x) <= 4 * 500 * 3 + 4 and whole.total == 200_000
    m = np.vstack([np.pad(y, (0, 200_000 - len(y)), constant_values=np.nan) for _x, y in raw.values()])
    assert whole.hi.max() == np.nanmax(m) and whole.lo.min() == np.nanmin(m)  # the extremes survive
    step = np.flatnonzero(np.diff(whole.n))
    assert len(step) == 1 and whole.x[step[0]] == (120_000 - 1) * 2  # where the short run ends
    zoom = read_group(store, GroupRequest("p", members, "minmax", 1000.0, 1100.0, 500), cache)
    assert zoom.x.min() >= 998 and zoom.x.max() <= 1102 and len(zoom.x) == 53  # all in range, one more each side
    # new points make the cached statistic stale
    store.append("p", "s1", "acc", [400_000.0], [99.0])
    cache.forget({("p", "s1", "acc")})
    grown = read_group(store, GroupRequest("p", members, "minmax", width=500), cache)
    assert grown.total == 200_001 and grown.hi[-1] == 99.0 and grown.n[-1] == 1


# ---- in the window --------------------------------------------------------------------------------
def _select_all_runs(qtbot, w):
    rt = w.runs_table
    w.runs_dock.raise_()
    qtbot.waitUntil(lambda: rt.model.rowCount() == 20 and not rt.model.loading, timeout=10000)
    view = rt.view
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(rt.model.index(0, 0)).center())
    key(qtbot, view, "Ctrl+A")
    assert len(w.ws.selection()) == 20


def test_typing_a_grouping_draws_each_group_as_mean_band_and_run_count(demo_store, open_win, qtbot, tmp_path):
    w = open_win(demo_store, "sweep", "lr0.1-seed0")
    _select_all_runs(qtbot, w)
    acc = chart(w, "Sweep", "Eval accuracy")
    qtbot.waitUntil(lambda: acc.drawn and len(acc.curves) == 20, timeout=10000)
    assert acc.strip is None  # made only when groups are drawn
    # Ctrl+G puts the cursor in the Group by box; typing and Return groups
    key(qtbot, w, "Ctrl+G")
    rt = w.runs_table
    assert rt.group_edit.hasFocus()
    qtbot.keyClicks(rt.group_edit, "lr")
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: acc.drawn and acc.grouped, timeout=10000)
    settle(qtbot, w)
    assert acc.legend.labels() == ["lr=0.01 (5 runs)", "lr=0.03 (5 runs)", "lr=0.1 (5 runs)", "lr=0.3 (5 runs)"]
    assert acc.strip.isVisible() and "mean ± std" in acc.note.full_text()
    assert "20 experiments selected in 4 groups by lr" in w.selection_label.text()
    # the alias is resolved run by run: seeds 0-2 logged val_acc, seeds 3-4 eval/accuracy
    lr01 = acc.curves[2]
    assert sorted({c for _e, c in lr01.members}) == ["eval/accuracy", "val_acc"]
    raw = [demo_store.read("sweep", e, c).y for e, c in lr01.members]
    expect = np.mean(np.vstack(raw), axis=0)
    assert np.allclose(lr01.values, expect[np.searchsorted(np.arange(1000) * 10.0, lr01.x)])
    # lr 0.3 seed 4 stopped at half length: its group counts 4 runs after step 4990
    lr03 = acc.curves[3]
    assert lr03.n[0] == 5 and lr03.n[-1] == 4
    # the hover read-out gives mean, band and count
    acc.show_values_at(2000.0, float(lr01.values[0]))
    assert "n=5" in acc.readout.text() and "lr=0.1 (5 runs)" in acc.readout.text()
    # the band is chosen in the chart's menu, saved with the chart and undoable
    act = next(a for a in acc.menu.actions() if a.text() == "Group band").menu()
    next(a for a in act.actions() if a.text() == "min to max").trigger()
    qtbot.waitUntil(lambda: demo_store.chart_sets("sweep")["Sweep"][0].get("band") == "minmax", timeout=5000)
    acc = chart(w, "Sweep", "Eval accuracy")
    qtbot.waitUntil(lambda: acc.drawn and acc.grouped and "min to max" in acc.note.full_text(), timeout=10000)
    g = acc.curves[2]
    assert np.allclose(g.hi, np.max(np.vstack(raw), axis=0)[np.searchsorted(np.arange(1000) * 10.0, g.x)])
    # CSV export writes the exact statistic at every step
    acc.export(str(tmp_path / "g.csv"))
    with open(tmp_path / "g.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 4 * 1000 and {r["group"] for r in rows} == set(acc.legend.labels())
    first = next(r for r in rows if r["group"] == "lr=0.1 (5 runs)")
    assert float(first["hi"]) == pytest.approx(max(r[0] for r in raw)) and first["n"] == "5"
    w.undo_action.trigger()
    wait_written(qtbot, w)
    assert "band" not in demo_store.chart_sets("sweep")["Sweep"][0]
    # the grouping is saved per project; a bad one says why and draws the runs again
    from chartdesk.app import preferences as prefs
    from chartdesk.gui.settings import Settings

    assert Settings(demo_store).get(prefs.GROUP_BY, "sweep") == "lr"
    rt.group_edit.clear()
    qtbot.keyClicks(rt.group_edit, 'name ~ "("')
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    assert rt.group_error.isVisible() and "bad regex" in rt.group_error.text()
    acc = chart(w, "Sweep", "Eval accuracy")
    qtbot.waitUntil(lambda: acc.drawn and not acc.grouped and len(acc.curves) == 20, timeout=10000)
    assert not acc.strip.isVisible()
    rt.group_edit.clear()
    qtbot.keyClicks(rt.group_edit, 'name ~ "(.*)-seed"')
    qtbot.keyClick(rt.group_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: acc.drawn and acc.grouped, timeout=10000)
    assert acc.legend.labels() == ["lr0.01 (5 runs)", "lr0.03 (5 runs)", "lr0.1 (5 runs)", "lr0.3 (5 runs)"]


def test_a_grouped_time_axis_is_drawn_by_step_and_one_run_is_not_a_group(store, open_win, qtbot):
    for r in range(3):
        store.create_experiment("p", f"r{r}", params={"lr": 0.1})
        store.append("p", f"r{r}", "loss", np.arange(50.0), np.arange(50.0) + r, 1e9 + np.arange(50.0) * (r + 1))
    store.set_chart_set("p", "S", [Chart("Loss", (), x_axis="wall").to_dict() | {"series": ["channel:loss"]}])
    w = open_win(store, "p", "r0")
    w.ws.set_group_by(GroupBy(("lr",)))
    c = chart(w, "S", "Loss")
    qtbot.waitUntil(lambda: c.drawn and bool(c.curves), timeout=10000)
    assert not c.grouped  # one selected run: drawn as itself
    w.ws.select_experiments(["r0", "r1", "r2"])
    qtbot.waitUntil(lambda: c.drawn and c.grouped, timeout=10000)
    assert c.x_mode() == "step" and c.plot.getPlotItem().getAxis("bottom").labelText == "step"
    assert "matched by step" in c.note.full_text()
    assert c.curves[0].values.tolist() == (np.arange(50.0) + 1).tolist()
    # a live run grows its group
    store.append("p", "r1", "loss", [50.0], [100.0], [2e9])
    w.ws.poll()
    qtbot.waitUntil(lambda: c.drawn and len(c.curves[0].x) == 51, timeout=10000)
    assert c.curves[0].values[-1] == 100.0 and c.curves[0].n[-1] == 1


def test_a_group_whose_runs_logged_one_point_draws_its_mean_as_a_dot(store, open_win, qtbot):
    """45 runs that logged their lr once, grouped by optimizer: the legend said '(15 runs)' and
    the plot was empty, a line of one point being nothing (a hands-on walk)."""
    for i in range(6):
        store.create_experiment("p", f"r{i}", params={"opt": "adam" if i % 2 else "sgd"})
        store.append("p", f"r{i}", "lr", [0.0], [0.01 * (i + 1)])
    store.set_chart_set("p", "S", [{"name": "lr", "series": ["channel:lr"]}])
    w = open_win(store, "p", "r0")
    w.ws.select_experiments([f"r{i}" for i in range(6)])
    c = chart(w, "S", "lr")
    qtbot.waitUntil(lambda: c.drawn and len(c.curves) == 6, timeout=10000)
    w.runs_table.group_edit.setText("opt")
    w.runs_table.apply_grouping()
    qtbot.waitUntil(lambda: c.drawn and c.grouped and len(c.curves) == 2, timeout=10000)
    means = {}
    for g in c.curves:
        xs, ys = g.dots.getData()
        assert g.dots.isVisible() and g.dots.parentItem() is not None  # on the plot
        means[g.label.split(" ")[0]] = (list(xs), list(ys))
    assert means["opt=adam"][0] == [0.0] and np.allclose(means["opt=adam"][1], [np.mean([0.02, 0.04, 0.06])])
    assert means["opt=sgd"][0] == [0.0] and np.allclose(means["opt=sgd"][1], [np.mean([0.01, 0.03, 0.05])])
