"""Reconciliation written twice, once as the rule (server.domain.reconciliation, pure) and once
as the set operation a stocktake's close runs at scale (server.services.stocktake): on random
ledgers and counts, on SQLite and PostgreSQL, the two give the same lines and the same
summary."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, select

from server.domain.reconciliation import CountedLine, LedgerLine, Line, reconcile, summary
from server.services.stocktake_close import lines_query, summary_of
from server.storage.db import make_engine, migrate
from server.storage.tables import (
    batches,
    items,
    locations,
    stock,
    stocktake_counts,
    stocktake_lines,
    stocktake_skips,
    stocktakes,
    warehouses,
)

PLACES, BATCHES = 3, 3
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """One depot with three locations (two in zone A) and three batches of one item."""
    engine = make_engine(db_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            warehouses.insert().values(
                code="LC01", name_zh="库", name_en="Depot", level="city", kind="depot"
            )
        )
        conn.execute(
            items.insert().values(
                code="ZP-1", name_zh="帐篷", name_en="Tent", spec="12 m²", unit_zh="顶",
                unit_en="each", category="shelter", reusable=True, storage_years=8,
                unit_price_cents=100,
            )
        )  # fmt: skip
        for n in range(PLACES):
            conn.execute(
                locations.insert().values(
                    warehouse="LC01", code=f"A-{n}", zone="A" if n < 2 else "B",
                    walk_order=n, kind="storage",
                )
            )  # fmt: skip
        for n in range(BATCHES):
            conn.execute(
                batches.insert().values(item_code="ZP-1", batch_no=f"B{n}", owner_level="city")
            )
    yield engine
    engine.dispose()


held = st.lists(
    st.tuples(
        st.integers(0, PLACES - 1),
        st.integers(0, BATCHES - 1),
        st.sampled_from(["available", "reserved", "on_hold"]),
        st.integers(0, 6),
    ),
    max_size=12,
)
counted = st.lists(
    st.tuples(
        st.integers(0, PLACES - 1),
        st.integers(0, BATCHES - 1),
        st.integers(0, 7),
        st.none() | st.integers(0, 7),
        st.integers(1, 2),
    ),
    max_size=12,
)
skipped = st.dictionaries(
    st.tuples(st.integers(0, PLACES - 1), st.integers(0, BATCHES - 1)),
    st.sampled_from(["sealed", "hazard"]),
    max_size=4,
)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    held=held,
    counted=counted,
    skipped=skipped,
    tolerance=st.integers(0, 2),
    zone=st.sampled_from([None, "A"]),
)
def test_the_close_classifies_every_line_as_the_rule_does(
    engine: Engine,
    held: list[tuple[int, int, str, int]],
    counted: list[tuple[int, int, int, int | None, int]],
    skipped: dict[tuple[int, int], str],
    tolerance: int,
    zone: str | None,
) -> None:
    with engine.begin() as conn:
        for table in (stocktake_lines, stocktake_skips, stocktake_counts, stocktakes, stock):
            conn.execute(delete(table))
        place = [r.id for r in conn.execute(select(locations.c.id).order_by(locations.c.code))]
        batch = [r.id for r in conn.execute(select(batches.c.id).order_by(batches.c.batch_no))]
        take_id = conn.execute(
            stocktakes.insert()
            .values(
                warehouse="LC01", zone=zone, status="counting", tolerance=tolerance,
                opened_by="wang", opened_at=NOW,
            )
            .returning(stocktakes.c.id)
        ).scalar_one()  # fmt: skip
        lines: dict[tuple[int, int, str], int] = {}
        for p, b, status, qty in held:
            lines[(place[p], batch[b], status)] = qty  # one stock line per key, as the ledger
        for (loc, bat, status), qty in lines.items():
            conn.execute(
                stock.insert().values(
                    warehouse="LC01", location_id=loc, batch_id=bat, status=status, qty=qty
                )
            )
        seqs = []
        for p, b, n, card, rnd in counted:
            seqs.append(
                conn.execute(
                    stocktake_counts.insert()
                    .values(
                        stocktake_id=take_id, location_id=place[p], batch_id=batch[b],
                        round=rnd, counted=n, card=card, counted_by="li", counted_at=NOW,
                    )
                    .returning(stocktake_counts.c.id)
                ).scalar_one()
            )  # fmt: skip
        for (p, b), reason in skipped.items():
            conn.execute(
                stocktake_skips.insert().values(
                    stocktake_id=take_id, location_id=place[p], batch_id=batch[b],
                    reason=reason, marked_by="wang", marked_at=NOW,
                )
            )  # fmt: skip
        take = SimpleNamespace(id=take_id, warehouse="LC01", zone=zone, tolerance=tolerance)
        in_scope = set(place) if zone is None else set(place[:2])
        by_sql = sorted(  # the close inserts them; the order is the rule's
            (Line(
                r.location_id, r.batch_id, int(r.expected),
                None if r.counted is None else int(r.counted),
                None if r.card is None else int(r.card), int(r.rounds),
                None if r.variance is None else int(r.variance), r.state, r.reason,
            )
            for r in conn.execute(lines_query(take))),
            key=lambda line: (line.location, line.batch),
        )  # fmt: skip
        by_rule = reconcile(
            (LedgerLine(loc, bat, qty) for (loc, bat, _), qty in lines.items() if loc in in_scope),
            (
                CountedLine(place[p], batch[b], n, card, rnd, seq)
                for (p, b, n, card, rnd), seq in zip(counted, seqs, strict=True)
                if place[p] in in_scope
            ),
            tolerance,
            {(place[p], batch[b]): reason for (p, b), reason in skipped.items()},
        )
        assert by_sql == by_rule
        conn.execute(stocktake_lines.insert().from_select(
            [c.name for c in stocktake_lines.c], lines_query(take)
        ))  # fmt: skip
        assert summary_of(conn, take_id) == summary(by_rule)
