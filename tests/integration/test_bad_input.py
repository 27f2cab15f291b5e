"""Nothing a device or a person sends stops the server: each case of bad input through the
real server (uvicorn, SQLite and PostgreSQL) is answered with a 4xx and its reason, and a bad
event in a batch is rejected alone while the others go on."""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text, update
from sqlalchemy.exc import IntegrityError

from harness.depot import Depot, ServerProcess, prepare_database
from harness.procs import DEPOT
from kernel.clock import system_clock
from server.domain.bounds import MAX_QTY, MAX_STOCK
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.events import Caller, ingest
from server.storage.db import make_engine
from server.storage.tables import stock
from server.web.errors import MAX_BODY

BIG = 2**63 - 1


def receiving(depot: Depot, **overrides: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": "receiving",
        "warehouse": "LC01",
        "occurred_at": "2026-11-23T09:14:03+08:00",
        "location": "D01",
        "gtin": depot.example.items[3].gtin,
        "batch": "2026BAD",
        "qty": 8,
        **overrides,
    }


def post_events(server: ServerProcess, depot: Depot, events: list[Any]) -> list[dict[str, Any]]:
    answer = httpx.post(
        f"{server.url}/api/v1/events",
        content=json.dumps({"events": events}).encode(),  # as JSON escapes, lone surrogates too
        headers={
            "Authorization": f"Bearer {depot.gateway_token}",
            "Content-Type": "application/json",
        },
    )
    assert answer.status_code == 200, answer.text
    results: list[dict[str, Any]] = answer.json()["results"]
    return results


def door_stock(server: ServerProcess, batch: str = "2026BAD") -> int:
    with server.login() as admin:
        rows = admin.get(
            "/api/v1/stock", params={"warehouse": "LC01", "location": "D01", "batch": batch}
        ).json()["rows"]
    return sum(r["qty"] for r in rows)


