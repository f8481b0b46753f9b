"""The session without Qt: its state, one event per meaning, the run filter as the one truth of
what is shown, edits as records, and following edits that other processes write to the store."""
from __future__ import annotations

import pytest

import chartdesk
from chartdesk import offload
from chartdesk.app.history import Edit, new_gesture
from chartdesk.app.session import WRITTEN_AT_ONCE, Session
from chartdesk.demo import seed
from chartdesk.errors import ChartDeskError


@pytest.fixture
def demo(tmp_path):
    path = tmp_path / "runs.db"
    with chartdesk.open_store(path) as s:
        seed(s)
    return path


@pytest.fixture
def session(demo):
    store = chartdesk.open_store(demo)
    s = Session(store)
    s.set_project("mnist")
    yield s
    store.close()


def written(session: Session, edit: Edit):
    """Make an edit and wait for its write: the edit as the store took it, or None when it was
    refused (the session said why on its error event)."""
    got: list = []
    made = session.edit(edit, got.append)
    if made is None or edit.kind in WRITTEN_AT_ONCE:
        return made
    assert session.flush(10)
    return got[0]


def replayed(session: Session, edit: Edit, value) -> bool:
    """Undo or redo, waited for: whether the store took it."""
    got: list = []
    if not session.replay(edit, value, got.append):
        return False
    assert session.flush(10)
    return not got or got[0] is not None


class Heard:
    """Every event the session emits, in order, with its arguments."""

    def __init__(self, session: Session) -> None:
        self.seen: list[tuple] = []
        for name in session.events.signals:
            getattr(session.events, name).connect(lambda *a, _n=name: self.seen.append((_n, *a)))

    def names(self) -> list[str]:
        return [e[0] for e in self.seen]

    def clear(self) -> None:
        self.seen.clear()


def test_the_application_layer_imports_no_qt():
    import subprocess
    import sys

    code = ("import sys, chartdesk.app.session, chartdesk.app.runfilter, chartdesk.app.history;"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph')];"
            "print(bad); sys.exit(bool(bad))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_an_alias_reorder_is_announced_once_per_meaning(session):
    heard = Heard(session)
    edit = session.alias_edit("accuracy", ["pred_acc", "acc", "accuracy"], "Reorder accuracy")
    assert written(session, edit)
    assert heard.seen == [("resolution", {"accuracy"}, None), ("aliases", {"accuracy"})]
    assert session.resolve("accuracy", "adam-both-names") == "pred_acc"
    assert session.store.alias("mnist", "accuracy") == ["pred_acc", "acc", "accuracy"]


def test_moving_entries_says_moving_then_moved_and_gives_its_undo_record(session):
    heard = Heard(session)
    edit = session.move_alias_entries("accuracy", 2, 1, 1, "Move pred_acc up")
    assert heard.names() == ["alias_moving", "resolution", "alias_moved", "aliases"]
    assert heard.seen[0] == ("alias_moving", "accuracy", 2, 1, 1)
    assert edit.before == ("accuracy", "acc", "pred_acc") and edit.after == ("accuracy", "pred_acc", "acc")
    assert session.flush(10)
    session.apply(edit, edit.before)  # undo
    assert session.alias("accuracy") == ("accuracy", "acc", "pred_acc")
    assert session.store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]


def test_a_move_whose_write_fails_is_shown_then_said_back(session, demo):
    heard = Heard(session)
    with chartdesk.open_store(demo) as other:  # another window deletes the project meanwhile
        other.delete_project("mnist")
    got = []
    session.move_alias_entries("accuracy", 2, 1, 1, "Move pred_acc up", done=got.append)
    assert heard.names() == ["alias_moving", "resolution", "alias_moved", "aliases"]  # shown at once
    assert session.flush(10) and got == [None]  # refused
    assert heard.names()[-1] == "error" and heard.seen[-1][1].startswith("Move pred_acc up: ")


