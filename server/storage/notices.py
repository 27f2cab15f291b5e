"""One inbound notice as its page shows it: its lines, and what the doors received against
each (the receiving events the gateways sent naming the notice), beside what acceptance
decided.

A receiving event names the notice its unit counted against at the door (the gateway's
receiving workflow); the server keeps it in the event's stored payload. Each unit is
counted against the notice's lines in order, as the gateway counted it: the first line for
its item (and batch, where the line names one) with room for it, else the first still
short, else the first of its item (`assign`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from server.storage.tables import (
    events,
    inbound_lines,
    inbound_notices,
    item_gtins,
    items,
    suppliers,
    warehouses,
)

MAX_CHOICES = 5000  # items offered in a form's list


@dataclass(frozen=True, slots=True)
class Receipt:
    item: str
    batch: str
    qty: int


def assign(lines: list[dict[str, Any]], receipts: list[Receipt]) -> list[int]:
    """What each line received, the receipts counted in order against the lines (pure)."""
    got = [0] * len(lines)
    for r in receipts:
        named = [
            i for i, x in enumerate(lines) if x["item"] == r.item and x["batch"] in (None, r.batch)
        ]
        if not named:
            continue
        room = [i for i in named if got[i] + r.qty <= lines[i]["qty"]]
        short = [i for i in named if got[i] < lines[i]["qty"]]
        got[(room or short or named)[0]] += r.qty
    return got


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def notice(engine: Engine, notice_id: int) -> dict[str, Any] | None:
    """The notice with its lines, each with `received` at the doors; None if there is none."""
    with engine.connect() as conn:
        head = (
            conn.execute(
                select(inbound_notices, suppliers.c.name.label("supplier_name"))
                .outerjoin(suppliers, suppliers.c.code == inbound_notices.c.supplier)
                .where(inbound_notices.c.id == notice_id)
            )
            .mappings()
            .first()
        )
        if head is None:
            return None
        lines = [
            dict(r)
            for r in conn.execute(
                select(
                    inbound_lines.c.item_code.label("item"),
                    inbound_lines.c.batch_no.label("batch"),
                    inbound_lines.c.qty,
                    inbound_lines.c.accepted,
                    inbound_lines.c.rejected,
                )
                .where(inbound_lines.c.notice_id == notice_id)
                .order_by(inbound_lines.c.id)
            ).mappings()
        ]
        payloads = conn.execute(
            select(events.c.payload)
            .where(
                (events.c.warehouse == head["warehouse"])
                & (events.c.type == "receiving")
                & (events.c.status == "accepted")
                & (events.c.received_at >= head["created_at"])
                & events.c.payload.like(
                    _like(json.dumps(head["number"], ensure_ascii=False)), escape="\\"
                )
            )
            .order_by(events.c.received_at, events.c.event_id)
        ).scalars()
        read = [json.loads(p) for p in payloads]
        read = [e for e in read if e.get("notice") == head["number"]]
        gtins = {str(e.get("gtin")) for e in read}
        items = dict(
            conn.execute(
                select(item_gtins.c.gtin, item_gtins.c.item_code).where(
                    item_gtins.c.gtin.in_(gtins)
                )
            ).all()
        )
    receipts = [
        Receipt(items[str(e["gtin"])], str(e.get("batch")), int(e.get("qty", 0)))
        for e in read
        if str(e.get("gtin")) in items
    ]
    for line, got in zip(lines, assign(lines, receipts), strict=True):
        line["received"] = got
    return {**head, "lines": lines}


def recent(engine: Engine, depot: str | None, limit: int = 100) -> list[dict[str, Any]]:
    """The newest notices of a depot (every depot for None), open ones first, with their
    lines' count and quantity."""
    lines = (
        select(
            inbound_lines.c.notice_id,
            func.count().label("lines"),
            func.sum(inbound_lines.c.qty).label("qty"),
        )
        .group_by(inbound_lines.c.notice_id)
        .subquery()
    )
    query = (
        select(inbound_notices, lines.c.lines, lines.c.qty, suppliers.c.name.label("supplier_name"))
        .join(lines, lines.c.notice_id == inbound_notices.c.id)
        .outerjoin(suppliers, suppliers.c.code == inbound_notices.c.supplier)
        .order_by((inbound_notices.c.status == "open").desc(), inbound_notices.c.id.desc())
        .limit(limit)
    )
    if depot is not None:
        query = query.where(inbound_notices.c.warehouse == depot)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def choices(engine: Engine, depot: str | None) -> dict[str, list[dict[str, Any]]]:
    """What a new notice's form offers: the suppliers, the items, and the depots (the
    person's own, or every depot)."""
    with engine.connect() as conn:
        depots = select(warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en).order_by(
            warehouses.c.code
        )
        if depot is not None:
            depots = depots.where(warehouses.c.code == depot)
        return {
            "suppliers": [
                dict(r)
                for r in conn.execute(
                    select(suppliers.c.code, suppliers.c.name).order_by(suppliers.c.code)
                ).mappings()
            ],
            "items": [
                dict(r)
                for r in conn.execute(
                    select(items.c.code, items.c.name_zh, items.c.name_en)
                    .order_by(items.c.code)
                    .limit(MAX_CHOICES)
                ).mappings()
            ],
            "warehouses": [dict(r) for r in conn.execute(depots).mappings()],
        }