def test_huge_quantities_are_rejected_one_by_one(server: ServerProcess, depot: Depot) -> None:
    good = receiving(depot)
    huge = [receiving(depot, qty=BIG), receiving(depot, qty=BIG)]
    beyond = receiving(depot, qty=BIG + 1)
    results = post_events(server, depot, [huge[0], good, huge[1], beyond])
    assert [r["result"] for r in results] == ["rejected", "accepted", "rejected", "rejected"]
    assert results[0]["reason"].startswith("bad_quantity")
    assert results[3]["reason"].startswith("bad_number")
    assert all(r["malformed"] is True for r in (results[0], results[2], results[3]))
    assert "malformed" not in results[1]
    assert [r["status"] for r in results] == [422, 201, 422, 422]
    assert door_stock(server) == 8
    # sent again (the gateway retrying), the malformed ones say so again
    again = post_events(server, depot, [huge[0]])
    assert again[0]["result"] == "duplicate" and again[0]["original"] == "rejected"
    assert again[0]["malformed"] is True
    # the largest quantity one read may carry is taken
    assert post_events(server, depot, [receiving(depot, qty=MAX_QTY)])[0]["result"] == "accepted"
    verify = subprocess.run(
        [DEPOT, "server", "verify-ledger", "--db", depot.db_url], capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stdout


def test_events_that_cannot_be_stored_are_rejected_alone(
    server: ServerProcess, depot: Depot
) -> None:
    good = receiving(depot)
    bad = [
        "not an object",
        {"event_id": "\ud800", "type": "receiving"},
        receiving(depot, batch="B\ud800"),
        receiving(depot, location="D01\x00"),
        receiving(depot, operator="x" * 65),
        receiving(depot, note="y" * 20_000),
        receiving(depot, **{f"note{n}": "z" * 900 for n in range(20)}),
        receiving(depot, qty=8.0),
        receiving(depot, qty=True),
        receiving(depot, extra=[[[[[1]]]]]),
        receiving(depot, type="teleporting"),
    ]
    results = post_events(server, depot, [*bad, good])
    assert [r["result"] for r in results] == ["rejected"] * len(bad) + ["accepted"]
    codes = [r["reason"].split(":")[0] for r in results[:-1]]
    assert codes == [
        "bad_event_id",
        "bad_event_id",
        "bad_text",
        "bad_text",
        "bad_field",
        "bad_text",
        "too_large",
        "bad_quantity",
        "bad_quantity",
        "too_large",
        "unsupported_type",
    ]
    assert all(r.get("malformed") is True for r in results[:-1])
    assert door_stock(server) == 8
    # a refusal of a well-formed event is not malformed: the gateway may see it differently
    unknown = post_events(server, depot, [receiving(depot, gtin="06999999999994")])[0]
    assert unknown["reason"].startswith("unknown_gtin") and "malformed" not in unknown


def test_a_stock_line_never_grows_past_its_limit(server: ServerProcess, depot: Depot) -> None:
    first = post_events(server, depot, [receiving(depot)])
    assert first[0]["result"] == "accepted"
    engine = make_engine(depot.db_url)
    with engine.begin() as conn:  # a line near the limit (as after years of receipts)
        conn.execute(update(stock).where(stock.c.qty == 8).values(qty=MAX_STOCK - 5))
    results = post_events(server, depot, [receiving(depot, qty=10), receiving(depot, qty=5)])
    assert [r["result"] for r in results] == ["rejected", "accepted"]
    assert results[0]["reason"].startswith("stock_limit") and results[0]["status"] == 409
    assert door_stock(server) == MAX_STOCK
    with pytest.raises(IntegrityError), engine.begin() as conn:  # the CHECK of migration 0014
        conn.execute(update(stock).where(stock.c.qty == MAX_STOCK).values(qty=MAX_STOCK + 1))
    engine.dispose()


STACK = {"item": "x", "batch": "b", "location": "D01", "qty": 1}
UNKNOWN_WAREHOUSE = [
    ("/api/v1/stocktakes", {"warehouse": "ZZ99"}),
    (
        "/api/v1/scrapping/proposals",
        {
            "warehouse": "ZZ99",
            **STACK,
            "reason": "damaged",
            "quality_report": "ZJ-1",
            "experts": [{"name": n, "opinion": "同意报废"} for n in ("甲", "乙", "丙")],
        },
    ),
    (
        "/api/v1/scrapping/approvals",
        {"warehouse": "ZZ99", "proposal": 1, "notice": "PF-1", "disposal": "销毁"},
    ),
    ("/api/v1/rotations", {"warehouse": "ZZ99", **STACK, "plan": "LH-1"}),
    ("/api/v1/rotations/approvals", {"warehouse": "ZZ99", "proposal": 1}),
    (
        "/api/v1/returns/inspections",
        {"warehouse": "ZZ99", **STACK, "record_no": "JC-1", "restock": True},
    ),
    ("/api/v1/returns/supplier", {"warehouse": "ZZ99", "acceptance": 1, "qty": 1, "note": "TH"}),
    (
        "/api/v1/inbound-notices",
        {"number": "RK-1", "warehouse": "ZZ99", "lines": [{"item": "x", "qty": 1}]},
    ),
]


@pytest.mark.parametrize(("path", "body"), UNKNOWN_WAREHOUSE, ids=[p for p, _ in UNKNOWN_WAREHOUSE])
def test_an_unknown_warehouse_is_a_404_with_its_reason(
    server: ServerProcess, path: str, body: dict[str, Any]
) -> None:
    with server.login() as admin:
        answer = admin.post(path, json=body)
    assert answer.status_code == 404, answer.text
    assert answer.json()["detail"]["reason"] == "unknown_warehouse"


OUT_OF_RANGE = [
    "/api/v1/stocktakes/9223372036854775808",
    "/api/v1/stocktakes/99999999999999999999999",
    "/api/v1/stock?offset=1e20",
    "/api/v1/stock?offset=100000000000000000000",
    "/api/v1/stock?limit=-1",
    "/api/v1/dispatch/orders/1e20",
    "/api/v1/dispatch/orders/9223372036854775808",
    "/api/v1/acceptances/9223372036854775808/form.pdf",
    "/api/v1/stock?item=%00",
    "/api/v1/audit?actor=a%00b",
]
PAGES = [
    "/orders/1e20",
    "/orders/100000000000000000000",
    "/orders/-5",
    "/orders?p=1e20",
    "/ledger?p=1e20",
    "/ledger?p=100000000000000000000",
    "/ledger?p=0",
    "/ledger?item=%00",
    "/audit?p=1e20",
    "/audit?p=9223372036854775808",
    "/ledger/approvals/9223372036854775808",
    "/partials/orders/9223372036854775808",
]


def test_numbers_out_of_range_in_paths_and_queries_are_422(server: ServerProcess) -> None:
    with server.login() as admin:
        for path in OUT_OF_RANGE + PAGES:
            answer = admin.get(path)
            assert answer.status_code == 422, (path, answer.status_code, answer.text)
            assert answer.json()["detail"][0]["loc"][0] in ("path", "query")
        # in range, a page that does not exist is there and says so
        assert admin.get("/ledger?p=100000").status_code == 200
        assert admin.get("/audit?p=100000").status_code == 200


def test_text_that_cannot_be_stored_is_a_422(server: ServerProcess) -> None:
    with server.login() as admin:
        for raw in (
            b'{"warehouse": "LC01", "zone": "\\ud800"}',
            b'{"warehouse": "LC\\u0000"}',
            b'{"warehouse": "\\udfff\\ud800"}',
        ):
            answer = admin.post(
                "/api/v1/stocktakes", content=raw, headers={"content-type": "application/json"}
            )
            assert answer.status_code == 422, answer.text
            assert "\\ud800" not in answer.text  # the answer never echoes what it refused


def _reserved_order(server: ServerProcess, depot: Depot, admin: httpx.Client) -> dict[str, Any]:
    """An order that reserved 6 of a batch accepted at LC01's door."""
    item = depot.example.items[0]
    engine = make_engine(depot.db_url)
    event = receiving(depot, gtin=item.gtin, batch="LOAD1", qty=10)
    assert (
        ingest(engine, Caller("gateway-LC01", "LC01"), [event], now=system_clock())[0].result
        == "accepted"
    )
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            "LC01",
            item.code,
            "LOAD1",
            "D01",
            10,
            "accepted",
            Inspection("YS", 1, "pass", "ZJ-2026-0457"),
        ),
        now=system_clock(),
    )
    engine.dispose()
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    answer = admin.post(
        "/api/v1/dispatch/orders",
        json={
            "number": "DD-1",
            "kind": "request",
            "basis": "绵应急调〔2026〕1号",
            "destination": "北川县安置点",
            "lat": lc01.lat,
            "lon": lc01.lon,
            "lines": [{"item": item.code, "qty": 6}],
        },
    )
    assert answer.status_code == 201, answer.text
    return {"id": answer.json()["id"], "gtin": item.gtin}


