"""Reconciliation (账实相符): a stocktake's counted lines against the ledger's, pure.

This is the rule the close of a stocktake applies (server.services.stocktake_close.close), written
once as a function over plain values. The close runs it as one set operation in the database,
because a depot's stocktake has 100,000s of lines; `tests/integration/test_reconciliation.py`
shows on random ledgers and counts that the two agree line for line.

A line is a (location, batch). Its expected quantity is the ledger's, all statuses together;
its count is the latest one (the highest round, then the last recorded), with the bin card's
quantity written down with it. A line is kept when the ledger or its count has something.

    not_counted   nobody counted it (it must be marked with a reason before the close)
    ok            counted as the ledger has it
    recount       off by more than the tolerance and counted once only: count it again
    variance      off, and either within the tolerance or counted twice: needs a reason
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

STATES = ("ok", "variance", "recount", "not_counted")
Key = tuple[int, int]  # (location, batch)


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One stock line of the ledger: a location, a batch, one status's quantity."""

    location: int
    batch: int
    qty: int


@dataclass(frozen=True, slots=True)
class CountedLine:
    """One count as recorded (`seq`: the order it was recorded in)."""

    location: int
    batch: int
    counted: int
    card: int | None
    round: int
    seq: int


@dataclass(frozen=True, slots=True)
class Line:
    location: int
    batch: int
    expected: int
    counted: int | None
    card: int | None
    rounds: int
    variance: int | None
    state: str
    reason: str | None  # why it was not counted, for a line marked so


@dataclass(frozen=True, slots=True)
class Summary:
    lines: int
    ok: int
    variances: int
    recounts: int
    not_counted: int
    card_mismatches: int


def state_of(expected: int, counted: int | None, rounds: int, tolerance: int) -> str:
    if counted is None:
        return "not_counted"
    if counted == expected:
        return "ok"
    if abs(counted - expected) > tolerance and rounds < 2:
        return "recount"
    return "variance"


def reconcile(
    ledger: Iterable[LedgerLine],
    counts: Iterable[CountedLine],
    tolerance: int,
    skipped: Mapping[Key, str] | None = None,
) -> list[Line]:
    """Every line of the stocktake, in (location, batch) order; `skipped` holds the reason
    each line marked not counted was given."""
    expected: dict[Key, int] = {}
    for held in ledger:
        key = (held.location, held.batch)
        expected[key] = expected.get(key, 0) + held.qty
    latest: dict[Key, CountedLine] = {}
    for one in counts:
        key = (one.location, one.batch)
        if key not in latest or (one.round, one.seq) > (latest[key].round, latest[key].seq):
            latest[key] = one
    lines = []
    for key in sorted(expected.keys() | latest.keys()):
        qty = expected.get(key, 0)
        count = latest.get(key)
        counted = count.counted if count is not None else None
        if qty == 0 and not counted:
            continue
        rounds = count.round if count is not None else 0
        state = state_of(qty, counted, rounds, tolerance)
        lines.append(
            Line(
                *key,
                expected=qty,
                counted=counted,
                card=count.card if count is not None else None,
                rounds=rounds,
                variance=None if counted is None else counted - qty,
                state=state,
                reason=(skipped or {}).get(key) if state == "not_counted" else None,
            )
        )
    return lines


def summary(lines: Iterable[Line]) -> Summary:
    """The close's answer: how many lines, and how many of each state; the bin cards that
    disagree with the ledger."""
    found = list(lines)
    by_state = {state: sum(1 for line in found if line.state == state) for state in STATES}
    mismatched = sum(1 for line in found if line.card is not None and line.card != line.expected)
    return Summary(
        len(found),
        by_state["ok"],
        by_state["variance"],
        by_state["recount"],
        by_state["not_counted"],
        mismatched,
    )
