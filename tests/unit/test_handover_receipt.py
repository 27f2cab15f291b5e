"""The receiver's confirmation of a handover note (server/domain/handover.py): every line
counted once, none above what was handed over, a short line explained, not in the future;
the note's state from what was counted."""

from __future__ import annotations

from datetime import date

import pytest

from kernel.handover_paper import basis_of
from server.domain.errors import Rejection
from server.domain.handover import (
    CONFIRMED,
    DISCREPANCY,
    Counted,
    Receipt,
    check_receipt,
)

TODAY = date(2026, 12, 2)
HANDED = {11: 30, 12: 5}


def receipt(*lines: Counted, on: date = TODAY) -> Receipt:
    return Receipt("李主任", "0816-2345678", on, lines)


def test_everything_received_confirms_the_note() -> None:
    assert check_receipt(HANDED, receipt(Counted(11, 30), Counted(12, 5)), TODAY) == CONFIRMED


def test_a_short_line_with_its_note_or_a_noted_line_is_a_discrepancy() -> None:
    short = receipt(Counted(11, 28, "2 顶破损"), Counted(12, 5))
    assert check_receipt(HANDED, short, TODAY) == DISCREPANCY
    noted = receipt(Counted(11, 30), Counted(12, 5, "外包装受潮"))
    assert check_receipt(HANDED, noted, TODAY) == DISCREPANCY
    assert check_receipt(HANDED, receipt(Counted(11, 0, "未到"), Counted(12, 5)), TODAY)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        (receipt(Counted(11, 31), Counted(12, 5)), "above_handed_over"),
        (receipt(Counted(11, 29), Counted(12, 5)), "discrepancy_unexplained"),
        (receipt(Counted(11, 29, "   "), Counted(12, 5)), "discrepancy_unexplained"),
        (receipt(Counted(11, 30)), "line_missing"),
        (receipt(), "line_missing"),
        (receipt(Counted(11, 30), Counted(12, 5), Counted(13, 1)), "unknown_note_line"),
        (receipt(Counted(11, 30), Counted(11, 30), Counted(12, 5)), "repeated"),
        (receipt(Counted(11, -1, "x"), Counted(12, 5)), "bad_quantity"),
        (receipt(Counted(11, 30), Counted(12, 5), on=date(2026, 12, 3)), "in_future"),
    ],
)
def test_what_cannot_be_recorded(given: Receipt, reason: str) -> None:
    with pytest.raises(Rejection) as refused:
        check_receipt(HANDED, given, TODAY)
    assert refused.value.reason == reason


def test_the_notes_basis_names_the_written_order_of_a_phone_order() -> None:
    assert basis_of("MY-2026-031", None, by_phone=False) == "MY-2026-031"
    assert basis_of("DH-0601", None, by_phone=True) == "DH-0601（电话指令，书面调拨通知待补）"
    assert basis_of("DH-0601", "川应急调〔2026〕12号", by_phone=True) == (
        "川应急调〔2026〕12号（电话指令 DH-0601）"
    )