def reserved(admin: httpx.Client) -> int:
    rows = admin.get(
        "/api/v1/stock", params={"warehouse": "LC01", "batch": "LOAD1", "status": "reserved"}
    ).json()["rows"]
    return sum(r["qty"] for r in rows)


def test_a_load_for_an_order_that_does_not_exist_takes_nothing(
    server: ServerProcess, depot: Depot
) -> None:
    with server.login() as admin:
        order = _reserved_order(server, depot, admin)
        assert reserved(admin) == 6

        def load(number: str, qty: int = 6) -> dict[str, Any]:
            event = receiving(
                depot, type="loading", order=number, from_location="D01", batch="LOAD1"
            )
            event.update(gtin=order["gtin"], qty=qty)
            del event["location"]
            return post_events(server, depot, [event])[0]

        nowhere = load("DD-NONE")
        assert nowhere["result"] == "rejected" and nowhere["reason"].startswith("unknown_order")
        assert nowhere["status"] == 404 and "malformed" not in nowhere
        assert reserved(admin) == 6  # the reservation of DD-1 is untouched
        engine = make_engine(depot.db_url)
        create_user(engine, "qin", "a-long-enough-password", role="dispatcher", now=system_clock())
        engine.dispose()
        with server.login(("qin", "a-long-enough-password")) as bureau:  # not its planner
            cancelled = bureau.post(
                f"/api/v1/dispatch/orders/{order['id']}/cancel", json={"reason": "x"}
            )
        assert cancelled.status_code == 200, cancelled.text
        late = load("DD-1", 2)
        assert late["result"] == "rejected" and late["reason"].startswith("not_open")


