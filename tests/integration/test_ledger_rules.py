"""Floor events and the ledger's own checks, on SQLite and on PostgreSQL."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update

from harness.depot import Depot
from harness.orders import dispatch, loading
from harness.procs import DEPOT
from kernel.clock import system_clock
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.events import Caller, ingest
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import postings, stock

CALLER = Caller("gateway-LC01", "LC01")


@pytest.fixture
def engine(depot: Depot) -> Engine:
    return make_engine(depot.db_url)


def event(depot: Depot, kind: str, **fields: Any) -> dict[str, Any]:
    base = {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "device": "LC01-D01-FIX1",
        "gtin": depot.example.items[0].gtin,
        "batch": "2026R1",
    }
    return {**base, **fields}


def held(engine: Engine, location_code: str, status: str) -> int:
    from server.storage.tables import locations

    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(stock.c.qty), 0))
                .join(locations, locations.c.id == stock.c.location_id)
                .where((locations.c.code == location_code) & (stock.c.status == status))
            ).scalar_one()
        )


def accept(engine: Engine, depot: Depot, qty: int, location: str = "D01") -> None:
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            warehouse="LC01",
            item=depot.example.items[0].code,
            batch="2026R1",
            location=location,
            qty=qty,
            decision="accepted",
            inspection=Inspection("YS-1", 2, "pass", "ZJ-2026-0457"),
        ),
        now=system_clock(),
    )


def test_putaway_moving_and_loading(engine: Engine, depot: Depot) -> None:
    results = ingest(
        engine,
        CALLER,
        [
            event(depot, "receiving", location="D01", qty=30),
            event(depot, "storing", from_location="D01", to_location="A-01-01", qty=30),
        ],
        now=system_clock(),
    )
    assert [r.result for r in results] == ["accepted", "accepted"]
    assert held(engine, "A-01-01", "pending_acceptance") == 30  # stored while awaiting acceptance
    accept(engine, depot, 30, "A-01-01")
    moved = ingest(
        engine,
        CALLER,
        [event(depot, "moving", from_location="A-01-01", to_location="A-01-02", qty=10)],
        now=system_clock(),
    )
    assert moved[0].result == "accepted"
    number, (pick,) = dispatch(engine, depot.example, depot.example.items[0].code, 4)
    gtin = depot.example.items[0].gtin
    loaded = ingest(engine, CALLER, [loading(number, pick, gtin)], now=system_clock())
    assert loaded[0].result == "accepted"
    assert held(engine, "A-01-01", "available") + held(engine, "A-01-02", "available") == 26
    assert held(engine, pick.location, "reserved") == 0  # the reservation went on the truck
    assert verify_ledger(engine).ok


def test_goods_leave_only_against_an_order_s_pick_line(engine: Engine, depot: Depot) -> None:
    """A loading event with no order took 180 tents out of the ledger: now nothing leaves
    without the pick line of an open order at that stack, nor beyond what the line holds."""
    tents = depot.example.items[0]
    ingest(engine, CALLER, [event(depot, "receiving", location="D01", qty=200)], now=system_clock())
    accept(engine, depot, 200)
    no_order = event(depot, "loading", from_location="D01", qty=180)
    number, (pick,) = dispatch(engine, depot.example, tents.code, 20)
    elsewhere = loading(number, pick, tents.gtin, from_location="D02")
    picking = event(depot, "picking", from_location="D01", qty=5)
    too_much = loading(number, pick, tents.gtin, qty=21)
    results = ingest(engine, CALLER, [no_order, elsewhere, picking, too_much], now=system_clock())
    reasons = [(r.result, (r.reason or "").split(":")[0]) for r in results]
    assert reasons == [
        ("rejected", "no_order"),
        ("rejected", "not_on_pick_list"),
        ("rejected", "no_order"),
        ("rejected", "over_pick_list"),
    ]
    assert results[0].malformed  # it can never be taken: the gateway sets it aside
    assert held(engine, "D01", "available") == 180 and held(engine, "D01", "reserved") == 20
    # Within one batch, two loads of one line cannot together take more than it holds.
    twice = [loading(number, pick, tents.gtin, qty=15), loading(number, pick, tents.gtin, qty=6)]
    assert [r.result for r in ingest(engine, CALLER, twice, now=system_clock())] == [
        "accepted",
        "rejected",
    ]
    assert held(engine, "D01", "reserved") == 5
    with engine.connect() as conn:
        kinds = {
            r.basis_kind: r.basis_ref
            for r in conn.execute(select(postings).where(postings.c.qty < 0))
        }
    assert kinds["pick_line"] is not None  # the loading stands on its pick line
    assert verify_ledger(engine).ok


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"type": "moving", "from_location": "D01", "to_location": "A-01-01", "qty": 11},
            "insufficient_stock",
        ),
        (
            {"type": "moving", "from_location": "D01", "to_location": "D01", "qty": 1},
            "same_location",
        ),
        (
            {"type": "storing", "from_location": "D01", "to_location": "Z-99", "qty": 1},
            "unknown_location",
        ),
        (
            {"type": "moving", "from_location": "D01", "to_location": "A-01-01", "qty": 1,
             "batch": "NEVER"},
            "unknown_batch",
        ),
        (
            {"type": "moving", "from_location": "D01", "to_location": "A-01-01", "qty": 1,
             "status": "lost"},
            "bad_status",
        ),
        ({"type": "loading", "from_location": "D01", "qty": 5}, "no_order"),
        ({"type": "loading", "from_location": "D01", "qty": 5, "order": "NONE"}, "unknown_order"),
    ],
)  # fmt: skip
def test_floor_events_that_would_break_the_ledger_are_refused(
    engine: Engine, depot: Depot, fields: dict[str, Any], reason: str
) -> None:
    ingest(engine, CALLER, [event(depot, "receiving", location="D01", qty=10)], now=system_clock())
    fields = dict(fields)
    bad = event(depot, fields.pop("type"), **fields)
    result = ingest(engine, CALLER, [bad], now=system_clock())[0]
    assert result.result == "rejected" and (result.reason or "").startswith(reason)
    assert held(engine, "D01", "pending_acceptance") == 10  # nothing moved
    assert verify_ledger(engine).ok


def test_verify_ledger_names_a_changed_posting(engine: Engine, depot: Depot) -> None:
    ingest(
        engine,
        CALLER,
        [event(depot, "receiving", location="D01", qty=q) for q in (1, 2, 3)],
        now=system_clock(),
    )
    assert verify_ledger(engine).ok
    with engine.begin() as conn:
        second = conn.execute(select(postings.c.id).order_by(postings.c.id).offset(1)).scalar()
        conn.execute(update(postings).where(postings.c.id == second).values(qty=200))
    report = verify_ledger(engine)
    assert not report.ok and report.finding is not None
    item = depot.example.items[0].code
    assert report.finding.where == (
        f"posting {second} (LC01 D01 {item} batch 2026R1 pending_acceptance 200)"
    )
    assert "does not match its hash" in report.finding.problem


def test_verify_ledger_names_a_removed_posting(engine: Engine, depot: Depot) -> None:
    ingest(
        engine,
        CALLER,
        [event(depot, "receiving", location="D01", qty=q) for q in (1, 2, 3)],
        now=system_clock(),
    )
    with engine.begin() as conn:
        ids = list(conn.execute(select(postings.c.id).order_by(postings.c.id)).scalars())
        conn.execute(delete(postings).where(postings.c.id == ids[1]))
    findings = verify_ledger(engine).findings
    assert findings[0].where.startswith(f"posting {ids[2]} (LC01 D01 ")
    assert "removed" in findings[0].problem
    assert "stock says 6, its postings add up to 4" in findings[1].problem  # every problem


def test_verify_ledger_names_a_stock_line_that_disagrees(engine: Engine, depot: Depot) -> None:
    ingest(engine, CALLER, [event(depot, "receiving", location="D01", qty=7)], now=system_clock())
    with engine.begin() as conn:
        conn.execute(update(stock).values(qty=9))
    finding = verify_ledger(engine).finding
    item = depot.example.items[0].code
    assert finding is not None
    assert finding.where == f"stock LC01 D01 {item} batch 2026R1 pending_acceptance"
    assert "stock says 9, its postings add up to 7" in finding.problem


def test_the_verify_command(engine: Engine, depot: Depot) -> None:
    ingest(engine, CALLER, [event(depot, "receiving", location="D01", qty=7)], now=system_clock())
    good = subprocess.run(
        [DEPOT, "server", "verify-ledger", "--db", depot.db_url], capture_output=True, text=True
    )
    assert good.returncode == 0 and "ledger verifies: 1 postings" in good.stdout
    with engine.begin() as conn:
        conn.execute(update(postings).values(author="someone-else"))
    bad = subprocess.run(
        [DEPOT, "server", "verify-ledger", "--db", depot.db_url], capture_output=True, text=True
    )
    assert bad.returncode == 1
    assert "does NOT verify: 1 problem\n  posting 1 (LC01 D01 " in bad.stdout


def test_racing_dispatchers_never_reserve_the_same_stock(engine: Engine, depot: Depot) -> None:
    import threading

    from server.domain.floor import Rejection
    from server.services.dispatch import OrderLine, OrderRequest, create_order
    from server.storage.tables import pick_lines

    ingest(engine, CALLER, [event(depot, "receiving", location="D01", qty=30)], now=system_clock())
    accept(engine, depot, 30)
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    outcomes: list[str] = []

    def dispatcher(n: int) -> None:
        request = OrderRequest(
            f"R{n}",
            "request",
            "test",
            "somewhere",
            lc01.lat,
            lc01.lon,
            (OrderLine(depot.example.items[0].code, 20),),
        )
        try:
            create_order(engine, "admin", request, now=datetime.now(UTC))
            outcomes.append("ok")
        except Rejection as exc:
            outcomes.append(exc.reason)

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        picked = conn.execute(select(func.coalesce(func.sum(pick_lines.c.qty), 0))).scalar_one()
    assert set(outcomes) <= {"ok", "busy"} and "ok" in outcomes
    assert picked == held(engine, "D01", "reserved") == 30  # all of it, and not a unit more
    assert held(engine, "D01", "available") == 0
    assert verify_ledger(engine).ok
