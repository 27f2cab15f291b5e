"""Inbound notices (入库通知): what a supplier is due to deliver to a depot, line by line.

The gateway gets its depot's open notices through the sync and receives against them at the
door; acceptance decisions name the notice, and each line keeps what was accepted and
rejected against it. A notice closes when every line is decided in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, tuple_, update

from kernel.epc_keys import pure_identity
from server.domain.floor import Rejection
from server.domain.levels import check_level, held_for
from server.domain.receiving import Line, Receipt, count
from server.domain.tag_units import LineOf, TaggedUnit, TagKey, check_units
from server.services.audit import record
from server.services.ledger import lock
from server.storage.tables import (
    inbound_lines,
    inbound_notices,
    inbound_units,
    item_gtins,
    items,
    suppliers,
    warehouses,
)


@dataclass(frozen=True, slots=True)
class NoticeLine:
    item: str
    qty: int
    batch: str | None = None


def create_notice(
    engine: Engine,
    username: str,
    number: str,
    warehouse: str,
    supplier: str | None,
    expected_on: date | None,
    lines: list[NoticeLine],
    now: datetime,
    owner_level: str | None = None,
    units: list[TaggedUnit] | None = None,
) -> int:
    """A notice of what `supplier` is due to deliver to `warehouse`; the batches received
    against it belong to `owner_level` (art. 17; when not given, the depot's own level, or
    for an agency point the bureau's: server.domain.levels.held_for). `units`: the tagged
    units the supplier says it is sending, each on a line (server.domain.tag_units)."""
    if owner_level is not None:
        check_level(owner_level, "owner_level")
    if not lines or any(line.qty <= 0 for line in lines):
        raise Rejection("bad_quantity", "a notice needs lines with positive quantities")
    units = [replace(u, epc=pure_identity(u.epc)) for u in units or []]
    keys = check_units([LineOf(x.item, x.batch, x.qty) for x in lines], units)
    with engine.begin() as conn:
        lock(conn, warehouse)  # a tag is listed once among the depot's open notices
        own = conn.execute(
            select(warehouses.c.level, warehouses.c.kind).where(warehouses.c.code == warehouse)
        ).one()
        level = owner_level or held_for(own.level, own.kind)
        if (
            supplier is not None
            and conn.execute(select(suppliers.c.code).where(suppliers.c.code == supplier)).first()
            is None
        ):
            raise Rejection("unknown_supplier", f"supplier {supplier} is not known")
        known = set(
            conn.execute(
                select(items.c.code).where(items.c.code.in_([line.item for line in lines]))
            ).scalars()
        )
        if missing := sorted({line.item for line in lines} - known):
            raise Rejection("unknown_item", f"no such items: {', '.join(missing)}")
        if (
            conn.execute(
                select(inbound_notices.c.id).where(inbound_notices.c.number == number)
            ).first()
            is not None
        ):
            raise Rejection("duplicate_number", f"notice {number} already exists")
        notice_id = int(
            conn.execute(
                inbound_notices.insert()
                .values(
                    number=number,
                    warehouse=warehouse,
                    supplier=supplier,
                    expected_on=expected_on,
                    owner_level=level,
                    status="open",
                    created_by=username,
                    created_at=now,
                )
                .returning(inbound_notices.c.id)
            ).scalar_one()
        )
        line_ids = [
            int(
                conn.execute(
                    inbound_lines.insert()
                    .values(
                        notice_id=notice_id,
                        item_code=line.item,
                        batch_no=line.batch,
                        qty=line.qty,
                        accepted=0,
                        rejected=0,
                        received=0,
                    )
                    .returning(inbound_lines.c.id)
                ).scalar_one()
            )
            for line in lines
        ]
        _list_units(conn, notice_id, warehouse, line_ids, units, keys)
        record(conn, username, "inbound_notice", number, depot=warehouse, now=now, lines=len(lines),
               units=len(units))  # fmt: skip
    return notice_id


def _list_units(
    conn: Connection,
    notice_id: int,
    warehouse: str,
    line_ids: list[int],
    units: list[TaggedUnit],
    keys: list[TagKey],
) -> None:
    """Keep a notice's tagged units (under the depot's lock). A unit another open notice of
    the depot lists already (by its GS1 key: the same SSCC, or GTIN and serial, under any
    company-prefix split) is refused, and so is an SGTIN whose GTIN is not one of its item's
    in the catalogue (the door would name a GTIN the server does not know). A tag on a closed
    notice, or on another depot's, may come again: a pallet sent out and coming back."""
    if not units:
        return
    open_here = (inbound_notices.c.warehouse == warehouse) & (inbound_notices.c.status == "open")
    ssccs = [key.sscc for key in keys if key.sscc]
    serials = [(key.gtin, key.serial) for key in keys if key.gtin]
    listed = inbound_units.join(inbound_notices, inbound_notices.c.id == inbound_units.c.notice_id)
    taken = conn.execute(
        select(inbound_units.c.epc, inbound_notices.c.number)
        .select_from(listed)
        .where(
            open_here
            & (inbound_units.c.notice_id != notice_id)
            & (
                inbound_units.c.sscc.in_(ssccs)
                | tuple_(inbound_units.c.gtin, inbound_units.c.serial).in_(serials)
            )
        )
        .limit(1)
    ).first()
    if taken is not None:
        raise Rejection(
            "duplicate_epc", f"tag {taken.epc} is listed on open notice {taken.number} already"
        )
    gtins = {key.gtin for key in keys if key.gtin}
    of_item = dict(
        conn.execute(
            select(item_gtins.c.gtin, item_gtins.c.item_code).where(item_gtins.c.gtin.in_(gtins))
        ).all()
    )
    for u, key in zip(units, keys, strict=True):
        if key.gtin is not None and of_item.get(key.gtin) != u.item:
            raise Rejection(
                "unit_gtin", f"tag {u.epc}: GTIN {key.gtin} is not one of {u.item}'s GTINs"
            )
    conn.execute(
        inbound_units.insert(),
        [
            {
                "notice_id": notice_id,
                "line_id": line_ids[u.line - 1],
                "epc": u.epc,
                "sscc": key.sscc,
                "gtin": key.gtin,
                "serial": key.serial,
                "item_code": u.item,
                "batch_no": u.batch,
                "prod_date": u.prod_date,
                "expiry": u.expiry,
                "qty": u.qty,
            }
            for u, key in zip(units, keys, strict=True)
        ],
    )


