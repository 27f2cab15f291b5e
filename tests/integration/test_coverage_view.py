"""The coverage view (/coverage and GET /api/v1/coverage) through the running server, on the
example depot's places of Mianyang: the table's figures against figures worked out here from
the example's own data (its batches, places and roads), with a distance formula and a storage
rule of this test's own, and the red marks where the 2 hours are not met."""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterator
from contextlib import closing
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from harness.depot import ADMIN, Depot, ServerProcess, prepare_database
from harness.forms import signed_in
from kernel.clock import system_clock
from server.domain import depot_time
from server.services.accounts import create_user
from server.storage.db import make_engine

PASSWORD = "a-long-enough-password"
ROAD_KMH, LINE_KMH, LIMIT = 60, 45, 2


def straight_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great circle by the spherical law of cosines (the server uses the haversine)."""
    (p1, l1), (p2, l2) = (tuple(map(math.radians, x)) for x in (a, b))
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(l2 - l1)
    return 6371.0 * math.acos(min(1.0, cosine))


def usable(example: Any, today: date) -> set[tuple[str, str]]:
    """(depot, item) with stock that may go out today: a batch within its storage years (the
    same day that many years after it was made; no re-inspections in the example)."""

    def last_day(made: date, years: int) -> date:
        year = made.year + years
        return date(year, made.month, min(made.day, calendar.monthrange(year, made.month)[1]))

    years = {i.code: i.storage_years for i in example.items}
    return {
        (b.warehouse, b.item_code)
        for b in example.batches
        if b.quantity > 0 and today <= last_day(b.prod_date, years[b.item_code])
    }


def expected(example: Any, depots: set[str], today: date) -> dict[tuple[str, str], Any]:
    """(place, item) -> (depot, km, hours, by road) of the soonest depot holding the item, or
    None; the key items are the first of each category."""
    keys = sorted({min(i.code for i in example.items if i.category == c.code)
                   for c in example.categories})  # fmt: skip
    roads = {(r.warehouse, r.place): r.km for r in example.roads}
    held = usable(example, today)
    answer: dict[tuple[str, str], Any] = {}
    for place in example.places:
        for item in keys:
            ways = []
            for w in example.warehouses:
                if w.code not in depots or (w.code, item) not in held:
                    continue
                road = roads.get((w.code, place.code))
                km = road or straight_km((w.lat, w.lon), (place.lat, place.lon))
                ways.append((km / (ROAD_KMH if road else LINE_KMH), km, w.code, road is not None))
            best = min(ways) if ways else None
            answer[(place.code, item)] = best and (best[2], best[1], best[0], best[3])
    return answer


class Table(HTMLParser):
    """The coverage table as a reader sees it: per place its row's marks and per item the
    cell's class, depot, km and hours."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, Any]] = {}
        self.circles: list[dict[str, str]] = []
        self._place: str | None = None
        self._item: str | None = None
        self._span: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "circle":
            self.circles.append(a)
        elif tag == "tr" and "data-place" in a:
            self._place = a["data-place"]
            self.rows[self._place] = {"class": "", "cells": {}}
        elif tag == "th" and self._place and a.get("scope") == "row":
            self.rows[self._place]["class"] = a.get("class", "")
        elif tag == "td" and self._place:
            self._item = a["data-item"]
            self.rows[self._place]["cells"][self._item] = {"class": a["class"]}
        elif tag == "span" and self._item:
            self._span = a.get("class")

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._item = None
        elif tag == "tr":
            self._place = None
        elif tag == "span":
            self._span = None

    def handle_data(self, data: str) -> None:
        if self._place and self._item and self._span in ("depot", "km", "hours"):
            self.rows[self._place]["cells"][self._item][self._span] = data


def read(html: str) -> Table:
    table = Table()
    table.feed(html)
    return table


@pytest.fixture
def running(db_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, Depot]]:
    depot = prepare_database(db_url, with_stock=True)
    engine = make_engine(db_url)
    create_user(engine, "zhou", PASSWORD, role="supervisor", warehouse="LC02", now=system_clock())
    engine.dispose()
    server = ServerProcess(db_url, tmp_path).start()
    yield server, depot
    server.stop()