def test_verify_ledger_reports_every_problem_and_never_crashes(tmp_path: Path) -> None:
    depot = prepare_database(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    engine = make_engine(depot.db_url)
    events = [receiving(depot, batch=f"V{n}", qty=n) for n in (1, 2, 3)]
    assert all(
        r.result == "accepted"
        for r in ingest(engine, Caller("g", "LC01"), events, now=system_clock())
    )
    with engine.begin() as conn:  # damage of every kind, past the database's own checks
        conn.execute(text("PRAGMA ignore_check_constraints = ON"))
        conn.execute(text("UPDATE postings SET qty = 9223372036854775807 WHERE id = 1"))
        conn.execute(text("UPDATE postings SET qty = 9223372036854775807 WHERE id = 2"))
        conn.execute(text("UPDATE stock SET qty = 9223372036854775807 + 1.5 WHERE qty = 2"))
        conn.execute(text("DELETE FROM stock WHERE qty = 3"))
    engine.dispose()
    verify = subprocess.run(
        [DEPOT, "server", "verify-ledger", "--db", depot.db_url], capture_output=True, text=True
    )
    assert verify.returncode == 1, verify.stderr
    assert "Traceback" not in verify.stderr
    out = verify.stdout
    code = depot.example.items[3].code
    big = "pending_acceptance 9223372036854775807"
    for n in (1, 2):  # each named by its codes (depot, location, item, batch)
        named = f"posting {n} (LC01 D01 {code} batch V{n} {big}): its content does not match"
        assert named in out
    # a float where a whole number belongs
    assert f"stock LC01 D01 {code} batch V2 pending_acceptance: stock says 9.22" in out
    assert f"stock LC01 D01 {code} batch V3 pending_acceptance: missing from stock; its " in out
    assert out.count("\n  ") >= 4


def test_the_openapi_documents_errors_and_files(server: ServerProcess) -> None:
    schema = httpx.get(f"{server.url}/openapi.json").json()
    paths = schema["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            answers = operation["responses"]
            if path.startswith("/api/v1/") and path != "/api/v1/sessions":
                assert "401" in answers, (method, path)
            for status in answers:
                if status.startswith("4"):
                    ref = answers[status]["content"]["application/json"]["schema"]["$ref"]
                    assert ref.endswith("/Problem"), (method, path, status)
    assert "429" in paths["/api/v1/sessions"]["post"]["responses"]
    pdf = paths["/api/v1/bin-cards.pdf"]["get"]["responses"]["200"]["content"]
    assert set(pdf) == {"application/pdf"}
    tables = paths["/api/v1/reports/monthly"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/json"} <= set(tables)
    offset = next(p for p in paths["/api/v1/stock"]["get"]["parameters"] if p["name"] == "offset")
    assert offset["schema"]["maximum"] <= 2**63 - 1
    # the pages are for people with a session, not in the API's schema (tested above)
    assert not any(p.startswith(("/ledger", "/orders", "/audit")) for p in paths)


def test_a_body_larger_than_any_route_takes_is_refused_unread(server: ServerProcess) -> None:
    with server.login() as admin:
        answer = admin.post(
            "/api/v1/stocktakes",
            content=b" " * (MAX_BODY + 1),
            headers={"content-type": "application/json"},
        )
    assert answer.status_code == 413 and "MiB" in answer.json()["detail"]
