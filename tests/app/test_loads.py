"""The view loader's bookkeeping without Qt: stale generations are dropped, failures are not
asked for again until their channel changes, the cache is bounded, and the pool's size rule."""
from __future__ import annotations

from dataclasses import dataclass

from chartdesk.app.loads import ViewBook
from chartdesk.app.pool import WorkerPool, process_count


@dataclass(frozen=True)
class Key:
    experiment: str
    channel: str

    @property
    def channel_keys(self):
        return {("p", self.experiment, self.channel)}


A, B, C = Key("e1", "loss"), Key("e1", "acc"), Key("e2", "loss")


def test_asking_marks_once_and_a_result_of_the_generation_is_kept():
    book = ViewBook()
    assert book.ask([A, B, A]) == [A, B]
    assert book.ask([A, C]) == [C]  # A is under way already
    assert book.loaded(book.generation, [A, B], {A: "view-a", B: "view-b"})
    assert book.get(A) == "view-a" and book.done(B) and not book.idle()
    assert book.still_wanted([A, C]) == [C]


def test_a_result_of_a_cancelled_generation_is_dropped_and_its_reads_told_to_stop():
    book = ViewBook()
    book.ask([A])
    gen, stop = book.generation, book.cancelled
    assert book.cancel() is True and book.idle() and stop.is_set()
    assert book.loaded(gen, [A], {A: "stale"}) is False
    assert book.get(A) is None and not book.done(A)
    assert book.cancel() is False  # nothing under way now
    assert not book.cancelled.is_set()  # the new generation's reads go on


def test_a_failure_is_not_asked_for_again_until_its_channel_changes():
    book = ViewBook()
    book.ask([A, C])
    book.loaded(book.generation, [A, C], {C: "view-c"})
    assert book.failed(book.generation, {A: "damaged chunk"}, "damaged chunk")
    assert book.error(A) == "damaged chunk" and book.ask([A]) == []
    book.invalidate([("p", "e1", "loss")])  # the run grew: try again
    assert book.error(A) is None and book.ask([A]) == [A]
    assert book.get(C) == "view-c"  # other channels keep their views


def test_the_cache_forgets_the_least_recently_used_first():
    book = ViewBook(capacity=2)
    book.ask([A, B])
    book.loaded(book.generation, [A, B], {A: 1, B: 2})
    book.get(A)  # A used again: B is now the oldest
    book.ask([C])
    book.loaded(book.generation, [C], {C: 3})
    assert book.get(B) is None and book.get(A) == 1 and book.get(C) == 3


def test_the_pool_size_comes_from_the_environment_and_a_bad_value_is_said(monkeypatch, caplog):
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "0")
    assert process_count() == 0
    monkeypatch.setenv("CHARTDESK_LOADER_PROCESSES", "many")
    assert process_count() in (1, 2) and "not a number" in caplog.text
    pool = WorkerPool(None, 0)
    pool.start()
    assert not pool.started and not pool.wait_ready(0.01) and pool.submit(print) is None and pool.failed