def test_edits_of_one_gesture_merge_and_two_gestures_do_not():
    g = new_gesture()
    a = Edit("Move", ("alias", "p", "acc"), ("a", "b", "c"), ("b", "a", "c"), g)
    b = Edit("Move", ("alias", "p", "acc"), ("b", "a", "c"), ("b", "c", "a"), g)
    assert a.merge(b).before == ("a", "b", "c") and a.merge(b).after == ("b", "c", "a")
    assert a.merge(Edit("Move", ("alias", "p", "acc"), (), (), new_gesture())) is None
    assert a.merge(Edit("Move", ("alias", "p", "loss"), (), (), g)) is None
    with pytest.raises(ValueError):
        Edit("Bad", ("nothing",), None, None)


def test_a_write_that_fails_raises_and_a_replay_that_fails_says_why(session, demo):
    heard = Heard(session)
    edit = session.rename_experiment_edit("baseline-sgd", "adam-lr1e-3")  # that name is taken
    with pytest.raises(ChartDeskError):
        session.edit(edit)  # the panel that asked says so (a dialog): no event
    assert heard.seen == []
    undo = session.alias_edit("accuracy", ["acc"], "Set accuracy")
    written(session, undo)
    with chartdesk.open_store(demo) as other:  # another window deletes the alias meanwhile
        other.delete_alias("mnist", "accuracy")
        other.rename_project("mnist", "mnist-old")
    heard.clear()
    assert replayed(session, undo, undo.before) is False  # undo cannot write into a project that is gone
    assert heard.names()[-1] == "error" and heard.seen[-1][1].startswith("Set accuracy: ")


def test_the_filter_is_what_is_shown_plotted_and_grouped(session):
    from chartdesk.groups import GroupBy

    everyone = session.experiment_names()
    session.select_experiments(everyone)
    session.set_run_rows(offload.rows(session.store, "mnist", []))
    heard = Heard(session)
    session.set_filter("lr < 0.005")
    shown = ["adam-lr1e-3", "adam-both-names", "wide-net-stopped"]
    assert session.selection() == [n for n in everyone if n in shown]
    assert session.selected() == everyone  # the hidden runs stay chosen, for when the filter goes
    assert session.counts() == (3, 5)
    assert ("selection", session.selection()) in heard.seen
    session.set_group_by(GroupBy.parse("optimizer"))
    grouped = {n for g in session.groups() for n in g.runs}
    assert grouped == set(shown)  # a filtered-out run is in no group
    assert "lr=0.1" not in " ".join(session.run_label(n) for n in session.selection())
    session.set_filter("")
    assert session.selection() == everyone and session.counts() == (5, 5)


def test_a_bad_filter_filters_nothing_and_says_why(session):
    session.select_experiments(session.experiment_names())
    session.set_run_rows(offload.rows(session.store, "mnist", []))
    heard = Heard(session)
    session.set_filter("lr <")
    assert session.run_filter().error and session.run_filter().shown is None
    assert heard.seen[0][0] == "filter" and heard.seen[0][2] == session.run_filter().error
    assert len(session.selection()) == 5


def test_each_project_has_its_own_filter(session):
    session.set_run_rows(offload.rows(session.store, "mnist", []))
    session.set_filter("lr < 0.005")
    session.set_project("cifar10")
    assert session.run_filter().text == ""
    session.select_experiments(session.experiment_names())
    assert len(session.selection()) == 3  # mnist's filter does not hide cifar10's runs
    session.set_project("mnist")
    assert session.run_filter().text == "lr < 0.005"


def test_a_project_comes_back_with_its_selection(session):
    session.select_experiments(["adam-lr1e-3", "wide-net-stopped"])
    session.set_project("cifar10")
    assert session.selection() == ["resnet18"]  # the first run, the first time
    session.set_project("mnist")
    assert session.selection() == ["adam-lr1e-3", "wide-net-stopped"]
    assert session.selections() == {"mnist": ["adam-lr1e-3", "wide-net-stopped"], "cifar10": ["resnet18"]}


