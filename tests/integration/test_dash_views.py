"""The dashboard's read models on SQLite and PostgreSQL: the database's one-pass sorting of
stock into bands agrees with the pure rules applied batch by batch."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import func, select

from harness.depot import Depot
from server.domain.ageing import age_band, remaining_band
from server.services import figures
from server.storage import dashboard as views
from server.storage import urgent as urgent_list
from server.storage.db import make_engine
from server.storage.tables import batches, items, stock


def test_facts_agree_with_the_rules_batch_by_batch(db_url: str) -> None:
    from harness.depot import prepare_database

    depot: Depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(depot.db_url)
    today = date(2026, 11, 24)
    found = figures.facts(engine, "LC01", today)
    by_rule: Counter[tuple[str, int, str]] = Counter()
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                batches.c.item_code,
                batches.c.batch_no,
                func.coalesce(batches.c.prod_date, batches.c.inbound_date),
                items.c.storage_years,
                stock.c.qty,
            )
            .join(batches, batches.c.id == stock.c.batch_id)
            .join(items, items.c.code == batches.c.item_code)
            .where(stock.c.warehouse == "LC01", stock.c.qty > 0)
        ).all()
    due: set[tuple[str, str]] = set()
    for item, batch, made, years, qty in rows:
        made = made if isinstance(made, date) else date.fromisoformat(str(made))
        left = remaining_band(made, years, today)
        by_rule[(item, age_band(made, today), left)] += qty
        if left in ("overdue", "due_soon"):
            due.add((item, batch))
    by_sql: Counter[tuple[str, int, str]] = Counter()
    for f in found:
        by_sql[(f.item, f.age, f.remaining)] += f.qty
    assert by_sql == by_rule and sum(by_sql.values()) > 0
    with engine.connect() as conn:
        named = views.catalogue(conn)
        aged = views.ageing_of(found, views.reinspected_overdue(conn, "LC01", today, named))
        urgent = views.urgent_batches(conn, "LC01", today, named, limit=len(due))
        # every group due, in order, whether the first pages are short or hold them all
        assert list(urgent_list._due_in_order(conn, "LC01", today, named, 1)) == list(
            urgent_list._due_in_order(conn, "LC01", today, named, 10_000)
        )
        # a shorter list reads shorter first pages, and reads on where they run out
        for shorter in range(1, len(due)):
            assert (
                views.urgent_batches(conn, "LC01", today, named, limit=shorter)
                == (urgent[:shorter])
            )
    assert sum(q for _, q in aged.by_age) == sum(by_rule.values())
    assert {(u["item"], u["batch_no"]) for u in urgent} == due and due
    assert [u["due"] for u in urgent] == sorted(u["due"] for u in urgent)
    engine.dispose()


def test_the_overview_is_worked_out_once_per_change_on_the_floor(db_url: str) -> None:
    """Viewers asking for the overview while nothing moves get the kept figures; a receiving
    at a door moves the ledger's markers, and the next viewer sees it (server/dash/
    region_cache.py)."""
    from fastapi.testclient import TestClient

    from harness.depot import ADMIN, prepare_database
    from harness.forms import submit
    from kernel.clock import system_clock
    from server.services.events import Caller, ingest
    from server.web.app import create_app

    depot: Depot = prepare_database(db_url)
    engine = make_engine(depot.db_url)
    app = create_app(engine, system_clock)
    client = TestClient(app, base_url="http://testserver")
    submit(client, "/login", "/login", {"username": ADMIN[0], "password": ADMIN[1]})
    made = app.state.regions.made  # the network's overview, where the login lands
    item = depot.example.items[3]
    row = f'tr data-item="{item.code}"'
    for _ in range(3):
        assert row not in client.get("/partials/overview?depot=LC01").text
    assert app.state.regions.made == made + 1
    receiving = {"event_id": "b7a3c1de-0000-4000-8000-000000000001", "type": "receiving",
                 "warehouse": "LC01", "occurred_at": "2026-11-23T09:00:00+08:00",
                 "gtin": item.gtin, "batch": "KEPT1", "location": "D01", "qty": 17}  # fmt: skip
    assert (
        ingest(engine, Caller("gateway-LC01", "LC01"), [receiving], now=system_clock())[0].result
        == "accepted"
    )
    shown = client.get("/partials/overview?depot=LC01").text
    assert row in shown and ">17<" in shown.split(row, 1)[1].split("</tr>", 1)[0]
    assert app.state.regions.made == made + 2

    def moved(qty: int, there: str, to: str) -> str:
        """The floor moves `qty` of the received goods; the overview after it."""
        move = {**receiving, "event_id": str(uuid.uuid4()), "type": "moving",
                "from_location": there, "to_location": to, "qty": qty}  # fmt: skip
        del move["location"]
        result = ingest(engine, Caller("gateway-LC01", "LC01"), [move], now=system_clock())
        assert result[0].result == "accepted", result[0].reason
        return client.get("/partials/overview?depot=LC01").text

    # part of the stack: one stock line more, the figures change
    assert moved(5, "D01", "D02").count("<td>moving</td>") == 1
    assert app.state.regions.made == made + 3
    # a whole stack to another place: the figures are as they were, only the events move
    whole = moved(5, "D02", "D03")
    assert whole.count("<td>moving</td>") == 2 and app.state.regions.made == made + 3
    engine.dispose()


def test_the_latest_events_are_the_newest_of_every_depot_in_view(db_url: str) -> None:
    """The overview's latest events: each depot's newest read by its index in one statement,
    merged newest first; a depot's view holds its own only."""
    from harness.depot import prepare_database
    from kernel.clock import system_clock
    from server.services.events import Caller, ingest

    depot: Depot = prepare_database(db_url)
    engine = make_engine(depot.db_url)
    item = depot.example.items[0]
    sent: list[tuple[str, str]] = []
    for n, where in enumerate(["LC01", "LC02", "LC02", "LC01", "LC02", "LC01", "LC01"]):
        event = {"event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": where,
                 "occurred_at": f"2026-11-23T09:{n:02d}:00+08:00", "gtin": item.gtin,
                 "batch": f"EV{n}", "location": "D01", "qty": 1}  # fmt: skip
        received = system_clock() + timedelta(seconds=n)  # each one later than the last
        done = ingest(engine, Caller(f"gateway-{where}", where), [event], now=received)
        assert done[0].result == "accepted"
        sent.append((event["event_id"], where))
    newest_first = sent[::-1]
    for limit in (1, 3, 5, 10):
        shown = [(e["event_id"], e["warehouse"]) for e in views.latest_events(engine, None, limit)]
        assert shown == newest_first[:limit]
    lc02 = [(e["event_id"], e["warehouse"]) for e in views.latest_events(engine, "LC02", 10)]
    assert lc02 == [s for s in newest_first if s[1] == "LC02"]
    engine.dispose()
