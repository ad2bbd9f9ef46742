"""Full garbage collections wait for a quiet table (or at most a few minutes)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from vtt_host.gcpolicy import QuietCollector, defer_full_collections, full_collections_deferred
from vtt_host.server.mailbox import Mailbox
from vtt_host.views import GM


@pytest.fixture
def deferred() -> Iterator[None]:
    saved = gc.get_threshold()
    defer_full_collections()
    yield
    gc.set_threshold(*saved)


@pytest.fixture
def pythons_own_schedule() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)  # CPython's defaults
    yield
    gc.set_threshold(*saved)


class Table:
    """A fake clock and activity counter."""

    def __init__(self) -> None:
        self.now = 0.0
        self.frames = 0

    def collector(self) -> QuietCollector:
        return QuietCollector(
            lambda: self.frames,
            quiet_s=1.0,
            at_most_every_s=10.0,
            at_least_every_s=300.0,
            clock=lambda: self.now,
        )


def promote_something() -> None:
    """A young collection, so the oldest generation has news (gc.get_count()[2] > 0)."""
    gc.collect(1)


def test_young_generations_stay_automatic_when_full_ones_are_deferred(deferred: None) -> None:
    young, middle, _ = gc.get_threshold()
    assert young > 0
    assert middle > 0
    assert full_collections_deferred()


def test_a_busy_table_is_not_collected_until_it_pauses(deferred: None) -> None:
    table = Table()
    collector = table.collector()
    for step in range(1, 200):  # 20 s of a frame every 0.1 s
        table.now = step * 0.1
        table.frames += 1
        promote_something()
        assert not collector.due()
    table.now += 1.5  # a pause
    assert collector.due()


def test_quiet_collections_are_spaced_and_forced_under_constant_load(deferred: None) -> None:
    table = Table()
    collector = table.collector()
    table.now = 20.0
    promote_something()
    assert collector.due()
    collector.collect()
    table.now = 25.0  # quiet again, but only 5 s later
    promote_something()
    assert not collector.due()
    while table.now < 20.0 + 299:  # never quiet from here on
        table.now += 0.1
        table.frames += 1
        assert not collector.due()
    table.now = 20.0 + 301
    table.frames += 1
    assert collector.due()


def test_nothing_is_due_when_python_keeps_its_own_schedule(pythons_own_schedule: None) -> None:
    assert not full_collections_deferred()
    table = Table()
    collector = table.collector()
    table.now = 1_000.0
    promote_something()
    assert not collector.due()


def test_a_collection_frees_cycles_that_reached_the_oldest_generation(deferred: None) -> None:
    class Node:
        other: object = None

    first, second = Node(), Node()
    first.other, second.other = second, first
    gone = weakref.ref(first)
    gc.collect(1)
    gc.collect(1)  # now in the oldest generation, where only a full collection looks
    del first, second
    gc.collect(1)
    assert gone() is not None
    Table().collector().collect()
    assert gone() is None


def test_mailbox_entries_are_not_walked_by_the_collector() -> None:
    mailbox = Mailbox(GM, 0)
    sent = [(f'{{"type":"patch","version":{v}}}',) for v in range(1, 50)]
    for version, texts in enumerate(sent, start=1):
        mailbox.append(version, texts)
    gc.collect()
    assert mailbox.frames_after(0) == [text for texts in sent for text in texts]
    # Only the list above refers to the frames: whatever holds them in the mailbox is
    # invisible to the collector, so it never walks them.
    holders = [r for texts in sent for r in gc.get_referrers(texts) if r is not sent]
    assert holders == []
