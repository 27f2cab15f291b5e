"""Months and clocks in the depots' time zone (China Standard Time unless set otherwise), on
SQLite and PostgreSQL: November's report runs to 1 December 00:00 Beijing time, not 08:00;
`--timezone` (or DEPOT_TIMEZONE) changes it, and a report kept for one zone is never served
for another; the reports kept in UTC months before migration 0018 are kept as such."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, select, text, update

from demo.exampledata import generate
from demo.load import load_example
from harness.depot import ADMIN, Depot, ServerProcess
from harness.procs import DEPOT
from kernel.clock import system_clock
from server.services.events import Caller, ingest
from server.services.reports import kept_monthly, monthly
from server.storage.db import alembic_config, make_engine, migrate
from server.storage.tables import monthly_reports, postings

CALLER = Caller("gateway-LC01", "LC01")
TODAY = date(2026, 12, 10)
NOW = datetime(2026, 12, 10, 4, tzinfo=UTC)  # noon of TODAY in Beijing
MOMENTS = {
    "A": datetime(2026, 10, 31, 16, 30, tzinfo=UTC),  # 1 November 00:30 Beijing time
    "B": datetime(2026, 11, 30, 16, 30, tzinfo=UTC),  # 1 December 00:30 Beijing time
}
QTY = {"A": 30, "B": 7}
OPENING, CLOSING = 6, 12


def received_at_month_ends(engine: Engine, gtin: str) -> None:
    """Receiving A just after November began in Beijing (still October in UTC) and B just
    after it ended (still November in UTC)."""
    for name, moment in MOMENTS.items():
        event = {"event_id": str(uuid.uuid4()), "type": "receiving", "warehouse": "LC01",
                 "occurred_at": moment.isoformat(), "location": "D01", "gtin": gtin,
                 "batch": f"TZ{name}", "qty": QTY[name]}  # fmt: skip
        with engine.connect() as conn:
            last = conn.execute(select(func.coalesce(func.max(postings.c.id), 0))).scalar_one()
        assert ingest(engine, CALLER, [event], now=system_clock())[0].result == "accepted"
        with engine.begin() as conn:
            conn.execute(update(postings).where(postings.c.id > last).values(posted_at=moment))


def row_of(rows: list[Any], code: str) -> tuple[int, int]:
    """(opening, closing) of an item's row."""
    (row,) = [r for r in rows if r[2] == code]
    return int(row[OPENING]), int(row[CLOSING])


def shown_on_screen(page: str, code: str) -> tuple[int, int]:
    """(opening, closing) of an item's row on the dashboard's monthly report."""
    row = re.search(rf'<span class="en">{code}</span>.*?</tr>', page, re.S)
    assert row is not None
    cells = re.findall(r'<td class="num">([^<]*)</td>', row[0])
    return int(cells[0].replace(",", "")), int(cells[6].replace(",", ""))


BEIJING = (0, QTY["A"])  # November in Beijing time: A in it, B after it
IN_UTC = (QTY["A"], QTY["A"] + QTY["B"])  # November in UTC: A before it, B in it


