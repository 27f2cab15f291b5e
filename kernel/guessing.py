"""How fast a password may be guessed: the rule shared by the central server's login and the
gateway's floor sign-on. Pure: it takes what is known of the recent failed attempts and says
how long the next attempt must wait.

Three counts of failed attempts within `window`, each with a few free failures, then a wait
that doubles with each further failure (from `first_wait` up to `max_wait`), counted from the
last of them:

- `pair`: one name from one address (a person mistyping, or one place guessing one password);
- `source`: one address, every name together (one password tried on many names);
- `name`: one name from every address it has not signed on from (many places guessing one
  password).

Nobody can keep the owner out from elsewhere: from an address the name signed on from before
(a *known* address), only that address's own failures for the name count. Someone guessing
from another address slows down only themselves and other unknown addresses. A name that
does not exist is counted the same way as one that does, so the answers (and their times)
do not tell which names exist.

Addresses are counted as they are given, but an IPv6 address counts as its /64 network (one
household or one machine holds a whole /64).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Policy:
    free_per_pair: int = 5
    free_per_source: int = 20
    free_per_name: int = 10
    first_wait: float = 5.0  # seconds, after the free failures; then 10, 20, 40 ...
    max_wait: float = 900.0  # 15 minutes at most between two attempts
    window: float = 24 * 3600.0  # failures older than this are forgotten
    known_for: float = 90 * 24 * 3600.0  # an address stays known this long after a sign-on


POLICY = Policy()


@dataclass(frozen=True, slots=True)
class Failures:
    """Failed attempts in the window that a count covers: how many, and when the last was."""

    count: int = 0
    last: float = 0.0


@dataclass(frozen=True, slots=True)
class Attempt:
    """What is known when someone tries a name from an address."""

    pair: Failures  # this name from this address
    source: Failures  # this address, any name
    name: Failures  # this name from the addresses not known for it
    known_source: bool  # the name signed on from this address within `known_for`


def _wait(failures: Failures, free: int, policy: Policy, now: float) -> float:
    if failures.count < free:
        return 0.0
    step = min(policy.first_wait * 2.0 ** min(failures.count - free, 32), policy.max_wait)
    return max(0.0, failures.last + step - now)


def wait(attempt: Attempt, now: float, policy: Policy = POLICY) -> float:
    """Seconds before this attempt may be made; 0 when it may be made now."""
    waits = [_wait(attempt.pair, policy.free_per_pair, policy, now)]
    if not attempt.known_source:
        waits.append(_wait(attempt.source, policy.free_per_source, policy, now))
        waits.append(_wait(attempt.name, policy.free_per_name, policy, now))
    return max(waits)


def source_key(host: str | None) -> str:
    """The address an attempt is counted under: IPv4 as it is, IPv6 as its /64 network."""
    if not host:
        return "?"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
