"""Alias suggestions from channel names across runs."""
from __future__ import annotations

from chartdesk.suggest import suggest, tokens


def test_names_that_mean_the_same_are_suggested_once():
    runs = {"r1": ["val/acc", "loss"], "r2": ["val_acc", "loss"], "r3": ["eval_accuracy", "train_loss"],
            "r4": ["acc", "val/acc"]}
    got = suggest(runs, ranges={"val/acc": (0.1, 0.9), "val_acc": (0.2, 0.95), "eval_accuracy": (0.3, 0.9)})
    assert [(s.alias, s.channels) for s in got] == [("val_acc", ("val/acc", "eval_accuracy", "val_acc"))]


def test_names_in_one_run_or_with_disjoint_values_or_already_aliased_are_not():
    runs = {"r1": ["loss", "Loss"], "r2": ["acc"], "r3": ["accuracy"]}
    assert suggest(runs) == [suggest({"a": ["acc"], "b": ["accuracy"]})[0]]  # loss/Loss share a run
    assert suggest({"a": ["acc"], "b": ["accuracy"]}, ranges={"acc": (0, 1), "accuracy": (50, 100)}) == []
    assert suggest({"a": ["acc"], "b": ["accuracy"]}, existing={"accuracy": ["accuracy", "acc"]}) == []
    assert tokens("Eval/Top1") == ("val", "acc")
