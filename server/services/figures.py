"""The overview's stock figures for today: the bands kept with the postings
(server.storage.stock_bands), made again first for a depot whose bands are of another day."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, or_, select

from server.storage import dashboard, stock_bands
from server.storage.tables import ledger_heads, stock_bands_day, warehouses


def keep_for_today(engine: Engine, warehouse: str | None, today: date) -> None:
    """Make sure the bands of the depot in view (of every depot) are kept for `today`: one
    read when they are, and once a day a depot's bands made again. A depot that never had a
    posting has no chain end and nothing in bands: it is left as it is."""
    kept = stock_bands_day.c
    stale = (
        select(warehouses.c.code)
        .join(ledger_heads, ledger_heads.c.warehouse == warehouses.c.code)
        .outerjoin(stock_bands_day, kept.warehouse == warehouses.c.code)
        .where(or_(kept.day.is_(None), kept.day != today))
    )
    if warehouse:
        stale = stale.where(warehouses.c.code == warehouse)
    with engine.connect() as conn:
        codes = list(conn.execute(stale).scalars())
    for code in codes:
        with engine.begin() as conn:
            # The depot's chain end, as every writer takes it: no posting moves the summary
            # while the bands are made from it.
            conn.execute(
                select(ledger_heads.c.warehouse)
                .where(ledger_heads.c.warehouse == code)
                .with_for_update()
            )
            if stock_bands.day_of(conn, code) != today:
                stock_bands.rebuild(conn, code, today)


def facts(engine: Engine, warehouse: str | None, today: date) -> list[dashboard.Fact]:
    """The stock in view sorted into today's bands."""
    keep_for_today(engine, warehouse, today)
    with engine.connect() as conn:
        return dashboard.facts(conn, warehouse)
