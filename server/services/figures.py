"""The overview's stock figures for today: the bands kept with the postings
(server.storage.stock_bands), made again first for a depot whose bands are of another day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, select

from server.storage import dashboard, stock_bands
from server.storage.tables import ledger_heads, warehouses


def facts(engine: Engine, warehouse: str | None, today: date) -> list[dashboard.Fact]:
    """The stock in view sorted into today's bands."""
    with engine.connect() as conn:
        codes = (
            [warehouse] if warehouse else list(conn.execute(select(warehouses.c.code)).scalars())
        )
        stale = [code for code in codes if stock_bands.day_of(conn, code) != today]
    for code in stale:
        with engine.begin() as conn:
            # The depot's chain end, as every writer takes it: no posting moves the summary
            # while the bands are made from it. A depot that never had a posting has none.
            head = conn.execute(
                select(ledger_heads.c.warehouse)
                .where(ledger_heads.c.warehouse == code)
                .with_for_update()
            ).first()
            if head is not None and stock_bands.day_of(conn, code) != today:
                stock_bands.rebuild(conn, code, today)
    return dashboard.facts(engine, warehouse)
