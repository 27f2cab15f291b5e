"""What a gateway needs to work offline: `GET /api/v1/sync`, incremental from a cursor.

The first call (no cursor) returns everything for the gateway's warehouse: the item
catalogue with GTINs (each item with its storage years), its locations, the batches it holds
(each with its dates and `reinspection_valid_until`, the last day a passed re-inspection
counts: what the gateway's FIFO decides by, kernel/fifo.py), its stock lines, its open
stocktakes and its acceptance decisions. Each answer carries a cursor (the last posting
and approval ids it covered); a call with it returns only what changed since: the
stock lines touched by newer postings (with their current quantity, zero included, so a
line that emptied is known to be empty), the batches of those lines and the batches
re-inspected since (a pass given or taken away changes no stock), and newer decisions.
The catalogue and the locations come whole, unless the gateway names the fingerprint
(`master`) of the copy it has and it is still current; open stocktakes come whole each
time (each with the locations its last close asked to count again), and so do the people
who may sign on to the depot's floor pages (server/services/floor_access.py: with their
floor PIN hashes, never their passwords'), the highest SSCC serial the depot's gateway
has reported using under each GS1 prefix (kernel/sscc_serials.py), and the labels and bin
cards asked for at the centre that the gateway has not reported taking yet
(`print_requests`, server/services/print_requests.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, select, tuple_

from server.domain.errors import BadCursor
from server.services.floor_access import floor_people
from server.services.inbound import notices as inbound_notices_of
from server.storage import print_requests
from server.storage.orders import pick_list_query
from server.storage.tables import (
    approvals,
    batches,
    dispatch_orders,
    item_gtins,
    items,
    locations,
    pick_lines,
    postings,
    sscc_serials,
    stock,
    stocktake_lines,
    stocktakes,
    warehouses,
)


@dataclass(frozen=True, slots=True)
class Cursor:
    posting: int = 0
    approval: int = 0

    def encode(self) -> str:
        raw = json.dumps([self.posting, self.approval]).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        try:
            values = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
            posting, approval = (int(v) for v in values)
        except (ValueError, TypeError) as exc:
            raise BadCursor("the cursor is not one this server gave out") from exc
        return cls(posting, approval)


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    out = []
    for row in conn.execute(query).mappings():
        out.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
    return out


def master_tag(master: dict[str, list[dict[str, Any]]]) -> str:
    """A fingerprint of the catalogue and the locations, as a gateway last received them."""
    text = json.dumps(master, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def sync(
    engine: Engine, warehouse: str, cursor: Cursor | None, master: str | None = None
) -> dict[str, Any]:
    """The whole copy without a cursor; with one, what changed since it (also when it is the
    cursor of a warehouse that had no postings yet)."""
    full = cursor is None
    cursor = cursor or Cursor()
    with engine.connect() as conn:
        top = conn.execute(
            select(func.coalesce(func.max(postings.c.id), 0)).where(
                postings.c.warehouse == warehouse
            )
        ).scalar_one()
        top_approval = conn.execute(
            select(func.coalesce(func.max(approvals.c.id), 0)).where(
                approvals.c.warehouse == warehouse
            )
        ).scalar_one()
        stock_query = _stock_since(warehouse, None if full else cursor, top)
        changed = stock_query.subquery()
        described: ColumnElement[bool] = batches.c.id.in_(select(changed.c.batch_id))
        if not full and (checked := _reinspected(conn, warehouse, cursor, top_approval)):
            described |= tuple_(batches.c.item_code, batches.c.batch_no).in_(checked)
        batch_query = select(batches).where(described)
        answer: dict[str, Any] = {
            "cursor": Cursor(top, top_approval).encode(),
            "full": full,
            "warehouse": warehouse,
        }
        catalogue = _catalogue(conn, warehouse)
        tag = master_tag(catalogue)
        answer["master"] = tag
        if tag != master:  # the gateway's copy differs (or it has none): send it
            answer.update(catalogue)
        answer |= {
            "batches": _rows(conn, batch_query),
            "stock": _rows(conn, stock_query),
            **_open_work(conn, warehouse, cursor, top_approval),
        }
        # The depot's people who may sign on to its floor pages, with their floor PIN hashes
        # (never their passwords'), so that the gateway can check a sign-on while this server
        # is out of reach.
        answer["people"] = floor_people(conn, warehouse)
        # The SSCC serials the depot's gateway has used: a rebuilt gateway goes on after them.
        answer["sscc_serials"] = _rows(
            conn,
            select(sscc_serials.c.prefix, sscc_serials.c.extension, sscc_serials.c.high)
            .where(sscc_serials.c.warehouse == warehouse)
            .order_by(sscc_serials.c.prefix, sscc_serials.c.extension),
        )
        # Labels and bin cards asked for at the centre, oldest first, until the gateway's
        # report says what came of each.
        answer["print_requests"] = print_requests.for_sync(conn, warehouse)
    # After the connection above is closed: on SQLite every transaction takes the write lock.
    answer["inbound_notices"] = inbound_notices_of(engine, warehouse)
    for row in answer["acceptances"]:
        row["payload"] = json.loads(row["payload"])
    return answer


def _stock_since(warehouse: str, cursor: Cursor | None, top: int) -> Any:
    """The depot's stock lines: all that hold something, or (with a cursor) every line a
    posting after the cursor's, up to `top`, touched."""
    query = select(stock.c.location_id, stock.c.batch_id, stock.c.status, stock.c.qty)
    if cursor is None:
        return query.where((stock.c.warehouse == warehouse) & (stock.c.qty > 0))
    touched = (
        select(postings.c.location_id, postings.c.batch_id, postings.c.status)
        .where(
            (postings.c.warehouse == warehouse)
            & (postings.c.id > cursor.posting)
            & (postings.c.id <= top)
        )
        .distinct()
    )
    return query.where(
        (stock.c.warehouse == warehouse)
        & tuple_(stock.c.location_id, stock.c.batch_id, stock.c.status).in_(touched)
    )