def close_notice(engine: Engine, username: str, notice_id: int, now: datetime) -> str:
    """Close a notice by hand: nothing more is expected against it (a supplier delivering
    short); the doors stop counting against it at the gateway's next sync. Its number."""
    with engine.begin() as conn:
        notice = conn.execute(
            select(inbound_notices).where(inbound_notices.c.id == notice_id).with_for_update()
        ).first()
        if notice is None:
            raise Rejection("unknown_notice", f"there is no notice {notice_id}")
        if notice.status != "open":
            raise Rejection("notice_closed", f"notice {notice.number} is closed already")
        conn.execute(
            update(inbound_notices).where(inbound_notices.c.id == notice_id).values(status="closed")
        )
        record(
            conn, username, "inbound_notice_close", notice.number, depot=notice.warehouse, now=now
        )
    return str(notice.number)


def count_received(conn: Connection, warehouse: str, received: Mapping[str, list[Receipt]]) -> None:
    """Count the units the doors received against the notices their events name, in the
    receiving events' own transaction (server.services.ingest), by the door's own rule
    (server.domain.receiving). A notice of another depot counts nothing; a notice closed
    since the door counted against it still counts what came."""
    if not received:
        return
    named = conn.execute(
        select(inbound_notices.c.id, inbound_notices.c.number).where(
            inbound_notices.c.number.in_(sorted(received))
            & (inbound_notices.c.warehouse == warehouse)
        )
    ).all()
    for notice in named:
        rows = conn.execute(
            select(inbound_lines)
            .where(inbound_lines.c.notice_id == notice.id)
            .order_by(inbound_lines.c.id)
            .with_for_update()
        ).all()
        lines = [Line(r.item_code, r.batch_no, r.qty) for r in rows]
        got = count(lines, received[notice.number], [r.received for r in rows])
        for row, total in zip(rows, got, strict=True):
            if total != row.received:
                conn.execute(
                    update(inbound_lines).where(inbound_lines.c.id == row.id).values(received=total)
                )


