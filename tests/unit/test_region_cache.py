"""The live regions' cache (server/dash/region_cache.py): a value is worked out once per key,
kept until it is too old or pushed out by newer keys, and the requests that arrive together
for one key wait for a single maker."""

from __future__ import annotations

import contextlib
import threading

from server.dash.region_cache import RegionCache


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_key_is_worked_out_once_and_a_new_key_again() -> None:
    cache = RegionCache(size=8, max_age=30.0, monotonic=Ticks())
    made: list[str] = []

    def make(value: str) -> str:
        made.append(value)
        return value

    assert cache.get(("overview", "LC01", 1), lambda: make("first")) == "first"
    assert cache.get(("overview", "LC01", 1), lambda: make("second")) == "first"
    assert cache.get(("overview", "LC01", 2), lambda: make("moved")) == "moved"  # the floor moved
    assert made == ["first", "moved"] and cache.made == 2


def test_an_old_value_is_worked_out_again() -> None:
    ticks = Ticks()
    cache = RegionCache(size=8, max_age=30.0, monotonic=ticks)
    assert cache.get("k", lambda: 1) == 1
    ticks.now += 30.0
    assert cache.get("k", lambda: 2) == 1  # 30 s old: still kept
    ticks.now += 0.5
    assert cache.get("k", lambda: 3) == 3


def test_the_least_recently_used_key_goes_first() -> None:
    cache = RegionCache(size=2, max_age=30.0, monotonic=Ticks())
    cache.get("a", lambda: "a1")
    cache.get("b", lambda: "b1")
    cache.get("a", lambda: "a2")  # a is used again: b is now the oldest
    cache.get("c", lambda: "c1")
    assert cache.get("a", lambda: "a3") == "a1"
    assert cache.get("b", lambda: "b2") == "b2"


def test_requests_arriving_together_wait_for_one_maker() -> None:
    cache = RegionCache()
    viewers = 20
    arrived = threading.Semaphore(0)
    answers: list[object] = []

    def make() -> object:
        for _ in range(viewers):  # every viewer has asked before the first one is answered
            assert arrived.acquire(timeout=30)
        return object()

    def viewer() -> None:
        arrived.release()
        answers.append(cache.get("overview", make))

    threads = [threading.Thread(target=viewer) for _ in range(viewers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == viewers and len({id(a) for a in answers}) == 1
    assert cache.made == 1


def test_a_failing_maker_keeps_nothing() -> None:
    cache = RegionCache()

    def broken() -> object:
        raise RuntimeError("the database went away")

    for _ in range(2):
        with contextlib.suppress(RuntimeError):
            cache.get("k", broken)
    assert cache.get("k", lambda: "back") == "back" and cache.made == 1
