"""Layout files (issue 22): chart sets and aliases as YAML, applied to another project in one
transaction with conflicts reported, and the health check of how a layout fits the runs.
Through the API and the command line (a subprocess, as a user runs it)."""
from __future__ import annotations

import difflib
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chartdesk import health, layout
from chartdesk.app.history import Edit
from chartdesk.app.session import Session
from chartdesk.errors import Conflict, InvalidInput
from chartdesk.model import Chart, ChartSet, SeriesRef
from chartdesk.store.store import UNCHECKED

pytestmark = pytest.mark.both_backends

SWEEP_RENAMED = [f"lr{lr:g}-seed{s}" for lr in (0.3, 0.1, 0.03, 0.01) for s in (3, 4)]  # logged eval/accuracy


def cd(*args, db=None, check=True):
    argv = [sys.executable, "-m", "chartdesk", *map(str, args)]
    if db is not None:
        argv += ["--db", str(db)]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def state(store, project):
    """Everything a layout can change, as the store holds it."""
    return store.aliases(project), store.chart_sets(project), store.pins(project)


# ---- the round trip ---------------------------------------------------------------------------
def test_round_trip_mnist_to_cifar10_and_to_an_empty_project(demo_store, tmp_path):
    s = demo_store
    path = tmp_path / "mnist.yaml"
    layout.write(layout.export(s, "mnist"), path)
    text = path.read_text()
    assert text.startswith("# ChartDesk layout") and "\nversion: 1\n" in text
    lay = layout.read(path)
    assert lay.alias_map == {"accuracy": ("accuracy", "acc", "pred_acc"), "loss": ("loss", "train_loss")}
    assert [cs.name for cs in lay.chart_sets] == ["Training"] and lay.pins is None

    # cifar10 has aliases of the same names with other entries: conflicts, nothing written
    before = state(s, "cifar10")
    with pytest.raises(layout.LayoutConflicts) as exc:
        layout.apply(s, "cifar10", lay, source="mnist.yaml")
    assert [i.key for i in exc.value.plan.conflicts] == ["accuracy", "loss"]
    assert "nothing was changed: 2 conflicts with project 'cifar10'" in str(exc.value)
    assert state(s, "cifar10") == before
    # --replace takes the file's; the set is added after cifar10's own
    p = layout.apply(s, "cifar10", lay, replace=True)
    assert p.summary() == "1 added, 2 replaced"
    assert list(s.chart_sets("cifar10")) == ["Overview", "Training"]
    assert s.alias("cifar10", "accuracy") == ["accuracy", "acc", "pred_acc"]
    assert layout.dump(layout.export(s, "cifar10", ["Training"])) == text  # no spurious change

    # a project that does not exist yet is made
    assert layout.apply(s, "fresh", lay).create
    assert layout.dump(layout.export(s, "fresh")) == text
    # applying again changes nothing and writes nothing
    token = s.change_token("fresh")
    again = layout.apply(s, "fresh", lay)
    assert again.summary() == "3 unchanged" and not again.after
    assert s.change_token("fresh") == token


def test_every_chart_option_and_the_order_of_sets_and_charts_survive(store, tmp_path):
    store.create_experiment("p", "r")
    store.append("p", "r", "epoch", [0, 1], [0, 1])
    every = Chart("All options", (SeriesRef("alias", "acc"), SeriesRef("channel", "val/acc")), x_axis="channel:epoch",
                  log_y=True, smoothing=0.25, log_x=True, band="minmax", legend="side")
    store.set_alias("p", "acc", ["acc", "top1"])
    store.set_chart_set("p", "Z first", [every, Chart("b"), Chart("a", x_axis="wall")])
    store.set_chart_set("p", "A second", [Chart("only", (SeriesRef("channel", "loss"),), band="sem",
                                                x_axis="relative", legend="off")])
    text = layout.dump(layout.export(store, "p"))
    for key in ("x_axis: channel:epoch", "log_y: true", "log_x: true", "smoothing: 0.25", "band: minmax",
                "legend: side", "band: sem", "legend: 'off'", "x_axis: relative", "x_axis: wall"):
        assert key in text
    assert text.index("Z first") < text.index("A second") and text.index("- name: b") < text.index("- name: a")
    assert layout.loads(text.replace("legend: 'off'", "legend: off")) == layout.loads(text)  # off is text, as in YAML 1.2
    layout.apply(store, "q", layout.loads(text))
    assert store.chart_set_list("q") == store.chart_set_list("p")
    assert layout.dump(layout.export(store, "q")) == text


