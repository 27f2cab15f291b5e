"""Unit tests for the receiving rule at the door (gateway.receiving)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from edge.contract import ScanData, ScanMessage, parse_answer
from edge.decode import decode_barcode
from gateway.receiving import Decision, event_id_for, receive

READ_ID = "01936b2e-7c41-7def-8a3b-2f0c4d5e6f70"
GTIN = "06901234567892"
GOODS = ScanData(kind="gs1", gtin=GTIN, batch="2024A1", prod_date="2024-03-01", qty=20)


def _scan(**overrides: Any) -> ScanMessage:
    fields: dict[str, Any] = {
        "event_id": READ_ID,
        "site": "LC01",
        "device": "LC01-D03-FIX1",
        "door": "D03",
        "seq": 1842,
        "ts": "2026-11-23T09:14:03.120+08:00",
        "source": "serial",
        "symbology": "]C1",
        "raw": b"]C10106901234567892102024A1\x1d112403013020",
        "valid": True,
        "data": GOODS,
    }
    fields.update(overrides)
    return ScanMessage(**fields)


def test_goods_label_makes_a_receiving_event() -> None:
    decision = receive(_scan())
    assert decision.event is not None
    assert decision.event == {
        "event_id": event_id_for(READ_ID, "receiving"),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:14:03.120+08:00",
        "read_id": READ_ID,
        "device": "LC01-D03-FIX1",
        "location": "D03",
        "gtin": GTIN,
        "batch": "2024A1",
        "prod_date": "2024-03-01",
        "expiry": None,
        "qty": 20,
    }


def test_event_id_is_a_uuid_distinct_from_the_read_id() -> None:
    event = receive(_scan()).event
    assert event is not None
    assert str(uuid.UUID(event["event_id"])) == event["event_id"]
    assert event["event_id"] != READ_ID


def test_ok_answer_names_the_read_and_tells_the_operator() -> None:
    decision = receive(_scan())
    answer = decision.answer
    assert answer.re == READ_ID
    assert answer.result == "ok"
    assert answer.beep == "ok"
    assert "2024A1" in answer.text_zh
    assert "20" in answer.text_zh
    assert "收货" in answer.text_zh
    assert "2024A1" in answer.text_en
    assert "20" in answer.text_en
    assert "Received" in answer.text_en
    assert decision.event is not None
    assert answer.task == {"kind": "receiving", "id": decision.event["event_id"]}


def test_ok_answer_goes_over_the_wire() -> None:
    answer = receive(_scan()).answer
    assert parse_answer(answer.to_json()) == answer


def test_expiry_is_carried_into_the_event() -> None:
    data = ScanData(kind="gs1", gtin=GTIN, batch="B1", expiry="2027-06-30", qty=5)
    event = receive(_scan(data=data)).event
    assert event is not None
    assert event["expiry"] == "2027-06-30"
    assert event["prod_date"] is None


def test_decoded_label_is_received() -> None:
    decoded = decode_barcode(b"]C10106901234567892102024A1\x1d112403013020")
    decision = receive(_scan(data=decoded.data, valid=decoded.valid))
    assert decision.answer.result == "ok"
    assert decision.event is not None
    assert decision.event["qty"] == 20


def test_event_id_is_deterministic_for_the_same_read() -> None:
    first = receive(_scan())
    again = receive(_scan(seq=1843, ts="2026-11-23T09:15:00.000+08:00"))
    assert first.event is not None and again.event is not None
    assert first.event["event_id"] == again.event["event_id"]
    assert event_id_for(READ_ID, "receiving") == event_id_for(READ_ID, "receiving")


def test_event_id_differs_between_reads_and_kinds() -> None:
    other_read = "01936b2e-7c41-7def-8a3b-2f0c4d5e6f71"
    assert event_id_for(READ_ID, "receiving") != event_id_for(other_read, "receiving")
    assert event_id_for(READ_ID, "receiving") != event_id_for(READ_ID, "putaway")
    other = receive(_scan(event_id=other_read)).event
    assert other is not None
    assert other["event_id"] == event_id_for(other_read, "receiving")


def _assert_refused(decision: Decision, zh: str, en: str) -> None:
    assert decision.event is None
    assert decision.answer.re == READ_ID
    assert decision.answer.result == "refused"
    assert decision.answer.beep == "error"
    assert zh in decision.answer.text_zh
    assert en in decision.answer.text_en


def test_invalid_read_is_refused_with_its_error() -> None:
    decision = receive(_scan(valid=False, data=ScanData(), error="gs1_check_digit"))
    _assert_refused(decision, "无法识别", "Unreadable")
    assert "gs1_check_digit" in decision.answer.text_en
    assert "gs1_check_digit" in decision.answer.text_zh


def test_invalid_read_is_refused_even_if_it_carries_data() -> None:
    decision = receive(_scan(valid=False, error="not_text"))
    _assert_refused(decision, "无法识别", "Unreadable")


def test_location_label_is_refused() -> None:
    decision = receive(_scan(data=ScanData(kind="location", location="A-03-02")))
    _assert_refused(decision, "货物标签", "goods label")


def test_sscc_only_is_refused_as_not_goods() -> None:
    decision = receive(_scan(data=ScanData(kind="gs1", sscc="069012340000000429")))
    _assert_refused(decision, "货物标签", "goods label")


@pytest.mark.parametrize(
    "data",
    [
        ScanData(kind="gs1", gtin=GTIN, qty=20),
        ScanData(kind="gs1", gtin=GTIN, batch="", qty=20),
        ScanData(kind="gs1", gtin=GTIN, batch="2024A1"),
        ScanData(kind="gs1", gtin=GTIN, batch="2024A1", qty=0),
        ScanData(kind="gs1", gtin=GTIN, batch="2024A1", qty=-3),
    ],
)
def test_label_without_batch_or_quantity_is_refused(data: ScanData) -> None:
    _assert_refused(receive(_scan(data=data)), "批号或数量", "batch or quantity")


@pytest.mark.parametrize("door", [None, ""])
def test_device_without_a_door_is_refused(door: str | None) -> None:
    _assert_refused(receive(_scan(door=door)), "库门", "door")
