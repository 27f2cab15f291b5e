"""Two server instances on one PostgreSQL, taking batches from twenty gateways at once (each
gateway sending every third batch to both instances at the same moment, as a resend racing
the first), leave every chain intact and nothing doubled: each event is accepted once, each
posting made once, the stock is what was sent, and the checkpoints both instances signed
meanwhile still hold."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from harness.depot import ServerProcess, prepare_database
from harness.fleet import Gateway, add_depots, send_all, traffic
from harness.postgres import PostgresCluster
from server import checkpoints
from server.db import make_engine
from server.tables import batches, events, locations, postings, stock
from server.verify import verify_ledger

DEPOTS, BATCHES, SIZE = 20, 3, 40


@pytest.mark.postgres
def test_two_servers_take_twenty_gateways_at_once(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.new_database()
    depot = prepare_database(url)
    engine = make_engine(url)
    tokens = add_depots(engine, DEPOTS, depot.gateway_token)
    key = tmp_path / "checkpoint.key"
    checkpoints.new_key(key)
    signing = ("--checkpoint-key", str(key), "--checkpoint-every", "1")
    for n in (1, 2):
        (tmp_path / f"server-{n}").mkdir()
    servers = [ServerProcess(url, tmp_path / f"server-{n}", args=signing) for n in (1, 2)]
    gateways: list[Gateway] = []
    expected: Counter[tuple[str, str, str, str, str]] = Counter()
    for code, token in tokens.items():
        received, stored = traffic(depot.example, code, BATCHES, SIZE)
        gateways.append(Gateway(code, token, received + stored))
        for event in (e for b in stored for e in b):
            gtin = event["gtin"]
            item = next(i.code for i in depot.example.items if i.gtin == gtin)
            expected[(code, event["to_location"], item, event["batch"], "pending_acceptance")] += (
                event["qty"]
            )
    try:
        for server in servers:
            server.start()
        send_all(gateways, [s.url for s in servers])
    finally:
        for server in servers:
            server.stop()

    sent = 2 * BATCHES * SIZE  # events per gateway
    raced = sum(SIZE for n in range(2 * BATCHES) if n % 3 == 2)  # events sent twice at once
    for gateway in gateways:
        assert gateway.failures == [], (gateway.depot, gateway.failures)
        assert gateway.answers == Counter({"accepted": sent, "duplicate accepted": raced}), (
            gateway.depot
        )
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == (
            DEPOTS * sent
        )
        assert conn.execute(select(func.count()).select_from(postings)).scalar_one() == (
            DEPOTS * BATCHES * SIZE * 3  # one posting a receipt, two a putaway
        )
        lines = conn.execute(
            select(
                stock.c.warehouse, locations.c.code, batches.c.item_code, batches.c.batch_no,
                stock.c.status, stock.c.qty,
            )
            .join(locations, locations.c.id == stock.c.location_id)
            .join(batches, batches.c.id == stock.c.batch_id)
            .where(stock.c.qty != 0)
        ).all()  # fmt: skip
    assert Counter({tuple(r[:5]): r.qty for r in lines}) == expected
    held = list(checkpoints.export(engine))
    assert {checkpoints.read(line).scope for line in held} >= set(tokens)
    report = verify_ledger(engine, held)
    assert report.ok, [str(f) for f in report.findings]
    assert report.postings == DEPOTS * BATCHES * SIZE * 3
    assert report.checkpoints == len(held)
    engine.dispose()
