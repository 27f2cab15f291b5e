"""The monthly report (art. 14) from the ledger, and its CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

import openpyxl
import pytest

from harness.depot import ADMIN, Depot, ServerProcess
from harness.orders import dispatch, loading
from kernel.clock import system_clock
from server.domain import depot_time
from server.domain.errors import ReportError
from server.services.acceptance import AcceptanceRequest, Inspection, decide
from server.services.events import Caller, ingest
from server.services.reports import monthly
from server.storage.db import make_engine

TODAY = depot_time.today(
    system_clock()
)  # the depots' date: months are theirs (China Standard Time)
THIS_MONTH = TODAY.strftime("%Y-%m")
FIRST_OF_NEXT = date(TODAY.year + (TODAY.month == 12), TODAY.month % 12 + 1, 1)


def test_the_month_in_figures(depot: Depot) -> None:
    engine = make_engine(depot.db_url)
    item = depot.example.items[4]

    def event(kind: str, **fields: object) -> dict[str, object]:
        return {
            "event_id": str(uuid.uuid4()),
            "type": kind,
            "warehouse": "LC01",
            "occurred_at": "2026-11-23T09:00:00+08:00",
            "gtin": item.gtin,
            "batch": "MR1",
            **fields,
        }

    caller = Caller("gateway-LC01", "LC01")
    ingest(engine, caller, [event("receiving", location="D01", qty=30)], now=system_clock())
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            "LC01",
            item.code,
            "MR1",
            "D01",
            30,
            "accepted",
            Inspection("YS-M", 2, "pass", "ZJ-2026-0457"),
        ),
        now=system_clock(),
    )
    number, (pick,) = dispatch(engine, depot.example, item.code, 5)
    assert (
        ingest(engine, caller, [loading(number, pick, item.gtin)], now=system_clock())[0].result
        == "accepted"
    )
    rows = monthly(engine, THIS_MONTH, "LC01", FIRST_OF_NEXT)
    assert len(rows) == 1
    (
        warehouse,
        _,
        code,
        name,
        _,
        unit,
        opening,
        inbound,
        outbound,
        rotated,
        scrapped,
        adjusted,
        closing,
        value,
    ) = rows[0]
    assert (warehouse, code, name, unit) == ("LC01", item.code, item.name_zh, item.unit_zh)
    assert (opening, inbound, outbound, rotated, scrapped, adjusted, closing) == (
        0,
        30,
        5,
        0,
        0,
        0,
        25,
    )
    assert value == 25 * item.unit_price_cents


def test_the_report_is_for_finished_months_and_downloads(server: ServerProcess) -> None:
    with server.login(ADMIN) as admin:
        early = admin.get("/api/v1/reports/monthly", params={"month": THIS_MONTH})
        assert early.status_code == 422 and "available from" in early.text
        assert admin.get("/api/v1/reports/monthly", params={"month": "2026-13"}).status_code == 422
        as_json = admin.get("/api/v1/reports/monthly", params={"month": "2026-10"}).json()
        assert as_json["header"][7] == "inbound 入库"
        as_csv = admin.get("/api/v1/reports/monthly", params={"month": "2026-10", "format": "csv"})
        header = next(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
        assert header == as_json["header"]
        as_xlsx = admin.get(
            "/api/v1/reports/monthly", params={"month": "2026-10", "format": "xlsx"}
        )
        sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
        assert sheet is not None and sheet.title == "2026-10 月报"
        assert [c.value for c in sheet[1]] == as_json["header"]


def test_last_months_reports_are_made_once_by_the_server(depot: Depot) -> None:
    from sqlalchemy import func, select

    from server.services.report_keeper import keep_last_month, last_finished_month
    from server.services.reports import kept_monthly
    from server.storage.tables import monthly_reports

    engine = make_engine(depot.db_url)
    now = system_clock()
    today = depot_time.today(now)
    assert keep_last_month(engine, now) == 3  # the network, LC01, LC02
    keep_last_month(engine, now)  # again: nothing new
    with engine.connect() as conn:
        kept = conn.execute(
            select(monthly_reports.c.scope, func.count()).group_by(monthly_reports.c.scope)
        ).all()
    assert sorted(kept) == [("*", 1), ("LC01", 1), ("LC02", 1)]
    assert last_finished_month(date(2026, 12, 3)) == "2026-11"
    assert last_finished_month(date(2027, 1, 9)) == "2026-12"
    month = last_finished_month(today)
    assert kept_monthly(engine, month, "LC01", now) == monthly(engine, month, "LC01", today)
    engine.dispose()


def test_reports_rolled_month_by_month_equal_the_journal(depot: Depot) -> None:
    """Made from the month before and its own postings, each month's report is exactly the
    one made from the whole journal."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select, update

    from server.services.reports import kept_monthly
    from server.storage.tables import monthly_reports, postings

    engine = make_engine(depot.db_url)
    item = depot.example.items[4]
    caller = Caller("gateway-LC01", "LC01")

    def shift(after: int, to: datetime) -> int:
        with engine.begin() as conn:
            conn.execute(update(postings).where(postings.c.id > after).values(posted_at=to))
            return int(conn.execute(select(func.max(postings.c.id))).scalar_one() or 0)

    base = {"warehouse": "LC01", "occurred_at": "2026-09-20T09:00:00+08:00", "gtin": item.gtin,
            "batch": "RL1"}  # fmt: skip
    august = {**base, "batch": "RL0"}
    at = system_clock()  # moved to their months below
    ingest(engine, caller, [{"event_id": str(uuid.uuid4()), "type": "receiving",
                             "location": "D01", "qty": 20, **august}], at)  # fmt: skip
    decide(engine, "admin", AcceptanceRequest("LC01", item.code, "RL0", "D01", 20, "accepted",
                                              Inspection("YS-Q", 2, "pass", "ZJ-1")),
           at)  # fmt: skip
    opening = shift(0, datetime(2026, 8, 15, 3, tzinfo=UTC))
    ingest(engine, caller, [{"event_id": str(uuid.uuid4()), "type": "receiving",
                             "location": "D01", "qty": 40, **base}], at)  # fmt: skip
    decide(engine, "admin", AcceptanceRequest("LC01", item.code, "RL1", "D01", 40, "accepted",
                                              Inspection("YS-R", 2, "pass", "ZJ-1")),
           at)  # fmt: skip
    received = shift(opening, datetime(2026, 9, 20, 1, tzinfo=UTC))
    number, (pick,) = dispatch(engine, depot.example, item.code, 15)
    loaded = ingest(engine, caller, [loading(number, pick, item.gtin)], now=system_clock())
    assert loaded[0].result == "accepted"
    shift(received, datetime(2026, 10, 10, 8, tzinfo=UTC))
    now = datetime(2026, 11, 24, 2, tzinfo=UTC)
    today = depot_time.today(now)
    for scope in ("LC01", None):
        rolled = kept_monthly(engine, "2026-10", scope, now)  # makes August and September too
        assert rolled == monthly(engine, "2026-10", scope, today)
        for month in ("2026-08", "2026-09"):
            assert kept_monthly(engine, month, scope, now) == monthly(engine, month, scope, today)
    with engine.connect() as conn:
        kept = sorted(conn.execute(select(monthly_reports.c.month, monthly_reports.c.scope)))
    assert kept == [(m, s) for m in ("2026-08", "2026-09", "2026-10") for s in ("*", "LC01")]
    row = next(r for r in kept_monthly(engine, "2026-10", "LC01", now) if r[2] == item.code)
    september = next(r for r in monthly(engine, "2026-09", "LC01", today) if r[2] == item.code)
    assert row[6] == september[12] and row[8] == 15  # opening = September's closing; 15 out
    engine.dispose()


def test_a_month_just_ended_is_not_kept_yet(depot: Depot) -> None:
    """A month just over by the depots' calendar may still take the postings of requests
    running at midnight: it is shown, but kept only an hour after its end."""

    from sqlalchemy import func, select

    from server.services.reports import kept_monthly
    from server.storage.tables import monthly_reports

    engine = make_engine(depot.db_url)
    end = depot_time.start_of_day(FIRST_OF_NEXT)  # the month's end, as the server's clock says

    def kept() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(monthly_reports)).scalar_one())

    with pytest.raises(ReportError, match="available from"):
        kept_monthly(engine, THIS_MONTH, "LC01", end - timedelta(minutes=1))
    shown = kept_monthly(engine, THIS_MONTH, "LC01", end + timedelta(minutes=59))
    assert shown == monthly(engine, THIS_MONTH, "LC01", FIRST_OF_NEXT) and kept() == 0
    assert kept_monthly(engine, THIS_MONTH, "LC01", end + timedelta(hours=1)) == shown
    assert kept() == 1  # an hour after the end: kept for good
    engine.dispose()
