"""Every kind of business step the ledger knows as an EPCIS 2.0 event, valid against the
official JSON schema, and the query interface's parameters as a client sends them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from kernel.floor_events import parse
from server.domain import epcis, epcis_query
from server.domain.basis import Kind
from server.domain.errors import Rejection

SCHEMA = Path(__file__).resolve().parents[3] / "shared/standards/epcis/EPCIS-JSON-Schema.json"
GTIN = "06921734000019"  # company prefix 69217340 (GS1 China)
NOW = datetime(2026, 12, 2, 4, 30, tzinfo=UTC)


def valid(events: list[dict[str, Any]]) -> list[str]:
    """The schema's complaints about a document of these events."""
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    document = epcis.document(events, NOW)
    return [e.message for e in validator.iter_errors(document)]


FLOOR = {
    "receiving": {"location": "D01", "qty": 12, "notice": "RK-1"},
    "storing": {"from_location": "D01", "to_location": "A-01-01", "qty": 12},
    "moving": {"from_location": "A-01-01", "to_location": "A-01-02", "qty": 2},
    "picking": {"from_location": "A-01-01", "qty": 2, "order": "调-1"},
    "loading": {"from_location": "A-01-01", "qty": 2, "order": "调-1"},
    "stock_taking": {"location": "A-01-01", "counted": 10, "stocktake": 3},
    "returning": {"location": "D01", "qty": 1},
}


def floor_event(kind: str) -> epcis.Captured:
    event = parse(
        {
            "event_id": "0b0f6b9e-7a43-4d7f-9a3e-2c1d6f1e0a11",
            "type": kind,
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:14:03.120+08:00",
            "gtin": GTIN,
            "batch": "2026A/1",
            "operator": "keeper",
            **FLOOR[kind],
        }
    )
    captured = epcis.floor_event(event, NOW)
    assert captured is not None
    return captured


@pytest.mark.parametrize("kind", sorted(FLOOR))
def test_every_floor_event_is_valid_epcis(kind: str) -> None:
    captured = floor_event(kind)
    assert valid([dict(captured.body)]) == []
    step = epcis.FLOOR[kind]
    assert (captured.body["bizStep"], captured.body["disposition"]) == (
        step.biz_step,
        step.disposition,
    )
    assert captured.body["eventTimeZoneOffset"] == "+08:00"
    assert captured.body["eventID"] == "urn:uuid:0b0f6b9e-7a43-4d7f-9a3e-2c1d6f1e0a11"
    assert captured.epc_classes == ("urn:epc:class:lgtin:69217340.00001.2026A%2F1",)


def test_a_floor_event_names_its_notice_or_order() -> None:
    assert floor_event("receiving").body["bizTransactionList"] == [
        {"type": "desadv", "bizTransaction": "urn:depot-floor:notice:RK-1"}
    ]
    assert floor_event("loading").body["bizTransactionList"] == [
        {"bizTransaction": "urn:depot-floor:order:%E8%B0%83-1"}
    ]
    assert floor_event("storing").read_point == "urn:depot-floor:LC01:A-01-01"


def leg(location: str, status: str, qty: int, n: int = 0, lot: str = "B1") -> epcis.Leg:
    return epcis.Leg(location, GTIN, lot, status, qty, f"{n:064x}")


# Each basis of a decision, with postings as the ledger's writer makes them
DECIDED: dict[Kind, tuple[epcis.Leg, ...]] = {
    Kind.ACCEPTANCE: (leg("D01", "pending_acceptance", -10), leg("D01", "available", 10, 1)),
    Kind.REJECTION: (leg("D01", "pending_acceptance", -5), leg("D01", "rejected", 5, 1)),
    Kind.SUPPLIER_RETURN: (leg("D01", "rejected", -5),),
    Kind.RESERVATION: (leg("A-1", "available", -3), leg("A-1", "reserved", 3, 1)),
    Kind.CANCELLATION: (leg("A-1", "reserved", -3), leg("A-1", "available", 3, 1)),
    Kind.RELEASE: (leg("A-1", "reserved", -3), leg("A-1", "available", 3, 1)),
    Kind.SCRAP_PROPOSAL: (leg("A-1", "available", -1), leg("A-1", "scrap_pending", 1, 1)),
    Kind.SCRAPPING: (leg("A-1", "scrap_pending", -1),),
    Kind.SCRAP_REJECTION: (leg("A-1", "scrap_pending", -1), leg("A-1", "available", 1, 1)),
    Kind.ROTATION: (leg("A-1", "available", -4),),
    Kind.ADJUSTMENT: (leg("A-1", "available", -2), leg("A-2", "available", 1, 1)),
    Kind.RESTOCK: (leg("D01", "on_hold", -6), leg("D01", "available", 6, 1)),
    Kind.OPENING: (leg("A-1", "available", 100),),
}