def test_a_change_is_a_small_diff(demo_store):
    before = layout.dump(layout.export(demo_store, "mnist")).splitlines()
    demo_store.update_chart_set("mnist", "Training", lambda cs: cs + [{"name": "LR", "series": ["channel:lr"]}])
    after = layout.dump(layout.export(demo_store, "mnist")).splitlines()
    changed = [d for d in difflib.unified_diff(before, after, lineterm="", n=0) if d[:1] in "+-"
               and not d.startswith(("+++", "---"))]
    assert changed == ["+      - name: LR", "+        series:", "+          - channel:lr"]


NAMES = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).map(str.strip).filter(
    lambda t: t and len(t) <= 12)
TRICKY = st.sampled_from(["yes", "no", "on", "off", "true", "null", "~", "1e3", "0x10", "12", "-", "- a", "a: b",
                          "#c", "'q'", '"d"', "[x]", "{y}", "*a", "&b", "!t", "%p", "@x", "a #b", "é/ü", "a\u00a0b"])


@given(names=st.lists(st.one_of(NAMES, TRICKY), min_size=2, max_size=6, unique=True))
def test_any_names_read_back_as_they_were_written(names):
    """Names YAML would take for booleans, numbers, comments or its own syntax are quoted."""
    charts = (Chart(names[0], tuple(SeriesRef("channel", n) for n in names) + (SeriesRef("alias", names[1]),)),)
    lay = layout.Layout(((names[1], tuple(names)),), (ChartSet(names[-1], charts),), ((names[0], names[1], names[-1]),))
    text = layout.dump(lay)
    assert layout.loads(text) == lay
    assert layout.dump(layout.loads(text)) == text


# ---- bad files: one line naming the file, the line and the key; nothing written ---------------
BAD = [
    ("version: 1\nalias:\n  a: [x]\n", 2, "alias: unknown key (a layout has version, aliases, chart_sets, pins)"),
    ("aliases: {}\n", 1, "version: missing"),
    ("version: 2\n", 1, "version: 2 is newer than this ChartDesk reads"),
    ("version: '1'\n", 1, "version: expected a whole number"),
    ("version: 1\naliases:\n  a: x\n", 3, "aliases.a: expected a list"),
    ("version: 1\naliases:\n  a:\n    - x\n    - 3\n", 5, "aliases.a[1]: expected channel (text; quote it), not a number"),
    ("version: 1\naliases:\n  a: [x, x]\n", 3, "aliases.a[1]: 'x' is listed twice"),
    ("version: 1\naliases:\n  a: [x]\n  a: [y]\n", 4, "aliases.a: this key is given twice"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        series:\n          - alias:a\n"
     "          - chanel:x\n", 8,
     "chart_sets[0].charts[0].series[1]: series ref kind must be 'channel' or 'alias' (or 'expr' for an expression)"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        series: [loss]\n", 6,
     "chart_sets[0].charts[0].series[0]: series ref 'loss' must be alias:NAME or channel:NAME (or expr:EXPRESSION)"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        log_y: yes\n", 6,
     "chart_sets[0].charts[0].log_y: log_y must be true or false, not 'yes'"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        log_x: 1\n", 6,
     "chart_sets[0].charts[0].log_x: log_x must be true or false, not 1"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        smoothing: 1.5\n", 6,
     "chart_sets[0].charts[0].smoothing: smoothing must be a number in [0, 1)"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        band: wide\n", 6,
     "chart_sets[0].charts[0].band: band must be one of std, sem, minmax"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        x_axis: epoch\n", 6,
     "chart_sets[0].charts[0].x_axis: x_axis must be one of step, wall, relative or a series ref"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        colour: red\n", 6,
     "chart_sets[0].charts[0].colour: unknown key (a chart has name, series, x_axis, log_y, smoothing, log_x, "
     "band, legend, smoothing_kind, symlog_y, linthresh_y, symlog_x, linthresh_x, right_axis, "
     "legend_order, legend_crosshair)"),
    ("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n      - name: C\n", 6,
     "chart_sets[0].charts[1].name: chart set 'S' has a chart named 'C' already"),
    ("version: 1\nchart_sets:\n  - name: S\n  - name: S\n", 4, "chart_sets[1].name: a chart set named 'S' comes earlier"),
    ("version: 1\nchart_sets:\n  - charts: []\n", 3, "chart_sets[0].name: missing"),
    ("version: 1\nchart_sets:\n  - &s\n    name: S\n  - *s\n", 3, "chart_sets[1]: YAML aliases (*name) are not used"),
    ("version: 1\npins:\n  run:\n    acc: x\n", 4, "pins.run.acc: 'acc' is not one of the file's aliases"),
    ("version: 1\n  oops: [\n", 2, "not YAML:"),
    ("", 1, "the file is empty"),
    ("- version: 1\n", 1, "expected a mapping"),
]


