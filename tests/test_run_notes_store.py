"""A run's tags and notes, and an alias's new name, in the store (issue 23 items 28 and 20): the
API, its one-line errors, compare-and-set, the schema-5 migration of older stores, the counter
that makes other windows notice, and the charts and pins that follow a renamed alias. On SQLite
and PostgreSQL."""
from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

import chartdesk
from chartdesk.app.session import Session
from chartdesk.errors import Conflict, InvalidInput, NotFound
from chartdesk.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.both_backends


def test_tags_and_notes_are_written_read_back_and_checked(store):
    store.create_experiment("p", "e", tags=["a"], params={"lr": 0.1})
    assert store.experiment("p", "e").notes == "" and store.experiment("p", "e").source is None
    store.set_notes("p", "e", "diverged after step 400\nrestart with lr/2 ✓")
    store.set_tags("p", "e", ["baseline", "x y", "baseline"])
    e = store.experiment("p", "e")
    assert e.notes == "diverged after step 400\nrestart with lr/2 ✓" and e.tags == ("baseline", "x y")
    assert [x.notes for x, _ in store.catalog("p")] == [e.notes]
    with pytest.raises(Conflict, match="the notes field of run .e. was changed elsewhere"):
        store.set_notes("p", "e", "mine", expect="what I read")
    store.set_notes("p", "e", "", expect=e.notes)
    assert store.experiment("p", "e").notes == ""
    with pytest.raises(Conflict, match="the tag list of run .e. was changed elsewhere"):
        store.set_tags("p", "e", ["c"], expect=["a"])
    for bad, match in ((5, "notes must be text, not int 5"), ("a\x00b", "NUL character"),
                       ("x" * 100_001, "at most 100,000")):
        with pytest.raises(InvalidInput, match=match) as err:
            store.set_notes("p", "e", bad)
        assert "\n" not in str(err.value)
    with pytest.raises(InvalidInput, match="tag name 'a\\\\nb' must be one line"):
        store.set_tags("p", "e", ["a\nb"])
    with pytest.raises(NotFound, match="unknown experiment 'nope'"):
        store.set_notes("p", "nope", "x")
    assert store.experiment("p", "e").tags == ("baseline", "x y")  # nothing was written by the refusals


def test_an_edit_of_tags_or_notes_moves_the_token_windows_poll(store):
    store.create_experiment("p", "e")
    before = store.change_token("p")
    store.set_notes("p", "e", "n")
    after_notes = store.change_token("p")
    assert after_notes[1] != before[1] and after_notes[2] == before[2]  # the runs part, not the edit counters
    store.set_tags("p", "e", ["t"])
    assert store.change_token("p")[1] != after_notes[1]


def test_a_note_written_by_another_process_reaches_a_session_at_its_next_poll(store, target):
    store.create_experiment("p", "e")
    session = Session(store)
    session.set_project("p")
    seen = []
    session.events.experiments.connect(lambda: seen.append([x.notes for x in session.experiments()]))
    r = subprocess.run([sys.executable, "-c", "import chartdesk, sys\n"
                        "with chartdesk.open_store(sys.argv[1]) as s:\n"
                        "    s.set_notes('p', 'e', 'from a terminal')\n"
                        "    s.set_tags('p', 'e', ['checked'])\n", target], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert session.poll()
    assert seen == [["from a terminal"]] and session.experiments()[0].tags == ("checked",)


def _stamp_v4(target: str) -> None:
    """What a store written by the ChartDesk before notes looks like: schema 4, no notes, no runs counter."""
    url = target if "://" in target else f"sqlite:///{target}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE experiments DROP COLUMN notes"))
        conn.execute(text("ALTER TABLE projects DROP COLUMN runs_v"))
        conn.execute(text("UPDATE chartdesk_meta SET value = '4' WHERE key = 'schema_version'"))
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA user_version=4")
    engine.dispose()


def test_a_schema_4_store_opens_migrated_and_keeps_everything(targets, target):
    with chartdesk.open_store(target) as s:
        s.create_experiment("p", "e", tags=["old"], params={"lr": 0.1})
        s.append("p", "e", "loss", [0, 1], [2.0, 1.0])
        s.set_alias("p", "acc", ["acc", "val_acc"])
    _stamp_v4(target)
    with chartdesk.open_store(target) as s:
        e = s.experiment("p", "e")
        assert (e.notes, e.tags, dict(e.params)) == ("", ("old",), {"lr": 0.1})
        assert s.read("p", "e", "loss").y.tolist() == [2.0, 1.0] and s.alias("p", "acc") == ["acc", "val_acc"]
        s.set_notes("p", "e", "written after the upgrade")
        assert s.experiment("p", "e").notes == "written after the upgrade"
    url = target if "://" in target else f"sqlite:///{target}"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM chartdesk_meta WHERE key = 'schema_version'")).scalar() \
            == str(SCHEMA_VERSION)
    engine.dispose()


