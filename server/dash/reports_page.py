"""The monthly report (月报, art. 14) on screen, for any finished month, with its CSV and
XLSX downloads (the same rows, from the API), and below it the same figures by national class
of the items (GB/T 38565: major and middle class, one line per unit; server.domain.class_report)
with their own downloads."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.overview import THE_DEPOT
from server.domain import depot_time
from server.domain.bounds import Filter
from server.domain.errors import ReportError
from server.services import report_classes, reports
from server.services.report_keeper import last_finished_month
from server.storage import queries
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

MONTH = re.compile(r"\d{4}-\d{2}")

router = APIRouter(include_in_schema=False)


@router.get("/reports", response_class=HTMLResponse)
def monthly_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    month: Filter | None = None,
    depot: Filter | None = None,
) -> Response:
    where, now = scope.depot, now_of(request)
    today = depot_time.today(now)
    latest = last_finished_month(today)
    chosen = month or latest
    error = None
    rows: list[tuple[object, ...]] = []
    engine = engine_of(request)
    known = where is None or queries.is_depot(engine, where)
    if not MONTH.fullmatch(chosen) or not "01" <= chosen[5:] <= "12" or chosen < "2000-01":
        error = f"month is YYYY-MM (2000-01 to {latest})"
    elif chosen > latest:
        error = f"the report for {chosen} is available from the 1st of the month after it"
    elif not known:
        error = f"no depot {where}"
    if error is None:
        try:
            rows = reports.kept_monthly(engine, chosen, where, now)
        except ReportError as exc:
            error = str(exc)
    totals = [sum(int(r[i]) for r in rows) for i in range(6, 14)]  # type: ignore[call-overload]
    classes = report_classes.monthly_by_class(engine, rows)
    query = urlencode({"month": chosen, **({"warehouse": where} if where else {})})
    return page(request, "dash/reports.html", scope.user, month=chosen, rows=rows, totals=totals,
                error=error, downloads=f"/api/v1/reports/monthly?{query}", depot=where,
                latest=latest, classes=classes)  # fmt: skip
