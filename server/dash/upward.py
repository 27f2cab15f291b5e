"""Reporting upward (上报): the feed to the provincial platform as the centre watches it: each
endpoint's outbox (delivered, waiting, the last error, the next try), and each report's due
clock (art. 14: the monthly report by the 10th of the month after; an emergency dispatch's
report at once), marked when delivered. A depot's people see their depot's part."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.overview import THE_DEPOT
from server.domain import depot_time
from server.domain.bounds import Filter
from server.storage import feed_views
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
STATES = {
    "on_time": ("按时报送", "delivered on time"),
    "late": ("逾期报送", "delivered late"),
    "waiting": ("待报送", "waiting"),
    "overdue": ("已逾期，未报送", "overdue, not delivered"),
    "unsent": ("未配置上报平台", "no platform takes it"),
}


@router.get("/upward", response_class=HTMLResponse)
def upward_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    where, now = scope.depot, now_of(request)
    with engine_of(request).connect() as conn:
        outboxes = feed_views.outboxes(conn, where)
        monthly = feed_views.monthly_clocks(conn, where, now)
        emergency = feed_views.emergency_clocks(conn, where, now)
    return page(
        request, "dash/upward.html", scope.user, outboxes=outboxes, monthly=monthly,
        emergency=emergency, states=STATES, local=depot_time.local, depot=where,
    )  # fmt: skip
