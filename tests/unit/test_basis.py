"""The rules a posting's author and basis are held to (server.domain.basis), without a database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from server.domain.basis import (
    OPENING,
    RULES,
    Basis,
    BasisError,
    Kind,
    check,
    on_decision,
    on_event,
)


@dataclass(frozen=True)
class Entry:
    status: str
    qty: int
    author: str = "wang"
    basis: Basis | None = None


def reason(*entries: Entry) -> str:
    with pytest.raises(BasisError) as caught:
        check(entries)
    return caught.value.reason


def test_every_kind_names_what_allows_it() -> None:
    assert set(RULES) == set(Kind)
    for kind, rule in RULES.items():
        assert rule.takes or rule.gives, kind
        if rule.needs == "event":
            assert rule.events, kind
        if rule.needs == "approval":
            assert rule.approvals, kind


def test_a_receipt_stands_on_its_event() -> None:
    receipt = on_event(Kind.RECEIPT, "e-1")
    assert check([Entry("pending_acceptance", 20, basis=receipt)]) == {receipt: 20}
    assert reason(Entry("pending_acceptance", 20)) == "no_basis"
    assert reason(Entry("pending_acceptance", 20, basis=Basis(Kind.RECEIPT))) == "no_basis"
    assert reason(Entry("available", 20, basis=receipt)) == "not_allowed"  # unaccepted first


def test_a_posting_names_its_author() -> None:
    receipt = on_event(Kind.RECEIPT, "e-1")
    for author in ("", "   ", "x" * 65, "wang\nli"):
        assert reason(Entry("pending_acceptance", 1, author, receipt)) == "no_author"


def test_goods_leave_only_on_a_basis_that_lets_them_out() -> None:
    load = on_event(Kind.PICK_LINE, "e-2", "17")
    assert check([Entry("reserved", -5, basis=load)]) == {load: -5}
    assert reason(Entry("reserved", -5, basis=on_event(Kind.PICK_LINE, "e-2"))) == "no_basis"
    assert reason(Entry("reserved", -5, basis=on_event(Kind.MOVE, "e-3"))) == "not_allowed"
    acceptance = on_decision(Kind.ACCEPTANCE, 4)
    assert reason(Entry("pending_acceptance", -5, basis=acceptance)) == "not_allowed"
    assert reason(Entry("scrap_pending", -5, basis=on_decision(Kind.ROTATION, 5))) == (
        "not_allowed"
    )  # a rotation takes available stock only
    scrapping = on_decision(Kind.SCRAPPING, 6)
    assert check([Entry("scrap_pending", -5, basis=scrapping)]) == {scrapping: -5}


def test_a_move_keeps_what_it_moves() -> None:
    move = on_event(Kind.MOVE, "e-4")
    assert check([Entry("available", -5, basis=move), Entry("available", 5, basis=move)])
    assert reason(Entry("available", -5, basis=move), Entry("reserved", 5, basis=move)) == (
        "not_allowed"
    )
    assert reason(Entry("available", -5, basis=move), Entry("available", 4, basis=move)) == (
        "not_allowed"
    )


def test_a_decision_that_moves_goods_between_statuses_adds_up_to_nothing() -> None:
    acceptance = on_decision(Kind.ACCEPTANCE, 7)
    assert check(
        [Entry("pending_acceptance", -5, basis=acceptance), Entry("available", 5, basis=acceptance)]
    )
    assert reason(Entry("available", 5, basis=acceptance)) == "not_allowed"


def test_references_are_named_where_the_kind_needs_one() -> None:
    assert reason(Entry("available", 3, basis=on_decision(Kind.ADJUSTMENT, 8))) == "no_basis"
    assert check([Entry("available", 3, basis=on_decision(Kind.ADJUSTMENT, 8, 12))])
    assert reason(Entry("available", 3, basis=on_decision(Kind.RESTOCK, 9))) == "no_basis"
    assert reason(Entry("available", 3, basis=Basis(Kind.OPENING, ref="x"))) == "no_basis"
    assert check([Entry("available", 3, "opening-balance", OPENING)])


def test_a_quantity_is_a_whole_non_zero_number() -> None:
    receipt = on_event(Kind.RECEIPT, "e-1")
    assert reason(Entry("pending_acceptance", 0, basis=receipt)) == "bad_quantity"
    assert reason(Entry("pending_acceptance", True, basis=receipt)) == "bad_quantity"
