"""kernel.heap.settle: start-up objects out of the collector's sight, cycles still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from kernel import heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_settle_freezes_what_start_up_built(restored_collector: None) -> None:
    built_at_start = [{"location": n} for n in range(1000)]
    heap.settle()
    assert gc.get_freeze_count() >= len(built_at_start)
    assert gc.get_threshold()[0] == heap.YOUNG_THRESHOLD


def test_cycles_made_after_settling_are_still_collected(restored_collector: None) -> None:
    heap.settle()
    a, b = Node(), Node()
    a.other, b.other = b, a
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
