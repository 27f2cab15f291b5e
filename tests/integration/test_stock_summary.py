"""The stock summary the overview reads (server.storage.stock_summary) on SQLite and
PostgreSQL: after any sequence of floor events and decisions it is exactly what the stock
lines make it, and the bands kept for a day are what the rules make of them; migration 0019
fills it from the stock a ledger already holds; verify-ledger names a row that disagrees."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update
from test_ledger_properties import CALLER, accept, as_event, operation

from demo.exampledata import generate
from demo.load import load_example
from harness.depot import Depot
from kernel.clock import system_clock
from server.domain import depot_time
from server.domain.ageing import age_band, remaining_band
from server.services import figures
from server.services.events import ingest
from server.services.masterfiles import ITEM_COLUMNS, export_items, import_items
from server.services.verify import verify_ledger
from server.storage import figures_version, stock_bands, stock_summary
from server.storage.db import make_engine, migrate
from server.storage.tables import batches, items, locations, stock
from server.storage.tables import stock_summary as summary_table

# P1 arrives with its production date, P2 without (its inbound day counts)
MADE = {"P1": "2019-03-04", "P2": None}


def send(engine: Any, op: tuple[Any, ...]) -> None:
    if op[0] == "accept":
        accept(engine, op)
        return
    event = as_event(op)
    if op[0] == "receiving" and MADE[op[2]]:
        event["prod_date"] = MADE[op[2]]
    assert ingest(engine, CALLER, [event], now=system_clock())[0].result in (
        "accepted",
        "rejected",
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=20))
def test_the_summary_is_what_the_stock_makes_it_after_any_postings(
    depot: Depot, ops: list[tuple[Any, ...]]
) -> None:
    """The examples run one after another on the same database: each starts from the stock
    the ones before left, so the summary is checked after every sequence and their sum."""
    engine = make_engine(depot.db_url)
    send(engine, ("receiving", "D01", "P1", 1))  # the depot's ledger begun
    figures.facts(engine, "LC01", depot_time.today(system_clock()))  # its bands kept for today

    def kept_now() -> tuple[Any, Any]:
        with engine.connect() as conn:
            kept = stock_summary.kept(conn)
        return kept, figures_version.read(engine, "LC01")

    for op in ops:
        before = kept_now()
        send(engine, op)
        after = kept_now()
        # the overview's figures are kept under the version: it moves whenever they do
        assert (after[1] != before[1]) or (after[0] == before[0]), op
    with engine.connect() as conn:
        assert stock_summary.kept(conn) == stock_summary.from_stock(conn)
        day = stock_bands.day_of(conn, "LC01")  # None once the writer's day moved on
        if day is not None:
            assert bands_kept(conn) == bands_by_rule(conn, day)
    engine.dispose()


def bands_kept(conn: Any) -> dict[tuple[Any, ...], tuple[int, int]]:
    return {
        (item, status, age, left): (lines, qty)
        for _, item, status, age, left, lines, qty in stock_bands.read(conn, "LC01")
    }


def bands_by_rule(conn: Any, day: date) -> dict[tuple[Any, ...], tuple[int, int]]:
    """The stock lines sorted into bands one by one by the pure rules."""
    years = {code: int(y) for code, y in conn.execute(select(items.c.code, items.c.storage_years))}
    out: dict[tuple[Any, ...], tuple[int, int]] = {}
    for (_, item, status, made), (lines, qty) in stock_summary.from_stock(conn, "LC01").items():
        when = date.fromisoformat(made)
        key = (item, status, age_band(when, day), remaining_band(when, years[item], day))
        had = out.get(key, (0, 0))
        out[key] = (had[0] + lines, had[1] + qty)
    return out


def test_the_summary_counts_lines_and_making_days(depot: Depot) -> None:
    """What a person would read: P1 received at two places, half of one moved on, P2 at the
    door: lines and quantities per making day, and a line emptied no longer counted."""
    engine = make_engine(depot.db_url)
    for op in (
        ("receiving", "D01", "P1", 10),
        ("receiving", "A-01-01", "P1", 4),
        ("receiving", "D01", "P2", 7),
        ("moving", "A-01-01", "A-01-02", "P1", 4),
    ):
        send(engine, op)
    with engine.connect() as conn:
        kept = stock_summary.kept(conn, "LC01")
        inbound = conn.execute(
            select(batches.c.inbound_date).where(batches.c.batch_no == "P2")
        ).scalar_one()
    item = generate().items[0].code
    assert kept == {
        ("LC01", item, "pending_acceptance", "2019-03-04"): (2, 14),
        ("LC01", item, "pending_acceptance", str(inbound)[:10]): (1, 7),
    }
    engine.dispose()


def test_the_migration_fills_the_summary_from_the_stock(db_url: str) -> None:
    """A ledger from before revision 0019 (stock written, no summary): upgrading fills the
    summary with what its stock lines make."""
    engine = make_engine(db_url)
    migrate(engine, "0018")
    example = generate()
    load_example(engine, example, with_stock=False)
    item = example.items[0].code
    with engine.begin() as conn:
        ids = [
            conn.execute(
                insert(batches)
                .values(item_code=item, batch_no=f"M{n}", prod_date=made, inbound_date=inbound)
                .returning(batches.c.id)
            ).scalar_one()
            for n, (made, inbound) in enumerate(
                [(date(2018, 5, 1), date(2018, 6, 1)), (None, date(2021, 2, 3)), (None, None)]
            )
        ]
        slots = list(
            conn.execute(select(locations.c.id).where(locations.c.warehouse == "LC01")).scalars()
        )[:2]
        conn.execute(insert(stock), [
            {"warehouse": "LC01", "location_id": slot, "batch_id": batch, "status": status,
             "qty": qty}
            for batch in ids
            for slot in slots
            for status, qty in (("available", 5), ("on_hold", 0))
        ])  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        kept = stock_summary.kept(conn)
        assert kept == stock_summary.from_stock(conn)
    assert kept == {
        ("LC01", item, "available", "2018-05-01"): (2, 10),
        ("LC01", item, "available", "2021-02-03"): (2, 10),
        ("LC01", item, "available", "9999-12-31"): (2, 10),
    }
    engine.dispose()


def test_verify_ledger_names_a_summary_row_that_disagrees_with_the_stock(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    send(engine, ("receiving", "D01", "P1", 10))
    assert verify_ledger(engine).ok
    with engine.begin() as conn:
        conn.execute(update(summary_table).values(qty=12))
    finding = verify_ledger(engine).finding
    item = generate().items[0].code
    assert finding is not None
    assert finding.where == f"stock summary LC01 {item} pending_acceptance made 2019-03-04"
    assert finding.problem == "says 1 lines holding 12, the stock lines make 1 holding 10"
    engine.dispose()


def test_a_catalogue_import_that_changes_storage_years_moves_the_bands(depot: Depot) -> None:
    """P1 (made 2019-03-04) of an item kept 10 years is not due; imported as kept 5 years,
    the overview's next read shows it overdue."""
    engine = make_engine(depot.db_url)
    send(engine, ("receiving", "D01", "P1", 10))
    today = date(2026, 11, 24)
    item = generate().items[0].code

    def overdue() -> int:
        return sum(f.qty for f in figures.facts(engine, "LC01", today) if f.remaining == "overdue")

    rows = [
        {k: "" if v is None else str(v) for k, v in zip(ITEM_COLUMNS, r, strict=True)}
        for r in export_items(engine)
    ]
    for years, expected in ((10, 0), (5, 10)):
        for row in rows:
            if row["code"] == item:
                row["storage_years"] = str(years)
        version = figures_version.read(engine, "LC01")[0]
        import_items(engine, "admin", rows, now=system_clock())
        assert figures_version.read(engine, "LC01")[0] == version + 1  # the overview's too
        assert overdue() == expected
    engine.dispose()
