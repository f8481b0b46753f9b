"""What a channel's x is (issue 23 item 9): the store keeps it per channel (schema 6), importers
say it (a table's step column, "step" of TensorBoard and MLflow, "epoch" of a Keras history), the
logging API says it when told, ``chartdesk copy`` keeps it, and a schema-5 store opens migrated
with nothing said for its channels. On SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from fixtures import writers as W
from sqlalchemy import create_engine, text

import chartdesk
from chartdesk.errors import InvalidInput
from chartdesk.importers import import_paths
from chartdesk.store.schema import SCHEMA_VERSION

pytestmark = pytest.mark.both_backends


def _x_names(store, project, experiment) -> dict[str, str | None]:
    return {c.name: c.x_name for c in store.channel_infos(project, experiment)}


def test_importers_say_what_x_is(tmp_path, store):
    (tmp_path / "keras.csv").write_text("epoch,loss,val_loss\n0,1.2,1.3\n1,0.8,0.9\n2,0.6,0.7\n3,0.5,0.6\n")
    (tmp_path / "wide.csv").write_text("global_step,loss\n100,1\n200,0.5\n")
    (tmp_path / "rows.csv").write_text("loss,acc\n1,0.1\n0.5,0.2\n")
    (tmp_path / "long.jsonl").write_text('{"iteration": 10, "loss": 1}\n{"iteration": 20, "loss": 0.5}\n')
    (tmp_path / "history.json").write_text('{"loss": [1.0, 0.5], "accuracy": [0.5, 0.7]}')
    W.tensorboard_run(tmp_path / "tb", steps=5)
    W.mlflow_file_run(tmp_path / "mlruns", "0", "abc123", "ml-run", steps=5)
    report = import_paths(store, [tmp_path], "p")
    assert report.exit_code == 0, report.refused
    assert _x_names(store, "p", "keras") == {"loss": "epoch", "val_loss": "epoch"}
    assert _x_names(store, "p", "wide") == {"loss": "global_step"}
    assert _x_names(store, "p", "rows") == {"loss": "row", "acc": "row"}  # no step column: x is the row's index
    assert _x_names(store, "p", "long") == {"loss": "iteration"}
    assert _x_names(store, "p", "history") == {"loss": "epoch", "accuracy": "epoch"}
    assert _x_names(store, "p", "tb") == {"acc": "step", "loss": "step"}
    assert set(_x_names(store, "p", "ml-run").values()) == {"step"}
    # the catalog (what windows read) says it too
    catalog = {e.name: {c.name: c.x_name for c in chans} for e, chans in store.catalog("p")}
    assert catalog["keras"] == {"loss": "epoch", "val_loss": "epoch"}


def test_the_logging_api_says_what_x_is_when_told(target):
    with chartdesk.init("p", "e", db=target) as run:
        run.log("loss", 1.0, step=0, x_name="epoch")
        run.log("loss", 0.5, step=1)  # said once is enough
        run.log_many("tokens_loss", [1e6, 2e6], [2.0, 1.5], x_name="tokens")
        run.log("acc", 0.5)
        with pytest.raises(InvalidInput, match=r"e/bad: x name 'a\\nb' must be one line") as err:
            run.log("bad", 1.0, x_name="a\nb")
        assert "\n" not in str(err.value)
    with chartdesk.open_store(target) as s:
        assert _x_names(s, "p", "e") == {"acc": None, "loss": "epoch", "tokens_loss": "tokens"}
        s.append_many("p", "e", {"acc": ([1], [0.6], None)}, x_names={"acc": "epoch"})
        assert _x_names(s, "p", "e")["acc"] == "epoch"
        s.append("p", "e", "acc", [2], [0.7])  # an append that says nothing unsays nothing
        assert _x_names(s, "p", "e")["acc"] == "epoch"
        with pytest.raises(InvalidInput, match="x_names names channel 'nope', which has no points in this batch"):
            s.append_many("p", "e", {"acc": ([3], [0.8], None)}, x_names={"nope": "epoch"})
        with pytest.raises(InvalidInput, match="channel 'acc': x name must be a non-empty string, not 5"):
            s.append_many("p", "e", {"acc": ([3], [0.8], None)}, x_names={"acc": 5})
        assert len(s.read("p", "e", "acc")) == 3  # the refused batches wrote nothing


def test_copy_keeps_what_x_is(targets, target):
    with chartdesk.open_store(target) as s:
        s.create_experiment("p", "e")
        s.append_many("p", "e", {"loss": ([0, 1], [1.0, 0.5], None)}, x_names={"loss": "epoch"})
        s.append("p", "e", "acc", [0], [0.1])
    dst = targets.new()
    from chartdesk.store.copy import copy

    with chartdesk.open_store(target) as src, chartdesk.open_store(dst) as d:
        copy(src, d)
        assert _x_names(d, "p", "e") == {"acc": None, "loss": "epoch"}


def _stamp_v5(target: str) -> None:
    """What a store written by the ChartDesk before x names looks like: schema 5, no channels.x_name."""
    url = target if "://" in target else f"sqlite:///{target}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE channels DROP COLUMN x_name"))
        conn.execute(text("UPDATE chartdesk_meta SET value = '5' WHERE key = 'schema_version'"))
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA user_version=5")
    engine.dispose()


def test_a_schema_5_store_opens_migrated_and_keeps_everything(target):
    with chartdesk.open_store(target) as s:
        s.create_experiment("p", "e", tags=["old"])
        s.append("p", "e", "loss", [0, 1], [2.0, 1.0])
        s.set_notes("p", "e", "kept")
    _stamp_v5(target)
    with chartdesk.open_store(target) as s:
        assert s.read("p", "e", "loss").y.tolist() == [2.0, 1.0] and s.experiment("p", "e").notes == "kept"
        assert _x_names(s, "p", "e") == {"loss": None}  # nothing in a schema-5 store says what x is
        s.append_many("p", "e", {"loss": ([2], [0.5], None)}, x_names={"loss": "epoch"})
        assert _x_names(s, "p", "e") == {"loss": "epoch"}
    url = target if "://" in target else f"sqlite:///{target}"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM chartdesk_meta WHERE key = 'schema_version'")).scalar() \
            == str(SCHEMA_VERSION) == "6"
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA user_version").scalar() == 6
    engine.dispose()
