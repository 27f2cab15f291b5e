"""Labels and bin cards asked for at the centre and printed at the depot, through the real
server (SQLite and PostgreSQL): a keeper asks, the depot's gateway takes the request with its
sync, its reports say what came of it and the request leaves the sync; another depot's gateway
cannot touch it; who may ask for how many labels, and what is refused and why."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness.depot import Depot, ServerProcess
from harness.forms import signed_in, submit
from kernel.clock import system_clock
from kernel.gs1 import check_digit
from server.services.accounts import create_gateway_client, create_user
from server.services.gateways import statuses
from server.storage.db import make_engine

PASSWORD = "print-requests-password"
FIRST = "069012340000000017"
LAST = "069012340000000031"


@dataclass(frozen=True)
class Site:
    server: ServerProcess
    depot: Depot
    gtin: str  # an item's GTIN in the catalogue
    other_gateway: str  # LC02's gateway token

    def person(self, name: str) -> httpx.Client:
        return self.server.login((name, PASSWORD))

    def gateway(self, token: str | None = None) -> httpx.Client:
        bearer = {"Authorization": f"Bearer {token or self.depot.gateway_token}"}
        return httpx.Client(base_url=self.server.url, headers=bearer, timeout=30)


@pytest.fixture
def site(server: ServerProcess, depot: Depot) -> Iterator[Site]:
    engine = make_engine(depot.db_url)
    now = system_clock()
    for name, role, where in (
        ("zhang", "keeper", "LC01"),
        ("wang", "supervisor", "LC01"),
        ("sun", "dispatcher", "LC01"),
        ("li", "keeper", "LC02"),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=where, now=now)
    other = create_gateway_client(engine, "gateway-LC02", "LC02", now=now)
    engine.dispose()
    yield Site(server, depot, depot.example.items[0].gtin, other)


def labels(gtin: str, **fields: Any) -> dict[str, Any]:
    return {"depot": "LC01", "kind": "labels", "printer": "PR-D01", "gtin": gtin,
            "batch": "LOT1", "qty": 40, "units": 3, **fields}  # fmt: skip


def asked(gateway: httpx.Client) -> list[dict[str, Any]]:
    answer = gateway.get("/api/v1/sync")
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["print_requests"]
    return found


def report(gateway: httpx.Client, *outcomes: dict[str, Any], **more: Any) -> httpx.Response:
    return gateway.post("/api/v1/gateway/report", json={"print_requests": list(outcomes), **more})


def outcome(request_id: int, state: str, **fields: Any) -> dict[str, Any]:
    return {"id": request_id, "state": state, "jobs": 3, "printed": 0, "first_sscc": None,
            "last_sscc": None, "reason_zh": "", "reason_en": "", **fields}  # fmt: skip


def listed(person: httpx.Client, request_id: int) -> dict[str, Any]:
    answer = person.get("/api/v1/print-requests", params={"depot": "LC01"})
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, Any]] = answer.json()["rows"]
    return next(r for r in rows if r["id"] == request_id)


def test_labels_go_to_the_gateway_with_its_sync_and_come_back_printed(site: Site) -> None:
    with site.person("zhang") as keeper, site.gateway() as gateway:
        assert asked(gateway) == []  # nothing asked: the key is there, empty
        made = keeper.post(
            "/api/v1/print-requests", json=labels(site.gtin.lstrip("0"), prod_date="2026-01-01")
        )
        assert made.status_code == 201, made.text
        request = made.json()
        assert request["state"] == "asked" and request["depot"] == "LC01"
        bin_cards = {"depot": "LC01", "kind": "cards", "printer": "PR-D01", "location": "A-01-01"}
        cards = keeper.post("/api/v1/print-requests", json=bin_cards)
        assert cards.status_code == 201, cards.text
        # the gateway takes both with its sync, oldest first, as the contract has them
        assert asked(gateway) == [
            {"id": request["id"], "kind": "labels", "printer": "PR-D01", "asked_by": "zhang",
             "role": "keeper", "gtin": site.gtin, "batch": "LOT1", "qty": 40, "units": 3,
             "prod_date": "2026-01-01", "expiry": None, "by_item": False},
            {"id": cards.json()["id"], "kind": "cards", "printer": "PR-D01", "asked_by": "zhang",
             "role": "keeper", "location": "A-01-01"},
        ]  # fmt: skip
        # printing: it leaves the sync; the list says so
        printing = outcome(request["id"], "queued", printed=1, first_sscc=FIRST, last_sscc=FIRST)
        assert report(gateway, printing).status_code == 200
        assert [r["id"] for r in asked(gateway)] == [cards.json()["id"]]
        now = listed(keeper, request["id"])
        assert (now["state"], now["jobs"], now["printed"]) == ("queued", 3, 1)
        assert report(gateway, printing).status_code == 200  # the same again: nothing changes
        assert listed(keeper, request["id"]) == now  # its updated time too
        # printed: the SSCC range; the same report again changes nothing more
        done = outcome(request["id"], "printed", printed=3, first_sscc=FIRST, last_sscc=LAST)
        assert report(gateway, done).status_code == 200
        printed = listed(keeper, request["id"])
        assert printed["state"] == "printed" and printed["printed"] == 3
        assert (printed["first_sscc"], printed["last_sscc"]) == (FIRST, LAST)
        assert report(gateway, done).status_code == 200
        assert listed(keeper, request["id"]) == printed  # its updated time too
        # printed is final: a late report of it printing changes nothing
        assert report(gateway, printing).status_code == 200
        assert listed(keeper, request["id"]) == printed
        assert [r["id"] for r in asked(gateway)] == [cards.json()["id"]]
        # another depot's gateway naming LC01's requests, and ids nobody has, change nothing
        with site.gateway(site.other_gateway) as elsewhere:
            foreign = [outcome(cards.json()["id"], "refused", reason_en="not ours"),
                       outcome(request["id"], "refused"), outcome(999_999, "printed")]  # fmt: skip
            assert report(elsewhere, *foreign).status_code == 200
            assert asked(elsewhere) == []  # LC02 was never asked for anything
        assert listed(keeper, cards.json()["id"])["state"] == "asked"
        assert listed(keeper, request["id"]) == printed
        assert [r["id"] for r in asked(gateway)] == [cards.json()["id"]]
        # a job waiting for a supervisor at the depot, with its reason in both languages
        why = {"reason_zh": "打印机缺纸，请装纸", "reason_en": "printer out of paper"}
        waiting = outcome(cards.json()["id"], "attention", jobs=1, **why)
        assert report(gateway, waiting).status_code == 200
        card = listed(keeper, cards.json()["id"])
        assert card["state"] == "attention" and card["reason_zh"] == "打印机缺纸，请装纸"
        assert asked(gateway) == []
        # refused is final too: a late report of it printing changes nothing
        assert report(gateway, outcome(cards.json()["id"], "refused", jobs=0)).status_code == 200
        assert report(gateway, outcome(cards.json()["id"], "queued")).status_code == 200
        assert listed(keeper, cards.json()["id"])["state"] == "refused"


def refusal(answer: httpx.Response) -> tuple[int, str]:
    """Status and reason code of a refusal; for a field out of its bounds, the field's name."""
    detail = answer.json()["detail"]
    if isinstance(detail, list):
        return answer.status_code, str(detail[0]["loc"][-1])
    return answer.status_code, detail["reason"]


