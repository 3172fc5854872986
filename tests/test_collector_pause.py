"""The cyclic garbage collector paused around planning and writing (journal.posting.cycle_collection_paused)."""
from __future__ import annotations

import gc

import pytest

from bilag.journal import posting


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_back_on_after(collector_on):
    with posting.cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_small_journal_does_not_count_frozen_objects(collector_on, monkeypatch):
    # gc.get_freeze_count() walks every frozen object: an application that froze its heap after start-up paid
    # milliseconds per single-voucher posting for it.
    def walked():
        raise AssertionError("a small journal must not count the frozen objects")

    monkeypatch.setattr(gc, "get_freeze_count", walked)
    with posting.cycle_collection_paused():
        kept = [object() for _ in range(1_000)]
    assert gc.isenabled() and len(kept) == 1_000


def test_a_large_journal_moves_its_objects_to_the_oldest_generation(collector_on):
    gc.collect()
    with posting.cycle_collection_paused():
        kept = [[n] for n in range(posting._MANY_NEW_OBJECTS + 10_000)]
        assert gc.get_count()[0] > posting._MANY_NEW_OBJECTS
    # frozen then unfrozen: the young generation starts empty again instead of holding every new list
    assert gc.get_count()[0] < 1_000
    assert gc.get_freeze_count() == 0 and len(kept) > posting._MANY_NEW_OBJECTS


def test_an_application_that_froze_objects_keeps_them_frozen(collector_on):
    gc.collect()
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with posting.cycle_collection_paused():
            kept = [[n] for n in range(posting._MANY_NEW_OBJECTS + 10_000)]
        assert gc.get_freeze_count() == frozen and kept
    finally:
        gc.unfreeze()


def test_many_new_moves_the_young_objects_whatever_the_count(collector_on):
    """A chunk of a large file frees the chunk before it while it makes its own: the count (made less freed) stays
    low while the young generation holds every new object, which the next young collection would walk."""
    gc.collect()
    before = [[n] for n in range(20_000)]
    with posting.cycle_collection_paused(many_new=True):
        kept = [[n] for n in range(20_000)]
        del before[:]
        assert gc.get_count()[0] < posting._MANY_NEW_OBJECTS
        assert len(gc.get_objects(0)) >= 20_000
    assert len(gc.get_objects(0)) < 1_000 and gc.get_freeze_count() == 0 and len(kept) == 20_000
