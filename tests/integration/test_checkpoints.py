"""Signed checkpoints a third party holds find what the chains alone cannot: a consistent cut
of a chain's tail, and a rewritten posting with every later hash recomputed. On SQLite and on
PostgreSQL, through the library and through `depot server ...` as a depot and its bureau use
them."""

from __future__ import annotations

import json
import stat
import subprocess
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection, Engine, delete, func, select, update

from harness.depot import Depot, ServerProcess, prepare_database
from harness.procs import DEPOT, wait_until
from kernel.clock import system_clock
from server.domain.errors import CheckpointError
from server.services import checkpoints
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.chain import APPROVALS, AUDIT, digest
from server.services.events import Caller, ingest
from server.services.ledger import GENESIS, row_hash
from server.services.verify import verify_ledger
from server.storage import stock_summary
from server.storage.db import make_engine
from server.storage.tables import (
    approvals,
    audit_log,
    chain_heads,
    ledger_heads,
    postings,
    stock,
)

CALLER = Caller("gateway-LC01", "LC01")


@pytest.fixture
def engine(depot: Depot) -> Engine:
    return make_engine(depot.db_url)


def receiving(depot: Depot, qty: int, batch: str = "CP1") -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:00:00+08:00",
        "device": "LC01-D01-FIX1",
        "location": "D01",
        "gtin": depot.example.items[0].gtin,
        "batch": batch,
        "qty": qty,
    }


def receive(engine: Engine, depot: Depot, *quantities: int) -> None:
    results = ingest(engine, CALLER, [receiving(depot, q) for q in quantities], now=system_clock())
    assert {r.result for r in results} == {"accepted"}


def accept(engine: Engine, depot: Depot, qty: int, record: str) -> None:
    code = depot.example.items[0].code
    request = AcceptanceRequest(
        "LC01", code, "CP1", "D01", qty, "accepted", Inspection(record, 1, "pass", f"ZJ-{record}")
    )
    decide(engine, "admin", request, now=system_clock())


# --- what someone with write access to the database does to hide a change ----------------


def rechain_postings(conn: Connection, warehouse: str) -> None:
    """Recompute every hash of the warehouse's chain and its head, and the stock (and its
    summary) from the postings, so that the ledger agrees with itself again."""
    previous, last = GENESIS, None
    rows = conn.execute(
        select(postings).where(postings.c.warehouse == warehouse).order_by(postings.c.id)
    ).all()
    for row in rows:
        hashed = row_hash(SimpleNamespace(**{**row._mapping, "prev_hash": previous}))
        conn.execute(
            update(postings).where(postings.c.id == row.id).values(prev_hash=previous, hash=hashed)
        )
        previous, last = hashed, row.id
    conn.execute(
        update(ledger_heads)
        .where(ledger_heads.c.warehouse == warehouse)
        .values(last_posting_id=last, last_hash=previous)
    )
    conn.execute(delete(stock).where(stock.c.warehouse == warehouse))
    key = (postings.c.location_id, postings.c.batch_id, postings.c.status)
    sums = conn.execute(
        select(*key, func.sum(postings.c.qty).label("qty"))
        .where(postings.c.warehouse == warehouse)
        .group_by(*key)
    ).all()
    conn.execute(
        stock.insert(),
        [
            {"warehouse": warehouse, "location_id": r.location_id, "batch_id": r.batch_id,
             "status": r.status, "qty": r.qty}
            for r in sums
            if r.qty
        ],
    )  # fmt: skip
    stock_summary.refill(conn, warehouse)


def cut_records(conn: Connection, table: Any, chain: Any, scope: str, after: int) -> None:
    """Remove a decisions' or audit chain's rows after `after` and set its head back."""
    conn.execute(delete(table).where((table.c.warehouse == scope) & (table.c.id > after)))
    row = conn.execute(select(table).where(table.c.id == after)).one()
    assert row.hash == digest(chain, row.prev_hash, row)
    conn.execute(
        update(chain_heads)
        .where((chain_heads.c.chain == chain.name) & (chain_heads.c.scope == scope))
        .values(last_id=after, last_hash=row.hash)
    )