def test_who_may_ask_for_how_many_and_what_is_refused(site: Site) -> None:
    valid_elsewhere = "0690123456789" + check_digit("0690123456789")  # not in the catalogue
    with site.person("zhang") as keeper, site.person("wang") as supervisor:
        assert refusal(keeper.post("/api/v1/print-requests", json=labels(site.gtin, units=101))
                       ) == (403, "too_many_labels")  # fmt: skip
        assert (
            supervisor.post("/api/v1/print-requests", json=labels(site.gtin, units=101)).status_code
            == 201
        )
        for body, expected in (
            (labels(site.gtin, units=1001), (422, "units")),
            (labels(site.gtin, units=0), (422, "units")),
            (labels(site.gtin[:-1] + str(9 - int(site.gtin[-1]))), (422, "bad_gtin")),
            (labels(valid_elsewhere), (404, "unknown_gtin")),
            (labels(site.gtin, printer="PR D01"), (422, "printer")),
            (labels(site.gtin, printer="P" * 41), (422, "printer")),
            (labels(site.gtin, batch="LOT(1)"), (422, "batch")),
            (labels(site.gtin, batch="L" * 21), (422, "batch")),
            (labels(site.gtin, qty=0), (422, "qty")),
            (labels(site.gtin, qty=None), (422, "bad_quantity")),  # nor counted by item
            (labels(site.gtin, prod_date="2027-01-01", expiry="2026-01-01"), (422, "bad_dates")),
            (labels(site.gtin, prod_date="1999-12-31"), (422, "bad_dates")),
            (labels(site.gtin, expiry="9999-12-31"), (422, "bad_dates")),
            ({"depot": "LC01", "kind": "cards", "printer": "PR-D01", "location": "Z-99-99"},
             (404, "unknown_location")),
            ({"depot": "LC01", "kind": "cards", "printer": "PR-D01", "location": "D01"},
             (404, "unknown_location")),  # a dock: the cards stand by stored stacks
            (labels(site.gtin, depot="LC02"), (403, "other_depot")),
        ):  # fmt: skip
            assert refusal(supervisor.post("/api/v1/print-requests", json=body)) == expected, body
        assert refusal(keeper.post("/api/v1/print-requests", json=labels(site.gtin, depot="LC02"))
                       ) == (403, "other_depot")  # fmt: skip
        with site.person("sun") as dispatcher:
            assert refusal(dispatcher.post("/api/v1/print-requests", json=labels(site.gtin))
                           ) == (403, "role")  # fmt: skip
            assert dispatcher.get("/api/v1/print-requests").status_code == 200  # reading is not
        with site.person("li") as other:
            assert other.get("/api/v1/print-requests", params={"depot": "LC01"}).status_code == 403
            assert other.get("/api/v1/print-requests").json()["rows"] == []  # its own: none
        assert httpx.get(f"{site.server.url}/api/v1/print-requests").status_code == 401
        by_item = labels(site.gtin, qty=None, units=2, by_item=True)  # one item a label
        assert keeper.post("/api/v1/print-requests", json=by_item).status_code == 201
        # of all those, only the supervisor's 101 labels and the keeper's 2 items were kept
        rows = supervisor.get("/api/v1/print-requests", params={"depot": "LC01"}).json()["rows"]
        assert [(r["asked_by"], r["role"], r["units"], r["qty"], r["by_item"]) for r in rows] == [
            ("zhang", "keeper", 2, 1, True),
            ("wang", "supervisor", 101, 40, False),
        ]


