"""Loading the example depot (demo.exampledata) into an empty ledger database: `depot demo
load-example`, the demo and the tests. A site's own master data comes as files through the
API (server.services.masterfiles). Opening stock is posted to the ledger like any other change,
with the author `opening-balance`, so the hash chain covers it.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from demo.exampledata import ExampleDepot
from server.domain.basis import OPENING
from server.domain.errors import MasterDataError
from server.services.ledger import Posting, post
from server.storage.tables import batches, item_gtins, items, locations, warehouses


def load_example(engine: Engine, depot: ExampleDepot, *, with_stock: bool = True) -> None:
    """Load the example depot into an empty database (refuses a database that has warehouses)."""
    with engine.begin() as conn:
        if conn.execute(select(warehouses.c.code).limit(1)).first() is not None:
            raise MasterDataError("the database already has warehouses; load into an empty one")
        conn.execute(
            warehouses.insert(),
            [
                {
                    "code": w.code,
                    "name_zh": w.name_zh,
                    "name_en": w.name_en,
                    "level": w.level,
                    "kind": w.kind,
                    "lat": w.lat,
                    "lon": w.lon,
                }
                for w in depot.warehouses
            ],
        )
        conn.execute(
            locations.insert(),
            [
                {
                    "warehouse": loc.warehouse,
                    "code": loc.code,
                    "zone": loc.zone,
                    "walk_order": loc.walk_order,
                    "kind": loc.kind,
                }
                for loc in depot.locations
            ],
        )
        conn.execute(
            items.insert(),
            [
                {
                    "code": i.code,
                    "name_zh": i.name_zh,
                    "name_en": i.name_en,
                    "spec": i.spec,
                    "unit_zh": i.unit_zh,
                    "unit_en": i.unit_en,
                    "category": i.category,
                    "reusable": i.reusable,
                    "storage_years": i.storage_years,
                    "unit_price_cents": i.unit_price_cents,
                }
                for i in depot.items
            ],
        )
        conn.execute(
            item_gtins.insert(), [{"gtin": i.gtin, "item_code": i.code} for i in depot.items]
        )
        if not with_stock or not depot.batches:
            return
        conn.execute(
            batches.insert(),
            [
                {
                    "item_code": b.item_code,
                    "batch_no": b.batch_no,
                    "manufacturer": b.manufacturer,
                    "prod_date": b.prod_date,
                    "inbound_date": b.inbound_date,
                    "unit_price_cents": b.unit_price_cents,
                }
                for b in depot.batches
            ],
        )
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
        )