def newest(conn: Connection, table: Any) -> int:
    return int(
        conn.execute(select(func.max(table.c.id)).where(table.c.warehouse == "LC01")).scalar_one()
    )


# --- tests -------------------------------------------------------------------------------


def test_a_consistent_cut_of_the_tail_is_found(
    engine: Engine, depot: Depot, tmp_path: Path
) -> None:
    key = checkpoints.new_key(tmp_path / "checkpoint.key")
    receive(engine, depot, 1, 2, 3)
    accept(engine, depot, 6, "YS-1")
    assert checkpoints.sign_heads(engine, key, now=system_clock()) >= 1
    with engine.connect() as conn:
        kept = {t: newest(conn, t) for t in (postings, approvals, audit_log)}
    receive(engine, depot, 4, 5)
    accept(engine, depot, 9, "YS-2")
    assert checkpoints.sign_heads(engine, key, now=system_clock()) >= 1
    assert checkpoints.sign_heads(engine, key, now=system_clock()) == 0  # nothing moved since
    held = list(checkpoints.export(engine))
    assert verify_ledger(engine, held).checkpoints == len(held)
    with engine.begin() as conn:  # everything after the first checkpoint, cut cleanly
        conn.execute(delete(postings).where(postings.c.id > kept[postings]))
        rechain_postings(conn, "LC01")
        cut_records(conn, approvals, APPROVALS, "LC01", kept[approvals])
        cut_records(conn, audit_log, AUDIT, "LC01", kept[audit_log])
    assert verify_ledger(engine).ok  # the ledger agrees with itself
    report = verify_ledger(engine, held)
    found = [str(f) for f in report.findings]
    assert len(found) == 3, found
    assert all(f.startswith("checkpoint ") and " of LC01 (" in f for f in found)
    assert all("is gone: the chain was cut or rolled back" in f for f in found)
    assert {f.split(": ")[1].split(" is gone")[0].rsplit(" ", 1)[0] for f in found} == {
        "posting",
        "decision",
        "audit entry",
    }
    assert report.checkpoints == len(held) - 1  # the first still holds


def test_a_rewritten_posting_with_the_rest_rehashed_is_found(
    engine: Engine, depot: Depot, tmp_path: Path
) -> None:
    key = checkpoints.new_key(tmp_path / "checkpoint.key")
    receive(engine, depot, 10, 20, 30, 40)
    checkpoints.sign_heads(engine, key, now=system_clock())
    held = list(checkpoints.export(engine, "LC01"))
    assert len(held) == 1
    with engine.begin() as conn:
        second = conn.execute(select(postings.c.id).order_by(postings.c.id).offset(1)).scalar()
        conn.execute(update(postings).where(postings.c.id == second).values(qty=2000))
        rechain_postings(conn, "LC01")
    assert verify_ledger(engine).ok
    (finding,) = verify_ledger(engine, held).findings
    with engine.connect() as conn:
        last = conn.execute(select(func.max(postings.c.id))).scalar_one()
    assert finding.where.startswith(f"checkpoint {json.loads(held[0])['id']} of LC01 (")
    assert finding.problem == (
        f"posting {last} is not the one signed: the chain was rewritten up to it"
    )