def test_a_malformed_outcome_or_printer_is_left_out_with_why_and_takes_nothing_with_it(
    site: Site,
) -> None:
    with site.person("zhang") as keeper, site.gateway() as gateway:
        made = keeper.post("/api/v1/print-requests", json=labels(site.gtin)).json()
        other = keeper.post("/api/v1/print-requests", json=labels(site.gtin)).json()
        printers = [{"printer": "PR-D01", "kind": "zpl", "rfid": True, "queued": 0, "held": 0,
                     "trouble": None}]  # fmt: skip
        good = outcome(made["id"], "queued")
        for bad, says in (
            ({**good, "state": "asked"}, "state"),
            ({**good, "id": 0}, "id"),
            ({**good, "id": "7"}, "id"),
            ({**good, "jobs": -1}, "jobs"),
            ({**good, "printed": 100_001}, "printed"),
            ({**good, "printed": 4}, "more printed than its jobs"),
            ({**good, "first_sscc": "12345"}, "first_sscc"),
            ({**good, "reason_en": "x" * 201}, "reason_en"),
            (good, "named twice"),
        ):
            answer = report(gateway, good, {**bad, "id": bad["id"]})
            assert answer.status_code == 200, answer.text
            assert any(says in why for why in answer.json()["left_out"]), (bad, answer.text)
        assert listed(keeper, made["id"])["state"] == "queued"  # the good one, taken
        garbled = report(gateway, {**good, "reason_zh": "坏\x1b[31m"})  # any text of it
        assert garbled.status_code == 422 and "control character" in garbled.text
        left = report(gateway, *[outcome(other["id"], "queued")] * 201).json()["left_out"]
        assert left[0] == "print_requests: only the first 200 taken" and len(left) == 20
        assert all("is named twice" in why for why in left[1:])  # the first taken, said once each
        assert listed(keeper, other["id"])["state"] == "queued"
        assert report(gateway, print_requests="queued").json()["left_out"] == [
            "print_requests must be a list"
        ]
        for bad_printer, says in (
            ({**printers[0], "kind": "laser"}, "kind"),
            ({**printers[0], "printer": "PR D01"}, "printer"),
            ({**printers[0], "trouble": "Paper Out!"}, "trouble"),
            ({**printers[0], "queued": True}, "queued"),
            ({**printers[0], "rfid": "yes"}, "rfid"),
            (printers[0], "named twice"),
        ):
            answer = report(gateway, printers=[printers[0], bad_printer])
            assert answer.status_code == 200 and says in answer.json()["left_out"][0], bad_printer
        # the good printer kept each time; the devices and outbox as reported
        assert [r["id"] for r in asked(gateway)] == []
    engine = make_engine(site.depot.db_url)
    try:
        assert statuses(engine, "LC01")["LC01"]["report"]["printers"] == printers
    finally:
        engine.dispose()


def test_a_form_naming_no_depots_code_is_not_found(site: Site) -> None:
    """An administrator of no depot names the depot in the form: text no depot's code can be
    (a NUL, which PostgreSQL refuses) is not found, before any query sees it."""
    engine = make_engine(site.depot.db_url)
    create_user(engine, "zhao", PASSWORD, role="admin", warehouse=None, now=system_clock())
    engine.dispose()
    admin = signed_in(site.server.url, "zhao", PASSWORD)
    try:
        form = {"depot": "LC01\x00", "printer": "PR-D01", "location": "A-01-01"}
        answer = submit(admin, "/labels?depot=LC01", "/labels/cards", form)
        assert answer.status_code == 404, answer.text[-500:]
        assert submit(admin, "/labels?depot=LC01", "/labels/cards",
                      {**form, "depot": "LC01"}).status_code == 303  # fmt: skip
    finally:
        admin.close()
