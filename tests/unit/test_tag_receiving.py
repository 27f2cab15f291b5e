"""Receiving by tag at a receiving door (gateway/domain/workflows/receiving.py), over the floor
in memory, and the check of a notice's tagged units at the server (server/domain/tag_units.py):
pure parts, no database, no broker."""

from __future__ import annotations

from datetime import date

import pytest
from test_floor_workflows import DOOR, QUILT, Hands, depot

from gateway.domain.direction import IN, OUT
from gateway.domain.floor import ListedUnit, TaggedUnit
from gateway.domain.smoothing import Rules, Smoother
from gateway.domain.workflows import decide
from gateway.domain.workflows.receiving import passes_in
from kernel.contract import Answer, RfidInfo, ScanData, ScanMessage
from server.domain.errors import Rejection
from server.domain.tag_units import LineOf, TagKey, check_units, tag_key
from server.domain.tag_units import TaggedUnit as Advised

P1 = "urn:epc:id:sgtin:6901234.056790.P1"  # quilts (GTIN 06901234567908), serial P1
P2 = "urn:epc:id:sgtin:6901234.056790.P2"
PALLET = "urn:epc:id:sscc:6901234.0000000042"  # a pallet of quilts by its SSCC
STRANGER = "urn:epc:id:sscc:6901234.0000000099"


def listed(epc: str, qty: int, **key: str) -> ListedUnit:
    return ListedUnit(epc, 3, "RK-2026-003", 0, "CQ-0001", "2026K01", qty, prod_date="2026-10-01",
                      expiry="2031-09-30", **key)  # fmt: skip


@pytest.fixture
def truck() -> Hands:
    """The depot of test_floor_workflows, its notice for 40 quilts listing three units."""
    floor = depot()
    floor.listed = [
        listed(P1, 10, gtin=QUILT, serial="P1"),
        listed(P2, 10, gtin=QUILT, serial="P2"),
        listed(PALLET, 20, sscc="069012340000000429"),
    ]
    return Hands(floor)


def tag(hands: Hands, epc: str) -> Answer:
    return hands.read(DOOR, ScanData(kind="epc", epc_uri=epc), door="D01")


def test_a_listed_tag_is_received_once_against_its_notice(truck: Hands) -> None:
    first = tag(truck, P1)
    assert first.result == "ok" and first.beep == "ok" and "已收货" in first.text_zh
    again = tag(truck, P1)  # the same pallet seen again later
    assert again.beep == "ok" and "Already received" in again.text_en
    assert [(e["batch"], e["qty"], e["notice"], e["gtin"]) for e in truck.events("receiving")] == [
        ("2026K01", 10, "RK-2026-003", QUILT)
    ]
    assert truck.events("receiving")[0]["expiry"] == "2031-09-30"
    assert truck.floor.open_notice_lines()[0].received == 10
    assert truck.floor.tagged(P1) == TaggedUnit(P1, "CQ-0001", QUILT, "2026K01", 10, "received",
                                                None)  # fmt: skip
    assert truck.stock("D01") == {("2026K01", "pending_acceptance"): 10}


def test_a_label_scanned_after_its_tag_passed_is_not_received_twice_nor_before(
    truck: Hands,
) -> None:
    tag(truck, P2)
    label = ScanData(kind="gs1", gtin=QUILT, batch="2026K01", qty=10, serial="P2")
    assert "Already received" in truck.read(DOOR, label, door="D01").text_en
    # the pallet's SSCC label alone receives the pallet; its tag passing after counts nothing
    sscc = truck.read(DOOR, ScanData(kind="gs1", sscc="069012340000000429"), door="D01")
    assert "已收货" in sscc.text_zh and sscc.beep == "ok"
    assert "Already received" in tag(truck, PALLET).text_en
    assert [e["qty"] for e in truck.events("receiving")] == [10, 20]
    assert truck.floor.open_notice_lines()[0].received == 30


def test_an_unknown_tag_warns_and_receives_nothing(truck: Hands) -> None:
    answer = tag(truck, STRANGER)
    assert answer.result == "ok" and answer.beep == "warn"
    assert "scan its label" in answer.text_en and "请扫描货物标签" in answer.text_zh
    assert truck.events("receiving") == [] and truck.floor.tagged(STRANGER) is None


