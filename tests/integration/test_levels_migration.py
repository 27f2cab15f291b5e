"""Migration 0030 on a ledger kept before it: each batch takes the level the depot that holds
it keeps (its own; an agency point's, the city's), each inbound notice its depot's, each
dispatch order its depot's or, the bureau's, the city's; and the contracts' tables come and
go with it."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import inspect, select

from harness.depot import ADMIN, prepare_database
from server.services import dispatch, inbound
from server.storage.db import alembic_config, make_engine, migrate
from server.storage.tables import batches, dispatch_orders, inbound_notices, stock


def test_rows_kept_before_0030_take_their_depots_level(db_url: str) -> None:
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(db_url)
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    item = next(b for b in depot.example.batches if b.warehouse == "LC02").item_code
    now = datetime.now(UTC)
    request = dispatch.OrderRequest(
        number="迁移-L", kind="request", basis="basis", destination="安置点",
        lat=lc01.lat, lon=lc01.lon, lines=(dispatch.OrderLine(item, 1),),
    )  # fmt: skip
    dispatch.create_order(engine, ADMIN[0], request, now=now)
    line = [inbound.NoticeLine(item, 5)]
    inbound.create_notice(engine, ADMIN[0], "RK-L", "LC02", None, None, line, now, "central")
    config = alembic_config()  # back to 0028, as the ledger was kept before...
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0028")
    assert "agency_contracts" not in inspect(engine).get_table_names()
    migrate(engine)  # ...and forward
    with engine.connect() as conn:
        held = conn.execute(
            select(stock.c.warehouse, batches.c.owner_level)
            .join(batches, batches.c.id == stock.c.batch_id)
            .distinct()
        ).all()
        notice = conn.execute(select(inbound_notices.c.owner_level)).scalar_one()
        asked = conn.execute(select(dispatch_orders.c.requesting_level)).scalar_one()
    # the province's reads as LC01's; LC02, an agency point, keeps the city's (art. 9)
    assert set(held) == {("LC01", "city"), ("LC02", "city")}
    assert (notice, asked) == ("city", "city")
    assert "agency_contracts" in inspect(engine).get_table_names()
    engine.dispose()
