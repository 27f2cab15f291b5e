"""Two depots with real data of each, and a caller of every kind, for the depot-scope tests.

LC01 is the depot each request concerns, LC02 the other one. Everything the tests write
for a depot carries its mark (`MARK`): order numbers, drivers, plates, batch numbers, notice
and record numbers, the usernames of the depot's own people. A body that reaches a caller
bound to LC02 must not contain LC01's mark, nor a batch number only LC01 holds.
"""

from __future__ import annotations

import itertools
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import httpx
from sqlalchemy import Engine, func, select

from demo.exampledata import Item
from harness.depot import ADMIN, Depot, prepare_database
from kernel.clock import system_clock
from kernel.fifo import add_years
from server.domain.report_files import ReportFile
from server.services import checkpoints, dispatch, handover, inbound, stocktake, stocktake_close
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_gateway_client, create_user
from server.services.disposal import Stack as Held
from server.services.disposal import propose_rotation, propose_scrapping
from server.services.events import Caller as Gateway
from server.services.events import ingest
from server.services.order_view import order_view
from server.storage import depots
from server.storage.db import make_engine
from server.storage.tables import (
    approvals,
    audit_log,
    batches,
    dispatch_orders,
    handover_lines,
    handovers,
    inbound_notices,
    ledger_heads,
    locations,
    postings,
    print_requests,
    stock,
    stocktake_counts,
)

MARK = {"LC01": "LC01ONLY", "LC02": "LC02ONLY"}
ROLES = ("admin", "supervisor", "keeper", "dispatcher", "auditor")
PASSWORD = "scope-test-password"
REPORT_SCAN = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32  # a quality report's scan (its first bytes)
HERE, THERE = "LC01", "LC02"  # the depot concerned, the other one
# People who are not callers: they propose, reject, close and plan what the callers approve
# (server/domain/duties.py: a second person approves).
PROPOSER = f"proposer-{MARK[HERE]}"  # a supervisor of LC01
PLANNER = "planner-all"  # a dispatcher of the bureau


def username(role: str, depot: str | None) -> str:
    return f"{role}-{MARK[depot]}" if depot else f"{role}-all"


@dataclass(frozen=True, slots=True)
class Caller:
    name: str
    kind: Literal["anonymous", "person", "device"]
    role: str | None = None
    depot: str | None = None  # the depot it is bound to (None: every depot)
    token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


@dataclass(frozen=True, slots=True)
class Stack:
    item: Item
    batch: str
    location: str


