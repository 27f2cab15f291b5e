"""The labels page (标签打印) over plain HTTP, as a browser posts its forms, on a real server:
the forms with their security token, the depot's printers as its gateway reported them (or
the word that it has not), a request asked through the labels form and the bin cards form and
listed with its state as the gateway reports it, fields out of their bounds and refusals of
the rules shown beside their fields, and the roles that may not ask."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest

from harness.depot import Depot, ServerProcess, prepare_database
from harness.forms import TOKEN, signed_in, submit
from kernel.clock import system_clock
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "labels-page-password"


@pytest.fixture(scope="module")
def depot(tmp_path_factory: pytest.TempPathFactory) -> Depot:
    made = prepare_database(f"sqlite:///{tmp_path_factory.mktemp('labels') / 'server.sqlite'}")
    engine = make_engine(made.db_url)
    for name, role, where in (
        ("zhang", "keeper", "LC01"),
        ("wang", "supervisor", "LC01"),
        ("sun", "dispatcher", "LC01"),
        ("zhao", "admin", None),
    ):
        create_user(engine, name, PASSWORD, role=role, warehouse=where, now=system_clock())
    engine.dispose()
    return made


@pytest.fixture(scope="module")
def server(depot: Depot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(depot.db_url, tmp_path_factory.mktemp("server")).start()
    yield process
    process.stop()


@contextmanager
def browser(server: ServerProcess, name: str) -> Iterator[httpx.Client]:
    """A browser of its own, signed in through the login form."""
    client = signed_in(server.url, name, PASSWORD)
    try:
        yield client
    finally:
        client.close()


def report(server: ServerProcess, depot: Depot, body: dict[str, Any]) -> None:
    answer = httpx.post(f"{server.url}/api/v1/gateway/report", json=body,
                        headers={"Authorization": f"Bearer {depot.gateway_token}"})  # fmt: skip
    assert answer.status_code == 200, answer.text


def row_of(html: str, request_id: int) -> str:
    found = re.search(rf'<tr data-request="{request_id}".*?</tr>', html, re.S)
    assert found is not None, html[-2000:]
    return found.group(0)


def test_the_forms_come_with_their_token_and_say_when_no_printer_is_known(
    server: ServerProcess,
) -> None:
    with browser(server, "zhang") as keeper:
        page = keeper.get("/labels")
        assert page.status_code == 200
        for form in ("labels-form", "cards-form"):
            found = re.search(rf'<form [^>]*id="{form}".*?</form>', page.text, re.S)
            assert found is not None and TOKEN.search(found.group(0)), form
        assert "该库网关尚未报告打印机" in page.text
        assert "the depot&#39;s gateway has not reported its printers yet" in page.text
        # the printer's name is typed while none is known
        assert re.search(r'<input id="l-printer" name="printer" type="text"', page.text)
        assert 'href="/labels" aria-current="page"' in page.text  # in the menu, as here


def test_a_keeper_asks_for_labels_and_sees_what_the_gateway_made_of_them(
    server: ServerProcess, depot: Depot
) -> None:
    gtin = depot.example.items[0].gtin
    printers = [
        {"printer": "PR-D01", "kind": "zpl", "rfid": True, "queued": 2, "held": 1,
         "trouble": "paper_out"},
        {"printer": "office", "kind": "pdf", "rfid": False, "queued": 0, "held": 0,
         "trouble": None},
    ]  # fmt: skip
    report(server, depot, {"printers": printers})
    with browser(server, "zhang") as keeper:
        page = keeper.get("/labels")
        assert "该库网关尚未报告打印机" not in page.text
        choice = re.search(r'<select id="l-printer" name="printer".*?</select>', page.text, re.S)
        assert choice is not None and "PR-D01" in choice.group(0) and "office" in choice.group(0)
        assert "缺纸" in choice.group(0)  # each printer's trouble beside its name
        listed = re.search(r'<tr data-printer="PR-D01" class="bad">.*?</tr>', page.text, re.S)
        assert listed is not None and "缺纸" in listed.group(0)
        # fields out of their bounds: 422, the errors beside their fields, as typed
        fields = {"printer": "PR-D01", "gtin": gtin, "batch": "LOT(1)", "qty": "40", "units": "0"}
        bad = submit(keeper, "/labels", "/labels", fields)
        assert bad.status_code == 422
        for name in ("batch", "units"):
            assert f'id="e-l-{name}"' in bad.text, name
        assert 'value="LOT(1)"' in bad.text
        assert "no parentheses" in bad.text  # what a batch may hold, not only that it may not
        # a rule's refusal beside its field: a keeper asks for at most 100 labels at once
        many = submit(keeper, "/labels", "/labels", {**fields, "batch": "LOT1", "units": "101"})
        assert many.status_code == 403
        assert 'id="e-l-units"' in many.text and 'data-reason="too_many_labels"' in many.text
        # asked: back to the page, the request listed as asked for the gateway to take
        made = submit(keeper, "/labels", "/labels", {**fields, "batch": "LOT1", "units": "3"})
        assert made.status_code == 303, made.text
        assert made.headers["location"] == "/labels?depot=LC01"
        shown = keeper.get(made.headers["location"])
        request_id = int(re.findall(r'<tr data-request="(\d+)"', shown.text)[0])
        row = row_of(shown.text, request_id)
        assert "已提交待网关领取" in row and "LOT1" in row and "40 × 3" in row
        assert f"#{request_id}" in shown.text  # the one-time message names it
        # the bin cards of a storage location
        cards = submit(keeper, "/labels", "/labels/cards", {"printer": "office",
                                                            "location": "A-01-01"})  # fmt: skip
        assert cards.status_code == 303
        unknown = submit(keeper, "/labels", "/labels/cards", {"printer": "office",
                                                              "location": "Z-99-99"})  # fmt: skip
        assert unknown.status_code == 404 and 'id="e-c-location"' in unknown.text
        # the gateway reports the labels waiting for a supervisor, then printed: the list,
        # live, says so in both languages, with the SSCC range
        attention = {
            "id": request_id, "state": "attention", "jobs": 3, "printed": 1,
            "first_sscc": "069012340000000017", "last_sscc": "069012340000000017",
            "reason_zh": "打印机缺纸，请装纸", "reason_en": "printer out of paper",
        }  # fmt: skip
        report(server, depot, {"printers": printers, "print_requests": [attention]})
        live = keeper.get("/partials/labels", params={"depot": "LC01"})
        row = row_of(live.text, request_id)
        assert "需主管到打印机处确认" in row and "a supervisor must confirm at the printer" in row
        assert "打印机缺纸，请装纸" in row and "1 / 3" in row
        printed = {**attention, "state": "printed", "printed": 3, "reason_zh": "",
                   "reason_en": "", "last_sscc": "069012340000000031"}  # fmt: skip
        report(server, depot, {"printers": printers, "print_requests": [printed]})
        row = row_of(keeper.get("/labels").text, request_id)
        assert "已打印" in row and "printed" in row
        assert "069012340000000017 –<br>069012340000000031" in row and "3 / 3" in row


def test_who_may_ask_and_whose_depot(server: ServerProcess) -> None:
    with browser(server, "sun") as dispatcher:
        page = dispatcher.get("/labels")
        assert page.status_code == 200 and 'id="labels-form"' not in page.text  # reads only
        refused = submit(dispatcher, "/labels", "/labels", {"printer": "PR-D01"})
        assert refused.status_code == 403
    with browser(server, "zhao") as admin:  # of no depot: chooses one first
        page = admin.get("/labels")
        assert 'href="/labels?depot=LC01"' in page.text and 'id="labels-form"' not in page.text
        assert 'id="cards-form"' in admin.get("/labels", params={"depot": "LC02"}).text
        assert admin.get("/labels", params={"depot": "NOPE"}).status_code == 404
    with browser(server, "zhang") as keeper:
        assert keeper.get("/labels", params={"depot": "LC02"}).status_code == 403
        other = submit(keeper, "/labels", "/labels/cards",
                       {"depot": "LC02", "printer": "PR-D01", "location": "A-01-01"})  # fmt: skip
        assert other.status_code == 403
