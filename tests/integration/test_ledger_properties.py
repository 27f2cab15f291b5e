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

from harness.depot import prepare_database
from server.acceptance import AcceptanceRequest, Inspection, decide
from server.db import make_engine
from server.events import Caller, ingest
from server.exampledata import generate
from server.floor import Rejection
from server.tables import postings, stock
from server.verify import verify_ledger

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
                        Inspection("YS-P", 1, "pass"),
                    ),
                )
        else:
            event = as_event(op)
            sent.append(event)
            assert ingest(engine, CALLER, [event])[0].result in ("accepted", "rejected")

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

    replay = ingest(engine, CALLER, sent)  # the gateway sends everything again
    assert all(r.result == "duplicate" for r in replay)
    assert snapshot() == before
    engine.dispose()
