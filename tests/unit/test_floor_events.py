"""The typed floor events (kernel.floor_events): each type's wire form is the JSON object
gateways send (and their outboxes keep), the parser reads it back as the same event, reads
the older forms still in outboxes, and refuses a malformed object with its reason code."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.bounds import MAX_QTY, MAX_STOCK
from kernel.floor_events import (
    REASONS,
    TYPES,
    Envelope,
    FloorEvent,
    Loading,
    Malformed,
    Moving,
    Override,
    Picking,
    Receiving,
    Returning,
    Stack,
    StockTaking,
    Storing,
    parse,
)

ID = "0b5a8f0e-3c1d-5e2f-9a4b-6c7d8e9f0a1b"
HEAD = Envelope(ID, "LC01", "2026-11-24T09:00:00+08:00", "read-1", "LC01-HH1", "li.ming")
GOODS: dict[str, Any] = {"gtin": "06901234567892", "batch": "2019A01", "qty": 20}

EVERY_KIND: list[FloorEvent] = [
    Receiving(envelope=HEAD, location="D01", prod_date="2019-01-10", expiry=None,
              notice="RK-2026-003", **GOODS),
    Receiving(envelope=HEAD, location="D01", **GOODS),
    Returning(envelope=HEAD, location="D01", **GOODS),
    Storing(envelope=HEAD, from_location="D01", to_location="A-01-03", **GOODS),
    Moving(envelope=HEAD, from_location="B-01-01", to_location="A-01-03", status="available",
           **GOODS),
    Picking(envelope=HEAD, order="101", from_location="A-01-01", **GOODS),
    Picking(envelope=HEAD, order="101", from_location="A-01-05",
            override=Override("wang", "blocked", instead_of="2019A01"), **GOODS),
    Loading(envelope=HEAD, order="101", from_location="A-01-01", **GOODS),
    Loading(envelope=HEAD, order="101", from_location="A-01-05",
            instead_of=Stack("A-01-01", "2019A01"), override=Override("wang", "blocked"),
            **GOODS),
    StockTaking(envelope=HEAD, stocktake=7, location="A-01-02", gtin="06901234567892",
                batch="2021B02", counted=30, card=None, round=1),
    StockTaking(envelope=Envelope(ID, operator="zhao"), stocktake=7, location="A-01-02", gtin=None,
                batch="2021B02", counted=0, card=40, round=2),
]  # fmt: skip


@pytest.mark.parametrize("event", EVERY_KIND, ids=lambda e: e.type)
def test_each_event_reads_back_from_its_wire_form_as_it_was_made(event: FloorEvent) -> None:
    wire = event.to_wire()
    assert wire["event_id"] == ID and wire["type"] == event.type
    sent = json.loads(json.dumps(wire))  # as it travels
    assert parse(sent) == event
    assert parse(sent).to_wire() == wire


def test_the_wire_form_is_the_object_gateways_have_always_sent() -> None:
    """Key by key, None-valued fields included as they were; the person last, when there is
    one; fields a gateway never sent (status, override, instead_of) only when they are set."""
    received = EVERY_KIND[0].to_wire()
    assert list(received) == [
        "event_id", "type", "warehouse", "occurred_at", "read_id", "device", "location",
        "prod_date", "expiry", "notice", "gtin", "batch", "qty", "operator",
    ]  # fmt: skip
    assert received["expiry"] is None and received["operator"] == "li.ming"
    loaded = EVERY_KIND[8].to_wire()
    assert {k: loaded[k] for k in ("order", "from_location", "instead_of", "override")} == {
        "order": "101",
        "from_location": "A-01-05",
        "instead_of": {"location": "A-01-01", "batch": "2019A01"},
        "override": {"by": "wang", "reason": "blocked"},
    }
    assert "status" not in loaded and "override" not in EVERY_KIND[7].to_wire()
    picked = EVERY_KIND[6].to_wire()
    assert picked["override"] == {"by": "wang", "reason": "blocked", "instead_of": "2019A01"}
    counted = EVERY_KIND[9].to_wire()
    assert counted["card"] is None and counted["round"] == 1
    nobody = Storing(envelope=Envelope(ID, operator=None), from_location="D01",
                     to_location="A-01-03", **GOODS).to_wire()  # fmt: skip
    assert "operator" not in nobody and "warehouse" not in nobody


def test_older_and_newer_forms_are_read() -> None:
    """A count from before rounds is round 1; fields a server does not read are ignored; the
    envelope past the id may be missing (the server then refuses by its rules, not here)."""
    old = parse({"event_id": ID, "type": "stock_taking", "stocktake": 3, "location": "A-01",
                 "batch": "B1", "counted": 4, "operator": "li", "device": "HH1"})  # fmt: skip
    assert isinstance(old, StockTaking) and old.round == 1 and old.card is None
    assert old.envelope == Envelope(ID, device="HH1", operator="li")
    newer = parse({"event_id": ID.upper(), "type": "receiving", "batch": "B1", "qty": 1,
                   "pallet_sscc": "003456789012345678", "note": {"any": ["json"]}})  # fmt: skip
    assert isinstance(newer, Receiving) and newer.location is None and newer.gtin is None
    assert newer.event_id == ID.upper()


def good(kind: str = "receiving", **fields: Any) -> dict[str, Any]:
    base = {"event_id": ID, "type": kind, "warehouse": "LC01", "location": "D01", **GOODS}
    if kind in ("picking", "loading"):
        base |= {"order": "101", "from_location": "A-01-01"}
    if kind == "stock_taking":
        base |= {"stocktake": 7, "counted": 3, "operator": "li"}
    return {k: v for k, v in {**base, **fields}.items() if v is not DROP}


DROP = object()  # a field left out


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ("an event", "bad_event_id"),
        ({"type": "receiving"}, "bad_event_id"),
        (good(event_id="42"), "bad_event_id"),
        (good(location="D01\n"), "bad_field"),
        (good(gtin="069012345678921"), "bad_field"),
        (good(warehouse=7), "bad_field"),
        (good(type=["receiving"]), "bad_field"),
        (good(read_id=5), "bad_field"),
        (good(notice=False), "bad_field"),
        (good(qty=0), "bad_quantity"),
        (good(qty=MAX_QTY + 1), "bad_quantity"),
        (good(qty=2.0), "bad_quantity"),
        (good(qty=True), "bad_quantity"),
        (good(qty=None), "bad_quantity"),
        (good(qty=DROP), "bad_quantity"),
        (good("stock_taking", counted=-1), "bad_quantity"),
        (good("stock_taking", counted=MAX_STOCK + 1), "bad_quantity"),
        (good("stock_taking", counted=DROP), "bad_quantity"),
        (good("stock_taking", card="40"), "bad_quantity"),
        (good("stock_taking", stocktake=0), "bad_field"),
        (good("stock_taking", stocktake="7"), "bad_field"),
        (good("stock_taking", operator=" "), "no_operator"),
        (good("stock_taking", operator=DROP), "no_operator"),
        (good("stock_taking", round=3), "bad_round"),
        (good("stock_taking", round=True), "bad_round"),
        (good("stock_taking", round=None), "bad_round"),
        (good("loading", instead_of="A-01-02"), "bad_instead_of"),
        (good("loading", instead_of={"location": "A-01-02"}), "bad_instead_of"),
        (good("loading", instead_of={"location": "A", "batch": "B" * 65}), "bad_instead_of"),
        (good("loading", instead_of={"location": "A", "batch": " "}), "missing_batch"),
        (good(type="teleporting"), "unsupported_type"),
        (good(type=DROP), "unsupported_type"),
        (good("picking", order=DROP), "no_order"),
        (good("loading", order=None), "no_order"),
        (good(batch=" "), "missing_batch"),
        (good(batch=""), "missing_batch"),
        (good("moving", batch=DROP), "missing_batch"),
        (good("stock_taking", batch=None), "missing_batch"),
        (good("picking", override="wang"), "bad_field"),
        (good("picking", override={"by": 1, "reason": "blocked"}), "bad_field"),
    ],
)
def test_a_malformed_object_is_refused_with_its_reason(doc: Any, reason: str) -> None:
    with pytest.raises(Malformed) as caught:
        parse(doc)
    assert caught.value.reason == reason and reason in REASONS
    assert str(caught.value).startswith(f"{reason}: ")


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (good(type="teleporting", qty=0), "bad_quantity"),  # the numbers before the type
        (good(qty=0, location=5), "bad_field"),  # the codes before the numbers
        (good("loading", order=DROP, batch=" "), "no_order"),
        (good("stock_taking", round=5, batch=" "), "bad_round"),
        (good("stock_taking", operator=DROP, stocktake="x"), "bad_field"),
    ],
)
def test_the_first_reason_is_the_one_the_server_always_gave(doc: Any, reason: str) -> None:
    with pytest.raises(Malformed) as caught:
        parse(doc)
    assert caught.value.reason == reason


@given(
    kind=st.sampled_from(sorted(TYPES)),
    qty=st.integers(1, MAX_QTY),
    batch=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32),
    operator=st.none() | st.sampled_from(["li", "zhao.lei"]),
)
def test_any_well_formed_event_survives_the_trip(
    kind: str, qty: int, batch: str, operator: str | None
) -> None:
    doc = good(kind, qty=qty, batch=batch, event_id=str(uuid.uuid4()))
    if operator is not None or kind == "stock_taking":
        doc["operator"] = operator or "li"
    event = parse(doc)
    assert event.type == kind and event.batch == batch
    assert parse(event.to_wire()) == event
