"""What each writer of a depot's ledger records as EPCIS events, in its own transaction and
under the depot's lock (server.storage.epcis_log): the floor's accepted events, a
decision's postings, a handover note. The events themselves are server.domain.epcis's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from kernel.floor_events import FloorEvent
from server.domain import epcis
from server.domain.basis import RULES, Kind
from server.storage import epcis_log
from server.storage.tables import (
    batches,
    dispatch_orders,
    item_gtins,
    locations,
    pick_lines,
)


def floor(conn: Connection, warehouse: str, accepted: Iterable[FloorEvent], now: datetime) -> None:
    """The floor events the ingest accepted `now`."""
    epcis_log.append(conn, warehouse, of_floor(accepted, now), now)


def of_floor(accepted: Iterable[FloorEvent], now: datetime) -> list[epcis.Captured]:
    return [c for e in accepted if (c := epcis.floor_event(e, now)) is not None]


def _gtins(conn: Connection, batch_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """batch id -> (the item's GTIN, the batch number); an item with several GTINs is named
    by the least (the same each time)."""
    gtin = (
        select(item_gtins.c.item_code, func.min(item_gtins.c.gtin).label("gtin"))
        .group_by(item_gtins.c.item_code)
        .subquery()
    )
    rows = conn.execute(
        select(batches.c.id, batches.c.batch_no, gtin.c.gtin)
        .join(gtin, gtin.c.item_code == batches.c.item_code)
        .where(batches.c.id.in_(set(batch_ids)))
    )
    return {r.id: (r.gtin, r.batch_no) for r in rows}


def decisions(
    conn: Connection, warehouse: str, rows: Sequence[Mapping[str, Any]], now: datetime
) -> None:
    """The postings the ledger's writer wrote `now` (its rows, hashed), those that stand on
    a decision or open the ledger: one basis's together. Floor events record themselves."""
    epcis_log.append(conn, warehouse, of_decisions(conn, warehouse, rows, now), now)


def of_decisions(
    conn: Connection, warehouse: str, rows: Sequence[Mapping[str, Any]], now: datetime
) -> list[epcis.Captured]:
    mine = [r for r in rows if RULES[Kind(r["basis_kind"])].needs != "event"]
    if not mine:
        return []
    names = dict(
        conn.execute(
            select(locations.c.id, locations.c.code).where(
                locations.c.id.in_({r["location_id"] for r in mine})
            )
        ).all()
    )
    gtins = _gtins(conn, {r["batch_id"] for r in mine})
    bases: dict[tuple[str, int | None, str | None], list[epcis.Leg]] = {}
    for r in mine:
        if r["batch_id"] not in gtins:
            continue  # an item without a GTIN has no class-level EPC
        gtin, lot = gtins[r["batch_id"]]
        leg = epcis.Leg(names[r["location_id"]], gtin, lot, r["status"], r["qty"], r["hash"])
        bases.setdefault((r["basis_kind"], r["approval_id"], r["basis_ref"]), []).append(leg)
    return [
        event
        for (kind, decision, ref), legs in bases.items()
        for event in epcis.decided_events(
            epcis.Decided(warehouse, kind, decision, ref, tuple(legs)), now
        )
    ]


def handover(
    conn: Connection,
    warehouse: str,
    number: str,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    at: datetime,
    recorded: datetime,
) -> None:
    """Handover note `number` of order `order_id`, handing over (pick line id, quantity),
    made `at` and recorded `recorded`."""
    made = of_handover(conn, warehouse, number, order_id, lines, at)
    epcis_log.append(conn, warehouse, made, recorded)


def of_handover(
    conn: Connection,
    warehouse: str,
    number: str,
    order_id: int,
    lines: Sequence[tuple[int, int]],
    at: datetime,
) -> list[epcis.Captured]:
    order = conn.execute(
        select(dispatch_orders.c.number).where(dispatch_orders.c.id == order_id)
    ).scalar_one()
    batch_of = dict(
        conn.execute(
            select(pick_lines.c.id, pick_lines.c.batch_id).where(
                pick_lines.c.id.in_({i for i, _ in lines})
            )
        ).all()
    )
    gtins = _gtins(conn, batch_of.values())
    handed = [(*gtins[batch_of[line]], qty) for line, qty in lines if batch_of.get(line) in gtins]
    captured = epcis.handover_event(warehouse, number, order, at, handed)
    return [captured] if captured else []
