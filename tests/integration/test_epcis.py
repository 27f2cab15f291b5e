"""Floor events exported as GS1 EPCIS 2.0, validated against the official JSON schema."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import jsonschema

from harness.depot import ADMIN, Depot, ServerProcess

SCHEMA = Path(__file__).resolve().parents[3] / "shared/standards/epcis/EPCIS-JSON-Schema.json"


def schema() -> dict[str, object]:
    assert SCHEMA.exists(), f"the EPCIS 2.0 schema is expected in the shared folder: {SCHEMA}"
    return dict(json.loads(SCHEMA.read_text()))


def test_floor_events_as_an_epcis_document(server: ServerProcess, depot: Depot) -> None:
    item = depot.example.items[3]
    base = {
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:14:03.120+08:00",
        "gtin": item.gtin,
        "batch": "EP/1",
    }
    seen: list[int] = []
    with server.login(ADMIN) as admin:

        def post(*evs: dict[str, object]) -> None:
            body = {"events": [{"event_id": str(uuid.uuid4()), **base, **e} for e in evs]}
            for n, event in enumerate(body["events"]):  # a few seconds apart, as on the floor
                event["occurred_at"] = f"2026-11-23T09:{len(seen):02d}:{n:02d}.120+08:00"
            seen.append(1)
            answer = httpx.post(
                f"{server.url}/api/v1/events",
                json=body,
                headers={"Authorization": f"Bearer {depot.gateway_token}"},
            )
            assert {r["result"] for r in answer.json()["results"]} == {"accepted"}

        post({"type": "receiving", "location": "D01", "qty": 12})
        assert (
            admin.post(
                "/api/v1/acceptances",
                json={
                    "warehouse": "LC01",
                    "item": item.code,
                    "batch": "EP/1",
                    "location": "D01",
                    "qty": 12,
                    "decision": "accepted",
                    "inspection": {
                        "record_no": "YS-E",
                        "sampled": 1,
                        "result": "pass",
                        "quality_report": "ZJ-9",
                    },
                },
            ).status_code
            == 201
        )
        take = admin.post("/api/v1/stocktakes", json={"warehouse": "LC01"}).json()["id"]
        post({"type": "storing", "from_location": "D01", "to_location": "A-01-01", "qty": 12})
        lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
        order = {
            "number": "EP-调-1",
            "kind": "request",
            "basis": "调拨通知",
            "destination": "安置点",
            "lat": lc01.lat,
            "lon": lc01.lon,
            "lines": [{"item": item.code, "qty": 2}],
        }
        assert admin.post("/api/v1/dispatch/orders", json=order).status_code == 201
        post(
            {"type": "loading", "from_location": "A-01-01", "qty": 2, "order": "EP-调-1"},
            {
                "type": "stock_taking",
                "stocktake": take,
                "location": "A-01-01",
                "counted": 10,
                "operator": "admin",  # a count names who counted
            },
        )
        answer = admin.get("/api/v1/epcis/events")
    assert answer.headers["content-type"].startswith("application/ld+json")
    doc = answer.json()
    jsonschema.Draft7Validator(schema(), format_checker=jsonschema.FormatChecker()).validate(doc)
    events = doc["epcisBody"]["eventList"]
    assert [(e["bizStep"], e["disposition"]) for e in events] == [
        ("receiving", "in_progress"),
        ("storing", "available"),
        ("loading", "in_transit"),
        ("stock_taking", "available"),
    ]
    quantities = [e["quantityList"][0] for e in events]
    assert [q["quantity"] for q in quantities] == [12, 12, 2, 10]
    prefix = item.gtin[1:8]
    assert quantities[0]["epcClass"].startswith(f"urn:epc:class:lgtin:{prefix}")
    assert quantities[0]["epcClass"].endswith(".EP%2F1")  # the lot, escaped
    assert events[0]["eventTimeZoneOffset"] == "+08:00"
    assert events[0]["readPoint"]["id"].endswith(":LC01:D01")


def test_an_invalid_document_would_be_caught() -> None:
    """The schema check above is real: a document missing what EPCIS requires fails it."""
    broken = {
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-23T00:00:00+08:00",
        "epcisBody": {"eventList": [{"type": "ObjectEvent", "action": "OBSERVE"}]},
    }
    validator = jsonschema.Draft7Validator(schema(), format_checker=jsonschema.FormatChecker())
    assert list(validator.iter_errors(broken))
