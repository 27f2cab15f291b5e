"""Properties of the ledger under any sequence of floor events (Hypothesis, real SQLite).

Whatever the floor sends, in whatever order: stock always equals the sum of postings, never
goes negative, the hash chains verify, and sending the same events again changes nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from demo.exampledata import generate
from harness.depot import prepare_database
from kernel.clock import system_clock
from server.domain.floor import Rejection
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.events import Caller, ingest
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import batches, locations, postings, stock

CALLER = Caller("gateway-LC01", "LC01")
ITEM = generate().items[0]
PLACES = ("D01", "A-01-01", "A-01-02")
BATCHES = ("P1", "P2")

place = st.sampled_from(PLACES)
batch = st.sampled_from(BATCHES)
qty = st.integers(min_value=1, max_value=30)
operation = st.one_of(
    st.tuples(st.just("receiving"), place, batch, qty),
    st.tuples(st.just("accept"), place, batch, qty),
    st.tuples(st.just("storing"), place, place, batch, qty),
    st.tuples(st.just("moving"), place, place, batch, qty),
    st.tuples(st.just("loading"), place, batch, qty),
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ledger") / "template.sqlite"
    prepare_database(f"sqlite:///{path}")
    return path


def as_event(op: tuple[Any, ...]) -> dict[str, Any]:
    base = {
        "event_id": str(uuid.uuid4()),
        "type": op[0],
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "gtin": ITEM.gtin,
    }
    if op[0] == "receiving":
        return {**base, "location": op[1], "batch": op[2], "qty": op[3]}
    if op[0] == "loading":
        return {**base, "from_location": op[1], "batch": op[2], "qty": op[3]}
    return {**base, "from_location": op[1], "to_location": op[2], "batch": op[3], "qty": op[4]}


def accept(engine: Any, op: tuple[Any, ...]) -> None:
    """The inspection group accepts what the door holds (or is refused: nothing there)."""
    with contextlib.suppress(Rejection):
        decide(
            engine,
            "admin",
            AcceptanceRequest(
                "LC01",
                ITEM.code,
                op[2],
                op[1],
                op[3],
                "accepted",
                Inspection("YS-P", 1, "pass", "ZJ-2026-0457"),
            ),
            now=system_clock(),
        )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=25))
def test_any_sequence_keeps_the_ledger_whole(
    template: Path, tmp_path: Path, ops: list[tuple[Any, ...]]
) -> None:
    db = tmp_path / f"{uuid.uuid4().hex}.sqlite"
    shutil.copy(template, db)
    engine = make_engine(f"sqlite:///{db}")
    sent: list[dict[str, Any]] = []
    for op in ops:
        if op[0] == "accept":
            accept(engine, op)
        else:
            event = as_event(op)
            sent.append(event)
            assert ingest(engine, CALLER, [event], now=system_clock())[0].result in (
                "accepted",
                "rejected",
            )

    def snapshot() -> dict[tuple[Any, ...], int]:
        with engine.connect() as conn:
            return {
                (r.location_id, r.batch_id, r.status): r.qty for r in conn.execute(select(stock))
            }

    before = snapshot()
    assert all(q >= 0 for q in before.values())
    with engine.connect() as conn:
        sums = {
            (r.location_id, r.batch_id, r.status): r.qty
            for r in conn.execute(
                select(
                    postings.c.location_id,
                    postings.c.batch_id,
                    postings.c.status,
                    func.sum(postings.c.qty).label("qty"),
                ).group_by(postings.c.location_id, postings.c.batch_id, postings.c.status)
            )
        }
    assert {k: v for k, v in before.items() if v} == {k: v for k, v in sums.items() if v}
    assert verify_ledger(engine).ok

    replay = ingest(engine, CALLER, sent, now=system_clock())  # the gateway sends everything again
    assert all(r.result == "duplicate" for r in replay)
    assert snapshot() == before
    engine.dispose()


def stock_by_name(engine: Any) -> dict[tuple[str, str, str], int]:
    with engine.connect() as conn:
        return {
            (r.code, r.batch_no, r.status): r.qty
            for r in conn.execute(
                select(locations.c.code, batches.c.batch_no, stock.c.status, stock.c.qty)
                .join(locations, locations.c.id == stock.c.location_id)
                .join(batches, batches.c.id == stock.c.batch_id)
                .where(stock.c.qty != 0)
            )
        }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(operation, min_size=1, max_size=40))
def test_a_batch_decides_as_its_events_one_at_a_time(
    template: Path, tmp_path: Path, ops: list[tuple[Any, ...]]
) -> None:
    """Inside a batch each event is decided against the stock the earlier ones left, exactly
    as if they had come one by one: same verdicts, same stock. (A reason may differ: a batch
    that a later receiving in the same request brings in is already known to the events
    before it, which are then refused for want of stock rather than as an unknown batch.)"""
    engines = []
    for name in ("single", "batched"):
        db = tmp_path / f"{name}-{uuid.uuid4().hex}.sqlite"
        shutil.copy(template, db)
        engines.append(make_engine(f"sqlite:///{db}"))
    single, batched = engines
    verdicts: dict[str, list[str]] = {"single": [], "batched": []}
    segment: list[dict[str, Any]] = []

    def flush() -> None:
        if segment:
            results = ingest(batched, CALLER, segment, now=system_clock())
            verdicts["batched"] += [r.result for r in results]
            segment.clear()

    for op in ops:
        if op[0] == "accept":
            flush()
            for engine in engines:
                accept(engine, op)
            continue
        event = as_event(op)
        result = ingest(single, CALLER, [event], now=system_clock())[0]
        verdicts["single"].append(result.result)
        segment.append(event)
    flush()
    assert verdicts["batched"] == verdicts["single"]
    assert stock_by_name(batched) == stock_by_name(single)
    assert verify_ledger(batched).ok
    for engine in engines:
        engine.dispose()
