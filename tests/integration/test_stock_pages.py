"""The ledger's stock lines a page at a time (server.storage.queries.stock_rows), on a real
SQLite ledger written by the floor's events: whatever the floor did, every page under every
filter holds exactly the lines a plain reading of the stock table gives, in the same order,
and the total (taken from the kept summary when no batch or location is asked for) is their
number."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from demo.exampledata import generate
from harness.depot import prepare_database
from kernel.clock import system_clock
from server.services.events import Caller, ingest
from server.storage import queries
from server.storage.db import make_engine
from server.storage.tables import batches, items, locations, stock

ITEMS = generate().items[:2]
PLACES = ("D01", "A-01-01", "A-01-02", "A-02-01")
BATCHES = ("P1", "P2", "P3", "P4", "P5")

operation = st.tuples(
    st.sampled_from(("receiving", "receiving", "storing", "loading")),
    st.sampled_from(("LC01", "LC02")),
    st.integers(min_value=0, max_value=1),  # which item
    st.sampled_from(BATCHES),
    st.sampled_from(PLACES),
    st.sampled_from(PLACES),
    st.integers(min_value=1, max_value=20),
    st.integers(min_value=1, max_value=28),  # the day of November it happened
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stock-pages") / "template.sqlite"
    prepare_database(f"sqlite:///{path}")
    return path


def as_event(op: tuple[Any, ...]) -> dict[str, Any]:
    kind, depot, item, batch, here, there, qty, day = op
    event = {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "warehouse": depot,
        "occurred_at": f"2026-11-{day:02d}T09:00:00+08:00",
        "gtin": ITEMS[item].gtin,
        "batch": batch,
        "qty": qty,
    }
    if kind == "receiving":
        return {**event, "location": here}
    if kind == "loading":
        return {**event, "from_location": here}
    return {**event, "from_location": here, "to_location": there}


def plainly(engine: Any, f: queries.StockFilter) -> list[tuple[Any, ...]]:
    """Every matching line, read and sorted the obvious way."""
    query = (
        select(
            stock.c.warehouse,
            locations.c.code,
            items.c.code,
            batches.c.batch_no,
            stock.c.status,
            stock.c.qty,
            batches.c.inbound_date,
            batches.c.id,
            locations.c.walk_order,
            stock.c.location_id,
        )
        .join(locations, locations.c.id == stock.c.location_id)
        .join(batches, batches.c.id == stock.c.batch_id)
        .join(items, items.c.code == batches.c.item_code)
        .where(stock.c.qty > 0)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    wanted = [
        r
        for r in rows
        if f.warehouse in (None, r[0]) and f.location in (None, r[1]) and f.item in (None, r[2])
        and f.batch in (None, r[3]) and f.status in (None, r[4])
    ]  # fmt: skip
    wanted.sort(key=lambda r: (r[6], r[7], r[8], r[0], r[9], r[4]))
    return [r[:6] for r in wanted]


def filters() -> list[queries.StockFilter]:
    both = [None, "LC01", "LC02"]
    return [
        *(queries.StockFilter(depot, limit=3) for depot in both),
        *(queries.StockFilter(depot, item=ITEMS[1].code, limit=2) for depot in both),
        queries.StockFilter("LC01", status="pending_acceptance", limit=2),
        queries.StockFilter(None, batch="P2", limit=2),
        queries.StockFilter("LC02", item=ITEMS[0].code, batch="P3", limit=2),
        queries.StockFilter("LC01", location="A-01-01", limit=2),
        queries.StockFilter(None, location="D01", status="pending_acceptance", limit=2),
    ]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=30))
def test_every_page_holds_the_lines_a_plain_reading_gives(
    template: Path, tmp_path: Path, ops: list[tuple[Any, ...]]
) -> None:
    db = tmp_path / f"{uuid.uuid4().hex}.sqlite"
    shutil.copy(template, db)
    engine = make_engine(f"sqlite:///{db}")
    for op in ops:
        ingest(engine, Caller(f"gateway-{op[1]}", op[1]), [as_event(op)], now=system_clock())
    for whole in filters():
        expected = plainly(engine, whole)
        seen: list[tuple[Any, ...]] = []
        offset = 0
        while True:
            f = queries.StockFilter(whole.warehouse, whole.item, whole.batch, whole.location,
                                    whole.status, whole.limit, offset)  # fmt: skip
            total, rows = queries.stock_rows(engine, f)
            assert total == len(expected), whole
            assert len(rows) <= f.limit
            seen += [(r["warehouse"], r["location"], r["item"], r["batch"], r["status"],
                      r["qty"]) for r in rows]  # fmt: skip
            offset += f.limit
            if offset >= total:
                break
        assert seen == expected, whole
    engine.dispose()
