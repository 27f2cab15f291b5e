"""Every route of the server, with who may call it, how its depot is found, and a valid
request for real data of LC01 (the depot concerned).

The table is the specification the depot-scope tests hold the server to, written apart from
the server's own rules: a route missing here fails the tests, and so does an entry for a
route the server no longer has. `expect` says what each kind of caller must get.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Mount

from harness.depot import ADMIN
from harness.disposal_world import PDF, own_reinspection, picked, with_report_file
from harness.scope_world import (
    HERE,
    MARK,
    PROPOSER,
    REPORT_SCAN,
    ROLES,
    Caller,
    World,
    username,
)
from kernel.clock import system_clock
from server.domain import depot_time
from server.domain.print_requests import Labels
from server.services import accounts, depot_orders, print_requests
from server.services.report_keeper import last_finished_month
from server.storage.print_requests import recent as listed_requests
from server.web.gateways import PhoneOrderIn

ALL = frozenset(ROLES)
Who = Literal["anyone", "device", "person"]
# named: the request names the depot; record: a record of the depot (LC01 only); own: the
# caller's own depot or every depot (lists); shared: no depot's data; network: changes the
# whole network (people bound to no depot only)
Where = Literal["named", "record", "own", "shared", "network"]


@dataclass(frozen=True, slots=True)
class Call:
    method: str
    path: str
    params: dict[str, str] | None = None
    json: Any = None
    data: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    stream: bool = False  # a server-sent event stream: read its start only


Build = Callable[[World, Caller], Call]


@dataclass(frozen=True, slots=True)
class Case:
    method: str
    path: str  # the route's path template
    who: Who
    where: Where
    build: Build
    roles: frozenset[str] = ALL
    devices: bool = False  # a person route that gateways may call too
    page: bool = False  # a dashboard page: no session goes to the login page
    shows: Callable[[World], str] | None = None  # LC01's data its allowed callers see
    inside: bool = False  # the other depot's gateway is answered 200, each item refused
    key: tuple[str, str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", (self.method, self.path))


class Outcome(Enum):
    OK = "allowed"
    LOGIN = "asked to log in"
    ROLE = "refused for the role"
    DEPOT = "refused for the depot"
    ROLE_OR_DEPOT = "refused for the role and the depot"


_calls = itertools.count(1)


def phone_order(w: World, depot: str) -> dict[str, Any]:
    """An order the depot made while cut off, as its gateway sends it: one unit of a batch it
    holds, a number of its own not used before."""
    held = next(b for b in w.example.batches if b.warehouse == depot)
    return {
        "number": f"TEL-{depot}-20261130-{next(_calls):03d}",
        "called_at": "2026-11-30T09:00:00+08:00",
        "caller": {"name": "刘局长", "unit": "北川县应急管理局", "phone": "0816-4822110"},
        "destination": "安置点",
        "lines": [{"item": held.item_code, "qty": 1}],
        "picks": [{"item": held.item_code, "location": held.location, "batch": held.batch_no,
                   "qty": 1}],
        "recorded_by": username("supervisor", depot),
        "recorded_at": "2026-11-30T09:05:00+08:00",
    }  # fmt: skip


def depot_note(w: World, depot: str) -> dict[str, Any]:
    """A handover note for an order the depot made (taken by the centre first)."""
    order = phone_order(w, depot)
    depot_orders.take(
        w.engine, f"gateway-{depot}", depot,
        PhoneOrderIn.model_validate(order).order(), system_clock(),
    )  # fmt: skip
    (pick,) = order["picks"]
    return {
        "number": f"JJ-{order['number']}-{depot}-G1", "order": order["number"],
        "carrier": "运输公司", "driver": "李强", "phone": "13908165678", "plate": "川B12345",
        "receiver": "应急管理局", "lines": [pick], "made_by": order["recorded_by"],
        "made_at": "2026-11-30T12:00:00+08:00",
    }  # fmt: skip


def expect(case: Case, caller: Caller) -> Outcome:
    if case.who == "anyone":
        return Outcome.OK
    if caller.kind == "anonymous":
        return Outcome.LOGIN
    if caller.kind == "device":
        if case.who != "device" and not case.devices:
            return Outcome.LOGIN
        return _depot(case, caller)
    if case.who == "device":
        return Outcome.LOGIN
    role_ok = caller.role in case.roles
    depot = _depot(case, caller)
    if role_ok:
        return depot
    return Outcome.ROLE if depot is Outcome.OK else Outcome.ROLE_OR_DEPOT


def _depot(case: Case, caller: Caller) -> Outcome:
    if case.where == "network":
        return Outcome.OK if caller.depot is None else Outcome.DEPOT
    if case.where in ("own", "shared") or caller.depot in (None, HERE):
        return Outcome.OK
    return Outcome.DEPOT


def route_keys(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path template) of every route an application serves; MOUNT for mounts."""
    keys = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, Mount):
            keys.add(("MOUNT", str(context.path)))
            continue
        methods = route.methods if isinstance(route, APIRoute) else {"GET"}
        keys |= {(m, str(context.path)) for m in methods or () if m != "HEAD"}
    return keys


# --- requests --------------------------------------------------------------------------


def get(path: str, **params: str) -> Build:
    return lambda w, c: Call("GET", path, params or None)