@pytest.mark.parametrize("kind", sorted(DECIDED, key=str))
def test_every_decision_is_valid_epcis(kind: Kind) -> None:
    events = epcis.decided_events(epcis.Decided("LC01", str(kind), 7, "9", DECIDED[kind]), NOW)
    assert events, kind
    assert valid([dict(e.body) for e in events]) == []
    for event in events:
        assert event.body["bizStep"] == epcis.DECISION[str(kind)].biz_step
        assert {"bizTransaction": "urn:depot-floor:decision:7"} in event.body["bizTransactionList"]
        assert event.body["eventTimeZoneOffset"] == "+08:00"  # the depots' time (Asia/Shanghai)


def test_a_decision_is_one_event_per_stack_with_what_it_left_there() -> None:
    moved = epcis.decided_events(
        epcis.Decided("LC01", "adjustment", 7, "12", DECIDED[Kind.ADJUSTMENT]), NOW
    )
    # a loss at A-1 (goods gone: whereabouts unknown), a find at A-2 (available)
    assert [(e.read_point, e.step.disposition, e.body["quantityList"][0]["quantity"])
            for e in moved] == [
        ("urn:depot-floor:LC01:A-1", "unknown", 2),
        ("urn:depot-floor:LC01:A-2", "available", 1),
    ]  # fmt: skip
    assert {"bizTransaction": "urn:depot-floor:stocktake:12"} in moved[0].body["bizTransactionList"]
    accepted = epcis.decided_events(
        epcis.Decided("LC01", "acceptance", 8, None, DECIDED[Kind.ACCEPTANCE]), NOW
    )
    assert [(e.step.disposition, e.body["quantityList"][0]["quantity"]) for e in accepted] == [
        ("available", 10)
    ]
    scrapped = epcis.decided_events(
        epcis.Decided("LC01", "scrapping", 9, None, DECIDED[Kind.SCRAPPING]), NOW
    )
    assert (scrapped[0].body["action"], scrapped[0].step.disposition) == ("DELETE", "destroyed")


def test_the_same_postings_always_give_the_same_event_ids() -> None:
    decided = epcis.Decided("LC01", "rotation", 3, None, DECIDED[Kind.ROTATION])
    first = [e.event_id for e in epcis.decided_events(decided, NOW)]
    again = [e.event_id for e in epcis.decided_events(decided, datetime.now(UTC))]
    other = epcis.Decided("LC01", "rotation", 3, None, (leg("A-1", "available", -4, 5),))
    assert first == again
    assert first != [e.event_id for e in epcis.decided_events(other, NOW)]


def test_a_handover_note_is_the_goods_shipping() -> None:
    lines = [(GTIN, "B1", 5), (GTIN, "B1", 3), (GTIN, "B2", 2)]
    captured = epcis.handover_event("LC01", "JJ-调-1-LC01-1", "调-1", NOW, lines)
    assert captured is not None
    assert valid([dict(captured.body)]) == []
    assert (captured.body["bizStep"], captured.body["disposition"]) == ("shipping", "in_transit")
    assert [q["quantity"] for q in captured.body["quantityList"]] == [8, 2]
    assert captured.body["bizTransactionList"][0]["type"] == "bol"
    assert epcis.handover_event("LC01", "JJ-x", "x", NOW, [("123", "B1", 1)]) is None


def test_a_malformed_event_fails_the_schema() -> None:
    """The schema check is real: an event without what EPCIS requires fails it."""
    body = dict(floor_event("loading").body)
    del body["eventTimeZoneOffset"]
    assert valid([body])


