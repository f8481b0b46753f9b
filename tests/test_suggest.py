"""Alias suggestions from channel names across runs."""
from __future__ import annotations

from chartdesk.suggest import suggest, tokens


def test_names_that_mean_the_same_are_suggested_once():
    runs = {"r1": ["val/acc", "loss"], "r2": ["val_acc", "loss"], "r3": ["eval_accuracy", "train_loss"],
            "r4": ["acc", "val/acc"]}
    got = suggest(runs, ranges={"val/acc": (0.1, 0.9), "val_acc": (0.2, 0.95), "eval_accuracy": (0.3, 0.9)})
    # named after the channel it ranks first (most runs logged it), not after the third (issue 23 item 20)
    assert [(s.alias, s.channels) for s in got] == [("val/acc", ("val/acc", "eval_accuracy", "val_acc"))]


def test_names_in_one_run_or_with_disjoint_values_or_already_aliased_are_not():
    runs = {"r1": ["loss", "Loss"], "r2": ["acc"], "r3": ["accuracy"]}
    assert suggest(runs) == [suggest({"a": ["acc"], "b": ["accuracy"]})[0]]  # loss/Loss share a run
    assert suggest({"a": ["acc"], "b": ["accuracy"]}, ranges={"acc": (0, 1), "accuracy": (50, 100)}) == []
    assert suggest({"a": ["acc"], "b": ["accuracy"]}, existing={"accuracy": ["accuracy", "acc"]}) == []
    assert tokens("Eval/Top1") == ("val", "acc")


def test_suggest_in_reads_only_the_candidates_value_ranges(tmp_path):
    import chartdesk
    from chartdesk.suggest import suggest_in

    with chartdesk.open_store(tmp_path / "s.db") as store:
        for exp, name, lo in (("r1", "val/acc", 0.2), ("r2", "val_acc", 0.3), ("r3", "loss", 5.0)):
            store.create_experiment("p", exp)
            store.append("p", exp, name, [0, 1, 2], [lo, lo + 0.3, lo + 0.6])
        asked = []
        real = store.reduce_channels
        store.reduce_channels = lambda project, wanted, reducers=(): asked.extend(wanted) or real(project, wanted,
                                                                                                    reducers)
        runs = {e: store.channels("p", e) for e in store.experiments("p")}
        found = suggest_in(store, "p", runs, {})
        assert [(s.alias, s.channels) for s in found] == [("val/acc", ("val/acc", "val_acc"))]
        assert sorted(asked) == [("r1", "val/acc"), ("r2", "val_acc")]  # not the loss channel
