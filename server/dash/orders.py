"""Dispatch orders (调运): progress of each order and pick list, the 8-hour first-batch clock
(art. 21) and the 48-hour paperwork clock (art. 19(4)) counting down, the handover notes; the
order's steps are posted to server.dash.order_steps."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kernel.dispatch_clocks import first_batch_due
from server.dash import order_steps
from server.dash.charts import timeline
from server.dash.common import lang_of, local, page, partial
from server.dash.forms import spent
from server.domain.bounds import Id, Page
from server.domain.permissions import allowed
from server.domain.scope import Of, Own
from server.services import notifications
from server.services.order_view import order_view
from server.storage import dashboard
from server.web.deps import engine_of, now_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
KINDS = {
    "request": ("申请调运", "on request"),
    "prepositioning": ("前置储备", "pre-positioning"),
    "emergency": ("紧急调运", "emergency"),
    "winter_spring": ("冬春救助", "winter-spring relief"),
}
STATES = {
    "open": ("进行中", "open"),
    "cancelled": ("已取消", "cancelled"),
    "closed": ("已完成", "done"),
}


PAGE = 50
THE_ORDER = Of("order", "order_id")
WHOLE_ORDER = Of("order", "order_id", whole=True)  # as the API's changes to an order


def list_values(request: Request, depot: str | None, number: int = 1) -> dict[str, Any]:
    number = max(1, number)
    rows = dashboard.orders(engine_of(request), depot, PAGE + 1, (number - 1) * PAGE)
    more, rows = len(rows) > PAGE, rows[:PAGE]
    now = now_of(request)
    for r in rows:
        notified = _utc(r["notified_at"])
        r["first_due"] = first_batch_due(notified)
        r["first_late"] = (
            r["first_arrival_at"] is None and now > r["first_due"] and r["status"] == "open"
        ) or (r["first_arrival_at"] is not None and _utc(r["first_arrival_at"]) > r["first_due"])
        due = _utc(r["written_order_due"]) if r["written_order_due"] else None
        r["written_due"] = due.isoformat() if due else None
        r["written_late"] = bool(due and not r["written_order"] and now > due)
        # a depot's people see their depot's share: loaded of what was picked from it
        whole = r["picked"] if depot else r["asked"]
        r["share_of"] = whole
        r["loaded_share"] = round(100 * r["loaded"] / whole) if whole else 0
    return {"orders": rows, "kinds": KINDS, "states": STATES, "number": number, "more": more}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def detail_values(request: Request, depot: str | None, order_id: int) -> dict[str, Any]:
    """An order, or a depot's part of it (its pick lines and handover notes)."""
    order = order_view(engine_of(request), order_id, now_of(request), depot)
    picks = order["picks"]
    per_depot: dict[str, dict[str, int]] = {}
    for p in picks:
        d = per_depot.setdefault(p["warehouse"], {"qty": 0, "loaded": 0})
        d["qty"] += int(p["qty"])
        d["loaded"] += int(p["loaded"])
    en = lang_of(request) == "en"
    moments = [(order["notified_at"], "接到通知" if not en else "notified", "")]
    for note in order["handovers"]:
        moments.append(
            (note["created_at"], f"{'交接' if not en else 'handover'} {note['plate']}", "")
        )
    if order["first_arrival_at"]:
        tone = "ok" if order["first_batch_on_time"] else "bad"
        moments.append(
            (order["first_arrival_at"], "首批到达" if not en else "first batch in", tone)
        )
    else:
        moments.append(
            (order["first_batch_due"], "首批时限" if not en else "first batch due", "warn")
        )
    if order["written_order_due"]:
        tone = (
            "ok" if order["written_order"] else ("bad" if order["written_order_late"] else "warn")
        )
        what = "书面调令" if not en else "written order"
        moments.append((order["written_order_due"], what, tone))
    moments.sort(key=lambda m: m[0])
    picture = timeline(
        "调运时间线 Timeline of the order",
        [(local(m[0])[5:], m[1], m[2]) for m in moments],
    )
    return {
        "order": order,
        "picks": picks,
        "per_depot": per_depot,
        "timeline": picture,
        "kinds": KINDS,
        "states": STATES,
    }


@router.get("/orders", response_class=HTMLResponse)
def order_list(
    request: Request, scope: Annotated[Scope, screen("read", Own())], p: Page = 1
) -> Response:
    told = notifications.for_person(engine_of(request), scope.user.username, limit=10)
    values = list_values(request, scope.depot, p)
    may_create = allowed(scope.user.role, order_steps.MAY_DISPATCH)
    return page(request, "dash/orders.html", scope.user, told=told, may_create=may_create, **values)


@router.get("/partials/orders", response_class=HTMLResponse)
def order_list_partial(
    request: Request, scope: Annotated[Scope, screen("read", Own())], p: Page = 1
) -> Response:
    return partial(request, "dash/orders_live.html", **list_values(request, scope.depot, p))


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(
    request: Request, order_id: Id, scope: Annotated[Scope, screen("read", THE_ORDER)]
) -> Response:
    values = detail_values(request, scope.depot, order_id)
    role = scope.user.role
    answer = page(
        request,
        "dash/order.html",
        scope.user,
        may_dispatch=allowed(role, order_steps.MAY_DISPATCH),
        # the person who planned it may not cancel it (server/domain/duties.py)
        may_cancel=allowed(role, order_steps.MAY_CANCEL)
        and values["order"]["created_by"] != scope.user.username,
        message=order_steps.message(request),
        **values,
    )
    return spent(request, answer)


@router.get("/partials/orders/{order_id}", response_class=HTMLResponse)
def order_partial(
    request: Request, order_id: Id, scope: Annotated[Scope, screen("read", THE_ORDER)]
) -> Response:
    return partial(request, "dash/order_live.html", **detail_values(request, scope.depot, order_id))
