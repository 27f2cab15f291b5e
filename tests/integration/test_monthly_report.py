"""The monthly report (art. 14) from the ledger, and its CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date

import openpyxl

from harness.depot import ADMIN, Depot, ServerProcess
from server.acceptance import AcceptanceRequest, Inspection, decide
from server.db import make_engine
from server.events import Caller, ingest
from server.reports import monthly

THIS_MONTH = date.today().strftime("%Y-%m")


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
    ingest(engine, caller, [event("receiving", location="D01", qty=30)])
    decide(
        engine,
        "admin",
        AcceptanceRequest(
            "LC01", item.code, "MR1", "D01", 30, "accepted", Inspection("YS-M", 2, "pass")
        ),
    )
    assert (
        ingest(engine, caller, [event("loading", from_location="D01", qty=5)])[0].result
        == "accepted"
    )
    first_of_next = date(
        date.today().year + (date.today().month == 12), date.today().month % 12 + 1, 1
    )
    rows = monthly(engine, THIS_MONTH, "LC01", first_of_next)
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

    from server.report_keeper import keep_last_month, last_finished_month
    from server.reports import kept_monthly
    from server.tables import monthly_reports

    engine = make_engine(depot.db_url)
    today = date(2026, 12, 3)
    assert keep_last_month(engine, today) == 3  # the network, LC01, LC02
    keep_last_month(engine, today)  # again: nothing new
    with engine.connect() as conn:
        kept = conn.execute(
            select(monthly_reports.c.scope, func.count()).group_by(monthly_reports.c.scope)
        ).all()
    assert sorted(kept) == [("*", 1), ("LC01", 1), ("LC02", 1)]
    assert (
        last_finished_month(today) == "2026-11"
        and last_finished_month(date(2027, 1, 9)) == "2026-12"
    )
    month = last_finished_month(today)
    assert kept_monthly(engine, month, "LC01", today) == monthly(engine, month, "LC01", today)
    engine.dispose()