def test_each_checkpoint_is_held_to_its_signature(
    engine: Engine, depot: Depot, tmp_path: Path
) -> None:
    key = checkpoints.new_key(tmp_path / "checkpoint.key")
    other = checkpoints.new_key(tmp_path / "other.key")
    receive(engine, depot, 5)
    checkpoints.sign_heads(engine, key, now=system_clock())
    (line,) = checkpoints.export(engine, "LC01")
    outer = json.loads(line)
    body = json.loads(outer["body"])
    body["chains"]["postings"]["hash"] = "f" * 64  # a checkpoint made up to fit a rewrite
    forged = json.dumps({**outer, "body": checkpoints.canonical(body)})
    pinned = {checkpoints.raw_public(other)}
    report = verify_ledger(engine, [line, "", forged, "not json\n"])
    found = [str(f) for f in report.findings]
    assert found == [
        "checkpoint line 3: does not carry a valid signature (altered or forged)",
        "checkpoint line 4: is not a checkpoint (JSONDecodeError)",
    ]
    assert report.checkpoints == 1
    (wrong_key,) = verify_ledger(engine, [line], pinned).findings
    assert str(wrong_key) == "checkpoint line 1: is signed by a key other than the one given"
    with pytest.raises(CheckpointError, match="never overwritten"):
        checkpoints.new_key(tmp_path / "checkpoint.key")


def test_the_server_signs_and_the_bureau_proves_the_ledger_extends_its_checkpoints(
    db_url: str, tmp_path: Path
) -> None:
    depot = prepare_database(db_url)
    engine = make_engine(db_url)
    create_user(engine, "audit-city", "audit-password-2026", role="auditor", now=system_clock())
    key = tmp_path / "secrets" / "checkpoint.key"
    made = subprocess.run(
        [DEPOT, "server", "checkpoint-key", "--db", db_url, "--key-file", str(key)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    public = checkpoints.read_public_key(Path(f"{key}.pub"))
    assert checkpoints.key_id(public) in made.stdout
    server = ServerProcess(
        db_url, tmp_path, args=("--checkpoint-key", str(key), "--checkpoint-every", "1")
    ).start()
    bureau = tmp_path / "bureau-LC01.jsonl"
    try:
        gateway = {"Authorization": f"Bearer {depot.gateway_token}"}
        for qty in (7, 8):
            answer = httpx.post(
                f"{server.url}/api/v1/events",
                json={"events": [receiving(depot, qty)]},
                headers=gateway,
            )
            assert answer.json()["results"][0]["result"] == "accepted"
        with engine.connect() as conn:
            head = conn.execute(
                select(ledger_heads.c.last_hash).where(ledger_heads.c.warehouse == "LC01")
            ).scalar_one()
        with server.login(("audit-city", "audit-password-2026")) as auditor:

            def signed_now() -> bool:
                answer = auditor.get("/api/v1/ledger/checkpoints", params={"warehouse": "LC01"})
                assert answer.headers["content-type"].startswith("application/x-ndjson")
                bureau.write_text(answer.text)
                return head in answer.text

            wait_until(signed_now, 30, "a checkpoint of LC01's chain as it stands")
        log = server.proc.log()
    finally:
        server.stop()
    assert key.read_text().split("\n")[1] not in log  # the private key is never logged
    with engine.begin() as conn:
        conn.execute(update(postings).where(postings.c.qty == 7).values(qty=70))
        rechain_postings(conn, "LC01")

    def verify(*extra: str) -> subprocess.CompletedProcess[str]:
        command = [DEPOT, "server", "verify-ledger", "--db", db_url, *extra]
        return subprocess.run(command, capture_output=True, text=True)

    assert verify().returncode == 0  # consistent without the bureau's copy
    caught = verify("--checkpoints", str(bureau), "--public-key", f"{key}.pub")
    assert caught.returncode == 1, caught.stdout
    assert "is not the one signed: the chain was rewritten up to it" in caught.stdout
    exported = subprocess.run(
        [DEPOT, "server", "export-checkpoints", "--db", db_url, "--warehouse", "LC01"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert set(bureau.read_text().splitlines()) <= set(exported.stdout.splitlines())


def test_a_signing_key_others_may_read_stops_the_server(db_url: str, tmp_path: Path) -> None:
    prepare_database(db_url)
    key = tmp_path / "checkpoint.key"
    checkpoints.new_key(key)
    key.chmod(0o640)
    started = subprocess.run(
        [DEPOT, "server", "run", "--db", db_url, "--port", "9", "--checkpoint-key", str(key)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert started.returncode != 0
    assert "may be read by others (mode 640); make it 0600" in started.stderr