@pytest.mark.parametrize("text, line, why", BAD)
def test_a_bad_file_is_one_line_naming_file_line_and_key(tmp_path, text, line, why):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(layout.LayoutError) as exc:
        layout.read(path)
    message = str(exc.value)
    assert message.startswith(f"{path}:{line}: ") and why in message, message
    assert "\n" not in message


def test_a_file_that_is_not_text_or_too_large(tmp_path, monkeypatch):
    path = tmp_path / "l.yaml"
    path.write_bytes(b"version: 1\naliases:\n  a: [\xff]\n")
    with pytest.raises(layout.LayoutError, match=r"l.yaml:3: not UTF-8 text"):
        layout.read(path)
    monkeypatch.setattr(layout, "MAX_BYTES", 10)
    with pytest.raises(layout.LayoutError, match="too large for a layout file"):
        layout.read(path)
    with pytest.raises(layout.LayoutError, match="cannot read .*missing.yaml"):
        layout.read(tmp_path / "missing.yaml")


# ---- applying: conflicts, pins, one transaction --------------------------------------------------
def test_an_alias_in_another_order_and_a_set_with_other_charts_are_conflicts(demo_store):
    s = demo_store
    lay = layout.export(s, "mnist")
    s.set_alias("mnist", "accuracy", ["pred_acc", "accuracy", "acc"])
    s.update_chart_set("mnist", "Training", lambda cs: [dict(cs[0], log_y=True), cs[1]])
    p = layout.plan(s, "mnist", lay)
    lines = [i.line() for i in p.conflicts]
    assert lines == ["conflict: alias accuracy: another order: the project has pred_acc, accuracy, acc; the file "
                     "accuracy, acc, pred_acc",
                     "conflict: chart set Training: the file's charts differ: Accuracy changed (log_y)"]
    assert [i.action for i in p.items] == ["conflict", "same", "conflict"]
    dry = layout.apply(s, "mnist", lay, replace=True, dry_run=True)
    assert [i.action for i in dry.items] == ["replace", "same", "replace"]
    assert s.alias("mnist", "accuracy") == ["pred_acc", "accuracy", "acc"]  # a dry run writes nothing
    layout.apply(s, "mnist", lay, replace=True)
    assert layout.export(s, "mnist") == lay


def test_pins_only_when_asked_for_each_run_the_project_has(demo_store):
    s = demo_store
    s.set_pin("mnist", "adam-both-names", "accuracy", "pred_acc")
    assert layout.export(s, "mnist").pins is None
    lay = layout.export(s, "mnist", pins=True)
    assert lay.pins == (("adam-both-names", "accuracy", "pred_acc"),)
    assert "pins:\n  adam-both-names:\n    accuracy: pred_acc\n" in layout.dump(lay)
    # another store's mnist: the run is there, its pin is applied
    s.set_pin("mnist", "adam-both-names", "accuracy", None)
    p = layout.apply(s, "mnist", lay)
    assert [(i.kind, i.action) for i in p.items if i.kind == "pin"] == [("pin", "add")]
    assert s.pins("mnist") == {"adam-both-names": {"accuracy": "pred_acc"}}
    # a pin of another channel is a conflict; a project without the run skips it
    s.set_pin("mnist", "adam-both-names", "accuracy", "acc")
    assert [i.line() for i in layout.plan(s, "mnist", lay).conflicts] == [
        "conflict: pin accuracy in adam-both-names: the project pins acc; the file pred_acc"]
    p = layout.apply(s, "other", lay)
    assert "skip pin accuracy in adam-both-names: the project has no run 'adam-both-names'" in p.lines()


