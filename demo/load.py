"""Loading the example depot (demo.exampledata) into an empty ledger database: `depot demo
load-example`, the demo and the tests. A site's own master data comes as files through the
API (server.services.masterfiles); the example's places and road distances come with it (the
coverage view's city). The national code table (GB/T 38565) ships beside it as a file
(demo.material_codes) and is loaded first; the example's items carry their classes.
Opening stock is posted to the ledger like any other change, with the author
`opening-balance`, so the hash chain covers it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, inspect, select

from demo.exampledata import ExampleDepot
from demo.material_codes import table_rows
from kernel.clock import Clock, system_clock
from server.domain.basis import OPENING
from server.domain.errors import MasterDataError
from server.domain.material_codes import check_table
from server.services.ledger import Posting, post
from server.storage.tables import (
    agency_contract_lines,
    agency_contracts,
    batches,
    item_gtins,
    items,
    locations,
    material_codes,
    places,
    road_distances,
    warehouses,
)


def load_example(
    engine: Engine, depot: ExampleDepot, *, with_stock: bool = True, clock: Clock = system_clock
) -> None:
    """Load the example depot into an empty database (refuses a database that has warehouses);
    the opening stock is posted at the moment `clock` answers. With the stock come the batches'
    owning levels and the agency points' contracts (tables of migration 0030: a database
    migrated to an earlier revision takes the example without stock)."""
    with engine.begin() as conn:
        if conn.execute(select(warehouses.c.code).limit(1)).first() is not None:
            raise MasterDataError("the database already has warehouses; load into an empty one")
        conn.execute(warehouses.insert(), [_row(w, warehouses) for w in depot.warehouses])
        conn.execute(locations.insert(), [_row(loc, locations) for loc in depot.locations])
        if depot.places:
            conn.execute(places.insert(), [_row(p, places) for p in depot.places])
        if depot.roads:
            conn.execute(road_distances.insert(), [_row(r, road_distances) for r in depot.roads])
        # a ledger migrated only to a revision before 0029 (tests of migrations) has no codes
        coded = inspect(conn).has_table(material_codes.name)
        if coded:
            conn.execute(material_codes.insert(), _code_table())
        leave = frozenset() if coded else frozenset({"national_code"})
        conn.execute(items.insert(), [_row(i, items, leave) for i in depot.items])
        conn.execute(
            item_gtins.insert(), [{"gtin": i.gtin, "item_code": i.code} for i in depot.items]
        )
        if with_stock and depot.batches:
            _contracts(conn, depot)
            conn.execute(batches.insert(), [_row(b, batches) for b in depot.batches])
            _opening_stock(conn, depot, clock())


def _code_table() -> list[dict[str, Any]]:
    """The shipped national code table (demo.material_codes), checked as an import checks it."""
    codes, errors = check_table(table_rows())
    if errors:
        raise MasterDataError("; ".join(str(e) for e in errors))
    return [asdict(c) for c in codes]


def _contracts(conn: Connection, depot: ExampleDepot) -> None:
    """The agency points' contracts, with the stock they are held to."""
    for c in depot.contracts:
        made = conn.execute(
            agency_contracts.insert()
            .values(_row(c, agency_contracts))
            .returning(agency_contracts.c.id)
        ).scalar_one()
        lines = [{"contract_id": made, "item_code": i, "qty": q} for i, q in c.lines]
        conn.execute(agency_contract_lines.insert(), lines)


def _row(record: Any, table: Table, leave: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields of an example record that are columns of its table (but those to `leave`)."""
    return {k: v for k, v in asdict(record).items() if k in table.c and k not in {"id", *leave}}


def _opening_stock(conn: Connection, depot: ExampleDepot, now: datetime) -> None:
    """Each batch's quantity posted to the ledger at its location, as opening balances."""
    location_ids = {
        (r.warehouse, r.code): r.id
        for r in conn.execute(select(locations.c.warehouse, locations.c.code, locations.c.id))
    }
    batch_ids = {
        (r.item_code, r.batch_no): r.id
        for r in conn.execute(select(batches.c.item_code, batches.c.batch_no, batches.c.id))
    }
    post(
        conn,
        [
            Posting(
                b.warehouse,
                location_ids[(b.warehouse, b.location)],
                batch_ids[(b.item_code, b.batch_no)],
                "available",
                b.quantity,
                "opening-balance",
                OPENING,
            )
            for b in depot.batches
            if b.quantity > 0
        ],
        now,
    )
