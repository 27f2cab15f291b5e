"""Agency storage points (代储点, art. 9) on a real server: their contracts imported as master
data (a bad line named with its reason, nothing imported), and the page that sets each
contract's items against what the point holds, scoped by depot like every other page."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx

from harness.depot import ADMIN, Depot, ServerProcess
from harness.forms import signed_in
from kernel.clock import system_clock
from server.domain import depot_time
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.accounts import create_user
from server.services.events import Caller, ingest
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
HEADER = "number,warehouse,starts_on,ends_on,yearly_fee_cents,unit_fee_cents,item,qty\n"


def upload(client: httpx.Client, text: str) -> httpx.Response:
    data = (HEADER + text).encode()
    return client.post("/api/v1/master/agency_contracts", files={"file": ("c.csv", data)})


def received(depot: Depot, batch: str, item_index: int, qty: int, accept: bool) -> None:
    """`qty` of an item received at LC02's door D01, and accepted there if `accept`."""
    engine = make_engine(depot.db_url)
    item = depot.example.items[item_index]
    event = {"event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": "LC02",
             "occurred_at": "2026-11-20T09:00:00+08:00", "location": "D01",
             "gtin": item.gtin, "batch": batch, "qty": qty}  # fmt: skip
    answer = ingest(engine, Caller("gateway-LC02", "LC02"), [event], now=system_clock())
    assert answer[0].result == "accepted"
    if accept:
        inspection = Inspection("YS", 1, "pass", "ZJ-2026-0457")
        asked = AcceptanceRequest("LC02", item.code, batch, "D01", qty, "accepted", inspection)
        decide(engine, "admin", asked, now=system_clock())
    engine.dispose()


def section(page: str, contract: str) -> str:
    """The part of the page about one contract."""
    return page.split(f'data-contract="{contract}"', 1)[1].split("</table>", 1)[0]


def row(part: str, item: str) -> str:
    return part.split(f'data-item="{item}"', 1)[1].split("</tr>", 1)[0]


def test_contracts_import_and_the_page_sets_them_against_the_stock(
    server: ServerProcess, depot: Depot
) -> None:
    today = depot_time.today(system_clock())
    a, b = depot.example.items[0].code, depot.example.items[1].code
    with server.login(ADMIN) as admin:
        refused = upload(
            admin,
            f"DC-X,LC01,2026-01-01,2026-12-31,100,,{a},5\n"  # line 2: LC01 is no agency point
            f"DC-Y,LC02,2026-01-01,2026-12-31,100,,NOPE,5\n"  # line 3: no such item
            f"DC-Z,LC02,2026-06-01,2026-01-01,100,,{a},0\n",  # line 4: ends before, qty 0
        )
        assert refused.status_code == 422
        lines = {(e["line"], e["column"]) for e in refused.json()["detail"]["errors"]}
        assert lines == {(2, "warehouse"), (3, "item"), (4, "ends_on"), (4, "qty")}
        soon, gone = today + timedelta(days=10), today - timedelta(days=1)
        start = today - timedelta(days=300)
        good = upload(
            admin,
            f"DC-T-1,LC02,{start},{soon},1200000,,{a},50\n"
            f"DC-T-1,LC02,{start},{soon},1200000,,{b},1000\n"
            f"DC-T-0,LC02,{start},{gone},800000,25,{a},10\n",
        )
        assert good.status_code == 200, good.text
        assert good.json() == {"imported": 3}
        out = admin.get("/api/v1/master/agency_contracts").json()
        assert [r[0] for r in out["rows"] if r[0].startswith("DC-T")] == [
            "DC-T-0",
            "DC-T-1",
            "DC-T-1",
        ]
    received(depot, "AG-1", 0, 60, accept=True)  # available: more than contracted
    received(depot, "AG-2", 1, 7, accept=False)  # waiting for acceptance: does not count
    create_user(make_engine(depot.db_url), "zhao", PASSWORD, role="keeper", warehouse="LC02",
                now=system_clock())  # fmt: skip
    create_user(make_engine(depot.db_url), "li", PASSWORD, role="keeper", warehouse="LC01",
                now=system_clock())  # fmt: skip

    for who, password in ((ADMIN[0], ADMIN[1]), ("zhao", PASSWORD)):
        page = signed_in(server.url, who, password).get("/agency")
        assert page.status_code == 200
        assert 'data-point="LC02"' in page.text and "代储点" in page.text
        running = section(page.text, "DC-T-1")
        assert 'data-term="expiring"' in running and "剩余 10 天" in running
        assert "¥12,000.00" in running
        held = row(running, a)
        assert 'data-short="0"' in held and 'class="ok"' in held and ">60<" in held
        short = row(running, b)
        assert 'data-short="1000"' in short and 'class="bad"' in short
        assert 'data-status="pending_acceptance">7<' in short
        ended = section(page.text, "DC-T-0")
        assert 'data-term="expired"' in ended and "已过 1 天" in ended

    keeper = signed_in(server.url, "li", PASSWORD)  # bound to LC01
    own = keeper.get("/agency")
    assert own.status_code == 200 and "data-point=" not in own.text
    assert keeper.get("/agency", params={"depot": "LC02"}).status_code == 403
    admin_page = signed_in(server.url, ADMIN[0], ADMIN[1])
    listed = admin_page.get("/masterdata", params={"kind": "agency_contracts"})
    assert listed.status_code == 200 and "DC-T-1" in listed.text
