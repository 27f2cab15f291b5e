"""An agency storage point's contract (代储协议, art. 9) against the stock it holds (pure).

A contract runs from `starts_on` to `ends_on` (its last day). As of a depot's day it is
`pending` (not started), `running`, `expiring` (ending within EXPIRING_DAYS days: time to
renew it), or `expired`. For each item the point must hold the contracted quantity
available (可用): stock reserved for an order, waiting for acceptance, on hold or waiting to
be scrapped is shown beside it but does not count towards the contract, and a line holding
less available than contracted is short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

EXPIRING_DAYS = 30


@dataclass(frozen=True, slots=True)
class Term:
    state: str  # pending, running, expiring, expired
    days_left: int  # to its last day, counted from today (negative: since it ended)


def term(starts_on: date, ends_on: date, today: date) -> Term:
    """Where a contract stands on `today`."""
    left = (ends_on - today).days
    if today < starts_on:
        return Term("pending", left)
    if left < 0:
        return Term("expired", left)
    return Term("expiring" if left <= EXPIRING_DAYS else "running", left)


@dataclass(frozen=True, slots=True)
class Held:
    """A contract's line against the point's stock of the item, by status."""

    item: str
    contracted: int
    by_status: tuple[tuple[str, int], ...]  # (status, qty) of the item at the point

    @property
    def available(self) -> int:
        return sum(q for s, q in self.by_status if s == "available")

    @property
    def other(self) -> int:
        """Held in another status: reserved, waiting for acceptance, on hold, scrap pending."""
        return sum(q for s, q in self.by_status if s != "available")

    @property
    def short(self) -> int:
        """How much available stock the point lacks against the contract (0: none)."""
        return max(0, self.contracted - self.available)
