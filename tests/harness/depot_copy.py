"""A gateway's copy of its depot as the server's sync sends it, for tests of the book: a
tent and a quilt, four places, five batches (one overdue, one reserved for the centre's
order 101), and the centre's pick list for that order."""

from __future__ import annotations

import json
from typing import Any


def batch(n: int, item: str, no: str, made: str, inbound: str) -> dict[str, Any]:
    return {"id": n, "item_code": item, "batch_no": no, "prod_date": made,
            "inbound_date": inbound, "reinspected_on": None,
            "reinspection_valid_until": None}  # fmt: skip


def item(code: str, name: str, years: int) -> dict[str, Any]:
    return {"code": code, "name_zh": name, "name_en": code, "unit_zh": "顶", "unit_en": "pcs",
            "reusable": True, "storage_years": years}  # fmt: skip


def place(n: int, code: str, walk: int) -> dict[str, Any]:
    return {"id": n, "code": code, "zone": code[0], "walk_order": walk, "kind": "storage"}


def held(where: int, which: int, status: str, qty: int) -> dict[str, Any]:
    return {"location_id": where, "batch_id": which, "status": status, "qty": qty}


_ANSWER: dict[str, Any] = {
    "cursor": "c1", "full": True, "warehouse": "LC01",
    "items": [item("ZS-0001", "单帐篷", 8), item("CQ-0001", "棉被", 6)],
    "gtins": [{"gtin": "06901234567892", "item_code": "ZS-0001"}],
    "locations": [place(10, "A-01-01", 10), place(11, "A-01-02", 11), place(14, "A-01-05", 14),
                  place(20, "B-01-01", 20)],
    "batches": [batch(100, "ZS-0001", "2019A01", "2019-01-10", "2019-03-01"),
                batch(101, "ZS-0001", "2021B02", "2021-02-10", "2021-04-01"),
                batch(103, "ZS-0001", "2022C03", "2022-01-10", "2022-03-01"),
                batch(104, "ZS-0001", "2010X09", "2010-01-10", "2010-03-01"),  # overdue
                batch(102, "CQ-0001", "2020C01", "2020-03-01", "2020-05-01")],
    "stock": [held(10, 100, "reserved", 20),  # the centre's order 101
              held(11, 101, "available", 30), held(11, 101, "reserved", 10),
              held(14, 103, "available", 30), held(20, 104, "available", 40),
              held(20, 102, "available", 50)],
    "pick_lists": [
        {"id": 1, "warehouse": "LC01", "seq": 1, "location": "A-01-01", "item": "ZS-0001",
         "batch": "2019A01", "inbound_date": "2019-03-01", "qty": 20, "loaded": 0, "order": "101"},
        {"id": 2, "warehouse": "LC01", "seq": 2, "location": "A-01-02", "item": "ZS-0001",
         "batch": "2021B02", "inbound_date": "2021-04-01", "qty": 10, "loaded": 0, "order": "101"},
    ],
    "stocktakes": [], "acceptances": [], "inbound_notices": [],
}  # fmt: skip


def answer() -> dict[str, Any]:
    """A fresh copy of the sync answer (tests change theirs)."""
    return json.loads(json.dumps(_ANSWER))
