"""The rule that slows password guessing (kernel/guessing.py), shared by the server's login
and the gateway's floor sign-on."""

from __future__ import annotations

from kernel.guessing import Attempt, Failures, Policy, source_key, wait

POLICY = Policy(free_per_pair=5, free_per_source=20, free_per_name=10, first_wait=5, max_wait=900)
NOW = 1_000_000.0
NONE = Failures()


def attempt(
    pair: int = 0, source: int = 0, name: int = 0, known: bool = False, ago: float = 0.0
) -> Attempt:
    def failures(count: int) -> Failures:
        return Failures(count, NOW - ago) if count else NONE

    return Attempt(failures(pair), failures(source), failures(name), known)


def test_a_few_mistakes_cost_nothing_then_each_failure_doubles_the_wait() -> None:
    assert wait(attempt(pair=4, source=4, name=4), NOW, POLICY) == 0
    waits = [wait(attempt(pair=n, source=n, name=n), NOW, POLICY) for n in range(5, 16)]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900, 900]
    # counted from the last failure: time spent waiting counts
    assert wait(attempt(pair=6, ago=4), NOW, POLICY) == 6
    assert wait(attempt(pair=6, ago=11), NOW, POLICY) == 0


def test_one_password_on_many_names_from_one_address_is_slowed() -> None:
    # twenty names tried once each from one address: the next name waits, known or not
    assert wait(attempt(pair=0, source=20), NOW, POLICY) == 5
    assert wait(attempt(pair=0, source=19), NOW, POLICY) == 0


def test_many_addresses_on_one_name_are_slowed_together() -> None:
    assert wait(attempt(pair=0, source=0, name=12), NOW, POLICY) == 20


def test_the_owner_at_a_known_address_is_not_held_up_by_guessing_elsewhere() -> None:
    hammered = attempt(pair=0, source=500, name=500, known=True)
    assert wait(hammered, NOW, POLICY) == 0
    # the same account from an address it never signed on from must wait
    assert wait(attempt(pair=0, source=0, name=500), NOW, POLICY) == 900
    # at a known address only its own failures count
    assert wait(attempt(pair=5, known=True), NOW, POLICY) == 5


def test_addresses_are_counted_by_host_and_ipv6_by_its_64_network() -> None:
    assert source_key("10.1.2.3") == "10.1.2.3"
    assert source_key("2001:db8:1:2:aaaa::1") == source_key("2001:db8:1:2:bbbb::9")
    assert source_key("2001:db8:1:2::1") != source_key("2001:db8:1:3::1")
    assert source_key("::ffff:10.1.2.3") == "10.1.2.3"
    assert source_key(None) == "?"
    assert len(source_key("x" * 300)) == 64
