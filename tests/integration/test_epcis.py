"""Every business step the ledger records, read back through the EPCIS 2.0 query interface of
a running server: valid against the official schema, each record once, paged, filtered and
scoped by depot, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import jsonschema
import pytest
from sqlalchemy import func, select

from harness.depot import ADMIN, ServerProcess
from harness.scope_world import HERE, PASSWORD, PROPOSER, THERE, World, username, world_of
from kernel.clock import system_clock
from server.services import disposal, returns, stocktake_close
from server.services.disposal import Stack
from server.storage.tables import approvals, events, handovers, postings

SCHEMA = Path(__file__).resolve().parents[3] / "shared/standards/epcis/EPCIS-JSON-Schema.json"
URL = "/api/v1/epcis/events"


def schema() -> dict[str, object]:
    assert SCHEMA.exists(), f"the EPCIS 2.0 schema is expected in the shared folder: {SCHEMA}"
    return dict(json.loads(SCHEMA.read_text()))


def every_step(w: World) -> None:
    """Beyond the world's receiving, acceptance, rejection, orders, loading, handover notes,
    counts and returns: goods put away and picked, scrapped, rotated out, an adjustment, the
    returned goods restocked and the rejected goods sent back to the supplier."""
    s = w.stack("S")
    w.post_events(
        HERE,
        [w.event(HERE, "storing", from_location="D01", to_location="A-01-01",
                 gtin=s.item.gtin, batch=s.batch, qty=10)],
    )  # fmt: skip
    w.received["S2"] = type(s)(s.item, s.batch, "A-01-01")
    now = system_clock()
    scrap = w.fresh_scrap_proposal()
    disposal.approve_scrapping(w.engine, "admin", HERE, scrap, "BF-1", "destroyed", 0, now=now)
    rotation = w.fresh_rotation_proposal()
    disposal.approve_rotation(w.engine, "admin", HERE, rotation, now=now)
    stocktake_close.approve(w.engine, "admin", w.closed, now=now)
    back = w.stack("B")
    returns.inspect_return(
        w.engine, PROPOSER, Stack(HERE, back.item.code, back.batch, back.location, 1), True,
        "GH-1", w.returned_order, now=now,
    )  # fmt: skip
    returns.return_to_supplier(w.engine, "admin", HERE, w.rejection, 500, "退回供应商", now=now)


@pytest.fixture
def served(db_url: str, tmp_path: Path) -> Iterator[tuple[World, ServerProcess]]:
    world = world_of(db_url)
    every_step(world)
    process = ServerProcess(world.depot.db_url, tmp_path).start()
    yield world, process
    process.stop()
    world.engine.dispose()


def pages(client: httpx.Client, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a query, following the `Link` headers; each page checked against the
    schema as it comes."""
    validator = jsonschema.Draft7Validator(schema(), format_checker=jsonschema.FormatChecker())
    found: list[dict[str, Any]] = []
    answer = client.get(URL, params=params)
    while True:
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("application/ld+json")
        assert answer.headers["GS1-EPCIS-Version"] == "2.0.0"
        document = answer.json()
        validator.validate(document)
        found += document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        if "link" not in answer.headers:
            return found
        following = answer.headers["link"].split(">")[0].lstrip("<")
        answer = client.get(following)


def person(server: ServerProcess, role: str, depot: str | None) -> httpx.Client:
    return server.login((username(role, depot), PASSWORD))


