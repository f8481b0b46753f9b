"""The resolver agrees with the plain rule, caches, and invalidates on exactly two events."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chartdesk.resolver import Resolver, first_present

names = st.sampled_from(["acc", "accuracy", "pred_acc", "top1", "val_acc", "loss"])


def plain_rule(entries, channels):
    hits = [c for c in entries if c in channels]
    return hits[0] if hits else None


def test_first_present_prefers_list_order():
    assert first_present(["accuracy", "acc", "pred_acc"], {"pred_acc", "acc"}) == "acc"
    assert first_present(["pred_acc", "acc"], {"pred_acc", "acc"}) == "pred_acc"
    assert first_present(["x"], {"acc"}) is None
    assert first_present([], {"acc"}) is None


@given(aliases=st.dictionaries(st.sampled_from(["a1", "a2", "a3"]), st.lists(names, unique=True), max_size=3),
       experiments=st.dictionaries(st.sampled_from(["e1", "e2", "e3", "e4"]), st.sets(names), max_size=4),
       events=st.lists(st.one_of(
           st.tuples(st.just("alias"), st.sampled_from(["a1", "a2", "a3"]), st.lists(names, unique=True)),
           st.tuples(st.just("channel"), st.sampled_from(["e1", "e2", "e3", "e4"]), st.sets(names, max_size=2)),
           st.tuples(st.just("remove"), st.sampled_from(["a1", "a2", "a3"]), st.just(None)),
       ), max_size=12))
def test_cached_resolution_matches_plain_rule_through_any_events(aliases, experiments, events):
    r = Resolver()
    r.load_project("p", aliases, experiments)
    truth_a = {k: list(v) for k, v in aliases.items()}
    truth_e = {k: set(v) for k, v in experiments.items()}

    def check():
        for a in ("a1", "a2", "a3"):
            for e in ("e1", "e2", "e3", "e4"):
                assert r.resolve("p", a, e) == plain_rule(truth_a.get(a, []), truth_e.get(e, set()))

    check()
    check()  # answered from the cache the second time
    for kind, key, value in events:
        if kind == "alias":
            r.set_alias("p", key, value)
            truth_a[key] = list(value)
        elif kind == "remove":
            r.remove_alias("p", key)
            truth_a.pop(key, None)
        else:
            r.add_channels("p", key, value)
            truth_e.setdefault(key, set()).update(value)
        check()


def test_cache_is_used_and_invalidated_only_where_needed():
    r = Resolver()
    r.load_project("p", {"acc": ["acc", "pred_acc"], "loss": ["loss"]}, {"e1": {"pred_acc"}, "e2": {"acc", "loss"}})
    for _ in range(3):
        r.resolve("p", "acc", "e1"), r.resolve("p", "acc", "e2"), r.resolve("p", "loss", "e2")
    assert r.misses == 3 and r.hits == 6
    r.add_channels("p", "e1", ["acc"])  # e1 gains the higher-priority channel mid-run
    assert r.resolve("p", "acc", "e2") == "acc" and r.misses == 3  # e2 untouched
    assert r.resolve("p", "acc", "e1") == "acc" and r.misses == 4
    r.set_alias("p", "acc", ["pred_acc", "acc"])
    assert r.resolve("p", "loss", "e2") == "loss" and r.misses == 4  # other alias untouched
    assert r.resolve("p", "acc", "e1") == "pred_acc" and r.misses == 5


def test_listeners_hear_what_changed():
    r = Resolver()
    heard = []
    r.subscribe(lambda p, a, e: heard.append((p, a, e)))
    r.load_project("p", {"acc": ["acc"]}, {"e1": {"acc"}})
    r.set_alias("p", "acc", ["acc"])  # unchanged: silent
    r.set_alias("p", "acc", ["pred_acc", "acc"])
    r.add_channels("p", "e1", ["acc"])  # nothing new: silent
    r.add_channels("p", "e1", ["pred_acc"])
    assert heard == [("p", None, None), ("p", {"acc"}, None), ("p", None, {"e1"})]
