"""The dashboard's pages on a depot at province scale: server time per page.

    .venv/bin/python tests/benchmarks/bench_dashboard.py [--batches N] [--postgres] [--no-sqlite]

Builds a database with the example catalogue, LC01 with `--batches` live batches (the
issue's "depot of 50,000 batches") and LC02 with 500, and LC01's full history: every batch
received at a door, accepted, stored and moved four times (21 postings a batch: about a
million for 50,000 batches, hash-chained as the ledger
writes them), an event for each floor step, 300 dispatch orders with pick lists, 20 closed
stocktakes and 20,000 audit entries. Then a real server process answers each page 20 times
for a person bound to LC01 and for the network view; prints p50, p95 and the largest time per
page, next to the framework's own floor (GET /healthz) in the same run. Target in the
dashboard's issue: each page under 300 ms of server time; the overview and every live region
(what a page open on /live fetches when the floor changes) under 30 ms, printed with the
ratio to that limit. Then 20 live viewers watch LC01's overview while its floor moves a
batch every 100 ms (live_load.py): the server's CPU share and the regions' p95. A finished
month's report is made
once and kept; the server's report keeper makes last month's (rolling forward from the first
month with postings) as soon as it starts: that time is printed too.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kernel.clock import system_clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from bench_disposal import disposal_paths
from live_load import Floor, live_viewers
from sqlalchemy import Engine, func, insert, literal, select, update

from demo.exampledata import generate
from demo.load import load_example
from harness.depot import ServerProcess
from harness.forms import submit
from harness.postgres import PostgresCluster
from harness.procs import wait_until
from server.domain import depot_time
from server.domain.basis import Basis, Kind
from server.domain.chains import GENESIS, NETWORK
from server.services.accounts import create_gateway_client, create_user
from server.services.chain import AUDIT, digest
from server.services.ledger import Posting, posting_hash
from server.storage import stock_summary, stocktake_progress
from server.storage.db import make_engine, migrate
from server.storage.tables import (
    audit_log,
    batches,
    dispatch_lines,
    dispatch_orders,
    events,
    handover_lines,
    handovers,
    items,
    ledger_heads,
    locations,
    monthly_reports,
    pick_lines,
    postings,
    stock,
    stocktake_lines,
    stocktakes,
)

PASSWORD = "bench-password-long"
CHUNK = 20_000
FINAL = {"pending_acceptance": 0.02, "on_hold": 0.01, "scrap_pending": 0.01}
STEP_BASES = {"opening": Kind.RECEIPT, "receiving": Kind.RECEIPT, "acceptance": Kind.ACCEPTANCE,
         "storing": Kind.MOVE, "moving": Kind.MOVE, "status": Kind.ADJUSTMENT}  # fmt: skip
LIVE_LIMIT = 30.0  # ms: the overview and every live region
# the live regions kept between changes on the floor (server/dash/region_cache.py)
KEPT = ("/partials/overview", "/partials/acceptance", "/partials/approvals")


def chunked(conn: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        conn.execute(insert(table), rows[start : start + CHUNK])


class History:
    """Postings, events and stock written as the ledger would, in bulk."""

    def __init__(self, warehouse: str, start: datetime) -> None:
        self.warehouse = warehouse
        self.clock = start
        self.prev = "0" * 64
        self.postings: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.stock: dict[tuple[int, int, str], int] = {}

    def step(self, kind: str, moves: list[tuple[int, int, str, int]]) -> None:
        """One floor event and its postings: (location, batch, status, qty) each."""
        self.clock += timedelta(seconds=7)
        event_id = str(uuid.uuid4())
        self.events.append({
            "event_id": event_id, "type": kind, "warehouse": self.warehouse,
            "source": "gateway-" + self.warehouse, "occurred_at": self.clock.isoformat(),
            "received_at": self.clock, "status": "accepted", "reason": None,
            "payload": "{}",
        })  # fmt: skip
        for location, batch, status, qty in moves:
            basis = Basis(STEP_BASES[kind], event_id=event_id)
            entry = Posting(self.warehouse, location, batch, status, qty, "gateway", basis)
            digest = posting_hash(self.prev, entry, self.clock)
            self.postings.append({
                "warehouse": self.warehouse, "location_id": location, "batch_id": batch,
                "status": status, "qty": qty, "event_id": event_id, "approval_id": None,
                "basis_kind": str(basis.kind), "basis_ref": None,
                "author": "gateway", "posted_at": self.clock, "prev_hash": self.prev,
                "hash": digest,
            })  # fmt: skip
            self.prev = digest
            key = (location, batch, status)
            self.stock[key] = self.stock.get(key, 0) + qty


def build(engine: Engine, per_depot: int) -> dict[str, int]:
    """The province-scale database; returns what it holds."""
    rng = random.Random(7)
    migrate(engine)
    example = generate(batches_per_warehouse=per_depot)
    lc02 = [b for b in example.batches if b.warehouse == "LC02"][:500]
    example = replace(example, batches=tuple(
        [b for b in example.batches if b.warehouse == "LC01"] + lc02
    ))  # fmt: skip
    load_example(engine, example, with_stock=False)
    create_user(engine, "bench", PASSWORD, role="admin", now=system_clock())
    create_user(
        engine, "bench-lc01", PASSWORD, role="supervisor", warehouse="LC01", now=system_clock()
    )
    create_gateway_client(engine, "gateway-LC01", "LC01", now=system_clock())
    with engine.begin() as conn:
        chunked(conn, batches, [
            {"item_code": b.item_code, "batch_no": b.batch_no, "manufacturer": b.manufacturer,
             "prod_date": b.prod_date, "inbound_date": b.inbound_date,
             "unit_price_cents": b.unit_price_cents}
            for b in example.batches
        ])  # fmt: skip
        loc = {
            (r.warehouse, r.code): r.id
            for r in conn.execute(select(locations.c.warehouse, locations.c.code, locations.c.id))
        }
        ids = {
            (r.item_code, r.batch_no): r.id
            for r in conn.execute(select(batches.c.item_code, batches.c.batch_no, batches.c.id))
        }
        slots = [i for (w, c), i in loc.items() if w == "LC01" and not c.startswith("D")]
        history = {
            w.code: History(w.code, datetime(2020, 1, 1, tzinfo=UTC)) for w in example.warehouses
        }
        for b in example.batches:
            h, batch = history[b.warehouse], ids[(b.item_code, b.batch_no)]
            home, door, qty = loc[(b.warehouse, b.location)], loc[(b.warehouse, "D01")], b.quantity
            if qty <= 0:
                continue
            if b.warehouse != "LC01":
                h.step("opening", [(home, batch, "available", qty)])
                continue
            h.step("receiving", [(door, batch, "pending_acceptance", qty)])
            roll = rng.random()
            if roll < FINAL["pending_acceptance"]:
                continue
            h.step("acceptance", [(door, batch, "pending_acceptance", -qty),
                                  (door, batch, "available", qty)])  # fmt: skip
            h.step("storing", [(door, batch, "available", -qty), (home, batch, "available", qty)])
            for _ in range(4):  # rotations and moves (倒垛): away and back
                other = rng.choice(slots)
                h.step("moving", [(home, batch, "available", -qty),
                                  (other, batch, "available", qty)])  # fmt: skip
                h.step("moving", [(other, batch, "available", -qty),
                                  (home, batch, "available", qty)])  # fmt: skip
            for status, share in (("on_hold", 0.01), ("scrap_pending", 0.01)):
                if rng.random() < share:
                    h.step("status", [(home, batch, "available", -qty), (home, batch, status, qty)])
                    break
        for h in history.values():
            chunked(conn, events, h.events)
            chunked(conn, postings, h.postings)
            chunked(conn, stock, [
                {"warehouse": h.warehouse, "location_id": k[0], "batch_id": k[1],
                 "status": k[2], "qty": q}
                for k, q in h.stock.items() if q
            ])  # fmt: skip
            last = conn.execute(
                select(postings.c.id).where(postings.c.warehouse == h.warehouse)
                .order_by(postings.c.id.desc()).limit(1)
            ).scalar()  # fmt: skip
            conn.execute(
                update(ledger_heads).where(ledger_heads.c.warehouse == h.warehouse)
                .values(last_posting_id=last, last_hash=h.prev)
            )  # fmt: skip
        for code in history:  # the overview's summary, as the ledger's writer keeps it
            stock_summary.refill(conn, code)
        orders_and_rounds(conn, rng, ids, slots)
        now = datetime.now(UTC)
        entries = [
            {"at": now - timedelta(minutes=n), "actor": "bench", "action": "view",
             "target": f"page {n}", "detail": None,
             "warehouse": None if n % 10 == 0 else "LC02" if n % 10 == 1 else "LC01"}
            for n in range(20_000)
        ]  # fmt: skip
        chained: dict[str, str] = {}  # each scope's chain, as server.services.chain appends
        for entry in entries:
            scope = entry["warehouse"] or NETWORK
            entry["prev_hash"] = chained.get(scope, GENESIS)
            entry["hash"] = chained[scope] = digest(AUDIT, entry["prev_hash"], entry)
        chunked(conn, audit_log, entries)
    if engine.dialect.name == "postgresql":  # what autovacuum would have done by then: a
        with engine.connect() as conn:  # live database has its statistics
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    return {
        "batches": len(ids),
        "postings": sum(len(h.postings) for h in history.values()),
        "events": sum(len(h.events) for h in history.values()),
        "stock lines": sum(1 for h in history.values() for q in h.stock.values() if q),
    }


def orders_and_rounds(conn: Any, rng: random.Random, ids: dict[Any, int], slots: list[int]) -> None:
    now = datetime.now(UTC)
    codes = list(conn.execute(select(items.c.code)).scalars())
    batch_ids = list(ids.values())
    for n in range(300):
        order_id = conn.execute(insert(dispatch_orders).values(
            number=f"B{n:04d}", kind="request", basis="bench", destination="安置点",
            dest_lat=31.4, dest_lon=104.7, notified_at=now - timedelta(hours=n),
            written_order_due=None, status="open" if n < 30 else "closed",
            created_by="bench", created_at=now - timedelta(hours=n),
        ).returning(dispatch_orders.c.id)).scalar_one()  # fmt: skip
        for k in range(3):
            line_id = conn.execute(insert(dispatch_lines).values(
                order_id=order_id, item_code=rng.choice(codes), qty=100, shortfall=0,
            ).returning(dispatch_lines.c.id)).scalar_one()  # fmt: skip
            conn.execute(insert(pick_lines), [
                {"order_id": order_id, "line_id": line_id, "warehouse": "LC01",
                 "location_id": rng.choice(slots), "batch_id": rng.choice(batch_ids), "qty": 50,
                 "loaded": 50 if n >= 30 else 0, "seq": 2 * k + j}
                for j in range(2)
            ])  # fmt: skip
    closed = select(dispatch_orders.c.id, dispatch_orders.c.created_at).where(
        dispatch_orders.c.status == "closed"
    )
    for n, (order_id, created) in enumerate(conn.execute(closed).all()):  # a note per loaded one
        note = conn.execute(insert(handovers).values(
            number=f"JJ-B{order_id:04d}-LC01-1", order_id=order_id, warehouse="LC01",
            carrier="bench", driver="bench", phone="13800000000", plate="川B", receiver="bench",
            created_by="bench", created_at=created,
            state=("issued", "confirmed", "discrepancy")[n % 3],
        ).returning(handovers.c.id)).scalar_one()  # fmt: skip
        conn.execute(insert(handover_lines).from_select(
            ["handover_id", "pick_line_id", "qty", "received"],
            select(literal(note), pick_lines.c.id, pick_lines.c.loaded, pick_lines.c.loaded)
            .where(pick_lines.c.order_id == order_id),
        ))  # fmt: skip
    for n in range(20):
        take = conn.execute(insert(stocktakes).values(
            warehouse="LC01", zone="ABCDEFGHIJKLMNOPQRST"[n], status="adjusted" if n else "closed",
            tolerance=0, opened_by="bench", opened_at=now - timedelta(days=n),
        ).returning(stocktakes.c.id)).scalar_one()  # fmt: skip
        chunked(conn, stocktake_lines, [
            {"stocktake_id": take, "location_id": slot, "batch_id": rng.choice(batch_ids),
             "expected": 10, "counted": 10 if m % 50 else 8, "card": 10, "rounds": 1,
             "variance": 0 if m % 50 else -2, "state": "ok" if m % 50 else "variance",
             "reason": None if m % 50 or n == 0 else "damaged"}
            for m, slot in enumerate(rng.sample(slots, 2000))
        ])  # fmt: skip
        stocktake_progress.tally(conn, take)  # the figures its close keeps


def measure(
    client: httpx.Client, path: str, times: int = 20, before: Callable[[], None] | None = None
) -> list[float]:
    """`path` answered `times` times, in ms; `before` runs (untimed) before each."""
    out = []
    for _ in range(times):
        if before is not None:
            before()
        started = time.perf_counter()
        response = client.get(path)
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.text[:200]}")
    return out


def measure_preview(client: httpx.Client, times: int = 20) -> list[float]:
    """The dispatch screen's allocation preview (POST /orders/new) of 100 of the first item
    offered, to LC01's door: the plan and the stacks it could take instead."""
    page = client.get("/orders/new").text
    item = page.split('<datalist id="item-codes"><option value="', 1)[1].split('"', 1)[0]
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = {"csrf_token": token, "number": "BENCH", "kind": "request", "basis": "bench",
            "destination": "安置点", "lat": "31.4452", "lon": "104.7418",
            "lines.0.item": item, "lines.0.qty": "100"}  # fmt: skip
    out = []
    for _ in range(times):
        started = time.perf_counter()
        response = client.post(
            "/orders/new", data=form, headers={"Origin": str(client.base_url).rstrip("/")}
        )
        out.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200 or 'id="plan"' not in response.text:
            raise RuntimeError(f"the preview: {response.status_code} {response.text[:200]}")
    return out


