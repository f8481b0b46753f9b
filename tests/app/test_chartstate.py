"""One chart's state without Qt: planned once per change of what it draws, told only by the
events that matter to it, the refetch rule of a pan or zoom, its notes."""
from __future__ import annotations

import pytest

import chartdesk
from chartdesk.app.chartstate import ChartState, columns_wanted, next_range
from chartdesk.app.session import Session
from chartdesk.demo import seed
from chartdesk.model import Chart


@pytest.fixture
def session(tmp_path):
    store = chartdesk.open_store(tmp_path / "runs.db")
    seed(store)
    s = Session(store)
    s.set_project("mnist")
    s.select_experiments(["adam-both-names", "baseline-sgd"])
    yield s
    store.close()


def chart(*refs, name="C"):
    return Chart.from_dict({"name": name, "series": list(refs)})


def states(session):
    told = []
    acc = ChartState(session, chart("alias:accuracy", "channel:val_acc", name="Accuracy"), lambda: told.append("acc"))
    loss = ChartState(session, chart("channel:loss", name="Loss"), lambda: told.append("loss"))
    return acc, loss, told


def test_an_alias_reorder_plans_the_chart_that_plots_it_once_and_no_other(session):
    acc, loss, told = states(session)
    for s in (acc, loss):
        s.plan()
    before = (acc.plans, loss.plans)
    session.move_alias_entries("accuracy", 2, 1, 1, "Move pred_acc up")
    assert told == ["acc"]  # the loss chart does not plot the alias: not even told
    for _ in range(5):  # wanted, apply, draw, notes, legend: the widget asks again and again
        acc.plan()
        acc.requests()
        loss.plan()
    assert (acc.plans, loss.plans) == (before[0] + 1, before[1])
    curve = next(c for c in acc.plan().planned if c.experiment == "adam-both-names" and c.ref.kind == "alias")
    assert curve.channel == "pred_acc" and curve.label.endswith("accuracy → pred_acc")


def test_selection_filter_grouping_labels_and_latest_each_tell_the_chart(session):
    from chartdesk import offload
    from chartdesk.groups import GroupBy

    acc, _loss, told = states(session)

    def told_after(step) -> int:
        n = told.count("acc")
        step()
        return told.count("acc") - n

    assert told_after(lambda: session.select_experiments(["adam-lr1e-3", "baseline-sgd"])) == 1
    session.set_run_rows(offload.rows(session.store, "mnist", []))
    assert told_after(lambda: session.set_filter("lr < 0.005")) == 1  # hides baseline-sgd (lr 0.01)
    assert told_after(lambda: session.set_filter("lr < 0.004")) == 0  # shows the same runs: nothing to redo
    session.set_filter("")
    assert told_after(lambda: session.set_group_by(GroupBy.parse("optimizer"))) == 1
    assert told_after(lambda: session.set_label_by_params(False)) == 1
    assert told_after(lambda: session.set_latest(["wide-net-stopped"], True)) == 0  # a run the chart does not show
    assert told_after(lambda: session.set_latest(["adam-lr1e-3"], True)) == 1


def test_a_run_that_gains_a_channel_tells_the_charts_showing_it(session, tmp_path):
    acc, loss, told = states(session)
    with chartdesk.open_store(session.store.path) as other:
        other.append("mnist", "baseline-sgd", "accuracy", [0.0], [0.5])  # the alias's first choice appears
    session.poll()
    assert "acc" in told and "loss" in told  # both charts show that run
    assert any(c.channel == "accuracy" for c in acc.plan().planned if c.experiment == "baseline-sgd")


def test_views_are_read_for_three_spans_and_a_pan_inside_them_reads_nothing():
    assert next_range(None, None) == (False, None)
    refetch, fetched = next_range(None, (100.0, 200.0))
    assert refetch and fetched == (0.0, 300.0)
    assert next_range(fetched, (150.0, 250.0)) == (False, fetched)   # a pan inside
    assert next_range(fetched, (120.0, 170.0)) == (False, fetched)   # a zoom in up to 2x
    assert next_range(fetched, (140.0, 160.0))[0]                    # more than 2x: finer views
    assert next_range(fetched, (250.0, 350.0))[0]                    # out of the fetched span
    assert next_range(fetched, None) == (True, None)                 # autorange: the whole channel


def test_columns_follow_the_plot_width_within_a_margin():
    assert columns_wanted(0, 0, False) == 1200  # before the first layout
    assert columns_wanted(800, 700, True) == 800  # within 0.9x-2x: the views made stay good
    assert columns_wanted(800, 300, True) == 300


def test_requests_carry_the_fetched_range_and_the_runs_latest_rule(session):
    acc, _loss, _told = states(session)
    acc.width = 500
    whole = acc.requests()
    assert all(r.x0 is None and r.width == 500 for r in whole)
    assert acc.on_visible_range((1000.0, 2000.0), 500)
    zoomed = acc.requests()
    assert all((r.x0, r.x1, r.width) == (0.0, 3000.0, 1500) for r in zoomed)
    assert not acc.on_visible_range((1200.0, 2200.0), 500)  # inside: nothing new to read
    session.set_latest(["adam-both-names"], True)
    assert {r.experiment: r.latest for r in acc.requests()} == {"adam-both-names": True, "baseline-sgd": False}


def test_notes_say_what_is_missing_and_what_to_do(session):
    st = ChartState(session, chart("alias:accuracy", "channel:val_loss"))
    notes = st.notes([], drawn=3, infinite=2, restarts=1, x_mode="step")
    assert "val_loss (channel) not in adam-both-names" in notes
    assert "2 ±inf values marked ▲▼" in notes and "↺ 1 restart (steps go back: resumed)" in notes
    session.select_experiments([])
    assert st.notes([], 0, 0, 0, "step") == ["select an experiment"]
    st.set_chart(chart(name="Empty"))
    assert st.notes([], 0, 0, 0, "step") == ["no series yet: Edit chart… to add channels or aliases"]


def test_a_closed_state_hears_nothing(session):
    acc, _loss, told = states(session)
    acc.close()
    session.select_experiments(["baseline-sgd"])
    assert told == ["loss"]