# --- the query interface's parameters ---------------------------------------------------


def test_standard_parameters_are_read() -> None:
    query = epcis_query.read(
        {
            "EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping|urn:epcglobal:cbv:bizstep:loading",
            "EQ_disposition": "in_transit",
            "GE_eventTime": "2026-11-01T00:00:00+08:00",
            "LT_recordTime": "2026-12-01T00:00:00Z",
            "MATCH_epcClass": "urn:epc:class:lgtin:6921734.000001.*",
            "perPage": "25",
        },
        None,
    )
    assert query.biz_steps == ("shipping", "loading")
    assert query.dispositions == ("in_transit",)
    assert query.event_time[0] == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert query.record_time[1] == datetime(2026, 12, 1, tzinfo=UTC)
    assert query.epc_classes == ("urn:epc:class:lgtin:6921734.000001.*",)
    assert query.per_page == 25
    assert query.warehouses is None


def test_a_depot_is_seen_only_by_those_who_may() -> None:
    mine = epcis_query.read({"EQ_bizLocation": "urn:depot-floor:LC02"}, ("LC01",))
    assert mine.nothing
    both = epcis_query.read({"EQ_bizLocation": "urn:depot-floor:LC02|urn:depot-floor:LC01"}, None)
    assert both.warehouses == ("LC02", "LC01")
    assert epcis_query.read({"eventType": "AggregationEvent"}, None).nothing
    assert not epcis_query.read({"eventType": "ObjectEvent"}, None).nothing


def test_a_parameter_given_twice_is_refused() -> None:
    with pytest.raises(Rejection):
        epcis_query.once([("EQ_bizStep", "shipping"), ("EQ_bizStep", "loading")])
    assert epcis_query.once([("EQ_bizStep", "shipping|loading")]) == {
        "EQ_bizStep": "shipping|loading"
    }


@pytest.mark.parametrize(
    "occurred_at",
    ["0001-01-01T00:00:00+01:00", "2026-11-23T09:14:03+23:59", "2026-11-23T09:14:03+05:30:15",
     "yesterday", None],
)  # fmt: skip
def test_a_time_epcis_cannot_take_is_the_time_received(occurred_at: str | None) -> None:
    event = parse(
        {"event_id": "0b0f6b9e-7a43-4d7f-9a3e-2c1d6f1e0a11", "type": "picking",
         "warehouse": "LC01", "gtin": GTIN, "batch": "B1", "operator": "keeper",
         **({"occurred_at": occurred_at} if occurred_at else {}), **FLOOR["picking"]}
    )  # fmt: skip
    captured = epcis.floor_event(event, NOW)
    assert captured is not None and captured.event_time == NOW
    assert valid([dict(captured.body)]) == []
    assert captured.body["eventTimeZoneOffset"] == "+08:00"


def test_the_next_page_token_carries_the_position() -> None:
    token = epcis_query.token("LC01", 1234)
    assert epcis_query.read({"nextPageToken": token}, None).after == ("LC01", 1234)


@pytest.mark.parametrize(
    "params",
    [
        {"EQ_foo": "x"},
        {"perPage": "0"},
        {"perPage": "1001"},
        {"perPage": "ten"},
        {"GE_eventTime": "yesterday"},
        {"GE_eventTime": "2026-11-01T00:00:00"},  # no time zone
        {"eventType": "Event"},
        {"nextPageToken": "!!"},
        {"nextPageToken": "x" * 400},
        {"EQ_bizStep": "|"},
        {"EQ_bizStep": "a" * 301},
        {"EQ_bizStep": "\ud800"},
        {"EQ_bizStep": "|".join(["a"] * 51)},
        {"GE_eventTime": "0001-01-01T00:00:00+01:00"},
        {"nextPageToken": epcis_query.token("LC01", 2**63)},
        {"MATCH_epcClass": "|".join(["urn:epc:class:lgtin:1.2.x"] * 11)},
    ],
)
def test_a_query_it_cannot_read_is_refused_with_its_reason(params: dict[str, str]) -> None:
    with pytest.raises(Rejection) as refused:
        epcis_query.read(params, None)
    assert refused.value.reason == "bad_query"
