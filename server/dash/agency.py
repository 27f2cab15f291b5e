"""Agency storage points (代储点, art. 9): per point, its contracts with their period and the
days left (ended ones and those ending within 30 days marked), and per item of each contract
what it must hold against what it holds: available (what counts towards the contract; below
the contract in red) and in the other statuses beside it (reserved, waiting for acceptance,
on hold, waiting to be scrapped). The contracts come in as master data
(server/services/agency_contracts.py); the rule of a term and a short line is
server.domain.contracts. Every role that reads the depots sees it; a depot's people see their
own point only (`?depot=` names one for the others)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.overview import STATUS_NAMES, THE_DEPOT
from server.domain import depot_time
from server.domain.bounds import Filter
from server.domain.contracts import EXPIRING_DAYS, Held, term
from server.storage import agency
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
TERMS = {
    "pending": ("未开始", "not started"),
    "running": ("履行中", "running"),
    "expiring": (f"{EXPIRING_DAYS} 天内到期", f"ends within {EXPIRING_DAYS} days"),
    "expired": ("已到期", "ended"),
}
OTHER = tuple(s for s in STATUS_NAMES if s != "available")  # shown beside what is available


def agency_values(request: Request, depot: str | None) -> dict[str, Any]:
    """Each point with its contracts, each contract with its term and its lines held."""
    today = depot_time.today(now_of(request))
    shown = []
    for point in agency.points(engine_of(request), depot):
        held = point["held"]
        contracts = []
        for c in point["contracts"]:
            lines = []
            for line in c["lines"]:
                item = line["item_code"]
                statuses = tuple((s, held.get((item, s), 0)) for s in STATUS_NAMES)
                lines.append({**line, "held": Held(item, line["qty"], statuses),
                              "by_status": dict(statuses)})  # fmt: skip
            contracts.append(
                {**c, "term": term(c["starts_on"], c["ends_on"], today), "lines": lines}
            )
        shown.append({**point, "contracts": contracts})
    return {"points": shown, "depot": depot, "today": today, "terms": TERMS, "other": OTHER,
            "statuses": STATUS_NAMES}  # fmt: skip


@router.get("/agency", response_class=HTMLResponse)
def agency_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return page(request, "dash/agency.html", scope.user, **agency_values(request, scope.depot))