def test_another_process_edit_is_reread_and_announced_by_what_moved(session, demo):
    heard = Heard(session)
    assert session.poll() is False  # nothing moved
    with chartdesk.open_store(demo) as other:  # another window, the CLI, a teammate
        other.set_alias("mnist", "accuracy", ["pred_acc", "accuracy"])
    assert session.poll() is True
    assert heard.names() == ["resolution", "aliases"]  # no catalog, no chart sets
    assert session.alias("accuracy") == ("pred_acc", "accuracy")
    heard.clear()
    with chartdesk.open_store(demo) as other:
        other.set_pin("mnist", "adam-both-names", "accuracy", "accuracy")
        other.set_chart_set("mnist", "Training", [{"name": "Loss", "series": ["alias:loss"]}])
    session.poll()
    assert sorted(heard.names()) == ["chart_sets", "pins", "resolution"]
    assert ("pins", {("adam-both-names", "accuracy")}) in heard.seen
    assert [c.name for c in session.chart_sets()[0].charts] == ["Loss"]
    heard.clear()
    with chartdesk.open_store(demo) as other:
        other.delete_alias("mnist", "loss")
    session.poll()
    assert "loss" not in session.aliases() and ("aliases", {"loss"}) in heard.seen


@pytest.mark.parametrize("new", ["wide-net-stopped-2", "wide-net-stoppe2"])  # a longer name, and one as long
def test_a_run_renamed_by_another_process_is_renamed_in_the_session(session, demo, new):
    """`chartdesk mv` while a window was open: the tree, legends and charts kept the old name,
    and choosing it raised NotFound (a rename moved only the store's catalog part of the token)."""
    session.select_experiments(["wide-net-stopped", "baseline-sgd"])
    heard = Heard(session)
    with chartdesk.open_store(demo) as other:
        other.rename_experiment("mnist", "wide-net-stopped", new)
    assert session.poll() is True
    names = [e.name for e in session.experiments()]
    assert new in names and "wide-net-stopped" not in names
    assert "catalog" in heard.names() and session.selection() == ["baseline-sgd"]


def test_a_run_in_a_project_not_shown_is_announced(session, demo):
    heard = Heard(session)
    with chartdesk.open_store(demo) as other:
        other.create_experiment("cifar10", "new-run")
    assert session.poll()
    assert heard.names() == ["projects"]  # the tree's list; the shown project did not change


def test_points_of_a_live_run_are_one_event_with_every_grown_channel(session, demo):
    import numpy as np

    heard = Heard(session)
    with chartdesk.open_store(demo) as other:
        other.append_many("mnist", "baseline-sgd", {"loss": (np.arange(3.0) + 1e6, np.ones(3), None),
                                                    "acc": (np.arange(3.0) + 1e6, np.ones(3), None)})
    session.poll()
    grown = {("mnist", "baseline-sgd", "loss"), ("mnist", "baseline-sgd", "acc")}
    assert heard.seen == [("grown", grown), ("points", grown)]


def test_a_burst_of_resolution_events_arrives_once_merged(session):
    heard = Heard(session)
    with session.batch():
        session.write_alias("accuracy", ["acc"])
        session.write_alias("loss", ["train_loss", "loss"])
    resolution = [e for e in heard.seen if e[0] == "resolution"]
    assert resolution == [("resolution", {"accuracy", "loss"}, None)]


def test_a_rename_reaches_the_selection_and_undo_brings_it_back(session):
    session.select_experiments(["baseline-sgd", "adam-lr1e-3"])
    edit = session.rename_experiment_edit("baseline-sgd", "sgd")
    session.edit(edit)
    assert session.selection() == ["sgd", "adam-lr1e-3"] and "sgd" in session.experiment_names()
    session.apply(edit, edit.before)
    assert session.selection() == ["baseline-sgd", "adam-lr1e-3"]


# ---- two windows on one store: edits compare with what the store holds now (issue 24 item 2) ----
@pytest.fixture
def two(demo):
    """Two windows' sessions on one store; neither polls unless a test says so."""
    stores = [chartdesk.open_store(demo) for _ in range(2)]
    sessions = [Session(s) for s in stores]
    for s in sessions:
        s.set_project("mnist")
    yield sessions
    for s in stores:
        s.close()


