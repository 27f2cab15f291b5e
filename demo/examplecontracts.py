"""The example agency storage points' contracts (art. 9, 代储协议): what the agency page
(server/dash/agency.py) sets against the stock each point holds."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Contract:
    """An agency storage point's contract (art. 9): its period, fees and (item, quantity)."""

    number: str
    warehouse: str
    starts_on: date
    ends_on: date
    yearly_fee_cents: int
    unit_fee_cents: int
    lines: tuple[tuple[str, int], ...]


class Held(Protocol):
    """What a contract is made from: a batch of the example, where it is and how much."""

    @property
    def warehouse(self) -> str: ...
    @property
    def item_code(self) -> str: ...
    @property
    def quantity(self) -> int: ...


def agency_contracts(
    batches: Sequence[Held], agency_points: Sequence[str], today: date
) -> Iterator[Contract]:
    """Each agency point's two-year contract from the start of `today`'s year: the first four
    items it holds, every other one contracted above what it holds (short, in red)."""
    for point in agency_points:
        held: dict[str, int] = {}
        for b in batches:
            if b.warehouse == point:
                held[b.item_code] = held.get(b.item_code, 0) + b.quantity
        lines = tuple(
            (item, qty + 100 if n % 2 == 0 else max(1, qty // 2))
            for n, (item, qty) in enumerate(sorted(held.items())[:4])
        )
        start, end = date(today.year, 1, 1), date(today.year + 1, 12, 31)
        yield Contract(f"DC-{point}-{start.year}", point, start, end, 1_200_000, 0, lines)
