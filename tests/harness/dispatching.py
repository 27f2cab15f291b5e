"""A dispatch as people and the floor do it, through the running server's API: goods received
at a dock door and accepted, an order that takes them, the gateway's loading, and the handover
note that goes with the truck."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from demo.exampledata import Item
from harness.depot import ADMIN, Depot, ServerProcess


@dataclass(frozen=True)
class HandedOver:
    order_id: int
    note: str  # the handover note's number
    pdf: str  # where the API says its PDF is


def floor_event(server: ServerProcess, depot: Depot, **fields: Any) -> None:
    event = {
        "event_id": str(uuid.uuid4()),
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        **fields,
    }
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        json={"events": [event]},
        headers={"Authorization": f"Bearer {depot.gateway_token}"},
    ).json()
    assert answer["results"][0]["result"] == "accepted", answer


def receive_and_accept(
    server: ServerProcess,
    depot: Depot,
    item: Item,
    batch: str,
    qty: int,
    prod_date: str = "2026-04-02",
) -> dict[str, Any]:
    """`qty` of `item` received at dock door D01 and accepted there (with its quality report)."""
    floor_event(
        server, depot, type="receiving", location="D01", gtin=item.gtin, batch=batch,
        prod_date=prod_date, qty=qty,
    )  # fmt: skip
    return accept_batch(server, item.code, batch, qty)


def accept_batch(
    server: ServerProcess, item: str, batch: str, qty: int, location: str = "D01"
) -> dict[str, Any]:
    """`qty` of the batch, received at `location` of LC01, accepted there by the admin."""
    with server.login(ADMIN) as admin:
        decided = admin.post(
            "/api/v1/acceptances",
            json={
                "warehouse": "LC01",
                "item": item,
                "batch": batch,
                "location": location,
                "qty": qty,
                "decision": "accepted",
                "supplier": "四川某帐篷厂 Sichuan Tents",
                "inspection": {
                    "record_no": f"YS-{batch}",
                    "sampled": 2,
                    "result": "pass",
                    "quality_report": f"ZJ-{batch}",
                    "inspectors": ["张工"],
                },
            },
            timeout=120,
        )
        assert decided.status_code in (200, 201), decided.text
        return dict(decided.json())


def order_for(server: ServerProcess, depot: Depot, item: str, qty: int, number: str) -> int:
    """Order `number` on request for `qty` of `item`, to a shelter near LC01; its id."""
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(ADMIN) as admin:
        made = admin.post(
            "/api/v1/dispatch/orders",
            json={"number": number, "kind": "request", "basis": "绵应急调〔2026〕21号",
                  "destination": "北川县安置点 Beichuan shelter", "lat": lc01.lat,
                  "lon": lc01.lon, "lines": [{"item": item, "qty": qty}]},
            timeout=120,
        )  # fmt: skip
        assert made.status_code == 201, made.text
    return int(made.json()["id"])


def order_and_load(
    server: ServerProcess,
    depot: Depot,
    item: Item,
    batch: str,
    number: str,
    qty: int,
    kind: str = "request",
) -> int:
    """Order `number` (of `kind`) takes `qty` of the accepted batch at LC01, and LC01's
    gateway reports it loaded at dock door D01; the order's id."""
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    with server.login(ADMIN) as admin:
        order = admin.post(
            "/api/v1/dispatch/orders",
            json={
                "number": number, "kind": kind, "basis": "绵应急调〔2026〕12号",
                "destination": "北川县安置点 Beichuan shelter", "lat": lc01.lat,
                "lon": lc01.lon, "lines": [{"item": item.code, "qty": qty}],
            },
        )  # fmt: skip
        assert order.status_code == 201, order.text
    floor_event(
        server, depot, type="loading", from_location="D01", gtin=item.gtin, batch=batch,
        qty=qty, order=number,
    )  # fmt: skip
    return int(order.json()["id"])


def hand_over(
    server: ServerProcess, depot: Depot, item: Item, batch: str, number: str, qty: int
) -> HandedOver:
    """Order `number` takes `qty` of the accepted batch at LC01; loaded; its handover note."""
    order_id = order_and_load(server, depot, item, batch, number, qty)
    with server.login(ADMIN) as admin:
        note = admin.post(
            f"/api/v1/dispatch/orders/{order_id}/handovers",
            json={
                "warehouse": "LC01", "carrier": "绵阳运输公司 Mianyang Transport",
                "driver": "赵师傅", "phone": "13800000000", "plate": "川B12345",
                "receiver": "北川县应急局",
            },
        )  # fmt: skip
        assert note.status_code == 201, note.text
    return HandedOver(order_id, note.json()["number"], note.json()["pdf"])