def test_write_edits_is_all_or_nothing(demo_store):
    s = demo_store
    before = state(s, "mnist")
    with pytest.raises(Conflict, match="chart set 'Training' of project 'mnist' was changed elsewhere"):
        s.write_edits("mnist", alias_edits={"new": (None, ["a"]), "loss": (UNCHECKED, None)},
                      chart_set_edits={"Training": ([], [{"name": "x"}])})
    assert state(s, "mnist") == before
    with pytest.raises(Conflict, match="the pin of alias 'accuracy' in run 'adam-lr1e-3'"):
        s.write_edits("mnist", alias_edits={"new": (None, ["a"])}, pin_edits={("adam-lr1e-3", "accuracy"): ("acc", None)})
    assert state(s, "mnist") == before
    with pytest.raises(InvalidInput):
        s.write_edits("mnist", alias_edits={"new": (None, ["a", "a"])})
    # an alias made with its pin, and deleted with it (pins go first, the alias last)
    s.write_edits("mnist", alias_edits={"new": (None, ["acc", "x"])}, pin_edits={("baseline-sgd", "new"): (None, "x")})
    assert s.pins("mnist")["baseline-sgd"] == {"new": "x"}
    s.write_edits("mnist", alias_edits={"new": (["acc", "x"], None)}, pin_edits={("baseline-sgd", "new"): ("x", None)})
    assert state(s, "mnist") == before


def test_applying_in_a_session_is_one_step_that_undo_takes_back(demo_store):
    s = demo_store
    session = Session(s)
    session.set_project("cifar10")
    before = state(s, "cifar10")
    p = layout.plan(s, "cifar10", layout.export(s, "mnist"), replace=True)
    seen = []
    session.events.chart_sets.connect(lambda: seen.append("sets"))
    session.events.aliases.connect(lambda names: seen.append(sorted(names)))
    edit = session.edit(Edit("Apply layout mnist.yaml", ("layout", "cifar10"), p.before, p.after))
    assert edit is not None and [c.name for c in session.chart_sets()] == ["Overview", "Training"]
    assert session.alias("accuracy") == ("accuracy", "acc", "pred_acc") and "sets" in seen
    assert ["accuracy", "loss"] in seen
    session.apply(edit, edit.before)  # undo
    assert state(s, "cifar10") == before and [c.name for c in session.chart_sets()] == ["Overview"]
    assert session.alias("accuracy") == ("accuracy", "top1", "acc1")
    session.apply(edit, edit.after)  # redo
    assert s.alias("cifar10", "loss") == ["loss", "train_loss"]
    # an undo over something another process changed since is refused, and nothing is written
    s.set_alias("cifar10", "loss", ["loss"])
    got = []
    session.replay(edit, edit.before, got.append)
    assert session.flush(10) and got == [None]  # refused (said on the error event)
    assert s.alias("cifar10", "loss") == ["loss"] and "Training" in s.chart_sets("cifar10")


# ---- the health check -------------------------------------------------------------------------
def test_health_of_sweep_names_the_renamed_metric(demo_store):
    h = health.check(demo_store, "sweep")
    assert len(h.runs) == 20 and not h.unresolved and not h.suggestions
    (acc,) = [a for a in h.aliases if a.name == "accuracy"]
    assert [(ch, len(runs)) for ch, runs in acc.entries] == [("eval/accuracy", 8), ("val_acc", 12)]
    assert sorted(acc.entries[0][1]) == sorted(SWEEP_RENAMED) and acc.none == []
    assert "  accuracy: eval/accuracy 8, val_acc 12" in h.lines()


def test_health_of_the_mnist_layout_on_sweep_suggests_the_alias_and_the_fix_fills_the_gap(demo_store):
    s = demo_store
    lay = layout.export(s, "mnist")
    h = health.check(s, "sweep", lay, source="mnist.yaml")
    (training,) = h.sets
    acc, loss = training.charts
    val_acc = acc.series[1]
    assert (val_acc.ref, len(val_acc.resolved), sorted(val_acc.missing)) == ("channel:val_acc", 12, sorted(SWEEP_RENAMED))
    assert len(acc.shown) == 12 and training.empty == []
    assert h.unresolved == [("Training", "Accuracy", "alias:accuracy"), ("Training", "Loss", "channel:val_loss")]
    (fix,) = h.suggestions
    assert (fix.alias, fix.channels, fix.kind) == ("val_acc", ("val_acc", "eval/accuracy"), "new")
    assert sorted(fix.runs) == sorted(SWEEP_RENAMED)
    assert fix.text() == ("alias val_acc <- val_acc, eval/accuracy, instead of channel:val_acc: fills Training / "
                          "Accuracy (channel:val_acc) in 8 runs")
    # the same in the project: applied, then the fix written as the window's Add does
    layout.apply(s, "sweep", lay, replace=True)
    (fix,) = health.check(s, "sweep").suggestions
    layout.write_changes(s, "sweep", fix.before, fix.after)
    assert s.alias("sweep", "val_acc") == ["val_acc", "eval/accuracy"]
    assert s.chart_sets("sweep")["Training"][0]["series"] == ["alias:accuracy", "alias:val_acc"]
    after = health.check(s, "sweep")
    (training,) = [x for x in after.sets if x.name == "Training"]
    assert len(training.charts[0].series[1].resolved) == 20 and not after.suggestions