def p95_of(ms: list[float]) -> float:
    ordered = sorted(ms)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def report(
    label: str, ms: list[float], floor: float | None = None, limit: float | None = None
) -> None:
    ordered = sorted(ms)
    p50 = statistics.median(ordered)
    p95 = p95_of(ordered)
    extra = f"   {p50 / floor:5.1f}x the floor" if floor else ""
    if limit:
        extra += f"   limit {limit:.0f} ms: p95 {p95 / limit:4.2f}x" + (
            "" if p95 < limit else "  OVER"
        )
    mark = "" if p95 < 300 else "   OVER 300 ms"
    print(
        f"  {label:<30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  max {ordered[-1]:6.1f} ms"
        f"{extra}{mark}"
    )


def kept(db_url: str) -> int:
    """How many of last month's reports the server has made and kept."""
    month = (depot_time.today(system_clock()).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    engine = make_engine(db_url)
    with engine.connect() as conn:
        count = conn.execute(
            select(func.count()).where(monthly_reports.c.month == month)
        ).scalar_one()
    engine.dispose()
    return int(count)


def run(db_url: str, per_depot: int, work: Path, database_pid: int | None = None) -> None:
    engine = make_engine(db_url)
    started = time.perf_counter()
    held = build(engine, per_depot)
    engine.dispose()
    print(f"built in {time.perf_counter() - started:.0f} s: " +
          ", ".join(f"{v:,} {k}" for k, v in held.items()))  # fmt: skip
    server = ServerProcess(db_url, work).start(within=180)
    started = time.perf_counter()
    wait_until(lambda: kept(db_url) == 3, 300, "last month's reports made by the server")
    print(
        f"the server made last month's 3 reports (and every month before it, rolled forward "
        f"from the first) in {time.perf_counter() - started:.1f} s"
    )
    engine = make_engine(db_url)
    moving = Floor(engine, "LC01")
    try:
        for who, label in (("bench-lc01", "a supervisor of LC01"), ("bench", "the network")):
            client = httpx.Client(base_url=server.url, timeout=60)
            submit(client, "/login", "/login", {"username": who, "password": PASSWORD})
            order = re.findall(r'href="/orders/([0-9]+)"', client.get("/orders").text)[0]
            print(f"pages for {label} ({db_url.split(':')[0]}):")
            floor = statistics.median(measure(client, "/healthz"))
            report("GET /healthz (framework floor)", [floor])
            if who == "bench-lc01":  # the day's first read makes LC01's bands from the summary
                report("GET / (the day's first)", measure(client, "/", times=1), floor)
            line = client.get("/ledger").text.split('href="/ledger/postings?', 1)[1]
            postings_path = "/ledger/postings?" + line.split('"', 1)[0].replace("&amp;", "&")
            event = client.get(postings_path).text.split('href="/ledger/events/', 1)[1]
            event_path = "/ledger/events/" + event.split('"', 1)[0]
            take = client.get("/stocktakes").text.split('href="/stocktakes/', 1)[1]
            round_path = "/stocktakes/" + take.split('"', 1)[0]
            live_round = "/partials" + round_path
            waiting = client.get("/acceptance").text.split('href="/acceptance/decide?', 1)[1]
            decide_path = "/acceptance/decide?" + waiting.split('"', 1)[0].replace("&amp;", "&")
            note = client.get("/handovers").text.split('href="/handovers/JJ', 1)[1]
            note_path = "/handovers/JJ" + note.split('"', 1)[0]
            loaded = client.get("/handovers").text.split('data-note="JJ-B', 1)[1][:4]
            door_path = f"/orders/{int(loaded)}/handover-note"
            for path in ("/handovers", note_path, door_path):
                report(f"GET {path[:27]}", measure(client, path), floor)
            for path in ("/", "/partials/overview", "/doors", "/partials/doors", "/orders",
                         "/partials/orders", f"/orders/{order}", f"/partials/orders/{order}",
                         "/orders/new",
                         "/stocktakes", "/partials/stocktakes", round_path, live_round,
                         "/approvals",
                         "/partials/approvals", "/ledger", "/ledger?status=on_hold",
                         postings_path, event_path, "/audit", "/audit?p=200", "/acceptance",
                         "/partials/acceptance", decide_path,
                         *disposal_paths(client)):  # fmt: skip
                label = path if len(path) < 30 else path[:27] + "..."
                live = path == "/" or path.startswith("/partials/")  # the overview, each region
                report(f"GET {label}", measure(client, path), floor, LIVE_LIMIT if live else None)
            # the regions kept between changes (server/dash/region_cache.py) as the first
            # viewer after one gets them: a whole stack moved (the ledger's markers move, not
            # the overview's figures), one unit moved (both move)
            for path in KEPT:
                for whole, what in ((True, "a stack moved"), (False, "a unit moved")):
                    ms = measure(client, path, before=lambda w=whole: moving.move(w))
                    report(f"GET {path[10:]}, {what}", ms, floor, LIVE_LIMIT)
            report("POST /orders/new (the preview)", measure_preview(client), floor)
            month = (depot_time.today(system_clock()).replace(day=1) - timedelta(days=1)).strftime(
                "%Y-%m"
            )
            report("GET /reports (last month)", measure(client, f"/reports?month={month}"), floor)
            old = measure(client, "/reports?month=2020-01")
            report("GET /reports (an old month)", old, floor)
            if who == "bench":  # the network's administration (admins of no depot only)
                for path in ("/masterdata?kind=items", "/masterdata?kind=locations&offset=1000",
                             "/people", "/gateways"):  # fmt: skip
                    report(f"GET {path}", measure(client, path), floor)
            client.close()
        watch(db_url, server, database_pid)
    finally:
        server.stop()
        engine.dispose()


def watch(db_url: str, server: ServerProcess, database_pid: int | None) -> None:
    """The live-viewers line: 20 viewers of LC01's overview, a floor move every 100 ms."""
    assert server.proc.popen is not None
    engine = make_engine(db_url)
    run = live_viewers(engine, server.url, server.proc.popen.pid, ("bench-lc01", PASSWORD),
                       database_pid=database_pid)  # fmt: skip
    engine.dispose()
    cores = os.cpu_count() or 1
    share = run.server_cpu / run.seconds
    database = (
        f"; PostgreSQL {run.database_cpu / run.seconds:.0%} of a core (the floor's writes too)"
        if run.database_cpu is not None
        else ""
    )
    print(
        f"20 live viewers of LC01, the floor moving a batch every 100 ms ({run.events} moves, "
        f"{2 * run.events} postings in {run.seconds:.0f} s): {run.changes} region fetches; "
        f"server CPU {share:.0%} of a core, {share / cores:.0%} of the machine's {cores}"
        f"{database}"
    )
    if run.served:  # the server's own time (Server-Timing), the limit's measure
        report("  GET /partials/overview (live)", run.served, None, LIVE_LIMIT)
    if run.fetches:  # what the viewers waited, their threads in this one process included
        report("    as the viewers waited", run.fetches)
    if run.errors:
        print(f"  errors: {run.errors[:5]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=50_000, help="live batches in LC01")
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="depot-bench-dashboard-"))
    if not args.no_sqlite:
        run(f"sqlite:///{work / 'dashboard.sqlite'}", args.batches, work)
    if args.postgres:
        cluster = PostgresCluster().start()
        try:
            postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
            run(cluster.new_database(), args.batches, work, postmaster)
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
