"""The monthly report (月报, art. 14) on screen, for any finished month, with its CSV and
XLSX downloads (the same rows, from the API)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server import reports
from server.dash.common import page, viewer
from server.dash.overview import scope
from server.deps import engine_of
from server.report_keeper import last_finished_month

router = APIRouter(include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
def monthly_page(request: Request, month: str | None = None, depot: str | None = None) -> Response:
    user = viewer(request)
    where = scope(user, depot)
    today = date.today()
    chosen = month or last_finished_month(today)
    error = None
    rows: list[tuple[object, ...]] = []
    try:
        rows = reports.kept_monthly(engine_of(request), chosen, where, today)
    except reports.ReportError as exc:
        error = str(exc)
    totals = [sum(int(r[i]) for r in rows) for i in range(6, 14)]  # type: ignore[call-overload]
    query = f"month={chosen}" + (f"&warehouse={where}" if where else "")
    return page(request, "dash/reports.html", user, month=chosen, rows=rows, totals=totals,
                error=error, downloads=f"/api/v1/reports/monthly?{query}", depot=where,
                latest=last_finished_month(today))  # fmt: skip
