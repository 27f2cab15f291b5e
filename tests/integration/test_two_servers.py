"""Two server instances on one PostgreSQL, taking batches from twenty gateways at once (each
gateway sending every third batch to both instances at the same moment, as a resend racing
the first) while supervisors record acceptances through both, leave every chain intact and
nothing doubled: each event is accepted once, each posting made once, each decision recorded
once, the stock is what was sent and decided, and the checkpoints both instances signed
meanwhile still hold."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from harness.depot import ServerProcess, prepare_database
from harness.fleet import Gateway, add_depots, send_all, traffic
from harness.postgres import PostgresCluster
from kernel.clock import system_clock
from server.services import checkpoints
from server.services.events import Caller, ingest
from server.services.verify import verify_ledger
from server.storage.db import make_engine
from server.storage.tables import approvals, batches, events, locations, postings, stock

DEPOTS, BATCHES, SIZE = 20, 3, 40
LOTS = 3  # lots waiting for acceptance at D01 in each depot, accepted during the traffic

Line = tuple[str, str, str, str, str]  # depot, location, item, batch, status


def waiting_lots(engine: Engine, depot: Any, codes: list[str]) -> list[dict[str, Any]]:
    """Lots received at D01 before the servers start; the acceptances to record for them."""
    item = depot.example.items[0]
    decisions = []
    for code in codes:
        lots = [
            {
                "event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": code,
                "occurred_at": "2026-11-23T08:00:00+08:00", "device": f"{code}-D01-FIX1",
                "location": "D01", "gtin": item.gtin, "batch": f"Q{n}", "qty": 10 + n,
            }
            for n in range(LOTS)
        ]  # fmt: skip
        assert {
            r.result
            for r in ingest(engine, Caller(f"gateway-{code}", code), lots, now=system_clock())
        } == {"accepted"}
        decisions += [
            {
                "warehouse": code, "item": item.code, "batch": f"Q{n}", "location": "D01",
                "qty": 10 + n, "decision": "accepted",
                "inspection": {
                    "record_no": f"YS-{code}-{n}", "sampled": 2, "result": "pass",
                    "quality_report": f"ZJ-{code}-{n}", "inspectors": ["张工", "李工"],
                },
            }
            for n in range(LOTS)
        ]  # fmt: skip
    return decisions


def accept_all(server: ServerProcess, decisions: list[dict[str, Any]], answers: list[int]) -> None:
    with server.login() as admin:
        for body in decisions:
            answers.append(admin.post("/api/v1/acceptances", json=body).status_code)


@pytest.mark.postgres
def test_two_servers_take_twenty_gateways_at_once(
    postgres_cluster: PostgresCluster, tmp_path: Path
) -> None:
    url = postgres_cluster.new_database()
    depot = prepare_database(url)
    engine = make_engine(url)
    tokens = add_depots(engine, DEPOTS, depot.gateway_token)
    decisions = waiting_lots(engine, depot, list(tokens))
    key = tmp_path / "checkpoint.key"
    checkpoints.new_key(key)
    signing = ("--checkpoint-key", str(key), "--checkpoint-every", "1")
    for n in (1, 2):
        (tmp_path / f"server-{n}").mkdir()
    servers = [ServerProcess(url, tmp_path / f"server-{n}", args=signing) for n in (1, 2)]
    gateways: list[Gateway] = []
    expected: Counter[Line] = Counter()
    codes = {i.gtin: i.code for i in depot.example.items}
    for code, token in tokens.items():
        received, stored = traffic(depot.example, code, BATCHES, SIZE)
        gateways.append(Gateway(code, token, received + stored))
        for e in (e for b in stored for e in b):
            line = (code, e["to_location"], codes[e["gtin"]], e["batch"], "pending_acceptance")
            expected[line] += e["qty"]
    for d in decisions:
        expected[(d["warehouse"], "D01", d["item"], d["batch"], "available")] += d["qty"]
    answers: list[int] = []
    try:
        for server in servers:
            server.start()
        supervisors = [
            threading.Thread(target=accept_all, args=(server, decisions[n::2], answers))
            for n, server in enumerate(servers)
        ]
        for supervisor in supervisors:
            supervisor.start()
        send_all(gateways, [s.url for s in servers])
        for supervisor in supervisors:
            supervisor.join()
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
    assert answers == [201] * len(decisions)
    receipts = DEPOTS * LOTS  # the lots waiting at D01: one event, one posting each
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(events)).scalar_one() == (
            DEPOTS * sent + receipts
        )
        assert conn.execute(select(func.count()).select_from(postings)).scalar_one() == (
            DEPOTS * BATCHES * SIZE * 3 + receipts * 3  # a putaway two, an acceptance two
        )
        accepted = select(func.count()).where(approvals.c.kind == "acceptance")
        assert conn.execute(accepted).scalar_one() == len(decisions)
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
    assert report.postings == DEPOTS * BATCHES * SIZE * 3 + receipts * 3
    assert report.checkpoints == len(held)
    engine.dispose()