def here(path: str, name: str = "warehouse", **params: str) -> Build:
    """A GET naming LC01."""
    return lambda w, c: Call("GET", path, {name: HERE, **params})


def month() -> str:
    return last_finished_month(depot_time.today(system_clock()))


def credentials(w: World, c: Caller) -> dict[str, str]:
    return {"username": ADMIN[0], "password": ADMIN[1]}


def stack_body(w: World, kind: str, **extra: Any) -> dict[str, Any]:
    s = w.stack(kind)
    body = {"warehouse": HERE, "item": s.item.code, "batch": s.batch, "location": s.location}
    return {**body, "qty": 1, **extra}


def decide_params(w: World) -> dict[str, str]:
    """The line of LC01's goods waiting for acceptance."""
    s = w.stack("P")
    return {"warehouse": HERE, "location": s.location, "item": s.item.code, "batch": s.batch}


def order_body(w: World, c: Caller) -> dict[str, Any]:
    """An order near LC01; planned by a person bound to a depot, it takes from that depot."""
    depot = c.depot or HERE
    return {
        "number": w.number(depot, "调"),
        "kind": "request",
        "basis": "调拨通知",
        "destination": "安置点",
        "lat": w.lc01.lat,
        "lon": w.lc01.lon,
        "lines": [{"item": (w.item if depot == HERE else w.shared_item).code, "qty": 1}],
    }


def order_form(w: World, c: Caller) -> dict[str, str]:
    """The new order's form (the dispatch screen), as order_body."""
    body = order_body(w, c)
    line = body.pop("lines")[0]
    fields = {k: str(v) for k, v in body.items()}
    return {**fields, "lines.0.item": line["item"], "lines.0.qty": str(line["qty"])}


def handover_body() -> dict[str, str]:
    return {
        "warehouse": HERE,
        "carrier": f"{MARK[HERE]} 运输",
        "driver": f"{MARK[HERE]} 司机",
        "phone": "13900000000",
        "plate": f"{MARK[HERE]}川B",
        "receiver": "北川县应急局",
    }


def experts() -> list[dict[str, str]]:
    return [{"name": n, "opinion": "同意报废"} for n in ("专家甲", "专家乙", "专家丙")]


DEPOT_HEAD = frozenset({"admin", "supervisor"})
COMMISSION = frozenset({"admin"})


SUPPLIERS = "code,name,contact,phone\nSUP-SCOPE,测试供应商,王,13700000000\n".encode()


def fresh_person(w: World) -> str:
    """A keeper of LC01 made for one request that changes or disables them."""
    name = w.number(HERE, "person")
    accounts.create_user(
        w.engine, name, "fresh-password-1", role="keeper", warehouse=HERE, now=system_clock()
    )
    return name


def fresh_gateway(w: World) -> str:
    """A gateway client of LC01 made for one request that revokes it."""
    name = w.number(HERE, "gateway")
    accounts.create_gateway_client(w.engine, name, HERE, now=system_clock())
    return name


def new_person(w: World) -> dict[str, str]:
    return {"username": w.number(None, "user"), "role": "keeper", "password": "new-password-1"}


PEOPLE = frozenset({"admin"})


def _lc01(w: World) -> str:
    return MARK[HERE]


HANDOVER = frozenset({"admin", "supervisor", "keeper"})


def _confirmation(w: World, c: Caller, form: bool = False) -> Call:
    """The receiver's confirmation of a note of LC01, through the API or the page: a fresh
    note for a caller who may confirm it (once only), the world's own for the others (their
    call is refused and leaves it unconfirmed)."""
    may = c.kind == "person" and c.role in HANDOVER and c.depot in (None, HERE)
    number = w.fresh_note() if may else w.note
    body = w.receipt(number)
    if not form:
        return Call("POST", f"/api/v1/dispatch/handovers/{number}/confirmation", json=body)
    fields = {k: str(v) for k, v in body.items() if k != "lines"}
    for i, line in enumerate(body["lines"]):
        received = str(line["received"])
        fields |= {f"lines.{i}.line": str(line["line"]), f"lines.{i}.received": received}
    return Call("POST", f"/handovers/{number}/confirmation", data=fields)


def _order(w: World) -> str:
    return str(w.order)


LABELS = frozenset({"admin", "supervisor", "keeper"})


def asked_here(w: World) -> None:
    """One request of LC01 for labels, asked by its supervisor, its batch LC01's mark: what the
    lists of print requests show (made once in the world's database, before the call)."""
    if not any(row.get("batch") == MARK[HERE] for row in listed_requests(w.engine, HERE)):
        labels = Labels("PR-LC01", w.item.gtin, MARK[HERE], 1, 1)
        print_requests.ask(w.engine, PROPOSER, "supervisor", HERE, labels, system_clock())


def listing(path: str) -> Build:
    """A GET of a list of LC01's print requests (`?depot=LC01`), with one request in it."""

    def build(w: World, c: Caller) -> Call:
        asked_here(w)
        return Call("GET", path, {"depot": HERE})

    return build


def labels_fields(w: World) -> dict[str, str]:
    """The labels form (or the API's body, as text) for one label of LC01's item."""
    return {"depot": HERE, "printer": "PR-LC01", "gtin": w.item.gtin, "batch": MARK[HERE],
            "qty": "1", "units": "1"}  # fmt: skip


def storage_here(w: World) -> str:
    return next(x.code for x in w.example.locations if x.warehouse == HERE and x.kind == "storage")