def _add_set(session, name):
    from chartdesk import edits

    return written(session, session.chart_sets_edit(edits.add_set(session.chart_sets(), name), f"New chart set {name}"))


def _charts_edit(session, set_name, change, text="Edit charts"):
    from chartdesk import edits

    charts = next(s.charts for s in session.chart_sets() if s.name == set_name)
    return session.chart_sets_edit(edits.set_charts(session.chart_sets(), set_name, change(charts)), text)


def test_a_chart_set_save_touches_only_the_set_that_was_edited(two):
    from chartdesk import edits
    from chartdesk.model import Chart

    a, b = two
    assert _add_set(a, "From A")
    assert _add_set(b, "From B")  # b's copy has never heard of "From A": it is kept all the same
    assert list(a.store.chart_sets("mnist")) == ["Training", "From A", "From B"]
    b.poll()  # written as made: b hears of "From A" as of any edit made elsewhere
    assert [s.name for s in b.chart_sets()] == ["Training", "From A", "From B"]
    # both add a chart to Training, each from its own copy: both charts stay
    written(a, _charts_edit(a, "Training", lambda c: edits.add_chart(c, Chart("From A"))))
    written(b, _charts_edit(b, "Training", lambda c: edits.add_chart(c, Chart("From B"))))
    assert [c["name"] for c in a.store.chart_sets("mnist")["Training"]] == ["Accuracy", "Loss", "From A", "From B"]
    # b renames a set and moves it up; a's copy knows neither: a's chart goes in, b's name and order stay
    a.poll()
    written(a, _charts_edit(a, "From B", lambda c: edits.add_chart(c, Chart("late"))))
    stale = _charts_edit(a, "From A", lambda c: edits.add_chart(c, Chart("lost?")))  # made, not yet written
    written(b, b.chart_sets_edit(edits.rename_set(b.chart_sets(), "From A", "Renamed"), "Rename From A"))
    written(b, b.chart_sets_edit(edits.move_set(b.chart_sets(), "From B", -1), "Move From B"))
    written(a, _charts_edit(a, "Training", lambda c: edits.delete_chart(c, "From B")))
    stored = a.store.chart_sets("mnist")
    assert list(stored) == ["Training", "From B", "Renamed"]
    assert [c["name"] for c in stored["Training"]] == ["Accuracy", "Loss", "From A"]
    assert [c["name"] for c in stored["From B"]] == ["late"]
    # a's edit of "From A", made before the rename: that set is gone by this name, so a is told in one line
    heard = Heard(a)
    assert written(a, stale) is None
    assert heard.names()[-1] == "error" and "From A" in heard.seen[-1][1]
    assert [s.name for s in a.chart_sets()] == ["Training", "From B", "Renamed"]  # a shows the store now


def test_alias_edits_from_a_stale_copy_are_carried_over_to_what_the_store_holds(two):
    a, b = two
    assert a.alias("accuracy") == ("accuracy", "acc", "pred_acc")
    assert written(a, a.alias_edit("accuracy", (*a.alias("accuracy"), "top1"), "Add top1"))
    edit = written(b, b.alias_edit("accuracy", (*b.alias("accuracy"), "acc1"), "Add acc1"))  # b never saw top1
    assert b.store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "top1", "acc1"]
    assert b.alias("accuracy") == ("accuracy", "acc", "pred_acc", "top1", "acc1")
    assert edit.before == ("accuracy", "acc", "pred_acc", "top1")  # its undo step is what it wrote over
    # a (stale again) moves pred_acc to the top; b's acc1 stays where it is
    a.move_alias_entries("accuracy", 2, 1, 0, "Move pred_acc up")
    assert a.flush(10)
    assert a.store.alias("mnist", "accuracy") == ["pred_acc", "accuracy", "acc", "top1", "acc1"]
    # b (stale) removes acc: a's move stays
    written(b, b.alias_edit("accuracy", tuple(n for n in b.alias("accuracy") if n != "acc"), "Remove acc"))
    assert a.store.alias("mnist", "accuracy") == ["pred_acc", "accuracy", "top1", "acc1"]