def test_november_ends_at_midnight_in_beijing(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    item = depot.example.items[3]
    received_at_month_ends(engine, item.gtin)
    assert row_of(monthly(engine, "2026-11", "LC01", TODAY), item.code) == BEIJING
    assert row_of(kept_monthly(engine, "2026-11", "LC01", NOW), item.code) == BEIJING
    october = kept_monthly(engine, "2026-10", "LC01", NOW)
    assert [r for r in october if r[2] == item.code] == []  # A was received in November
    december = monthly(engine, "2026-12", "LC01", date(2027, 1, 1))
    assert row_of(december, item.code) == (QTY["A"], QTY["A"] + QTY["B"])
    engine.dispose()


def test_the_timezone_setting_counts_months_and_shows_times_in_its_zone(
    depot: Depot, tmp_path: Path
) -> None:
    engine = make_engine(depot.db_url)
    item = depot.example.items[3]
    received_at_month_ends(engine, item.gtin)
    engine.dispose()
    lc01 = next(w for w in depot.example.warehouses if w.code == "LC01")
    order = {"number": "TZ-1", "kind": "request", "basis": "绵应急调〔2026〕1号",
             "destination": "北川县", "lat": lc01.lat, "lon": lc01.lon,
             "lines": [{"item": depot.example.items[0].code, "qty": 1}],
             "notified_at": "2026-11-30T20:00:00+00:00"}  # fmt: skip
    shown = {}
    for zone, expected, due in (
        (None, BEIJING, "2026-12-01 12:00"),  # 8 hours after 1 December 04:00 Beijing time
        ("UTC", IN_UTC, "2026-12-01 04:00"),
    ):
        args = ("--timezone", zone) if zone else ()
        server = ServerProcess(depot.db_url, tmp_path / (zone or "default"), args=args)
        (tmp_path / (zone or "default")).mkdir()
        server.start()
        try:
            with server.login(ADMIN) as admin:
                report = admin.get("/api/v1/reports/monthly",
                                   params={"month": "2026-11", "warehouse": "LC01"})  # fmt: skip
                assert report.status_code == 200, report.text
                assert row_of(report.json()["rows"], item.code) == expected
                if zone is None:
                    placed = admin.post("/api/v1/dispatch/orders", json=order)
                    assert placed.status_code == 201, placed.text
                    shown["order"] = placed.json()["id"]
                page = admin.get(f"/orders/{shown['order']}").text
                assert f"First batch within 8 hours</span> · {due}" in page
                screen = admin.get("/reports", params={"month": "2026-11"}).text
                assert shown_on_screen(screen, item.code) == expected
        finally:
            server.stop()
    engine = make_engine(depot.db_url)
    with engine.connect() as conn:
        zones = set(conn.execute(select(monthly_reports.c.zone).distinct()).scalars())
    assert zones == {"Asia/Shanghai", "UTC"}
    engine.dispose()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_an_unknown_zone_stops_the_server(depot: Depot, tmp_path: Path) -> None:
    server = ServerProcess(depot.db_url, tmp_path, args=("--timezone", "Asia/Beijing"))
    with pytest.raises(RuntimeError, match="'Asia/Beijing' is not a time zone"):
        server.start()


@pytest.mark.parametrize("how", ["--timezone", "DEPOT_TIMEZONE"])
def test_an_unknown_zone_stops_the_gateway(tmp_path: Path, how: str) -> None:
    """The gateway reckons the depot's date by the same rule (FIFO's "today"), set the same
    way, and refuses a name no zone has before it takes a read."""
    (tmp_path / "gateway.token").write_text("token\n")
    config = tmp_path / "gateway.toml"
    config.write_text(
        'site = "LC01"\ndatabase = "gateway.sqlite"\n[broker]\nhost = "127.0.0.1"\n'
        'port = 1\n[server]\nurl = "http://127.0.0.1:1"\ntoken_file = "gateway.token"\n'
    )
    env = {k: v for k, v in os.environ.items() if k != "DEPOT_TIMEZONE"}
    args = ["--timezone", "Asia/Beijing"] if how == "--timezone" else []
    if how == "DEPOT_TIMEZONE":
        env["DEPOT_TIMEZONE"] = "Asia/Beijing"
    done = subprocess.run(
        [DEPOT, "gateway", "run", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "'Asia/Beijing' is not a time zone" in done.stderr
    assert not (tmp_path / "gateway.sqlite").exists()  # stopped before opening its book


def downgrade(engine: Engine, revision: str) -> None:
    """Take the schema back to `revision` (each migration's downgrade)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def before_0018() -> str:
    """The revision migration 0018 comes after."""
    down = ScriptDirectory.from_config(alembic_config()).get_revision("0018").down_revision
    assert isinstance(down, str)
    return down


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_reports_kept_in_utc_months_before_are_kept_as_such(
    db_url: str, zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(db_url)
    migrate(engine)  # today's code writes the receipts and makes the reports as 0017 did...
    example = generate()
    load_example(engine, example, with_stock=False)
    item = example.items[3]
    received_at_month_ends(engine, item.gtin)
    monkeypatch.setenv("DEPOT_TIMEZONE", "UTC")  # what the server counted in before 0018
    made_before = {s: monthly(engine, "2026-11", s, TODAY) for s in ("LC01", None)}
    downgrade(engine, before_0018())  # ...then the schema goes back to keep them as 0017 did
    with engine.begin() as conn:
        for scope, rows in made_before.items():
            conn.execute(
                text("INSERT INTO monthly_reports (month, scope, made_at, rows) "
                     "VALUES (:month, :scope, :made_at, :rows)"),
                {"month": "2026-11", "scope": scope or "*", "rows": json.dumps(rows),
                 "made_at": datetime(2026, 12, 1, 1, tzinfo=UTC)},
            )  # fmt: skip
    migrate(engine)
    with engine.connect() as conn:
        kept = conn.execute(select(monthly_reports.c.scope, monthly_reports.c.zone)).all()
    assert sorted(kept) == [("*", "UTC"), ("LC01", "UTC")]
    monkeypatch.setenv("DEPOT_TIMEZONE", zone)
    served = kept_monthly(engine, "2026-11", "LC01", NOW)
    assert row_of(served, item.code) == (BEIJING if zone == "Asia/Shanghai" else IN_UTC)
    if zone == "UTC":
        assert served == made_before["LC01"]  # the report kept before, served as it was
    with engine.connect() as conn:
        kept = conn.execute(select(monthly_reports.c.scope, monthly_reports.c.zone)).all()
    assert sorted(kept) == sorted({("*", "UTC"), ("LC01", "UTC"), ("LC01", zone)})
    engine.dispose()
