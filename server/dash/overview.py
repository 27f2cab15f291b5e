"""The overview (总览): a depot at a glance, or the whole network with a map of the depots."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine

from server.dash.charts import Bar, Place, bars, depot_map
from server.dash.common import lang_of, page, partial
from server.dash.region_cache import region
from server.domain import depot_time
from server.domain.ageing import AGE_BANDS, REMAINING_BANDS
from server.domain.bounds import Filter
from server.domain.scope import Named
from server.services import figures
from server.storage import dashboard, figures_version
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
# the depot a page shows (?depot=LC01); a person bound to one sees only that one
THE_DEPOT = Named("depot")
STATUS_NAMES = {
    "pending_acceptance": ("待验收", "pending acceptance"),
    "available": ("可用", "available"),
    "reserved": ("已预留", "reserved"),
    "on_hold": ("冻结", "on hold"),
    "scrap_pending": ("待报废", "waiting for scrapping"),
    "rejected": ("拒收待退", "rejected, back to the supplier"),
}
TONES = {"overdue": "bad", "due_soon": "warn"}


def overview_values(request: Request, where: str | None) -> dict[str, Any]:
    """The overview: its figures worked out once per change of them (region_cache, under
    server.storage.figures_version: a move that leaves them as they were changes nothing),
    and the floor's latest events, read each time (by index, ten rows)."""
    engine, lang = engine_of(request), lang_of(request)
    today = depot_time.today(now_of(request))
    values: dict[str, Any] = region(
        request,
        "overview",
        where,
        lambda: _worked_out(engine, where, lang, today),
        marked_by=figures_version.read,
    )
    return {**values, "events": dashboard.latest_events(engine, where, limit=10)}


def _worked_out(engine: Engine, where: str | None, lang: str, today: date) -> dict[str, Any]:
    figures.keep_for_today(engine, where, today)
    with engine.connect() as conn:  # one connection for every figure
        named = dashboard.catalogue(conn)
        found = dashboard.facts(conn, where)
        overdue_passed = dashboard.reinspected_overdue(conn, where, today, named)
        every = dashboard.depots(conn, found)
        urgent = dashboard.urgent_batches(conn, where, today, named)
    rows = dashboard.stock_by_item(found, named)
    aged = dashboard.ageing_of(found, overdue_passed)
    pick = 2 if lang == "en" else 1
    age_chart = bars(
        "库存物资年龄 Stock by age",
        [Bar(str(band[pick]), qty) for band, (_, qty) in zip(AGE_BANDS, aged.by_age, strict=True)],
    )
    remaining_chart = bars(
        "剩余储存年限 Storage years left",
        [
            Bar(band[pick], aged.by_remaining[band[0]][1], TONES.get(band[0], ""))
            for band in REMAINING_BANDS
        ],
    )
    all_depots = every if where is None else []
    values: dict[str, Any] = {
        "depot": where,
        "depot_row": next((d for d in every if d["code"] == where), None),
        "rows": rows,
        "categories": dashboard.by_category(rows),
        "category_names": dashboard.CATEGORY_NAMES,
        "statuses": STATUS_NAMES,
        "ageing": aged,
        "remaining_bands": REMAINING_BANDS,
        "age_chart": age_chart,
        "remaining_chart": remaining_chart,
        "urgent": urgent,
        "depots": all_depots,
        "today": today,
    }
    if all_depots and where is None:
        values["map"] = depot_map(
            "储备库分布 Depots and their stock",
            [
                Place(d["code"], d["name_zh"] if lang == "zh" else d["name_en"], d["lat"],
                      d["lon"], d["total"])
                for d in all_depots
            ],
        )  # fmt: skip
    return values


@router.get("/", response_class=HTMLResponse)
def overview(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    values = overview_values(request, scope.depot)
    return page(request, "dash/overview.html", scope.user, **values)


@router.get("/partials/overview", response_class=HTMLResponse)
def overview_partial(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
) -> Response:
    return partial(request, "dash/overview_live.html", **overview_values(request, scope.depot))