def apply_decision(
    conn: Connection, number: str, warehouse: str, item: str, batch: str, qty: int, accepted: bool
) -> None:
    """Count an acceptance decision against its notice (inside the decision's transaction)."""
    notice = conn.execute(
        select(inbound_notices).where(inbound_notices.c.number == number).with_for_update()
    ).first()
    if notice is None or notice.warehouse != warehouse:
        raise Rejection("unknown_notice", f"notice {number} is not one of {warehouse}")
    if notice.status != "open":
        raise Rejection("notice_closed", f"notice {number} is closed")
    line = conn.execute(
        select(inbound_lines)
        .where(
            (inbound_lines.c.notice_id == notice.id)
            & (inbound_lines.c.item_code == item)
            & ((inbound_lines.c.batch_no == batch) | inbound_lines.c.batch_no.is_(None))
        )
        .order_by(inbound_lines.c.batch_no.is_(None))
    ).first()
    if line is None:
        raise Rejection("not_on_notice", f"{item} batch {batch} is not on notice {number}")
    decided = line.accepted + line.rejected + qty
    if decided > line.qty:
        raise Rejection("over_notice", f"{decided} decided, the notice expects {line.qty}")
    column = "accepted" if accepted else "rejected"
    conn.execute(
        update(inbound_lines)
        .where(inbound_lines.c.id == line.id)
        .values({column: getattr(line, column) + qty})
    )
    open_lines = conn.execute(
        select(inbound_lines.c.id).where(
            (inbound_lines.c.notice_id == notice.id)
            & (inbound_lines.c.accepted + inbound_lines.c.rejected < inbound_lines.c.qty)
        )
    ).first()
    if open_lines is None:
        conn.execute(
            update(inbound_notices).where(inbound_notices.c.id == notice.id).values(status="closed")
        )


def notices(
    engine: Engine, warehouse: str | None, status: str | None = "open"
) -> list[dict[str, Any]]:
    query = select(inbound_notices).order_by(inbound_notices.c.id)
    if warehouse:
        query = query.where(inbound_notices.c.warehouse == warehouse)
    if status:
        query = query.where(inbound_notices.c.status == status)
    with engine.connect() as conn:
        out = []
        for notice in conn.execute(query).mappings():
            lines = conn.execute(
                select(
                    inbound_lines.c.item_code.label("item"),
                    inbound_lines.c.batch_no.label("batch"),
                    inbound_lines.c.qty,
                    inbound_lines.c.accepted,
                    inbound_lines.c.rejected,
                    inbound_lines.c.received,
                )
                .where(inbound_lines.c.notice_id == notice["id"])
                .order_by(inbound_lines.c.id)
            )
            out.append(
                {
                    **{
                        k: (v.isoformat() if hasattr(v, "isoformat") else v)
                        for k, v in notice.items()
                    },
                    "lines": [dict(r) for r in lines.mappings()],
                    "units": units_of(conn, int(notice["id"])),
                }
            )
    return out


def units_of(conn: Connection, notice_id: int) -> list[dict[str, Any]]:
    """A notice's tagged units, each with its line's place in the notice (`n`, from 0)."""
    line_ids = list(
        conn.execute(
            select(inbound_lines.c.id)
            .where(inbound_lines.c.notice_id == notice_id)
            .order_by(inbound_lines.c.id)
        ).scalars()
    )
    place = {line_id: n for n, line_id in enumerate(line_ids)}
    rows = conn.execute(
        select(inbound_units)
        .where(inbound_units.c.notice_id == notice_id)
        .order_by(inbound_units.c.id)
    ).all()
    return [
        {
            "epc": r.epc,
            "n": place[r.line_id],
            "sscc": r.sscc,
            "gtin": r.gtin,
            "serial": r.serial,
            "item": r.item_code,
            "batch": r.batch_no,
            "prod_date": r.prod_date.isoformat() if r.prod_date else None,
            "expiry": r.expiry.isoformat() if r.expiry else None,
            "qty": r.qty,
            "received": r.received_event is not None,  # at a door, by tag or label
        }
        for r in rows
    ]
