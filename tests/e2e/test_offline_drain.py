"""Days of offline work drain to the centre when the line comes back: 100,000 floor events
waiting in LC01's gateway's outbox (lots received at the doors, then each put away: the
centre checks every putaway against the door stock the receipts made, so one arriving before
its receipt would be refused), the gateway killed with SIGKILL halfway through the drain and
started again. Afterwards the centre has every event once, accepted, with its postings once:
nothing lost, nothing doubled, the chain intact. On SQLite (a minute); the benchmark
(tests/benchmarks/bench_drain.py) drains the same backlog on both databases, checks the same
counts and prints how long it took against the plain ingest rate."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from harness.backlog import SITE, Backlog, floor_work, into_outbox
from harness.depot import Depot, GatewayProcess, ServerProcess
from harness.mosquitto import Mosquitto
from harness.procs import wait_until
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import events, locations, postings, stock

BACKLOG = 100_000


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'server.sqlite'}"


@pytest.fixture
def engine(depot: Depot) -> Iterator[Engine]:
    made = make_engine(depot.db_url)
    yield made
    made.dispose()


def held(engine: Engine) -> dict[str, int]:
    """LC01's stock by location, every status together."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(locations.c.code, func.sum(stock.c.qty))
            .join(locations, locations.c.id == stock.c.location_id)
            .where(stock.c.warehouse == SITE)
            .group_by(locations.c.code)
            .having(func.sum(stock.c.qty) > 0)
        )
        return {code: int(qty) for code, qty in rows}


def test_a_backlog_of_100000_events_drains_once_each_through_a_sigkill(
    depot: Depot, server: ServerProcess, broker: Mosquitto, engine: Engine, tmp_path: Path
) -> None:
    backlog: Backlog = floor_work(depot.example, BACKLOG)
    workdir = tmp_path / "gateway"
    workdir.mkdir()
    into_outbox(workdir / "gateway.sqlite", backlog.events)
    gateway = GatewayProcess(workdir, broker.port, server.url, depot.gateway_token, site=SITE)
    gateway.start()
    wait_until(lambda: gateway.outbox_pending() < BACKLOG // 2, 300, "half the backlog sent")
    gateway.proc.kill()  # mid-delivery: some answers never reach the book
    gateway.start()
    try:
        wait_until(lambda: gateway.outbox_pending() == 0, 600, "the whole backlog sent")
        states = dict(gateway.book("SELECT state, count(*) FROM outbox GROUP BY state"))
    finally:
        gateway.stop()
    assert states == {"sent": BACKLOG}
    with engine.connect() as conn:
        verdicts = dict(
            conn.execute(
                select(events.c.status, func.count()).where(events.c.warehouse == SITE)
                .group_by(events.c.status)
            ).all()
        )  # fmt: skip
        booked = conn.execute(select(func.count()).select_from(postings)).scalar_one()
    assert verdicts == {"accepted": BACKLOG}  # each once: a resent one answered as a duplicate
    assert booked == backlog.postings
    assert held(engine) == backlog.stored  # every unit received is in its rack, once
    assert sum(backlog.stored.values()) == backlog.received
    assert verify_ledger(engine).ok
