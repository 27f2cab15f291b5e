"""A depot's people see and act on their own depot only: every route of the server, called
as every kind of caller, against a real server with two depots.

The routes come from the application itself; `harness/scope_cases.py` says for each one who
may call it, how its depot is found, and how to make a valid request for LC01's data. Each
route is called anonymously, by each depot's gateway, and by a person of every role bound to
LC01 (the depot concerned), bound to LC02 (another depot) and bound to none. A route the
table does not know fails the test: a new route needs its scope rule written down.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pypdf
import pytest

from harness.depot import ServerProcess
from harness.forms import origin, token_on
from harness.scope_cases import CASES, Call, Case, Outcome, expect, route_keys
from harness.scope_world import HERE, MARK, PASSWORD, THERE, Caller, World, username, world_of
from kernel.clock import system_clock
from server.web.app import create_app


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    made = world_of(db_url)
    yield made
    made.engine.dispose()


@pytest.fixture
def running(world: World, tmp_path: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield process
    process.stop()


def send(client: httpx.Client, caller: Caller, call: Call) -> tuple[int, dict[str, str], str]:
    """Status, headers and the text a reader would see (a PDF's text; a stream's start).
    A form goes as a browser sends it: from the site's own page, with its security token."""
    headers, data = caller.headers(), call.data
    client.cookies.clear()  # no session but a token's: a caller is who its headers say
    if call.method not in ("GET", "HEAD") and call.json is None and not headers:
        data = {**(call.data or {}), "csrf_token": token_on(client, "/login")}
        headers = {"Origin": origin(client)}
    request = client.build_request(
        call.method,
        call.path,
        params=call.params,
        json=call.json,
        data=data,
        files=call.files,
        headers=headers,
    )
    answer = client.send(request, stream=True)
    try:
        if call.stream and answer.status_code == 200:
            body = next(answer.iter_bytes(), b"")
        else:
            body = answer.read()
    finally:
        answer.close()
    headers = dict(answer.headers)
    if headers.get("content-type", "").startswith("application/pdf") and body:
        reader = pypdf.PdfReader(io.BytesIO(body))
        return answer.status_code, headers, "\n".join(p.extract_text() for p in reader.pages)
    return answer.status_code, headers, body.decode("utf-8", "replace")


def verdict(case: Case, outcome: Outcome, status: int, headers: dict[str, str]) -> bool:
    to_login = status in (302, 303) and headers.get("location", "").endswith("/login")
    if outcome is Outcome.OK:  # a public route may send one to the login page (logout)
        return 200 <= status < 400 and (case.who == "anyone" or not to_login)
    if outcome is Outcome.LOGIN:
        return to_login if case.page else status == 401
    if outcome is Outcome.ROLE:
        return status == 403
    return status in (403, 404)


# The table's routes are called in shards, each on a world and server of its own, so that a
# shard's time stays well inside the test timeout as screens add routes (a whole pass is some
# 2,500 calls, each with the depot's state read before and after).
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_route_as_every_caller(running: ServerProcess, world: World, shard: int) -> None:
    known = {case.key for case in CASES}
    served = route_keys(create_app(world.engine, system_clock))
    assert served - known == set(), "new routes without a scope rule in harness/scope_cases.py"
    assert known - served == set(), "the table names routes the server no longer has"
    callers = world.callers(running.url)
    failures: list[str] = []
    counts = dict.fromkeys(Outcome, 0)
    with httpx.Client(base_url=running.url, timeout=60) as client:
        for case in CASES[shard::SHARDS]:
            for caller in callers:
                outcome = expect(case, caller)
                counts[outcome] += 1
                failures += judged(client, world, case, caller, outcome)
    calls = sum(counts.values())
    assert not failures, f"{len(failures)} of {calls} calls:\n" + "\n".join(failures)
    # every kind of answer was asked for, not only the easy ones
    assert all(counts.values()), counts


def judged(
    client: httpx.Client, world: World, case: Case, caller: Caller, outcome: Outcome
) -> list[str]:
    """What is wrong with the answer to one call: its status, anything of LC01 reaching a
    caller of LC02, a refused call that changed something, LC01's own data missing."""
    call = case.build(world, caller)
    before = world.snapshot()
    status, headers, text = send(client, caller, call)
    where = f"{caller.name} {call.method} {call.path}"
    wrong = []
    if not verdict(case, outcome, status, headers):
        wrong.append(f"{where}: {status}, should be {outcome.value}: {text[:200]}")
    leaked = sorted(s for s in world.secrets_of(HERE) if s in text)
    if caller.depot == THERE and leaked:
        wrong.append(f"{where}: LC01's {leaked[:3]} reached a caller of LC02")
    elsewhere = case.inside and caller.kind == "device" and caller.depot == THERE
    if (outcome is not Outcome.OK or elsewhere) and world.snapshot() != before:
        wrong.append(f"{where}: refused, yet something changed")
    if elsewhere and not refused_each(text):
        wrong.append(f"{where}: another depot's event was not refused")
    sees_here = caller.kind == "person" and caller.depot in (None, HERE)
    if outcome is Outcome.OK and case.shows and sees_here and case.shows(world) not in text:
        wrong.append(f"{where}: LC01's own data is missing")
    return wrong


def refused_each(text: str) -> bool:
    results = json.loads(text)["results"]
    return bool(results) and all(r["result"] == "rejected" for r in results)


def login(server: ServerProcess, role: str, depot: str | None) -> httpx.Client:
    return server.login((username(role, depot), PASSWORD))