def test_health_filter_pins_empty_runs_and_existing_aliases(demo_store):
    s = demo_store
    h = health.check(s, "sweep", where="lr <= 0.1")
    assert len(h.runs) == 15 and h.total == 20 and "(where lr <= 0.1: 15 of 20)" in h.lines()[0]
    s.set_pin("sweep", "lr0.1-seed0", "accuracy", "loss")
    s.set_chart_set("sweep", "Nothing", [{"name": "Gone", "series": ["channel:val_acc"]}])
    s.set_chart_set("sweep", "Ghost", [{"name": "G", "series": ["channel:nope", "alias:missing"]}])
    h = health.check(s, "sweep")
    (acc,) = [a for a in h.aliases if a.name == "accuracy"]
    assert acc.pinned == [("lr0.1-seed0", "loss")] and [len(r) for _c, r in acc.entries] == [8, 11]
    nothing, = [x for x in h.sets if x.name == "Nothing"]
    assert sorted(nothing.empty) == sorted(SWEEP_RENAMED)
    ghost, = [x for x in h.sets if x.name == "Ghost"]
    assert len(ghost.empty) == 20 and ("Ghost", "G", "channel:nope") in h.unresolved
    missing, = [a for a in h.aliases if a.name == "missing"]
    assert not missing.defined and "  missing: no such alias (in the project)" in h.lines()
    # the project's own alias covers channel:val_acc where it is missing: plot it
    (use,) = [f for f in h.suggestions if f.kind == "use"]
    assert use.alias == "accuracy" and use.covers[0][:3] == ("Nothing", "Gone", "channel:val_acc")
    assert dict(use.after.chart_sets)["Nothing"][0].series == (SeriesRef("alias", "accuracy"),)
    data = h.to_json()
    assert json.loads(json.dumps(data)) == data and data["runs"] == 20


def test_plotting_a_channel_as_an_alias_keeps_its_right_axis_and_the_charts_other_options(demo_store):
    s = demo_store
    s.set_chart_set("sweep", "Two", [{"name": "G", "series": ["channel:lr", {"ref": "channel:val_acc", "axis": "right"},
                                                              "channel:eval/accuracy"],
                                      "legend_order": "name", "log_x": True, "band": "minmax", "smoothing": 0.6}])
    (use,) = [f for f in health.check(s, "sweep").suggestions if f.kind == "use"]
    assert use.alias == "accuracy"
    (after,) = dict(use.after.chart_sets)["Two"]
    accuracy = SeriesRef("alias", "accuracy")
    assert after.series == (SeriesRef("channel", "lr"), accuracy)  # both channels are the alias: once, in val_acc's place
    assert after.right_axis == (accuracy,) and after.axis_of(SeriesRef("channel", "lr")) == "left"
    layout.write_changes(s, "sweep", use.before, use.after)
    assert s.chart_sets("sweep")["Two"] == [{"name": "G", "series": ["channel:lr", "alias:accuracy"], "log_x": True,
                                            "smoothing": 0.6, "band": "minmax", "legend_order": "name",
                                            "right_axis": ["alias:accuracy"]}]


def test_health_of_an_alias_the_charts_plot_but_nobody_defines(demo_store):
    s = demo_store
    s.delete_alias("sweep", "accuracy")
    h = health.check(s, "sweep")
    assert h.unresolved == [("Sweep", "Eval accuracy", "alias:accuracy")]
    (fix,) = h.suggestions
    assert (fix.alias, fix.kind, fix.channels) == ("accuracy", "new", ("val_acc", "eval/accuracy"))
    layout.write_changes(s, "sweep", fix.before, fix.after)
    assert not health.check(s, "sweep").unresolved


# ---- the command line ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_db(module_targets):
    db = module_targets.new("layout-demo")
    cd("demo", db=db)
    return db