def test_a_tag_paired_on_a_handheld_before_is_on_the_books_already(truck: Hands) -> None:
    truck.floor.tags[STRANGER] = TaggedUnit(STRANGER, "CQ-0001", QUILT, "2020C01", 5,
                                            "registered", None)  # fmt: skip
    assert "Registered unit" in tag(truck, STRANGER).text_en
    assert truck.events("receiving") == []


def test_over_the_notice_is_flagged_as_a_label_would_be(truck: Hands) -> None:
    assert truck.goods(DOOR, QUILT, "2026K01", 35, door="D01").beep == "ok"
    over = tag(truck, PALLET)  # 35 + 20 > 40
    assert over.beep == "warn" and "RK-2026-003" in over.text_en
    assert [(f.flag, f.qty) for f in truck.floor.flagged] == [("over", 20)]


def test_only_a_qualifying_presence_counts_and_once(truck: Hands) -> None:
    smoother = Smoother(Rules(window=2.0, min_reads=3))
    answers = []
    for n in range(8):  # eight reads of one pass: the third decides the presence
        scan = ScanMessage(f"read-{n}", "LC01", DOOR, n, "2026-11-24T09:00:00+08:00", "serial",
                           b"x", True, ScanData(kind="epc", epc_uri=P1), door="D01",
                           rfid=RfidInfo(rssi=-50.0))  # fmt: skip
        truck.floor.mark()
        outcome = decide(truck.floor, scan, 1_000.0 + n * 0.1, smoother)
        answers.append(outcome.answer.task.get("counted", True) if outcome.answer.task else True)
        truck.made += outcome.events
    assert len(truck.made) == 1 and answers.count(True) == 1


def test_only_an_inward_pass_counts_where_the_portal_tells_direction() -> None:
    assert passes_in(None) and passes_in(IN)
    assert not passes_in(OUT)


def test_tag_keys_follow_the_tag_data_standard() -> None:
    assert tag_key("urn:epc:id:sscc:0614141.1234567890") == TagKey("106141412345678908", None, None)
    assert tag_key("urn:epc:id:sgtin:0614141.812345.6789") == TagKey(None, "80614141123458", "6789")
    assert tag_key("urn:epc:id:sgtin:0614141.812345.A%2Fb") is not None  # escaped serial
    for bad in (
        "urn:epc:id:sgtin:0614141.812345",  # no serial
        "urn:epc:id:sgtin:0614141.8123456.1",  # 14 digits
        "urn:epc:id:sscc:0614141.123456789",  # 16 digits
        "urn:epc:id:sgln:0614141.12345.0",
        "urn:epc:id:sgtin:0614141.812345." + "1" * 21,
        "urn:epc:id:sgtin:0614141.812345.a b",
    ):
        assert tag_key(bad) is None, bad


def test_units_are_checked_against_their_lines() -> None:
    lines = [LineOf("CQ-0001", "2026K01", 40), LineOf("ZS-0001", None, 5)]
    good = Advised(P1, 1, "CQ-0001", "2026K01", 40, date(2026, 10, 1), date(2031, 9, 30))
    assert check_units(lines, [good]) == [TagKey(None, QUILT, "P1")]
    assert check_units(lines, [Advised(PALLET, 2, "ZS-0001", "any", 5)])[0].sscc
    for reason, units in {
        "bad_epc": [Advised("urn:epc:id:sgtin:1.2.3", 1, "CQ-0001", "2026K01", 1)],
        "duplicate_epc": [Advised(P1, 1, "CQ-0001", "2026K01", 1)] * 2,
        "unit_line": [Advised(P1, 3, "CQ-0001", "2026K01", 1)],
        "unit_not_line": [Advised(P1, 1, "CQ-0001", "2026K02", 1)],
        "units_over_line": [good, Advised(P2, 1, "CQ-0001", "2026K01", 1)],
        "bad_dates": [Advised(P1, 1, "CQ-0001", "2026K01", 1, date(2026, 2, 1), date(2026, 1, 1))],
    }.items():
        with pytest.raises(Rejection) as refused:
            check_units(lines, units)
        assert refused.value.reason == reason
