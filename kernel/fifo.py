"""First in, first out: which stock goes first, and which may not go at all. One rule for the
server (reserving a dispatch order's stock) and the gateway (offering a picker a pick line),
so the two never choose differently for the same stock.

The design brief (section 4) and the measures (arts. 15, 25(4)) order a pick's candidates:

1. overdue batches that passed a re-inspection still valid today (art. 25(4): "overdue stock
   that still passes a quality check is dispatched first");
2. earliest inbound date (art. 15);
3. earliest production date;
4. location walk order;
5. a stable id (the caller's: the server's batch and location, the gateway's pick line).

Overdue stock without a re-inspection pass valid today is never offered (`offerable`).

A batch is overdue the day after its storage limit: its item's suggested storage years
counted from its production date, or its inbound date when production is unknown. A batch
whose item sets no storage years, or with neither date, is never overdue (nothing says when
its years end). A missing inbound or production date sorts after every known one: stock whose
age is unknown is taken only after stock known to be older.

Pure: no IO, standard library only; the day ("today", the depot's date) is an argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

Tiebreak = tuple[int | str, ...]


@dataclass(frozen=True, slots=True)
class Lot:
    """What FIFO needs to know of one stack of one batch."""

    inbound: date | None  # the batch's inbound date
    made: date | None  # its production date
    storage_years: int | None  # its item's suggested storage years; None: never overdue
    pass_valid_until: date | None  # a passed re-inspection counts until this day
    walk_order: int  # where the stack lies on the walk through the depot
    tiebreak: Tiebreak = ()  # stable id(s) chosen by the caller, the same shape for all lots


def add_years(day: date, years: int) -> date:
    """The same day `years` later (earlier when negative); 29 February becomes the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def storage_limit(made: date, storage_years: int) -> date:
    """The last day of a batch's suggested storage years, counted from when it was made (its
    production date, else its inbound date)."""
    return add_years(made, storage_years)


def limit_of(lot: Lot) -> date | None:
    """The lot's storage limit, or None when it has none (no storage years, no date)."""
    made = lot.made or lot.inbound
    if made is None or lot.storage_years is None:
        return None
    return storage_limit(made, lot.storage_years)


def overdue(lot: Lot, today: date) -> bool:
    """Past its storage limit on `today`."""
    limit = limit_of(lot)
    return limit is not None and limit < today


def passed(lot: Lot, today: date) -> bool:
    """It passed a re-inspection that still counts on `today`."""
    return lot.pass_valid_until is not None and lot.pass_valid_until >= today


def offerable(lot: Lot, today: date) -> bool:
    """It may be dispatched: not overdue, or overdue with a pass valid today (art. 25(4))."""
    return not overdue(lot, today) or passed(lot, today)


def fifo_key(lot: Lot, today: date) -> tuple[int, date, date, int, *Tiebreak]:
    """The lot's place in the order (smallest first), for lots that are `offerable`."""
    return (
        0 if overdue(lot, today) and passed(lot, today) else 1,
        lot.inbound or date.max,
        lot.made or date.max,
        lot.walk_order,
        *lot.tiebreak,
    )