def test_cli_round_trip(target, tmp_path):
    db = target
    cd("demo", db=db)
    out = tmp_path / "mnist.yaml"
    cd("layout", "export", "mnist", "--out", out, db=db)
    assert cd("layout", "export", "mnist", db=db).stdout == out.read_text()
    r = cd("layout", "apply", "cifar10", out, db=db, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "chartdesk: conflict: alias accuracy: the project has accuracy, top1, acc1; the file accuracy, acc, pred_acc",
        "chartdesk: conflict: alias loss: the project has loss, train/loss, train_loss; the file loss, train_loss",
        "chartdesk: error: nothing was changed: 2 conflicts with project 'cifar10' (--replace takes the file's)"]
    assert "Training" not in json.loads(cd("chartset", "ls", "cifar10", "--json", db=db).stdout)
    r = cd("layout", "apply", "cifar10", out, "--replace", "--dry-run", db=db)
    assert "(dry run: nothing is written)" in r.stdout and "  add chart set Training: 2 charts (Accuracy, Loss)" in r.stdout
    assert r.stdout.splitlines()[-1] == "would be: 1 added, 2 replaced"
    assert "Training" not in json.loads(cd("chartset", "ls", "cifar10", "--json", db=db).stdout)
    assert cd("layout", "apply", "cifar10", out, "--replace", db=db).stdout.splitlines()[-1] == \
        "applied: 1 added, 2 replaced"
    again = tmp_path / "cifar10.yaml"
    cd("layout", "export", "cifar10", "--chart-set", "Training", "--out", again, db=db)
    assert again.read_text() == out.read_text()
    r = cd("layout", "apply", "empty", out, db=db)
    assert r.stdout.splitlines()[:2] == [f"{out} -> empty", "  create project empty"]
    assert cd("layout", "export", "empty", db=db).stdout == out.read_text()
    assert cd("layout", "apply", "empty", out, db=db).stdout.splitlines()[-1] == "applied: 3 unchanged"


def test_cli_bad_file_and_bad_input_are_one_line_and_write_nothing(demo_db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nchart_sets:\n  - name: S\n    charts:\n      - name: C\n        series: [alias:a, x]\n")
    r = cd("layout", "apply", "newproject", bad, db=demo_db, check=False)
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == (f"chartdesk: error: {bad}:6: chart_sets[0].charts[0].series[1]: series ref 'x' must be "
                        "alias:NAME or channel:NAME (or expr:EXPRESSION)\n")
    assert "newproject" not in cd("ls", db=demo_db).stdout
    r = cd("layout", "export", "mnist", "--chart-set", "Nope", db=demo_db, check=False)
    assert r.returncode == 1 and r.stderr == "chartdesk: error: unknown chart set 'Nope' in project 'mnist'; known: " \
                                             "Training\n"
    r = cd("layout", "check", "sweep", "--where", "lr <", db=demo_db, check=False)
    assert r.returncode == 1 and len(r.stderr.splitlines()) == 1
    r = cd("layout", "export", "mnist", "--db", tmp_path / "none.db", check=False)
    assert r.returncode == 1 and "no store at" in r.stderr and not (tmp_path / "none.db").exists()


def test_cli_check_names_the_renamed_metric_and_suggests_the_alias(demo_db, tmp_path):
    out = tmp_path / "mnist.yaml"
    cd("layout", "export", "mnist", "--chart-set", "Training", "--out", out, db=demo_db)
    text = cd("layout", "check", "sweep", out, db=demo_db).stdout
    assert "    channel:val_acc: 12 of 20; not in lr0.3-seed3, lr0.3-seed4" in text
    assert "  alias val_acc <- val_acc, eval/accuracy, instead of channel:val_acc: fills Training / Accuracy " \
           "(channel:val_acc) in 8 runs" in text
    data = json.loads(cd("layout", "check", "sweep", out, "--json", "--where", "lr <= 0.1", db=demo_db).stdout)
    assert (data["runs"], data["of"], data["layout"]) == (15, 20, str(out))
    assert data["suggestions"][0]["alias"] == "val_acc" and len(data["suggestions"][0]["covers"][0]["runs"]) == 6
    plain = json.loads(cd("layout", "check", "sweep", "--json", db=demo_db).stdout)
    assert plain["aliases"][0]["entries"] == [{"channel": "eval/accuracy", "wins": 8}, {"channel": "val_acc", "wins": 12}]

