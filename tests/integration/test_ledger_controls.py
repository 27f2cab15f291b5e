"""The ledger's one writer holds every posting to its basis in the database, and
verify-ledger finds edited decisions and audit entries, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, update

from harness.depot import Depot
from harness.orders import dispatch, loading
from kernel.clock import system_clock
from server.domain.basis import OPENING, Kind, on_decision, on_event
from server.domain.errors import BasisError, Rejection
from server.services import disposal, returns, stocktake, stocktake_close
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.approvals import Decision, record_decision
from server.services.audit import record
from server.services.events import Caller, ingest
from server.services.ledger import Posting, post
from server.services.refs import batch_id, location_id
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import approvals, audit_log, stock

CALLER = Caller("gateway-LC01", "LC01")


@pytest.fixture
def engine(depot: Depot) -> Engine:
    return make_engine(depot.db_url)


def receive(depot: Depot, item: int, batch: str, qty: int, location: str = "D01") -> None:
    engine = make_engine(depot.db_url)
    event = {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "device": "LC01-D01-FIX1",
        "location": location,
        "gtin": depot.example.items[item].gtin,
        "batch": batch,
        "qty": qty,
    }
    assert ingest(engine, CALLER, [event], now=system_clock())[0].result == "accepted"
    engine.dispose()


def acceptance(depot: Depot, item: int, batch: str, qty: int, decision: str = "accepted") -> int:
    result = "pass" if decision == "accepted" else "fail"
    request = AcceptanceRequest(
        "LC01",
        depot.example.items[item].code,
        batch,
        "D01",
        qty,
        decision,
        Inspection(f"YS-{batch}", 1, result, f"ZJ-{batch}"),
    )
    return decide(make_engine(depot.db_url), "admin", request, now=system_clock()).approval_id


def held(engine: Engine, status: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(stock.c.qty), 0)).where(stock.c.status == status)
            ).scalar_one()
        )


def stack(engine: Engine, depot: Depot, item: int, batch: str) -> tuple[int, int]:
    with engine.connect() as conn:
        code = depot.example.items[item].code
        return location_id(conn, "LC01", "D01"), batch_id(conn, code, batch)


def refused(engine: Engine, entries: list[Posting]) -> str:
    with pytest.raises(BasisError) as caught, engine.begin() as conn:
        post(conn, entries, now=system_clock())
    return caught.value.reason


def test_every_posting_stands_on_a_record_that_allows_it(engine: Engine, depot: Depot) -> None:
    receive(depot, 0, "B1", 100)
    accepted = acceptance(depot, 0, "B1", 100)
    where = stack(engine, depot, 0, "B1")
    before = (held(engine, "available"), held(engine, "scrap_pending"))

    def out(basis: Any, qty: int = 10, status: str = "available") -> list[Posting]:
        return [Posting("LC01", *where, status, -qty, "admin", basis)]

    # a decision of another kind than the basis says: an acceptance is no scrapping notice
    assert refused(engine, out(on_decision(Kind.ROTATION, accepted))) == "no_basis"
    # a decision that does not exist
    assert refused(engine, out(on_decision(Kind.ROTATION, 999_999))) == "no_basis"
    with engine.begin() as conn:  # another depot's rotation decision
        elsewhere = record_decision(
            conn, Decision("rotation", "LC02", "LH-1", "admin", "approved"), now=system_clock()
        )
    assert refused(engine, out(on_decision(Kind.ROTATION, elsewhere))) == "no_basis"
    # a floor event's basis outside the ingest of that event
    assert refused(engine, out(on_event(Kind.PICK_LINE, str(uuid.uuid4()), "1"))) == "no_basis"
    # an opening balance on a ledger that has postings
    opening = [Posting("LC01", *where, "available", 5, "opening-balance", OPENING)]
    assert refused(engine, opening) == "not_allowed"
    # a rotation decided here takes the goods out
    with engine.begin() as conn:
        rotation = record_decision(
            conn, Decision("rotation", "LC01", "LH-2", "admin", "approved"), now=system_clock()
        )
        post(conn, out(on_decision(Kind.ROTATION, rotation)), now=system_clock())
    assert (held(engine, "available"), held(engine, "scrap_pending")) == (before[0] - 10, 0)
    assert verify_ledger(engine).ok


def test_an_adjustment_posts_exactly_its_stocktake_lines(engine: Engine, depot: Depot) -> None:
    receive(depot, 0, "ST1", 50)
    acceptance(depot, 0, "ST1", 50)
    code = depot.example.items[0].code
    take = stocktake.open_stocktake(engine, "admin", "LC01", None, 10, datetime.now(UTC))
    counts = [stocktake.Count("D01", code, "ST1", 47)]
    stocktake.record_counts(engine, "li", take, counts, datetime.now(UTC))
    stocktake_close.close(engine, "admin", take, datetime.now(UTC))
    stocktake.set_reason(engine, "admin", take, "D01", code, "ST1", "damaged", now=system_clock())
    where = stack(engine, depot, 0, "ST1")
    with engine.begin() as conn:
        approval = record_decision(
            conn,
            Decision("adjustment", "LC01", f"stocktake {take}", "admin", "approved"),
            now=system_clock(),
        )
    adjusted = on_decision(Kind.ADJUSTMENT, approval, take)
    wrong = [Posting("LC01", *where, "available", -30, "admin", adjusted)]
    assert refused(engine, wrong) == "not_allowed"  # the line found 3 missing, not 30
    receive(depot, 0, "ST2", 5)  # a stack the stocktake never had a line for
    stray = [
        Posting(
            "LC01", *stack(engine, depot, 0, "ST2"), "pending_acceptance", -5, "admin", adjusted
        )
    ]
    assert refused(engine, stray) == "no_basis"
    create_user(
        engine,
        "wang",
        "wang-password-2026",
        role="supervisor",
        warehouse="LC01",
        now=system_clock(),
    )
    stocktake_close.approve(
        engine, "wang", take, now=system_clock()
    )  # the stocktake's own approval posts its variance
    assert held(engine, "available") == 47
    assert verify_ledger(engine).ok


def test_rejected_goods_are_never_restocked(engine: Engine, depot: Depot) -> None:
    """40 cotton coats rejected at acceptance (consumables) were made available again
    through the return inspection: consumables never come back, and the writer itself takes
    a restock only of returned goods on hold, on the dispatch they came back from."""
    coats = next(i for i, item in enumerate(depot.example.items) if not item.reusable)
    receive(depot, coats, "CC1", 40)
    acceptance(depot, coats, "CC1", 40, "rejected")
    receive(depot, coats, "CC2", 30)
    acceptance(depot, coats, "CC2", 30)
    number, (pick,) = dispatch(engine, depot.example, depot.example.items[coats].code, 10)
    assert pick.batch == "CC2"
    item = depot.example.items[coats]
    assert (
        ingest(engine, CALLER, [loading(number, pick, item.gtin)], now=system_clock())[0].result
        == "accepted"
    )
    coat_stack = disposal.Stack("LC01", item.code, "CC1", "D01", 40)
    for order in (None, number):
        with pytest.raises(Rejection) as consumable:
            returns.inspect_return(
                engine, "admin", coat_stack, True, "HS-1", order=order, now=system_clock()
            )
        assert consumable.value.reason == "not_reusable"
    with engine.begin() as conn:  # past the workflow, straight to the writer
        inspected = record_decision(
            conn,
            Decision("return_inspection", "LC01", "HS-2", "admin", "restocked"),
            now=system_clock(),
        )
    where = stack(engine, depot, coats, "CC1")

    def back(order: str | None, source: str = "on_hold") -> list[Posting]:
        basis = on_decision(Kind.RESTOCK, inspected, order)
        return [
            Posting("LC01", *where, source, -40, "admin", basis),
            Posting("LC01", *where, "available", 40, "admin", basis),
        ]

    assert refused(engine, back(number, "rejected")) == "not_allowed"  # a restock is of returns
    assert refused(engine, back(None)) == "no_basis"  # no dispatch it came back from
    assert (held(engine, "rejected"), held(engine, "available")) == (40, 20)
    assert verify_ledger(engine).ok


def test_verify_names_every_edited_decision_and_audit_entry(engine: Engine, depot: Depot) -> None:
    receive(depot, 0, "SX1", 20)
    first = acceptance(depot, 0, "SX1", 20)
    receive(depot, 0, "SX2", 10)
    second = acceptance(depot, 0, "SX2", 10)
    experts = [("张工", "霉变严重"), ("李工", "无法修复"), ("王工", "同意报废")]
    goods = disposal.Stack("LC01", depot.example.items[0].code, "SX1", "D01", 5)
    proposal = disposal.propose_scrapping(
        engine, "admin", goods, "damaged", "ZJ-7", experts, now=system_clock()
    )
    create_user(
        engine, "li", "li-password-2026", role="supervisor", warehouse="LC01", now=system_clock()
    )
    assert verify_ledger(engine).ok
    with engine.begin() as conn:
        kept = conn.execute(select(approvals.c.payload).where(approvals.c.id == proposal))
        payload = json.loads(kept.scalar_one())
        payload["experts"][2] = ["赵工", "同意报废"]  # someone else put in for an expert
        forged = json.dumps(payload, ensure_ascii=False)
        conn.execute(update(approvals).where(approvals.c.id == proposal).values(payload=forged))
        conn.execute(update(approvals).where(approvals.c.id == first).values(decided_by="li"))
        conn.execute(update(approvals).where(approvals.c.id == second).values(reference="YS-X"))
        ours = select(audit_log.c.id, audit_log.c.action).where(audit_log.c.warehouse == "LC01")
        entries = {r.action: r.id for r in conn.execute(ours.order_by(audit_log.c.id.desc()))}
        accepted, proposed = entries["acceptance_accepted"], entries["scrap_proposal"]
        conn.execute(update(audit_log).where(audit_log.c.id == accepted).values(actor="li"))
        conn.execute(delete(audit_log).where(audit_log.c.id == proposed))
    found = [str(f) for f in verify_ledger(engine).findings]
    changed = "its content does not match its hash"
    expected = [
        (f"decision {first} (LC01 acceptance YS-SX1 by li): ", changed),
        (f"decision {second} (LC01 acceptance YS-X by admin): ", changed),
        (f"decision {proposal} (LC01 scrap_proposal ZJ-7 by admin): ", changed),
        (f"audit entry {accepted} (LC01 acceptance_accepted by li): ", changed),
        (f"audit entry {entries['create_user']} (LC01 create_user by admin-cli): ", "removed"),
    ]
    assert len(found) == len(expected), found
    for (where, what), finding in zip(expected, found, strict=True):
        assert finding.startswith(where) and what in finding, finding


def test_audit_entries_about_no_depot_form_the_network_s_chain(engine: Engine) -> None:
    with engine.begin() as conn:
        record(conn, "admin", "import_items", None, depot=None, rows=3, now=system_clock())
        record(conn, "admin", "import_items", None, depot=None, rows=4, now=system_clock())
    assert verify_ledger(engine).ok
    with engine.begin() as conn:
        conn.execute(
            update(audit_log)
            .where(audit_log.c.action == "import_items")
            .values(detail='{"rows": 0}')
        )
    found = [str(f) for f in verify_ledger(engine).findings]
    assert len(found) == 2, found
    assert all("(network import_items by admin): its content does not" in f for f in found)