def _reinspected(
    conn: Connection, warehouse: str, cursor: Cursor, top_approval: int
) -> list[tuple[str, str]]:
    """(item, batch) of the depot's re-inspections recorded after the cursor, up to
    `top_approval` (server/services/disposal.py: each is a decision of its own)."""
    payloads = conn.execute(
        select(approvals.c.payload).where(
            (approvals.c.warehouse == warehouse)
            & (approvals.c.kind == "reinspection")
            & (approvals.c.id > cursor.approval)
            & (approvals.c.id <= top_approval)
        )
    ).scalars()
    return sorted({(found["item"], found["batch"]) for found in map(json.loads, payloads)})


def _catalogue(conn: Connection, warehouse: str) -> dict[str, Any]:
    """The master data a gateway keeps: items, their GTINs, the depot's locations, and the
    depot's names (its papers' shipper)."""
    return {
        "depot": _rows(
            conn,
            select(warehouses.c.code, warehouses.c.name_zh, warehouses.c.name_en).where(
                warehouses.c.code == warehouse
            ),
        ),
        "items": _rows(conn, select(items)),
        "gtins": _rows(conn, select(item_gtins)),
        "locations": _rows(
            conn,
            select(
                locations.c.id,
                locations.c.code,
                locations.c.zone,
                locations.c.walk_order,
                locations.c.kind,
            ).where(locations.c.warehouse == warehouse),
        ),
    }


def _counting(conn: Connection, warehouse: str) -> list[dict[str, Any]]:
    """The stocktakes being counted, each with `recount`: the locations whose lines its last
    close asked to count again (round 2), so that the floor counts them as round 2."""
    counting = (stocktakes.c.warehouse == warehouse) & (stocktakes.c.status == "counting")
    takes = _rows(
        conn,
        select(
            stocktakes.c.id, stocktakes.c.zone, stocktakes.c.tolerance, stocktakes.c.status
        ).where(counting),
    )
    asked: dict[int, list[str]] = {}
    for take, code in conn.execute(
        select(stocktake_lines.c.stocktake_id, locations.c.code)
        .distinct()
        .join(locations, locations.c.id == stocktake_lines.c.location_id)
        .join(stocktakes, stocktakes.c.id == stocktake_lines.c.stocktake_id)
        .where(counting & (stocktake_lines.c.state == "recount"))
        .order_by(stocktake_lines.c.stocktake_id, locations.c.code)
    ):
        asked.setdefault(int(take), []).append(str(code))
    return [{**take, "recount": asked.get(take["id"], [])} for take in takes]


def _open_work(
    conn: Connection, warehouse: str, cursor: Cursor, top_approval: int
) -> dict[str, Any]:
    """The floor's work: stocktakes being counted, open orders' pick lines, and the
    acceptance decisions made since the cursor."""
    return {
        "stocktakes": _counting(conn, warehouse),
        "pick_lists": _rows(
            conn,
            pick_list_query().where(
                (pick_lines.c.warehouse == warehouse) & (dispatch_orders.c.status == "open")
            ),
        ),
        "acceptances": _rows(
            conn,
            select(
                approvals.c.id,
                approvals.c.reference,
                approvals.c.decision,
                approvals.c.decided_at,
                approvals.c.payload,
            ).where(
                (approvals.c.warehouse == warehouse)
                & (approvals.c.kind == "acceptance")
                & (approvals.c.id > cursor.approval)
                & (approvals.c.id <= top_approval)
            ),
        ),
    }