def test_a_depot_sees_its_part_of_an_order_that_spans_two(
    running: ServerProcess, world: World
) -> None:
    order, notes = world.multi, world.multi_notes
    with (
        login(running, "supervisor", THERE) as there,
        login(running, "keeper", HERE) as here,
        login(running, "dispatcher", None) as bureau,
    ):
        whole = bureau.get(f"/api/v1/dispatch/orders/{order}").json()
        part = there.get(f"/api/v1/dispatch/orders/{order}").json()
        mine = here.get(f"/api/v1/dispatch/orders/{order}").json()
        assert {p["warehouse"] for p in whole["picks"]} == {HERE, THERE}
        assert {p["warehouse"] for p in part["picks"]} == {THERE}
        assert {p["warehouse"] for p in mine["picks"]} == {HERE}
        assert [n["number"] for n in part["handovers"]] == [notes[THERE]]
        assert [n["number"] for n in mine["handovers"]] == [notes[HERE]]
        # what is asked of each depot: its share; the shortfall is the bureau's business
        share = sum(p["qty"] for p in part["picks"])
        assert [(line["qty"], line["shortfall"]) for line in part["lines"]] == [(share, None)]
        assert whole["lines"][0]["qty"] == share + sum(p["qty"] for p in mine["picks"])
        for text in (
            json.dumps(part, ensure_ascii=False),
            there.get(f"/orders/{order}").text,
            there.get(f"/partials/orders/{order}").text,
        ):
            assert MARK[THERE] in text and MARK[HERE] not in text
        listed = there.get("/orders").text
        assert whole["number"] in listed and MARK[HERE] not in listed
        assert there.get(f"/handovers/{notes[THERE]}").status_code == 200
        assert there.get(f"/handovers/{notes[HERE]}").status_code == 404
        assert there.get(f"/api/v1/dispatch/handovers/{notes[HERE]}.pdf").status_code == 404
        # changes to the whole order are the bureau's: it takes from LC01 too
        with login(running, "dispatcher", THERE) as depot_dispatcher:
            before = world.snapshot()
            for action, body in (
                ("cancel", {"reason": "x"}),
                ("arrival", {}),
                ("written-order", {"reference": "x"}),
            ):
                refused = depot_dispatcher.post(
                    f"/api/v1/dispatch/orders/{order}/{action}", json=body
                )
                assert refused.status_code == 403, (action, refused.text)
            assert world.snapshot() == before
        cancelled = bureau.post(f"/api/v1/dispatch/orders/{order}/cancel", json={"reason": "解除"})
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    with login(running, "auditor", THERE) as auditor:
        entries = auditor.get("/api/v1/audit").json()["rows"]
    assert entries and {e["warehouse"] for e in entries} == {THERE}
    cancel = [json.loads(e["detail"]) for e in entries if e["action"] == "dispatch_cancel"]
    assert [c["released"] for c in cancel] == [share - 1]  # LC02's share, less what it loaded


def test_depot_people_plan_from_their_own_stock(running: ServerProcess, world: World) -> None:
    item = world.shared_item.code
    near = {"lat": world.lc01.lat, "lon": world.lc01.lon}
    with login(running, "supervisor", THERE) as there, login(running, "keeper", HERE) as here:
        preview = there.post(
            "/api/v1/dispatch/allocation", json={"item": item, "qty": 10, "destination": near}
        ).json()
        assert preview["takes"] and {t["warehouse"] for t in preview["takes"]} == {THERE}
        held = stock(here, item)
        created = there.post(
            "/api/v1/dispatch/orders",
            json={
                "number": world.number(THERE, "调"),
                "kind": "request",
                "basis": "代储点自行调运",
                "destination": "梓潼县安置点",
                **near,
                "lines": [{"item": item, "qty": 3}],
            },
        )
        assert created.status_code == 201, created.text
        order = created.json()
        assert order["depot"] == THERE
        assert [p["warehouse"] for p in order["picks"]] == [THERE]
        assert stock(here, item) == held  # LC01's stock is LC01's to give
        assert here.get(f"/api/v1/dispatch/orders/{order['id']}").status_code == 404
        assert order["number"] in there.get("/orders").text


def stock(client: httpx.Client, item: str) -> int:
    rows = client.get("/api/v1/stock", params={"item": item, "limit": "1000"}).json()["rows"]
    return sum(r["qty"] for r in rows)


def test_keys_no_record_has_are_not_found(running: ServerProcess, world: World) -> None:
    """Odd keys in a path are records nobody has (404), or not ids at all, or ids out of
    bounds (422); never a database error."""
    with login(running, "auditor", None) as auditor:
        for path in (
            "/ledger/events/%00",
            f"/ledger/events/{'x' * 5000}",
            "/api/v1/dispatch/handovers/%00.pdf",
        ):
            assert auditor.get(path).status_code == 404, path
        for path in (  # not ids: outside every id's bounds (server/domain/bounds.py)
            "/api/v1/dispatch/orders/abc",
            "/api/v1/dispatch/orders/99999999999",
            "/api/v1/stocktakes/-1",
        ):
            assert auditor.get(path).status_code == 422, path
    # an id written another way is the same record, and still another depot's (asked by a
    # dispatcher of LC02, who may cancel orders of their own depot)
    order = world.order
    with login(running, "dispatcher", THERE) as there:
        for spelled in (f"+{order}", f"{order}.0", f"0{order}", f"%20{order}"):
            assert there.get(f"/api/v1/dispatch/orders/{spelled}").status_code == 404, spelled
            assert there.get(f"/orders/{spelled}").status_code == 404, spelled
            cancel = there.post(f"/api/v1/dispatch/orders/{spelled}/cancel", json={"reason": "x"})
            assert cancel.status_code == 404, spelled
