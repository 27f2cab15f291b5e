"""The receiver's confirmation of a handover note (art. 21, annex 2): on the day the goods
arrive the receiver counts them against the note, line by line, and reports any shortfall or
quality problem. The rule here: every line of the note counted once, none counted above what
was handed over, and each line short or otherwise wrong explained by its note."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from server.domain.errors import Rejection

ISSUED, CONFIRMED, DISCREPANCY = "issued", "confirmed", "discrepancy"
STATES = (ISSUED, CONFIRMED, DISCREPANCY)


@dataclass(frozen=True, slots=True)
class Counted:
    line: int  # the note's line (handover_lines.id)
    received: int
    discrepancy: str | None = None  # the receiver's note: short, damaged, wrong batch


@dataclass(frozen=True, slots=True)
class Receipt:
    received_by: str  # 接收人
    phone: str  # 联系电话
    on: date  # 接收时间
    lines: tuple[Counted, ...]


def check_receipt(handed: Mapping[int, int], receipt: Receipt, today: date) -> str:
    """The state a receipt leaves the note in (confirmed, or discrepancy when a line is short
    or has a note); a Rejection when it cannot be recorded. `handed`: line -> handed over;
    `today`: the depot's date (the goods cannot be received later than today)."""
    if receipt.on > today:
        raise Rejection("in_future", f"received on {receipt.on}, after today ({today})")
    counted: Sequence[Counted] = receipt.lines
    if not counted:
        raise Rejection("line_missing", "the receipt counts no line")
    seen: set[int] = set()
    for c in counted:
        if c.line not in handed:
            raise Rejection("unknown_note_line", f"line {c.line} is not a line of this note")
        if c.line in seen:
            raise Rejection("repeated", f"line {c.line} is counted twice")
        seen.add(c.line)
        if c.received < 0:
            raise Rejection("bad_quantity", f"line {c.line}: a quantity received below zero")
        if c.received > handed[c.line]:
            raise Rejection(
                "above_handed_over",
                f"line {c.line}: {c.received} received, but {handed[c.line]} was handed over",
            )
        if c.received < handed[c.line] and not (c.discrepancy or "").strip():
            raise Rejection(
                "discrepancy_unexplained",
                f"line {c.line}: {c.received} of {handed[c.line]} received, with no note",
            )
    missing = sorted(set(handed) - seen)
    if missing:
        raise Rejection("line_missing", f"lines {missing} are not counted")
    return (
        DISCREPANCY
        if any(c.received < handed[c.line] or (c.discrepancy or "").strip() for c in counted)
        else CONFIRMED
    )