class World:
    """The data every request of the tests is about, made through the domain's own
    functions, and fresh records for requests that use one up."""

    def __init__(self, depot: Depot) -> None:
        self.depot = depot
        self.engine: Engine = make_engine(depot.db_url)
        self.example = depot.example
        self._n = itertools.count(1)
        self.gateway_tokens = {
            HERE: depot.gateway_token,
            THERE: create_gateway_client(self.engine, "gateway-LC02", THERE, now=system_clock()),
        }
        for role in ROLES:
            for where in (HERE, THERE, None):
                create_user(
                    self.engine,
                    username(role, where),
                    PASSWORD,
                    role=role,
                    warehouse=where,
                    display_name=f"{role} {MARK[where] if where else ''}".strip(),
                    now=system_clock(),
                )
        create_user(
            self.engine, PROPOSER, PASSWORD, role="supervisor", warehouse=HERE, now=system_clock()
        )
        create_user(self.engine, PLANNER, PASSWORD, role="dispatcher", now=system_clock())
        self.item, self.shared_item = self._items()
        self.lc01 = {w.code: w for w in self.example.warehouses}[HERE]
        self.received: dict[str, Stack] = {}
        self.events: list[str] = []
        self._receive(HERE, "P", 500)  # pending acceptance
        self._receive(HERE, "S", 2000)  # accepted: scrapping, rotation
        self._receive(HERE, "J", 500)  # rejected: back to the supplier
        reusable = next(i for i in self.example.items if i.reusable)
        self._receive(HERE, "R", 500, reusable)  # returned from a dispatch: inspected
        old = self.item_of(self.item.code)  # overdue: re-inspected
        self._receive(
            HERE, "O", 100, made=add_years(date.today(), -old.storage_years) - timedelta(days=30)
        )
        scan = ReportFile("质检报告.png", REPORT_SCAN)  # kept with the decision
        self.acceptance = self._decide(HERE, "S", 2000, "accepted", scan)
        self._decide(HERE, "O", 100, "accepted")
        self.rejection = self._decide(HERE, "J", 500, "rejected")
        self._return(HERE, "R", 500)
        self.notice = self._notice()
        self.order = self.fresh_order()  # LC01 only, loaded, with a handover note
        self.note = self._load_and_hand_over(self.order, HERE)
        self.multi = self._multi_order()
        self.multi_notes = {d: self._load_and_hand_over(self.multi, d) for d in (HERE, THERE)}
        self.counting = self.fresh_stocktake()
        self.closed = self.fresh_stocktake(closed=True)
        self.returned_order = self._send_out_and_take_back()
        self.signed_head = self._sign_checkpoints()

    def item_of(self, code: str) -> Item:
        return next(i for i in self.example.items if i.code == code)

    # --- markers -------------------------------------------------------------------------

    def secrets_of(self, depot: str) -> set[str]:
        """What only `depot`'s data contains: its mark and the batch numbers only it holds."""
        mine = {b.batch_no for b in self.example.batches if b.warehouse == depot}
        others = {b.batch_no for b in self.example.batches if b.warehouse != depot}
        return {MARK[depot], *(mine - others)}

    # --- callers -------------------------------------------------------------------------

    def callers(self, server_url: str) -> list[Caller]:
        found = [Caller("anonymous", "anonymous")]
        found += [
            Caller(f"gateway@{d}", "device", depot=d, token=t)
            for d, t in self.gateway_tokens.items()
        ]
        for role in ROLES:
            for where in (HERE, THERE, None):
                name = username(role, where)
                answer = httpx.post(
                    f"{server_url}/api/v1/sessions", json={"username": name, "password": PASSWORD}
                )
                answer.raise_for_status()
                found.append(
                    Caller(
                        f"{role}@{where or 'all'}", "person", role, where, answer.json()["token"]
                    )
                )
        return found

    # --- what a refused request must leave as it was -------------------------------------

    def snapshot(self) -> tuple[Any, ...]:
        with self.engine.connect() as conn:
            return tuple(
                conn.execute(select(func.max(column))).scalar()
                for column in (
                    audit_log.c.id,
                    postings.c.id,
                    stocktake_counts.c.id,
                    approvals.c.id,
                    handovers.c.id,
                    dispatch_orders.c.id,
                    inbound_notices.c.id,
                    print_requests.c.id,
                )
            )

    # --- records -------------------------------------------------------------------------

    def number(self, depot: str | None, what: str) -> str:
        """A fresh paper number carrying the mark of the depot it is about."""
        return f"{MARK[depot] if depot else 'NET'}-{what}-{next(self._n)}"

    def stack(self, kind: str) -> Stack:
        return self.received[kind]

    def fresh_order(self, qty: int = 5) -> int:
        """A bureau's order near LC01 that takes from LC01 only."""
        number = self.number(HERE, "调")
        order_id = dispatch.create_order(
            self.engine,
            PLANNER,
            dispatch.OrderRequest(
                number=number,
                kind="request",
                basis=f"{number} 号通知",
                destination=f"{MARK[HERE]} 安置点",
                lat=self.lc01.lat,
                lon=self.lc01.lon,
                lines=(dispatch.OrderLine(self.item.code, qty),),
            ),
            now=datetime.now(UTC),
        )
        assert dispatch_depots(self.engine, order_id) == {HERE}
        return order_id

    def fresh_stocktake(self, counted: bool = False, closed: bool = False) -> int:
        """A stocktake of LC01's zone A; counted: every line counted as the ledger has it, but
        one counted one over; closed: and closed, with a reason for that one."""
        take = stocktake.open_stocktake(self.engine, PROPOSER, HERE, "A", 1000, datetime.now(UTC))
        if not (counted or closed):
            return take
        line = self.zone_a_line()
        counts = [
            stocktake.Count(s.location, s.item.code, s.batch, qty + (s == line))
            for s, qty in self.zone_a_stock()
        ]
        stocktake.record_counts(
            self.engine, username("keeper", HERE), take, counts, datetime.now(UTC)
        )
        if not closed:
            return take
        stocktake_close.close(self.engine, PROPOSER, take, datetime.now(UTC))
        stocktake.set_reason(
            self.engine,
            PROPOSER,
            take,
            line.location,
            line.item.code,
            line.batch,
            "miscount",
            now=system_clock(),
        )
        return take

    def zone_a_stock(self) -> list[tuple[Stack, int]]:
        """Every stock line of LC01's zone A (all statuses of a stack added up)."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    locations.c.code, batches.c.item_code, batches.c.batch_no, func.sum(stock.c.qty)
                )
                .join(locations, locations.c.id == stock.c.location_id)
                .join(batches, batches.c.id == stock.c.batch_id)
                .where((stock.c.warehouse == HERE) & (locations.c.zone == "A"))
                .group_by(locations.c.code, batches.c.item_code, batches.c.batch_no)
                .having(func.sum(stock.c.qty) != 0)
            ).all()
        return [(Stack(self.item_of(i), b, loc), int(q)) for loc, i, b, q in rows]

    def receiving_here(self) -> dict[str, Any]:
        s = self.stack("P")
        return self.event(
            HERE, "receiving", location=s.location, gtin=s.item.gtin, batch=s.batch, qty=1
        )

    def line_of_zone_a(self) -> dict[str, str]:
        line = self.zone_a_line()
        return {"location": line.location, "item": line.item.code, "batch": line.batch}

    def count_of_zone_a(self) -> dict[str, Any]:
        return {**self.line_of_zone_a(), "counted": 1}

    def zone_a_line(self) -> Stack:
        batch = next(
            b for b in self.example.batches if b.warehouse == HERE and b.location.startswith("A-")
        )
        return Stack(self.item_of(batch.item_code), batch.batch_no, batch.location)

    def held(self, line: Stack) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.coalesce(func.sum(stock.c.qty), 0))
                    .join(locations, locations.c.id == stock.c.location_id)
                    .join(batches, batches.c.id == stock.c.batch_id)
                    .where(
                        (stock.c.warehouse == HERE)
                        & (locations.c.code == line.location)
                        & (batches.c.batch_no == line.batch)
                        & (batches.c.item_code == line.item.code)
                    )
                ).scalar_one()
            )

    def fresh_scrap_proposal(self) -> int:
        """One unit of LC01's accepted goods proposed for scrapping, for an approval to take."""
        s = self.stack("S")
        return propose_scrapping(
            self.engine,
            PROPOSER,
            Held(HERE, s.item.code, s.batch, s.location, 1),
            "damaged",
            self.number(HERE, "质检"),
            [("专家甲", "破损"), ("专家乙", "霉变"), ("专家丙", "同意报废")],
            now=system_clock(),
        )

    def fresh_rotation_proposal(self) -> int:
        s = self.stack("S")
        return propose_rotation(
            self.engine, PROPOSER, Held(HERE, s.item.code, s.batch, s.location, 1),
            self.number(HERE, "轮换"),
         now=system_clock(),)  # fmt: skip

    def fresh_acceptance(self) -> int:
        """One unit of the pending goods accepted, for its report to be filed."""
        return self._decide(HERE, "P", 1, "accepted")

    # --- set-up --------------------------------------------------------------------------

    def _items(self) -> tuple[Item, Item]:
        """The item LC01 holds most of, and one both depots hold."""
        totals: dict[tuple[str, str], int] = {}
        for b in self.example.batches:
            key = (b.warehouse, b.item_code)
            totals[key] = totals.get(key, 0) + b.quantity
        first = max((q, code) for (w, code), q in totals.items() if w == HERE)[1]
        both = max(
            (min(q, totals.get((THERE, code), 0)), code)
            for (w, code), q in totals.items()
            if w == HERE and code != first
        )[1]
        return self.item_of(first), self.item_of(both)

    def post_events(self, depot: str, events: list[dict[str, Any]]) -> None:
        results = ingest(
            self.engine, Gateway(f"gateway-{depot}", depot), events, now=system_clock()
        )
        assert [r.result for r in results] == ["accepted"] * len(events), results

    def event(self, depot: str, kind: str, **fields: Any) -> dict[str, Any]:
        event_id = str(uuid.uuid4())
        if depot == HERE:
            self.events.append(event_id)
        return {
            "event_id": event_id,
            "type": kind,
            "warehouse": depot,
            "occurred_at": datetime.now(UTC).isoformat(),
            "operator": username("keeper", depot),
            **fields,
        }

    def _receive(
        self, depot: str, kind: str, qty: int, item: Item | None = None, made: date | None = None
    ) -> None:
        stack = Stack(item or self.item, f"{MARK[depot]}-{kind}", "D01")
        dates = {"prod_date": made.isoformat()} if made else {}
        self.post_events(
            depot,
            [
                self.event(
                    depot,
                    "receiving",
                    location=stack.location,
                    gtin=stack.item.gtin,
                    batch=stack.batch,
                    qty=qty,
                    **dates,
                )
            ],
        )
        self.received[kind] = stack

    def _return(self, depot: str, kind: str, qty: int) -> None:
        """Reusable goods come back from a disaster area (a keeper takes the return)."""
        s = self.stack(kind)
        self.post_events(
            depot,
            [
                self.event(
                    depot, "returning", location=s.location, gtin=s.item.gtin, batch=s.batch,
                    qty=qty,
                )
            ],
        )  # fmt: skip

    def _decide(
        self, depot: str, kind: str, qty: int, decision: str, scan: ReportFile | None = None
    ) -> int:
        s = self.stack(kind)
        return decide(
            self.engine,
            PROPOSER,
            AcceptanceRequest(
                depot,
                s.item.code,
                s.batch,
                s.location,
                qty,
                decision,
                Inspection(
                    self.number(depot, "验收"),
                    1,
                    "pass" if decision == "accepted" else "fail",
                    quality_report=self.number(depot, "检测报告"),
                ),
            ),
            now=system_clock(),
            report_file=scan,
        ).approval_id

    def fresh_notice(self) -> int:
        """An open inbound notice of LC01; its id."""
        return inbound.create_notice(
            self.engine,
            username("keeper", HERE),
            self.number(HERE, "入库通知"),
            HERE,
            None,
            None,
            [inbound.NoticeLine(self.item.code, 10, None)],
            now=system_clock(),
        )

    def fresh_note(self) -> str:
        """A handover note of LC01 for a fresh order, not yet confirmed; its number."""
        return self._load_and_hand_over(self.fresh_order(), HERE)

    def receipt(self, number: str) -> dict[str, Any]:
        """The receiver's confirmation of note `number`: every line received in full."""
        with self.engine.connect() as conn:
            lines = conn.execute(
                select(handover_lines.c.id, handover_lines.c.qty)
                .join(handovers, handovers.c.id == handover_lines.c.handover_id)
                .where(handovers.c.number == number)
            ).all()
        return {
            "received_by": f"{MARK[HERE]} 接收人",
            "phone": "0816-2345678",
            "lines": [{"line": i, "received": q} for i, q in lines],
        }

    def notice_id(self) -> int:
        """The id of the world's own notice (`notice`, its number)."""
        with self.engine.connect() as conn:
            return int(
                conn.execute(
                    select(inbound_notices.c.id).where(inbound_notices.c.number == self.notice)
                ).scalar_one()
            )

    def _notice(self) -> str:
        number = self.number(HERE, "入库通知")
        inbound.create_notice(
            self.engine,
            username("keeper", HERE),
            number,
            HERE,
            None,
            None,
            [inbound.NoticeLine(self.item.code, 10, None)],
            now=system_clock(),
        )
        return number

    def _send_out_and_take_back(self) -> str:
        """Reusable goods of LC01 loaded on an order and come back on hold (stack "B"), for
        return inspections to restock against that order; the order's number."""
        held = {b.item_code for b in self.example.batches if b.warehouse == HERE}
        item = next(i for i in self.example.items if i.reusable and i.code in held)
        number = self.number(HERE, "调")
        order_id = dispatch.create_order(
            self.engine,
            username("dispatcher", HERE),
            dispatch.OrderRequest(
                number, "request", f"{number} 号通知", f"{MARK[HERE]} 安置点", self.lc01.lat,
                self.lc01.lon, (dispatch.OrderLine(item.code, 20),), depot=HERE,
            ),
            now=datetime.now(UTC),
        )  # fmt: skip
        picks = order_view(self.engine, order_id, system_clock(), HERE)["picks"]
        self.post_events(
            HERE,
            [
                self.event(HERE, "loading", from_location=p["location"], gtin=item.gtin,
                           batch=p["batch"], qty=p["qty"], order=number)
                for p in picks
            ],
        )  # fmt: skip
        back = picks[0]
        self.post_events(
            HERE,
            [self.event(HERE, "returning", location="D01", gtin=item.gtin, batch=back["batch"],
                        qty=back["qty"])],
        )  # fmt: skip
        self.received["B"] = Stack(item, back["batch"], "D01")
        return number

    def _sign_checkpoints(self) -> str:
        """Checkpoints of every depot's chains, signed as the server signs them; the hash of
        LC01's postings head they name (shown to those who may see LC01's checkpoints)."""
        with tempfile.TemporaryDirectory() as folder:
            key = checkpoints.new_key(Path(folder) / "checkpoint.key")
        assert checkpoints.sign_heads(self.engine, key, now=system_clock()) >= 2
        with self.engine.connect() as conn:
            return str(
                conn.execute(
                    select(ledger_heads.c.last_hash).where(ledger_heads.c.warehouse == HERE)
                ).scalar_one()
            )

    def _multi_order(self) -> int:
        """A bureau's order that takes all LC01 holds of an item, and the rest from LC02."""
        with self.engine.connect() as conn:
            here = conn.execute(
                select(func.sum(stock.c.qty))
                .join(batches, batches.c.id == stock.c.batch_id)
                .where(
                    (stock.c.warehouse == HERE)
                    & (stock.c.status == "available")
                    & (batches.c.item_code == self.shared_item.code)
                )
            ).scalar_one()
        order_id = dispatch.create_order(
            self.engine,
            PLANNER,
            dispatch.OrderRequest(
                number=f"NET-调-{next(self._n)}",
                kind="emergency",
                basis="两库联合调运",
                destination="北川县安置点",
                lat=self.lc01.lat,
                lon=self.lc01.lon,
                lines=(dispatch.OrderLine(self.shared_item.code, int(here) + 5),),
            ),
            now=datetime.now(UTC),
        )
        assert dispatch_depots(self.engine, order_id) == {HERE, THERE}
        return order_id

    def load(self, order_id: int, depot: str, qty: int = 1) -> None:
        """The gateway of `depot` loads `qty` of the order's first pick line there."""
        view = order_view(self.engine, order_id, system_clock(), depot)
        item = {i.code: i for i in self.example.items}
        self.post_events(
            depot,
            [
                self.event(
                    depot,
                    "loading",
                    from_location=p["location"],
                    gtin=item[p["item"]].gtin,
                    batch=p["batch"],
                    qty=qty,
                    order=view["number"],
                )
                for p in view["picks"][:1]
            ],
        )

    def _load_and_hand_over(self, order_id: int, depot: str) -> str:
        self.load(order_id, depot)
        return handover.create_handover(
            self.engine,
            username("keeper", depot),
            order_id,
            depot,
            handover.Handover(
                f"{MARK[depot]} 运输公司",
                f"{MARK[depot]} 司机",
                "13800000000",
                f"{MARK[depot]}川B",
                "北川县应急局",
            ),
            datetime.now(UTC),
        )


def dispatch_depots(engine: Engine, order_id: int) -> frozenset[str]:
    with engine.connect() as conn:
        found = depots.of_order(conn, order_id)
    assert found is not None
    return found


def world_of(db_url: str) -> World:
    return World(prepare_database(db_url, with_stock=True))


def people(callers: list[Caller]) -> Iterator[Caller]:
    return (c for c in callers if c.kind == "person")


__all__ = ["ADMIN", "HERE", "MARK", "THERE", "Caller", "World", "username", "world_of"]
