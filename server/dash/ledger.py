"""The ledger (台账) from a number down to what made it: stock lines, the postings behind a
line, the event or approval behind a posting; and the audit trail of who did what (审计).

Every list is paged (50 a page); drill-down goes by ids, so each step reads by an index."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from server.dash.common import page
from server.dash.overview import STATUS_NAMES, THE_DEPOT
from server.domain.bounds import Code, Filter, Id, Page, Ref
from server.domain.errors import NotFoundPage
from server.domain.scope import Of, Own
from server.services import audit
from server.storage import ledger_views, queries
from server.web.deps import engine_of
from server.web.guard import Scope, screen

router = APIRouter(include_in_schema=False)
PAGE = 50


def _page_number(value: Page | None) -> int:
    return max(1, value or 1)


@router.get("/ledger", response_class=HTMLResponse)
def stock_lines(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Filter | None = None,
    item: Filter | None = None,
    batch: Filter | None = None,
    location: Filter | None = None,
    status: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """Stock lines matching a filter, oldest inbound first; each quantity opens its postings."""
    where = scope.depot
    number = _page_number(p)
    status = status if status in STATUS_NAMES else None
    f = queries.StockFilter(where, item or None, batch or None, location or None,
                            status or None, PAGE, (number - 1) * PAGE)  # fmt: skip
    total, rows = queries.stock_rows(engine_of(request), f)
    filters = {"depot": where or "", "item": item or "", "batch": batch or "",
               "location": location or "", "status": status or ""}  # fmt: skip
    return page(request, "dash/ledger.html", scope.user, rows=rows, total=total, number=number,
                pages=max(1, -(-total // PAGE)), filters=filters, statuses=STATUS_NAMES,
                depot=where)  # fmt: skip


@router.get("/ledger/postings", response_class=HTMLResponse)
def line_postings(
    request: Request,
    scope: Annotated[Scope, screen("read", THE_DEPOT)],
    depot: Code,
    location: Ref,
    item: Code,
    batch: Code,
    status: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """The postings of one stock line (location, batch, and status if given), newest first,
    with the running balance they add up to."""
    where = scope.named
    status = status if status in STATUS_NAMES else None
    stack = ledger_views.line_ids(engine_of(request), where, location, item, batch)
    if stack is None:
        raise NotFoundPage(f"no stock line {location} {item} {batch} in {where}")
    number = _page_number(p)
    total, balance, rows = ledger_views.line_postings(
        engine_of(request), where, stack, status, PAGE, (number - 1) * PAGE
    )
    return page(request, "dash/postings.html", scope.user, rows=rows, total=total, number=number,
                pages=max(1, -(-total // PAGE)), line={"depot": where, "location": location,
                "item": item, "batch": batch, "status": status, "qty": int(balance)},
                statuses=STATUS_NAMES)  # fmt: skip


@router.get("/ledger/events/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request,
    event_id: Ref,
    scope: Annotated[Scope, screen("read", Of("event", "event_id"))],
) -> Response:
    """One event from the floor: what the gateway sent, the verdict, its postings."""
    event, lines = ledger_views.event_with_postings(engine_of(request), event_id)
    payload = json.dumps(json.loads(event["payload"]), ensure_ascii=False, indent=1)
    return page(request, "dash/event.html", scope.user, event=event, payload=payload, lines=lines,
                statuses=STATUS_NAMES)  # fmt: skip


@router.get("/ledger/approvals/{approval_id}", response_class=HTMLResponse)
def approval_page(
    request: Request,
    approval_id: Id,
    scope: Annotated[Scope, screen("read", Of("approval", "approval_id"))],
) -> Response:
    """One decision (acceptance, adjustment, scrapping ...): who, when, what, its postings."""
    decision, lines = ledger_views.approval_with_postings(engine_of(request), approval_id)
    payload = json.dumps(json.loads(decision["payload"]), ensure_ascii=False, indent=1)
    return page(request, "dash/approval.html", scope.user, decision=decision, payload=payload,
                lines=lines, statuses=STATUS_NAMES)  # fmt: skip


@router.get("/audit", response_class=HTMLResponse)
def audit_trail(
    request: Request,
    scope: Annotated[Scope, screen("audit", Own())],
    actor: Filter | None = None,
    p: Page | None = None,
) -> Response:
    """Who did what and when, newest first (paged); a depot's people see their depot's."""
    number = _page_number(p)
    rows = audit.entries(
        engine_of(request), scope.depot, actor=actor, limit=PAGE + 1, offset=(number - 1) * PAGE
    )
    more = len(rows) > PAGE
    return page(request, "dash/audit.html", scope.user, rows=rows[:PAGE], number=number, more=more,
                actor=actor or "")  # fmt: skip