def test_rename_alias_takes_its_pins_and_the_charts_that_plot_it(store):
    store.create_experiment("p", "e")
    store.append("p", "e", "acc", [0, 1], [0.5, 0.6])
    store.append("p", "e", "val_acc", [0, 1], [0.4, 0.5])
    store.set_alias("p", "accuracy", ["acc", "val_acc"])
    store.set_alias("p", "loss", ["loss"])
    store.set_pin("p", "e", "accuracy", "val_acc")
    store.set_chart_set("p", "Training", [
        {"name": "Acc", "series": ["alias:accuracy", "channel:accuracy", "expr:1 - accuracy"]},
        {"name": "By acc", "series": ["alias:loss"], "x_axis": "alias:accuracy"}])
    store.set_experiment_charts("p", "e", [{"name": "Mine", "series": ["expr:max(alias:accuracy, loss)"]}])
    assert store.rename_alias("p", "accuracy", "val accuracy") == 4
    assert store.aliases("p") == {"loss": ["loss"], "val accuracy": ["acc", "val_acc"]}
    assert store.pins("p") == {"e": {"val accuracy": "val_acc"}}
    assert store.resolve("p", "e", "val accuracy") == "val_acc"
    assert store.chart_sets("p")["Training"] == [
        {"name": "Acc", "series": ["alias:val accuracy", "channel:accuracy", 'expr:1 - "val accuracy"']},
        {"name": "By acc", "series": ["alias:loss"], "x_axis": "alias:val accuracy"}]
    assert [c.to_dict() for c in store.experiment_charts("p", "e")] == [
        {"name": "Mine", "series": ['expr:max(alias:"val accuracy", loss)']}]
    token = store.change_token("p")
    with pytest.raises(InvalidInput, match="project 'p' has an alias named 'loss' already") as err:
        store.rename_alias("p", "val accuracy", "loss")
    assert "\n" not in str(err.value)
    with pytest.raises(NotFound, match="unknown alias 'accuracy'"):
        store.rename_alias("p", "accuracy", "x")
    assert store.change_token("p") == token  # a refused rename wrote nothing
    assert store.aliases("p")["val accuracy"] == ["acc", "val_acc"]
    store.rename_alias("p", "val accuracy", "accuracy")  # and back: every ref as it was
    assert store.chart_sets("p")["Training"][0]["series"] == ["alias:accuracy", "channel:accuracy",
                                                              "expr:1 - accuracy"]


def test_channel_ends_come_from_the_summaries(store):
    store.create_experiment("p", "e")
    store.append("p", "e", "loss", [5, 6, 9], [3.0, 2.0, 1.0], [100.0, 101.0, 105.0])
    store.append("p", "e", "loss", [10], [0.5], [106.0])
    store.create_experiment("p", "empty")
    assert store.channel_ends("p", "e") == {"loss": (4, 5.0, 10.0, 100.0, 106.0)}
    assert store.channel_ends("p", "empty") == {}


def test_a_name_with_blanks_is_filtered_quoted_as_expressions_quote_it(store):
    for exp, top in (("a", 0.3), ("b", 0.9)):
        store.create_experiment("p", exp)
        store.append("p", exp, "val acc", [0, 1], [0.1, top])
    store.set_alias("p", "val accuracy", ["val acc"])
    assert [r["experiment"] for r in store.runs("p", where='alias:"val accuracy":max > 0.5')] == ["b"]
    assert [r["experiment"] for r in store.runs("p", where="channel:'val acc':last < 0.5")] == ["a"]
    assert [r["experiment"] for r in store.runs("p", where='expr:"1 - \\"val accuracy\\"":min < 0.5')] == ["b"]


def test_a_tags_edit_is_carried_over_to_tags_another_window_changed(store):
    from chartdesk.app.run_meta import MetaEdits

    store.create_experiment("p", "e", tags=["a"])
    session = Session(store)
    session.set_project("p")
    edits = MetaEdits(session)
    edit = edits.add_tags_edit("e", ["mine"])
    store.set_tags("p", "e", ["a", "theirs"])  # another window, before this edit is written
    written = edits.edit(edit)
    assert store.experiment("p", "e").tags == ("a", "theirs", "mine")
    assert written.before == ("a", "theirs") and session.experiments()[0].tags == ("a", "theirs", "mine")
    assert edits.replay(written, written.before)  # undo takes back only this edit's tag
    assert store.experiment("p", "e").tags == ("a", "theirs")
    notes = edits.notes_edit("e", "x")
    store.set_notes("p", "e", "elsewhere")
    with pytest.raises(Conflict, match="changed elsewhere meanwhile"):
        edits.edit(notes)
    assert session.experiments()[0].notes == "elsewhere"  # the session shows what the store holds