def test_undo_removes_its_own_change_and_keeps_a_newer_edit_made_elsewhere(two):
    a, b = two
    heard = Heard(a)
    mine = written(a, a.alias_edit("accuracy", (*a.alias("accuracy"), "top1"), "Add top1"))
    b.poll()
    written(b, b.alias_edit("accuracy", (*b.alias("accuracy"), "acc1"), "Add acc1"))
    assert replayed(a, mine, mine.before)  # undo: top1 goes, acc1 (b's, newer) stays
    assert a.store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "acc1"]
    assert a.alias("accuracy") == ("accuracy", "acc", "pred_acc", "acc1")
    assert replayed(a, mine, mine.after)  # redo
    assert a.store.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc", "acc1", "top1"]
    assert "error" not in heard.names()
    # a chart set a created and b filled since: undoing its creation would delete b's chart: refused
    from chartdesk import edits
    from chartdesk.model import Chart

    created = _add_set(a, "Scratch")
    b.poll()
    written(b, _charts_edit(b, "Scratch", lambda c: edits.add_chart(c, Chart("b's chart"))))
    heard.clear()
    assert replayed(a, created, created.before) is False
    assert heard.names()[-1] == "error" and "\n" not in heard.seen[-1][1]
    assert "changed" in heard.seen[-1][1] and heard.seen[-1][1].startswith("New chart set Scratch: ")
    assert a.store.chart_sets("mnist")["Scratch"] == [{"name": "b's chart", "series": []}]
    assert [c.name for c in next(s for s in a.chart_sets() if s.name == "Scratch").charts] == ["b's chart"]


def test_an_edit_that_cannot_be_carried_over_is_refused_in_one_line_and_the_session_shows_the_store(two):
    from chartdesk import edits
    from chartdesk.model import Chart

    a, b = two
    written(a, _charts_edit(a, "Training", lambda c: edits.delete_chart(c, "Loss")))
    heard = Heard(b)
    # b's copy still has Loss; its edit of Loss has nothing to edit
    assert written(b, _charts_edit(b, "Training", lambda c: edits.replace_chart(c, "Loss", Chart("Loss", log_y=True)))) \
        is None
    said = heard.seen[-1]
    assert said[0] == "error" and "Loss" in said[1] and "\n" not in said[1]
    assert [c["name"] for c in b.store.chart_sets("mnist")["Training"]] == ["Accuracy"]
    assert [c.name for c in b.chart_sets()[0].charts] == ["Accuracy"]  # b shows what the store holds now
    assert "chart_sets" in heard.names()
    # a pin changed elsewhere is not overwritten by an undo of an older pin
    pin = written(a, a.pin_edit("adam-both-names", "accuracy", "pred_acc"))
    assert written(b, b.pin_edit("adam-both-names", "accuracy", "acc")) is None  # b did not know of a's pin
    assert "pin" in heard.seen[-1][1]  # it is not overwritten
    assert b.pin("adam-both-names", "accuracy") == "pred_acc"  # and b shows it now
    written(b, b.pin_edit("adam-both-names", "accuracy", "acc"))
    assert replayed(a, pin, pin.before) is False
    assert a.store.pins("mnist")["adam-both-names"]["accuracy"] == "acc"


def test_an_expression_over_a_pinned_alias_is_pinned_too(session, demo):
    """The Accuracy legend said 'accuracy → acc (pinned)' and the derived one '1 - accuracy → 1 - acc'
    without it (a hands-on walk): the pin decides the expression's operand just the same."""
    from chartdesk.model import SeriesRef

    with chartdesk.open_store(demo) as other:
        other.set_pin("mnist", "adam-both-names", "accuracy", "pred_acc")  # acc by the alias' order
    session.poll()
    expr = SeriesRef("expr", "1 - accuracy")
    assert session.pinned(SeriesRef("alias", "accuracy"), "adam-both-names")
    assert session.pinned(expr, "adam-both-names")
    assert not session.pinned(expr, "baseline-sgd")  # no pin there
    assert not session.pinned(SeriesRef("expr", "1 - channel:acc"), "adam-both-names")  # no alias in it


