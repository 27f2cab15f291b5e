"""The gateway's floor sign-on counts failures in memory by the central server's rule."""

from __future__ import annotations

from gateway.entrypoints.throttle import SignOnGuard
from kernel.guessing import Policy

POLICY = Policy(free_per_pair=5, free_per_source=20, free_per_name=10, first_wait=5, window=3600)
T = 1_000_000.0


def test_five_failures_of_a_name_from_an_address_then_waits() -> None:
    guard = SignOnGuard(POLICY)
    for n in range(5):
        assert guard.attempt("li", "10.0.0.9", T + n) == 0  # counted until it succeeds
    assert guard.wait("li", "10.0.0.9", T + 4) == 5
    assert guard.wait("li", "10.0.0.8", T + 4) == 0  # another address: its own count
    guard.failed("li", "10.0.0.9", T + 10)
    assert guard.wait("li", "10.0.0.9", T + 10) == 10
    assert guard.wait("li", "10.0.0.9", T + 10 + POLICY.window) == 0  # forgotten in time


def test_the_owner_at_their_address_is_not_held_up_by_others() -> None:
    guard = SignOnGuard(POLICY)
    guard.succeeded("li", "10.0.0.5", T)  # li's handheld
    for n in range(30):
        guard.failed("li", f"10.0.1.{n}", T + 1)
    assert guard.wait("li", "10.0.1.99", T + 1) > 0  # a new address waits
    assert guard.wait("li", "10.0.0.5", T + 1) == 0  # li does not
    # li's own failures at that address still count, and a sign-on strikes them out
    for _ in range(5):
        guard.failed("li", "10.0.0.5", T + 2)
    assert guard.wait("li", "10.0.0.5", T + 2) == 5
    guard.succeeded("li", "10.0.0.5", T + 8)
    assert guard.wait("li", "10.0.0.5", T + 8) == 0


def test_many_names_from_one_address_are_slowed_together() -> None:
    guard = SignOnGuard(POLICY)
    for n in range(20):
        guard.failed(f"name{n}", "10.0.2.1", T)
    assert guard.wait("someone", "10.0.2.1", T) == 5
    assert guard.wait("someone", "10.0.2.2", T) == 0


def test_memory_is_bounded_and_keeps_the_newest() -> None:
    guard = SignOnGuard(POLICY, capacity=100)
    for n in range(1000):
        guard.failed(f"name{n}", "10.1.0.1", T + n)
    assert len(guard._failures) == 100
    assert guard.wait("another", "10.1.0.1", T + 999) > 0  # the address still waits