CASES: tuple[Case, ...] = (
    # the framework's own pages, static files, health, logging in
    Case("GET", "/openapi.json", "anyone", "shared", get("/openapi.json")),
    Case("GET", "/docs", "anyone", "shared", get("/docs")),
    Case("GET", "/docs/oauth2-redirect", "anyone", "shared", get("/docs/oauth2-redirect")),
    Case("GET", "/redoc", "anyone", "shared", get("/redoc")),
    Case("MOUNT", "/static", "anyone", "shared", get("/static/dash.js")),
    Case("GET", "/healthz", "anyone", "shared", get("/healthz")),
    Case("GET", "/metrics", "anyone", "shared", get("/metrics")),
    Case(
        "POST",
        "/api/v1/sessions",
        "anyone",
        "shared",
        lambda w, c: Call("POST", "/api/v1/sessions", json=credentials(w, c)),
    ),
    Case("GET", "/login", "anyone", "shared", get("/login")),
    Case(
        "POST",
        "/login",
        "anyone",
        "shared",
        lambda w, c: Call("POST", "/login", data=credentials(w, c)),
    ),
    Case("POST", "/logout", "anyone", "shared", lambda w, c: Call("POST", "/logout")),
    Case("GET", "/lang/{lang}", "anyone", "shared", get("/lang/en", next="/orders")),
    # a person's own floor PIN
    Case(
        "PUT",
        "/api/v1/me/floor-pin",
        "person",
        "own",
        lambda w, c: Call("PUT", "/api/v1/me/floor-pin", json={"pin": "floor-pin-2026"}),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    Case(
        "DELETE",
        "/api/v1/me/floor-pin",
        "person",
        "own",
        lambda w, c: Call("DELETE", "/api/v1/me/floor-pin"),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    # the gateways
    Case(
        "POST",
        "/api/v1/events",
        "device",
        "own",
        lambda w, c: Call(
            "POST",
            "/api/v1/events",
            json={"gateway": HERE, "events": [w.receiving_here()]},
        ),
        inside=True,
    ),
    Case("GET", "/api/v1/sync", "device", "own", get("/api/v1/sync")),
    Case("GET", "/api/v1/ledger/digest", "device", "own", get("/api/v1/ledger/digest")),
    Case(
        "POST",
        "/api/v1/ledger/compare",
        "device",
        "own",
        lambda w, c: Call("POST", "/api/v1/ledger/compare", json={"lines": []}),
    ),
    Case(
        "POST",
        "/api/v1/gateway/report",
        "device",
        "own",
        lambda w, c: Call(
            "POST",
            "/api/v1/gateway/report",
            json={"devices": [], "outbox": {"pending": 0}, "disk": {"free_mb": 900}},
        ),
    ),
    Case(
        "POST",
        "/api/v1/gateway/phone-orders",
        "device",
        "own",
        lambda w, c: Call(
            "POST", "/api/v1/gateway/phone-orders", json=phone_order(w, c.depot or HERE)
        ),
    ),
    Case(
        "POST",
        "/api/v1/gateway/handovers",
        "device",
        "own",
        lambda w, c: Call("POST", "/api/v1/gateway/handovers", json=depot_note(w, c.depot or HERE)),
    ),
    Case(
        "GET",
        "/api/v1/stock",
        "person",
        "named",
        here("/api/v1/stock", limit="1000"),
        devices=True,
        shows=lambda w: MARK[HERE],
    ),
    # the workflows
    Case(
        "POST",
        "/api/v1/acceptances",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/acceptances",
            json={
                **stack_body(w, "P"),
                "decision": "accepted",
                "inspection": {
                    "record_no": w.number(HERE, "验收"),
                    "sampled": 1,
                    "result": "pass",
                    "quality_report": w.number(HERE, "检测"),
                },
            },
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/acceptances/{approval_id}/report",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/acceptances/{w.fresh_acceptance()}/report",
            json={"reference": w.number(HERE, "验收报告")},
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/acceptances/{approval_id}/quality-report",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/acceptances/{w.fresh_acceptance()}/quality-report",
            files={"file": ("scan.png", REPORT_SCAN, "image/png")},
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "GET",
        "/api/v1/acceptances/{approval_id}/quality-report",
        "person",
        "record",
        lambda w, c: Call("GET", f"/api/v1/acceptances/{w.acceptance}/quality-report"),
    ),
    Case("GET", "/api/v1/notifications", "person", "own", get("/api/v1/notifications")),
    Case(
        "POST",
        "/api/v1/inbound-notices",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/inbound-notices",
            json={
                "number": w.number(HERE, "入库通知"),
                "warehouse": HERE,
                "lines": [{"item": w.item.code, "qty": 5}],
            },
        ),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    Case(
        "POST",
        "/api/v1/inbound-notices/{notice_id}/close",
        "person",
        "record",
        lambda w, c: Call("POST", f"/api/v1/inbound-notices/{w.fresh_notice()}/close"),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    Case(
        "GET",
        "/api/v1/inbound-notices",
        "person",
        "named",
        here("/api/v1/inbound-notices"),
        shows=lambda w: w.notice,
    ),
    Case(
        "GET",
        "/api/v1/acceptances",
        "person",
        "named",
        here("/api/v1/acceptances"),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/api/v1/epcis/events",
        "person",
        "named",
        here("/api/v1/epcis/events", EQ_bizStep="loading"),  # the orders' numbers
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/api/v1/reports/monthly",
        "person",
        "named",
        lambda w, c: Call("GET", "/api/v1/reports/monthly", {"warehouse": HERE, "month": month()}),
    ),
    Case("GET", "/api/v1/coverage", "person", "named", here("/api/v1/coverage")),
    Case(
        "GET",
        "/api/v1/ledger/value",
        "person",
        "named",
        here("/api/v1/ledger/value"),
        roles=frozenset({"admin", "supervisor", "auditor"}),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/api/v1/ledger/checkpoints",
        "person",
        "named",
        here("/api/v1/ledger/checkpoints"),
        roles=frozenset({"admin", "supervisor", "auditor"}),
        shows=lambda w: w.signed_head,
    ),
    Case(
        "GET",
        "/api/v1/audit",
        "person",
        "own",
        get("/api/v1/audit"),
        roles=frozenset({"admin", "supervisor", "auditor"}),
        shows=lambda w: MARK[HERE],
    ),
    # stocktakes
    Case(
        "POST",
        "/api/v1/stocktakes",
        "person",
        "named",
        lambda w, c: Call("POST", "/api/v1/stocktakes", json={"warehouse": HERE, "zone": "A"}),
        roles=frozenset({"admin", "supervisor"}),
    ),
    Case(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/counts",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/stocktakes/{w.counting}/counts",
            json={"counts": [w.count_of_zone_a()]},
        ),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    Case(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/close",
        "person",
        "record",
        lambda w, c: Call("POST", f"/api/v1/stocktakes/{w.fresh_stocktake(counted=True)}/close"),
        roles=frozenset({"admin", "supervisor"}),
    ),
    Case(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/not-counted",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/stocktakes/{w.counting}/not-counted",
            json={"lines": [{**w.line_of_zone_a(), "reason": "sealed", "note": "待查"}]},
        ),
        roles=frozenset({"admin", "supervisor"}),
    ),
    Case(
        "GET",
        "/api/v1/stocktakes/{stocktake_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/api/v1/stocktakes/{w.closed}"),
        roles=frozenset({"admin", "supervisor", "auditor"}),  # counting is blind
    ),
    Case(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/reasons",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/stocktakes/{w.closed}/reasons",
            json={**w.line_of_zone_a(), "reason": "miscount"},
        ),
        roles=frozenset({"admin", "supervisor"}),
    ),
    Case(
        "POST",
        "/api/v1/stocktakes/{stocktake_id}/approve",
        "person",
        "record",
        lambda w, c: Call("POST", f"/api/v1/stocktakes/{w.fresh_stocktake(closed=True)}/approve"),
        roles=frozenset({"admin", "supervisor"}),
    ),
    # dispatch
    Case(
        "POST",
        "/api/v1/dispatch/allocation",
        "person",
        "own",
        lambda w, c: Call(
            "POST",
            "/api/v1/dispatch/allocation",
            json={
                "item": w.item.code,
                "qty": 100_000,
                "destination": {"lat": w.lc01.lat, "lon": w.lc01.lon},
            },
        ),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "POST",
        "/api/v1/dispatch/orders",
        "person",
        "own",
        lambda w, c: Call("POST", "/api/v1/dispatch/orders", json=order_body(w, c)),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
    ),
    Case(
        "GET",
        "/api/v1/dispatch/orders/{order_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/api/v1/dispatch/orders/{w.order}"),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "POST",
        "/api/v1/dispatch/orders/{order_id}/arrival",
        "person",
        "record",
        lambda w, c: Call("POST", f"/api/v1/dispatch/orders/{w.fresh_order(1)}/arrival", json={}),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
    ),
    Case(
        "POST",
        "/api/v1/dispatch/orders/{order_id}/cancel",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/dispatch/orders/{w.fresh_order(1)}/cancel",
            json={"reason": "灾情缓解"},
        ),
        roles=frozenset({"admin", "dispatcher"}),  # the bureau undoes its decisions
    ),
    Case(
        "POST",
        "/api/v1/dispatch/orders/{order_id}/written-order",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/dispatch/orders/{w.order}/written-order",
            json={"reference": w.number(HERE, "书面调令")},
        ),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
    ),
    Case(
        "POST",
        "/api/v1/dispatch/orders/{order_id}/handovers",
        "person",
        "record",
        lambda w, c: Call(
            "POST", f"/api/v1/dispatch/orders/{w.order}/handovers", json=handover_body()
        ),
        roles=frozenset({"admin", "supervisor", "keeper"}),
    ),
    Case(
        "GET",
        "/api/v1/dispatch/handovers/{number:path}.pdf",
        "person",
        "record",
        lambda w, c: Call("GET", f"/api/v1/dispatch/handovers/{w.note}.pdf"),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "POST",
        "/api/v1/dispatch/handovers/{number:path}/confirmation",
        "person",
        "record",
        lambda w, c: _confirmation(w, c),
        roles=HANDOVER,
    ),
    # master data
    Case("GET", "/api/v1/master/items", "person", "shared", get("/api/v1/master/items")),
    Case(
        "GET",
        "/api/v1/master/locations",
        "person",
        "named",
        here("/api/v1/master/locations"),
    ),
    Case(
        "POST",
        "/api/v1/master/{kind}",
        "person",
        "network",
        lambda w, c: Call(
            "POST",
            "/api/v1/master/suppliers",
            files={"file": ("suppliers.csv", SUPPLIERS, "text/csv")},
        ),
        roles=frozenset({"admin"}),
    ),
    Case("GET", "/api/v1/master/{kind}", "person", "shared", get("/api/v1/master/warehouses")),
    # papers
    Case(
        "GET",
        "/api/v1/acceptances/{approval_id}/form.pdf",
        "person",
        "record",
        lambda w, c: Call("GET", f"/api/v1/acceptances/{w.acceptance}/form.pdf"),
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/api/v1/bin-cards.pdf",
        "person",
        "named",
        lambda w, c: Call(
            "GET",
            "/api/v1/bin-cards.pdf",
            {"warehouse": HERE, "location": w.zone_a_line().location},
        ),
    ),
    # re-inspection, scrapping, rotation, returns
    Case(
        "POST",
        "/api/v1/reinspections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/reinspections",
            json={
                "warehouse": HERE,
                "item": w.stack("O").item.code,
                "batch": w.stack("O").batch,
                "quality_report": w.number(HERE, "复检"),
                "passed": True,
            },
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/scrapping/proposals",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/scrapping/proposals",
            json=stack_body(
                w,
                "S",
                reason="damaged",
                quality_report=w.number(HERE, "质检"),
                experts=experts(),
            ),
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/scrapping/approvals",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/scrapping/approvals",
            json={
                "warehouse": HERE,
                "proposal": w.fresh_scrap_proposal(),
                "notice": w.number(HERE, "批复"),
                "disposal": "销毁",
            },
        ),
        roles=COMMISSION,
    ),
    Case(
        "POST",
        "/api/v1/rotations",
        "person",
        "named",
        lambda w, c: Call(
            "POST", "/api/v1/rotations", json=stack_body(w, "S", plan=w.number(HERE, "轮换"))
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/rotations/approvals",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/rotations/approvals",
            json={"warehouse": HERE, "proposal": w.fresh_rotation_proposal()},
        ),
        roles=COMMISSION,
    ),
    Case(
        "POST",
        "/api/v1/returns/inspections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/returns/inspections",
            json=stack_body(
                w, "B", record_no=w.number(HERE, "归还"), restock=True, order=w.returned_order
            ),
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/returns/supplier",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/returns/supplier",
            json={
                "warehouse": HERE,
                "acceptance": w.rejection,
                "qty": 1,
                "note": w.number(HERE, "退货"),
            },
        ),
        roles=DEPOT_HEAD,
    ),
    Case(
        "POST",
        "/api/v1/scrapping/rejections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/scrapping/rejections",
            json={"warehouse": HERE, "proposal": w.fresh_scrap_proposal(), "reason": "尚可使用"},
        ),
        roles=COMMISSION,
    ),
    Case(
        "POST",
        "/api/v1/rotations/rejections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/rotations/rejections",
            json={"warehouse": HERE, "proposal": w.fresh_rotation_proposal(), "reason": "计划未批"},
        ),
        roles=COMMISSION,
    ),
    Case(
        "POST",
        "/api/v1/approvals/{approval_id}/report-file",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/api/v1/approvals/{own_reinspection(w, c.role, c.depot)}/report-file",
            files={"file": ("report.pdf", PDF, "application/pdf")},
        ),
        roles=DEPOT_HEAD,
    ),
    # the re-inspection, scrapping, rotation and returns screens
    Case("GET", "/disposal", "person", "named", here("/disposal", "depot"), page=True),
    Case(
        "POST",
        "/disposal/reinspections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/disposal/reinspections",
            data={**picked(w, "O"), "quality_report": w.number(HERE, "复检"), "passed": "true"},
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/scrapping",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/disposal/scrapping",
            data={
                **picked(w, "S"),
                "qty": "1",
                "reason": "damaged",
                "quality_report": w.number(HERE, "质检"),
                **{f"experts.{i}.{k}": v for i, e in enumerate(experts()) for k, v in e.items()},
            },
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/rotations",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/disposal/rotations",
            data={**picked(w, "S"), "qty": "1", "plan": w.number(HERE, "轮换")},
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "GET",
        "/disposal/{approval_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/disposal/{w.fresh_scrap_proposal()}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "POST",
        "/disposal/{approval_id}/approve-scrapping",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/disposal/{w.fresh_scrap_proposal()}/approve-scrapping",
            data={"notice": w.number(HERE, "批复"), "disposal": "销毁"},
        ),
        roles=COMMISSION,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/{approval_id}/approve-rotation",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/disposal/{w.fresh_rotation_proposal()}/approve-rotation",
            data={"confirm": "yes"},
        ),
        roles=COMMISSION,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/{approval_id}/reject-scrapping",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/disposal/{w.fresh_scrap_proposal()}/reject-scrapping",
            data={"reason": "可用"},
        ),
        roles=COMMISSION,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/{approval_id}/reject-rotation",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/disposal/{w.fresh_rotation_proposal()}/reject-rotation",
            data={"reason": "缓"},
        ),
        roles=COMMISSION,
        page=True,
    ),
    Case(
        "POST",
        "/disposal/{approval_id}/report",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/disposal/{own_reinspection(w, c.role, c.depot)}/report",
            files={"report_file": ("report.pdf", PDF, "application/pdf")},
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "GET",
        "/disposal/{approval_id}/report",
        "person",
        "record",
        lambda w, c: Call("GET", f"/disposal/{with_report_file(w)}/report"),
        page=True,
    ),
    Case("GET", "/returns", "person", "named", here("/returns", "depot"), page=True),
    Case(
        "POST",
        "/returns/inspections",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/returns/inspections",
            data={
                **picked(w, "B", "on_hold"),
                "qty": "1",
                "record_no": w.number(HERE, "归还"),
                "restock": "true",
                "order": w.returned_order,
            },
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "POST",
        "/returns/supplier",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/returns/supplier",
            data={
                "warehouse": HERE,
                "acceptance": str(w.rejection),
                "qty": "1",
                "note": w.number(HERE, "退货"),
            },
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    # the dashboard
    Case("GET", "/", "person", "named", here("/", "depot"), page=True),
    Case(
        "GET",
        "/partials/overview",
        "person",
        "named",
        here("/partials/overview", "depot"),
        page=True,
    ),
    Case("GET", "/doors", "person", "named", here("/doors", "depot"), page=True),
    Case("GET", "/partials/doors", "person", "named", here("/partials/doors", "depot"), page=True),
    Case("GET", "/agency", "person", "named", here("/agency", "depot"), page=True),
    Case("GET", "/orders", "person", "own", get("/orders"), page=True, shows=lambda w: MARK[HERE]),
    Case(
        "GET",
        "/partials/orders",
        "person",
        "own",
        get("/partials/orders"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/orders/{order_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/orders/{w.order}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/partials/orders/{order_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/partials/orders/{w.order}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case("GET", "/handovers", "person", "own", get("/handovers"), page=True, shows=_lc01),
    Case(
        "GET",
        "/orders/{order_id}/handover-note",
        "person",
        "record",
        lambda w, c: Call("GET", f"/orders/{w.order}/handover-note"),
        page=True,
        shows=_lc01,
    ),
    Case(
        "POST",
        "/orders/{order_id}/handover-note",
        "person",
        "record",
        lambda w, c: Call("POST", f"/orders/{w.order}/handover-note", data=handover_body()),
        roles=frozenset({"admin", "supervisor", "keeper"}),
        page=True,
    ),
    Case(
        "GET",
        "/handovers/{number:path}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/handovers/{w.note}"),
        page=True,
        shows=_lc01,
    ),
    Case(
        "POST",
        "/handovers/{number:path}/confirmation",
        "person",
        "record",
        lambda w, c: _confirmation(w, c, form=True),
        roles=HANDOVER,
        page=True,
    ),
    # labels and bin cards asked for at the centre, printed at the depot
    Case(
        "POST",
        "/api/v1/print-requests",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/api/v1/print-requests",
            json={**labels_fields(w), "kind": "labels", "qty": 1, "units": 1},
        ),
        roles=LABELS,
    ),
    Case(
        "GET",
        "/api/v1/print-requests",
        "person",
        "named",
        listing("/api/v1/print-requests"),
        shows=_lc01,
    ),
    Case("GET", "/labels", "person", "named", listing("/labels"), page=True, shows=_lc01),
    Case(
        "GET",
        "/partials/labels",
        "person",
        "named",
        listing("/partials/labels"),
        page=True,
        shows=_lc01,
    ),
    Case(
        "POST",
        "/labels",
        "person",
        "named",
        lambda w, c: Call("POST", "/labels", data=labels_fields(w)),
        roles=LABELS,
        page=True,
    ),
    Case(
        "POST",
        "/labels/cards",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/labels/cards",
            data={"depot": HERE, "printer": "PR-LC01", "location": storage_here(w)},
        ),
        roles=LABELS,
        page=True,
    ),
    Case("GET", "/inbound", "person", "own", get("/inbound"), page=True, shows=lambda w: w.notice),
    Case(
        "POST",
        "/inbound",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/inbound",
            data={
                "number": w.number(HERE, "入库通知"),
                "warehouse": HERE,
                "lines.0.item": w.item.code,
                "lines.0.qty": "5",
            },
        ),
        roles=frozenset({"admin", "supervisor", "keeper"}),
        page=True,
    ),
    Case(
        "GET",
        "/inbound/{notice_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/inbound/{w.notice_id()}"),
        page=True,
        shows=lambda w: w.notice,
    ),
    Case(
        "GET",
        "/partials/inbound/{notice_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/partials/inbound/{w.notice_id()}"),
        page=True,
        shows=lambda w: w.item.code,
    ),
    Case(
        "POST",
        "/inbound/{notice_id}/close",
        "person",
        "record",
        lambda w, c: Call("POST", f"/inbound/{w.fresh_notice()}/close", data={"confirm": "yes"}),
        roles=frozenset({"admin", "supervisor", "keeper"}),
        page=True,
    ),
    Case(
        "GET",
        "/orders/new",
        "person",
        "own",
        get("/orders/new"),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        page=True,
    ),
    Case(
        "POST",
        "/orders/new",
        "person",
        "own",
        lambda w, c: Call("POST", "/orders/new", data=order_form(w, c)),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        page=True,
    ),
    Case(
        "POST",
        "/orders",
        "person",
        "own",
        lambda w, c: Call("POST", "/orders", data=order_form(w, c)),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        page=True,
    ),
    Case(
        "POST",
        "/orders/{order_id}/written-order",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/orders/{w.order}/written-order",
            data={"reference": w.number(HERE, "书面调令")},
        ),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        page=True,
    ),
    Case(
        "POST",
        "/orders/{order_id}/arrival",
        "person",
        "record",
        lambda w, c: Call("POST", f"/orders/{w.fresh_order(1)}/arrival", data={}),
        roles=frozenset({"admin", "supervisor", "dispatcher"}),
        page=True,
    ),
    Case(
        "POST",
        "/orders/{order_id}/cancel",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/orders/{w.fresh_order(1)}/cancel",
            data={"reason": "灾情缓解", "confirm": "yes"},
        ),
        roles=frozenset({"admin", "dispatcher"}),  # the bureau undoes its decisions
        page=True,
    ),
    Case(
        "GET",
        "/acceptance",
        "person",
        "own",
        get("/acceptance"),
        page=True,
        shows=lambda w: w.stack("P").batch,
    ),
    Case(
        "GET",
        "/partials/acceptance",
        "person",
        "own",
        get("/partials/acceptance"),
        page=True,
        shows=lambda w: w.stack("P").batch,
    ),
    Case(
        "GET",
        "/acceptance/decide",
        "person",
        "named",
        lambda w, c: Call("GET", "/acceptance/decide", decide_params(w)),
        page=True,
        shows=lambda w: w.stack("P").batch,
    ),
    Case(
        "POST",
        "/acceptance",
        "person",
        "named",
        lambda w, c: Call(
            "POST",
            "/acceptance",
            data={
                **decide_params(w),
                "qty": "1",
                "decision": "accepted",
                "inspection.record_no": w.number(HERE, "验收"),
                "inspection.sampled": "1",
                "inspection.result": "pass",
                "inspection.quality_report": w.number(HERE, "检测"),
            },
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "GET",
        "/acceptance/{approval_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/acceptance/{w.acceptance}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "POST",
        "/acceptance/{approval_id}/report",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/acceptance/{w.fresh_acceptance()}/report",
            data={"reference": w.number(HERE, "验收报告")},
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case(
        "POST",
        "/acceptance/{approval_id}/quality-report",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/acceptance/{w.fresh_acceptance()}/quality-report",
            files={"report_file": ("scan.png", REPORT_SCAN, "image/png")},
        ),
        roles=DEPOT_HEAD,
        page=True,
    ),
    Case("GET", "/stocktakes", "person", "own", get("/stocktakes"), page=True),
    Case("GET", "/partials/stocktakes", "person", "own", get("/partials/stocktakes"), page=True),
    Case(
        "POST",
        "/stocktakes",
        "person",
        "named",
        lambda w, c: Call(
            "POST", "/stocktakes", data={"warehouse": HERE, "zone": "A", "tolerance": "0"}
        ),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "GET",
        "/stocktakes/{stocktake_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/stocktakes/{w.closed}"),
        page=True,
    ),
    Case(
        "GET",
        "/partials/stocktakes/{stocktake_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/partials/stocktakes/{w.closed}"),
        page=True,
    ),
    Case(
        "POST",
        "/stocktakes/{stocktake_id}/close",
        "person",
        "record",
        lambda w, c: Call("POST", f"/stocktakes/{w.fresh_stocktake(counted=True)}/close"),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "POST",
        "/stocktakes/{stocktake_id}/reasons",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/stocktakes/{w.closed}/reasons",
            data={**w.line_of_zone_a(), "reason": "damaged"},
        ),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "POST",
        "/stocktakes/{stocktake_id}/not-counted",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/stocktakes/{w.counting}/not-counted",
            data={
                **{f"lines.0.{k}": v for k, v in w.line_of_zone_a().items()},
                "lines.0.reason": "sealed",
            },
        ),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "POST",
        "/stocktakes/{stocktake_id}/approve",
        "person",
        "record",
        lambda w, c: Call(
            "POST", f"/stocktakes/{w.fresh_stocktake(closed=True)}/approve", data={"confirm": "yes"}
        ),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "GET",
        "/approvals",
        "person",
        "own",
        get("/approvals"),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "GET",
        "/partials/approvals",
        "person",
        "own",
        get("/partials/approvals"),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "POST",
        "/approvals/stocktakes/{stocktake_id}",
        "person",
        "record",
        lambda w, c: Call(
            "POST",
            f"/approvals/stocktakes/{w.fresh_stocktake(closed=True)}",
            data={"confirm": "yes"},
        ),
        roles=frozenset({"admin", "supervisor"}),
        page=True,
    ),
    Case(
        "GET",
        "/ledger",
        "person",
        "named",
        here("/ledger", "depot", batch=f"{MARK[HERE]}-S"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/ledger/postings",
        "person",
        "named",
        lambda w, c: Call(
            "GET",
            "/ledger/postings",
            {
                "depot": HERE,
                "location": w.stack("S").location,
                "item": w.stack("S").item.code,
                "batch": w.stack("S").batch,
            },
        ),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/ledger/events/{event_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/ledger/events/{w.events[0]}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/ledger/approvals/{approval_id}",
        "person",
        "record",
        lambda w, c: Call("GET", f"/ledger/approvals/{w.acceptance}"),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/audit",
        "person",
        "own",
        get("/audit"),
        roles=frozenset({"admin", "supervisor", "auditor"}),
        page=True,
        shows=lambda w: MARK[HERE],
    ),
    Case(
        "GET",
        "/reports",
        "person",
        "named",
        lambda w, c: Call("GET", "/reports", {"depot": HERE, "month": month()}),
        page=True,
    ),
    Case("GET", "/coverage", "person", "named", here("/coverage", "depot"), page=True),
    Case(
        "GET",
        "/upward",
        "person",
        "named",
        lambda w, c: Call("GET", "/upward", {"depot": HERE}),
        page=True,
    ),
    Case(
        "GET",
        "/live",
        "person",
        "named",
        lambda w, c: Call("GET", "/live", {"depot": HERE}, stream=True),
        page=True,
    ),
    # the network's administration: master data, people, gateways (API and pages)
    Case("GET", "/api/v1/users", "person", "network", get("/api/v1/users"), roles=PEOPLE),
    Case(
        "POST",
        "/api/v1/users",
        "person",
        "network",
        lambda w, c: Call("POST", "/api/v1/users", json=new_person(w)),
        roles=PEOPLE,
    ),
    Case(
        "PUT",
        "/api/v1/users/{username}",
        "person",
        "network",
        lambda w, c: Call("PUT", f"/api/v1/users/{fresh_person(w)}", json={"role": "supervisor"}),
        roles=PEOPLE,
    ),
    Case(
        "POST",
        "/api/v1/users/{username}/disable",
        "person",
        "network",
        lambda w, c: Call("POST", f"/api/v1/users/{fresh_person(w)}/disable"),
        roles=PEOPLE,
    ),
    Case(
        "POST",
        "/api/v1/users/{username}/enable",
        "person",
        "network",
        lambda w, c: Call("POST", f"/api/v1/users/{fresh_person(w)}/enable"),
        roles=PEOPLE,
    ),
    Case(
        "PUT",
        "/api/v1/users/{username}/password",
        "person",
        "network",
        lambda w, c: Call(
            "PUT",
            f"/api/v1/users/{fresh_person(w)}/password",
            json={"password": "another-password-1"},
        ),
        roles=PEOPLE,
    ),
    Case(
        "GET",
        "/api/v1/gateway-clients",
        "person",
        "network",
        get("/api/v1/gateway-clients"),
        roles=PEOPLE,
    ),
    Case(
        "POST",
        "/api/v1/gateway-clients",
        "person",
        "network",
        lambda w, c: Call(
            "POST",
            "/api/v1/gateway-clients",
            json={"client_id": w.number(HERE, "gw"), "warehouse": HERE},
        ),
        roles=PEOPLE,
    ),
    Case(
        "POST",
        "/api/v1/gateway-clients/{client_id}/revoke",
        "person",
        "network",
        lambda w, c: Call("POST", f"/api/v1/gateway-clients/{fresh_gateway(w)}/revoke"),
        roles=PEOPLE,
    ),
    Case(
        "GET",
        "/masterdata",
        "person",
        "network",
        get("/masterdata", kind="suppliers"),
        roles=frozenset({"admin"}),
        page=True,
    ),
    Case(
        "POST",
        "/masterdata/{kind}",
        "person",
        "network",
        lambda w, c: Call(
            "POST",
            "/masterdata/suppliers",
            files={"file": ("suppliers.csv", SUPPLIERS, "text/csv")},
        ),
        roles=frozenset({"admin"}),
        page=True,
    ),
    Case("GET", "/people", "person", "network", get("/people"), roles=PEOPLE, page=True),
    Case(
        "POST",
        "/people",
        "person",
        "network",
        lambda w, c: Call("POST", "/people", data=new_person(w)),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "GET",
        "/people/{username}",
        "person",
        "network",
        lambda w, c: Call("GET", f"/people/{username('keeper', HERE)}"),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "POST",
        "/people/{username}",
        "person",
        "network",
        lambda w, c: Call("POST", f"/people/{fresh_person(w)}", data={"role": "supervisor"}),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "POST",
        "/people/{username}/password",
        "person",
        "network",
        lambda w, c: Call(
            "POST",
            f"/people/{fresh_person(w)}/password",
            data={"password": "another-password-1"},
        ),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "POST",
        "/people/{username}/disable",
        "person",
        "network",
        lambda w, c: Call("POST", f"/people/{fresh_person(w)}/disable", data={"confirm": "yes"}),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "POST",
        "/people/{username}/enable",
        "person",
        "network",
        lambda w, c: Call("POST", f"/people/{fresh_person(w)}/enable", data={"confirm": "yes"}),
        roles=PEOPLE,
        page=True,
    ),
    Case("GET", "/gateways", "person", "network", get("/gateways"), roles=PEOPLE, page=True),
    Case(
        "POST",
        "/gateways",
        "person",
        "network",
        lambda w, c: Call(
            "POST", "/gateways", data={"client_id": w.number(HERE, "gw"), "warehouse": HERE}
        ),
        roles=PEOPLE,
        page=True,
    ),
    Case(
        "POST",
        "/gateways/{client_id}/revoke",
        "person",
        "network",
        lambda w, c: Call("POST", f"/gateways/{fresh_gateway(w)}/revoke", data={"confirm": "yes"}),
        roles=PEOPLE,
        page=True,
    ),
)

__all__ = ["CASES", "Call", "Case", "Outcome", "expect", "route_keys", "username"]
