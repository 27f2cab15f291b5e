"""The dashboard's read models on SQLite and PostgreSQL: the database's one-pass sorting of
stock into bands agrees with the pure rules applied batch by batch."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select

from harness.depot import Depot
from server.domain.ageing import age_band, remaining_band
from server.services import figures
from server.storage import dashboard as views
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
    aged = views.ageing_of(found, views.reinspected_overdue(engine, "LC01", today))
    assert sum(q for _, q in aged.by_age) == sum(by_rule.values())
    urgent = views.urgent_batches(engine, "LC01", today, limit=len(due))
    assert {(u["item"], u["batch_no"]) for u in urgent} == due and due
    assert [u["due"] for u in urgent] == sorted(u["due"] for u in urgent)
    engine.dispose()
