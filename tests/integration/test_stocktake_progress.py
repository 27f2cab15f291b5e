"""A round's figures kept by zone (server.storage.stocktake_progress, migration 0021) agree with
its counts and lines counted afresh: after the open, counts given twice, a close asking for a
recount, the recount, a close and a reason; a line counted by two writers at once counts once;
and migration 0021 fills the same figures from the rounds there are (the schema taken back to
0020, then up again). SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, func, select, text

from harness.depot import prepare_database
from harness.procs import wait_until
from server.services import stocktake, stocktake_close
from server.storage import stocktake_progress as progress
from server.storage.db import alembic_config, make_engine, migrate
from server.storage.tables import (
    batches,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktake_progress,
)

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


def stacks_of(engine: Engine, zone: str) -> list[tuple[str, str, str, int]]:
    """LC01's stacks in a zone: location, item, batch, quantity."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(locations.c.code, batches.c.item_code, batches.c.batch_no, func.sum(stock.c.qty))
            .join(locations, locations.c.id == stock.c.location_id)
            .join(batches, batches.c.id == stock.c.batch_id)
            .where((stock.c.warehouse == "LC01") & (locations.c.zone == zone) & (stock.c.qty > 0))
            .group_by(locations.c.code, batches.c.item_code, batches.c.batch_no)
            .order_by(locations.c.code, batches.c.batch_no)
        ).all()
    return [(r[0], r[1], r[2], int(r[3])) for r in rows]


def kept(engine: Engine) -> set[tuple[Any, ...]]:
    """Every round's kept figures, zones with nothing left out."""
    with engine.connect() as conn:
        rows = conn.execute(select(stocktake_progress)).all()
    return {tuple(r) for r in rows if any(r[2:])}


def afresh(engine: Engine, take: int, zone: str) -> dict[str, int]:
    """A round's figures counted from its counts and lines."""
    lines = stocktake_lines.c
    in_scope = len(stacks_of(engine, zone))
    with engine.connect() as conn:
        computed = conn.execute(select(func.count()).where(lines.stocktake_id == take)).scalar_one()
        if computed:

            def n(where: Any) -> int:
                query = select(func.count()).where((lines.stocktake_id == take) & where)
                return int(conn.execute(query).scalar_one())

            return {
                "lines": int(computed),
                "counted": n(lines.counted.is_not(None)),
                "variances": n(lines.state == "variance"),
                "recounts": n(lines.state == "recount"),
                "open_reasons": n((lines.state == "variance") & lines.reason.is_(None)),
            }
        counted = select(stocktake_counts.c.location_id, stocktake_counts.c.batch_id).distinct()
        counted = counted.where(stocktake_counts.c.stocktake_id == take).subquery()
        return {
            "lines": in_scope,
            "counted": int(conn.execute(select(func.count()).select_from(counted)).scalar_one()),
            "variances": 0,
            "recounts": 0,
            "open_reasons": 0,
        }


def figures(engine: Engine, take: int) -> dict[str, int]:
    with engine.connect() as conn:
        row = conn.execute(
            select(*(func.sum(stocktake_progress.c[k]) for k in afresh_keys())).where(
                stocktake_progress.c.stocktake_id == take
            )
        ).one()
    return {k: int(v or 0) for k, v in zip(afresh_keys(), row, strict=True)}


def afresh_keys() -> tuple[str, ...]:
    return ("lines", "counted", "variances", "recounts", "open_reasons")


def test_kept_figures_follow_every_step_and_the_migration_fills_them(db_url: str) -> None:
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(depot.db_url)
    zones = ("A", "B")
    counting = stocktake.open_stocktake(engine, "wang", "LC01", "A", 0, NOW)
    take = stocktake.open_stocktake(engine, "wang", "LC01", "B", 0, NOW)
    assert figures(engine, counting) == afresh(engine, counting, "A")
    assert figures(engine, counting)["lines"] == len(stacks_of(engine, "A")) > 1

    half = stacks_of(engine, "A")[::2]
    counts = [stocktake.Count(loc, item, batch, qty) for loc, item, batch, qty in half]
    stocktake.record_counts(engine, "li", counting, counts, NOW)
    stocktake.record_counts(engine, "zhou", counting, counts[:1], NOW)  # a line counted again
    assert figures(engine, counting)["counted"] == len(half)
    assert figures(engine, counting) == afresh(engine, counting, "A")

    every = stacks_of(engine, "B")
    short = every[0]
    counts = [stocktake.Count(loc, item, batch, qty) for loc, item, batch, qty in every[1:]]
    counts.append(stocktake.Count(short[0], short[1], short[2], short[3] - 1))
    stocktake.record_counts(engine, "li", take, counts, NOW)
    assert stocktake_close.close(engine, "wang", take, NOW).recounts == 1
    assert figures(engine, take)["recounts"] == 1
    assert figures(engine, take) == afresh(engine, take, "B")
    again = stocktake.Count(short[0], short[1], short[2], short[3] - 1, round=2)
    stocktake.record_counts(engine, "li", take, [again], NOW)
    stocktake_close.close(engine, "wang", take, NOW)
    assert figures(engine, take) == afresh(engine, take, "B")
    assert figures(engine, take)["open_reasons"] == figures(engine, take)["variances"] == 1
    stocktake.set_reason(engine, "wang", take, short[0], short[1], short[2], "damaged", now=NOW)
    assert figures(engine, take)["open_reasons"] == 0
    assert figures(engine, take) == afresh(engine, take, "B")

    before = kept(engine)
    assert {r[1] for r in before} == set(zones)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0020")
    migrate(engine)
    assert kept(engine) == before
    engine.dispose()


def test_one_line_counted_by_two_writers_at_once_counts_once(db_url: str) -> None:
    """Two transactions count the same line at the same time (a keeper's device and the
    floor): the second waits on the first's row of `stocktake_counted`, and the line counts
    once. On SQLite writers take turns; on PostgreSQL the second is seen waiting first."""
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(depot.db_url)
    take = stocktake.open_stocktake(engine, "wang", "LC01", "A", 0, NOW)
    loc, item, batch, qty = stacks_of(engine, "A")[0]
    count = stocktake.Count(loc, item, batch, qty)
    first = engine.connect()
    tx = first.begin()
    row = stocktake.stocktake_row(first, take)
    rows = stocktake.count_rows(first, row, "li", [count], NOW)
    first.execute(stocktake_counts.insert(), rows)
    progress.add_counted(first, rows)  # the line's key taken, not yet committed
    second = threading.Thread(
        target=lambda: stocktake.record_counts(engine, "zhou", take, [count], NOW)
    )
    if engine.dialect.name == "postgresql":
        second.start()
        wait_until(lambda: waiting_on_a_lock(engine), 20, "the second writer waiting")
        tx.commit()
    else:
        tx.commit()
        second.start()
    second.join(timeout=30)
    first.close()
    assert not second.is_alive()
    assert figures(engine, take)["counted"] == 1
    with engine.connect() as conn:
        counts = select(func.count()).where(stocktake_counts.c.stocktake_id == take)
        assert conn.execute(counts).scalar_one() == 2  # both counts are kept
    engine.dispose()


def waiting_on_a_lock(engine: Engine) -> bool:
    with engine.connect() as conn:
        query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
        return bool(conn.execute(query).scalar_one())