def test_the_table_shows_the_worked_out_figures_and_marks_the_uncovered_red(
    running: tuple[ServerProcess, Depot],
) -> None:
    server, depot = running
    example, today = depot.example, depot_time.today(system_clock())
    want = expected(example, {"LC01", "LC02"}, today)
    with closing(signed_in(server.url, *ADMIN)) as admin:
        html = admin.get("/coverage").text
        api = admin.get("/api/v1/coverage").json()
    table = read(html)
    assert set(table.rows) == {p.code for p in example.places}

    # one pair by the great circle, worked out here: the city depot to Youxian district, ~3.9 km
    lc01 = next(w for w in example.warehouses if w.code == "LC01")
    youxian = next(p for p in example.places if p.code == "MY-YOUXIAN")
    assert ("LC01", "ZS-0001") in usable(example, today)
    km = straight_km((lc01.lat, lc01.lon), (youxian.lat, youxian.lon))
    assert 3.5 < km < 4.5
    cell = table.rows["MY-YOUXIAN"]["cells"]["ZS-0001"]
    assert (cell["depot"], cell["km"], cell["hours"]) == ("LC01", f"{km:.1f}", f"{km / 45:.2f}")
    assert cell["class"] == "covered"
    # one by the recorded road: 68 km to Santai at 60 km/h, 1.13 h
    cell = table.rows["MY-SANTAI"]["cells"]["ZS-0001"]
    assert (cell["depot"], cell["km"], cell["hours"]) == ("LC01", "68.0", "1.13")
    # Pingwu, 175 km of mountain road from the city: red, the row and every cell
    assert "uncovered" in table.rows["MY-PINGWU"]["class"]
    assert table.rows["MY-PINGWU"]["cells"]["ZS-0001"]["hours"] == "2.92"
    assert {c["class"] for c in table.rows["MY-PINGWU"]["cells"].values()} == {"uncovered"}

    # every cell as worked out here
    for (place, item), best in want.items():
        cell = table.rows[place]["cells"][item]
        if best is None:
            assert cell == {"class": "uncovered"}, (place, item)
            continue
        depot_code, km, hours, _ = best
        assert (cell["depot"], cell["km"], cell["hours"]) == (
            depot_code, f"{km:.1f}", f"{hours:.2f}"), (place, item)  # fmt: skip
        assert cell["class"] == ("covered" if hours <= LIMIT else "uncovered"), (place, item)
    uncovered = {p for (p, _), b in want.items() if b is None or b[2] > LIMIT}
    assert uncovered >= {"MY-PINGWU", "MY-QINGPIAN"} and "MY-FUCHENG" not in uncovered
    assert {p for p, r in table.rows.items() if "uncovered" in r["class"]} == uncovered
    # the map: a circle per place, red where not covered, green where covered
    fills = {c["data-code"]: c["fill"] for c in table.circles}
    assert len(table.circles) == len(example.places)
    assert {p for p, fill in fills.items() if fill == "#b3261e"} == uncovered
    assert {p for p, fill in fills.items() if fill == "#1a7f37"} == set(fills) - uncovered
    assert len(re.findall(r'<rect class="depot-square"', html)) == 2
    # the API answers the same
    assert {p["code"] for p in api["places"] if not p["covered"]} == uncovered
    santai = next(p for p in api["places"] if p["code"] == "MY-SANTAI")
    assert next(c for c in santai["items"] if c["item"] == "ZS-0001") == {
        "item": "ZS-0001", "depot": "LC01", "km": 68.0, "hours": 1.13, "by_road": True,
        "covered": True}  # fmt: skip


def test_a_depots_people_see_what_their_depot_alone_reaches(
    running: tuple[ServerProcess, Depot],
) -> None:
    server, depot = running
    want = expected(depot.example, {"LC02"}, depot_time.today(system_clock()))
    with closing(signed_in(server.url, "zhou", PASSWORD)) as zhou:
        table = read(zhou.get("/coverage").text)
        assert zhou.get("/coverage", params={"depot": "LC01"}).status_code == 403
        assert zhou.get("/api/v1/coverage", params={"warehouse": "LC01"}).status_code == 403
    depots = {c.get("depot") for r in table.rows.values() for c in r["cells"].values()}
    assert depots <= {"LC02", None}
    # Jiangyou from Zitong by the great circle, no road recorded: ~41.8 km, 0.93 h
    jiangyou = table.rows["MY-JIANGYOU"]["cells"]["ZS-0001"]
    best = want[("MY-JIANGYOU", "ZS-0001")]
    assert best is not None and not best[3]
    assert (jiangyou["depot"], jiangyou["km"]) == ("LC02", f"{best[1]:.1f}")
    with closing(signed_in(server.url, *ADMIN)) as admin:
        assert admin.get("/coverage", params={"depot": "NOPE"}).status_code == 200
        assert admin.get("/api/v1/coverage", params={"warehouse": "NOPE"}).status_code == 404


def test_the_limit_is_the_servers_setting(db_url: str, tmp_path: Path) -> None:
    """At 3 hours Pingwu's 175 km of road from the city (2.92 h) are in time."""
    prepare_database(db_url, with_stock=True)
    server = ServerProcess(db_url, tmp_path, args=("--coverage-hours", "3")).start()
    try:
        with closing(signed_in(server.url, *ADMIN)) as admin:
            answer = admin.get("/api/v1/coverage").json()
    finally:
        server.stop()
    assert answer["limit_hours"] == 3
    pingwu = next(p for p in answer["places"] if p["code"] == "MY-PINGWU")
    tents = next(c for c in pingwu["items"] if c["item"] == "ZS-0001")
    assert (tents["depot"], tents["hours"], tents["covered"]) == ("LC01", 2.92, True)