# ---- edits are shown at once and written in order off the caller's thread (issue 18) --------------
def test_an_edit_is_shown_at_once_and_written_once_another_writer_lets_go(session, demo):
    from write_lock import held

    heard = Heard(session)
    new = ("pred_acc", "acc", "accuracy")
    with held(demo) as lock:  # another process holds the write lock
        got = []
        assert session.edit(session.alias_edit("accuracy", new, "Reorder accuracy"), got.append)
        # returned while the lock is still held: shown, announced, not written yet
        assert not lock.released.is_set()
        assert session.alias("accuracy") == new and session.resolve("accuracy", "adam-both-names") == "pred_acc"
        assert heard.seen == [("resolution", {"accuracy"}, None), ("aliases", {"accuracy"})]
        assert session.writing and not session.flush(0.3) and got == []
        with chartdesk.open_store(demo) as other:
            assert other.alias("mnist", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert session.flush(30) and not session.writing
    assert got[0].before == ("accuracy", "acc", "pred_acc") and got[0].after == new  # written as made
    assert session.store.alias("mnist", "accuracy") == list(new)
    assert "error" not in heard.names() and session.alias("accuracy") == new


def test_edits_undos_and_redos_are_written_in_the_order_they_were_made(session, demo):
    from write_lock import held

    orders = [("acc", "accuracy", "pred_acc"), ("pred_acc", "acc", "accuracy"), ("accuracy", "pred_acc", "acc")]
    with held(demo):
        edits = []
        for order in orders:
            edits.append(session.edit(session.alias_edit("accuracy", order, "Reorder")))
        assert session.replay(edits[-1], edits[-1].before)  # undo the last: the second order again
        assert session.alias("accuracy") == orders[1]
    assert session.flush(30)
    assert session.store.alias("mnist", "accuracy") == list(orders[1])


def test_a_refused_write_says_why_and_the_session_shows_what_the_store_holds(session, demo):
    from write_lock import held

    heard = Heard(session)
    got = []
    with held(demo) as lock:
        session.move_alias_entries("accuracy", 2, 1, 0, "Move pred_acc up", done=got.append)
        assert session.alias("accuracy") == ("pred_acc", "accuracy", "acc")  # shown at once
        lock.delete_alias("mnist", "accuracy")  # meanwhile another process deletes the alias
    assert session.flush(30)
    assert got == [None]  # refused: nothing written
    errors = [e[1] for e in heard.seen if e[0] == "error"]
    assert len(errors) == 1 and errors[0].startswith("Move pred_acc up: ") and "\n" not in errors[0]
    assert "accuracy" in errors[0]
    assert session.alias("accuracy") is None and "accuracy" not in session.aliases()  # the store's truth
    assert heard.seen[-2:] == [("aliases", {"accuracy"}), ("error", errors[0])]
    assert session.store.aliases("mnist").get("accuracy") is None


def test_what_the_store_would_refuse_as_bad_input_is_said_at_once(session):
    from chartdesk.errors import InvalidInput

    heard = Heard(session)
    with pytest.raises(InvalidInput, match="more than once"):
        session.edit(session.alias_edit("accuracy", ["acc", "acc"], "Bad"))
    with pytest.raises(InvalidInput):
        session.edit(session.alias_edit("", ["acc"], "No name"))
    from chartdesk import edits

    with pytest.raises(InvalidInput, match="already"):
        session.edit(session.chart_sets_edit(edits.add_set(session.chart_sets(), "Other"), "New"))
        session.flush(10)
        session.edit(session.chart_sets_edit(edits.rename_set(session.chart_sets(), "Other", "Training"), "Rename"))
    assert not session.writing and "error" not in heard.names()
