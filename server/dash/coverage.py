"""The coverage view (调运覆盖): which places the depots reach within the plans' 2 hours with
each key item (server.domain.coverage), on a map drawn here and in a table. A depot's people
see what their depot alone reaches; the others every depot's, or one's with `?depot=`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.charts import Spot, coverage_map
from server.dash.common import page
from server.dash.overview import THE_DEPOT
from server.domain.bounds import Filter
from server.services.coverage import coverage_of
from server.storage import queries
from server.web.deps import engine_of, now_of, reach_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)


def _tone(covered: bool) -> str:
    return "covered" if covered else "uncovered"


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    engine, where = engine_of(request), scope.depot
    if where is not None and not queries.is_depot(engine, where):
        return page(request, "dash/coverage.html", scope.user, error=f"no depot {where}",
                    depot=where, view=None, picture="")  # fmt: skip
    view = coverage_of(engine, where, reach_of(request), now_of(request))
    limit = view.coverage.reach.hours
    spots = [Spot(s.code, s.code, s.lat, s.lon, depot=True) for s in view.depots] + [
        Spot(
            p.place.code,
            p.place.name,
            p.place.lat,
            p.place.lon,
            tone=_tone(p.covered),
            note=f"{'≤' if p.covered else '>'} {limit:g} h",
        )
        for p in view.coverage.places
    ]
    title = f"调运覆盖 Dispatch coverage: {len(view.coverage.places)} places, {limit:g} h"
    return page(request, "dash/coverage.html", scope.user, view=view, depot=where, error=None,
                picture=coverage_map(title, spots))  # fmt: skip
