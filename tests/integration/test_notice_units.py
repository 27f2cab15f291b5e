"""An inbound notice listing the tagged units a supplier sends (its dispatch advice), through
the HTTP API under uvicorn, on SQLite and PostgreSQL: kept, refused when a unit cannot be on
it, and carried to the depot's gateway by the sync."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import httpx
import pytest

from harness.depot import Depot, ServerProcess
from harness.forms import signed_in
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"


def sgtin(gtin: str, serial: str, prefix: int = 7) -> str:
    """The SGTIN pure-identity URI of a GTIN-14 with a serial (company prefix of `prefix`)."""
    return f"urn:epc:id:sgtin:{gtin[1 : 1 + prefix]}.{gtin[0]}{gtin[1 + prefix : 13]}.{serial}"


@pytest.fixture
def keeper_li(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    create_user(engine, "li", PASSWORD, role="keeper", warehouse="LC01", now=system_clock())
    engine.dispose()


def notice(depot: Depot, units: list[dict[str, Any]], number: str = "RK-2026-T1") -> dict[str, Any]:
    blanket, tent = depot.example.items[6], depot.example.items[0]
    return {
        "number": number,
        "warehouse": "LC01",
        "lines": [
            {"item": blanket.code, "qty": 60, "batch": "2026TG"},
            {"item": tent.code, "qty": 10},
        ],
        "units": units,
    }


def unit(epc: str, line: int, item: str, qty: int, batch: str = "2026TG") -> dict[str, Any]:
    return {
        "epc": epc,
        "line": line,
        "item": item,
        "batch": batch,
        "qty": qty,
        "prod_date": "2026-10-01",
        "expiry": "2031-09-30",
    }


def test_a_notice_keeps_its_tagged_units_and_the_gateway_gets_them(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    blanket, tent = depot.example.items[6], depot.example.items[0]
    units = [
        unit(sgtin(blanket.gtin, "P1"), 1, blanket.code, 20),
        unit(sgtin(blanket.gtin, "P2"), 1, blanket.code, 20),
        unit("urn:epc:id:sscc:6935208.0123456789", 2, tent.code, 5, batch="T-9"),
    ]
    with server.login(("li", PASSWORD)) as keeper:
        made = keeper.post("/api/v1/inbound-notices", json=notice(depot, units))
        assert made.status_code == 201, made.text
        (row,) = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [(u["epc"], u["n"], u["qty"]) for u in row["units"]] == [
        (units[0]["epc"], 0, 20),
        (units[1]["epc"], 0, 20),
        (units[2]["epc"], 1, 5),
    ]
    pallet = row["units"][2]
    # the SSCC of its logistic label, check digit and all, follows from the tag
    assert (pallet["sscc"], pallet["gtin"]) == ("069352081234567894", None)
    assert (row["units"][0]["gtin"], row["units"][0]["serial"]) == (blanket.gtin, "P1")
    assert (row["units"][0]["prod_date"], row["units"][0]["expiry"]) == ("2026-10-01", "2031-09-30")
    synced = httpx.get(
        f"{server.url}/api/v1/sync", headers={"Authorization": f"Bearer {depot.gateway_token}"}
    ).json()
    (sent,) = synced["inbound_notices"]
    assert [u["epc"] for u in sent["units"]] == [u["epc"] for u in units]
    # the dashboard's notice page: how many tagged units each line lists
    page = signed_in(server.url, "li", PASSWORD)
    html = page.get(f"/inbound/{made.json()['id']}").text
    page.close()
    cells = [c.split("<")[0] for c in html.split('class="num units">')[1:]]
    assert cells == ["2", "1"]


def test_units_that_cannot_be_on_the_notice_are_refused_with_their_reason(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    blanket, tent = depot.example.items[6], depot.example.items[0]
    good = unit(sgtin(blanket.gtin, "P1"), 1, blanket.code, 20)
    cases = {
        "bad_epc": [unit("urn:epc:id:sgtin:6935208.010411", 1, blanket.code, 20)],  # no serial
        "duplicate_epc": [good, good],
        "unit_line": [{**good, "line": 3}],
        "unit_not_line": [{**good, "item": tent.code}],  # line 1 is blankets
        "units_over_line": [good, {**good, "epc": sgtin(blanket.gtin, "P2"), "qty": 41}],
        "bad_dates": [{**good, "expiry": "2026-01-01"}],
    }
    with server.login(("li", PASSWORD)) as keeper:
        for reason, units in cases.items():
            answer = keeper.post("/api/v1/inbound-notices", json=notice(depot, units))
            assert answer.status_code == (409 if reason == "duplicate_epc" else 422), answer.text
            assert answer.json()["detail"]["reason"] == reason
        # the SGTIN names the blanket's GTIN: it cannot be a tent on line 2
        wrong = keeper.post(
            "/api/v1/inbound-notices",
            json=notice(depot, [unit(sgtin(blanket.gtin, "P9"), 2, tent.code, 1)]),
        )
        assert wrong.json()["detail"]["reason"] == "unit_gtin"
        # a GTIN the catalogue does not know (the blanket's case, indicator 1): the door's
        # receiving event would name it and be refused after the door said received
        case = "1" + blanket.gtin[1:13]
        case += str((10 - sum(int(d) * (3 if k % 2 == 0 else 1) for k, d in enumerate(case))) % 10)
        unknown = keeper.post(
            "/api/v1/inbound-notices",
            json=notice(depot, [unit(sgtin(case, "C1"), 1, blanket.code, 20)]),
        )
        assert unknown.status_code == 422 and unknown.json()["detail"]["reason"] == "unit_gtin"
        # one unit under two company-prefix splits: the same SGTIN, listed twice
        split = [good, {**good, "epc": sgtin(blanket.gtin, "P1", prefix=8)}]
        twice = keeper.post("/api/v1/inbound-notices", json=notice(depot, split))
        assert twice.status_code == 409 and twice.json()["detail"]["reason"] == "duplicate_epc"
        too_long = keeper.post(
            "/api/v1/inbound-notices",
            json=notice(depot, [{**good, "epc": "urn:epc:id:sscc:" + "1" * 200}]),
        )
        assert too_long.status_code == 422  # out of bounds where it enters
        assert keeper.post("/api/v1/inbound-notices", json=notice(depot, [good])).status_code == 201
        again = keeper.post("/api/v1/inbound-notices", json=notice(depot, [good], "RK-2026-T2"))
        assert again.status_code == 409 and again.json()["detail"]["reason"] == "duplicate_epc"
        # the same unit under another split of its company prefix is the same unit
        other = {**good, "epc": sgtin(blanket.gtin, "P1", prefix=9)}
        split_again = keeper.post(
            "/api/v1/inbound-notices", json=notice(depot, [other], "RK-2026-T3")
        )
        assert split_again.json()["detail"]["reason"] == "duplicate_epc"
        rows = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [(r["number"], len(r["units"])) for r in rows] == [("RK-2026-T1", 1)]


def test_a_unit_comes_back_on_a_new_notice_once_the_first_is_closed(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    """A pallet received, sent out and coming back: its tag is listed again on a new notice
    once the notice it came on first is closed."""
    blanket = depot.example.items[6]
    pallet = unit(sgtin(blanket.gtin, "P1"), 1, blanket.code, 20)
    with server.login(("li", PASSWORD)) as keeper:
        first = keeper.post("/api/v1/inbound-notices", json=notice(depot, [pallet]))
        assert first.status_code == 201, first.text
        closed = keeper.post(f"/api/v1/inbound-notices/{first.json()['id']}/close")
        assert closed.status_code == 200, closed.text
        back = keeper.post("/api/v1/inbound-notices", json=notice(depot, [pallet], "RK-2026-T2"))
        assert back.status_code == 201, back.text
        rows = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [(r["number"], [u["epc"] for u in r["units"]]) for r in rows] == [
        ("RK-2026-T2", [pallet["epc"]])
    ]


def test_a_listed_unit_is_received_once_on_its_own_line_and_the_sync_says_so(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    """The door names the unit's tag in its receiving event: the server counts it on the
    unit's own line (not the first line of its item with room), refuses a second event
    receiving the same unit (by its GS1 key, under any URI), and the sync tells the gateway
    the unit came (a rebuilt gateway does not receive it again)."""
    blanket = depot.example.items[6]
    tag = sgtin(blanket.gtin, "P1")
    body = {
        "number": "RK-2026-T1",
        "warehouse": "LC01",
        "lines": [{"item": blanket.code, "qty": 20}, {"item": blanket.code, "qty": 40}],
        "units": [unit(tag, 2, blanket.code, 20)],
    }
    gateway = {"Authorization": f"Bearer {depot.gateway_token}"}

    def receiving(epc: str, event_id: str | None = None) -> dict[str, Any]:
        event = {
            "event_id": event_id or str(uuid.uuid4()),
            "type": "receiving",
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "location": "D01",
            "notice": "RK-2026-T1",
            "gtin": blanket.gtin,
            "batch": "2026TG",
            "qty": 20,
            "epc": epc,
        }
        answer = httpx.post(
            f"{server.url}/api/v1/events", json={"events": [event]}, headers=gateway
        )
        result: dict[str, Any] = answer.json()["results"][0]
        return result

    with server.login(("li", PASSWORD)) as keeper:
        assert keeper.post("/api/v1/inbound-notices", json=body).status_code == 201
        first = str(uuid.uuid4())
        assert receiving(tag, first)["result"] == "accepted"
        assert receiving(tag, first)["result"] == "duplicate"  # the same event resent
        again = receiving(sgtin(blanket.gtin, "P1", prefix=9))  # the same unit, another URI
        assert again["result"] == "rejected" and again["reason"].startswith("unit_received")
        (row,) = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [line["received"] for line in row["lines"]] == [0, 20]
    synced = httpx.get(f"{server.url}/api/v1/sync", headers=gateway).json()
    (sent,) = synced["inbound_notices"]
    assert [(u["epc"], u["received"]) for u in sent["units"]] == [(tag, True)]


def test_a_tag_uri_or_upper_case_is_kept_as_its_pure_identity(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    """Suppliers write their tags as they like: a tag URI with its filter, the scheme in upper
    case, a serial with an escaped character. The notice keeps the pure-identity URI (escapes
    in upper case) and the serial as the label prints it; anything else is refused bad_epc."""
    blanket, tent = depot.example.items[6], depot.example.items[0]
    company, reference = blanket.gtin[1:8], blanket.gtin[0] + blanket.gtin[8:13]
    units = [
        unit(f"urn:epc:tag:sgtin-96:3.{company}.{reference}.P1", 1, blanket.code, 20),
        unit(f"urn:epc:id:sgtin:{company}.{reference}.A%2fb", 1, blanket.code, 20),
        unit("URN:EPC:ID:SSCC:6935208.0123456789", 2, tent.code, 5, batch="T-9"),
    ]
    with server.login(("li", PASSWORD)) as keeper:
        bad = keeper.post(
            "/api/v1/inbound-notices",
            json=notice(depot, [unit("urn:epc:id:sgtin-96:1.2.3", 1, blanket.code, 1)]),
        )
        assert bad.status_code == 422 and bad.json()["detail"]["reason"] == "bad_epc"
        made = keeper.post("/api/v1/inbound-notices", json=notice(depot, units))
        assert made.status_code == 201, made.text
        (row,) = keeper.get("/api/v1/inbound-notices").json()["rows"]
    assert [(u["epc"], u["serial"]) for u in row["units"]] == [
        (f"urn:epc:id:sgtin:{company}.{reference}.P1", "P1"),
        (f"urn:epc:id:sgtin:{company}.{reference}.A%2Fb", "A/b"),
        ("urn:epc:id:sscc:6935208.0123456789", None),
    ]


def test_two_notices_listing_one_unit_at_once_get_one_409_never_a_500(
    server: ServerProcess, depot: Depot, keeper_li: None
) -> None:
    """Two keepers send notices listing the same unit at the same moment: the depot's lock
    lets one list it, the other is refused duplicate_epc (409), on PostgreSQL as on SQLite."""
    blanket = depot.example.items[6]
    pallet = unit(sgtin(blanket.gtin, "P1"), 1, blanket.code, 20)
    start = threading.Barrier(2)
    codes: list[int] = []

    def send(number: str) -> None:
        with server.login(("li", PASSWORD)) as keeper:
            start.wait()
            answer = keeper.post("/api/v1/inbound-notices", json=notice(depot, [pallet], number))
            codes.append(answer.status_code)
            if answer.status_code == 409:
                assert answer.json()["detail"]["reason"] == "duplicate_epc"

    senders = [threading.Thread(target=send, args=(f"RK-2026-R{k}",)) for k in (1, 2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(codes) == [201, 409]
