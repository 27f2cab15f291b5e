"""The ledger's storage layer on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from harness.depot import Depot
from kernel.clock import system_clock
from server.domain.basis import Basis, Kind, on_decision
from server.domain.errors import LedgerError
from server.services.approvals import Decision, record_decision
from server.services.events import Caller, ingest
from server.services.ledger import GENESIS, Posting, post, posting_hash
from server.storage.db import make_engine
from server.storage.tables import ledger_heads, locations, metadata, postings, stock

CALLER = Caller("gateway-LC01", "LC01")


@pytest.fixture
def engine(depot: Depot) -> Engine:
    return make_engine(depot.db_url)


def receiving(depot: Depot, **overrides: Any) -> dict[str, Any]:
    event = {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:14:03.120+08:00",
        "device": "LC01-D01-FIX1",
        "location": "D01",
        "gtin": depot.example.items[0].gtin,
        "batch": "2026S1",
        "prod_date": "2026-05-01",
        "qty": 20,
    }
    return {**event, **overrides}


def total(engine: Engine, status: str = "pending_acceptance") -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(stock.c.qty), 0)).where(stock.c.status == status)
            ).scalar_one()
        )


def test_migrations_build_exactly_the_declared_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_the_same_batch_twice_posts_once(engine: Engine, depot: Depot) -> None:
    batch = [receiving(depot), receiving(depot, qty=5)]
    first = ingest(engine, CALLER, batch, now=system_clock())
    second = ingest(engine, CALLER, batch, now=system_clock())
    assert [r.result for r in first] == ["accepted", "accepted"]
    assert [(r.result, r.original) for r in second] == [("duplicate", "accepted")] * 2
    assert total(engine) == 25


def test_racing_senders_of_one_event_post_it_once(engine: Engine, depot: Depot) -> None:
    event = receiving(depot)
    results: list[str] = []

    def send() -> None:
        results.extend(r.result for r in ingest(engine, CALLER, [event], now=system_clock()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["accepted"] + ["duplicate"] * 5
    assert total(engine) == 20


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"gtin": "06999999999994"}, "unknown_gtin"),
        ({"location": "Z-99"}, "unknown_location"),
        ({"qty": 0}, "bad_quantity"),
        ({"qty": "20"}, "bad_quantity"),
        ({"batch": ""}, "missing_batch"),
        ({"warehouse": "LC02"}, "warehouse_not_allowed"),
        ({"type": "teleporting"}, "unsupported_type"),
        ({"event_id": "not-a-uuid"}, "bad_event_id"),
    ],
)
def test_bad_events_are_rejected_with_a_reason_and_change_nothing(
    engine: Engine, depot: Depot, override: dict[str, Any], reason: str
) -> None:
    good = receiving(depot)
    bad = receiving(depot, **override)
    results = ingest(engine, CALLER, [good, bad], now=system_clock())
    assert results[0].result == "accepted"
    assert results[1].result == "rejected" and (results[1].reason or "").startswith(reason)
    assert total(engine) == 20
    if reason != "bad_event_id":  # a rejected event is remembered with its verdict
        again = ingest(engine, CALLER, [bad], now=system_clock())[0]
        assert (again.result, again.original) == ("duplicate", "rejected")


def test_postings_form_a_hash_chain_per_warehouse(engine: Engine, depot: Depot) -> None:
    ingest(engine, CALLER, [receiving(depot, qty=q) for q in (1, 2, 3)], now=system_clock())
    with engine.connect() as conn:
        rows = conn.execute(select(postings).order_by(postings.c.id)).mappings().all()
        head = conn.execute(select(ledger_heads).where(ledger_heads.c.warehouse == "LC01")).one()
    previous = GENESIS
    for row in rows:
        entry = Posting(
            row["warehouse"],
            row["location_id"],
            row["batch_id"],
            row["status"],
            row["qty"],
            row["author"],
            Basis(Kind(row["basis_kind"]), row["event_id"], row["approval_id"], row["basis_ref"]),
        )
        assert row["basis_kind"] == "receipt" and row["event_id"] is not None
        assert row["prev_hash"] == previous
        assert row["hash"] == posting_hash(previous, entry, row["posted_at"])
        previous = row["hash"]
    assert head.last_hash == previous and head.last_posting_id == rows[-1]["id"]


def test_a_posting_that_would_make_stock_negative_is_refused(engine: Engine, depot: Depot) -> None:
    ingest(engine, CALLER, [receiving(depot, qty=4)], now=system_clock())
    with engine.connect() as conn:
        line = conn.execute(select(stock)).mappings().one()
    with pytest.raises(LedgerError, match="negative"), engine.begin() as conn:
        decided = Decision("acceptance", "LC01", "YS-1", "admin", "accepted")
        basis = on_decision(Kind.ACCEPTANCE, record_decision(conn, decided, now=system_clock()))
        where = (line["location_id"], line["batch_id"])
        post(
            conn,
            [
                Posting("LC01", *where, "pending_acceptance", -5, "admin", basis),
                Posting("LC01", *where, "available", 5, "admin", basis),
            ],
            now=system_clock(),
        )
    assert total(engine) == 4


def test_the_database_itself_refuses_negative_stock(engine: Engine, depot: Depot) -> None:
    ingest(engine, CALLER, [receiving(depot, qty=4)], now=system_clock())
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(update(stock).values(qty=-1))
    assert total(engine) == 4


def test_locations_come_with_walk_order(engine: Engine) -> None:
    with engine.connect() as conn:
        orders = [
            r.walk_order
            for r in conn.execute(
                select(locations.c.walk_order).where(locations.c.warehouse == "LC01")
            )
        ]
    assert len(orders) == len(set(orders)) > 10