def test_every_business_step_is_an_epcis_event_once(
    served: tuple[World, ServerProcess],
) -> None:
    world, server = served
    with server.login(ADMIN) as admin:
        paged = pages(admin, {"perPage": "7"})
        whole = pages(admin, {"perPage": "1000"})
    assert paged == whole  # the pages, one after the other, are the whole answer
    ids = [e["eventID"] for e in paged]
    assert len(ids) == len(set(ids))
    with world.engine.connect() as conn:
        accepted = set(
            conn.execute(select(events.c.event_id).where(events.c.status == "accepted")).scalars()
        )
        notes = set(conn.execute(select(handovers.c.number)).scalars())
        decided = dict(
            conn.execute(
                select(postings.c.approval_id, approvals.c.kind)
                .join(approvals, approvals.c.id == postings.c.approval_id)
                .group_by(postings.c.approval_id, approvals.c.kind)
            ).all()
        )
        opening = conn.execute(
            select(func.count()).where(postings.c.basis_kind == "opening")
        ).scalar_one()
    # every accepted floor event once, under its own id
    assert {i.removeprefix("urn:uuid:") for i in ids} >= accepted
    # every handover note once, as the shipping of its goods
    shipped = [
        t["bizTransaction"]
        for e in paged
        if e["bizStep"] == "shipping" and e["disposition"] == "in_transit"
        for t in e["bizTransactionList"]
        if t.get("type") == "bol"
    ]
    assert sorted(shipped) == sorted(f"urn:depot-floor:handover:{quote(n)}" for n in notes) != []
    # every decision that moved stock, by its number
    named = {
        t["bizTransaction"]
        for e in paged
        for t in e.get("bizTransactionList", [])
        if t["bizTransaction"].startswith("urn:depot-floor:decision:")
    }
    assert named == {f"urn:depot-floor:decision:{i}" for i in decided}
    # the opening stock, one event per stack
    assert sum(1 for e in paged if e["action"] == "ADD") == opening > 0
    steps = {(e["bizStep"], e["disposition"]) for e in paged}
    assert steps >= {
        ("receiving", "in_progress"),  # received, waiting for acceptance
        ("accepting", "available"),  # accepted
        ("inspecting", "non_conformant"),  # rejected at acceptance
        ("shipping", "returned"),  # back to the supplier
        ("storing", "available"),  # put away
        ("reserving", "reserved"),  # an order's stock
        ("loading", "in_transit"),
        ("shipping", "in_transit"),  # the handover note
        ("stock_taking", "available"),  # a count
        ("holding", "non_sellable_other"),  # proposed for scrapping
        ("destroying", "destroyed"),  # scrapped
        ("removing", "disposed"),  # rotated out
        ("receiving", "returned"),  # goods back from a dispatch
        ("inspecting", "available"),  # and restocked
    }, steps
    scrapped = [e for e in paged if e["bizStep"] == "destroying"]
    assert [(e["action"], e["quantityList"][0]["quantity"]) for e in scrapped] == [("DELETE", 1)]
    returned = [e for e in paged if (e["bizStep"], e["disposition"]) == ("shipping", "returned")]
    assert [e["quantityList"][0]["quantity"] for e in returned] == [500]
    # the stocktake's adjustment: the line counted one over is found
    adjusted = [e for e in paged if e["bizStep"] == "stock_taking" and "bizTransactionList" in e]
    assert [e["quantityList"][0]["quantity"] for e in adjusted] == [1]
    assert all(e["recordTime"] for e in paged)


def test_standard_queries_with_paging_and_scope(served: tuple[World, ServerProcess]) -> None:
    world, server = served
    s = world.stack("S")
    with server.login(ADMIN) as admin:
        whole = pages(admin, {"perPage": "1000"})
        shipping = pages(admin, {"EQ_bizStep": "shipping", "perPage": "2"})
        assert shipping == [e for e in whole if e["bizStep"] == "shipping"] != []
        by_uri = pages(
            admin,
            {"EQ_bizStep": "https://ref.gs1.org/cbv/BizStep-shipping|loading",
             "EQ_disposition": "urn:epcglobal:cbv:disp:in_transit"},
        )  # fmt: skip
        assert by_uri == [
            e
            for e in whole
            if e["bizStep"] in ("shipping", "loading") and e["disposition"] == "in_transit"
        ]
        lot = next(e["quantityList"][0]["epcClass"] for e in whole if e["bizStep"] == "destroying")
        assert s.batch.replace("/", "%2F") in lot
        of_batch = pages(admin, {"MATCH_epcClass": lot})
        assert of_batch == [
            e for e in whole if any(q["epcClass"] == lot for q in e["quantityList"])
        ]
        assert len(of_batch) >= 4  # received, accepted, put away, scrapped at least
        any_lot = pages(admin, {"MATCH_epcClass": lot.rsplit(".", 1)[0] + ".*"})
        assert len(any_lot) >= len(of_batch)
        later = datetime.now(UTC).isoformat()
        assert pages(admin, {"GE_recordTime": later}) == []
        assert pages(admin, {"LT_recordTime": later}) == whole
        one = whole[3]["eventID"]
        assert pages(admin, {"EQ_eventID": one}) == [whole[3]]
        assert pages(admin, {"eventType": "AggregationEvent"}) == []
        refused = admin.get(URL, params={"EQ_somethingElse": "x"})
        assert refused.status_code == 400
        assert refused.json()["detail"]["reason"] == "bad_query"
        assert admin.get(URL, params={"nextPageToken": "not-a-token"}).status_code == 400
    here, there = "urn:depot-floor:LC01", "urn:depot-floor:LC02"
    with person(server, "keeper", THERE) as keeper:
        theirs = pages(keeper, {"perPage": "5"})
        assert theirs == [e for e in whole if e["bizLocation"]["id"] == there] != []
        assert pages(keeper, {"EQ_bizLocation": here}) == []
        assert keeper.get(URL, params={"warehouse": HERE}).status_code == 403
    with person(server, "auditor", None) as auditor:
        assert pages(auditor, {"EQ_bizLocation": here}) == [
            e for e in whole if e["bizLocation"]["id"] == here
        ]
